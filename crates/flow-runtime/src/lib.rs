//! The engine: runs a compiled [`flow_compile::Plan`] against a trigger and produces an
//! [`ExecutionRecord`].
//!
//! Ready steps run concurrently inside the run's task; each attempt has a timeout; retryable
//! failures wait for the server's hint or an exponential backoff with jitter; `list.for_each`
//! and friends run helper flows through a per-step [`flow_card::FlowCaller`], so child records
//! nest under their step. Step outputs are `Arc<Value>`s written once and read in place by later
//! templates. Observers (the store, metrics, a live trace) receive typed [`RunEvent`]s; the
//! engine itself prints nothing.
//!
//! Everything recorded passes through one place before any observer or caller sees it: each
//! step record, answer and run record has the project's secret values masked
//! ([`project_secrets`]) and counts against `limits:` (a value's size and nesting, the run's
//! record size, the item records a list step keeps).

mod block;
mod caller;
mod connect;
mod engine;
mod events;
mod mask;
mod record;
mod retry;
mod run;
mod scope;
mod trigger;

pub use connect::{ConnectError, NoTransport, connect, connect_all, project_secrets};
pub use engine::{Engine, Intercept, Resume, RunOptions, new_execution_id};
pub use events::{Launch, Observer, Parent, RunEvent, Waiting};
pub use record::{
    ExecutionRecord, OmittedRuns, ResponseRecord, RunError, RunStatus, StepRecord, StepStatus,
};
pub use retry::backoff_delay;
pub use trigger::{
    RunInput, TriggerRequest, event_request, mask_headers, tick_request, trigger_value,
};
