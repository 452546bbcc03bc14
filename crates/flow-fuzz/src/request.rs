//! The `request` target: an HTTP request sent through the server's router in-process (no
//! socket), against a project with public, token, HMAC and timestamped-HMAC endpoints that
//! dedupe; and the same request turned into a trigger value and a stored record directly.

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Method, Request};
use flow_runtime::TriggerRequest;
use flow_server::{Limits, Live, LogFormat, Logger, Metrics, ServerState, router};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tower::ServiceExt;

/// The client token of the `token` and `both` endpoints.
pub const TOKEN: &str = "fuzz-token";
/// The HMAC secret of the `signed`, `stamped` and `both` endpoints.
pub const SECRET: &str = "fuzz-secret";

const FLOWS: &[(&str, &str)] = &[
    (
        "open.yaml",
        r#"flow: open
trigger: { api_endpoint: { alias: open, security: { public: true }, dedupe: { key: "{{ trigger.query.id }}", window: 1h } } }
steps:
  - { id: parsed, card: json.parse, with: { text: "{{ trigger.body }}", fields: { id: { path: "$.id", type: text } } }, on_error: continue }
  - { id: ack, card: http.close, with: { status: 200, body: { method: "{{ trigger.method }}", id: "{{ parsed.id }}", json: "{{ trigger.json }}", q: "{{ trigger.query }}" } } }
"#,
    ),
    (
        "token.yaml",
        r#"flow: token
trigger:
  api_endpoint:
    security: { client_token: "${env:TOKEN}" }
    accept: json
    dedupe: { key: "{{ trigger.json.id }}", window: 1h }
steps:
  - { id: ack, card: http.close, with: { status: 202, headers: { x-id: "{{ trigger.json.id }}" }, body: "{{ trigger.json }}" } }
  - { id: out, card: flow.return, with: { outputs: { headers: "{{ trigger.headers }}" } } }
"#,
    ),
    (
        "signed.yaml",
        r#"flow: signed
trigger:
  api_endpoint:
    security: { hmac: { secret: "${env:SECRET}" } }
    accept: json
    dedupe: { key: "{{ json trigger.json }}", window: 1h }
steps:
  - { id: out, card: flow.return, with: { outputs: { json: "{{ trigger.json }}", body: "{{ trigger.body }}" } } }
"#,
    ),
    (
        "stamped.yaml",
        r#"flow: stamped
trigger:
  api_endpoint:
    security: { hmac: { secret: "${env:SECRET}", header: X-Hub-Signature-256, timestamp_header: X-Timestamp, tolerance: 5m } }
steps:
  - { id: check, card: flow.continue_if, with: { condition: "{{ trigger.json }}" } }
  - { id: out, card: flow.return, with: { outputs: { q: "{{ trigger.query }}" } } }
"#,
    ),
    (
        "both.yaml",
        r#"flow: both
trigger:
  api_endpoint:
    security: { client_token: "${env:TOKEN}", hmac: { secret: "${env:SECRET}", prefix: "" } }
    dedupe: { key: "{{ trigger.headers.x-delivery }}{{ trigger.body }}" }
steps:
  - { id: no, card: flow.fail, with: { status: 422, message: "{{ trigger.body }}" } }
"#,
    ),
];

/// The compiled project and its endpoints, built once.
fn live() -> Option<&'static Live> {
    static LIVE: OnceLock<Option<Live>> = OnceLock::new();
    LIVE.get_or_init(|| {
        let project = flow_compile::compile_str(None, FLOWS, &flow_cards::registry()).ok()?;
        let env = |k: &str| match k {
            "TOKEN" => Some(TOKEN.to_string()),
            "SECRET" => Some(SECRET.to_string()),
            _ => None,
        };
        Live::build(
            project,
            &env,
            Arc::new(flow_runtime::NoTransport),
            Duration::from_secs(5),
            &[],
        )
        .ok()
    })
    .as_ref()
}

fn now() -> String {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
        .to_string()
}

/// A request taken apart: method, target, headers, body.
struct Parts {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// Reads an input as an HTTP/1 message: `METHOD TARGET`, `name: value` lines, an empty line,
/// the raw body. A header value `@now` becomes the current Unix time; `@sign` becomes a valid
/// signature of the body (with the `x-timestamp` header's value when there is one), so the
/// fuzzer gets past the HMAC check too.
fn parse(data: &[u8]) -> Parts {
    let split = data.windows(2).position(|w| w == b"\n\n");
    let (head, body) = match split {
        Some(i) => (&data[..i], data[i + 2..].to_vec()),
        None => (data, Vec::new()),
    };
    let head = String::from_utf8_lossy(head);
    let mut lines = head.lines();
    let first = lines.next().unwrap_or("");
    let (method, target) = first.split_once(' ').unwrap_or((first, "/"));
    let mut headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.to_string(), v.trim_start().to_string()))
        .map(|(k, v)| if v == "@now" { (k, now()) } else { (k, v) })
        .collect();
    let ts = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("x-timestamp"))
        .map(|(_, v)| v.trim().to_string());
    for (_, v) in &mut headers {
        if v == "@sign" {
            *v = flow_server::sign(SECRET.as_bytes(), ts.as_deref(), &body);
        } else if v == "@sha256" {
            *v = format!(
                "sha256={}",
                flow_server::sign(SECRET.as_bytes(), ts.as_deref(), &body)
            );
        }
    }
    Parts {
        method: method.to_string(),
        target: target.trim().to_string(),
        headers,
        body,
    }
}

/// Input: an HTTP/1-like message (see the module docs and `docs/fuzzing.md`). The request goes
/// through the router and, when it reaches the flow, the run finishes before the next input.
pub fn request(data: &[u8]) {
    std::hint::black_box(request_status(data));
}

/// [`request`], returning the status of the answer (`None` when the request could not be
/// built: an invalid method or target, which the HTTP server refuses before routing).
pub fn request_status(data: &[u8]) -> Option<u16> {
    let live = live()?;
    let parts = parse(data);

    // The trigger value and the stored record, built directly.
    let trigger = TriggerRequest {
        method: parts.method.clone(),
        body: String::from_utf8_lossy(&parts.body).into_owned(),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
            .collect(),
        query: parts
            .target
            .split_once('?')
            .map(|(_, q)| q)
            .unwrap_or("")
            .split('&')
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    };
    std::hint::black_box((
        trigger.to_value(),
        trigger.to_value_accepting_json(),
        trigger.to_record(),
        flow_server::stored_input(&trigger),
    ));

    // The request, through the router.
    let method = Method::from_bytes(parts.method.as_bytes()).ok()?;
    let mut req = Request::builder()
        .method(method)
        .uri(parts.target.as_str())
        .body(Body::from(parts.body))
        .ok()?;
    for (k, v) in &parts.headers {
        if let (Ok(k), Ok(v)) = (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            req.headers_mut().append(k, v);
        }
    }
    let live = Live {
        engine: live.engine.clone(),
        endpoints: live.endpoints.clone(),
        hooks: live.hooks.clone(),
        schedules: live.schedules.clone(),
    };
    let limits = Limits {
        max_body: 64 << 10,
        max_in_flight: 4,
        body_timeout: Duration::from_secs(5),
        ..Limits::default()
    };
    let state = Arc::new(ServerState::new(
        live,
        limits,
        Arc::new(Metrics::default()),
        Logger {
            format: LogFormat::Off,
            sink: None,
        },
    ));
    super::with_runtime(|rt| {
        rt.block_on(async {
            let Ok(resp) = router(state.clone()).oneshot(req).await;
            let status = resp.status().as_u16();
            let body = axum::body::to_bytes(resp.into_body(), 1 << 20).await;
            std::hint::black_box(body.ok());
            // Let a run that closed early finish before the next input.
            state.drain(Duration::from_secs(5)).await;
            status
        })
    })
}
