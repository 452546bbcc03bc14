//! `flowctl validate [PATH…]`: checks flow files and prints every diagnostic.

use crate::error::CmdResult;
use crate::{Exit, project};
use flow_compile::LoadOptions;
use std::path::PathBuf;

/// Arguments of `flowctl validate`.
#[derive(clap::Args)]
pub struct Args {
    /// Flow files or directories (default: the project's flows directory).
    pub paths: Vec<PathBuf>,
}

/// Runs the command.
pub fn run(config: Option<PathBuf>, args: Args) -> CmdResult {
    let only_paths = !args.paths.is_empty();
    let opts = LoadOptions {
        config,
        paths: args.paths,
        only_paths,
    };
    let p = project::compile(&opts)?;
    let n = p.flows.len();
    println!("✓ {n} flow{} valid", if n == 1 { "" } else { "s" });
    Ok(Exit::Ok)
}
