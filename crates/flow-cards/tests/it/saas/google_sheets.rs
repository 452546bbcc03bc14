//! `google_sheets.*` against its recorded shapes.

use super::*;

const CONN: &str = "{ kind: google_sheets, base_url: \"${env:BASE}\", token: \"${env:SECRET}\" }";
const SHEET: &str = "1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms";
const REVIEW: &str = "1qZ0_tSP2Ed4w1R7b2oTvU9q8QJ7vYgU5H9n1b8sWJcM";

async fn sheets() -> RecordedFake {
    fake("google_sheets", "authorization", &bearer()).await
}

#[tokio::test]
async fn read_a_range_encoded_as_one_segment() {
    let f = sheets().await;
    let steps = format!(
        "  - {{ id: r, card: google_sheets.read_range, with: {{ connection: c, spreadsheet: {SHEET}, range: \"Access!A1:C3\", value_render: UNFORMATTED_VALUE }} }}\n"
    );
    let r = ok(&f, "", CONN, &steps).await;
    assert_eq!(
        out(&r, "r")["values"][1],
        json!(["liz@example.com", "Jira", 45292])
    );
    assert_req(
        &req(&f, 0),
        "GET",
        &format!("/v4/spreadsheets/{SHEET}/values/Access%21A1%3AC3"),
        Some("valueRenderOption=UNFORMATTED_VALUE"),
    );
}

#[tokio::test]
async fn append_update_and_clear() {
    let f = sheets().await;
    let steps = format!(
        "  - {{ id: a, card: google_sheets.append_rows, with: {{ connection: c, spreadsheet: {SHEET}, range: \"Access!A:C\", rows: [[liz@example.com, Slack, \"=TODAY()\"], [sam@example.com, Jira, \"=TODAY()\"]] }} }}
  - {{ id: u, card: google_sheets.update_range, with: {{ connection: c, spreadsheet: {SHEET}, range: \"Access!C2\", rows: [[revoked]], value_input: RAW }} }}
  - {{ id: x, card: google_sheets.clear_range, with: {{ connection: c, spreadsheet: {SHEET}, range: \"{{{{ a.updates.updatedRange }}}}\" }} }}
"
    );
    let r = ok(&f, "", CONN, &steps).await;
    assert_eq!(out(&r, "a")["updates"]["updatedRows"], 2);
    let a = req(&f, 0);
    assert_req(
        &a,
        "POST",
        &format!("/v4/spreadsheets/{SHEET}/values/Access%21A%3AC:append"),
        Some("valueInputOption=USER_ENTERED&insertDataOption=INSERT_ROWS"),
    );
    assert_eq!(
        body(&a),
        json!({ "majorDimension": "ROWS", "values": [["liz@example.com", "Slack", "=TODAY()"], ["sam@example.com", "Jira", "=TODAY()"]] })
    );
    assert_eq!(out(&r, "u")["updatedCells"], 1);
    let u = req(&f, 1);
    assert_eq!(u.method, "PUT");
    assert_eq!(
        body(&u),
        json!({ "range": "Access!C2", "majorDimension": "ROWS", "values": [["revoked"]] })
    );
    assert_eq!(out(&r, "x")["clearedRange"], "Access!A3:C4");
    assert_req(
        &req(&f, 2),
        "POST",
        &format!("/v4/spreadsheets/{SHEET}/values/Access%21A3%3AC4:clear"),
        None,
    );
    assert_eq!(body(&req(&f, 2)), json!({}));
}

#[tokio::test]
async fn create_a_spreadsheet_and_read_its_sheets() {
    let f = sheets().await;
    let steps = format!(
        "  - {{ id: c, card: google_sheets.create_spreadsheet, with: {{ connection: c, title: Access review }} }}
  - {{ id: m, card: google_sheets.read_spreadsheet, with: {{ connection: c, spreadsheet: {SHEET} }} }}
"
    );
    let r = ok(&f, "", CONN, &steps).await;
    assert_eq!(
        out(&r, "c")["spreadsheetId"],
        "1qZ0_tSP2Ed4w1R7b2oTvU9q8QJ7vYgU5H9n1b8sWJcM"
    );
    assert_eq!(
        body(&req(&f, 0)),
        json!({ "properties": { "title": "Access review" } }),
        "no sheets key without sheets"
    );
    let meta = out(&r, "m");
    let titles: Vec<&str> = meta["sheets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["properties"]["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Access", "Leavers"]);
    assert_eq!(
        req(&f, 1).query_param("fields").as_deref(),
        Some("spreadsheetId,spreadsheetUrl,properties.title,sheets.properties")
    );
}

#[tokio::test]
async fn a_bad_range_fails_with_googles_status() {
    let f = sheets().await;
    let steps = format!(
        "  - {{ id: r, card: google_sheets.read_range, with: {{ connection: c, spreadsheet: {SHEET}, range: \"Nope!A1\" }} }}\n"
    );
    let r = run(&f, "", CONN, &steps).await;
    let e = err(&r, "r");
    assert_eq!(
        (e["kind"].as_str(), e["code"].as_str()),
        (Some("remote"), Some("INVALID_ARGUMENT"))
    );
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("Unable to parse range: Nope!A1"),
        "{e}"
    );
}

#[tokio::test]
async fn read_all_rows_keys_the_rows_by_the_header_as_okta_does() {
    let f = sheets().await;
    let steps = format!(
        "  - {{ id: r, card: google_sheets.read_all_rows, with: {{ connection: c, spreadsheet: {SHEET}, worksheet: New hires }} }}
  - {{ id: done, card: flow.return, with: {{ outputs: {{ first: \"{{{{ r.0.Columns.0-userName }}}}\" }} }} }}
"
    );
    let r = ok(&f, "", CONN, &steps).await;
    assert_eq!(
        out(&r, "r"),
        json!([
            { "row_number": 2, "Columns": { "0-userName": "liz", "1-firstName": "Liz", "2-lastName": "Lemon", "3-email": "liz@example.com" } },
            { "row_number": 3, "Columns": { "0-userName": "sam", "1-firstName": "Sam", "2-lastName": "", "3-email": "" } }
        ])
    );
    assert_eq!(
        r.output["first"], "liz",
        "Okta's Columns.0-userName reads a cell"
    );
    assert_req(
        &req(&f, 0),
        "GET",
        &format!("/v4/spreadsheets/{SHEET}/values/New%20hires"),
        Some("majorDimension=ROWS"),
    );
}

#[tokio::test]
async fn create_row_writes_the_columns_in_order() {
    let f = sheets().await;
    let steps = format!(
        "  - {{ id: a, card: google_sheets.create_row, with: {{ connection: c, spreadsheet: {SHEET}, worksheet: Leavers, use_spreadsheet_id: false, columns: {{ \"0-Email\": liz@example.com, \"1-Apps\": [Jira, Slack], \"2-Days\": 3, \"10-Note\": \"said \\\"bye\\\"\" }} }} }}\n"
    );
    let r = ok(&f, "", CONN, &steps).await;
    assert_eq!(out(&r, "a")["updatedRange"], "Leavers!A5:C5");
    let a = req(&f, 0);
    assert_eq!(a.header("content-type"), Some("application/json"));
    assert_eq!(
        body(&a),
        json!({ "majorDimension": "ROWS", "values": [["liz@example.com", ["Jira", "Slack"], 3, "said \"bye\""]] })
    );
}

#[tokio::test]
async fn read_worksheet_info_links_to_the_worksheet() {
    let f = sheets().await;
    let steps = format!(
        "  - {{ id: w, card: google_sheets.read_worksheet_info, with: {{ connection: c, spreadsheet: {REVIEW}, worksheet: Leavers }} }}\n"
    );
    let r = ok(&f, "", CONN, &steps).await;
    let w = out(&r, "w");
    assert_eq!(
        (
            w["worksheet_id"].clone(),
            w["worksheet_url"].clone(),
            w["sheet_type"].clone()
        ),
        (
            json!(1786351245),
            json!(format!(
                "https://docs.google.com/spreadsheets/d/{REVIEW}/edit#gid=1786351245"
            )),
            json!("GRID")
        )
    );
    assert_eq!(req(&f, 0).query_param("ranges").as_deref(), Some("Leavers"));
}
