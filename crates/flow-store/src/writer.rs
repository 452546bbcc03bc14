//! Group commit: one thread owns the write connection and commits queued writes together.
//!
//! Callers send operations over a channel. The thread takes the first, then whatever else is
//! already waiting (up to [`MAX_BATCH`]), applies them in one transaction with a savepoint
//! each, commits once, and only then answers the operations that wait for an answer. No timer
//! is involved: while one commit runs, the next batch queues up, so a lone caller pays one
//! commit and many callers share one.
//!
//! A write nobody waits for (a step, a helper run) that fails is kept by run id in
//! [`Failures`]; the store reports it on that run's next call, or on `flush`.
//!
//! With no read connection (an in-memory database), reads are sent here too and run between
//! transactions, so they see every write queued before them.

use crate::clock::Clock;
use crate::error::{At, StoreError};
use crate::ops::{Reply, WriteOp};
use rusqlite::Connection;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

/// The most operations one transaction takes.
pub(crate) const MAX_BATCH: usize = 512;

/// The answer channel of one acknowledged write.
type Ack = SyncSender<Result<Reply, StoreError>>;

/// A read run on the writer's connection.
type ReadJob = Box<dyn FnOnce(&Connection) + Send>;

/// What the writer thread is sent.
enum Msg {
    /// A write; `ack` is answered after its transaction commits (or fails).
    Write { op: WriteOp, ack: Option<Ack> },
    /// A read to run on the write connection (in-memory stores only).
    Read(ReadJob),
}

/// Failures of unacknowledged writes, by run id, not yet reported.
#[derive(Debug, Default, Clone)]
pub(crate) struct Failures(Arc<Mutex<HashMap<String, StoreError>>>);

impl Failures {
    fn record(&self, run: &str, e: StoreError) {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        map.entry(run.to_string()).or_insert(e);
    }

    /// Takes the failure kept for `run`.
    pub(crate) fn take(&self, run: &str) -> Option<StoreError> {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        map.remove(run)
    }

    /// The failure kept for `run`, left in place.
    pub(crate) fn peek(&self, run: &str) -> Option<StoreError> {
        let map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(run).cloned()
    }

    /// Takes every failure kept; returns one of them.
    pub(crate) fn take_any(&self) -> Option<StoreError> {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let first = map.values().next().cloned();
        map.clear();
        first
    }
}

/// The handle to the writer thread. Dropping it commits what is queued and joins the thread.
pub(crate) struct Writer {
    tx: Option<Sender<Msg>>,
    thread: Option<JoinHandle<()>>,
    failures: Failures,
}

impl Writer {
    /// Starts the writer thread on `conn`; each batch is applied at `clock`'s time.
    pub(crate) fn start(
        conn: Connection,
        path: PathBuf,
        clock: Arc<dyn Clock>,
    ) -> Result<Writer, StoreError> {
        let (tx, rx) = mpsc::channel();
        let failures = Failures::default();
        let kept = failures.clone();
        let thread = std::thread::Builder::new()
            .name("flow-store-writer".into())
            .spawn(move || run(conn, &path, rx, &kept, &*clock))
            .map_err(|e| StoreError::Database(format!("cannot start the store writer: {e}")))?;
        Ok(Writer {
            tx: Some(tx),
            thread: Some(thread),
            failures,
        })
    }

    /// The failures of unacknowledged writes.
    pub(crate) fn failures(&self) -> &Failures {
        &self.failures
    }

    fn send(&self, msg: Msg) -> Result<(), StoreError> {
        self.tx
            .as_ref()
            .ok_or(StoreError::Closed)?
            .send(msg)
            .map_err(|_| StoreError::Closed)
    }

    /// Queues a write and waits until its transaction committed.
    pub(crate) fn call(&self, op: WriteOp) -> Result<Reply, StoreError> {
        let (ack, answer) = mpsc::sync_channel(1);
        self.send(Msg::Write { op, ack: Some(ack) })?;
        answer.recv().map_err(|_| StoreError::Closed)?
    }

    /// Queues a write without waiting; it is committed with the next batch.
    pub(crate) fn post(&self, op: WriteOp) -> Result<(), StoreError> {
        self.send(Msg::Write { op, ack: None })
    }

    /// Runs a read on the write connection, after everything queued before it.
    pub(crate) fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let (tx, rx) = mpsc::sync_channel(1);
        self.send(Msg::Read(Box::new(move |conn| {
            // The reader may have given up waiting; nothing to do then.
            let _ = tx.send(f(conn));
        })))?;
        rx.recv().map_err(|_| StoreError::Closed)?
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        // Closing the channel lets the thread commit what is queued and return.
        self.tx = None;
        if let Some(thread) = self.thread.take() {
            // A panicked writer has nothing left to commit; dropping must not panic in turn.
            let _ = thread.join();
        }
    }
}

/// The writer thread's loop: batch, apply, commit, answer.
fn run(conn: Connection, path: &Path, rx: Receiver<Msg>, failures: &Failures, clock: &dyn Clock) {
    let mut writes: Vec<(WriteOp, Option<Ack>)> = Vec::with_capacity(MAX_BATCH);
    while let Ok(first) = rx.recv() {
        let mut next = Some(first);
        let mut taken = 0;
        while let Some(msg) = next.take() {
            taken += 1;
            match msg {
                Msg::Write { op, ack } => writes.push((op, ack)),
                Msg::Read(job) => {
                    commit_batch(&conn, path, &mut writes, failures, clock);
                    job(&conn);
                }
            }
            if taken < MAX_BATCH {
                next = rx.try_recv().ok();
            }
        }
        commit_batch(&conn, path, &mut writes, failures, clock);
    }
}

/// Which writes a later write of the same batch makes moot: a run's step, helper-run and
/// response rows are kept only for resuming, and its final record (later in the batch) holds
/// them all and drops those rows anyway. Skipping them saves a write and a delete each.
fn superseded(writes: &[(WriteOp, Option<Ack>)]) -> Vec<bool> {
    let mut finish_at: HashMap<&str, usize> = HashMap::new();
    for (at, (op, _)) in writes.iter().enumerate() {
        if let WriteOp::Finish(f) = op {
            finish_at.insert(f.id.as_str(), at);
        }
    }
    if finish_at.is_empty() {
        return Vec::new();
    }
    writes
        .iter()
        .enumerate()
        .map(|(at, (op, _))| match op {
            WriteOp::SaveStep { .. } | WriteOp::SaveChild { .. } | WriteOp::SaveResponse { .. } => {
                op.run_id()
                    .and_then(|id| finish_at.get(id))
                    .is_some_and(|finish| *finish > at)
            }
            _ => false,
        })
        .collect()
}

/// Applies `writes` in one transaction, commits, answers each and empties `writes`.
fn commit_batch(
    conn: &Connection,
    path: &Path,
    writes: &mut Vec<(WriteOp, Option<Ack>)>,
    failures: &Failures,
    clock: &dyn Clock,
) {
    if writes.is_empty() {
        return;
    }
    let now = clock.now_ms();
    let superseded = superseded(writes);
    let mut results: Vec<Result<Reply, StoreError>> = Vec::with_capacity(writes.len());
    let outcome = (|| -> Result<(), StoreError> {
        conn.execute_batch("BEGIN IMMEDIATE").at(path)?;
        for (at, (op, _)) in writes.iter().enumerate() {
            if superseded.get(at).copied().unwrap_or(false) {
                results.push(Ok(Reply::Done));
                continue;
            }
            conn.prepare_cached("SAVEPOINT op")
                .and_then(|mut s| s.execute([]))
                .at(path)?;
            match op.apply(conn, path, now) {
                Ok(reply) => {
                    conn.prepare_cached("RELEASE op")
                        .and_then(|mut s| s.execute([]))
                        .at(path)?;
                    results.push(Ok(reply));
                }
                Err(e) => {
                    if conn.is_autocommit() {
                        // SQLite rolled the whole transaction back (it may on SQLITE_FULL):
                        // the writes before this one are gone too.
                        return Err(e);
                    }
                    conn.execute_batch("ROLLBACK TO op; RELEASE op").at(path)?;
                    results.push(Err(e));
                }
            }
        }
        conn.execute_batch("COMMIT").at(path)
    })();
    if let Err(e) = outcome {
        if !conn.is_autocommit() {
            // The commit error is what the callers learn; the rollback only cleans up.
            let _ = conn.execute_batch("ROLLBACK");
        }
        results = writes.iter().map(|_| Err(e.clone())).collect();
    }
    for ((op, ack), result) in writes.drain(..).zip(results) {
        match ack {
            // A caller that stopped waiting no longer needs the answer.
            Some(ack) => drop(ack.send(result)),
            None => {
                if let (Err(e), Some(run)) = (result, op.run_id()) {
                    failures.record(run, e);
                }
            }
        }
    }
}
