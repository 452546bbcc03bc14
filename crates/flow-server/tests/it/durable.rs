//! The server with a store: a delivery whose trigger cannot be stored leaves no dedupe key
//! behind (its retry runs instead of being answered as a duplicate of a run that was never
//! stored) and `/readyz` says not ready while events cannot be committed, and unfinished runs of a flow no longer in the project are finished as failed
//! instead of being held forever.

use crate::common;

use common::{Answer, CONFIG, HOOK, LOG, Options, Runs};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use flow_server::{Durable, ManualClock, NOT_READY_AFTER_COMMIT_FAILURE, ServerState};
use flow_store::{ListFilter, NewRun, SqliteStore, Store, StoredInput};
use flow_testkit::FakeSlack;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

fn temp_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("flow-server-durable")
        .join(format!("{name}-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

struct Server {
    state: Arc<ServerState>,
    durable: Arc<Durable>,
    slack: FakeSlack,
    runs: Arc<Runs>,
    clock: Arc<ManualClock>,
}

/// A server state serving `hook`, durable on `store`, on a manual clock.
async fn server(store: Arc<dyn Store>) -> Server {
    let slack = FakeSlack::start().await.unwrap();
    let env = HashMap::from([
        ("HOOK_TOKEN", "hook-token".to_string()),
        ("SLACK_TOKEN", slack.token()),
        ("SLACK_URL", slack.api_url()),
    ]);
    let durable = Durable::new(store, LOG);
    let clock = Arc::new(ManualClock::at_unix(1_700_000_000));
    let opts = Options {
        durable: Some(durable.clone()),
        clock: Some(clock.clone()),
        ..Options::default()
    };
    let (state, runs) = common::state_with(CONFIG, &[("hook.yaml", HOOK)], env, opts);
    Server {
        state,
        durable,
        slack,
        runs,
        clock,
    }
}

async fn readyz(state: &Arc<ServerState>) -> Answer {
    let req = Request::builder()
        .uri("/readyz")
        .body(Body::empty())
        .unwrap();
    common::call(state, req).await
}

async fn deliver(state: &Arc<ServerState>, body: &str) -> Answer {
    let req = Request::builder()
        .method("POST")
        .uri("/api/flo/hook/invoke")
        .header("content-type", "application/json")
        .header("x-api-client-token", "hook-token")
        .body(Body::from(body.to_string()))
        .unwrap();
    common::call(state, req).await
}

fn run_of(flow: &str, started_at: &str, body: String) -> NewRun {
    NewRun {
        execution_id: flow_runtime::new_execution_id(),
        flow: flow.to_string(),
        started_at: started_at.to_string(),
        input: StoredInput::Request {
            method: "POST".into(),
            body,
            headers: vec![],
            query: vec![],
        },
        save_data: true,
        resumable: true,
    }
}

/// Finished runs of 2020 (so `prune` can make room again) until the store is full.
fn fill(store: &dyn Store) {
    for _ in 0..10_000 {
        let run = run_of("filler", "2020-01-01T00:00:00Z", "f".repeat(16 * 1024));
        if store.begin(&run).is_err() {
            return;
        }
        let record: flow_runtime::ExecutionRecord = serde_json::from_value(serde_json::json!({
            "execution_id": run.execution_id, "flow": "filler", "status": "succeeded",
            "started_at": run.started_at, "duration_ms": 1.0, "steps": [], "output": null,
            "error": null,
        }))
        .unwrap();
        if store.finish(&record).is_err() {
            return;
        }
    }
    panic!("the store never filled up");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_that_cannot_be_stored_leaves_no_dedupe_key_behind() {
    let dir = temp_dir("full");
    let path = dir.join("state.db");
    drop(SqliteStore::open(&path).unwrap());
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open_with_max_pages(&path, 96).unwrap());
    fill(store.as_ref());
    let s = server(store.clone()).await;
    let state = &s.state;
    // Full, but a probe key still fits: ready until an event fails to commit.
    assert_eq!(readyz(state).await.status, StatusCode::OK);
    // Larger than any filler: its trigger cannot be stored, while a dedupe key still fits.
    let body = format!(
        "{{\"id\": \"evt-full\", \"pad\": \"{}\"}}",
        "p".repeat(48 * 1024)
    );

    let first = deliver(state, &body).await;
    assert_eq!(
        first.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{:?}",
        first.body
    );
    assert_eq!(first.headers["retry-after"], "5");
    // Not ready while events cannot be stored.
    let r = readyz(state).await;
    assert_eq!(
        (r.status, r.body),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({
                "ready": false,
                "error": "the store failed to commit the last event"
            })
        )
    );
    // The sender retries: the event was not stored, so this is no duplicate of anything.
    let retry = deliver(state, &body).await;
    assert!(
        retry.headers.get("x-flowctl-duplicate").is_none(),
        "the retry was answered as a duplicate of a run that was never stored: {:?}",
        retry.body
    );
    assert_eq!(
        retry.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{:?}",
        retry.body
    );

    // Room again: the next retry runs the flow, once.
    let cutoff = time::OffsetDateTime::now_utc().unix_timestamp();
    assert!(store.prune(None, cutoff).unwrap() > 0);
    // Just before the window after the failure ends: still not ready; then ready again, with
    // no event needed to find out.
    s.clock
        .advance(NOT_READY_AFTER_COMMIT_FAILURE - Duration::from_secs(1));
    assert_eq!(readyz(state).await.status, StatusCode::SERVICE_UNAVAILABLE);
    s.clock.advance(Duration::from_secs(1));
    assert_eq!(readyz(state).await.status, StatusCode::OK);
    let ok = deliver(state, &body).await;
    assert_eq!(ok.status, StatusCode::ACCEPTED, "{:?}", ok.body);
    assert_eq!(ok.body["received"], "evt-full");
    assert!(ok.headers.get("x-flowctl-duplicate").is_none());
    let id = ok.headers["x-execution-id"].to_str().unwrap().to_string();
    s.runs.wait_finished(1).await;
    assert_eq!(s.slack.messages().len(), 1);
    assert!(store.get(&id).unwrap().is_some());
    let again = deliver(state, &body).await;
    assert_eq!(again.headers["x-flowctl-duplicate"], "true");
    assert_eq!(again.headers["x-execution-id"], id.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_of_a_flow_no_longer_in_the_project_is_finished_as_failed() {
    let dir = temp_dir("gone");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.join("state.db")).unwrap());
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let gone = run_of("renamed-away", &now, "{\"id\": \"g\"}".into());
    store.begin(&gone).unwrap();
    let s = server(store.clone()).await;
    // One pass of the resume loop, awaited: the claimed run is ended when it returns.
    flow_server::resume_tick(&s.state, &s.durable).await;
    let rows = store.list(&ListFilter::default()).unwrap();
    let row = rows
        .into_iter()
        .find(|r| r.execution_id == gone.execution_id)
        .unwrap();
    assert_eq!(row.status, "failed");
    let error = row.error.unwrap_or_default();
    assert!(
        error.contains("`renamed-away` is no longer in the project"),
        "{error}"
    );
    let record = store.get(&gone.execution_id).unwrap().unwrap();
    assert_eq!(record.status, flow_runtime::RunStatus::Failed);
    // Finished: no node claims it again.
    assert!(
        store
            .claim_unfinished("another-node", Duration::from_secs(60))
            .unwrap()
            .is_empty()
    );
}
