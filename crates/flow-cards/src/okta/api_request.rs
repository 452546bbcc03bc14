//! `okta.api_request`: any other Okta Management API call, authenticated by the connection
//! (Okta's Custom API Action). The path is relative to the org and must start with `/api/`.

use super::client;
use super::connection::{Okta, OktaLive};
use crate::util::CONNECTOR_TIMEOUT;
use crate::util::STRICT;
use flow_card::card::schema_of;
use flow_card::kinds::{AnyValue, Object, Text};
use flow_card::{
    Card, CardError, CardFuture, CardSpec, Checker, ConnRef, Effect, Expr, HttpResponse, Outcome,
    StepCx,
};
use flow_model::Type;
use percent_encoding::utf8_percent_encode;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

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
    /// A JSON body.
    #[serde(default)]
    body: Option<Expr<AnyValue>>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "okta.api_request",
    summary: "Call any Okta Management API endpoint",
    effect: Effect::Writes,
    output: "{ status, headers, body }",
    default_timeout: CONNECTOR_TIMEOUT,
    default_attempts: 3,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
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
            if !(path.starts_with("/api/") || path.starts_with("/oauth2/"))
                || path.contains("..")
                || path.contains("://")
            {
                return Err(CardError::input(format!(
                    "`path` must start with /api/ (or /oauth2/), found `{path}`"
                )));
            }
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
            let mut req = client::request(&conn, &method, &path, cx.attempt);
            if let Some(b) = &self.body {
                let v = cx.value(b)?;
                if !v.is_null() {
                    req = req.json(&v);
                }
            }
            let resp =
                client::send(cx, &conn, req, |_| HttpResponse::json(200, &json!({}))).await?;
            let headers: Map<String, Value> = resp
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            let body = resp.json_body().unwrap_or_else(|| {
                if resp.body.is_empty() {
                    Value::Null
                } else {
                    Value::String(resp.text())
                }
            });
            Ok(Outcome::value(
                json!({ "status": resp.status, "headers": headers, "body": body }),
            ))
        })
    }
}
