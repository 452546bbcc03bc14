//! Loading and compiling the project for a command. Any error in `flowctl.yaml` or a flow file,
//! found while reading or while compiling, stops the command ([`CliError::Rejected`]);
//! warnings are printed to stderr and the command goes on.

use crate::error::CliError;
use flow_compile::{LoadOptions, Loaded, Project, Rejected};
use flow_model::render::render_all;
use flow_model::{Code, Diagnostic, Diagnostics, Node, NodeKind, Span};
use std::path::PathBuf;

/// Loads and compiles; prints the warnings of a project that compiled.
pub fn compile(opts: &LoadOptions) -> Result<Project, CliError> {
    let checked = flow_compile::load_checked(opts, &registry(opts.config.as_deref())?)?;
    if !checked.warnings.is_empty() {
        eprint!(
            "{}",
            render_all(checked.warnings.iter(), &checked.project.sources)
        );
    }
    Ok(checked.project)
}

/// Reads the project's settings and flow documents (`history`, `replay`, `test`). Like every
/// command, it stops on any error in the project's files, found reading or compiling them.
pub fn load(config: Option<PathBuf>) -> Result<Loaded, CliError> {
    let opts = LoadOptions {
        config,
        paths: Vec::new(),
        only_paths: false,
    };
    // Read once: the compile (which consumes what it is given) checks copies.
    let loaded = flow_compile::load(&opts);
    let compiled = flow_compile::compile(
        loaded.sources.clone(),
        loaded.config.clone(),
        loaded.docs.clone(),
        &registry(opts.config.as_deref())?,
    );
    flow_compile::check(loaded.diags.clone(), compiled)?;
    Ok(loaded)
}

/// The card registry of the project whose `flowctl.yaml` is `config` (default
/// `./flowctl.yaml`): the built-in cards plus the connectors in its `connectors/` directory.
pub fn registry(config: Option<&std::path::Path>) -> Result<flow_card::Registry, CliError> {
    let dir = config
        .and_then(std::path::Path::parent)
        .map_or_else(|| PathBuf::from("."), std::path::Path::to_path_buf);
    let dir = if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir
    };
    flow_cards::registry_for(&dir).map_err(CliError::msg)
}

/// Loads, compiles, and finds `flow`: a flow file's path or a flow name.
pub fn compile_for(config: Option<PathBuf>, flow: &str) -> Result<(Project, usize), CliError> {
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
    let project = compile(&opts)?;
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
        Some(i) => Ok((project, i)),
        None => {
            let names: Vec<&str> = project.flows.iter().map(|p| &*p.name).collect();
            let hint = flow_model::suggest::hint(flow, names.iter().copied())
                .unwrap_or_else(|| format!("flows: {}", names.join(", ")));
            Err(CliError::coded(
                flow_model::Code::UnknownFlow,
                format!("no flow `{flow}` (give a flow file or a flow name)"),
                Some(hint),
            ))
        }
    }
}

fn same_file(a: &str, b: &str) -> bool {
    let ca = std::fs::canonicalize(a).ok();
    ca.is_some() && ca == std::fs::canonicalize(b).ok()
}

/// E0302 for `variable`, which connection `connection` needs and which is not set: pointing
/// at the value of `flowctl.yaml` that reads it when it can be found.
pub fn missing_connection_env(
    project: &Project,
    connection: &str,
    variable: &str,
    message: String,
    help: Option<String>,
) -> CliError {
    let span = project
        .config
        .connections
        .get(connection)
        .and_then(|c| reference_in(&c.node, variable));
    match span {
        Some(span) => {
            let mut diags = Diagnostics::new();
            diags
                .push(Diagnostic::error(Code::MissingEnv, Some(span), message).with_help_opt(help));
            CliError::from(Rejected {
                diags,
                sources: project.sources.clone(),
            })
        }
        None => CliError::coded(Code::MissingEnv, message, help),
    }
}

/// The span of the first text value under `node` that reads `${env:variable…}`.
fn reference_in(node: &Node, variable: &str) -> Option<Span> {
    match &node.kind {
        NodeKind::Str(text) => {
            let needle = format!("${{env:{variable}");
            text.match_indices(&needle)
                .any(|(at, _)| {
                    matches!(
                        text[at + needle.len()..].chars().next(),
                        Some('}') | Some(':')
                    )
                })
                .then_some(node.span)
        }
        NodeKind::Map(entries) => entries.iter().find_map(|(_, v)| reference_in(v, variable)),
        NodeKind::Seq(items) => items.iter().find_map(|v| reference_in(v, variable)),
        NodeKind::Null | NodeKind::Bool(_) | NodeKind::Int(_) | NodeKind::Float(_) => None,
    }
}
