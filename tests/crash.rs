//! Nothing accepted is lost: `flowctl serve` (a child process) accepts 30 events while the fake
//! Okta answers slowly, is killed with SIGKILL mid-flight, and is started again on the same
//! store. Every event must complete (its Slack message arrives); the test reports how many
//! steps ran twice.

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
    _lines: Receiver<String>,
}

fn serve(store: &Path, okta: &FakeOkta, slack: &FakeSlack) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_flowctl"))
        .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("FLOWCTL_STORE", format!("sqlite://{}", store.display()))
        .env("OORT_CLIENT_TOKEN", "crash-token")
        .env("OKTA_ORG_URL", okta.base_url())
        .env("OKTA_API_TOKEN", okta.token())
        .env("SLACK_BOT_TOKEN", slack.token())
        .env("SLACK_API_URL", slack.api_url())
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
        _lines: rx,
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
