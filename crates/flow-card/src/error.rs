//! The error a card returns: a kind the engine can act on (retry or not), a message for people,
//! and what the remote service said (status, code, how long to wait).

use std::time::Duration;

/// What kind of failure, for retry decisions and for `on_error: continue` outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// An input value the card cannot use (wrong type, empty, out of range).
    Input,
    /// The thing asked for does not exist (Okta 404 E0000007, ...).
    NotFound,
    /// The credentials were refused (401).
    Unauthorized,
    /// The credentials lack a permission (403).
    Forbidden,
    /// The remote object is in a state that does not allow the action.
    InvalidState,
    /// Too many requests (429); retryable after the server's wait.
    RateLimited,
    /// The remote service failed (5xx); retryable.
    Server,
    /// No answer in time; retryable.
    Timeout,
    /// The connection failed; retryable.
    Connection,
    /// The remote service refused the request for another reason.
    Remote,
    /// A helper flow failed.
    Helper,
    /// Configuration is missing or wrong (a connection, an environment variable).
    Config,
    /// The flow was stopped with `flow.fail`.
    Failed,
    /// A value or the run's record outgrew its ceiling (`limits:` in `flowctl.yaml`).
    Limit,
}

impl ErrorKind {
    /// The name used in outputs and records (`not_found`, `rate_limited`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Input => "input",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::InvalidState => "invalid_state",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Server => "server_error",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Connection => "connection",
            ErrorKind::Remote => "remote",
            ErrorKind::Helper => "helper_failed",
            ErrorKind::Config => "config",
            ErrorKind::Failed => "failed",
            ErrorKind::Limit => "limit",
        }
    }

    /// True for failures worth another attempt: 429, 5xx, timeouts, connection errors.
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            ErrorKind::RateLimited | ErrorKind::Server | ErrorKind::Timeout | ErrorKind::Connection
        )
    }
}

/// A card's failure.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct CardError {
    /// The kind.
    pub kind: ErrorKind,
    /// What happened, for people. Never holds a secret.
    pub message: String,
    /// The HTTP status, when a remote service answered.
    pub status: Option<u16>,
    /// The remote service's own error code (`E0000007`, `channel_not_found`).
    pub code: Option<String>,
    /// How long the server asked us to wait before trying again.
    pub retry_after: Option<Duration>,
}

impl CardError {
    /// An error of a kind.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        CardError {
            kind,
            message: message.into(),
            status: None,
            code: None,
            retry_after: None,
        }
    }

    /// An input error.
    pub fn input(message: impl Into<String>) -> Self {
        CardError::new(ErrorKind::Input, message)
    }

    /// Adds the HTTP status.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// Adds the service's error code.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// Adds the server's requested wait.
    pub fn with_retry_after(mut self, wait: Option<Duration>) -> Self {
        self.retry_after = wait;
        self
    }

    /// The kind for an HTTP status that is not a success.
    pub fn kind_for_status(status: u16) -> ErrorKind {
        match status {
            401 => ErrorKind::Unauthorized,
            403 => ErrorKind::Forbidden,
            404 => ErrorKind::NotFound,
            408 => ErrorKind::Timeout,
            429 => ErrorKind::RateLimited,
            500..=599 => ErrorKind::Server,
            _ => ErrorKind::Remote,
        }
    }

    /// The error as the `{ kind, message, status?, code? }` object that `on_error: continue`
    /// puts in the step's output.
    pub fn to_json(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        m.insert("kind".into(), self.kind.as_str().into());
        m.insert("message".into(), self.message.clone().into());
        if let Some(s) = self.status {
            m.insert("status".into(), s.into());
        }
        if let Some(c) = &self.code {
            m.insert("code".into(), c.clone().into());
        }
        serde_json::Value::Object(m)
    }
}
