//! The write operations the writer thread applies, one SQL unit each.
//!
//! Callers encode records to JSON before queueing an operation, so the single writer spends its
//! time in SQLite only. Each operation runs inside the writer's batch transaction under its own
//! savepoint (see `writer.rs`): one failing operation does not undo the others.

use crate::codec::{decode, encode};
use crate::error::{At, StoreError};
use crate::types::{Dedupe, StoredInput, Tick, Unfinished};
use flow_runtime::RunError;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;

/// One write, ready to apply.
#[derive(Debug)]
pub(crate) enum WriteOp {
    /// A new root run.
    Begin {
        id: String,
        flow: String,
        started_at: String,
        started_ms: i64,
        input: String,
        save_data: bool,
        /// Whether another process may claim and resume it.
        resumable: bool,
        /// Claimed from the start by this owner for this long (milliseconds).
        claim: Option<(String, i64)>,
        /// A dedupe key and its window (milliseconds), reserved in the same savepoint as the
        /// run: both are stored or neither. When the key is held, nothing is stored and the
        /// answer is [`Dedupe::Repeat`].
        dedupe: Option<(String, i64)>,
        /// Queued rather than running: status `queued`, no owner, the next arrival number,
        /// until [`WriteOp::ClaimQueued`] takes it.
        queued: bool,
        /// The answer its caller already got (JSON, status), stored with the run (boxed: it is
        /// rare, and keeps every write small).
        response: Option<Box<(String, i64)>>,
    },
    /// A finished step of a running root run.
    SaveStep {
        id: String,
        index: i64,
        record: String,
    },
    /// A finished helper run under a step of a running root run.
    SaveChild {
        parent: String,
        step_id: String,
        index: i64,
        record: String,
    },
    /// The answer the caller got.
    SaveResponse {
        id: String,
        response: String,
        status: i64,
    },
    /// The final record of a run.
    Finish(Box<Finish>),
    /// Claims unfinished runs not held by a live owner.
    Claim { owner: String, lease_ms: i64 },
    /// Claims the `n` oldest queued runs: they become running, held by `owner`.
    ClaimQueued {
        owner: String,
        lease_ms: i64,
        n: i64,
    },
    /// Extends an owner's leases.
    Renew { owner: String, lease_ms: i64 },
    /// Ends as failed the runs that are not resumable and whose lease ran out.
    FailAbandoned,
    /// Reserves a dedupe key or reports the run that holds it.
    Dedupe {
        flow: String,
        key: String,
        window_ms: i64,
        id: String,
    },
    /// Deletes finished runs started before a time: of one flow, or of every flow but `except`.
    Prune {
        flow: Option<String>,
        before_ms: i64,
        except: Vec<String>,
    },
    /// Fires a schedule's tick at most once: records it as the flow's last tick and applies
    /// `run` (a queued [`WriteOp::Begin`]) when the recorded one is earlier.
    ClaimTick {
        flow: String,
        tick_ms: i64,
        fire_if_first: bool,
        run: Box<WriteOp>,
    },
    /// Nothing: acknowledging it proves everything queued before it is committed.
    Flush,
}

/// The columns a finished run updates.
#[derive(Debug)]
pub(crate) struct Finish {
    pub id: String,
    pub flow: String,
    pub status: String,
    pub started_at: String,
    pub started_ms: i64,
    pub duration_ms: f64,
    pub save_data: bool,
    pub record: String,
    pub response: Option<String>,
    pub response_status: Option<i64>,
    pub error: Option<String>,
}

/// What a write answers.
#[derive(Debug)]
pub(crate) enum Reply {
    /// Done, nothing to report.
    Done,
    /// The runs just claimed.
    Claimed(Vec<Unfinished>),
    /// The dedupe answer.
    Dedupe(Dedupe),
    /// How many rows were affected.
    Count(usize),
    /// What a schedule's tick did.
    Tick(Tick),
}

impl WriteOp {
    /// The root run this write belongs to (its failure is reported to that run's next call).
    pub(crate) fn run_id(&self) -> Option<&str> {
        match self {
            WriteOp::Begin { id, .. }
            | WriteOp::SaveStep { id, .. }
            | WriteOp::SaveResponse { id, .. }
            | WriteOp::Dedupe { id, .. } => Some(id),
            WriteOp::SaveChild { parent, .. } => Some(parent),
            WriteOp::Finish(f) => Some(&f.id),
            WriteOp::ClaimTick { run, .. } => run.run_id(),
            WriteOp::Claim { .. }
            | WriteOp::ClaimQueued { .. }
            | WriteOp::Renew { .. }
            | WriteOp::FailAbandoned
            | WriteOp::Prune { .. } => None,
            WriteOp::Flush => None,
        }
    }

    /// Applies the write at time `now_ms` (unix milliseconds).
    pub(crate) fn apply(
        &self,
        conn: &Connection,
        path: &Path,
        now_ms: i64,
    ) -> Result<Reply, StoreError> {
        match self {
            WriteOp::Begin {
                id,
                flow,
                started_at,
                started_ms,
                input,
                save_data,
                resumable,
                claim,
                dedupe: reserve,
                queued,
                response,
            } => {
                if let Some((key, window_ms)) = reserve
                    && let Reply::Dedupe(repeat @ Dedupe::Repeat { .. }) =
                        dedupe(conn, path, now_ms, flow, key, *window_ms, id)?
                {
                    return Ok(Reply::Dedupe(repeat));
                }
                let (owner, until) = match claim {
                    Some((owner, lease_ms)) => {
                        (Some(owner.as_str()), Some(now_ms.saturating_add(*lease_ms)))
                    }
                    None => (None, None),
                };
                let (answer, answer_status) = match response.as_deref() {
                    Some((json, status)) => (Some(json.as_str()), Some(*status)),
                    None => (None, None),
                };
                // Should this insert fail, the savepoint takes the dedupe key back with it. A
                // queued run gets the next arrival number among the queued runs, read at the end
                // of the partial index (named: without statistics the planner would rather
                // scan the status index; Postgres: a sequence).
                conn.prepare_cached(
                    "INSERT INTO executions (id, flow, started_at, started_ms, save_data, input, \
                     owner, lease_until_ms, created_ms, resumable, response, response_status, \
                     status, queue_seq) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
                     CASE WHEN $13 THEN 'queued' ELSE 'running' END, \
                     CASE WHEN $13 THEN (SELECT COALESCE(MAX(queue_seq), 0) + 1 \
                     FROM executions INDEXED BY executions_queue WHERE status = 'queued') END)",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        id,
                        flow,
                        started_at,
                        started_ms,
                        *save_data as i64,
                        input,
                        owner,
                        until,
                        now_ms,
                        *resumable as i64,
                        answer,
                        answer_status,
                        *queued
                    ])
                })
                .at(path)?;
                Ok(match reserve {
                    Some(_) => Reply::Dedupe(Dedupe::First),
                    None => Reply::Done,
                })
            }
            WriteOp::SaveStep { id, index, record } => {
                conn.prepare_cached(
                    "INSERT INTO steps (execution_id, step_index, record) VALUES ($1, $2, $3) \
                     ON CONFLICT (execution_id, step_index) DO UPDATE SET record = excluded.record",
                )
                .and_then(|mut s| s.execute(params![id, index, record]))
                .at(path)?;
                Ok(Reply::Done)
            }
            WriteOp::SaveChild {
                parent,
                step_id,
                index,
                record,
            } => {
                conn.prepare_cached(
                    "INSERT INTO children (parent_id, step_id, item_index, record) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (parent_id, step_id, item_index) \
                     DO UPDATE SET record = excluded.record",
                )
                .and_then(|mut s| s.execute(params![parent, step_id, index, record]))
                .at(path)?;
                Ok(Reply::Done)
            }
            WriteOp::SaveResponse {
                id,
                response,
                status,
            } => {
                // A run is answered once: a later answer (a resumed run's answering step runs
                // again, with no caller to hear it) leaves the one the caller got.
                let n = conn
                    .prepare_cached(
                        "UPDATE executions SET response = $1, response_status = $2 \
                         WHERE id = $3 AND response IS NULL",
                    )
                    .and_then(|mut s| s.execute(params![response, status, id]))
                    .at(path)?;
                if n == 0 && !exists(conn, path, id)? {
                    return Err(StoreError::UnknownRun(id.clone()));
                }
                Ok(Reply::Done)
            }
            WriteOp::Finish(f) => finish(conn, path, now_ms, f),
            WriteOp::ClaimTick {
                flow,
                tick_ms,
                fire_if_first,
                run,
            } => claim_tick(conn, path, now_ms, flow, *tick_ms, *fire_if_first, run),
            WriteOp::Claim { owner, lease_ms } => claim(conn, path, now_ms, owner, *lease_ms),
            WriteOp::ClaimQueued { owner, lease_ms, n } => {
                claim_queued(conn, path, now_ms, owner, *lease_ms, *n)
            }
            WriteOp::Renew { owner, lease_ms } => {
                let n = conn
                    .prepare_cached(
                        "UPDATE executions SET lease_until_ms = $1 \
                         WHERE owner = $2 AND finished_ms IS NULL",
                    )
                    .and_then(|mut s| s.execute(params![now_ms.saturating_add(*lease_ms), owner]))
                    .at(path)?;
                Ok(Reply::Count(n))
            }
            WriteOp::FailAbandoned => fail_abandoned(conn, path, now_ms),
            WriteOp::Dedupe {
                flow,
                key,
                window_ms,
                id,
            } => dedupe(conn, path, now_ms, flow, key, *window_ms, id),
            WriteOp::Prune {
                flow,
                before_ms,
                except,
            } => prune(conn, path, now_ms, flow.as_deref(), *before_ms, except),
            WriteOp::Flush => Ok(Reply::Done),
        }
    }
}

/// Whether the run `id` has a row.
fn exists(conn: &Connection, path: &Path, id: &str) -> Result<bool, StoreError> {
    conn.prepare_cached("SELECT 1 FROM executions WHERE id = $1")
        .and_then(|mut s| s.exists(params![id]))
        .at(path)
}

/// Stores the final record, releases the claim and drops the rows kept for resuming. The
/// answer stored before (the one the caller got) stays; the record's is used only when none
/// was stored.
fn finish(conn: &Connection, path: &Path, now_ms: i64, f: &Finish) -> Result<Reply, StoreError> {
    // An upsert. Callers begin their runs first (the server before it answers, `flowctl run`
    // before it runs), but a run with no row is recorded as given all the same; and a run that
    // `fail_abandoned` ended as interrupted while its process was only paused (past its lease)
    // gets its real outcome.
    conn.prepare_cached(
        "INSERT INTO executions (id, flow, status, started_at, started_ms, finished_ms, \
         duration_ms, save_data, input, response, response_status, error, record, owner, \
         lease_until_ms, created_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, $9, $10, $11, $12, NULL, NULL, $6) \
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, \
         finished_ms = excluded.finished_ms, duration_ms = excluded.duration_ms, \
         input = CASE WHEN excluded.save_data = 1 THEN executions.input ELSE NULL END, \
         response = COALESCE(executions.response, excluded.response), \
         response_status = COALESCE(executions.response_status, excluded.response_status), \
         error = excluded.error, record = excluded.record, owner = NULL, \
         lease_until_ms = NULL",
    )
    .and_then(|mut s| {
        s.execute(params![
            f.id,
            f.flow,
            f.status,
            f.started_at,
            f.started_ms,
            now_ms,
            f.duration_ms,
            f.save_data as i64,
            f.response,
            f.response_status,
            f.error,
            f.record
        ])
    })
    .at(path)?;
    conn.prepare_cached("DELETE FROM steps WHERE execution_id = $1")
        .and_then(|mut s| s.execute(params![f.id]))
        .at(path)?;
    conn.prepare_cached("DELETE FROM children WHERE parent_id = $1")
        .and_then(|mut s| s.execute(params![f.id]))
        .at(path)?;
    Ok(Reply::Done)
}

/// Claims every unfinished resumable run that has no owner, or whose owner's lease ran out. Runs
/// already held by `owner` are left out: that owner is running them. Runs that are not
/// resumable (`flowctl run`, dry runs) are never claimed: their own process runs them.
fn claim(
    conn: &Connection,
    path: &Path,
    now_ms: i64,
    owner: &str,
    lease_ms: i64,
) -> Result<Reply, StoreError> {
    // Postgres: the same UPDATE with `id IN (SELECT id ... FOR UPDATE SKIP LOCKED)`.
    let mut stmt = conn
        .prepare_cached(
            "UPDATE executions SET owner = $1, lease_until_ms = $2 \
             WHERE status = 'running' AND finished_ms IS NULL AND resumable = 1 \
             AND (owner IS NULL OR (owner <> $1 AND lease_until_ms < $3)) \
             RETURNING id, flow, started_at, input, response IS NOT NULL, queue_seq",
        )
        .at(path)?;
    let rows = stmt
        .query_map(
            params![owner, now_ms.saturating_add(lease_ms), now_ms],
            claimed_row,
        )
        .at(path)?
        .collect::<Result<Vec<_>, _>>()
        .at(path)?;
    let mut runs = unfinished(rows)?;
    runs.sort_by(|a, b| a.execution_id.cmp(&b.execution_id));
    Ok(Reply::Claimed(runs))
}

/// The columns a claim returns: id, flow, started_at, input, whether answered, arrival number.
type ClaimedRow = (String, String, String, Option<String>, bool, Option<i64>);

fn claimed_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ClaimedRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ))
}

/// Claims the `n` oldest queued runs for `owner` until now + `lease_ms`: they become running
/// (and resumable by any node should `owner` stop), and are returned in arrival order.
fn claim_queued(
    conn: &Connection,
    path: &Path,
    now_ms: i64,
    owner: &str,
    lease_ms: i64,
    n: i64,
) -> Result<Reply, StoreError> {
    // The oldest, read in order off the partial index (named, as in `Begin`). Postgres: the
    // inner SELECT takes `FOR UPDATE SKIP LOCKED`, so nodes claim apart.
    let mut stmt = conn
        .prepare_cached(
            "UPDATE executions SET status = 'running', owner = $1, lease_until_ms = $2 \
             WHERE id IN (SELECT id FROM executions INDEXED BY executions_queue \
             WHERE status = 'queued' ORDER BY queue_seq LIMIT $3) \
             RETURNING id, flow, started_at, input, response IS NOT NULL, queue_seq",
        )
        .at(path)?;
    let mut rows = stmt
        .query_map(
            params![owner, now_ms.saturating_add(lease_ms), n],
            claimed_row,
        )
        .at(path)?
        .collect::<Result<Vec<_>, _>>()
        .at(path)?;
    // RETURNING promises no order: arrival order is the queue's.
    rows.sort_by_key(|row| row.5);
    Ok(Reply::Claimed(unfinished(rows)?))
}

/// Claimed rows as runs to resume, in the order given.
fn unfinished(rows: Vec<ClaimedRow>) -> Result<Vec<Unfinished>, StoreError> {
    let mut runs = Vec::with_capacity(rows.len());
    for (execution_id, flow, started_at, input, responded, _) in rows {
        let input = match input {
            Some(text) => decode::<StoredInput>(&text)?,
            None => StoredInput::Inputs(serde_json::Value::Null),
        };
        runs.push(Unfinished {
            execution_id,
            flow,
            started_at,
            input,
            responded,
        });
    }
    Ok(runs)
}

/// Why a run that is not resumable was ended when its lease ran out.
const INTERRUPTED: &str = "the run was interrupted: the process running it stopped before it \
                           finished, and runs not accepted by a server (`flowctl run`, \
                           `flowctl replay`) are not resumed; the step in flight may or may not \
                           have taken effect";

/// Ends as failed (`interrupted`) every unfinished run that is not resumable and whose lease
/// ran out. Its duration is counted to the end of its lease; steps and helper runs it saved
/// stay (a later `get` shows them), and a late `finish` from its process still wins.
fn fail_abandoned(conn: &Connection, path: &Path, now_ms: i64) -> Result<Reply, StoreError> {
    let error = encode(&RunError {
        step: String::new(),
        kind: "interrupted".into(),
        message: INTERRUPTED.into(),
    })?;
    let n = conn
        .prepare_cached(
            "UPDATE executions SET status = 'failed', finished_ms = $1, error = $2, \
             duration_ms = CASE WHEN lease_until_ms > created_ms \
             THEN lease_until_ms - created_ms ELSE 0 END, owner = NULL, lease_until_ms = NULL \
             WHERE status = 'running' AND finished_ms IS NULL AND resumable = 0 \
             AND lease_until_ms < $1",
        )
        .and_then(|mut s| s.execute(params![now_ms, error]))
        .at(path)?;
    Ok(Reply::Count(n))
}

/// Deletes finished runs started before `before_ms` (of `flow`, or of every flow but `except`),
/// with any step and helper rows they left, and expired dedupe keys.
fn prune(
    conn: &Connection,
    path: &Path,
    now_ms: i64,
    flow: Option<&str>,
    before_ms: i64,
    except: &[String],
) -> Result<Reply, StoreError> {
    let except = encode(except)?;
    // Postgres: `flow <> ALL($3)` with a text array.
    let ids = conn
        .prepare_cached(
            "DELETE FROM executions WHERE finished_ms IS NOT NULL \
             AND started_ms < $1 AND ($2 IS NULL OR flow = $2) \
             AND flow NOT IN (SELECT value FROM json_each($3)) RETURNING id",
        )
        .and_then(|mut s| {
            s.query_map(params![before_ms, flow, except], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()
        })
        .at(path)?;
    // A finished run keeps such rows only when it was ended without a final record.
    for id in &ids {
        conn.prepare_cached("DELETE FROM steps WHERE execution_id = $1")
            .and_then(|mut s| s.execute(params![id]))
            .at(path)?;
        conn.prepare_cached("DELETE FROM children WHERE parent_id = $1")
            .and_then(|mut s| s.execute(params![id]))
            .at(path)?;
    }
    conn.prepare_cached("DELETE FROM dedupe WHERE expires_ms <= $1")
        .and_then(|mut s| s.execute(params![now_ms]))
        .at(path)?;
    Ok(Reply::Count(ids.len()))
}

/// Reserves `(flow, key)` for `id` unless a live reservation exists.
/// [`WriteOp::ClaimTick`]: the compare-and-set of the flow's last tick, and its run.
fn claim_tick(
    conn: &Connection,
    path: &Path,
    now_ms: i64,
    flow: &str,
    tick_ms: i64,
    fire_if_first: bool,
    run: &WriteOp,
) -> Result<Reply, StoreError> {
    let last = conn
        .prepare_cached("SELECT tick_ms FROM schedule_ticks WHERE flow = $1")
        .and_then(|mut s| {
            s.query_row(params![flow], |r| r.get::<_, i64>(0))
                .optional()
        })
        .at(path)?;
    let outcome = match last {
        Some(last) if last >= tick_ms => return Ok(Reply::Tick(Tick::Taken)),
        None if !fire_if_first => Tick::Recorded,
        _ => Tick::Fired,
    };
    conn.prepare_cached(
        "INSERT INTO schedule_ticks (flow, tick_ms) VALUES ($1, $2) \
         ON CONFLICT (flow) DO UPDATE SET tick_ms = excluded.tick_ms",
    )
    .and_then(|mut s| s.execute(params![flow, tick_ms]))
    .at(path)?;
    if outcome == Tick::Fired {
        run.apply(conn, path, now_ms)?;
    }
    Ok(Reply::Tick(outcome))
}

fn dedupe(
    conn: &Connection,
    path: &Path,
    now_ms: i64,
    flow: &str,
    key: &str,
    window_ms: i64,
    id: &str,
) -> Result<Reply, StoreError> {
    let held = conn
        .prepare_cached(
            "SELECT execution_id FROM dedupe WHERE flow = $1 AND key = $2 AND expires_ms > $3",
        )
        .and_then(|mut s| {
            s.query_row(params![flow, key, now_ms], |r| r.get::<_, String>(0))
                .optional()
        })
        .at(path)?;
    if let Some(first) = held {
        let response = conn
            .prepare_cached("SELECT response FROM executions WHERE id = $1")
            .and_then(|mut s| {
                s.query_row(params![first], |r| r.get::<_, Option<String>>(0))
                    .optional()
            })
            .at(path)?
            .flatten();
        let response = response.as_deref().map(decode).transpose()?;
        return Ok(Reply::Dedupe(Dedupe::Repeat {
            execution_id: first,
            response,
        }));
    }
    conn.prepare_cached(
        "INSERT INTO dedupe (flow, key, execution_id, expires_ms) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (flow, key) DO UPDATE SET execution_id = excluded.execution_id, \
         expires_ms = excluded.expires_ms",
    )
    .and_then(|mut s| s.execute(params![flow, key, id, now_ms.saturating_add(window_ms)]))
    .at(path)?;
    Ok(Reply::Dedupe(Dedupe::First))
}
