//! The live feed: `GET /console/api/feed`, server-sent events of root runs starting and ending
//! (`event: run`, data `{"event":"started"|"finished","execution_id","flow",…}`), heard from
//! the engine as an [`Observer`]. Ends when the server stops, so its connection does not hold
//! the shutdown.

use super::Console;
use super::api::signed_in;
use crate::state::ServerState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use flow_runtime::{Observer, RunEvent};
use serde_json::json;
use std::convert::Infallible;
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;

impl Observer for Console {
    fn event(&self, event: &RunEvent<'_>) {
        let data = match event {
            RunEvent::RunStarted {
                execution_id,
                flow,
                parent: None,
            } => json!({ "event": "started", "execution_id": execution_id, "flow": flow }),
            RunEvent::RunFinished {
                record,
                parent: None,
            } => json!({
                "event": "finished",
                "execution_id": record.execution_id,
                "flow": record.flow,
                "status": record.status.as_str(),
                "duration_ms": record.duration_ms,
            }),
            _ => return,
        };
        // Nobody listening is fine.
        let _ = self.feed.send(data.to_string());
    }
}

/// The handler.
pub(super) async fn feed(State(state): State<Arc<ServerState>>, headers: HeaderMap) -> Response {
    let console = match signed_in(&state, &headers) {
        Ok((c, _)) => c,
        Err(r) => return r.into_response(),
    };
    let rx = console.feed.subscribe();
    let closing = console.closing.subscribe();
    let events = futures_util::stream::unfold((rx, closing), |(mut rx, mut closing)| async move {
        let got = tokio::select! {
            got = rx.recv() => got,
            _ = closing.wait_for(|c| *c) => return None,
        };
        let event = match got {
            Ok(data) => Event::default().event("run").data(data),
            // A reader too slow for the backlog misses some; the page reloads its list.
            Err(RecvError::Lagged(_)) => Event::default().event("lagged").data("{}"),
            Err(RecvError::Closed) => return None,
        };
        Some((Ok::<Event, Infallible>(event), (rx, closing)))
    });
    Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response()
}
