//! Writes to PostgreSQL, one statement or one transaction each, with SQLite's semantics
//! (`ops.rs`) made safe for several nodes: claims lock with `FOR UPDATE SKIP LOCKED`, a dedupe
//! key is taken with `INSERT … ON CONFLICT` (a second node waits for the first's transaction),
//! and a begin with a dedupe key is one transaction.

use super::conn::{Col, Conn, On};
use crate::codec::{decode, encode};
use crate::error::StoreError;
use crate::strip::metadata_only;
use crate::types::{Dedupe, StoredInput, Unfinished};
use flow_runtime::{ExecutionRecord, RunError};
use postgres::types::ToSql;

/// A new root run, as the columns take it.
pub(crate) struct Begin<'a> {
    pub id: &'a str,
    pub flow: &'a str,
    pub started_at: &'a str,
    pub started_ms: i64,
    pub input: String,
    pub save_data: bool,
    pub resumable: bool,
    /// The owner and the end of its lease (unix ms).
    pub claim: Option<(&'a str, i64)>,
}

const INSERT_RUN: &str = "INSERT INTO executions (id, flow, status, started_at, started_ms, \
     save_data, input, owner, lease_until_ms, created_ms, resumable) \
     VALUES ($1, $2, 'running', $3, $4, $5, $6, $7, $8, $9, $10)";

/// Takes (flow, key) for a run unless a reservation is live: a row comes back when taken.
const TAKE_KEY: &str = "INSERT INTO dedupe (flow, key, execution_id, expires_ms) \
     VALUES ($1, $2, $3, $4) ON CONFLICT (flow, key) DO UPDATE \
     SET execution_id = excluded.execution_id, expires_ms = excluded.expires_ms \
     WHERE dedupe.expires_ms <= $5 RETURNING 1";

/// The run holding (flow, key), and its answer.
const HOLDER: &str = "SELECT d.execution_id, e.response FROM dedupe d \
     LEFT JOIN executions e ON e.id = d.execution_id WHERE d.flow = $1 AND d.key = $2";

/// Queues an accepted run (status `queued`, no owner, resumable, the next arrival number)
/// with the answer its caller was given, and wakes the nodes listening for work: the
/// notification is sent when the transaction commits, so a node woken finds the run.
pub(crate) const INSERT_QUEUED: &str = "WITH queued AS (INSERT INTO executions (id, flow, status, \
     started_at, started_ms, save_data, input, created_ms, resumable, response, \
     response_status, queue_seq) \
     VALUES ($1, $2, 'queued', $3, $4, $5, $6, $7, TRUE, $8, $9, \
     nextval('executions_queue_seq')) RETURNING 1) \
     SELECT pg_notify($10, $11) FROM queued";

/// Records a run, reserving `dedupe` = (key, window ms) in the same transaction when given.
pub(crate) fn begin(
    conn: &mut Conn,
    run: &Begin<'_>,
    now_ms: i64,
    dedupe: Option<(&str, i64)>,
) -> Result<Dedupe, StoreError> {
    let insert = conn.stmt(INSERT_RUN)?;
    let (owner, until) = match run.claim {
        Some((owner, until)) => (Some(owner), Some(until)),
        None => (None, None),
    };
    let columns: [&(dyn ToSql + Sync); 10] = [
        &run.id,
        &run.flow,
        &run.started_at,
        &run.started_ms,
        &run.save_data,
        &run.input,
        &owner,
        &until,
        &now_ms,
        &run.resumable,
    ];
    insert_keyed(conn, run, &insert, &columns, now_ms, dedupe)
}

/// The channel `enqueue` notifies and [`super::listen`] listens on.
pub(crate) const CHANNEL: &str = "flowctl_queue";

/// Queues a run a server accepted, with the answer given at acceptance (JSON and status) and
/// its dedupe key in the same transaction; notifies [`CHANNEL`] with `sender` (the store's
/// own listener skips its own notifications: its node's dispatcher knows already).
pub(crate) fn enqueue(
    conn: &mut Conn,
    run: &Begin<'_>,
    response: Option<(&str, i32)>,
    now_ms: i64,
    dedupe: Option<(&str, i64)>,
    sender: &str,
) -> Result<Dedupe, StoreError> {
    let insert = conn.stmt(INSERT_QUEUED)?;
    let (answer, status) = match response {
        Some((answer, status)) => (Some(answer), Some(status)),
        None => (None, None),
    };
    let columns: [&(dyn ToSql + Sync); 11] = [
        &run.id,
        &run.flow,
        &run.started_at,
        &run.started_ms,
        &run.save_data,
        &run.input,
        &now_ms,
        &answer,
        &status,
        &CHANNEL,
        &sender,
    ];
    insert_keyed(conn, run, &insert, &columns, now_ms, dedupe)
}

/// Runs `insert` (one statement) for `run`: alone, or with the dedupe key taken first in the
/// same transaction, nothing written when the key is held.
fn insert_keyed(
    conn: &mut Conn,
    run: &Begin<'_>,
    insert: &postgres::Statement,
    columns: &[&(dyn ToSql + Sync)],
    now_ms: i64,
    dedupe: Option<(&str, i64)>,
) -> Result<Dedupe, StoreError> {
    let target = conn.target.clone();
    let Some((key, window_ms)) = dedupe else {
        // `query`: the queued form returns its notification's row.
        conn.client.query(insert, columns).on(&target)?;
        return Ok(Dedupe::First);
    };
    let (take, holder) = (conn.stmt(TAKE_KEY)?, conn.stmt(HOLDER)?);
    let mut tx = conn.client.transaction().on(&target)?;
    let expires = now_ms.saturating_add(window_ms);
    let taken = tx
        .query_opt(&take, &[&run.flow, &key, &run.id, &expires, &now_ms])
        .on(&target)?;
    if taken.is_none() {
        let row = tx.query_one(&holder, &[&run.flow, &key]).on(&target)?;
        // Nothing was written: dropping the transaction rolls it back.
        return repeat(row.col(0)?, row.col(1)?);
    }
    tx.query(insert, columns).on(&target)?;
    // Should the insert have failed, the key went back with the rolled-back transaction.
    tx.commit().on(&target)?;
    Ok(Dedupe::First)
}

fn repeat(execution_id: String, response: Option<String>) -> Result<Dedupe, StoreError> {
    Ok(Dedupe::Repeat {
        execution_id,
        response: response.as_deref().map(decode).transpose()?,
    })
}

/// Reserves (flow, key) for `id` for `window_ms`, unless a live reservation exists.
pub(crate) fn dedupe(
    conn: &mut Conn,
    flow: &str,
    key: &str,
    window_ms: i64,
    id: &str,
    now_ms: i64,
) -> Result<Dedupe, StoreError> {
    let take = conn.stmt(TAKE_KEY)?;
    let expires = now_ms.saturating_add(window_ms);
    let taken = conn
        .client
        .query_opt(&take, &[&flow, &key, &id, &expires, &now_ms])
        .on(&conn.target)?;
    if taken.is_some() {
        return Ok(Dedupe::First);
    }
    let holder = conn.stmt(HOLDER)?;
    let row = conn
        .client
        .query_one(&holder, &[&flow, &key])
        .on(&conn.target)?;
    repeat(row.col(0)?, row.col(1)?)
}

/// A finished step of a running root run (an upsert: a resumed run saves it again).
pub(crate) fn save_step(
    conn: &mut Conn,
    id: &str,
    index: i64,
    record: &str,
) -> Result<(), StoreError> {
    let s = conn.stmt(
        "INSERT INTO steps (execution_id, step_index, record) VALUES ($1, $2, $3) \
         ON CONFLICT (execution_id, step_index) DO UPDATE SET record = excluded.record",
    )?;
    conn.client
        .execute(&s, &[&id, &index, &record])
        .on(&conn.target)
        .map(drop)
}

/// A finished helper run under a step of a running root run.
pub(crate) fn save_child(
    conn: &mut Conn,
    parent: &str,
    step_id: &str,
    index: i64,
    record: &str,
) -> Result<(), StoreError> {
    let s = conn.stmt(
        "INSERT INTO children (parent_id, step_id, item_index, record) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (parent_id, step_id, item_index) \
         DO UPDATE SET record = excluded.record",
    )?;
    conn.client
        .execute(&s, &[&parent, &step_id, &index, &record])
        .on(&conn.target)
        .map(drop)
}

/// The answer the caller got; a run is answered once (the first answer stays).
pub(crate) fn save_response(
    conn: &mut Conn,
    id: &str,
    response: &str,
    status: i32,
) -> Result<(), StoreError> {
    let s = conn.stmt(
        "UPDATE executions SET response = $1, response_status = $2 \
         WHERE id = $3 AND response IS NULL",
    )?;
    let n = conn
        .client
        .execute(&s, &[&response, &status, &id])
        .on(&conn.target)?;
    if n == 0 {
        let s = conn.stmt("SELECT 1 FROM executions WHERE id = $1")?;
        if conn
            .client
            .query_opt(&s, &[&id])
            .on(&conn.target)?
            .is_none()
        {
            return Err(StoreError::UnknownRun(id.to_string()));
        }
    }
    Ok(())
}

/// The columns a finished run updates.
pub(crate) struct Finish<'a> {
    pub id: &'a str,
    pub flow: &'a str,
    pub status: &'a str,
    pub started_at: &'a str,
    pub started_ms: i64,
    pub duration_ms: f64,
    pub save_data: bool,
    pub record: String,
    pub response: Option<String>,
    pub response_status: Option<i32>,
    pub error: Option<String>,
}

impl<'a> Finish<'a> {
    /// The columns of `record` (kept whole, or as metadata only when its run said so).
    pub fn of(
        record: &'a ExecutionRecord,
        save_data: bool,
        now_ms: i64,
    ) -> Result<Finish<'a>, StoreError> {
        Ok(Finish {
            id: &record.execution_id,
            flow: &record.flow,
            status: record.status.as_str(),
            started_at: &record.started_at,
            started_ms: super::started_ms(&record.started_at, now_ms),
            duration_ms: record.duration_ms,
            save_data,
            record: if save_data {
                encode(record)?
            } else {
                encode(&metadata_only(record))?
            },
            response: record.response.as_ref().map(encode).transpose()?,
            response_status: record.response.as_ref().map(|r| i32::from(r.status)),
            error: record.error.as_ref().map(encode).transpose()?,
        })
    }
}

/// Stores the final record, releases the claim and drops the rows kept for resuming, in one
/// statement (so one round trip, and atomic). The answer stored before stays. An upsert, as
/// in SQLite: a run never begun is recorded as given; one ended as interrupted gets its real
/// outcome.
pub(crate) fn finish(conn: &mut Conn, f: &Finish<'_>, now_ms: i64) -> Result<(), StoreError> {
    let s = conn.stmt(
        "WITH up AS (INSERT INTO executions (id, flow, status, started_at, started_ms, \
         finished_ms, duration_ms, save_data, input, response, response_status, error, record, \
         owner, lease_until_ms, created_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, $9, $10, $11, $12, NULL, NULL, $6) \
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, \
         finished_ms = excluded.finished_ms, duration_ms = excluded.duration_ms, \
         input = CASE WHEN excluded.save_data THEN executions.input ELSE NULL END, \
         response = COALESCE(executions.response, excluded.response), \
         response_status = COALESCE(executions.response_status, excluded.response_status), \
         error = excluded.error, record = excluded.record, owner = NULL, \
         lease_until_ms = NULL RETURNING 1), \
         s AS (DELETE FROM steps WHERE execution_id = $1 RETURNING 1), \
         c AS (DELETE FROM children WHERE parent_id = $1 RETURNING 1) \
         SELECT (SELECT count(*) FROM up), (SELECT count(*) FROM s), (SELECT count(*) FROM c)",
    )?;
    conn.client
        .query_one(
            &s,
            &[
                &f.id,
                &f.flow,
                &f.status,
                &f.started_at,
                &f.started_ms,
                &now_ms,
                &f.duration_ms,
                &f.save_data,
                &f.response,
                &f.response_status,
                &f.error,
                &f.record,
            ],
        )
        .on(&conn.target)
        .map(drop)
}

/// Claims every unfinished resumable run with no owner or whose lease ran out (never
/// `owner`'s own), oldest first. Rows another node is claiming at the same moment are skipped,
/// not waited for.
pub(crate) fn claim(
    conn: &mut Conn,
    owner: &str,
    until_ms: i64,
    now_ms: i64,
    token: &str,
) -> Result<Vec<Unfinished>, StoreError> {
    let s = conn.stmt(
        "UPDATE executions SET owner = $1, lease_until_ms = $2, claim_token = $4 WHERE id IN ( \
         SELECT id FROM executions WHERE finished_ms IS NULL AND status = 'running' \
         AND resumable AND (owner IS NULL OR (owner <> $1 AND lease_until_ms < $3)) \
         FOR UPDATE SKIP LOCKED) \
         RETURNING id, flow, started_at, input, response IS NOT NULL",
    )?;
    let rows = conn
        .client
        .query(&s, &[&owner, &until_ms, &now_ms, &token])
        .on(&conn.target)?;
    let mut runs = rows.iter().map(unfinished).collect::<Result<Vec<_>, _>>()?;
    runs.sort_by(|a, b| a.execution_id.cmp(&b.execution_id));
    Ok(runs)
}

/// Claims the `n` oldest queued runs for `owner` until `until_ms`: they become running (and
/// resumable by any node should `owner` stop). Rows another node is claiming at the same
/// moment are skipped, not waited for; the runs come back in arrival order.
pub(crate) fn claim_queued(
    conn: &mut Conn,
    owner: &str,
    until_ms: i64,
    n: i64,
    token: &str,
) -> Result<Vec<Unfinished>, StoreError> {
    // The oldest queued rows, locked once in a materialised CTE: a subquery in `id IN (…)`
    // may be executed again for the outer scan, past its LIMIT (seen here: a claim of 2
    // returned 5). The outer `status = 'queued'` holds each row to what was locked.
    let s = conn.stmt(
        "WITH next AS MATERIALIZED (SELECT id FROM executions WHERE status = 'queued' \
         ORDER BY queue_seq LIMIT $3 FOR UPDATE SKIP LOCKED) \
         UPDATE executions e SET status = 'running', owner = $1, lease_until_ms = $2, \
         claim_token = $4 FROM next WHERE e.id = next.id AND e.status = 'queued' \
         RETURNING e.id, e.flow, e.started_at, e.input, e.response IS NOT NULL, e.queue_seq",
    )?;
    let rows = conn
        .client
        .query(&s, &[&owner, &until_ms, &n, &token])
        .on(&conn.target)?;
    let mut runs = Vec::with_capacity(rows.len());
    for r in &rows {
        let seq: Option<i64> = r.col(5)?;
        runs.push((seq, unfinished(r)?));
    }
    // RETURNING promises no order: arrival order is the queue's.
    runs.sort_by_key(|(seq, _)| *seq);
    Ok(runs.into_iter().map(|(_, run)| run).collect())
}

/// A claimed row (id, flow, started_at, input, whether answered) as a run to resume.
fn unfinished(r: &postgres::Row) -> Result<Unfinished, StoreError> {
    let input: Option<String> = r.col(3)?;
    Ok(Unfinished {
        execution_id: r.col(0)?,
        flow: r.col(1)?,
        started_at: r.col(2)?,
        input: match input {
            Some(text) => decode::<StoredInput>(&text)?,
            None => StoredInput::Inputs(serde_json::Value::Null),
        },
        responded: r.col(4)?,
    })
}

/// A claim whose caller got no answer (its connection dropped, or the call failed after the
/// statement may have run): the runs it may have taken are given back, as the claim found
/// them, since nobody runs them.
#[derive(Debug, Clone)]
pub(crate) struct Unclaim {
    /// The claim's `claim_token`.
    pub token: String,
    /// Who claimed (a run claimed since by another node, whatever its version, is left alone).
    pub owner: String,
    /// A claim of queued runs (they go back to the queue, in their place), else of unfinished
    /// runs (they lose their owner, for any node's next claim).
    pub queued: bool,
}

/// Gives back what the claim `u` took, if it took anything.
pub(crate) fn unclaim(conn: &mut Conn, u: &Unclaim) -> Result<(), StoreError> {
    let s = conn.stmt(if u.queued {
        "UPDATE executions SET status = 'queued', owner = NULL, lease_until_ms = NULL, \
         claim_token = NULL WHERE claim_token = $1 AND owner = $2 AND status = 'running' \
         AND finished_ms IS NULL"
    } else {
        "UPDATE executions SET owner = NULL, lease_until_ms = NULL, claim_token = NULL \
         WHERE claim_token = $1 AND owner = $2 AND status = 'running' AND finished_ms IS NULL"
    })?;
    conn.client
        .execute(&s, &[&u.token, &u.owner])
        .on(&conn.target)
        .map(drop)
}

/// Extends `owner`'s leases of its unfinished runs to `until_ms`.
pub(crate) fn renew(conn: &mut Conn, owner: &str, until_ms: i64) -> Result<(), StoreError> {
    let s = conn.stmt(
        "UPDATE executions SET lease_until_ms = $1 WHERE owner = $2 AND finished_ms IS NULL",
    )?;
    conn.client
        .execute(&s, &[&until_ms, &owner])
        .on(&conn.target)
        .map(drop)
}

/// Why a run that is not resumable was ended when its lease ran out. The same words as
/// SQLite's (`ops.rs`); the shared store tests hold both to them.
const INTERRUPTED: &str = "the run was interrupted: the process running it stopped before it \
                           finished, and runs not accepted by a server (`flowctl run`, \
                           `flowctl replay`) are not resumed; the step in flight may or may not \
                           have taken effect";

/// Ends as failed (`interrupted`) every unfinished run that is not resumable and whose lease
/// ran out; its duration counts to the end of its lease.
pub(crate) fn fail_abandoned(conn: &mut Conn, now_ms: i64) -> Result<usize, StoreError> {
    let error = encode(&RunError {
        step: String::new(),
        kind: "interrupted".into(),
        message: INTERRUPTED.into(),
    })?;
    let s = conn.stmt(
        "UPDATE executions SET status = 'failed', finished_ms = $1, error = $2, \
         duration_ms = CASE WHEN lease_until_ms > created_ms \
         THEN lease_until_ms - created_ms ELSE 0 END, owner = NULL, lease_until_ms = NULL \
         WHERE status = 'running' AND finished_ms IS NULL AND NOT resumable \
         AND lease_until_ms < $1",
    )?;
    let n = conn
        .client
        .execute(&s, &[&now_ms, &error])
        .on(&conn.target)?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

/// Deletes finished runs started before `before_ms` (of `flow`, or of every flow but
/// `except`), the step and helper rows they left, and expired dedupe keys; in one statement.
pub(crate) fn prune(
    conn: &mut Conn,
    flow: Option<&str>,
    before_ms: i64,
    except: &[String],
    now_ms: i64,
) -> Result<usize, StoreError> {
    let s = conn.stmt(
        "WITH gone AS (DELETE FROM executions WHERE finished_ms IS NOT NULL \
         AND started_ms < $1 AND ($2::TEXT IS NULL OR flow = $2) AND flow <> ALL($3::TEXT[]) \
         RETURNING id), \
         s AS (DELETE FROM steps WHERE execution_id IN (SELECT id FROM gone) RETURNING 1), \
         c AS (DELETE FROM children WHERE parent_id IN (SELECT id FROM gone) RETURNING 1), \
         d AS (DELETE FROM dedupe WHERE expires_ms <= $4 RETURNING 1) \
         SELECT (SELECT count(*) FROM gone), (SELECT count(*) FROM s), \
         (SELECT count(*) FROM c), (SELECT count(*) FROM d)",
    )?;
    let row = conn
        .client
        .query_one(&s, &[&before_ms, &flow, &except, &now_ms])
        .on(&conn.target)?;
    let n: i64 = row.col(0)?;
    Ok(usize::try_from(n).unwrap_or(0))
}
