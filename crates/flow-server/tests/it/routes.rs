//! The trigger server driven in-process (no socket): every row of SPEC 9 and every option —
//! tokens, signatures, limits, close-first answers, sync timeouts, load shedding, rate limits,
//! dedupe, health and metrics. Slow steps post to the fake Slack with a delay; tests wait for
//! runs through the [`common::Runs`] signal, and time-dependent tests run on tokio's paused
//! clock or a [`ManualClock`], never on the wall clock.

use crate::common;

use common::{Answer, CONFIG, HOOK, Options, Runs};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use flow_server::{Clock, Limits, Live, ManualClock, ServerState};
use flow_testkit::{FakeSlack, SlackFault};
use serde_json::json;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// The Unix time signatures below were made for.
const T: i64 = 1_700_000_000;

const OPEN: &str = r#"flow: open
trigger: { api_endpoint: { security: { public: true } } }
steps:
  - { id: out, card: flow.return, with: { outputs: { method: "{{ trigger.method }}", q: "{{ trigger.query.x }}", body: "{{ trigger.body }}" } } }
"#;

const STRICT: &str = r#"flow: strict
trigger: { api_endpoint: { security: { public: true }, accept: json } }
steps:
  - { id: out, card: flow.return, with: { outputs: { json: "{{ trigger.json }}" } } }
"#;

const FAILING: &str = r#"flow: failing
trigger: { api_endpoint: { alias: fails, security: { public: true } } }
steps:
  - { id: no, card: flow.fail, with: { status: 422, message: "not today" } }
"#;

const SLOW: &str = r##"flow: slow
trigger: { api_endpoint: { security: { public: true }, sync_timeout: 200ms } }
steps:
  - { id: post, card: slack.send_message, with: { connection: slack, channel: "#security-alerts", text: slow } }
"##;

const SIGNED: &str = r#"flow: signed
trigger:
  api_endpoint:
    security: { hmac: { secret: "${env:HMAC_SECRET}", header: X-Hub-Signature-256, timestamp_header: X-Timestamp, tolerance: 5m } }
steps:
  - { id: ack, card: http.close, with: { status: 200 } }
"#;

const GITHUB: &str = r#"flow: github
trigger:
  api_endpoint:
    security: { hmac: { preset: github, secret: "${env:GITHUB_SECRET}" } }
    rate_limit: { per_second: 1, burst: 1 }
steps:
  - { id: ack, card: http.close, with: { status: 204 } }
"#;

const LIMITED: &str = r#"flow: limited
trigger: { api_endpoint: { security: { public: true }, rate_limit: { per_second: 1, burst: 2 } } }
steps:
  - { id: ack, card: http.close }
"#;

struct Server {
    state: Arc<ServerState>,
    slack: FakeSlack,
    runs: Arc<Runs>,
}

async fn server(limits: Limits) -> Server {
    server_at(limits, None).await
}

/// A server reading the time from `clock`.
async fn server_at(limits: Limits, clock: Option<Arc<dyn Clock>>) -> Server {
    let slack = FakeSlack::start().await.unwrap();
    let env = HashMap::from([
        ("HOOK_TOKEN", "hook-token".to_string()),
        ("SLACK_TOKEN", slack.token()),
        ("SLACK_URL", slack.api_url()),
        ("HMAC_SECRET", "hmac-secret".to_string()),
        ("GITHUB_SECRET", "gh-secret".to_string()),
    ]);
    let files = [
        ("hook.yaml", HOOK),
        ("open.yaml", OPEN),
        ("failing.yaml", FAILING),
        ("slow.yaml", SLOW),
        ("signed.yaml", SIGNED),
        ("limited.yaml", LIMITED),
        ("strict.yaml", STRICT),
        ("github.yaml", GITHUB),
    ];
    let opts = Options {
        limits,
        clock,
        ..Options::default()
    };
    let (state, runs) = common::state_with(CONFIG, &files, env, opts);
    Server { state, slack, runs }
}

async fn call(s: &Server, req: Request<Body>) -> Answer {
    common::call(&s.state, req).await
}

fn post(path: &str, body: &str) -> axum::http::request::Builder {
    let _ = body;
    Request::builder().method("POST").uri(path)
}

fn hook(body: &str, token: Option<&str>) -> Request<Body> {
    let mut b = post("/api/flo/hook/invoke", body).header("content-type", "application/json");
    if let Some(t) = token {
        b = b.header("x-api-client-token", t);
    }
    b.body(Body::from(body.to_string())).unwrap()
}

#[tokio::test]
async fn missing_or_wrong_token_is_401_and_nothing_runs() {
    let s = server(Limits::default()).await;
    for token in [None, Some("wrong"), Some("hook-toke"), Some("hook-token-")] {
        let a = call(&s, hook("{\"id\": \"1\"}", token)).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        assert_eq!(a.body, json!({ "error": "unauthorized" }));
    }
    // Refusals answer before any run is spawned: nothing to wait for.
    assert_eq!(s.runs.started(), 0, "a refused request started a run");
    assert_eq!(s.state.metrics.rejected_count("unauthorized"), 4);
    // The token may also come in the query.
    let req = post("/api/flo/hook/invoke?clientToken=hook-token", "")
        .body(Body::from("{\"id\": \"q\"}"))
        .unwrap();
    assert_eq!(call(&s, req).await.status, StatusCode::ACCEPTED);
    s.runs.wait_finished(1).await;
    assert_eq!((s.runs.started(), s.slack.messages().len()), (1, 1));
}

#[tokio::test]
async fn unknown_flow_other_methods_and_paths() {
    let s = server(Limits::default()).await;
    let a = call(
        &s,
        post("/api/flo/nope/invoke", "")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    let a = call(
        &s,
        Request::builder()
            .method("DELETE")
            .uri("/api/flo/open/invoke")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(a.headers["allow"], "GET, POST");
    let a = call(
        &s,
        Request::builder()
            .uri("/somewhere")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bodies_over_max_body_are_413() {
    let s = server(Limits {
        max_body: 1024,
        ..Limits::default()
    })
    .await;
    let big = format!("{{\"id\": \"{}\"}}", "x".repeat(2 << 20));
    let a = call(&s, hook(&big, Some("hook-token"))).await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Without a Content-Length (chunked), the cap still holds while reading.
    let stream = futures_util::stream::iter(
        (0..64).map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![b' '; 1024]))),
    );
    let req = post("/api/flo/open/invoke", "")
        .body(Body::from_stream(stream))
        .unwrap();
    assert_eq!(call(&s, req).await.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(s.runs.started(), 0);
}

#[tokio::test]
async fn accept_json_rejects_broken_json_with_its_position() {
    let s = server(Limits::default()).await;
    let a = call(
        &s,
        hook("{\n  \"id\": \"1\",\n  oops\n}", Some("hook-token")),
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        (a.body["line"].clone(), a.body["column"].clone()),
        (json!(3), json!(3))
    );
    assert!(
        a.body["error"]
            .as_str()
            .unwrap()
            .starts_with("the body is not JSON")
    );
    assert_eq!(s.runs.started(), 0);
}

/// `{"id": "deep", "n": [[…]]}`: the object is one level, the list `lists` more.
fn nested(lists: usize) -> String {
    format!(
        "{{\"id\": \"deep\", \"n\": {}{}}}",
        "[".repeat(lists),
        "]".repeat(lists)
    )
}

#[tokio::test]
async fn accept_json_refuses_what_a_run_could_not_hold() {
    let s = server(Limits::default()).await;
    // The deepest body a run holds (flow_card::limits::MAX_JSON_DEPTH levels) is taken ...
    let a = call(&s, hook(&nested(109), Some("hook-token"))).await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{:?}", a.body);
    // ... one level more, and 127 (which serde_json alone would take), are refused up front.
    for lists in [110, 126] {
        let a = call(&s, hook(&nested(lists), Some("hook-token"))).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            a.body,
            json!({ "error": "the body is nested deeper than 110 levels" })
        );
    }
    // Answered at acceptance; the run follows.
    s.runs.wait_finished(1).await;
    assert_eq!(s.runs.started(), 1);
}

#[tokio::test]
async fn accept_json_takes_a_body_after_a_byte_order_mark() {
    let s = server(Limits::default()).await;
    let a = call(&s, hook("\u{feff}{\"id\": \"bom-1\"}", Some("hook-token"))).await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{:?}", a.body);
    // trigger.json skipped the mark too: the flow read the id.
    assert_eq!(a.body, json!({ "received": "bom-1" }));
}

#[tokio::test]
async fn accept_json_makes_the_checked_body_trigger_json_whatever_the_content_type() {
    let s = server(Limits::default()).await;
    for (body, content_type, json) in [
        ("42", "text/plain", json!(42)),
        ("\"text\"", "", json!("text")),
        ("{\"a\": [1]}", "text/plain", json!({"a": [1]})),
    ] {
        let mut b = post("/api/flo/strict/invoke", body);
        if !content_type.is_empty() {
            b = b.header("content-type", content_type);
        }
        let a = call(&s, b.body(Body::from(body.to_string())).unwrap()).await;
        assert_eq!(a.status, StatusCode::OK, "{body}: {}", a.text);
        assert_eq!(a.body["json"], json, "{body}");
    }
}

#[tokio::test(start_paused = true)]
async fn close_answers_at_once_and_the_run_goes_on() {
    let s = server(Limits::default()).await;
    // Slack holds the post for an hour of (paused, virtual) time.
    s.slack.fault(SlackFault::Delay {
        times: 1,
        delay: Duration::from_secs(3600),
    });
    let t = tokio::time::Instant::now();
    let a = call(&s, hook("{\"id\": \"evt-1\"}", Some("hook-token"))).await;
    assert_eq!(a.status, StatusCode::ACCEPTED);
    assert_eq!(a.body, json!({ "received": "evt-1" }));
    assert_eq!(a.headers["x-note"], "queued");
    assert!(a.headers.contains_key("x-execution-id"));
    // Answered while the post is still held: no time passed and the run has not ended.
    assert_eq!(t.elapsed(), Duration::ZERO);
    assert_eq!((s.runs.finished(), s.slack.messages().len()), (0, 0));
    s.runs.wait_finished(1).await;
    assert_eq!(s.slack.messages()[0].text.as_deref(), Some("event evt-1"));
}

#[tokio::test]
async fn without_close_the_outputs_or_the_failure_are_the_answer() {
    let s = server(Limits::default()).await;
    let req = Request::builder()
        .method("GET")
        .uri("/api/flo/open/invoke?x=1&y=2")
        .body(Body::empty())
        .unwrap();
    let a = call(&s, req).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.body, json!({ "method": "GET", "q": "1", "body": "" }));
    let a = call(
        &s,
        post("/api/flo/fails/invoke", "")
            .body(Body::from("x"))
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.body["error"], "not today");
    assert_eq!(
        a.body["execution_id"].as_str().unwrap(),
        a.headers["x-execution-id"].to_str().unwrap()
    );
}

/// A flow served under an `alias`, called by its own name, is 404 naming the alias's path;
/// a name that is no flow's is the plain 404.
#[tokio::test]
async fn a_flow_called_by_its_name_instead_of_its_alias_is_told_the_alias() {
    let s = server(Limits::default()).await;
    let a = call(
        &s,
        post("/api/flo/failing/invoke", "")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(
        a.body["error"],
        "no endpoint flow `failing`: flow `failing` has `alias: fails`, so it is served at /api/flo/fails/invoke"
    );
    let a = call(
        &s,
        post("/api/flo/nothing/invoke", "")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(a.body["error"], "no endpoint flow `nothing`");
}

#[tokio::test(start_paused = true)]
async fn still_running_after_the_sync_timeout_is_504_and_the_run_goes_on() {
    let s = server(Limits::default()).await;
    s.slack.fault(SlackFault::Delay {
        times: 1,
        delay: Duration::from_millis(600),
    });
    let t = tokio::time::Instant::now();
    let a = call(
        &s,
        post("/api/flo/slow/invoke", "")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, StatusCode::GATEWAY_TIMEOUT);
    // Exactly the flow's sync timeout of virtual time; the run has not ended.
    assert_eq!(t.elapsed(), Duration::from_millis(200));
    assert_eq!(s.runs.finished(), 0);
    assert!(a.body["execution_id"].is_string());
    s.runs.wait_finished(1).await;
    assert_eq!(s.slack.messages().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn past_max_in_flight_events_queue_and_only_a_full_queue_is_503() {
    let s = server(Limits {
        max_in_flight: 1,
        max_queue: 1,
        ..Limits::default()
    })
    .await;
    s.slack.fault(SlackFault::Delay {
        times: 1,
        delay: Duration::from_millis(500),
    });
    let first = call(&s, hook("{\"id\": \"a\"}", Some("hook-token"))).await;
    assert_eq!(first.status, StatusCode::ACCEPTED);
    // The first run holds the only run slot (its Slack post is slow) ...
    s.runs.wait_started(1).await;
    // ... so the second event is queued, and answered all the same.
    let second = call(&s, hook("{\"id\": \"b\"}", Some("hook-token"))).await;
    assert_eq!(second.status, StatusCode::ACCEPTED);
    assert_eq!(second.body, json!({ "received": "b" }));
    assert_eq!(s.state.queue.len(), 1);
    // The queue is full: refused, with when to try again, and not kept.
    let third = call(&s, hook("{\"id\": \"c\"}", Some("hook-token"))).await;
    assert_eq!(third.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(third.headers["retry-after"], "5");
    assert_eq!(s.state.metrics.rejected_count("queue_full"), 1);
    // Both accepted events run, in order; the refused one never does.
    s.runs.wait_finished(2).await;
    let texts: Vec<String> = s
        .slack
        .messages()
        .iter()
        .filter_map(|m| m.text.clone())
        .collect();
    assert_eq!(texts, ["event a", "event b"]);
    assert_eq!(s.runs.started(), 2);
    assert_eq!(s.state.queue.len(), 0);
    // Room again.
    let again = call(&s, hook("{\"id\": \"c\"}", Some("hook-token"))).await;
    assert_eq!(again.status, StatusCode::ACCEPTED);
    s.runs.wait_finished(3).await;
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after() {
    let clock = Arc::new(ManualClock::at_unix(T));
    let s = server_at(Limits::default(), Some(clock.clone())).await;
    let req = || {
        post("/api/flo/limited/invoke", "")
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(call(&s, req()).await.status, StatusCode::OK);
    assert_eq!(call(&s, req()).await.status, StatusCode::OK);
    let a = call(&s, req()).await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(a.headers["retry-after"], "1");
    // One token a second.
    clock.advance(Duration::from_secs(1));
    assert_eq!(call(&s, req()).await.status, StatusCode::OK);
    assert_eq!(call(&s, req()).await.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn repeated_deliveries_get_the_first_answer_and_do_not_run_again() {
    let s = server(Limits::default()).await;
    let first = call(&s, hook("{\"id\": \"same\"}", Some("hook-token"))).await;
    assert_eq!(first.status, StatusCode::ACCEPTED);
    let again = call(
        &s,
        hook("{\"id\": \"same\", \"retry\": 1}", Some("hook-token")),
    )
    .await;
    assert_eq!(again.status, StatusCode::ACCEPTED);
    assert_eq!(again.body, first.body);
    assert_eq!(
        again.headers["x-execution-id"],
        first.headers["x-execution-id"]
    );
    assert_eq!(again.headers["x-flowctl-duplicate"], "true");
    // The repeat was answered without queueing a run (it would start before "other").
    // Another id runs.
    call(&s, hook("{\"id\": \"other\"}", Some("hook-token"))).await;
    s.runs.wait_finished(2).await;
    assert_eq!((s.runs.started(), s.slack.messages().len()), (2, 2));
}

#[tokio::test]
async fn dedupe_keys_keep_their_type() {
    let s = server(Limits::default()).await;
    // Each of these printed as the same text before; each is its own delivery now.
    let pairs = [
        (r#"{"id": 1}"#, r#"{"id": "1"}"#),
        (r#"{"id": true}"#, r#"{"id": "true"}"#),
        (r#"{"id": {"a": 1}}"#, r#"{"id": "{\"a\":1}"}"#),
        (
            r#"{"id": 18446744073709551616}"#,
            r#"{"id": 18446744073709551617}"#,
        ),
    ];
    for (first, second) in pairs {
        let a = call(&s, hook(first, Some("hook-token"))).await;
        let b = call(&s, hook(second, Some("hook-token"))).await;
        assert_eq!(
            (a.status, b.headers.get("x-flowctl-duplicate")),
            (StatusCode::ACCEPTED, None),
            "{second} was taken for a repeat of {first}"
        );
        assert_ne!(a.headers["x-execution-id"], b.headers["x-execution-id"]);
        // The very same delivery again is still a repeat.
        let again = call(&s, hook(second, Some("hook-token"))).await;
        assert_eq!(again.headers["x-flowctl-duplicate"], "true", "{second}");
    }
    s.runs.wait_finished(8).await;
    assert_eq!(s.runs.started(), 8);
}

#[tokio::test]
async fn hmac_signatures_and_stale_timestamps() {
    let s = server_at(Limits::default(), Some(Arc::new(ManualClock::at_unix(T)))).await;
    let body = "{\"action\":\"x\"}";
    let signed = |ts: &str, sig: &str| {
        post("/api/flo/signed/invoke", "")
            .header("x-hub-signature-256", sig)
            .header("x-timestamp", ts)
            .body(Body::from(body))
            .unwrap()
    };
    // HMAC-SHA256("hmac-secret", "1700000000." + body), computed with Python's hmac.
    let good = "sha256=f580c89c5027ed5bcd2403e483120d9bdf85634eec02f7e208d02d67909f8a92";
    assert_eq!(
        call(&s, signed("1700000000", good)).await.status,
        StatusCode::OK
    );
    // The same made with "other-secret".
    let wrong = "sha256=bdb103223098c01c8ab8830e2e667129b5fa2e8cff8845cd2e15861259612057";
    assert_eq!(
        call(&s, signed("1700000000", wrong)).await.status,
        StatusCode::UNAUTHORIZED
    );
    // Made with the right secret an hour earlier ("1699996400." + body).
    let stale = "sha256=9833d95c65748ea45fa1798a50a0bef6124244b294c3e7e97c7b4e03cbd6b071";
    assert_eq!(
        call(&s, signed("1699996400", stale)).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(s.state.metrics.rejected_count("bad_signature"), 1);
    assert_eq!(s.state.metrics.rejected_count("stale_timestamp"), 1);
}

#[tokio::test]
async fn a_github_preset_endpoint_takes_githubs_signature() {
    let s = server(Limits::default()).await;
    let req = |sig: Option<&str>| {
        let mut b = post("/api/flo/github/invoke", "");
        if let Some(sig) = sig {
            b = b.header("X-Hub-Signature-256", sig);
        }
        b.body(Body::from("{\"zen\":\"hi\"}")).unwrap()
    };
    // HMAC-SHA256("gh-secret", body), computed with Python's hmac.
    let sig = "sha256=3559d0aae4ca9044d1282762c0b6adb3485fd40793ab2d47df22369b8e0dc882";
    assert_eq!(
        call(&s, req(Some(sig))).await.status,
        StatusCode::NO_CONTENT
    );
    let tampered = sig.replace("3559", "3558");
    assert_eq!(
        call(&s, req(Some(&tampered))).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(call(&s, req(None)).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn unsigned_requests_do_not_use_up_the_rate_limit() {
    // The clock stands still: the bucket (one token) never refills during the test.
    let s = server_at(Limits::default(), Some(Arc::new(ManualClock::at_unix(T)))).await;
    let req = |sig: &str| {
        post("/api/flo/github/invoke", "")
            .header("x-hub-signature-256", sig)
            .body(Body::from("{\"zen\":\"hi\"}"))
            .unwrap()
    };
    for _ in 0..5 {
        let a = call(&s, req("sha256=00")).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(s.state.metrics.rejected_count("rate_limited"), 0);
    let sig = "sha256=3559d0aae4ca9044d1282762c0b6adb3485fd40793ab2d47df22369b8e0dc882";
    assert_eq!(call(&s, req(sig)).await.status, StatusCode::NO_CONTENT);
    // The signed caller's second request is the one over the rate.
    assert_eq!(
        call(&s, req(sig)).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

/// A request to `path` from `peer` whose body never ends: its sender is returned, and the
/// body stays open while the sender lives.
fn endless(path: &str, peer: &str) -> (Request<Body>, tokio::sync::mpsc::Sender<bytes::Bytes>) {
    let (tx, rx) = tokio::sync::mpsc::channel::<bytes::Bytes>(1);
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|b| (Ok::<_, std::io::Error>(b), rx))
    });
    let mut req = post(path, "")
        .header("content-length", "1000")
        .body(Body::from_stream(stream))
        .unwrap();
    let addr: SocketAddr = peer.parse().unwrap();
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(addr));
    (req, tx)
}

#[tokio::test]
async fn unauthenticated_slow_bodies_hold_no_run_slot_and_are_bounded() {
    let s = server(Limits {
        max_in_flight: 2,
        max_unauthenticated_reads: 3,
        max_unauthenticated_reads_per_client: 2,
        ..Limits::default()
    })
    .await;
    // Three slow, unsigned bodies to the signed endpoint from two clients.
    let mut held = Vec::new();
    for peer in ["10.0.0.1:1000", "10.0.0.1:1001", "10.0.0.2:1000"] {
        let (req, tx) = endless("/api/flo/signed/invoke", peer);
        let st = s.state.clone();
        held.push((
            tokio::spawn(async move { common::call(&st, req).await }),
            tx,
        ));
    }
    // The three reads are under way (a counter, not a sleep); none may be answered before its
    // body arrives.
    while s.state.unauthenticated_reads("signed") < 3 {
        for (task, _) in &held {
            assert!(!task.is_finished(), "a slow body was answered early");
        }
        tokio::task::yield_now().await;
    }
    // No run slot was taken: a caller with a token still runs, twice.
    for id in ["a", "b"] {
        let a = call(
            &s,
            hook(&format!("{{\"id\": \"{id}\"}}"), Some("hook-token")),
        )
        .await;
        assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.text);
    }
    // The first client holds its share: 429; a third client finds the endpoint's places
    // taken: 503.
    let (req, _tx) = endless("/api/flo/signed/invoke", "10.0.0.1:1002");
    let a = call(&s, req).await;
    assert_eq!(
        (a.status, a.body.clone(), a.headers["retry-after"].clone()),
        (
            StatusCode::TOO_MANY_REQUESTS,
            json!({ "error": "too many requests in progress from this client" }),
            "1".parse().unwrap()
        )
    );
    let (req, _tx) = endless("/api/flo/signed/invoke", "10.0.0.3:1000");
    let a = call(&s, req).await;
    assert_eq!(
        (a.status, a.body.clone()),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({ "error": "too many requests in progress; try again" })
        )
    );
    // The two runs end and give their slots back (an explicit wait, not a sleep).
    drop(s.state.runs.acquire_many(2).await.unwrap());
    // Other public endpoints have their own places.
    let (req, tx) = endless("/api/flo/open/invoke", "10.0.0.3:1000");
    let open = tokio::spawn({
        let st = s.state.clone();
        async move { common::call(&st, req).await }
    });
    tx.send(bytes::Bytes::from_static(b"x")).await.unwrap();
    drop(tx);
    assert_eq!(open.await.unwrap().status, StatusCode::OK);
    assert_eq!(
        (
            s.state.metrics.rejected_count("client_busy"),
            s.state.metrics.rejected_count("unauthenticated_busy"),
            s.state.metrics.rejected_count("queue_full"),
        ),
        (1, 1, 0)
    );
    // The slow bodies end (unsigned): each is refused and its place comes back.
    for (task, tx) in held {
        drop(tx);
        assert_eq!(task.await.unwrap().status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(s.state.unauthenticated_reads("signed"), 0);
}

#[tokio::test]
async fn head_is_405_and_runs_nothing() {
    let s = server(Limits::default()).await;
    let a = call(
        &s,
        Request::builder()
            .method("HEAD")
            .uri("/api/flo/open/invoke")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(
        (a.status, a.headers["allow"].clone()),
        (StatusCode::METHOD_NOT_ALLOWED, "GET, POST".parse().unwrap())
    );
    assert_eq!(s.runs.started(), 0);
    assert_eq!(s.state.metrics.rejected_count("method_not_allowed"), 1);
}

#[tokio::test]
async fn health_readiness_and_metrics() {
    let s = server(Limits::default()).await;
    assert_eq!(
        call(
            &s,
            Request::builder()
                .uri("/healthz")
                .body(Body::empty())
                .unwrap()
        )
        .await
        .text,
        "ok\n"
    );
    assert_eq!(
        call(
            &s,
            Request::builder()
                .uri("/readyz")
                .body(Body::empty())
                .unwrap()
        )
        .await
        .status,
        StatusCode::OK
    );
    call(&s, hook("{\"id\": \"m\"}", None)).await;
    call(
        &s,
        Request::builder()
            .uri("/api/flo/open/invoke")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    // Every run has ended and given its slot back (after its metrics were counted).
    drop(s.state.runs.acquire_many(256).await.unwrap());
    let m = call(
        &s,
        Request::builder()
            .uri("/metrics")
            .body(Body::empty())
            .unwrap(),
    )
    .await
    .text;
    assert!(
        m.contains("flowctl_rejected_requests_total{reason=\"unauthorized\"} 1"),
        "{m}"
    );
    assert!(
        m.contains("flowctl_runs_total{flow=\"open\",status=\"succeeded\"} 1"),
        "{m}"
    );
    assert!(
        m.contains("flowctl_step_duration_seconds_count{flow=\"open\",card=\"flow.return\"} 1"),
        "{m}"
    );
    assert!(m.contains("flowctl_runs_in_flight 0"), "{m}");
    assert!(
        m.contains("flowctl_http_responses_total{status=\"401\"} 1"),
        "{m}"
    );
}

#[tokio::test]
async fn a_missing_secret_stops_the_start() {
    let project = flow_compile::compile_str(
        Some(CONFIG),
        &[("hook.yaml", HOOK)],
        &flow_cards::registry(),
    )
    .unwrap();
    let none = |_: &str| None;
    let transport = Arc::new(flow_cards::ReqwestTransport::new().unwrap());
    let err = Live::build(project, &none, transport, Duration::from_secs(1), &[])
        .err()
        .unwrap();
    assert!(err.to_string().contains("`HOOK_TOKEN`"), "{err}");
}
