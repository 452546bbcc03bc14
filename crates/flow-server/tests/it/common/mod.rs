//! What the server tests share: building a server state from flow files, and calling the
//! router in-process.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use flow_server::{Clock, Durable, Limits, Live, LogFormat, Logger, Metrics, ServerState, router};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Notify;
use tower::ServiceExt;

/// Project settings: a Slack connection from the environment.
pub const CONFIG: &str = "connections:\n  slack: { kind: slack, token: \"${env:SLACK_TOKEN}\", api_url: \"${env:SLACK_URL}\" }\n";

/// A webhook flow: client token, JSON only, dedupe by `id`, answers 202 then posts to Slack.
pub const HOOK: &str = r##"flow: hook
trigger:
  api_endpoint:
    security: { client_token: "${env:HOOK_TOKEN}" }
    accept: json
    dedupe: { key: "{{ trigger.json.id }}", window: 1h }
steps:
  - { id: ack, card: http.close, with: { status: 202, headers: { x-note: queued }, body: { received: "{{ trigger.json.id }}" } } }
  - { id: post, card: slack.send_message, with: { connection: slack, channel: "#security-alerts", text: "event {{ trigger.json.id }}" } }
"##;

/// Logs off: the tests read answers, metrics and the fakes, not log lines.
pub const LOG: Logger = Logger {
    format: LogFormat::Off,
    sink: None,
};

/// Counts started and finished runs (not helper runs) and wakes whoever waits for a number of
/// them: tests wait on this signal instead of sleeping or polling the clock.
#[derive(Default)]
pub struct Runs {
    started: AtomicUsize,
    /// The ids of the runs started, in the order they started.
    order: std::sync::Mutex<Vec<String>>,
    finished: AtomicUsize,
    notify: Notify,
}

impl Runs {
    /// Runs started so far.
    pub fn started(&self) -> usize {
        self.started.load(Ordering::SeqCst)
    }

    /// The ids of the runs started so far, in the order they started.
    pub fn start_order(&self) -> Vec<String> {
        self.order.lock().unwrap().clone()
    }

    /// Runs finished so far.
    pub fn finished(&self) -> usize {
        self.finished.load(Ordering::SeqCst)
    }

    /// Waits until at least `n` runs have started.
    pub async fn wait_started(&self, n: usize) {
        loop {
            let woken = self.notify.notified();
            if self.started() >= n {
                return;
            }
            woken.await;
        }
    }

    /// Waits until at least `n` runs have finished.
    pub async fn wait_finished(&self, n: usize) {
        loop {
            let woken = self.notify.notified();
            if self.finished() >= n {
                return;
            }
            woken.await;
        }
    }
}

impl flow_runtime::Observer for Runs {
    fn event(&self, event: &flow_runtime::RunEvent<'_>) {
        match event {
            flow_runtime::RunEvent::RunStarted {
                parent: None,
                execution_id,
                ..
            } => {
                self.order.lock().unwrap().push(execution_id.to_string());
                self.started.fetch_add(1, Ordering::SeqCst);
                self.notify.notify_waiters();
            }
            flow_runtime::RunEvent::RunFinished { parent: None, .. } => {
                self.finished.fetch_add(1, Ordering::SeqCst);
                self.notify.notify_waiters();
            }
            _ => {}
        }
    }
}

/// What a test server is built with beyond its files.
pub struct Options {
    /// Limits.
    pub limits: Limits,
    /// A store, when runs are durable.
    pub durable: Option<Arc<Durable>>,
    /// The clock (the system's when `None`).
    pub clock: Option<Arc<dyn Clock>>,
    /// The log.
    pub log: Logger,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            limits: Limits::default(),
            durable: None,
            clock: None,
            log: LOG,
        }
    }
}

/// A server state for `files` (with `config`), secrets from `env`, durable when `durable` is
/// given (it is also registered as an observer).
pub fn state(
    config: &str,
    files: &[(&str, &str)],
    env: HashMap<&'static str, String>,
    limits: Limits,
    durable: Option<Arc<Durable>>,
) -> Arc<ServerState> {
    let opts = Options {
        limits,
        durable,
        ..Options::default()
    };
    state_with(config, files, env, opts).0
}

/// [`state`] with every option, and the runs' counter.
pub fn state_with(
    config: &str,
    files: &[(&str, &str)],
    env: HashMap<&'static str, String>,
    opts: Options,
) -> (Arc<ServerState>, Arc<Runs>) {
    let Options {
        limits,
        durable,
        clock,
        log,
    } = opts;
    let runs = Arc::new(Runs::default());
    let project = flow_compile::compile_str(Some(config), files, &flow_cards::registry())
        .unwrap_or_else(|e| panic!("{e}"));
    let metrics = Arc::new(Metrics::default());
    let mut observers: Vec<Arc<dyn flow_runtime::Observer>> = vec![metrics.clone()];
    // The store hears of a finished run before the counter does: once a test has waited for
    // a run to finish, `Durable::flush` commits its final record.
    if let Some(d) = &durable {
        observers.push(d.clone());
    }
    observers.push(runs.clone());
    let lookup = move |k: &str| env.get(k).cloned();
    let transport = Arc::new(flow_cards::ReqwestTransport::new().unwrap());
    let live = Live::build(
        project,
        &lookup,
        transport,
        Duration::from_secs(60),
        &observers,
    )
    .unwrap();
    let mut state = ServerState::new(live, limits, metrics, log);
    if let Some(c) = clock {
        state = state.with_clock(c);
    }
    if let Some(d) = durable {
        state = state.with_durable(d);
    }
    (Arc::new(state), runs)
}

/// An answer of the router.
pub struct Answer {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    /// The body as JSON (`null` when it is not JSON).
    pub body: Value,
    /// The body as text.
    pub text: String,
}

/// Sends `req` through the router, in-process.
pub async fn call(state: &Arc<ServerState>, req: Request<Body>) -> Answer {
    let resp = router(state.clone()).oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    Answer {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
    }
}
