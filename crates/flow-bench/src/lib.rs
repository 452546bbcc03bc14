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
