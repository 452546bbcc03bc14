//! `<connector>.api_request`, Okta Workflows' Custom API Action, generated for every connector:
//! any call on the connection's base URL, authenticated by it. The path must start with `/`,
//! may not have `.`/`..` segments (however encoded), must stay under `api_request.path_prefixes`
//! when the connector sets them, and the URL as sent must stay on the connection's origin.
//! Extra `headers` may not replace the connection's credential or the request's framing.

use super::action::{Answer, AnyConn, CallScope, encode_pairs, error_of, failed};
use super::live::ConnectorLive;
use super::load::Connector;
use crate::util::CONNECTOR_TIMEOUT;
use flow_card::kinds::{AnyValue, Object, Text};
use flow_card::{
    Card, CardError, CardFuture, CardSpec, Checker, ConnRef, Effect, Expr, HttpRequest,
    HttpResponse, Outcome, StepCx,
};
use flow_model::Type;
use percent_encoding::percent_decode_str;
use serde_json::{Value, json};
use url::Url;

/// The connector an `api_request` card kind belongs to: the registry's data for the kind.
#[derive(Debug, Clone, Copy)]
pub struct ApiRef(pub &'static Connector);

/// A configured `api_request` card.
#[derive(Debug)]
pub struct ApiCard {
    connector: &'static Connector,
    conn: u32,
    method: Option<Expr<Text>>,
    path: Expr<Text>,
    query: Option<Expr<Object>>,
    headers: Option<Expr<Object>>,
    body: Option<Expr<AnyValue>>,
}

/// The spec of `<connector>.api_request` (its kind and summary live in the connector).
pub fn spec(kind: &'static str, summary: &'static str) -> CardSpec {
    CardSpec {
        kind,
        summary,
        effect: Effect::Writes,
        output: "{ status, headers, body } (body: the parsed JSON, else the text; null when empty)",
        default_timeout: CONNECTOR_TIMEOUT,
        default_attempts: 3,
        trigger: None,
        schema: |_| schemars::json_schema!({}),
        build,
    }
}

/// The JSON Schema of its `with:`.
pub fn schema() -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["connection", "path"],
        "properties": {
            "connection": { "type": "string", "description": "the name of a connection in flowctl.yaml" },
            "method": { "type": "string", "description": "GET (default), POST, PUT, PATCH or DELETE" },
            "path": { "type": "string", "description": "the path after the base URL, e.g. /rest/api/3/myself" },
            "query": { "description": "query parameters (encoded for you)" },
            "headers": { "description": "extra request headers, name → text (not authorization, cookie, host or the body's framing)" },
            "body": { "description": "a JSON body" }
        }
    })
}

fn build(cx: &mut flow_card::BuildCx<'_>) -> Option<Box<dyn Card>> {
    let Some(ApiRef(connector)) = cx.card_data::<ApiRef>().map(|a| *a) else {
        cx.report(
            flow_model::Code::Config,
            None,
            "this connector is not registered",
        );
        return None;
    };
    let with = cx.with_node().clone();
    let mut conn = None;
    let (mut method, mut path, mut query, mut headers, mut body) = (None, None, None, None, None);
    for (k, v) in with.as_map().unwrap_or_default() {
        match flow_model::node::key_text(k).as_str() {
            "connection" => conn = cx.conn_of(v, connector.def.connector.as_str()),
            "method" => method = Some(Expr::from_id(cx.expr_of(v, "method", Type::Text))),
            "path" => path = Some(Expr::from_id(cx.expr_of(v, "path", Type::Text))),
            "query" => query = Some(Expr::from_id(cx.expr_of(v, "query", Type::Object(None)))),
            "headers" => {
                headers = Some(Expr::from_id(cx.expr_of(v, "headers", Type::Object(None))))
            }
            "body" => body = Some(Expr::from_id(cx.expr_of(v, "body", Type::Any))),
            other => cx.report(
                flow_model::Code::UnknownKey,
                Some(k.span),
                format!(
                    "step `{}`: unknown key `{other}` (allowed keys: connection, method, path, query, headers, body)",
                    cx.step_id()
                ),
            ),
        }
    }
    for (key, given) in [("connection", conn.is_some()), ("path", path.is_some())] {
        if !given {
            cx.report(
                flow_model::Code::MissingKey,
                None,
                format!("step `{}`: missing key `{key}`", cx.step_id()),
            );
        }
    }
    Some(Box::new(ApiCard {
        connector,
        conn: conn?,
        method,
        path: path?,
        query,
        headers,
        body,
    }))
}

/// Refuses a path that does not start with `/` or one of `prefixes`, and any `.` or `..`
/// segment however it is written (`%2e%2e`, `.%2E`, `..\`; `%2F` may be decoded by a server).
pub fn check_path(path: &str, prefixes: &[String]) -> Result<(), CardError> {
    let refuse = |why: String| Err(CardError::input(format!("`path` {why}, found `{path}`")));
    if !path.starts_with('/') || path.starts_with("//") {
        return refuse("must start with a single /".into());
    }
    if !prefixes.is_empty() && !prefixes.iter().any(|p| path.starts_with(p.as_str())) {
        return refuse(format!("must start with {}", prefixes.join(" or ")));
    }
    let path_only = path.split(['?', '#']).next().unwrap_or_default();
    let decoded = percent_decode_str(path_only).decode_utf8_lossy();
    if decoded
        .split(['/', '\\'])
        .any(|seg| seg == "." || seg == "..")
    {
        return refuse("must not have `.` or `..` segments (also written %2e)".into());
    }
    Ok(())
}

/// Headers a flow may not set on a connection's request: the credential and cookies belong to
/// the connection, the framing to the HTTP client.
const RESERVED_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
];

/// The extra headers of a request, checked: names are HTTP tokens and not reserved, values
/// are text (numbers and booleans as written) without line breaks; null values are left out.
pub fn extra_headers(given: &Value) -> Result<Vec<(String, String)>, CardError> {
    let Value::Object(map) = given else {
        return Err(CardError::input(
            "`headers` must be an object of name → text",
        ));
    };
    let mut out = Vec::new();
    for (name, v) in map {
        let token = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
        if !token {
            return Err(CardError::input(format!(
                "`headers`: `{name}` is not a header name"
            )));
        }
        let lower = name.to_ascii_lowercase();
        if RESERVED_HEADERS.contains(&lower.as_str()) {
            return Err(CardError::input(format!(
                "`headers`: `{name}` is set by the connection, not by a flow"
            )));
        }
        let text = match v {
            Value::Null => continue,
            Value::String(t) => t.clone(),
            Value::Number(_) | Value::Bool(_) => v.to_string(),
            _ => {
                return Err(CardError::input(format!(
                    "`headers`: the value of `{name}` must be text"
                )));
            }
        };
        if text.contains(['\r', '\n', '\0']) {
            return Err(CardError::input(format!(
                "`headers`: the value of `{name}` has a line break"
            )));
        }
        out.push((lower, text));
    }
    Ok(out)
}

/// `req` with the extra headers of [`extra_headers`]: each replaces the request's of its name
/// (the connector's own, the body's content type).
pub fn with_headers(mut req: HttpRequest, extra: Vec<(String, String)>) -> HttpRequest {
    for (name, value) in extra {
        req.headers.retain(|(k, _)| *k != name);
        req = req.header(&name, value);
    }
    req
}

/// The URL as it will be sent, checked to stay on the base URL's origin and under its path.
pub fn confined_url(base: &str, path: &str) -> Result<String, CardError> {
    let outside = || {
        CardError::input(format!(
            "`path` must stay on the connection, found `{path}`"
        ))
    };
    let Ok(b) = Url::parse(base) else {
        // A dry run keeps a missing `${env:…}` as text: nothing is sent.
        return Ok(format!("{base}{path}"));
    };
    let url = Url::parse(&format!("{base}{path}")).map_err(|_| outside())?;
    let prefix = b.path().trim_end_matches('/');
    if url.origin() != b.origin()
        || !url.username().is_empty()
        || url.password().is_some()
        || !url.path().starts_with(prefix)
    {
        return Err(outside());
    }
    Ok(url.into())
}

impl Card for ApiCard {
    fn check(&self, _: &mut dyn Checker) -> Type {
        Type::object([
            ("status", Type::Number),
            ("headers", Type::Object(None)),
            ("body", Type::Any),
        ])
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            let conn = cx.connection::<ConnectorLive, AnyConn>(&ConnRef::from_id(self.conn))?;
            let method = match &self.method {
                Some(m) => cx.text(m)?.to_ascii_uppercase(),
                None => "GET".into(),
            };
            if !matches!(method.as_str(), "GET" | "POST" | "PUT" | "PATCH" | "DELETE") {
                return Err(CardError::input(format!(
                    "`method` must be GET, POST, PUT, PATCH or DELETE, found {method}"
                )));
            }
            let mut path = cx.text(&self.path)?.into_owned();
            let prefixes = self
                .connector
                .def
                .api_request
                .as_ref()
                .map(|a| a.path_prefixes.clone())
                .unwrap_or_default();
            check_path(&path, &prefixes)?;
            if let Some(q) = &self.query
                && let Value::Object(m) = &*cx.value(q)?
            {
                let pairs: Vec<(String, Value)> =
                    m.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                let q = encode_pairs(&pairs);
                if !q.is_empty() {
                    path.push(if path.contains('?') { '&' } else { '?' });
                    path.push_str(&q);
                }
            }
            let url = confined_url(&conn.base, &path)?;
            let extra = match &self.headers {
                Some(h) => extra_headers(cx.value(h)?.as_ref())?,
                None => Vec::new(),
            };
            let mut req = conn.request(&method, url, cx.attempt);
            if let Some(b) = &self.body {
                let v = cx.value(b)?;
                if !v.is_null() {
                    req = req.json(&v);
                }
            }
            let req = with_headers(req, extra);
            let resp = conn
                .send(cx, req, |_| HttpResponse::json(200, &json!({})))
                .await?;
            let answer = Answer::of(&resp);
            let inputs = Value::Null;
            let scope = CallScope {
                values: [
                    Some(&conn.settings),
                    Some(&inputs),
                    Some(&answer.status),
                    Some(&answer.headers),
                    Some(&answer.body),
                ],
            };
            if failed(self.connector, &resp, &scope) {
                return Err(error_of(self.connector, None, &resp, &scope));
            }
            Ok(Outcome::value(json!({
                "status": resp.status,
                "headers": answer.headers,
                "body": answer.body,
            })))
        })
    }
}
