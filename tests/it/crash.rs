//! Nothing accepted is lost, and what finished is not done again: `flowctl serve` (a child
//! process) accepts events of three users each, is killed with SIGKILL while some of their
//! helper runs are in flight, and is started again on the same store. Every event must complete,
//! and the repeated effects must stay within the engine's at-least-once bound (see
//! [`a_killed_server_resumes_every_accepted_event_and_repeats_only_what_was_in_flight`]).
//!
//! A backlog is not lost either: events queued past `max_in_flight` when the server is killed
//! run after the restart, each once (see
//! [`a_killed_server_runs_its_queued_backlog_once_after_a_restart`]).
//!
//! And nothing is run twice that was not the server's: runs of `flowctl run` on the same store
//! are never taken over by the server (not while they run, not after their process is killed);
//! a killed one ends as failed (interrupted) once its lease runs out.

use crate::common::{self, Server};

use flow_store::{ListFilter, SqliteStore, Store};
use flow_testkit::{FakeOkta, FakeSlack, Fault, Recorded, UserStatus};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Events whose runs finish before the kill.
const FINISHED: usize = 4;
/// Events whose runs are killed in flight: two users done, the third's helper run in flight.
const IN_FLIGHT: usize = 6;
/// Users failing each event.
const USERS: usize = 3;
/// The longest any wait below may take: past it, the test fails (it never sleeps a fixed time
/// to let something happen).
const PATIENCE: Duration = Duration::from_secs(60);

/// `flowctl` in the project directory, on `store`, with the connections pointed at the fakes.
fn flowctl(store: &Path, okta: &FakeOkta, slack: &FakeSlack) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_flowctl"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("FLOWCTL_STORE", format!("sqlite://{}", store.display()))
        .env("OORT_CLIENT_TOKEN", "crash-token")
        .envs(common::SHOWCASE_ENV.iter().copied())
        .env("OKTA_ORG_URL", okta.base_url())
        .env("OKTA_API_TOKEN", okta.token())
        .env("SLACK_BOT_TOKEN", slack.token())
        .env("SLACK_API_URL", slack.api_url());
    cmd
}

fn serve(store: &Path, okta: &FakeOkta, slack: &FakeSlack) -> Server {
    Server::listen(flowctl(store, okta, slack))
}

/// Waits until `done` holds, checking every 25 ms; fails the test after [`PATIENCE`].
async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The login of user `u` of event `e`.
fn login(e: usize, u: usize) -> String {
    format!("crash-{e}-{u}@example.com")
}

fn event(e: usize) -> String {
    let mut v: Value =
        serde_json::from_str(include_str!("../../examples/events/failed-check.json")).unwrap();
    v["id"] = Value::String(format!("crash-event-{e}"));
    v["detail"]["usersFailing"] = (0..USERS).map(|u| login(e, u)).collect();
    v.to_string()
}

/// The Okta calls of the helper flow for one active user, as `METHOD path`.
fn helper_calls(okta: &FakeOkta, login: &str) -> [String; 3] {
    let id = okta.id_of(login).unwrap();
    [
        format!("GET /api/v1/users/{}", login.replace('@', "%40")),
        format!("DELETE /api/v1/users/{id}/sessions"),
        format!("POST /api/v1/users/{id}/lifecycle/suspend"),
    ]
}

/// Requests as sorted `METHOD path` lines.
fn calls(requests: &[Recorded]) -> Vec<String> {
    let mut out: Vec<String> = requests
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    out.sort();
    out
}

/// Every byte of the store's files (database, write-ahead log, shared memory) in `dir`.
fn store_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("state.db")
        })
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect()
}

fn assert_no_secret(dir: &Path, secrets: &[String]) {
    let files = store_bytes(dir);
    assert!(files.iter().any(|(name, _)| name.ends_with("state.db-wal")));
    for (name, bytes) in files {
        for secret in secrets {
            let found = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
            assert!(!found, "a secret is in {name}");
        }
    }
}

/// The bound this test asserts, from the engine's at-least-once semantics: a run's finished
/// root steps and finished helper runs (each `list.for_each` item) are committed as they
/// finish, and a resumed run reuses them; everything else runs again, from its start: a root
/// step that had not finished, and a helper run that had not finished (its steps are not saved
/// one by one). So after one crash, the effects done twice are at most those of the steps in
/// flight at the kill (started, not yet committed), each at most once more; finished items make
/// no call again; a Slack message is posted at most twice, and twice only if its step was in
/// flight at the kill; and the caller, answered by `http.close` before the kill, is not
/// answered again (the resumed run keeps the first answer).
///
/// The kill is placed exactly: the fake Okta holds the first call of each in-flight event's
/// third user (its `GET`), and the server is killed once that call is held and the other two
/// users' helper runs are committed. At the kill, the steps in flight are exactly those held
/// calls, so after the restart the only calls sent twice must be those `GET`s, once more each,
/// and each event's message must be posted exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_resumes_every_accepted_event_and_repeats_only_what_was_in_flight() {
    let dir = common::temp_dir("crash");
    let store = dir.join("state.db");
    let okta = FakeOkta::start().await.unwrap();
    let slack = FakeSlack::start().await.unwrap();
    okta.set_rate_limit(u32::MAX, Duration::from_secs(60));
    let events = FINISHED + IN_FLIGHT;
    for e in 0..events {
        for u in 0..USERS {
            okta.add_user(&login(e, u), UserStatus::Active);
        }
    }
    // Held until the server dies: the first call of the last user of each in-flight event.
    let held: Vec<String> = (FINISHED..events)
        .map(|e| helper_calls(&okta, &login(e, USERS - 1))[0].clone())
        .collect();
    for call in &held {
        let path = call.trim_start_matches("GET ");
        okta.fault_on(
            path,
            Fault::Delay {
                times: 1,
                delay: Duration::from_secs(3600),
            },
        );
    }

    let mut first = serve(&store, &okta, &slack);
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let url = format!("http://{}/api/flo/oort-failing-check/invoke", first.addr());
    let mut ids = Vec::new();
    for e in 0..events {
        let r = client
            .post(&url)
            .header("x-api-client-token", "crash-token")
            .body(event(e))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "event {e} was not accepted");
        let id = r.headers()["x-execution-id"].to_str().unwrap().to_string();
        assert_eq!(r.text().await.unwrap(), r#"{"received":true}"#);
        ids.push(id);
    }

    // Kill once the finished events are committed as finished, and each in-flight event has
    // its first two users' helper runs committed and its third user's call held.
    let history = SqliteStore::open(&store).unwrap();
    let all = ListFilter {
        limit: 0,
        ..ListFilter::default()
    };
    wait_for("the runs to reach the kill point", || {
        let finished = ids[..FINISHED].iter().all(|id| {
            history
                .get(id)
                .unwrap()
                .is_some_and(|r| r.status == flow_runtime::RunStatus::Succeeded)
        });
        let items_saved = ids[FINISHED..].iter().all(|id| {
            let done = history.progress(id).unwrap().children;
            let mut items: Vec<&(String, usize)> = done.keys().collect();
            items.sort();
            items == [&("dispatch".to_string(), 0), &("dispatch".to_string(), 1)]
        });
        let requests = calls(&okta.requests());
        finished && items_saved && held.iter().all(|c| requests.contains(c))
    })
    .await;
    first.kill();
    let before_kill = okta.requests();
    let answered: Vec<_> = ids[FINISHED..]
        .iter()
        .map(|id| history.progress(id).unwrap().response.unwrap())
        .collect();

    // Before the kill: every call of the finished events, and of the in-flight events all but
    // the held user's last two.
    let mut expected: Vec<String> = Vec::new();
    for e in 0..events {
        for u in 0..USERS {
            let all_calls = helper_calls(&okta, &login(e, u));
            let sent = if e >= FINISHED && u == USERS - 1 {
                1
            } else {
                3
            };
            expected.extend(all_calls.into_iter().take(sent));
        }
    }
    expected.sort();
    assert_eq!(calls(&before_kill), expected);
    let posted = |slack: &FakeSlack, e: usize| {
        slack
            .messages()
            .iter()
            .filter(|m| m.text.as_deref().unwrap_or("").contains(&login(e, 0)))
            .count()
    };
    for e in 0..events {
        assert_eq!(posted(&slack, e), usize::from(e < FINISHED), "event {e}");
    }

    // Restart on the same store, Okta answering everything at once.
    okta.clear_faults();
    let mut second = serve(&store, &okta, &slack);
    // A run's message is posted before it finishes: once all are finished, all are posted.
    wait_for("every run to finish after the restart", || {
        let rows = history.list(&all).unwrap();
        rows.len() == events && rows.iter().all(|r| r.status == "succeeded")
    })
    .await;
    assert_no_secret(
        &dir,
        &["crash-token".to_string(), okta.token(), slack.token()],
    );

    // After the restart: the in-flight users' helper runs from their start (the held GET
    // again, then the rest), nothing else; every message exactly once.
    let after = calls(&okta.requests()[before_kill.len()..]);
    let mut expected: Vec<String> = (FINISHED..events)
        .flat_map(|e| helper_calls(&okta, &login(e, USERS - 1)))
        .collect();
    expected.sort();
    assert_eq!(after, expected);
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for call in calls(&okta.requests()) {
        *seen.entry(call).or_default() += 1;
    }
    let twice: Vec<(&String, &usize)> = seen.iter().filter(|(_, n)| **n > 1).collect();
    let mut expected_twice: Vec<&String> = held.iter().collect();
    expected_twice.sort();
    assert_eq!(
        twice,
        expected_twice
            .into_iter()
            .map(|c| (c, &2))
            .collect::<Vec<_>>()
    );
    for e in 0..events {
        assert_eq!(posted(&slack, e), 1, "event {e}");
        for u in 0..USERS {
            assert_eq!(okta.status_of(&login(e, u)), Some(UserStatus::Suspended));
        }
    }
    // The in-flight runs: resumed once each, their callers' answers kept as given.
    let mut resumed: Vec<String> = second
        .unread()
        .into_iter()
        .filter_map(|l| serde_json::from_str::<Value>(&l).ok())
        .filter(|v| v["event"] == "run.resumed")
        .map(|v| v["execution_id"].as_str().unwrap().to_string())
        .collect();
    let mut in_flight = ids[FINISHED..].to_vec();
    in_flight.sort();
    resumed.sort();
    assert_eq!(resumed, in_flight);
    for (id, answer) in ids[FINISHED..].iter().zip(&answered) {
        let record = history.get(id).unwrap().unwrap();
        assert_eq!(record.response.as_ref(), Some(answer), "run {id}");
        assert_eq!(
            history.progress(id).unwrap().response.as_ref(),
            Some(answer)
        );
    }

    // A sender retrying any event gets the first answer, and nothing runs again.
    let requests_then = okta.requests().len();
    let url = format!("http://{}/api/flo/oort-failing-check/invoke", second.addr());
    for (e, id) in ids.iter().enumerate() {
        let r = client
            .post(&url)
            .header("x-api-client-token", "crash-token")
            .body(event(e))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["x-execution-id"].to_str().unwrap(), id);
        assert_eq!(r.headers()["x-flowctl-duplicate"].to_str().unwrap(), "true");
        assert_eq!(r.text().await.unwrap(), r#"{"received":true}"#);
    }
    second.kill();
    assert_eq!(okta.requests().len(), requests_then);
    assert_eq!(slack.messages().len(), events);
    assert_eq!(history.list(&all).unwrap().len(), events);
}

/// The project's `flowctl.yaml`, written to `dir` with its flows directory made absolute and
/// `max_in_flight: 2`, so a few events make a backlog.
fn two_in_flight_config(dir: &Path) -> std::path::PathBuf {
    let root = env!("CARGO_MANIFEST_DIR");
    let text = include_str!("../../flowctl.yaml")
        .replace("flows: flows", &format!("flows: {root}/flows"))
        .replace("server:\n", "server:\n  max_in_flight: 2\n");
    assert!(text.contains("max_in_flight: 2"));
    let path = dir.join("flowctl.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

/// `flowctl history list` on `store`, with these arguments; its lines.
fn history_list(store: &Path, okta: &FakeOkta, slack: &FakeSlack, args: &[&str]) -> Vec<String> {
    let out = flowctl(store, okta, slack)
        .args(["history", "list"])
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// A backlog survives SIGKILL: with `max_in_flight: 2`, twelve events are all accepted (the old
/// front door refused the ten past the two in flight with 503); the two running ones are
/// held at their first Okta call, the other ten wait in the store's queue. The server is killed;
/// `flowctl history list` shows the ten as `queued`. Started again, it runs the queue and
/// resumes the two: every event's effects are done, and exactly once — except the two calls
/// that were in flight at the kill (held at the fake), each sent once more (at least once: a
/// call in flight when the process died may or may not have taken effect).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_runs_its_queued_backlog_once_after_a_restart() {
    const EVENTS: usize = 12;
    const RUNNING: usize = 2;
    let dir = common::temp_dir("crash-backlog");
    let store = dir.join("state.db");
    let config = two_in_flight_config(&dir);
    let okta = FakeOkta::start().await.unwrap();
    let slack = FakeSlack::start().await.unwrap();
    okta.set_rate_limit(u32::MAX, Duration::from_secs(60));
    for e in 0..EVENTS {
        okta.add_user(&login(e, 0), UserStatus::Active);
    }
    let one_user = |e: usize| {
        let mut v: Value = serde_json::from_str(&event(e)).unwrap();
        v["detail"]["usersFailing"] = serde_json::json!([login(e, 0)]);
        v.to_string()
    };
    // The first call of each of the first two events is held until the server dies.
    let held: Vec<String> = (0..RUNNING)
        .map(|e| helper_calls(&okta, &login(e, 0))[0].clone())
        .collect();
    for call in &held {
        okta.fault_on(
            call.trim_start_matches("GET "),
            Fault::Delay {
                times: 1,
                delay: Duration::from_secs(3600),
            },
        );
    }
    let serve_with_config = || {
        let mut cmd = flowctl(&store, &okta, &slack);
        cmd.arg("--config").arg(&config);
        cmd
    };
    let mut first = Server::listen(serve_with_config());
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let url = format!("http://{}/api/flo/oort-failing-check/invoke", first.addr());
    let mut ids = Vec::new();
    for e in 0..EVENTS {
        let r = client
            .post(&url)
            .header("x-api-client-token", "crash-token")
            .body(one_user(e))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "event {e} was not accepted");
        ids.push(r.headers()["x-execution-id"].to_str().unwrap().to_string());
        assert_eq!(r.text().await.unwrap(), r#"{"received":true}"#);
    }
    let history = SqliteStore::open(&store).unwrap();
    let queued = ListFilter {
        status: Some("queued".into()),
        limit: 0,
        ..ListFilter::default()
    };
    wait_for("the two runs to be held and the rest queued", || {
        let requests = calls(&okta.requests());
        held.iter().all(|c| requests.contains(c))
            && history.list(&queued).unwrap().len() == EVENTS - RUNNING
    })
    .await;
    first.kill();
    let before_kill = calls(&okta.requests());
    let mut expected_held = held.clone();
    expected_held.sort();
    assert_eq!(before_kill, expected_held);
    assert_eq!(slack.messages().len(), 0);

    // The backlog, as the history shows it: the events past the first two, queued.
    let lines = history_list(
        &store,
        &okta,
        &slack,
        &["--status", "queued", "--limit", "0"],
    );
    assert_eq!(lines.len(), EVENTS - RUNNING, "{lines:#?}");
    for id in &ids[RUNNING..] {
        let line = lines.iter().find(|l| l.starts_with(id.as_str()));
        assert!(
            line.is_some_and(|l| l.contains(" queued ") && l.contains("→ 200")),
            "{id}: {lines:#?}"
        );
    }

    // Started again: the queue runs, the two killed runs are resumed once their lease ends.
    okta.clear_faults();
    let mut second = Server::listen(serve_with_config());
    let all = ListFilter {
        limit: 0,
        ..ListFilter::default()
    };
    wait_for("every accepted event to finish after the restart", || {
        let rows = history.list(&all).unwrap();
        rows.len() == EVENTS && rows.iter().all(|r| r.status == "succeeded")
    })
    .await;
    second.kill();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for call in calls(&okta.requests()) {
        *seen.entry(call).or_default() += 1;
    }
    for e in 0..EVENTS {
        for call in helper_calls(&okta, &login(e, 0)) {
            let twice = held.contains(&call);
            assert_eq!(seen.get(&call), Some(&(1 + usize::from(twice))), "{call}");
        }
        assert_eq!(okta.status_of(&login(e, 0)), Some(UserStatus::Suspended));
        let posted = slack
            .messages()
            .iter()
            .filter(|m| m.text.as_deref().unwrap_or("").contains(&login(e, 0)))
            .count();
        assert_eq!(posted, 1, "event {e}");
    }
    assert_eq!(seen.values().sum::<usize>(), EVENTS * 3 + RUNNING);
    assert_eq!(slack.messages().len(), EVENTS);
    assert!(history.list(&queued).unwrap().is_empty());
}

/// An Oort event failing one user, written to a file for `flowctl run --input`.
fn event_file(dir: &Path, login: &str) -> std::path::PathBuf {
    let mut v: Value =
        serde_json::from_str(include_str!("../../examples/events/failed-check.json")).unwrap();
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
    wait_for("the run to reach Okta", || {
        okta.requests().iter().any(|r| r.path.contains("killed"))
    })
    .await;
    killed.kill().unwrap();
    killed.wait().unwrap();
    let status = tokio::task::spawn_blocking(move || finishes.wait().unwrap())
        .await
        .unwrap();
    assert!(status.success(), "flowctl run failed: {status}");

    // The killed run is failed as interrupted by the server once its lease (10 s) runs out;
    // never resumed.
    let history = SqliteStore::open(&store).unwrap();
    wait_for("the killed `flowctl run` to end", || {
        let rows = history.list(&ListFilter::default()).unwrap();
        rows.len() == 2 && rows.iter().all(|r| r.status != "running")
    })
    .await;
    let rows = history.list(&ListFilter::default()).unwrap();
    let mut statuses: Vec<(&str, Option<&str>)> = rows
        .iter()
        .map(|r| (r.status.as_str(), r.error.as_deref()))
        .collect();
    statuses.sort();
    assert_eq!(
        statuses,
        [
            (
                "failed",
                Some(
                    "the run was interrupted: the process running it stopped before it \
                     finished, and runs not accepted by a server (`flowctl run`, `flowctl \
                     replay`) are not resumed; the step in flight may or may not have taken \
                     effect"
                )
            ),
            ("succeeded", None)
        ]
    );
    // Nothing is left for any server to take over, and this one took nothing over.
    assert_eq!(
        history
            .claim_unfinished("probe", Duration::from_secs(60))
            .unwrap(),
        []
    );
    server.kill();
    let resumed: Vec<String> = server
        .unread()
        .into_iter()
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
