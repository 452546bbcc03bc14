//! The engine's behaviour: concurrency, effect order, retries, timeouts, `if`, `on_error`,
//! close/return/fail/stop signals, helper runs per item, resumed runs, and large lists.
//! Test-only cards (`test.sleep`, `test.flaky`, `test.count`) join the built-in ones in a
//! registry made for these tests.
//!
//! Time is tokio's paused clock: waits end when every task is idle and the clock jumps to the
//! next timer, so durations in records are exact virtual milliseconds, never wall-clock guesses.

use flow_card::card::schema_of;
use flow_card::kinds::Number;
use flow_card::{
    Card, CardError, CardFuture, CardSpec, Checker, Effect, ErrorKind, Expr, Outcome, Registry,
    StepCx,
};
use flow_model::Type;
use flow_runtime::{
    Engine, ExecutionRecord, Resume, RunInput, RunOptions, RunStatus, StepStatus, TriggerRequest,
};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

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

/// Counts its runs under `key` (each test uses its own keys), outputs `{ key, calls }`.
#[derive(Deserialize, JsonSchema)]
struct Count {
    key: String,
}

static COUNTS: std::sync::Mutex<Vec<(String, u32)>> = std::sync::Mutex::new(Vec::new());

/// How many times `test.count` ran with `key`.
fn count_of(key: &str) -> u32 {
    let counts = COUNTS.lock().unwrap();
    counts.iter().find(|(k, _)| k == key).map_or(0, |(_, n)| *n)
}

static COUNT: CardSpec = CardSpec {
    kind: "test.count",
    summary: "count",
    effect: Effect::Writes,
    output: "{ key, calls }",
    default_timeout: Duration::from_secs(10),
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<Count>,
    build: |cx| Some(Box::new(cx.config::<Count>()?)),
};

impl Card for Count {
    fn check(&self, _: &mut dyn Checker) -> Type {
        Type::object([("key", Type::Text), ("calls", Type::Number)])
    }
    fn run<'a>(&'a self, _: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            let calls = {
                let mut counts = COUNTS.lock().unwrap();
                match counts.iter_mut().find(|(k, _)| *k == self.key) {
                    Some((_, n)) => {
                        *n += 1;
                        *n
                    }
                    None => {
                        counts.push((self.key.clone(), 1));
                        1
                    }
                }
            };
            Ok(Outcome::value(json!({ "key": self.key, "calls": calls })))
        })
    }
}

fn registry() -> Registry {
    let mut cards: Vec<&'static CardSpec> = flow_cards::BUILTIN.to_vec();
    cards.push(&SLEEP);
    cards.push(&FLAKY);
    cards.push(&COUNT);
    flow_cards::registry_of(&cards)
}

fn engine(files: &[(&str, &str)]) -> Engine {
    crate::common::engine_with(None, files, &registry())
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

/// (step, started_ms, duration_ms) of every step, in file order.
fn timings(r: &ExecutionRecord) -> Vec<(&str, f64, f64)> {
    r.steps
        .iter()
        .map(|s| (&*s.id, s.started_ms, s.duration_ms))
        .collect()
}

#[tokio::test(start_paused = true)]
async fn independent_steps_run_concurrently_and_effects_keep_order() {
    let flow = format!(
        "flow: f\n{H}steps:\n  - {{ id: a, card: test.sleep, with: {{ ms: 150 }} }}\n  - {{ id: b, card: test.sleep, with: {{ ms: 150 }}, after: [] }}\n  - {{ id: c, card: test.sleep, with: {{ ms: 10 }} }}\n"
    );
    let e = engine(&[("f.yaml", &flow)]);
    let r = run(&e, "f", helper_input(json!({}))).await;
    assert_eq!(r.status, RunStatus::Succeeded);
    // a and b overlap (b opted out of the effect chain); c waits for b, the effect before it.
    assert_eq!(
        timings(&r),
        vec![("a", 0.0, 150.0), ("b", 0.0, 150.0), ("c", 150.0, 10.0)]
    );
    assert_eq!(r.duration_ms, 160.0);
}

#[tokio::test(start_paused = true)]
async fn retries_wait_for_the_server_hint() {
    let flow = format!(
        "flow: f\n{H}steps:\n  - {{ id: a, card: test.flaky, with: {{ fail: 2 }}, retry: {{ attempts: 3, backoff: 10s }} }}\n"
    );
    let e = engine(&[("f.yaml", &flow)]);
    let r = run(&e, "f", helper_input(json!({}))).await;
    let a = step(&r, "a");
    assert_eq!(r.status, RunStatus::Succeeded);
    assert_eq!(a.attempts, 3);
    assert_eq!(a.retries.len(), 2);
    assert_eq!(a.output.as_deref(), Some(&json!({ "attempt": 3 })));
    // The 30 ms hint replaced the 10 s backoff, twice.
    assert_eq!((a.duration_ms, r.duration_ms), (60.0, 60.0));
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

#[tokio::test(start_paused = true)]
async fn timeouts_fail_the_attempt() {
    let flow = format!(
        "flow: f\n{H}steps:\n  - {{ id: a, card: test.sleep, with: {{ ms: 2000 }}, timeout: 50ms }}\n"
    );
    let e = engine(&[("f.yaml", &flow)]);
    let r = run(&e, "f", helper_input(json!({}))).await;
    // Stopped at the timeout, not when the card's 2 s sleep would have ended.
    assert_eq!(timings(&r), vec![("a", 0.0, 50.0)]);
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

#[tokio::test(start_paused = true)]
async fn close_answers_at_once_and_the_run_goes_on() {
    let flow = "flow: hook\ntrigger: { api_endpoint: { security: { public: true } } }\nsteps:\n  - { id: ack, card: http.close, with: { status: 202, body: { ok: true } } }\n  - { id: slow, card: test.sleep, with: { ms: 200 } }\n";
    let e = Arc::new(engine(&[("h.yaml", flow)]));
    let (tx, rx) = tokio::sync::oneshot::channel();
    let e2 = e.clone();
    let t = tokio::time::Instant::now();
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
    // The caller has its answer at virtual time 0, while the 200 ms step still runs.
    assert_eq!(t.elapsed(), Duration::ZERO);
    assert!(!handle.is_finished());
    assert_eq!(
        (answer.status, answer.body.clone(), answer.at_ms),
        (202, json!({ "ok": true }), 0.0)
    );
    let r = handle.await.unwrap();
    assert_eq!(t.elapsed(), Duration::from_millis(200));
    assert_eq!(r.status, RunStatus::Succeeded);
    assert_eq!(timings(&r), vec![("ack", 0.0, 0.0), ("slow", 0.0, 200.0)]);
    assert_eq!(r.response, Some(answer));
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

#[tokio::test(start_paused = true)]
async fn for_each_bounds_concurrency_and_nests_children() {
    let flow = format!(
        "flow: f\n{H}steps:\n  - id: each\n    card: list.for_each\n    with: {{ list: [60, 60, 60, 60, 60, 60, 60, 60], flow: one, inputs: {{ n: \"{{{{ item }}}}\" }}, concurrency: 4 }}\n"
    );
    let e = engine(&[("f.yaml", &flow), ("one.yaml", ITEM_HELPER)]);
    let r = run(&e, "f", helper_input(json!({}))).await;
    assert_eq!(r.status, RunStatus::Succeeded);
    // 8 items of 60 ms, 4 at a time: two waves, 120 ms (one at a time: 480; all at once: 60).
    assert_eq!(r.duration_ms, 120.0);
    let each = step(&r, "each");
    assert_eq!(
        each.output.as_deref(),
        Some(&json!({ "succeeded": 8, "failed": 0, "errors": [] }))
    );
    let idx: Vec<usize> = each.children.iter().filter_map(|c| c.index).collect();
    assert_eq!(idx, (0..8).collect::<Vec<_>>());
    // Items 0-3 start at once, 4-7 when the first wave ends.
    let starts: Vec<f64> = each
        .children
        .iter()
        .map(|c| c.steps[0].started_ms)
        .collect();
    assert_eq!(
        starts,
        vec![0.0; 8],
        "child times are relative to each child run"
    );
    let durations: Vec<f64> = each.children.iter().map(|c| c.duration_ms).collect();
    assert_eq!(durations, vec![60.0; 8]);
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

/// Items of the large `for_each` case: 100,000 in optimised builds, 10,000 in debug builds
/// (CI's), where the engine is about 20 times slower; the 10,000-user bench runs the full size.
const MANY: u32 = if cfg!(debug_assertions) {
    10_000
} else {
    100_000
};

#[tokio::test]
async fn for_each_over_many_items() {
    let flow = format!(
        "flow: f\n{H}steps:\n  - id: list\n    card: json.parse\n    with: {{ text: \"{{{{ inputs.items }}}}\" }}\n  - id: each\n    card: list.for_each\n    with: {{ list: \"{{{{ list }}}}\", flow: echo, inputs: {{ v: \"{{{{ item }}}}\" }}, concurrency: 16 }}\n"
    );
    let helper = "flow: echo\ntrigger: { helper: { inputs: { v: number } } }\nsteps:\n  - { id: out, card: flow.return, with: { outputs: { v: \"{{ inputs.v }}\" } } }\n";
    let flow = flow.replace("inputs: {} }", "inputs: { items: text } }");
    let e = engine(&[("f.yaml", &flow), ("echo.yaml", helper)]);
    let items: Vec<u32> = (0..MANY).collect();
    let r = run(
        &e,
        "f",
        helper_input(json!({ "items": serde_json::to_string(&items).unwrap() })),
    )
    .await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    let each = step(&r, "each");
    assert_eq!(each.output.as_deref().unwrap()["succeeded"], MANY);
    // The record keeps the first 100 item runs (`limits.item_records`) and counts the rest.
    assert_eq!(each.children.len(), 100);
    assert_eq!(
        each.children_omitted,
        Some(flow_runtime::OmittedRuns {
            succeeded: u64::from(MANY) - 100,
            failed: 0,
            stopped: 0
        })
    );
}

// Resumed runs (a server restarting a run its previous process left unfinished).

async fn run_with(
    engine: &Engine,
    flow: &str,
    input: RunInput,
    opts: RunOptions,
) -> ExecutionRecord {
    let idx = engine.project().by_name[flow];
    engine.run(idx, input, opts).await
}

#[tokio::test]
async fn a_resumed_for_each_reuses_the_items_that_finished() {
    let flow = format!(
        "flow: f\n{H}steps:\n  - id: each\n    card: list.for_each\n    with: {{ list: [10, 11, 12, 13], flow: item, inputs: {{ n: \"{{{{ item }}}}\" }} }}\n  - {{ id: out, card: flow.return, with: {{ outputs: {{ each: \"{{{{ each }}}}\" }} }} }}\n"
    );
    let helper = "flow: item\ntrigger: { helper: { inputs: { n: number } } }\nsteps:\n  - { id: work, card: test.count, with: { key: resume-each } }\n  - { id: out, card: flow.return, with: { outputs: { n: \"{{ inputs.n }}\" } } }\n";
    let e = engine(&[("f.yaml", &flow), ("item.yaml", helper)]);
    let first = run(&e, "f", helper_input(json!({}))).await;
    assert_eq!(count_of("resume-each"), 4);
    // The crash came after items 0 and 2 finished: only their records were kept.
    let done = &step(&first, "each").children;
    let resume = Resume {
        children: [0, 2]
            .into_iter()
            .map(|i| (("each".to_string(), i), done[i].clone()))
            .collect(),
        ..Resume::default()
    };
    let r = run_with(
        &e,
        "f",
        helper_input(json!({})),
        RunOptions {
            resume: Some(resume),
            ..RunOptions::default()
        },
    )
    .await;
    assert_eq!(r.status, RunStatus::Succeeded);
    // Items 1 and 3 ran again, 0 and 2 did not.
    assert_eq!(count_of("resume-each"), 6);
    let ids = |r: &ExecutionRecord| -> Vec<String> {
        step(r, "each")
            .children
            .iter()
            .map(|c| c.execution_id.clone())
            .collect()
    };
    let (before, after) = (ids(&first), ids(&r));
    assert_eq!(
        (&after[0], &after[2]),
        (&before[0], &before[2]),
        "finished items keep their records"
    );
    assert!(after[1] != before[1] && after[3] != before[3]);
    assert_eq!(
        *r.output,
        json!({ "each": { "succeeded": 4, "failed": 0, "errors": [] } })
    );
}

#[tokio::test]
async fn a_resumed_run_does_not_answer_an_answered_caller_again() {
    let flow = "flow: hook\ntrigger: { api_endpoint: { security: { public: true } } }\nsteps:\n  - { id: ack, card: http.close, with: { status: 202 } }\n  - { id: work, card: test.count, with: { key: resume-answered } }\n";
    let e = engine(&[("h.yaml", flow)]);
    let resumed = |responded: bool| {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let opts = RunOptions {
            responder: Some(tx),
            resume: Some(Resume {
                responded,
                ..Resume::default()
            }),
            ..RunOptions::default()
        };
        (opts, rx)
    };
    // Control: a run whose caller still waits is answered.
    let (opts, rx) = resumed(false);
    run_with(
        &e,
        "hook",
        RunInput::Request(TriggerRequest::default()),
        opts,
    )
    .await;
    assert_eq!(rx.await.unwrap().status, 202);
    // The caller was answered before the restart: the responder is never used again.
    let (opts, rx) = resumed(true);
    let r = run_with(
        &e,
        "hook",
        RunInput::Request(TriggerRequest::default()),
        opts,
    )
    .await;
    let answer = rx.await;
    assert!(answer.is_err(), "answered again: {answer:?}");
    assert_eq!(r.status, RunStatus::Succeeded);
    assert_eq!(count_of("resume-answered"), 2);
}

#[tokio::test]
async fn a_step_that_was_running_runs_again_exactly_once() {
    let flow = format!(
        "flow: f\n{H}steps:\n  - {{ id: a, card: test.count, with: {{ key: resume-a }} }}\n  - {{ id: b, card: test.count, with: {{ key: resume-b }} }}\n  - {{ id: out, card: flow.return, with: {{ outputs: {{ a: \"{{{{ a.calls }}}}\", b: \"{{{{ b.calls }}}}\" }} }} }}\n"
    );
    let e = engine(&[("f.yaml", &flow)]);
    let first = run(&e, "f", helper_input(json!({}))).await;
    assert_eq!(*first.output, json!({ "a": 1, "b": 1 }));
    // Before the crash: `a` had finished (its output said 7 calls), `b` had started.
    let mut a = step(&first, "a").clone();
    a.output = Some(Arc::new(json!({ "key": "resume-a", "calls": 7 })));
    let mut b = step(&first, "b").clone();
    b.status = StepStatus::Running;
    b.output = None;
    let resume = Resume {
        steps: [("a".to_string(), a), ("b".to_string(), b)].into(),
        ..Resume::default()
    };
    let r = run_with(
        &e,
        "f",
        helper_input(json!({})),
        RunOptions {
            resume: Some(resume),
            ..RunOptions::default()
        },
    )
    .await;
    assert_eq!((count_of("resume-a"), count_of("resume-b")), (1, 2));
    // `a`'s kept output is reused, `b` ran a second time.
    assert_eq!(*r.output, json!({ "a": 7, "b": 2 }));
    assert_eq!(step(&r, "b").attempts, 1);
}
