//! The `project` target: a `flowctl.yaml` and flow files, loaded and compiled as the CLI does,
//! with every diagnostic rendered and every compiled flow drawn as Mermaid and DOT.

use flow_model::render::render_all;
use flow_model::{Diagnostics, FlowDoc, ProjectConfig, Sources};

/// The line that separates files in an input.
pub const SEPARATOR: &str = "#%%\n";

/// Input: UTF-8 text (invalid bytes replaced). Without a `#%%` line it is one flow file and
/// there is no `flowctl.yaml`. With them, the part before the first `#%%` line is the
/// `flowctl.yaml` (absent when empty) and each later part is a flow file.
pub fn project(data: &[u8]) {
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
    if let Ok(p) = &result {
        for plan in &p.flows {
            std::hint::black_box(flow_compile::graph::mermaid(plan));
            std::hint::black_box(flow_compile::graph::dot(plan));
        }
        for i in 0..p.flows.len() {
            std::hint::black_box(p.connections_used_by(i));
        }
    }
}
