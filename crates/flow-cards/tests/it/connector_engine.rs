//! The connector engine: a toy connector file against a toy vendor on 127.0.0.1 (requests
//! built, outputs mapped, success rules, errors, cursor and offset paging), load errors with
//! positions, and `okta.list_users` paging over 1,050 users of the fake Okta with a 429 in the
//! middle.

use flow_card::RunEnv;
use flow_cards::ReqwestTransport;
use flow_runtime::{Engine, ExecutionRecord, RunInput, RunOptions, StepRecord};
use flow_testkit::{FakeOkta, Fault, UserStatus};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A toy vendor API, documented here as its contract:
/// - `POST /issues` (basic auth `me@x.com:tok-123456`) answers 201 `{id, key}` with
///   `key = <project>-1`;
/// - `GET /issues/OPS-1` answers `{fields: {summary}}`; other keys 404
///   `{code: NOT_FOUND, message: "Issue does not exist"}`;
/// - `POST /issues/{key}/close` answers 400 `{code: ALREADY, message: "already closed"}`;
/// - `GET /items?cursor=` pages 5 items by 2 with `{data, next}`;
/// - `GET /things?startAt=&maxResults=` pages 7 items with `{total: 7, values}`.
pub(crate) const TOY: &str = r#"
connector: toy
title: Toy
summary: A toy API for tests
settings:
  base_url: { doc: "the API", url: true }
  email: { doc: "the user" }
  api_token: { doc: "a token", secret: true }
base_url: "{{ settings.base_url }}"
auth:
  - basic: { username: "{{ settings.email }}", password: "{{ settings.api_token }}" }
headers: { accept: application/json }
errors:
  message: "{{ body.message }}"
  code: "{{ body.code }}"
paging:
  cursor: { param: cursor, next: "{{ body.next }}" }
  offset: { param: startAt, size_param: maxResults, size: 3, total: "{{ body.total }}" }
actions:
  create_issue:
    summary: Create an issue
    effect: writes
    inputs:
      project: { type: text }
      summary: { type: text }
      description: { type: text, required: false }
      labels: { type: list, required: false }
    request:
      method: POST
      path: /issues
      body:
        fields:
          project: { key: "{{ inputs.project }}" }
          summary: "{{ inputs.summary }}"
          description: "{{ inputs.description }}"
          labels: "{{ inputs.labels }}"
    output: { type: { id: text, key: text } }
    rehearsal: { id: "10000", key: "{{ inputs.project }}-1" }
  get_issue:
    summary: Read an issue
    effect: reads
    inputs: { key: { type: text } }
    request: { method: GET, path: "/issues/{key}" }
    error_messages: { "404": "no issue {{ inputs.key }}" }
    output: { value: "{{ body.fields }}", type: { summary: text } }
  close_issue:
    summary: Close an issue
    effect: writes
    inputs: { key: { type: text } }
    request: { method: POST, path: "/issues/{key}/close" }
    success: [ { status: 400, code: ALREADY, output: { closed: true, already: true } } ]
    output: { value: { closed: true, already: false }, type: { closed: boolean, already: boolean } }
  list_items:
    summary: List items
    effect: reads
    request: { method: GET, path: /items }
    paging: cursor
    items: "{{ body.data }}"
    output: { type: { n: number } }
  list_things:
    summary: List things
    effect: reads
    request: { method: GET, path: /things }
    paging: offset
    items: "{{ body.values }}"
    output: { type: { n: number } }
"#;

pub(crate) const CONFIG: &str = "connections:
  okta_svc: { kind: okta, org_url: \"${env:OKTA_URL}\", client_id: svc-1, client_secret: \"${env:SVC_SECRET}\", scopes: okta.users.read }
  toy: { kind: toy, base_url: \"${env:TOY_URL}\", email: me@x.com, api_token: \"${env:TOY_TOKEN}\" }
  okta: { kind: okta, org_url: \"${env:OKTA_URL}\", token: \"${env:OKTA_TOKEN}\" }
";

/// One request the toy vendor saw.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub(crate) method: String,
    pub(crate) target: String,
    headers: Vec<(String, String)>,
    body: String,
}

/// Starts the toy vendor; returns its base URL and what it saw.
pub(crate) async fn toy() -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let log = log.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let head_end = loop {
                    let n = sock.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        break i + 4;
                    }
                };
                let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
                let mut lines = head.lines();
                let first = lines.next().unwrap_or_default().to_string();
                let mut parts = first.split(' ');
                let method = parts.next().unwrap_or_default().to_string();
                let target = parts.next().unwrap_or_default().to_string();
                let headers: Vec<(String, String)> = lines
                    .filter_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        Some((k.trim().to_ascii_lowercase(), v.trim().to_string()))
                    })
                    .collect();
                let len: usize = headers
                    .iter()
                    .find(|(k, _)| k == "content-length")
                    .and_then(|(_, v)| v.parse().ok())
                    .unwrap_or(0);
                while buf.len() < head_end + len {
                    let n = sock.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
                let body = String::from_utf8_lossy(&buf[head_end..]).to_string();
                let (status, answer) = route(&method, &target, &body);
                log.lock().unwrap().push(Seen {
                    method,
                    target,
                    headers,
                    body,
                });
                let text = answer.to_string();
                let reply = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
                    text.len()
                );
                let _ = sock.write_all(reply.as_bytes()).await;
            });
        }
    });
    (base, seen)
}

fn param(target: &str, name: &str) -> Option<String> {
    let q = target.split_once('?')?.1;
    q.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}

fn route(method: &str, target: &str, body: &str) -> (u16, Value) {
    let path = target.split('?').next().unwrap_or_default();
    match (method, path) {
        ("POST", "/issues") => {
            let b: Value = serde_json::from_str(body).unwrap_or(Value::Null);
            let project = b["fields"]["project"]["key"].as_str().unwrap_or("?");
            (201, json!({ "id": "10000", "key": format!("{project}-1") }))
        }
        ("GET", "/issues/OPS-1") => (200, json!({ "fields": { "summary": "Hi" } })),
        ("GET", p) if p.starts_with("/issues/") => (
            404,
            json!({ "code": "NOT_FOUND", "message": "Issue does not exist" }),
        ),
        ("POST", p) if p.ends_with("/close") => (
            400,
            json!({ "code": "ALREADY", "message": "already closed" }),
        ),
        ("GET", "/items") => {
            let at: usize = param(target, "cursor")
                .and_then(|c| c.strip_prefix('c').map(str::to_string))
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            let data: Vec<Value> = (at..(at + 2).min(5)).map(|n| json!({ "n": n })).collect();
            let next = if at + 2 < 5 {
                json!(format!("c{}", at + 2))
            } else {
                json!("")
            };
            (200, json!({ "data": data, "next": next }))
        }
        ("GET", "/things") => {
            let at: usize = param(target, "startAt")
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            let size: usize = param(target, "maxResults")
                .and_then(|s| s.parse().ok())
                .unwrap_or(50);
            let values: Vec<Value> = (at..(at + size).min(7))
                .map(|n| json!({ "n": n }))
                .collect();
            (200, json!({ "total": 7, "values": values }))
        }
        _ => (404, json!({ "code": "NO_ROUTE", "message": "no route" })),
    }
}

pub(crate) fn registry() -> flow_card::Registry {
    flow_cards::connector::registry_with(&[("connectors/toy.yaml", TOY)])
        .unwrap_or_else(|e| panic!("{e}"))
}

async fn run(steps: &str, env: HashMap<String, String>) -> ExecutionRecord {
    let flow =
        format!("flow: t\ntrigger: {{ helper: {{ inputs: {{ v: any }} }} }}\nsteps:\n{steps}");
    let project = flow_compile::compile_str(Some(CONFIG), &[("t.yaml", &flow)], &registry())
        .unwrap_or_else(|e| panic!("{e}"));
    let lookup = move |k: &str| env.get(k).cloned();
    let connections = flow_runtime::connect_all(&project, &lookup, false).unwrap();
    let env = RunEnv {
        dry_run: false,
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

fn step<'a>(r: &'a ExecutionRecord, id: &str) -> &'a StepRecord {
    r.steps.iter().find(|s| &*s.id == id).unwrap()
}

fn output(r: &ExecutionRecord, id: &str) -> Value {
    step(r, id)
        .output
        .as_deref()
        .cloned()
        .unwrap_or(Value::Null)
}

pub(crate) fn toy_env(base: &str) -> HashMap<String, String> {
    HashMap::from([
        ("TOY_URL".to_string(), base.to_string()),
        ("TOY_TOKEN".to_string(), "tok-123456".to_string()),
        ("OKTA_URL".to_string(), "http://127.0.0.1:9".to_string()),
        ("OKTA_TOKEN".to_string(), "unused".to_string()),
        ("SVC_SECRET".to_string(), "unused".to_string()),
    ])
}

#[tokio::test]
async fn toy_actions_build_requests_and_map_outputs() {
    let (base, seen) = toy().await;
    let steps = "  - { id: create, card: toy.create_issue, with: { connection: toy, project: OPS, summary: \"Hi there\", labels: [a, b] } }
  - { id: read, card: toy.get_issue, with: { connection: toy, key: \"{{ create.key }}\" } }
  - { id: close, card: toy.close_issue, with: { connection: toy, key: \"OPS 1\" } }
";
    let r = run(steps, toy_env(&base)).await;
    assert_eq!(
        output(&r, "create"),
        json!({ "id": "10000", "key": "OPS-1" }),
        "{:?}",
        r.error
    );
    assert_eq!(output(&r, "read"), json!({ "summary": "Hi" }));
    // 400 ALREADY is a success rule with its own output.
    assert_eq!(
        output(&r, "close"),
        json!({ "closed": true, "already": true })
    );
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3);
    let create = &seen[0];
    assert_eq!(
        (create.method.as_str(), create.target.as_str()),
        ("POST", "/issues")
    );
    // Basic auth from the settings; the absent optional input drops its key.
    let auth = create
        .headers
        .iter()
        .find(|(k, _)| k == "authorization")
        .unwrap();
    assert_eq!(auth.1, "Basic bWVAeC5jb206dG9rLTEyMzQ1Ng==");
    let body: Value = serde_json::from_str(&create.body).unwrap();
    assert_eq!(
        body,
        json!({ "fields": { "project": { "key": "OPS" }, "summary": "Hi there", "labels": ["a", "b"] } })
    );
    assert_eq!(seen[1].target, "/issues/OPS-1");
    // A path input is one strictly encoded segment.
    assert_eq!(seen[2].target, "/issues/OPS%201/close");
    // The token never reaches the record.
    assert!(!serde_json::to_string(&r).unwrap().contains("tok-123456"));
}

#[tokio::test]
async fn toy_errors_name_the_status_code_and_message() {
    let (base, _) = toy().await;
    let steps = "  - { id: read, card: toy.get_issue, with: { connection: toy, key: NOPE-9 } }\n";
    let r = run(steps, toy_env(&base)).await;
    let e = step(&r, "read").error.clone().unwrap();
    assert_eq!(e["kind"], "not_found");
    assert_eq!(
        e["message"],
        "no issue NOPE-9 (Toy answered 404 NOT_FOUND: Issue does not exist)"
    );
}

#[tokio::test]
async fn cursor_and_offset_paging_collect_every_item() {
    let (base, seen) = toy().await;
    let steps = "  - { id: items, card: toy.list_items, with: { connection: toy } }
  - { id: two, card: toy.list_items, with: { connection: toy, limit: 2 } }
  - { id: things, card: toy.list_things, with: { connection: toy } }
";
    let r = run(steps, toy_env(&base)).await;
    let ns = |v: Value| -> Vec<u64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|i| i["n"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(
        ns(output(&r, "items")),
        vec![0, 1, 2, 3, 4],
        "{:?}",
        r.error
    );
    assert_eq!(ns(output(&r, "two")), vec![0, 1]);
    assert_eq!(ns(output(&r, "things")), vec![0, 1, 2, 3, 4, 5, 6]);
    let targets: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|s| s.target.clone())
        .collect();
    assert_eq!(
        targets,
        vec![
            "/items",
            "/items?cursor=c2",
            "/items?cursor=c4",
            "/items",
            "/things?startAt=0&maxResults=3",
            "/things?startAt=3&maxResults=3",
            "/things?startAt=6&maxResults=3",
        ]
    );
}

#[test]
fn steps_are_type_checked_against_the_action_inputs() {
    let check = |with: &str| {
        let flow = format!(
            "flow: t\ntrigger: {{ helper: {{ inputs: {{ n: number }} }} }}\nsteps:\n  - {{ id: s, card: toy.create_issue, with: {with} }}\n"
        );
        flow_compile::compile_str(Some(CONFIG), &[("t.yaml", &flow)], &registry())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    };
    assert_eq!(check("{ connection: toy, project: OPS, summary: hi }"), "");
    let unknown = check("{ connection: toy, project: OPS, summary: hi, sumary: x }");
    assert!(unknown.contains("unknown key `sumary`"), "{unknown}");
    let missing = check("{ connection: toy, project: OPS }");
    assert!(missing.contains("missing key `summary`"), "{missing}");
    let wrong_kind = check("{ connection: okta, project: OPS, summary: hi }");
    assert!(wrong_kind.contains("needs kind `toy`"), "{wrong_kind}");
    let typed = check("{ connection: toy, project: OPS, summary: hi, labels: \"{{ inputs.n }}\" }");
    assert!(typed.contains("E0"), "{typed}");
}

#[test]
fn connector_files_with_mistakes_are_reported_with_positions() {
    let bad = TOY.replace(
        "effect: reads\n    inputs: { key",
        "effect: reads\n    bogus: 1\n    inputs: { key",
    );
    let e = flow_cards::connector::registry_with(&[("connectors/toy2.yaml", bad.as_str())])
        .unwrap_err()
        .to_string();
    assert!(e.contains("unknown key `bogus`"), "{e}");
    assert!(e.contains("connectors/toy2.yaml:"), "{e}");
    let bad = TOY.replace("{{ inputs.project }}-1", "{{ inputs.projet }}-1");
    let e = flow_cards::connector::registry_with(&[("connectors/toy3.yaml", bad.as_str())])
        .unwrap_err()
        .to_string();
    assert!(e.contains("projet"), "{e}");
    let bad = TOY.replace("path: \"/issues/{key}\"", "path: \"/issues/{id}\"");
    let e = flow_cards::connector::registry_with(&[("connectors/toy4.yaml", bad.as_str())])
        .unwrap_err()
        .to_string();
    assert!(e.contains("input `id`, which is not declared"), "{e}");
}

#[test]
fn builtin_connectors_load() {
    assert_eq!(
        flow_cards::connector::builtin_errors(),
        Vec::<String>::new()
    );
    let r = flow_cards::registry();
    assert!(r.card("okta.list_users").is_some());
    assert!(r.connector("okta").is_some());
}

#[tokio::test]
async fn okta_list_users_pages_through_1050_users_with_a_429_in_the_middle() {
    let okta = FakeOkta::start().await.unwrap();
    for i in 0..1050 {
        okta.add_user(&format!("user{i:04}@example.com"), UserStatus::Active);
    }
    // The first page answers normally, the second is rate limited once.
    okta.fault_on(
        "/api/v1/users",
        Fault::Delay {
            times: 1,
            delay: Duration::ZERO,
        },
    );
    okta.fault_on(
        "/api/v1/users",
        Fault::RateLimit {
            times: 1,
            reset_in: Duration::ZERO,
        },
    );
    let env = HashMap::from([
        ("OKTA_URL".to_string(), okta.base_url()),
        ("OKTA_TOKEN".to_string(), okta.token()),
        ("TOY_URL".to_string(), "http://127.0.0.1:9".to_string()),
        ("TOY_TOKEN".to_string(), "unused".to_string()),
        ("SVC_SECRET".to_string(), "unused".to_string()),
    ]);
    let steps = "  - { id: users, card: okta.list_users, with: { connection: okta, filter: 'status eq \"ACTIVE\"' } }\n";
    let r = run(steps, env).await;
    let users = output(&r, "users");
    let users = users.as_array().unwrap_or_else(|| panic!("{:?}", r.error));
    assert_eq!(users.len(), 1050);
    let mut ids: Vec<&str> = users.iter().map(|u| u["id"].as_str().unwrap()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 1050, "no user twice");
    let reqs = okta.requests();
    let targets: Vec<String> = reqs
        .iter()
        .map(|q| format!("{}?{}", q.path, q.query.clone().unwrap_or_default()))
        .collect();
    // 6 pages of 200 (the last of 50), the rate-limited one asked again exactly.
    assert_eq!(targets.len(), 7, "{targets:?}");
    assert_eq!(targets[1], targets[2]);
    assert!(
        targets[0].contains("filter=status%20eq%20%22ACTIVE%22"),
        "{}",
        targets[0]
    );
    assert!(targets[0].contains("limit=200"));
    assert_eq!(step(&r, "users").attempts, 1);
}

/// An engine whose `okta_svc` connection gets its tokens from `oauth` (the connection's org is
/// the fake OAuth server, so the token URL is `{org_url}/oauth2/v1/token`) and sends its API
/// calls to `okta`; the flow lists one user.
fn oauth_engine(okta: &FakeOkta, oauth: &flow_testkit::fake::FakeOAuth) -> Engine {
    let env = HashMap::from([
        ("OKTA_URL".to_string(), oauth.base_url()),
        ("OKTA_TOKEN".to_string(), "unused".to_string()),
        ("SVC_SECRET".to_string(), "svc-secret-123".to_string()),
        ("TOY_URL".to_string(), "http://127.0.0.1:9".to_string()),
        ("TOY_TOKEN".to_string(), "unused".to_string()),
    ]);
    let flow = "flow: t\ntrigger: { helper: { inputs: { v: any } } }\nsteps:\n  - { id: users, card: okta.list_users, with: { connection: okta_svc, limit: 1 } }\n";
    let project = flow_compile::compile_str(Some(CONFIG), &[("t.yaml", flow)], &registry())
        .unwrap_or_else(|e| panic!("{e}"));
    let lookup = move |k: &str| env.get(k).cloned();
    let mut connections = flow_runtime::connect_all(&project, &lookup, false).unwrap();
    let live = connections.remove("okta_svc").unwrap();
    let live = live
        .downcast::<flow_cards::connector::ConnectorLive>()
        .unwrap();
    let moved = flow_cards::connector::ConnectorLive {
        connector: live.connector,
        base: okta.base_url(),
        settings: live.settings.clone(),
        auth: live.auth.clone(),
        headers: live.headers.clone(),
        secrets: live.secrets.clone(),
        limiter: live.limiter.clone(),
        blocked_until: std::sync::Mutex::new(None),
    };
    connections.insert("okta_svc".into(), Arc::new(moved));
    let env = RunEnv {
        dry_run: false,
        transport: Arc::new(ReqwestTransport::new().unwrap()),
        connections,
        capture_inputs: false,
    };
    Engine::new(Arc::new(project), Arc::new(env))
}

/// A token the API answers 401 to (revoked after it was issued) is dropped, a new one is
/// fetched, and the failing request itself is sent again with it: the run succeeds with two
/// token fetches and two API requests, the second carrying the new token.
#[tokio::test]
async fn a_token_the_api_rejects_is_replaced_and_the_request_sent_again_once() {
    let okta = FakeOkta::start().await.unwrap();
    okta.add_user("ada@example.com", UserStatus::Active);
    let oauth = flow_testkit::fake::FakeOAuth::start().await.unwrap();
    oauth.add_secret_client("svc-1", "svc-secret-123");
    // The first token is one the fake Okta does not know (as after a revocation): 401. Every
    // later one is the token it accepts.
    oauth.issue_next("at-revoked-0123456789");
    oauth.set_fixed_access_token(Some(&okta.access_token()));
    let engine = oauth_engine(&okta, &oauth);
    let r = engine
        .run(
            0,
            RunInput::Inputs(json!({ "v": null })),
            RunOptions::default(),
        )
        .await;
    assert_eq!(
        output(&r, "users").as_array().map(Vec::len),
        Some(1),
        "{:?}",
        step(&r, "users").error
    );
    assert_eq!(step(&r, "users").attempts, 1, "no step retry was needed");
    assert_eq!(oauth.issued().len(), 2);
    let seen = okta.requests();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        seen[0].header("authorization"),
        Some("Bearer at-revoked-0123456789")
    );
    assert_eq!(
        seen[1].header("authorization"),
        Some(format!("Bearer {}", okta.access_token()).as_str())
    );
    // The next run reuses the new token: no third fetch.
    let again = engine
        .run(
            0,
            RunInput::Inputs(json!({ "v": null })),
            RunOptions::default(),
        )
        .await;
    assert!(step(&again, "users").error.is_none());
    assert_eq!(oauth.issued().len(), 2);
}

/// An API that refuses every token: the request is sent twice (the second time with a fresh
/// token), never more, and the step fails `unauthorized` naming the connection, no token in
/// the message or the record.
#[tokio::test]
async fn an_api_refusing_every_token_fails_after_two_attempts_naming_the_connection() {
    let okta = FakeOkta::start().await.unwrap();
    let oauth = flow_testkit::fake::FakeOAuth::start().await.unwrap();
    oauth.add_secret_client("svc-1", "svc-secret-123");
    let engine = oauth_engine(&okta, &oauth);
    let r = engine
        .run(
            0,
            RunInput::Inputs(json!({ "v": null })),
            RunOptions::default(),
        )
        .await;
    let err = step(&r, "users")
        .error
        .as_deref()
        .map(Value::to_string)
        .unwrap_or_default();
    assert!(err.contains("connection `okta_svc`"), "{err}");
    assert!(err.contains("401"), "{err}");
    let issued = oauth.issued();
    assert_eq!(issued.len(), 2);
    assert_eq!(okta.requests().len(), 2, "one request and one retry");
    let record = serde_json::to_string(&r).unwrap();
    for t in &issued {
        assert!(
            !record.contains(&t.access_token),
            "a token leaked: {record}"
        );
    }
    assert!(!record.contains("svc-secret-123"));
}

#[tokio::test]
async fn an_oauth_connection_gets_a_token_once_and_sends_it() {
    let okta = FakeOkta::start().await.unwrap();
    okta.add_user("ada@example.com", UserStatus::Active);
    let oauth = flow_testkit::fake::FakeOAuth::start().await.unwrap();
    oauth.add_secret_client("svc-1", "svc-secret-123");
    oauth.set_fixed_access_token(Some(&okta.access_token()));
    let engine = oauth_engine(&okta, &oauth);
    for _ in 0..2 {
        let r = engine
            .run(
                0,
                RunInput::Inputs(json!({ "v": null })),
                RunOptions::default(),
            )
            .await;
        let users = output(&r, "users");
        assert_eq!(
            users.as_array().map(Vec::len),
            Some(1),
            "{:?}",
            step(&r, "users").error
        );
        assert!(
            !serde_json::to_string(&r)
                .unwrap()
                .contains(&okta.access_token())
        );
    }
    // One token for both runs, asked with the client's secret.
    assert_eq!(oauth.issued().len(), 1);
    let seen = okta.requests();
    assert_eq!(
        seen[0].header("authorization"),
        Some(format!("Bearer {}", okta.access_token()).as_str())
    );
}

#[tokio::test]
async fn dry_runs_rehearse_connector_actions() {
    let flow = "flow: t\ntrigger: { helper: { inputs: { v: any } } }\nsteps:
  - { id: clear, card: okta.clear_user_sessions, with: { connection: okta, user_id: 00u1, revoke_oauth_tokens: true } }
  - { id: users, card: okta.list_users, with: { connection: okta, q: ada } }
  - { id: issue, card: toy.create_issue, with: { connection: toy, project: OPS, summary: hi } }
";
    let project = flow_compile::compile_str(Some(CONFIG), &[("t.yaml", flow)], &registry())
        .unwrap_or_else(|e| panic!("{e}"));
    let lookup = |_: &str| None;
    let connections = flow_runtime::connect_all(&project, &lookup, true).unwrap();
    let env = RunEnv {
        dry_run: true,
        transport: Arc::new(flow_runtime::NoTransport),
        connections,
        capture_inputs: false,
    };
    let r = Engine::new(Arc::new(project), Arc::new(env))
        .run(
            0,
            RunInput::Inputs(json!({ "v": null })),
            RunOptions::default(),
        )
        .await;
    assert_eq!(
        output(&r, "clear"),
        json!({ "status_code": 204 }),
        "{:?}",
        r.error
    );
    assert_eq!(output(&r, "users"), json!([]));
    assert_eq!(
        output(&r, "issue"),
        json!({ "id": "10000", "key": "OPS-1" })
    );
    let clear = &step(&r, "clear").http[0];
    assert!(clear.rehearsal);
    assert_eq!(clear.status, Some(204));
    assert!(
        clear
            .url
            .ends_with("/api/v1/users/00u1/sessions?oauthTokens=true"),
        "{}",
        clear.url
    );
}

/// The body-level failure keys are checked when the file loads: `errors.when` reads only the
/// answer, a success rule needs a status or a code, and an `error_messages` key that is not a
/// status is a vendor code only when the connector says where the code is.
#[test]
fn body_failure_keys_are_checked_when_the_file_loads() {
    let file = |errors: &str, action_extra: &str| {
        format!(
            "connector: bodyfail\ntitle: BodyFail\nbase_url: \"http://127.0.0.1:9\"\n{errors}actions:\n  ping:\n    summary: Ping\n    effect: reads\n    inputs: {{ who: {{ type: text }} }}\n    request: {{ method: GET, path: /ping }}\n{action_extra}"
        )
    };
    let load = |name: &str, text: String| {
        flow_cards::connector::registry_with(&[(name, text.as_str())])
            .err()
            .map(|e| e.to_string())
    };
    let good = file(
        "errors: { when: \"{{ eq body.ok false }}\", code: \"{{ body.error }}\", kinds: { gone: not_found, slow: rate_limited } }\n",
        "    success: [{ code: already, when: \"{{ eq inputs.who \\\"x\\\" }}\" }]\n    error_messages: { gone: \"no {{ inputs.who }}\", \"404\": \"none\" }\n",
    );
    assert_eq!(load("connectors/bodyfail1.yaml", good), None);
    let e = load(
        "connectors/bodyfail2.yaml",
        file("errors: { when: \"{{ inputs.who }}\" }\n", ""),
    )
    .unwrap();
    assert!(e.contains("inputs"), "{e}");
    let e = load(
        "connectors/bodyfail3.yaml",
        file("", "    success: [{ cause_contains: x }]\n"),
    )
    .unwrap();
    assert!(
        e.contains("a success rule needs `status`, `code` or both"),
        "{e}"
    );
    let e = load(
        "connectors/bodyfail4.yaml",
        file("", "    error_messages: { gone: \"no\" }\n"),
    )
    .unwrap();
    assert!(e.contains("`gone` is not an HTTP status"), "{e}");
    let e = load(
        "connectors/bodyfail5.yaml",
        file(
            "errors: { code: \"{{ body.error }}\", kinds: { gone: missing } }\n",
            "",
        ),
    )
    .unwrap();
    assert!(e.contains("missing"), "{e}");
}

/// `okta_outputs` names fields the output type declares; the importer reads them, with the
/// output's fields, through `action_doc`.
#[test]
fn okta_outputs_name_declared_fields() {
    let good = TOY.replace(
        "    rehearsal: { id: \"10000\", key: \"{{ inputs.project }}-1\" }\n",
        "    rehearsal: { id: \"10000\", key: \"{{ inputs.project }}-1\" }\n    okta_outputs: { \"Issue/Issue Key\": key }\n",
    );
    let r =
        flow_cards::connector::registry_with(&[("connectors/toy5.yaml", good.as_str())]).unwrap();
    let doc = flow_cards::connector::action_doc(&r, "toy.create_issue").unwrap();
    assert_eq!(doc.output_fields, ["id", "key"]);
    assert_eq!(
        doc.okta_outputs,
        [("Issue/Issue Key".to_string(), "key".to_string())]
    );
    // A list action's output is a list: no field to name.
    let paged = flow_cards::connector::action_doc(&r, "toy.list_items").unwrap();
    assert!(paged.output_fields.is_empty());
    for (path, want) in [
        ("number", "declares no field `number` (it has id, key)"),
        ("key.inner", "`inner` is a field of text, which has none"),
        ("key..x", "is not a dotted path"),
    ] {
        let bad = good.replace(
            "\"Issue/Issue Key\": key",
            &format!("\"Issue/Issue Key\": \"{path}\""),
        );
        let e = flow_cards::connector::registry_with(&[("connectors/toy6.yaml", bad.as_str())])
            .unwrap_err()
            .to_string();
        assert!(e.contains(want), "{path}: {e}");
        assert!(e.contains("okta_outputs `Issue/Issue Key`"), "{e}");
    }
    // A list action's `okta_outputs` name fields of each record.
    let named = TOY.replace(
        "    items: \"{{ body.data }}\"\n",
        "    items: \"{{ body.data }}\"\n    okta_outputs: { Count: n }\n",
    );
    let r =
        flow_cards::connector::registry_with(&[("connectors/toy7.yaml", named.as_str())]).unwrap();
    let doc = flow_cards::connector::action_doc(&r, "toy.list_items").unwrap();
    assert_eq!(doc.okta_outputs, [("Count".to_string(), "n".to_string())]);
    let bad = named.replace("{ Count: n }", "{ Count: m }");
    let e = flow_cards::connector::registry_with(&[("connectors/toy8.yaml", bad.as_str())])
        .unwrap_err()
        .to_string();
    assert!(e.contains("declares no field `m` (it has n)"), "{e}");
}
