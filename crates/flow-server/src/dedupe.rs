//! Repeated deliveries (`dedupe:`): senders such as EventBridge deliver at least once, so a
//! delivery whose key was seen within the window gets the first delivery's answer and does not
//! run the flow again. [`MemoryDedupe`] keeps keys in memory for a server without a store; with
//! one, `Durable::enqueue` reserves keys in the store (they survive restarts).
//!
//! A key is the value of the flow's `dedupe.key` template, encoded by [`encode_key`] with its
//! type: `1` and `"1"`, `true` and `"true"`, an object and its JSON text are different keys.

use crate::clock::{Clock, SystemClock};
use flow_runtime::ResponseRecord;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::hash::{BuildHasher, Hash, Hasher, RandomState};
use std::sync::{Arc, Mutex};
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
    execution_id: Box<str>,
    /// The answer as compact JSON: a few dozen bytes where the parsed value takes hundreds.
    response: Option<Box<[u8]>>,
    expires: Instant,
    /// Which insertion this is, so a stale expiry-queue slot cannot remove a newer entry.
    seq: u64,
}

/// A flow and key, hashed to 128 bits with per-process random keys: an entry costs the same
/// whatever the key's length, and keys cannot be crafted to collide.
type Key = u128;

#[derive(Default)]
struct Keys {
    map: HashMap<Key, Entry>,
    /// Every entry's expiry, soonest first: expired keys leave in O(log n), never by a scan.
    expiries: BinaryHeap<Reverse<(Instant, u64, Key)>>,
    seq: u64,
}

impl Keys {
    /// Removes the entry the soonest slot of the queue points at, when it is still that entry.
    fn pop_soonest(&mut self) {
        if let Some(Reverse((_, seq, key))) = self.expiries.pop()
            && self.map.get(&key).is_some_and(|e| e.seq == seq)
        {
            self.map.remove(&key);
        }
    }
}

/// Dedupe keys in memory (lost on restart), about 200 bytes each with a short answer.
pub struct MemoryDedupe {
    keys: Mutex<Keys>,
    hashers: (RandomState, RandomState),
    clock: Arc<dyn Clock>,
}

impl Default for MemoryDedupe {
    fn default() -> Self {
        MemoryDedupe::with_clock(Arc::new(SystemClock))
    }
}

impl MemoryDedupe {
    /// Keys whose windows are measured with `clock`.
    pub fn with_clock(clock: Arc<dyn Clock>) -> Self {
        MemoryDedupe {
            keys: Mutex::default(),
            hashers: (RandomState::new(), RandomState::new()),
            clock,
        }
    }

    fn key(&self, flow: &str, key: &str) -> Key {
        let hash = |state: &RandomState| {
            let mut h = state.build_hasher();
            flow.hash(&mut h);
            key.hash(&mut h);
            h.finish()
        };
        (u128::from(hash(&self.hashers.0)) << 64) | u128::from(hash(&self.hashers.1))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Keys> {
        self.keys
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Keys held now (expired ones may linger until the next check).
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl DedupeStore for MemoryDedupe {
    fn check(&self, flow: &str, key: &str, window: Duration, execution_id: &str) -> DedupeOutcome {
        let mut keys = self.lock();
        let now = self.clock.now();
        let k = self.key(flow, key);
        if let Some(e) = keys.map.get(&k)
            && e.expires > now
        {
            return DedupeOutcome::Repeat {
                execution_id: e.execution_id.to_string(),
                response: e
                    .response
                    .as_deref()
                    .and_then(|r| serde_json::from_slice(r).ok()),
            };
        }
        // Expired keys leave first; past the cap, the ones closest to expiring.
        while keys
            .expiries
            .peek()
            .is_some_and(|Reverse((at, _, _))| *at <= now)
        {
            keys.pop_soonest();
        }
        while keys.map.len() >= MAX_KEYS && !keys.expiries.is_empty() {
            keys.pop_soonest();
        }
        keys.seq += 1;
        let seq = keys.seq;
        // Windows are capped at a century: longer is as good as forever, and cannot overflow.
        let expires = now
            .checked_add(window.min(Duration::from_secs(100 * 365 * 86_400)))
            .unwrap_or(now);
        keys.expiries.push(Reverse((expires, seq, k)));
        keys.map.insert(
            k,
            Entry {
                execution_id: execution_id.into(),
                response: None,
                expires,
                seq,
            },
        );
        DedupeOutcome::First
    }

    fn answered(&self, flow: &str, key: &str, response: &ResponseRecord) {
        let k = self.key(flow, key);
        let mut keys = self.lock();
        if let Some(e) = keys.map.get_mut(&k) {
            e.response = serde_json::to_vec(response).ok().map(Vec::into_boxed_slice);
        }
    }
}

/// The key a `dedupe.key` value stands for, tagged with its type so that different values never
/// share a key (`None` for `null` and the empty text: no dedupe).
///
/// - text: `s:` and the text;
/// - an integer: `i:` and its digits; `true`/`false`: `b:true`/`b:false`;
/// - an object or a list: `j:` and its JSON text;
/// - anything holding a number that is not an integer of 64 bits (`1.5`, or an integer above
///   `u64::MAX` that JSON parsing could only keep approximately): `f:`, its JSON text and the
///   SHA-256 of the raw body. Two such values can parse to the same float while differing in the
///   body; they are kept apart, and a sender's retry (the same body) is still a repeat.
pub fn encode_key(value: &Value, body: &[u8]) -> Option<String> {
    fn has_float(v: &Value) -> bool {
        match v {
            Value::Number(n) => n.is_f64(),
            Value::Array(items) => items.iter().any(has_float),
            Value::Object(m) => m.values().any(has_float),
            _ => false,
        }
    }
    match value {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(format!("s:{s}")),
        Value::Bool(b) => Some(format!("b:{b}")),
        v if has_float(v) => Some(format!("f:{v}#{}", hex::encode(Sha256::digest(body)))),
        Value::Number(n) => Some(format!("i:{n}")),
        v => Some(format!("j:{v}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    #[test]
    fn first_then_repeat_then_expiry() {
        let clock = Arc::new(ManualClock::at_unix(0));
        let d = MemoryDedupe::with_clock(clock.clone());
        let w = Duration::from_secs(60);
        assert_eq!(d.check("f", "k", w, "e1"), DedupeOutcome::First);
        let r = ResponseRecord {
            status: 200,
            headers: Vec::new(),
            body: serde_json::Value::Null,
            at_ms: 1.0,
        };
        d.answered("f", "k", &r);
        assert_eq!(
            d.check("f", "k", w, "e2"),
            DedupeOutcome::Repeat {
                execution_id: "e1".into(),
                response: Some(r)
            }
        );
        assert_eq!(d.check("g", "k", w, "e3"), DedupeOutcome::First);
        // One second before the window ends: still a repeat; at its end: new.
        clock.advance(Duration::from_secs(59));
        assert!(matches!(
            d.check("f", "k", w, "e4"),
            DedupeOutcome::Repeat { .. }
        ));
        clock.advance(Duration::from_secs(1));
        assert_eq!(d.check("f", "k", w, "e5"), DedupeOutcome::First);
    }

    #[test]
    fn the_cap_drops_the_keys_closest_to_expiring_and_expired_keys_leave() {
        let d = MemoryDedupe::default();
        let long = Duration::from_secs(3600);
        // One key that expires later than all the others.
        assert_eq!(d.check("f", "keep", long * 2, "e0"), DedupeOutcome::First);
        for i in 0..MAX_KEYS + 10 {
            assert_eq!(
                d.check("f", &i.to_string(), long, "e"),
                DedupeOutcome::First
            );
        }
        assert_eq!(d.len(), MAX_KEYS);
        // The first short-lived keys went; the long-lived one and the newest stayed.
        assert_eq!(d.check("f", "0", long, "x"), DedupeOutcome::First);
        assert!(matches!(
            d.check("f", "keep", long, "x"),
            DedupeOutcome::Repeat { .. }
        ));
        assert!(matches!(
            d.check("f", &(MAX_KEYS + 9).to_string(), long, "x"),
            DedupeOutcome::Repeat { .. }
        ));

        let clock = Arc::new(ManualClock::at_unix(0));
        let d = MemoryDedupe::with_clock(clock.clone());
        for i in 0..100 {
            d.check("f", &i.to_string(), Duration::from_secs(20), "e");
        }
        clock.advance(Duration::from_secs(30));
        d.check("f", "new", Duration::from_secs(1), "e");
        assert_eq!(d.len(), 1);
    }

    #[test]
    fn a_window_too_long_to_add_does_not_panic() {
        let d = MemoryDedupe::default();
        assert_eq!(d.check("f", "k", Duration::MAX, "e"), DedupeOutcome::First);
        assert!(matches!(
            d.check("f", "k", Duration::MAX, "e2"),
            DedupeOutcome::Repeat { .. }
        ));
    }

    #[test]
    fn keys_carry_their_type() {
        let body = b"{}";
        let enc = |v: Value| encode_key(&v, body);
        // Values that printed the same text before: all different now.
        let values = [
            serde_json::json!(1),
            serde_json::json!("1"),
            serde_json::json!(true),
            serde_json::json!("true"),
            serde_json::json!({"a": 1}),
            serde_json::json!("{\"a\":1}"),
            serde_json::json!([1]),
            serde_json::json!("[1]"),
            serde_json::json!(-1),
            serde_json::json!(u64::MAX),
        ];
        let keys: Vec<String> = values.iter().map(|v| enc(v.clone()).unwrap()).collect();
        assert_eq!(
            keys,
            vec![
                "i:1",
                "s:1",
                "b:true",
                "s:true",
                "j:{\"a\":1}",
                "s:{\"a\":1}",
                "j:[1]",
                "s:[1]",
                "i:-1",
                "i:18446744073709551615",
            ]
        );
        assert_eq!((enc(Value::Null), enc(serde_json::json!(""))), (None, None));
    }

    #[test]
    fn integers_above_u64_in_different_bodies_get_different_keys() {
        // Both parse to the same float; the raw bodies tell them apart.
        let a = br#"{"id": 18446744073709551616}"#;
        let b = br#"{"id": 18446744073709551617}"#;
        let va: Value = serde_json::from_slice(a).unwrap();
        let vb: Value = serde_json::from_slice(b).unwrap();
        assert_eq!(va["id"], vb["id"]);
        let (ka, kb) = (encode_key(&va["id"], a), encode_key(&vb["id"], b));
        assert_ne!(ka, kb);
        // The same delivery again is the same key.
        assert_eq!(ka, encode_key(&va["id"], a));
        assert_eq!(
            ka.unwrap(),
            // sha256 of `a`, from Python's hashlib.
            "f:1.8446744073709552e+19#9ba0385046f70b88437021e384e199d7db03f22e225ba7755837fa402af055ba"
        );
    }
}
