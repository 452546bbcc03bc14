//! Shared test fixtures: temporary database paths, new runs, and an execution record shaped
//! like a run of the Oort flow (8 steps, a `list.for_each` with 3 helper runs of 4 steps).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use flow_runtime::{ExecutionRecord, StepRecord};
use flow_store::{NewRun, StoredInput};
use serde_json::{Value, json};
use std::path::PathBuf;

/// A fresh, empty directory for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let base = option_env!("CARGO_TARGET_TMPDIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let dir = base
        .join("flow-store-tests")
        .join(format!("{name}-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A new time-ordered execution id.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// The Oort event body the fixtures use.
pub const OORT_BODY: &str = r#"{"version":"0","id":"7d2e91c4-5a3b-4f08-9c6e-1b4d8a2f0e73","detail-type":"FAILED_CHECK","source":"5e1c9a07-2d4b-4f63-b8a1-7c0e3d9f6a52__4f3e2d1c","account":"318204756190","time":"2024-07-15T06:00:04Z","region":"us-east-2","resources":[],"detail":{"id":"c8a4e2f0-9b7d-4c1e-a3f5-6d2b8e0c4a19","checkId":"inactive-admin-accounts","title":"Inactive accounts with administrator roles","description":["These accounts hold an administrator role but have not signed in for {{numberOfDays}} days.","Dormant privileged accounts are a common takeover target <and> worth a look & a fix."],"recommendedActions":["Suspend the accounts until their owners confirm they still need them.","Remove administrator roles that are no longer used."],"severity":"high","usersFailing":["maria.gomez@example.com","hrms.serviceuser","li.wei+admin@example.com"],"loginDetails":[{"login":"hrms.serviceuser","details":[{"key":"providersFailingChecks","value":"[\"okta__00o1abcd\",\"DUO__DI9X2Y\"]"}]}],"published":"2024-07-15T06:00:04.512Z"}}"#;

/// The masked request headers of an Oort delivery.
pub fn oort_headers() -> Vec<(String, String)> {
    vec![
        ("content-type".into(), "application/json".into()),
        (
            "user-agent".into(),
            "Amazon/EventBridge/ApiDestinations".into(),
        ),
        ("x-api-client-token".into(), "***".into()),
        (
            "x-amzn-trace-id".into(),
            "Root=1-66949f44-0b6e3a2c5d7f1e9a4c8b2d6f".into(),
        ),
    ]
}

/// A new endpoint run of `flow` started now, as a server accepts it (resumable).
pub fn new_run(id: &str, flow: &str) -> NewRun {
    NewRun {
        execution_id: id.to_string(),
        flow: flow.to_string(),
        started_at: now_rfc3339(),
        input: StoredInput::Request {
            method: "POST".into(),
            body: OORT_BODY.into(),
            headers: oort_headers(),
            query: vec![],
        },
        save_data: true,
        resumable: true,
    }
}

/// Now, RFC 3339 UTC.
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

fn step(id: &str, card: &str, started: f64, output: Value, extra: Value) -> StepRecord {
    let mut v = json!({
        "id": id, "card": card, "status": "succeeded", "attempts": 1,
        "started_ms": started, "duration_ms": 0.4, "output": output,
    });
    if let (Value::Object(m), Value::Object(more)) = (&mut v, extra) {
        m.extend(more);
    }
    serde_json::from_value(v).unwrap()
}

fn exchange(method: &str, url: &str, status: u16) -> Value {
    json!({ "attempt": 1, "method": method, "url": url,
        "headers": [["authorization", "***"], ["accept", "application/json"]],
        "status": status, "duration_ms": 84.2 })
}

/// A demo-dispatcher helper run for list item `index`.
pub fn child_record(index: usize, email: &str) -> ExecutionRecord {
    let user_id = format!("00u{index}a8b7c6d5e4f3g2h1");
    let user = json!({
        "id": user_id, "status": "ACTIVE", "created": "2021-03-02T17:22:10.000Z",
        "activated": "2021-03-02T17:25:01.000Z", "statusChanged": "2021-03-02T17:25:01.000Z",
        "lastLogin": "2024-02-11T08:14:55.000Z", "lastUpdated": "2024-05-20T10:01:12.000Z",
        "passwordChanged": "2023-11-30T12:00:00.000Z",
        "type": { "id": "oty1a2b3c4d5e6f7g8h9" },
        "profile": { "firstName": "Maria", "lastName": "Gomez", "mobilePhone": null,
            "secondEmail": null, "login": email, "email": email, "department": "IT",
            "title": "Platform administrator" },
        "credentials": { "password": {}, "provider": { "type": "OKTA", "name": "OKTA" } }
    });
    let base = "https://acme.okta.com/api/v1/users";
    let steps = vec![
        step(
            "user",
            "okta.read_user",
            0.1,
            user,
            json!({ "http": [exchange("GET", &format!("{base}/{email}"), 200)] }),
        ),
        step(
            "sessions",
            "okta.clear_user_sessions",
            85.0,
            json!({ "cleared": true }),
            json!({ "http": [exchange("DELETE", &format!("{base}/{user_id}/sessions?oauthTokens=true"), 204)] }),
        ),
        step(
            "suspend",
            "okta.suspend_user",
            170.0,
            json!({ "suspended": true, "already": false }),
            json!({ "http": [exchange("POST", &format!("{base}/{user_id}/lifecycle/suspend"), 200)] }),
        ),
        step(
            "done",
            "flow.return",
            255.0,
            json!({ "login": email, "user_id": user_id, "already_suspended": false }),
            json!({}),
        ),
    ];
    serde_json::from_value(json!({
        "execution_id": new_id(), "flow": "demo-dispatcher", "status": "succeeded",
        "started_at": now_rfc3339(), "duration_ms": 255.8, "index": index,
        "inputs": { "email": email },
        "steps": steps,
        "output": { "login": email, "user_id": user_id, "already_suspended": false },
        "error": null,
    }))
    .unwrap()
}

/// The users the Oort fixture fails.
pub const USERS: [&str; 3] = [
    "maria.gomez@example.com",
    "hrms.serviceuser",
    "li.wei+admin@example.com",
];

/// The steps of an Oort run, in file order, the dispatch step holding its helper runs.
pub fn oort_steps() -> Vec<StepRecord> {
    let event: Value = serde_json::from_str(OORT_BODY).unwrap();
    let d = &event["detail"];
    let children: Vec<ExecutionRecord> = USERS
        .iter()
        .enumerate()
        .map(|(i, u)| child_record(i, u))
        .collect();
    let message = "*Inactive accounts with administrator roles* (severity: high, check \
                   `inactive-admin-accounts`)\nThese accounts hold an administrator role but \
                   have not signed in for {{numberOfDays}} days.\nDormant privileged accounts \
                   are a common takeover target <and> worth a look & a fix.\nRecommended:\n• \
                   Suspend the accounts until their owners confirm they still need them.\n• \
                   Remove administrator roles that are no longer used.\nUsers failing (3): \
                   maria.gomez@example.com, hrms.serviceuser, li.wei+admin@example.com\n\
                   Suspended: 3 · could not act on: 0\n";
    vec![
        step(
            "ack",
            "http.close",
            0.0,
            json!({ "status": 200 }),
            json!({}),
        ),
        step(
            "event",
            "json.parse",
            0.1,
            json!({ "event_id": event["id"], "event_type": "FAILED_CHECK",
                "check_id": d["checkId"], "title": d["title"], "severity": d["severity"],
                "users": d["usersFailing"], "description": d["description"],
                "actions": d["recommendedActions"] }),
            json!({}),
        ),
        step(
            "description",
            "list.to_text",
            0.2,
            json!(
                d["description"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap())
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
            json!({}),
        ),
        step(
            "actions",
            "list.to_text",
            0.2,
            json!(
                d["recommendedActions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap())
                    .collect::<Vec<_>>()
                    .join("\n• ")
            ),
            json!({}),
        ),
        step(
            "users",
            "list.to_text",
            0.2,
            json!(USERS.join(", ")),
            json!({}),
        ),
        step(
            "dispatch",
            "list.for_each",
            0.3,
            json!({ "succeeded": 3, "failed": 0, "errors": [] }),
            json!({ "children": children }),
        ),
        step("message", "text.compose", 257.0, json!(message), json!({})),
        step(
            "notify",
            "slack.send_message",
            257.2,
            json!({ "ok": true, "channel": "C0123456789", "ts": "1721023204.000200" }),
            json!({ "http": [exchange("POST", "https://slack.com/api/chat.postMessage", 200)] }),
        ),
    ]
}

/// A finished Oort run.
pub fn oort_record(id: &str) -> ExecutionRecord {
    let trigger = StoredInput::Request {
        method: "POST".into(),
        body: OORT_BODY.into(),
        headers: oort_headers(),
        query: vec![],
    }
    .trigger_value();
    serde_json::from_value(json!({
        "execution_id": id, "flow": "oort-failing-check", "status": "succeeded",
        "started_at": now_rfc3339(), "duration_ms": 342.7,
        "trigger": trigger,
        "response": { "status": 200, "body": { "received": true }, "at_ms": 0.1 },
        "steps": oort_steps(),
        "output": null, "error": null,
    }))
    .unwrap()
}
