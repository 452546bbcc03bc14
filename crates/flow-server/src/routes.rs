//! The routes: `/api/flo/{flow}/invoke` (GET and POST), `/healthz`, `/readyz`, `/metrics`, the
//! console under `/console/` when one is configured ([`crate::console`]), and
//! JSON answers for unknown paths (404) and other methods (405) — HEAD included: a HEAD of the
//! endpoint never runs the flow.

use crate::invoke::invoke;
use crate::state::ServerState;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use std::sync::Arc;

/// The service, without a socket: tests call it in-process.
pub fn router(state: Arc<ServerState>) -> Router {
    let console = match state.console {
        Some(_) => crate::console::routes(),
        None => Router::new(),
    };
    Router::new()
        // axum answers HEAD with the GET handler unless HEAD has its own.
        .route(
            "/api/flo/{flow}/invoke",
            get(invoke).post(invoke).head(method_not_allowed),
        )
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .merge(console)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(state): State<Arc<ServerState>>) -> Response {
    // The check writes to the store: off the async threads.
    let ready = match tokio::task::spawn_blocking(move || state.ready()).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(why)) => Err(why.to_string()),
        Err(_) => Err("the readiness check did not finish".to_string()),
    };
    match ready {
        Ok(()) => (StatusCode::OK, axum::Json(json!({ "ready": true }))).into_response(),
        Err(why) => (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({ "ready": false, "error": why })),
        )
            .into_response(),
    }
}

async fn metrics(State(state): State<Arc<ServerState>>) -> Response {
    let mut text = state.metrics.render();
    match state.queue.depth().await {
        Ok(depths) => crate::metrics::render_queue(&depths, &mut text),
        Err(e) => state.log.warn(
            "metrics.queue_failed",
            &[("error", serde_json::Value::String(e.to_string()))],
        ),
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

async fn not_found(State(state): State<Arc<ServerState>>) -> Response {
    state.metrics.rejected("not_found");
    (
        StatusCode::NOT_FOUND,
        axum::Json(json!({ "error": "not found" })),
    )
        .into_response()
}

async fn method_not_allowed(State(state): State<Arc<ServerState>>) -> Response {
    state.metrics.rejected("method_not_allowed");
    (
        StatusCode::METHOD_NOT_ALLOWED,
        [(header::ALLOW, "GET, POST")],
        axum::Json(json!({ "error": "use GET or POST" })),
    )
        .into_response()
}
