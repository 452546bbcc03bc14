//! The web console at `/console/` (SPEC 13): sign-in, pages for flows, executions, one
//! execution and the queue, and their JSON API under `/console/api/` — served only when
//! `server.console.token` is set.
//!
//! - [`session`]: the token and the session cookie (never the token itself).
//! - [`pages`]: the sign-in page, the page shell and its embedded assets, the security headers
//!   on every console answer.
//! - [`api`]: the JSON API — what `flowctl history` reads, paged by the store — and replay.
//! - [`feed`]: runs starting and ending, as server-sent events.
//! - [`refusal`]: every refusal, typed.
//!
//! The [`Console`] is an engine [`Observer`](flow_runtime::Observer) too: it hears root runs
//! start and end and passes them to the live feed.

mod api;
mod feed;
mod pages;
mod refusal;
mod session;

pub use refusal::ConsoleRefusal;
pub use session::{SESSION_SECS, Sessions};

use crate::state::ServerState;
use axum::Router;
use axum::routing::{get, post};
use std::sync::Arc;
use tokio::sync::{broadcast, watch};

/// Runs the feed holds for a slow reader before it skips ahead.
const FEED_BACKLOG: usize = 256;

/// Looks up an environment variable (where the project's secrets come from).
pub type Env = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// The console's state: its sessions, the live feed and the environment secrets are read from.
pub struct Console {
    sessions: Sessions,
    feed: broadcast::Sender<String>,
    closing: watch::Sender<bool>,
    env: Env,
}

impl Console {
    /// A console for `token` (`server.console.token`, resolved). `env` resolves the project's
    /// secrets for dry runs, so that their records mask them as every other run's do.
    pub fn new(token: String, env: Env) -> Arc<Console> {
        let (feed, _) = broadcast::channel(FEED_BACKLOG);
        let (closing, _) = watch::channel(false);
        Arc::new(Console {
            sessions: Sessions::new(token),
            feed,
            closing,
            env,
        })
    }

    /// The server is stopping: live feeds end, so their connections close.
    pub fn close(&self) {
        self.closing.send_replace(true);
    }
}

/// The console's routes, for [`crate::router`] to merge when a console is configured.
pub(crate) fn routes() -> Router<Arc<ServerState>> {
    Router::new()
        .route("/console", get(pages::to_slash))
        .route("/console/", get(pages::page))
        .route("/console/flows", get(pages::page))
        .route("/console/queue", get(pages::page))
        .route("/console/executions/{id}", get(pages::page))
        .route("/console/login", post(pages::login))
        .route("/console/logout", post(pages::logout))
        .route("/console/assets/{file}", get(pages::asset))
        .route("/console/api/flows", get(api::flows))
        .route("/console/api/executions", get(api::executions))
        .route("/console/api/executions/{id}", get(api::execution))
        .route("/console/api/executions/{id}/replay", post(api::replay))
        .route("/console/api/queue", get(api::queue))
        .route("/console/api/feed", get(feed::feed))
        .layer(axum::middleware::map_response(pages::secure_headers))
}
