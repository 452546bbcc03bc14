//! The `project` target: a `flowctl.yaml` and flow files, decoded and compiled as the CLI does,
//! with every diagnostic rendered and every compiled flow drawn as Mermaid and DOT.

use flow_model::render::render_all;
use flow_model::{Diagnostics, FlowDoc, ProjectConfig, Severity, Sources};

/// The line that separates files in an input.
pub const SEPARATOR: &str = "#%%\n";

/// Input: UTF-8 text (invalid bytes replaced). Without a `#%%` line it is one flow file and
/// there is no `flowctl.yaml`. With them, the part before the first `#%%` line is the
/// `flowctl.yaml` (absent when empty) and each later part is a flow file.
pub fn project(data: &[u8]) {
    std::hint::black_box(project_report(data));
}

/// What [`project`] found: the number of error and warning diagnostics, and of compiled flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProjectReport {
    /// Diagnostics of severity error.
    pub errors: usize,
    /// Warnings.
    pub warnings: usize,
    /// Flows compiled into plans (0 when the project does not compile).
    pub flows: usize,
}

/// [`project`], returning what it found.
pub fn project_report(data: &[u8]) -> ProjectReport {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split(SEPARATOR);
    let (config, flows): (Option<&str>, Vec<&str>) = if text.contains(SEPARATOR) {
        let config = parts.next().filter(|c| !c.is_empty());
        (config, parts.collect())
    } else {
        (None, vec![&*text])
    };

    let mut sources = Sources::new();
    let mut diags = Diagnostics::new();
    let cfg = match config {
        Some(c) => {
            let id = sources.add("flowctl.yaml", c);
            ProjectConfig::parse(id, c, &mut diags)
        }
        None => ProjectConfig::default(),
    };
    let mut docs = Vec::new();
    for (i, flow) in flows.iter().enumerate() {
        let id = sources.add(format!("flows/f{i}.yaml"), *flow);
        if let Some(doc) = FlowDoc::parse(id, flow, &mut diags) {
            docs.push(doc);
        }
    }
    let registry = flow_cards::registry();
    let (result, more) = flow_compile::compile(sources, cfg, docs, &registry);
    diags.extend(more);
    diags.sort();
    let sources = match &result {
        Ok(p) => &p.sources,
        Err(s) => s,
    };
    let rendered = render_all(diags.iter(), sources);
    std::hint::black_box(rendered);
    let mut flows = 0;
    if let Ok(p) = &result {
        flows = p.flows.len();
        for plan in &p.flows {
            std::hint::black_box(flow_compile::graph::mermaid(plan));
            std::hint::black_box(flow_compile::graph::dot(plan));
        }
        for i in 0..p.flows.len() {
            std::hint::black_box(p.connections_used_by(i));
        }
    }
    let errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    ProjectReport {
        errors,
        warnings: diags.iter().count() - errors,
        flows,
    }
}
