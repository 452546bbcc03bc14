//! Diagnostics: a problem found in a file, with a stable code, a span and a hint.
//!
//! Every check in flowctl reports through [`Diagnostics`] instead of stopping at the first
//! problem, so `flowctl validate` can show all of them at once. Rendering to text is in
//! [`crate::render`].

use crate::span::Span;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Worth knowing; does not stop anything.
    Warning,
    /// The project cannot run as written.
    Error,
}

macro_rules! codes {
    ($( $(#[$doc:meta])* $name:ident = $code:literal, )*) => {
        /// The stable code of a diagnostic (`E0203`). Codes never change meaning.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code { $( $(#[$doc])* $name, )* }

        impl Code {
            /// Every code, in order.
            pub const ALL: &'static [Code] = &[ $(Code::$name,)* ];

            /// The code as printed, e.g. `E0203`.
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$name => $code, )* }
            }
        }
    };
}

codes! {
    /// A file could not be read.
    Io = "E0001",
    /// The YAML is not well formed.
    YamlSyntax = "E0002",
    /// A key that is not allowed here.
    UnknownKey = "E0003",
    /// A value of the wrong YAML type (a list where text was expected, ...).
    WrongType = "E0004",
    /// A required key is missing.
    MissingKey = "E0005",
    /// A value is of the right type but not allowed (bad name, bad duration, ...).
    InvalidValue = "E0006",
    /// The same key twice in one mapping.
    DuplicateKey = "E0007",
    /// Two flows with the same name.
    DuplicateFlow = "E0101",
    /// A flow name that no file defines.
    UnknownFlow = "E0102",
    /// A helper flow that calls itself, directly or through others.
    RecursiveCall = "E0103",
    /// An input the helper flow does not declare.
    UnknownHelperInput = "E0104",
    /// An input the helper flow declares but the call does not give.
    MissingHelperInput = "E0105",
    /// The called flow is not a helper flow.
    NotAHelper = "E0106",
    /// A card kind that does not exist.
    UnknownCard = "E0201",
    /// Two steps with the same id in one flow.
    DuplicateStep = "E0202",
    /// A reference to a step (or name) that does not exist.
    UnknownStep = "E0203",
    /// A reference to a step written below the step that reads it.
    ForwardReference = "E0204",
    /// A field the referenced output does not have.
    UnknownField = "E0205",
    /// A value whose type cannot fit where it is used.
    TypeMismatch = "E0206",
    /// A template that does not parse.
    TemplateSyntax = "E0207",
    /// A JSONPath that does not parse.
    JsonPathSyntax = "E0208",
    /// A template helper that does not exist, or is called with the wrong arguments.
    UnknownHelper = "E0209",
    /// `after` closes a cycle.
    Cycle = "E0210",
    /// `item` or `index` used outside a list card's `inputs`.
    ItemOutsideList = "E0211",
    /// A card that only works in some triggers (`http.close` outside an API endpoint flow).
    WrongTrigger = "E0212",
    /// A card used more often than allowed (two `http.close` steps).
    TooManyResponses = "E0213",
    /// A connection that `flowctl.yaml` does not define.
    UnknownConnection = "E0214",
    /// A connection of the wrong kind for the card.
    WrongConnectionKind = "E0215",
    /// A step id that templates read as something else (`trigger`, `item`, `true`, ...).
    ReservedStepId = "E0216",
    /// A problem in `flowctl.yaml`.
    Config = "E0301",
    /// An environment variable that a connection or trigger needs is not set.
    MissingEnv = "E0302",
    /// A step that nothing reads and that has no effect.
    UnusedStep = "W0001",
    /// A template reads `<step>.error` of a step without `on_error: continue` (always empty).
    ErrorNeverSet = "W0002",
}

/// One problem, pointing at where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The stable code.
    pub code: Code,
    /// What is wrong, in one sentence.
    pub message: String,
    /// Where; `None` for problems that belong to no file.
    pub span: Option<Span>,
    /// A short label under the caret.
    pub label: Option<String>,
    /// What to do about it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error at a span.
    pub fn error(code: Code, span: Option<Span>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            span,
            label: None,
            help: None,
        }
    }

    /// A warning at a span.
    pub fn warning(code: Code, span: Option<Span>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, span, message)
        }
    }

    /// Adds a hint.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a hint when there is one.
    pub fn with_help_opt(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }

    /// Adds a label under the caret.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// A collection of diagnostics, in the order they were found.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// An empty collection.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one.
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    /// Adds an error and returns nothing, for terse call sites.
    pub fn error(&mut self, code: Code, span: Option<Span>, message: impl Into<String>) {
        self.push(Diagnostic::error(code, span, message));
    }

    /// True when at least one is an error.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    /// The number of errors.
    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    /// All of them.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// Moves all of `other` into `self`.
    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    /// The number of diagnostics.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Sorts by file and position, keeping the order of equal positions.
    pub fn sort(&mut self) {
        self.items
            .sort_by_key(|d| d.span.map(|s| (s.source, s.start)).unwrap_or_default());
    }

    /// Consumes the collection.
    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl Extend<Diagnostic> for Diagnostics {
    fn extend<T: IntoIterator<Item = Diagnostic>>(&mut self, iter: T) {
        self.items.extend(iter);
    }
}
