//! Google Sheets cards written in Rust on the `google_sheets` connector's connection
//! (`crates/flow-cards/connectors/google_sheets.yaml`): what the connector format cannot
//! express, such as rows keyed by the header row's names.

use flow_card::expr::ConnKind;

/// The marker kind for `ConnRef<GoogleSheets>`.
#[derive(Debug)]
pub struct GoogleSheets;
impl ConnKind for GoogleSheets {
    const MARKER: &'static str = "$flowctl::conn:google_sheets";
}

cards!(read_all_rows);
