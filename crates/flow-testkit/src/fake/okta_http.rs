//! Okta response building: error bodies and the headers every Okta response carries.

use axum::body::Body;
use axum::http::{Response, StatusCode};
use serde_json::{Value, json};

use super::ratelimit::RateInfo;
use super::util::{add_header, http_date_now, random_alnum, random_urlsafe, response};

/// An Okta answer before the common headers are added.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Option<Value>,
    pub(crate) headers: Vec<(&'static str, String)>,
}

impl Reply {
    /// A JSON answer.
    pub(crate) fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            body: Some(body),
            headers: Vec::new(),
        }
    }

    /// An answer without a body.
    pub(crate) fn empty(status: u16) -> Reply {
        Reply {
            status,
            body: None,
            headers: Vec::new(),
        }
    }

    /// An Okta error answer.
    pub(crate) fn error(status: u16, code: &str, summary: &str, causes: &[&str]) -> Reply {
        Reply::json(status, error_body(code, summary, causes))
    }

    /// Adds a header (repeatable names such as `Link` are appended).
    pub(crate) fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }

    /// 404 E0000007 for an unknown user id or login.
    pub(crate) fn user_not_found(key: &str) -> Reply {
        Reply::error(
            404,
            "E0000007",
            &format!("Not found: Resource not found: {key} (User)"),
            &[],
        )
    }

    /// 401 E0000011 for a missing or wrong token (the token is never echoed).
    pub(crate) fn invalid_token() -> Reply {
        Reply::error(401, "E0000011", "Invalid token provided", &[])
    }

    /// 403 E0000006: the admin lacks the permission (or the object cannot be changed).
    pub(crate) fn forbidden() -> Reply {
        Reply::error(
            403,
            "E0000006",
            "You do not have permission to perform the requested action",
            &[],
        )
    }

    /// 404 E0000008 for a path the fake does not serve.
    pub(crate) fn path_not_found() -> Reply {
        Reply::error(404, "E0000008", "The requested path was not found", &[])
    }

    /// 405 E0000022 for a known path with the wrong method.
    pub(crate) fn method_not_allowed(allow: &'static str) -> Reply {
        Reply::error(
            405,
            "E0000022",
            "The endpoint does not support the provided HTTP method",
            &[],
        )
        .with_header("allow", allow)
    }

    /// 429 E0000047.
    pub(crate) fn rate_limited() -> Reply {
        Reply::error(
            429,
            "E0000047",
            "API call exceeded rate limit due to too many requests.",
            &[],
        )
    }

    /// A forced server-side error with `status`.
    pub(crate) fn server_error(status: u16) -> Reply {
        if status == 403 {
            return Reply::error(
                403,
                "E0000006",
                "You do not have permission to perform the requested action",
                &[],
            );
        }
        let summary = match status {
            500 => "Internal Server Error",
            other => StatusCode::from_u16(other)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("Internal Server Error"),
        };
        Reply::error(status, "E0000009", summary, &[])
    }
}

/// The Okta error object.
pub(crate) fn error_body(code: &str, summary: &str, causes: &[&str]) -> Value {
    let causes: Vec<Value> = causes
        .iter()
        .map(|cause| json!({ "errorSummary": cause }))
        .collect();
    json!({
        "errorCode": code,
        "errorSummary": summary,
        "errorLink": code,
        "errorId": format!("oae{}", random_urlsafe(22)),
        "errorCauses": causes,
    })
}

/// Turns a reply into a response with `Content-Type`, `X-Okta-Request-Id`,
/// `X-Rate-Limit-Limit/Remaining/Reset` and `Date`.
pub(crate) fn finish(reply: Reply, rate: RateInfo) -> Response<Body> {
    let body = reply
        .body
        .as_ref()
        .map(Value::to_string)
        .unwrap_or_default();
    let mut resp = response(reply.status, body);
    add_header(&mut resp, "content-type", "application/json");
    add_header(&mut resp, "x-okta-request-id", &random_alnum(27));
    add_header(&mut resp, "x-rate-limit-limit", &rate.limit.to_string());
    add_header(
        &mut resp,
        "x-rate-limit-remaining",
        &rate.remaining.to_string(),
    );
    add_header(
        &mut resp,
        "x-rate-limit-reset",
        &rate.reset_epoch.to_string(),
    );
    add_header(&mut resp, "date", &http_date_now());
    for (name, value) in &reply.headers {
        add_header(&mut resp, name, value);
    }
    resp
}
