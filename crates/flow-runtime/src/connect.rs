//! Turning a project's decoded connections into live ones for a run: only those the run needs,
//! with `${env:…}` resolved now (and a clear error naming the variable when one is missing).

use flow_card::{HttpRequest, HttpResponse, LiveConnection, Secrets, Transport, TransportError};
use flow_compile::{Project, TriggerPlan};
use futures_util::future::BoxFuture;
use std::collections::HashMap;
use std::time::Duration;

/// A connection that could not be made ready.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectError {
    /// The connection.
    pub connection: String,
    /// The environment variable that is not set.
    pub variable: String,
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "connection `{}` needs the environment variable `{}`, which is not set",
            self.connection, self.variable
        )
    }
}

impl std::error::Error for ConnectError {}

/// Live connections for flow number `flow` (and the helpers it calls). In a dry run, missing
/// variables are left as `${env:NAME}` text.
pub fn connect(
    project: &Project,
    flow: usize,
    env: &dyn Fn(&str) -> Option<String>,
    dry_run: bool,
) -> Result<HashMap<String, LiveConnection>, ConnectError> {
    connect_names(project, &project.connections_used_by(flow), env, dry_run)
}

/// Live connections for every flow of the project (for `flowctl serve`).
pub fn connect_all(
    project: &Project,
    env: &dyn Fn(&str) -> Option<String>,
    dry_run: bool,
) -> Result<HashMap<String, LiveConnection>, ConnectError> {
    let names: Vec<String> = project.connections.keys().cloned().collect();
    connect_names(project, &names, env, dry_run)
}

fn connect_names(
    project: &Project,
    names: &[String],
    env: &dyn Fn(&str) -> Option<String>,
    dry_run: bool,
) -> Result<HashMap<String, LiveConnection>, ConnectError> {
    let mut out = HashMap::new();
    for name in names {
        let Some(cfg) = project.connections.get(name) else {
            continue;
        };
        let live = cfg.connect(env, dry_run).map_err(|e| ConnectError {
            connection: name.clone(),
            variable: e.name,
        })?;
        out.insert(name.clone(), live);
    }
    Ok(out)
}

/// Every secret value the project configures, resolved through `env`: the connections'
/// credentials and the endpoints' client tokens and HMAC keys. The engine masks them in
/// everything it records.
pub fn project_secrets(project: &Project, env: &dyn Fn(&str) -> Option<String>) -> Secrets {
    let mut values = Vec::new();
    for cfg in project.connections.values() {
        values.extend(cfg.secrets(env));
    }
    for plan in &project.flows {
        if let TriggerPlan::ApiEndpoint(ep) = &plan.trigger {
            let hmac = ep.hmac.as_ref().map(|h| &h.secret);
            values.extend(flow_card::connection::secret_values(
                ep.client_token.iter().chain(hmac),
                env,
            ));
        }
    }
    Secrets::new(values)
}

/// A transport for dry runs: cards rehearse instead of sending, so this is never reached.
pub struct NoTransport;

impl Transport for NoTransport {
    fn send(
        &self,
        _: HttpRequest,
        _: Duration,
    ) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(std::future::ready(Err(TransportError::Invalid(
            "a dry run sends nothing".into(),
        ))))
    }
}
