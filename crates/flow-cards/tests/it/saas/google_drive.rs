//! `google_drive.*` against its recorded shapes.

use super::*;

const CONN: &str = "{ kind: google_drive, base_url: \"${env:BASE}\", token: \"${env:SECRET}\" }";
const FILE: &str = "1wXyRpGhxrSmAR0hCUfYw6uRW7yMmOkxL";
const FOLDER: &str = "1dyUEebJaFnWa3Z4n0BFMVAXQ7mfUH11g";
const LEAVERS: &str = "0BwwA4oUTeiV1TGRPeTVjaWRDY1E";

async fn drive() -> RecordedFake {
    fake("google_drive", "authorization", &bearer()).await
}

#[tokio::test]
async fn search_follows_next_page_token_with_the_query() {
    let f = drive().await;
    let steps = format!(
        "  - {{ id: s, card: google_drive.search_files, with: {{ connection: c, query: \"'{FOLDER}' in parents and trashed = false\" }} }}\n"
    );
    let r = ok(&f, "", CONN, &steps).await;
    let found = out(&r, "s");
    let names: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Q3 budget", "Offboarding notes"]);
    let first = req(&f, 0);
    assert_eq!(
        first.query_param("q"),
        Some(format!("'{FOLDER}' in parents and trashed = false"))
    );
    assert_eq!(
        first.query_param("includeItemsFromAllDrives").as_deref(),
        Some("true")
    );
    assert_eq!(first.query_param("pageToken"), None);
    let second = req(&f, 1);
    assert_eq!(
        second.query_param("pageToken").as_deref(),
        Some("~!!~AI9FV7Tq2")
    );
    assert_eq!(second.query_param("q"), first.query_param("q"));
    assert_eq!(f.requests().len(), 2);
}

#[tokio::test]
async fn read_create_copy_and_move() {
    let f = drive().await;
    let steps = format!(
        "  - {{ id: get, card: google_drive.read_file, with: {{ connection: c, file: {FILE} }} }}
  - {{ id: mk, card: google_drive.create_folder, with: {{ connection: c, name: Leavers }} }}
  - {{ id: cp, card: google_drive.copy_file, with: {{ connection: c, file: {FILE}, name: Q3 budget (archive), parents: [{LEAVERS}] }} }}
  - {{ id: mv, card: google_drive.move_file, with: {{ connection: c, file: {FILE}, to: {LEAVERS}, from: {FOLDER} }} }}
"
    );
    let r = ok(&f, "", CONN, &steps).await;
    assert_eq!(
        out(&r, "get")["owners"][0]["emailAddress"],
        "liz@example.com"
    );
    assert_req(
        &req(&f, 0),
        "GET",
        &format!("/drive/v3/files/{FILE}"),
        Some("supportsAllDrives=true&fields=%2A"),
    );
    assert_eq!(out(&r, "mk")["id"], LEAVERS);
    assert_eq!(
        body(&req(&f, 1)),
        json!({ "name": "Leavers", "mimeType": "application/vnd.google-apps.folder" }),
        "no parents key without parents"
    );
    assert_eq!(out(&r, "cp")["id"], "1cPyQ7r2Zx");
    assert_eq!(
        body(&req(&f, 2)),
        json!({ "name": "Q3 budget (archive)", "parents": [LEAVERS] })
    );
    assert_eq!(out(&r, "mv")["parents"], json!([LEAVERS]));
    let mv = req(&f, 3);
    assert_eq!(mv.method, "PATCH");
    assert_eq!(mv.query_param("addParents").as_deref(), Some(LEAVERS));
    assert_eq!(mv.query_param("removeParents").as_deref(), Some(FOLDER));
}

#[tokio::test]
async fn share_unshare_transfer_and_delete() {
    let f = drive().await;
    let steps = format!(
        "  - {{ id: sh, card: google_drive.share_file, with: {{ connection: c, file: {FILE}, role: reader, type: group, email: finance@example.com, notify: false }} }}
  - {{ id: un, card: google_drive.delete_permission, with: {{ connection: c, file: {FILE}, permission: \"{{{{ sh.id }}}}\" }} }}
  - {{ id: tr, card: google_drive.transfer_ownership, with: {{ connection: c, file: {FILE}, email: manager@example.com }} }}
  - {{ id: rm, card: google_drive.delete_file, with: {{ connection: c, file: 1cPyQ7r2Zx }} }}
"
    );
    let r = ok(&f, "", CONN, &steps).await;
    assert_eq!(out(&r, "sh")["id"], "09876543210");
    let sh = req(&f, 0);
    assert_eq!(
        body(&sh),
        json!({ "role": "reader", "type": "group", "emailAddress": "finance@example.com" })
    );
    assert_eq!(
        sh.query_param("sendNotificationEmail").as_deref(),
        Some("false")
    );
    assert_eq!(out(&r, "un"), json!({ "status": 204 }));
    assert_req(
        &req(&f, 1),
        "DELETE",
        &format!("/drive/v3/files/{FILE}/permissions/09876543210"),
        Some("supportsAllDrives=true"),
    );
    assert_eq!(out(&r, "tr")["role"], "owner");
    assert_eq!(
        body(&req(&f, 2)),
        json!({ "role": "owner", "type": "user", "emailAddress": "manager@example.com" })
    );
    assert_eq!(out(&r, "rm"), json!({ "status": 204 }));
    assert_req(
        &req(&f, 3),
        "DELETE",
        "/drive/v3/files/1cPyQ7r2Zx",
        Some("supportsAllDrives=true"),
    );
}

#[tokio::test]
async fn export_and_download_give_the_text() {
    let f = drive().await;
    let steps = "  - { id: ex, card: google_drive.export_file, with: { connection: c, file: 1ZdR3L3qP4Bkq8noWLJHSr_iBau0DNT4Kli4SxNc2YEo } }
  - { id: dl, card: google_drive.download_file, with: { connection: c, file: 1CsvFileId } }
";
    let r = ok(&f, "", CONN, steps).await;
    assert_eq!(
        out(&r, "ex"),
        json!({ "content": "Offboarding checklist\r\n- laptop\r\n" })
    );
    assert_eq!(
        req(&f, 0).query_param("mimeType").as_deref(),
        Some("text/plain")
    );
    assert_eq!(
        req(&f, 0).header_all("accept"),
        ["*/*"],
        "the action's accept replaces the connector's"
    );
    assert_eq!(
        out(&r, "dl"),
        json!({ "content": "email,team\nliz@example.com,sales\n" })
    );
    assert_eq!(req(&f, 1).query_param("alt").as_deref(), Some("media"));
}

#[tokio::test]
async fn an_unknown_file_is_not_found_with_drives_reason() {
    let f = drive().await;
    let r = run(
        &f,
        "",
        CONN,
        "  - { id: g, card: google_drive.read_file, with: { connection: c, file: 1nope } }\n",
    )
    .await;
    let e = err(&r, "g");
    assert_eq!(
        (e["kind"].as_str(), e["code"].as_str()),
        (Some("not_found"), Some("notFound"))
    );
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("File not found: 1nope."),
        "{e}"
    );
}

#[tokio::test]
async fn upload_sends_one_multipart_related_request() {
    let f = drive().await;
    let r = ok(&f, "", CONN, "  - { id: up, card: google_drive.upload_file, with: { connection: c, name: 'say \"hi\".txt', content: \"line 1\\nline 2\" } }\n").await;
    assert_eq!(out(&r, "up")["id"], "1UpLoAdEdTeXt");
    let q = req(&f, 0);
    assert_req(
        &q,
        "POST",
        "/upload/drive/v3/files",
        Some("uploadType=multipart&supportsAllDrives=true"),
    );
    assert_eq!(
        q.header_all("content-type"),
        ["multipart/related; boundary=flowctl-part-3f9c1e"]
    );
    let parts: Vec<&str> = q.body.split("--flowctl-part-3f9c1e").collect();
    assert_eq!(parts.len(), 4, "{:?}", q.body);
    let (head, meta) = parts[1].split_once("\r\n\r\n").unwrap();
    assert_eq!(head, "\r\ncontent-type: application/json; charset=UTF-8");
    let meta: Value = serde_json::from_str(meta.trim_end()).unwrap();
    assert_eq!(
        meta,
        json!({ "name": "say \"hi\".txt", "mimeType": "text/plain" }),
        "the name is JSON-escaped and no folder means no parents"
    );
    assert_eq!(
        parts[2],
        "\r\ncontent-type: text/plain; charset=UTF-8\r\n\r\nline 1\nline 2\r\n"
    );
    assert_eq!(parts[3], "--\r\n");
}

#[tokio::test]
async fn upload_takes_oktas_inputs_and_converts_a_csv_to_a_sheet() {
    let f = drive().await;
    let steps = format!(
        "  - {{ id: up, card: google_drive.upload_file, with: {{ connection: c, name: leavers, file_content_id: \"email\\nliz@example.com\", parent_folder_id: {LEAVERS}, description: Daily leavers, mime_type: text/csv, convert_to_google_format: true }} }}\n"
    );
    let r = ok(&f, "", CONN, &steps).await;
    assert_eq!(out(&r, "up")["id"], "1UpLoAdEdTeXt");
    let q = req(&f, 0);
    let parts: Vec<&str> = q.body.split("--flowctl-part-3f9c1e").collect();
    let meta: Value =
        serde_json::from_str(parts[1].split_once("\r\n\r\n").unwrap().1.trim_end()).unwrap();
    assert_eq!(
        meta,
        json!({ "name": "leavers", "mimeType": "application/vnd.google-apps.spreadsheet", "description": "Daily leavers", "parents": [LEAVERS] })
    );
    assert_eq!(
        parts[2],
        "\r\ncontent-type: text/csv; charset=UTF-8\r\n\r\nemail\nliz@example.com\r\n"
    );
}

#[tokio::test]
async fn a_transfer_is_created_then_read_by_id() {
    let f = drive().await;
    let steps = "  - { id: t, card: google_drive.create_transfer_request, with: { connection: c, from_user: liz@example.com, to_user: \"117264380114830095743\" } }
  - { id: r, card: google_drive.read_transfer_request, with: { connection: c, transfer_id: \"{{ t.transfer_id }}\" } }
  - { id: x, card: google_drive.read_transfer_request, on_error: continue, with: { connection: c, transfer_id: nope } }
";
    let r = run(&f, "", CONN, steps).await;
    assert_eq!(
        out(&r, "t"),
        json!({
            "transfer_id": "AKrEtIYG88BuI1_5bHQLOuH8Ja-oiw",
            "transfer_status": "new",
            "request_time": "2026-01-05T09:00:00.000Z",
            "old_owner_user_id": "104358823374452910283",
            "new_owner_user_id": "117264380114830095743",
            "old_owner_email": "liz@example.com",
            "new_owner_email": null
        })
    );
    // The email is looked up first; the id is sent as it is.
    assert_req(
        &req(&f, 0),
        "GET",
        "/admin/directory/v1/users/liz%40example.com",
        Some("fields=id%2CprimaryEmail"),
    );
    assert_eq!(
        body(&req(&f, 1))["applicationDataTransfers"],
        json!([{ "applicationId": "55656082996", "applicationTransferParams": [{ "key": "PRIVACY_LEVEL", "value": ["PRIVATE", "SHARED"] }] }])
    );
    assert_eq!(out(&r, "r")["transfer_status"], "completed");
    assert_req(
        &req(&f, 2),
        "GET",
        "/admin/datatransfer/v1/transfers/AKrEtIYG88BuI1_5bHQLOuH8Ja-oiw",
        None,
    );
    let e = err(&r, "x");
    assert_eq!(e["kind"], "not_found");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .starts_with("Google has no data transfer nope"),
        "{e}"
    );
}

#[tokio::test]
async fn a_transfer_from_an_unknown_email_sends_nothing() {
    let f = drive().await;
    let r = run(&f, "", CONN, "  - { id: t, card: google_drive.create_transfer_request, with: { connection: c, from_user: nobody@example.com, to_user: \"117264380114830095743\" } }\n").await;
    let e = err(&r, "t");
    assert_eq!(e["kind"], "not_found");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .starts_with("Google has no user nobody@example.com (`from_user`)"),
        "{e}"
    );
    assert_eq!(f.requests().len(), 1, "no transfer was asked for");
}
