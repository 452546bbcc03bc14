//! Reads from PostgreSQL: run history (list, get, input), what an unfinished run already did
//! (progress), and the lookups writes need. Records are assembled by the code SQLite's reads
//! use (`history.rs`), so both stores show a run the same way.

use super::conn::{Col, Conn, On};
use crate::codec::decode;
use crate::error::StoreError;
use crate::history::{self, Row};
use crate::types::{ListFilter, Progress, QueueDepth, RunSummary, StoredInput};
use flow_runtime::{ExecutionRecord, ResponseRecord};
use postgres::types::ToSql;

/// The history list, one statement per combination of filters so each uses its index.
/// Past runs, newest first: only the conditions the filter sets, all as parameters (as the
/// SQLite store builds it), so each shape of query uses its index (`executions_started_id`,
/// `executions_flow_started_id`, `executions_status_started_id`).
pub(crate) fn list(conn: &mut Conn, filter: &ListFilter) -> Result<Vec<RunSummary>, StoreError> {
    // LIMIT NULL is no limit.
    let limit: Option<i64> = match filter.limit {
        0 => None,
        n => Some(i64::try_from(n).unwrap_or(i64::MAX)),
    };
    let mut sql = String::from(
        "SELECT id, flow, status, started_at, duration_ms, response_status, error \
         FROM executions WHERE TRUE",
    );
    let mut args: Vec<Box<dyn ToSql + Sync>> = Vec::new();
    let mut cond = |part: &str, value: Box<dyn ToSql + Sync>| {
        args.push(value);
        sql.push_str(&part.replace('?', &format!("${}", args.len())));
    };
    if let Some(flow) = &filter.flow {
        cond(" AND flow = ?", Box::new(flow.clone()));
    }
    if let Some(status) = &filter.status {
        cond(" AND status = ?", Box::new(status.clone()));
    }
    if let Some(before) = &filter.before {
        let s = conn.stmt("SELECT started_ms FROM executions WHERE id = $1")?;
        let found = conn.client.query_opt(&s, &[before]).on(&conn.target)?;
        let Some(row) = found else {
            return Ok(Vec::new());
        };
        let at: i64 = row.col(0)?;
        cond(" AND (started_ms, id) < (?", Box::new(at));
        cond(", ?)", Box::new(before.clone()));
    }
    if let Some(since) = filter.since_ms {
        cond(" AND started_ms >= ?", Box::new(since));
    }
    if let Some(until) = filter.until_ms {
        cond(" AND started_ms < ?", Box::new(until));
    }
    if let Some(text) = &filter.text {
        cond(" AND strpos(input, ?) > 0", Box::new(text.clone()));
    }
    cond(
        " ORDER BY started_ms DESC, id DESC LIMIT ?",
        Box::new(limit),
    );
    let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| &**a).collect();
    let rows = conn.client.query(sql.as_str(), &params).on(&conn.target)?;
    rows.iter()
        .map(|r| {
            let error: Option<String> = r.col(6)?;
            Ok(RunSummary {
                execution_id: r.col(0)?,
                flow: r.col(1)?,
                status: r.col(2)?,
                started_at: r.col(3)?,
                duration_ms: r.col(4)?,
                response_status: r.col::<Option<i32>>(5)?.and_then(|s| u16::try_from(s).ok()),
                error: error.as_deref().map(history::summary_error).transpose()?,
            })
        })
        .collect()
}

fn row(conn: &mut Conn, id: &str) -> Result<Option<Row>, StoreError> {
    let s = conn.stmt(
        "SELECT flow, status, started_at, created_ms, input, response, record, duration_ms, \
         error, save_data FROM executions WHERE id = $1",
    )?;
    let found = conn.client.query_opt(&s, &[&id]).on(&conn.target)?;
    found
        .map(|r| {
            Ok(Row {
                flow: r.col(0)?,
                status: r.col(1)?,
                started_at: r.col(2)?,
                created_ms: r.col(3)?,
                input: r.col(4)?,
                response: r.col(5)?,
                record: r.col(6)?,
                duration_ms: r.col(7)?,
                error: r.col(8)?,
                save_data: r.col(9)?,
            })
        })
        .transpose()
}

/// One run's record (see [`history::assemble`]).
pub(crate) fn get(
    conn: &mut Conn,
    id: &str,
    now_ms: i64,
) -> Result<Option<ExecutionRecord>, StoreError> {
    let Some(row) = row(conn, id)? else {
        return Ok(None);
    };
    history::assemble(id, row, || progress(conn, id), now_ms).map(Some)
}

/// The trigger input of a run (None if unknown or not kept).
pub(crate) fn input(conn: &mut Conn, id: &str) -> Result<Option<StoredInput>, StoreError> {
    let s = conn.stmt("SELECT input FROM executions WHERE id = $1")?;
    let found = conn.client.query_opt(&s, &[&id]).on(&conn.target)?;
    let text: Option<String> = found.map(|r| r.col(0)).transpose()?.flatten();
    text.as_deref().map(decode).transpose()
}

/// The steps and helper runs an unfinished run saved, and its response.
pub(crate) fn progress(conn: &mut Conn, id: &str) -> Result<Progress, StoreError> {
    let mut out = Progress::default();
    let s = conn.stmt("SELECT step_index, record FROM steps WHERE execution_id = $1")?;
    for r in conn.client.query(&s, &[&id]).on(&conn.target)? {
        let index: i64 = r.col(0)?;
        let text: &str = r.col(1)?;
        out.steps
            .insert(usize::try_from(index).unwrap_or(0), decode(text)?);
    }
    let s = conn.stmt("SELECT step_id, item_index, record FROM children WHERE parent_id = $1")?;
    for r in conn.client.query(&s, &[&id]).on(&conn.target)? {
        let index: i64 = r.col(1)?;
        let text: &str = r.col(2)?;
        out.children.insert(
            (r.col(0)?, usize::try_from(index).unwrap_or(0)),
            decode(text)?,
        );
    }
    let s = conn.stmt("SELECT response FROM executions WHERE id = $1")?;
    let found = conn.client.query_opt(&s, &[&id]).on(&conn.target)?;
    let response: Option<String> = found.map(|r| r.col(0)).transpose()?.flatten();
    out.response = response
        .as_deref()
        .map(decode::<ResponseRecord>)
        .transpose()?;
    Ok(out)
}

/// Whether a run keeps its data (`None` when the run is unknown).
pub(crate) fn save_data(conn: &mut Conn, id: &str) -> Result<Option<bool>, StoreError> {
    let s = conn.stmt("SELECT save_data FROM executions WHERE id = $1")?;
    let found = conn.client.query_opt(&s, &[&id]).on(&conn.target)?;
    found.map(|r| r.col(0)).transpose()
}

/// The queued runs of each flow: how many, and how long the oldest has waited at `now_ms`
/// (read off the partial index of queued runs).
pub(crate) fn queue_depth(conn: &mut Conn, now_ms: i64) -> Result<Vec<QueueDepth>, StoreError> {
    let s = conn.stmt(
        "SELECT flow, COUNT(*), MIN(created_ms) FROM executions WHERE status = 'queued' \
         GROUP BY flow ORDER BY flow",
    )?;
    let rows = conn.client.query(&s, &[]).on(&conn.target)?;
    rows.iter()
        .map(|r| {
            let (depth, oldest): (i64, i64) = (r.col(1)?, r.col(2)?);
            Ok(QueueDepth {
                flow: r.col(0)?,
                depth: u64::try_from(depth).unwrap_or(0),
                oldest_age_ms: u64::try_from(now_ms.saturating_sub(oldest)).unwrap_or(0),
            })
        })
        .collect()
}
