//! `okta.api_request`: any other Okta Management API call, authenticated by the connection
//! (Okta's Custom API Action). The path is relative to the org and must start with `/api/`.

use super::client;
use super::connection::{Okta, OktaLive};
use crate::util::STRICT;
use crate::util::{CONNECTOR_TIMEOUT, response_output};
use flow_card::card::schema_of;
use flow_card::kinds::{AnyValue, Object, Text};
use flow_card::{
    Card, CardError, CardFuture, CardSpec, Checker, ConnRef, Effect, Expr, HttpResponse, Outcome,
    StepCx,
};
use flow_card::{CardDoc, Example};
use flow_model::Type;
use percent_encoding::{percent_decode_str, utf8_percent_encode};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

/// Inputs of `okta.api_request`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The Okta connection.
    connection: ConnRef<Okta>,
    /// GET (default), POST, PUT, PATCH or DELETE.
    #[serde(default)]
    method: Option<Expr<Text>>,
    /// The path, e.g. `/api/v1/groups/{{ group.id }}/users`.
    path: Expr<Text>,
    /// Query parameters (encoded for you).
    #[serde(default)]
    query: Option<Expr<Object>>,
    /// Extra request headers, name → text (not `authorization`, `cookie`, `host` or the
    /// body's framing, which are the connection's and the client's).
    #[serde(default)]
    headers: Option<Expr<Object>>,
    /// A JSON body.
    #[serde(default)]
    body: Option<Expr<AnyValue>>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "okta.api_request",
    summary: "Call any Okta Management API endpoint",
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
    description: r#"Any other Okta Management API call, authenticated by the connection. `path` starts with `/api/`
(or `/oauth2/`), e.g. `/api/v1/groups/{{ group.id }}/users`, with no `..`; template values in
it are inserted as they are, not encoded; `query` values are encoded; `headers` adds request
headers (a flow's replaces the connection's of that name; the credential, cookies and framing
cannot be set). Output:
`{ status, headers, body }`; `body` is the parsed JSON, text, or `null` when empty.

It takes `connection:`, the name of an `okta` connection (`E0214` when it does not exist,
`E0215` when it is of another kind). The exact requests are in
[connectors.md](connectors.md#okta). In a dry run nothing is sent: the output is a rehearsal."#,
    okta: &["Okta - Custom API Action"],
    examples: &[
        Example::gives(
            "A dry run",
            r#"{ connection: okta, path: /api/v1/groups, query: { limit: 50 } }"#,
            r#"{"status": 200, "headers": {"content-type": "application/json"}, "body": {}}"#,
        ),
        Example::fails(
            "A path outside the API",
            r#"{ connection: okta, path: "{{ inputs.p }}" }"#,
            r#"/api/"#,
        )
        .with_inputs(r#"{"p": "/admin"}"#),
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
            let conn = cx.connection::<OktaLive, _>(&self.connection)?;
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
            check_path(&path)?;
            if let Some(q) = &self.query
                && let Value::Object(m) = &*cx.value(q)?
            {
                let mut sep = if path.contains('?') { '&' } else { '?' };
                for (k, v) in m {
                    path.push(sep);
                    sep = '&';
                    path.push_str(&format!(
                        "{}={}",
                        utf8_percent_encode(k, STRICT),
                        utf8_percent_encode(&flow_template::to_text(v), STRICT)
                    ));
                }
            }
            // The URL is checked as it is sent: parsed (dot segments resolved) and still on
            // the org, under /api/ or /oauth2/. The record shows this URL.
            let url = client::org_url(&conn, &path)?;
            let extra = match &self.headers {
                Some(h) => crate::connector::api::extra_headers(cx.value(h)?.as_ref())?,
                None => Vec::new(),
            };
            let mut req = client::request_to(&conn, &method, url, cx.attempt);
            if let Some(b) = &self.body {
                let v = cx.value(b)?;
                if !v.is_null() {
                    req = req.json(&v);
                }
            }
            let req = crate::connector::api::with_headers(req, extra);
            let resp =
                client::send(cx, &conn, req, |_| HttpResponse::json(200, &json!({}))).await?;
            Ok(Outcome::value(response_output(&resp)))
        })
    }
}

/// Refuses a path outside `/api/` and `/oauth2/`, and any `.` or `..` segment, however it is
/// written: URL parsing resolves `%2e%2e`, `.%2E` and `..\` to `..`, and a server may decode
/// `%2F` into a separator, so segments are read after percent-decoding and split at `/` and `\`.
fn check_path(path: &str) -> Result<(), CardError> {
    let refuse = |why: &str| Err(CardError::input(format!("`path` {why}, found `{path}`")));
    if !(path.starts_with("/api/") || path.starts_with("/oauth2/")) {
        return refuse("must start with /api/ (or /oauth2/)");
    }
    let path_only = path.split(['?', '#']).next().unwrap_or_default();
    let decoded = percent_decode_str(path_only).decode_utf8_lossy();
    if decoded
        .split(['/', '\\'])
        .any(|seg| seg == "." || seg == "..")
    {
        return refuse("must not have `.` or `..` segments (also written %2e)");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_path;

    #[test]
    fn dot_segments_are_refused_however_written() {
        for ok in [
            "/api/v1/users",
            "/api/v1/users/a.b%40x.com",
            "/api/v1/groups/00g1/users/00u1",
            "/oauth2/v1/clients",
            "/api/v1/users?q=..",
            "/api/v1/users/..x",
        ] {
            assert_eq!(check_path(ok).map_err(|e| e.message), Ok(()), "{ok}");
        }
        for bad in [
            "/api/v1/groups/00g1/users/../../../apps/0oa1",
            "/api/v1/groups/00g1/users/%2e%2e/%2e%2e/%2e%2e/apps/0oa1",
            "/api/v1/groups/00g1/users/%2E%2e/x",
            "/api/v1/groups/00g1/users/.%2e/x",
            "/api/v1/groups/00g1/users/%2e./x",
            "/api/v1/groups/00g1/users/..\\x",
            "/api/v1/groups/00g1/users/%2e%2e%2fx",
            "/api/v1/groups/00g1/users/%2e%2e%5cx",
            "/api/v1/./users",
            "/api/v1/users/%2e",
        ] {
            assert_eq!(
                check_path(bad).map_err(|e| e.message),
                Err(format!(
                    "`path` must not have `.` or `..` segments (also written %2e), found `{bad}`"
                )),
                "{bad}"
            );
        }
        assert_eq!(
            check_path("//evil.example.com/api/").map_err(|e| e.message),
            Err(
                "`path` must start with /api/ (or /oauth2/), found `//evil.example.com/api/`"
                    .into()
            )
        );
    }
}
