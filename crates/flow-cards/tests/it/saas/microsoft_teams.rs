//! `microsoft_teams.*` against its recorded shapes.

use super::*;

const CONN: &str = "{ kind: microsoft_teams, base_url: \"${env:BASE}\", token: \"${env:SECRET}\" }";
const TEAM: &str = "172b0cce-e65d-44ce-9a49-91d9f2e8493a";

async fn teams() -> RecordedFake {
    fake("microsoft_teams", "authorization", &bearer()).await
}

#[tokio::test]
async fn search_teams_gives_the_first_match_or_null() {
    let f = teams().await;
    let steps = "  - { id: eq, card: microsoft_teams.search_teams, with: { connection: c, display_name: Engineering, filter_type: eq } }
  - { id: sw, card: microsoft_teams.search_teams, with: { connection: c, display_name: Eng, filter_type: startsWith } }
  - { id: none, card: microsoft_teams.search_teams, with: { connection: c, display_name: Nobody } }
";
    let r = ok(&f, "", CONN, steps).await;
    assert_eq!(out(&r, "eq")["id"], TEAM);
    assert_eq!(
        req(&f, 0).query_param("$filter").as_deref(),
        Some("displayName eq 'Engineering'")
    );
    assert_eq!(req(&f, 0).query_param("$top").as_deref(), Some("1"));
    assert_eq!(out(&r, "sw")["displayName"], "Engineering");
    assert_eq!(out(&r, "none"), Value::Null);
}

#[tokio::test]
async fn a_missing_permission_is_forbidden() {
    let f = teams().await;
    let r = run(&f, "", CONN, "  - { id: s, card: microsoft_teams.search_teams, with: { connection: c, display_name: Secret } }\n").await;
    let e = err(&r, "s");
    assert_eq!(
        (e["kind"].as_str(), e["code"].as_str()),
        (Some("forbidden"), Some("Forbidden"))
    );
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("Missing role permissions"),
        "{e}"
    );
}

#[tokio::test]
async fn api_request_lists_channels_and_posts_a_message_as_oktas_template_does() {
    let f = teams().await;
    let steps = format!(
        "  - {{ id: ch, card: microsoft_teams.api_request, with: {{ connection: c, path: /teams/{TEAM}/channels }} }}
  - {{ id: msg, card: microsoft_teams.api_request, with: {{ connection: c, method: POST, path: \"/teams/{TEAM}/channels/{{{{ ch.body.value.0.id }}}}/messages\", body: {{ body: {{ content: Hello from flowctl }} }} }} }}
"
    );
    let r = ok(&f, "", CONN, &steps).await;
    assert_eq!(out(&r, "ch")["status"], 200);
    assert_eq!(out(&r, "msg")["status"], 201);
    assert_req(
        &req(&f, 1),
        "POST",
        &format!(
            "/v1.0/teams/{TEAM}/channels/19:561fbdbbfca848a484f0a6f00ce9dbbd@thread.tacv2/messages"
        ),
        None,
    );
    assert_eq!(
        body(&req(&f, 1)),
        json!({ "body": { "content": "Hello from flowctl" } })
    );
}
