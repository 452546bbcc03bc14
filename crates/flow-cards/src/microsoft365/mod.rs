//! Microsoft 365 cards written in Rust on the `microsoft365` connector's connection
//! (`crates/flow-cards/connectors/microsoft365.yaml`): what the connector format cannot
//! express, such as a mail's recipient lists turned into Graph's `[{ emailAddress }]` and a
//! mailbox in the path that falls back to a connection setting.

use flow_card::expr::ConnKind;

/// The marker kind for `ConnRef<Microsoft365>`.
#[derive(Debug)]
pub struct Microsoft365;
impl ConnKind for Microsoft365 {
    const MARKER: &'static str = "$flowctl::conn:microsoft365";
}

cards!(send_mail);
