//! The execution record (SPEC 7): what a run leaves behind, as `run --json` prints it and the
//! store keeps it.

use flow_card::HttpExchange;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;

/// The state of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Not finished.
    Running,
    /// Finished without error.
    Succeeded,
    /// A step failed (or `flow.fail` ran).
    Failed,
    /// `flow.continue_if` ended it early.
    Stopped,
}

impl RunStatus {
    /// The word used in records and traces.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
            RunStatus::Stopped => "stopped",
        }
    }
}

/// The state of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// Not started (the run ended first).
    Pending,
    /// Started, not finished.
    Running,
    /// Finished with an output.
    Succeeded,
    /// Finished with an error.
    Failed,
    /// Its `if` was false, or the run ended before it could start.
    Skipped,
}

impl StepStatus {
    /// The word used in records and traces.
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Pending => "pending",
            StepStatus::Running => "running",
            StepStatus::Succeeded => "succeeded",
            StepStatus::Failed => "failed",
            StepStatus::Skipped => "skipped",
        }
    }
}

/// One run of one flow.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExecutionRecord {
    /// A UUIDv7 (time ordered).
    pub execution_id: String,
    /// The flow's name.
    pub flow: Arc<str>,
    /// The outcome.
    pub status: RunStatus,
    /// RFC 3339 UTC.
    pub started_at: String,
    /// Wall time of the whole run.
    pub duration_ms: f64,
    /// True for dry runs (effects rehearsed, nothing sent).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dry_run: bool,
    /// For a helper run per list item: the item's position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    /// The request (endpoint flows), headers masked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<Box<Value>>,
    /// The inputs (helper flows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inputs: Option<Arc<Value>>,
    /// The answer an endpoint's caller got.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<ResponseRecord>,
    /// Every step, in file order.
    pub steps: Vec<StepRecord>,
    /// `flow.return` outputs (`null` when none); shared with the step that returned them.
    pub output: Arc<Value>,
    /// Why it failed.
    pub error: Option<RunError>,
}

/// What an endpoint's caller got.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseRecord {
    /// The status.
    pub status: u16,
    /// Headers set by the flow.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<(String, String)>,
    /// The body.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub body: Value,
    /// Milliseconds after the run started that the answer was ready.
    pub at_ms: f64,
}

/// Why a run failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunError {
    /// The step that failed.
    pub step: String,
    /// The error kind (`not_found`, `timeout`, ...).
    pub kind: String,
    /// What happened.
    pub message: String,
}

/// One step of a run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StepRecord {
    /// The step id.
    pub id: Arc<str>,
    /// The card kind.
    pub card: Arc<str>,
    /// The outcome.
    pub status: StepStatus,
    /// Attempts made (0 when it did not run).
    pub attempts: u32,
    /// Milliseconds after the run started that it started.
    pub started_ms: f64,
    /// How long it took, all attempts and waits included.
    pub duration_ms: f64,
    /// Evaluated inputs by field (when the run keeps them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<Box<serde_json::Map<String, Value>>>,
    /// The output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Arc<Value>>,
    /// The final error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Box<Value>>,
    /// Errors of attempts that were retried.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retries: Vec<Value>,
    /// Why it was skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Requests sent or rehearsed, masked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub http: Vec<HttpExchange>,
    /// Helper runs, in item order: for list steps only the first `limits.item_records` items
    /// (by position); the rest are counted in `children_omitted`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<ExecutionRecord>,
    /// Helper runs that are not kept in `children`, by outcome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub children_omitted: Option<OmittedRuns>,
}

/// Helper runs counted but not kept, by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OmittedRuns {
    /// Finished without error.
    pub succeeded: u64,
    /// Failed.
    pub failed: u64,
    /// Ended by `flow.continue_if`.
    pub stopped: u64,
}

impl OmittedRuns {
    /// All of them.
    pub fn total(&self) -> u64 {
        self.succeeded + self.failed + self.stopped
    }
}

impl StepRecord {
    /// A record for a step that has not run.
    pub fn pending(id: &Arc<str>, card: &Arc<str>) -> Self {
        StepRecord {
            id: id.clone(),
            card: card.clone(),
            status: StepStatus::Pending,
            attempts: 0,
            started_ms: 0.0,
            duration_ms: 0.0,
            input: None,
            output: None,
            error: None,
            retries: Vec::new(),
            reason: None,
            http: Vec::new(),
            children: Vec::new(),
            children_omitted: None,
        }
    }
}

impl ExecutionRecord {
    /// Counts steps in this record and all nested helper records.
    pub fn count_steps(&self) -> usize {
        self.steps
            .iter()
            .map(|s| {
                1 + s
                    .children
                    .iter()
                    .map(ExecutionRecord::count_steps)
                    .sum::<usize>()
            })
            .sum()
    }

    /// Helper runs that were counted but not kept (`children_omitted`), here and in the nested
    /// helper records that were kept.
    pub fn count_omitted_runs(&self) -> u64 {
        self.steps
            .iter()
            .map(|s| {
                s.children_omitted.map_or(0, |o| o.total())
                    + s.children
                        .iter()
                        .map(ExecutionRecord::count_omitted_runs)
                        .sum::<u64>()
            })
            .sum()
    }
}
