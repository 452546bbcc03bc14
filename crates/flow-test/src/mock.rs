//! Mocks: a case's replacement results, matched by `flow/step`, then step id (in the flow under
//! test), then card kind. A result with `when` answers the calls whose inputs contain it; the
//! others are used in order, the last one repeating.

use crate::file::Reply;
use flow_card::{CardError, ErrorKind};
use flow_runtime::Intercept;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Mutex;

/// The mocks of one case.
pub struct Mocks {
    flow: String,
    replies: HashMap<String, Vec<Reply>>,
    used: Mutex<HashMap<String, usize>>,
}

impl Mocks {
    /// Mocks for a run of `flow`.
    pub fn new(flow: &str, mocks: &[(String, Vec<Reply>)]) -> Self {
        Mocks {
            flow: flow.to_string(),
            replies: mocks.iter().cloned().collect(),
            used: Mutex::new(HashMap::new()),
        }
    }
}

/// The error kind named in a mock.
fn kind(name: &str) -> ErrorKind {
    match name {
        "input" => ErrorKind::Input,
        "not_found" => ErrorKind::NotFound,
        "unauthorized" => ErrorKind::Unauthorized,
        "forbidden" => ErrorKind::Forbidden,
        "invalid_state" => ErrorKind::InvalidState,
        "rate_limited" => ErrorKind::RateLimited,
        "server_error" => ErrorKind::Server,
        "timeout" => ErrorKind::Timeout,
        "connection" => ErrorKind::Connection,
        "helper_failed" => ErrorKind::Helper,
        "config" => ErrorKind::Config,
        _ => ErrorKind::Remote,
    }
}

/// A mocked error as a card error.
pub fn to_error(v: &Value) -> CardError {
    let kind = kind(v.get("kind").and_then(Value::as_str).unwrap_or("remote"));
    let message = v
        .get("message")
        .and_then(Value::as_str)
        .map_or_else(|| format!("mocked {}", kind.as_str()), str::to_string);
    let mut e = CardError::new(kind, message);
    if let Some(s) = v.get("status").and_then(Value::as_u64) {
        e.status = u16::try_from(s).ok();
    }
    if let Some(c) = v.get("code").and_then(Value::as_str) {
        e.code = Some(c.to_string());
    }
    e
}

impl Intercept for Mocks {
    fn step(
        &self,
        flow: &str,
        step: &str,
        card: &str,
        inputs: &serde_json::Map<String, Value>,
    ) -> Option<Result<Value, CardError>> {
        let scoped = format!("{flow}/{step}");
        let key = if self.replies.contains_key(&scoped) {
            scoped
        } else if flow == self.flow && self.replies.contains_key(step) {
            step.to_string()
        } else if self.replies.contains_key(card) {
            card.to_string()
        } else {
            return None;
        };
        let replies = self.replies.get(&key)?;
        let actual = Value::Object(inputs.clone());
        let conditional = replies.iter().find(|r| {
            r.when.as_ref().is_some_and(|w| {
                let mut diff = Vec::new();
                crate::expect::subset("", w, &actual, &mut diff);
                diff.is_empty()
            })
        });
        let reply = match conditional {
            Some(r) => r,
            None => {
                let plain: Vec<&Reply> = replies.iter().filter(|r| r.when.is_none()).collect();
                let n = {
                    let mut used = self
                        .used
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    let n = used.entry(key).or_default();
                    *n += 1;
                    *n - 1
                };
                plain.get(n).or_else(|| plain.last()).copied()?
            }
        };
        Some(match &reply.result {
            Ok(v) => Ok(v.clone()),
            Err(e) => Err(to_error(e)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn out(v: Value) -> Reply {
        Reply {
            when: None,
            result: Ok(v),
        }
    }

    #[test]
    fn precedence_sequences_and_conditions() {
        let no = serde_json::Map::new();
        let m = Mocks::new(
            "main",
            &[
                ("okta.read_user".into(), vec![out(json!({"id": "card"}))]),
                ("user".into(), vec![out(json!({"id": "step"}))]),
                (
                    "helper/user".into(),
                    vec![
                        out(json!(1)),
                        Reply {
                            when: None,
                            result: Err(json!({"kind": "not_found"})),
                        },
                    ],
                ),
                (
                    "okta.suspend_user".into(),
                    vec![
                        Reply {
                            when: Some(json!({"user_id": "x"})),
                            result: Ok(json!("x")),
                        },
                        out(json!("other")),
                    ],
                ),
            ],
        );
        assert_eq!(
            m.step("main", "user", "okta.read_user", &no),
            Some(Ok(json!({"id": "step"})))
        );
        assert_eq!(
            m.step("other", "user", "okta.read_user", &no),
            Some(Ok(json!({"id": "card"})))
        );
        assert_eq!(
            m.step("helper", "user", "okta.read_user", &no),
            Some(Ok(json!(1)))
        );
        let e = m
            .step("helper", "user", "okta.read_user", &no)
            .unwrap()
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotFound);
        // The last result repeats.
        assert!(
            m.step("helper", "user", "okta.read_user", &no)
                .unwrap()
                .is_err()
        );
        assert_eq!(m.step("main", "x", "text.compose", &no), None);
        let x: serde_json::Map<String, Value> =
            [("user_id".to_string(), json!("x"))].into_iter().collect();
        let y: serde_json::Map<String, Value> =
            [("user_id".to_string(), json!("y"))].into_iter().collect();
        assert_eq!(
            m.step("h", "s", "okta.suspend_user", &y),
            Some(Ok(json!("other")))
        );
        assert_eq!(
            m.step("h", "s", "okta.suspend_user", &x),
            Some(Ok(json!("x")))
        );
    }
}
