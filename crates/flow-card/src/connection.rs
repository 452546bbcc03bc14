//! Connections: the credentials and settings a connector needs, decoded from `flowctl.yaml`
//! (secrets still as `${env:…}`) and turned into a live connection when a run needs it.

use flow_model::config::MissingEnv;
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
    /// Resolves secrets and builds the live connection. In a dry run, a missing variable is
    /// kept as its `${env:NAME}` text instead of failing.
    fn connect(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
        dry_run: bool,
    ) -> Result<LiveConnection, MissingEnv>;
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
