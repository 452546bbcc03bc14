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

/// Receives run events. Called inline: keep it quick (hand slow work to another thread).
pub trait Observer: Send + Sync {
    /// One event.
    fn event(&self, event: &RunEvent<'_>);
}
