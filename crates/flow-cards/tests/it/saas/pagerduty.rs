//! `pagerduty.*` against its recorded shapes.

use super::*;

const CONN: &str = "{ kind: pagerduty, base_url: \"${env:BASE}\", token: \"${env:SECRET}\", from_email: oncall@acme.com }";
const CONN_NO_FROM: &str =
    "{ kind: pagerduty, base_url: \"${env:BASE}\", token: \"${env:SECRET}\" }";

async fn pd() -> RecordedFake {
    fake(
        "pagerduty",
        "authorization",
        &format!("Token token={SECRET}"),
    )
    .await
}

#[tokio::test]
async fn create_incident_sends_from_and_reads_the_incident() {
    let f = pd().await;
    let r = ok(&f, "", CONN, "  - { id: i, card: pagerduty.create_incident, with: { connection: c, service_id: PWIXJZS, title: Okta admin account suspended } }\n").await;
    assert_eq!(out(&r, "i")["incident_number"], 1234);
    let q = req(&f, 0);
    assert_req(&q, "POST", "/incidents", None);
    assert_eq!(q.header("from"), Some("oncall@acme.com"));
    assert_eq!(
        q.header("accept"),
        Some("application/vnd.pagerduty+json;version=2")
    );
    assert_eq!(
        body(&q),
        json!({ "incident": {
            "type": "incident",
            "title": "Okta admin account suspended",
            "service": { "id": "PWIXJZS", "type": "service_reference" },
            "body": { "type": "incident_body" }
        } })
    );
}

#[tokio::test]
async fn without_from_pagerduty_refuses() {
    let f = pd().await;
    let r = run(&f, "", CONN_NO_FROM, "  - { id: i, card: pagerduty.create_incident, with: { connection: c, service_id: PWIXJZS, title: x } }\n").await;
    assert_eq!(
        req(&f, 0).header("from"),
        None,
        "an absent from_email sends no From"
    );
    let e = err(&r, "i");
    assert_eq!(
        (e["status"].as_u64(), e["code"].as_str()),
        (Some(400), Some("2001"))
    );
}

#[tokio::test]
async fn list_users_pages_by_offset() {
    let f = pd().await;
    let r = ok(
        &f,
        "",
        CONN,
        "  - { id: ls, card: pagerduty.list_users, with: { connection: c } }\n",
    )
    .await;
    let users = out(&r, "ls");
    let emails: Vec<&str> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, ["alice@acme.com", "bob@acme.com"]);
    assert_eq!(req(&f, 0).query_param("limit").as_deref(), Some("100"));
    assert_eq!(req(&f, 1).query_param("offset").as_deref(), Some("1"));
    // The second page says `more: false`: no third request.
    assert_eq!(f.requests().len(), 2, "{:?}", f.requests());
}

const EVENTS: &str =
    "{ kind: pagerduty_events, base_url: \"${env:BASE}\", routing_key: \"${env:SECRET}\" }";

#[tokio::test]
async fn events_trigger_and_resolve_carry_the_routing_key_in_the_body() {
    let fixtures = Fixture::load_dir(&recorded_dir("pagerduty_events")).unwrap();
    let f = RecordedFake::start(fixtures).await.unwrap();
    let steps = "  - { id: t, card: pagerduty_events.trigger_alert, with: { connection: c, summary: Impossible travel for alice, source: okta, severity: critical } }
  - { id: r, card: pagerduty_events.resolve_alert, with: { connection: c, dedup_key: \"{{ t.dedup_key }}\" } }
";
    let r = ok(&f, "", EVENTS, steps).await;
    assert_eq!(out(&r, "t")["dedup_key"], "samplekeyhere");
    let q = req(&f, 0);
    assert_req(&q, "POST", "/v2/enqueue", None);
    assert_eq!(q.header("authorization"), None);
    assert_eq!(
        body(&q),
        json!({ "routing_key": SECRET, "event_action": "trigger",
                "payload": { "summary": "Impossible travel for alice", "source": "okta", "severity": "critical" } })
    );
    assert_eq!(
        body(&req(&f, 1)),
        json!({ "routing_key": SECRET, "event_action": "resolve", "dedup_key": "samplekeyhere" })
    );
}

#[tokio::test]
async fn an_invalid_event_keeps_pagerdutys_message() {
    let fixtures = Fixture::load_dir(&recorded_dir("pagerduty_events")).unwrap();
    let f = RecordedFake::start(fixtures).await.unwrap();
    let r = run(&f, "", EVENTS, "  - { id: t, card: pagerduty_events.trigger_alert, with: { connection: c, summary: x, source: okta, severity: urgent } }\n").await;
    let e = err(&r, "t");
    assert_eq!(
        (e["status"].as_u64(), e["code"].as_str()),
        (Some(400), Some("invalid event"))
    );
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("Event object is invalid"),
        "{e}"
    );
}
