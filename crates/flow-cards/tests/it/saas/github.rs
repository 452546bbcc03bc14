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

#[tokio::test]
async fn search_users_gives_the_first_match_or_null_fields() {
    let f = gh().await;
    let steps = "  - { id: one, card: github.search_users, with: { connection: c, public_email: octocat@github.com, org: \"-- Not In Org --\" } }
  - { id: none, card: github.search_users, with: { connection: c, public_email: nobody@example.com } }
";
    let r = ok(&f, "", CONN, steps).await;
    assert_eq!(out(&r, "one")["username"], "octocat");
    assert_req(
        &req(&f, 0),
        "GET",
        "/search/users",
        Some("q=octocat%40github.com%20in%3Aemail&per_page=1"),
    );
    assert_eq!(out(&r, "none")["username"], Value::Null);
}

#[tokio::test]
async fn add_a_collaborator_by_invitation_or_at_once() {
    let f = gh().await;
    let steps = "  - { id: inv, card: github.add_user_to_repository, with: { connection: c, owner: acme, repository_name: payments, username: octocat } }
  - { id: now, card: github.add_user_to_repository, with: { connection: c, owner: acme, repository_name: payments, username: hubot, permission: maintain } }
";
    let r = ok(&f, "", CONN, steps).await;
    assert_eq!(
        (
            out(&r, "inv")["status"].clone(),
            out(&r, "inv")["invitation"]["id"].clone()
        ),
        (json!(201), json!(1296269))
    );
    assert_eq!(body(&req(&f, 0)), json!({ "permission": "push" }));
    assert_eq!(out(&r, "now"), json!({ "status": 204, "invitation": null }));
    assert_eq!(body(&req(&f, 1)), json!({ "permission": "maintain" }));
}

#[tokio::test]
async fn branch_off_main_and_open_a_pull_request() {
    let f = gh().await;
    let steps = "  - { id: main, card: github.search_branches, with: { connection: c, repo: octocat/flows, branch_name: main } }
  - { id: none, card: github.search_branches, with: { connection: c, repo: octocat/flows, branch_name: release/9 } }
  - { id: branch, card: github.create_branch, with: { connection: c, repo: octocat/flows, branch_name: flows/2026-01-05, commit_sha: \"{{ main.commit_sha }}\" } }
  - { id: pr, card: github.create_pull_request, with: { connection: c, repo: octocat/flows, title: Flows of 2026-01-05, head_branch: flows/2026-01-05, base_branch: \"{{ main.name }}\", is_draft: false, is_issue: false, use_forks: false } }
";
    let r = ok(&f, "", CONN, steps).await;
    assert_eq!(
        out(&r, "main"),
        json!({ "name": "main", "commit_sha": "aa218f56b14c9653891f9e74264a383fa43fefbd", "protected": false })
    );
    // A branch name with a slash is sent as two segments; a missing branch is no error.
    assert_req(
        &req(&f, 1),
        "GET",
        "/repos/octocat/flows/branches/release/9",
        None,
    );
    assert_eq!(out(&r, "none")["commit_sha"], Value::Null);
    assert_eq!(
        out(&r, "branch")["branch_full_name"],
        "refs/heads/flows/2026-01-05"
    );
    assert_eq!(
        body(&req(&f, 2)),
        json!({ "ref": "refs/heads/flows/2026-01-05", "sha": "aa218f56b14c9653891f9e74264a383fa43fefbd" })
    );
    assert_eq!(out(&r, "pr")["number"], 1347);
    assert_req(&req(&f, 3), "POST", "/repos/octocat/flows/pulls", None);
    assert_eq!(
        body(&req(&f, 3)),
        json!({ "title": "Flows of 2026-01-05", "head": "flows/2026-01-05", "base": "main", "draft": false })
    );
}

#[tokio::test]
async fn a_repository_that_is_not_owner_slash_name_is_refused_before_sending() {
    let f = gh().await;
    let r = run(&f, "", CONN, "  - { id: b, card: github.search_branches, with: { connection: c, repo: \"octocat/../orgs\", branch_name: main } }\n").await;
    let e = err(&r, "b");
    assert_eq!(e["kind"], "input");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("is not a valid `repo`"),
        "{e}"
    );
    assert!(f.requests().is_empty());
}

#[tokio::test]
async fn update_file_content_reads_the_sha_then_commits_base64() {
    let f = gh().await;
    let steps = "  - { id: up, card: github.update_file_content, with: { connection: c, repo: octocat/flows, path: flows/offboarding.yaml, message: Export offboarding, file_content: \"flow: offboarding\\n\", branch_name: flows/2026-01-05, org: \"-- Not In Org --\", branch_field: Provide Branch } }\n";
    let r = ok(&f, "", CONN, steps).await;
    assert_req(
        &req(&f, 0),
        "GET",
        "/repos/octocat/flows/contents/flows/offboarding.yaml",
        Some("ref=flows%2F2026-01-05"),
    );
    let put = req(&f, 1);
    assert_req(
        &put,
        "PUT",
        "/repos/octocat/flows/contents/flows/offboarding.yaml",
        None,
    );
    assert_eq!(
        body(&put),
        json!({
            "message": "Export offboarding",
            "content": "Zmxvdzogb2ZmYm9hcmRpbmcK",
            "branch": "flows/2026-01-05",
            "sha": "3d21ec53a331a6f037a91c368710b99387d012c1"
        })
    );
    assert_eq!(
        out(&r, "up"),
        json!({
            "file_name": "offboarding.yaml",
            "file_path": "flows/offboarding.yaml",
            "content_sha": "95b966ae1c166bd92f8ae7d1c313e738c731dfc3",
            "html_url": "https://github.com/octocat/flows/blob/flows/2026-01-05/flows/offboarding.yaml",
            "commit_sha": "7638417db6d59f3c431d3e1f261cc637155684cd"
        })
    );
}

#[tokio::test]
async fn update_file_content_of_a_missing_file_or_a_directory_fails() {
    let f = gh().await;
    let steps = "  - { id: missing, card: github.update_file_content, on_error: continue, with: { connection: c, repo: octocat/flows, path: flows/new.yaml, message: m, file_content: x } }
  - { id: dir, card: github.update_file_content, on_error: continue, with: { connection: c, repo: octocat/flows, path: flows, message: m, file_content: x } }
";
    let r = run(&f, "", CONN, steps).await;
    let e = err(&r, "missing");
    assert_eq!(e["kind"], "not_found");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .starts_with("octocat/flows has no file `flows/new.yaml` to update"),
        "{e}"
    );
    let e = err(&r, "dir");
    assert_eq!(e["kind"], "input");
    assert!(
        e["message"].as_str().unwrap().contains("is not a file"),
        "{e}"
    );
    assert_eq!(f.requests().len(), 2, "nothing was written");
}

#[tokio::test]
async fn create_file_content_commits_without_a_sha() {
    let f = gh().await;
    let steps = "  - { id: new, card: github.create_file_content, with: { connection: c, repo: octocat/flows, path: flows/offboarding.yaml, message: Export offboarding, file_content: \"flow: offboarding\\n\" } }
  - { id: again, card: github.create_file_content, with: { connection: c, repo: octocat/flows, path: flows/exists.yaml, message: m, file_content: x } }
";
    let r = run(&f, "", CONN, steps).await;
    assert_eq!(
        out(&r, "new")["content_sha"],
        "95b966ae1c166bd92f8ae7d1c313e738c731dfc3"
    );
    assert_eq!(
        body(&req(&f, 0)),
        json!({ "message": "Export offboarding", "content": "Zmxvdzogb2ZmYm9hcmRpbmcK" })
    );
    let e = err(&r, "again");
    assert_eq!(e["kind"], "remote");
    assert!(
        e["message"].as_str().unwrap().contains("wasn't supplied"),
        "{e}"
    );
}
