//! Repeated deliveries (`dedupe:`): senders such as EventBridge deliver at least once, so a
//! delivery whose key was seen within the window gets the first delivery's answer and does not
//! run the flow again. [`MemoryDedupe`] keeps keys in memory; the store keeps them across
//! restarts.

use flow_runtime::ResponseRecord;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The most keys kept in memory; beyond it expired keys are swept, then the oldest dropped.
const MAX_KEYS: usize = 100_000;

/// What a dedupe check found.
#[derive(Debug, Clone, PartialEq)]
pub enum DedupeOutcome {
    /// The key is new (now reserved for this delivery).
    First,
    /// The key was seen: the first delivery's run and, once known, its answer.
    Repeat {
        /// The first delivery's execution.
        execution_id: String,
        /// Its answer, when it has answered.
        response: Option<ResponseRecord>,
    },
}

/// Where dedupe keys live.
pub trait DedupeStore: Send + Sync {
    /// Reserves `key` of `flow` for `execution_id`, or reports the delivery that holds it.
    fn check(&self, flow: &str, key: &str, window: Duration, execution_id: &str) -> DedupeOutcome;
    /// Records the answer the first delivery got.
    fn answered(&self, flow: &str, key: &str, response: &ResponseRecord);
}

struct Entry {
    execution_id: String,
    response: Option<ResponseRecord>,
    expires: Instant,
}

/// Dedupe keys in memory (lost on restart).
#[derive(Default)]
pub struct MemoryDedupe {
    map: Mutex<HashMap<(String, String), Entry>>,
}

impl DedupeStore for MemoryDedupe {
    fn check(&self, flow: &str, key: &str, window: Duration, execution_id: &str) -> DedupeOutcome {
        let mut map = self
            .map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        let k = (flow.to_string(), key.to_string());
        if let Some(e) = map.get(&k)
            && e.expires > now
        {
            return DedupeOutcome::Repeat {
                execution_id: e.execution_id.clone(),
                response: e.response.clone(),
            };
        }
        if map.len() >= MAX_KEYS {
            map.retain(|_, e| e.expires > now);
            if map.len() >= MAX_KEYS
                && let Some(oldest) = map
                    .iter()
                    .min_by_key(|(_, e)| e.expires)
                    .map(|(k, _)| k.clone())
            {
                map.remove(&oldest);
            }
        }
        map.insert(
            k,
            Entry {
                execution_id: execution_id.to_string(),
                response: None,
                expires: now + window,
            },
        );
        DedupeOutcome::First
    }

    fn answered(&self, flow: &str, key: &str, response: &ResponseRecord) {
        let mut map = self
            .map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(e) = map.get_mut(&(flow.to_string(), key.to_string())) {
            e.response = Some(response.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_then_repeat_then_expiry() {
        let d = MemoryDedupe::default();
        assert_eq!(
            d.check("f", "k", Duration::from_millis(50), "e1"),
            DedupeOutcome::First
        );
        let r = ResponseRecord {
            status: 200,
            headers: Vec::new(),
            body: serde_json::Value::Null,
            at_ms: 1.0,
        };
        d.answered("f", "k", &r);
        assert_eq!(
            d.check("f", "k", Duration::from_millis(50), "e2"),
            DedupeOutcome::Repeat {
                execution_id: "e1".into(),
                response: Some(r)
            }
        );
        assert_eq!(
            d.check("g", "k", Duration::from_millis(50), "e3"),
            DedupeOutcome::First
        );
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(
            d.check("f", "k", Duration::from_millis(50), "e4"),
            DedupeOutcome::First
        );
    }
}
