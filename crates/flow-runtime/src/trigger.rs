//! What starts a run: an HTTP request (for endpoint flows) or inputs (for helper flows), and
//! how a request becomes the `trigger` value templates read.

use flow_card::http::SECRET_HEADERS;
use serde_json::{Map, Value};

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
    /// or `null` when it is not JSON.
    pub fn to_value(&self) -> Value {
        let json = if self.body.trim_start().starts_with(['{', '[']) {
            serde_json::from_str(&self.body).unwrap_or(Value::Null)
        } else {
            Value::Null
        };
        let mut m = Map::new();
        m.insert("body".into(), Value::String(self.body.clone()));
        m.insert("json".into(), json);
        m.insert("headers".into(), pairs(&self.headers, false));
        m.insert("query".into(), pairs(&self.query, false));
        m.insert("method".into(), Value::String(self.method.clone()));
        Value::Object(m)
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
}
