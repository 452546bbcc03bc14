//! Why a command stops, and how that is shown. Every command returns
//! `Result<Exit, CliError>`; `main` renders a [`CliError`] once, to stderr, and exits 2. No
//! command prints its own errors or picks the exit code of one.

use flow_compile::Rejected;
use flow_model::render::render;
use flow_model::{Code, Diagnostic, Sources};
use std::fmt;

/// A reason to stop with exit 2 (usage, configuration or validation error).
#[derive(Debug)]
pub enum CliError {
    /// The project's files have errors: every diagnostic, with the lines they point at.
    Rejected(Box<Rejected>),
    /// A coded problem that points at no file: an unknown flow (E0102) or card (E0201), an
    /// environment variable a connection needs (E0302).
    Coded(Box<Diagnostic>),
    /// Anything else: a bad argument, a file or the store that cannot be read, a busy port;
    /// shown with its causes.
    Other(anyhow::Error),
}

impl CliError {
    /// A coded error with an optional hint.
    pub fn coded(code: Code, message: impl Into<String>, help: Option<String>) -> Self {
        CliError::Coded(Box::new(
            Diagnostic::error(code, None, message).with_help_opt(help),
        ))
    }

    /// An error that is only a message.
    pub fn msg(message: impl fmt::Display) -> Self {
        CliError::Other(anyhow::anyhow!("{message}"))
    }
}

impl fmt::Display for CliError {
    /// The text printed to stderr (without a final newline).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Rejected(r) => write!(f, "{r}"),
            CliError::Coded(d) => f.write_str(render(d, &Sources::new()).trim_end()),
            CliError::Other(e) => write!(f, "error: {e:#}"),
        }
    }
}

impl From<anyhow::Error> for CliError {
    fn from(e: anyhow::Error) -> Self {
        CliError::Other(e)
    }
}

impl From<Rejected> for CliError {
    fn from(r: Rejected) -> Self {
        CliError::Rejected(Box::new(r))
    }
}

impl From<crate::store::OpenError> for CliError {
    fn from(e: crate::store::OpenError) -> Self {
        CliError::Other(e.into())
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::Other(e.into())
    }
}

impl From<serde_json::Error> for CliError {
    fn from(e: serde_json::Error) -> Self {
        CliError::Other(e.into())
    }
}

/// What a command returns.
pub type CmdResult = Result<crate::Exit, CliError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_each_kind_once() {
        let coded = CliError::coded(Code::UnknownFlow, "no flow `x`", Some("flows: a, b".into()));
        assert_eq!(
            coded.to_string(),
            "error[E0102]: no flow `x`\n  = help: flows: a, b"
        );
        let other = CliError::Other(anyhow::anyhow!("inner").context("outer"));
        assert_eq!(other.to_string(), "error: outer: inner");
    }
}
