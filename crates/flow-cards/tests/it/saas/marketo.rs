//! `marketo.*` against its recorded shapes, with the token from the identity endpoint.

use super::*;

const CONN: &str = "{ kind: marketo, base_url: \"${env:BASE}\", token: \"${env:SECRET}\" }";
/// The access token the recorded identity endpoint issues.
const ISSUED: &str = "cdf01657-110d-4155-99a7-f986b2ff13a0:int";

async fn marketo() -> RecordedFake {
    fake("marketo", "authorization", &bearer()).await
}

/// The first request the fake received with this method and path (steps that do not read
/// each other may run in any order).
fn sent(f: &RecordedFake, method: &str, path: &str) -> Recorded {
    f.requests()
        .into_iter()
        .find(|r| r.method == method && r.path == path)
        .unwrap_or_else(|| panic!("no {method} {path}: {:?}", f.requests()))
}

/// Search leads (every page), find the list and the folder, add the leads and remove one.
#[tokio::test]
async fn leads_lists_and_folders() {
    let f = marketo().await;
    let steps = "  - { id: leads, card: marketo.search_leads, with: { connection: c, values: [mary@example.com, liz@example.com] } }
  - { id: lists, card: marketo.search_lists, with: { connection: c, list_names: [Inactive Okta users, Old list] } }
  - { id: folder, card: marketo.search_folders, with: { connection: c, folder_name: Remarketing } }
  - { id: add, card: marketo.add_leads_to_list, with: { connection: c, list_id: \"{{ lists.0.id }}\", lead_ids: [318581, 318582] } }
  - { id: rm, card: marketo.remove_leads_from_list, with: { connection: c, list_id: 1082, lead_ids: [318581] } }
";
    let r = ok(&f, "", CONN, steps).await;
    let leads = out(&r, "leads");
    let ids: Vec<&Value> = leads.as_array().unwrap().iter().map(|l| &l["id"]).collect();
    assert_eq!(ids, [&json!(318581), &json!(318582)]);
    let pages: Vec<Recorded> = f
        .requests()
        .into_iter()
        .filter(|q| q.path == "/rest/v1/leads.json")
        .collect();
    assert_eq!(pages.len(), 2, "{pages:?}");
    let first = &pages[0];
    assert_req(
        first,
        "GET",
        "/rest/v1/leads.json",
        Some("filterType=email&filterValues=mary%40example.com%2Cliz%40example.com&batchSize=300"),
    );
    assert_eq!(
        pages[1].query_param("nextPageToken").as_deref(),
        Some("GIYDAOBNGEYS2MBWKQYDAORQGA5DAMBOGAYDAKZQGAYDALBQ")
    );
    assert_eq!(
        sent(&f, "GET", "/rest/v1/lists.json")
            .query_param("name")
            .as_deref(),
        Some("Inactive Okta users,Old list")
    );
    assert_eq!(out(&r, "folder")["folder_id"], 1022);
    assert_eq!(out(&r, "folder")["is_archived"], false);
    let add = sent(&f, "POST", "/rest/v1/lists/1082/leads.json");
    assert_req(
        &add,
        "POST",
        "/rest/v1/lists/1082/leads.json",
        Some("id=318581%2C318582"),
    );
    assert_eq!(out(&r, "add")[1]["status"], "added");
    assert_req(
        &sent(&f, "DELETE", "/rest/v1/lists/1082/leads.json"),
        "DELETE",
        "/rest/v1/lists/1082/leads.json",
        Some("id=318581"),
    );
}

/// Marketo's errors come in a 200 answer: `success: false` fails the card with Marketo's code
/// and kind; a folder search that finds nothing is no error, its `folder_id` null.
#[tokio::test]
async fn errors_in_the_body_and_nothing_found() {
    let f = marketo().await;
    let r = run(
        &f,
        "",
        CONN,
        "  - { id: add, card: marketo.add_leads_to_list, with: { connection: c, list_id: 1, lead_ids: [318581] } }\n",
    )
    .await;
    let e = err(&r, "add");
    assert_eq!(
        (e["kind"].as_str(), e["code"].as_str()),
        (Some("not_found"), Some("1013"))
    );
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("Marketo answered 1013: Static list not found"),
        "{e}"
    );
    let r = ok(
        &f,
        "",
        CONN,
        "  - { id: folder, card: marketo.search_folders, with: { connection: c, folder_name: Nope } }\n",
    )
    .await;
    assert_eq!(out(&r, "folder")["folder_id"], Value::Null);
}

/// With client credentials the token comes from `<base_url>/identity/oauth/token` (the
/// credentials posted in the form), is sent as `Bearer` to `<base_url>/rest/…`, and appears
/// nowhere in the record; the lead's fields go under Marketo's REST names.
#[tokio::test]
async fn client_credentials_from_the_identity_endpoint() {
    let fixtures = Fixture::load_dir(&recorded_dir("marketo")).unwrap();
    let f = RecordedFake::start(fixtures).await.unwrap();
    let conn = "{ kind: marketo, base_url: \"${env:BASE}\", client_id: 3f0f3a8c-8f2b-4d0e-9d5a-5d1b2a7c9e11, client_secret: \"${env:SECRET}\" }";
    let r = ok(
        &f,
        "",
        conn,
        "  - { id: lead, card: marketo.create_lead, with: { connection: c, mode: createOnly, first_name: Liz, email_address: liz@example.com, acquisition_date: \"2024-05-01T00:00:00Z\" } }\n",
    )
    .await;
    assert_eq!(
        out(&r, "lead"),
        json!({ "id": 318581, "status": "created" })
    );
    let token = req(&f, 0);
    assert_req(&token, "POST", "/identity/oauth/token", None);
    let form: HashMap<String, String> = url::form_urlencoded::parse(token.body.as_bytes())
        .into_owned()
        .collect();
    assert_eq!(
        form.get("grant_type").map(String::as_str),
        Some("client_credentials")
    );
    assert_eq!(
        form.get("client_id").map(String::as_str),
        Some("3f0f3a8c-8f2b-4d0e-9d5a-5d1b2a7c9e11")
    );
    assert_eq!(form.get("client_secret").map(String::as_str), Some(SECRET));
    let create = req(&f, 1);
    assert_req(&create, "POST", "/rest/v1/leads.json", None);
    assert_eq!(
        create.header("authorization"),
        Some(format!("Bearer {ISSUED}").as_str())
    );
    assert_eq!(
        body(&create),
        json!({ "action": "createOnly", "input": [{ "firstName": "Liz", "email": "liz@example.com", "mktoAcquisitionDate": "2024-05-01T00:00:00Z" }] })
    );
    let text = serde_json::to_string(&r).unwrap();
    assert!(
        !text.contains(ISSUED),
        "the access token leaked into the record"
    );
}
