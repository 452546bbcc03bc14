//! PostgreSQL's group commit: the writes that may wait (`save_step`, `save_child`,
//! `queue_response`, `queue_finish`) are queued and committed together, in one transaction on
//! one connection, by the next [`Store::flush`](crate::Store::flush) (the server flushes after
//! every batch it hands over) or by the next write of the same run that waits for its commit.
//!
//! When a batch fails, its writes are applied again one by one, so one bad write does not undo
//! the others; a write that still fails is kept as its run's failure, reported as SQLite's
//! writer reports it (the run's next `save_step`/`save_child`, its `save_response`, or `flush`).
//! When the connection dropped instead, no write is at fault: they all stay queued, for the
//! next call (an outage or a restart loses none of them).
//! Batches commit one at a time and in the order their writes were queued.

use super::conn::{Conn, On};
use super::{reads, writes};
use crate::error::StoreError;
use flow_runtime::ExecutionRecord;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// A write waiting for the next commit (records already encoded, except a final record: whether
/// it keeps its data is read in the commit's transaction).
#[derive(Debug)]
pub(crate) enum Queued {
    Step {
        id: String,
        index: i64,
        record: String,
    },
    Child {
        parent: String,
        step_id: String,
        index: i64,
        record: String,
    },
    Response {
        id: String,
        response: String,
        status: i32,
    },
    Finish(Box<ExecutionRecord>),
}

impl Queued {
    /// The root run the write belongs to.
    fn run_id(&self) -> &str {
        match self {
            Queued::Step { id, .. } | Queued::Response { id, .. } => id,
            Queued::Child { parent, .. } => parent,
            Queued::Finish(record) => &record.execution_id,
        }
    }

    fn apply(&self, c: &mut Conn, now_ms: i64) -> Result<(), StoreError> {
        match self {
            Queued::Step { id, index, record } => writes::save_step(c, id, *index, record),
            Queued::Child {
                parent,
                step_id,
                index,
                record,
            } => writes::save_child(c, parent, step_id, *index, record),
            Queued::Response {
                id,
                response,
                status,
            } => writes::save_response(c, id, response, *status),
            Queued::Finish(record) => {
                let save_data = reads::save_data(c, &record.execution_id)?.unwrap_or(true);
                writes::finish(c, &writes::Finish::of(record, save_data, now_ms)?, now_ms)
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The queue, the failures kept by run, and the lock that makes commits one at a time.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    queued: Mutex<Vec<Queued>>,
    failures: Mutex<HashMap<String, StoreError>>,
    /// Held while a batch commits, so batches land in the order they were taken.
    committing: Mutex<()>,
}

impl Batch {
    /// Queues a write.
    pub fn push(&self, write: Queued) {
        lock(&self.queued).push(write);
    }

    /// Waits for a batch another call is committing.
    pub fn settle(&self) {
        drop(lock(&self.committing));
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        lock(&self.queued).is_empty()
    }

    /// Commits everything queued, in one transaction; the writes of a failed batch one by one,
    /// keeping each failure for its run. Errors only when the connection fails (the writes stay
    /// queued then, for the next call).
    pub fn commit(&self, c: &mut Conn, now_ms: i64) -> Result<(), StoreError> {
        let _one_at_a_time = lock(&self.committing);
        let writes = std::mem::take(&mut *lock(&self.queued));
        if writes.is_empty() {
            return Ok(());
        }
        let target = c.target.clone();
        if let Err(e) = c.client.batch_execute("BEGIN").on(&target) {
            // Nothing was tried.
            self.requeue(writes);
            return Err(e);
        }
        let together = writes
            .iter()
            .try_for_each(|w| w.apply(c, now_ms))
            .and_then(|()| c.client.batch_execute("COMMIT").on(&target));
        let lost = match together {
            Ok(()) => return Ok(()),
            Err(e) => c.client.is_closed().then_some(e),
        };
        if let Some(e) = lost {
            // The connection dropped (an outage, a restart): none of the writes is at fault,
            // and each one would fail alone too. Back at the head of the queue, in order, for
            // the next call's connection; every write is an upsert, so one that did commit
            // before the connection dropped is applied again harmlessly.
            self.requeue(writes);
            return Err(e);
        }
        // A failed statement aborted the transaction (a failed COMMIT ended it).
        let _ = c.client.batch_execute("ROLLBACK");
        let mut failures = lock(&self.failures);
        for w in &writes {
            if let Err(e) = w.apply(c, now_ms) {
                failures.insert(w.run_id().to_string(), e);
            }
        }
        Ok(())
    }

    /// Puts `writes` back at the head of the queue, before what was queued since, in order.
    fn requeue(&self, writes: Vec<Queued>) {
        let mut queued = lock(&self.queued);
        let later = std::mem::replace(&mut *queued, writes);
        queued.extend(later);
    }

    /// The failure kept for `run`, left in place.
    pub fn peek(&self, run: &str) -> Option<StoreError> {
        lock(&self.failures).get(run).cloned()
    }

    /// The failure kept for `run`, removed.
    pub fn take(&self, run: &str) -> Option<StoreError> {
        lock(&self.failures).remove(run)
    }

    /// Any failure kept, removed (with the others: `flush` reports one for all).
    pub fn take_any(&self) -> Option<StoreError> {
        let mut failures = lock(&self.failures);
        let first = failures.values().next().cloned();
        failures.clear();
        first
    }
}
