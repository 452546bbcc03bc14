//! Okta's implicit conversions at run time (issue 13, item 3): text read as a number, numbers
//! given as text, and `date` helper inputs checked to be ISO 8601, with errors naming the step
//! and the input.

use flow_runtime::{Engine, RunInput, RunOptions, RunStatus};
use serde_json::{Value, json};

/// Takes a number and a date, and returns them with the number doubled.
const HELPER: &str = "flow: take
trigger: { helper: { inputs: { n: number, when: date, label: text } } }
steps:
  - { id: twice, card: number.multiply, with: { a: \"{{ inputs.n }}\", b: 2 } }
  - { id: done, card: flow.return, with: { outputs: { twice: \"{{ twice }}\", when: \"{{ inputs.when }}\", label: \"{{ inputs.label }}\" } } }
";

/// Calls `take` with the inputs' `n`, `when` and `label`, passed through text-typed steps.
const MAIN: &str = "flow: main
trigger: { helper: { inputs: { n: text, when: text, label: number } } }
steps:
  - { id: n, card: text.trim, with: { text: \"{{ inputs.n }}\" } }
  - { id: sum, card: number.add, with: { a: \"{{ n }}\", b: 1 } }
  - { id: call, card: flow.call, with: { flow: take, inputs: { n: \"{{ n }}\", when: \"{{ inputs.when }}\", label: \"{{ inputs.label }}\" } } }
  - { id: out, card: flow.return, with: { outputs: { sum: \"{{ sum }}\", call: \"{{ call }}\" } } }
";

fn engine() -> Engine {
    crate::common::engine_with(
        None,
        &[("main.yaml", MAIN), ("take.yaml", HELPER)],
        &flow_cards::registry(),
    )
}

async fn run(inputs: Value) -> flow_runtime::ExecutionRecord {
    let e = engine();
    let idx = e.project().by_name["main"];
    e.run(idx, RunInput::Inputs(inputs), RunOptions::default())
        .await
}

/// Text holding a number is a number for a card and for a helper; a number is text for a
/// helper's text input.
#[tokio::test]
async fn text_is_read_as_a_number_and_a_number_as_text() {
    let r = run(json!({ "n": " 20 ", "when": "2026-01-31T09:00:00Z", "label": 7 })).await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    assert_eq!(
        *r.output,
        json!({ "sum": 21, "call": { "twice": 40, "when": "2026-01-31T09:00:00Z", "label": "7" } })
    );
}

/// Text that is not a number fails the step that reads it, naming the input and the value.
#[tokio::test]
async fn text_that_is_not_a_number_fails_naming_the_input() {
    let r = run(json!({ "n": "many", "when": "2026-01-31", "label": 1 })).await;
    assert_eq!(r.status, RunStatus::Failed);
    let e = r.error.unwrap();
    assert_eq!(e.step, "sum");
    assert!(
        e.message.contains("`a` must be a number") && e.message.contains("text \"many\""),
        "{}",
        e.message
    );
}

/// A `date` input given text that is not ISO 8601 fails the helper run, naming the input.
#[tokio::test]
async fn a_date_input_refuses_text_that_is_not_a_date() {
    let r = run(json!({ "n": "1", "when": "90 days ago", "label": 1 })).await;
    assert_eq!(r.status, RunStatus::Failed);
    let e = r.error.unwrap();
    assert_eq!(e.step, "call");
    assert!(
        e.message
            .contains("input `when`: expected date (ISO 8601), found text \"90 days ago\""),
        "{}",
        e.message
    );
}
