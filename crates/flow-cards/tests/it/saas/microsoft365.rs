//! `microsoft365.*` against Graph's recorded shapes.

use super::*;

const CONN: &str = "{ kind: microsoft365, base_url: \"${env:BASE}\", token: \"${env:SECRET}\" }";
const ALICE: &str = "/v1.0/users/alice%40contoso.com";
const GROUP: &str = "/v1.0/groups/02bd9fd6-8f93-4758-87c3-1fb73740a315/members";

async fn graph() -> RecordedFake {
    fake("microsoft365", "authorization", &bearer()).await
}

#[tokio::test]
async fn read_user_selects_properties_and_types_the_output() {
    let f = graph().await;
    let r = ok(&f, "", CONN, "  - { id: u, card: microsoft365.read_user, with: { connection: c, user: alice@contoso.com, select: \"id,displayName,accountEnabled\" } }\n").await;
    assert_eq!(out(&r, "u")["displayName"], "Alice Example");
    assert_eq!(out(&r, "u")["accountEnabled"], true);
    let q = req(&f, 0);
    assert_eq!((q.method.as_str(), q.path.as_str()), ("GET", ALICE));
    assert_eq!(
        q.query_param("$select").as_deref(),
        Some("id,displayName,accountEnabled")
    );
    assert_eq!(q.header("authorization"), Some(bearer().as_str()));
}

#[tokio::test]
async fn an_unknown_user_is_not_found_with_graphs_code_and_message() {
    let f = graph().await;
    let r = run(&f, "", CONN, "  - { id: u, card: microsoft365.read_user, with: { connection: c, user: nobody@contoso.com } }\n").await;
    let e = err(&r, "u");
    assert_eq!(e["kind"], "not_found");
    assert_eq!(e["code"], "Request_ResourceNotFound");
    assert!(
        e["message"].as_str().unwrap().contains("does not exist"),
        "{e}"
    );
    // No `select`: the properties Okta's Read User gives, the license ones among them.
    let select = req(&f, 0).query_param("$select").unwrap_or_default();
    for p in [
        "accountEnabled",
        "userType",
        "licenseAssignmentStates",
        "assignedLicenses",
    ] {
        assert!(select.split(',').any(|s| s == p), "{select}");
    }
}

#[tokio::test]
async fn disable_enable_and_update_patch_the_user() {
    let f = graph().await;
    let steps = "  - { id: d, card: microsoft365.disable_user, with: { connection: c, user: alice@contoso.com } }
  - { id: e, card: microsoft365.enable_user, with: { connection: c, user: alice@contoso.com } }
  - { id: p, card: microsoft365.update_user, with: { connection: c, user: alice@contoso.com, properties: { jobTitle: Engineer } } }
";
    let r = ok(&f, "", CONN, steps).await;
    for (i, (id, want)) in [
        ("d", json!({ "accountEnabled": false })),
        ("e", json!({ "accountEnabled": true })),
        ("p", json!({ "jobTitle": "Engineer" })),
    ]
    .into_iter()
    .enumerate()
    {
        assert_eq!(out(&r, id), json!(204));
        let q = req(&f, i);
        assert_req(&q, "PATCH", ALICE, None);
        assert_eq!(body(&q), want);
    }
}

#[tokio::test]
async fn revoke_sessions_and_get_manager() {
    let f = graph().await;
    let steps = "  - { id: rv, card: microsoft365.revoke_sign_in_sessions, with: { connection: c, user: alice@contoso.com } }
  - { id: m, card: microsoft365.get_manager, with: { connection: c, user: alice@contoso.com } }
";
    let r = ok(&f, "", CONN, steps).await;
    assert_eq!(out(&r, "rv"), json!(true));
    assert_req(
        &req(&f, 0),
        "POST",
        &format!("{ALICE}/revokeSignInSessions"),
        None,
    );
    assert_eq!(out(&r, "m")["userPrincipalName"], "bob@contoso.com");
    assert_req(&req(&f, 1), "GET", &format!("{ALICE}/manager"), None);
}

#[tokio::test]
async fn group_membership_by_ref() {
    let f = graph().await;
    let steps = "  - { id: add, card: microsoft365.add_user_to_group, with: { connection: c, group: 02bd9fd6-8f93-4758-87c3-1fb73740a315, user_id: 87d349ed-44d7-43e1-9a83-5f2406dee5bd } }
  - { id: rm, card: microsoft365.remove_user_from_group, with: { connection: c, group: 02bd9fd6-8f93-4758-87c3-1fb73740a315, user_id: 87d349ed-44d7-43e1-9a83-5f2406dee5bd } }
  - { id: ls, card: microsoft365.list_group_members, with: { connection: c, group: 02bd9fd6-8f93-4758-87c3-1fb73740a315, top: 999 } }
";
    let r = ok(&f, "", CONN, steps).await;
    assert_eq!((out(&r, "add"), out(&r, "rm")), (json!(204), json!(204)));
    let add = req(&f, 0);
    assert_req(&add, "POST", &format!("{GROUP}/$ref"), None);
    assert_eq!(
        body(&add),
        json!({ "@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/87d349ed-44d7-43e1-9a83-5f2406dee5bd" })
    );
    assert_req(
        &req(&f, 1),
        "DELETE",
        &format!("{GROUP}/87d349ed-44d7-43e1-9a83-5f2406dee5bd/$ref"),
        None,
    );
    // Three pages, each after the one before's @odata.nextLink (an absolute URL on Graph).
    let members = out(&r, "ls");
    let upns: Vec<&str> = members
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["userPrincipalName"].as_str().unwrap())
        .collect();
    assert_eq!(
        upns,
        ["alice@contoso.com", "bob@contoso.com", "carol@contoso.com"]
    );
    assert_eq!(req(&f, 2).query_param("$top").as_deref(), Some("999"));
    assert_eq!(
        req(&f, 3).query_param("$skiptoken").as_deref(),
        Some("RFNwdAIAAQAAAD8")
    );
    assert_eq!(
        req(&f, 4).query_param("$skiptoken").as_deref(),
        Some("RFNwdAIAAQAAAD9")
    );
    assert_eq!(req(&f, 4).header("authorization"), Some(bearer().as_str()));
    assert_eq!(f.requests().len(), 5);
}

#[tokio::test]
async fn a_next_link_off_graphs_host_is_refused() {
    let f = graph().await;
    let r = run(&f, "", CONN, "  - { id: ls, card: microsoft365.list_group_members, with: { connection: c, group: 0badc0de-0000-4000-8000-000000000000 } }\n").await;
    let e = err(&r, "ls");
    assert_eq!(
        (e["kind"].as_str(), e["code"].as_str()),
        (Some("remote"), Some("next_page_off_host"))
    );
    assert!(
        e["message"].as_str().unwrap().contains("169.254.169.254"),
        "{e}"
    );
    // The first page only: the link was not followed.
    assert_eq!(f.requests().len(), 1);
}

#[tokio::test]
async fn adding_a_member_twice_is_graphs_400() {
    let f = graph().await;
    let r = run(&f, "", CONN, "  - { id: add, card: microsoft365.add_user_to_group, with: { connection: c, group: 02bd9fd6-8f93-4758-87c3-1fb73740a315, user_id: 00000000-0000-0000-0000-000000000001 } }\n").await;
    let e = err(&r, "add");
    assert_eq!(
        (e["status"].as_u64(), e["code"].as_str()),
        (Some(400), Some("Request_BadRequest"))
    );
    assert!(
        e["message"].as_str().unwrap().contains("already exist"),
        "{e}"
    );
}

#[tokio::test]
async fn send_mail_builds_the_message() {
    let f = graph().await;
    let r = ok(&f, "", CONN, "  - { id: m, card: microsoft365.send_mail, with: { connection: c, from: alice@contoso.com, to: bob@contoso.com, subject: Your account, body: Hello } }\n").await;
    assert_eq!(out(&r, "m"), json!(202));
    let q = req(&f, 0);
    assert_req(&q, "POST", &format!("{ALICE}/sendMail"), None);
    assert_eq!(
        body(&q),
        json!({
            "message": {
                "subject": "Your account",
                "body": { "contentType": "Text", "content": "Hello" },
                "toRecipients": [{ "emailAddress": { "address": "bob@contoso.com" } }],
                "ccRecipients": [],
                "bccRecipients": []
            },
            "saveToSentItems": true
        })
    );
}

#[tokio::test]
async fn send_mail_takes_lists_and_sends_from_the_connections_mailbox() {
    let f = graph().await;
    let conn = "{ kind: microsoft365, base_url: \"${env:BASE}\", token: \"${env:SECRET}\", mailbox: ops@contoso.com }";
    let steps = "  - { id: m, card: microsoft365.send_mail, with: { connection: c, to: [bob@contoso.com, eve@contoso.com], cc: \"carol@contoso.com\", bcc: [], subject: Access removed, body: \"<p>Hi</p>\", message_type: HTML } }\n";
    let r = ok(&f, "", conn, steps).await;
    assert_eq!(out(&r, "m"), json!(202));
    let q = req(&f, 0);
    assert_req(&q, "POST", "/v1.0/users/ops%40contoso.com/sendMail", None);
    assert_eq!(q.header("authorization"), Some(bearer().as_str()));
    let message = &body(&q)["message"];
    assert_eq!(
        message["body"],
        json!({ "contentType": "HTML", "content": "<p>Hi</p>" })
    );
    assert_eq!(
        message["toRecipients"],
        json!([
            { "emailAddress": { "address": "bob@contoso.com" } },
            { "emailAddress": { "address": "eve@contoso.com" } }
        ])
    );
    assert_eq!(
        message["ccRecipients"],
        json!([{ "emailAddress": { "address": "carol@contoso.com" } }])
    );
    assert_eq!(message["bccRecipients"], json!([]));
}

#[tokio::test]
async fn send_mail_without_any_mailbox_fails_before_sending() {
    let f = graph().await;
    let r = run(&f, "", CONN, "  - { id: m, card: microsoft365.send_mail, with: { connection: c, to: bob@contoso.com, subject: Hi } }\n").await;
    let e = err(&r, "m");
    assert_eq!(e["kind"], "input");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("no mailbox to send from"),
        "{e}"
    );
    assert!(f.requests().is_empty(), "nothing is sent");
}

#[tokio::test]
async fn send_mail_from_an_unknown_mailbox_is_graphs_404() {
    let f = graph().await;
    let r = run(&f, "", CONN, "  - { id: m, card: microsoft365.send_mail, with: { connection: c, from: nobody@contoso.com, to: bob@contoso.com, subject: Hi } }\n").await;
    let e = err(&r, "m");
    assert_eq!(
        (e["kind"].as_str(), e["code"].as_str()),
        (Some("not_found"), Some("ErrorInvalidUser"))
    );
}

#[tokio::test]
async fn licenses_are_listed_assigned_and_removed() {
    let f = graph().await;
    let steps = "  - { id: ls, card: microsoft365.get_licenses, with: { connection: c } }
  - { id: add, card: microsoft365.assign_license, with: { connection: c, user: alice@contoso.com, sku_id: \"{{ ls.0.skuId }}\" } }
  - { id: rm, card: microsoft365.remove_license, with: { connection: c, user: alice@contoso.com, sku_id: c7df2760-2c81-4ef7-b578-5b5392b571df } }
";
    let r = ok(&f, "", CONN, steps).await;
    let skus = out(&r, "ls");
    assert_eq!(skus.as_array().map(Vec::len), Some(2));
    assert_eq!(skus[0]["skuPartNumber"], "ENTERPRISEPREMIUM");
    assert_req(&req(&f, 0), "GET", "/v1.0/subscribedSkus", None);
    assert_eq!(
        out(&r, "add")["assignedLicenses"][0]["skuId"],
        "c7df2760-2c81-4ef7-b578-5b5392b571df"
    );
    let add = req(&f, 1);
    assert_req(&add, "POST", &format!("{ALICE}/assignLicense"), None);
    assert_eq!(
        body(&add),
        json!({ "addLicenses": [{ "skuId": "c7df2760-2c81-4ef7-b578-5b5392b571df" }], "removeLicenses": [] })
    );
    assert_eq!(out(&r, "rm")["assignedLicenses"], json!([]));
    assert_eq!(
        body(&req(&f, 2)),
        json!({ "addLicenses": [], "removeLicenses": ["c7df2760-2c81-4ef7-b578-5b5392b571df"] })
    );
}

#[tokio::test]
async fn a_guest_invitation_gives_the_new_users_id() {
    let f = graph().await;
    let r = ok(&f, "", CONN, "  - { id: g, card: microsoft365.create_guest_user, with: { connection: c, invited_user_email_address: admin@fabrikam.com, invite_redirect_url: \"http://www.office.com\", invited_user_display_name: Fabrikam Admin, send_invitation_message: false, invited_user_type: Guest } }\n").await;
    let g = out(&r, "g");
    assert_eq!(g["invitedUser"], "243b1de4-ad9f-421c-a933-d55305fb165d");
    assert_eq!(g["status"], "PendingAcceptance");
    let q = req(&f, 0);
    assert_req(&q, "POST", "/v1.0/invitations", None);
    assert_eq!(
        body(&q),
        json!({
            "invitedUserEmailAddress": "admin@fabrikam.com",
            "invitedUserDisplayName": "Fabrikam Admin",
            "inviteRedirectUrl": "http://www.office.com",
            "sendInvitationMessage": false,
            "invitedUserType": "Guest",
            "invitedUserMessageInfo": {}
        })
    );
}

#[tokio::test]
async fn a_wrong_token_is_refused() {
    let f = fake("microsoft365", "authorization", "Bearer another").await;
    let r = run(&f, "", CONN, "  - { id: u, card: microsoft365.get_manager, with: { connection: c, user: alice@contoso.com } }\n").await;
    assert_eq!(err(&r, "u")["status"], 401);
}

#[tokio::test]
async fn app_credentials_get_a_token_from_the_tenant_and_send_it() {
    let oauth = flow_testkit::fake::FakeOAuth::start().await.unwrap();
    oauth.add_secret_client("graph-app", SECRET);
    oauth.set_fixed_access_token(Some("graph-access-token"));
    let f = fake("microsoft365", "authorization", "Bearer graph-access-token").await;
    let conn = format!(
        "{{ kind: microsoft365, base_url: \"${{env:BASE}}\", login_url: \"{}\", tenant_id: contoso.onmicrosoft.com, client_id: graph-app, client_secret: \"${{env:SECRET}}\" }}",
        oauth.base_url()
    );
    let steps = "  - { id: a, card: microsoft365.get_manager, with: { connection: c, user: alice@contoso.com } }
  - { id: b, card: microsoft365.revoke_sign_in_sessions, with: { connection: c, user: alice@contoso.com } }
";
    let r = ok(&f, "", &conn, steps).await;
    assert_eq!(out(&r, "a")["displayName"], "Bob Manager");
    assert_eq!(out(&r, "b"), json!(true));
    assert_eq!(oauth.issued().len(), 1, "one token for both calls");
    assert!(
        !serde_json::to_string(&r)
            .unwrap()
            .contains("graph-access-token")
    );
}
