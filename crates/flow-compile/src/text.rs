//! Compiling flows given as text (tests, tools, `flowctl test`): no files are read.

use crate::checked::Rejected;
use crate::plan::Project;
use flow_card::Registry;
use flow_model::{Diagnostics, FlowDoc, ProjectConfig, Sources};

/// Compiles flows from `(name, text)` pairs with an optional `flowctl.yaml` text. On errors,
/// returns every diagnostic with the texts they point into (its `Display` renders them).
pub fn compile_str(
    config: Option<&str>,
    files: &[(&str, &str)],
    registry: &Registry,
) -> Result<Project, Rejected> {
    let mut sources = Sources::new();
    let mut diags = Diagnostics::new();
    let cfg = match config {
        Some(text) => {
            let id = sources.add("flowctl.yaml", text);
            ProjectConfig::parse(id, text, &mut diags)
        }
        None => ProjectConfig::default(),
    };
    let mut docs = Vec::new();
    for (name, text) in files {
        let id = sources.add(*name, *text);
        if let Some(d) = FlowDoc::parse(id, text, &mut diags) {
            docs.push(d);
        }
    }
    crate::check(diags, crate::compile(sources, cfg, docs, registry)).map(|c| c.project)
}
