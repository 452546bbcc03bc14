//! The Okta connector's actions (crates/flow-cards/connectors/okta.yaml) against the fake
//! Okta: for each action, the request the fake saw and the card's output; lists page through
//! more than 1,000 records, one with a 429 in the middle.

use flow_card::RunEnv;
use flow_cards::ReqwestTransport;
use flow_runtime::{Engine, ExecutionRecord, RunInput, RunOptions};
use flow_testkit::{FakeOkta, Fault, NewApp, NewGroup, NewUser, Recorded, UserStatus};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

const CONFIG: &str = "connections:
  okta: { kind: okta, org_url: \"${env:OKTA_URL}\", token: \"${env:OKTA_TOKEN}\" }
";

/// Runs `steps` (a flow's step list) against `okta`.
async fn run(okta: &FakeOkta, steps: &str) -> ExecutionRecord {
    run_as(okta, steps, false).await
}

/// Runs `steps` against `okta`, for real or as a dry run.
async fn run_as(okta: &FakeOkta, steps: &str, dry_run: bool) -> ExecutionRecord {
    let flow =
        format!("flow: t\ntrigger: {{ helper: {{ inputs: {{ v: any }} }} }}\nsteps:\n{steps}");
    let project =
        flow_compile::compile_str(Some(CONFIG), &[("t.yaml", &flow)], &flow_cards::registry())
            .unwrap_or_else(|e| panic!("{e}"));
    let env = HashMap::from([
        ("OKTA_URL".to_string(), okta.base_url()),
        ("OKTA_TOKEN".to_string(), okta.token()),
    ]);
    let lookup = move |k: &str| env.get(k).cloned();
    let connections = flow_runtime::connect_all(&project, &lookup, false).unwrap();
    let env = RunEnv {
        dry_run,
        transport: Arc::new(ReqwestTransport::new().unwrap()),
        connections,
        capture_inputs: false,
    };
    Engine::new(Arc::new(project), Arc::new(env))
        .run(
            0,
            RunInput::Inputs(json!({ "v": null })),
            RunOptions::default(),
        )
        .await
}

/// The output of step `id` (panics with the run's error when the step has none).
fn output(r: &ExecutionRecord, id: &str) -> Value {
    let step = r
        .steps
        .iter()
        .find(|s| &*s.id == id)
        .unwrap_or_else(|| panic!("no step {id}: {:?}", r.error));
    step.output
        .as_deref()
        .cloned()
        .unwrap_or_else(|| panic!("step {id} has no output: {:?}", r.error))
}

/// The one request the fake saw since the last clear, as `METHOD path?query` and its body.
fn only_request(okta: &FakeOkta) -> (String, Value) {
    let reqs = okta.requests();
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    let r = &reqs[0];
    okta.clear_requests();
    (
        target(r),
        serde_json::from_str(&r.body).unwrap_or(Value::Null),
    )
}

fn target(r: &Recorded) -> String {
    match &r.query {
        Some(q) => format!("{} {}?{q}", r.method, r.path),
        None => format!("{} {}", r.method, r.path),
    }
}

#[tokio::test]
async fn user_writes_send_okta_requests_and_map_answers() {
    let okta = FakeOkta::start().await.unwrap();
    let group = okta.add_group("New hires").unwrap();

    let steps = format!(
        "  - {{ id: u, card: okta.create_user, with: {{ connection: okta, activate: false, group_ids: [\"{group}\"], profile: {{ login: ana@x.com, email: ana@x.com, firstName: Ana, lastName: Lima, department: Ops }} }} }}\n"
    );
    let r = run(&okta, &steps).await;
    let created = output(&r, "u");
    assert_eq!(created["status"], "STAGED");
    assert_eq!(created["profile"]["department"], "Ops");
    let (req, body) = only_request(&okta);
    assert_eq!(req, "POST /api/v1/users?activate=false");
    assert_eq!(body["groupIds"], json!([group]));
    assert_eq!(body["profile"]["login"], "ana@x.com");
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(okta.members_of(&group), vec![id.clone()]);

    let r = run(&okta, "  - { id: u, card: okta.update_user, with: { connection: okta, user: ana@x.com, profile: { title: Lead } } }\n").await;
    assert_eq!(output(&r, "u")["profile"]["title"], "Lead");
    assert_eq!(output(&r, "u")["profile"]["department"], "Ops");
    let (req, body) = only_request(&okta);
    assert_eq!(req, "POST /api/v1/users/ana%40x.com");
    assert_eq!(body, json!({ "profile": { "title": "Lead" } }));

    let r = run(&okta, "  - { id: a, card: okta.activate_user, with: { connection: okta, user: ana@x.com, send_email: false } }\n").await;
    let activated = output(&r, "a");
    assert_eq!(activated["status"], 200);
    assert_eq!(activated["already"], false);
    assert!(
        activated["activation_url"]
            .as_str()
            .unwrap()
            .contains("/welcome/")
    );
    let (req, _) = only_request(&okta);
    assert_eq!(
        req,
        "POST /api/v1/users/ana%40x.com/lifecycle/activate?sendEmail=false"
    );
    assert_eq!(okta.status_of(&id), Some(UserStatus::Provisioned));

    let r = run(
        &okta,
        "  - { id: a, card: okta.reactivate_user, with: { connection: okta, user: ana@x.com } }\n",
    )
    .await;
    assert_eq!(output(&r, "a")["status"], 200);
    assert_eq!(output(&r, "a")["activation_url"], Value::Null);
    let (req, _) = only_request(&okta);
    assert_eq!(req, "POST /api/v1/users/ana%40x.com/lifecycle/reactivate");

    // An already active user is fine for activate_user.
    let bo = okta.add_user("bo@x.com", UserStatus::Active);
    let r = run(
        &okta,
        "  - { id: a, card: okta.activate_user, with: { connection: okta, user: bo@x.com } }\n",
    )
    .await;
    assert_eq!(output(&r, "a")["already"], true);
    okta.clear_requests();

    let r = run(&okta, &format!("  - {{ id: p, card: okta.reset_password, with: {{ connection: okta, user: \"{bo}\", send_email: false }} }}\n")).await;
    assert!(
        output(&r, "p")["reset_password_url"]
            .as_str()
            .unwrap()
            .contains("/reset_password/")
    );
    let (req, _) = only_request(&okta);
    assert_eq!(
        req,
        format!("POST /api/v1/users/{bo}/lifecycle/reset_password?sendEmail=false")
    );
    assert_eq!(okta.status_of(&bo), Some(UserStatus::Recovery));

    let r = run(&okta, &format!("  - {{ id: p, card: okta.expire_password, with: {{ connection: okta, user: \"{bo}\" }} }}\n")).await;
    assert_eq!(output(&r, "p")["status"], "PASSWORD_EXPIRED");
    let (req, _) = only_request(&okta);
    assert_eq!(
        req,
        format!("POST /api/v1/users/{bo}/lifecycle/expire_password")
    );

    let r = run(&okta, &format!("  - {{ id: d, card: okta.deactivate_user, with: {{ connection: okta, user: \"{bo}\" }} }}\n")).await;
    assert_eq!(output(&r, "d"), json!({ "status": 200 }));
    let (req, _) = only_request(&okta);
    assert_eq!(req, format!("POST /api/v1/users/{bo}/lifecycle/deactivate"));
    assert_eq!(okta.status_of(&bo), Some(UserStatus::Deprovisioned));

    let r = run(&okta, &format!("  - {{ id: d, card: okta.delete_user, with: {{ connection: okta, user: \"{bo}\", send_email: false }} }}\n")).await;
    assert_eq!(output(&r, "d"), json!({ "status": 204 }));
    let (req, _) = only_request(&okta);
    assert_eq!(req, format!("DELETE /api/v1/users/{bo}?sendEmail=false"));
    assert_eq!(okta.status_of(&bo), None);

    // A refused transition is an error naming Okta's answer.
    let r = run(
        &okta,
        "  - { id: p, card: okta.reset_password, with: { connection: okta, user: ana@x.com } }\n",
    )
    .await;
    let err = format!("{:?}", r.error);
    assert!(err.contains("E0000038"), "{err}");
}

#[tokio::test]
async fn user_lookups_find_users_and_groups_of_a_user() {
    let okta = FakeOkta::start().await.unwrap();
    let alice = okta
        .seed_user(NewUser::new("alice.liddell@x.com").last_login("2026-11-30T08:00:00.000Z"))
        .unwrap();
    okta.add_user("bob@x.com", UserStatus::Active);
    let admins = okta
        .seed_group(NewGroup::new("Admins").member(&alice))
        .unwrap();

    let r = run(
        &okta,
        "  - { id: f, card: okta.find_users, with: { connection: okta, query: ali } }\n",
    )
    .await;
    let found = output(&r, "f");
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["lastLogin"], "2026-11-30T08:00:00.000Z");
    let (req, _) = only_request(&okta);
    assert_eq!(req, "GET /api/v1/users?q=ali&limit=200");

    let r = run(&okta, &format!("  - {{ id: g, card: okta.get_users_groups, with: {{ connection: okta, user: \"{alice}\" }} }}\n")).await;
    assert_eq!(output(&r, "g")[0]["id"], admins.as_str());
    assert_eq!(output(&r, "g")[0]["profile"]["name"], "Admins");
    let (req, _) = only_request(&okta);
    assert_eq!(req, format!("GET /api/v1/users/{alice}/groups"));
}

#[tokio::test]
async fn group_actions() {
    let okta = FakeOkta::start().await.unwrap();
    let alice = okta.add_user("alice@x.com", UserStatus::Active);

    let r = run(&okta, "  - { id: g, card: okta.create_group, with: { connection: okta, name: Contractors, description: Temps } }\n").await;
    let group = output(&r, "g");
    assert_eq!(group["profile"]["name"], "Contractors");
    let gid = group["id"].as_str().unwrap().to_owned();
    let (req, body) = only_request(&okta);
    assert_eq!(req, "POST /api/v1/groups");
    assert_eq!(
        body,
        json!({ "profile": { "name": "Contractors", "description": "Temps" } })
    );

    let r = run(&okta, &format!("  - {{ id: g, card: okta.read_group, with: {{ connection: okta, group_id: \"{gid}\" }} }}\n")).await;
    assert_eq!(output(&r, "g")["profile"]["description"], "Temps");
    let (req, _) = only_request(&okta);
    assert_eq!(req, format!("GET /api/v1/groups/{gid}"));

    let r = run(&okta, &format!("  - {{ id: g, card: okta.update_group, with: {{ connection: okta, group_id: \"{gid}\", name: Vendors }} }}\n")).await;
    assert_eq!(output(&r, "g")["profile"]["name"], "Vendors");
    let (req, body) = only_request(&okta);
    assert_eq!(req, format!("PUT /api/v1/groups/{gid}"));
    assert_eq!(body, json!({ "profile": { "name": "Vendors" } }));

    // Adding twice and removing twice are both fine.
    let add = format!(
        "  - {{ id: a, card: okta.add_user_to_group, with: {{ connection: okta, group_id: \"{gid}\", user_id: \"{alice}\" }} }}\n"
    );
    for _ in 0..2 {
        let r = run(&okta, &add).await;
        assert_eq!(output(&r, "a"), json!({ "status": 204 }));
        let (req, _) = only_request(&okta);
        assert_eq!(req, format!("PUT /api/v1/groups/{gid}/users/{alice}"));
    }
    assert_eq!(okta.members_of(&gid), vec![alice.clone()]);
    let remove = add.replace("add_user_to_group", "remove_user_from_group");
    for _ in 0..2 {
        let r = run(&okta, &remove).await;
        assert_eq!(output(&r, "a"), json!({ "status": 204 }));
        let (req, _) = only_request(&okta);
        assert_eq!(req, format!("DELETE /api/v1/groups/{gid}/users/{alice}"));
    }
    assert!(okta.members_of(&gid).is_empty());

    okta.add_group("Sales EU").unwrap();
    let r = run(&okta, "  - { id: s, card: okta.search_groups, with: { connection: okta, search: 'profile.name eq \"sales eu\"' } }\n").await;
    assert_eq!(output(&r, "s")[0]["profile"]["name"], "Sales EU");
    let (req, _) = only_request(&okta);
    assert_eq!(
        req,
        "GET /api/v1/groups?search=profile.name%20eq%20%22sales%20eu%22"
    );
    let r = run(
        &okta,
        "  - { id: s, card: okta.search_groups, with: { connection: okta, q: Ven } }\n",
    )
    .await;
    assert_eq!(output(&r, "s")[0]["id"], gid.as_str());
    okta.clear_requests();

    let r = run(&okta, &format!("  - {{ id: d, card: okta.delete_group, with: {{ connection: okta, group_id: \"{gid}\" }} }}\n")).await;
    assert_eq!(output(&r, "d"), json!({ "status": 204 }));
    let (req, _) = only_request(&okta);
    assert_eq!(req, format!("DELETE /api/v1/groups/{gid}"));
    let r = run(&okta, &format!("  - {{ id: g, card: okta.read_group, with: {{ connection: okta, group_id: \"{gid}\" }} }}\n")).await;
    let err = format!("{:?}", r.error);
    assert!(err.contains(&format!("Okta has no group {gid}")), "{err}");
}

#[tokio::test]
async fn list_group_members_pages_over_a_thousand_with_a_429() {
    let okta = FakeOkta::start().await.unwrap();
    let mut group = NewGroup::new("Everyone");
    let mut ids = Vec::new();
    for i in 0..2_100 {
        let id = okta.add_user(&format!("m{i:04}@x.com"), UserStatus::Active);
        group = group.member(&id);
        ids.push(id);
    }
    let gid = okta.seed_group(group).unwrap();
    let path = format!("/api/v1/groups/{gid}/users");
    // The first page answers, the second is rate limited once and asked again.
    okta.fault_on(
        &path,
        Fault::Delay {
            times: 1,
            delay: Duration::ZERO,
        },
    );
    okta.fault_on(
        &path,
        Fault::RateLimit {
            times: 1,
            reset_in: Duration::ZERO,
        },
    );
    let r = run(&okta, &format!("  - {{ id: m, card: okta.list_group_members, with: {{ connection: okta, group_id: \"{gid}\" }} }}\n")).await;
    let members = output(&r, "m");
    let got: Vec<&str> = members
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(got, ids.iter().map(String::as_str).collect::<Vec<_>>());
    let targets: Vec<String> = okta.requests().iter().map(target).collect();
    assert_eq!(targets.len(), 4, "3 pages, one asked twice: {targets:?}");
    assert_eq!(targets[0], format!("GET {path}?limit=1000"));
    assert_eq!(targets[1], targets[2]);
    assert!(targets[1].contains("after="));
}

#[tokio::test]
async fn application_actions() {
    let okta = FakeOkta::start().await.unwrap();
    let alice = okta.add_user("alice@x.com", UserStatus::Active);
    let bob = okta.add_user("bob@x.com", UserStatus::Active);
    let sales = okta
        .seed_group(NewGroup::new("Sales").member(&bob))
        .unwrap();
    let sf = okta.seed_app(NewApp::new("Salesforce")).unwrap();
    okta.add_app("Slack").unwrap();

    let r = run(
        &okta,
        "  - { id: s, card: okta.search_applications, with: { connection: okta, q: sales } }\n",
    )
    .await;
    let found = output(&r, "s");
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["label"], "Salesforce");
    let (req, _) = only_request(&okta);
    assert_eq!(req, "GET /api/v1/apps?q=sales&limit=200");
    let r = run(&okta, "  - { id: s, card: okta.search_applications, with: { connection: okta, filter: 'status eq \"ACTIVE\"' } }\n").await;
    assert_eq!(output(&r, "s").as_array().unwrap().len(), 2);
    okta.clear_requests();

    let r = run(&okta, &format!("  - {{ id: a, card: okta.read_application, with: {{ connection: okta, app_id: \"{sf}\" }} }}\n")).await;
    assert_eq!(output(&r, "a")["name"], "salesforce");
    let (req, _) = only_request(&okta);
    assert_eq!(req, format!("GET /api/v1/apps/{sf}"));

    let r = run(&okta, &format!("  - {{ id: a, card: okta.assign_group_to_application, with: {{ connection: okta, app_id: \"{sf}\", group_id: \"{sales}\", priority: 1 }} }}\n")).await;
    assert_eq!(output(&r, "a")["id"], sales.as_str());
    assert_eq!(output(&r, "a")["priority"], 1);
    let (req, body) = only_request(&okta);
    assert_eq!(req, format!("PUT /api/v1/apps/{sf}/groups/{sales}"));
    assert_eq!(body, json!({ "priority": 1 }));

    let r = run(&okta, &format!("  - {{ id: a, card: okta.assign_user_to_application, with: {{ connection: okta, app_id: \"{sf}\", user_id: \"{alice}\", user_name: alice.sf }} }}\n")).await;
    assert_eq!(output(&r, "a")["credentials"]["userName"], "alice.sf");
    assert_eq!(output(&r, "a")["scope"], "USER");
    let (req, body) = only_request(&okta);
    assert_eq!(req, format!("POST /api/v1/apps/{sf}/users"));
    assert_eq!(
        body,
        json!({ "id": alice, "scope": "USER", "credentials": { "userName": "alice.sf" } })
    );

    let r = run(&okta, &format!("  - {{ id: l, card: okta.list_users_assigned_to_application, with: {{ connection: okta, app_id: \"{sf}\" }} }}\n")).await;
    let users = output(&r, "l");
    let scopes: Vec<(&str, &str)> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["id"].as_str().unwrap(), u["scope"].as_str().unwrap()))
        .collect();
    assert_eq!(
        scopes,
        vec![(alice.as_str(), "USER"), (bob.as_str(), "GROUP")]
    );
    let (req, _) = only_request(&okta);
    assert_eq!(req, format!("GET /api/v1/apps/{sf}/users?limit=500"));

    // Removing: a direct assignment goes; a user without one is fine (removed: false).
    let remove = format!(
        "  - {{ id: r, card: okta.remove_user_from_application, with: {{ connection: okta, app_id: \"{sf}\", user_id: \"{alice}\" }} }}\n"
    );
    let r = run(&okta, &remove).await;
    assert_eq!(output(&r, "r"), json!({ "status": 204, "removed": true }));
    let (req, _) = only_request(&okta);
    assert_eq!(req, format!("DELETE /api/v1/apps/{sf}/users/{alice}"));
    let r = run(&okta, &remove).await;
    assert_eq!(output(&r, "r"), json!({ "status": 404, "removed": false }));
    okta.clear_requests();
    let r = run(&okta, &remove.replace(&sf, "0oaNOPE")).await;
    assert!(
        format!("{:?}", r.error).contains("AppInstance"),
        "{:?}",
        r.error
    );
}

#[tokio::test]
async fn list_users_assigned_to_application_pages_by_500() {
    let okta = FakeOkta::start().await.unwrap();
    let mut app = NewApp::new("Box");
    for i in 0..1_234 {
        app = app.user(&okta.add_user(&format!("b{i:04}@x.com"), UserStatus::Active));
    }
    let id = okta.seed_app(app).unwrap();
    let r = run(&okta, &format!("  - {{ id: l, card: okta.list_users_assigned_to_application, with: {{ connection: okta, app_id: \"{id}\" }} }}\n")).await;
    assert_eq!(output(&r, "l").as_array().unwrap().len(), 1_234);
    assert_eq!(okta.requests().len(), 3);
    let r = run(&okta, &format!("  - {{ id: l, card: okta.list_users_assigned_to_application, with: {{ connection: okta, app_id: \"{id}\", limit: 10 }} }}\n")).await;
    assert_eq!(output(&r, "l").as_array().unwrap().len(), 10);
}

#[tokio::test]
async fn search_system_logs_filters_and_pages() {
    let okta = FakeOkta::start().await.unwrap();
    for i in 0..1_500 {
        let kind = if i % 3 == 0 {
            "user.session.start"
        } else {
            "user.authentication.sso"
        };
        okta.add_log_event(json!({
            "eventType": kind,
            "published": format!("2026-11-{:02}T{:02}:{:02}:00.000Z", 1 + i / 100, (i / 60) % 24, i % 60),
            "outcome": { "result": if i % 2 == 0 { "SUCCESS" } else { "FAILURE" } }
        }))
        .unwrap();
    }
    let steps = "  - { id: l, card: okta.search_system_logs, with: { connection: okta, since: \"2026-11-01T00:00:00.000Z\", until: \"2026-11-30T00:00:00.000Z\", filter: 'eventType eq \"user.session.start\"' } }\n";
    let r = run(&okta, steps).await;
    let events = output(&r, "l");
    let events = events.as_array().unwrap();
    assert_eq!(events.len(), 500);
    assert!(
        events
            .iter()
            .all(|e| e["eventType"] == "user.session.start")
    );
    assert!(
        events[0]["published"].as_str() > events[1]["published"].as_str(),
        "newest first by default"
    );
    let first = target(&okta.requests()[0]);
    assert!(
        first.starts_with("GET /api/v1/logs?since=2026-11-01T00%3A00%3A00.000Z&until="),
        "{first}"
    );
    assert!(
        first.contains("filter=eventType%20eq%20%22user.session.start%22"),
        "{first}"
    );
    assert!(first.contains("sortOrder=DESCENDING&limit=1000"), "{first}");
    okta.clear_requests();

    // Without a filter: 1,500 events in two pages of 1,000, oldest first when asked.
    let steps = "  - { id: l, card: okta.search_system_logs, with: { connection: okta, since: \"2026-11-01T00:00:00.000Z\", until: \"2026-11-30T00:00:00.000Z\", sort_order: ASCENDING } }\n";
    let r = run(&okta, steps).await;
    let events = output(&r, "l");
    assert_eq!(events.as_array().unwrap().len(), 1_500);
    assert_eq!(events[0]["published"], "2026-11-01T00:00:00.000Z");
    assert_eq!(okta.requests().len(), 2);
    okta.clear_requests();

    // A keyword search and no window: the default order (newest first) ends.
    let r = run(&okta, "  - { id: l, card: okta.search_system_logs, with: { connection: okta, q: FAILURE, since: \"2026-11-01T00:00:00.000Z\" } }\n").await;
    assert_eq!(output(&r, "l").as_array().unwrap().len(), 750);
}

#[tokio::test]
async fn import_session_actions() {
    let okta = FakeOkta::start().await.unwrap();
    let source = okta.add_app("HR").unwrap();
    let with = format!("connection: okta, identity_source_id: \"{source}\"");
    let r = run(
        &okta,
        &format!("  - {{ id: s, card: okta.create_import_session, with: {{ {with} }} }}\n"),
    )
    .await;
    let session = output(&r, "s");
    assert_eq!(session["status"], "CREATED");
    let sid = session["id"].as_str().unwrap().to_owned();
    let (req, _) = only_request(&okta);
    assert_eq!(
        req,
        format!("POST /api/v1/identity-sources/{source}/sessions")
    );

    let r = run(
        &okta,
        &format!("  - {{ id: s, card: okta.list_import_sessions, with: {{ {with} }} }}\n"),
    )
    .await;
    assert_eq!(output(&r, "s")[0]["id"], sid.as_str());
    okta.clear_requests();

    let steps = format!(
        "  - {{ id: up, card: okta.bulk_user_import, with: {{ {with}, session_id: \"{sid}\", profiles: [ {{ externalId: E1, profile: {{ userName: new@x.com, email: new@x.com, firstName: New, lastName: Hire }} }} ] }} }}\n  - {{ id: go, card: okta.trigger_import_session, with: {{ {with}, session_id: \"{sid}\" }} }}\n"
    );
    let r = run(&okta, &steps).await;
    assert_eq!(output(&r, "up"), json!({ "status": 202 }));
    assert_eq!(output(&r, "go")["status"], "TRIGGERED");
    let reqs = okta.requests();
    assert_eq!(
        target(&reqs[0]),
        format!("POST /api/v1/identity-sources/{source}/sessions/{sid}/bulk-upsert")
    );
    let body: Value = serde_json::from_str(&reqs[0].body).unwrap();
    assert_eq!(body["entityType"], "USERS");
    assert_eq!(body["profiles"][0]["externalId"], "E1");
    assert_eq!(
        target(&reqs[1]),
        format!("POST /api/v1/identity-sources/{source}/sessions/{sid}/start")
    );
    assert_eq!(okta.status_of("new@x.com"), Some(UserStatus::Active));
    okta.clear_requests();

    let r = run(
        &okta,
        &format!("  - {{ id: s, card: okta.create_import_session, with: {{ {with} }} }}\n"),
    )
    .await;
    let other = output(&r, "s")["id"].as_str().unwrap().to_owned();
    okta.clear_requests();
    let steps = format!(
        "  - {{ id: del, card: okta.bulk_user_delete, with: {{ {with}, session_id: \"{other}\", profiles: [{{ externalId: E1 }}] }} }}\n  - {{ id: x, card: okta.delete_import_session, with: {{ {with}, session_id: \"{other}\" }} }}\n"
    );
    let r = run(&okta, &steps).await;
    assert_eq!(output(&r, "del"), json!({ "status": 202 }));
    assert_eq!(output(&r, "x"), json!({ "status": 204 }));
    let body: Value = serde_json::from_str(&okta.requests()[0].body).unwrap();
    assert_eq!(
        body,
        json!({ "entityType": "USERS", "profiles": [{ "externalId": "E1" }] })
    );
}

/// Anything-as-a-Source end to end: an HR export mapped by
/// `okta.map_profile_source_attributes`, imported, and later deprovisioned through the same
/// card with `operation: delete`.
#[tokio::test]
async fn an_hr_export_is_imported_then_deprovisioned_through_mapped_profiles() {
    let okta = FakeOkta::start().await.unwrap();
    let source = okta.add_app("HR").unwrap();
    let with = format!("connection: okta, identity_source_id: \"{source}\"");
    let hr = "[{ emp: 4711, mail: hire@x.com, name: { first: New, last: Hire } }]";
    let import = format!(
        "  - {{ id: map, card: okta.map_profile_source_attributes, with: {{ users: {hr}, external_id_key: emp, profile: {{ userName: mail, email: mail, firstName: name.first, lastName: name.last }} }} }}
  - {{ id: s, card: okta.create_import_session, with: {{ {with} }} }}
  - {{ id: up, card: okta.bulk_user_import, with: {{ {with}, session_id: \"{{{{ s.id }}}}\", profiles: \"{{{{ map }}}}\" }} }}
  - {{ id: go, card: okta.trigger_import_session, with: {{ {with}, session_id: \"{{{{ s.id }}}}\" }} }}
"
    );
    let r = run(&okta, &import).await;
    assert_eq!(output(&r, "go")["status"], "TRIGGERED", "{:?}", r.error);
    let upsert = okta
        .requests()
        .into_iter()
        .find(|q| q.path.ends_with("/bulk-upsert"))
        .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&upsert.body).unwrap(),
        json!({ "entityType": "USERS", "profiles": [{ "externalId": "4711", "profile": {
            "userName": "hire@x.com", "email": "hire@x.com", "firstName": "New", "lastName": "Hire" } }] })
    );
    assert_eq!(okta.status_of("hire@x.com"), Some(UserStatus::Active));

    let leave = import
        .replace("external_id_key: emp, profile:", "external_id_key: emp, operation: delete, ignored:")
        .replace("okta.bulk_user_import", "okta.bulk_user_delete")
        .replace(", ignored: { userName: mail, email: mail, firstName: name.first, lastName: name.last }", "");
    let r = run(&okta, &leave).await;
    assert_eq!(output(&r, "map"), json!([{ "externalId": "4711" }]));
    assert_eq!(output(&r, "go")["status"], "TRIGGERED", "{:?}", r.error);
    assert_eq!(
        okta.status_of("hire@x.com"),
        Some(UserStatus::Deprovisioned)
    );
}

#[tokio::test]
async fn dry_runs_send_nothing_and_rehearse_typed_outputs() {
    let okta = FakeOkta::start().await.unwrap();
    let steps = "  - { id: g, card: okta.create_group, with: { connection: okta, name: Contractors } }
  - { id: m, card: okta.list_group_members, with: { connection: okta, group_id: \"{{ g.id }}\" } }
  - { id: a, card: okta.add_user_to_group, with: { connection: okta, group_id: \"{{ g.id }}\", user_id: \"{{ m.0.id }}\" } }
";
    let r = run_as(&okta, steps, true).await;
    assert_eq!(output(&r, "g")["profile"]["name"], "Contractors");
    assert_eq!(output(&r, "g")["id"], "00g0rehearsal0000001");
    // A list rehearses one sample record, so the steps that use it rehearse too.
    assert_eq!(output(&r, "m")[0]["id"], "00u0rehearsal0000001");
    assert!(output(&r, "a")["status"].is_number());
    assert!(okta.requests().is_empty(), "a dry run sends nothing");
}
