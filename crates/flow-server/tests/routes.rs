//! The trigger server driven in-process (no socket): every row of SPEC 9 and every option —
//! tokens, signatures, limits, close-first answers, sync timeouts, load shedding, rate limits,
//! dedupe, health and metrics. Slow steps post to the fake Slack with a delay.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Answer, CONFIG, HOOK};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use flow_server::{Limits, Live, ServerState, sign};
use flow_testkit::{FakeSlack, SlackFault};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

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

const LIMITED: &str = r#"flow: limited
trigger: { api_endpoint: { security: { public: true }, rate_limit: { per_second: 1, burst: 2 } } }
steps:
  - { id: ack, card: http.close }
"#;

struct Server {
    state: Arc<ServerState>,
    slack: FakeSlack,
}

async fn server(limits: Limits) -> Server {
    let slack = FakeSlack::start().await.unwrap();
    let env = HashMap::from([
        ("HOOK_TOKEN", "hook-token".to_string()),
        ("SLACK_TOKEN", slack.token()),
        ("SLACK_URL", slack.api_url()),
        ("HMAC_SECRET", "hmac-secret".to_string()),
    ]);
    let files = [
        ("hook.yaml", HOOK),
        ("open.yaml", OPEN),
        ("failing.yaml", FAILING),
        ("slow.yaml", SLOW),
        ("signed.yaml", SIGNED),
        ("limited.yaml", LIMITED),
        ("strict.yaml", STRICT),
    ];
    let state = common::state(CONFIG, &files, env, limits, None);
    Server { state, slack }
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

async fn wait_for(mut check: impl FnMut() -> bool) {
    let t = Instant::now();
    while !check() {
        assert!(t.elapsed() < Duration::from_secs(5), "timed out waiting");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn missing_or_wrong_token_is_401_and_nothing_runs() {
    let s = server(Limits::default()).await;
    for token in [None, Some("wrong"), Some("hook-toke"), Some("hook-token-")] {
        let a = call(&s, hook("{\"id\": \"1\"}", token)).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        assert_eq!(a.body, json!({ "error": "unauthorized" }));
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        s.slack.requests().is_empty(),
        "a refused request started a run"
    );
    assert_eq!(s.state.metrics.rejected_count("unauthorized"), 4);
    // The token may also come in the query.
    let req = post("/api/flo/hook/invoke?clientToken=hook-token", "")
        .body(Body::from("{\"id\": \"q\"}"))
        .unwrap();
    assert_eq!(call(&s, req).await.status, StatusCode::ACCEPTED);
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
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(s.slack.requests().is_empty());
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
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(s.slack.requests().is_empty());
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

#[tokio::test]
async fn close_answers_at_once_and_the_run_goes_on() {
    let s = server(Limits::default()).await;
    s.slack.fault(SlackFault::Delay {
        times: 1,
        delay: Duration::from_millis(400),
    });
    let t = Instant::now();
    let a = call(&s, hook("{\"id\": \"evt-1\"}", Some("hook-token"))).await;
    let took = t.elapsed();
    assert_eq!(a.status, StatusCode::ACCEPTED);
    assert_eq!(a.body, json!({ "received": "evt-1" }));
    assert_eq!(a.headers["x-note"], "queued");
    assert!(a.headers.contains_key("x-execution-id"));
    assert!(
        took < Duration::from_millis(300),
        "the caller waited {took:?}"
    );
    wait_for(|| s.slack.messages().len() == 1).await;
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

#[tokio::test]
async fn still_running_after_the_sync_timeout_is_504_and_the_run_goes_on() {
    let s = server(Limits::default()).await;
    s.slack.fault(SlackFault::Delay {
        times: 1,
        delay: Duration::from_millis(600),
    });
    let t = Instant::now();
    let a = call(
        &s,
        post("/api/flo/slow/invoke", "")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, StatusCode::GATEWAY_TIMEOUT);
    assert!(t.elapsed() < Duration::from_millis(550));
    assert!(a.body["execution_id"].is_string());
    wait_for(|| s.slack.messages().len() == 1).await;
}

#[tokio::test]
async fn too_many_runs_in_flight_is_503_with_retry_after() {
    let s = server(Limits {
        max_in_flight: 1,
        ..Limits::default()
    })
    .await;
    s.slack.fault(SlackFault::Delay {
        times: 1,
        delay: Duration::from_millis(500),
    });
    let first = call(&s, hook("{\"id\": \"a\"}", Some("hook-token"))).await;
    assert_eq!(first.status, StatusCode::ACCEPTED);
    let second = call(&s, hook("{\"id\": \"b\"}", Some("hook-token"))).await;
    assert_eq!(second.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(second.headers["retry-after"], "1");
    assert_eq!(s.state.metrics.rejected_count("overloaded"), 1);
    // Once the first run is done, there is room again.
    wait_for(|| s.slack.messages().len() == 1).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        call(&s, hook("{\"id\": \"c\"}", Some("hook-token")))
            .await
            .status,
        StatusCode::ACCEPTED
    );
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after() {
    let s = server(Limits::default()).await;
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
    wait_for(|| !s.slack.messages().is_empty()).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(s.slack.messages().len(), 1, "the repeat ran the flow again");
    // Another id runs.
    call(&s, hook("{\"id\": \"other\"}", Some("hook-token"))).await;
    wait_for(|| s.slack.messages().len() == 2).await;
}

#[tokio::test]
async fn hmac_signatures_and_stale_timestamps() {
    let s = server(Limits::default()).await;
    let body = "{\"action\":\"x\"}";
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let signed = |ts: &str, sig: &str| {
        post("/api/flo/signed/invoke", "")
            .header("x-hub-signature-256", sig)
            .header("x-timestamp", ts)
            .body(Body::from(body))
            .unwrap()
    };
    let good = format!(
        "sha256={}",
        sign(b"hmac-secret", Some(&now), body.as_bytes())
    );
    assert_eq!(call(&s, signed(&now, &good)).await.status, StatusCode::OK);
    let wrong = format!(
        "sha256={}",
        sign(b"other-secret", Some(&now), body.as_bytes())
    );
    assert_eq!(
        call(&s, signed(&now, &wrong)).await.status,
        StatusCode::UNAUTHORIZED
    );
    let old = (now.parse::<i64>().unwrap() - 3600).to_string();
    let stale = format!(
        "sha256={}",
        sign(b"hmac-secret", Some(&old), body.as_bytes())
    );
    assert_eq!(
        call(&s, signed(&old, &stale)).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(s.state.metrics.rejected_count("bad_signature"), 1);
    assert_eq!(s.state.metrics.rejected_count("stale_timestamp"), 1);
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
    tokio::time::sleep(Duration::from_millis(50)).await;
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
