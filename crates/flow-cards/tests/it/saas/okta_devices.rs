//! `okta_devices.*` against its recorded shapes.

use super::*;

const CONN: &str = "{ kind: okta_devices, org_url: \"${env:BASE}\", token: \"${env:SECRET}\" }";
const DEVICE: &str = "guo4a5u7YAHhjXrMK0g4";

async fn devices() -> RecordedFake {
    fake("okta_devices", "authorization", &format!("SSWS {SECRET}")).await
}

#[tokio::test]
async fn list_devices_sends_search_and_expand_and_follows_the_link() {
    let f = devices().await;
    let r = ok(
        &f,
        "",
        CONN,
        "  - { id: l, card: okta_devices.list_devices, with: { connection: c, search: 'status eq \"ACTIVE\"', expand: user } }\n",
    )
    .await;
    let all = out(&r, "l");
    let ids: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [DEVICE, "guo8jx5vVoxfvJeLb0w4"]);
    assert_eq!(
        all[1]["_embedded"]["users"][0]["user"]["profile"]["login"],
        "isaac.brock@example.com"
    );
    let first = req(&f, 0);
    assert_eq!(first.path, "/api/v1/devices");
    assert_eq!(
        first.query_param("search").as_deref(),
        Some("status eq \"ACTIVE\"")
    );
    assert_eq!(first.query_param("expand").as_deref(), Some("user"));
    assert_eq!(first.query_param("limit").as_deref(), Some("200"));
    assert_eq!(first.header("accept"), Some("application/json"));
    assert_eq!(req(&f, 1).query_param("after").as_deref(), Some(DEVICE));
    assert_eq!(f.requests().len(), 2);
}

#[tokio::test]
async fn read_a_device_its_users_and_a_users_devices() {
    let f = devices().await;
    let steps = format!(
        "  - {{ id: d, card: okta_devices.read_device, with: {{ connection: c, device: {DEVICE} }} }}
  - {{ id: u, card: okta_devices.list_device_users, with: {{ connection: c, device: {DEVICE} }} }}
  - {{ id: ud, card: okta_devices.list_user_devices, with: {{ connection: c, user: isaac.brock@example.com }} }}
"
    );
    let r = ok(&f, "", CONN, &steps).await;
    assert_eq!(out(&r, "d")["status"], "SUSPENDED");
    assert_eq!(out(&r, "d")["profile"]["serialNumber"], "PF2EBSAH");
    assert_req(
        &req(&f, 0),
        "GET",
        &format!("/api/v1/devices/{DEVICE}"),
        None,
    );
    assert_eq!(out(&r, "u")[0]["user"]["profile"]["firstName"], "Isaac");
    assert_req(
        &req(&f, 1),
        "GET",
        &format!("/api/v1/devices/{DEVICE}/users"),
        None,
    );
    assert_eq!(out(&r, "ud")[0]["device"]["id"], DEVICE);
    assert_req(
        &req(&f, 2),
        "GET",
        "/api/v1/users/isaac.brock%40example.com/devices",
        None,
    );
}

#[tokio::test]
async fn unsuspend_deactivate_then_delete() {
    let f = devices().await;
    let steps = format!(
        "  - {{ id: un, card: okta_devices.unsuspend_device, with: {{ connection: c, device: {DEVICE} }} }}
  - {{ id: de, card: okta_devices.deactivate_device, with: {{ connection: c, device: {DEVICE} }} }}
  - {{ id: rm, card: okta_devices.delete_device, with: {{ connection: c, device: {DEVICE} }} }}
"
    );
    let r = ok(&f, "", CONN, &steps).await;
    for id in ["un", "de", "rm"] {
        assert_eq!(out(&r, id), json!({ "status": 204 }), "{id}");
    }
    let base = format!("/api/v1/devices/{DEVICE}");
    assert_req(
        &req(&f, 0),
        "POST",
        &format!("{base}/lifecycle/unsuspend"),
        None,
    );
    assert_req(
        &req(&f, 1),
        "POST",
        &format!("{base}/lifecycle/deactivate"),
        None,
    );
    assert_req(&req(&f, 2), "DELETE", &base, None);
}

#[tokio::test]
async fn an_unknown_device_is_not_found_and_a_refused_suspend_names_the_cause() {
    let f = devices().await;
    let r = run(&f, "", CONN, "  - { id: d, card: okta_devices.read_device, with: { connection: c, device: guo000000000000000 } }\n").await;
    let e = err(&r, "d");
    assert_eq!(
        (e["kind"].as_str(), e["code"].as_str()),
        (Some("not_found"), Some("E0000007"))
    );
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .starts_with("Okta has no device guo000000000000000"),
        "{e}"
    );
    let r = run(&f, "", CONN, "  - { id: s, card: okta_devices.suspend_device, with: { connection: c, device: guo8jx5vVoxfvJeLb0w4 } }\n").await;
    let e = err(&r, "s");
    assert_eq!(e["kind"], "remote");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("Device is not in ACTIVE status"),
        "{e}"
    );
}

#[tokio::test]
async fn a_wrong_token_is_an_auth_error() {
    let f = devices().await;
    let conn = "{ kind: okta_devices, org_url: \"${env:BASE}\", access_token: \"${env:SECRET}\" }";
    let r = run(&f, "", conn, &format!("  - {{ id: d, card: okta_devices.read_device, with: {{ connection: c, device: {DEVICE} }} }}\n")).await;
    assert_eq!(err(&r, "d")["kind"], "unauthorized");
    assert_eq!(
        req(&f, 0)
            .header("authorization")
            .map(|a| a.starts_with("Bearer ")),
        Some(true)
    );
}
