//! Google Drive cards written in Rust on the `google_drive` connector's connection
//! (`crates/flow-cards/connectors/google_drive.yaml`): what the connector format cannot
//! express, such as a transfer whose users are first looked up by email (shared with
//! `google_workspace.create_calendar_transfer_request`).

use flow_card::expr::ConnKind;

/// The marker kind for `ConnRef<GoogleDrive>`.
#[derive(Debug)]
pub struct GoogleDrive;
impl ConnKind for GoogleDrive {
    const MARKER: &'static str = "$flowctl::conn:google_drive";
}

cards!(create_transfer_request);
