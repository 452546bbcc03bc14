//! Blocks (issue 13, item 2): a branch runs the first case whose `when` holds and skips the
//! others, its join gives the outputs of the arm taken (null for what another arm declares); a
//! try block's failure is caught, its `catch:` runs with `error` in scope, and the run goes on.

use flow_card::Registry;
use flow_runtime::{
    ExecutionRecord, Observer, RunEvent, RunInput, RunOptions, RunStatus, StepRecord, StepStatus,
};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

fn registry() -> Registry {
    flow_cards::registry_of(&flow_cards::BUILTIN)
}

fn step<'r>(r: &'r ExecutionRecord, id: &str) -> &'r StepRecord {
    r.steps
        .iter()
        .find(|s| &*s.id == id)
        .unwrap_or_else(|| panic!("no step `{id}`"))
}

async fn run(flow: &str, inputs: Value) -> ExecutionRecord {
    let e = crate::common::engine_with(None, &[("f.yaml", flow)], &registry());
    e.run(0, RunInput::Inputs(inputs), RunOptions::default())
        .await
}

const ROUTE: &str = r#"flow: route
trigger: { helper: { inputs: { kind: text } } }
steps:
  - id: route
    branch:
      - when: "{{ eq inputs.kind 'user' }}"
        steps:
          - { id: u, card: object.construct, with: { fields: { who: "user {{ inputs.kind }}" } } }
        outputs: { label: "{{ u.who }}", user_only: true }
      - when: "{{ eq inputs.kind 'group' }}"
        steps:
          - { id: g, card: object.construct, with: { fields: { who: group } } }
        outputs: { label: "{{ g.who }}" }
    else:
      steps:
        - { id: other, card: object.construct, with: { fields: { who: other } } }
      outputs: { label: "{{ other.who }}" }
  - { id: out, card: flow.return, with: { outputs: { label: "{{ route.label }}", user_only: "{{ route.user_only }}" } } }
"#;

#[tokio::test]
async fn a_branch_runs_the_first_case_that_holds_and_joins_its_outputs() {
    let r = run(ROUTE, json!({ "kind": "group" })).await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    assert_eq!(
        step(&r, "route.when").output.as_deref(),
        Some(&json!({ "taken": 1, "arm": "case 2" }))
    );
    assert_eq!(step(&r, "g").status, StepStatus::Succeeded);
    for skipped in ["u", "other"] {
        let s = step(&r, skipped);
        assert_eq!(s.status, StepStatus::Skipped, "{skipped}");
        assert_eq!(
            s.reason.as_deref(),
            Some("branch `route` took `case 2`"),
            "{skipped}"
        );
    }
    // `user_only` is declared by case 1 only: null when another arm ran.
    assert_eq!(
        step(&r, "route").output.as_deref(),
        Some(&json!({ "label": "group", "user_only": null }))
    );
    assert_eq!(*r.output, json!({ "label": "group", "user_only": null }));
}

#[tokio::test]
async fn a_branch_with_no_case_that_holds_runs_else() {
    let r = run(ROUTE, json!({ "kind": "app" })).await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    assert_eq!(step(&r, "other").status, StepStatus::Succeeded);
    assert_eq!(step(&r, "u").status, StepStatus::Skipped);
    assert_eq!(*r.output, json!({ "label": "other", "user_only": null }));
    let r = run(ROUTE, json!({ "kind": "user" })).await;
    assert_eq!(
        *r.output,
        json!({ "label": "user user", "user_only": true })
    );
}

const SAFE: &str = r#"flow: safe
trigger: { helper: { inputs: { body: text } } }
steps:
  - id: safe
    try:
      steps:
        - { id: parse, card: json.parse, with: { text: "{{ inputs.body }}" } }
        - { id: after_parse, card: object.construct, with: { fields: { n: "{{ parse }}" } } }
      outputs: { value: "{{ parse }}" }
    catch:
      steps:
        - id: note
          card: object.construct
          with: { fields: { why: "{{ error.message }}", at: "{{ error.step }}" } }
      outputs: { note: "{{ note.at }}" }
  - { id: out, card: flow.return, with: { outputs: { value: "{{ safe.value }}", failed_at: "{{ safe.error.step }}", note: "{{ safe.note }}" } } }
"#;

#[tokio::test]
async fn a_failure_in_try_is_caught_and_the_run_goes_on() {
    let r = run(SAFE, json!({ "body": "not json" })).await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    assert!(r.error.is_none());
    let parse = step(&r, "parse");
    assert_eq!(parse.status, StepStatus::Failed);
    assert_eq!(parse.reason.as_deref(), Some("caught by try block `safe`"));
    let below = step(&r, "after_parse");
    assert_eq!(below.status, StepStatus::Skipped);
    assert_eq!(
        below.reason.as_deref(),
        Some("step `parse` failed first in try block `safe`")
    );
    let caught = step(&r, "safe.catch").output.clone().unwrap();
    assert_eq!(caught["step"], "parse");
    assert_eq!(caught["kind"], "input");
    let note = step(&r, "note").output.clone().unwrap();
    assert_eq!(note["at"], "parse");
    assert!(
        note["why"].as_str().is_some_and(|m| !m.is_empty()),
        "{note}"
    );
    assert_eq!(r.output["failed_at"], "parse");
    assert_eq!(r.output["note"], "parse");
    assert_eq!(r.output["value"], Value::Null);
}

/// What observers (the store, a live trace) are told of each finished step: id and reason.
#[derive(Default)]
struct Finished(Mutex<Vec<(String, Option<String>)>>);

impl Observer for Finished {
    fn event(&self, event: &RunEvent<'_>) {
        if let RunEvent::StepFinished { step, .. } = event {
            self.0
                .lock()
                .unwrap()
                .push((step.id.to_string(), step.reason.clone()));
        }
    }
}

#[tokio::test]
async fn observers_see_that_a_failure_was_caught() {
    let seen = Arc::new(Finished::default());
    let e =
        crate::common::engine_with(None, &[("f.yaml", SAFE)], &registry()).observe(seen.clone());
    let r = e
        .run(
            0,
            RunInput::Inputs(json!({ "body": "not json" })),
            RunOptions::default(),
        )
        .await;
    assert_eq!(r.status, RunStatus::Succeeded);
    let seen = seen.0.lock().unwrap();
    let parse = seen.iter().find(|(id, _)| id == "parse").unwrap();
    assert_eq!(parse.1.as_deref(), Some("caught by try block `safe`"));
}

#[tokio::test]
async fn a_try_that_does_not_fail_skips_catch() {
    let r = run(SAFE, json!({ "body": "{\"a\":1}" })).await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    let catch = step(&r, "safe.catch");
    assert_eq!(catch.status, StepStatus::Skipped);
    let note = step(&r, "note");
    assert_eq!(note.status, StepStatus::Skipped);
    assert_eq!(
        note.reason.as_deref(),
        Some("nothing failed in try block `safe`")
    );
    assert_eq!(
        *r.output,
        json!({ "value": { "a": 1 }, "failed_at": null, "note": null })
    );
}

/// A failure inside `catch:` is not caught by its own block: the run fails there.
#[tokio::test]
async fn a_failure_in_catch_fails_the_run() {
    let flow = r#"flow: f
trigger: { helper: { inputs: {} } }
steps:
  - id: safe
    try:
      steps:
        - { id: bad, card: json.parse, with: { text: "nope" } }
    catch:
      steps:
        - { id: worse, card: json.parse, with: { text: "{{ error.message }}" } }
  - { id: out, card: flow.return, with: { outputs: { x: 1 } } }
"#;
    let r = run(flow, json!({})).await;
    assert_eq!(r.status, RunStatus::Failed);
    assert_eq!(r.error.as_ref().unwrap().step, "worse");
    assert_eq!(step(&r, "out").status, StepStatus::Skipped);
}

/// Blocks nest: an inner branch inside a try arm whose chosen case fails is caught by the try;
/// the steps of a branch whose block did not run are skipped too.
#[tokio::test]
async fn nested_blocks_gate_and_catch_through_each_other() {
    let flow = r#"flow: f
trigger: { helper: { inputs: { go: boolean } } }
steps:
  - id: outer
    branch:
      - when: "{{ inputs.go }}"
        steps:
          - id: safe
            try:
              steps:
                - id: inner
                  branch:
                    - when: "{{ true }}"
                      steps:
                        - { id: bad, card: json.parse, with: { text: "nope" } }
            catch:
              steps:
                - { id: handled, card: object.construct, with: { fields: { step: "{{ error.step }}" } } }
              outputs: { step: "{{ handled.step }}" }
        outputs: { step: "{{ safe.step }}" }
  - { id: out, card: flow.return, with: { outputs: { step: "{{ outer.step }}" } } }
"#;
    let r = run(flow, json!({ "go": true })).await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    assert_eq!(*r.output, json!({ "step": "bad" }));
    assert_eq!(step(&r, "inner").status, StepStatus::Skipped);
    let r = run(flow, json!({ "go": false })).await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    assert_eq!(*r.output, json!({ "step": null }));
    for id in ["safe.catch", "inner.when", "bad", "handled", "safe"] {
        assert_eq!(step(&r, id).status, StepStatus::Skipped, "{id}");
    }
    assert_eq!(
        step(&r, "inner.when").reason.as_deref(),
        Some("branch `outer` took `else`")
    );
}

/// `flow.fail` inside `try:` is caught like a failed step (Okta's If Error catches it); a
/// `flow.continue_if` that stops inside a block still ends the run.
#[tokio::test]
async fn flow_fail_is_caught_and_a_stop_still_stops() {
    let flow = r#"flow: f
trigger: { helper: { inputs: { stop: boolean } } }
steps:
  - id: safe
    try:
      steps:
        - { id: gate, card: flow.continue_if, with: { condition: "{{ not inputs.stop }}" } }
        - { id: nope, card: flow.fail, with: { message: "refused" } }
  - { id: out, card: flow.return, with: { outputs: { why: "{{ safe.error.message }}" } } }
"#;
    let r = run(flow, json!({ "stop": false })).await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    assert_eq!(*r.output, json!({ "why": "refused" }));
    let r = run(flow, json!({ "stop": true })).await;
    assert_eq!(r.status, RunStatus::Stopped);
    assert_eq!(step(&r, "out").status, StepStatus::Skipped);
}

/// A pure step that fails early in `try:` does not skip a step written above it that was not
/// ready yet (it waits for data): only the steps below the failure are skipped.
#[tokio::test]
async fn only_steps_below_a_caught_failure_are_skipped() {
    let flow = r#"flow: f
trigger: { helper: { inputs: {} } }
steps:
  - id: safe
    try:
      steps:
        - { id: first, card: object.construct, with: { fields: { a: 1 } } }
        - { id: mid, card: object.construct, with: { fields: { a: "{{ first.a }}" } } }
        - { id: above, card: object.construct, with: { fields: { a: "{{ mid.a }}" } } }
        - { id: bad, card: json.parse, with: { text: "nope" } }
        - { id: below, card: object.construct, with: { fields: { a: "{{ above.a }}" } } }
      outputs: { a: "{{ above.a }}" }
  - { id: out, card: flow.return, with: { outputs: { a: "{{ safe.a }}", failed: "{{ safe.error.step }}" } } }
"#;
    let r = run(flow, json!({})).await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    // `bad` is ready at once and fails while `mid` and `above` still wait for their data: they
    // still run (they are written above it), `below` does not.
    assert_eq!(step(&r, "mid").status, StepStatus::Succeeded);
    assert_eq!(step(&r, "above").status, StepStatus::Succeeded);
    assert_eq!(step(&r, "below").status, StepStatus::Skipped);
    // Something failed, so the outputs of `catch` (it has none) are the block's, not those of
    // `try`.
    assert_eq!(*r.output, json!({ "a": null, "failed": "bad" }));
}

/// A resumed run decides its branches again before it reuses a finished record: a record of a
/// step of the arm taken before is not reused when another arm is taken now.
#[tokio::test]
async fn a_resumed_run_takes_its_own_branch() {
    let e = crate::common::engine_with(None, &[("f.yaml", ROUTE)], &registry());
    let first = e
        .run(
            0,
            RunInput::Inputs(json!({ "kind": "user" })),
            RunOptions::default(),
        )
        .await;
    assert_eq!(step(&first, "u").status, StepStatus::Succeeded);
    assert_eq!(step(&first, "g").status, StepStatus::Skipped);
    let resume = flow_runtime::Resume {
        steps: first
            .steps
            .iter()
            .map(|s| (s.id.to_string(), s.clone()))
            .collect(),
        ..Default::default()
    };
    let r = e
        .run(
            0,
            RunInput::Inputs(json!({ "kind": "group" })),
            RunOptions {
                resume: Some(resume),
                ..Default::default()
            },
        )
        .await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    assert_eq!(step(&r, "u").status, StepStatus::Skipped);
    assert_eq!(step(&r, "g").status, StepStatus::Succeeded);
    assert_eq!(*r.output, json!({ "label": "group", "user_only": null }));
}
