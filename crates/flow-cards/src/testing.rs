//! Runs a card as a test: [`run_card`] compiles a one-step flow around a `with:` block and runs
//! it in a dry run; [`check_example`] holds a documented [`Example`] to what it claims. Every
//! example of every card goes through here (`every_example_holds`), as jaq runs its manual.
//!
//! Connector cards run against dry-run connections (nothing is sent: the output is the card's
//! rehearsal). Examples may call the helper flows of [`HELPERS`].

use flow_card::{Expect, RunEnv};
use flow_runtime::{Engine, RunInput, RunOptions};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// Connections an example may name: `okta`, `slack`, `hook` and `api`.
const CONFIG: &str = "connections:
  okta: { kind: okta, org_url: \"https://example.okta.com\", token: \"${env:OKTA_TOKEN}\" }
  slack: { kind: slack, token: \"${env:SLACK_TOKEN}\" }
  hook: { kind: slack_webhook, url: \"${env:HOOK_URL}\" }
  api: { kind: http, base_url: \"https://api.example.com\", allow_hosts: [api.example.com] }
";

/// Helper flows examples may call: `greet` returns `{ greeting }` for a `name` and fails
/// (`no name`) for an empty one.
pub const HELPERS: &[(&str, &str)] = &[(
    "greet.yaml",
    "flow: greet
trigger: { helper: { inputs: { name: text } } }
steps:
  - { id: check, card: flow.fail, if: \"{{ not inputs.name }}\", with: { message: no name } }
  - { id: done, card: flow.return, with: { outputs: { greeting: \"Hello {{ inputs.name }}\" } } }
",
)];

/// Why a card did not give an output.
#[derive(Debug)]
pub enum Failure {
    /// The flow did not compile; the rendered diagnostics (`error[E0206]: …`).
    Rejected(String),
    /// The step failed; its error message.
    Failed(String),
}

/// Runs card `kind` configured by `with` (YAML) in a dry run, with the flow's `inputs` (a JSON
/// object whose keys are declared `any`), and returns the step's output.
pub fn run_card(kind: &str, with: &str, inputs: &Value) -> Result<Value, Failure> {
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
    files.extend_from_slice(HELPERS);
    let project = flow_compile::compile_str(Some(CONFIG), &files, &crate::registry())
        .map_err(|e| Failure::Rejected(e.to_string()))?;
    let lookup = |_: &str| Some("https://hooks.example.com/secret".to_string());
    let connections = flow_runtime::connect_all(&project, &lookup, true)
        .map_err(|e| Failure::Rejected(e.to_string()))?;
    let env = RunEnv {
        dry_run: true,
        transport: Arc::new(flow_runtime::NoTransport),
        connections,
        capture_inputs: false,
    };
    let engine = Engine::new(Arc::new(project), Arc::new(env));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Failed(e.to_string()))?;
    let record =
        rt.block_on(engine.run(0, RunInput::Inputs(inputs.clone()), RunOptions::default()));
    let step = record
        .steps
        .iter()
        .find(|s| &*s.id == "s")
        .ok_or_else(|| Failure::Failed("no step".into()))?;
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
pub fn check_example(kind: &str, ex: &flow_card::Example) -> Result<(), String> {
    let inputs: Value = if ex.inputs.is_empty() {
        Value::Object(serde_json::Map::new())
    } else {
        serde_json::from_str(ex.inputs).map_err(|e| format!("inputs are not JSON: {e}"))?
    };
    let got = run_card(kind, ex.with, &inputs);
    match (ex.expect, got) {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every card has examples, and every example holds.
    #[test]
    fn every_example_holds() {
        let mut wrong = Vec::new();
        let mut count = 0;
        for card in crate::documented() {
            if card.doc.examples.is_empty() {
                wrong.push(format!("{}: no example", card.spec.kind));
            }
            for ex in card.doc.examples {
                count += 1;
                if let Err(e) = check_example(card.spec.kind, ex) {
                    wrong.push(format!("{} — {}: {e}", card.spec.kind, ex.title));
                }
            }
        }
        assert!(
            wrong.is_empty(),
            "{} of {count} examples:\n{}",
            wrong.len(),
            wrong.join("\n")
        );
    }

    /// The harness can fail: a wrong expectation is caught.
    #[test]
    fn a_wrong_example_is_caught() {
        let ex = flow_card::Example::gives("wrong", "{ list: [1, 2] }", "3");
        assert!(check_example("list.length", &ex).is_err());
        let ex = flow_card::Example::gives("right", "{ list: [1, 2] }", "2");
        assert_eq!(check_example("list.length", &ex), Ok(()));
    }
}
