//! What `okta.suspend_user` and `okta.unsuspend_user` share: `POST /api/v1/users/{id}/lifecycle/{op}`.
//!
//! Okta's API is not idempotent here: suspending a suspended user is a 400 E0000001. These cards
//! are: on that answer they read the user, and a user already in the target state is success
//! with `already: true`. Any other state (deprovisioned, staged, …) is an `invalid_state` error
//! that quotes Okta's code and cause and names the state. (Other Okta cards report E0000001 as
//! a plain `remote` refusal: there it means a bad request, not the user's state.)

use super::client;
use super::connection::{Okta, OktaLive};
use crate::util::CONNECTOR_TIMEOUT;
use flow_card::card::schema_of;
use flow_card::kinds::Text;
use flow_card::{
    Card, CardError, CardFuture, CardSpec, Checker, ConnRef, Effect, ErrorKind, Expr, HttpResponse,
    Outcome, StepCx,
};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

/// Inputs of `okta.suspend_user` and `okta.unsuspend_user`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The Okta connection.
    connection: ConnRef<Okta>,
    /// The user's id (or login).
    user_id: Expr<Text>,
}

/// One lifecycle operation.
#[derive(Debug)]
pub struct Lifecycle {
    config: Config,
    op: &'static str,
    /// The state the operation leads to.
    target: &'static str,
}

/// The spec of a lifecycle card; the card's file gives its `build`.
pub const fn lifecycle_spec(kind: &'static str, summary: &'static str) -> CardSpec {
    CardSpec {
        kind,
        summary,
        effect: Effect::Writes,
        output: "{ status_code, already } (already: the user was in that state before)",
        default_timeout: CONNECTOR_TIMEOUT,
        default_attempts: 3,
        trigger: None,
        schema: schema_of::<Config>,
        build: |_| None,
    }
}

impl Lifecycle {
    /// The card for operation `op` (`suspend`), which leads to state `target` (`SUSPENDED`).
    pub fn new(config: Config, op: &'static str, target: &'static str) -> Self {
        Lifecycle { config, op, target }
    }
}

impl Card for Lifecycle {
    fn check(&self, _: &mut dyn Checker) -> Type {
        Type::object([("status_code", Type::Number), ("already", Type::Boolean)])
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            let conn = cx.connection::<OktaLive, _>(&self.config.connection)?;
            let user = cx.text(&self.config.user_id)?;
            let segment = client::user_segment(&user)?;
            let path = format!("/api/v1/users/{segment}/lifecycle/{}", self.op);
            let req = client::request(&conn, "POST", &path, cx.attempt);
            match client::send(cx, &conn, req, |_| HttpResponse::json(200, &json!({}))).await {
                Ok(resp) => Ok(Outcome::value(
                    json!({ "status_code": resp.status, "already": false }),
                )),
                Err(e) if client::is_validation_failure(&e) => {
                    // Okta refused because of the user's state: find out which.
                    let e = CardError {
                        kind: ErrorKind::InvalidState,
                        ..e
                    };
                    let get = client::request(
                        &conn,
                        "GET",
                        &format!("/api/v1/users/{segment}"),
                        cx.attempt,
                    );
                    let current = client::send(cx, &conn, get, |_| {
                        HttpResponse::json(200, &client::rehearsal_user(&user, self.target))
                    })
                    .await
                    .ok()
                    .and_then(|r| r.json_body())
                    .and_then(|b| b.get("status").and_then(Value::as_str).map(str::to_string));
                    match current.as_deref() {
                        Some(s) if s == self.target => Ok(Outcome::value(
                            json!({ "status_code": 200, "already": true }),
                        )),
                        Some(s) => Err(CardError {
                            message: format!(
                                "cannot {} user `{user}` whose status is {s}: {}",
                                self.op, e.message
                            ),
                            ..e
                        }),
                        None => Err(e),
                    }
                }
                Err(e) => Err(e),
            }
        })
    }
}
