//! The documented examples of the table cards (`flow_cards::table::CARDS`), run as tests
//! against a real table store: each example is a one-step flow in a project declaring the
//! `people` table ([`flow_cards::table::EXAMPLE_TABLES`]), run (not a dry run) against a fresh
//! in-memory SQLite store holding [`flow_cards::table::EXAMPLE_ROWS`], written at
//! 2026-01-05T09:00:00Z; the example runs an hour later, on the store's clock. flow-cards runs
//! every other card's examples itself (`every_example_holds`); it cannot depend on this crate.

use flow_card::{Example, Expect, RunEnv};
use flow_model::tables::{TableStore, decode_tables};
use flow_model::{Diagnostics, SourceId, node::parse_yaml};
use flow_runtime::{Engine, RunInput, RunOptions};
use flow_store::{ManualClock, SqliteStore, SqliteTables};
use serde_json::{Map, Value};
use std::sync::Arc;

/// Why the step did not give an output.
#[derive(Debug)]
enum Failure {
    /// The flow did not compile; the rendered diagnostics.
    Rejected(String),
    /// The step failed; its error message.
    Failed(String),
}

/// 2026-01-05T09:00:00Z, when the example rows were written.
const SEEDED_MS: i64 = 1_767_603_600_000;

/// A fresh store holding the example table and its rows, written at [`SEEDED_MS`]; its clock
/// then shows an hour later, when the example runs.
fn people() -> Arc<dyn TableStore> {
    let node = parse_yaml(SourceId(0), flow_cards::table::EXAMPLE_TABLES).unwrap();
    let mut diags = Diagnostics::new();
    let defs = decode_tables(&node, &mut diags);
    assert!(diags.is_empty(), "{diags:?}");
    let clock = ManualClock::new(SEEDED_MS);
    let store = Arc::new(SqliteStore::open_in_memory_with_clock(Arc::new(clock.clone())).unwrap());
    let tables = SqliteTables::open(store, &defs).unwrap();
    let rows: Vec<Map<String, Value>> =
        serde_json::from_str(flow_cards::table::EXAMPLE_ROWS).unwrap();
    tables.create_rows("people", &rows).unwrap();
    clock.advance(std::time::Duration::from_secs(3600));
    Arc::new(tables)
}

/// `flowctl.yaml` declaring the example table.
fn project_config() -> String {
    let tables = flow_cards::table::EXAMPLE_TABLES
        .trim_end()
        .replace('\n', "\n  ");
    format!("tables:\n  {tables}\n")
}

/// Runs card `kind` configured by `with` with `inputs` against a fresh example table.
fn run_card(kind: &str, with: &str, inputs: &Value) -> Result<Value, Failure> {
    let declared: Vec<String> = inputs
        .as_object()
        .map(|m| m.keys().map(|k| format!("{k}: any")).collect())
        .unwrap_or_default();
    let with = with.trim().replace('\n', "\n      ");
    let flow = format!(
        "flow: t\ntrigger: {{ helper: {{ inputs: {{ {} }} }} }}\nsteps:\n  - id: s\n    card: {kind}\n    with:\n      {with}\n",
        declared.join(", ")
    );
    let mut files = vec![("t.yaml", flow.as_str())];
    files.extend_from_slice(flow_cards::EXAMPLE_HELPERS);
    let config = project_config();
    let project = flow_compile::compile_str(Some(&config), &files, &flow_cards::registry())
        .map_err(|e| Failure::Rejected(e.to_string()))?;
    let mut env = RunEnv {
        dry_run: false,
        transport: Arc::new(flow_runtime::NoTransport),
        connections: std::collections::HashMap::new(),
        capture_inputs: false,
    };
    env.set_tables(people());
    let engine = Engine::new(Arc::new(project), Arc::new(env));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let record =
        rt.block_on(engine.run(0, RunInput::Inputs(inputs.clone()), RunOptions::default()));
    let step = record.steps.iter().find(|s| &*s.id == "s").unwrap();
    if let Some(e) = &step.error {
        return Err(Failure::Failed(
            e["message"].as_str().unwrap_or_default().to_string(),
        ));
    }
    if let Some(e) = &record.error {
        return Err(Failure::Failed(e.message.clone()));
    }
    Ok(step.output.as_deref().cloned().unwrap_or(Value::Null))
}

/// Checks one example of card `kind`; `Err` says how it did not hold.
fn check_example(kind: &str, ex: &Example) -> Result<(), String> {
    let inputs: Value = if ex.inputs.is_empty() {
        Value::Object(Map::new())
    } else {
        serde_json::from_str(ex.inputs).map_err(|e| format!("inputs are not JSON: {e}"))?
    };
    match (ex.expect, run_card(kind, ex.with, &inputs)) {
        (Expect::Output(want), Ok(out)) => {
            let want: Value =
                serde_json::from_str(want).map_err(|e| format!("output is not JSON: {e}"))?;
            if out == want {
                Ok(())
            } else {
                Err(format!("gave {out}, the docs say {want}"))
            }
        }
        (Expect::Fails(want), Err(Failure::Failed(msg))) if msg.contains(want) => Ok(()),
        (Expect::Rejected(code), Err(Failure::Rejected(text)))
            if text.contains(&format!("[{code}]")) =>
        {
            Ok(())
        }
        (want, got) => Err(format!("expected {want:?}, got {got:?}")),
    }
}

/// Every example of every table card holds against the real store.
#[test]
fn every_table_example_holds() {
    let mut wrong = Vec::new();
    let mut count = 0;
    for card in flow_cards::table::CARDS {
        for ex in card.doc.examples {
            count += 1;
            if let Err(e) = check_example(card.spec.kind, ex) {
                wrong.push(format!("{} — {}: {e}", card.spec.kind, ex.title));
            }
        }
    }
    assert!(count >= 22, "only {count} table examples");
    assert!(
        wrong.is_empty(),
        "{} of {count} examples:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// The harness can fail: a wrong output is caught.
#[test]
fn a_wrong_table_example_is_caught() {
    let ex = Example::gives("wrong", "{ table: people }", "3");
    assert!(check_example("table.count", &ex).is_err());
    let ex = Example::gives("right", "{ table: people }", "2");
    assert_eq!(check_example("table.count", &ex), Ok(()));
}
