//! flowctl's store: execution records, the inbox of accepted runs that a restart resumes,
//! dedupe keys and run history.
//!
//! The [`Store`] trait is what the server and the CLI use; [`SqliteStore`] is the embedded
//! implementation (one SQLite file, WAL, group commit on a writer thread). The trait makes no
//! SQLite-only assumption (claims are leases, times are unix milliseconds), so a Postgres store
//! for several nodes can follow.
//!
//! # What is durable when
//! - [`Store::begin`], [`Store::save_response`], [`Store::finish`], [`Store::dedupe`],
//!   [`Store::claim_unfinished`], [`Store::renew`], [`Store::prune`] and [`Store::flush`] return
//!   once their transaction has committed. Writes arriving together share one commit.
//! - [`Store::save_step`] and [`Store::save_child`] return once queued; they commit with the
//!   next batch, at once if the writer is idle. If that commit fails, the error is kept for the
//!   run: its next `save_step`/`save_child` fails with it, `save_response` reports it, and
//!   `flush` reports any kept error. A successful `finish` supersedes it (the final record
//!   holds every step).
//! - "Committed" means `synchronous=NORMAL` in WAL mode: safe if the process dies, while a
//!   power cut may lose the last commits.
//!
//! # Secrets
//! The store writes exactly what it is given. Masking (secret headers as `***`, tokens in
//! URLs) happens upstream, in the runtime and the server, before a value reaches the store.
//!
//! # Not here
//! Running flows (flow-runtime) and deciding when to resume or dedupe (flow-server).

mod error;
mod history;
mod ops;
mod schema;
mod sqlite;
mod strip;
mod types;
mod writer;

pub use error::StoreError;
pub use schema::SUPPORTED as SCHEMA_VERSION;
pub use sqlite::SqliteStore;
pub use types::{Dedupe, ListFilter, NewRun, Progress, RunSummary, StoredInput, Unfinished};

use flow_runtime::{ExecutionRecord, ResponseRecord, StepRecord};
use std::time::Duration;

/// Everything a run needs to be stored durably and resumed. Designed so a Postgres
/// implementation can follow: no SQLite-only assumptions (claims use leases).
///
/// Every method blocks; async callers use `tokio::task::spawn_blocking`. Implementations are
/// shared between threads.
pub trait Store: Send + Sync {
    /// Records an accepted run before its caller is answered. Durable when it returns Ok
    /// (committed; group commit may batch it with other writes waiting at the same moment).
    /// The run has no owner: any node's [`Store::claim_unfinished`] may take it.
    fn begin(&self, run: &NewRun) -> Result<(), StoreError>;
    /// [`Store::begin`], with the run claimed by `owner` until now + `lease`, so other nodes'
    /// claims leave it alone while `owner` runs it and renews its leases.
    fn begin_claimed(&self, run: &NewRun, owner: &str, lease: Duration) -> Result<(), StoreError>;
    /// A finished step of a root run, by its index in file order. Batched: durable after the
    /// next commit (within milliseconds, or at [`Store::flush`]).
    fn save_step(
        &self,
        execution_id: &str,
        step_index: usize,
        step: &StepRecord,
    ) -> Result<(), StoreError>;
    /// A finished helper run (its whole record, with `index` set for list items; a single call
    /// is item 0) under the step of the root run that called it. Batched like `save_step`.
    fn save_child(
        &self,
        parent_id: &str,
        step_id: &str,
        child: &ExecutionRecord,
    ) -> Result<(), StoreError>;
    /// The answer the caller got. Durable when it returns.
    fn save_response(
        &self,
        execution_id: &str,
        response: &ResponseRecord,
    ) -> Result<(), StoreError>;
    /// The run ended: stores its final record (helper runs included), marks it finished,
    /// releases its claim and drops the per-step and per-child rows kept for resuming.
    ///
    /// For a run begun with `save_data: false` only metadata is kept: the record loses the
    /// request body and query, helper inputs, step inputs and outputs, HTTP bodies, headers and
    /// URL paths, response body and headers, and the output (helper runs likewise); the trigger
    /// input is
    /// dropped (no replay). Status, timing, step ids, statuses, attempts and errors stay. The
    /// response column keeps the full answer, since a repeated delivery is answered with it.
    /// A run never begun is recorded as it is given.
    fn finish(&self, record: &ExecutionRecord) -> Result<(), StoreError>;
    /// Commits everything queued; reports a failed batched write, if one is unreported.
    fn flush(&self) -> Result<(), StoreError>;
    /// Unfinished root runs not claimed by a live owner (no owner, or a lease that ran out;
    /// never `owner`'s own): claims them for `owner` until now + `lease`, oldest first.
    fn claim_unfinished(&self, owner: &str, lease: Duration)
    -> Result<Vec<Unfinished>, StoreError>;
    /// Extends the leases of `owner`'s unfinished runs to now + `lease`.
    fn renew(&self, owner: &str, lease: Duration) -> Result<(), StoreError>;
    /// What an unfinished run already did: its finished steps (by step index), its finished
    /// helper runs (by (step id, item index)) and its response.
    fn progress(&self, execution_id: &str) -> Result<Progress, StoreError>;
    /// Dedupe of deliveries: the first call for (flow, key) within `window` reserves the key
    /// for `execution_id` and returns [`Dedupe::First`]; later calls within the window return
    /// [`Dedupe::Repeat`] with the first run's id and response (None while it has not
    /// answered). Expired keys are reused.
    fn dedupe(
        &self,
        flow: &str,
        key: &str,
        window: Duration,
        execution_id: &str,
    ) -> Result<Dedupe, StoreError>;
    /// Past and running runs, newest first.
    fn list(&self, filter: &ListFilter) -> Result<Vec<RunSummary>, StoreError>;
    /// One run's record: the final record when finished; for an unfinished run, one assembled
    /// from its begin data, saved steps and helper runs (status running, output null).
    fn get(&self, execution_id: &str) -> Result<Option<ExecutionRecord>, StoreError>;
    /// The trigger input of a run, for replay (None if unknown or not kept).
    fn input(&self, execution_id: &str) -> Result<Option<StoredInput>, StoreError>;
    /// Deletes finished runs that started before `before` (unix seconds), and expired dedupe
    /// keys; returns how many runs.
    fn prune(&self, flow: Option<&str>, before: i64) -> Result<usize, StoreError>;
    /// A cheap query proving the database answers (for `/readyz`).
    fn health(&self) -> Result<(), StoreError>;
}
