//! Typed errors of token acquisition. None of them ever holds a secret, an assertion or a
//! token: OAuth error descriptions are scrubbed of every secret the request carried.

/// Why no token could be had.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AuthError {
    /// The token endpoint answered an OAuth error body (RFC 6749 §5.2), e.g. `invalid_client`.
    #[error(
        "token endpoint {url} answered HTTP {status} {code}{}",
        describe(description)
    )]
    OAuth {
        /// The token endpoint URL.
        url: String,
        /// The HTTP status (400 or 401 usually).
        status: u16,
        /// The OAuth error code: `invalid_client`, `invalid_grant`, `invalid_scope`, ...
        code: String,
        /// The server's `error_description`, scrubbed of secrets and cut to 300 characters.
        description: Option<String>,
    },
    /// The token endpoint answered a non-2xx status without an OAuth error body.
    #[error("token endpoint {url} answered HTTP {status}")]
    Status {
        /// The token endpoint URL.
        url: String,
        /// The HTTP status.
        status: u16,
    },
    /// The token endpoint answered 2xx but not with a usable token response.
    #[error("token endpoint {url} answered an unusable token response: {reason}")]
    InvalidResponse {
        /// The token endpoint URL.
        url: String,
        /// What was wrong (never the body itself).
        reason: &'static str,
    },
    /// The request could not be sent or its answer not read.
    #[error("could not reach token endpoint {url}: {source}")]
    Transport {
        /// The token endpoint URL.
        url: String,
        /// The transport's error.
        #[source]
        source: TransportError,
    },
    /// The private key could not be used.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The configuration cannot work (bad URL, malformed service account key, ...).
    #[error(transparent)]
    Config(#[from] ConfigError),
}

impl AuthError {
    /// The OAuth error code, when the token endpoint gave one.
    pub fn oauth_code(&self) -> Option<&str> {
        match self {
            AuthError::OAuth { code, .. } => Some(code),
            _ => None,
        }
    }
}

fn describe(description: &Option<String>) -> String {
    description
        .as_deref()
        .map(|d| format!(": {d}"))
        .unwrap_or_default()
}

/// A failure of the [`Transport`](crate::Transport): connection refused, TLS, timeout, ...
///
/// Implementations must not put the request body or headers in the message.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct TransportError {
    message: String,
}

impl TransportError {
    /// An error with a message for people.
    pub fn new(message: impl Into<String>) -> TransportError {
        TransportError {
            message: message.into(),
        }
    }
}

/// A private key that cannot sign.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The text is not a PEM private key block.
    #[error(
        "the private key is not a PEM private key (expected -----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)"
    )]
    NotPem,
    /// The key is of a kind this crate does not sign with.
    #[error("unsupported private key: {0}")]
    Unsupported(&'static str),
    /// The key's bytes were rejected by the crypto library.
    #[error("the private key was rejected: {0}")]
    Rejected(String),
    /// Signing failed.
    #[error("signing the client assertion failed")]
    Signing,
    /// The key is not one for this algorithm (an EC key for RS256, an RSA key for HS256).
    #[error("the key is not a key for {0}")]
    WrongAlgorithm(&'static str),
    /// The text is not a PEM public key block.
    #[error("the public key is not a PEM public key (expected -----BEGIN PUBLIC KEY-----)")]
    NotPublicPem,
}

/// Why a JSON Web Token does not verify ([`crate::VerifyingKey::verify`]). Never quotes the
/// token or the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// Not `header.payload.signature` with base64url JSON parts.
    #[error("the token is not a JWT (header.payload.signature)")]
    Malformed,
    /// The token's header names another algorithm than the one wanted.
    #[error("the token is not signed with {0}")]
    Algorithm(&'static str),
    /// The signature does not match the key.
    #[error("the signature does not match the key")]
    Signature,
    /// The key cannot verify this algorithm.
    #[error(transparent)]
    Key(#[from] KeyError),
}

/// A configuration that cannot work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The token URL is not an absolute http(s) URL.
    #[error("token URL {0:?} is not an absolute http(s) URL")]
    TokenUrl(String),
    /// The Google service account key JSON is malformed.
    #[error("the Google service account key is unusable: {0}")]
    ServiceAccountKey(&'static str),
    /// A required value is empty.
    #[error("{0} is empty")]
    Empty(&'static str),
}
