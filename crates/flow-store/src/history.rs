//! Reads: run history (list, get, input), what an unfinished run already did (progress), and
//! the few lookups the writes need before queueing.
//!
//! Each function takes a connection, so the same code serves the read connection of a file
//! store and the writer's connection of an in-memory one.

use crate::error::{At, StoreError};
use crate::strip::strip_response;
use crate::types::{ListFilter, Progress, QueueDepth, RunSummary, StoredInput};
use flow_runtime::{ExecutionRecord, ResponseRecord, RunError, RunStatus, StepRecord, StepStatus};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::Arc;

fn json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, StoreError> {
    crate::codec::decode(text)
}

/// Past runs, newest first, a page at a time: `filter.before` pages by the key (started_ms,
/// id), which the indexes `executions_started_id`, `executions_flow_started_id` and
/// `executions_status_started_id` hold in order, so a page costs the same however deep it is.
/// Only the conditions a filter sets are in the query (an `x IS NULL OR …` would keep SQLite
/// from using the indexes); each is a placeholder, never text from the filter.
pub(crate) fn list(
    conn: &Connection,
    path: &Path,
    filter: &ListFilter,
) -> Result<Vec<RunSummary>, StoreError> {
    use rusqlite::types::Value as Sql;
    let limit = match filter.limit {
        0 => -1,
        n => i64::try_from(n).unwrap_or(i64::MAX),
    };
    let mut sql = String::from(
        "SELECT id, flow, status, started_at, duration_ms, response_status, error \
         FROM executions WHERE 1 = 1",
    );
    let mut args: Vec<Sql> = Vec::new();
    let mut cond = |sql_part: &str, value: Sql| {
        args.push(value);
        sql.push_str(&sql_part.replace('?', &format!("?{}", args.len())));
    };
    if let Some(flow) = &filter.flow {
        cond(" AND flow = ?", Sql::Text(flow.clone()));
    }
    if let Some(status) = &filter.status {
        cond(" AND status = ?", Sql::Text(status.clone()));
    }
    if let Some(before) = &filter.before {
        let Some(at) = conn
            .prepare_cached("SELECT started_ms FROM executions WHERE id = ?1")
            .at(path)?
            .query_row([before], |r| r.get::<_, i64>(0))
            .optional()
            .at(path)?
        else {
            return Ok(Vec::new());
        };
        cond(" AND (started_ms, id) < (?", Sql::Integer(at));
        cond(", ?)", Sql::Text(before.clone()));
    }
    if let Some(since) = filter.since_ms {
        cond(" AND started_ms >= ?", Sql::Integer(since));
    }
    if let Some(until) = filter.until_ms {
        cond(" AND started_ms < ?", Sql::Integer(until));
    }
    if let Some(text) = &filter.text {
        cond(" AND instr(input, ?) > 0", Sql::Text(text.clone()));
    }
    cond(
        " ORDER BY started_ms DESC, id DESC LIMIT ?",
        Sql::Integer(limit),
    );
    let mut stmt = conn.prepare_cached(&sql).at(path)?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(args), |r| {
            Ok((
                RunSummary {
                    execution_id: r.get(0)?,
                    flow: r.get(1)?,
                    status: r.get(2)?,
                    started_at: r.get(3)?,
                    duration_ms: r.get(4)?,
                    response_status: r
                        .get::<_, Option<i64>>(5)?
                        .and_then(|s| u16::try_from(s).ok()),
                    error: None,
                },
                r.get::<_, Option<String>>(6)?,
            ))
        })
        .at(path)?
        .collect::<Result<Vec<_>, _>>()
        .at(path)?;
    rows.into_iter()
        .map(|(mut summary, error)| {
            summary.error = error.as_deref().map(summary_error).transpose()?;
            Ok(summary)
        })
        .collect()
}

/// The queued runs of each flow: how many, and how long the oldest has waited at `now_ms`.
pub(crate) fn queue_depth(
    conn: &Connection,
    path: &Path,
    now_ms: i64,
) -> Result<Vec<QueueDepth>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT flow, COUNT(*), MIN(created_ms) FROM executions \
             INDEXED BY executions_queue WHERE status = 'queued' GROUP BY flow ORDER BY flow",
        )
        .at(path)?;
    stmt.query_map(params![], |r| {
        let (flow, depth, oldest): (String, i64, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
        Ok(QueueDepth {
            flow,
            depth: u64::try_from(depth).unwrap_or(0),
            oldest_age_ms: u64::try_from(now_ms.saturating_sub(oldest)).unwrap_or(0),
        })
    })
    .at(path)?
    .collect::<Result<Vec<_>, _>>()
    .at(path)
}

/// A history row's `error` from a stored run error: `step: message` (only the message when no
/// step failed).
pub(crate) fn summary_error(text: &str) -> Result<String, StoreError> {
    let e: RunError = json(text)?;
    Ok(if e.step.is_empty() {
        e.message
    } else {
        format!("{}: {}", e.step, e.message)
    })
}

/// The columns of one run that `get` and `input` need (read the same way by every backend).
pub(crate) struct Row {
    pub flow: String,
    pub status: String,
    pub started_at: String,
    pub created_ms: i64,
    pub input: Option<String>,
    pub response: Option<String>,
    pub record: Option<String>,
    /// Set for a run ended without a final record (interrupted).
    pub duration_ms: Option<f64>,
    pub error: Option<String>,
    pub save_data: bool,
}

fn row(conn: &Connection, path: &Path, id: &str) -> Result<Option<Row>, StoreError> {
    conn.prepare_cached(
        "SELECT flow, status, started_at, created_ms, input, response, record, duration_ms, \
         error, save_data FROM executions WHERE id = $1",
    )
    .and_then(|mut s| {
        s.query_row(params![id], |r| {
            Ok(Row {
                flow: r.get(0)?,
                status: r.get(1)?,
                started_at: r.get(2)?,
                created_ms: r.get(3)?,
                input: r.get(4)?,
                response: r.get(5)?,
                record: r.get(6)?,
                duration_ms: r.get(7)?,
                error: r.get(8)?,
                save_data: r.get(9)?,
            })
        })
        .optional()
    })
    .at(path)
}

/// One run's record: the final one, or one assembled from what a run without one saved (an
/// unfinished run, whose duration so far counts to `now_ms`; or one ended as interrupted: then
/// with its status, duration and error).
pub(crate) fn get(
    conn: &Connection,
    path: &Path,
    id: &str,
    now_ms: i64,
) -> Result<Option<ExecutionRecord>, StoreError> {
    let Some(row) = row(conn, path, id)? else {
        return Ok(None);
    };
    assemble(id, row, || progress(conn, path, id), now_ms).map(Some)
}

/// One run's record from its row: the final record, or (for a run without one) one assembled
/// from the progress `progress` reads.
pub(crate) fn assemble(
    id: &str,
    row: Row,
    progress: impl FnOnce() -> Result<Progress, StoreError>,
    now_ms: i64,
) -> Result<ExecutionRecord, StoreError> {
    if let Some(record) = &row.record {
        let mut record: ExecutionRecord = json(record)?;
        // The answer the caller got: the first one stored (a resumed run answers again, to
        // nobody, and its record holds that second answer).
        if let Some(text) = row.response.as_deref() {
            let mut answer: ResponseRecord = json(text)?;
            if !row.save_data {
                strip_response(&mut answer);
            }
            record.response = Some(answer);
        }
        // A server stores the trigger once, as the input; the record gets it back here.
        if record.trigger.is_none()
            && let Some(input) = row.input.as_deref()
        {
            record.trigger = json::<StoredInput>(input)?.trigger_value().map(Box::new);
        }
        return Ok(record);
    }
    let progress = progress()?;
    let input = row.input.as_deref().map(json::<StoredInput>).transpose()?;
    let mut steps: Vec<StepRecord> = progress.steps.into_values().collect();
    // Helper runs of steps still running hang under a stand-in step (card unknown: "").
    let mut children: Vec<((String, usize), ExecutionRecord)> =
        progress.children.into_iter().collect();
    children.sort_by(|a, b| a.0.cmp(&b.0));
    for ((step_id, _), child) in children {
        let at = match steps.iter().position(|s| *s.id == *step_id) {
            Some(at) => at,
            None => {
                let mut stand_in =
                    StepRecord::pending(&Arc::from(step_id.as_str()), &Arc::from(""));
                stand_in.status = StepStatus::Running;
                steps.push(stand_in);
                steps.len() - 1
            }
        };
        let step = &mut steps[at];
        if !step
            .children
            .iter()
            .any(|c| c.execution_id == child.execution_id)
        {
            step.children.push(child);
        }
    }
    let elapsed = now_ms.saturating_sub(row.created_ms);
    let status = match row.status.as_str() {
        "succeeded" => RunStatus::Succeeded,
        "failed" => RunStatus::Failed,
        "stopped" => RunStatus::Stopped,
        _ => RunStatus::Running,
    };
    Ok(ExecutionRecord {
        execution_id: id.to_string(),
        flow: Arc::from(row.flow.as_str()),
        status,
        started_at: row.started_at,
        duration_ms: row.duration_ms.unwrap_or(elapsed.max(0) as f64),
        dry_run: false,
        index: None,
        trigger: input
            .as_ref()
            .and_then(StoredInput::trigger_value)
            .map(Box::new),
        inputs: match input {
            Some(StoredInput::Inputs(v)) => Some(Arc::new(v)),
            _ => None,
        },
        response: row.response.as_deref().map(json).transpose()?,
        steps,
        output: Arc::new(serde_json::Value::Null),
        error: row.error.as_deref().map(json).transpose()?,
    })
}

/// The trigger input of a run (None if unknown or not kept).
pub(crate) fn input(
    conn: &Connection,
    path: &Path,
    id: &str,
) -> Result<Option<StoredInput>, StoreError> {
    match row(conn, path, id)? {
        Some(Row {
            input: Some(text), ..
        }) => json(&text).map(Some),
        _ => Ok(None),
    }
}

/// The steps and helper runs an unfinished run saved, and its response.
pub(crate) fn progress(conn: &Connection, path: &Path, id: &str) -> Result<Progress, StoreError> {
    let mut out = Progress::default();
    let mut stmt = conn
        .prepare_cached("SELECT step_index, record FROM steps WHERE execution_id = $1")
        .at(path)?;
    let steps = stmt
        .query_map(params![id], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })
        .at(path)?
        .collect::<Result<Vec<_>, _>>()
        .at(path)?;
    for (index, text) in steps {
        out.steps
            .insert(usize::try_from(index).unwrap_or(0), json(&text)?);
    }
    let mut stmt = conn
        .prepare_cached("SELECT step_id, item_index, record FROM children WHERE parent_id = $1")
        .at(path)?;
    let children = stmt
        .query_map(params![id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .at(path)?
        .collect::<Result<Vec<_>, _>>()
        .at(path)?;
    for (step_id, index, text) in children {
        let index = usize::try_from(index).unwrap_or(0);
        out.children.insert((step_id, index), json(&text)?);
    }
    out.response = conn
        .prepare_cached("SELECT response FROM executions WHERE id = $1")
        .and_then(|mut s| {
            s.query_row(params![id], |r| r.get::<_, Option<String>>(0))
                .optional()
        })
        .at(path)?
        .flatten()
        .as_deref()
        .map(json::<ResponseRecord>)
        .transpose()?;
    Ok(out)
}

/// Whether a run keeps its data (`None` when the run is unknown).
pub(crate) fn save_data(
    conn: &Connection,
    path: &Path,
    id: &str,
) -> Result<Option<bool>, StoreError> {
    conn.prepare_cached("SELECT save_data FROM executions WHERE id = $1")
        .and_then(|mut s| s.query_row(params![id], |r| r.get::<_, bool>(0)).optional())
        .at(path)
}

/// A cheap query proving the database answers.
pub(crate) fn health(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    conn.prepare_cached("SELECT 1 FROM executions LIMIT 1")
        .and_then(|mut s| s.query([]).and_then(|mut rows| rows.next().map(|_| ())))
        .at(path)
}
