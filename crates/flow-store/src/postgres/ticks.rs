//! `Store::claim_tick` on PostgreSQL: the compare-and-set of a scheduled flow's last fired tick,
//! with the tick's queued run, in one transaction, so that of several nodes firing the same tick
//! exactly one queues its run.
//!
//! The row is locked (`FOR UPDATE`) when it exists; when it does not, two nodes may both see
//! none, so the write itself decides: `INSERT … ON CONFLICT DO UPDATE … WHERE` waits for the
//! other transaction and then compares against its committed tick, and `RETURNING` tells whether
//! this node's write happened.

use super::conn::{Conn, On};
use super::writes::{Begin, CHANNEL, INSERT_QUEUED};
use crate::error::StoreError;
use crate::types::Tick;
use postgres::types::ToSql;

const LAST: &str = "SELECT tick_ms FROM schedule_ticks WHERE flow = $1 FOR UPDATE";
const FIRST: &str = "INSERT INTO schedule_ticks (flow, tick_ms) VALUES ($1, $2) \
     ON CONFLICT (flow) DO NOTHING RETURNING 1";
const ADVANCE: &str = "INSERT INTO schedule_ticks (flow, tick_ms) VALUES ($1, $2) \
     ON CONFLICT (flow) DO UPDATE SET tick_ms = excluded.tick_ms \
     WHERE schedule_ticks.tick_ms < excluded.tick_ms RETURNING 1";

/// Records `tick_ms` as `run.flow`'s last tick and queues `run` unless the flow's last tick is
/// this one or later ([`Tick::Taken`]); a flow with no tick yet only records it unless
/// `fire_if_first` ([`Tick::Recorded`]). `sender` names this store in the queue's notification.
pub(crate) fn claim_tick(
    conn: &mut Conn,
    run: &Begin<'_>,
    now_ms: i64,
    tick_ms: i64,
    fire_if_first: bool,
    sender: &str,
) -> Result<Tick, StoreError> {
    let target = conn.target.clone();
    let (last, first, advance, insert) = (
        conn.stmt(LAST)?,
        conn.stmt(FIRST)?,
        conn.stmt(ADVANCE)?,
        conn.stmt(INSERT_QUEUED)?,
    );
    let mut tx = conn.client.transaction().on(&target)?;
    let found = tx.query_opt(&last, &[&run.flow]).on(&target)?;
    let previous: Option<i64> = match &found {
        Some(row) => Some(row.try_get(0).on(&target)?),
        None => None,
    };
    if previous.is_some_and(|p| p >= tick_ms) {
        return Ok(Tick::Taken);
    }
    if previous.is_none() && !fire_if_first {
        let wrote = tx.query_opt(&first, &[&run.flow, &tick_ms]).on(&target)?;
        tx.commit().on(&target)?;
        return Ok(if wrote.is_some() {
            Tick::Recorded
        } else {
            Tick::Taken
        });
    }
    if tx
        .query_opt(&advance, &[&run.flow, &tick_ms])
        .on(&target)?
        .is_none()
    {
        // Another node wrote this tick (or a later one) first: nothing of ours is kept.
        return Ok(Tick::Taken);
    }
    let (answer, status): (Option<&str>, Option<i32>) = (None, None);
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
    tx.query(&insert, &columns).on(&target)?;
    tx.commit().on(&target)?;
    Ok(Tick::Fired)
}
