//! The fake Okta user writes (create, update, lifecycle, delete) and the System Log.

use crate::common;

use common::{assert_error_shape, send};
use flow_testkit::{FakeOkta, NewGroup, NewUser, UserStatus};
use reqwest::Method;
use serde_json::{Value, json};

fn profile(login: &str) -> Value {
    json!({ "login": login, "email": login, "firstName": "Dana", "lastName": "Scully" })
}

#[tokio::test]
async fn create_user_with_and_without_activation() {
    let okta = FakeOkta::start().await.unwrap();
    let group = okta.add_group("New hires").unwrap();
    let active = send(
        &okta,
        Method::POST,
        "/api/v1/users?activate=true",
        Some(json!({
            "profile": profile("dana@x.com"),
            "credentials": { "password": { "value": "correct horse battery" } },
            "groupIds": [group]
        })),
    )
    .await;
    assert_eq!(active.status, 200, "{}", active.body);
    assert_eq!(active.body["status"], "ACTIVE");
    assert_eq!(active.body["credentials"]["password"], json!({}));
    assert!(!active.body.to_string().contains("correct horse"));
    let id = active.body["id"].as_str().unwrap().to_owned();
    assert_eq!(okta.members_of(&group), vec![id.clone()]);

    let staged = send(
        &okta,
        Method::POST,
        "/api/v1/users?activate=false",
        Some(json!({ "profile": profile("fox@x.com") })),
    )
    .await;
    assert_eq!(staged.body["status"], "STAGED");
    assert_eq!(staged.body["activated"], Value::Null);
    let provisioned = send(
        &okta,
        Method::POST,
        "/api/v1/users",
        Some(json!({ "profile": profile("walter@x.com") })),
    )
    .await;
    assert_eq!(provisioned.body["status"], "PROVISIONED");

    let dup = send(
        &okta,
        Method::POST,
        "/api/v1/users",
        Some(json!({ "profile": profile("DANA@x.com") })),
    )
    .await;
    assert_eq!(dup.status, 400);
    assert_error_shape(&dup.body, "E0000001");
    assert_eq!(dup.body["errorSummary"], "Api validation failed: login");
    let blank = send(
        &okta,
        Method::POST,
        "/api/v1/users",
        Some(json!({ "profile": { "login": "x@x.com", "email": "x@x.com" } })),
    )
    .await;
    assert_eq!(blank.status, 400);
    assert_eq!(
        blank.body["errorCauses"][0]["errorSummary"],
        "firstName: The field cannot be left blank"
    );
}

#[tokio::test]
async fn update_partial_and_full_and_deprovisioned_refusal() {
    let okta = FakeOkta::start().await.unwrap();
    let id = okta
        .seed_user(NewUser::new("kim@x.com").profile("department", "Ops"))
        .unwrap();
    let partial = send(
        &okta,
        Method::POST,
        &format!("/api/v1/users/{id}"),
        Some(json!({ "profile": { "title": "Lead" } })),
    )
    .await;
    assert_eq!(partial.status, 200);
    assert_eq!(partial.body["profile"]["title"], "Lead");
    assert_eq!(partial.body["profile"]["department"], "Ops");

    let full = send(
        &okta,
        Method::PUT,
        &format!("/api/v1/users/{id}"),
        Some(json!({ "profile": profile("kim@x.com") })),
    )
    .await;
    assert_eq!(full.status, 200);
    assert_eq!(full.body["profile"].get("department"), None);

    okta.set_status(&id, UserStatus::Deprovisioned);
    let refused = send(
        &okta,
        Method::POST,
        &format!("/api/v1/users/{id}"),
        Some(json!({ "profile": { "title": "x" } })),
    )
    .await;
    assert_eq!(refused.status, 403);
    assert_error_shape(&refused.body, "E0000038");
}

#[tokio::test]
async fn password_and_reactivation_lifecycle() {
    let okta = FakeOkta::start().await.unwrap();
    let id = okta.add_user("lee@x.com", UserStatus::Active);
    let op = |name: &str, query: &str| format!("/api/v1/users/{id}/lifecycle/{name}{query}");

    let reset = send(
        &okta,
        Method::POST,
        &op("reset_password", "?sendEmail=false"),
        None,
    )
    .await;
    assert_eq!(reset.status, 200);
    assert!(
        reset.body["resetPasswordUrl"]
            .as_str()
            .unwrap()
            .contains("/reset_password/")
    );
    assert_eq!(okta.status_of(&id), Some(UserStatus::Recovery));

    let expired = send(&okta, Method::POST, &op("expire_password", ""), None).await;
    assert_eq!(expired.status, 200);
    assert_eq!(expired.body["status"], "PASSWORD_EXPIRED");
    let temp = send(
        &okta,
        Method::POST,
        &op("expire_password", "?tempPassword=true"),
        None,
    )
    .await;
    assert!(temp.body["tempPassword"].is_string());

    let not_now = send(&okta, Method::POST, &op("reactivate", ""), None).await;
    assert_eq!(not_now.status, 403);
    assert_error_shape(&not_now.body, "E0000038");

    okta.set_status(&id, UserStatus::Provisioned);
    let again = send(
        &okta,
        Method::POST,
        &op("reactivate", "?sendEmail=false"),
        None,
    )
    .await;
    assert_eq!(again.status, 200);
    assert!(again.body["activationToken"].is_string());

    okta.set_status(&id, UserStatus::Suspended);
    let suspended = send(&okta, Method::POST, &op("reset_password", ""), None).await;
    assert_eq!(suspended.status, 403);
}

#[tokio::test]
async fn delete_deactivates_first_then_deletes() {
    let okta = FakeOkta::start().await.unwrap();
    let id = okta.add_user("gone@x.com", UserStatus::Active);
    let group = okta.seed_group(NewGroup::new("G").member(&id)).unwrap();
    let path = format!("/api/v1/users/{id}");
    assert_eq!(send(&okta, Method::DELETE, &path, None).await.status, 204);
    assert_eq!(okta.status_of(&id), Some(UserStatus::Deprovisioned));
    assert_eq!(okta.members_of(&group), vec![id.clone()]);
    assert_eq!(send(&okta, Method::DELETE, &path, None).await.status, 204);
    assert_eq!(okta.status_of(&id), None);
    assert!(okta.members_of(&group).is_empty());
    let third = send(&okta, Method::DELETE, &path, None).await;
    assert_eq!(third.status, 404);
}

#[tokio::test]
async fn seeded_user_has_status_profile_and_last_login() {
    let okta = FakeOkta::start().await.unwrap();
    let id = okta
        .seed_user(
            NewUser::new("old@x.com")
                .status(UserStatus::Suspended)
                .profile("department", "Finance")
                .last_login("2025-01-02T03:04:05.678Z"),
        )
        .unwrap();
    let user = okta.user_json(&id).unwrap();
    assert_eq!(user["status"], "SUSPENDED");
    assert_eq!(user["profile"]["department"], "Finance");
    assert_eq!(user["lastLogin"], "2025-01-02T03:04:05.678Z");
    assert!(okta.seed_user(NewUser::new("OLD@x.com")).is_err());
    assert!(
        okta.seed_user(NewUser::new("y@x.com").last_login("yesterday"))
            .is_err()
    );
}

#[tokio::test]
async fn system_log_time_window_filter_q_and_paging() {
    let okta = FakeOkta::start().await.unwrap();
    for (i, kind) in [
        "user.session.start",
        "user.session.start",
        "user.lifecycle.suspend",
    ]
    .iter()
    .enumerate()
    {
        okta.add_log_event(json!({
            "eventType": kind,
            "published": format!("2026-11-0{}T10:00:00.000Z", i + 1),
            "actor": { "id": "00uA", "type": "User", "alternateId": "alice@x.com", "displayName": "Alice" },
            "target": [{ "id": format!("00uT{i}"), "type": "User" }]
        }))
        .unwrap();
    }
    let window = "since=2026-11-01T00:00:00Z&until=2026-11-30T00:00:00Z";
    let all = send(&okta, Method::GET, &format!("/api/v1/logs?{window}"), None).await;
    assert_eq!(all.status, 200);
    assert_eq!(all.body.as_array().unwrap().len(), 3);
    assert_eq!(all.body[0]["published"], "2026-11-01T10:00:00.000Z");
    assert_eq!(all.body[0]["outcome"]["result"], "SUCCESS");
    assert_eq!(all.next(), None, "a bounded request ends");

    let filtered = send(
        &okta,
        Method::GET,
        &format!("/api/v1/logs?{window}&filter=eventType%20eq%20%22user.session.start%22%20and%20target.id%20eq%20%2200uT1%22"),
        None,
    )
    .await;
    assert_eq!(filtered.body.as_array().unwrap().len(), 1);
    let q = send(
        &okta,
        Method::GET,
        &format!("/api/v1/logs?{window}&q=suspend%20alice"),
        None,
    )
    .await;
    assert_eq!(q.body.as_array().unwrap().len(), 1);
    let bad = send(
        &okta,
        Method::GET,
        "/api/v1/logs?filter=eventType%20zz%20%22x%22",
        None,
    )
    .await;
    assert_eq!(bad.status, 400);
    assert_error_shape(&bad.body, "E0000031");
    let bad_time = send(&okta, Method::GET, "/api/v1/logs?since=yesterday", None).await;
    assert_eq!(bad_time.status, 400);

    let (uuids, pages) = {
        let mut seen = Vec::new();
        let mut pages = 0;
        let mut target = format!("/api/v1/logs?{window}&limit=2");
        loop {
            let page = send(&okta, Method::GET, &target, None).await;
            pages += 1;
            seen.extend(
                page.body
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e["uuid"].clone()),
            );
            match page.next() {
                Some(n) => target = n,
                None => break,
            }
        }
        (seen, pages)
    };
    assert_eq!((uuids.len(), pages), (3, 2));

    // A polling request (no until) always links onwards, even past the last event.
    let poll = send(
        &okta,
        Method::GET,
        "/api/v1/logs?since=2026-11-01T00:00:00Z",
        None,
    )
    .await;
    let next = poll.next().expect("polling answers link onwards");
    let empty = send(&okta, Method::GET, &next, None).await;
    assert_eq!(empty.body, json!([]));
    assert!(empty.next().is_some());
}

#[tokio::test]
async fn changes_are_logged() {
    let okta = FakeOkta::start().await.unwrap();
    let id = okta.add_user("sam@x.com", UserStatus::Active);
    send(
        &okta,
        Method::POST,
        &format!("/api/v1/users/{id}/lifecycle/suspend"),
        None,
    )
    .await;
    let events = okta.log_events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["eventType"], "user.lifecycle.suspend");
    assert_eq!(events[0]["target"][0]["id"], id.as_str());
    assert_eq!(events[0]["target"][0]["alternateId"], "sam@x.com");
    let logged = send(
        &okta,
        Method::GET,
        "/api/v1/logs?filter=eventType%20eq%20%22user.lifecycle.suspend%22&since=2000-01-01T00:00:00Z&until=2100-01-01T00:00:00Z",
        None,
    )
    .await;
    assert_eq!(logged.body.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn import_session_upserts_and_deletes_on_start() {
    let okta = FakeOkta::start().await.unwrap();
    let source = okta.add_app("HR Source").unwrap();
    let existing = okta.add_user("old@x.com", UserStatus::Active);
    let base = format!("/api/v1/identity-sources/{source}/sessions");
    let created = send(&okta, Method::POST, &base, None).await;
    assert_eq!(created.status, 200);
    assert_eq!(created.body["status"], "CREATED");
    assert_eq!(created.body["importType"], "INCREMENTAL");
    let sid = created.body["id"].as_str().unwrap().to_owned();
    let listed = send(&okta, Method::GET, &base, None).await;
    assert_eq!(listed.ids(), vec![sid.clone()]);

    let upsert = send(
        &okta,
        Method::POST,
        &format!("{base}/{sid}/bulk-upsert"),
        Some(json!({ "entityType": "USERS", "profiles": [
            { "externalId": "E1", "profile": { "userName": "new@x.com", "email": "new@x.com", "firstName": "New", "lastName": "Hire" } },
            { "externalId": "E2", "profile": { "userName": "old@x.com", "department": "HR" } }
        ] })),
    )
    .await;
    assert_eq!(upsert.status, 202);
    let delete = send(
        &okta,
        Method::POST,
        &format!("{base}/{sid}/bulk-delete"),
        Some(json!({ "entityType": "USERS", "profiles": [{ "externalId": "E2" }] })),
    )
    .await;
    assert_eq!(delete.status, 202);
    assert_eq!(
        okta.status_of("new@x.com"),
        None,
        "nothing happens before start"
    );

    let started = send(&okta, Method::POST, &format!("{base}/{sid}/start"), None).await;
    assert_eq!(started.body["status"], "TRIGGERED");
    assert_eq!(okta.status_of("new@x.com"), Some(UserStatus::Active));
    assert_eq!(okta.status_of(&existing), Some(UserStatus::Deprovisioned));
    assert_eq!(
        okta.user_json(&existing).unwrap()["profile"]["department"],
        "HR"
    );
    let read = send(&okta, Method::GET, &format!("{base}/{sid}"), None).await;
    assert_eq!(read.body["status"], "COMPLETED");
    assert_eq!(send(&okta, Method::GET, &base, None).await.body, json!([]));
    let late = send(&okta, Method::POST, &format!("{base}/{sid}/start"), None).await;
    assert_eq!(late.status, 400);

    let other = send(&okta, Method::POST, &base, None).await;
    let other = other.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        send(&okta, Method::DELETE, &format!("{base}/{other}"), None)
            .await
            .status,
        204
    );
    let unknown = send(
        &okta,
        Method::POST,
        "/api/v1/identity-sources/0oaNOPE/sessions",
        None,
    )
    .await;
    assert_eq!(unknown.status, 404);
}
