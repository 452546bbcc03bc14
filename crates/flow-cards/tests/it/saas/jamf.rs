//! `jamf.*` against its recorded shapes.

use super::*;

const CONN: &str = "{ kind: jamf, base_url: \"${env:BASE}\", token: \"${env:SECRET}\" }";
const MGMT: &str = "73226fb6-61df-4c10-9552-eb9bc353d507";

async fn jamf() -> RecordedFake {
    fake("jamf", "authorization", &bearer()).await
}

#[tokio::test]
async fn computers_by_user_filter_and_page() {
    let f = jamf().await;
    let r = ok(&f, "", CONN, "  - { id: ls, card: jamf.list_computers_by_user, with: { connection: c, username: jdoe } }\n").await;
    let list = out(&r, "ls");
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["general"]["managementId"], MGMT);
    let q = req(&f, 0);
    assert_eq!(q.path, "/api/v1/computers-inventory");
    assert_eq!(
        q.query_param("filter").as_deref(),
        Some("userAndLocation.username==\"jdoe\"")
    );
    assert_eq!(q.query_param("page").as_deref(), Some("0"));
    assert_eq!(q.query_param("page-size").as_deref(), Some("100"));
    let sections: Vec<&str> = q
        .query
        .as_deref()
        .unwrap()
        .split('&')
        .filter(|p| p.starts_with("section="))
        .collect();
    assert_eq!(sections, ["section=GENERAL", "section=USER_AND_LOCATION"]);
    // Pages counted from 0: one page holds the total of 1, so page 1 is not asked for.
    assert_eq!(f.requests().len(), 1, "{:?}", f.requests());
}

#[tokio::test]
async fn read_computer_and_an_unknown_one() {
    let f = jamf().await;
    let r = run(
        &f,
        "",
        CONN,
        "  - { id: a, card: jamf.read_computer, with: { connection: c, id: \"1\" } }
  - { id: b, card: jamf.read_computer, with: { connection: c, id: \"999\" } }
",
    )
    .await;
    assert_eq!(out(&r, "a")["hardware"]["serialNumber"], "C02XXXXXXXXX");
    let e = err(&r, "b");
    assert_eq!(
        (e["kind"].as_str(), e["code"].as_str()),
        (Some("not_found"), Some("INVALID_ID"))
    );
    assert!(
        e["message"].as_str().unwrap().contains("was not found"),
        "{e}"
    );
}

#[tokio::test]
async fn lock_and_erase_send_mdm_commands() {
    let f = jamf().await;
    let steps = format!("  - {{ id: lock, card: jamf.lock_device, with: {{ connection: c, management_id: {MGMT}, pin: \"123456\" }} }}
  - {{ id: wipe, card: jamf.wipe_device, with: {{ connection: c, management_id: {MGMT}, pin: \"123456\" }} }}
");
    let r = ok(&f, "", CONN, &steps).await;
    assert_eq!(
        out(&r, "lock")["id"],
        "3a8ad9e4-ef1f-4f1e-9e46-2f4bb5c8f3c1"
    );
    assert_req(&req(&f, 0), "POST", "/api/v2/mdm/commands", None);
    assert_eq!(
        body(&req(&f, 0)),
        json!({ "clientData": [{ "managementId": MGMT }], "commandData": { "commandType": "DEVICE_LOCK", "pin": "123456" } })
    );
    assert_eq!(
        body(&req(&f, 1))["commandData"]["commandType"],
        "ERASE_DEVICE"
    );
    assert_eq!(
        out(&r, "wipe")["id"],
        "5c1d2e3f-aaaa-4bbb-8ccc-1d2e3f4a5b6c"
    );
}

/// Basic credentials are exchanged at `POST /api/v1/auth/token` for the bearer token the API
/// calls carry; two steps share one token (fetched once), which never appears in the record.
#[tokio::test]
async fn basic_credentials_are_exchanged_for_one_cached_bearer_token() {
    let fixtures = Fixture::load_dir(&recorded_dir("jamf")).unwrap();
    let f = RecordedFake::start(fixtures).await.unwrap();
    let conn = "{ kind: jamf, base_url: \"${env:BASE}\", username: api-user, password: \"${env:SECRET}\" }";
    let steps =
        "  - { id: a, card: jamf.list_computers_by_user, with: { connection: c, username: jdoe } }
  - { id: b, card: jamf.read_computer, with: { connection: c, id: \"1\" } }\n";
    let r = ok(&f, "", conn, steps).await;
    assert_eq!(out(&r, "a")[0]["general"]["managementId"], MGMT);
    let seen = f.requests();
    let token_requests: Vec<_> = seen
        .iter()
        .filter(|q| q.path == "/api/v1/auth/token")
        .collect();
    assert_eq!(token_requests.len(), 1, "{seen:?}");
    assert_req(&seen[0], "POST", "/api/v1/auth/token", None);
    use base64::Engine as _;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("api-user:{SECRET}"));
    assert_eq!(
        seen[0].header("authorization"),
        Some(format!("Basic {basic}").as_str())
    );
    let api: Vec<_> = seen.iter().skip(1).collect();
    assert!(api.len() >= 2, "{seen:?}");
    for q in api {
        assert_eq!(
            q.header("authorization"),
            Some("Bearer eyJhbGciOiJIUzI1NiJ9.fake-jamf-bearer"),
            "{q:?}"
        );
    }
    let record = serde_json::to_string(&r).unwrap();
    assert!(!record.contains("fake-jamf-bearer"), "the token leaked");
    assert!(!record.contains(&basic), "the credentials leaked");
}

/// Credentials the token endpoint refuses fail the step `unauthorized`, naming the
/// connection, without calling the API.
#[tokio::test]
async fn refused_basic_credentials_fail_naming_the_connection() {
    let fixtures = Fixture::load_dir(&recorded_dir("jamf")).unwrap();
    // Every request must carry this header: the token request's basic credentials do not.
    let f = RecordedFake::start_with_auth(fixtures, "authorization", "Basic bm9ib2R5Om5vcGU=")
        .await
        .unwrap();
    let conn = "{ kind: jamf, base_url: \"${env:BASE}\", username: api-user, password: \"${env:SECRET}\" }";
    let r = run(
        &f,
        "",
        conn,
        "  - { id: a, card: jamf.read_computer, with: { connection: c, id: \"1\" } }\n",
    )
    .await;
    let e = err(&r, "a");
    assert_eq!(e["kind"], "unauthorized", "{e}");
    let msg = e["message"].as_str().unwrap();
    assert!(
        msg.contains("connection `c`") && msg.contains("401"),
        "{msg}"
    );
    assert_eq!(f.requests().len(), 1, "the API is not called");
}

/// The Classic API's MDM commands: XML bodies with every value escaped, the computer or
/// device by its numeric id; the output is the answer's status (Okta's Status Code).
#[tokio::test]
async fn classic_mdm_commands_send_escaped_xml() {
    let f = jamf().await;
    let steps = "  - { id: mac, card: jamf.send_computer_mdm_command, with: { connection: c, id: 7, command_name: DeviceLock, passcode: \"123456\" } }
  - { id: phone, card: jamf.send_mobile_device_mdm_command, with: { connection: c, id: 12, command_name: DeviceLock, lock_message: \"Call IT <it@acme.com> & say 'hi'\" } }
";
    let r = ok(&f, "", CONN, steps).await;
    assert_eq!((out(&r, "mac"), out(&r, "phone")), (json!(201), json!(201)));
    let mac = req(&f, 0);
    assert_req(
        &mac,
        "POST",
        "/JSSResource/computercommands/command/DeviceLock",
        None,
    );
    assert_eq!(mac.header("content-type"), Some("application/xml"));
    assert_eq!(
        mac.body,
        "<computer_command><general><command>DeviceLock</command><passcode>123456</passcode></general><computers><computer><id>7</id></computer></computers></computer_command>"
    );
    let phone = req(&f, 1);
    assert_req(
        &phone,
        "POST",
        "/JSSResource/mobiledevicecommands/command",
        None,
    );
    assert_eq!(
        phone.body,
        "<mobile_device_command><general><command>DeviceLock</command><lock_message>Call IT &lt;it@acme.com&gt; &amp; say &apos;hi&apos;</lock_message></general><mobile_devices><mobile_device><id>12</id></mobile_device></mobile_devices></mobile_device_command>"
    );
}

/// A command Jamf does not know answers 400 with an HTML page: the step fails with the
/// status and the page's text, and is not retried.
#[tokio::test]
async fn a_classic_command_jamf_refuses_fails_with_its_status() {
    let f = jamf().await;
    let r = run(&f, "", CONN, "  - { id: mac, card: jamf.send_computer_mdm_command, with: { connection: c, id: 7, command_name: LockIt } }\n").await;
    let e = err(&r, "mac");
    assert_eq!(
        (e["kind"].as_str(), e["status"].as_u64()),
        (Some("remote"), Some(400)),
        "{e}"
    );
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("Unable to match computer command LockIt"),
        "{e}"
    );
    assert_eq!(f.requests().len(), 1);
}

#[tokio::test]
async fn classic_computers_and_users_are_read() {
    let f = jamf().await;
    let steps = "  - { id: mac, card: jamf.read_computer_classic, with: { connection: c, read_by: serialnumber, computer: C02XXXXXXXXX } }
  - { id: user, card: jamf.read_user, with: { connection: c, username: jdoe } }
";
    let r = ok(&f, "", CONN, steps).await;
    assert_eq!(out(&r, "mac")["location"]["email_address"], "jdoe@acme.com");
    assert_req(
        &req(&f, 0),
        "GET",
        "/JSSResource/computers/serialnumber/C02XXXXXXXXX",
        None,
    );
    assert_eq!(out(&r, "user")["links"]["computers"][0]["id"], 7);
    assert_eq!(out(&r, "user")["links"]["mobile_devices"][0]["id"], 12);
    let r = run(
        &f,
        "",
        CONN,
        "  - { id: user, card: jamf.read_user, with: { connection: c, username: ghost } }\n",
    )
    .await;
    let e = err(&r, "user");
    assert_eq!(e["kind"], "not_found", "{e}");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .starts_with("Jamf Pro has no user ghost"),
        "{e}"
    );
}

/// The Classic API takes the same bearer token, exchanged from basic credentials.
#[tokio::test]
async fn classic_commands_carry_the_exchanged_bearer_token() {
    let fixtures = Fixture::load_dir(&recorded_dir("jamf")).unwrap();
    let f = RecordedFake::start(fixtures).await.unwrap();
    let conn = "{ kind: jamf, base_url: \"${env:BASE}\", username: api-user, password: \"${env:SECRET}\" }";
    let r = ok(&f, "", conn, "  - { id: mac, card: jamf.send_computer_mdm_command, with: { connection: c, id: 7, command_name: DeviceLock, passcode: \"123456\" } }\n").await;
    assert_eq!(out(&r, "mac"), json!(201));
    let seen = f.requests();
    assert_req(&seen[0], "POST", "/api/v1/auth/token", None);
    assert_eq!(
        seen[1].header("authorization"),
        Some("Bearer eyJhbGciOiJIUzI1NiJ9.fake-jamf-bearer")
    );
}
