//! Accept, then queue, over a real socket: a burst far past `max_in_flight` is answered 2xx
//! in full and every event's effect is done afterwards, in arrival order; a flow whose
//! `http.close` reads only the request is answered before its run starts (the fake Okta held at
//! a gate), and the answer sent is the one recorded; a full queue is 503 with `Retry-After` and
//! keeps nothing it refused. With the store (SQLite) and without (the memory queue).

use crate::common;

use common::{LOG, Options, Runs};
use flow_server::{Durable, Limits, ListenOptions, ServerState};
use flow_store::{ListFilter, SqliteStore, Store};
use flow_testkit::{FakeOkta, Fault, Gate, UserStatus};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

const CONFIG: &str = "connections:\n  okta: { kind: okta, org_url: \"${env:OKTA_ORG_URL}\", token: \"${env:OKTA_API_TOKEN}\" }\n";

/// Answers at acceptance (its close reads only `trigger`), then reads the event's user.
const BURST: &str = r#"flow: burst
trigger:
  api_endpoint:
    security: { client_token: "${env:HOOK_TOKEN}" }
    accept: json
steps:
  - { id: ack, card: http.close, with: { status: 202, body: { n: "{{ trigger.json.n }}" } } }
  - { id: user, card: okta.read_user, with: { connection: okta, user: "{{ trigger.json.login }}" } }
"#;

/// Answers with what its run read: the caller waits for the run.
const WAITS: &str = r#"flow: waits
trigger:
  api_endpoint:
    security: { client_token: "${env:HOOK_TOKEN}" }
    accept: json
steps:
  - { id: user, card: okta.read_user, with: { connection: okta, user: "{{ trigger.json.login }}" } }
  - { id: ack, card: http.close, with: { status: 200, body: { id: "{{ user.id }}" } } }
"#;

/// Two Okta reads with a pure step between them: what the store keeps while it runs.
const SAVES: &str = r#"flow: saves
trigger:
  api_endpoint:
    security: { client_token: "${env:HOOK_TOKEN}" }
    accept: json
steps:
  - { id: ack, card: http.close, with: { status: 202 } }
  - { id: first, card: okta.read_user, with: { connection: okta, user: "{{ trigger.json.login }}" } }
  - { id: note, card: text.compose, with: { template: "read {{ first.profile.login }}" } }
  - { id: second, card: okta.read_user, with: { connection: okta, user: "{{ trigger.json.login }}" } }
"#;

struct Running {
    addr: SocketAddr,
    state: Arc<ServerState>,
    runs: Arc<Runs>,
    okta: FakeOkta,
    store: Option<Arc<dyn Store>>,
    dir: std::path::PathBuf,
    stop: tokio::sync::oneshot::Sender<()>,
    done: tokio::task::JoinHandle<bool>,
}

fn login(n: usize) -> String {
    format!("user-{n}@example.com")
}

/// A server on 127.0.0.1 serving both flows against a fake Okta with `users` users; with a
/// SQLite store in a fresh directory when `durable`.
async fn start(limits: Limits, durable: bool, users: usize) -> Running {
    let okta = FakeOkta::start().await.unwrap();
    okta.set_rate_limit(u32::MAX, Duration::from_secs(60));
    for n in 0..users {
        okta.add_user(&login(n), UserStatus::Active);
    }
    let env: HashMap<&str, String> = HashMap::from([
        ("HOOK_TOKEN", "hook-token".to_string()),
        ("OKTA_ORG_URL", okta.base_url()),
        ("OKTA_API_TOKEN", okta.token()),
    ]);
    let dir = temp_dir("queue");
    let store: Option<Arc<dyn Store>> =
        durable.then(|| Arc::new(SqliteStore::open(&dir.join("state.db")).unwrap()) as _);
    let opts = Options {
        limits,
        durable: store.clone().map(|s| Durable::new(s, LOG)),
        ..Options::default()
    };
    let (state, runs) = common::state_with(
        CONFIG,
        &[
            ("burst.yaml", BURST),
            ("waits.yaml", WAITS),
            ("saves.yaml", SAVES),
        ],
        env,
        opts,
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    let st = state.clone();
    let done = tokio::spawn(async move {
        flow_server::serve(listener, st, ListenOptions::default(), async {
            let _ = rx.await;
        })
        .await
    });
    Running {
        addr,
        state,
        runs,
        okta,
        store,
        dir,
        stop,
        done,
    }
}

/// A fresh directory for one test's store.
fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("flow-server-queue")
        .join(format!("{name}-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().no_proxy().build().unwrap()
}

/// Posts event `n` of `flow`; returns the status, the execution id and the body.
async fn post(
    client: &reqwest::Client,
    addr: SocketAddr,
    flow: &str,
    n: usize,
) -> (u16, String, Value) {
    let r = client
        .post(format!("http://{addr}/api/flo/{flow}/invoke"))
        .header("x-api-client-token", "hook-token")
        .json(&json!({ "n": n.to_string(), "login": login(n) }))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let id = r
        .headers()
        .get("x-execution-id")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let retry = r.headers().get("retry-after").cloned();
    let mut body: Value = r.json().await.unwrap_or(Value::Null);
    if let Some(v) = retry {
        body["retry-after"] = Value::String(v.to_str().unwrap().to_string());
    }
    (status, id, body)
}

/// The Okta reads the fake answered, by path.
fn reads(okta: &FakeOkta) -> BTreeMap<String, usize> {
    let mut seen = BTreeMap::new();
    for r in okta.requests() {
        *seen.entry(format!("{} {}", r.method, r.path)).or_default() += 1;
    }
    seen
}

async fn stop(s: Running) {
    let _ = s.stop.send(());
    assert!(s.done.await.unwrap(), "runs were left unfinished");
    drop(s.store);
    let _ = std::fs::remove_dir_all(&s.dir);
}

/// 600 events on 32 connections to a server running at most 4 at once, Okta answering each
/// read 2 ms late: all 600 are answered 202 (the old front door refused everything past the 4
/// in flight with 503), every event's read reaches Okta exactly once, never more than 4 at
/// once, and each connection's events start in the order they were accepted.
async fn burst(durable: bool) {
    const EVENTS: usize = 600;
    const CONNECTIONS: usize = 32;
    let s = start(
        Limits {
            max_in_flight: 4,
            ..Limits::default()
        },
        durable,
        EVENTS,
    )
    .await;
    s.okta.fault(Fault::Delay {
        times: u32::try_from(EVENTS).unwrap(),
        delay: Duration::from_millis(2),
    });
    let client = client();
    let mut senders = Vec::new();
    for c in 0..CONNECTIONS {
        let (client, addr) = (client.clone(), s.addr);
        senders.push(tokio::spawn(async move {
            let mut accepted = Vec::new();
            for n in (c..EVENTS).step_by(CONNECTIONS) {
                let (status, id, body) = post(&client, addr, "burst", n).await;
                assert_eq!((status, &body), (202, &json!({ "n": n.to_string() })));
                accepted.push(id);
            }
            accepted
        }));
    }
    let mut per_connection = Vec::new();
    for sender in senders {
        per_connection.push(sender.await.unwrap());
    }
    s.runs.wait_finished(EVENTS).await;
    // Every effect, once.
    let seen = reads(&s.okta);
    assert_eq!(seen.len(), EVENTS);
    assert!(seen.values().all(|n| *n == 1), "a read was sent twice");
    assert!(s.okta.max_in_flight() <= 4, "{}", s.okta.max_in_flight());
    // Each connection sent its next event only once the last was accepted: they start in
    // that order.
    let order = s.runs.start_order();
    assert_eq!(order.len(), EVENTS);
    let position: HashMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    for ids in &per_connection {
        let at: Vec<usize> = ids.iter().map(|id| position[id.as_str()]).collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "started out of order");
    }
    if let Some(store) = &s.store {
        // Finished runs are recorded by the store's writer thread: wait for its commits.
        s.state.durable.as_ref().unwrap().flush().unwrap();
        let rows = store
            .list(&ListFilter {
                limit: 0,
                ..ListFilter::default()
            })
            .unwrap();
        assert_eq!(rows.len(), EVENTS);
        assert!(rows.iter().all(|r| r.status == "succeeded"));
    }
    assert_eq!(s.state.queue.len(), 0);
    stop(s).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_past_max_in_flight_is_accepted_whole_and_done_in_order_with_a_store() {
    burst(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_past_max_in_flight_is_accepted_whole_and_done_in_order_in_memory() {
    burst(false).await;
}

/// One run slot, held at the fake Okta: the next event of a flow whose close reads only the
/// request is answered at once, its run still queued; the answer sent is the one its record
/// keeps, though the run reaches its `http.close` later. A caller of a flow whose answer needs
/// the run waits for the run, and gets what it read.
async fn answered_before_the_run_starts(durable: bool) {
    let s = start(
        Limits {
            max_in_flight: 1,
            ..Limits::default()
        },
        durable,
        3,
    )
    .await;
    let gate = Gate::new();
    s.okta.fault(Fault::Hold {
        times: 3,
        gate: gate.clone(),
    });
    let client = client();
    let (status, first, _) = post(&client, s.addr, "burst", 0).await;
    assert_eq!(status, 202);
    gate.wait_arrived(1).await;
    // The only slot is taken: event 1 waits in the queue, answered.
    let (status, queued, body) = post(&client, s.addr, "burst", 1).await;
    assert_eq!((status, body), (202, json!({ "n": "1" })));
    assert_eq!(s.runs.started(), 1);
    assert_eq!(s.state.queue.len(), 1);
    if let Some(store) = &s.store {
        let row = store
            .list(&ListFilter {
                status: Some("queued".into()),
                ..ListFilter::default()
            })
            .unwrap();
        assert_eq!(row.len(), 1);
        assert_eq!(
            (row[0].execution_id.as_str(), row[0].response_status),
            (queued.as_str(), Some(202))
        );
    }
    // A caller of `waits` is answered by its run: only once Okta lets the runs through.
    let waiting = tokio::spawn({
        let (client, addr) = (client.clone(), s.addr);
        async move { post(&client, addr, "waits", 2).await }
    });
    gate.open();
    let (status, _, body) = waiting.await.unwrap();
    assert_eq!(status, 200);
    assert_eq!(body["id"], json!(s.okta.id_of(&login(2)).unwrap()));
    s.runs.wait_finished(3).await;
    assert_eq!(s.runs.start_order()[..2], [first.clone(), queued.clone()]);
    if let Some(store) = &s.store {
        s.state.durable.as_ref().unwrap().flush().unwrap();
        // The run answered again at its `http.close`, to nobody: the record keeps the answer
        // sent at acceptance (given before the run started: at 0 ms).
        let record = store.get(&queued).unwrap().unwrap();
        let answer = record.response.unwrap();
        assert_eq!((answer.status, answer.at_ms), (202, 0.0));
        assert_eq!(answer.body, json!({ "n": "1" }));
    }
    stop(s).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_close_reading_only_the_request_answers_before_the_run_starts_with_a_store() {
    answered_before_the_run_starts(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_close_reading_only_the_request_answers_before_the_run_starts_in_memory() {
    answered_before_the_run_starts(false).await;
}

/// `max_queue: 2` behind one held run: two more events queue, the next two are refused with
/// 503 and `Retry-After`, and the store holds exactly the three accepted; only they run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_refuses_with_retry_after_and_keeps_nothing_refused() {
    let s = start(
        Limits {
            max_in_flight: 1,
            max_queue: 2,
            ..Limits::default()
        },
        true,
        5,
    )
    .await;
    let gate = Gate::new();
    s.okta.fault(Fault::Hold {
        times: 5,
        gate: gate.clone(),
    });
    let client = client();
    let mut answers = Vec::new();
    for n in 0..5 {
        answers.push(post(&client, s.addr, "burst", n).await);
        if n == 0 {
            gate.wait_arrived(1).await;
        }
    }
    let statuses: Vec<u16> = answers.iter().map(|a| a.0).collect();
    assert_eq!(statuses, [202, 202, 202, 503, 503]);
    for refused in &answers[3..] {
        assert_eq!(refused.2["retry-after"], "5");
        assert!(refused.1.is_empty(), "a refused event has no execution");
    }
    assert_eq!(s.state.metrics.rejected_count("queue_full"), 2);
    let store = s.store.clone().unwrap();
    let mut kept: Vec<String> = store
        .list(&ListFilter {
            limit: 0,
            ..ListFilter::default()
        })
        .unwrap()
        .into_iter()
        .map(|r| r.execution_id)
        .collect();
    kept.sort();
    let mut accepted: Vec<String> = answers[..3].iter().map(|a| a.1.clone()).collect();
    accepted.sort();
    assert_eq!(kept, accepted);
    // The metrics show the backlog while it lasts.
    let metrics = client
        .get(format!("http://{}/metrics", s.addr))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("flowctl_queue_depth{flow=\"burst\"} 2"),
        "{metrics}"
    );
    assert!(metrics.contains("flowctl_queue_oldest_age_seconds{flow=\"burst\"}"));
    gate.open();
    s.runs.wait_finished(3).await;
    let seen = reads(&s.okta);
    let read: Vec<&String> = seen.keys().collect();
    let expected: Vec<String> = (0..3)
        .map(|n| format!("GET /api/v1/users/{}", login(n).replace('@', "%40")))
        .collect();
    assert_eq!(read, expected.iter().collect::<Vec<_>>());
    stop(s).await;
}

/// While a run is under way the store holds what resuming it needs, no more: the finished Okta
/// read (an effect, not to be repeated), not the answering step (a resumed run runs it again)
/// nor the pure step (computed again); the answer is the one stored at acceptance. The final
/// record has every step.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_run_stores_only_what_resuming_it_needs() {
    let s = start(Limits::default(), true, 1).await;
    let gate = Gate::new();
    s.okta.fault(Fault::Hold {
        times: 2,
        gate: gate.clone(),
    });
    // The first read passes, the second is held.
    gate.release(1);
    let (status, id, _) = post(&client(), s.addr, "saves", 0).await;
    assert_eq!(status, 202);
    gate.wait_arrived(2).await;
    let durable = s.state.durable.clone().unwrap();
    durable.flush().unwrap();
    let progress = durable.store().progress(&id).unwrap();
    let saved: Vec<(usize, &str)> = progress
        .steps
        .iter()
        .map(|(i, step)| (*i, &*step.id))
        .collect();
    assert_eq!(saved, [(1, "first")]);
    assert_eq!(progress.response.map(|r| r.status), Some(202));
    gate.open();
    s.runs.wait_finished(1).await;
    durable.flush().unwrap();
    let record = durable.store().get(&id).unwrap().unwrap();
    let steps: Vec<(&str, &str)> = record
        .steps
        .iter()
        .map(|st| (&*st.id, st.status.as_str()))
        .collect();
    assert_eq!(
        steps,
        [
            ("ack", "succeeded"),
            ("first", "succeeded"),
            ("note", "succeeded"),
            ("second", "succeeded")
        ]
    );
    stop(s).await;
}

/// SIGTERM with a backlog in the store: no queued run starts; a caller waiting for one is let
/// go with 504 and its execution id; the running run finishes; the queued run stays queued for
/// the next start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopping_server_leaves_its_queue_for_the_next_start() {
    let s = start(
        Limits {
            max_in_flight: 1,
            ..Limits::default()
        },
        true,
        2,
    )
    .await;
    let gate = Gate::new();
    s.okta.fault(Fault::Hold {
        times: 2,
        gate: gate.clone(),
    });
    let client = client();
    assert_eq!(post(&client, s.addr, "burst", 0).await.0, 202);
    gate.wait_arrived(1).await;
    let waiting = tokio::spawn({
        let (client, addr) = (client.clone(), s.addr);
        async move { post(&client, addr, "waits", 1).await }
    });
    // Queued (a counter, not a sleep).
    while s.state.queue.is_empty() {
        assert!(
            !waiting.is_finished(),
            "answered before its run could start"
        );
        tokio::task::yield_now().await;
    }
    let store = s.store.clone().unwrap();
    let _ = s.stop.send(());
    let (status, id, body) = waiting.await.unwrap();
    assert_eq!(status, 504);
    assert_eq!(body["execution_id"], json!(id));
    gate.open();
    assert!(s.done.await.unwrap(), "the running run did not finish");
    let queued = store
        .list(&ListFilter {
            status: Some("queued".into()),
            ..ListFilter::default()
        })
        .unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].execution_id, id);
    assert_eq!(s.runs.started(), 1);
    drop(store);
    let _ = std::fs::remove_dir_all(&s.dir);
}
