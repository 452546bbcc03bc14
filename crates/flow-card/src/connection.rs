//! Connections: the credentials and settings a connector needs, decoded from `flowctl.yaml`
//! (secrets still as `${env:…}`) and turned into a live connection when a run needs it.

use flow_model::config::{MissingEnv, Secret};
use flow_model::{ConnectionDoc, Diagnostics};
use std::any::Any;
use std::fmt::Debug;
use std::sync::Arc;

/// A connection ready for use by cards of its kind; each connector downcasts to its own type.
pub type LiveConnection = Arc<dyn Any + Send + Sync>;

/// A decoded connection, secrets unresolved.
pub trait ConnectionConfig: Send + Sync + Debug {
    /// The kind (`okta`, `slack`, ...).
    fn kind(&self) -> &'static str;
    /// The environment variables it reads.
    fn env_names(&self) -> Vec<String>;
    /// The secret values it resolves through `env` (tokens, passwords, secret URLs), masked
    /// wherever a run records text (see [`crate::Secrets`]). By default the value of every
    /// variable it reads; a connector leaves out those that are not secret (a base URL).
    fn secrets(&self, env: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
        self.env_names().iter().filter_map(|n| env(n)).collect()
    }
    /// Resolves secrets and builds the live connection. In a dry run, a missing variable is
    /// kept as its `${env:NAME}` text instead of failing.
    fn connect(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
        dry_run: bool,
    ) -> Result<LiveConnection, MissingEnv>;
}

/// The values of secret settings, for [`ConnectionConfig::secrets`]: each one resolved as
/// written (a literal token is as secret as one from the environment) and the value of every
/// variable it reads. Settings that cannot be resolved give nothing.
pub fn secret_values<'s>(
    settings: impl IntoIterator<Item = &'s Secret>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Vec<String> {
    let mut out = Vec::new();
    for s in settings {
        out.extend(s.resolve(env).ok());
        out.extend(s.env_names().iter().filter_map(|n| env(n)));
    }
    out
}

/// Registers a connector kind.
pub struct ConnectorSpec {
    /// The kind written in `flowctl.yaml`.
    pub kind: &'static str,
    /// One line on what it connects to.
    pub summary: &'static str,
    /// The keys its settings take, for docs.
    pub keys: &'static [(&'static str, &'static str)],
    /// Decodes and checks the settings; `source` is the config file's text.
    pub decode: fn(&ConnectionDoc, &mut Diagnostics) -> Option<Arc<dyn ConnectionConfig>>,
}

impl Debug for ConnectorSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ConnectorSpec({})", self.kind)
    }
}
