//! Every way the front door refuses a request, as one type: each refusal knows its status, its
//! metrics label, its JSON body and its `Retry-After` (like axum's `rejection.rs`). The
//! handler returns a [`Rejection`]; nothing else builds a refusal by hand.

use crate::auth::Refusal;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// A refused request.
#[derive(Debug, Clone, PartialEq)]
pub enum Rejection {
    /// No endpoint flow of that name (404).
    UnknownFlow {
        /// The name in the path.
        name: String,
        /// When `name` is an endpoint flow served under an `alias`, that alias.
        alias: Option<String>,
    },
    /// A missing or wrong client token, signature or timestamp (401). The answer never says
    /// which; the metrics label does.
    Unauthorized(Refusal),
    /// The body is (or says it is) larger than `max_body` (413).
    TooLarge {
        /// The limit in bytes.
        max: usize,
    },
    /// This client already has its share of unauthenticated body reads in progress (429).
    ClientBusy,
    /// The endpoint's unauthenticated body reads are all taken (503).
    UnauthenticatedBusy,
    /// The body did not arrive within `body_timeout` (408).
    BodyTimeout,
    /// The endpoint's `rate_limit` is used up for `retry_after` seconds (429).
    RateLimited {
        /// Whole seconds until a token is free (at least 1).
        retry_after: u64,
    },
    /// The queue holds `max_queue` accepted runs waiting to start (503).
    QueueFull {
        /// The bound.
        max: usize,
    },
    /// `accept: json` and the body is not UTF-8 (400).
    NotUtf8,
    /// `accept: json` and the body is not JSON (400), with where the parser stopped.
    NotJson {
        /// The parser's message.
        message: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// `accept: json` and the body is nested deeper than a run can hold (400).
    TooDeep {
        /// The deepest nesting accepted.
        max: usize,
    },
    /// The store could not commit the event (503): its sender should retry.
    StoreUnavailable,
    /// An Okta event hook `POST` whose body is not a delivery (400), saying what is wrong.
    BadDelivery {
        /// What is wrong, and where in the body.
        message: String,
    },
    /// A `GET` of an Okta event hook without `X-Okta-Verification-Challenge` (400).
    NoChallenge,
}

impl Rejection {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Rejection::UnknownFlow { .. } => StatusCode::NOT_FOUND,
            Rejection::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Rejection::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Rejection::ClientBusy | Rejection::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Rejection::UnauthenticatedBusy
            | Rejection::QueueFull { .. }
            | Rejection::StoreUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Rejection::BodyTimeout => StatusCode::REQUEST_TIMEOUT,
            Rejection::NotUtf8
            | Rejection::NotJson { .. }
            | Rejection::TooDeep { .. }
            | Rejection::BadDelivery { .. }
            | Rejection::NoChallenge => StatusCode::BAD_REQUEST,
        }
    }

    /// The label counted in `/metrics` (`flowctl_rejected_total{reason=…}`).
    pub fn reason(&self) -> &'static str {
        match self {
            Rejection::UnknownFlow { .. } => "not_found",
            Rejection::Unauthorized(r) => r.reason(),
            Rejection::TooLarge { .. } => "too_large",
            Rejection::ClientBusy => "client_busy",
            Rejection::UnauthenticatedBusy => "unauthenticated_busy",
            Rejection::BodyTimeout => "body_timeout",
            Rejection::RateLimited { .. } => "rate_limited",
            Rejection::QueueFull { .. } => "queue_full",
            Rejection::NotUtf8 | Rejection::NotJson { .. } | Rejection::TooDeep { .. } => {
                "bad_json"
            }
            Rejection::StoreUnavailable => "store_error",
            Rejection::BadDelivery { .. } => "bad_delivery",
            Rejection::NoChallenge => "no_challenge",
        }
    }

    /// The JSON body the caller gets.
    pub fn body(&self) -> Value {
        match self {
            Rejection::UnknownFlow { name, alias: None } => {
                json!({ "error": format!("no endpoint flow `{name}`") })
            }
            Rejection::UnknownFlow {
                name,
                alias: Some(alias),
            } => json!({
                "error": format!(
                    "no endpoint flow `{name}`: flow `{name}` has `alias: {alias}`, so it is served at /api/flo/{alias}/invoke"
                )
            }),
            Rejection::Unauthorized(_) => json!({ "error": "unauthorized" }),
            Rejection::TooLarge { max } => {
                json!({ "error": format!("the body is larger than {max} bytes") })
            }
            Rejection::ClientBusy => {
                json!({ "error": "too many requests in progress from this client" })
            }
            Rejection::UnauthenticatedBusy => {
                json!({ "error": "too many requests in progress; try again" })
            }
            Rejection::BodyTimeout => json!({ "error": "the body did not arrive in time" }),
            Rejection::RateLimited { .. } => {
                json!({ "error": "rate limit of this endpoint reached" })
            }
            Rejection::QueueFull { max } => json!({
                "error": format!("{max} events are queued already; try again")
            }),
            Rejection::NotUtf8 => json!({ "error": "the body is not UTF-8 text" }),
            Rejection::NotJson {
                message,
                line,
                column,
            } => json!({
                "error": format!("the body is not JSON: {message}"),
                "line": line,
                "column": column,
            }),
            Rejection::TooDeep { max } => {
                json!({ "error": format!("the body is nested deeper than {max} levels") })
            }
            Rejection::StoreUnavailable => {
                json!({ "error": "the event cannot be stored; try again" })
            }
            Rejection::BadDelivery { message } => json!({ "error": message }),
            Rejection::NoChallenge => json!({
                "error": "a GET of an Okta event hook is its verification and needs the header X-Okta-Verification-Challenge"
            }),
        }
    }

    /// Seconds the caller should wait before trying again, for refusals that pass.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Rejection::ClientBusy | Rejection::UnauthenticatedBusy => Some(1),
            // A backlog takes longer to shrink than a read place to free up.
            Rejection::QueueFull { .. } => Some(5),
            Rejection::RateLimited { retry_after } => Some(*retry_after),
            Rejection::StoreUnavailable => Some(5),
            _ => None,
        }
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        let mut resp = (self.status(), axum::Json(self.body())).into_response();
        if let Some(secs) = self.retry_after()
            && let Ok(v) = HeaderValue::try_from(secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_has_its_status_label_and_retry() {
        let cases = [
            (
                Rejection::UnknownFlow {
                    name: "x".into(),
                    alias: None,
                },
                404,
                "not_found",
                None,
            ),
            (
                Rejection::Unauthorized(Refusal::Stale),
                401,
                "stale_timestamp",
                None,
            ),
            (Rejection::TooLarge { max: 10 }, 413, "too_large", None),
            (Rejection::ClientBusy, 429, "client_busy", Some(1)),
            (
                Rejection::UnauthenticatedBusy,
                503,
                "unauthenticated_busy",
                Some(1),
            ),
            (Rejection::BodyTimeout, 408, "body_timeout", None),
            (
                Rejection::RateLimited { retry_after: 7 },
                429,
                "rate_limited",
                Some(7),
            ),
            (Rejection::QueueFull { max: 3 }, 503, "queue_full", Some(5)),
            (Rejection::NotUtf8, 400, "bad_json", None),
            (Rejection::TooDeep { max: 110 }, 400, "bad_json", None),
            (Rejection::StoreUnavailable, 503, "store_error", Some(5)),
            (
                Rejection::BadDelivery {
                    message: "m".into(),
                },
                400,
                "bad_delivery",
                None,
            ),
            (Rejection::NoChallenge, 400, "no_challenge", None),
        ];
        for (r, status, reason, retry) in cases {
            assert_eq!(
                (r.status().as_u16(), r.reason(), r.retry_after()),
                (status, reason, retry),
                "{r:?}"
            );
            let resp = r.clone().into_response();
            let header = resp
                .headers()
                .get(header::RETRY_AFTER)
                .map(|v| v.to_str().unwrap_or_default().to_string());
            assert_eq!(header, retry.map(|s| s.to_string()), "{r:?}");
        }
    }
}
