//! `kind: slack` connections (a bot token and the API URL) are defined by the built-in connector
//! file `crates/flow-cards/connectors/slack.yaml`; this module gives the Rust Slack cards their
//! connection reference and type. `kind: slack_webhook` (an incoming webhook URL, itself a
//! secret) is defined here.

use crate::conn;
use crate::connector::{Connector, ConnectorLive, StaticAuth};
use flow_card::expr::ConnKind;
use flow_card::{ConnectionConfig, ConnectorSpec, LiveConnection};
use flow_model::config::{MissingEnv, Secret};
use flow_model::{ConnectionDoc, Diagnostics};
use serde_json::json;
use std::sync::{Arc, Mutex};

/// The marker kind for `ConnRef<Slack>`.
#[derive(Debug)]
pub struct Slack;
impl ConnKind for Slack {
    const MARKER: &'static str = "$flowctl::conn:slack";
}

/// The marker kind for `ConnRef<SlackWebhook>`.
#[derive(Debug)]
pub struct SlackWebhook;
impl ConnKind for SlackWebhook {
    const MARKER: &'static str = "$flowctl::conn:slack_webhook";
}

/// A live `slack` connection: the connector's [`ConnectorLive`].
pub type SlackLive = ConnectorLive;

/// The built-in Slack connector.
pub fn connector() -> Option<&'static Connector> {
    crate::connector::builtin().find(|c| c.def.connector == "slack")
}

/// A live connection to the Web API at `api_url` with bot token `token` (for fakes and tests);
/// `None` only if the built-in connector file did not load.
pub fn live(api_url: &str, token: &str) -> Option<ConnectorLive> {
    let c = connector()?;
    Some(ConnectorLive {
        connector: c,
        base: api_url.trim_end_matches('/').to_string(),
        settings: json!({ "api_url": api_url, "token": token }),
        auth: Some(Arc::new(StaticAuth {
            name: "authorization".into(),
            value: format!("Bearer {token}"),
        })),
        headers: Vec::new(),
        secrets: vec![token.to_string()],
        limiter: conn::limiter(c.def.max_concurrency.unwrap_or(4) as usize),
        blocked_until: Mutex::new(None),
    })
}

/// A decoded `slack_webhook` connection.
#[derive(Debug)]
pub struct WebhookConfig {
    url: Secret,
}

/// A live `slack_webhook` connection.
pub struct WebhookLive {
    /// The webhook URL (a secret: masked everywhere).
    pub url: String,
}

/// Registration of `slack_webhook`.
pub static WEBHOOK_CONNECTOR: ConnectorSpec = ConnectorSpec {
    kind: "slack_webhook",
    summary: "A Slack incoming webhook",
    keys: &[(
        "url",
        "https://hooks.slack.com/services/T…/B…/… (a secret; keep it in ${env:…})",
    )],
    decode: decode_webhook,
};

fn decode_webhook(
    doc: &ConnectionDoc,
    diags: &mut Diagnostics,
) -> Option<Arc<dyn ConnectionConfig>> {
    let f = conn::read(doc, &["url"], diags)?;
    let url = conn::secret(&f, "url", true, diags)?;
    conn::check_url(&url, "url", diags);
    Some(Arc::new(WebhookConfig { url }))
}

impl ConnectionConfig for WebhookConfig {
    fn kind(&self) -> &'static str {
        "slack_webhook"
    }

    fn env_names(&self) -> Vec<String> {
        self.url.env_names()
    }

    fn secrets(&self, env: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
        // The part after `/services/` is the credential (the whole URL when it has none), as
        // the card masks it in requests.
        let Ok(url) = self.url.resolve(env) else {
            return Vec::new();
        };
        let secret = url
            .split_once("/services/")
            .map_or(url.as_str(), |(_, s)| s);
        vec![secret.to_string()]
    }

    fn connect(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
        dry_run: bool,
    ) -> Result<LiveConnection, MissingEnv> {
        Ok(Arc::new(WebhookLive {
            url: conn::resolve(&self.url, env, dry_run)?,
        }))
    }
}
