//! The console (SPEC 13) through the router: off without a token; the token or a session
//! cookie, or else the sign-in page / 401 and never data; the cookie's attributes; CSRF
//! refusal; the security headers; paging and filters; the seed's Oort run shown with its
//! helper runs and HTTP exchanges and no secret in any answer; replay, dry run, the live feed.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Answer, LOG, Runs};
use flow_runtime::{ExecutionRecord, RunStatus};
use flow_server::{Console, Durable, Limits, Live, Metrics, ServerState, router};
use flow_store::{NewRun, SqliteStore, Store, StoredInput};
use flow_testkit::{FakeOkta, FakeSlack, UserStatus};
use http_body_util::BodyExt;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;

const OORT: &str = include_str!("../../../../flows/oort-failing-check.yaml");
const DISPATCHER: &str = include_str!("../../../../flows/demo-dispatcher.yaml");
pub(crate) const EVENT: &str = include_str!("../../../../examples/events/failed-check.json");
const CONFIG: &str = "connections:
  okta: { kind: okta, org_url: \"${env:OKTA_ORG_URL}\", token: \"${env:OKTA_API_TOKEN}\" }
  slack: { kind: slack, token: \"${env:SLACK_BOT_TOKEN}\", api_url: \"${env:SLACK_API_URL}\" }
";
pub(crate) const TOKEN: &str = "console-token-for-the-tests-0123";
pub(crate) const CLIENT_TOKEN: &str = "oort-client-token-never-shown";
const HOST: &str = "127.0.0.1:8080";

pub(crate) struct Server {
    pub state: Arc<ServerState>,
    pub store: Arc<dyn Store>,
    pub durable: Arc<Durable>,
    pub runs: Arc<Runs>,
    pub console: Option<Arc<Console>>,
    pub okta: FakeOkta,
    pub slack: FakeSlack,
}

impl Server {
    /// Every secret the project holds.
    pub fn secrets(&self) -> Vec<String> {
        vec![
            TOKEN.to_string(),
            CLIENT_TOKEN.to_string(),
            self.okta.token(),
            self.slack.token(),
        ]
    }
}

/// The seed's Oort flows served with fake Okta and Slack, a store in memory, and a console
/// when `console` is true.
pub(crate) async fn server(console: bool) -> Server {
    let okta = FakeOkta::start().await.unwrap();
    let slack = FakeSlack::start().await.unwrap();
    okta.add_user("maria.gomez@example.com", UserStatus::Active);
    okta.add_user("hrms.serviceuser", UserStatus::Active);
    okta.add_user("li.wei+admin@example.com", UserStatus::Suspended);
    let env: HashMap<&str, String> = HashMap::from([
        ("OORT_CLIENT_TOKEN", CLIENT_TOKEN.to_string()),
        ("OKTA_ORG_URL", okta.base_url()),
        ("OKTA_API_TOKEN", okta.token()),
        ("SLACK_BOT_TOKEN", slack.token()),
        ("SLACK_API_URL", slack.api_url()),
    ]);
    let project = flow_compile::compile_str(
        Some(CONFIG),
        &[
            ("oort-failing-check.yaml", OORT),
            ("demo-dispatcher.yaml", DISPATCHER),
        ],
        &flow_cards::registry(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open_in_memory().unwrap());
    let durable = Durable::new(store.clone(), LOG);
    let runs = Arc::new(Runs::default());
    let metrics = Arc::new(Metrics::default());
    let lookup = {
        let env = env.clone();
        move |k: &str| env.get(k).cloned()
    };
    let console = console.then(|| {
        let env = env.clone();
        Console::new(
            TOKEN.to_string(),
            Arc::new(move |k: &str| env.get(k).cloned()),
        )
    });
    let mut observers: Vec<Arc<dyn flow_runtime::Observer>> =
        vec![metrics.clone(), durable.clone()];
    if let Some(c) = &console {
        observers.push(c.clone());
    }
    observers.push(runs.clone());
    let transport = Arc::new(flow_cards::ReqwestTransport::new().unwrap());
    let live = Live::build(
        project,
        &lookup,
        transport,
        Duration::from_secs(60),
        &observers,
    )
    .unwrap();
    let mut state =
        ServerState::new(live, Limits::default(), metrics, LOG).with_durable(durable.clone());
    if let Some(c) = &console {
        state = state.with_console(c.clone());
    }
    Server {
        state: Arc::new(state),
        store,
        durable,
        runs,
        console,
        okta,
        slack,
    }
}

/// Delivers the seed's Oort event and waits for its run to be stored; returns its id.
pub(crate) async fn deliver_oort(s: &Server) -> String {
    let before = s.runs.finished();
    let req = Request::builder()
        .method("POST")
        .uri("/api/flo/oort-failing-check/invoke")
        .header("content-type", "application/json")
        .header("x-api-client-token", CLIENT_TOKEN)
        .body(Body::from(EVENT))
        .unwrap();
    let a = common::call(&s.state, req).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let id = a.headers["x-execution-id"].to_str().unwrap().to_string();
    s.runs.wait_finished(before + 1).await;
    s.durable.flush().unwrap();
    id
}

fn get(uri: &str) -> axum::http::request::Builder {
    Request::builder().uri(uri).header(header::HOST, HOST)
}

fn bearer(uri: &str) -> Request<Body> {
    get(uri)
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .body(Body::empty())
        .unwrap()
}

/// Signs in through the form; returns the cookie pair to send back.
async fn sign_in(state: &Arc<ServerState>) -> String {
    let a = login(
        state,
        &format!("token={TOKEN}"),
        Some("http://127.0.0.1:8080"),
        false,
    )
    .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text);
    let set = a.headers[header::SET_COOKIE].to_str().unwrap();
    set.split(';').next().unwrap().to_string()
}

async fn login(state: &Arc<ServerState>, form: &str, origin: Option<&str>, tls: bool) -> Answer {
    let mut req = Request::builder()
        .method("POST")
        .uri("/console/login")
        .header(header::HOST, HOST)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(o) = origin {
        req = req.header(header::ORIGIN, o);
    }
    if tls {
        req = req.header("x-forwarded-proto", "https");
    }
    common::call(state, req.body(Body::from(form.to_string())).unwrap()).await
}

fn with_cookie(uri: &str, cookie: &str) -> Request<Body> {
    get(uri)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn the_console_is_off_without_a_token() {
    let s = server(false).await;
    for uri in ["/console/", "/console/api/flows", "/console/api/executions"] {
        let a = common::call(&s.state, bearer(uri)).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{uri}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_token_or_a_wrong_one_gets_the_sign_in_page_or_401_never_data() {
    let s = server(true).await;
    let id = deliver_oort(&s).await;
    let api = [
        "/console/api/flows".to_string(),
        "/console/api/executions".to_string(),
        format!("/console/api/executions/{id}"),
        "/console/api/queue".to_string(),
        "/console/api/feed".to_string(),
    ];
    let wrong: [(&str, &str); 4] = [
        ("x-none", ""),
        ("authorization", "Bearer not-the-console-token-at-all"),
        ("authorization", "Basic Y29uc29sZTp0b2tlbg=="),
        ("cookie", "flowctl_console=99999999999.00.00"),
    ];
    for uri in &api {
        for (name, value) in wrong {
            let req = get(uri).header(name, value).body(Body::empty()).unwrap();
            let a = common::call(&s.state, req).await;
            assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{uri} {name}");
            assert_eq!(a.body["error"], "unauthorized", "{uri}");
            assert!(!a.text.contains(&id) && !a.text.contains("oort"), "{uri}");
        }
        // The feed never ends: its answer is read in the replay test.
        if !uri.ends_with("feed") {
            let a = common::call(&s.state, bearer(uri)).await;
            assert_eq!(a.status, StatusCode::OK, "{uri}: {}", a.text);
        }
    }
    for page in [
        "/console/",
        "/console/flows",
        &format!("/console/executions/{id}"),
    ] {
        for (name, value) in wrong {
            let req = get(page).header(name, value).body(Body::empty()).unwrap();
            let a = common::call(&s.state, req).await;
            assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{page}");
            assert!(
                a.text
                    .contains("<form method=\"post\" action=\"/console/login\">")
            );
            assert!(
                !a.text.contains(&id) && !a.text.contains("app.js"),
                "{page}"
            );
        }
    }
    // A wrong token in the form: the sign-in page again, no cookie.
    let a = login(&s.state, "token=not-the-token-0123456789", None, false).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert!(a.text.contains("That token is not right."));
    assert!(!a.headers.contains_key(header::SET_COOKIE));
    assert_eq!(s.state.metrics.rejected_count("console_sign_in"), 1);
}

#[tokio::test]
async fn signing_in_sets_a_strict_httponly_cookie_that_holds_no_token() {
    let s = server(true).await;
    let a = login(&s.state, &format!("token={TOKEN}"), None, false).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert_eq!(a.headers[header::LOCATION], "/console/");
    let set = a.headers[header::SET_COOKIE].to_str().unwrap().to_string();
    for attr in [
        "HttpOnly",
        "SameSite=Strict",
        "Path=/console",
        "Max-Age=43200",
    ] {
        assert!(set.contains(attr), "{set}");
    }
    assert!(!set.contains("Secure"), "plain HTTP: {set}");
    assert!(!set.contains(TOKEN) && !set.contains(&hex::encode(TOKEN)));
    let cookie = set.split(';').next().unwrap().to_string();
    let a = common::call(&s.state, with_cookie("/console/", &cookie)).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.text.contains("/console/assets/app.js"));
    let a = common::call(&s.state, with_cookie("/console/api/executions", &cookie)).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert!(a.body["executions"].is_array());

    // Behind TLS the cookie is Secure.
    let a = login(&s.state, &format!("token={TOKEN}"), None, true).await;
    let set = a.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(set.contains("; Secure"), "{set}");

    // A sign-in form posted from another site is refused, even with the right token.
    let a = login(
        &s.state,
        &format!("token={TOKEN}"),
        Some("https://evil.example"),
        false,
    )
    .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert!(!a.headers.contains_key(header::SET_COOKIE));

    // Signing out clears the cookie.
    let req = Request::builder()
        .method("POST")
        .uri("/console/logout")
        .header(header::HOST, HOST)
        .header(header::ORIGIN, "http://127.0.0.1:8080")
        .header(header::COOKIE, &cookie)
        .body(Body::empty())
        .unwrap();
    let a = common::call(&s.state, req).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert!(
        a.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_by_cookie_from_another_site_is_refused() {
    let s = server(true).await;
    let id = deliver_oort(&s).await;
    let cookie = sign_in(&s.state).await;
    let replay = |origin: Option<&str>, auth: (&str, String)| {
        let mut req = Request::builder()
            .method("POST")
            .uri(format!("/console/api/executions/{id}/replay?dry_run=true"))
            .header(header::HOST, HOST)
            .header(auth.0, auth.1);
        if let Some(o) = origin {
            req = req.header(header::ORIGIN, o);
        }
        req.body(Body::empty()).unwrap()
    };
    for origin in [None, Some("https://evil.example"), Some("null")] {
        let a = common::call(&s.state, replay(origin, ("cookie", cookie.clone()))).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{origin:?}: {}", a.text);
    }
    let a = common::call(
        &s.state,
        replay(Some("http://127.0.0.1:8080"), ("cookie", cookie.clone())),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    // A script with the token sends no cookie: nothing to forge, no origin needed.
    let a = common::call(
        &s.state,
        replay(None, ("authorization", format!("Bearer {TOKEN}"))),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
}

#[tokio::test]
async fn every_console_answer_has_a_strict_csp_and_no_framing() {
    let s = server(true).await;
    let cookie = sign_in(&s.state).await;
    let reqs = [
        get("/console/").body(Body::empty()).unwrap(),
        with_cookie("/console/", &cookie),
        with_cookie("/console/flows", &cookie),
        get("/console/api/flows").body(Body::empty()).unwrap(),
        bearer("/console/api/flows"),
        bearer("/console/api/queue"),
        get("/console/assets/app.js").body(Body::empty()).unwrap(),
        get("/console/assets/app.css").body(Body::empty()).unwrap(),
    ];
    for req in reqs {
        let uri = req.uri().to_string();
        let a = common::call(&s.state, req).await;
        let csp = a.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.starts_with("default-src 'self'"), "{uri}: {csp}");
        assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert_eq!(a.headers[header::X_FRAME_OPTIONS], "DENY", "{uri}");
        assert_eq!(
            a.headers[header::X_CONTENT_TYPE_OPTIONS],
            "nosniff",
            "{uri}"
        );
    }
    let a = common::call(&s.state, bearer("/console/api/flows")).await;
    assert_eq!(a.headers[header::CACHE_CONTROL], "no-store");
}

/// Stores a finished run of `flow` started at `at`.
fn stored(store: &Arc<dyn Store>, flow: &str, at: &str, status: RunStatus, user: &str) -> String {
    let id = flow_runtime::new_execution_id();
    store
        .begin(&NewRun {
            execution_id: id.clone(),
            flow: flow.into(),
            started_at: at.into(),
            input: StoredInput::Request {
                method: "POST".into(),
                body: format!(r#"{{"user":"{user}"}}"#),
                headers: vec![],
                query: vec![],
            },
            save_data: true,
            resumable: false,
        })
        .unwrap();
    let record: ExecutionRecord = serde_json::from_value(serde_json::json!({
        "execution_id": id, "flow": flow, "status": status.as_str(), "started_at": at,
        "duration_ms": 1.5, "steps": [], "output": null, "error": null,
    }))
    .unwrap();
    store.finish(&record).unwrap();
    id
}

#[tokio::test]
async fn executions_are_paged_newest_first_and_filtered_on_the_server() {
    let s = server(true).await;
    let mut expected = Vec::new();
    let mut user4 = String::new();
    for i in 0..7 {
        let (flow, status) = if i % 3 == 0 {
            ("demo-dispatcher", RunStatus::Failed)
        } else {
            ("oort-failing-check", RunStatus::Succeeded)
        };
        // Two runs per second: the same second twice, so the id breaks ties.
        let at = format!("2025-01-01T00:00:0{}Z", i / 2);
        let id = stored(&s.store, flow, &at, status, &format!("user{i}@example.com"));
        if i == 4 {
            user4 = id.clone();
        }
        expected.push((at, id, flow, status));
    }
    expected.sort_by(|a, b| (&b.0, &b.1).cmp(&(&a.0, &a.1)));

    let page = |query: String| {
        let state = s.state.clone();
        async move {
            let a = common::call(&state, bearer(&format!("/console/api/executions?{query}"))).await;
            assert_eq!(a.status, StatusCode::OK, "{query}: {}", a.text);
            a.body
        }
    };
    let mut seen = Vec::new();
    let mut before = String::new();
    let mut pages = 0;
    loop {
        let body = page(format!("limit=3&before={before}")).await;
        pages += 1;
        for r in body["executions"].as_array().unwrap() {
            seen.push(r["execution_id"].as_str().unwrap().to_string());
        }
        match body["next"].as_str() {
            Some(n) => before = n.to_string(),
            None => break,
        }
    }
    let ids: Vec<String> = expected.iter().map(|e| e.1.clone()).collect();
    assert_eq!(seen, ids);
    assert_eq!(pages, 3);

    let failed: Vec<String> = expected
        .iter()
        .filter(|e| e.3 == RunStatus::Failed)
        .map(|e| e.1.clone())
        .collect();
    let body = page("flow=demo-dispatcher&status=failed".into()).await;
    let got: Vec<&str> = body["executions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["execution_id"].as_str().unwrap())
        .collect();
    assert_eq!(got, failed);
    // Time range and text in the trigger.
    let body = page("since=2025-01-01T00:00:01Z&until=2025-01-01T00:00:02Z".into()).await;
    assert_eq!(body["executions"].as_array().unwrap().len(), 2);
    let body = page("q=user4%40example.com".into()).await;
    assert_eq!(body["executions"].as_array().unwrap().len(), 1);
    assert_eq!(body["executions"][0]["execution_id"], user4.as_str());

    let a = common::call(&s.state, bearer("/console/api/executions?status=done")).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(a.body["error"].as_str().unwrap().starts_with("`status`"));
    let a = common::call(&s.state, bearer("/console/api/executions/nope")).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
}

/// Every answer the console gives about a stored run, as text.
async fn everything_shown(s: &Server, id: &str, cookie: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for uri in [
        "/console/".to_string(),
        "/console/flows".to_string(),
        format!("/console/executions/{id}"),
        "/console/api/flows".to_string(),
        "/console/api/executions".to_string(),
        format!("/console/api/executions?q={CLIENT_TOKEN}"),
        format!("/console/api/executions/{id}"),
        "/console/api/queue".to_string(),
        "/console/assets/app.js".to_string(),
    ] {
        let a = common::call(&s.state, with_cookie(&uri, cookie)).await;
        out.push((uri, a.text));
    }
    let req = Request::builder()
        .method("POST")
        .uri(format!("/console/api/executions/{id}/replay?dry_run=true"))
        .header(header::HOST, HOST)
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .body(Body::empty())
        .unwrap();
    let a = common::call(&s.state, req).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.body["dry_run"], true);
    assert_eq!(a.body["record"]["dry_run"], true);
    out.push(("dry run".into(), a.text));
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_oort_run_is_shown_whole_and_no_secret_reaches_the_console() {
    let s = server(true).await;
    let id = deliver_oort(&s).await;
    let cookie = sign_in(&s.state).await;

    // The record is the one `flowctl history show --json` prints.
    let a = common::call(&s.state, bearer(&format!("/console/api/executions/{id}"))).await;
    let stored = serde_json::to_value(s.store.get(&id).unwrap().unwrap()).unwrap();
    assert_eq!(a.body, stored);
    let dispatch = a.body["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|st| st["id"] == "dispatch")
        .unwrap();
    assert_eq!(dispatch["children"].as_array().unwrap().len(), 3);
    assert!(
        !dispatch["children"][0]["steps"][0]["http"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let okta_calls = s.okta.requests().len();

    let shown = everything_shown(&s, &id, &cookie).await;
    for (uri, text) in &shown {
        for secret in s.secrets() {
            assert!(!text.contains(&secret), "{uri} shows a secret");
        }
    }
    // The dry run sent nothing.
    assert_eq!(s.okta.requests().len(), okta_calls);

    // The flows page's data: the endpoint URL and the step graph.
    let a = common::call(&s.state, bearer("/console/api/flows")).await;
    let oort = a.body["flows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "oort-failing-check")
        .unwrap()
        .clone();
    assert_eq!(oort["trigger"]["url"], "/api/flo/oort-failing-check/invoke");
    assert_eq!(oort["trigger"]["security"], "client_token");
    assert_eq!(oort["last_runs"][0]["execution_id"], id.as_str());
    let message = oort["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|st| st["id"] == "message")
        .unwrap();
    assert!(
        message["after"]
            .as_array()
            .unwrap()
            .contains(&Value::from("dispatch"))
    );
}

/// Reads server-sent events from `body` until a whole one has `want` in it; returns that event.
async fn next_event(body: &mut Body, want: &str) -> String {
    let mut text = String::new();
    loop {
        while let Some(end) = text.find("\n\n") {
            let event: String = text.drain(..end + 2).collect();
            if event.contains(want) {
                return event;
            }
        }
        let frame = body.frame().await.expect("the feed ended").unwrap();
        if let Ok(data) = frame.into_data() {
            text.push_str(&String::from_utf8_lossy(&data));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_queues_a_new_run_that_the_live_feed_reports() {
    let s = server(true).await;
    let id = deliver_oort(&s).await;
    let feed = router(s.state.clone())
        .oneshot(bearer("/console/api/feed"))
        .await
        .unwrap();
    assert_eq!(feed.status(), StatusCode::OK);
    assert_eq!(feed.headers()[header::CONTENT_TYPE], "text/event-stream");
    let mut body = feed.into_body();

    let req = Request::builder()
        .method("POST")
        .uri(format!("/console/api/executions/{id}/replay"))
        .header(header::HOST, HOST)
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .body(Body::empty())
        .unwrap();
    let finished = s.runs.finished();
    let a = common::call(&s.state, req).await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.text);
    let new_id = a.body["execution_id"].as_str().unwrap().to_string();
    assert_ne!(new_id, id);
    assert_eq!(a.body["replay_of"], id.as_str());

    let started = next_event(&mut body, &new_id).await;
    assert!(started.contains("event: run"), "{started}");
    assert!(started.contains("\"event\":\"started\""), "{started}");
    let ended = next_event(&mut body, "\"event\":\"finished\"").await;
    assert!(ended.contains(&new_id), "{ended}");
    s.runs.wait_finished(finished + 1).await;
    s.durable.flush().unwrap();

    let a = common::call(
        &s.state,
        bearer(&format!("/console/api/executions/{new_id}")),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.body["flow"], "oort-failing-check");
    assert_eq!(a.body["status"], "succeeded");
    // The replay read the stored trigger: its body is the seed's event.
    let list = common::call(&s.state, bearer("/console/api/executions")).await;
    assert_eq!(list.body["executions"][0]["execution_id"], new_id.as_str());

    // The feed ends when the server stops, so it does not hold the shutdown.
    s.console.as_ref().unwrap().close();
    while let Some(frame) = body.frame().await {
        frame.unwrap();
    }
    assert_eq!(s.slack.messages().len(), 2, "the replay posted again");
}
