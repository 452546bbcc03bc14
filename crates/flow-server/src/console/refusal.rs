//! Every way the console refuses a request, as one type with its status and JSON body; pages
//! answer a refused sign-in with the sign-in page instead ([`super::pages`]).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// A refused console request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsoleRefusal {
    /// No session cookie and no `Authorization: Bearer`, or a wrong one (401). The answer never
    /// says which.
    Unauthorized,
    /// A write signed in by cookie whose `Origin` is missing or another site's (403).
    CrossSite,
    /// The server keeps no run history (`store: none`), so there are no runs to show (404).
    NoHistory,
    /// No console asset of that name (404).
    NoSuchAsset,
    /// No run with this id (404).
    UnknownRun {
        /// The id asked for.
        id: String,
    },
    /// A query parameter that cannot be used (400).
    BadQuery {
        /// The parameter.
        field: &'static str,
        /// What is wrong with it.
        why: String,
    },
    /// The run kept no input to replay (`history: { save_data: false }`) (409).
    NoInput {
        /// The run.
        id: String,
    },
    /// The run's flow is not served any more (409).
    FlowGone {
        /// The flow's name.
        flow: String,
    },
    /// The queue is full (503, retry after 5 s).
    QueueFull {
        /// The bound.
        max: usize,
    },
    /// A dry run did not finish within the time a console request waits (504).
    DryRunTimeout,
    /// The store failed; the error is logged, not sent (500).
    Store,
}

impl ConsoleRefusal {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            ConsoleRefusal::Unauthorized => StatusCode::UNAUTHORIZED,
            ConsoleRefusal::CrossSite => StatusCode::FORBIDDEN,
            ConsoleRefusal::NoHistory
            | ConsoleRefusal::NoSuchAsset
            | ConsoleRefusal::UnknownRun { .. } => StatusCode::NOT_FOUND,
            ConsoleRefusal::BadQuery { .. } => StatusCode::BAD_REQUEST,
            ConsoleRefusal::NoInput { .. } | ConsoleRefusal::FlowGone { .. } => {
                StatusCode::CONFLICT
            }
            ConsoleRefusal::QueueFull { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ConsoleRefusal::DryRunTimeout => StatusCode::GATEWAY_TIMEOUT,
            ConsoleRefusal::Store => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        let error = match self {
            ConsoleRefusal::Unauthorized => "unauthorized".to_string(),
            ConsoleRefusal::CrossSite => "a write from another site is refused".to_string(),
            ConsoleRefusal::NoHistory => "run history is off (`store: none`)".to_string(),
            ConsoleRefusal::NoSuchAsset => "not found".to_string(),
            ConsoleRefusal::UnknownRun { id } => format!("no run `{id}` in the history"),
            ConsoleRefusal::BadQuery { field, why } => format!("`{field}`: {why}"),
            ConsoleRefusal::NoInput { id } => {
                format!("run `{id}` kept no input (its flow has `history: {{ save_data: false }}`)")
            }
            ConsoleRefusal::FlowGone { flow } => format!("flow `{flow}` is not served any more"),
            ConsoleRefusal::QueueFull { max } => {
                format!("{max} events are queued already; try again")
            }
            ConsoleRefusal::DryRunTimeout => "the dry run did not finish in time".to_string(),
            ConsoleRefusal::Store => "the store failed; see the server's log".to_string(),
        };
        json!({ "error": error })
    }
}

impl IntoResponse for ConsoleRefusal {
    fn into_response(self) -> Response {
        let mut resp = (self.status(), axum::Json(self.body())).into_response();
        let headers = resp.headers_mut();
        match self {
            ConsoleRefusal::Unauthorized => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"flowctl console\""),
                );
            }
            ConsoleRefusal::QueueFull { .. } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            }
            _ => {}
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_has_its_status_and_says_why() {
        let cases = [
            (ConsoleRefusal::Unauthorized, 401, "unauthorized"),
            (ConsoleRefusal::CrossSite, 403, "another site"),
            (ConsoleRefusal::NoHistory, 404, "store: none"),
            (ConsoleRefusal::NoSuchAsset, 404, "not found"),
            (ConsoleRefusal::UnknownRun { id: "r1".into() }, 404, "`r1`"),
            (
                ConsoleRefusal::BadQuery {
                    field: "limit",
                    why: "not a number".into(),
                },
                400,
                "`limit`: not a number",
            ),
            (
                ConsoleRefusal::NoInput { id: "r2".into() },
                409,
                "save_data",
            ),
            (ConsoleRefusal::FlowGone { flow: "f".into() }, 409, "`f`"),
            (ConsoleRefusal::QueueFull { max: 3 }, 503, "3 events"),
            (ConsoleRefusal::DryRunTimeout, 504, "in time"),
            (ConsoleRefusal::Store, 500, "log"),
        ];
        for (r, status, says) in cases {
            assert_eq!(r.status().as_u16(), status, "{r:?}");
            let body = r.body()["error"].as_str().unwrap_or_default().to_string();
            assert!(body.contains(says), "{r:?}: {body}");
        }
        let resp = ConsoleRefusal::Unauthorized.into_response();
        assert!(resp.headers().contains_key(header::WWW_AUTHENTICATE));
        let resp = ConsoleRefusal::QueueFull { max: 1 }.into_response();
        assert_eq!(resp.headers()[header::RETRY_AFTER], "5");
    }
}
