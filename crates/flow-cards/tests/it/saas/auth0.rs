//! `auth0.*` against its recorded shapes (the client credentials grant is in [`super::oauth`]).

use super::*;

const CONN: &str = "{ kind: auth0, domain_url: \"${env:BASE}\", token: \"${env:SECRET}\" }";
const LIZ: &str = "auth0|5f7c8ec7c33c6c004bbafe82";
const LIZ_PATH: &str = "/api/v2/users/auth0%7C5f7c8ec7c33c6c004bbafe82";

async fn auth0() -> RecordedFake {
    fake("auth0", "authorization", &bearer()).await
}

#[tokio::test]
async fn search_pages_by_page_number_until_the_total() {
    let f = auth0().await;
    let r = ok(
        &f,
        "",
        CONN,
        "  - { id: s, card: auth0.search_users, with: { connection: c, query: 'email.domain:\"example.com\"' } }\n",
    )
    .await;
    let users = out(&r, "s");
    let users = users.as_array().unwrap();
    assert_eq!(users.len(), 101);
    assert_eq!(users[0]["email"], "user000@example.com");
    assert_eq!(users[100]["user_id"], LIZ);
    let pages: Vec<Option<String>> = f.requests().iter().map(|q| q.query_param("page")).collect();
    assert_eq!(
        pages,
        [Some("0".into()), Some("1".into())],
        "ends at total 101"
    );
    let first = req(&f, 0);
    assert_eq!(first.query_param("search_engine").as_deref(), Some("v3"));
    assert_eq!(first.query_param("include_totals").as_deref(), Some("true"));
    assert_eq!(first.query_param("per_page").as_deref(), Some("100"));
}

#[tokio::test]
async fn read_block_unblock_update_and_delete() {
    let f = auth0().await;
    let steps = format!(
        "  - {{ id: get, card: auth0.read_user, with: {{ connection: c, user: \"{LIZ}\" }} }}
  - {{ id: b, card: auth0.block_user, with: {{ connection: c, user: \"{LIZ}\" }} }}
  - {{ id: u, card: auth0.unblock_user, with: {{ connection: c, user: \"{LIZ}\" }} }}
  - {{ id: up, card: auth0.update_user, with: {{ connection: c, user: \"{LIZ}\", fields: {{ app_metadata: {{ team: support }} }} }} }}
  - {{ id: rm, card: auth0.delete_user, with: {{ connection: c, user: \"{LIZ}\" }} }}
"
    );
    let r = ok(&f, "", CONN, &steps).await;
    assert_eq!(out(&r, "get")["logins_count"], 42);
    assert_req(&req(&f, 0), "GET", LIZ_PATH, None);
    assert_eq!(out(&r, "b")["blocked"], true);
    assert_req(&req(&f, 1), "PATCH", LIZ_PATH, None);
    assert_eq!(body(&req(&f, 1)), json!({ "blocked": true }));
    assert_eq!(out(&r, "u")["blocked"], false);
    assert_eq!(body(&req(&f, 2)), json!({ "blocked": false }));
    assert_eq!(out(&r, "up")["app_metadata"]["team"], "support");
    assert_eq!(
        body(&req(&f, 3)),
        json!({ "app_metadata": { "team": "support" } })
    );
    assert_eq!(out(&r, "rm"), json!({ "status": 204 }));
    assert_req(&req(&f, 4), "DELETE", LIZ_PATH, None);
}

#[tokio::test]
async fn create_a_user_leaves_out_what_is_not_given() {
    let f = auth0().await;
    let r = ok(&f, "", CONN, "  - { id: n, card: auth0.create_user, with: { connection: c, auth0_connection: Username-Password-Authentication, email: new.hire@example.com, verify_email: true } }\n").await;
    assert_eq!(out(&r, "n")["user_id"], "auth0|6750a1b2c3d4e5f600112233");
    assert_eq!(
        body(&req(&f, 0)),
        json!({ "connection": "Username-Password-Authentication", "email": "new.hire@example.com", "verify_email": true })
    );
}

#[tokio::test]
async fn users_by_email_and_roles() {
    let f = auth0().await;
    let steps = format!(
        "  - {{ id: e, card: auth0.list_users_by_email, with: {{ connection: c, email: liz@example.com }} }}
  - {{ id: all, card: auth0.list_roles, with: {{ connection: c }} }}
  - {{ id: add, card: auth0.assign_roles, with: {{ connection: c, user: \"{LIZ}\", roles: [rol_0BJ6uNKmpMzJ1wOl] }} }}
  - {{ id: mine, card: auth0.list_user_roles, with: {{ connection: c, user: \"{LIZ}\" }} }}
  - {{ id: del, card: auth0.remove_roles, with: {{ connection: c, user: \"{LIZ}\", roles: [rol_0BJ6uNKmpMzJ1wOl] }} }}
"
    );
    let r = ok(&f, "", CONN, &steps).await;
    assert_eq!(out(&r, "e").as_array().unwrap().len(), 2);
    assert_eq!(
        req(&f, 0).query_param("email").as_deref(),
        Some("liz@example.com")
    );
    let all = out(&r, "all");
    let names: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Support admin", "Billing viewer"]);
    assert_eq!(out(&r, "add"), json!({ "status": 204 }));
    assert_req(&req(&f, 2), "POST", &format!("{LIZ_PATH}/roles"), None);
    assert_eq!(
        body(&req(&f, 2)),
        json!({ "roles": ["rol_0BJ6uNKmpMzJ1wOl"] })
    );
    assert_eq!(out(&r, "mine")[0]["id"], "rol_0BJ6uNKmpMzJ1wOl");
    assert_eq!(out(&r, "del"), json!({ "status": 204 }));
    let del = req(&f, 4);
    assert_req(&del, "DELETE", &format!("{LIZ_PATH}/roles"), None);
    assert_eq!(body(&del), json!({ "roles": ["rol_0BJ6uNKmpMzJ1wOl"] }));
    assert_eq!(f.requests().len(), 5, "one page each: totals reached");
}

#[tokio::test]
async fn an_unknown_user_is_not_found_with_auth0s_code() {
    let f = auth0().await;
    let r = run(
        &f,
        "",
        CONN,
        "  - { id: g, card: auth0.read_user, with: { connection: c, user: \"auth0|nobody\" } }\n",
    )
    .await;
    let e = err(&r, "g");
    assert_eq!(
        (e["kind"].as_str(), e["code"].as_str()),
        (Some("not_found"), Some("inexistent_user"))
    );
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("Auth0 has no user auth0|nobody"),
        "{e}"
    );
}

#[tokio::test]
async fn a_rate_limited_call_is_retried_after_the_reset() {
    let f = auth0().await;
    let r = ok(&f, "", CONN, "  - { id: g, card: auth0.read_user, with: { connection: c, user: \"auth0|busy\" }, retry: { attempts: 2, backoff: 10ms } }\n").await;
    assert_eq!(out(&r, "g")["email"], "busy@example.com");
    assert_eq!(
        (f.hits("rate limited"), f.hits("after the rate limit")),
        (1, 1)
    );
}
