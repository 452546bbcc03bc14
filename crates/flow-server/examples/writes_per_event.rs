//! Counts the store's work per Oort event through the whole server (not a test: a figure for
//! `docs/benchmarks.md`): `EVENTS` Oort events of three users each are posted in-process to a
//! server with a SQLite store (the fake Okta and Slack answering), every run is waited for and
//! its writes committed, and the store calls made are counted by kind through a counting
//! wrapper around the `Store`. Deterministic: the calls do not depend on timing (how many
//! commits they share does; count those with `strace -f -c -e trace=pwrite64,fdatasync`).
//!
//! `cargo run -p flow-server --example writes_per_event [EVENTS]`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::body::Body;
use axum::http::Request;
use flow_runtime::{ExecutionRecord, Observer, ResponseRecord, RunEvent, StepRecord};
use flow_server::{Durable, Limits, Live, LogFormat, Logger, Metrics, ServerState, router};
use flow_store::{
    Dedupe, ListFilter, NewRun, Progress, QueueDepth, RunSummary, SqliteStore, Store, StoreError,
    StoredInput, Unfinished,
};
use flow_testkit::{FakeOkta, FakeSlack, UserStatus};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;
use tower::ServiceExt;

const MAIN: &str = include_str!("../../../flows/oort-failing-check.yaml");
const HELPER: &str = include_str!("../../../flows/demo-dispatcher.yaml");
const CONFIG: &str = include_str!("../../../flowctl.yaml");
const EVENT: &str = include_str!("../../../examples/events/failed-check.json");

/// A store that counts the calls made to it, by method.
struct Counting {
    inner: SqliteStore,
    calls: Mutex<BTreeMap<&'static str, u64>>,
}

impl Counting {
    fn count(&self, what: &'static str) {
        *self.calls.lock().unwrap().entry(what).or_default() += 1;
    }
}

impl Store for Counting {
    fn begin(&self, run: &NewRun) -> Result<(), StoreError> {
        self.count("begin");
        self.inner.begin(run)
    }
    fn begin_claimed(&self, run: &NewRun, owner: &str, lease: Duration) -> Result<(), StoreError> {
        self.count("begin_claimed");
        self.inner.begin_claimed(run, owner, lease)
    }
    fn begin_deduped(
        &self,
        run: &NewRun,
        owner: &str,
        lease: Duration,
        key: &str,
        window: Duration,
    ) -> Result<Dedupe, StoreError> {
        self.count("begin_deduped");
        self.inner.begin_deduped(run, owner, lease, key, window)
    }
    fn enqueue(
        &self,
        run: &NewRun,
        dedupe: Option<(&str, Duration)>,
        response: Option<&ResponseRecord>,
    ) -> Result<Dedupe, StoreError> {
        self.count("enqueue");
        self.inner.enqueue(run, dedupe, response)
    }
    fn claim(&self, n: usize, owner: &str, lease: Duration) -> Result<Vec<Unfinished>, StoreError> {
        let runs = self.inner.claim(n, owner, lease)?;
        if !runs.is_empty() {
            self.count("claim (batches)");
        }
        Ok(runs)
    }
    fn queue_depth(&self) -> Result<Vec<QueueDepth>, StoreError> {
        self.inner.queue_depth()
    }
    fn save_step(&self, id: &str, index: usize, step: &StepRecord) -> Result<(), StoreError> {
        self.count("save_step");
        self.inner.save_step(id, index, step)
    }
    fn save_child(
        &self,
        parent: &str,
        step: &str,
        child: &ExecutionRecord,
    ) -> Result<(), StoreError> {
        self.count("save_child");
        self.inner.save_child(parent, step, child)
    }
    fn save_response(&self, id: &str, response: &ResponseRecord) -> Result<(), StoreError> {
        self.count("save_response");
        self.inner.save_response(id, response)
    }
    fn queue_response(&self, id: &str, response: &ResponseRecord) -> Result<(), StoreError> {
        self.count("queue_response");
        self.inner.queue_response(id, response)
    }
    fn finish(&self, record: &ExecutionRecord) -> Result<(), StoreError> {
        self.count("finish");
        self.inner.finish(record)
    }
    fn queue_finish(&self, record: &ExecutionRecord) -> Result<(), StoreError> {
        self.count("queue_finish");
        self.inner.queue_finish(record)
    }
    fn flush(&self) -> Result<(), StoreError> {
        self.inner.flush()
    }
    fn claim_unfinished(
        &self,
        owner: &str,
        lease: Duration,
    ) -> Result<Vec<Unfinished>, StoreError> {
        self.inner.claim_unfinished(owner, lease)
    }
    fn renew(&self, owner: &str, lease: Duration) -> Result<(), StoreError> {
        self.inner.renew(owner, lease)
    }
    fn fail_abandoned(&self) -> Result<usize, StoreError> {
        self.inner.fail_abandoned()
    }
    fn progress(&self, id: &str) -> Result<Progress, StoreError> {
        self.inner.progress(id)
    }
    fn dedupe(
        &self,
        flow: &str,
        key: &str,
        window: Duration,
        id: &str,
    ) -> Result<Dedupe, StoreError> {
        self.inner.dedupe(flow, key, window, id)
    }
    fn list(&self, filter: &ListFilter) -> Result<Vec<RunSummary>, StoreError> {
        self.inner.list(filter)
    }
    fn get(&self, id: &str) -> Result<Option<ExecutionRecord>, StoreError> {
        self.inner.get(id)
    }
    fn input(&self, id: &str) -> Result<Option<StoredInput>, StoreError> {
        self.inner.input(id)
    }
    fn prune(&self, flow: Option<&str>, before: i64) -> Result<usize, StoreError> {
        self.inner.prune(flow, before)
    }
    fn prune_except(&self, except: &[String], before: i64) -> Result<usize, StoreError> {
        self.inner.prune_except(except, before)
    }
    fn health(&self) -> Result<(), StoreError> {
        self.inner.health()
    }
    fn claim_tick(
        &self,
        run: &NewRun,
        tick_ms: i64,
        fire_if_first: bool,
    ) -> Result<flow_store::Tick, StoreError> {
        self.count("claim_tick");
        self.inner.claim_tick(run, tick_ms, fire_if_first)
    }
}

/// Counts finished root runs.
#[derive(Default)]
struct Finished {
    n: AtomicUsize,
    notify: Notify,
}

impl Observer for Finished {
    fn event(&self, event: &RunEvent<'_>) {
        if let RunEvent::RunFinished { parent: None, .. } = event {
            self.n.fetch_add(1, Ordering::SeqCst);
            self.notify.notify_waiters();
        }
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let events: usize = std::env::args()
        .nth(1)
        .map(|n| n.parse().unwrap())
        .unwrap_or(200);
    let okta = FakeOkta::start().await.unwrap();
    let slack = FakeSlack::start().await.unwrap();
    okta.set_rate_limit(u32::MAX, Duration::from_secs(60));
    let users = [
        "maria.gomez@example.com",
        "hrms.serviceuser",
        "li.wei+admin@example.com",
    ];
    for u in users {
        okta.add_user(u, UserStatus::Active);
    }
    let dir = std::env::temp_dir().join(format!("flow-writes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = Arc::new(Counting {
        inner: SqliteStore::open(&dir.join("state.db")).unwrap(),
        calls: Mutex::default(),
    });
    let log = Logger {
        format: LogFormat::Off,
        sink: None,
    };
    let durable = Durable::new(store.clone(), log);
    let metrics = Arc::new(Metrics::default());
    let finished = Arc::new(Finished::default());
    let observers: Vec<Arc<dyn Observer>> =
        vec![metrics.clone(), durable.clone(), finished.clone()];
    let env: HashMap<&str, String> = HashMap::from([
        ("OORT_CLIENT_TOKEN", "token".to_string()),
        ("OKTA_ORG_URL", okta.base_url()),
        ("OKTA_API_TOKEN", okta.token()),
        ("SLACK_BOT_TOKEN", slack.token()),
        ("SLACK_API_URL", slack.api_url()),
    ]);
    let lookup = move |k: &str| env.get(k).cloned();
    let project = flow_compile::compile_str(
        Some(CONFIG),
        &[("main.yaml", MAIN), ("helper.yaml", HELPER)],
        &flow_cards::registry(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let transport = Arc::new(flow_cards::ReqwestTransport::new().unwrap());
    let live = Live::build(
        project,
        &lookup,
        transport,
        Duration::from_secs(60),
        &observers,
    )
    .unwrap();
    let limits = Limits {
        max_in_flight: 16,
        ..Limits::default()
    };
    let state =
        Arc::new(ServerState::new(live, limits, metrics, log).with_durable(durable.clone()));
    let senders = 8;
    let mut tasks = Vec::new();
    for s in 0..senders {
        let state = state.clone();
        tasks.push(tokio::spawn(async move {
            for e in (s..events).step_by(senders) {
                let mut v: Value = serde_json::from_str(EVENT).unwrap();
                v["id"] = Value::String(format!("writes-{e}"));
                let req = Request::builder()
                    .method("POST")
                    .uri("/api/flo/oort-failing-check/invoke")
                    .header("x-api-client-token", "token")
                    .body(Body::from(v.to_string()))
                    .unwrap();
                let resp = router(state.clone()).oneshot(req).await.unwrap();
                assert_eq!(resp.status(), 200);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    loop {
        let woken = finished.notify.notified();
        if finished.n.load(Ordering::SeqCst) >= events {
            break;
        }
        woken.await;
    }
    durable.flush().unwrap();
    assert_eq!(slack.messages().len(), events);
    let calls = store.calls.lock().unwrap().clone();
    let total: u64 = calls
        .iter()
        .filter(|(k, _)| !k.starts_with("claim"))
        .map(|(_, n)| *n)
        .sum();
    println!("{events} Oort events (3 users each), store calls:");
    for (what, n) in &calls {
        println!(
            "  {what:<16} {n:>7}  {:>6.2} per event",
            *n as f64 / events as f64
        );
    }
    println!(
        "  {:<16} {total:>7}  {:>6.2} per event (claims aside)",
        "writes",
        total as f64 / events as f64
    );
    drop(state);
    let _ = std::fs::remove_dir_all(&dir);
}
