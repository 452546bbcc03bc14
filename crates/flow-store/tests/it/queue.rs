//! The queue of accepted runs (`Store::enqueue`, `Store::claim`, `Store::queue_depth`).
//!
//! Each check is a function of a [`Backend`]: a store built on a [`ManualClock`], so another
//! backend's suite (PostgreSQL) runs the same checks by calling [`all`] with its own
//! constructor. The `#[test]`s at the end run them against SQLite (in memory and in a file)
//! and PostgreSQL (a database per check, see `backends.rs`).

use crate::backends::TempDatabase;
use crate::common::{self, new_id, new_run, oort_record};
use flow_runtime::ResponseRecord;
use flow_store::{Dedupe, ListFilter, ManualClock, QueueDepth, SqliteStore, Store};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// Builds an empty store whose time is `clock`.
pub type Backend<'a> = &'a dyn Fn(&ManualClock) -> Box<dyn Store>;

const LEASE: Duration = Duration::from_secs(10);

fn answer(status: u16) -> ResponseRecord {
    ResponseRecord {
        status,
        headers: vec![("x-note".into(), "queued".into())],
        body: json!({ "received": true }),
        at_ms: 0.3,
    }
}

fn ids(runs: &[flow_store::Unfinished]) -> Vec<&str> {
    runs.iter().map(|u| u.execution_id.as_str()).collect()
}

fn status_of(store: &dyn Store, id: &str) -> String {
    let all = store
        .list(&ListFilter {
            limit: 0,
            ..ListFilter::default()
        })
        .unwrap();
    all.into_iter()
        .find(|r| r.execution_id == id)
        .map(|r| r.status)
        .unwrap_or_default()
}

/// Every check, against the backend `make` builds.
pub fn all(make: Backend<'_>) {
    claims_in_arrival_order_never_twice(make);
    queued_runs_are_left_to_the_queue(make);
    a_claimed_run_whose_node_stops_is_resumed_by_another(make);
    the_answer_given_at_acceptance_is_kept(make);
    enqueue_reserves_the_dedupe_key_with_the_run(make);
    depth_and_oldest_age_per_flow(make);
    history_lists_queued_runs_as_queued(make);
}

/// Arrival order, whatever the ids (a later arrival may have a smaller id); a claimed run is
/// running and never claimed again; `n` bounds a claim.
pub fn claims_in_arrival_order_never_twice(make: Backend<'_>) {
    let clock = ManualClock::at_system_time();
    let store = make(&clock);
    // Ids that sort against arrival: z… arrives first.
    let arrivals = ["z-1", "a-2", "m-3", "b-4", "y-5"].map(|p| format!("{p}-{}", new_id()));
    for (i, id) in arrivals.iter().enumerate() {
        let flow = if i % 2 == 0 { "f" } else { "g" };
        assert_eq!(
            store.enqueue(&new_run(id, flow), None, None).unwrap(),
            Dedupe::First
        );
    }
    let first = store.claim(2, "node-1", LEASE).unwrap();
    assert_eq!(ids(&first), [arrivals[0].as_str(), arrivals[1].as_str()]);
    assert_eq!(first[0].flow, "f");
    assert_eq!(first[1].flow, "g");
    assert_eq!(first[0].input, new_run(&arrivals[0], "f").input);
    assert!(!first[0].responded);
    assert_eq!(status_of(&*store, &arrivals[0]), "running");
    assert_eq!(status_of(&*store, &arrivals[2]), "queued");
    // Another node gets the rest, in order; nothing is left for a third.
    let rest = store.claim(10, "node-2", LEASE).unwrap();
    assert_eq!(
        ids(&rest),
        [
            arrivals[2].as_str(),
            arrivals[3].as_str(),
            arrivals[4].as_str()
        ]
    );
    assert!(store.claim(10, "node-3", LEASE).unwrap().is_empty());
    assert!(store.claim(0, "node-3", LEASE).unwrap().is_empty());
    // Arrivals after the queue ran empty still come after one another.
    let (late_1, late_2) = (format!("z-{}", new_id()), format!("a-{}", new_id()));
    store.enqueue(&new_run(&late_1, "f"), None, None).unwrap();
    store.enqueue(&new_run(&late_2, "f"), None, None).unwrap();
    let late = store.claim(1, "node-1", LEASE).unwrap();
    assert_eq!(ids(&late), [late_1.as_str()]);
}

/// A queued run has no owner and no lease: `claim_unfinished` does not take it, `renew` does not
/// touch it, `fail_abandoned` does not end it, however much time passes.
pub fn queued_runs_are_left_to_the_queue(make: Backend<'_>) {
    let clock = ManualClock::at_system_time();
    let store = make(&clock);
    let id = new_id();
    let mut run = new_run(&id, "f");
    // Resumable whatever the caller said: a queued run is a server's.
    run.resumable = false;
    store.enqueue(&run, None, None).unwrap();
    store.renew("node-1", LEASE).unwrap();
    clock.advance(Duration::from_secs(3600));
    assert!(store.claim_unfinished("node-1", LEASE).unwrap().is_empty());
    assert_eq!(store.fail_abandoned().unwrap(), 0);
    assert_eq!(status_of(&*store, &id), "queued");
    let claimed = store.claim(5, "node-1", LEASE).unwrap();
    assert_eq!(ids(&claimed), [id.as_str()]);
}

/// A claimed run is held by a lease like a begun one: when its node stops renewing, another
/// node's `claim_unfinished` resumes it; a finished one is gone from both.
pub fn a_claimed_run_whose_node_stops_is_resumed_by_another(make: Backend<'_>) {
    let clock = ManualClock::at_system_time();
    let store = make(&clock);
    let (a, b) = (new_id(), new_id());
    store.enqueue(&new_run(&a, "f"), None, None).unwrap();
    store.enqueue(&new_run(&b, "f"), None, None).unwrap();
    assert_eq!(store.claim(2, "node-1", LEASE).unwrap().len(), 2);
    store.finish(&oort_record(&b)).unwrap();
    // Renewed, node-1 keeps a.
    clock.advance(LEASE);
    store.renew("node-1", LEASE).unwrap();
    clock.advance(Duration::from_millis(1));
    assert!(store.claim_unfinished("node-2", LEASE).unwrap().is_empty());
    // node-1 stops: node-2 resumes a, not the finished b.
    clock.advance(LEASE);
    let resumed = store.claim_unfinished("node-2", LEASE).unwrap();
    assert_eq!(ids(&resumed), [a.as_str()]);
    assert_eq!(status_of(&*store, &b), "succeeded");
}

/// The answer sent at acceptance is stored with the run: the claim says the caller was
/// answered, and neither the run's own answer later nor its final record replaces it.
pub fn the_answer_given_at_acceptance_is_kept(make: Backend<'_>) {
    let clock = ManualClock::at_system_time();
    let store = make(&clock);
    let id = new_id();
    store
        .enqueue(&new_run(&id, "f"), None, Some(&answer(202)))
        .unwrap();
    let claimed = store.claim(1, "node-1", LEASE).unwrap();
    assert!(claimed[0].responded);
    assert_eq!(store.progress(&id).unwrap().response, Some(answer(202)));
    // The run reaches its `http.close` again, to nobody, and ends with that answer.
    store.save_response(&id, &answer(200)).unwrap();
    let mut record = oort_record(&id);
    record.response = Some(answer(200));
    store.finish(&record).unwrap();
    let stored = store.get(&id).unwrap().unwrap();
    assert_eq!(stored.response, Some(answer(202)));
}

/// The dedupe key is reserved in the transaction that queues the run: a repeat queues nothing
/// and gets the first run's id and the answer it was given.
pub fn enqueue_reserves_the_dedupe_key_with_the_run(make: Backend<'_>) {
    let clock = ManualClock::at_system_time();
    let store = make(&clock);
    let (first, again) = (new_id(), new_id());
    let window = Some(("evt-1", Duration::from_secs(60)));
    assert_eq!(
        store
            .enqueue(&new_run(&first, "f"), window, Some(&answer(202)))
            .unwrap(),
        Dedupe::First
    );
    assert_eq!(
        store.enqueue(&new_run(&again, "f"), window, None).unwrap(),
        Dedupe::Repeat {
            execution_id: first.clone(),
            response: Some(answer(202)),
        }
    );
    assert!(store.get(&again).unwrap().is_none());
    assert_eq!(
        ids(&store.claim(10, "node-1", LEASE).unwrap()),
        [first.as_str()]
    );
    // Past the window the key is free again.
    clock.advance(Duration::from_secs(61));
    assert_eq!(
        store.enqueue(&new_run(&again, "f"), window, None).unwrap(),
        Dedupe::First
    );
}

/// Depth and the age of the oldest queued run, per flow; claimed runs leave the count.
pub fn depth_and_oldest_age_per_flow(make: Backend<'_>) {
    let clock = ManualClock::at_system_time();
    let store = make(&clock);
    assert!(store.queue_depth().unwrap().is_empty());
    store.enqueue(&new_run(&new_id(), "g"), None, None).unwrap();
    clock.advance(Duration::from_millis(1500));
    store.enqueue(&new_run(&new_id(), "f"), None, None).unwrap();
    store.enqueue(&new_run(&new_id(), "g"), None, None).unwrap();
    clock.advance(Duration::from_millis(500));
    let depth = |flow: &str, depth: u64, oldest_age_ms: u64| QueueDepth {
        flow: flow.into(),
        depth,
        oldest_age_ms,
    };
    assert_eq!(
        store.queue_depth().unwrap(),
        [depth("f", 1, 500), depth("g", 2, 2000)]
    );
    store.claim(1, "node-1", LEASE).unwrap();
    assert_eq!(
        store.queue_depth().unwrap(),
        [depth("f", 1, 500), depth("g", 1, 500)]
    );
}

/// `list` shows a queued run as `queued`, and filters on it.
pub fn history_lists_queued_runs_as_queued(make: Backend<'_>) {
    let clock = ManualClock::at_system_time();
    let store = make(&clock);
    let (queued, running) = (new_id(), new_id());
    store
        .begin_claimed(&new_run(&running, "f"), "node-1", LEASE)
        .unwrap();
    store.enqueue(&new_run(&queued, "f"), None, None).unwrap();
    let only = store
        .list(&ListFilter {
            status: Some("queued".into()),
            ..ListFilter::default()
        })
        .unwrap();
    assert_eq!(only.len(), 1);
    assert_eq!(only[0].execution_id, queued);
    assert_eq!(only[0].status, "queued");
    assert_eq!(status_of(&*store, &running), "running");
}

fn in_memory(clock: &ManualClock) -> Box<dyn Store> {
    Box::new(SqliteStore::open_in_memory_with_clock(Arc::new(clock.clone())).unwrap())
}

#[test]
fn the_queue_in_sqlite_in_memory() {
    all(&in_memory);
}

#[test]
fn the_queue_in_a_sqlite_file() {
    let dir = common::temp_dir("queue");
    let n = std::sync::atomic::AtomicUsize::new(0);
    let in_file = |clock: &ManualClock| -> Box<dyn Store> {
        let i = n.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let path = dir.join(format!("state-{i}.db"));
        Box::new(SqliteStore::open_with_clock(&path, Arc::new(clock.clone())).unwrap())
    };
    all(&in_file);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_queue_in_postgres() {
    // A database per check (each starts from an empty queue), dropped after its store.
    let dbs = std::sync::Mutex::new(Vec::new());
    let on_postgres = |clock: &ManualClock| -> Box<dyn Store> {
        let db = TempDatabase::create();
        let store = Box::new(db.open(Arc::new(clock.clone())));
        dbs.lock().unwrap().push(db);
        store
    };
    all(&on_postgres);
}

/// A queue outlives its process: a store opened again on the file claims what was queued, in
/// order, with the answers given.
#[test]
fn a_queue_survives_reopening_the_file() {
    let dir = common::temp_dir("queue-reopen");
    let path = dir.join("state.db");
    let (a, b) = (new_id(), new_id());
    {
        let store = SqliteStore::open(&path).unwrap();
        store.enqueue(&new_run(&a, "f"), None, None).unwrap();
        store
            .enqueue(&new_run(&b, "f"), None, Some(&answer(202)))
            .unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.queue_depth().unwrap()[0].depth, 2);
    let claimed = store.claim(5, "node-2", LEASE).unwrap();
    assert_eq!(ids(&claimed), [a.as_str(), b.as_str()]);
    assert_eq!(
        claimed.iter().map(|u| u.responded).collect::<Vec<_>>(),
        [false, true]
    );
    drop(store);
    std::fs::remove_dir_all(&dir).unwrap();
}
