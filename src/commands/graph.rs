//! `flowctl graph FLOW`: prints a flow's step graph as Mermaid (default) or Graphviz DOT.

use crate::error::CmdResult;
use crate::{Exit, project};
use std::io::Write;
use std::path::PathBuf;

/// Graph output formats.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// A Mermaid flowchart (renders on GitHub).
    Mermaid,
    /// Graphviz DOT.
    Dot,
}

/// Arguments of `flowctl graph`.
#[derive(clap::Args)]
pub struct Args {
    /// A flow file or a flow name.
    pub flow: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "mermaid")]
    pub format: Format,
}

/// Runs the command.
pub fn run(config: Option<PathBuf>, args: Args) -> CmdResult {
    let (project, index) = project::compile_for(config, &args.flow)?;
    let plan = &project.flows[index];
    let text = match args.format {
        Format::Mermaid => flow_compile::graph::mermaid(plan),
        Format::Dot => format!("{}\n", flow_compile::graph::dot(plan)),
    };
    // A reader that stops early (`| head`) is not an error.
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(Exit::Ok),
    }
}
