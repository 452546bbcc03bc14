//! The values that cross the [`Store`](crate::Store) trait: what a new run brings, what an
//! unfinished run left, dedupe answers and history rows.
//!
//! They hold no database types, so a Postgres store can share them unchanged.

use flow_runtime::{ExecutionRecord, ResponseRecord, StepRecord};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};

/// A run about to start, recorded by [`Store::begin`](crate::Store::begin) (or
/// [`Store::begin_claimed`](crate::Store::begin_claimed)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewRun {
    /// The run's id (a UUIDv7).
    pub execution_id: String,
    /// The flow's name.
    pub flow: String,
    /// RFC 3339 UTC.
    pub started_at: String,
    /// What started it, already masked by the caller.
    pub input: StoredInput,
    /// Keep the run's data after it finishes (false: keep metadata only).
    pub save_data: bool,
    /// Whether another process may resume the run if the one running it stops: true for a run
    /// a trigger server accepted (its event must not be lost), false for a run started by a
    /// command such as `flowctl run` or `replay`, and for every dry run. A run that is not
    /// resumable is never returned by [`Store::claim_unfinished`](crate::Store::claim_unfinished);
    /// when its lease runs out unrenewed, [`Store::fail_abandoned`](crate::Store::fail_abandoned)
    /// ends it as failed (interrupted).
    #[serde(default)]
    pub resumable: bool,
}

/// The input that started a run, kept to resume it and to replay it.
///
/// The store writes exactly what it is given: secret headers must be masked by the caller.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StoredInput {
    /// An HTTP request to an endpoint flow.
    Request {
        /// `GET` or `POST`.
        method: String,
        /// The raw body.
        body: String,
        /// Headers (lower-case names), secret ones already masked by the caller.
        headers: Vec<(String, String)>,
        /// Query parameters.
        query: Vec<(String, String)>,
    },
    /// The inputs of a helper flow.
    Inputs(Value),
}

impl StoredInput {
    /// The `trigger` value an execution record shows for this input (`None` for helper inputs):
    /// `{ method, headers, query (when any), body }`, the shape the engine's records use.
    pub fn trigger_value(&self) -> Option<Value> {
        let StoredInput::Request {
            method,
            body,
            headers,
            query,
        } = self
        else {
            return None;
        };
        let pairs = |items: &[(String, String)]| {
            Value::Object(
                items
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect::<Map<String, Value>>(),
            )
        };
        let mut m = Map::new();
        m.insert("method".into(), Value::String(method.clone()));
        m.insert("headers".into(), pairs(headers));
        if !query.is_empty() {
            m.insert("query".into(), pairs(query));
        }
        m.insert("body".into(), Value::String(body.clone()));
        Some(Value::Object(m))
    }
}

/// An unfinished root run handed to the node that claimed it, to be resumed.
#[derive(Debug, Clone, PartialEq)]
pub struct Unfinished {
    /// The run's id.
    pub execution_id: String,
    /// The flow's name.
    pub flow: String,
    /// RFC 3339 UTC.
    pub started_at: String,
    /// What started it.
    pub input: StoredInput,
    /// Whether its caller was already answered (then the resumed run must not answer again).
    pub responded: bool,
}

/// What an unfinished run already did, so resuming it does not repeat finished work.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    /// Finished steps, by their index in the flow's file order.
    pub steps: BTreeMap<usize, StepRecord>,
    /// Finished helper runs, by (calling step id, item index; 0 for a single call).
    pub children: HashMap<(String, usize), ExecutionRecord>,
    /// The answer the caller already got.
    pub response: Option<ResponseRecord>,
}

/// The answer of [`Store::dedupe`](crate::Store::dedupe).
#[derive(Debug, Clone, PartialEq)]
pub enum Dedupe {
    /// The key is new (or its window expired): it is now reserved for this run.
    First,
    /// The key was seen within its window.
    Repeat {
        /// The run the first delivery started.
        execution_id: String,
        /// The answer that run gave (`None` while it has not answered yet).
        response: Option<ResponseRecord>,
    },
}

/// The backlog of one flow: what [`Store::queue_depth`](crate::Store::queue_depth) reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueDepth {
    /// The flow's name.
    pub flow: String,
    /// Runs queued and not yet claimed.
    pub depth: u64,
    /// How long the oldest of them has waited (since it was queued, on the store's clock).
    pub oldest_age_ms: u64,
}

/// Which past runs [`Store::list`](crate::Store::list) returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListFilter {
    /// Only this flow's runs.
    pub flow: Option<String>,
    /// Only runs with this status (`queued`, `running`, `succeeded`, `failed`, `stopped`).
    pub status: Option<String>,
    /// At most this many (0: no limit).
    pub limit: usize,
    /// Only runs older than this one (keyset paging): runs that started before it, or at the
    /// same millisecond with a smaller id. An id not in the store gives no rows.
    pub before: Option<String>,
    /// Only runs that started at or after this time (unix milliseconds).
    pub since_ms: Option<i64>,
    /// Only runs that started before this time (unix milliseconds).
    pub until_ms: Option<i64>,
    /// Only runs whose stored trigger input contains this text (case-sensitive; the input as
    /// stored, secret headers already masked).
    pub text: Option<String>,
}

impl Default for ListFilter {
    /// All flows, all statuses, the 50 newest.
    fn default() -> Self {
        ListFilter {
            flow: None,
            status: None,
            limit: 50,
            before: None,
            since_ms: None,
            until_ms: None,
            text: None,
        }
    }
}

/// One row of run history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    /// The run's id.
    pub execution_id: String,
    /// The flow's name.
    pub flow: String,
    /// `queued` (accepted, waiting for a free worker), `running`, `succeeded`, `failed` or
    /// `stopped`.
    pub status: String,
    /// RFC 3339 UTC.
    pub started_at: String,
    /// Wall time (`None` while running, and when unknown: a run whose process stopped).
    pub duration_ms: Option<f64>,
    /// The status its caller got, if it answered.
    pub response_status: Option<u16>,
    /// Why it failed: `step: message` (only the message when no step failed, e.g. a run that
    /// was interrupted or whose flow is gone).
    pub error: Option<String>,
}

/// What [`Store::claim_tick`](crate::Store::claim_tick) did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tick {
    /// The tick was this caller's: it is recorded as the flow's last tick and its run queued.
    Fired,
    /// No tick of the flow was recorded before: this one is now, and (as asked) no run was
    /// queued.
    Recorded,
    /// The flow's last recorded tick is this one or later (another node fired it): nothing
    /// was stored.
    Taken,
}
