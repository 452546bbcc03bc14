//! `okta_event_hook` flows at `/api/flo/{flow}/invoke`: Okta's one-time verification (`GET`
//! with `X-Okta-Verification-Challenge`, answered with the challenge, nothing run) and its
//! deliveries (`POST`): each event of a listed type becomes one queued run, deduplicated by its
//! `uuid` for 24 hours (Okta delivers at least once), and the delivery is answered 200 with an
//! empty body once every event is accepted (with a store: committed).
//!
//! The secret header is checked first, in constant time, before the body is read: a wrong or
//! missing secret gets 401 and costs no body read.

use crate::auth::{Refusal, token_matches};
use crate::dedupe::{DedupeOutcome, encode_key};
use crate::live::Hook;
use crate::queue::Job;
use crate::rejection::Rejection;
use crate::state::ServerState;
use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use flow_model::okta_delivery::{DeliveryError, parse_delivery};
use flow_runtime::{ResponseRecord, RunInput, event_request};
use flow_store::Dedupe;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// How long an event's `uuid` is remembered.
pub const EVENT_DEDUPE_WINDOW: Duration = Duration::from_secs(24 * 3600);

/// The verification header Okta sends with its one-time `GET`.
const CHALLENGE: &str = "x-okta-verification-challenge";

/// The answer every accepted delivery gets, kept as each of its runs' `response`.
fn accepted() -> ResponseRecord {
    ResponseRecord {
        status: 200,
        headers: Vec::new(),
        body: Value::Null,
        at_ms: 0.0,
    }
}

/// Answers one request to an Okta event hook flow.
pub(crate) async fn handle(
    state: &Arc<ServerState>,
    hook: Arc<Hook>,
    req: Request,
) -> Result<Response, Rejection> {
    let (parts, body) = req.into_parts();
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    };
    // The secret first: a refused caller costs no body read.
    if !header(&hook.header).is_some_and(|given| token_matches(&given, &hook.secret)) {
        return Err(Rejection::Unauthorized(Refusal::Token));
    }
    if parts.method == Method::GET {
        let Some(challenge) = header(CHALLENGE) else {
            return Err(Rejection::NoChallenge);
        };
        state.log.info(
            "hook.verified",
            &[("flow", Value::String(hook.name.clone()))],
        );
        return Ok((
            StatusCode::OK,
            axum::Json(json!({ "verification": challenge })),
        )
            .into_response());
    }
    let max = state.limits.max_body;
    if header("content-length")
        .and_then(|l| l.trim().parse::<u64>().ok())
        .is_some_and(|l| l > max as u64)
    {
        return Err(Rejection::TooLarge { max });
    }
    let bytes = match tokio::time::timeout(
        state.limits.body_timeout,
        axum::body::to_bytes(body, max),
    )
    .await
    {
        Err(_) => return Err(Rejection::BodyTimeout),
        Ok(Err(_)) => return Err(Rejection::TooLarge { max }),
        Ok(Ok(b)) => b,
    };
    let text = std::str::from_utf8(&bytes).map_err(|_| Rejection::NotUtf8)?;
    let events = parse_delivery(text).map_err(|e| match e {
        DeliveryError::NotJson {
            message,
            line,
            column,
        } => Rejection::NotJson {
            message,
            line,
            column,
        },
        shape @ DeliveryError::Shape { .. } => Rejection::BadDelivery {
            message: shape.to_string(),
        },
    })?;
    if events
        .iter()
        .any(|e| flow_card::limits::deeper_than(&e.trigger, flow_card::limits::MAX_JSON_DEPTH))
    {
        return Err(Rejection::TooDeep {
            max: flow_card::limits::MAX_JSON_DEPTH,
        });
    }
    let listed: Vec<_> = events
        .into_iter()
        .filter(|e| hook.events.contains(&e.event_type))
        .collect();
    // A place in the queue for every listed event before any is stored: a delivery is
    // accepted whole or refused whole (its duplicates are given their places back).
    let mut places = Vec::with_capacity(listed.len());
    for _ in &listed {
        match state.queue.reserve() {
            Some(place) => places.push(place),
            None => {
                return Err(Rejection::QueueFull {
                    max: state.queue.max(),
                });
            }
        }
    }
    let mut queued = 0usize;
    for (event, place) in listed.iter().zip(places) {
        let execution_id = flow_runtime::new_execution_id();
        let request = event_request(event);
        let Some(key) = encode_key(&Value::String(event.uuid.clone()), b"") else {
            continue;
        };
        let first = match state.durable.clone() {
            Some(d) => {
                let (id, flow, save_data) =
                    (execution_id.clone(), hook.name.clone(), hook.save_data);
                let input = crate::durable::stored_input(&request);
                let key = key.clone();
                let kept = tokio::task::spawn_blocking(move || {
                    d.enqueue(
                        &id,
                        &flow,
                        input,
                        save_data,
                        Some((&key, EVENT_DEDUPE_WINDOW)),
                        Some(&accepted()),
                    )
                })
                .await;
                state.committed(matches!(kept, Ok(Ok(_))));
                match kept {
                    Ok(Ok(Dedupe::First)) => true,
                    Ok(Ok(Dedupe::Repeat { .. })) => false,
                    failed => {
                        let why = match failed {
                            Ok(Err(e)) => e.to_string(),
                            _ => "the store did not answer".to_string(),
                        };
                        state
                            .log
                            .warn("store.begin_failed", &[("error", Value::String(why))]);
                        // Events stored before this one stay queued; Okta's retry finds them
                        // deduplicated and stores the rest.
                        if queued > 0 {
                            state.queue.notify();
                            state.start();
                        }
                        return Err(Rejection::StoreUnavailable);
                    }
                }
            }
            None => {
                let outcome =
                    state
                        .dedupe
                        .check(&hook.name, &key, EVENT_DEDUPE_WINDOW, &execution_id);
                if outcome == DedupeOutcome::First {
                    state.queue.push(Job {
                        execution_id: execution_id.clone(),
                        flow: hook.name.clone(),
                        input: RunInput::Request(request),
                        trigger: Some(Arc::new(event.trigger.clone())),
                        responded: true,
                    });
                }
                outcome == DedupeOutcome::First
            }
        };
        if first {
            place.keep();
            queued += 1;
        } else {
            state.metrics.rejected("duplicate");
        }
    }
    if queued > 0 {
        if state.durable.is_some() {
            state.queue.notify();
        }
        state.start();
    }
    state.log.info(
        "hook.delivery",
        &[
            ("flow", Value::String(hook.name.clone())),
            ("listed", json!(listed.len())),
            ("queued", json!(queued)),
        ],
    );
    Ok(StatusCode::OK.into_response())
}
