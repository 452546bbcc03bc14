//! The recorded fake: matching, recording, the 404 that names an unmatched request, the
//! expected credential, `{{base_url}}` in answers, `times`, and every shipped fixture file
//! answering its own request.

use flow_testkit::fake::recorded::{Fixture, RecordedFake, recorded_dir};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::path::Path;

use crate::common::client;

const FIXTURES: &str = r#"
source: https://example.com/api-reference
fixtures:
  - name: page 2
    request: { method: GET, path: /v1/items, query: { cursor: abc } }
    answer: { body: { items: [2] } }
  - name: page 1
    request: { method: GET, path: /v1/items }
    answer:
      headers: { link: "<{{base_url}}/v1/items?cursor=abc>; rel=\"next\"" }
      body: { items: [1], next: "{{base_url}}/v1/items?cursor=abc" }
  - name: patch
    request:
      method: PATCH
      path: /v1/users/*
      headers: { x-trace: "1" }
      body: { profile: { enabled: false } }
    answer: { status: 204 }
  - name: form
    request: { method: POST, path: /token, body: { grant_type: client_credentials } }
    answer: { body: { access_token: t } }
  - name: busy once
    times: 1
    request: { method: GET, path: /busy }
    answer: { status: 429, headers: { retry-after: "1" }, text: slow down }
  - name: not busy
    request: { method: GET, path: /busy }
    answer: { text: fine }
"#;

async fn fake() -> RecordedFake {
    let fixtures = Fixture::parse(FIXTURES, Path::new("inline.yaml")).unwrap();
    RecordedFake::start(fixtures).await.unwrap()
}

#[tokio::test]
async fn matches_by_query_and_fills_in_its_own_url() {
    let f = fake().await;
    let first = client()
        .get(format!("{}/v1/items", f.base_url()))
        .send()
        .await
        .unwrap();
    let link = first.headers()["link"].to_str().unwrap().to_string();
    assert_eq!(
        link,
        format!("<{}/v1/items?cursor=abc>; rel=\"next\"", f.base_url())
    );
    let body: Value = first.json().await.unwrap();
    assert_eq!(body["items"], json!([1]));
    let next = body["next"].as_str().unwrap().to_string();
    let second: Value = client()
        .get(next)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(second["items"], json!([2]));
    assert_eq!((f.hits("page 1"), f.hits("page 2")), (1, 1));
    assert_eq!(
        f.requests()[1].query_param("cursor").as_deref(),
        Some("abc")
    );
}

#[tokio::test]
async fn body_and_header_fields_must_match() {
    let f = fake().await;
    let url = format!("{}/v1/users/00u1", f.base_url());
    let patch = |body: Value, trace: bool| {
        let mut req = client().request(Method::PATCH, &url).json(&body);
        if trace {
            req = req.header("x-trace", "1");
        }
        req.send()
    };
    let ok = patch(
        json!({ "profile": { "enabled": false, "x": 1 }, "y": 2 }),
        true,
    )
    .await
    .unwrap();
    assert_eq!(ok.status(), 204);
    let wrong = patch(json!({ "profile": { "enabled": true } }), true)
        .await
        .unwrap();
    assert_eq!(wrong.status(), 404);
    let untraced = patch(json!({ "profile": { "enabled": false } }), false)
        .await
        .unwrap();
    assert_eq!(untraced.status(), 404);
    let form = client()
        .post(format!("{}/token", f.base_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&scope=a+b")
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200);
    assert_eq!(f.requests().len(), 4);
    assert_eq!(
        f.last_request().unwrap().body,
        "grant_type=client_credentials&scope=a+b"
    );
}

#[tokio::test]
async fn an_unmatched_request_gets_a_404_naming_it() {
    let f = fake().await;
    let resp = client()
        .post(format!("{}/v1/nothing?x=1", f.base_url()))
        .json(&json!({ "a": 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body["request"],
        json!({ "method": "POST", "path": "/v1/nothing", "query": "x=1", "body": { "a": 1 } })
    );
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("no fixture matches")
    );
}

#[tokio::test]
async fn times_limits_how_often_a_fixture_answers() {
    let f = fake().await;
    let url = format!("{}/busy", f.base_url());
    let first = client().get(&url).send().await.unwrap();
    assert_eq!(first.status(), 429);
    assert_eq!(first.headers()["retry-after"], "1");
    assert_eq!(first.text().await.unwrap(), "slow down");
    let second = client().get(&url).send().await.unwrap();
    assert_eq!(second.text().await.unwrap(), "fine");
}

#[tokio::test]
async fn the_expected_credential_is_checked_and_requests_are_still_recorded() {
    let fixtures = Fixture::parse(FIXTURES, Path::new("inline.yaml")).unwrap();
    let f = RecordedFake::start_with_auth(fixtures, "authorization", "Bearer right")
        .await
        .unwrap();
    let url = format!("{}/v1/items", f.base_url());
    let wrong = client()
        .get(&url)
        .bearer_auth("wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let none = client().get(&url).send().await.unwrap();
    assert_eq!(none.status(), 401);
    let right = client()
        .get(&url)
        .bearer_auth("right")
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 200);
    assert_eq!(f.requests().len(), 3);
    assert_eq!(f.hits("page 1"), 1);
}

fn enc(v: &str) -> String {
    utf8_percent_encode(v, NON_ALPHANUMERIC).to_string()
}

/// Sends the request a fixture describes, exactly as listed (JSON body, or a form body for a
/// `/token` path).
async fn replay(http: &reqwest::Client, f: &RecordedFake, fx: &Fixture) -> reqwest::Response {
    let want = &fx.request;
    let method = Method::from_bytes(want.method.as_bytes()).unwrap();
    let query: Vec<String> = want
        .query
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect();
    let mut url = format!("{}{}", f.base_url(), want.path);
    if !query.is_empty() {
        url = format!("{url}?{}", query.join("&"));
    }
    let mut req = http.request(method, url);
    for (k, v) in &want.headers {
        req = req.header(k.as_str(), v.as_str());
    }
    if let Some(body) = &want.body {
        req = if want.path.ends_with("/token") {
            let pairs: Vec<String> = body
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| format!("{}={}", enc(k), enc(v.as_str().unwrap_or_default())))
                .collect();
            req.header("content-type", "application/x-www-form-urlencoded")
                .body(pairs.join("&"))
        } else {
            req.json(body)
        };
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn every_shipped_fixture_answers_its_own_request() {
    let root = recorded_dir("");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let http = client();
    assert!(dirs.len() >= 9, "fixture directories: {dirs:?}");
    for dir in dirs {
        let fixtures = Fixture::load_dir(&dir).unwrap();
        assert!(!fixtures.is_empty(), "{dir:?} has no fixtures");
        let mut names = HashSet::new();
        for fx in &fixtures {
            let name = fx
                .name
                .clone()
                .unwrap_or_else(|| panic!("{dir:?}: a fixture without a name"));
            assert!(names.insert(name.clone()), "{dir:?}: `{name}` twice");
            let source = fx.source.as_deref().unwrap_or_default();
            assert!(
                source.starts_with("https://"),
                "{dir:?}: `{name}` has no documentation source"
            );
        }
        let f = RecordedFake::start(fixtures.clone()).await.unwrap();
        for fx in &fixtures {
            let name = fx.name.as_deref().unwrap_or_default();
            let before = f.hits(name);
            let resp = replay(&http, &f, fx).await;
            assert_eq!(
                resp.status().as_u16(),
                fx.answer.status,
                "{dir:?}: `{name}`"
            );
            assert_eq!(
                f.hits(name),
                before + 1,
                "{dir:?}: `{name}` was answered by another fixture"
            );
        }
    }
}
