//! `http.request`: calls any HTTP API (Okta's Raw Request), optionally through an `http`
//! connection that adds credentials, a base URL and a host allow-list.

use super::connection::{Http, HttpLive};
use super::target;
use crate::retry_after::retry_after;
use crate::util::STRICT;
use crate::util::{CONNECTOR_TIMEOUT, response_output};
use flow_card::card::schema_of;
use flow_card::kinds::{AnyValue, Object, Text};
use flow_card::{
    Card, CardError, CardFuture, CardSpec, Checker, ConnRef, Effect, Expr, HttpRequest,
    HttpResponse, Outcome, StepCx,
};
use flow_card::{CardDoc, Example};
use flow_model::Type;
use percent_encoding::utf8_percent_encode;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

/// Inputs of `http.request`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// GET (default), POST, PUT, PATCH, DELETE, HEAD or OPTIONS.
    #[serde(default)]
    method: Option<Expr<Text>>,
    /// The URL; relative to the connection's `base_url` when it does not start with http(s)://.
    /// It is parsed once and the parsed URL is checked against `allow_hosts` and sent; a URL
    /// with credentials (`user:password@`) is refused. Redirects are not followed.
    url: Expr<Text>,
    /// Request headers. A `content-type` given here (in any case) replaces the one the body
    /// would set.
    #[serde(default)]
    headers: Option<Expr<Object>>,
    /// Query parameters, added to the URL encoded.
    #[serde(default)]
    query: Option<Expr<Object>>,
    /// The body: objects and lists are sent as JSON, text as text/plain.
    #[serde(default)]
    body: Option<Expr<AnyValue>>,
    /// An `http` connection for credentials, base URL and allowed hosts.
    #[serde(default)]
    connection: Option<ConnRef<Http>>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "http.request",
    summary: "Call any HTTP API",
    effect: Effect::Writes,
    output: "{ status, headers, body } (body: the parsed JSON, else the text; null when empty)",
    default_timeout: CONNECTOR_TIMEOUT,
    default_attempts: 3,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Calls any HTTP API. Details of the request and the error mapping are in
[connectors.md](connectors.md#httprequest). `url` is an absolute `http(s)://` URL or a path
relative to the connection's `base_url`. `method` is `GET` (default), `POST`, `PUT`, `PATCH`,
`DELETE`, `HEAD` or `OPTIONS`, in any case. Header names are lower-cased; a `content-type` in
`headers` replaces the one the body would set. An object, list, number or boolean body is sent
as JSON, text as `text/plain; charset=utf-8`.

Output: `{ status, headers, body }`; `body` is parsed when it is JSON, else text. Only 2xx
answers are outputs; any other status is an error. Redirects are not followed. In a dry run the
request is recorded, not sent, and the answer is a rehearsal."#,
    okta: &[
        "HTTP - Raw Request",
        "HTTP - Get",
        "HTTP - Post",
        "HTTP - Put",
        "HTTP - Patch",
        "HTTP - Delete",
    ],
    examples: &[
        Example::gives(
            "A dry run rehearses",
            r#"{ connection: api, method: POST, url: /tickets, body: { title: x } }"#,
            r#"{"status": 200, "headers": {"content-type": "application/json"}, "body": {}}"#,
        ),
        Example::rejected(
            "A connection that does not exist",
            r#"{ connection: nope, url: /x }"#,
            "E0214",
        ),
    ],
};

impl Card for Config {
    fn check(&self, _: &mut dyn Checker) -> Type {
        Type::object([
            ("status", Type::Number),
            ("headers", Type::Object(None)),
            ("body", Type::Any),
        ])
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            let conn: Option<Arc<HttpLive>> = match &self.connection {
                Some(c) => Some(cx.connection::<HttpLive, _>(c)?),
                None => None,
            };
            let req = self.build(cx, conn.as_deref())?;
            let _permit = match &conn {
                Some(c) => Some(
                    c.limiter
                        .acquire()
                        .await
                        .map_err(|_| CardError::input("connection closed"))?,
                ),
                None => None,
            };
            let resp = cx
                .send(req, |_| HttpResponse::json(200, &json!({})))
                .await?;
            if !resp.is_success() {
                let kind = CardError::kind_for_status(resp.status);
                let body = resp.text();
                let snippet: String = body.chars().take(200).collect();
                return Err(CardError::new(
                    kind,
                    format!("the server answered {}: {snippet}", resp.status),
                )
                .with_status(resp.status)
                .with_retry_after(retry_after(&resp)));
            }
            Ok(Outcome::value(response_output(&resp)))
        })
    }
}

impl Config {
    fn build(&self, cx: &StepCx<'_>, conn: Option<&HttpLive>) -> Result<HttpRequest, CardError> {
        let method = match &self.method {
            Some(m) => check_method(&cx.text(m)?)?,
            None => "GET".to_string(),
        };
        let raw = cx.text(&self.url)?;
        let mut url = if is_absolute(&raw) {
            raw.into_owned()
        } else {
            match conn.and_then(|c| c.base_url.as_deref()) {
                Some(base) => format!(
                    "{}/{}",
                    base.trim_end_matches('/'),
                    raw.trim_start_matches('/')
                ),
                None => {
                    return Err(CardError::input(format!(
                        "`url` must start with http:// or https://, found `{raw}`"
                    )));
                }
            }
        };
        if let Some(q) = &self.query
            && let Value::Object(m) = &*cx.value(q)?
        {
            let mut sep = if url.contains('?') { '&' } else { '?' };
            for (k, v) in m {
                url.push(sep);
                sep = '&';
                url.push_str(&utf8_percent_encode(k, STRICT).to_string());
                url.push('=');
                url.push_str(&utf8_percent_encode(&flow_template::to_text(v), STRICT).to_string());
            }
        }
        // Every check is made on the parsed URL, and that URL is what is sent.
        let url = target::parse(&url)?;
        let host = target::host_key(&url);
        if let Some(c) = conn
            && !c.allow_hosts.is_empty()
            && !target::is_allowed(&host, &c.allow_hosts)
        {
            return Err(CardError::input(format!(
                "host `{host}` is not in the connection's allow_hosts"
            )));
        }
        let mut req = HttpRequest::new(&method, String::from(url));
        if let Some(c) = conn {
            req.max_response = c.max_response;
            for s in &c.secrets {
                req = req.secret(s.clone());
            }
            if let Some((k, v)) = &c.auth {
                req = req.header(k, v.clone());
            }
        }
        if let Some(h) = &self.headers
            && let Value::Object(m) = &*cx.value(h)?
        {
            for (k, v) in m {
                req = req.header(k, flow_template::to_text(v).into_owned());
            }
        }
        if let Some(b) = &self.body {
            req = with_body(req, cx.value(b)?.into_owned());
        }
        Ok(req)
    }
}

/// True for a URL with an http(s) scheme, in any case (`HTTPS://` is absolute too).
fn is_absolute(url: &str) -> bool {
    let starts = |p: &str| {
        url.get(..p.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(p))
    };
    starts("http://") || starts("https://")
}

/// The methods `http.request` sends.
const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// The method upper-cased, or an input error that lists every accepted method.
fn check_method(method: &str) -> Result<String, CardError> {
    let upper = method.to_ascii_uppercase();
    if METHODS.contains(&upper.as_str()) {
        Ok(upper)
    } else {
        let listed = match METHODS.split_last() {
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        };
        Err(CardError::input(format!(
            "`method` must be {listed}, found `{method}`"
        )))
    }
}

/// Adds the body: text as is, anything else but `null` as JSON. Its content type is added only
/// when the headers have none, so a `content-type` the flow gives wins and is sent once.
fn with_body(mut req: HttpRequest, body: Value) -> HttpRequest {
    let content_type = match body {
        Value::Null => return req,
        Value::String(s) => {
            req.body = Some(s.into_bytes());
            "text/plain; charset=utf-8"
        }
        other => {
            req.body = Some(other.to_string().into_bytes());
            "application/json; charset=utf-8"
        }
    };
    // Header names are stored lower-case, so this finds `Content-Type` too.
    if !req.headers.iter().any(|(k, _)| k == "content-type") {
        req = req.header("content-type", content_type);
    }
    req
}

#[cfg(test)]
mod tests {
    use super::{HttpRequest, METHODS, check_method, with_body};
    use serde_json::json;

    fn content_types(req: &HttpRequest) -> Vec<&str> {
        req.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    #[test]
    fn a_content_type_the_flow_gives_wins_and_is_sent_once() {
        for name in ["content-type", "Content-Type", "CONTENT-TYPE"] {
            for body in [json!({ "a": 1 }), json!([1, 2]), json!("text"), json!(3)] {
                let req = HttpRequest::new("POST", "https://x.example.com/")
                    .header(name, "application/vnd.api+json");
                let req = with_body(req, body.clone());
                assert_eq!(
                    content_types(&req),
                    ["application/vnd.api+json"],
                    "{name} with {body}"
                );
            }
        }
    }

    #[test]
    fn the_body_sets_its_content_type_when_none_is_given() {
        let req = with_body(
            HttpRequest::new("POST", "https://x.example.com/"),
            json!({ "a": 1 }),
        );
        assert_eq!(content_types(&req), ["application/json; charset=utf-8"]);
        assert_eq!(req.body.as_deref(), Some(&b"{\"a\":1}"[..]));
        let req = with_body(
            HttpRequest::new("POST", "https://x.example.com/"),
            json!("hi"),
        );
        assert_eq!(content_types(&req), ["text/plain; charset=utf-8"]);
        let req = with_body(
            HttpRequest::new("GET", "https://x.example.com/"),
            json!(null),
        );
        assert!(req.body.is_none());
        assert!(content_types(&req).is_empty());
    }

    #[test]
    fn methods_are_checked_and_the_error_lists_every_accepted_one() {
        for m in METHODS {
            assert_eq!(check_method(&m.to_ascii_lowercase()).unwrap(), *m);
        }
        let e = check_method("TRACE").unwrap_err();
        assert_eq!(
            e.message,
            "`method` must be GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS, found `TRACE`"
        );
    }
}
