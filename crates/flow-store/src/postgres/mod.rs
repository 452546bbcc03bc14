//! [`PostgresStore`]: the store in a PostgreSQL database, which several `flowctl serve` nodes
//! can share.
//!
//! The client is the synchronous `postgres` crate (tokio-postgres driven by a small runtime of
//! its own per connection) behind an `r2d2` pool: the [`Store`] trait blocks, and its callers
//! are on blocking threads (`spawn_blocking`, the server's store thread, commands), where the
//! client's `block_on` is allowed. A call from an async task's own thread would panic; the
//! trait forbids it for every store.
//!
//! Every call checks a connection out of the pool (checked first with an empty query, so one
//! the server closed while idle is replaced), runs one statement or one transaction, and
//! returns it. As in SQLite, `save_step`, `save_child`, `queue_response` and `queue_finish`
//! only queue their write: the queue is committed in one transaction by [`Store::flush`] or by
//! the store's next other call, which follows it (`batch.rs`); dropping the store commits it
//! too. When the server is down, calls fail with [`StoreError::Unavailable`] after the
//! checkout timeout; the first call after it is back reconnects.
//!
//! Time (leases, dedupe windows) is the node's [`Clock`], as in SQLite: nodes sharing a
//! database need synchronised clocks (NTP), and leases far longer than their skew.
//!
//! The URL's password is kept out of every error: errors name the store by [`redact`]ed URL.

mod batch;
mod conn;
mod listen;
mod reads;
mod schema;
mod tables;
mod ticks;
mod writes;

pub use conn::{PostgresOptions, redact};
pub use schema::SUPPORTED as POSTGRES_SCHEMA_VERSION;

use crate::Store;
use crate::clock::{Clock, SystemClock};
use crate::codec::encode;
use crate::error::StoreError;
use crate::types::{
    Dedupe, ListFilter, NewRun, Progress, QueueDepth, RunSummary, StoredInput, Tick, Unfinished,
};
use conn::{Conn, Manager, On, Target};
use flow_runtime::{ExecutionRecord, ResponseRecord, StepRecord};
use std::sync::Arc;
use std::time::Duration;

/// The PostgreSQL store.
pub struct PostgresStore {
    /// Taken by `drop` only.
    pool: Option<r2d2::Pool<Manager>>,
    /// Writes waiting for the next commit, and the failures of those that did not commit.
    batch: batch::Batch,
    /// The database, as errors name it (no password).
    target: Arc<Target>,
    /// Claims that failed after their statement may have run, to be given back.
    unclaims: std::sync::Mutex<Vec<writes::Unclaim>>,
    /// The connection listening for other nodes' enqueues ([`Store::wait_for_work`]).
    listener: listen::Listener,
    /// Now, for leases, dedupe windows and the elapsed time of unfinished runs.
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("url", &self.target.label)
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Connects to `url` (`postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`, with the client's
    /// query parameters such as `connect_timeout` or `options`) and applies the missing
    /// migrations.
    ///
    /// Errors: a URL that does not parse → [`StoreError::Unsupported`]; a server that cannot be
    /// reached in time → [`StoreError::Unavailable`]; refused credentials or a missing database
    /// → [`StoreError::Io`]; a schema from a newer flowctl → [`StoreError::NewerSchema`].
    pub fn open(url: &str) -> Result<PostgresStore, StoreError> {
        PostgresStore::open_with(url, &PostgresOptions::default(), Arc::new(SystemClock))
    }

    /// [`PostgresStore::open`] with time read from `clock` (tests move a
    /// [`ManualClock`](crate::ManualClock) instead of waiting).
    pub fn open_with_clock(url: &str, clock: Arc<dyn Clock>) -> Result<PostgresStore, StoreError> {
        PostgresStore::open_with(url, &PostgresOptions::default(), clock)
    }

    /// [`PostgresStore::open`] with the pool's limits and a clock.
    pub fn open_with(
        url: &str,
        options: &PostgresOptions,
        clock: Arc<dyn Clock>,
    ) -> Result<PostgresStore, StoreError> {
        let (config, target) = conn::config(url, options)?;
        let target = Arc::new(target);
        let listener = listen::Listener::new(config.clone(), target.clone());
        let manager = Manager {
            config,
            target: target.clone(),
        };
        // One connection made here, so a wrong URL or a server that is down fails the open
        // with the connection's own error (not the pool's timeout); it applies the migrations.
        // On a thread of its own, so a caller inside a tokio runtime may open the store.
        std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    let mut first = r2d2::ManageConnection::connect(&manager)?;
                    schema::migrate(&mut first.client, &target)
                })
                .join()
                .unwrap_or_else(|_| {
                    Err(StoreError::Database(format!(
                        "{}: the thread opening the store stopped",
                        target.label
                    )))
                })
        })?;
        let pool = r2d2::Pool::builder()
            .max_size(options.max_connections.max(1))
            .min_idle(Some(1))
            .connection_timeout(options.checkout_timeout)
            .test_on_check_out(true)
            .error_handler(Box::new(r2d2::NopErrorHandler))
            .build_unchecked(manager);
        Ok(PostgresStore {
            pool: Some(pool),
            batch: batch::Batch::default(),
            target,
            unclaims: std::sync::Mutex::new(Vec::new()),
            listener,
            clock,
        })
    }

    /// The store's URL as errors and logs show it (no password).
    pub fn url(&self) -> &str {
        &self.target.label
    }

    /// Runs `f` on a pooled connection, after the writes queued before it are committed (by
    /// this call, or by the one committing them now): every call sees, and follows, the writes
    /// queued before it.
    fn with<T>(&self, f: impl FnOnce(&mut Conn) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let pool = self.pool.as_ref().ok_or(StoreError::Closed)?;
        let mut conn = pool.get().map_err(|e| self.target.pool_error(&e))?;
        self.batch.commit(&mut conn, self.now())?;
        self.give_back(&mut conn)?;
        f(&mut conn)
    }

    /// Gives back what failed claims may have taken (see [`PostgresStore::claiming`]); those
    /// that fail again stay for the next call.
    fn give_back(&self, conn: &mut Conn) -> Result<(), StoreError> {
        let mut unclaims = self
            .unclaims
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while let Some(u) = unclaims.first() {
            writes::unclaim(conn, u)?;
            unclaims.remove(0);
        }
        Ok(())
    }

    /// Runs a claim under a new token. When it fails, its statement may still have committed
    /// (a connection that dropped before the answer came back): the runs it took would be
    /// held by this node, their leases renewed, and run by nobody. So they are given back,
    /// by the next call that reaches the database, before it does anything else.
    fn claiming(
        &self,
        owner: &str,
        queued: bool,
        claim: impl FnOnce(&mut Conn, &str) -> Result<Vec<Unfinished>, StoreError>,
    ) -> Result<Vec<Unfinished>, StoreError> {
        let token = uuid::Uuid::new_v4().simple().to_string();
        let claimed = self.with(|c| claim(c, &token));
        if claimed.is_err() {
            self.unclaims
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(writes::Unclaim {
                    token,
                    owner: owner.to_string(),
                    queued,
                });
        }
        claimed
    }

    /// Queues a write for the next commit, unless an earlier write of its run failed (then
    /// that failure is the answer, as from SQLite's writer).
    fn queue(&self, run: &str, write: batch::Queued) -> Result<(), StoreError> {
        if let Some(e) = self.batch.peek(run) {
            return Err(e);
        }
        self.batch.push(write);
        Ok(())
    }

    fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    fn begin_with(
        &self,
        run: &NewRun,
        claim: Option<(&str, Duration)>,
        dedupe: Option<(&str, Duration)>,
    ) -> Result<Dedupe, StoreError> {
        let now = self.now();
        let mut begin = columns(run, now)?;
        begin.claim = claim.map(|(owner, lease)| (owner, now.saturating_add(millis(lease))));
        let dedupe = dedupe.map(|(key, window)| (key, millis(window)));
        self.with(|c| writes::begin(c, &begin, now, dedupe))
    }
}

impl Drop for PostgresStore {
    /// Closes the connections on a thread of its own: the client closes one by blocking on its
    /// own runtime, which a thread of a tokio runtime may not do (the server drops its store
    /// as its runtime ends).
    fn drop(&mut self) {
        let Some(pool) = self.pool.take() else {
            return;
        };
        let batch = std::mem::take(&mut self.batch);
        let listening = self.listener.take();
        let now = self.now();
        // What is queued is committed first; a failure has nobody left to report to.
        let closing = std::thread::spawn(move || {
            if !batch.is_empty()
                && let Ok(mut conn) = pool.get()
            {
                let _ = batch.commit(&mut conn, now);
            }
            drop(pool);
            drop(listening);
        });
        // A panic while closing leaves nothing to clean up.
        let _ = closing.join();
    }
}

/// The columns of a new run, unclaimed.
fn columns(run: &NewRun, now: i64) -> Result<writes::Begin<'_>, StoreError> {
    Ok(writes::Begin {
        id: &run.execution_id,
        flow: &run.flow,
        started_at: &run.started_at,
        started_ms: started_ms(&run.started_at, now),
        input: encode(&run.input)?,
        save_data: run.save_data,
        resumable: run.resumable,
        claim: None,
    })
}

/// Milliseconds since the Unix epoch of an RFC 3339 time (`now_ms` when it does not parse).
pub(crate) fn started_ms(started_at: &str, now_ms: i64) -> i64 {
    use time::format_description::well_known::Rfc3339;
    match time::OffsetDateTime::parse(started_at, &Rfc3339) {
        Ok(t) => i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(0),
        Err(_) => now_ms,
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

fn index(i: usize) -> i64 {
    i64::try_from(i).unwrap_or(i64::MAX)
}

impl Store for PostgresStore {
    fn begin(&self, run: &NewRun) -> Result<(), StoreError> {
        self.begin_with(run, None, None).map(drop)
    }

    fn begin_claimed(&self, run: &NewRun, owner: &str, lease: Duration) -> Result<(), StoreError> {
        self.begin_with(run, Some((owner, lease)), None).map(drop)
    }

    fn begin_deduped(
        &self,
        run: &NewRun,
        owner: &str,
        lease: Duration,
        key: &str,
        window: Duration,
    ) -> Result<Dedupe, StoreError> {
        self.begin_with(run, Some((owner, lease)), Some((key, window)))
    }

    fn save_step(
        &self,
        execution_id: &str,
        step_index: usize,
        step: &StepRecord,
    ) -> Result<(), StoreError> {
        let record = encode(step)?;
        self.queue(
            execution_id,
            batch::Queued::Step {
                id: execution_id.to_string(),
                index: index(step_index),
                record,
            },
        )
    }

    fn save_child(
        &self,
        parent_id: &str,
        step_id: &str,
        child: &ExecutionRecord,
    ) -> Result<(), StoreError> {
        let record = encode(child)?;
        self.queue(
            parent_id,
            batch::Queued::Child {
                parent: parent_id.to_string(),
                step_id: step_id.to_string(),
                index: index(child.index.unwrap_or(0)),
                record,
            },
        )
    }

    fn save_response(
        &self,
        execution_id: &str,
        response: &ResponseRecord,
    ) -> Result<(), StoreError> {
        let text = encode(response)?;
        let status = i32::from(response.status);
        self.with(|c| writes::save_response(c, execution_id, &text, status))?;
        match self.batch.take(execution_id) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn queue_response(
        &self,
        execution_id: &str,
        response: &ResponseRecord,
    ) -> Result<(), StoreError> {
        self.batch.push(batch::Queued::Response {
            id: execution_id.to_string(),
            response: encode(response)?,
            status: i32::from(response.status),
        });
        Ok(())
    }

    fn finish(&self, record: &ExecutionRecord) -> Result<(), StoreError> {
        let now = self.now();
        self.with(|c| {
            let save_data = reads::save_data(c, &record.execution_id)?.unwrap_or(true);
            writes::finish(c, &writes::Finish::of(record, save_data, now)?, now)
        })?;
        // The final record holds every step: a step row that failed to save is superseded.
        drop(self.batch.take(&record.execution_id));
        Ok(())
    }

    fn queue_finish(&self, record: &ExecutionRecord) -> Result<(), StoreError> {
        // Refused now, as SQLite refuses it, rather than at the commit.
        encode(record)?;
        self.batch
            .push(batch::Queued::Finish(Box::new(record.clone())));
        Ok(())
    }

    /// Commits what is queued; reports a write that failed, if one is unreported.
    fn flush(&self) -> Result<(), StoreError> {
        if self.batch.is_empty() {
            self.batch.settle();
        } else {
            self.with(|_| Ok(()))?;
        }
        match self.batch.take_any() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn claim_unfinished(
        &self,
        owner: &str,
        lease: Duration,
    ) -> Result<Vec<Unfinished>, StoreError> {
        let now = self.now();
        let until = now.saturating_add(millis(lease));
        self.claiming(owner, false, |c, token| {
            writes::claim(c, owner, until, now, token)
        })
    }

    fn renew(&self, owner: &str, lease: Duration) -> Result<(), StoreError> {
        let until = self.now().saturating_add(millis(lease));
        self.with(|c| writes::renew(c, owner, until))
    }

    fn fail_abandoned(&self) -> Result<usize, StoreError> {
        let now = self.now();
        self.with(|c| writes::fail_abandoned(c, now))
    }

    fn progress(&self, execution_id: &str) -> Result<Progress, StoreError> {
        self.with(|c| reads::progress(c, execution_id))
    }

    fn dedupe(
        &self,
        flow: &str,
        key: &str,
        window: Duration,
        execution_id: &str,
    ) -> Result<Dedupe, StoreError> {
        let now = self.now();
        self.with(|c| writes::dedupe(c, flow, key, millis(window), execution_id, now))
    }

    fn list(&self, filter: &ListFilter) -> Result<Vec<RunSummary>, StoreError> {
        self.with(|c| reads::list(c, filter))
    }

    fn get(&self, execution_id: &str) -> Result<Option<ExecutionRecord>, StoreError> {
        let now = self.now();
        self.with(|c| reads::get(c, execution_id, now))
    }

    fn input(&self, execution_id: &str) -> Result<Option<StoredInput>, StoreError> {
        self.with(|c| reads::input(c, execution_id))
    }

    fn prune(&self, flow: Option<&str>, before: i64) -> Result<usize, StoreError> {
        let now = self.now();
        self.with(|c| writes::prune(c, flow, before.saturating_mul(1000), &[], now))
    }

    fn prune_except(&self, except: &[String], before: i64) -> Result<usize, StoreError> {
        let now = self.now();
        self.with(|c| writes::prune(c, None, before.saturating_mul(1000), except, now))
    }

    fn enqueue(
        &self,
        run: &NewRun,
        dedupe: Option<(&str, Duration)>,
        response: Option<&ResponseRecord>,
    ) -> Result<Dedupe, StoreError> {
        let now = self.now();
        let begin = columns(run, now)?;
        let answer = response.map(encode).transpose()?;
        let answer = answer.as_deref().zip(response.map(|r| i32::from(r.status)));
        let dedupe = dedupe.map(|(key, window)| (key, millis(window)));
        self.with(|c| writes::enqueue(c, &begin, answer, now, dedupe, &self.listener.me))
    }

    fn claim(&self, n: usize, owner: &str, lease: Duration) -> Result<Vec<Unfinished>, StoreError> {
        if n == 0 {
            return Ok(Vec::new());
        }
        let until = self.now().saturating_add(millis(lease));
        let n = i64::try_from(n).unwrap_or(i64::MAX);
        self.claiming(owner, true, |c, token| {
            writes::claim_queued(c, owner, until, n, token)
        })
    }

    fn claim_tick(
        &self,
        run: &NewRun,
        tick_ms: i64,
        fire_if_first: bool,
    ) -> Result<Tick, StoreError> {
        let now = self.now();
        let begin = columns(run, now)?;
        self.with(|c| ticks::claim_tick(c, &begin, now, tick_ms, fire_if_first, &self.listener.me))
    }

    fn queue_depth(&self) -> Result<Vec<QueueDepth>, StoreError> {
        let now = self.now();
        self.with(|c| reads::queue_depth(c, now))
    }

    fn wait_for_work(&self, timeout: Duration) -> Result<bool, StoreError> {
        self.listener.wait(timeout)
    }

    fn tables(
        self: Arc<Self>,
        defs: &flow_model::tables::Tables,
    ) -> Result<Arc<dyn flow_model::tables::TableStore>, flow_model::tables::TableError> {
        // On a thread of its own, as the store's open: `flowctl serve` opens the tables from
        // inside its tokio runtime, where the synchronous client may not block.
        let opened = std::thread::scope(|scope| {
            scope
                .spawn(|| tables::PostgresTables::open(self, defs))
                .join()
                .unwrap_or_else(|_| {
                    Err(flow_model::tables::TableError::Store(
                        "the thread opening the tables stopped".into(),
                    ))
                })
        })?;
        Ok(Arc::new(opened))
    }

    fn health(&self) -> Result<(), StoreError> {
        self.with(|c| {
            let s = c.stmt("SELECT 1 FROM executions LIMIT 1")?;
            c.client.query(&s, &[]).on(&c.target).map(drop)
        })
    }
}
