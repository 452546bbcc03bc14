//! Nothing accepted is lost: `flowctl serve` (a child process) accepts 30 events while the fake
//! Okta answers slowly, is killed with SIGKILL mid-flight, and is started again on the same
//! store. Every event must complete (its Slack message arrives); the test reports how many
//! steps ran twice.
//!
//! And nothing is run twice that was not the server's: runs of `flowctl run` on the same store
//! are never taken over by the server (not while they run, not after their process is killed);
//! a killed one ends as failed (interrupted) once its lease runs out.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use flow_testkit::{FakeOkta, FakeSlack, Fault, UserStatus};
use serde_json::Value;
use std::collections::HashMap;
use std::io::BufRead;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

const EVENTS: usize = 30;

struct Server {
    child: Child,
    addr: SocketAddr,
    lines: Receiver<String>,
}

/// `flowctl` in the project directory, on `store`, with the connections pointed at the fakes.
fn flowctl(store: &Path, okta: &FakeOkta, slack: &FakeSlack) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_flowctl"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("FLOWCTL_STORE", format!("sqlite://{}", store.display()))
        .env("OORT_CLIENT_TOKEN", "crash-token")
        .env("OKTA_ORG_URL", okta.base_url())
        .env("OKTA_API_TOKEN", okta.token())
        .env("SLACK_BOT_TOKEN", slack.token())
        .env("SLACK_API_URL", slack.api_url());
    cmd
}

fn serve(store: &Path, okta: &FakeOkta, slack: &FakeSlack) -> Server {
    let mut child = flowctl(store, okta, slack)
        .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    let addr = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("the server starts");
        if let Ok(v) = serde_json::from_str::<Value>(&line)
            && v["event"] == "serve.started"
        {
            break v["listen"]
                .as_str()
                .unwrap()
                .trim_start_matches("http://")
                .parse()
                .unwrap();
        }
    };
    Server {
        child,
        addr,
        lines: rx,
    }
}

fn event(i: usize) -> String {
    let mut v: Value =
        serde_json::from_str(include_str!("../examples/events/failed-check.json")).unwrap();
    v["id"] = Value::String(format!("crash-event-{i}"));
    v["detail"]["usersFailing"] = serde_json::json!([format!("crash{i}@example.com")]);
    v.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_resumes_every_accepted_event() {
    let dir = common::temp_dir("crash");
    let store = dir.join("state.db");
    let okta = FakeOkta::start().await.unwrap();
    let slack = FakeSlack::start().await.unwrap();
    okta.set_rate_limit(u32::MAX, Duration::from_secs(60));
    for i in 0..EVENTS {
        okta.add_user(&format!("crash{i}@example.com"), UserStatus::Active);
    }
    // Okta is slow while the first server runs: every run is mid-flight when it dies.
    okta.fault(Fault::Delay {
        times: 10_000,
        delay: Duration::from_millis(400),
    });

    let mut first = serve(&store, &okta, &slack);
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let url = format!("http://{}/api/flo/oort-failing-check/invoke", first.addr);
    for i in 0..EVENTS {
        let r = client
            .post(&url)
            .header("x-api-client-token", "crash-token")
            .body(event(i))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "event {i} was not accepted");
    }
    // Let some steps finish, then kill it mid-flight.
    tokio::time::sleep(Duration::from_millis(600)).await;
    first.child.kill().unwrap();
    first.child.wait().unwrap();
    let done_before = slack.messages().len();
    assert!(
        done_before < EVENTS,
        "every run finished before the crash; the test proves nothing"
    );

    // Restart on the same store, with Okta fast again.
    okta.clear_faults();
    let mut second = serve(&store, &okta, &slack);
    let t = Instant::now();
    let posted_for = |i: usize| {
        let who = format!("crash{i}@example.com");
        slack
            .messages()
            .iter()
            .filter(|m| m.text.as_deref().unwrap_or("").contains(&who))
            .count()
    };
    while (0..EVENTS).any(|i| posted_for(i) == 0) && t.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let missing: Vec<usize> = (0..EVENTS).filter(|i| posted_for(*i) == 0).collect();
    second.child.kill().unwrap();
    second.child.wait().unwrap();
    assert!(
        missing.is_empty(),
        "events lost after the crash: {missing:?}"
    );

    // Steps that ran twice: each (method, path) to Okta beyond its first, and extra Slack posts.
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    for r in okta.requests() {
        *seen.entry((r.method.clone(), r.path.clone())).or_default() += 1;
    }
    let okta_twice: usize = seen.values().map(|n| n.saturating_sub(1)).sum();
    let slack_twice: usize = (0..EVENTS).map(|i| posted_for(i).saturating_sub(1)).sum();
    eprintln!(
        "crash test: {EVENTS} events accepted, {done_before} finished before SIGKILL, all {EVENTS} finished after the restart \
         (in {:.1} s); requests repeated: {okta_twice} to Okta, {slack_twice} Slack messages",
        t.elapsed().as_secs_f64()
    );
    for i in 0..EVENTS {
        assert_eq!(
            okta.status_of(&format!("crash{i}@example.com")),
            Some(UserStatus::Suspended)
        );
    }
    // No secret reached the database (or its write-ahead log).
    for file in [store.clone(), dir.join("state.db-wal")] {
        let Ok(bytes) = std::fs::read(&file) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        for secret in ["crash-token".to_string(), okta.token(), slack.token()] {
            assert!(!text.contains(&secret), "a secret is in {}", file.display());
        }
    }
}

/// An Oort event failing one user, written to a file for `flowctl run --input`.
fn event_file(dir: &Path, login: &str) -> std::path::PathBuf {
    let mut v: Value =
        serde_json::from_str(include_str!("../examples/events/failed-check.json")).unwrap();
    v["id"] = Value::String(format!("cli-{login}"));
    v["detail"]["usersFailing"] = serde_json::json!([login]);
    let path = dir.join(format!("{login}.json"));
    std::fs::write(&path, v.to_string()).unwrap();
    path
}

/// `flowctl run` of the Oort flow on `input`, as a child process on `store`.
fn cli_run(store: &Path, input: &Path, okta: &FakeOkta, slack: &FakeSlack) -> Child {
    flowctl(store, okta, slack)
        .args(["run", "flows/oort-failing-check.yaml", "--input"])
        .arg(input)
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_never_takes_over_runs_of_flowctl_run() {
    let dir = common::temp_dir("cli-takeover");
    let store = dir.join("state.db");
    let okta = FakeOkta::start().await.unwrap();
    let slack = FakeSlack::start().await.unwrap();
    okta.set_rate_limit(u32::MAX, Duration::from_secs(60));
    for login in ["finishes@example.com", "killed@example.com"] {
        okta.add_user(login, UserStatus::Active);
    }
    // Each Okta call takes a second: both runs last longer than the server's resume tick (2 s).
    okta.fault(Fault::Delay {
        times: 10_000,
        delay: Duration::from_millis(1000),
    });
    let mut server = serve(&store, &okta, &slack);

    let mut finishes = cli_run(
        &store,
        &event_file(&dir, "finishes@example.com"),
        &okta,
        &slack,
    );
    let mut killed = cli_run(
        &store,
        &event_file(&dir, "killed@example.com"),
        &okta,
        &slack,
    );
    // Kill the second one once it has reached Okta.
    let t = Instant::now();
    while !okta.requests().iter().any(|r| r.path.contains("killed")) {
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "the run never reached Okta"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    killed.kill().unwrap();
    killed.wait().unwrap();
    let status = tokio::task::spawn_blocking(move || finishes.wait().unwrap())
        .await
        .unwrap();
    assert!(status.success(), "flowctl run failed: {status}");

    // The killed run is failed as interrupted once its lease (10 s) runs out; never resumed.
    let history = flow_store::SqliteStore::open(&store).unwrap();
    let t = Instant::now();
    let rows = loop {
        use flow_store::Store;
        let rows = history.list(&flow_store::ListFilter::default()).unwrap();
        if rows.len() == 2 && rows.iter().all(|r| r.status != "running") {
            break rows;
        }
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "a killed `flowctl run` stays running: {rows:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let mut statuses: Vec<(&str, Option<&str>)> = rows
        .iter()
        .map(|r| (r.status.as_str(), r.error.as_deref()))
        .collect();
    statuses.sort();
    assert_eq!(statuses[1], ("succeeded", None));
    assert_eq!(statuses[0].0, "failed");
    assert!(
        statuses[0].1.is_some_and(|e| e.contains("interrupted")),
        "{statuses:?}"
    );
    // Give a takeover every chance to show, then count requests.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let resumed: Vec<String> = server
        .lines
        .try_iter()
        .filter(|l| l.contains("run.resumed"))
        .collect();
    assert!(
        resumed.is_empty(),
        "the server resumed CLI runs: {resumed:?}"
    );
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    for r in okta.requests() {
        *seen.entry((r.method.clone(), r.path.clone())).or_default() += 1;
    }
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "Okta calls sent twice: {twice:?}");
    let posted = slack.messages();
    assert_eq!(posted.len(), 1, "{posted:?}");
    assert_eq!(
        okta.status_of("finishes@example.com"),
        Some(UserStatus::Suspended)
    );
}
