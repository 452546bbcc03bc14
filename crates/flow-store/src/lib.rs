//! flowctl's store: execution records, the queue of accepted runs, the inbox of unfinished runs
//! that a restart resumes, dedupe keys and run history.
//!
//! The [`Store`] trait is what the server and the CLI use; [`SqliteStore`] is the embedded
//! implementation (one SQLite file, WAL, group commit on a writer thread). The trait makes no
//! SQLite-only assumption (claims are leases, times are unix milliseconds):
//! [`PostgresStore`] keeps the same in PostgreSQL, for several nodes sharing one database
//! (`docs/postgres.md`); [`open_url`] opens either from a `store:` setting.
//!
//! # What is durable when
//! - [`Store::begin`] (and its `_claimed`, `_deduped` forms), [`Store::enqueue`],
//!   [`Store::claim`], [`Store::save_response`],
//!   [`Store::finish`], [`Store::dedupe`], [`Store::claim_unfinished`], [`Store::renew`],
//!   [`Store::fail_abandoned`], [`Store::prune`] (and `prune_except`) and [`Store::flush`]
//!   return once their transaction has committed. Writes arriving together share one commit.
//! - [`Store::save_step`] and [`Store::save_child`] return once queued; they commit with the
//!   next batch, at once if the writer is idle. If that commit fails, the error is kept for the
//!   run: its next `save_step`/`save_child` fails with it, `save_response` reports it, and
//!   `flush` reports any kept error. A successful `finish` supersedes it (the final record
//!   holds every step).
//! - "Committed" means `synchronous=NORMAL` in WAL mode: safe if the process dies, while a
//!   power cut may lose the last commits.
//!
//! # The queue
//! A trigger server queues what it accepts ([`Store::enqueue`]: status `queued`, no owner) and
//! takes the oldest as it has room ([`Store::claim`]: status `running`, leased), so a backlog
//! lives in the store, in arrival order, and survives restarts; [`Store::queue_depth`] reports
//! it. A claimed run is an unfinished run like any other.
//!
//! # Who runs an unfinished run
//! A run a trigger server accepted is *resumable* ([`NewRun::resumable`]): its event must not be
//! lost, so when its node stops renewing its lease another node claims it and resumes it. A run
//! started by a command (`flowctl run`, `flowctl replay`, any dry run) is not: its process
//! renews its lease while it runs, no server ever claims it, and once the lease runs out
//! [`Store::fail_abandoned`] ends it as failed (`interrupted`).
//!
//! # Time
//! Leases, dedupe windows, the end of abandoned runs and the running time of unfinished runs
//! are measured on a [`Clock`]: the system clock, or one passed to
//! [`SqliteStore::open_with_clock`] / [`SqliteStore::open_in_memory_with_clock`] (a
//! [`ManualClock`] in tests, moved explicitly). Start times come from the records.
//!
//! # What is read back
//! Everything written: records are stored as JSON at most 512 levels deep (deeper ones are
//! refused with [`StoreError::TooDeep`]) and read back without serde_json's limit of 128, so a
//! value accepted 127 levels deep stays readable inside its record.
//!
//! # Secrets
//! The store writes exactly what it is given. Masking (secret headers as `***`, tokens in
//! URLs) happens upstream, in the runtime and the server, before a value reaches the store.
//!
//! # Not here
//! Running flows (flow-runtime) and deciding when to resume or dedupe (flow-server).

mod clock;
mod codec;
mod error;
mod history;
mod open;
mod ops;
mod postgres;
mod schema;
mod sqlite;
mod strip;
mod tables;
mod types;
mod writer;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::StoreError;
pub use open::{display_url, open_url};
pub use postgres::{POSTGRES_SCHEMA_VERSION, PostgresOptions, PostgresStore};
pub use schema::SUPPORTED as SCHEMA_VERSION;
pub use sqlite::SqliteStore;
pub use tables::SqliteTables;
pub use types::{
    Dedupe, ListFilter, NewRun, Progress, QueueDepth, RunSummary, StoredInput, Tick, Unfinished,
};

use flow_model::tables::{TableError, TableStore, Tables};
use flow_runtime::{ExecutionRecord, ResponseRecord, StepRecord};
use std::sync::Arc;
use std::time::Duration;

/// Everything a run needs to be stored durably and resumed. Designed so a Postgres
/// implementation can follow: no SQLite-only assumptions (claims use leases).
///
/// Every method blocks; async callers use `tokio::task::spawn_blocking`. Implementations are
/// shared between threads.
pub trait Store: Send + Sync {
    /// Records a run before it starts (a server: before its caller is answered). Durable when
    /// it returns Ok (committed; group commit may batch it with other writes waiting at the same
    /// moment). The run has no owner: when it is resumable, any node's
    /// [`Store::claim_unfinished`] may take it; when it is not, it holds no lease either, so it
    /// stays running until [`Store::finish`] (use [`Store::begin_claimed`] and renew instead).
    fn begin(&self, run: &NewRun) -> Result<(), StoreError>;
    /// [`Store::begin`], with the run claimed by `owner` until now + `lease`, so other nodes'
    /// claims leave it alone while `owner` runs it and renews its leases. A run that is not
    /// resumable and whose lease runs out is ended by [`Store::fail_abandoned`].
    fn begin_claimed(&self, run: &NewRun, owner: &str, lease: Duration) -> Result<(), StoreError>;
    /// [`Store::begin_claimed`] for a delivery with a dedupe key, atomically: reserves
    /// (`run.flow`, `key`) for the run for `window` and records the run in one transaction, so
    /// either both are stored or neither is; a begin that fails leaves no key behind to answer
    /// the sender's retry as a duplicate of a run that was never stored. When the key is held
    /// within its window, nothing is recorded and the answer is [`Dedupe::Repeat`] (as
    /// [`Store::dedupe`] gives it); otherwise [`Dedupe::First`].
    fn begin_deduped(
        &self,
        run: &NewRun,
        owner: &str,
        lease: Duration,
        key: &str,
        window: Duration,
    ) -> Result<Dedupe, StoreError>;
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
    /// The answer the caller got. Durable when it returns. A run is answered once: when an
    /// answer is stored already (a resumed run's answering step runs again, with no caller to
    /// hear it), the first one stays.
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
    ///
    /// Callers begin every run they finish (the server before answering, `flowctl run` before
    /// running), but a run with no row is recorded as it is given. A run that
    /// [`Store::fail_abandoned`] ended as interrupted (its process was paused past its lease,
    /// not dead) is overwritten with the outcome given here.
    ///
    /// A record without `trigger` whose run was begun with a request input is read back with
    /// the trigger rebuilt from that input, so a caller may leave it out rather than store the
    /// request twice.
    ///
    /// The record's `response` is kept only when no answer was stored before: a run resumed
    /// after a crash answers again to nobody, and its record is read back with the answer its
    /// caller got (see [`Store::save_response`]).
    fn finish(&self, record: &ExecutionRecord) -> Result<(), StoreError>;
    /// [`Store::save_response`] without waiting for the commit: batched like
    /// [`Store::save_step`], for a server that must not wait on the disk once it has answered.
    /// A failed commit is reported by [`Store::flush`].
    fn queue_response(
        &self,
        execution_id: &str,
        response: &ResponseRecord,
    ) -> Result<(), StoreError> {
        self.save_response(execution_id, response)
    }
    /// [`Store::finish`] without waiting for the commit, batched like [`Store::save_step`]; a
    /// failed commit is reported by [`Store::flush`]. Until it commits, the run stays
    /// unfinished, so a crash in between means it is resumed, never lost.
    fn queue_finish(&self, record: &ExecutionRecord) -> Result<(), StoreError> {
        self.finish(record)
    }
    /// Commits everything queued; reports a failed batched write, if one is unreported.
    fn flush(&self) -> Result<(), StoreError>;
    /// Unfinished resumable root runs not claimed by a live owner (no owner, or a lease that
    /// ran out; never `owner`'s own): claims them for `owner` until now + `lease`, oldest
    /// first. Runs that are not resumable ([`NewRun::resumable`]) are never returned.
    fn claim_unfinished(&self, owner: &str, lease: Duration)
    -> Result<Vec<Unfinished>, StoreError>;
    /// Extends the leases of `owner`'s unfinished runs to now + `lease`.
    fn renew(&self, owner: &str, lease: Duration) -> Result<(), StoreError>;
    /// Ends as failed, with error kind `interrupted`, every unfinished run that is not
    /// resumable and whose lease ran out (its process stopped without finishing it, and nobody
    /// resumes it); returns how many. Their duration counts to the end of the lease. Servers
    /// call it as they claim; history commands before they read.
    fn fail_abandoned(&self) -> Result<usize, StoreError>;
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
    /// Deletes finished runs (of `flow`, or of every flow) that started before `before` (unix
    /// seconds), and expired dedupe keys; returns how many runs.
    fn prune(&self, flow: Option<&str>, before: i64) -> Result<usize, StoreError>;
    /// [`Store::prune`] for every flow except those named in `except` (the flows whose own
    /// retention is pruned apart).
    fn prune_except(&self, except: &[String], before: i64) -> Result<usize, StoreError>;
    /// Queues a run a trigger server accepted, in one transaction with its dedupe key and the
    /// answer its caller was given at acceptance (if any): either all of it is stored or none.
    /// Durable when it returns Ok, like [`Store::begin`].
    ///
    /// The run is `queued`: unfinished, resumable (whatever `run.resumable` says), owned by
    /// nobody, and numbered in arrival order. [`Store::claim`] takes it; until then
    /// [`Store::claim_unfinished`], [`Store::renew`] and [`Store::fail_abandoned`] leave it alone,
    /// and it survives restarts as it is. With `dedupe` (key, window), a key held within its
    /// window means nothing is stored and the answer is [`Dedupe::Repeat`] (as
    /// [`Store::begin_deduped`]); otherwise [`Dedupe::First`]. A `response` is kept as the run's
    /// answer: [`Store::save_response`] and [`Store::finish`] never replace it, and a repeated
    /// delivery is answered with it.
    ///
    /// SQL: one `INSERT` (status `queued`, `queue_seq` from a sequence) beside the dedupe row.
    fn enqueue(
        &self,
        run: &NewRun,
        dedupe: Option<(&str, Duration)>,
        response: Option<&ResponseRecord>,
    ) -> Result<Dedupe, StoreError>;
    /// Takes up to `n` queued runs, oldest first (arrival order, so per flow too): each becomes
    /// `running`, claimed by `owner` until now + `lease` (renewed by [`Store::renew`]; should
    /// `owner` stop, another node's [`Store::claim_unfinished`] resumes it). Returns them in
    /// arrival order, with their inputs and whether their caller was answered
    /// ([`Unfinished::responded`]). Two nodes claiming at once never get the same run.
    ///
    /// SQL: `UPDATE … SET status = 'running', owner, lease WHERE id IN (SELECT id … WHERE
    /// status = 'queued' ORDER BY queue_seq LIMIT n FOR UPDATE SKIP LOCKED) RETURNING …`.
    fn claim(&self, n: usize, owner: &str, lease: Duration) -> Result<Vec<Unfinished>, StoreError>;
    /// The backlog per flow (flows with queued runs only, by name): how many runs are queued
    /// and how long the oldest has waited.
    fn queue_depth(&self) -> Result<Vec<QueueDepth>, StoreError>;
    /// Fires tick `tick_ms` (unix milliseconds) of the scheduled flow `run.flow` at most once,
    /// whichever nodes ask: in one transaction, when the flow's last recorded tick is earlier
    /// (or none is recorded and `fire_if_first`), records `tick_ms` as its last tick and queues
    /// `run` as [`Store::enqueue`] does ([`Tick::Fired`]); when none is recorded and not
    /// `fire_if_first`, records `tick_ms` only ([`Tick::Recorded`]: a server starting for the
    /// first time notes where the schedule stands, it does not fire a tick from before it
    /// existed); when the recorded tick is `tick_ms` or later, stores nothing ([`Tick::Taken`]).
    /// Durable when it returns Ok.
    ///
    /// SQL (one transaction): `SELECT tick_ms FROM schedule_ticks WHERE flow = $1` (Postgres:
    /// `FOR UPDATE`; a first row is `INSERT … ON CONFLICT (flow) DO NOTHING` and, when that
    /// inserted nothing, another node won: [`Tick::Taken`]), then `INSERT INTO schedule_ticks
    /// (flow, tick_ms) VALUES ($1, $2) ON CONFLICT (flow) DO UPDATE SET tick_ms =
    /// excluded.tick_ms` and the queued run's `INSERT`, as [`Store::enqueue`].
    fn claim_tick(
        &self,
        run: &NewRun,
        tick_ms: i64,
        fire_if_first: bool,
    ) -> Result<Tick, StoreError>;
    /// A cheap query proving the database answers (for `/readyz`).
    fn health(&self) -> Result<(), StoreError>;
    /// Blocks until another process may have queued work ([`Store::enqueue`] on a shared
    /// store) or `timeout` passes: true when woken, false when the time ran out. A server's
    /// idle node calls it in a loop and claims when woken, so work another node accepted starts
    /// at once. PostgreSQL: `LISTEN`, woken by the `NOTIFY` each enqueue commits with (a dropped
    /// connection is an error; the next call reconnects). The default sleeps `timeout` and
    /// answers false: a store only this process uses has nothing to wait for.
    fn wait_for_work(&self, timeout: Duration) -> Result<bool, StoreError> {
        std::thread::sleep(timeout);
        Ok(false)
    }

    /// The project's tables (`tables:` in `flowctl.yaml`) kept in this store as SQL tables,
    /// created or extended to match `defs` (`SqliteTables`, `PostgresTables`: the same SQL
    /// builders in two dialects). A store that keeps no tables answers [`TableError::NoStore`].
    fn tables(self: Arc<Self>, defs: &Tables) -> Result<Arc<dyn TableStore>, TableError> {
        let _ = defs;
        Err(TableError::NoStore)
    }
}
