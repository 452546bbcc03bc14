//! What Okta sends an event hook: a delivery (a CloudEvents-style envelope, `eventType:
//! com.okta.event_hook`) holding one or more System Log events in `data.events`, each of which
//! becomes `trigger.event` of its own run, with `trigger.delivery` = `{ id, time, source }` of
//! the envelope.

use serde_json::{Map, Value, json};

/// One event of a delivery, ready to start a run.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveredEvent {
    /// The event's `uuid` (its dedupe key: Okta delivers at least once).
    pub uuid: String,
    /// The event's `eventType`, e.g. `user.lifecycle.create`.
    pub event_type: String,
    /// `trigger` of its run: `{ event, delivery: { id, time, source } }`.
    pub trigger: Value,
}

/// Why a body is not an Okta event hook delivery.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// The body is not JSON.
    #[error("the delivery is not JSON: {message} (line {line}, column {column})")]
    NotJson {
        /// The parser's message.
        message: String,
        /// Where it stopped.
        line: usize,
        /// Where it stopped.
        column: usize,
    },
    /// A required part is missing or of the wrong type.
    #[error("not an Okta event hook delivery: `{path}` {what}")]
    Shape {
        /// Where, as a path into the body (`data.events[2].uuid`).
        path: String,
        /// What is wrong there.
        what: &'static str,
    },
}

fn shape(path: impl Into<String>, what: &'static str) -> DeliveryError {
    DeliveryError::Shape {
        path: path.into(),
        what,
    }
}

/// Splits a delivery into its events, in order. Each event must be an object with text `uuid`
/// and `eventType`; the envelope's `eventId`, `eventTime` and `source` become
/// `trigger.delivery` (`null` where absent).
pub fn parse_delivery(body: &str) -> Result<Vec<DeliveredEvent>, DeliveryError> {
    let root: Value = serde_json::from_str(body.trim_start_matches('\u{feff}')).map_err(|e| {
        DeliveryError::NotJson {
            message: e.to_string(),
            line: e.line(),
            column: e.column(),
        }
    })?;
    let Value::Object(root) = root else {
        return Err(shape("$", "must be a JSON object"));
    };
    let text = |m: &Map<String, Value>, k: &str| match m.get(k) {
        Some(Value::String(s)) => Value::String(s.clone()),
        _ => Value::Null,
    };
    let delivery = json!({
        "id": text(&root, "eventId"),
        "time": text(&root, "eventTime"),
        "source": text(&root, "source"),
    });
    let events = match root.get("data") {
        Some(Value::Object(data)) => match data.get("events") {
            Some(Value::Array(events)) => events,
            Some(_) => return Err(shape("data.events", "must be a list")),
            None => return Err(shape("data.events", "is missing")),
        },
        Some(_) => return Err(shape("data", "must be an object")),
        None => return Err(shape("data", "is missing")),
    };
    let mut out = Vec::with_capacity(events.len());
    for (i, event) in events.iter().enumerate() {
        let Value::Object(e) = event else {
            return Err(shape(format!("data.events[{i}]"), "must be an object"));
        };
        let field = |k: &str| match e.get(k) {
            Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
            _ => Err(shape(
                format!("data.events[{i}].{k}"),
                "is missing or not text",
            )),
        };
        let uuid = field("uuid")?;
        let event_type = field("eventType")?;
        out.push(DeliveredEvent {
            uuid,
            event_type,
            trigger: json!({ "event": event, "delivery": delivery }),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_a_delivery_into_events_with_the_envelope() {
        let body = r#"{"eventType":"com.okta.event_hook","eventId":"d1","eventTime":"2026-03-02T09:15:00.000Z",
            "source":"https://example.okta.com/api/v1/eventHooks/who1",
            "data":{"events":[{"uuid":"u1","eventType":"user.lifecycle.create","actor":{"id":"00a"}},
                              {"uuid":"u2","eventType":"user.session.start"}]}}"#;
        let events = parse_delivery(body).unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(
            (events[0].uuid.as_str(), events[0].event_type.as_str()),
            ("u1", "user.lifecycle.create")
        );
        assert_eq!(events[0].trigger["event"]["actor"]["id"], "00a");
        assert_eq!(
            events[1].trigger["delivery"],
            json!({"id": "d1", "time": "2026-03-02T09:15:00.000Z",
                   "source": "https://example.okta.com/api/v1/eventHooks/who1"})
        );
    }

    #[test]
    fn bad_envelopes_say_where() {
        let err = |b: &str| parse_delivery(b).unwrap_err().to_string();
        assert_eq!(
            err("{\"data\": {}}"),
            "not an Okta event hook delivery: `data.events` is missing"
        );
        assert_eq!(
            err("[1]"),
            "not an Okta event hook delivery: `$` must be a JSON object"
        );
        assert_eq!(
            err(r#"{"data":{"events":[{"uuid":"a","eventType":"x"},{"eventType":"x"}]}}"#),
            "not an Okta event hook delivery: `data.events[1].uuid` is missing or not text"
        );
        assert!(err("{\"data\": ").starts_with("the delivery is not JSON: "));
        // An empty delivery is a delivery (nothing runs).
        assert_eq!(parse_delivery(r#"{"data":{"events":[]}}"#), Ok(Vec::new()));
    }
}
