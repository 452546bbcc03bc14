//! Prometheus metrics: runs by flow and status, step durations by card, connector calls and
//! retries, rejected requests by reason, runs in flight, and the queue (depth and oldest age by
//! flow, read from the queue when scraped). Fed by the engine's events (this is an
//! [`Observer`]) and by the server; rendered as Prometheus text at `/metrics`.

use flow_runtime::{Observer, RunEvent};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};

/// Histogram bucket bounds, in seconds.
const BUCKETS: [f64; 10] = [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0];

#[derive(Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, secs: f64) {
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                self.counts[i] += 1;
            }
        }
        self.sum += secs;
        self.count += 1;
    }
}

#[derive(Default)]
struct Inner {
    runs: BTreeMap<(String, String), u64>,
    steps: BTreeMap<(String, String), Histogram>,
    calls: BTreeMap<(String, String), u64>,
    retries: BTreeMap<String, u64>,
    rejected: BTreeMap<String, u64>,
    responses: BTreeMap<u16, u64>,
}

/// The server's metrics.
#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
    in_flight: AtomicI64,
}

fn esc(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Metrics {
    fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        let mut g = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut g)
    }

    /// Counts a refused request.
    pub fn rejected(&self, reason: &str) {
        self.with(|m| *m.rejected.entry(reason.to_string()).or_default() += 1);
    }

    /// Counts an answer sent.
    pub fn response(&self, status: u16) {
        self.with(|m| *m.responses.entry(status).or_default() += 1);
    }

    /// Runs in flight went up or down.
    pub fn in_flight(&self, delta: i64) {
        self.in_flight.fetch_add(delta, Ordering::Relaxed);
    }

    /// The number of rejected requests for a reason (for tests).
    pub fn rejected_count(&self, reason: &str) -> u64 {
        self.with(|m| m.rejected.get(reason).copied().unwrap_or(0))
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let in_flight = self.in_flight.load(Ordering::Relaxed);
        self.with(|m| {
            out.push_str("# HELP flowctl_runs_total Runs finished, by flow and status.\n# TYPE flowctl_runs_total counter\n");
            for ((flow, status), n) in &m.runs {
                let _ = writeln!(out, "flowctl_runs_total{{flow=\"{}\",status=\"{status}\"}} {n}", esc(flow));
            }
            out.push_str("# HELP flowctl_runs_in_flight Runs started and not finished.\n# TYPE flowctl_runs_in_flight gauge\n");
            let _ = writeln!(out, "flowctl_runs_in_flight {in_flight}");
            out.push_str("# HELP flowctl_step_duration_seconds Step durations, by flow and card.\n# TYPE flowctl_step_duration_seconds histogram\n");
            for ((flow, card), h) in &m.steps {
                let labels = format!("flow=\"{}\",card=\"{}\"", esc(flow), esc(card));
                for (i, b) in BUCKETS.iter().enumerate() {
                    let _ = writeln!(out, "flowctl_step_duration_seconds_bucket{{{labels},le=\"{b}\"}} {}", h.counts[i]);
                }
                let _ = writeln!(out, "flowctl_step_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}", h.count);
                let _ = writeln!(out, "flowctl_step_duration_seconds_sum{{{labels}}} {}", h.sum);
                let _ = writeln!(out, "flowctl_step_duration_seconds_count{{{labels}}} {}", h.count);
            }
            out.push_str("# HELP flowctl_connector_calls_total HTTP calls made by cards, by card and outcome.\n# TYPE flowctl_connector_calls_total counter\n");
            for ((card, outcome), n) in &m.calls {
                let _ = writeln!(out, "flowctl_connector_calls_total{{card=\"{}\",outcome=\"{}\"}} {n}", esc(card), esc(outcome));
            }
            out.push_str("# HELP flowctl_connector_retries_total Attempts retried, by card.\n# TYPE flowctl_connector_retries_total counter\n");
            for (card, n) in &m.retries {
                let _ = writeln!(out, "flowctl_connector_retries_total{{card=\"{}\"}} {n}", esc(card));
            }
            out.push_str("# HELP flowctl_rejected_requests_total Requests refused before a run started, by reason.\n# TYPE flowctl_rejected_requests_total counter\n");
            for (reason, n) in &m.rejected {
                let _ = writeln!(out, "flowctl_rejected_requests_total{{reason=\"{}\"}} {n}", esc(reason));
            }
            out.push_str("# HELP flowctl_http_responses_total Answers sent by the trigger server, by status.\n# TYPE flowctl_http_responses_total counter\n");
            for (status, n) in &m.responses {
                let _ = writeln!(out, "flowctl_http_responses_total{{status=\"{status}\"}} {n}");
            }
        });
        out
    }
}

/// The queue's gauges in Prometheus text: accepted runs waiting to start, and how long the
/// oldest has waited, per flow (only flows with runs queued).
pub fn render_queue(depths: &[flow_store::QueueDepth], out: &mut String) {
    out.push_str("# HELP flowctl_queue_depth Accepted runs waiting for a run slot, by flow.\n# TYPE flowctl_queue_depth gauge\n");
    for d in depths {
        let _ = writeln!(
            out,
            "flowctl_queue_depth{{flow=\"{}\"}} {}",
            esc(&d.flow),
            d.depth
        );
    }
    out.push_str("# HELP flowctl_queue_oldest_age_seconds How long the oldest queued run has waited, by flow.\n# TYPE flowctl_queue_oldest_age_seconds gauge\n");
    for d in depths {
        let _ = writeln!(
            out,
            "flowctl_queue_oldest_age_seconds{{flow=\"{}\"}} {}",
            esc(&d.flow),
            d.oldest_age_ms as f64 / 1000.0
        );
    }
}

impl Observer for Metrics {
    fn event(&self, event: &RunEvent<'_>) {
        match event {
            RunEvent::StepFinished { flow, step, .. } => self.with(|m| {
                m.steps
                    .entry((flow.to_string(), step.card.to_string()))
                    .or_default()
                    .observe(step.duration_ms / 1000.0);
                for ex in &step.http {
                    let outcome = match (ex.rehearsal, ex.status) {
                        (true, _) => "rehearsal".to_string(),
                        (false, Some(s)) => format!("{}xx", s / 100),
                        (false, None) => "no_answer".to_string(),
                    };
                    *m.calls.entry((step.card.to_string(), outcome)).or_default() += 1;
                }
            }),
            RunEvent::Retrying { card, .. } => {
                self.with(|m| *m.retries.entry(card.to_string()).or_default() += 1)
            }
            RunEvent::RunFinished { record, .. } => self.with(|m| {
                *m.runs
                    .entry((record.flow.to_string(), record.status.as_str().to_string()))
                    .or_default() += 1
            }),
            RunEvent::RunStarted { .. } | RunEvent::Responded { .. } => {}
        }
    }
}
