//! `jira.*` against its recorded shapes.

use super::*;

const CONN: &str =
    "{ kind: jira, base_url: \"${env:BASE}\", email: bot@acme.com, api_token: \"${env:SECRET}\" }";

async fn jira() -> RecordedFake {
    // Basic auth: base64("bot@acme.com:" + SECRET).
    let basic = format!("Basic {}", b64(&format!("bot@acme.com:{SECRET}")));
    fake("jira", "authorization", &basic).await
}

/// Standard base64 with padding (RFC 4648), enough for a test credential.
fn b64(s: &str) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in s.as_bytes().chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn adf(text: &str) -> Value {
    json!({ "type": "doc", "version": 1, "content": [{ "type": "paragraph", "content": [{ "type": "text", "text": text }] }] })
}

#[tokio::test]
async fn create_issue_sends_fields_and_an_adf_description() {
    let f = jira().await;
    let r = ok(&f, "", CONN, "  - { id: i, card: jira.create_issue, with: { connection: c, project: OPS, issue_type: Task, summary: Review access for alice@example.com, description: Suspended in Okta. } }\n").await;
    assert_eq!(out(&r, "i")["key"], "OPS-24");
    let q = req(&f, 0);
    assert_req(&q, "POST", "/rest/api/3/issue", None);
    assert_eq!(
        body(&q),
        json!({ "fields": {
            "project": { "key": "OPS" },
            "issuetype": { "name": "Task" },
            "summary": "Review access for alice@example.com",
            "description": adf("Suspended in Okta."),
        } })
    );
}

#[tokio::test]
async fn an_unknown_project_is_jiras_400_with_its_field_errors() {
    let f = jira().await;
    let r = run(&f, "", CONN, "  - { id: i, card: jira.create_issue, with: { connection: c, project: NOPE, issue_type: Task, summary: x, description: y } }\n").await;
    let e = err(&r, "i");
    assert_eq!(e["status"], 400);
    assert_eq!(f.requests().len(), 1, "a 400 is not retried");
}

#[tokio::test]
async fn update_comment_transition_and_get() {
    let f = jira().await;
    let steps = "  - { id: up, card: jira.update_issue, with: { connection: c, issue: OPS-24, fields: { summary: Access reviewed } } }
  - { id: cm, card: jira.add_comment, with: { connection: c, issue: OPS-24, text: Manager notified. } }
  - { id: tr, card: jira.transition_issue, with: { connection: c, issue: OPS-24, transition: \"31\" } }
  - { id: get, card: jira.get_issue, with: { connection: c, issue: OPS-24, fields: \"summary,status\" } }
";
    let r = ok(&f, "", CONN, steps).await;
    assert_eq!(out(&r, "up"), json!(204));
    assert_req(&req(&f, 0), "PUT", "/rest/api/3/issue/OPS-24", None);
    assert_eq!(
        body(&req(&f, 0)),
        json!({ "fields": { "summary": "Access reviewed" } })
    );
    assert_eq!(out(&r, "cm")["id"], "10010");
    assert_req(
        &req(&f, 1),
        "POST",
        "/rest/api/3/issue/OPS-24/comment",
        None,
    );
    assert_eq!(
        body(&req(&f, 1)),
        json!({ "body": adf("Manager notified.") })
    );
    assert_eq!(out(&r, "tr"), json!(204));
    assert_eq!(body(&req(&f, 2)), json!({ "transition": { "id": "31" } }));
    assert_eq!(out(&r, "get")["fields"]["status"]["name"], "To Do");
    assert_eq!(
        req(&f, 3).query_param("fields").as_deref(),
        Some("summary,status")
    );
}

#[tokio::test]
async fn an_unknown_issue_is_not_found_with_jiras_message() {
    let f = jira().await;
    let r = run(
        &f,
        "",
        CONN,
        "  - { id: get, card: jira.get_issue, with: { connection: c, issue: OPS-999 } }\n",
    )
    .await;
    let e = err(&r, "get");
    assert_eq!(e["kind"], "not_found");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("Issue does not exist"),
        "{e}"
    );
}

#[tokio::test]
async fn search_follows_next_page_tokens() {
    let f = jira().await;
    let r = ok(&f, "", CONN, "  - { id: s, card: jira.search_issues, with: { connection: c, jql: \"project = OPS AND status = \\\"To Do\\\"\" } }\n").await;
    let list = out(&r, "s");
    let keys: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["OPS-24", "OPS-25"]);
    assert_eq!(f.requests().len(), 2);
    let second = req(&f, 1);
    assert_eq!(second.path, "/rest/api/3/search/jql");
    assert_eq!(
        second.query_param("nextPageToken").as_deref(),
        Some("CAEaAggD")
    );
    assert_eq!(
        second.query_param("jql").as_deref(),
        Some("project = OPS AND status = \"To Do\"")
    );
    assert_eq!(second.query_param("maxResults").as_deref(), Some("50"));
}
