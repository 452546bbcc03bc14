//! Property tests: every pure card, fed random JSON values through a flow, finishes with an
//! output or a clear error, never a panic.

use flow_card::RunEnv;
use flow_runtime::{Engine, RunInput, RunOptions};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// Every pure card, with its inputs taken from the flow's random input `v` (and `w`).
const STEPS: &str = r#"
  - { id: parse, card: json.parse, with: { text: "{{ inputs.v }}" }, on_error: continue }
  - id: fields
    card: json.parse
    on_error: continue
    with:
      text: "{{ inputs.v }}"
      fields: { a: { path: "$.a", type: text }, l: { path: "$..x", type: "list<any>" }, n: { path: "$[0]", type: number } }
  - { id: str, card: json.stringify, with: { value: "{{ inputs.v }}", pretty: true }, on_error: continue }
  - { id: get, card: object.get, with: { object: "{{ inputs.v }}", path: "{{ inputs.w }}" }, on_error: continue }
  - { id: build, card: object.construct, with: { fields: { v: "{{ inputs.v }}", w: "{{ inputs.w }}" } }, on_error: continue }
  - { id: text, card: list.to_text, with: { list: "{{ inputs.v }}", separator: "{{ inputs.w }}" }, on_error: continue }
  - { id: len, card: list.length, with: { list: "{{ inputs.v }}" }, on_error: continue }
  - { id: pluck, card: list.pluck, with: { list: "{{ inputs.v }}", key: a.b }, on_error: continue }
  - { id: filter, card: list.filter, with: { list: "{{ inputs.v }}", operator: gt, value: "{{ inputs.w }}" }, on_error: continue }
  - { id: filter2, card: list.filter, with: { list: "{{ inputs.v }}", path: a, operator: contains, value: "{{ inputs.w }}" }, on_error: continue }
  - { id: find, card: list.find, with: { list: "{{ inputs.v }}", operator: in, value: "{{ inputs.w }}" }, on_error: continue }
  - { id: uniq, card: list.unique, with: { list: "{{ inputs.v }}", path: a }, on_error: continue }
  - { id: sort, card: list.sort, with: { list: "{{ inputs.v }}", order: desc }, on_error: continue }
  - { id: sort2, card: list.sort, with: { list: "{{ inputs.v }}", path: a.b }, on_error: continue }
  - { id: at, card: list.at, with: { list: "{{ inputs.v }}", index: "{{ inputs.w }}" }, on_error: continue }
  - id: compose
    card: text.compose
    on_error: continue
    with:
      template: "{{ inputs.v }} {{ json inputs.w }} {{ len inputs.v }} {{ join inputs.v \",\" }} {{#each inputs.v}}{{@index}}{{this}}{{/each}} {{ default inputs.v inputs.w }} {{ lower inputs.w }} {{ gt inputs.v inputs.w }}"
  - { id: gate, card: flow.continue_if, with: { condition: "{{ inputs.v }}" } }
  - { id: out, card: flow.return, with: { outputs: { ok: true } } }
"#;

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e12f64..1e12).prop_map(|f| json!(f)),
        "\\PC{0,12}".prop_map(Value::String),
        Just(Value::String("[1, {\"a\": {\"b\": 2}}, \"x\"]".into())),
        Just(Value::String("{\"a\": \"t\", \"x\": [1]}".into())),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-c]{1,2}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn engine() -> Engine {
    let flow = format!(
        "flow: pure\ntrigger: {{ helper: {{ inputs: {{ v: any, w: any }} }} }}\nsteps:{STEPS}"
    );
    let project = flow_compile::compile_str(None, &[("pure.yaml", &flow)], &flow_cards::registry())
        .unwrap_or_else(|e| panic!("{e}"));
    let env = RunEnv {
        dry_run: true,
        transport: Arc::new(flow_runtime::NoTransport),
        connections: HashMap::new(),
        capture_inputs: true,
    };
    Engine::new(Arc::new(project), Arc::new(env))
}

proptest! {
    // 300 cases in optimised builds, 64 in debug builds (CI).
    #![proptest_config(ProptestConfig { cases: if cfg!(debug_assertions) { 64 } else { 300 }, .. ProptestConfig::default() })]

    #[test]
    fn pure_cards_never_panic(v in json_value(), w in json_value()) {
        let engine = engine();
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let record = rt.block_on(engine.run(0, RunInput::Inputs(json!({ "v": v, "w": w })), RunOptions::default()));
        // Every step ran (continue_if may stop the flow before `out`).
        prop_assert!(record.steps.iter().take(16).all(|s| s.status != flow_runtime::StepStatus::Pending));
    }
}

/// `list.unique` drops items equal by value: `1` and `1.0`, objects whatever their key order.
#[test]
fn unique_compares_items_by_value() {
    let flow = r#"flow: u
trigger: { helper: { inputs: { v: any } } }
steps:
  - { id: all, card: list.unique, with: { list: "{{ inputs.v }}" } }
  - { id: by_a, card: list.unique, with: { list: "{{ inputs.v }}", path: a } }
  - { id: out, card: flow.return, with: { outputs: { all: "{{ all }}", by_a: "{{ by_a }}" } } }
"#;
    let project = flow_compile::compile_str(None, &[("u.yaml", flow)], &flow_cards::registry())
        .unwrap_or_else(|e| panic!("{e}"));
    let env = RunEnv {
        dry_run: true,
        transport: Arc::new(flow_runtime::NoTransport),
        connections: HashMap::new(),
        capture_inputs: false,
    };
    let engine = Engine::new(Arc::new(project), Arc::new(env));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let v = json!([1, 1.0, 2, {"a": 1, "b": 2}, {"b": 2.0, "a": 1}, {"a": 1.0}, "1"]);
    let record = rt.block_on(engine.run(
        0,
        RunInput::Inputs(json!({ "v": v })),
        RunOptions::default(),
    ));
    assert!(record.error.is_none(), "{:?}", record.error);
    assert_eq!(
        record.output["all"],
        json!([1, 2, {"a": 1, "b": 2}, {"a": 1.0}, "1"])
    );
    // By `a`: 1 (no `a`: null), then {"a": 1} and its equals are one.
    assert_eq!(record.output["by_a"], json!([1, {"a": 1, "b": 2}]));
}
