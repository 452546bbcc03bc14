//! The server with a store: a delivery whose trigger cannot be stored leaves no dedupe key
//! behind (its retry runs instead of being answered as a duplicate of a run that was never
//! stored), and unfinished runs of a flow no longer in the project are finished as failed
//! instead of being held forever.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Answer, CONFIG, HOOK, LOG};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use flow_server::{Durable, Limits, ServerState};
use flow_store::{ListFilter, NewRun, SqliteStore, Store, StoredInput};
use flow_testkit::FakeSlack;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn temp_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("flow-server-durable")
        .join(format!("{name}-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A server state serving `hook`, durable on `store`.
async fn server(store: Arc<dyn Store>) -> (Arc<ServerState>, Arc<Durable>, FakeSlack) {
    let slack = FakeSlack::start().await.unwrap();
    let env = HashMap::from([
        ("HOOK_TOKEN", "hook-token".to_string()),
        ("SLACK_TOKEN", slack.token()),
        ("SLACK_URL", slack.api_url()),
    ]);
    let durable = Durable::new(store, LOG);
    let state = common::state(
        CONFIG,
        &[("hook.yaml", HOOK)],
        env,
        Limits::default(),
        Some(durable.clone()),
    );
    (state, durable, slack)
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
    let (state, _durable, slack) = server(store.clone()).await;
    // Larger than any filler: its trigger cannot be stored, while a dedupe key still fits.
    let body = format!(
        "{{\"id\": \"evt-full\", \"pad\": \"{}\"}}",
        "p".repeat(48 * 1024)
    );

    let first = deliver(&state, &body).await;
    assert_eq!(
        first.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{:?}",
        first.body
    );
    assert_eq!(first.headers["retry-after"], "5");
    // The sender retries: the event was not stored, so this is no duplicate of anything.
    let retry = deliver(&state, &body).await;
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
    let ok = deliver(&state, &body).await;
    assert_eq!(ok.status, StatusCode::ACCEPTED, "{:?}", ok.body);
    assert_eq!(ok.body["received"], "evt-full");
    assert!(ok.headers.get("x-flowctl-duplicate").is_none());
    let id = ok.headers["x-execution-id"].to_str().unwrap().to_string();
    let t = Instant::now();
    while slack.messages().is_empty() {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "the run never posted"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(store.get(&id).unwrap().is_some());
    let again = deliver(&state, &body).await;
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
    let (state, durable, _slack) = server(store.clone()).await;
    let resumer = tokio::spawn(flow_server::resume_loop(state.clone(), durable.clone()));

    let t = Instant::now();
    let row = loop {
        let rows = store.list(&ListFilter::default()).unwrap();
        let row = rows
            .into_iter()
            .find(|r| r.execution_id == gone.execution_id)
            .unwrap();
        if row.status != "running" {
            break row;
        }
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "the run of a flow that is gone stays running"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    resumer.abort();
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
