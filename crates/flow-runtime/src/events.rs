//! Typed events a run emits; the store, metrics and live traces subscribe as [`Observer`]s.

use crate::record::{ExecutionRecord, ResponseRecord, StepRecord};

/// Where a helper run was called from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parent<'a> {
    /// The calling run.
    pub execution_id: &'a str,
    /// The calling step.
    pub step: &'a str,
}

/// Something that happened in a run.
#[derive(Debug)]
pub enum RunEvent<'a> {
    /// A run began.
    RunStarted {
        /// Its id.
        execution_id: &'a str,
        /// The flow.
        flow: &'a str,
        /// The caller, for helper runs.
        parent: Option<Parent<'a>>,
    },
    /// A step finished (succeeded, failed or skipped). Steps reused when a run resumes are not
    /// reported again.
    StepFinished {
        /// The run.
        execution_id: &'a str,
        /// The flow.
        flow: &'a str,
        /// The step's position in the flow.
        index: usize,
        /// The step's record (children included).
        step: &'a StepRecord,
        /// The caller, for helper runs.
        parent: Option<Parent<'a>>,
    },
    /// The caller of an endpoint flow got its answer.
    Responded {
        /// The run.
        execution_id: &'a str,
        /// The answer.
        response: &'a ResponseRecord,
    },
    /// An attempt failed and will be retried.
    Retrying {
        /// The flow.
        flow: &'a str,
        /// The step.
        step: &'a str,
        /// The card kind.
        card: &'a str,
        /// The error kind.
        kind: &'a str,
    },
    /// A run ended.
    RunFinished {
        /// The whole record.
        record: &'a ExecutionRecord,
        /// The caller, for helper runs.
        parent: Option<Parent<'a>>,
    },
}

/// A run that `flow.call_async` starts: offered to the observers before the engine runs it
/// itself ([`Observer::launch`]).
#[derive(Debug, Clone, Copy)]
pub struct Launch<'a> {
    /// The new run's execution id (the step's output `run_id`).
    pub execution_id: &'a str,
    /// The helper flow.
    pub flow: &'a str,
    /// Its inputs.
    pub inputs: &'a serde_json::Value,
    /// The helper flow's `history.save_data`.
    pub save_data: bool,
    /// The run and step that started it.
    pub parent: Parent<'a>,
}

/// A `flow.wait` step of a run began to wait ([`Observer::waiting`]).
#[derive(Debug, Clone, Copy)]
pub struct Waiting<'a> {
    /// The run.
    pub execution_id: &'a str,
    /// The waiting step's id.
    pub step: &'a str,
    /// When it wakes up, Unix milliseconds.
    pub until_ms: i64,
}

/// Receives run events. Called inline: keep it quick (hand slow work to another thread).
pub trait Observer: Send + Sync {
    /// One event.
    fn event(&self, event: &RunEvent<'_>);

    /// Takes a run `flow.call_async` starts, to run it apart from its parent (a server queues
    /// it in its store, so a crash does not lose it): true when taken, and the engine does not
    /// run it. The default leaves it: an engine whose observers take none runs the child itself,
    /// beside its parent, and the parent's run returns once the child finished.
    fn launch(&self, run: &Launch<'_>) -> bool {
        let _ = run;
        false
    }

    /// A step began to wait until a time (`flow.wait`): a server keeps that time in its store,
    /// so a run resumed after a restart wakes at the same time.
    fn waiting(&self, wait: &Waiting<'_>) {
        let _ = wait;
    }
}
