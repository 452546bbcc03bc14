//! `flowctl test [PATH…]`: runs flow tests offline and prints one line per case, each failed
//! expectation under its case, and `N passed, N failed` last. Exit 1 when any case fails.

use crate::error::{CliError, CmdResult};
use crate::{Exit, project};
use flow_model::units::format_duration;
use std::path::PathBuf;

/// Arguments of `flowctl test`.
#[derive(clap::Args)]
pub struct Args {
    /// Test files or directories (default: the project's flows directory).
    pub paths: Vec<PathBuf>,
    /// Run only cases whose name (or file) contains this text.
    #[arg(long)]
    pub filter: Option<String>,
}

/// Runs the command.
pub fn run(config: Option<PathBuf>, args: Args) -> CmdResult {
    let paths = if args.paths.is_empty() {
        let loaded = project::load(config.clone())?;
        vec![loaded.base.join(&loaded.config.flows)]
    } else {
        args.paths
    };
    let files = flow_test::test_files(&paths);
    if files.is_empty() {
        return Err(CliError::msg(format!(
            "no *.test.yaml files under {}",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    // An error in a flow file stops the command like every other (exit 2), before any case.
    flow_test::check_projects(config.as_deref(), &files)?;
    let report = flow_test::run_files(config.as_deref(), &files, args.filter.as_deref());
    for c in &report.cases {
        let mark = if c.passed() { "✓" } else { "✗" };
        println!(
            "{mark} {} › {} ({})",
            c.file,
            c.name,
            format_duration(c.duration)
        );
        for f in &c.failures {
            for (i, line) in f.lines().enumerate() {
                println!("    {}{line}", if i == 0 { "- " } else { "  " });
            }
        }
    }
    println!("{} passed, {} failed", report.passed(), report.failed());
    Ok(if report.failed() > 0 {
        Exit::Failed
    } else {
        Exit::Ok
    })
}
