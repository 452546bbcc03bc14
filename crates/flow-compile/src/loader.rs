//! Finding and reading a project's files: `flowctl.yaml` (or `--config`), the flow files in its
//! `flows:` directory, and any extra files named on the command line.

use flow_model::{Code, Diagnostic, Diagnostics, FlowDoc, ProjectConfig, Sources};
use std::path::{Path, PathBuf};

/// The largest flow or config file read.
const MAX_FILE: u64 = 1 << 20;

/// What to load.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `--config FILE`; otherwise `./flowctl.yaml` when it exists.
    pub config: Option<PathBuf>,
    /// Extra flow files or directories (e.g. `flowctl validate PATH…`, `flowctl run FILE`).
    pub paths: Vec<PathBuf>,
    /// Skip the config's `flows:` directory (load only `paths`).
    pub only_paths: bool,
}

/// The loaded files.
pub struct Loaded {
    /// Every file read.
    pub sources: Sources,
    /// The settings (defaults when there is no config file).
    pub config: ProjectConfig,
    /// The directory the config's relative paths start from.
    pub base: PathBuf,
    /// The flow documents that decoded.
    pub docs: Vec<FlowDoc>,
    /// The file each document came from, in the same order.
    pub doc_paths: Vec<PathBuf>,
    /// Problems found while reading and decoding.
    pub diags: Diagnostics,
}

fn display(path: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    cwd.and_then(|c| path.strip_prefix(c).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
        .display()
        .to_string()
}

fn read(path: &Path, diags: &mut Diagnostics) -> Option<String> {
    match std::fs::metadata(path) {
        Ok(m) if m.len() > MAX_FILE => {
            diags.push(Diagnostic::error(
                Code::Io,
                None,
                format!(
                    "{}: the file is {} bytes; flow files may be at most 1 MiB",
                    display(path),
                    m.len()
                ),
            ));
            return None;
        }
        Ok(_) => {}
        Err(e) => {
            diags.push(Diagnostic::error(
                Code::Io,
                None,
                format!("cannot read {}: {e}", display(path)),
            ));
            return None;
        }
    }
    match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Some(text),
            Err(_) => {
                diags.push(Diagnostic::error(
                    Code::Io,
                    None,
                    format!("{} is not UTF-8 text", display(path)),
                ));
                None
            }
        },
        Err(e) => {
            diags.push(Diagnostic::error(
                Code::Io,
                None,
                format!("cannot read {}: {e}", display(path)),
            ));
            None
        }
    }
}

/// True for `*.yaml` / `*.yml` files that are not flow tests (`*.test.yaml`).
pub fn is_flow_file(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    (name.ends_with(".yaml") || name.ends_with(".yml"))
        && !name.ends_with(".test.yaml")
        && !name.ends_with(".test.yml")
        && name != "flowctl.yaml"
}

fn flow_files_in(dir: &Path, diags: &mut Diagnostics) -> Vec<PathBuf> {
    match std::fs::read_dir(dir) {
        Ok(entries) => {
            let mut files: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && is_flow_file(p))
                .collect();
            files.sort();
            files
        }
        Err(e) => {
            diags.push(Diagnostic::error(
                Code::Io,
                None,
                format!("cannot read the directory {}: {e}", display(dir)),
            ));
            Vec::new()
        }
    }
}

/// Loads a project.
pub fn load(opts: &LoadOptions) -> Loaded {
    let mut sources = Sources::new();
    let mut diags = Diagnostics::new();
    let config_path = match &opts.config {
        Some(p) => Some(p.clone()),
        None => {
            let p = PathBuf::from("flowctl.yaml");
            p.is_file().then_some(p)
        }
    };
    let (config, base) = match &config_path {
        Some(path) => {
            let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
            match read(path, &mut diags) {
                Some(text) => {
                    let id = sources.add(display(path), text.clone());
                    (ProjectConfig::parse(id, &text, &mut diags), base)
                }
                None => (ProjectConfig::default(), base),
            }
        }
        None => (ProjectConfig::default(), PathBuf::new()),
    };

    let mut files: Vec<PathBuf> = Vec::new();
    if !opts.only_paths {
        let dir = base.join(&config.flows);
        if dir.is_dir() {
            files.extend(flow_files_in(&dir, &mut diags));
        } else if config_path.is_some() && config.flows != "flows" {
            diags.push(Diagnostic::error(
                Code::Config,
                None,
                format!("the flows directory {} does not exist", display(&dir)),
            ));
        }
    }
    for p in &opts.paths {
        if p.is_dir() {
            files.extend(flow_files_in(p, &mut diags));
        } else if p.is_file() {
            files.push(p.clone());
        } else {
            diags.push(Diagnostic::error(
                Code::Io,
                None,
                format!("{} does not exist", display(p)),
            ));
        }
    }
    // The same file named twice (flows dir and command line) is read once.
    let mut seen = Vec::new();
    let mut docs = Vec::new();
    let mut doc_paths = Vec::new();
    for f in files {
        let key = f.canonicalize().unwrap_or_else(|_| f.clone());
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        let Some(text) = read(&f, &mut diags) else {
            continue;
        };
        let id = sources.add(display(&f), text.clone());
        if let Some(doc) = FlowDoc::parse(id, &text, &mut diags) {
            docs.push(doc);
            doc_paths.push(f);
        }
    }
    Loaded {
        sources,
        config,
        base,
        docs,
        doc_paths,
        diags,
    }
}
