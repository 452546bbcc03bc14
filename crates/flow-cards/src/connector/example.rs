//! An action's `examples:` checked when the connector loads ([`problems`]) and run as tests
//! ([`run_examples`]): each example's inputs go through the real action card, whose request is
//! sent to a local fake API on 127.0.0.1 answering with the example's `answer`; the request
//! received and the card's output (or error) must be the ones the example states.

use super::action::{ActionRef, build};
use super::format::{ActionDef, ConnectorDef, ExampleDef};
use super::live::ConnectorLive;
use super::load::Connector;
use crate::ReqwestTransport;
use flow_card::{BuildCx, CardError, FlowCaller, FlowTarget, RunEnv, StepCx};
use flow_model::{SourceId, Type};
use flow_template::{Scope, Slot};
use futures_util::future::BoxFuture;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What is wrong with the examples of action `a` (method `method`, inputs `inputs`: name,
/// type, required), one message per problem; the loader reports them naming the action.
pub fn problems(a: &ActionDef, method: &str, inputs: &[(String, Type, bool)]) -> Vec<String> {
    let mut out = Vec::new();
    for ex in &a.examples {
        let at = format!("example `{}`", ex.title);
        for k in ex.inputs.keys() {
            if !inputs.iter().any(|(n, _, _)| n == k) {
                out.push(format!("{at}: `with` names `{k}`, which is not an input"));
            }
        }
        for (n, _, required) in inputs {
            if *required && !ex.inputs.contains_key(n) {
                out.push(format!("{at}: `with` lacks the required input `{n}`"));
            }
        }
        if !ex.request.method.eq_ignore_ascii_case(method) {
            out.push(format!(
                "{at}: `request.method` is `{}`, the action sends {method}",
                ex.request.method
            ));
        }
        if !ex.request.path.starts_with('/') || ex.request.path.contains('?') {
            out.push(format!(
                "{at}: `request.path` must start with `/` and hold no query (use `request.query`)"
            ));
        }
        if !(100..=599).contains(&ex.answer.status) {
            out.push(format!(
                "{at}: `answer.status` {} is not an HTTP status",
                ex.answer.status
            ));
        }
        if ex.output.is_some() == ex.error.is_some() {
            out.push(format!("{at}: give exactly one of `output` and `error`"));
        }
    }
    out
}

/// An example that did not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleFailure {
    /// The card kind (`okta.read_user`).
    pub card: String,
    /// The example's title.
    pub title: String,
    /// What did not hold.
    pub problem: ExampleProblem,
}

impl fmt::Display for ExampleFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} — {}: {}", self.card, self.title, self.problem)
    }
}

impl std::error::Error for ExampleFailure {}

/// How an example did not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExampleProblem {
    /// The fake API or the HTTP client could not start.
    Setup(String),
    /// The inputs do not build the card (the compiler's messages).
    Inputs(String),
    /// The card sent this many requests, not one (an example has one answer).
    Requests(usize),
    /// A part of the request (`request` for method and path, `query`, `body`) is not the one
    /// documented.
    Request {
        /// Which part.
        part: &'static str,
        /// What was sent.
        sent: String,
        /// What the example says.
        documented: String,
    },
    /// The output is not the one documented.
    Output {
        /// The card's output (JSON).
        gave: String,
        /// The example's (JSON).
        documented: String,
    },
    /// The card failed where the example documents an output: its message.
    Failed(String),
    /// The card failed with an error that does not contain the documented text.
    OtherError {
        /// The card's message.
        message: String,
        /// The text the example says it contains.
        documented: String,
    },
    /// The card succeeded where the example documents an error: its output (JSON).
    NoError(String),
}

impl fmt::Display for ExampleProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExampleProblem::Setup(m) => write!(f, "cannot run: {m}"),
            ExampleProblem::Inputs(m) => write!(f, "the inputs do not build: {m}"),
            ExampleProblem::Requests(0) => f.write_str("the card sent no request"),
            ExampleProblem::Requests(n) => {
                write!(f, "the card sent {n} requests; an example has one answer")
            }
            ExampleProblem::Request {
                part: "request",
                sent,
                documented,
            } => write!(f, "sent {sent}, the example says {documented}"),
            ExampleProblem::Request {
                part,
                sent,
                documented,
            } => write!(f, "sent the {part} {sent}, the example says {documented}"),
            ExampleProblem::Output { gave, documented } => {
                write!(f, "gave {gave}, the example says {documented}")
            }
            ExampleProblem::Failed(m) => write!(f, "failed: {m}"),
            ExampleProblem::OtherError {
                message,
                documented,
            } => write!(
                f,
                "failed with `{message}`, the example says it contains `{documented}`"
            ),
            ExampleProblem::NoError(gave) => write!(f, "gave {gave}, the example says it fails"),
        }
    }
}

/// Runs every example of every action of connector `c` (a built-in one, or a project's) and
/// returns the ones that did not hold, with how many ran. Needs a tokio runtime with I/O.
pub async fn run_examples(c: &'static Connector) -> (usize, Vec<ExampleFailure>) {
    let mut count = 0;
    let mut failures = Vec::new();
    for (index, action) in c.actions.iter().enumerate() {
        let Some(def) = c.def.actions.get(&action.name) else {
            continue;
        };
        for ex in &def.examples {
            count += 1;
            if let Err(problem) = run_example(c, index, ex).await {
                failures.push(ExampleFailure {
                    card: action.kind.clone(),
                    title: ex.title.clone(),
                    problem,
                });
            }
        }
    }
    (count, failures)
}

/// A request the fake API received.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    query: Option<String>,
    content_type: Option<String>,
    body: Vec<u8>,
}

/// Runs example `ex` of action `index` of `c`; `Err` says how it did not hold.
async fn run_example(
    c: &'static Connector,
    index: usize,
    ex: &ExampleDef,
) -> Result<(), ExampleProblem> {
    let action = c
        .actions
        .get(index)
        .ok_or_else(|| ExampleProblem::Setup("no such action".into()))?;
    let (base, seen) = serve(ex).await?;
    // The step: `with:` is the example's inputs as literal values, and the connection.
    let mut with = String::from("{ connection: example");
    for (k, v) in &ex.inputs {
        with.push_str(&format!(", {k}: {v}"));
    }
    with.push_str(" }");
    let node = flow_model::node::parse_yaml(SourceId(0), &with)
        .map_err(|d| ExampleProblem::Inputs(d.message))?;
    let data: flow_card::KindData = Arc::new(ActionRef {
        connector: c,
        index,
    });
    let mut bcx = BuildCx::new(&node, &with, "example", &action.kind).with_data(Some(data));
    let card = build(&mut bcx);
    let (parts, diags) = bcx.finish();
    let card = match card {
        Some(card) if !diags.has_errors() => card,
        _ => {
            let msgs: Vec<String> = diags.iter().map(|d| d.message.clone()).collect();
            return Err(ExampleProblem::Inputs(msgs.join("; ")));
        }
    };
    let live = live(c, base);
    let transport = ReqwestTransport::new().map_err(|e| ExampleProblem::Setup(e.to_string()))?;
    let env = RunEnv {
        dry_run: false,
        transport: Arc::new(transport),
        connections: HashMap::from([(
            "example".to_string(),
            Arc::new(live) as flow_card::LiveConnection,
        )]),
        capture_inputs: false,
    };
    let cx = StepCx::new(
        &parts,
        &NoNames,
        &env,
        &NoHelpers,
        1,
        Duration::from_secs(10),
    );
    let got = card.run(&cx).await.map(|o| o.output);
    let seen = seen.lock().unwrap_or_else(PoisonError::into_inner).clone();
    check_request(ex, &seen)?;
    match (&ex.output, &ex.error, got) {
        (Some(want), _, Ok(out)) if &out == want => Ok(()),
        (Some(want), _, Ok(out)) => Err(ExampleProblem::Output {
            gave: out.to_string(),
            documented: want.to_string(),
        }),
        (Some(_), _, Err(e)) => Err(ExampleProblem::Failed(e.message)),
        (None, Some(want), Err(e)) if e.message.contains(want.as_str()) => Ok(()),
        (None, Some(want), Err(e)) => Err(ExampleProblem::OtherError {
            message: e.message,
            documented: want.clone(),
        }),
        (None, _, Ok(out)) => Err(ExampleProblem::NoError(out.to_string())),
        (None, None, Err(e)) => Err(ExampleProblem::Failed(e.message)),
    }
}

/// The connection of an example: the fake API's URL as the base, every setting its default
/// or `example`, no credential.
fn live(c: &'static Connector, base: String) -> ConnectorLive {
    let def: &ConnectorDef = &c.def;
    let settings: Map<String, Value> = def
        .settings
        .iter()
        .map(|(k, s)| {
            let v = s.default.clone().unwrap_or_else(|| "example".into());
            (k.clone(), Value::String(v))
        })
        .collect();
    let settings = Value::Object(settings);
    let scope = super::action::CallScope::request(&settings, &Value::Null);
    let headers = def
        .headers
        .iter()
        .filter_map(|(k, t)| {
            let v = scope.eval(c, *t).ok()?;
            Some((
                k.to_ascii_lowercase(),
                flow_template::to_text(&v).into_owned(),
            ))
        })
        .collect();
    ConnectorLive {
        connector: c,
        base,
        settings,
        auth: None,
        headers,
        secrets: Vec::new(),
        limiter: crate::conn::limiter(1),
        blocked_until: Mutex::new(None),
    }
}

/// Holds the request received to the example's `request`.
fn check_request(ex: &ExampleDef, seen: &[Seen]) -> Result<(), ExampleProblem> {
    let [first] = seen else {
        return Err(ExampleProblem::Requests(seen.len()));
    };
    let want = &ex.request;
    if !first.method.eq_ignore_ascii_case(&want.method) || first.path != want.path {
        return Err(ExampleProblem::Request {
            part: "request",
            sent: format!("{} {}", first.method, first.path),
            documented: format!("{} {}", want.method, want.path),
        });
    }
    if let Some(q) = &want.query {
        let got = pairs(first.query.as_deref().unwrap_or_default());
        let want: Map<String, Value> = q.iter().map(|(k, v)| (k.clone(), texts(v))).collect();
        if got != want {
            return Err(ExampleProblem::Request {
                part: "query",
                sent: Value::Object(got).to_string(),
                documented: Value::Object(want).to_string(),
            });
        }
    }
    if let Some(body) = &want.body {
        let form = first
            .content_type
            .as_deref()
            .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
        let (got, want) = if form {
            let got = Value::Object(pairs(&String::from_utf8_lossy(&first.body)));
            (got, texts(body))
        } else if first.body.is_empty() {
            (Value::Null, body.clone())
        } else {
            let got = serde_json::from_slice(&first.body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&first.body).into()));
            (got, body.clone())
        };
        if got != want {
            return Err(ExampleProblem::Request {
                part: "body",
                sent: got.to_string(),
                documented: want.to_string(),
            });
        }
    }
    Ok(())
}

/// Decoded `k=v` pairs: text values, a list for a repeated key.
fn pairs(encoded: &str) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, v) in url::form_urlencoded::parse(encoded.as_bytes()) {
        let v = Value::String(v.into_owned());
        match out.get_mut(k.as_ref()) {
            Some(Value::Array(list)) => list.push(v),
            Some(one) => *one = Value::Array(vec![one.take(), v]),
            None => {
                out.insert(k.into_owned(), v);
            }
        }
    }
    out
}

/// A value as query or form text: scalars as text, lists and objects of them likewise.
fn texts(v: &Value) -> Value {
    match v {
        Value::Array(a) => Value::Array(a.iter().map(texts).collect()),
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), texts(v))).collect()),
        other => Value::String(flow_template::to_text(other).into_owned()),
    }
}

/// Starts the fake API of an example on 127.0.0.1: the first request gets the example's
/// answer, any later one a 500 saying so. Gives the base URL and the requests received.
async fn serve(ex: &ExampleDef) -> Result<(String, Arc<Mutex<Vec<Seen>>>), ExampleProblem> {
    let setup = |e: std::io::Error| ExampleProblem::Setup(format!("the fake API: {e}"));
    let listener = TcpListener::bind("127.0.0.1:0").await.map_err(setup)?;
    let addr = listener.local_addr().map_err(setup)?;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let answer = ex.answer.clone();
    let log = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let Some(req) = read_request(&mut sock).await else {
                continue;
            };
            let first = {
                let mut log = log.lock().unwrap_or_else(PoisonError::into_inner);
                log.push(req);
                log.len() == 1
            };
            let (status, headers, body) = if first {
                let (body, ct) = match &answer.body {
                    None => (Vec::new(), None),
                    Some(Value::String(s)) => (s.clone().into_bytes(), Some("text/plain")),
                    Some(v) => (v.to_string().into_bytes(), Some("application/json")),
                };
                let mut headers: Vec<(String, String)> = answer
                    .headers
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                if let Some(ct) = ct
                    && !headers
                        .iter()
                        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
                {
                    headers.push(("content-type".into(), ct.into()));
                }
                (answer.status, headers, body)
            } else {
                let body = b"an example has one answer".to_vec();
                (500, Vec::new(), body)
            };
            let mut head = format!("HTTP/1.1 {status} Example\r\n");
            for (k, v) in headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str(&format!(
                "content-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            ));
            let mut out = head.into_bytes();
            out.extend_from_slice(&body);
            let _ = sock.write_all(&out).await;
            let _ = sock.shutdown().await;
        }
    });
    Ok((format!("http://{addr}"), seen))
}

/// The most bytes of a request the fake API reads.
const MAX_REQUEST: usize = 1 << 20;

/// Reads one HTTP/1.1 request (a `content-length` body).
async fn read_request(sock: &mut tokio::net::TcpStream) -> Option<Seen> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 || buf.len() > MAX_REQUEST {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_string();
    let target = first.next()?.to_string();
    let mut length = 0;
    let mut content_type = None;
    for line in lines {
        if let Some((k, v)) = line.split_once(':') {
            let k = k.trim().to_ascii_lowercase();
            if k == "content-length" {
                length = v.trim().parse().ok()?;
            } else if k == "content-type" {
                content_type = Some(v.trim().to_string());
            }
        }
    }
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length && body.len() <= MAX_REQUEST {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (target, None),
    };
    Some(Seen {
        method,
        path,
        query,
        content_type,
        body,
    })
}

/// An example step reads no names: its inputs are literal values.
struct NoNames;

impl Scope for NoNames {
    fn get(&self, _: Slot) -> Option<&Value> {
        None
    }
}

/// An example step calls no helper flows.
struct NoHelpers;

impl FlowCaller for NoHelpers {
    fn call(
        &self,
        _: FlowTarget,
        _: Value,
        _: Option<usize>,
    ) -> BoxFuture<'_, Result<Arc<Value>, CardError>> {
        Box::pin(std::future::ready(Err(CardError::new(
            flow_card::ErrorKind::Config,
            "an example calls no helper flows",
        ))))
    }
}
