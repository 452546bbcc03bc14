//! Repeated deliveries (`dedupe:`): senders such as EventBridge deliver at least once, so a
//! delivery whose key was seen within the window gets the first delivery's answer and does not
//! run the flow again. [`MemoryDedupe`] keeps keys in memory for a server without a store; with
//! one, `Durable::begin` reserves keys in the store (they survive restarts).

use flow_runtime::ResponseRecord;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::hash::{BuildHasher, Hash, Hasher, RandomState};
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
#[derive(Default)]
pub struct MemoryDedupe {
    keys: Mutex<Keys>,
    hashers: (RandomState, RandomState),
}

impl MemoryDedupe {
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
        let now = Instant::now();
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
        let expires = now + window;
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

        let d = MemoryDedupe::default();
        for i in 0..100 {
            d.check("f", &i.to_string(), Duration::from_millis(20), "e");
        }
        std::thread::sleep(Duration::from_millis(30));
        d.check("f", "new", Duration::from_secs(1), "e");
        assert_eq!(d.len(), 1);
    }
}
