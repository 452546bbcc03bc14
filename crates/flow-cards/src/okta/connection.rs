//! `kind: okta` connections are defined by the built-in connector file
//! `crates/flow-cards/connectors/okta.yaml` (the org URL and an API token, `SSWS`, or an OAuth
//! access token, `Bearer`, with a cap on requests in flight). This module gives the Rust Okta
//! cards their connection reference and type.

use crate::connector::{Connector, ConnectorLive, StaticAuth};
use flow_card::expr::ConnKind;
use serde_json::json;
use std::sync::{Arc, Mutex};

/// The marker kind for `ConnRef<Okta>`.
#[derive(Debug)]
pub struct Okta;
impl ConnKind for Okta {
    const MARKER: &'static str = "$flowctl::conn:okta";
}

/// A live `okta` connection: the connector's [`ConnectorLive`].
pub type OktaLive = ConnectorLive;

/// The built-in Okta connector.
pub fn connector() -> Option<&'static Connector> {
    crate::connector::builtin().find(|c| c.def.connector == "okta")
}

/// A live connection to the org at `base` with API token `token` (for fakes and tests); `None`
/// only if the built-in connector file did not load.
pub fn live(base: &str, token: &str) -> Option<ConnectorLive> {
    let c = connector()?;
    Some(ConnectorLive {
        connector: c,
        base: base.trim_end_matches('/').to_string(),
        settings: json!({ "org_url": base, "token": token }),
        auth: Some(Arc::new(StaticAuth {
            name: "authorization".into(),
            value: format!("SSWS {token}"),
        })),
        headers: vec![("accept".into(), "application/json".into())],
        secrets: vec![token.to_string()],
        limiter: crate::conn::limiter(8),
        blocked_until: Mutex::new(None),
    })
}
