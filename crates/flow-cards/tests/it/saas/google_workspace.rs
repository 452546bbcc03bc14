//! `google_workspace.*` against its recorded shapes.

use super::*;

const CONN: &str =
    "{ kind: google_workspace, base_url: \"${env:BASE}\", token: \"${env:SECRET}\" }";
const LIZ: &str = "/admin/directory/v1/users/liz%40example.com";

async fn google() -> RecordedFake {
    fake("google_workspace", "authorization", &bearer()).await
}

#[tokio::test]
async fn read_suspend_unsuspend_and_update() {
    let f = google().await;
    let steps = "  - { id: get, card: google_workspace.read_user, with: { connection: c, user_id: liz@example.com } }
  - { id: sus, card: google_workspace.suspend_user, with: { connection: c, user: liz@example.com } }
  - { id: uns, card: google_workspace.unsuspend_user, with: { connection: c, user: liz@example.com } }
  - { id: upd, card: google_workspace.update_user, with: { connection: c, user: liz@example.com, fields: { orgUnitPath: /Leavers } } }
";
    let r = ok(&f, "", CONN, steps).await;
    assert_eq!(out(&r, "get")["name"]["fullName"], "Liz Smith");
    assert_req(&req(&f, 0), "GET", LIZ, None);
    assert_eq!(out(&r, "sus")["suspended"], true);
    assert_req(&req(&f, 1), "PUT", LIZ, None);
    assert_eq!(body(&req(&f, 1)), json!({ "suspended": true }));
    assert_eq!(body(&req(&f, 2)), json!({ "suspended": false }));
    assert_eq!(out(&r, "upd")["orgUnitPath"], "/Leavers");
    assert_eq!(body(&req(&f, 3)), json!({ "orgUnitPath": "/Leavers" }));
}

#[tokio::test]
async fn an_unknown_user_is_not_found_with_googles_status() {
    let f = google().await;
    let r = run(&f, "", CONN, "  - { id: get, card: google_workspace.read_user, with: { connection: c, user_id: nobody@example.com } }\n").await;
    let e = err(&r, "get");
    assert_eq!(
        (e["kind"].as_str(), e["code"].as_str()),
        (Some("not_found"), Some("NOT_FOUND"))
    );
}

#[tokio::test]
async fn list_users_follows_page_tokens() {
    let f = google().await;
    let r = ok(
        &f,
        "",
        CONN,
        "  - { id: ls, card: google_workspace.list_users, with: { connection: c } }\n",
    )
    .await;
    let users = out(&r, "ls");
    let emails: Vec<&str> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["primaryEmail"].as_str().unwrap())
        .collect();
    assert_eq!(emails, ["liz@example.com", "sam@example.com"]);
    let first = req(&f, 0);
    assert_eq!(
        first.query_param("customer").as_deref(),
        Some("my_customer")
    );
    assert_eq!(first.query_param("maxResults").as_deref(), Some("500"));
    assert_eq!(
        first.query_param("query"),
        None,
        "an absent query is left out"
    );
    assert_eq!(
        req(&f, 1).query_param("pageToken").as_deref(),
        Some("Q0FFU0FnZ0M")
    );
}

#[tokio::test]
async fn group_members_insert_delete_and_an_existing_member_counts_as_success() {
    let f = google().await;
    let steps = "  - { id: add, card: google_workspace.add_user_to_group, with: { connection: c, group: sales@example.com, email: liz@example.com } }
  - { id: again, card: google_workspace.add_user_to_group, with: { connection: c, group: sales@example.com, email: sam@example.com } }
  - { id: rm, card: google_workspace.remove_user_from_group, with: { connection: c, group: sales@example.com, member: liz@example.com } }
";
    let r = ok(&f, "", CONN, steps).await;
    assert_eq!(out(&r, "add")["status"], "ACTIVE");
    assert_req(
        &req(&f, 0),
        "POST",
        "/admin/directory/v1/groups/sales%40example.com/members",
        None,
    );
    assert_eq!(
        body(&req(&f, 0)),
        json!({ "email": "liz@example.com", "role": "MEMBER" })
    );
    assert_eq!(f.hits("add existing member"), 1);
    assert_eq!(out(&r, "rm"), json!(204));
    assert_req(
        &req(&f, 2),
        "DELETE",
        "/admin/directory/v1/groups/sales%40example.com/members/liz%40example.com",
        None,
    );
}

#[tokio::test]
async fn send_email_posts_a_base64url_rfc2822_message_to_gmail() {
    use base64::Engine as _;
    let f = google().await;
    // `gmail_url` points at the same fake (Gmail and the Admin SDK are separate hosts).
    let conn = "{ kind: google_workspace, base_url: \"${env:BASE}\", gmail_url: \"${env:BASE}\", token: \"${env:SECRET}\" }";
    let r = ok(&f, "", conn, "  - { id: m, card: google_workspace.send_email, with: { connection: c, to: bob@example.com, subject: Zugang entfernt für Bob, body: Hallo Bob } }\n").await;
    assert_eq!(out(&r, "m")["labelIds"], json!(["SENT"]));
    let q = req(&f, 0);
    assert_req(&q, "POST", "/gmail/v1/users/me/messages/send", None);
    assert_eq!(q.header("authorization"), Some(bearer().as_str()));
    let raw = body(&q)["raw"].as_str().unwrap().to_string();
    let message = String::from_utf8(
        base64::engine::general_purpose::URL_SAFE
            .decode(raw)
            .unwrap(),
    )
    .unwrap();
    let (head, text) = message.split_once("\r\n\r\n").unwrap();
    assert!(
        head.starts_with("To: bob@example.com\r\nSubject: =?UTF-8?B?"),
        "{head}"
    );
    assert!(
        head.contains("Content-Type: text/plain; charset=UTF-8"),
        "{head}"
    );
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(text.trim_end())
        .unwrap();
    assert_eq!(decoded, b"Hallo Bob");
}

#[tokio::test]
async fn offboarding_reads_and_deletes_app_passwords_tokens_and_devices() {
    let f = google().await;
    let steps = "  - { id: asps, card: google_workspace.read_user_asps, with: { connection: c, user_id: liz@example.com } }
  - { id: del_asp, card: google_workspace.delete_user_asp, with: { connection: c, user_id: liz@example.com, code_id: \"{{ asps.0.codeId }}\" } }
  - { id: tokens, card: google_workspace.read_user_access_tokens, with: { connection: c, user_id: liz@example.com } }
  - { id: del_token, card: google_workspace.delete_user_access_token, with: { connection: c, user_id: liz@example.com, client_id: \"{{ tokens.0.clientId }}\" } }
  - { id: devices, card: google_workspace.read_user_mobile_devices, with: { connection: c, email: liz@example.com } }
  - { id: del_device, card: google_workspace.delete_mobile_device, with: { connection: c, resource_id: \"{{ devices.0.resourceId }}\" } }
  - { id: off, card: google_workspace.deactivate_user, with: { connection: c, user: liz@example.com } }
";
    let r = ok(&f, "", CONN, steps).await;
    let codes: Vec<u64> = out(&r, "asps")
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["codeId"].as_u64().unwrap())
        .collect();
    assert_eq!(codes, [7, 9]);
    assert_req(&req(&f, 0), "GET", &format!("{LIZ}/asps"), None);
    assert_req(&req(&f, 1), "DELETE", &format!("{LIZ}/asps/7"), None);
    assert_eq!(out(&r, "del_asp"), json!(204));
    assert_eq!(out(&r, "tokens")[0]["displayText"], "Example App");
    assert_req(
        &req(&f, 3),
        "DELETE",
        &format!("{LIZ}/tokens/1234567890.apps.googleusercontent.com"),
        None,
    );
    // Two pages of devices, the second after the first's nextPageToken.
    let devices = out(&r, "devices");
    let models: Vec<&str> = devices
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["model"].as_str().unwrap())
        .collect();
    assert_eq!(models, ["Pixel 8", "iPhone 15"]);
    let first = req(&f, 4);
    assert_eq!(
        first.query_param("query").as_deref(),
        Some("email:liz@example.com")
    );
    assert_eq!(
        req(&f, 5).query_param("pageToken").as_deref(),
        Some("Q0FFU0FnZ0Q")
    );
    assert_req(
        &req(&f, 6),
        "DELETE",
        "/admin/directory/v1/customer/my_customer/devices/mobile/AFiQxQ8Qd0",
        None,
    );
    assert_eq!(out(&r, "off"), json!(200));
    assert_req(&req(&f, 7), "PUT", LIZ, None);
    assert_eq!(body(&req(&f, 7)), json!({ "suspended": true }));
}

#[tokio::test]
async fn licenses_are_read_for_one_user_assigned_and_removed_on_the_license_managers_host() {
    let f = google().await;
    // `licensing_url` points at the same fake (the License Manager is a separate host).
    let conn = "{ kind: google_workspace, base_url: \"${env:BASE}\", licensing_url: \"${env:BASE}\", token: \"${env:SECRET}\" }";
    let steps = "  - { id: ls, card: google_workspace.read_user_licenses, with: { connection: c, user_id: liz@example.com } }
  - { id: add, card: google_workspace.assign_license, with: { connection: c, user_id: liz@example.com, product_id: Google-Apps, sku_id: \"1010020020\" } }
  - { id: rm, card: google_workspace.remove_license, with: { connection: c, user_id: liz@example.com, product_id: Google-Apps, sku_id: \"1010020020\" } }
";
    let r = ok(&f, "", conn, steps).await;
    // Two pages of the account's assignments; only Liz's (compared without case) is kept.
    let licenses = out(&r, "ls");
    assert_eq!(licenses.as_array().map(Vec::len), Some(1), "{licenses}");
    assert_eq!(licenses[0]["skuName"], "Google Workspace Enterprise Plus");
    let first = req(&f, 0);
    assert_req(
        &first,
        "GET",
        "/apps/licensing/v1/product/Google-Apps/users",
        Some("customerId=my_customer&maxResults=1000"),
    );
    assert_eq!(first.header("authorization"), Some(bearer().as_str()));
    assert_eq!(
        req(&f, 1).query_param("pageToken").as_deref(),
        Some("bGljZW5zZXMtcGFnZS0y")
    );
    assert_eq!(out(&r, "add")["userId"], "liz@example.com");
    let add = req(&f, 2);
    assert_req(
        &add,
        "POST",
        "/apps/licensing/v1/product/Google-Apps/sku/1010020020/user",
        None,
    );
    assert_eq!(body(&add), json!({ "userId": "liz@example.com" }));
    assert_eq!(out(&r, "rm"), json!(204));
    assert_req(
        &req(&f, 3),
        "DELETE",
        "/apps/licensing/v1/product/Google-Apps/sku/1010020020/user/liz%40example.com",
        None,
    );
}

#[tokio::test]
async fn removing_a_license_the_user_lacks_is_not_found() {
    let f = google().await;
    let conn = "{ kind: google_workspace, base_url: \"${env:BASE}\", licensing_url: \"${env:BASE}\", token: \"${env:SECRET}\" }";
    let r = run(&f, "", conn, "  - { id: rm, card: google_workspace.remove_license, with: { connection: c, user_id: liz@example.com, product_id: Google-Apps, sku_id: \"1010020026\" } }\n").await;
    let e = err(&r, "rm");
    assert_eq!(
        (e["kind"].as_str(), e["code"].as_str()),
        (Some("not_found"), Some("NOT_FOUND"))
    );
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("does not have a license"),
        "{e}"
    );
}

#[tokio::test]
async fn activate_user_lifts_the_suspension_and_create_group_inserts_a_group() {
    let f = google().await;
    let steps = "  - { id: on, card: google_workspace.activate_user, with: { connection: c, user: liz@example.com } }
  - { id: grp, card: google_workspace.create_group, with: { connection: c, email: sales@example.com, name: Sales } }
";
    let r = ok(&f, "", CONN, steps).await;
    assert_eq!(out(&r, "on"), json!(200));
    assert_req(&req(&f, 0), "PUT", LIZ, None);
    assert_eq!(body(&req(&f, 0)), json!({ "suspended": false }));
    assert_eq!(out(&r, "grp")["id"], "03as4poj1yxfd2k");
    assert_eq!(out(&r, "grp")["adminCreated"], true);
    assert_req(&req(&f, 1), "POST", "/admin/directory/v1/groups", None);
    assert_eq!(
        body(&req(&f, 1)),
        json!({ "email": "sales@example.com", "name": "Sales" }),
        "an absent description is left out"
    );
}

#[tokio::test]
async fn a_calendar_transfer_looks_the_owner_up_and_releases_resources() {
    let f = google().await;
    let r = ok(&f, "", CONN, "  - { id: t, card: google_workspace.create_calendar_transfer_request, with: { connection: c, from_user: liz@example.com, to_user: \"117264380114830095743\" } }\n").await;
    assert_eq!(
        out(&r, "t"),
        json!({
            "transfer_id": "AKrEtIYG88BuI1_5bHQLOuH8Ja-cal",
            "transfer_status": "new",
            "request_time": "2026-01-05T09:00:00.000Z",
            "old_owner_user_id": "100000000000000000001",
            "new_owner_user_id": "117264380114830095743",
            "old_owner_email": "liz@example.com",
            "new_owner_email": null
        })
    );
    assert_req(&req(&f, 0), "GET", LIZ, Some("fields=id%2CprimaryEmail"));
    let sent = req(&f, 1);
    assert_req(&sent, "POST", "/admin/datatransfer/v1/transfers", None);
    assert_eq!(
        body(&sent),
        json!({
            "oldOwnerUserId": "100000000000000000001",
            "newOwnerUserId": "117264380114830095743",
            "applicationDataTransfers": [{ "applicationId": "435070579839", "applicationTransferParams": [{ "key": "RELEASE_RESOURCES", "value": ["TRUE"] }] }]
        })
    );
}
