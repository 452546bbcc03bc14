//! Opening the run store for a command: `store:` of `flowctl.yaml` (default
//! `sqlite://.flowctl/state.db`, relative to the config file), or the `FLOWCTL_STORE`
//! environment variable, which overrides it (`none` turns history off; `postgres://…` opens
//! PostgreSQL).

use flow_store::Store;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The directory a config's relative paths start from.
pub fn base(config: Option<&Path>) -> PathBuf {
    config
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// The store setting in force.
pub fn url(configured: &str) -> String {
    std::env::var("FLOWCTL_STORE")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| configured.to_string())
}

/// The run store could not be opened.
#[derive(Debug)]
pub struct OpenError {
    /// The store setting in force (without a password).
    pub url: String,
    /// Why.
    pub reason: String,
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cannot open the run store ({}): {}\n  = help: fix or move the file, point `store:` \
             (or FLOWCTL_STORE) elsewhere, or set it to `none`",
            self.url, self.reason
        )
    }
}

impl std::error::Error for OpenError {}

/// Opens the store; `Ok(None)` when history is off.
pub fn open(configured: &str, config: Option<&Path>) -> Result<Option<Arc<dyn Store>>, OpenError> {
    let url = url(configured);
    flow_store::open_url(&url, &base(config)).map_err(|e| OpenError {
        url: flow_store::display_url(&url),
        reason: e.to_string(),
    })
}
