//! Control flow under `flowctl serve` with a store (issue 13, item 2): a run waiting in
//! `flow.wait` survives SIGKILL (its wake-up time is in the store; started again, the server
//! resumes it and its effect after the wait happens exactly once), and a helper run started by
//! `flow.call_async` is queued in the store and runs as a run of its own.

use crate::common::{self, Server};

use flow_store::{SqliteStore, Store};
use flow_testkit::FakeSlack;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The longest any wait below may take: past it, the test fails.
const PATIENCE: Duration = Duration::from_secs(60);

const CONFIG: &str = r##"flows: flows
connections:
  slack: { kind: slack, token: "${env:SLACK_BOT_TOKEN}", api_url: "${env:SLACK_API_URL}" }
"##;

const NAP: &str = r##"flow: nap
trigger: { api_endpoint: { security: { public: true }, accept: json } }
steps:
  - { id: ack, card: http.close, with: { status: 202 } }
  - { id: nap, card: flow.wait, with: { for: 2s } }
  - { id: tell, card: slack.send_message, with: { connection: slack, channel: "#security-alerts", text: "woke {{ trigger.json.n }}" } }
"##;

const FIRE: &str = r##"flow: fire
trigger: { api_endpoint: { security: { public: true }, accept: json } }
steps:
  - { id: go, card: flow.call_async, with: { flow: notify, inputs: { text: "async {{ trigger.json.n }}" } } }
  - { id: out, card: flow.return, with: { outputs: { run_id: "{{ go.run_id }}" } } }
"##;

const NOTIFY: &str = r##"flow: notify
trigger: { helper: { inputs: { text: text } } }
steps:
  - { id: tell, card: slack.send_message, with: { connection: slack, channel: "#security-alerts", text: "{{ inputs.text }}" } }
"##;

/// A project of the flows above in a fresh directory; its store's path.
fn project(name: &str) -> (PathBuf, PathBuf) {
    let dir = common::temp_dir(name);
    std::fs::create_dir_all(dir.join("flows")).unwrap();
    std::fs::write(dir.join("flowctl.yaml"), CONFIG).unwrap();
    for (file, text) in [
        ("nap.yaml", NAP),
        ("fire.yaml", FIRE),
        ("notify.yaml", NOTIFY),
    ] {
        std::fs::write(dir.join("flows").join(file), text).unwrap();
    }
    let store = dir.join("state.db");
    (dir, store)
}

fn serve(dir: &Path, store: &Path, slack: &FakeSlack) -> Server {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_flowctl"));
    cmd.current_dir(dir)
        .env("FLOWCTL_STORE", format!("sqlite://{}", store.display()))
        .env("SLACK_BOT_TOKEN", slack.token())
        .env("SLACK_API_URL", slack.api_url());
    Server::listen(cmd)
}

/// Waits until `done` holds, checking every 25 ms; fails the test after [`PATIENCE`].
async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().no_proxy().build().unwrap()
}

fn posted(slack: &FakeSlack, text: &str) -> usize {
    slack
        .messages()
        .iter()
        .filter(|m| m.text.as_deref() == Some(text))
        .count()
}

/// The server is killed while a run waits in `flow.wait` (its wake-up time already in the
/// store, its message not yet posted). Started again on the same store, it resumes the run,
/// which does not wait a second time from the start: it posts its message, once, and succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_run_survives_a_kill_and_finishes_once() {
    let (dir, store) = project("control-wait");
    let slack = FakeSlack::start().await.unwrap();
    let mut first = serve(&dir, &store, &slack);
    let r = client()
        .post(format!("http://{}/api/flo/nap/invoke", first.addr()))
        .body(r#"{"n": 1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let id = r.headers()["x-execution-id"].to_str().unwrap().to_string();

    let history = SqliteStore::open(&store).unwrap();
    wait_for("the wake-up time to be stored", || {
        history
            .progress(&id)
            .unwrap()
            .children
            .contains_key(&("nap".to_string(), 0))
    })
    .await;
    first.kill();
    assert_eq!(
        posted(&slack, "woke 1"),
        0,
        "the wait was over before the kill"
    );
    let waiting = history.get(&id).unwrap().unwrap();
    assert_eq!(waiting.status, flow_runtime::RunStatus::Running);

    let mut second = serve(&dir, &store, &slack);
    wait_for("the run to finish after the restart", || {
        history
            .get(&id)
            .unwrap()
            .is_some_and(|r| r.status == flow_runtime::RunStatus::Succeeded)
    })
    .await;
    second.kill();
    assert_eq!(posted(&slack, "woke 1"), 1);
    let record = history.get(&id).unwrap().unwrap();
    let nap = record.steps.iter().find(|s| &*s.id == "nap").unwrap();
    assert_eq!(
        nap.status,
        flow_runtime::StepStatus::Succeeded,
        "{:?}",
        nap.error
    );
    // The time it woke up for is the one stored before the kill, not a new one.
    let until = nap.output.as_ref().unwrap()["until"].as_str().unwrap();
    let parse = |t: &str| {
        time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).unwrap()
    };
    // (The resumed record starts at the resume; the run was accepted when the first one began.)
    let waited = (parse(until) - parse(&waiting.started_at)).whole_milliseconds();
    assert!(
        (1_900..3_000).contains(&waited),
        "woke {waited} ms after the start"
    );
    let resumed: Vec<String> = second
        .unread()
        .into_iter()
        .filter_map(|l| serde_json::from_str::<Value>(&l).ok())
        .filter(|v| v["event"] == "run.resumed")
        .map(|v| v["execution_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(resumed, [id]);
}

/// `flow.call_async` under a server with a store: the flow answers at once with the helper
/// run's id; the helper run is queued in the store, runs as a run of its own, and posts once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_async_helper_run_is_queued_in_the_store_and_runs_on_its_own() {
    let (dir, store) = project("control-async");
    let slack = FakeSlack::start().await.unwrap();
    let mut server = serve(&dir, &store, &slack);
    let r = client()
        .post(format!("http://{}/api/flo/fire/invoke", server.addr()))
        .body(r#"{"n": 7}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let parent = r.headers()["x-execution-id"].to_str().unwrap().to_string();
    let body: Value = r.json().await.unwrap();
    let child = body["run_id"].as_str().unwrap().to_string();
    assert_ne!(child, parent);

    let history = SqliteStore::open(&store).unwrap();
    wait_for("the helper run to finish", || {
        history
            .get(&child)
            .unwrap()
            .is_some_and(|r| r.status == flow_runtime::RunStatus::Succeeded)
    })
    .await;
    server.kill();
    let record = history.get(&child).unwrap().unwrap();
    assert_eq!(&*record.flow, "notify");
    assert_eq!(
        record.inputs.as_deref(),
        Some(&serde_json::json!({ "text": "async 7" }))
    );
    assert_eq!(posted(&slack, "async 7"), 1);
    let parent = history.get(&parent).unwrap().unwrap();
    let go = parent.steps.iter().find(|s| &*s.id == "go").unwrap();
    assert_eq!(
        go.output.as_deref(),
        Some(&serde_json::json!({ "run_id": child }))
    );
    assert!(go.children.is_empty(), "run apart, not under the step");
}
