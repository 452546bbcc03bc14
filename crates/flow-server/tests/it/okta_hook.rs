//! `okta_event_hook` flows: Okta's verification, the secret header, one run per listed event
//! of a delivery, dedupe by event `uuid`, and refusals of what is not a delivery.

use crate::common;

use common::{Answer, LOG, Options, Runs};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use flow_server::{Durable, EVENT_DEDUPE_WINDOW, ManualClock, ServerState};
use flow_store::{ListFilter, SqliteStore, Store};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// The example delivery: five events, three of them of the listed types.
const DELIVERY: &str = include_str!("../../../../examples/events/okta/event-hook-delivery.json");

const FLOW: &str = r#"flow: okta-joiners
trigger:
  okta_event_hook:
    events: [user.lifecycle.create, group.user_membership.add]
    security: { header: x-okta-hook-auth, secret: "${env:OKTA_HOOK_SECRET}" }
steps:
  - id: line
    card: text.compose
    with: { template: "{{ trigger.event.eventType }} by {{ trigger.event.actor.alternateId }} (delivery {{ trigger.delivery.id }})" }
  - id: done
    card: flow.return
    with: { outputs: { line: "{{ line }}", uuid: "{{ trigger.event.uuid }}" } }
"#;

const SECRET: &str = "okta-hook-s3cret";

fn server(durable: Option<Arc<Durable>>) -> (Arc<ServerState>, Arc<Runs>) {
    let env = HashMap::from([("OKTA_HOOK_SECRET", SECRET.to_string())]);
    let opts = Options {
        durable,
        ..Options::default()
    };
    common::state_with("", &[("okta-joiners.yaml", FLOW)], env, opts)
}

async fn send(
    state: &Arc<ServerState>,
    method: &str,
    secret: Option<&str>,
    extra: &[(&str, &str)],
    body: &str,
) -> Answer {
    let mut req = Request::builder()
        .method(method)
        .uri("/api/flo/okta-joiners/invoke")
        .header("content-type", "application/json");
    if let Some(s) = secret {
        req = req.header("x-okta-hook-auth", s);
    }
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    common::call(state, req.body(Body::from(body.to_string())).unwrap()).await
}

#[tokio::test]
async fn verification_answers_the_challenge_and_runs_nothing() {
    let (state, runs) = server(None);
    let challenge = [("x-okta-verification-challenge", "x7Yb2kQ9")];
    let ok = send(&state, "GET", Some(SECRET), &challenge, "").await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.body, json!({ "verification": "x7Yb2kQ9" }));
    // Without the secret, or with a wrong one: 401, the challenge is not echoed.
    for secret in [None, Some("okta-hook-s3creT"), Some("okta")] {
        let refused = send(&state, "GET", secret, &challenge, "").await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{secret:?}");
        assert!(!refused.text.contains("x7Yb2kQ9"));
    }
    // A GET that is not a verification.
    let bare = send(&state, "GET", Some(SECRET), &[], "").await;
    assert_eq!(bare.status, StatusCode::BAD_REQUEST);
    assert!(
        bare.body["error"]
            .as_str()
            .unwrap()
            .contains("X-Okta-Verification-Challenge")
    );
    assert_eq!(runs.started(), 0);
    assert!(state.queue.is_empty());
}

#[tokio::test]
async fn a_delivery_with_a_wrong_or_missing_secret_runs_nothing() {
    let (state, runs) = server(None);
    for secret in [
        None,
        Some(""),
        Some("okta-hook-s3cre"),
        Some("okta-hook-s3cret2"),
    ] {
        let a = send(&state, "POST", secret, &[], DELIVERY).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{secret:?}");
        assert_eq!(a.body, json!({ "error": "unauthorized" }));
    }
    // The secret in another header (Okta's default `authorization`) is not this hook's.
    let other = send(&state, "POST", None, &[("authorization", SECRET)], DELIVERY).await;
    assert_eq!(other.status, StatusCode::UNAUTHORIZED);
    assert_eq!(runs.started(), 0);
    assert!(state.queue.is_empty());
}

/// The outputs of the finished runs, ordered by event uuid.
fn outputs(store: &Arc<dyn Store>) -> Vec<Value> {
    let mut out: Vec<Value> = store
        .list(&ListFilter::default())
        .unwrap()
        .into_iter()
        .map(|r| {
            assert_eq!(r.status, "succeeded");
            assert_eq!(r.response_status, Some(200));
            (*store.get(&r.execution_id).unwrap().unwrap().output).clone()
        })
        .collect();
    out.sort_by_key(|v| v["uuid"].as_str().unwrap_or("").to_string());
    out
}

#[tokio::test]
async fn one_run_per_listed_event_and_a_redelivery_runs_nothing_again() {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open_in_memory().unwrap());
    let durable = Durable::new(store.clone(), LOG);
    let (state, runs) = server(Some(durable.clone()));
    let a = send(&state, "POST", Some(SECRET), &[], DELIVERY).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.text, "", "Okta expects an empty answer");
    // Five events; two are of types the flow does not list.
    runs.wait_finished(3).await;
    durable.flush().unwrap();
    let delivery = "3f6a1c52-8d0e-4b7a-9e21-5c4d7b8a9f10";
    assert_eq!(
        outputs(&store),
        vec![
            json!({"uuid": "7c9d2e41-f6a8-11ee-9b1c-0b5e2f4a6d81",
                   "line": format!("user.lifecycle.create by ada.admin@example.com (delivery {delivery})")}),
            json!({"uuid": "9b2f5a13-f6a8-11ee-9b1c-5e7a2c3d8e03",
                   "line": format!("group.user_membership.add by ada.admin@example.com (delivery {delivery})")}),
            json!({"uuid": "ac3a6b24-f6a8-11ee-9b1c-7f8b3d4e9f14",
                   "line": format!("user.lifecycle.create by HR Provisioning (delivery {delivery})")}),
        ]
    );
    // Okta redelivers (it timed out waiting): every event is known, nothing runs again.
    let again = send(&state, "POST", Some(SECRET), &[], DELIVERY).await;
    assert_eq!((again.status, again.text.as_str()), (StatusCode::OK, ""));
    assert_eq!(state.metrics.rejected_count("duplicate"), 3);
    assert_eq!(store.queue_depth().unwrap(), vec![]);
    // A later delivery holding one event seen before and one new: only the new one runs.
    let mut later: Value = serde_json::from_str(DELIVERY).unwrap();
    let events = later["data"]["events"].as_array_mut().unwrap();
    events.truncate(1);
    let mut fresh = events[0].clone();
    fresh["uuid"] = json!("f00dfeed-0000-4000-8000-000000000001");
    events.push(fresh);
    let b = send(&state, "POST", Some(SECRET), &[], &later.to_string()).await;
    assert_eq!(b.status, StatusCode::OK);
    runs.wait_finished(4).await;
    durable.flush().unwrap();
    assert_eq!(store.list(&ListFilter::default()).unwrap().len(), 4);
    assert_eq!(runs.started(), 4);
    // The hook's secret is in no record: a run keeps its event, not the delivery's headers.
    for r in store.list(&ListFilter::default()).unwrap() {
        let record = store.get(&r.execution_id).unwrap().unwrap();
        let text = serde_json::to_string(&record).unwrap();
        assert!(!text.contains(SECRET), "{text}");
        assert!(text.contains(delivery), "{text}");
    }
}

#[tokio::test]
async fn without_a_store_events_are_run_and_deduplicated_in_memory_for_a_day() {
    let clock = Arc::new(ManualClock::at_unix(1_772_442_900));
    let env = HashMap::from([("OKTA_HOOK_SECRET", SECRET.to_string())]);
    let opts = Options {
        clock: Some(clock.clone()),
        ..Options::default()
    };
    let (state, runs) = common::state_with("", &[("okta-joiners.yaml", FLOW)], env, opts);
    assert_eq!(
        send(&state, "POST", Some(SECRET), &[], DELIVERY)
            .await
            .status,
        StatusCode::OK
    );
    runs.wait_finished(3).await;
    assert_eq!(
        send(&state, "POST", Some(SECRET), &[], DELIVERY)
            .await
            .status,
        StatusCode::OK
    );
    // The three listed events were each found a repeat (nothing queued for them).
    assert_eq!(state.metrics.rejected_count("duplicate"), 3);
    assert!(state.queue.is_empty());
    assert_eq!(runs.started(), 3);
    // Still a repeat a second before 24 hours; a new event after them.
    clock.advance(EVENT_DEDUPE_WINDOW - Duration::from_secs(1));
    send(&state, "POST", Some(SECRET), &[], DELIVERY).await;
    assert_eq!(state.metrics.rejected_count("duplicate"), 6);
    clock.advance(Duration::from_secs(1));
    send(&state, "POST", Some(SECRET), &[], DELIVERY).await;
    runs.wait_finished(6).await;
    assert_eq!(state.metrics.rejected_count("duplicate"), 6);
}

#[tokio::test]
async fn what_is_not_a_delivery_is_refused_with_what_is_wrong() {
    let (state, runs) = server(None);
    let cases = [
        (
            r#"{"eventType":"com.okta.event_hook","data":{}}"#,
            "not an Okta event hook delivery: `data.events` is missing",
        ),
        (
            r#"{"data":{"events":[{"uuid":"u1","eventType":"user.lifecycle.create"},{"eventType":"user.lifecycle.create"}]}}"#,
            "not an Okta event hook delivery: `data.events[1].uuid` is missing or not text",
        ),
        (
            r#"{"data":{"events":"none"}}"#,
            "not an Okta event hook delivery: `data.events` must be a list",
        ),
    ];
    for (body, error) in cases {
        let a = send(&state, "POST", Some(SECRET), &[], body).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(a.body, json!({ "error": error }));
    }
    let not_json = send(&state, "POST", Some(SECRET), &[], "{\"data\": [").await;
    assert_eq!(not_json.status, StatusCode::BAD_REQUEST);
    assert!(
        not_json.body["error"]
            .as_str()
            .unwrap()
            .starts_with("the body is not JSON")
    );
    // A delivery refused whole: its good first event did not run either.
    assert_eq!(runs.started(), 0);
    assert!(state.queue.is_empty());
}
