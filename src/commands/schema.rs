//! `flowctl schema`: prints the JSON Schema of flow files, for yaml-language-server and other
//! editors.

use crate::Exit;
use anyhow::Result;

/// Runs the command.
pub fn run() -> Result<Exit> {
    println!(
        "{}",
        serde_json::to_string_pretty(&crate::schema::flow_schema(&flow_cards::registry()))?
    );
    Ok(Exit::Ok)
}
