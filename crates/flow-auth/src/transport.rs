//! The seam to HTTP: the engine POSTs a [`TokenRequest`] with its own pooled client through
//! the [`Transport`] trait and hands back status and body.

use std::fmt;

use futures_util::future::BoxFuture;

use crate::error::TransportError;

/// A token request ready to send: `POST url` with `headers` and the form-encoded `body`.
///
/// `Debug` shows the URL and header names only. The body and the `authorization` header
/// carry secrets, all listed in [`secrets`](TokenRequest::secrets) for the transport's masking.
#[derive(Clone)]
pub struct TokenRequest {
    /// The token endpoint URL.
    pub url: String,
    /// Headers, names lower-case: `content-type`, `accept`, and `authorization` for
    /// `client_secret_basic`.
    pub headers: Vec<(String, String)>,
    /// The `application/x-www-form-urlencoded` body.
    pub body: String,
    /// Every secret value in the headers and body (client secret, Basic credentials,
    /// refresh token, signed assertion), to be masked wherever the request is shown.
    pub secrets: Vec<String>,
}

impl fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("TokenRequest")
            .field("url", &self.url)
            .field("headers", &names)
            .finish_non_exhaustive()
    }
}

impl TokenRequest {
    /// A request of `form` to `url`, form-encoded per RFC 6749 Appendix B.
    pub(crate) fn form(url: &str, form: &[(&str, &str)]) -> TokenRequest {
        let mut body = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in form {
            body.append_pair(name, value);
        }
        TokenRequest {
            url: url.to_owned(),
            headers: vec![
                (
                    "content-type".into(),
                    "application/x-www-form-urlencoded".into(),
                ),
                ("accept".into(), "application/json".into()),
            ],
            body: body.finish(),
            secrets: Vec::new(),
        }
    }

    /// Lists `value` as secret, with its form-encoded spelling when that differs (so the
    /// body is masked too).
    pub(crate) fn add_secret(&mut self, value: &str) {
        if value.is_empty() {
            return;
        }
        let encoded: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
        if encoded != value {
            self.secrets.push(encoded);
        }
        self.secrets.push(value.to_owned());
    }
}

/// The token endpoint's answer as the transport read it.
#[derive(Clone, PartialEq, Eq)]
pub struct TransportResponse {
    /// The HTTP status.
    pub status: u16,
    /// The body bytes (a token response holds the access token, hence no `Debug` of it).
    pub body: Vec<u8>,
}

impl fmt::Debug for TransportResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportResponse")
            .field("status", &self.status)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// Sends token requests. The engine implements it with its pooled HTTP client; tests with
/// any client pointed at a fake token endpoint.
pub trait Transport: Send + Sync {
    /// POSTs `request` and returns the status and body, whatever the status.
    fn post_form<'a>(
        &'a self,
        request: &'a TokenRequest,
    ) -> BoxFuture<'a, Result<TransportResponse, TransportError>>;
}
