//! The engine's behaviour: concurrency, effect order, retries, timeouts, `if`, `on_error`,
//! close/return/fail/stop signals, helper runs per item, and large lists. Test-only cards
//! (`test.sleep`, `test.flaky`) join the built-in ones in a registry made for these tests.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use flow_card::card::schema_of;
use flow_card::kinds::Number;
use flow_card::{
    Card, CardError, CardFuture, CardSpec, Checker, Effect, ErrorKind, Expr, Outcome, Registry,
    RunEnv, StepCx,
};
use flow_model::Type;
use flow_runtime::{
    Engine, ExecutionRecord, RunInput, RunOptions, RunStatus, StepStatus, TriggerRequest,
};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Sleeps `ms` milliseconds, then outputs `{ slept: ms }`.
#[derive(Deserialize, JsonSchema)]
struct Sleep {
    ms: Expr<Number>,
}

static SLEEP: CardSpec = CardSpec {
    kind: "test.sleep",
    summary: "sleep",
    effect: Effect::Reads,
    output: "{ slept }",
    default_timeout: Duration::from_secs(10),
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<Sleep>,
    build: |cx| Some(Box::new(cx.config::<Sleep>()?)),
};

impl Card for Sleep {
    fn check(&self, _: &mut dyn Checker) -> Type {
        Type::object([("slept", Type::Number)])
    }
    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            let ms = cx.number(&self.ms)?;
            tokio::time::sleep(Duration::from_millis(ms as u64)).await;
            Ok(Outcome::value(json!({ "slept": ms })))
        })
    }
}

/// Fails with `rate_limited` (asking for a 30 ms wait) the first `fail` attempts, then succeeds.
/// Attempts are counted per process in `FLAKY_CALLS`.
#[derive(Deserialize, JsonSchema)]
struct Flaky {
    fail: u32,
}

static FLAKY_CALLS: AtomicU32 = AtomicU32::new(0);

static FLAKY: CardSpec = CardSpec {
    kind: "test.flaky",
    summary: "flaky",
    effect: Effect::Writes,
    output: "{ attempt }",
    default_timeout: Duration::from_secs(10),
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<Flaky>,
    build: |cx| Some(Box::new(cx.config::<Flaky>()?)),
};

impl Card for Flaky {
    fn check(&self, _: &mut dyn Checker) -> Type {
        Type::object([("attempt", Type::Number)])
    }
    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            FLAKY_CALLS.fetch_add(1, Ordering::SeqCst);
            if cx.attempt <= self.fail {
                return Err(CardError::new(ErrorKind::RateLimited, "slow down")
                    .with_retry_after(Some(Duration::from_millis(30))));
            }
            Ok(Outcome::value(json!({ "attempt": cx.attempt })))
        })
    }
}

fn registry() -> Registry {
    let mut cards: Vec<&'static CardSpec> = flow_cards::BUILTIN.to_vec();
    cards.push(&SLEEP);
    cards.push(&FLAKY);
    Registry::new(&cards, flow_cards::CONNECTORS)
}

fn engine(files: &[(&str, &str)]) -> Engine {
    let project =
        flow_compile::compile_str(None, files, &registry()).unwrap_or_else(|e| panic!("{e}"));
    let env = RunEnv {
        dry_run: false,
        transport: Arc::new(flow_runtime::NoTransport),
        connections: HashMap::new(),
        capture_inputs: true,
    };
    Engine::new(Arc::new(project), Arc::new(env))
}

async fn run(engine: &Engine, flow: &str, input: RunInput) -> ExecutionRecord {
    let idx = engine.project().by_name[flow];
    engine.run(idx, input, RunOptions::default()).await
}

fn helper_input(v: Value) -> RunInput {
    RunInput::Inputs(v)
}

fn step<'r>(r: &'r ExecutionRecord, id: &str) -> &'r flow_runtime::StepRecord {
    r.steps.iter().find(|s| &*s.id == id).unwrap()
}

const H: &str = "trigger: { helper: { inputs: {} } }\n";

#[tokio::test]
async fn independent_steps_run_concurrently_and_effects_keep_order() {
    let flow = format!(
        "flow: f\n{H}steps:\n  - {{ id: a, card: test.sleep, with: {{ ms: 150 }} }}\n  - {{ id: b, card: test.sleep, with: {{ ms: 150 }}, after: [] }}\n  - {{ id: c, card: test.sleep, with: {{ ms: 10 }} }}\n"
    );
    let e = engine(&[("f.yaml", &flow)]);
    let t = Instant::now();
    let r = run(&e, "f", helper_input(json!({}))).await;
    let took = t.elapsed();
    assert_eq!(r.status, RunStatus::Succeeded);
    // a and b overlap (b opted out of the effect chain); c waits for b, the effect before it.
    assert!(took < Duration::from_millis(290), "took {took:?}");
    let (b, c) = (step(&r, "b"), step(&r, "c"));
    assert!(
        c.started_ms >= b.started_ms + b.duration_ms - 1.0,
        "c started before b finished"
    );
}

#[tokio::test]
async fn retries_wait_for_the_server_hint() {
    let flow = format!(
        "flow: f\n{H}steps:\n  - {{ id: a, card: test.flaky, with: {{ fail: 2 }}, retry: {{ attempts: 3, backoff: 10s }} }}\n"
    );
    let e = engine(&[("f.yaml", &flow)]);
    let t = Instant::now();
    let r = run(&e, "f", helper_input(json!({}))).await;
    let a = step(&r, "a");
    assert_eq!(r.status, RunStatus::Succeeded);
    assert_eq!(a.attempts, 3);
    assert_eq!(a.retries.len(), 2);
    assert_eq!(a.output.as_deref(), Some(&json!({ "attempt": 3 })));
    // The 30 ms hint replaced the 10 s backoff, twice.
    let took = t.elapsed();
    assert!(
        took >= Duration::from_millis(60) && took < Duration::from_secs(5),
        "took {took:?}"
    );
}

#[tokio::test]
async fn attempts_run_out() {
    let flow = format!(
        "flow: f\n{H}steps:\n  - {{ id: a, card: test.flaky, with: {{ fail: 5 }}, retry: {{ attempts: 2 }} }}\n"
    );
    let e = engine(&[("f.yaml", &flow)]);
    let r = run(&e, "f", helper_input(json!({}))).await;
    assert_eq!(r.status, RunStatus::Failed);
    assert_eq!(step(&r, "a").attempts, 2);
    assert_eq!(r.error.as_ref().unwrap().kind, "rate_limited");
}

#[tokio::test]
async fn timeouts_fail_the_attempt() {
    let flow = format!(
        "flow: f\n{H}steps:\n  - {{ id: a, card: test.sleep, with: {{ ms: 2000 }}, timeout: 50ms }}\n"
    );
    let e = engine(&[("f.yaml", &flow)]);
    let t = Instant::now();
    let r = run(&e, "f", helper_input(json!({}))).await;
    assert!(t.elapsed() < Duration::from_secs(1));
    assert_eq!(r.status, RunStatus::Failed);
    assert_eq!(r.error.as_ref().unwrap().kind, "timeout");
}

#[tokio::test]
async fn on_error_continue_gives_an_error_output() {
    let flow = format!(
        "flow: f\n{H}steps:\n  - {{ id: a, card: test.flaky, with: {{ fail: 9 }}, on_error: continue }}\n  - {{ id: b, card: text.compose, with: {{ template: \"kind={{{{ a.error.kind }}}}\" }} }}\n  - {{ id: out, card: flow.return, with: {{ outputs: {{ b: \"{{{{ b }}}}\" }} }} }}\n"
    );
    let e = engine(&[("f.yaml", &flow)]);
    let r = run(&e, "f", helper_input(json!({}))).await;
    assert_eq!(r.status, RunStatus::Succeeded);
    assert_eq!(step(&r, "a").status, StepStatus::Failed);
    assert_eq!(*r.output, json!({ "b": "kind=rate_limited" }));
}

#[tokio::test]
async fn if_false_skips_and_dependents_see_null() {
    let flow = format!(
        "flow: f\n{H}steps:\n  - {{ id: a, card: text.compose, if: \"{{{{ eq 1 2 }}}}\", with: {{ template: x }} }}\n  - {{ id: out, card: flow.return, with: {{ outputs: {{ a: \"{{{{ a }}}}\" }} }} }}\n"
    );
    let e = engine(&[("f.yaml", &flow)]);
    let r = run(&e, "f", helper_input(json!({}))).await;
    assert_eq!(step(&r, "a").status, StepStatus::Skipped);
    assert_eq!(*r.output, json!({ "a": null }));
}

#[tokio::test]
async fn return_fail_and_continue_if_end_the_run() {
    let ret = format!(
        "flow: r\n{H}steps:\n  - {{ id: out, card: flow.return, with: {{ outputs: {{ x: 1 }} }} }}\n  - {{ id: later, card: test.sleep, with: {{ ms: 1 }} }}\n"
    );
    let fail = format!(
        "flow: x\n{H}steps:\n  - {{ id: no, card: flow.fail, with: {{ status: 422, message: nope }} }}\n"
    );
    let stop = format!(
        "flow: s\n{H}steps:\n  - {{ id: gate, card: flow.continue_if, with: {{ condition: false }} }}\n  - {{ id: later, card: test.sleep, with: {{ ms: 1 }} }}\n"
    );
    let e = engine(&[("r.yaml", &ret), ("x.yaml", &fail), ("s.yaml", &stop)]);
    let r = run(&e, "r", helper_input(json!({}))).await;
    assert_eq!(
        (r.status, (*r.output).clone()),
        (RunStatus::Succeeded, json!({ "x": 1 }))
    );
    assert_eq!(step(&r, "later").status, StepStatus::Skipped);
    let r = run(&e, "x", helper_input(json!({}))).await;
    assert_eq!(r.status, RunStatus::Failed);
    assert_eq!(r.error.as_ref().unwrap().message, "nope");
    let r = run(&e, "s", helper_input(json!({}))).await;
    assert_eq!(r.status, RunStatus::Stopped);
    assert_eq!(step(&r, "later").status, StepStatus::Skipped);
}

#[tokio::test]
async fn close_answers_at_once_and_the_run_goes_on() {
    let flow = "flow: hook\ntrigger: { api_endpoint: { security: { public: true } } }\nsteps:\n  - { id: ack, card: http.close, with: { status: 202, body: { ok: true } } }\n  - { id: slow, card: test.sleep, with: { ms: 200 } }\n";
    let e = Arc::new(engine(&[("h.yaml", flow)]));
    let (tx, rx) = tokio::sync::oneshot::channel();
    let e2 = e.clone();
    let t = Instant::now();
    let handle = tokio::spawn(async move {
        e2.run(
            0,
            RunInput::Request(TriggerRequest::default()),
            RunOptions {
                trigger: None,
                responder: Some(tx),
                ..Default::default()
            },
        )
        .await
    });
    let answer = rx.await.unwrap();
    let answered = t.elapsed();
    assert_eq!(
        (answer.status, answer.body.clone()),
        (202, json!({ "ok": true }))
    );
    assert!(
        answered < Duration::from_millis(150),
        "answered after {answered:?}"
    );
    let r = handle.await.unwrap();
    assert_eq!(r.status, RunStatus::Succeeded);
    assert_eq!(step(&r, "slow").status, StepStatus::Succeeded);
    assert_eq!(r.response.unwrap().status, 202);
}

#[tokio::test]
async fn endpoint_failures_answer_500_without_details() {
    let flow = "flow: hook\ntrigger: { api_endpoint: { security: { public: true } } }\nsteps:\n  - { id: a, card: test.flaky, with: { fail: 9 } }\n";
    let e = engine(&[("h.yaml", flow)]);
    let r = run(&e, "hook", RunInput::Request(TriggerRequest::default())).await;
    let resp = r.response.unwrap();
    assert_eq!(resp.status, 500);
    assert_eq!(resp.body["error"], "step `a` failed (rate_limited)");
    assert_eq!(resp.body["execution_id"], r.execution_id.as_str());
}

const ITEM_HELPER: &str = "flow: one\ntrigger: { helper: { inputs: { n: number } } }\nsteps:\n  - { id: wait, card: test.sleep, with: { ms: \"{{ inputs.n }}\" } }\n  - { id: out, card: flow.return, with: { outputs: { n: \"{{ inputs.n }}\" } } }\n";

#[tokio::test]
async fn for_each_bounds_concurrency_and_nests_children() {
    let flow = format!(
        "flow: f\n{H}steps:\n  - id: each\n    card: list.for_each\n    with: {{ list: [60, 60, 60, 60, 60, 60, 60, 60], flow: one, inputs: {{ n: \"{{{{ item }}}}\" }}, concurrency: 4 }}\n"
    );
    let e = engine(&[("f.yaml", &flow), ("one.yaml", ITEM_HELPER)]);
    let t = Instant::now();
    let r = run(&e, "f", helper_input(json!({}))).await;
    let took = t.elapsed();
    assert_eq!(r.status, RunStatus::Succeeded);
    // 8 items of 60 ms, 4 at a time: about 120 ms; one at a time would be 480 ms.
    assert!(
        took >= Duration::from_millis(115) && took < Duration::from_millis(400),
        "took {took:?}"
    );
    let each = step(&r, "each");
    assert_eq!(
        each.output.as_deref(),
        Some(&json!({ "succeeded": 8, "failed": 0, "errors": [] }))
    );
    let idx: Vec<usize> = each.children.iter().filter_map(|c| c.index).collect();
    assert_eq!(idx, (0..8).collect::<Vec<_>>());
}

#[tokio::test]
async fn for_each_stops_or_continues_on_item_errors() {
    // Item "x" is not a number: the helper's input check fails for it.
    let make = |mode: &str| {
        format!(
            "flow: f\n{H}steps:\n  - id: each\n    card: list.for_each\n    on_error: continue\n    with: {{ list: [1, x, 1, 1], flow: one, inputs: {{ n: \"{{{{ item }}}}\" }}, on_item_error: {mode} }}\n"
        )
    };
    let e = engine(&[("f.yaml", &make("continue")), ("one.yaml", ITEM_HELPER)]);
    let r = run(&e, "f", helper_input(json!({}))).await;
    let out = step(&r, "each").output.clone().unwrap();
    assert_eq!(
        (out["succeeded"].clone(), out["failed"].clone()),
        (json!(3), json!(1))
    );
    assert_eq!(out["errors"][0]["index"], 1);
    assert!(
        out["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("input `n`"),
        "{out}"
    );

    let e = engine(&[("f.yaml", &make("stop")), ("one.yaml", ITEM_HELPER)]);
    let r = run(&e, "f", helper_input(json!({}))).await;
    let each = step(&r, "each");
    assert_eq!(each.status, StepStatus::Failed);
    let msg = each.error.as_ref().unwrap()["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(msg.starts_with("item 1 (x) failed"), "{msg}");
}

#[tokio::test]
async fn map_collects_outputs_in_order() {
    let flow = format!(
        "flow: f\n{H}steps:\n  - id: m\n    card: list.map\n    with: {{ list: [30, 1, 10], flow: one, inputs: {{ n: \"{{{{ item }}}}\" }}, concurrency: 3 }}\n  - {{ id: out, card: flow.return, with: {{ outputs: {{ m: \"{{{{ m }}}}\" }} }} }}\n"
    );
    let e = engine(&[("f.yaml", &flow), ("one.yaml", ITEM_HELPER)]);
    let r = run(&e, "f", helper_input(json!({}))).await;
    assert_eq!(
        *r.output,
        json!({ "m": [{ "n": 30 }, { "n": 1 }, { "n": 10 }] })
    );
}

#[tokio::test]
async fn for_each_over_a_hundred_thousand_items() {
    let flow = format!(
        "flow: f\n{H}steps:\n  - id: list\n    card: json.parse\n    with: {{ text: \"{{{{ inputs.items }}}}\" }}\n  - id: each\n    card: list.for_each\n    with: {{ list: \"{{{{ list }}}}\", flow: echo, inputs: {{ v: \"{{{{ item }}}}\" }}, concurrency: 16 }}\n"
    );
    let helper = "flow: echo\ntrigger: { helper: { inputs: { v: number } } }\nsteps:\n  - { id: out, card: flow.return, with: { outputs: { v: \"{{ inputs.v }}\" } } }\n";
    let flow = flow.replace("inputs: {} }", "inputs: { items: text } }");
    let e = engine(&[("f.yaml", &flow), ("echo.yaml", helper)]);
    let items: Vec<u32> = (0..100_000).collect();
    let r = run(
        &e,
        "f",
        helper_input(json!({ "items": serde_json::to_string(&items).unwrap() })),
    )
    .await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    let each = step(&r, "each");
    assert_eq!(each.output.as_deref().unwrap()["succeeded"], 100_000);
    assert_eq!(each.children.len(), 100_000);
}
