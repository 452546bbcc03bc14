//! Google Workspace cards written in Rust on the `google_workspace` connector's connection
//! (`crates/flow-cards/connectors/google_workspace.yaml`): what the connector format cannot
//! express, such as Gmail's base64url-encoded RFC 2822 message, the license cards of the
//! Enterprise License Manager API, which lives on its own host, Google's table of license SKUs
//! (no request), and the calendar transfer, whose users are first looked up by email.

use flow_card::expr::ConnKind;

/// The marker kind for `ConnRef<GoogleWorkspace>`.
#[derive(Debug)]
pub struct GoogleWorkspace;
impl ConnKind for GoogleWorkspace {
    const MARKER: &'static str = "$flowctl::conn:google_workspace";
}

pub mod licensing;

cards!(
    send_email,
    read_user_licenses,
    assign_license,
    remove_license,
    license_skus,
    create_calendar_transfer_request
);
