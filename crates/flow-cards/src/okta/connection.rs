//! `kind: okta` connections: the org URL and an API token (`SSWS`) or OAuth access token
//! (`Bearer`), with a cap on requests in flight.

use crate::conn;
use flow_card::expr::ConnKind;
use flow_card::{ConnectionConfig, ConnectorSpec, LiveConnection};
use flow_model::config::{MissingEnv, Secret};
use flow_model::{Code, ConnectionDoc, Diagnostic, Diagnostics};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// The marker kind for `ConnRef<Okta>`.
#[derive(Debug)]
pub struct Okta;
impl ConnKind for Okta {
    const MARKER: &'static str = "$flowctl::conn:okta";
}

/// A decoded `okta` connection.
#[derive(Debug)]
pub struct OktaConfig {
    org_url: Secret,
    token: Option<Secret>,
    access_token: Option<Secret>,
    max_concurrency: usize,
}

/// A live `okta` connection.
pub struct OktaLive {
    /// `https://acme.okta.com`, without a trailing `/`.
    pub base: String,
    /// The `Authorization` value.
    pub authorization: String,
    /// The credential, masked wherever it appears.
    pub secret: String,
    /// The cap on requests in flight.
    pub limiter: Arc<Semaphore>,
}

/// Registration.
pub static CONNECTOR: ConnectorSpec = ConnectorSpec {
    kind: "okta",
    summary: "Okta Management API",
    keys: &[
        (
            "org_url",
            "https://acme.okta.com (any base URL; tests use loopback)",
        ),
        (
            "token",
            "an API token, sent as `Authorization: SSWS <token>`",
        ),
        (
            "access_token",
            "or an OAuth access token, sent as `Authorization: Bearer <token>`",
        ),
        ("max_concurrency", "requests in flight (default 8)"),
    ],
    decode,
};

fn decode(doc: &ConnectionDoc, diags: &mut Diagnostics) -> Option<Arc<dyn ConnectionConfig>> {
    let f = conn::read(
        doc,
        &["org_url", "token", "access_token", "max_concurrency"],
        diags,
    )?;
    let org_url = conn::secret(&f, "org_url", true, diags)?;
    conn::check_url(&org_url, "org_url", diags);
    let token = conn::secret(&f, "token", false, diags);
    let access_token = conn::secret(&f, "access_token", false, diags);
    if token.is_some() == access_token.is_some() {
        diags.push(
            Diagnostic::error(
                Code::Config,
                Some(doc.node.span),
                format!(
                    "connection `{}` needs exactly one of `token` and `access_token`",
                    doc.name
                ),
            )
            .with_help("token: ${env:OKTA_API_TOKEN}"),
        );
        return None;
    }
    Some(Arc::new(OktaConfig {
        org_url,
        token,
        access_token,
        max_concurrency: conn::max_concurrency(&f, 8, diags),
    }))
}

impl ConnectionConfig for OktaConfig {
    fn kind(&self) -> &'static str {
        "okta"
    }

    fn env_names(&self) -> Vec<String> {
        let mut v = self.org_url.env_names();
        v.extend(
            self.token
                .iter()
                .chain(&self.access_token)
                .flat_map(Secret::env_names),
        );
        v
    }

    fn secrets(&self, env: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
        // The org URL is not secret (it shows in traces); the tokens are.
        flow_card::connection::secret_values(self.token.iter().chain(&self.access_token), env)
    }

    fn connect(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
        dry_run: bool,
    ) -> Result<LiveConnection, MissingEnv> {
        let base = conn::resolve(&self.org_url, env, dry_run)?
            .trim_end_matches('/')
            .to_string();
        let (scheme, secret) = match (&self.token, &self.access_token) {
            (Some(t), _) => ("SSWS", conn::resolve(t, env, dry_run)?),
            (None, Some(t)) => ("Bearer", conn::resolve(t, env, dry_run)?),
            (None, None) => ("SSWS", String::new()),
        };
        Ok(Arc::new(OktaLive {
            base,
            authorization: format!("{scheme} {secret}"),
            secret,
            limiter: conn::limiter(self.max_concurrency),
        }))
    }
}
