//! `github.*` against its recorded shapes.

use super::*;

const CONN: &str = "{ kind: github, base_url: \"${env:BASE}\", token: \"${env:SECRET}\" }";

async fn gh() -> RecordedFake {
    fake("github", "authorization", &bearer()).await
}

#[tokio::test]
async fn get_user_sends_githubs_headers() {
    let f = gh().await;
    let r = ok(
        &f,
        "",
        CONN,
        "  - { id: u, card: github.get_user, with: { connection: c, username: octocat } }\n",
    )
    .await;
    assert_eq!(out(&r, "u")["id"], 1);
    let q = req(&f, 0);
    assert_req(&q, "GET", "/users/octocat", None);
    assert_eq!(q.header("accept"), Some("application/vnd.github+json"));
    assert_eq!(q.header("x-github-api-version"), Some("2022-11-28"));
}

#[tokio::test]
async fn an_unknown_user_is_not_found() {
    let f = gh().await;
    let r = run(&f, "", CONN, "  - { id: u, card: github.get_user, with: { connection: c, username: no-such-user-xyz } }\n").await;
    let e = err(&r, "u");
    assert_eq!(e["kind"], "not_found");
    assert!(e["message"].as_str().unwrap().contains("Not Found"), "{e}");
}

#[tokio::test]
async fn membership_add_and_remove() {
    let f = gh().await;
    let steps = "  - { id: add, card: github.add_org_member, with: { connection: c, org: acme, username: octocat } }
  - { id: rm, card: github.remove_org_member, with: { connection: c, org: acme, username: octocat } }
";
    let r = ok(&f, "", CONN, steps).await;
    assert_eq!(out(&r, "add")["state"], "pending");
    assert_req(&req(&f, 0), "PUT", "/orgs/acme/memberships/octocat", None);
    assert_eq!(body(&req(&f, 0)), json!({ "role": "member" }));
    assert_eq!(out(&r, "rm"), json!(204));
    assert_req(&req(&f, 1), "DELETE", "/orgs/acme/members/octocat", None);
}

#[tokio::test]
async fn list_members_follows_link_headers_and_limit_stops_early() {
    let f = gh().await;
    let steps = "  - { id: all, card: github.list_org_members, with: { connection: c, org: acme } }
  - { id: one, card: github.list_org_members, with: { connection: c, org: acme, limit: 1 } }
";
    let r = ok(&f, "", CONN, steps).await;
    let all = out(&r, "all");
    let logins: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["login"].as_str().unwrap())
        .collect();
    assert_eq!(logins, ["octocat", "hubot"]);
    assert_eq!(req(&f, 0).query_param("per_page").as_deref(), Some("100"));
    assert_eq!(req(&f, 1).query_param("page").as_deref(), Some("2"));
    assert_eq!(out(&r, "one").as_array().unwrap().len(), 1);
    assert_eq!(f.requests().len(), 3, "limit 1 reads one page");
}

#[tokio::test]
async fn create_issue_leaves_out_an_absent_body() {
    let f = gh().await;
    let r = ok(&f, "", CONN, "  - { id: i, card: github.create_issue, with: { connection: c, owner: acme, repo: access-requests, title: Remove octocat, labels: [offboarding] } }\n").await;
    assert_eq!(out(&r, "i")["number"], 1347);
    let q = req(&f, 0);
    assert_req(&q, "POST", "/repos/acme/access-requests/issues", None);
    assert_eq!(
        body(&q),
        json!({ "title": "Remove octocat", "labels": ["offboarding"] })
    );
}

#[tokio::test]
async fn a_secondary_rate_limit_is_waited_out() {
    let f = gh().await;
    let r = ok(&f, "", CONN, "  - { id: u, card: github.get_user, with: { connection: c, username: busy }, retry: { attempts: 2, backoff: 10ms } }\n").await;
    assert_eq!(out(&r, "u")["login"], "busy");
    assert_eq!(
        (
            f.hits("secondary rate limit"),
            f.hits("after the rate limit")
        ),
        (1, 1)
    );
}
