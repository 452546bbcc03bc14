//! Runs a card as a test: [`run_card`] compiles a one-step flow around a `with:` block and runs
//! it in a dry run; [`check_example`] holds a documented [`Example`] to what it claims. Every
//! example of every card goes through here (`every_example_holds`), as jaq runs its manual.
//!
//! Connector cards run against dry-run connections (nothing is sent: the output is the card's
//! rehearsal). Examples may call the helper flows of [`HELPERS`].

use flow_card::{Expect, RunEnv};
use flow_runtime::{Engine, RunInput, RunOptions};
use serde_json::Value;
use std::sync::Arc;

/// Connections an example may name: `okta`, `slack`, `hook`, `api`, `google`, `graph`, `github`,
/// `sheets`, `drive`, and the `key` connections
/// `signing` (the HMAC key `key`), `rsa` and `ec` (test-only key pairs) and `rsa_public`.
const CONFIG: &str = "connections:
  okta: { kind: okta, org_url: \"https://example.okta.com\", token: \"${env:OKTA_TOKEN}\" }
  slack: { kind: slack, token: \"${env:SLACK_TOKEN}\" }
  hook: { kind: slack_webhook, url: \"${env:HOOK_URL}\" }
  api: { kind: http, base_url: \"https://api.example.com\", allow_hosts: [api.example.com] }
  google: { kind: google_workspace, token: \"${env:GOOGLE_TOKEN}\" }
  graph: { kind: microsoft365, token: \"${env:GRAPH_TOKEN}\", mailbox: ops@contoso.com }
  github: { kind: github, token: \"${env:GITHUB_TOKEN}\" }
  sheets: { kind: google_sheets, token: \"${env:SHEETS_TOKEN}\" }
  drive: { kind: google_drive, token: \"${env:DRIVE_TOKEN}\" }
  signing: { kind: key, secret: \"${env:HMAC_KEY}\" }
  rsa: { kind: key, private_key: \"${env:RSA_PRIVATE}\", public_key: \"${env:RSA_PUBLIC}\" }
  rsa_public: { kind: key, public_key: \"${env:RSA_PUBLIC}\" }
  ec: { kind: key, private_key: \"${env:EC_PRIVATE}\", public_key: \"${env:EC_PUBLIC}\" }
";

/// The environment of the examples: the keys of the `key` connections, and a webhook URL for
/// every other variable.
pub fn example_env(name: &str) -> Option<String> {
    Some(
        match name {
            "HMAC_KEY" => "key",
            "RSA_PRIVATE" => include_str!("../tests/keys/test-only-rsa-private.pem"),
            "RSA_PUBLIC" => include_str!("../tests/keys/test-only-rsa-public.pem"),
            "EC_PRIVATE" => include_str!("../tests/keys/test-only-ec-private.pem"),
            "EC_PUBLIC" => include_str!("../tests/keys/test-only-ec-public.pem"),
            _ => "https://hooks.example.com/secret",
        }
        .to_string(),
    )
}

/// Helper flows examples may call (see [`crate::EXAMPLE_HELPERS`]).
pub const HELPERS: &[(&str, &str)] = crate::EXAMPLE_HELPERS;

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
    let connections = flow_runtime::connect_all(&project, &example_env, true)
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

    /// Every card has examples, one of them an error case, and every example holds (the table
    /// family's run in flow-store's tests, against a real table store).
    #[test]
    fn every_example_holds() {
        let mut wrong = Vec::new();
        let mut count = 0;
        for card in crate::documented() {
            if card.doc.examples.is_empty() {
                wrong.push(format!("{}: no example", card.spec.kind));
            }
            if card
                .doc
                .examples
                .iter()
                .all(|e| matches!(e.expect, Expect::Output(_)))
            {
                wrong.push(format!("{}: no example of an error", card.spec.kind));
            }
            // The table family's examples need a table store, which this crate cannot
            // depend on: `crates/flow-store/tests/it/table_examples.rs` runs them.
            if crate::table::CARDS
                .iter()
                .any(|t| t.spec.kind == card.spec.kind)
            {
                continue;
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

    /// A card file that its family's `cards!` line forgets is not even compiled; this finds
    /// it: every file with a `DOC` names the kind of a registered card.
    #[test]
    fn every_card_file_is_registered() {
        let kinds: Vec<String> = crate::documented()
            .map(|c| format!("\"{}\"", c.spec.kind))
            .collect();
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut forgotten = Vec::new();
        for family in std::fs::read_dir(&src).unwrap() {
            let family = family.unwrap().path();
            if !family.is_dir() {
                continue;
            }
            for file in std::fs::read_dir(&family).unwrap() {
                let file = file.unwrap().path();
                let text = std::fs::read_to_string(&file).unwrap();
                if text.contains("pub static DOC: CardDoc")
                    && !kinds.iter().any(|k| text.contains(k.as_str()))
                {
                    forgotten.push(file.display().to_string());
                }
            }
        }
        assert!(
            forgotten.is_empty(),
            "card files missing from their family's cards!(…): {forgotten:?}"
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

/// Every pure card whose inputs all take templates, fed random JSON values: each finishes with
/// an output or an error, never a panic. (Cards with plain inputs, such as operators and
/// JSONPaths, are covered by `tests/it/pure_props.rs`.)
#[cfg(test)]
mod fuzz {
    use super::*;
    use flow_card::Effect;
    use proptest::prelude::*;
    use schemars::generate::SchemaSettings;

    /// `{ a: "{{ inputs.v }}", b: "{{ inputs.w }}", … }` for every input of a card.
    fn templated_with(spec: &flow_card::CardSpec) -> String {
        let mut g = SchemaSettings::draft2020_12().into_generator();
        let schema = (spec.schema)(&mut g).to_value();
        let names: Vec<String> = schema
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        let fields: Vec<String> = names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                format!(
                    "{n}: \"{{{{ inputs.{} }}}}\"",
                    if i % 2 == 0 { "v" } else { "w" }
                )
            })
            .collect();
        format!("{{ {} }}", fields.join(", "))
    }

    /// The flow of every pure card that compiles with templated inputs, and how many there are.
    fn flow() -> (String, usize) {
        let mut steps = String::new();
        let mut n = 0;
        let empty = serde_json::json!({ "v": null, "w": null });
        for card in crate::documented() {
            if card.spec.effect != Effect::Pure {
                continue;
            }
            let with = templated_with(card.spec);
            if matches!(
                run_card(card.spec.kind, &with, &empty),
                Err(Failure::Rejected(_))
            ) {
                continue;
            }
            n += 1;
            steps.push_str(&format!(
                "  - {{ id: s{n}, card: {}, with: {with}, on_error: continue }}\n",
                card.spec.kind
            ));
        }
        (
            format!(
                "flow: f\ntrigger: {{ helper: {{ inputs: {{ v: any, w: any }} }} }}\nsteps:\n{steps}"
            ),
            n,
        )
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            (-1e12f64..1e12).prop_map(|f| serde_json::json!(f)),
            "\\PC{0,12}".prop_map(Value::String),
            Just(Value::String("2024-02-29T12:00:00+01:00".into())),
            Just(Value::String("days".into())),
            Just(Value::String("Europe/Paris".into())),
            Just(Value::String("a,\"b\"\n1,2".into())),
        ];
        leaf.prop_recursive(3, 24, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::btree_map("[a-c]{1,2}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: if cfg!(debug_assertions) { 32 } else { 200 }, .. ProptestConfig::default() })]

        #[test]
        fn pure_cards_never_panic(v in json_value(), w in json_value()) {
            static FLOW: std::sync::OnceLock<(String, usize)> = std::sync::OnceLock::new();
            let (flow, n) = FLOW.get_or_init(flow);
            // The new function cards all take templates; most cards must be in the flow.
            prop_assert!(*n >= 60, "only {n} cards compiled with templated inputs");
            let project = flow_compile::compile_str(None, &[("f.yaml", flow)], &crate::registry())
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let env = RunEnv {
                dry_run: true,
                transport: Arc::new(flow_runtime::NoTransport),
                connections: std::collections::HashMap::new(),
                capture_inputs: false,
            };
            let engine = Engine::new(Arc::new(project), Arc::new(env));
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let record = rt.block_on(engine.run(0, RunInput::Inputs(serde_json::json!({ "v": v, "w": w })), RunOptions::default()));
            prop_assert_eq!(record.steps.len(), *n);
            prop_assert!(record.steps.iter().all(|s| s.status != flow_runtime::StepStatus::Pending));
            prop_assert!(record.steps.iter().all(|s| !s.error.as_ref().is_some_and(|e| e.to_string().contains("panic"))));
        }
    }
}
