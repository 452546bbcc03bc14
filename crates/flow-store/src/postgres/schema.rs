//! The PostgreSQL schema as numbered migrations, applied at open and recorded in the table
//! `flowctl_schema` (one row per applied version).
//!
//! A migration is appended, never edited. Each runs in its own transaction holding an advisory
//! lock, so nodes starting together apply it once; a database whose version is newer than
//! [`SUPPORTED`] (a newer flowctl migrated it) is refused with
//! [`StoreError::NewerSchema`], never downgraded.
//!
//! The tables are SQLite's (`schema.rs`) with native types: booleans for flags, BIGINT unix
//! milliseconds for times. Records stay JSON text, not `jsonb`: they are read back byte for
//! byte (key order kept), and the store never queries inside them.

use super::conn::{Col, On, Target};
use crate::error::StoreError;
use postgres::Client;

/// Migrations by version: `MIGRATIONS[0]` takes an empty database to version 1.
const MIGRATIONS: &[&str] = &[
    // 1: runs, their in-flight steps and helper runs, dedupe keys; the indexes of the history
    // list (newest first: of all flows, of one flow, of one status) and of claims.
    "CREATE TABLE executions (
        id              TEXT PRIMARY KEY,
        flow            TEXT NOT NULL,
        status          TEXT NOT NULL,
        started_at      TEXT NOT NULL,
        started_ms      BIGINT NOT NULL,
        finished_ms     BIGINT,
        duration_ms     DOUBLE PRECISION,
        save_data       BOOLEAN NOT NULL,
        resumable       BOOLEAN NOT NULL DEFAULT FALSE,
        input           TEXT,
        response        TEXT,
        response_status INTEGER,
        error           TEXT,
        record          TEXT,
        owner           TEXT,
        lease_until_ms  BIGINT,
        created_ms      BIGINT NOT NULL
    );
    CREATE INDEX executions_started ON executions (started_ms DESC, id DESC);
    CREATE INDEX executions_flow_started ON executions (flow, started_ms DESC, id DESC);
    CREATE INDEX executions_status_started ON executions (status, started_ms DESC, id DESC);
    CREATE INDEX executions_unfinished ON executions (owner) WHERE finished_ms IS NULL;
    CREATE TABLE steps (
        execution_id TEXT NOT NULL,
        step_index   BIGINT NOT NULL,
        record       TEXT NOT NULL,
        PRIMARY KEY (execution_id, step_index)
    );
    CREATE TABLE children (
        parent_id  TEXT NOT NULL,
        step_id    TEXT NOT NULL,
        item_index BIGINT NOT NULL,
        record     TEXT NOT NULL,
        PRIMARY KEY (parent_id, step_id, item_index)
    );
    CREATE TABLE dedupe (
        flow         TEXT NOT NULL,
        key          TEXT NOT NULL,
        execution_id TEXT NOT NULL,
        expires_ms   BIGINT NOT NULL,
        PRIMARY KEY (flow, key)
    );
    CREATE INDEX dedupe_expires ON dedupe (expires_ms);",
    // 2: the queue of accepted runs not yet started (`Store::enqueue`, `Store::claim`): status
    // `queued`, no owner, and an arrival number from a sequence; the partial index holds only
    // queued runs, so a claim reads the oldest off its head and the backlog is counted without
    // scanning finished history. Added columns only: version 1 keeps working on it.
    "ALTER TABLE executions ADD COLUMN queue_seq BIGINT;
    CREATE SEQUENCE executions_queue_seq;
    CREATE INDEX executions_queue ON executions (queue_seq) WHERE status = 'queued';",
    // 3: `claim_token` names the claim that took a run, so a claim whose answer was lost with
    // its connection can be given back (`writes::unclaim`). A column added: version 2 keeps
    // working on it (its claims leave it empty).
    "ALTER TABLE executions ADD COLUMN claim_token TEXT;",
    // 4: the last tick fired of each scheduled flow (`Store::claim_tick`): one row per flow,
    // compared and set in the transaction that queues the tick's run.
    "CREATE TABLE schedule_ticks (flow TEXT PRIMARY KEY, tick_ms BIGINT NOT NULL);",
    // 5: history paged newest first by the key (started_ms, id), over all flows, one flow or
    // one status (`ListFilter::before`): a page is an index range, however deep.
    "CREATE INDEX executions_started_id ON executions (started_ms, id);
    CREATE INDEX executions_flow_started_id ON executions (flow, started_ms, id);
    CREATE INDEX executions_status_started_id ON executions (status, started_ms, id);",
];

/// The newest schema version this build knows.
pub const SUPPORTED: i64 = MIGRATIONS.len() as i64;

/// The advisory lock migrations hold (any fixed number; "flowctl" in ASCII).
const LOCK: i64 = 0x0066_6c6f_7763_746c;

/// The version table, created before anything else.
const VERSIONS: &str = "CREATE TABLE IF NOT EXISTS flowctl_schema (
    version    BIGINT PRIMARY KEY,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)";

/// Refuses a database migrated by a newer flowctl.
fn check_not_newer(found: i64, target: &Target) -> Result<(), StoreError> {
    if found > SUPPORTED {
        return Err(StoreError::NewerSchema {
            path: target.label.clone().into(),
            found,
            supported: SUPPORTED,
        });
    }
    Ok(())
}

/// Applies the missing migrations, each in its own transaction under the advisory lock.
pub(crate) fn migrate(client: &mut Client, target: &Target) -> Result<(), StoreError> {
    loop {
        let mut tx = client.transaction().on(target)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK])
            .on(target)?;
        tx.batch_execute(VERSIONS).on(target)?;
        let found: i64 = tx
            .query_one(
                "SELECT COALESCE(MAX(version), 0)::BIGINT FROM flowctl_schema",
                &[],
            )
            .on(target)?
            .col(0)?;
        check_not_newer(found, target)?;
        let Some(sql) = usize::try_from(found).ok().and_then(|v| MIGRATIONS.get(v)) else {
            return tx.commit().on(target);
        };
        tx.batch_execute(sql).on(target)?;
        tx.execute(
            "INSERT INTO flowctl_schema (version) VALUES ($1)",
            &[&(found + 1)],
        )
        .on(target)?;
        tx.commit().on(target)?;
    }
}
