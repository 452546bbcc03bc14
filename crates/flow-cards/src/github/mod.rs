//! GitHub cards written in Rust on the `github` connector's connection
//! (`crates/flow-cards/connectors/github.yaml`): what the connector format cannot express, a
//! file's content sent base64-encoded and an update that first reads the file's blob SHA.

use flow_card::expr::ConnKind;

mod contents;

/// The marker kind for `ConnRef<GitHub>`.
#[derive(Debug)]
pub struct GitHub;
impl ConnKind for GitHub {
    const MARKER: &'static str = "$flowctl::conn:github";
}

cards!(create_file_content, update_file_content);
