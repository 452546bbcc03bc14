//! The fake Okta groups and apps: CRUD, search, membership, assignments and paging.

use crate::common;

use common::{assert_error_shape, collect_pages, send};
use flow_testkit::{FakeOkta, NewApp, NewGroup, NewUser, UserStatus};
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn group_create_read_update_delete() {
    let okta = FakeOkta::start().await.unwrap();
    let created = send(
        &okta,
        Method::POST,
        "/api/v1/groups",
        Some(json!({ "profile": { "name": "Finance", "description": "Money people" } })),
    )
    .await;
    assert_eq!(created.status, 200);
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("00g") && id.len() == 20);
    assert_eq!(created.body["type"], "OKTA_GROUP");
    assert_eq!(created.body["objectClass"], json!(["okta:user_group"]));
    assert_eq!(created.body["profile"]["description"], "Money people");
    assert_eq!(
        created.body["_links"]["users"]["href"],
        format!("{}/api/v1/groups/{id}/users", okta.base_url())
    );

    let dup = send(
        &okta,
        Method::POST,
        "/api/v1/groups",
        Some(json!({ "profile": { "name": "Finance" } })),
    )
    .await;
    assert_eq!(dup.status, 400);
    assert_error_shape(&dup.body, "E0000001");
    assert!(
        dup.body["errorCauses"][0]["errorSummary"]
            .as_str()
            .unwrap()
            .contains("already exists")
    );
    let blank = send(
        &okta,
        Method::POST,
        "/api/v1/groups",
        Some(json!({ "profile": {} })),
    )
    .await;
    assert_eq!(blank.status, 400);

    let read = send(&okta, Method::GET, &format!("/api/v1/groups/{id}"), None).await;
    assert_eq!(read.body["profile"]["name"], "Finance");

    let updated = send(
        &okta,
        Method::PUT,
        &format!("/api/v1/groups/{id}"),
        Some(json!({ "profile": { "name": "Finance EU" } })),
    )
    .await;
    assert_eq!(updated.status, 200);
    assert_eq!(updated.body["profile"]["name"], "Finance EU");
    assert_eq!(updated.body["profile"].get("description"), None);

    let deleted = send(&okta, Method::DELETE, &format!("/api/v1/groups/{id}"), None).await;
    assert_eq!(deleted.status, 204);
    assert_eq!(deleted.body, Value::Null);
    let gone = send(&okta, Method::GET, &format!("/api/v1/groups/{id}"), None).await;
    assert_eq!(gone.status, 404);
    assert_error_shape(&gone.body, "E0000007");
    assert_eq!(
        gone.body["errorSummary"],
        format!("Not found: Resource not found: {id} (UserGroup)")
    );
    let kinds: Vec<String> = okta
        .log_events()
        .iter()
        .map(|e| e["eventType"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        kinds,
        [
            "group.lifecycle.create",
            "group.profile.update",
            "group.lifecycle.delete"
        ]
    );
}

#[tokio::test]
async fn group_search_q_filter_and_search() {
    let okta = FakeOkta::start().await.unwrap();
    let eng = okta.add_group("Engineering").unwrap();
    let eng_eu = okta
        .seed_group(NewGroup::new("Engineering EU").description("Berlin"))
        .unwrap();
    let sales = okta.add_group("Sales").unwrap();

    let q = send(&okta, Method::GET, "/api/v1/groups?q=engin", None).await;
    assert_eq!(q.ids(), vec![eng.clone(), eng_eu.clone()]);
    let search = send(
        &okta,
        Method::GET,
        "/api/v1/groups?search=profile.name%20eq%20%22sales%22",
        None,
    )
    .await;
    assert_eq!(search.ids(), vec![sales.clone()]);
    let sw = send(
        &okta,
        Method::GET,
        "/api/v1/groups?search=profile.description%20sw%20%22ber%22",
        None,
    )
    .await;
    assert_eq!(sw.ids(), vec![eng_eu.clone()]);
    let filter = send(
        &okta,
        Method::GET,
        &format!("/api/v1/groups?filter=id%20eq%20%22{sales}%22"),
        None,
    )
    .await;
    assert_eq!(filter.ids(), vec![sales]);
    let bad = send(
        &okta,
        Method::GET,
        "/api/v1/groups?filter=profile.name%20eq%20%22x%22",
        None,
    )
    .await;
    assert_eq!(bad.status, 400);
    assert_error_shape(&bad.body, "E0000001");

    let (all, pages) = collect_pages(&okta, "/api/v1/groups?limit=2").await;
    assert_eq!(all.len(), 3);
    assert_eq!(pages, 2);
}

#[tokio::test]
async fn membership_add_twice_remove_non_member_and_user_groups() {
    let okta = FakeOkta::start().await.unwrap();
    let alice = okta.add_user("alice@x.com", UserStatus::Active);
    let group = okta.add_group("Admins").unwrap();
    let path = format!("/api/v1/groups/{group}/users/{alice}");
    for _ in 0..2 {
        let added = send(&okta, Method::PUT, &path, None).await;
        assert_eq!(added.status, 204);
    }
    assert_eq!(okta.members_of(&group), vec![alice.clone()]);
    let mine = send(
        &okta,
        Method::GET,
        &format!("/api/v1/users/{alice}/groups"),
        None,
    )
    .await;
    assert_eq!(mine.ids(), vec![group.clone()]);
    assert_eq!(mine.body[0]["profile"]["name"], "Admins");

    for _ in 0..2 {
        let removed = send(&okta, Method::DELETE, &path, None).await;
        assert_eq!(removed.status, 204);
    }
    assert!(okta.members_of(&group).is_empty());
    let adds = okta
        .log_events()
        .iter()
        .filter(|e| e["eventType"] == "group.user_membership.add")
        .count();
    assert_eq!(adds, 1, "adding twice is one change");

    let nobody = send(
        &okta,
        Method::PUT,
        &format!("/api/v1/groups/{group}/users/00uNOBODY"),
        None,
    )
    .await;
    assert_eq!(nobody.status, 404);
    assert_error_shape(&nobody.body, "E0000007");
    let no_group = send(
        &okta,
        Method::PUT,
        &format!("/api/v1/groups/00gNOPE/users/{alice}"),
        None,
    )
    .await;
    assert_eq!(no_group.status, 404);
    assert!(
        no_group.body["errorSummary"]
            .as_str()
            .unwrap()
            .ends_with("(UserGroup)")
    );
}

#[tokio::test]
async fn members_page_by_a_thousand() {
    let okta = FakeOkta::start().await.unwrap();
    let mut group = NewGroup::new("Everyone here");
    let mut ids = Vec::new();
    for i in 0..2_345 {
        let id = okta.add_user(&format!("user{i}@x.com"), UserStatus::Active);
        group = group.member(&id);
        ids.push(id);
    }
    let gid = okta.seed_group(group).unwrap();
    let first = send(
        &okta,
        Method::GET,
        &format!("/api/v1/groups/{gid}/users"),
        None,
    )
    .await;
    assert_eq!(first.ids().len(), 1_000);
    assert!(first.next().unwrap().contains("limit=1000&after="));
    let (all, pages) = collect_pages(&okta, &format!("/api/v1/groups/{gid}/users")).await;
    assert_eq!(pages, 3);
    assert_eq!(all, ids);
    let (small, pages) =
        collect_pages(&okta, &format!("/api/v1/groups/{gid}/users?limit=5000")).await;
    assert_eq!((small.len(), pages), (2_345, 3), "limit is capped at 1000");
}

#[tokio::test]
async fn apps_search_read_and_assignments() {
    let okta = FakeOkta::start().await.unwrap();
    let alice = okta.add_user("alice@x.com", UserStatus::Active);
    let bob = okta
        .seed_user(NewUser::new("bob@x.com").profile("department", "Sales"))
        .unwrap();
    let sales = okta
        .seed_group(NewGroup::new("Sales").member(&bob))
        .unwrap();
    let sf = okta
        .seed_app(NewApp::new("Salesforce").user(&alice))
        .unwrap();
    let slack = okta.add_app("Slack").unwrap();

    let q = send(&okta, Method::GET, "/api/v1/apps?q=sales", None).await;
    assert_eq!(q.ids(), vec![sf.clone()]);
    assert_eq!(q.body[0]["label"], "Salesforce");
    assert_eq!(q.body[0]["name"], "salesforce");
    let by_user = send(
        &okta,
        Method::GET,
        &format!("/api/v1/apps?filter=user.id+eq+%22{alice}%22"),
        None,
    )
    .await;
    assert_eq!(by_user.ids(), vec![sf.clone()]);
    let active = send(
        &okta,
        Method::GET,
        "/api/v1/apps?filter=status%20eq%20%22ACTIVE%22",
        None,
    )
    .await;
    assert_eq!(active.ids(), vec![sf.clone(), slack.clone()]);
    let read = send(&okta, Method::GET, &format!("/api/v1/apps/{slack}"), None).await;
    assert_eq!(read.body["status"], "ACTIVE");
    let missing = send(&okta, Method::GET, "/api/v1/apps/0oaNOPE", None).await;
    assert_eq!(missing.status, 404);
    assert!(
        missing.body["errorSummary"]
            .as_str()
            .unwrap()
            .ends_with("(AppInstance)")
    );

    // A group assignment gives its members access with scope GROUP.
    let assigned = send(
        &okta,
        Method::PUT,
        &format!("/api/v1/apps/{sf}/groups/{sales}"),
        Some(json!({ "priority": 0 })),
    )
    .await;
    assert_eq!(assigned.status, 200);
    assert_eq!(assigned.body["id"], sales.as_str());
    assert_eq!(assigned.body["priority"], 0);
    let users = send(
        &okta,
        Method::GET,
        &format!("/api/v1/apps/{sf}/users"),
        None,
    )
    .await;
    assert_eq!(users.ids(), vec![alice.clone(), bob.clone()]);
    assert_eq!(users.body[0]["scope"], "USER");
    assert_eq!(users.body[1]["scope"], "GROUP");
    assert_eq!(users.body[0]["credentials"]["userName"], "alice@x.com");

    // Assigning a user directly, then removing; removing again is 404 (AppUser).
    let direct = send(
        &okta,
        Method::POST,
        &format!("/api/v1/apps/{slack}/users"),
        Some(json!({ "id": bob, "scope": "USER", "credentials": { "userName": "bobby" } })),
    )
    .await;
    assert_eq!(direct.status, 200);
    assert_eq!(direct.body["credentials"]["userName"], "bobby");
    assert_eq!(okta.app_users(&slack), vec![bob.clone()]);
    let path = format!("/api/v1/apps/{slack}/users/{bob}");
    assert_eq!(send(&okta, Method::DELETE, &path, None).await.status, 204);
    let again = send(&okta, Method::DELETE, &path, None).await;
    assert_eq!(again.status, 404);
    assert!(
        again.body["errorSummary"]
            .as_str()
            .unwrap()
            .ends_with("(AppUser)")
    );
    let (groups, _) = collect_pages(&okta, &format!("/api/v1/apps/{sf}/groups")).await;
    assert_eq!(groups, vec![sales]);
}

#[tokio::test]
async fn app_users_page_at_fifty_by_default() {
    let okta = FakeOkta::start().await.unwrap();
    let mut app = NewApp::new("Box");
    for i in 0..120 {
        app = app.user(&okta.add_user(&format!("u{i}@x.com"), UserStatus::Active));
    }
    let id = okta.seed_app(app).unwrap();
    let (all, pages) = collect_pages(&okta, &format!("/api/v1/apps/{id}/users")).await;
    assert_eq!((all.len(), pages), (120, 3));
    let q = send(
        &okta,
        Method::GET,
        &format!("/api/v1/apps/{id}/users?q=u11"),
        None,
    )
    .await;
    assert_eq!(q.ids().len(), 11, "u11 and u110..u119");
}
