//! The Oort flows end to end: `flowctl run` (not a dry run) with the connections pointed at the
//! fake Okta and Slack servers, on an event whose users mix emails, a plain username, a user
//! Okta does not know and a user already suspended.

use crate::common;

use flow_store::{ListFilter, SqliteStore, Store};
use flow_testkit::{FakeOkta, FakeSlack, Recorded, UserStatus};
use serde_json::{Value, json};

const EVENT: &str = "examples/events/failed-check.json";

fn calls_for(reqs: &[Recorded], login_path: &str, id: &str) -> Vec<String> {
    reqs.iter()
        .filter(|r| r.path.contains(login_path) || r.path.contains(id))
        .map(|r| {
            format!(
                "{} {}",
                r.method,
                r.path.replace(id, "ID").replace(login_path, "LOGIN")
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oort_flow_acts_on_every_user_it_can_and_tells_slack_once() {
    let okta = FakeOkta::start().await.unwrap();
    let slack = FakeSlack::start().await.unwrap();
    let maria = okta.add_user("maria.gomez@example.com", UserStatus::Active);
    let svc = okta.add_user("hrms.serviceuser", UserStatus::Active);
    let li = okta.add_user("li.wei+admin@example.com", UserStatus::Suspended);

    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(EVENT).unwrap()).unwrap();
    event["detail"]["usersFailing"] = json!([
        "maria.gomez@example.com",
        "hrms.serviceuser",
        "ghost@example.com",
        "li.wei+admin@example.com"
    ]);
    event["detail"]["title"] = json!("Admins <!channel> & friends");

    // The run is recorded in a store of its own, never in the checkout's.
    let store = common::temp_dir("oort-fakes").join("state.db");
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_flowctl"));
    cmd.args([
        "run",
        "flows/oort-failing-check.yaml",
        "--input",
        "-",
        "--json",
    ])
    .current_dir(env!("CARGO_MANIFEST_DIR"))
    .env("FLOWCTL_STORE", format!("sqlite://{}", store.display()))
    .env("OKTA_ORG_URL", okta.base_url())
    .env("OKTA_API_TOKEN", okta.token())
    .env("SLACK_BOT_TOKEN", slack.token())
    .env("SLACK_API_URL", slack.api_url())
    .stdin(std::process::Stdio::piped())
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    {
        use tokio::io::AsyncWriteExt;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(event.to_string().as_bytes()).await.unwrap();
    }
    let out = child.wait_with_output().await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    for token in [okta.token(), slack.token()] {
        assert!(
            !stdout.contains(&token) && !stderr.contains(&token),
            "a token leaked"
        );
    }

    // Each known user: read, end sessions, suspend — in that order.
    let reqs = okta.requests();
    assert_eq!(
        calls_for(&reqs, "maria.gomez%40example.com", &maria),
        [
            "GET /api/v1/users/LOGIN",
            "DELETE /api/v1/users/ID/sessions",
            "POST /api/v1/users/ID/lifecycle/suspend"
        ]
    );
    assert_eq!(
        calls_for(&reqs, "hrms.serviceuser", &svc),
        [
            "GET /api/v1/users/LOGIN",
            "DELETE /api/v1/users/ID/sessions",
            "POST /api/v1/users/ID/lifecycle/suspend"
        ]
    );
    // Already suspended: Okta refuses the suspend; the card reads the user and counts it done.
    assert_eq!(
        calls_for(&reqs, "li.wei%2Badmin%40example.com", &li),
        [
            "GET /api/v1/users/LOGIN",
            "DELETE /api/v1/users/ID/sessions",
            "POST /api/v1/users/ID/lifecycle/suspend",
            "GET /api/v1/users/ID"
        ]
    );
    // Keep-alive: the pooled client reuses its connections; at most one per concurrent item
    // (`concurrency: 4`) is ever opened to Okta, and one to Slack.
    assert_eq!(reqs.len(), 11);
    assert!(
        okta.connections_accepted() <= 4,
        "{} connections for {} Okta requests",
        okta.connections_accepted(),
        reqs.len()
    );
    assert_eq!(slack.connections_accepted(), 1);

    // The unknown user: one lookup, nothing else, and the others went on.
    assert_eq!(reqs.iter().filter(|r| r.path.contains("ghost")).count(), 1);
    for id in [&maria, &svc, &li] {
        assert_eq!(okta.status_of(id), Some(UserStatus::Suspended));
        assert!(okta.session_clears(id)[0].oauth_tokens);
    }

    // One Slack message, with event data escaped.
    let msgs = slack.messages();
    assert_eq!(msgs.len(), 1);
    let text = msgs[0].text.clone().unwrap();
    assert!(
        text.starts_with("*Admins &lt;!channel&gt; &amp; friends*"),
        "{text}"
    );
    assert!(
        text.contains("Suspended: 3 · could not act on: 1"),
        "{text}"
    );
    assert!(text.contains("- ghost@example.com: helper flow `demo-dispatcher` failed at step `user`: Okta has no user `ghost@example.com`"), "{text}");

    // The record agrees.
    let rec: Value = serde_json::from_str(&stdout).unwrap();
    let dispatch = rec["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "dispatch")
        .unwrap();
    assert_eq!(dispatch["output"]["succeeded"], 3);
    assert_eq!(dispatch["output"]["failed"], 1);
    let li_run = &dispatch["children"][3];
    assert_eq!(li_run["output"]["already_suspended"], true);

    // Stored where FLOWCTL_STORE said, as printed.
    let history = SqliteStore::open(&store).unwrap();
    let runs = history.list(&ListFilter::default()).unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].execution_id, rec["execution_id"].as_str().unwrap());
    assert_eq!(runs[0].status, "succeeded");
}
