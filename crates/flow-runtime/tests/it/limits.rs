//! Memory ceilings (`limits:` in `flowctl.yaml`): a value's size, a run's record, the item
//! records a list step keeps, and the nesting depth every record can be read back with. Limits
//! are set low here so the cases run fast; what is checked is where and how a run stops.

use flow_card::limits::MAX_JSON_DEPTH;
use flow_runtime::{
    Engine, ExecutionRecord, OmittedRuns, RunError, RunInput, RunOptions, RunStatus, StepRecord,
    StepStatus,
};
use serde_json::{Value, json};

fn engine(config: &str, files: &[(&str, &str)]) -> Engine {
    crate::common::engine_with(Some(config), files, &flow_cards::registry())
}

async fn run(e: &Engine, flow: &str, inputs: Value) -> ExecutionRecord {
    let idx = e.project().by_name[flow];
    e.run(idx, RunInput::Inputs(inputs), RunOptions::default())
        .await
}

fn step<'r>(r: &'r ExecutionRecord, id: &str) -> &'r StepRecord {
    r.steps.iter().find(|s| &*s.id == id).unwrap()
}

fn error(step: &str, kind: &str, message: &str) -> Option<RunError> {
    Some(RunError {
        step: step.into(),
        kind: kind.into(),
        message: message.into(),
    })
}

/// The record as the store writes it, read back as `history show` and `replay` read it.
fn round_trip(r: &ExecutionRecord) -> ExecutionRecord {
    let bytes = serde_json::to_vec(r).unwrap();
    serde_json::from_slice(&bytes).unwrap_or_else(|e| {
        let text = String::from_utf8_lossy(&bytes);
        panic!(
            "the record cannot be read back: {e}: {}",
            &text[..text.len().min(400)]
        )
    })
}

#[tokio::test]
async fn a_text_that_doubles_stops_at_the_value_limit_naming_the_step() {
    // d0 is 1 byte, d_k is 2^k: the 40th would be a terabyte.
    let mut flow = String::from(
        "flow: f\ntrigger: { helper: { inputs: {} } }\nsteps:\n  - { id: d0, card: text.compose, with: { template: x } }\n",
    );
    for k in 1..40 {
        flow.push_str(&format!(
            "  - {{ id: d{k}, card: text.compose, with: {{ template: \"{{{{ d{p} }}}}{{{{ d{p} }}}}\" }} }}\n",
            p = k - 1
        ));
    }
    let e = engine("limits: { max_value: 1KiB }\n", &[("f.yaml", &flow)]);
    let r = run(&e, "f", json!({})).await;
    // d10's text is 1024 bytes, 1026 as JSON.
    assert_eq!(r.status, RunStatus::Failed);
    assert_eq!(
        r.error,
        error(
            "d10",
            "limit",
            "the output of step `d10` is larger than 1 KiB (`limits.max_value`)"
        )
    );
    assert_eq!(step(&r, "d9").status, StepStatus::Succeeded);
    assert_eq!(step(&r, "d11").status, StepStatus::Skipped);
}

#[tokio::test]
async fn a_template_stops_rendering_at_the_value_limit() {
    let flow = "flow: f\ntrigger: { helper: { inputs: { items: any } } }\nsteps:\n  - { id: all, card: text.compose, with: { template: \"{{#each inputs.items}}{{this}}{{/each}}\" } }\n";
    let e = engine("limits: { max_value: 100 }\n", &[("f.yaml", flow)]);
    let items: Vec<String> = (0..1000).map(|_| "0123456789".to_string()).collect();
    let r = run(&e, "f", json!({ "items": items })).await;
    assert_eq!(
        r.error,
        error(
            "all",
            "input",
            "`template`: the text is longer than 100 bytes, the most a value may be (`limits.max_value`) (in `{{#each inputs.items}}{{this}}{{/each}}`)"
        )
    );
}

#[tokio::test]
async fn a_record_over_its_limit_fails_the_run_at_the_step_that_outgrew_it() {
    let text = "y".repeat(600);
    let flow = format!(
        "flow: f\ntrigger: {{ helper: {{ inputs: {{}} }} }}\nsteps:\n  - {{ id: a, card: text.compose, with: {{ template: {text} }} }}\n  - {{ id: b, card: text.compose, after: [a], with: {{ template: {text} }} }}\n  - {{ id: c, card: text.compose, after: [b], with: {{ template: {text} }} }}\n"
    );
    let e = engine("limits: { max_record: 2KiB }\n", &[("f.yaml", &flow)]);
    let r = run(&e, "f", json!({})).await;
    // Each step's record holds the text twice (input and output): a fits, b does not.
    assert_eq!(
        r.error,
        error(
            "b",
            "limit",
            "the run's record would be larger than 2 KiB (`limits.max_record`) with the record of step `b`"
        )
    );
    let b = step(&r, "b");
    assert_eq!(
        (b.status, &b.output, &b.input),
        (StepStatus::Failed, &None, &None)
    );
    assert_eq!(step(&r, "c").status, StepStatus::Skipped);
    assert!(serde_json::to_vec(&r).unwrap().len() < 2048 + 1024);
}

const ITEM: &str = "flow: item\ntrigger: { helper: { inputs: { n: number } } }\nsteps:\n  - { id: out, card: flow.return, with: { outputs: { n: \"{{ inputs.n }}\" } } }\n";

#[tokio::test]
async fn a_large_for_each_keeps_the_first_item_records_and_counts_the_rest() {
    let flow = "flow: f\ntrigger: { helper: { inputs: { items: any } } }\nsteps:\n  - id: each\n    card: list.for_each\n    on_error: continue\n    with: { list: \"{{ inputs.items }}\", flow: item, inputs: { n: \"{{ item }}\" }, on_item_error: continue, concurrency: 8 }\n";
    let e = engine(
        "limits: { item_records: 3 }\n",
        &[("f.yaml", flow), ("item.yaml", ITEM)],
    );
    // 2000 items; "x" is not a number, so the helper refuses items 1 and every 10th from 1000.
    let items: Vec<Value> = (0..2000)
        .map(|i| {
            if i == 1 || (i >= 1000 && i % 10 == 0) {
                json!("x")
            } else {
                json!(i)
            }
        })
        .collect();
    let r = run(&e, "f", json!({ "items": items })).await;
    let each = step(&r, "each");
    let kept: Vec<(Option<usize>, RunStatus)> =
        each.children.iter().map(|c| (c.index, c.status)).collect();
    assert_eq!(
        kept,
        vec![
            (Some(0), RunStatus::Succeeded),
            (Some(1), RunStatus::Failed),
            (Some(2), RunStatus::Succeeded)
        ]
    );
    assert_eq!(
        each.children_omitted,
        Some(OmittedRuns {
            succeeded: 1997 - 100,
            failed: 100,
            stopped: 0
        })
    );
    // The output counts every failure and lists the first 100.
    let out = each.output.clone().unwrap();
    assert_eq!(
        (out["succeeded"].clone(), out["failed"].clone()),
        (json!(1899), json!(101))
    );
    let listed: Vec<u64> = out["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["index"].as_u64().unwrap())
        .collect();
    let expected: Vec<u64> = std::iter::once(1).chain((1000..1990).step_by(10)).collect();
    assert_eq!(listed, expected);
    assert_eq!(
        round_trip(&r).steps[0].children_omitted,
        each.children_omitted
    );
}

fn nested(levels: usize) -> Value {
    let mut v = json!(1);
    for _ in 0..levels {
        v = json!([v]);
    }
    v
}

#[tokio::test]
async fn every_value_a_run_keeps_can_be_read_back() {
    let flow = "flow: f\ntrigger: { helper: { inputs: { v: any } } }\nsteps:\n  - { id: out, card: flow.return, with: { outputs: { v: \"{{ inputs.v }}\" } } }\n";
    let wrap = "flow: g\ntrigger: { helper: { inputs: { v: any } } }\nsteps:\n  - { id: out, card: flow.return, with: { outputs: { v: { w: \"{{ inputs.v }}\" } } } }\n";
    let e = engine("", &[("f.yaml", flow), ("g.yaml", wrap)]);
    // The deepest inputs allowed: `{ v: … }` nests exactly MAX_JSON_DEPTH levels, and so does
    // the output.
    let deepest = json!({ "v": nested(MAX_JSON_DEPTH - 1) });
    let r = run(&e, "f", deepest.clone()).await;
    assert_eq!(r.status, RunStatus::Succeeded);
    assert_eq!(*round_trip(&r).output, deepest);
    // One level more in the inputs, or the 127 levels serde_json's parser accepts: refused
    // before any step, and the record stays readable.
    for levels in [MAX_JSON_DEPTH, 126] {
        let r = run(&e, "f", json!({ "v": nested(levels) })).await;
        assert_eq!(
            (r.error.clone(), r.steps.len(), r.inputs.is_some()),
            (
                error("", "limit", "the inputs nest deeper than 110 levels"),
                0,
                false
            ),
            "{levels} levels"
        );
        assert_eq!(round_trip(&r).error, r.error);
    }
    // A step that would make a value one level deeper than allowed is refused.
    let r = run(&e, "g", deepest).await;
    assert_eq!(
        r.error,
        error(
            "out",
            "limit",
            "the output of step `out` nests deeper than 110 levels"
        )
    );
    assert_eq!(round_trip(&r).error, r.error);
}
