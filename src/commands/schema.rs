//! `flowctl schema`: prints the JSON Schema of flow files, for yaml-language-server and other
//! editors.

use crate::Exit;
use crate::error::CmdResult;

/// Runs the command.
pub fn run() -> CmdResult {
    println!(
        "{}",
        serde_json::to_string_pretty(&crate::schema::flow_schema(&flow_cards::registry()))?
    );
    Ok(Exit::Ok)
}
