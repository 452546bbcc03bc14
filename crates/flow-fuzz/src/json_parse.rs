//! The `json_parse` target: the `json.parse` card with declared fields, compiled into a flow
//! and run by the engine on fuzzed JSON text, as a flow run does.

use flow_card::RunEnv;
use flow_runtime::{Engine, NoTransport, RunInput, RunOptions, RunStatus};
use serde_json::{Value, json};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

/// The flow around the card; `FIELDS` is replaced by the input's first line.
const FLOW: &str = r#"flow: parse
trigger: { helper: { inputs: { text: any } } }
steps:
  - id: parse
    card: json.parse
    with:
      text: "{{ inputs.text }}"
FIELDS  - { id: out, card: flow.return, with: { outputs: { parsed: "{{ parse }}" } } }
"#;

/// Compiles the flow for a fields line; `None` when it does not compile.
fn engine(fields: &str) -> Option<Engine> {
    let fields = if fields.trim().is_empty() {
        String::new()
    } else {
        format!("      fields: {fields}\n")
    };
    let flow = FLOW.replace("FIELDS", &fields);
    let project =
        flow_compile::compile_str(None, &[("parse.yaml", &flow)], &flow_cards::registry()).ok()?;
    let env = RunEnv {
        dry_run: true,
        transport: Arc::new(NoTransport),
        connections: HashMap::new(),
        capture_inputs: true,
    };
    Some(Engine::new(Arc::new(project), Arc::new(env)))
}

/// Input: UTF-8 text (invalid bytes replaced). The first line is the card's `fields:` as a YAML
/// flow mapping (`{ id: { path: "$.id", type: number } }`; empty for no fields), the rest is the
/// JSON text. The card parses the text; when the text is JSON it is also given as the parsed
/// value (a value that is already a list or object is used as it is).
pub fn json_parse(data: &[u8]) {
    std::hint::black_box(json_parse_statuses(data));
}

/// [`json_parse`], returning how each run ended (`None` when the fields do not compile).
pub fn json_parse_statuses(data: &[u8]) -> Option<Vec<RunStatus>> {
    let text = String::from_utf8_lossy(data);
    let (fields, body) = text.split_once('\n').unwrap_or((&text, ""));
    // The fuzzer mutates the JSON text more often than the fields: keep the last compiled flow.
    thread_local! {
        static LAST: RefCell<Option<(String, Option<Arc<Engine>>)>> = const { RefCell::new(None) };
    }
    let engine = LAST.with(|last| {
        let mut last = last.borrow_mut();
        match &*last {
            Some((f, e)) if f == fields => e.clone(),
            _ => {
                let e = engine(fields).map(Arc::new);
                *last = Some((fields.to_string(), e.clone()));
                e
            }
        }
    });
    let engine = engine?;
    let mut inputs = vec![json!({ "text": body })];
    if let Ok(v) = serde_json::from_str::<Value>(body) {
        inputs.push(json!({ "text": v }));
    }
    let mut statuses = Vec::new();
    for input in inputs {
        let record = super::with_runtime(|rt| {
            rt.block_on(engine.run(0, RunInput::Inputs(input), RunOptions::default()))
        })?;
        statuses.push(record.status);
        std::hint::black_box(record);
    }
    Some(statuses)
}
