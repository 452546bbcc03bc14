//! Templates with Handlebars syntax, compiled once and evaluated many times.
//!
//! `{{ event.title }}`, `{{{ raw }}}`, helpers (`{{ join event.users ", " }}`), subexpressions,
//! and the `#if`, `#unless`, `#each` and `#with` blocks behave as in Handlebars. What this crate
//! adds over rendering with the `handlebars` crate, and why flowctl evaluates templates itself:
//!
//! - A template that is exactly one `{{ expression }}` yields a typed value (a list stays a
//!   list), not text.
//! - Every name and field is resolved and type-checked when the flow is compiled, with the exact
//!   column of the mistake; at run time names are slot numbers, never strings.
//! - Evaluation borrows step outputs in place; `handlebars` needs the data serialized into its
//!   own context for every render, which copies large event lists for each item of a loop.
//! - Escaping is per expression and per use: Slack text escapes `&`, `<`, `>` in `{{ }}` values
//!   and leaves `{{{ }}}` raw.
//!
//! The `handlebars` crate is the reference: a differential property test renders random
//! templates with both and requires the same text.

mod ast;
mod check;
pub mod dates;
mod eval;
mod helpers;
mod parse;
mod value;
mod value_expr;

pub use ast::{Slot, Template};
pub use check::{NameError, TypeScope};
pub use eval::{DEFAULT_MAX_TEXT, EvalError, Scope};
pub use helpers::HELPERS;
pub use value::{is_truthy, render_text, slack_escape, to_text};
pub use value_expr::{ExprError, ValueExpr};

/// How `{{ }}` values are escaped when they are inserted into text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Escape {
    /// Inserted as they are (the default: flow text is not HTML).
    #[default]
    None,
    /// Slack mrkdwn: `&`, `<` and `>` become `&amp;`, `&lt;` and `&gt;`.
    Slack,
}

/// A problem in a template, located by byte range within the template text.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateError {
    /// What kind of problem.
    pub kind: ErrorKind,
    /// What is wrong.
    pub message: String,
    /// A hint.
    pub help: Option<String>,
    /// Byte range in the template text.
    pub range: std::ops::Range<usize>,
}

/// The kinds of template problems; each maps to a diagnostic code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The template does not parse.
    Syntax,
    /// A name that is not in scope.
    UnknownName,
    /// A step written below the template's step.
    ForwardReference,
    /// `item`/`index` outside a list card's inputs.
    ItemOutsideList,
    /// A field the value's type does not have.
    UnknownField,
    /// A helper that does not exist or gets the wrong arguments.
    Helper,
    /// A type that cannot fit.
    Type,
}

impl std::fmt::Display for TemplateError {
    /// The message, then the hint when there is one (the byte range is for diagnostics).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)?;
        if let Some(help) = &self.help {
            write!(f, " ({help})")?;
        }
        Ok(())
    }
}

impl std::error::Error for TemplateError {}

impl TemplateError {
    pub(crate) fn new(
        kind: ErrorKind,
        range: std::ops::Range<usize>,
        message: impl Into<String>,
    ) -> Self {
        TemplateError {
            kind,
            message: message.into(),
            help: None,
            range,
        }
    }

    pub(crate) fn help(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }

    /// The diagnostic code for this kind.
    pub fn code(&self) -> flow_model::Code {
        use flow_model::Code;
        match self.kind {
            ErrorKind::Syntax => Code::TemplateSyntax,
            ErrorKind::UnknownName => Code::UnknownStep,
            ErrorKind::ForwardReference => Code::ForwardReference,
            ErrorKind::ItemOutsideList => Code::ItemOutsideList,
            ErrorKind::UnknownField => Code::UnknownField,
            ErrorKind::Helper => Code::UnknownHelper,
            ErrorKind::Type => Code::TypeMismatch,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_error_is_an_error() {
        let e = TemplateError::new(ErrorKind::Helper, 0..3, "unknown helper `uper`")
            .help(Some("did you mean `upper`?".into()));
        let boxed: Box<dyn std::error::Error> = Box::new(e);
        assert_eq!(
            boxed.to_string(),
            "unknown helper `uper` (did you mean `upper`?)"
        );
    }
}
