//! Metadata-only records, for flows that keep no run data (`save_data: false`).
//!
//! What stays: ids, flow names, statuses, timing, the item index, step ids, cards, attempts,
//! errors (final and retried), skip reasons, the request method and (masked) headers, the
//! response status, and for each HTTP exchange its method, the URL's origin (its path and
//! query may name users), status and timing. What goes:
//! the request body and query, helper inputs, step inputs and outputs, response bodies and
//! headers, HTTP bodies, the run's output. Helper runs are stripped the same way.

use flow_runtime::{ExecutionRecord, ResponseRecord, StepRecord};
use serde_json::Value;

/// The record with its data removed.
pub(crate) fn metadata_only(record: &ExecutionRecord) -> ExecutionRecord {
    let mut r = record.clone();
    strip_run(&mut r);
    r
}

fn strip_run(r: &mut ExecutionRecord) {
    if let Some(Value::Object(trigger)) = r.trigger.as_deref_mut() {
        trigger.remove("body");
        trigger.remove("query");
        trigger.remove("json");
    }
    r.inputs = None;
    if let Some(response) = &mut r.response {
        strip_response(response);
    }
    r.output = std::sync::Arc::new(Value::Null);
    r.steps.iter_mut().for_each(strip_step);
}

/// An answer without its data: its status and time stay.
pub(crate) fn strip_response(response: &mut ResponseRecord) {
    response.body = Value::Null;
    response.headers.clear();
}

fn strip_step(s: &mut StepRecord) {
    s.input = None;
    s.output = None;
    for exchange in &mut s.http {
        exchange.body = None;
        exchange.headers.clear();
        exchange.url = origin(&exchange.url);
    }
    s.children.iter_mut().for_each(strip_run);
}

/// `scheme://host[:port]` of a URL: its path and query may name users.
fn origin(url: &str) -> String {
    let start = url.find("://").map_or(0, |i| i + 3);
    match url[start..].find(['/', '?', '#']) {
        Some(end) => url[..start + end].to_string(),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_metadata_and_drops_data() {
        let record: ExecutionRecord = serde_json::from_value(json!({
            "execution_id": "e1", "flow": "f", "status": "failed",
            "started_at": "2025-01-01T00:00:00Z", "duration_ms": 5.0,
            "trigger": { "method": "POST", "headers": { "a": "b" }, "body": "SECRETBODY" },
            "response": { "status": 200, "body": { "x": "SECRETRESP" }, "at_ms": 1.0 },
            "steps": [ { "id": "s", "card": "c", "status": "failed", "attempts": 2,
                "started_ms": 0.0, "duration_ms": 1.0, "input": { "q": "SECRETIN" },
                "output": "SECRETOUT", "error": { "kind": "timeout" },
                "children": [ { "execution_id": "c1", "flow": "h", "status": "succeeded",
                    "started_at": "2025-01-01T00:00:00Z", "duration_ms": 1.0, "index": 0,
                    "inputs": { "email": "SECRETCHILD" }, "steps": [], "output": 1,
                    "error": null } ] } ],
            "output": "SECRETRUN", "error": { "step": "s", "kind": "timeout", "message": "m" }
        }))
        .unwrap();
        let stripped = metadata_only(&record);
        let text = serde_json::to_string(&stripped).unwrap();
        assert!(!text.contains("SECRET"), "{text}");
        assert_eq!(stripped.steps[0].attempts, 2);
        assert_eq!(
            stripped.steps[0].error.as_deref(),
            Some(&json!({ "kind": "timeout" }))
        );
        assert_eq!(stripped.steps[0].children[0].index, Some(0));
        assert_eq!(stripped.response.as_ref().map(|r| r.status), Some(200));
        assert_eq!(
            stripped.error.as_ref().map(|e| e.kind.as_str()),
            Some("timeout")
        );
    }

    #[test]
    fn urls_keep_their_origin() {
        assert_eq!(
            origin("https://a.okta.com/api/v1/users/x@y"),
            "https://a.okta.com"
        );
        assert_eq!(origin("http://127.0.0.1:9/x?y=1"), "http://127.0.0.1:9");
        assert_eq!(origin("https://h?q=secret"), "https://h");
        assert_eq!(origin("https://h"), "https://h");
    }
}
