//! The console's JSON API (SPEC 13): the flows served, run history paged newest first by the
//! store (what `flowctl history` reads), one run's record (as `flowctl history show --json`
//! prints it: secrets masked as stored), the queue, and replay — a stored run's input queued
//! again as a new run, or run as a dry run whose record is answered and not stored.

use super::Console;
use super::ConsoleRefusal;
use super::session::{Signed, same_origin};
use crate::state::ServerState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use flow_card::RunEnv;
use flow_compile::TriggerPlan;
use flow_runtime::{Engine, RunInput, RunOptions, TriggerRequest};
use flow_store::{ListFilter, Store, StoredInput};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// The most runs one page holds.
pub const MAX_PAGE: usize = 200;

/// Runs per page when `limit` is not given.
pub const DEFAULT_PAGE: usize = 50;

/// Runs of each flow shown on the flows page.
const LAST_RUNS: usize = 5;

/// How long a console request waits for a dry run.
const DRY_RUN_WAIT: Duration = Duration::from_secs(60);

/// The statuses a run can have (`status=` accepts these).
const STATUSES: &[&str] = &["queued", "running", "succeeded", "failed", "stopped"];

/// The console, when the request is signed in (token or session).
pub(super) fn signed_in(
    state: &ServerState,
    headers: &HeaderMap,
) -> Result<(Arc<Console>, Signed), ConsoleRefusal> {
    let console = state.console.clone().ok_or(ConsoleRefusal::Unauthorized)?;
    let signed = console
        .sessions
        .who(headers, state.clock.unix())
        .ok_or(ConsoleRefusal::Unauthorized)?;
    Ok((console, signed))
}

/// The store, when runs are kept.
fn store(state: &ServerState) -> Result<Arc<dyn Store>, ConsoleRefusal> {
    state
        .durable
        .as_ref()
        .map(|d| d.store().clone())
        .ok_or(ConsoleRefusal::NoHistory)
}

/// Runs `read` on the store off the async threads; a failure is logged and refused as
/// [`ConsoleRefusal::Store`].
async fn blocking<T: Send + 'static>(
    state: &ServerState,
    read: impl FnOnce() -> Result<T, flow_store::StoreError> + Send + 'static,
) -> Result<T, ConsoleRefusal> {
    let why = match tokio::task::spawn_blocking(read).await {
        Ok(Ok(v)) => return Ok(v),
        Ok(Err(e)) => e.to_string(),
        Err(_) => "the store call did not finish".to_string(),
    };
    state
        .log
        .warn("console.store_failed", &[("error", Value::String(why))]);
    Err(ConsoleRefusal::Store)
}

fn answer(result: Result<Response, ConsoleRefusal>) -> Response {
    result.unwrap_or_else(IntoResponse::into_response)
}

/// `GET /console/api/flows`: every flow served, with its trigger, endpoint URL, steps (each with
/// the steps it waits for, as `flowctl graph` draws them) and last runs.
pub(super) async fn flows(State(state): State<Arc<ServerState>>, headers: HeaderMap) -> Response {
    answer(flows_of(&state, &headers).await)
}

async fn flows_of(state: &ServerState, headers: &HeaderMap) -> Result<Response, ConsoleRefusal> {
    signed_in(state, headers)?;
    let live = state.live();
    let project = live.engine.project().clone();
    let store = store(state).ok();
    let mut out = Vec::new();
    for plan in &project.flows {
        let trigger = match &plan.trigger {
            TriggerPlan::ApiEndpoint(ep) => json!({
                "kind": "api_endpoint",
                "url": format!("/api/flo/{}/invoke", ep.path_name),
                "security": if ep.public {
                    "public"
                } else if ep.hmac.is_some() {
                    "hmac"
                } else {
                    "client_token"
                },
            }),
            TriggerPlan::Helper { inputs } => json!({
                "kind": "helper",
                "inputs": inputs.keys().collect::<Vec<_>>(),
            }),
            TriggerPlan::OktaEventHook(hook) => json!({
                "kind": "okta_event_hook",
                "url": format!("/api/flo/{}/invoke", hook.path_name),
                "events": hook.events,
                "security": "secret_header",
            }),
            TriggerPlan::Schedule(schedule) => json!({
                "kind": "schedule",
                "cron": schedule.pattern,
                "timezone": schedule.zone_name,
            }),
        };
        let steps: Vec<Value> = plan
            .steps
            .iter()
            .map(|s| {
                let after: Vec<&str> = plan
                    .deps
                    .get(s.index)
                    .map(|d| {
                        d.iter()
                            .filter_map(|&i| plan.steps.get(i).map(|p| &*p.id))
                            .collect()
                    })
                    .unwrap_or_default();
                json!({ "id": &*s.id, "card": &*s.kind, "after": after })
            })
            .collect();
        let last_runs = match &store {
            Some(store) => {
                let (store, flow) = (store.clone(), plan.name.to_string());
                blocking(state, move || {
                    store.list(&ListFilter {
                        flow: Some(flow),
                        limit: LAST_RUNS,
                        ..ListFilter::default()
                    })
                })
                .await?
            }
            None => Vec::new(),
        };
        out.push(json!({
            "name": &*plan.name,
            "description": plan.description,
            "trigger": trigger,
            "steps": steps,
            "last_runs": last_runs,
        }));
    }
    Ok(Json(json!({ "flows": out, "history": store.is_some() })).into_response())
}

/// The filter a query string asks for.
fn filter_of(q: &HashMap<String, String>) -> Result<ListFilter, ConsoleRefusal> {
    let given = |k: &str| q.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    let limit = match given("limit") {
        None => DEFAULT_PAGE,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=MAX_PAGE).contains(&n) => n,
            _ => {
                return Err(ConsoleRefusal::BadQuery {
                    field: "limit",
                    why: format!("a number from 1 to {MAX_PAGE}"),
                });
            }
        },
    };
    let status = match given("status") {
        Some(s) if !STATUSES.contains(&s) => {
            return Err(ConsoleRefusal::BadQuery {
                field: "status",
                why: format!("one of {}", STATUSES.join(", ")),
            });
        }
        s => s.map(str::to_string),
    };
    let time = |field: &'static str| -> Result<Option<i64>, ConsoleRefusal> {
        let Some(v) = given(field) else {
            return Ok(None);
        };
        let at = time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339)
            .map_err(|_| ConsoleRefusal::BadQuery {
                field,
                why: "an RFC 3339 time, e.g. 2025-01-01T03:12:00Z".into(),
            })?;
        Ok(Some(
            i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX),
        ))
    };
    Ok(ListFilter {
        flow: given("flow").map(str::to_string),
        status,
        limit,
        before: given("before").map(str::to_string),
        since_ms: time("since")?,
        until_ms: time("until")?,
        text: given("q").map(str::to_string),
    })
}

/// `GET /console/api/executions?flow=&status=&since=&until=&q=&limit=&before=`: runs newest
/// first, a page at a time; `next` is the `before` of the next page (null on the last).
pub(super) async fn executions(
    State(state): State<Arc<ServerState>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    answer(executions_of(&state, &headers, &q).await)
}

async fn executions_of(
    state: &ServerState,
    headers: &HeaderMap,
    q: &HashMap<String, String>,
) -> Result<Response, ConsoleRefusal> {
    signed_in(state, headers)?;
    let filter = filter_of(q)?;
    let store = store(state)?;
    let limit = filter.limit;
    let runs = blocking(state, move || store.list(&filter)).await?;
    let next = (runs.len() == limit)
        .then(|| runs.last().map(|r| r.execution_id.clone()))
        .flatten();
    Ok(Json(json!({ "executions": runs, "next": next })).into_response())
}

/// `GET /console/api/executions/<id>`: the run's record.
pub(super) async fn execution(
    State(state): State<Arc<ServerState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    answer(execution_of(&state, &headers, id).await)
}

async fn execution_of(
    state: &ServerState,
    headers: &HeaderMap,
    id: String,
) -> Result<Response, ConsoleRefusal> {
    signed_in(state, headers)?;
    let store = store(state)?;
    let key = id.clone();
    match blocking(state, move || store.get(&key)).await? {
        Some(record) => Ok(Json(record).into_response()),
        None => Err(ConsoleRefusal::UnknownRun { id }),
    }
}

/// `GET /console/api/queue`: runs waiting for a run slot, per flow, and the bound.
pub(super) async fn queue(State(state): State<Arc<ServerState>>, headers: HeaderMap) -> Response {
    answer(queue_of(&state, &headers).await)
}

async fn queue_of(state: &ServerState, headers: &HeaderMap) -> Result<Response, ConsoleRefusal> {
    signed_in(state, headers)?;
    let depths = match state.queue.depth().await {
        Ok(d) => d,
        Err(e) => {
            state.log.warn(
                "console.store_failed",
                &[("error", Value::String(e.to_string()))],
            );
            return Err(ConsoleRefusal::Store);
        }
    };
    let flows: Vec<Value> = depths
        .iter()
        .map(|d| json!({ "flow": d.flow, "depth": d.depth, "oldest_age_ms": d.oldest_age_ms }))
        .collect();
    Ok(Json(json!({
        "flows": flows,
        "queued": state.queue.len(),
        "max": state.queue.max(),
        "in_flight": state
            .limits
            .max_in_flight
            .saturating_sub(state.runs.available_permits()),
        "max_in_flight": state.limits.max_in_flight,
    }))
    .into_response())
}

/// `POST /console/api/executions/<id>/replay[?dry_run=true]`: the run's stored input as a new
/// run (202, queued like an accepted event), or as a dry run (200, its record; not stored).
pub(super) async fn replay(
    State(state): State<Arc<ServerState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let dry_run = q
        .get("dry_run")
        .is_some_and(|v| matches!(v.as_str(), "true" | "1" | "on"));
    answer(replay_of(&state, &headers, id, dry_run).await)
}

async fn replay_of(
    state: &Arc<ServerState>,
    headers: &HeaderMap,
    id: String,
    dry_run: bool,
) -> Result<Response, ConsoleRefusal> {
    let (console, signed) = signed_in(state, headers)?;
    if signed == Signed::Cookie && !same_origin(headers) {
        return Err(ConsoleRefusal::CrossSite);
    }
    let store = store(state)?;
    let key = id.clone();
    let (record, input) =
        blocking(state, move || Ok((store.get(&key)?, store.input(&key)?))).await?;
    let Some(record) = record else {
        return Err(ConsoleRefusal::UnknownRun { id });
    };
    let Some(stored) = input else {
        return Err(ConsoleRefusal::NoInput { id });
    };
    let live = state.live();
    let flow_name = record.flow.to_string();
    let Some(&flow) = live.engine.project().by_name.get(&flow_name) else {
        return Err(ConsoleRefusal::FlowGone { flow: flow_name });
    };
    if dry_run {
        let input = run_input(stored);
        let env = live.engine.env();
        let engine = Engine::new(
            live.engine.project().clone(),
            Arc::new(RunEnv {
                dry_run: true,
                transport: env.transport.clone(),
                connections: env.connections.clone(),
                capture_inputs: env.capture_inputs,
            }),
        )
        .secrets_from(&*console.env);
        let opts = RunOptions {
            trigger: crate::queue::trigger_of(&live, &flow_name, &input),
            ..RunOptions::default()
        };
        let record = tokio::time::timeout(DRY_RUN_WAIT, engine.run(flow, input, opts))
            .await
            .map_err(|_| ConsoleRefusal::DryRunTimeout)?;
        return Ok(Json(json!({
            "execution_id": record.execution_id,
            "replay_of": id,
            "dry_run": true,
            "record": record,
        }))
        .into_response());
    }
    let save_data = live
        .endpoints
        .values()
        .find(|ep| ep.flow == flow)
        .map(|ep| ep.save_data)
        .or_else(|| {
            live.engine
                .project()
                .flows
                .get(flow)
                .map(|p| p.history.save_data.unwrap_or(true))
        })
        .unwrap_or(true);
    let Some(durable) = state.durable.clone() else {
        return Err(ConsoleRefusal::NoHistory);
    };
    let place = state.queue.reserve().ok_or(ConsoleRefusal::QueueFull {
        max: state.queue.max(),
    })?;
    let new_id = flow_runtime::new_execution_id();
    let (run_id, flow_for_store) = (new_id.clone(), flow_name.clone());
    blocking(state, move || {
        durable.enqueue(&run_id, &flow_for_store, stored, save_data, None, None)
    })
    .await?;
    place.keep();
    state.queue.notify();
    state.start();
    state.log.info(
        "console.replay",
        &[
            ("execution_id", Value::String(new_id.clone())),
            ("replay_of", Value::String(id.clone())),
            ("flow", Value::String(flow_name)),
        ],
    );
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "execution_id": new_id, "replay_of": id, "dry_run": false })),
    )
        .into_response())
}

/// What a run starts from, from what was stored.
fn run_input(stored: StoredInput) -> RunInput {
    match stored {
        StoredInput::Request {
            method,
            body,
            headers,
            query,
        } => RunInput::Request(TriggerRequest {
            method,
            body,
            headers,
            query,
        }),
        StoredInput::Inputs(v) => RunInput::Inputs(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_query_becomes_a_store_filter() {
        let f = filter_of(&q(&[
            ("flow", "oort"),
            ("status", "failed"),
            ("limit", "10"),
            ("before", "r9"),
            ("since", "2025-01-01T00:00:02Z"),
            ("until", "2025-01-01T00:00:03.5Z"),
            ("q", "alice@"),
        ]))
        .unwrap();
        assert_eq!(
            f,
            ListFilter {
                flow: Some("oort".into()),
                status: Some("failed".into()),
                limit: 10,
                before: Some("r9".into()),
                since_ms: Some(1_735_689_602_000),
                until_ms: Some(1_735_689_603_500),
                text: Some("alice@".into()),
            }
        );
        // Empty fields (a form's blanks) are no filter.
        let blank = filter_of(&q(&[("flow", ""), ("status", " "), ("q", "")])).unwrap();
        assert_eq!(
            blank,
            ListFilter {
                limit: DEFAULT_PAGE,
                ..ListFilter::default()
            }
        );
    }

    #[test]
    fn a_bad_query_is_refused_with_the_field() {
        for (k, v) in [
            ("limit", "0"),
            ("limit", "201"),
            ("limit", "x"),
            ("status", "done"),
            ("since", "yesterday"),
            ("until", "2025-13-01T00:00:00Z"),
        ] {
            match filter_of(&q(&[(k, v)])) {
                Err(ConsoleRefusal::BadQuery { field, .. }) => assert_eq!(field, k),
                other => panic!("{k}={v}: {other:?}"),
            }
        }
    }
}
