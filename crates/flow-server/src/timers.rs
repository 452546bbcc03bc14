//! Durable timers of `flow.wait`: a root run's wake-up time is kept in the store as a helper-run
//! row of its run, so the store needs nothing new for it (both backends keep such rows until the
//! run finishes, and give them back with its progress), and `flowctl history show` of a waiting
//! run shows it under its step. A resumed run gets the times back ([`take_waits`]) and wakes
//! at them.

use flow_runtime::{ExecutionRecord, RunStatus};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// The flow name under which a waiting step's wake-up time is kept among a run's helper runs
/// (no flow can have it: flow names have no `.`), so the store needs nothing new for it.
const WAIT_MARK: &str = "flow.wait";

/// The wake-up times of a run's waiting steps, by step id, taken out of its helper runs (where
/// [`wait_mark`] keeps them).
pub(crate) fn take_waits(
    children: &mut HashMap<(String, usize), ExecutionRecord>,
) -> HashMap<String, i64> {
    let mut waits = HashMap::new();
    children.retain(|(step, _), child| {
        if &*child.flow != WAIT_MARK {
            return true;
        }
        if let Some(ms) = child.output.get("until_ms").and_then(Value::as_i64) {
            waits.insert(step.clone(), ms);
        }
        false
    });
    waits
}

/// The wake-up time of a waiting step, as a helper-run row of its run: the store keeps it until
/// the run finishes, and gives it back with the run's progress.
pub(crate) fn wait_mark(until_ms: i64) -> ExecutionRecord {
    ExecutionRecord {
        execution_id: String::new(),
        flow: Arc::from(WAIT_MARK),
        status: RunStatus::Running,
        started_at: String::new(),
        duration_ms: 0.0,
        dry_run: false,
        index: Some(0),
        trigger: None,
        inputs: None,
        response: None,
        steps: Vec::new(),
        output: Arc::new(serde_json::json!({ "until_ms": until_ms })),
        error: None,
    }
}

#[cfg(test)]
mod tests {
    use crate::durable::{Durable, LEASE};
    use crate::log::Logger;
    use flow_runtime::{ExecutionRecord, Launch, Observer, Waiting};
    use flow_store::{NewRun, SqliteStore, Store, StoredInput, Unfinished};
    use serde_json::json;
    use std::collections::HashMap;
    use std::sync::Arc;

    fn child_a() -> ExecutionRecord {
        serde_json::from_value(json!({
            "execution_id": "child-a", "flow": "helper", "status": "succeeded",
            "started_at": "2026-01-01T00:00:00Z", "duration_ms": 1.0, "index": 0,
            "inputs": {}, "steps": [], "output": {}, "error": null
        }))
        .unwrap()
    }

    /// A run `flow.call_async` starts is queued in the store, resumable, with its inputs (so
    /// any node claims it), and the dispatcher is woken; a root run's wait leaves its wake-up time, which its resume gets back
    /// apart from its helper runs; another run's wait leaves nothing.
    #[test]
    fn launches_are_queued_and_waits_come_back_with_the_resume() {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open_in_memory().unwrap());
        let durable = Durable::new(store.clone(), Logger::default());
        let woken = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let count = woken.clone();
        durable.on_queued(move || {
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        });
        let inputs = json!({ "text": "hi" });
        let parent = flow_runtime::Parent {
            execution_id: "run-1",
            step: "go",
        };
        assert!(durable.launch(&Launch {
            execution_id: "child-1",
            flow: "notify",
            inputs: &inputs,
            save_data: true,
            parent,
        }));
        let run = NewRun {
            execution_id: "run-1".into(),
            flow: "main".into(),
            started_at: "2026-01-01T00:00:00Z".into(),
            input: StoredInput::Inputs(json!({})),
            save_data: true,
            resumable: true,
        };
        store.begin(&run).unwrap();
        durable.adopt("run-1", false);
        durable.waiting(&Waiting {
            execution_id: "run-1",
            step: "nap",
            until_ms: 1_234,
        });
        durable.waiting(&Waiting {
            execution_id: "not-mine",
            step: "nap",
            until_ms: 5,
        });
        store.save_child("run-1", "dispatch", &child_a()).unwrap();
        durable.flush().unwrap();

        // The dispatcher was woken once the run was committed.
        assert_eq!(woken.load(std::sync::atomic::Ordering::SeqCst), 1);
        let claimed = store.claim(10, "node", LEASE).unwrap();
        assert_eq!(claimed.len(), 1);
        assert_eq!(
            (claimed[0].execution_id.as_str(), claimed[0].flow.as_str()),
            ("child-1", "notify")
        );
        assert_eq!(claimed[0].input, StoredInput::Inputs(inputs));

        let unfinished = Unfinished {
            execution_id: "run-1".into(),
            flow: "main".into(),
            started_at: String::new(),
            input: StoredInput::Inputs(json!({})),
            responded: false,
        };
        let (_, resume) = durable.resumable(&unfinished).unwrap();
        assert_eq!(resume.waits, HashMap::from([("nap".to_string(), 1_234)]));
        let kept: Vec<&(String, usize)> = resume.children.keys().collect();
        assert_eq!(kept, [&("dispatch".to_string(), 0)]);
        assert!(store.progress("not-mine").unwrap().children.is_empty());
    }
}
