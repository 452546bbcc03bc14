//! Why an export cannot be imported at all (the CLI exits 2 on these).

/// A file that is not an Okta Workflows export this importer reads.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The bytes are not JSON (or are cut short).
    #[error(
        "not an Okta Workflows export: the file is not valid JSON (line {line}, column {column}: {message})"
    )]
    NotJson {
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// serde_json's description, e.g. "EOF while parsing an object".
        message: String,
    },
    /// JSON, but not the `{"type": "flopack", ...}` envelope.
    #[error("not an Okta Workflows export: {0}")]
    NotAnExport(String),
    /// An envelope of a version this importer was not built for.
    #[error("unsupported export version `{0}` (this importer reads versions 1.x)")]
    UnsupportedVersion(String),
}
