//! Every connector card against the fake Okta and Slack servers, over real HTTP on 127.0.0.1:
//! success, not found, state conflicts, wrong tokens, rate limits honoured, server errors until
//! attempts run out, Slack's `ok: false`, and no token anywhere in the record.

use flow_card::RunEnv;
use flow_cards::ReqwestTransport;
use flow_runtime::{
    Engine, ExecutionRecord, RunInput, RunOptions, RunStatus, StepRecord, StepStatus,
};
use flow_testkit::{FakeOkta, FakeSlack, Fault, Gate, SlackFault, UserStatus};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

const CONFIG: &str = "connections:
  okta: { kind: okta, org_url: \"${env:OKTA_URL}\", token: \"${env:OKTA_TOKEN}\", max_concurrency: 2 }
  okta_oauth: { kind: okta, org_url: \"${env:OKTA_URL}\", access_token: \"${env:OKTA_ACCESS}\" }
  slack: { kind: slack, token: \"${env:SLACK_TOKEN}\", api_url: \"${env:SLACK_URL}\" }
  hook: { kind: slack_webhook, url: \"${env:HOOK_URL}\" }
  api: { kind: http, base_url: \"${env:OKTA_URL}\", auth: { bearer: \"${env:OKTA_ACCESS}\" }, allow_hosts: [127.0.0.1], max_response: 4KiB }
  tickets: { kind: http, auth: { bearer: \"${env:OKTA_ACCESS}\" }, allow_hosts: [tickets.example.com] }
";

struct Fakes {
    okta: FakeOkta,
    slack: FakeSlack,
    env: HashMap<String, String>,
}

async fn fakes() -> Fakes {
    let okta = FakeOkta::start().await.unwrap();
    let slack = FakeSlack::start().await.unwrap();
    let env = HashMap::from([
        ("OKTA_URL".to_string(), okta.base_url()),
        ("OKTA_TOKEN".to_string(), okta.token()),
        ("OKTA_ACCESS".to_string(), okta.access_token()),
        ("SLACK_TOKEN".to_string(), slack.token()),
        ("SLACK_URL".to_string(), slack.api_url()),
        ("HOOK_URL".to_string(), slack.webhook_url()),
    ]);
    Fakes { okta, slack, env }
}

/// Runs a one-flow project whose flow takes `inputs: { v: any }`.
async fn run(f: &Fakes, steps: &str, v: Value) -> ExecutionRecord {
    run_with(f, steps, v, f.env.clone()).await
}

async fn run_with(
    f: &Fakes,
    steps: &str,
    v: Value,
    env: HashMap<String, String>,
) -> ExecutionRecord {
    let _ = f;
    let flow =
        format!("flow: t\ntrigger: {{ helper: {{ inputs: {{ v: any }} }} }}\nsteps:\n{steps}");
    let project =
        flow_compile::compile_str(Some(CONFIG), &[("t.yaml", &flow)], &flow_cards::registry())
            .unwrap_or_else(|e| panic!("{e}"));
    let lookup = move |k: &str| env.get(k).cloned();
    let connections = flow_runtime::connect_all(&project, &lookup, false).unwrap();
    let env = RunEnv {
        dry_run: false,
        transport: Arc::new(ReqwestTransport::new().unwrap()),
        connections,
        capture_inputs: true,
    };
    let engine = Engine::new(Arc::new(project), Arc::new(env));
    engine
        .run(
            0,
            RunInput::Inputs(json!({ "v": v })),
            RunOptions::default(),
        )
        .await
}

fn step<'a>(r: &'a ExecutionRecord, id: &str) -> &'a StepRecord {
    r.steps.iter().find(|s| &*s.id == id).unwrap()
}

fn error_of(s: &StepRecord) -> (String, String) {
    let e = s.error.as_ref().expect("step failed");
    (
        e["kind"].as_str().unwrap().to_string(),
        e["message"].as_str().unwrap().to_string(),
    )
}

fn assert_no_secret(r: &ExecutionRecord, f: &Fakes) {
    let text = serde_json::to_string(r).unwrap();
    for secret in [f.okta.token(), f.okta.access_token(), f.slack.token()] {
        assert!(!text.contains(&secret), "a token leaked into the record");
    }
    let hook_secret = f
        .slack
        .webhook_url()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    assert!(
        !text.contains(&hook_secret),
        "the webhook secret leaked into the record"
    );
}

const READ: &str = "  - { id: user, card: okta.read_user, with: { connection: okta, user: \"{{ inputs.v }}\" } }\n";

#[tokio::test]
async fn read_user_by_email_login_and_id_with_strict_encoding() {
    let f = fakes().await;
    let id = f.okta.add_user("a+b@example.com", UserStatus::Active);
    f.okta.add_user("svc.backup", UserStatus::Active);
    for who in ["a+b@example.com", "svc.backup", id.as_str()] {
        let r = run(&f, READ, json!(who)).await;
        assert_eq!(r.status, RunStatus::Succeeded, "{who}: {:?}", r.error);
        let out = step(&r, "user").output.clone().unwrap();
        assert!(out["id"].as_str().unwrap().starts_with("00u"));
        assert_no_secret(&r, &f);
    }
    let paths: Vec<String> = f.okta.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths[0], "/api/v1/users/a%2Bb%40example.com");
    assert_eq!(paths[1], "/api/v1/users/svc.backup");
    let auth = f.okta.requests()[0]
        .header("authorization")
        .unwrap()
        .to_string();
    assert_eq!(auth, format!("SSWS {}", f.okta.token()));
}

#[tokio::test]
async fn unknown_user_is_not_found_and_not_retried() {
    let f = fakes().await;
    let r = run(&f, READ, json!("nobody@example.com")).await;
    assert_eq!(r.status, RunStatus::Failed);
    let s = step(&r, "user");
    let (kind, msg) = error_of(s);
    assert_eq!(kind, "not_found");
    assert!(
        msg.contains("Okta has no user `nobody@example.com`") && msg.contains("E0000007"),
        "{msg}"
    );
    assert_eq!(s.attempts, 1);
    assert_eq!(f.okta.requests().len(), 1);
}

const SUSPEND: &str = "  - { id: s, card: okta.suspend_user, with: { connection: okta, user_id: \"{{ inputs.v }}\" } }\n";

#[tokio::test]
async fn suspend_is_idempotent_and_names_other_states() {
    let f = fakes().await;
    let active = f.okta.add_user("act@example.com", UserStatus::Active);
    let r = run(&f, SUSPEND, json!(active)).await;
    assert_eq!(
        step(&r, "s").output.as_deref(),
        Some(&json!({ "status_code": 200, "already": false }))
    );
    assert_eq!(f.okta.status_of(&active), Some(UserStatus::Suspended));
    // Again: Okta says E0000001, the card reads the user and finds it already suspended.
    let r = run(&f, SUSPEND, json!(active)).await;
    assert_eq!(r.status, RunStatus::Succeeded);
    assert_eq!(
        step(&r, "s").output.as_deref(),
        Some(&json!({ "status_code": 200, "already": true }))
    );
    // A deprovisioned user cannot be suspended: a clear error with Okta's code and cause.
    let gone = f
        .okta
        .add_user("gone@example.com", UserStatus::Deprovisioned);
    let r = run(&f, SUSPEND, json!(gone)).await;
    let (kind, msg) = error_of(step(&r, "s"));
    assert_eq!(kind, "invalid_state");
    assert!(msg.contains("whose status is DEPROVISIONED"), "{msg}");
    assert!(
        msg.contains("E0000001") && msg.contains("Cannot suspend a user that is not active"),
        "{msg}"
    );
    // Unsuspend brings the first one back; again is `already`.
    let un = "  - { id: u, card: okta.unsuspend_user, with: { connection: okta, user_id: \"{{ inputs.v }}\" } }\n";
    let r = run(&f, un, json!(active)).await;
    assert_eq!(step(&r, "u").output.as_deref().unwrap()["already"], false);
    let r = run(&f, un, json!(active)).await;
    assert_eq!(step(&r, "u").output.as_deref().unwrap()["already"], true);
}

#[tokio::test]
async fn clear_sessions_revokes_tokens_when_asked() {
    let f = fakes().await;
    let id = f.okta.add_user("s@example.com", UserStatus::Active);
    let steps = "  - { id: c, card: okta.clear_user_sessions, with: { connection: okta, user_id: \"{{ inputs.v }}\", revoke_oauth_tokens: true } }\n";
    let r = run(&f, steps, json!(id)).await;
    assert_eq!(
        step(&r, "c").output.as_deref(),
        Some(&json!({ "status_code": 204 }))
    );
    let clears = f.okta.session_clears(&id);
    assert_eq!(clears.len(), 1);
    assert!(clears[0].oauth_tokens);
}

#[tokio::test]
async fn a_wrong_token_is_refused_once_and_never_shown() {
    let f = fakes().await;
    f.okta.add_user("a@example.com", UserStatus::Active);
    let mut env = f.env.clone();
    env.insert("OKTA_TOKEN".into(), "wrong-token-value".into());
    let r = run_with(&f, READ, json!("a@example.com"), env).await;
    let s = step(&r, "user");
    let (kind, msg) = error_of(s);
    assert_eq!(kind, "unauthorized");
    assert!(msg.contains("E0000011"), "{msg}");
    assert_eq!(s.attempts, 1);
    assert!(
        !serde_json::to_string(&r)
            .unwrap()
            .contains("wrong-token-value")
    );
}

#[tokio::test]
async fn rate_limits_wait_for_okta_reset() {
    let f = fakes().await;
    f.okta.add_user("a@example.com", UserStatus::Active);
    f.okta.fault(Fault::RateLimit {
        times: 1,
        reset_in: Duration::from_secs(1),
    });
    let r = run(&f, READ, json!("a@example.com")).await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    let s = step(&r, "user");
    assert_eq!(s.attempts, 2);
    assert_eq!(s.retries[0]["kind"], "rate_limited");
    // Reset is 1 s ahead (rounded up to a whole second); the wait is Reset - Date + 1, at
    // least 1.9 s between the fake's two arrivals (a floor: the exact wait is computed from
    // the answer's headers in `okta_retry_after_and_reset_give_the_wait`).
    let reqs = f.okta.requests();
    assert_eq!(reqs[1].header("x-okta-retry-count"), Some("1"));
    assert!(reqs[1].at.duration_since(reqs[0].at) >= Duration::from_millis(1900));
}

#[tokio::test]
async fn server_errors_are_retried_until_attempts_run_out() {
    let f = fakes().await;
    f.okta.add_user("a@example.com", UserStatus::Active);
    f.okta.fault(Fault::ServerError {
        times: 10,
        status: 500,
    });
    let steps = "  - { id: user, card: okta.read_user, with: { connection: okta, user: \"{{ inputs.v }}\" }, retry: { attempts: 3, backoff: 20ms } }\n";
    let r = run(&f, steps, json!("a@example.com")).await;
    let s = step(&r, "user");
    assert_eq!(s.status, StepStatus::Failed);
    assert_eq!(s.attempts, 3);
    assert_eq!(error_of(s).0, "server_error");
    assert_eq!(f.okta.requests().len(), 3);
    assert_eq!(s.http.len(), 3, "every attempt is in the record");
}

#[tokio::test]
async fn the_connection_caps_requests_in_flight() {
    let f = fakes().await;
    let users: Vec<String> = (0..6).map(|i| format!("u{i}@example.com")).collect();
    for u in &users {
        f.okta.add_user(u, UserStatus::Active);
    }
    // Every request parks at the gate until the test lets it through, so requests overlap
    // as much as the client allows; the fake counts how many it handles at once.
    let gate = Gate::new();
    f.okta.fault(Fault::Hold {
        times: 6,
        gate: gate.clone(),
    });
    // Six lookups at once through a connection capped at 2.
    let steps = "  - id: all\n    card: list.map\n    with: { list: \"{{ inputs.v }}\", flow: one, inputs: { u: \"{{ item }}\" }, concurrency: 6 }\n";
    let flow =
        format!("flow: t\ntrigger: {{ helper: {{ inputs: {{ v: any }} }} }}\nsteps:\n{steps}");
    let helper = "flow: one\ntrigger: { helper: { inputs: { u: text } } }\nsteps:\n  - { id: user, card: okta.read_user, with: { connection: okta, user: \"{{ inputs.u }}\" } }\n";
    let project = flow_compile::compile_str(
        Some(CONFIG),
        &[("t.yaml", &flow), ("one.yaml", helper)],
        &flow_cards::registry(),
    )
    .unwrap();
    let env = f.env.clone();
    let lookup = move |k: &str| env.get(k).cloned();
    let connections = flow_runtime::connect_all(&project, &lookup, false).unwrap();
    let env = RunEnv {
        dry_run: false,
        transport: Arc::new(ReqwestTransport::new().unwrap()),
        connections,
        capture_inputs: false,
    };
    let engine = Engine::new(Arc::new(project), Arc::new(env));
    let flow = engine.project().by_name["t"];
    let run = tokio::spawn(async move {
        engine
            .run(
                flow,
                RunInput::Inputs(json!({ "v": users })),
                RunOptions::default(),
            )
            .await
    });
    // Let one request through each time a new one arrives: two are in flight whenever the
    // next arrives, and a client without the cap would have sent more meanwhile.
    gate.wait_arrived(2).await;
    for arrived in 3..=6 {
        assert_eq!(f.okta.in_flight(), 2);
        gate.release(1);
        gate.wait_arrived(arrived).await;
    }
    gate.open();
    let r = run.await.unwrap();
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    assert_eq!(f.okta.requests().len(), 6);
    assert_eq!(
        f.okta.max_in_flight(),
        2,
        "the cap is 2, and both were used"
    );
}

#[tokio::test]
async fn api_request_and_oauth_bearer_tokens() {
    let f = fakes().await;
    f.okta.add_user("x@example.com", UserStatus::Active);
    let steps = "  - id: q\n    card: okta.api_request\n    with: { connection: okta_oauth, path: /api/v1/users, query: { filter: \"profile.email eq \\\"x@example.com\\\"\" } }\n";
    let r = run(&f, steps, json!(null)).await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    let out = step(&r, "q").output.clone().unwrap();
    assert_eq!(out["status"], 200);
    assert_eq!(out["body"][0]["profile"]["email"], "x@example.com");
    let req = &f.okta.requests()[0];
    assert_eq!(
        req.header("authorization"),
        Some(format!("Bearer {}", f.okta.access_token()).as_str())
    );
    assert!(
        req.query
            .as_deref()
            .unwrap()
            .contains("%22x%40example.com%22"),
        "{:?}",
        req.query
    );
    assert_no_secret(&r, &f);
}

#[tokio::test]
async fn a_validation_failure_outside_the_lifecycle_cards_is_a_plain_refusal() {
    let f = fakes().await;
    f.okta.add_user("x@example.com", UserStatus::Active);
    // The fake answers a filter it cannot parse with Okta's 400 E0000001.
    let steps = "  - id: q\n    card: okta.api_request\n    with: { connection: okta, path: /api/v1/users, query: { filter: \"profile.email zz \\\"x\\\"\" } }\n";
    let r = run(&f, steps, json!(null)).await;
    assert_eq!(r.status, RunStatus::Failed);
    let s = step(&r, "q");
    let e = s.error.as_deref().unwrap();
    assert_eq!(e["kind"], "remote", "{e}");
    assert_eq!(e["status"], 400);
    assert_eq!(e["code"], "E0000001");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("Api validation failed"),
        "{e}"
    );
    assert_eq!(s.attempts, 1, "a refusal is not retried");
}

const POST: &str = "  - { id: post, card: slack.send_message, with: { connection: slack, channel: \"#security-alerts\", text: \"Alert for {{ inputs.v }} <!here>\" } }\n";

#[tokio::test]
async fn slack_messages_escape_template_values() {
    let f = fakes().await;
    let r = run(&f, POST, json!("<!channel> & <https://evil.example|click>")).await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    let out = step(&r, "post").output.clone().unwrap();
    assert_eq!(out["channel"], "C0SECALERTS");
    let msgs = f.slack.messages();
    assert_eq!(msgs.len(), 1);
    // The flow's own markup stays; the value's is escaped.
    assert_eq!(
        msgs[0].text.as_deref(),
        Some("Alert for &lt;!channel&gt; &amp; &lt;https://evil.example|click&gt; <!here>")
    );
    assert_eq!(
        f.slack.requests()[0].header("authorization"),
        Some(format!("Bearer {}", f.slack.token()).as_str())
    );
    assert_no_secret(&r, &f);
}

#[tokio::test]
async fn slack_ok_false_is_an_error_with_slack_code() {
    let f = fakes().await;
    let steps = "  - { id: post, card: slack.send_message, with: { connection: slack, channel: \"#nope\", text: hi } }\n";
    let r = run(&f, steps, json!(null)).await;
    let s = step(&r, "post");
    let e = s.error.clone().unwrap();
    assert_eq!(
        (e["kind"].as_str(), e["code"].as_str()),
        (Some("not_found"), Some("channel_not_found"))
    );
    assert_eq!(s.attempts, 1, "business errors are not retried");
    f.slack.add_channel("private", "C0PRIV", false, false);
    let steps = "  - { id: post, card: slack.send_message, with: { connection: slack, channel: private, text: hi } }\n";
    let r = run(&f, steps, json!(null)).await;
    assert_eq!(
        step(&r, "post").error.clone().unwrap()["code"],
        "not_in_channel"
    );
    let mut env = f.env.clone();
    env.insert("SLACK_TOKEN".into(), "xoxb-wrong".into());
    let r = run_with(&f, POST, json!("x"), env).await;
    assert_eq!(
        step(&r, "post").error.clone().unwrap()["code"],
        "invalid_auth"
    );
}

#[tokio::test]
async fn slack_rate_limits_honour_retry_after() {
    let f = fakes().await;
    f.slack.fault(SlackFault::RateLimit {
        times: 1,
        retry_after_secs: 1,
    });
    let r = run(&f, POST, json!("x")).await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    // The second attempt came at least Retry-After (1 s) after the first, as the fake saw it.
    let reqs = f.slack.requests();
    assert!(reqs[1].at.duration_since(reqs[0].at) >= Duration::from_secs(1));
    assert_eq!(step(&r, "post").attempts, 2);
    assert_eq!(f.slack.messages().len(), 1);
}

#[tokio::test]
async fn slack_server_errors_until_attempts_run_out() {
    let f = fakes().await;
    f.slack.fault(SlackFault::ServerError {
        times: 5,
        status: 503,
    });
    let steps = "  - { id: post, card: slack.send_message, with: { connection: slack, channel: \"#security-alerts\", text: hi }, retry: { attempts: 2, backoff: 10ms } }\n";
    let r = run(&f, steps, json!(null)).await;
    assert_eq!(step(&r, "post").attempts, 2);
    assert_eq!(error_of(step(&r, "post")).0, "server_error");
    assert!(f.slack.messages().is_empty());
}

#[tokio::test]
async fn slack_webhook_success_and_errors() {
    let f = fakes().await;
    let steps = "  - { id: hook, card: slack.webhook, with: { connection: hook, text: \"{{ inputs.v }}\" } }\n";
    let r = run(&f, steps, json!("a < b")).await;
    assert_eq!(
        step(&r, "hook").output.as_deref(),
        Some(&json!({ "ok": true }))
    );
    assert_eq!(f.slack.webhook_messages()[0]["text"], "a &lt; b");
    assert_no_secret(&r, &f);
    let mut env = f.env.clone();
    env.insert(
        "HOOK_URL".into(),
        format!("{}/services/T0FAKE/B0FAKE/wrong", f.slack.base_url()),
    );
    let r = run_with(&f, steps, json!("x"), env).await;
    let e = step(&r, "hook").error.clone().unwrap();
    assert_eq!(e["code"], "no_service");
}

#[tokio::test]
async fn http_request_with_connection_auth_allow_list_and_size_cap() {
    let f = fakes().await;
    f.okta.add_user("h@example.com", UserStatus::Active);
    let steps = "  - { id: get, card: http.request, with: { connection: api, url: \"/api/v1/users/{{ inputs.v }}\" } }\n";
    let r = run(&f, steps, json!("h@example.com")).await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    let out = step(&r, "get").output.clone().unwrap();
    assert_eq!(out["status"], 200);
    assert_eq!(out["body"]["profile"]["login"], "h@example.com");
    assert_no_secret(&r, &f);
    // A host outside allow_hosts is refused before anything is sent.
    let steps = "  - { id: get, card: http.request, with: { connection: api, url: \"http://localhost:1/x\" } }\n";
    let r = run(&f, steps, json!(null)).await;
    assert!(
        error_of(step(&r, "get"))
            .1
            .contains("not in the connection's allow_hosts")
    );
    // A list bigger than max_response (4 KiB) is cut off with an error.
    for i in 0..40 {
        f.okta
            .add_user(&format!("bulk{i}@example.com"), UserStatus::Active);
    }
    let steps = "  - { id: get, card: http.request, with: { connection: api, url: /api/v1/users }, retry: { attempts: 1 } }\n";
    let r = run(&f, steps, json!(null)).await;
    assert!(
        error_of(step(&r, "get"))
            .1
            .contains("larger than 4096 bytes"),
        "{:?}",
        step(&r, "get").error
    );
}

/// The exchanges' URLs of a step, in order.
fn urls(s: &StepRecord) -> Vec<String> {
    s.http.iter().map(|x| x.url.clone()).collect()
}

#[tokio::test]
async fn allow_hosts_is_decided_on_the_url_that_is_sent() {
    let f = fakes().await;
    let port = f.okta.addr().port();
    let steps = "  - { id: get, card: http.request, with: { connection: tickets, url: \"{{ inputs.v }}\" }, retry: { attempts: 1 } }\n";
    let creds =
        "the URL holds credentials (`user:password@`); give them in the connection's `auth`";
    let refused = "host `127.0.0.1` is not in the connection's allow_hosts";
    // Each of these reads as tickets.example.com to a hand parse, or is 127.0.0.1 in disguise;
    // all go (or would go) to the fake, which records any request and its Authorization.
    for (url, why) in [
        (
            format!("http://127.0.0.1:{port}\\@tickets.example.com/x"),
            refused.to_string(),
        ),
        (
            format!("http://127.0.0.1:{port}\\\\@tickets.example.com/x"),
            refused.to_string(),
        ),
        (
            format!("http://127.0.0.1:{port}#@tickets.example.com/x"),
            refused.to_string(),
        ),
        (
            format!("http://127.0.0.1:{port}/?@tickets.example.com"),
            refused.to_string(),
        ),
        (
            format!("http://tickets.example.com@127.0.0.1:{port}/x"),
            creds.to_string(),
        ),
        (
            format!("http://tickets.example.com:80@127.0.0.1:{port}/x"),
            creds.to_string(),
        ),
        (
            format!("http://%31%32%37.0.0.1:{port}/x"),
            refused.to_string(),
        ),
        (format!("http://0x7f.1:{port}/x"), refused.to_string()),
        (format!("HTTP://127.0.0.1:{port}/x"), refused.to_string()),
        (format!("http://127.0.0.1.:{port}/x"), refused.to_string()),
        (
            format!("http://[::ffff:127.0.0.1]:{port}/x"),
            "host `[::ffff:7f00:1]` is not in the connection's allow_hosts".to_string(),
        ),
    ] {
        let r = run(&f, steps, json!(url)).await;
        let s = step(&r, "get");
        assert_eq!(error_of(s), ("input".to_string(), why), "{url}");
        assert!(s.http.is_empty(), "{url}: nothing is sent");
    }
    assert_eq!(f.okta.requests(), [], "the fake was never reached");
    // The same disguises with 127.0.0.1 allowed go where the check said: the fake gets them,
    // with the connection's token, at the parsed URL (which the record shows).
    let api = "  - { id: get, card: http.request, with: { connection: api, url: \"{{ inputs.v }}\" }, retry: { attempts: 1 } }\n";
    for url in [
        format!("HTTP://%31%32%37.0.0.1:{port}/api/v1/a\\b"),
        format!("http://0x7f.1:{port}/api/v1/x/../a/b"),
        format!("http://127.0.0.1.:{port}/api/v1/a/%2e/b"),
    ] {
        f.okta.clear_requests();
        let r = run(&f, api, json!(url)).await;
        let s = step(&r, "get");
        assert_eq!(
            urls(s),
            [format!("http://127.0.0.1:{port}/api/v1/a/b")],
            "{url}"
        );
        let reqs = f.okta.requests();
        assert_eq!(reqs.len(), 1, "{url}");
        assert_eq!(reqs[0].path, "/api/v1/a/b");
        assert_eq!(
            reqs[0].header("authorization"),
            Some(format!("Bearer {}", f.okta.access_token()).as_str())
        );
        assert_no_secret(&r, &f);
    }
}

/// A server that answers every request with a redirect to `location`, counting requests.
async fn redirector(location: String) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = hits.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut buf = vec![0u8; 8192];
            let _ = sock.read(&mut buf).await;
            let answer = format!(
                "HTTP/1.1 302 Found\r\nlocation: {location}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            );
            let _ = sock.write_all(answer.as_bytes()).await;
        }
    });
    (format!("http://{addr}"), hits)
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let f = fakes().await;
    let (url, hits) = redirector(format!("{}/api/v1/users", f.okta.base_url())).await;
    let steps = "  - { id: get, card: http.request, with: { url: \"{{ inputs.v }}\", headers: { authorization: Bearer not-for-okta } }, retry: { attempts: 1 } }\n";
    let r = run(&f, steps, json!(format!("{url}/start"))).await;
    let s = step(&r, "get");
    assert_eq!(
        error_of(s),
        (
            "remote".to_string(),
            "the server answered 302: ".to_string()
        )
    );
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert_eq!(
        f.okta.requests(),
        [],
        "the redirect's target was never reached"
    );
}

#[tokio::test]
async fn api_request_refuses_dot_segments_however_encoded() {
    let f = fakes().await;
    let steps = "  - { id: q, card: okta.api_request, with: { connection: okta, method: DELETE, path: \"{{ inputs.v }}\" } }\n";
    for path in [
        "/api/v1/groups/00g1/users/%2e%2e/%2e%2e/%2e%2e/apps/0oa1",
        "/api/v1/groups/00g1/users/.%2E/.%2e/%2E./apps/0oa1",
        "/api/v1/groups/00g1/users/..\\..\\..\\apps/0oa1",
        "/api/v1/groups/00g1/users/../../../apps/0oa1",
    ] {
        let r = run(&f, steps, json!(path)).await;
        let s = step(&r, "q");
        assert_eq!(
            error_of(s),
            (
                "input".to_string(),
                format!(
                    "`path` must not have `.` or `..` segments (also written %2e), found `{path}`"
                )
            ),
            "{path}"
        );
        assert!(s.http.is_empty());
    }
    assert_eq!(f.okta.requests(), [], "no DELETE reached the fake");
    // A clean path is sent as parsed, and the record shows the URL that was sent.
    let id = f.okta.add_user("x@example.com", UserStatus::Active);
    let steps = "  - { id: q, card: okta.api_request, with: { connection: okta, path: \"/api/v1/users/{{ inputs.v }}\", query: { expand: a b } } }\n";
    let r = run(&f, steps, json!(id)).await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    let sent = format!("{}/api/v1/users/{id}?expand=a%20b", f.okta.base_url());
    assert_eq!(urls(step(&r, "q")), [sent]);
    let reqs = f.okta.requests();
    assert_eq!(
        (reqs[0].method.as_str(), reqs[0].path.as_str()),
        ("GET", format!("/api/v1/users/{id}").as_str())
    );
}

/// A Custom API Action's extra headers are sent (replacing the connector's of that name); the
/// credential, cookies and framing are the connection's, and a value with a line break is
/// refused before anything is sent.
#[tokio::test]
async fn api_request_sends_extra_headers_but_not_the_connections_own() {
    let f = fakes().await;
    let id = f.okta.add_user("x@example.com", UserStatus::Active);
    let steps = "  - { id: q, card: okta.api_request, with: { connection: okta, path: \"/api/v1/users/{{ inputs.v.id }}\", headers: \"{{ inputs.v.h }}\" } }\n";
    let given = json!({ "id": id, "h": { "X-Trace": "t-1", "Accept": "application/json; okta-version=1.0.0", "X-Skip": null, "X-N": 3 } });
    let r = run(&f, steps, given).await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    let req = &f.okta.requests()[0];
    assert_eq!(req.header("x-trace"), Some("t-1"));
    assert_eq!(req.header("x-n"), Some("3"));
    assert_eq!(req.header("x-skip"), None);
    assert_eq!(
        req.header("accept"),
        Some("application/json; okta-version=1.0.0")
    );
    assert!(
        req.header("authorization")
            .is_some_and(|a| a.starts_with("SSWS "))
    );
    for (h, why) in [
        (
            json!({ "Authorization": "SSWS stolen" }),
            "`headers`: `Authorization` is set by the connection, not by a flow",
        ),
        (
            json!({ "Cookie": "sid=1" }),
            "`headers`: `Cookie` is set by the connection, not by a flow",
        ),
        (
            json!({ "X-A": "a\r\nX-B: b" }),
            "`headers`: the value of `X-A` has a line break",
        ),
        (
            json!({ "X A": "a" }),
            "`headers`: `X A` is not a header name",
        ),
        (
            json!({ "X-A": { "b": 1 } }),
            "`headers`: the value of `X-A` must be text",
        ),
        (json!(["X-A"]), "`headers` must be an object of name → text"),
    ] {
        let r = run(&f, steps, json!({ "id": id, "h": h })).await;
        let s = step(&r, "q");
        assert_eq!(error_of(s), ("input".to_string(), why.to_string()), "{h}");
        assert!(s.http.is_empty(), "{h}");
    }
    assert_eq!(
        f.okta.requests().len(),
        1,
        "no refused request reached the fake"
    );
    assert_no_secret(&r, &f);
}

#[tokio::test]
async fn json_parse_reads_what_the_front_door_accepts() {
    let f = fakes().await;
    let steps = "  - { id: p, card: json.parse, with: { text: \"{{ inputs.v }}\", fields: { a: { path: $.a, type: number } } } }\n";
    for text in [
        "\u{feff}{\"a\": 1}",
        "\u{feff} \r\n{\"a\": 1}\n\t ",
        "  {\"a\": 1}  ",
    ] {
        let r = run(&f, steps, json!(text)).await;
        assert_eq!(r.status, RunStatus::Succeeded, "{text:?}: {:?}", r.error);
        assert_eq!(step(&r, "p").output.as_deref(), Some(&json!({ "a": 1 })));
    }
    // One mark is skipped, not any number of them, nor one after whitespace.
    for text in ["\u{feff}\u{feff}{\"a\": 1}", " \u{feff}{\"a\": 1}"] {
        let r = run(&f, steps, json!(text)).await;
        assert_eq!(error_of(step(&r, "p")).0, "input", "{text:?}");
    }
}

#[tokio::test]
async fn okta_retry_after_and_reset_give_the_wait() {
    use flow_card::{HttpRequest, Transport};
    let f = fakes().await;
    let id = f.okta.add_user("w@example.com", UserStatus::Active);
    let transport = ReqwestTransport::new().unwrap();
    let get = || {
        HttpRequest::new("GET", format!("{}/api/v1/users/{id}", f.okta.base_url()))
            .header("authorization", format!("SSWS {}", f.okta.token()))
    };
    // Both headers: Retry-After wins, exactly.
    f.okta.fault(Fault::RetryAfter {
        times: 1,
        retry_after_secs: 7,
        reset_in: Duration::from_secs(40),
    });
    let resp = transport
        .send(get(), Duration::from_secs(30))
        .await
        .unwrap();
    let e = flow_cards::okta::client::error(&resp);
    assert_eq!(
        (e.kind, e.retry_after),
        (
            flow_card::ErrorKind::RateLimited,
            Some(Duration::from_secs(7))
        )
    );
    // Only Okta's reset: the wait is X-Rate-Limit-Reset - Date + 1, from the answer itself.
    f.okta.fault(Fault::RateLimit {
        times: 1,
        reset_in: Duration::from_secs(40),
    });
    let resp = transport
        .send(get(), Duration::from_secs(30))
        .await
        .unwrap();
    let reset: u64 = resp.header("x-rate-limit-reset").unwrap().parse().unwrap();
    let date = httpdate::parse_http_date(resp.header("date").unwrap()).unwrap();
    let date = date
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let e = flow_cards::okta::client::error(&resp);
    assert_eq!(e.retry_after, Some(Duration::from_secs(reset - date + 1)));
}

#[tokio::test]
async fn okta_retry_after_is_honoured_by_a_run() {
    let f = fakes().await;
    f.okta.add_user("a@example.com", UserStatus::Active);
    f.okta.fault(Fault::RetryAfter {
        times: 1,
        retry_after_secs: 1,
        reset_in: Duration::from_secs(1),
    });
    let r = run(&f, READ, json!("a@example.com")).await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    let s = step(&r, "user");
    assert_eq!(
        (s.attempts, s.retries[0]["kind"].clone()),
        (2, json!("rate_limited"))
    );
    let reqs = f.okta.requests();
    assert!(reqs[1].at.duration_since(reqs[0].at) >= Duration::from_secs(1));
}

#[tokio::test]
async fn a_dropped_connection_is_retried() {
    let f = fakes().await;
    f.okta.add_user("a@example.com", UserStatus::Active);
    f.okta.fault(Fault::DropConnection { times: 1 });
    let steps = "  - { id: user, card: okta.read_user, with: { connection: okta, user: \"{{ inputs.v }}\" }, retry: { attempts: 2, backoff: 1ms } }\n";
    let r = run(&f, steps, json!("a@example.com")).await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    let s = step(&r, "user");
    assert_eq!(
        (s.attempts, s.retries[0]["kind"].clone()),
        (2, json!("connection"))
    );
    assert_eq!(
        s.http.iter().map(|x| x.status).collect::<Vec<_>>(),
        [None, Some(200)]
    );
    assert_eq!(f.okta.requests().len(), 2);
}
