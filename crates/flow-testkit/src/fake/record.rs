//! Recorded requests: what a fake server received, kept for test assertions.

use std::time::Instant;

use axum::http::request::Parts;

/// One HTTP request as a fake server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// The HTTP method, e.g. `"GET"`.
    pub method: String,
    /// The raw path as received, still percent-encoded (e.g. `/api/v1/users/a%2Bb%40x.com`).
    pub path: String,
    /// The raw query string without the leading `?`, if any.
    pub query: Option<String>,
    /// Every header in arrival order, names in lower case. Values that are not valid UTF-8
    /// are converted lossily.
    pub headers: Vec<(String, String)>,
    /// The request body as text (converted lossily if it is not valid UTF-8).
    pub body: String,
    /// When the request arrived.
    pub at: Instant,
}

impl Recorded {
    /// Builds a record from request parts and the collected body.
    pub(crate) fn from_parts(parts: &Parts, body: &[u8]) -> Self {
        Recorded {
            method: parts.method.as_str().to_owned(),
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().map(str::to_owned),
            headers: parts
                .headers
                .iter()
                .map(|(name, value)| {
                    (
                        name.as_str().to_ascii_lowercase(),
                        String::from_utf8_lossy(value.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body: String::from_utf8_lossy(body).into_owned(),
            at: Instant::now(),
        }
    }

    /// The first value of header `name` (case-insensitive), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of header `name` (case-insensitive), in order.
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The first value of query parameter `name`, decoded (`+` and `%20` both become a space).
    pub fn query_param(&self, name: &str) -> Option<String> {
        let pairs = super::util::parse_form(self.query.as_deref()?);
        super::util::form_value(&pairs, name).map(str::to_owned)
    }
}
