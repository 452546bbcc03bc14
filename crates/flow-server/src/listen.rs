//! The socket: an accept loop serving HTTP/1.1 with keep-alive and a header read timeout
//! (slow-loris clients are cut off), and graceful shutdown — stop accepting, let open requests
//! get their answers, start no more queued runs, let running runs finish within the grace
//! period, leave the rest (and the queue) to the next start.

use crate::routes::router;
use crate::state::ServerState;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use serde_json::{Value, json};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Socket-level settings.
#[derive(Debug, Clone)]
pub struct ListenOptions {
    /// Time to receive a request's headers.
    pub header_timeout: Duration,
    /// Time runs get to finish after a shutdown signal.
    pub grace: Duration,
}

impl Default for ListenOptions {
    fn default() -> Self {
        ListenOptions {
            header_timeout: Duration::from_secs(10),
            grace: Duration::from_secs(30),
        }
    }
}

/// The service for one connection: each request carries the peer's address
/// (`ConnectInfo`), which the per-client limits key on.
fn with_peer(
    app: axum::Router,
    peer: SocketAddr,
) -> tower::util::MapRequest<
    axum::Router,
    impl Fn(hyper::Request<hyper::body::Incoming>) -> hyper::Request<hyper::body::Incoming> + Clone,
> {
    tower::util::MapRequest::new(
        app,
        move |mut req: hyper::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            req
        },
    )
}

/// Serves until `shutdown` completes, then drains. Returns whether every run finished in time.
pub async fn serve(
    listener: TcpListener,
    state: Arc<ServerState>,
    opts: ListenOptions,
    shutdown: impl Future<Output = ()>,
) -> bool {
    let app = router(state.clone());
    // Runs left queued by the last start begin now, as run slots allow.
    state.start();
    let resumer = state
        .durable
        .clone()
        .map(|d| tokio::spawn(crate::durable::resume_loop(state.clone(), d)));
    // Scheduled flows fire into the queue (a reload may add some: the loop always runs).
    let scheduler = tokio::spawn(crate::schedule::schedule_loop(state.clone()));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of file descriptors and the like: back off instead of spinning.
                        state.log.warn("accept.failed", &[("error", Value::String(e.to_string()))]);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let conn = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(opts.header_timeout)
                    .keep_alive(true)
                    .serve_connection(TokioIo::new(stream), TowerToHyperService::new(with_peer(app.clone(), peer)));
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    let _ = conn.await;
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    if let Some(r) = resumer {
        r.abort();
    }
    scheduler.abort();
    // No queued run starts from now on: the queue is left for the next start, and callers
    // waiting for a queued run's answer get 504 with its id.
    state.queue.close();
    if let Some(c) = &state.console {
        c.close();
    }
    state.log.info(
        "shutdown.started",
        &[("grace_s", json!(opts.grace.as_secs()))],
    );
    let _ = tokio::time::timeout(opts.grace, graceful.shutdown()).await;
    let drained = state.drain(opts.grace).await;
    // What the finished runs wrote is committed before the server returns (and the process
    // exits): a run finished but not recorded as finished would run again at the next start.
    if let Some(d) = state.durable.clone()
        && let Ok(Err(e)) = tokio::task::spawn_blocking(move || d.flush()).await
    {
        state.log.warn(
            "store.write_failed",
            &[
                ("what", Value::String("shutdown".into())),
                ("error", Value::String(e.to_string())),
            ],
        );
    }
    state.log.info(
        "shutdown.finished",
        &[("all_runs_finished", Value::Bool(drained))],
    );
    drained
}
