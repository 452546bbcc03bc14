//! `flowctl schema`: prints the JSON Schema of flow files, for yaml-language-server and other
//! editors; `--connector` prints the one of connector files.

use crate::Exit;
use crate::error::CmdResult;

/// Arguments of `flowctl schema`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Print the JSON Schema of connector files (`connectors/*.yaml`) instead.
    #[arg(long)]
    pub connector: bool,
}

/// Runs the command.
pub fn run(args: Args) -> CmdResult {
    let schema = if args.connector {
        flow_cards::connector::format_schema()
    } else {
        crate::schema::flow_schema(&flow_cards::registry())
    };
    println!("{}", serde_json::to_string_pretty(&schema)?);
    Ok(Exit::Ok)
}
