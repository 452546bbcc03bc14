//! The Slack Web API cards beyond `send_message` (DM a user, find by email, invite, update,
//! delete) against the recorded fake: the exact request each sends, the typed output, and
//! Slack's `ok: false` answers as errors that keep Slack's code.

use flow_card::RunEnv;
use flow_cards::ReqwestTransport;
use flow_runtime::{Engine, ExecutionRecord, RunInput, RunOptions, RunStatus, StepRecord};
use flow_testkit::fake::recorded::{Fixture, RecordedFake, recorded_dir};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

const TOKEN: &str = "xoxb-recorded-fake-token";
const CONFIG: &str = "connections:
  slack: { kind: slack, token: \"${env:SLACK_TOKEN}\", api_url: \"${env:SLACK_URL}\" }
";

async fn slack() -> RecordedFake {
    let fixtures = Fixture::load_dir(&recorded_dir("slack")).unwrap();
    RecordedFake::start_with_auth(fixtures, "authorization", &format!("Bearer {TOKEN}"))
        .await
        .unwrap()
}

async fn run(fake: &RecordedFake, steps: &str) -> ExecutionRecord {
    let flow =
        format!("flow: t\ntrigger: {{ helper: {{ inputs: {{ v: any }} }} }}\nsteps:\n{steps}");
    let project =
        flow_compile::compile_str(Some(CONFIG), &[("t.yaml", &flow)], &flow_cards::registry())
            .unwrap_or_else(|e| panic!("{e}"));
    let env = HashMap::from([
        ("SLACK_TOKEN".to_string(), TOKEN.to_string()),
        ("SLACK_URL".to_string(), format!("{}/api", fake.base_url())),
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
        !serde_json::to_string(&record).unwrap().contains(TOKEN),
        "the token leaked into the record"
    );
    record
}

fn step<'a>(r: &'a ExecutionRecord, id: &str) -> &'a StepRecord {
    r.steps.iter().find(|s| &*s.id == id).unwrap()
}

/// A step's output.
fn out(r: &ExecutionRecord, id: &str) -> Value {
    step(r, id).output.as_deref().cloned().unwrap()
}

fn body(fake: &RecordedFake, i: usize) -> Value {
    serde_json::from_str(&fake.requests()[i].body).unwrap()
}

#[tokio::test]
async fn find_user_by_email_sends_the_email_as_a_query() {
    let fake = slack().await;
    let r = run(&fake, "  - { id: u, card: slack.find_user_by_email, with: { connection: slack, email: spengler@ghostbusters.example.com } }\n").await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    let out = out(&r, "u");
    assert_eq!(out["id"], "W012A3CDE");
    assert_eq!(out["profile"]["email"], "spengler@ghostbusters.example.com");
    let req = &fake.requests()[0];
    assert_eq!(
        (req.method.as_str(), req.path.as_str()),
        ("GET", "/api/users.lookupByEmail")
    );
    assert_eq!(
        req.query.as_deref(),
        Some("email=spengler%40ghostbusters.example.com")
    );
    assert_eq!(
        req.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
}

#[tokio::test]
async fn an_unknown_email_is_not_found_with_slacks_code() {
    let fake = slack().await;
    let r = run(&fake, "  - { id: u, card: slack.find_user_by_email, with: { connection: slack, email: nobody@example.com } }\n").await;
    assert_eq!(r.status, RunStatus::Failed);
    let e = step(&r, "u").error.clone().unwrap();
    assert_eq!(e["kind"], "not_found");
    assert_eq!(e["code"], "users_not_found");
    assert_eq!(fake.requests().len(), 1, "not_found is not retried");
}

#[tokio::test]
async fn send_message_to_user_opens_the_dm_then_posts_there() {
    let fake = slack().await;
    let r = run(&fake, "  - { id: dm, card: slack.send_message_to_user, with: { connection: slack, user: W012A3CDE, text: \"Access removed <!here>\" } }\n").await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    assert_eq!(
        out(&r, "dm"),
        json!({ "channel": "D069C7QFK", "ts": "1503435956.000247" })
    );
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].path, "/api/conversations.open");
    assert_eq!(body(&fake, 0), json!({ "users": "W012A3CDE" }));
    assert_eq!(reqs[1].path, "/api/chat.postMessage");
    // Literal text is sent as written; only template values are escaped.
    assert_eq!(
        body(&fake, 1),
        json!({ "channel": "D069C7QFK", "text": "Access removed <!here>" })
    );
}

#[tokio::test]
async fn invite_joins_the_user_ids() {
    let fake = slack().await;
    let r = run(&fake, "  - { id: i, card: slack.invite_to_channel, with: { connection: slack, channel: C012AB3CD, users: \"W012A3CDE, U0456EFGH\" } }\n").await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    assert_eq!(
        out(&r, "i"),
        json!({ "channel": "C012AB3CD", "name": "general", "already": false })
    );
    assert_eq!(
        body(&fake, 0),
        json!({ "channel": "C012AB3CD", "users": "W012A3CDE,U0456EFGH" })
    );
}

/// Inviting one user who is already a member is success (`already: true`): the connector's
/// success rule for Slack's `200 {"ok": false, "error": "already_in_channel"}`.
#[tokio::test]
async fn inviting_a_member_again_is_success_already() {
    let fake = slack().await;
    let r = run(&fake, "  - { id: i, card: slack.invite_to_channel, with: { connection: slack, channel: C012AB3CD, users: U0MEMBER1 } }\n").await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    assert_eq!(
        out(&r, "i"),
        json!({ "channel": "C012AB3CD", "name": "", "already": true })
    );
}

#[tokio::test]
async fn update_and_delete_name_the_message_by_channel_and_ts() {
    let fake = slack().await;
    let steps = "  - { id: up, card: slack.update_message, with: { connection: slack, channel: C012AB3CD, ts: \"1401383885.000061\", text: Updated text you carefully authored } }
  - { id: del, card: slack.delete_message, with: { connection: slack, channel: C012AB3CD, ts: \"1401383885.000061\" } }
";
    let r = run(&fake, steps).await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    assert_eq!(out(&r, "up")["text"], "Updated text you carefully authored");
    assert_eq!(
        body(&fake, 0),
        json!({ "channel": "C012AB3CD", "ts": "1401383885.000061", "text": "Updated text you carefully authored" })
    );
    assert_eq!(fake.requests()[1].path, "/api/chat.delete");
    assert_eq!(
        out(&r, "del"),
        json!({ "channel": "C012AB3CD", "ts": "1401383885.000061" })
    );
}

#[tokio::test]
async fn deleting_another_users_message_is_forbidden() {
    let fake = slack().await;
    let r = run(&fake, "  - { id: del, card: slack.delete_message, with: { connection: slack, channel: C012AB3CD, ts: \"1401383885.000099\" } }\n").await;
    let e = step(&r, "del").error.clone().unwrap();
    assert_eq!(
        (e["kind"].as_str(), e["code"].as_str()),
        (Some("forbidden"), Some("cant_delete_message"))
    );
}
