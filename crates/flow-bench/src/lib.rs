//! Shared pieces of flowctl's benchmarks: the Oort project, example events of any size, and a
//! dry-run engine.

use flow_card::RunEnv;
use flow_compile::Project;
use flow_runtime::{Engine, NoTransport};
use serde_json::{Value, json};
use std::sync::Arc;

/// The Oort flow.
pub const MAIN: &str = include_str!("../../../flows/oort-failing-check.yaml");
/// Its helper.
pub const HELPER: &str = include_str!("../../../flows/demo-dispatcher.yaml");
/// The project settings.
pub const CONFIG: &str = include_str!("../../../flowctl.yaml");
/// The example event.
pub const EVENT: &str = include_str!("../../../examples/events/failed-check.json");

/// Compiles the two Oort flows.
pub fn oort_project() -> Result<Project, flow_compile::Rejected> {
    flow_compile::compile_str(
        Some(CONFIG),
        &[("main.yaml", MAIN), ("helper.yaml", HELPER)],
        &flow_cards::registry(),
    )
}

/// The example event with `users` failing users.
pub fn event_with_users(users: usize) -> String {
    let mut v: Value = serde_json::from_str(EVENT).unwrap_or(Value::Null);
    let list: Vec<String> = (0..users).map(|i| format!("user{i}@example.com")).collect();
    v["detail"]["usersFailing"] = json!(list);
    v.to_string()
}

/// A dry-run engine for a project (connections resolved leniently, nothing sent).
pub fn dry_engine(project: Project, capture_inputs: bool) -> Engine {
    let none = |_: &str| None;
    let connections = flow_runtime::connect_all(&project, &none, true).unwrap_or_default();
    let env = RunEnv {
        dry_run: true,
        transport: Arc::new(NoTransport),
        connections,
        capture_inputs,
    };
    Engine::new(Arc::new(project), Arc::new(env))
}

/// An engine that really sends its requests (pooled reqwest client), with connection settings
/// looked up by `env` (e.g. the fake servers' URLs and tokens).
pub fn live_engine(
    project: Project,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Engine, String> {
    let connections = flow_runtime::connect_all(&project, env, false).map_err(|e| e.to_string())?;
    let transport = flow_cards::ReqwestTransport::new().map_err(|e| e.to_string())?;
    let env = RunEnv {
        dry_run: false,
        transport: Arc::new(transport),
        connections,
        capture_inputs: false,
    };
    Ok(Engine::new(Arc::new(project), Arc::new(env)))
}

/// A helper flow of `n` `object.construct` steps, each reading the previous one, then a
/// `flow.return`: what the engine's cost per step is measured on.
pub fn chain_flow(n: usize) -> String {
    let mut s = String::from(
        "flow: chain\ntrigger: { helper: { inputs: { x: number } } }\nsteps:\n  - { id: s0, card: object.construct, with: { fields: { v: \"{{ inputs.x }}\" } } }\n",
    );
    for i in 1..n {
        s.push_str(&format!("  - {{ id: s{i}, card: object.construct, with: {{ fields: {{ v: \"{{{{ s{}.v }}}}\" }} }} }}\n", i - 1));
    }
    s.push_str(&format!(
        "  - {{ id: out, card: flow.return, with: {{ outputs: {{ v: \"{{{{ s{}.v }}}}\" }} }} }}\n",
        n.saturating_sub(1)
    ));
    s
}

/// A helper flow of `n` groups of four independent pure steps followed by an effect
/// (`flow.call` of a one-step helper): the shape Okta's order adds edges to, since each effect
/// waits for every step above it.
pub fn mixed_flow(n: usize) -> String {
    let mut s =
        String::from("flow: mixed\ntrigger: { helper: { inputs: { x: number } } }\nsteps:\n");
    for g in 0..n {
        for k in 0..4 {
            s.push_str(&format!(
                "  - {{ id: p{g}_{k}, card: object.construct, with: {{ fields: {{ v: \"{{{{ inputs.x }}}}\" }} }} }}\n"
            ));
        }
        s.push_str(&format!(
            "  - {{ id: e{g}, card: flow.call, with: {{ flow: leaf, inputs: {{ v: \"{{{{ p{g}_0.v }}}}\" }} }} }}\n"
        ));
    }
    s.push_str("  - { id: out, card: flow.return, with: { outputs: { v: 1 } } }\n");
    s
}

/// The helper `mixed_flow` calls.
pub const LEAF: &str = "flow: leaf\ntrigger: { helper: { inputs: { v: any } } }\nsteps:\n  - { id: out, card: flow.return, with: { outputs: { v: \"{{ inputs.v }}\" } } }\n";
