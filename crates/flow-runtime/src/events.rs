//! Typed events a run emits; the store, metrics and live traces subscribe as [`Observer`]s.

use crate::record::{ExecutionRecord, StepRecord};

/// Something that happened in a run.
#[derive(Debug)]
pub enum RunEvent<'a> {
    /// A run began.
    RunStarted {
        /// Its id.
        execution_id: &'a str,
        /// The flow.
        flow: &'a str,
        /// The parent run, for helper runs.
        parent: Option<&'a str>,
    },
    /// A step finished (succeeded, failed or skipped).
    StepFinished {
        /// The run.
        execution_id: &'a str,
        /// The flow.
        flow: &'a str,
        /// The step's record (without children).
        step: &'a StepRecord,
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
        /// True for helper runs.
        child: bool,
    },
}

/// Receives run events. Called inline: keep it quick.
pub trait Observer: Send + Sync {
    /// One event.
    fn event(&self, event: &RunEvent<'_>);
}
