//! `kind: slack` (bot token and API URL) and `kind: slack_webhook` (an incoming webhook URL,
//! itself a secret) connections.

use crate::conn;
use flow_card::expr::ConnKind;
use flow_card::{ConnectionConfig, ConnectorSpec, LiveConnection};
use flow_model::config::{MissingEnv, Secret};
use flow_model::{ConnectionDoc, Diagnostics};
use std::sync::Arc;
use tokio::sync::Semaphore;

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

/// A decoded `slack` connection.
#[derive(Debug)]
pub struct SlackConfig {
    token: Secret,
    api_url: Option<Secret>,
    max_concurrency: usize,
}

/// A live `slack` connection.
pub struct SlackLive {
    /// `https://slack.com/api`, without a trailing `/`.
    pub api_url: String,
    /// The bot token.
    pub token: String,
    /// The cap on requests in flight.
    pub limiter: Arc<Semaphore>,
}

/// Registration of `slack`.
pub static CONNECTOR: ConnectorSpec = ConnectorSpec {
    kind: "slack",
    summary: "Slack Web API with a bot token",
    keys: &[
        (
            "token",
            "a bot token (xoxb-…), sent as `Authorization: Bearer <token>`",
        ),
        ("api_url", "default https://slack.com/api"),
        ("max_concurrency", "requests in flight (default 4)"),
    ],
    decode: decode_slack,
};

fn decode_slack(doc: &ConnectionDoc, diags: &mut Diagnostics) -> Option<Arc<dyn ConnectionConfig>> {
    let f = conn::read(doc, &["token", "api_url", "max_concurrency"], diags)?;
    let token = conn::secret(&f, "token", true, diags)?;
    let api_url = conn::secret(&f, "api_url", false, diags);
    if let Some(u) = &api_url {
        conn::check_url(u, "api_url", diags);
    }
    Some(Arc::new(SlackConfig {
        token,
        api_url,
        max_concurrency: conn::max_concurrency(&f, 4, diags),
    }))
}

impl ConnectionConfig for SlackConfig {
    fn kind(&self) -> &'static str {
        "slack"
    }

    fn env_names(&self) -> Vec<String> {
        let mut v = self.token.env_names();
        v.extend(self.api_url.iter().flat_map(Secret::env_names));
        v
    }

    fn secrets(&self, env: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
        // The API URL is not secret; the token is.
        flow_card::connection::secret_values([&self.token], env)
    }

    fn connect(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
        dry_run: bool,
    ) -> Result<LiveConnection, MissingEnv> {
        let api_url = match &self.api_url {
            Some(u) => conn::resolve(u, env, dry_run)?,
            None => "https://slack.com/api".to_string(),
        };
        Ok(Arc::new(SlackLive {
            api_url: api_url.trim_end_matches('/').to_string(),
            token: conn::resolve(&self.token, env, dry_run)?,
            limiter: conn::limiter(self.max_concurrency),
        }))
    }
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
