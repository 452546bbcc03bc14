//! The database schema as numbered migrations, applied in order and recorded in
//! `PRAGMA user_version`.
//!
//! A migration is appended, never edited: a file at version N gets migrations N+1.. on open. A
//! file whose version is newer than [`SUPPORTED`] is refused, never downgraded or reset. The SQL
//! is plain (TEXT, INTEGER, BIGINT, DOUBLE PRECISION, `ON CONFLICT`), so a Postgres store can
//! start from the same statements; times are unix milliseconds (integers compare the same in
//! both and need no date functions).

use crate::error::{At, StoreError};
use rusqlite::Connection;
use std::path::Path;

/// Migrations by version: `MIGRATIONS[0]` takes a file from version 0 to 1.
const MIGRATIONS: &[&str] = &[
    // 1: runs, their in-flight steps and helper runs, dedupe keys.
    "CREATE TABLE executions (
        id              TEXT PRIMARY KEY,
        flow            TEXT NOT NULL,
        status          TEXT NOT NULL,
        started_at      TEXT NOT NULL,
        started_ms      BIGINT NOT NULL,
        finished_ms     BIGINT,
        duration_ms     DOUBLE PRECISION,
        save_data       INTEGER NOT NULL,
        input           TEXT,
        response        TEXT,
        response_status INTEGER,
        error           TEXT,
        record          TEXT,
        owner           TEXT,
        lease_until_ms  BIGINT,
        created_ms      BIGINT NOT NULL
    );
    CREATE INDEX executions_flow_started ON executions (flow, started_ms);
    CREATE INDEX executions_started ON executions (started_ms);
    CREATE INDEX executions_status ON executions (status);
    CREATE TABLE steps (
        execution_id TEXT NOT NULL,
        step_index   INTEGER NOT NULL,
        record       TEXT NOT NULL,
        PRIMARY KEY (execution_id, step_index)
    );
    CREATE TABLE children (
        parent_id  TEXT NOT NULL,
        step_id    TEXT NOT NULL,
        item_index INTEGER NOT NULL,
        record     TEXT NOT NULL,
        PRIMARY KEY (parent_id, step_id, item_index)
    );
    CREATE TABLE dedupe (
        flow         TEXT NOT NULL,
        key          TEXT NOT NULL,
        execution_id TEXT NOT NULL,
        expires_ms   BIGINT NOT NULL,
        PRIMARY KEY (flow, key)
    );",
    // 2: which unfinished runs another process may resume (`NewRun::resumable`): the runs a
    // trigger server accepted. A run started by a command (`flowctl run`) is never claimed; its
    // process renews a lease, and once that runs out the run is ended as interrupted.
    // Version 1 began server runs claimed (an owner from the start) and command runs with no
    // owner; the latter held no lease either, so they are given one that has run out: the next
    // check ends them as interrupted, unless their process still finishes them.
    "ALTER TABLE executions ADD COLUMN resumable INTEGER NOT NULL DEFAULT 0;
    UPDATE executions SET resumable = 1 WHERE finished_ms IS NULL AND owner IS NOT NULL;
    UPDATE executions SET lease_until_ms = 0 WHERE finished_ms IS NULL AND owner IS NULL;",
    // 3: the queue of accepted runs not yet started (`Store::enqueue`, `Store::claim`): status
    // `queued`, no owner, and an arrival number; the partial index holds only queued runs, so
    // taking the oldest and counting the backlog never scan finished history.
    "ALTER TABLE executions ADD COLUMN queue_seq BIGINT;
    CREATE INDEX executions_queue ON executions (queue_seq) WHERE status = 'queued';",
    // 4: the last tick of each scheduled flow that was fired (`Store::claim_tick`), so a tick
    // is fired by one node only, and a tick missed while no server ran is found at start.
    "CREATE TABLE schedule_ticks (
        flow    TEXT PRIMARY KEY,
        tick_ms BIGINT NOT NULL
    );",
    // 5: history paged newest first by the key (started_ms, id), over all flows, one flow or
    // one status (`ListFilter::before`): a page is an index range, however deep.
    "CREATE INDEX executions_started_id ON executions (started_ms, id);
    CREATE INDEX executions_flow_started_id ON executions (flow, started_ms, id);
    CREATE INDEX executions_status_started_id ON executions (status, started_ms, id);",
];

/// The newest schema version this build knows.
pub const SUPPORTED: i64 = MIGRATIONS.len() as i64;

/// The schema version recorded in the file (0 for a new file).
pub(crate) fn version(conn: &Connection, path: &Path) -> Result<i64, StoreError> {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
        .at(path)
}

/// Refuses a file written by a newer flowctl.
pub(crate) fn check_not_newer(conn: &Connection, path: &Path) -> Result<i64, StoreError> {
    let found = version(conn, path)?;
    if found > SUPPORTED {
        return Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found,
            supported: SUPPORTED,
        });
    }
    Ok(found)
}

/// Applies the missing migrations, each in its own immediate transaction (so two processes
/// opening the same new file do not both apply one).
pub(crate) fn migrate(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    loop {
        conn.execute_batch("BEGIN IMMEDIATE").at(path)?;
        let result = step(conn, path);
        match result {
            Ok(true) => conn.execute_batch("COMMIT").at(path)?,
            Ok(false) => {
                conn.execute_batch("COMMIT").at(path)?;
                return Ok(());
            }
            Err(e) => {
                // The error is what matters; a failed rollback leaves nothing more to do.
                let _ = conn.execute_batch("ROLLBACK");
                return Err(e);
            }
        }
    }
}

/// Applies the next migration inside the open transaction; false when none is left.
fn step(conn: &Connection, path: &Path) -> Result<bool, StoreError> {
    let found = check_not_newer(conn, path)?;
    let Some(sql) = usize::try_from(found).ok().and_then(|v| MIGRATIONS.get(v)) else {
        return Ok(false);
    };
    conn.execute_batch(sql).at(path)?;
    conn.pragma_update(None, "user_version", found + 1)
        .at(path)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_a_new_database_once() {
        let conn = Connection::open_in_memory().unwrap();
        let path = Path::new(":memory:");
        migrate(&conn, path).unwrap();
        assert_eq!(version(&conn, path).unwrap(), SUPPORTED);
        migrate(&conn, path).unwrap();
        assert_eq!(version(&conn, path).unwrap(), SUPPORTED);
    }

    #[test]
    fn version_2_tells_server_runs_from_command_runs() {
        let conn = Connection::open_in_memory().unwrap();
        let path = Path::new(":memory:");
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        // A server run (claimed from the start), a `flowctl run` run (no owner), a finished run.
        conn.execute_batch(
            "INSERT INTO executions (id, flow, status, started_at, started_ms, save_data, \
             owner, lease_until_ms, created_ms, finished_ms) VALUES \
             ('server', 'f', 'running', 't', 1, 1, 'node-1', 99, 1, NULL), \
             ('cli', 'f', 'running', 't', 1, 1, NULL, NULL, 1, NULL), \
             ('done', 'f', 'succeeded', 't', 1, 1, NULL, NULL, 1, 2);",
        )
        .unwrap();
        migrate(&conn, path).unwrap();
        assert_eq!(version(&conn, path).unwrap(), SUPPORTED);
        let mut stmt = conn
            .prepare("SELECT id, resumable, lease_until_ms FROM executions ORDER BY id")
            .unwrap();
        let rows: Vec<(String, bool, Option<i64>)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            rows,
            [
                ("cli".to_string(), false, Some(0)),
                ("done".to_string(), false, None),
                ("server".to_string(), true, Some(99)),
            ]
        );
    }
}
