//! What starts a run: an HTTP request (for endpoint flows), inputs (for helper flows), one event
//! of an Okta event hook delivery, or a schedule's tick — and how each becomes the `trigger`
//! value templates read ([`trigger_value`]).
//!
//! An event or a tick travels as a request whose body is its `trigger` value as JSON (its only
//! header is the content type), so the store queues, resumes and replays it as any request.

use flow_card::http::SECRET_HEADERS;
use flow_compile::TriggerPlan;
use flow_model::okta_delivery::DeliveredEvent;
use flow_model::schedule::Schedule;
use serde_json::{Map, Value, json};

/// An HTTP request to an endpoint flow.
#[derive(Debug, Clone, Default)]
pub struct TriggerRequest {
    /// `GET` or `POST`.
    pub method: String,
    /// The raw body.
    pub body: String,
    /// Headers, lower-case names (repeated headers joined with `, `).
    pub headers: Vec<(String, String)>,
    /// Query parameters.
    pub query: Vec<(String, String)>,
}

/// The input of a run.
#[derive(Debug, Clone)]
pub enum RunInput {
    /// A request to an endpoint flow.
    Request(TriggerRequest),
    /// The inputs of a helper flow.
    Inputs(Value),
}

impl TriggerRequest {
    /// The `trigger` value: `{ body, json, headers, query, method }`. `json` is the body parsed,
    /// or `null` when it is not JSON (see [`TriggerRequest::json`]).
    pub fn to_value(&self) -> Value {
        self.to_value_with_json(self.json())
    }

    /// [`TriggerRequest::to_value`] with `json` as `trigger.json`: for a caller that has parsed
    /// the body already (the server does, to refuse a body that is not JSON).
    pub fn to_value_with_json(&self, json: Value) -> Value {
        let mut m = Map::new();
        m.insert("body".into(), Value::String(self.body.clone()));
        m.insert("json".into(), json);
        m.insert("headers".into(), pairs(&self.headers, false));
        m.insert("query".into(), pairs(&self.query, false));
        m.insert("method".into(), Value::String(self.method.clone()));
        Value::Object(m)
    }

    /// [`TriggerRequest::to_value`] for an endpoint with `accept: json`, whose body was checked
    /// to be JSON: it is `trigger.json` whatever the content-type says (a bare `42` too).
    pub fn to_value_accepting_json(&self) -> Value {
        let json = match self.json() {
            Value::Null => serde_json::from_str(self.body.trim_start_matches('\u{feff}'))
                .unwrap_or(Value::Null),
            json => json,
        };
        self.to_value_with_json(json)
    }

    /// The body parsed as JSON, or `null`. A body that is a JSON object or list is parsed
    /// whatever its content type, after any leading whitespace or byte order mark. Any other
    /// JSON value (`"text"`, `42`, `true`) is parsed only when the `content-type` says JSON
    /// (`application/json`, `…+json`), so a plain-text `42` stays text.
    pub fn json(&self) -> Value {
        let text = self
            .body
            .trim_start_matches(|c: char| c == '\u{feff}' || c.is_whitespace());
        if text.is_empty() || !(text.starts_with(['{', '[']) || self.is_json_content()) {
            return Value::Null;
        }
        serde_json::from_str(text).unwrap_or(Value::Null)
    }

    /// True when the `content-type` header names a JSON media type.
    fn is_json_content(&self) -> bool {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            .any(|(_, v)| {
                let media = v
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                media == "application/json" || media == "text/json" || media.ends_with("+json")
            })
    }

    /// The request as the record keeps it: secret headers and `clientToken` masked.
    pub fn to_record(&self) -> Value {
        let mut m = Map::new();
        m.insert("method".into(), Value::String(self.method.clone()));
        m.insert("headers".into(), pairs(&self.headers, true));
        if !self.query.is_empty() {
            m.insert("query".into(), pairs(&self.query, true));
        }
        m.insert("body".into(), Value::String(self.body.clone()));
        Value::Object(m)
    }
}

/// The `trigger` value of a run of a flow triggered by `trigger` on `req`: for an endpoint, the
/// request ([`TriggerRequest::to_value`]); for an Okta event or a schedule's tick, the body,
/// which holds the value itself ([`event_request`], [`tick_request`]).
pub fn trigger_value(trigger: &TriggerPlan, req: &TriggerRequest) -> Value {
    match trigger {
        TriggerPlan::OktaEventHook(_) | TriggerPlan::Schedule(_) => {
            match serde_json::from_str::<Value>(&req.body) {
                Ok(v @ Value::Object(_)) => v,
                _ => Value::Null,
            }
        }
        TriggerPlan::ApiEndpoint(_) | TriggerPlan::Helper { .. } => req.to_value(),
    }
}

/// The request that runs one event of an Okta event hook delivery: its body is
/// `{ event, delivery }`. No header of the delivery is kept (the hook's secret is in one).
pub fn event_request(event: &DeliveredEvent) -> TriggerRequest {
    TriggerRequest {
        method: "POST".into(),
        body: event.trigger.to_string(),
        headers: vec![("content-type".into(), "application/json".into())],
        query: Vec::new(),
    }
}

/// The request that runs a schedule's tick at Unix time `unix`: its body is
/// `{ scheduled_at, timezone }`, the time in RFC 3339 in the schedule's zone.
pub fn tick_request(schedule: &Schedule, unix: i64) -> TriggerRequest {
    TriggerRequest {
        method: "POST".into(),
        body: json!({ "scheduled_at": schedule.format(unix), "timezone": schedule.zone_name })
            .to_string(),
        headers: vec![("content-type".into(), "application/json".into())],
        query: Vec::new(),
    }
}

fn pairs(items: &[(String, String)], masked: bool) -> Value {
    let mut m = Map::new();
    for (k, v) in items {
        let v = if masked && is_secret_name(k) {
            "***".to_string()
        } else {
            v.clone()
        };
        m.insert(k.clone(), Value::String(v));
    }
    Value::Object(m)
}

fn is_secret_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    SECRET_HEADERS.contains(&n.as_str())
        || n == "clienttoken"
        || n.contains("signature")
        || n.contains("token")
        || n.contains("secret")
}

/// Headers with secret values replaced by `***`.
pub fn mask_headers(headers: &[(String, String)]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                if is_secret_name(k) {
                    "***".to_string()
                } else {
                    v.clone()
                },
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trigger_value_and_masked_record() {
        let r = TriggerRequest {
            method: "POST".into(),
            body: "{\"id\": 1}".into(),
            headers: vec![
                ("x-api-client-token".into(), "s3cret".into()),
                ("content-type".into(), "application/json".into()),
            ],
            query: vec![("clientToken".into(), "s3cret".into())],
        };
        let v = r.to_value();
        assert_eq!(v["json"]["id"], 1);
        assert_eq!(v["headers"]["x-api-client-token"], "s3cret");
        let rec = r.to_record().to_string();
        assert!(!rec.contains("s3cret"), "{rec}");
        let plain = TriggerRequest {
            body: "not json".into(),
            ..Default::default()
        };
        assert!(plain.to_value()["json"].is_null());
    }

    #[test]
    fn events_and_ticks_are_their_own_trigger() {
        let body = r#"{"eventId":"d1","data":{"events":[{"uuid":"u1","eventType":"user.lifecycle.create"}]}}"#;
        let events = flow_model::okta_delivery::parse_delivery(body).unwrap();
        let req = event_request(&events[0]);
        let hook = flow_compile::EventHookPlan {
            path_name: "h".into(),
            events: vec!["user.lifecycle.create".into()],
            header: "authorization".into(),
            secret: flow_model::Secret::new("x", flow_model::Span::default()),
        };
        let v = trigger_value(&TriggerPlan::OktaEventHook(Box::new(hook)), &req);
        assert_eq!(v["event"]["uuid"], "u1");
        assert_eq!(v["delivery"]["id"], "d1");
        // The record keeps no header of the delivery.
        assert_eq!(
            req.to_record()["headers"].as_object().map(Map::len),
            Some(1)
        );

        let s = Schedule::parse("0 9 * * *", Some("Europe/Berlin")).unwrap();
        let tick = tick_request(&s, 1_772_438_400); // 2026-03-02T08:00:00Z
        let v = trigger_value(&TriggerPlan::Schedule(Box::new(s)), &tick);
        assert_eq!(
            v,
            json!({"scheduled_at": "2026-03-02T09:00:00+01:00", "timezone": "Europe/Berlin"})
        );
    }

    fn request(body: &str, content_type: Option<&str>) -> TriggerRequest {
        TriggerRequest {
            method: "POST".into(),
            body: body.into(),
            headers: content_type
                .map(|ct| vec![("content-type".to_string(), ct.to_string())])
                .unwrap_or_default(),
            query: Vec::new(),
        }
    }

    #[test]
    fn json_after_whitespace_or_a_byte_order_mark() {
        for body in [
            "\n  {\"id\": 1}",
            "\r\n\t{\"id\": 1}\n",
            "\u{feff}{\"id\": 1}",
            "\u{feff}  {\"id\": 1}",
        ] {
            assert_eq!(request(body, None).json()["id"], 1, "{body:?}");
        }
        assert_eq!(request("  [1, 2]", None).json(), serde_json::json!([1, 2]));
    }

    #[test]
    fn json_scalars_are_parsed_when_the_content_type_says_json() {
        for ct in [
            "application/json",
            "Application/JSON; charset=utf-8",
            "application/vnd.api+json",
            "text/json",
        ] {
            assert_eq!(request("\"text\"", Some(ct)).json(), "text", "{ct}");
            assert_eq!(request(" 42 ", Some(ct)).json(), 42, "{ct}");
            assert_eq!(request("true", Some(ct)).json(), true, "{ct}");
            assert_eq!(request("{\"a\": 1}", Some(ct)).json()["a"], 1, "{ct}");
            // Not JSON after all: null, and the text stays in `body`.
            let bad = request("nope", Some(ct));
            assert!(bad.json().is_null(), "{ct}");
            assert_eq!(bad.to_value()["body"], "nope");
        }
        // The header name in any case.
        let mut r = request("42", None);
        r.headers
            .push(("Content-Type".into(), "application/json".into()));
        assert_eq!(r.json(), 42);
        // Without a JSON content type a scalar stays text.
        for ct in [None, Some("text/plain"), Some("application/jsonl")] {
            let r = request("42", ct);
            assert!(r.json().is_null(), "{ct:?}");
            assert_eq!(r.to_value()["body"], "42");
        }
        assert!(request("", Some("application/json")).json().is_null());
        assert!(request("{\"a\": ", None).json().is_null());
    }
}
