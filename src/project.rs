//! Loading and compiling the project for a command, printing diagnostics the way every
//! command does.

use flow_compile::{LoadOptions, Project};
use flow_model::render::render_all;
use std::path::PathBuf;

/// Loads and compiles. On errors, prints them (and warnings) to stderr and returns `None`.
/// Warnings alone are printed when `warnings` is true.
pub fn compile(opts: &LoadOptions, warnings: bool) -> Option<Project> {
    let loaded = flow_compile::load(opts);
    let mut diags = loaded.diags;
    let registry = flow_cards::registry();
    let (result, more) =
        flow_compile::compile(loaded.sources, loaded.config, loaded.docs, &registry);
    diags.extend(more);
    diags.sort();
    match result {
        Ok(project) => {
            if warnings && !diags.is_empty() {
                eprint!("{}", render_all(diags.iter(), &project.sources));
            }
            Some(project)
        }
        Err(sources) => {
            eprint!("{}", render_all(diags.iter(), &sources));
            None
        }
    }
}

/// Loads, compiles, and finds `flow`: a flow file's path or a flow name.
pub fn compile_for(config: Option<PathBuf>, flow: &str) -> Option<(Project, usize)> {
    let as_path = PathBuf::from(flow);
    let is_file = as_path.is_file();
    let opts = LoadOptions {
        config,
        paths: if is_file {
            vec![as_path.clone()]
        } else {
            Vec::new()
        },
        only_paths: false,
    };
    let project = compile(&opts, true)?;
    let index = if is_file {
        let shown = as_path.display().to_string();
        let source = (0..project.sources.len() as u32)
            .map(flow_model::SourceId)
            .find(|id| {
                project
                    .sources
                    .get(*id)
                    .is_some_and(|f| same_file(&f.path, &shown))
            });
        project.flows.iter().position(|p| Some(p.source) == source)
    } else {
        project.by_name.get(flow).copied()
    };
    match index {
        Some(i) => Some((project, i)),
        None => {
            let names: Vec<&str> = project.flows.iter().map(|p| &*p.name).collect();
            let hint = flow_model::suggest::hint(flow, names.iter().copied())
                .unwrap_or_else(|| format!("flows: {}", names.join(", ")));
            eprintln!(
                "error[E0102]: no flow `{flow}` (give a flow file or a flow name)\n  = help: {hint}"
            );
            None
        }
    }
}

fn same_file(a: &str, b: &str) -> bool {
    let ca = std::fs::canonicalize(a).ok();
    ca.is_some() && ca == std::fs::canonicalize(b).ok()
}
