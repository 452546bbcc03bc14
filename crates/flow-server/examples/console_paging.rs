//! Times the console's run list on a big history (not a test: figures for
//! `docs/benchmarks.md`): `RUNS` finished runs of three flows are stored in a SQLite file, then
//! `GET /console/api/executions` pages are asked for in-process through the router (the whole
//! path: auth, query parsing, the store's keyset query, JSON) — the first page, every page of
//! a walk 50 at a time through the newest `WALK` runs, the last pages (the oldest runs), and
//! the filters (flow, status, time range, text in the trigger). Prints the median and the
//! worst time of each kind.
//!
//! `cargo run --release -p flow-server --example console_paging [RUNS] [WALK]`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::body::Body;
use axum::http::Request;
use flow_runtime::ExecutionRecord;
use flow_server::{
    Console, Durable, Limits, Live, LogFormat, Logger, Metrics, ServerState, router,
};
use flow_store::{NewRun, SqliteStore, Store, StoredInput};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower::ServiceExt;

const MAIN: &str = include_str!("../../../flows/oort-failing-check.yaml");
const HELPER: &str = include_str!("../../../flows/demo-dispatcher.yaml");
const CONFIG: &str = include_str!("../../../flowctl.yaml");
const TOKEN: &str = "a-console-token-for-the-bench";
const FLOWS: [&str; 3] = ["oort-failing-check", "demo-dispatcher", "nightly-sweep"];
const STATUSES: [&str; 3] = ["succeeded", "failed", "stopped"];
const LOG: Logger = Logger {
    format: LogFormat::Off,
    sink: None,
};

/// Stores `n` finished runs, one a second from 2025-01-01, from `threads` threads (so the
/// writer's group commit batches them).
fn fill(store: &Arc<SqliteStore>, n: usize, threads: usize) {
    let start = time::macros::datetime!(2025-01-01 0:00 UTC);
    std::thread::scope(|s| {
        for t in 0..threads {
            let store = store.clone();
            s.spawn(move || {
                for i in (t..n).step_by(threads) {
                    let at = (start + time::Duration::seconds(i as i64))
                        .format(&time::format_description::well_known::Rfc3339)
                        .unwrap();
                    let id = uuid::Uuid::now_v7().to_string();
                    let flow = FLOWS[i % FLOWS.len()];
                    store
                        .begin(&NewRun {
                            execution_id: id.clone(),
                            flow: flow.into(),
                            started_at: at.clone(),
                            input: StoredInput::Request {
                                method: "POST".into(),
                                body: format!(r#"{{"user":"user{i}@example.com"}}"#),
                                headers: vec![("content-type".into(), "application/json".into())],
                                query: vec![],
                            },
                            save_data: true,
                            resumable: false,
                        })
                        .unwrap();
                    let record: ExecutionRecord = serde_json::from_value(json!({
                        "execution_id": id, "flow": flow, "status": STATUSES[i % 3],
                        "started_at": at, "duration_ms": 12.5, "steps": [], "output": null,
                        "error": null,
                    }))
                    .unwrap();
                    store.finish(&record).unwrap();
                }
            });
        }
    });
}

async fn page(app: &axum::Router, query: &str) -> (Duration, Value) {
    let req = Request::builder()
        .uri(format!("/console/api/executions?{query}"))
        .header("authorization", format!("Bearer {TOKEN}"))
        .body(Body::empty())
        .unwrap();
    let t = Instant::now();
    let resp = app.clone().oneshot(req).await.unwrap();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 24)
        .await
        .unwrap();
    let took = t.elapsed();
    (took, serde_json::from_slice(&bytes).unwrap())
}

fn report(what: &str, mut times: Vec<Duration>) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{what:<44} pages {:>5}  median {:>7.2} ms  worst {:>7.2} ms",
        times.len(),
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1])
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut args = std::env::args().skip(1);
    let runs: usize = args.next().map_or(100_000, |a| a.parse().unwrap());
    let walk: usize = args.next().map_or(10_000, |a| a.parse().unwrap());
    let dir = std::env::temp_dir().join(format!("console-paging-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = Arc::new(SqliteStore::open(&dir.join("state.db")).unwrap());
    let t = Instant::now();
    fill(&store, runs, 8);
    println!("stored {runs} runs in {:.1} s", t.elapsed().as_secs_f64());

    let project = flow_compile::compile_str(
        Some(CONFIG),
        &[
            ("oort-failing-check.yaml", MAIN),
            ("demo-dispatcher.yaml", HELPER),
        ],
        &flow_cards::registry(),
    )
    .unwrap();
    let env = |k: &str| Some(format!("{k}-value"));
    let transport = Arc::new(flow_cards::ReqwestTransport::new().unwrap());
    let live = Live::build(project, &env, transport, Duration::from_secs(60), &[]).unwrap();
    let store_dyn: Arc<dyn Store> = store.clone();
    let state = ServerState::new(live, Limits::default(), Arc::new(Metrics::default()), LOG)
        .with_durable(Durable::new(store_dyn, LOG))
        .with_console(Console::new(TOKEN.into(), Arc::new(|_: &str| None)));
    let app = router(Arc::new(state));

    // Warm the page cache and the prepared statements.
    page(&app, "limit=50").await;
    let mut first = Vec::new();
    for _ in 0..50 {
        first.push(page(&app, "limit=50").await.0);
    }
    report("first page (newest 50)", first);

    let mut walk_times = Vec::new();
    let mut before = String::new();
    let mut seen = 0;
    while seen < walk {
        let (took, body) = page(&app, &format!("limit=50&before={before}")).await;
        walk_times.push(took);
        seen += body["executions"].as_array().unwrap().len();
        match body["next"].as_str() {
            Some(n) => before = n.to_string(),
            None => break,
        }
    }
    report(&format!("walk, 50 a page, newest {seen}"), walk_times);

    // The oldest runs: pages right before the last.
    let deep = store
        .list(&flow_store::ListFilter {
            limit: 0,
            ..flow_store::ListFilter::default()
        })
        .unwrap();
    let mut deep_times = Vec::new();
    for k in 1..=20 {
        let cursor = &deep[deep.len().saturating_sub(k * 50 + 1)].execution_id;
        deep_times.push(page(&app, &format!("limit=50&before={cursor}")).await.0);
    }
    report("pages among the oldest runs", deep_times);

    for (what, query) in [
        ("flow filter", "limit=50&flow=demo-dispatcher"),
        (
            "flow + status filter",
            "limit=50&flow=demo-dispatcher&status=failed",
        ),
        ("status filter", "limit=50&status=stopped"),
        (
            "time range (one hour, mid-history)",
            "limit=50&since=2025-01-01T12:00:00Z&until=2025-01-01T13:00:00Z",
        ),
        ("text in the trigger (one match)", "limit=50&q=user4242%40"),
    ] {
        let mut times = Vec::new();
        for _ in 0..20 {
            let (took, body) = page(&app, query).await;
            assert!(!body["executions"].as_array().unwrap().is_empty(), "{what}");
            times.push(took);
        }
        report(what, times);
    }
    drop(app);
    let _ = std::fs::remove_dir_all(&dir);
}
