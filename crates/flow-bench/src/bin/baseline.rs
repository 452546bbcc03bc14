//! `flowctl-baseline`: the Oort flow's work written by hand, the yardstick `scripts/load.sh`
//! measures `flowctl serve` against. A tokio + hyper server that accepts the event POST,
//! checks the client token, answers `200 {"received":true}` at once, and then, at most 256
//! events at a time, does what `flows/oort-failing-check.yaml` and its helper do: parse the
//! event, for each failing user (4 at a time) read the user, clear their sessions, suspend
//! them (and read the status again when Okta refuses because the user is already suspended),
//! then post one Slack message — with one pooled hyper client, no engine, no store, no record.
//!
//! Settings come from the environment, like `flowctl serve` in the load test: `OKTA_ORG_URL`,
//! `OKTA_API_TOKEN`, `SLACK_API_URL`, `SLACK_BOT_TOKEN`, `OORT_CLIENT_TOKEN`. It listens on
//! 127.0.0.1 on an ephemeral port and prints the address on stderr. A load tool, not a
//! product: it runs until it is killed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use bytes::Bytes;
use futures_util::StreamExt;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};
use std::sync::Arc;
use tokio::sync::Semaphore;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Events worked on at once.
const IN_FLIGHT: usize = 256;
/// Users of one event worked on at once (the flow's `for_each` concurrency).
const PER_EVENT: usize = 4;
/// What a path segment keeps unencoded (as the Okta cards do).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

type HttpClient = Client<HttpConnector, Full<Bytes>>;

struct Settings {
    okta: String,
    okta_auth: String,
    slack: String,
    slack_auth: String,
    client_token: String,
}

struct Shared {
    cfg: Settings,
    client: HttpClient,
    slots: Semaphore,
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"))
}

fn main() {
    let cfg = Settings {
        okta: env("OKTA_ORG_URL").trim_end_matches('/').to_string(),
        okta_auth: format!("SSWS {}", env("OKTA_API_TOKEN")),
        slack: env("SLACK_API_URL").trim_end_matches('/').to_string(),
        slack_auth: format!("Bearer {}", env("SLACK_BOT_TOKEN")),
        client_token: env("OORT_CLIENT_TOKEN"),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(64)
            .build(connector);
        let shared = Arc::new(Shared {
            cfg,
            client,
            slots: Semaphore::new(IN_FLIGHT),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        eprintln!("listening on {}", listener.local_addr().unwrap());
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            let shared = shared.clone();
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |req| accept(shared.clone(), req));
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
}

/// Answers the POST at once and starts the work in the background.
async fn accept(
    shared: Arc<Shared>,
    req: Request<hyper::body::Incoming>,
) -> Result<Response<Full<Bytes>>, std::convert::Infallible> {
    let authorized = req
        .headers()
        .get("x-api-client-token")
        .is_some_and(|v| v.as_bytes() == shared.cfg.client_token.as_bytes());
    let Ok(body) = req.into_body().collect().await.map(|b| b.to_bytes()) else {
        return Ok(answer(StatusCode::BAD_REQUEST, b"{\"error\":\"body\"}"));
    };
    if !authorized {
        return Ok(answer(StatusCode::UNAUTHORIZED, b"{\"error\":\"token\"}"));
    }
    let Ok(event) = serde_json::from_slice::<Value>(&body) else {
        return Ok(answer(StatusCode::BAD_REQUEST, b"{\"error\":\"json\"}"));
    };
    tokio::spawn(async move {
        let Ok(_slot) = shared.slots.acquire().await else {
            return;
        };
        work(&shared, &event).await;
    });
    Ok(answer(StatusCode::OK, b"{\"received\":true}"))
}

fn answer(status: StatusCode, body: &'static [u8]) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from_static(body)));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    r
}

/// The flow's work for one event.
async fn work(shared: &Shared, event: &Value) {
    let detail = &event["detail"];
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let list = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let users = list(&detail["usersFailing"]);
    let real = event["detail-type"].as_str() == Some("FAILED_CHECK");
    let (mut done, mut failed) = (0, Vec::new());
    if real {
        let results: Vec<(String, Result<(), String>)> =
            futures_util::stream::iter(users.iter().cloned())
                .map(|login| async move {
                    let r = dispatch(shared, &login).await;
                    (login, r)
                })
                .buffered(PER_EVENT)
                .collect()
                .await;
        for (login, r) in results {
            match r {
                Ok(()) => done += 1,
                Err(e) => failed.push(format!("- {login}: {e}")),
            }
        }
    }
    let message = format!(
        "*{}* (severity: {}, check `{}`)\n{}\nRecommended:\n• {}\nUsers failing ({}): {}\n\
         Suspended: {done} · could not act on: {}\n{}",
        text(&detail["title"]),
        detail["severity"].as_str().unwrap_or("unknown"),
        text(&detail["checkId"]),
        list(&detail["description"]).join("\n"),
        list(&detail["recommendedActions"]).join("\n• "),
        users.len(),
        users.join(", "),
        failed.len(),
        failed.join("\n"),
    );
    let body = json!({ "channel": "#security-alerts", "text": message });
    let _ = call(
        shared,
        "POST",
        format!("{}/chat.postMessage", shared.cfg.slack),
        &shared.cfg.slack_auth,
        Some(body.to_string()),
    )
    .await;
}

/// The helper flow for one user: read, clear sessions, suspend (already suspended is done).
async fn dispatch(shared: &Shared, login: &str) -> Result<(), String> {
    let okta = &shared.cfg.okta;
    let auth = &shared.cfg.okta_auth;
    let segment = utf8_percent_encode(login, SEGMENT).to_string();
    let (status, user) = call(
        shared,
        "GET",
        format!("{okta}/api/v1/users/{segment}"),
        auth,
        None,
    )
    .await?;
    if status != 200 {
        return Err(format!("Okta answered {status}"));
    }
    let id = user["id"].as_str().ok_or("no user id")?.to_string();
    let (status, _) = call(
        shared,
        "DELETE",
        format!("{okta}/api/v1/users/{id}/sessions?oauthTokens=true"),
        auth,
        None,
    )
    .await?;
    if status >= 300 {
        return Err(format!("Okta answered {status}"));
    }
    let (status, _) = call(
        shared,
        "POST",
        format!("{okta}/api/v1/users/{id}/lifecycle/suspend"),
        auth,
        None,
    )
    .await?;
    if status == 400 {
        let (_, user) = call(
            shared,
            "GET",
            format!("{okta}/api/v1/users/{id}"),
            auth,
            None,
        )
        .await?;
        if user["status"].as_str() != Some("SUSPENDED") {
            return Err("cannot suspend".into());
        }
    } else if status >= 300 {
        return Err(format!("Okta answered {status}"));
    }
    Ok(())
}

/// One request; the status and the body parsed as JSON (`null` when it is not JSON).
async fn call(
    shared: &Shared,
    method: &str,
    url: String,
    auth: &str,
    body: Option<String>,
) -> Result<(u16, Value), String> {
    let mut req = Request::builder()
        .method(method)
        .uri(url)
        .header("authorization", auth)
        .header("accept", "application/json");
    if body.is_some() {
        req = req.header("content-type", "application/json; charset=utf-8");
    }
    let req = req
        .body(Full::new(body.map(Bytes::from).unwrap_or_default()))
        .map_err(|e| e.to_string())?;
    let resp = shared
        .client
        .request(req)
        .await
        .map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let bytes = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok((
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    ))
}
