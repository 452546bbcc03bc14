//! `/api/flo/{flow}/invoke`: from request to answer. Refusals are cheap and come first (unknown
//! flow, token, declared size). Nothing scarce is taken before the caller is authenticated: a
//! request without a client token reads its body (size cap, timeout) holding only a place among
//! the unauthenticated reads ([`crate::front`]), then the signature is checked; only then are a
//! rate-limit token and a place in the queue taken (503 only when `max_queue` events wait
//! already), JSON and dedupe checked, and the event queued ([`crate::queue`]): committed to the
//! store with its dedupe key and, for a flow that answers at acceptance ([`crate::close`]), the
//! answer, which is then sent at once. Otherwise the caller gets the `http.close` answer the
//! moment its run reaches it, the end-of-run answer, or 504 after the sync timeout — exactly one
//! answer, whatever happens to the run.

use crate::auth::{Refusal, check_hmac, token_matches};
use crate::dedupe::{DedupeOutcome, encode_key};
use crate::front::{Busy, ClientKey};
use crate::live::Endpoint;
use crate::queue::Job;
use crate::rejection::Rejection;
use crate::state::ServerState;
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use flow_card::expr::slots;
use flow_compile::TriggerPlan;
use flow_runtime::{ResponseRecord, RunInput, TriggerRequest};
use flow_store::Dedupe;
use flow_template::{Scope, Slot};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;

/// The handler.
pub async fn invoke(
    State(state): State<Arc<ServerState>>,
    Path(name): Path<String>,
    req: Request,
) -> Response {
    let resp = match handle(&state, &name, req).await {
        Ok(resp) => resp,
        Err(rejection) => {
            state.metrics.rejected(rejection.reason());
            rejection.into_response()
        }
    };
    state.metrics.response(resp.status().as_u16());
    resp
}

fn json_response(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

fn header_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (k, v) in headers {
        let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
        match out.iter_mut().find(|(n, _)| n == k.as_str()) {
            Some((_, prev)) => {
                prev.push_str(", ");
                prev.push_str(&v);
            }
            None => out.push((k.as_str().to_string(), v)),
        }
    }
    out
}

fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), String::new()),
        })
        .collect()
}

/// `trigger` for the dedupe key template.
struct TriggerScope<'a>(&'a Value);

impl Scope for TriggerScope<'_> {
    fn get(&self, slot: Slot) -> Option<&Value> {
        (slot == slots::TRIGGER).then_some(self.0)
    }
}

/// The answer a caller gets from a response record.
pub fn to_response(r: &ResponseRecord, execution_id: &str, duplicate: bool) -> Response {
    let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = match &r.body {
        Value::Null => status.into_response(),
        Value::String(s) => (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            s.clone(),
        )
            .into_response(),
        other => (status, axum::Json(other.clone())).into_response(),
    };
    let h = resp.headers_mut();
    for (k, v) in &r.headers {
        let forbidden = matches!(
            k.as_str(),
            "content-length" | "transfer-encoding" | "connection" | "x-execution-id"
        );
        if let (false, Ok(name), Ok(value)) = (
            forbidden,
            HeaderName::try_from(k.as_str()),
            HeaderValue::try_from(v.as_str()),
        ) {
            h.insert(name, value);
        }
    }
    if let Ok(v) = HeaderValue::try_from(execution_id) {
        h.insert("x-execution-id", v);
    }
    if duplicate {
        h.insert("x-flowctl-duplicate", HeaderValue::from_static("true"));
    }
    resp
}

async fn handle(state: &Arc<ServerState>, name: &str, req: Request) -> Result<Response, Rejection> {
    let live = state.live();
    if let Some(hook) = live.hooks.get(name).cloned() {
        return crate::hook::handle(state, hook, req).await;
    }
    let Some(ep) = live.endpoints.get(name).cloned() else {
        // A flow served under its `alias` is named by it, so the caller can fix the URL.
        let alias = live
            .endpoints
            .iter()
            .find(|(url, ep)| ep.name == name && url.as_str() != name)
            .map(|(url, _)| url.clone());
        return Err(Rejection::UnknownFlow {
            name: name.to_string(),
            alias,
        });
    };
    let (parts, body) = req.into_parts();
    let headers = header_pairs(&parts.headers);
    let query = query_pairs(parts.uri.query());
    let header = |n: &str| headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());

    // Token first: a refused caller costs no body read.
    if let Some(expected) = &ep.client_token {
        let given = header("x-api-client-token").or_else(|| {
            query
                .iter()
                .find(|(k, _)| k == "clientToken")
                .map(|(_, v)| v.clone())
        });
        if !given.is_some_and(|g| token_matches(&g, expected)) {
            return Err(Rejection::Unauthorized(Refusal::Token));
        }
    }
    let max = state.limits.max_body;
    if header("content-length")
        .and_then(|l| l.trim().parse::<u64>().ok())
        .is_some_and(|l| l > max as u64)
    {
        return Err(Rejection::TooLarge { max });
    }
    // Not yet known to be anyone: the body is read holding only a place among the
    // unauthenticated reads (never a run slot or a rate token), given back once it is checked.
    let place = if ep.client_token.is_none() {
        let client = ClientKey::of(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        );
        let limits = &state.limits;
        match state.front.admit(
            &ep.name,
            client,
            limits.max_unauthenticated_reads,
            limits.max_unauthenticated_reads_per_client,
        ) {
            Ok(place) => Some(place),
            Err(Busy::Client) => return Err(Rejection::ClientBusy),
            Err(Busy::Endpoint) => return Err(Rejection::UnauthenticatedBusy),
        }
    } else {
        None
    };
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
    if let Some(key) = &ep.hmac
        && let Err(why) = check_hmac(key, &header, &bytes, state.clock.unix())
    {
        return Err(Rejection::Unauthorized(why));
    }
    drop(place);
    // Authenticated (or public): now the endpoint's rate and a run slot.
    if let Some(rate) = &ep.rate
        && let Err(wait) = rate.take(state.clock.now())
    {
        let retry_after = wait.as_secs_f64().ceil().clamp(1.0, 86_400.0) as u64;
        return Err(Rejection::RateLimited { retry_after });
    }
    // A place in the queue, taken before anything is stored: past `max_queue`, nothing is
    // accepted (and nothing kept).
    let Some(place) = state.queue.reserve() else {
        return Err(Rejection::QueueFull {
            max: state.queue.max(),
        });
    };
    let text = match String::from_utf8(bytes.to_vec()) {
        Ok(t) => t,
        Err(_) if ep.accept_json => return Err(Rejection::NotUtf8),
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
    // With `accept: json` the body is parsed here, once: a body that is not JSON is refused,
    // and the parsed value is `trigger.json` whatever the content-type says (a bare `42` too).
    let parsed = if ep.accept_json {
        match serde_json::from_str::<Value>(text.trim_start_matches('\u{feff}')) {
            // What the front door accepts, a run can hold and its record can be read back.
            Ok(v) if flow_card::limits::deeper_than(&v, flow_card::limits::MAX_JSON_DEPTH) => {
                return Err(Rejection::TooDeep {
                    max: flow_card::limits::MAX_JSON_DEPTH,
                });
            }
            Ok(v) => Some(v),
            Err(e) => {
                return Err(Rejection::NotJson {
                    message: e.to_string(),
                    line: e.line(),
                    column: e.column(),
                });
            }
        }
    } else {
        None
    };
    let trigger = TriggerRequest {
        method: parts.method.as_str().to_string(),
        body: text,
        headers,
        query,
    };
    let execution_id = flow_runtime::new_execution_id();

    // Built once, for the dedupe key, the answer at acceptance and the run.
    let trigger_value = match parsed {
        Some(json) => Some(Arc::new(trigger.to_value_with_json(json))),
        None if ep.dedupe_window.is_some() || ep.close_at_acceptance.is_some() => {
            Some(Arc::new(trigger.to_value()))
        }
        None => None,
    };
    // Repeated deliveries get the first answer.
    let dedupe_key = trigger_value
        .as_ref()
        .and_then(|v| dedupe_key(&live, &ep, v, &bytes));
    let dedupe = match (&dedupe_key, ep.dedupe_window) {
        (Some(key), Some(window)) => Some((key.clone(), window)),
        _ => None,
    };
    // The answer at acceptance, when the flow's `http.close` depends on the request alone.
    let early = match (ep.close_at_acceptance, &trigger_value) {
        (Some(step), Some(value)) => match live.engine.project().flows.get(ep.flow) {
            Some(plan) => crate::close::answer_now(&live.engine, plan, step, value).await,
            None => None,
        },
        _ => None,
    };
    // Otherwise the caller waits for the run to answer; the run finds its sender by id.
    let waiting = match early {
        Some(_) => None,
        None => {
            let (tx, rx) = tokio::sync::oneshot::channel();
            state.queue.wait_for(&execution_id, tx);
            Some(rx)
        }
    };
    let outcome = if let Some(d) = state.durable.clone() {
        // One transaction: the dedupe key, the queued run and the answer given now. A commit
        // that fails reserves nothing, so the sender's retry runs instead of being told
        // "duplicate" of a run that was never stored.
        let (id, flow, save_data) = (execution_id.clone(), ep.name.clone(), ep.save_data);
        let input = crate::durable::stored_input(&trigger);
        let answer = early.clone();
        let kept = tokio::task::spawn_blocking(move || {
            let dedupe = dedupe.as_ref().map(|(k, w)| (k.as_str(), *w));
            d.enqueue(&id, &flow, input, save_data, dedupe, answer.as_ref())
        })
        .await;
        state.committed(matches!(kept, Ok(Ok(_))));
        match kept {
            Ok(Ok(Dedupe::First)) => DedupeOutcome::First,
            Ok(Ok(Dedupe::Repeat {
                execution_id,
                response,
            })) => DedupeOutcome::Repeat {
                execution_id,
                response,
            },
            failed => {
                state.queue.forget(&execution_id);
                let why = match failed {
                    Ok(Err(e)) => e.to_string(),
                    _ => "the store did not answer".to_string(),
                };
                state
                    .log
                    .warn("store.begin_failed", &[("error", Value::String(why))]);
                return Err(Rejection::StoreUnavailable);
            }
        }
    } else {
        match &dedupe {
            Some((key, window)) => state.dedupe.check(&ep.name, key, *window, &execution_id),
            None => DedupeOutcome::First,
        }
    };
    if let DedupeOutcome::Repeat {
        execution_id: first,
        response,
    } = outcome
    {
        state.queue.forget(&execution_id);
        state.metrics.rejected("duplicate");
        return Ok(match response {
            Some(r) => to_response(&r, &first, true),
            None => {
                let mut r = json_response(
                    StatusCode::ACCEPTED,
                    json!({ "execution_id": first, "duplicate": true }),
                );
                r.headers_mut()
                    .insert("x-flowctl-duplicate", HeaderValue::from_static("true"));
                r
            }
        });
    }
    // Kept: queued in the store, or now in memory.
    place.keep();
    if state.durable.is_some() {
        state.queue.notify();
    } else {
        state.queue.push(Job {
            execution_id: execution_id.clone(),
            flow: ep.name.clone(),
            input: RunInput::Request(trigger),
            trigger: trigger_value,
            responded: early.is_some(),
        });
    }
    state.start();
    let answered = match (early, waiting) {
        (Some(answer), _) => Ok(answer),
        (None, Some(rx)) => match tokio::time::timeout(ep.sync_timeout, rx).await {
            Ok(Ok(answer)) => Ok(answer),
            // Let go by a stopping server: the run stays queued for the next start.
            Ok(Err(_)) if state.queue.is_closed() => Err(true),
            Ok(Err(_)) => Err(false),
            Err(_) => {
                state.queue.forget(&execution_id);
                Err(true)
            }
        },
        (None, None) => Err(false),
    };
    Ok(match answered {
        Ok(answer) => {
            if let Some(key) = &dedupe_key {
                state.dedupe.answered(&ep.name, key, &answer);
            }
            to_response(&answer, &execution_id, false)
        }
        Err(false) => json_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({ "error": "the run ended without an answer", "execution_id": execution_id }),
        ),
        Err(true) => {
            let mut r = json_response(
                StatusCode::GATEWAY_TIMEOUT,
                json!({ "error": "the flow is still running", "execution_id": execution_id }),
            );
            if let Ok(v) = HeaderValue::try_from(execution_id.as_str()) {
                r.headers_mut().insert("x-execution-id", v);
            }
            r
        }
    })
}

fn dedupe_key(
    live: &crate::live::Live,
    ep: &Endpoint,
    trigger: &Arc<Value>,
    body: &[u8],
) -> Option<String> {
    ep.dedupe_window?;
    let plan = live.engine.project().flows.get(ep.flow)?;
    let TriggerPlan::ApiEndpoint(p) = &plan.trigger else {
        return None;
    };
    let (expr, _) = p.dedupe.as_ref()?;
    let scope = TriggerScope(trigger);
    let v = expr.eval(&scope).ok()?;
    encode_key(&v, body)
}
