//! The compiled form of a template: parts, expressions and paths whose root names are resolved
//! to slots by the checker.

use crate::Escape;
use crate::helpers::Helper;
use std::ops::Range;

/// A numbered root name (a step, `trigger`, `inputs`, ...). The compiler assigns the numbers and
/// the runtime scope answers them; templates never look names up by string when they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slot(pub u32);

/// A parsed template.
#[derive(Debug, Clone)]
pub struct Template {
    pub(crate) source: String,
    pub(crate) parts: Vec<Part>,
    pub(crate) escape: Escape,
    /// Root slots the template reads, filled in by [`Template::check`].
    pub(crate) slots: Vec<Slot>,
    /// Problems the parser found but went on after (a call that cannot be made); reported by
    /// [`Template::check`] with the problems it finds, so one error does not hide the next.
    pub(crate) deferred: Vec<crate::TemplateError>,
}

impl Template {
    /// The text the template was parsed from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// True when the template is exactly one `{{ expression }}`, so it yields a typed value.
    pub fn is_single(&self) -> bool {
        matches!(self.parts.as_slice(), [Part::Out { .. }])
    }

    /// True when the template has no expression at all (plain text).
    pub fn is_constant(&self) -> bool {
        self.parts.iter().all(|p| matches!(p, Part::Text(_)))
    }

    /// The root slots this template reads (after checking), without duplicates.
    pub fn slots(&self) -> &[Slot] {
        &self.slots
    }

    /// The escaping applied to `{{ }}` values.
    pub fn escape(&self) -> Escape {
        self.escape
    }
}

/// A piece of a template.
#[derive(Debug, Clone)]
pub(crate) enum Part {
    Text(String),
    Out {
        expr: Expr,
        raw: bool,
    },
    If {
        cond: Expr,
        negate: bool,
        then: Vec<Part>,
        otherwise: Vec<Part>,
    },
    Each {
        list: Expr,
        body: Vec<Part>,
        otherwise: Vec<Part>,
    },
    With {
        value: Expr,
        body: Vec<Part>,
        otherwise: Vec<Part>,
    },
}

/// An expression inside `{{ }}`.
#[derive(Debug, Clone)]
pub(crate) enum Expr {
    Path(Path),
    Lit(serde_json::Value, Range<usize>),
    Call {
        helper: &'static Helper,
        args: Vec<Expr>,
        range: Range<usize>,
    },
}

impl Expr {
    pub(crate) fn range(&self) -> Range<usize> {
        match self {
            Expr::Path(p) => p.range.clone(),
            Expr::Lit(_, r) => r.clone(),
            Expr::Call { range, .. } => range.clone(),
        }
    }
}

/// A path such as `event.title`, `this.login`, `../event`, `@index`.
#[derive(Debug, Clone)]
pub(crate) struct Path {
    pub anchor: Anchor,
    pub segs: Vec<String>,
    pub range: Range<usize>,
    pub text: String,
}

/// Where a path starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Anchor {
    /// A root name not yet resolved.
    Name(String),
    /// A resolved root name.
    Slot(Slot),
    /// The value of an enclosing `#each`/`#with`, this many levels up (0 = innermost).
    This(u32),
    /// `@index`, `@first`, `@last`, `@key` of the innermost `#each`.
    Data(DataVar),
}

/// The data variables of `#each`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DataVar {
    Index,
    First,
    Last,
    Key,
}
