//! Okta's order (issue 13, item 0): a step never takes effect unless every step written above it
//! finished without failing or stopping the run; a `flow.continue_if` is a barrier for the steps
//! below it; pure steps above an effect still run at the same time.
//!
//! Steps are held with the testkit's [`Gate`] (one per test, by key), and effects count their
//! runs, so what ran when is known without timers. The paused clock only bounds a wait that
//! would otherwise hang when the order is wrong.

use flow_card::card::schema_of;
use flow_card::{Card, CardFuture, CardSpec, Checker, Effect, Outcome, Registry, RunEnv, StepCx};
use flow_model::Type;
use flow_runtime::{
    Engine, ExecutionRecord, RunInput, RunOptions, RunStatus, StepStatus, TriggerRequest,
};
use flow_testkit::{FakeOkta, Gate};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The gate of a test, by key (tests run in parallel in one process).
fn gate(key: &str) -> Gate {
    static GATES: Mutex<Vec<(String, Gate)>> = Mutex::new(Vec::new());
    let mut gates = GATES.lock().unwrap();
    if let Some((_, g)) = gates.iter().find(|(k, _)| k == key) {
        return g.clone();
    }
    let g = Gate::new();
    gates.push((key.to_string(), g.clone()));
    g
}

/// A pure step that waits at the gate `key`, then outputs `{ passed: true }`.
#[derive(Deserialize, JsonSchema)]
struct Hold {
    key: String,
}

static HOLD: CardSpec = CardSpec {
    kind: "test.hold",
    summary: "waits at a gate",
    effect: Effect::Pure,
    output: "{ passed }",
    default_timeout: Duration::from_secs(60),
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<Hold>,
    build: |cx| Some(Box::new(cx.config::<Hold>()?)),
};

impl Card for Hold {
    fn check(&self, _: &mut dyn Checker) -> Type {
        Type::object([("passed", Type::Boolean)])
    }
    fn run<'a>(&'a self, _: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            gate(&self.key).pass().await;
            Ok(Outcome::value(json!({ "passed": true })))
        })
    }
}

/// An effect that counts its runs under `key` and outputs how many steps were held at the gate
/// `key` when it ran.
#[derive(Deserialize, JsonSchema)]
struct Mark {
    key: String,
}

static MARKS: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn marks(key: &str) -> usize {
    MARKS.lock().unwrap().iter().filter(|k| *k == key).count()
}

static MARK: CardSpec = CardSpec {
    kind: "test.mark",
    summary: "counts its runs",
    effect: Effect::Writes,
    output: "{ held }",
    default_timeout: Duration::from_secs(60),
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<Mark>,
    build: |cx| Some(Box::new(cx.config::<Mark>()?)),
};

impl Card for Mark {
    fn check(&self, _: &mut dyn Checker) -> Type {
        Type::object([("held", Type::Number)])
    }
    fn run<'a>(&'a self, _: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            MARKS.lock().unwrap().push(self.key.clone());
            Ok(Outcome::value(json!({ "held": gate(&self.key).held() })))
        })
    }
}

fn registry() -> Registry {
    let mut cards: Vec<&'static CardSpec> = flow_cards::BUILTIN.to_vec();
    cards.push(&HOLD);
    cards.push(&MARK);
    flow_cards::registry_of(&cards)
}

fn step<'r>(r: &'r ExecutionRecord, id: &str) -> &'r flow_runtime::StepRecord {
    r.steps.iter().find(|s| &*s.id == id).unwrap()
}

/// Waits for `n` steps at the gate; fails the test (on the paused clock, as soon as every task
/// is idle) when they never all arrive.
async fn arrived(gate: &Gate, n: u64) {
    tokio::time::timeout(Duration::from_secs(30), gate.wait_arrived(n))
        .await
        .unwrap_or_else(|_| panic!("{n} steps never waited at the gate at once"));
}

#[tokio::test(start_paused = true)]
async fn independent_pure_steps_above_an_effect_run_at_once_and_the_effect_waits_for_both() {
    let flow = "flow: f\ntrigger: { helper: { inputs: {} } }\nsteps:
  - { id: a, card: test.hold, with: { key: both } }
  - { id: b, card: test.hold, with: { key: both } }
  - { id: mark, card: test.mark, with: { key: both } }
";
    let e = crate::common::engine_with(None, &[("f.yaml", flow)], &registry());
    let g = gate("both");
    let drive = async {
        // Both pure steps are in flight at the same time...
        arrived(&g, 2).await;
        // ...and the effect below them has not run: it waits for every step above it.
        assert_eq!(marks("both"), 0);
        g.open();
    };
    let (r, ()) = tokio::join!(
        e.run(0, RunInput::Inputs(json!({})), RunOptions::default()),
        drive
    );
    assert_eq!(r.status, RunStatus::Succeeded);
    assert_eq!(marks("both"), 1);
    assert_eq!(
        step(&r, "mark").output.as_deref(),
        Some(&json!({ "held": 0 }))
    );
}

/// GitHub's `ping` (sent when a webhook is created) has no commits: the flow acknowledges it,
/// stops at `flow.continue_if`, and the `json.parse` below (which requires a commit) never runs.
#[tokio::test]
async fn a_github_ping_stopped_by_continue_if_never_reaches_the_parse_below() {
    let flow = r#"flow: github-push
trigger: { api_endpoint: { security: { public: true } } }
steps:
  - { id: ack, card: http.close, with: { status: 202 } }
  - id: only_pushes
    card: flow.continue_if
    with: { condition: "{{ trigger.json.head_commit }}", message: "not a push" }
  - id: push
    card: json.parse
    with:
      text: "{{ trigger.body }}"
      fields:
        sha: { path: $.head_commit.id, type: text, required: true }
  - { id: out, card: flow.return, with: { outputs: { sha: "{{ push.sha }}" } } }
"#;
    let e = crate::common::engine_with(None, &[("gh.yaml", flow)], &registry());
    let ping = TriggerRequest {
        method: "POST".into(),
        body: r#"{"zen":"Design for failure.","hook_id":1,"hook":{"type":"Repository"}}"#.into(),
        headers: vec![("x-github-event".into(), "ping".into())],
        query: Vec::new(),
    };
    let r = e
        .run(0, RunInput::Request(ping), RunOptions::default())
        .await;
    assert_eq!(r.status, RunStatus::Stopped, "{:?}", r.error);
    assert!(r.error.is_none());
    let push = step(&r, "push");
    assert_eq!(push.status, StepStatus::Skipped);
    assert_eq!(
        push.reason.as_deref(),
        Some("the flow stopped before this step")
    );
    assert_eq!(r.response.as_ref().map(|a| a.status), Some(202));
    // The stop says why, in the record (the trace and `history show` print it).
    assert_eq!(
        step(&r, "only_pushes").reason.as_deref(),
        Some("not a push")
    );
}

const OKTA_CONFIG: &str = "connections:\n  okta: { kind: okta, org_url: \"${env:OKTA_ORG_URL}\", token: \"${env:OKTA_API_TOKEN}\" }\n";

/// An engine that sends its requests (to the fake Okta).
fn okta_engine(okta: &FakeOkta, flow: &str) -> Engine {
    let vars = HashMap::from([
        ("OKTA_ORG_URL".to_string(), okta.base_url()),
        ("OKTA_API_TOKEN".to_string(), okta.token()),
    ]);
    let lookup = move |k: &str| vars.get(k).cloned();
    let project = flow_compile::compile_str(Some(OKTA_CONFIG), &[("f.yaml", flow)], &registry())
        .unwrap_or_else(|e| panic!("{e}"));
    let connections = flow_runtime::connect_all(&project, &lookup, false).unwrap();
    let env = RunEnv {
        dry_run: false,
        transport: Arc::new(flow_cards::ReqwestTransport::new().unwrap()),
        connections,
        capture_inputs: false,
    };
    Engine::new(Arc::new(project), Arc::new(env)).secrets_from(&lookup)
}

/// The request does not read the parse's output, so only Okta's order keeps it after the parse.
#[tokio::test]
async fn an_okta_request_below_a_failing_parse_is_not_sent() {
    let okta = FakeOkta::start().await.unwrap();
    let flow = r#"flow: suspend
trigger: { helper: { inputs: { body: text } } }
steps:
  - id: event
    card: json.parse
    with: { text: "{{ inputs.body }}", fields: { user: { path: $.user, type: text } } }
  - id: suspend
    card: okta.api_request
    with: { connection: okta, method: POST, path: /api/v1/users/00u1/lifecycle/suspend }
  - { id: out, card: flow.return, with: { outputs: { user: "{{ event.user }}" } } }
"#;
    let e = okta_engine(&okta, flow);
    let r = e
        .run(
            0,
            RunInput::Inputs(json!({ "body": "not json" })),
            RunOptions::default(),
        )
        .await;
    assert_eq!(r.status, RunStatus::Failed);
    assert_eq!(r.error.as_ref().unwrap().step, "event");
    assert_eq!(step(&r, "suspend").status, StepStatus::Skipped);
    assert_eq!(okta.requests().len(), 0, "{:?}", okta.requests());
}

/// A pure step below that fails early does not keep an effect above it from happening (Okta
/// runs the cards to its left first); the run still fails, at the step that failed.
#[tokio::test(start_paused = true)]
async fn a_failure_below_waits_for_the_effects_above_it() {
    let flow = r#"flow: f
trigger: { helper: { inputs: {} } }
steps:
  - { id: slow, card: test.hold, with: { key: below } }
  - { id: mark, card: test.mark, with: { key: below } }
  - { id: bad, card: json.parse, with: { text: "not json" } }
  - { id: out, card: flow.return, with: { outputs: { x: "{{ bad }}" } } }
"#;
    let e = crate::common::engine_with(None, &[("f.yaml", flow)], &registry());
    let g = gate("below");
    let drive = async {
        arrived(&g, 1).await;
        g.open();
    };
    let (r, ()) = tokio::join!(
        e.run(0, RunInput::Inputs(json!({})), RunOptions::default()),
        drive
    );
    // The effect ran once, after the step above it (nothing was held at the gate any more).
    assert_eq!(marks("below"), 1);
    assert_eq!(step(&r, "mark").status, StepStatus::Succeeded);
    assert_eq!(
        step(&r, "mark").output.as_deref(),
        Some(&json!({ "held": 0 }))
    );
    assert_eq!(r.status, RunStatus::Failed);
    assert_eq!(r.error.as_ref().unwrap().step, "bad");
}
