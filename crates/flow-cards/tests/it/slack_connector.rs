//! The Slack cards of `connectors/slack.yaml` against the fake Slack over real HTTP: Slack's
//! `200 {"ok": false, "error": CODE}` as typed card errors (not found, rate limits retried),
//! "already done" answers as success (`already_in_channel` for one user, `already_reacted`),
//! cursor paging, and `slack.api_request`.

use flow_card::RunEnv;
use flow_cards::ReqwestTransport;
use flow_runtime::{Engine, ExecutionRecord, RunInput, RunOptions, RunStatus, StepRecord};
use flow_testkit::{FakeSlack, SlackFault};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

const CONFIG: &str = "connections:
  slack: { kind: slack, token: \"${env:SLACK_TOKEN}\", api_url: \"${env:SLACK_URL}\" }
";

async fn fake() -> FakeSlack {
    let slack = FakeSlack::start().await.unwrap();
    slack.add_member("U0ADA", "ada@example.com", "ada");
    slack.add_member("U0BOB", "bob@example.com", "bob");
    slack.add_channel("ops", "C0OPS", false, true);
    slack
}

async fn run(slack: &FakeSlack, steps: &str) -> ExecutionRecord {
    let flow =
        format!("flow: t\ntrigger: {{ helper: {{ inputs: {{ v: any }} }} }}\nsteps:\n{steps}");
    let project =
        flow_compile::compile_str(Some(CONFIG), &[("t.yaml", &flow)], &flow_cards::registry())
            .unwrap_or_else(|e| panic!("{e}"));
    let env = HashMap::from([
        ("SLACK_TOKEN".to_string(), slack.token()),
        ("SLACK_URL".to_string(), slack.api_url()),
    ]);
    let lookup = move |k: &str| env.get(k).cloned();
    let connections = flow_runtime::connect_all(&project, &lookup, false).unwrap();
    let env = RunEnv {
        dry_run: false,
        transport: Arc::new(ReqwestTransport::new().unwrap()),
        connections,
        capture_inputs: true,
    };
    let record = Engine::new(Arc::new(project), Arc::new(env))
        .run(
            0,
            RunInput::Inputs(json!({ "v": null })),
            RunOptions::default(),
        )
        .await;
    assert!(
        !serde_json::to_string(&record)
            .unwrap()
            .contains(&slack.token()),
        "the token leaked into the record"
    );
    record
}

fn step<'a>(r: &'a ExecutionRecord, id: &str) -> &'a StepRecord {
    r.steps.iter().find(|s| &*s.id == id).unwrap()
}

fn out(r: &ExecutionRecord, id: &str) -> Value {
    step(r, id).output.as_deref().cloned().unwrap()
}

fn error(r: &ExecutionRecord, id: &str) -> Value {
    *step(r, id).error.clone().unwrap()
}

const FIND: &str = "  - { id: u, card: slack.find_user_by_email, with: { connection: slack, email: ada@example.com } }\n";

#[tokio::test]
async fn ok_false_not_found_is_a_typed_error_with_slacks_code() {
    let slack = fake().await;
    let r = run(&slack, "  - { id: u, card: slack.find_user_by_email, with: { connection: slack, email: nobody@example.com } }\n").await;
    assert_eq!(r.status, RunStatus::Failed);
    let e = error(&r, "u");
    assert_eq!(e["kind"], "not_found");
    assert_eq!(e["code"], "users_not_found");
    assert_eq!(
        e["message"],
        "no Slack member has the email nobody@example.com (Slack answered users_not_found)"
    );
    assert_eq!(slack.requests().len(), 1, "not_found is not retried");
}

#[tokio::test]
async fn found_users_and_read_user() {
    let slack = fake().await;
    let steps = format!(
        "{FIND}  - {{ id: r, card: slack.read_user, with: {{ connection: slack, user: \"{{{{ u.id }}}}\" }} }}\n"
    );
    let r = run(&slack, &steps).await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    assert_eq!(out(&r, "u")["id"], "U0ADA");
    assert_eq!(out(&r, "r")["profile"]["email"], "ada@example.com");
    let reqs = slack.requests();
    assert_eq!(reqs[1].path, "/api/users.info");
    assert_eq!(reqs[1].query.as_deref(), Some("user=U0ADA"));
}

/// `ratelimited` in a 200 body is kind `rate_limited` (per `errors.kinds`), and the step's retry
/// sends it again.
#[tokio::test]
async fn ok_false_ratelimited_is_retried() {
    let slack = fake().await;
    slack.fault_on(
        "/api/users.lookupByEmail",
        SlackFault::OkFalse {
            times: 1,
            error: "ratelimited".into(),
        },
    );
    let r = run(&slack, FIND).await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    assert_eq!(step(&r, "u").attempts, 2);
    assert_eq!(slack.requests().len(), 2);
    assert_eq!(out(&r, "u")["id"], "U0ADA");
}

/// A 429 with `Retry-After` is retried too (the status decides).
#[tokio::test]
async fn http_429_is_retried() {
    let slack = fake().await;
    slack.fault_on(
        "/api/users.lookupByEmail",
        SlackFault::RateLimit {
            times: 1,
            retry_after_secs: 1,
        },
    );
    let r = run(&slack, FIND).await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    assert_eq!(step(&r, "u").attempts, 2);
}

/// Inviting one user who is already a member is success with `already: true`; with several
/// users Slack refuses the whole call, and that stays an `invalid_state` error.
#[tokio::test]
async fn already_in_channel_is_success_for_one_user_only() {
    let slack = fake().await;
    let invite = |id: &str, users: &str| {
        format!(
            "  - {{ id: {id}, card: slack.invite_to_channel, with: {{ connection: slack, channel: C0OPS, users: \"{users}\" }} }}\n"
        )
    };
    let r = run(&slack, &(invite("a", "U0ADA") + &invite("b", "U0ADA"))).await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    assert_eq!(
        out(&r, "a"),
        json!({ "channel": "C0OPS", "name": "ops", "already": false })
    );
    assert_eq!(
        out(&r, "b"),
        json!({ "channel": "C0OPS", "name": "", "already": true })
    );
    assert_eq!(slack.channel_members("C0OPS"), vec!["U0ADA".to_string()]);
    let r = run(&slack, &invite("c", "U0BOB, U0ADA")).await;
    let e = error(&r, "c");
    assert_eq!(
        (e["kind"].as_str(), e["code"].as_str()),
        (Some("invalid_state"), Some("already_in_channel"))
    );
    assert_eq!(slack.channel_members("C0OPS"), vec!["U0ADA".to_string()]);
    let body: Value = serde_json::from_str(&slack.requests().last().unwrap().body).unwrap();
    assert_eq!(body, json!({ "channel": "C0OPS", "users": "U0BOB,U0ADA" }));
}

/// A success rule with only a code: `already_reacted` (200, `ok: false`) is `already: true`.
#[tokio::test]
async fn already_reacted_is_success() {
    let slack = fake().await;
    slack.fault_on(
        "/api/reactions.add",
        SlackFault::OkFalse {
            times: 1,
            error: "already_reacted".into(),
        },
    );
    let r = run(&slack, "  - { id: r, card: slack.add_reaction, with: { connection: slack, channel: C0OPS, ts: \"1.2\", name: eyes } }\n").await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    assert_eq!(out(&r, "r"), json!({ "already": true }));
}

#[tokio::test]
async fn list_channels_follows_the_cursor_and_leaves_archived_out() {
    let slack = fake().await;
    slack.add_channel("old", "C0OLD", true, true);
    slack.add_channel("eng", "C0ENG", false, false);
    slack.set_list_page_size(1);
    let r = run(
        &slack,
        "  - { id: l, card: slack.list_channels, with: { connection: slack } }\n",
    )
    .await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    let names: Vec<Value> = out(&r, "l")
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].clone())
        .collect();
    assert_eq!(
        names,
        vec![json!("security-alerts"), json!("ops"), json!("eng")]
    );
    let reqs = slack.requests();
    assert_eq!(reqs.len(), 3);
    assert_eq!(
        reqs[1].query.as_deref(),
        Some("exclude_archived=true&limit=200&cursor=pos%3A1")
    );
}

/// `slack.api_request` reads `ok: false` like the actions: an error with Slack's code.
#[tokio::test]
async fn api_request_fails_on_ok_false() {
    let slack = fake().await;
    let r = run(&slack, "  - { id: a, card: slack.api_request, with: { connection: slack, method: POST, path: /conversations.archive, body: { channel: C0OPS } } }\n").await;
    let e = error(&r, "a");
    assert_eq!(
        (e["kind"].as_str(), e["code"].as_str()),
        (Some("remote"), Some("unknown_method"))
    );
    let r = run(&slack, "  - { id: a, card: slack.api_request, with: { connection: slack, path: /users.info, query: { user: U0BOB }, headers: { X-Trace: t-1 } } }\n").await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    assert_eq!(out(&r, "a")["body"]["user"]["name"], "bob");
    // The connection's credential is not a flow's to set.
    let r = run(&slack, "  - { id: a, card: slack.api_request, with: { connection: slack, path: /users.info, headers: { authorization: Bearer x } } }\n").await;
    assert_eq!(
        error(&r, "a")["message"].as_str(),
        Some("`headers`: `authorization` is set by the connection, not by a flow")
    );
}

/// A message's life on the fake Slack: posted (Rust), updated (Rust, on the connector's
/// connection), reacted to twice (the second is `already: true`), deleted (data), and deleted
/// again: Slack's `message_not_found`, a `not_found` error.
#[tokio::test]
async fn a_message_is_updated_reacted_to_and_deleted() {
    let slack = fake().await;
    let steps = "  - { id: post, card: slack.send_message, with: { connection: slack, channel: C0OPS, text: first } }
  - { id: who, card: text.compose, with: { template: \"<!here>\" } }
  - { id: up, card: slack.update_message, with: { connection: slack, channel: \"{{ post.channel }}\", ts: \"{{ post.ts }}\", text: \"second {{ who }}\" } }
  - { id: r1, card: slack.add_reaction, with: { connection: slack, channel: \"{{ post.channel }}\", ts: \"{{ post.ts }}\", name: eyes } }
  - { id: r2, card: slack.add_reaction, with: { connection: slack, channel: \"{{ post.channel }}\", ts: \"{{ post.ts }}\", name: eyes } }
  - { id: del, card: slack.delete_message, with: { connection: slack, channel: \"{{ post.channel }}\", ts: \"{{ post.ts }}\" } }
  - { id: again, card: slack.delete_message, with: { connection: slack, channel: \"{{ post.channel }}\", ts: \"{{ post.ts }}\" }, on_error: continue }
";
    let r = run(&slack, steps).await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    let ts = out(&r, "post")["ts"].as_str().unwrap().to_string();
    assert_eq!(out(&r, "up")["ts"], ts.as_str());
    // Template values in the new text are escaped for Slack, as when posting.
    assert_eq!(
        slack.updated_text("C0OPS", &ts),
        Some("second &lt;!here&gt;".to_string())
    );
    assert_eq!(
        (out(&r, "r1"), out(&r, "r2")),
        (json!({ "already": false }), json!({ "already": true }))
    );
    assert_eq!(
        slack.reactions(),
        vec![("C0OPS".to_string(), ts.clone(), "eyes".to_string())]
    );
    assert_eq!(out(&r, "del"), json!({ "channel": "C0OPS", "ts": ts }));
    assert!(slack.is_deleted("C0OPS", &ts));
    let e = &out(&r, "again")["error"];
    assert_eq!(
        (e["kind"].as_str(), e["code"].as_str()),
        (Some("not_found"), Some("message_not_found"))
    );
}
