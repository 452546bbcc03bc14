//! Scheduled flows: `flowctl serve` fires each tick of a flow's `schedule` into the queue.
//!
//! A check ([`fire_schedules`]) looks, for every scheduled flow, at its latest tick at or
//! before now (the server's [`Clock`](crate::Clock)) and fires it when it is new since the
//! previous check. With a store the tick is claimed there (`Store::claim_tick`, the run queued
//! in the same transaction), so with several nodes on one store exactly one fires each tick,
//! and the store remembers each flow's last fired tick: the first check after a start fires a
//! tick missed while no server ran — once, the latest missed, not once per missed tick — and a
//! flow never fired before starts counting from now. Without a store nothing is remembered: a
//! start fires nothing. [`schedule_loop`] sleeps until the next tick of any flow (at most a
//! minute, so reloads and clock changes are seen) and checks again.

use crate::queue::Job;
use crate::state::ServerState;
use flow_runtime::{RunInput, tick_request};
use flow_store::Tick;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// The longest the loop sleeps between two checks.
const MAX_SLEEP_S: i64 = 60;

/// Fires the ticks due since the check at Unix time `since` (`None`: the first check after a
/// start, which fires only ticks the store says were missed). Returns the time to pass as
/// `since` to the next check: now, or `since` again when the store failed (the tick is tried
/// again at the next check).
pub async fn fire_schedules(state: &Arc<ServerState>, since: Option<i64>) -> Option<i64> {
    let live = state.live();
    let now = state.clock.unix();
    let mut failed = false;
    for flow in &live.schedules {
        let Some(tick) = flow.schedule.latest_at_or_before(now) else {
            continue;
        };
        if since.is_some_and(|s| tick <= s) {
            continue;
        }
        let fields = |extra: Vec<(&'static str, Value)>| {
            let mut f = vec![
                ("flow", Value::String(flow.name.clone())),
                ("tick", Value::String(flow.schedule.format(tick))),
            ];
            f.extend(extra);
            f
        };
        let Some(place) = state.queue.reserve() else {
            state.log.warn(
                "schedule.queue_full",
                &fields(vec![("max_queue", json!(state.queue.max()))]),
            );
            continue;
        };
        let execution_id = flow_runtime::new_execution_id();
        let request = tick_request(&flow.schedule, tick);
        let fired = match state.durable.clone() {
            Some(d) => {
                let input = crate::durable::stored_input(&request);
                let (id, name, save_data) =
                    (execution_id.clone(), flow.name.clone(), flow.save_data);
                let fire_if_first = since.is_some();
                let claimed = tokio::task::spawn_blocking(move || {
                    d.fire_tick(&id, &name, input, save_data, tick, fire_if_first)
                })
                .await;
                match claimed {
                    Ok(Ok(t)) => t == Tick::Fired,
                    failed_claim => {
                        let why = match failed_claim {
                            Ok(Err(e)) => e.to_string(),
                            _ => "the store did not answer".to_string(),
                        };
                        state.log.warn(
                            "schedule.store_failed",
                            &fields(vec![("error", Value::String(why))]),
                        );
                        failed = true;
                        false
                    }
                }
            }
            // Nothing remembered: a start fires nothing; later checks fire each new tick.
            None if since.is_some() => {
                state.queue.push(Job {
                    execution_id: execution_id.clone(),
                    flow: flow.name.clone(),
                    input: RunInput::Request(request),
                    trigger: None,
                    responded: true,
                });
                true
            }
            None => false,
        };
        if fired {
            place.keep();
            if state.durable.is_some() {
                state.queue.notify();
            }
            state.start();
            state.log.info(
                "schedule.fired",
                &fields(vec![("execution_id", Value::String(execution_id.clone()))]),
            );
        }
    }
    if failed { since } else { Some(now) }
}

/// Fires scheduled flows until the task is aborted: a first check at start, then one at each
/// tick (or at least every minute).
pub async fn schedule_loop(state: Arc<ServerState>) {
    let mut since = fire_schedules(&state, None).await;
    loop {
        let now = state.clock.unix();
        let next = state
            .live()
            .schedules
            .iter()
            .filter_map(|f| f.schedule.next_after(now))
            .min();
        let wait = next.map_or(MAX_SLEEP_S, |n| n.saturating_sub(now).clamp(1, MAX_SLEEP_S));
        tokio::time::sleep(Duration::from_secs(u64::try_from(wait).unwrap_or(1))).await;
        since = fire_schedules(&state, since).await;
    }
}
