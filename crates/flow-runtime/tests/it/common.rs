//! What the engine tests share: an engine over flows given as text, with no network.

use flow_card::{Registry, RunEnv};
use flow_runtime::Engine;
use std::collections::HashMap;
use std::sync::Arc;

/// Compiles `files` (with `config` as `flowctl.yaml`) against `registry` and builds an engine
/// whose HTTP transport refuses every request.
pub fn engine_with(config: Option<&str>, files: &[(&str, &str)], registry: &Registry) -> Engine {
    let project =
        flow_compile::compile_str(config, files, registry).unwrap_or_else(|e| panic!("{e}"));
    let env = RunEnv {
        dry_run: false,
        transport: Arc::new(flow_runtime::NoTransport),
        connections: HashMap::new(),
        capture_inputs: true,
    };
    Engine::new(Arc::new(project), Arc::new(env))
}
