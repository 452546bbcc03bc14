//! `servicenow.*` against its recorded shapes.

use super::*;

const CONN: &str = "{ kind: servicenow, base_url: \"${env:BASE}\", token: \"${env:SECRET}\" }";
const SYS_ID: &str = "9d385017c611228701d22104cc95c371";

async fn now() -> RecordedFake {
    fake("servicenow", "authorization", &bearer()).await
}

#[tokio::test]
async fn create_incident_drops_absent_fields_and_reads_result() {
    let f = now().await;
    let r = ok(&f, "", CONN, "  - { id: i, card: servicenow.create_incident, with: { connection: c, short_description: Okta account suspended, urgency: \"2\" } }\n").await;
    assert_eq!(out(&r, "i")["number"], "INC0010002");
    let q = req(&f, 0);
    assert_req(
        &q,
        "POST",
        "/api/now/table/incident",
        Some("sysparm_exclude_reference_link=true"),
    );
    assert_eq!(
        body(&q),
        json!({ "short_description": "Okta account suspended", "urgency": "2" })
    );
}

#[tokio::test]
async fn update_and_read_by_sys_id() {
    let f = now().await;
    let steps = format!("  - {{ id: u, card: servicenow.update_incident, with: {{ connection: c, sys_id: {SYS_ID}, fields: {{ state: \"6\", close_notes: Resolved by flow }} }} }}
  - {{ id: g, card: servicenow.read_incident, with: {{ connection: c, sys_id: {SYS_ID} }} }}
");
    let r = ok(&f, "", CONN, &steps).await;
    assert_eq!(out(&r, "u")["state"], "6");
    assert_req(
        &req(&f, 0),
        "PATCH",
        &format!("/api/now/table/incident/{SYS_ID}"),
        Some("sysparm_exclude_reference_link=true"),
    );
    assert_eq!(
        body(&req(&f, 0)),
        json!({ "state": "6", "close_notes": "Resolved by flow" })
    );
    assert_eq!(out(&r, "g")["short_description"], "Okta account suspended");
}

#[tokio::test]
async fn an_unknown_incident_is_not_found() {
    let f = now().await;
    let r = run(&f, "", CONN, "  - { id: g, card: servicenow.read_incident, with: { connection: c, sys_id: \"00000000000000000000000000000000\" } }\n").await;
    let e = err(&r, "g");
    assert_eq!(e["kind"], "not_found");
    assert!(
        e["message"].as_str().unwrap().contains("No Record found"),
        "{e}"
    );
}

#[tokio::test]
async fn search_follows_the_link_header() {
    let f = now().await;
    let r = ok(&f, "", CONN, "  - { id: s, card: servicenow.search_incidents, with: { connection: c, query: \"active=true^priority=1\" } }\n").await;
    let list = out(&r, "s");
    let numbers: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, ["INC0000001", "INC0000002"]);
    assert_eq!(
        req(&f, 0).query_param("sysparm_limit").as_deref(),
        Some("100")
    );
    assert_eq!(
        req(&f, 1).query_param("sysparm_offset").as_deref(),
        Some("1")
    );
}
