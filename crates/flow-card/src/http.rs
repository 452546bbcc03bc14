//! HTTP as cards see it: the request a card builds, the response it reads, the [`Transport`]
//! that sends (real, or a rehearsal in dry runs), and the masked [`HttpExchange`] that records
//! what happened without ever holding a secret.

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::time::Duration;

/// A request a card wants sent.
#[derive(Clone)]
pub struct HttpRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The full URL.
    pub url: String,
    /// Headers, names lower-case.
    pub headers: Vec<(String, String)>,
    /// The body, if any.
    pub body: Option<Vec<u8>>,
    /// Values that must never be shown (tokens, secret URL parts); masked wherever they occur.
    pub secrets: Vec<String>,
    /// The most bytes of response body to read.
    pub max_response: usize,
}

impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ex = HttpExchange::of(self, 0);
        write!(f, "HttpRequest({} {})", ex.method, ex.url)
    }
}

/// Header names whose values are always masked.
pub const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "x-api-key",
    "x-api-client-token",
    "cookie",
    "set-cookie",
    "x-auth-token",
];

impl HttpRequest {
    /// A request without headers or body.
    pub fn new(method: &str, url: impl Into<String>) -> Self {
        HttpRequest {
            method: method.to_string(),
            url: url.into(),
            headers: Vec::new(),
            body: None,
            secrets: Vec::new(),
            max_response: 10 << 20,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }

    /// Sets a JSON body and its content type.
    pub fn json(mut self, body: &serde_json::Value) -> Self {
        self.body = Some(body.to_string().into_bytes());
        self.header("content-type", "application/json; charset=utf-8")
    }

    /// Marks a value as secret.
    pub fn secret(mut self, value: impl Into<String>) -> Self {
        let v = value.into();
        if !v.is_empty() {
            self.secrets.push(v);
        }
        self
    }

    /// `text` with every secret replaced by `***`.
    pub fn mask(&self, text: &str) -> String {
        let mut out = text.to_string();
        for s in &self.secrets {
            if s.len() >= 4 && out.contains(s.as_str()) {
                out = out.replace(s.as_str(), "***");
            }
        }
        out
    }
}

/// A response.
#[derive(Debug, Clone, Default)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Headers, names lower-case; repeated headers appear once each.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A response with a JSON body: a `serde_json::Value`, or any serializable value.
    pub fn json<T: serde::Serialize + ?Sized>(status: u16, body: &T) -> Self {
        HttpResponse {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            // Serializing JSON values or plain structs cannot fail; `null` if it ever did.
            body: serde_json::to_vec(body).unwrap_or_else(|_| b"null".to_vec()),
        }
    }

    /// The first value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json_body(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// True for 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Why a request got no response.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TransportError {
    /// No answer in time.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// Could not connect, or the connection broke.
    #[error("connection failed: {0}")]
    Connect(String),
    /// The response was larger than allowed.
    #[error("the response is larger than {0} bytes")]
    TooLarge(usize),
    /// The request could not be built (bad URL, ...).
    #[error("invalid request: {0}")]
    Invalid(String),
}

/// Sends requests. The engine shares one pooled transport among all runs.
pub trait Transport: Send + Sync {
    /// Sends one request.
    fn send(
        &self,
        req: HttpRequest,
        timeout: Duration,
    ) -> BoxFuture<'_, Result<HttpResponse, TransportError>>;
}

/// What a step sent and got, with secrets masked; shown in traces and kept in records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpExchange {
    /// The attempt of the step it belongs to (1-based).
    pub attempt: u32,
    /// The method.
    pub method: Cow<'static, str>,
    /// The URL, masked.
    pub url: String,
    /// The request headers, masked.
    pub headers: Vec<(Cow<'static, str>, Cow<'static, str>)>,
    /// The request body (masked, at most 4 KiB shown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// The response status; `None` when no response came.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Why no response came.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// How long it took.
    pub duration_ms: f64,
    /// True when it was only rehearsed (dry run).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rehearsal: bool,
}

impl HttpExchange {
    /// The masked view of a request.
    pub fn of(req: &HttpRequest, attempt: u32) -> Self {
        let headers = req
            .headers
            .iter()
            .map(|(k, v)| {
                let v = if SECRET_HEADERS.contains(&k.as_str()) {
                    mask_auth(v)
                } else {
                    intern(req.mask(v))
                };
                (intern(k.clone()), v)
            })
            .collect();
        let body = req.body.as_ref().map(|b| {
            let text = String::from_utf8_lossy(b);
            let masked = req.mask(&text);
            if masked.len() > 4096 {
                let cut = (0..=4096)
                    .rev()
                    .find(|i| masked.is_char_boundary(*i))
                    .unwrap_or(0);
                format!("{}… ({} bytes)", &masked[..cut], masked.len())
            } else {
                masked
            }
        });
        HttpExchange {
            attempt,
            method: intern(req.method.clone()),
            url: req.mask(&req.url),
            headers,
            body,
            status: None,
            error: None,
            duration_ms: 0.0,
            rehearsal: false,
        }
    }
}

/// Keeps the scheme of an Authorization value and hides the credential: `SSWS ***`.
fn mask_auth(v: &str) -> Cow<'static, str> {
    match v.split_once(' ') {
        Some((scheme, _))
            if scheme.len() <= 10 && scheme.chars().all(|c| c.is_ascii_alphabetic()) =>
        {
            intern(format!("{scheme} ***"))
        }
        _ => Cow::Borrowed("***"),
    }
}

/// Strings every exchange repeats, kept once instead of once per request (a dry run over a
/// 10,000-item list records 30,000 requests).
const COMMON: &[&str] = &[
    "GET",
    "POST",
    "PUT",
    "PATCH",
    "DELETE",
    "authorization",
    "accept",
    "content-type",
    "application/json",
    "application/json; charset=utf-8",
    "text/plain; charset=utf-8",
    "x-okta-retry-count",
    "SSWS ***",
    "Bearer ***",
    "Basic ***",
];

fn intern(s: String) -> Cow<'static, str> {
    match COMMON.iter().find(|c| **c == s) {
        Some(c) => Cow::Borrowed(c),
        None => Cow::Owned(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_everywhere() {
        let req = HttpRequest::new("POST", "https://hooks.slack.com/services/T1/B2/sekrit-part")
            .header("Authorization", "SSWS 00abcdefTOKEN")
            .header("x-custom", "carries 00abcdefTOKEN too")
            .json(&serde_json::json!({"token": "00abcdefTOKEN"}))
            .secret("00abcdefTOKEN")
            .secret("sekrit-part");
        let ex = HttpExchange::of(&req, 1);
        let all = serde_json::to_string(&ex).unwrap();
        assert!(!all.contains("00abcdefTOKEN"), "{all}");
        assert!(!all.contains("sekrit-part"), "{all}");
        assert!(all.contains("SSWS ***"));
        assert_eq!(ex.url, "https://hooks.slack.com/services/T1/B2/***");
        assert!(!format!("{req:?}").contains("sekrit"));
    }
}
