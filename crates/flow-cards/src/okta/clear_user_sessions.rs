//! `okta.clear_user_sessions`: ends every session of a user with
//! `DELETE /api/v1/users/{id}/sessions`, optionally revoking OAuth tokens too (Okta's Clear User
//! Sessions). Idempotent: clearing a user without sessions still succeeds.

use super::client;
use super::connection::{Okta, OktaLive};
use crate::util::CONNECTOR_TIMEOUT;
use flow_card::card::schema_of;
use flow_card::kinds::{Boolean, Text};
use flow_card::{
    Card, CardFuture, CardSpec, Checker, ConnRef, Effect, Expr, HttpResponse, Outcome, StepCx,
};
use flow_card::{CardDoc, Example};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

/// Inputs of `okta.clear_user_sessions`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The Okta connection.
    connection: ConnRef<Okta>,
    /// The user's id (or login).
    user_id: Expr<Text>,
    /// Also revoke OAuth and OIDC tokens issued to the user (default false).
    #[serde(default)]
    revoke_oauth_tokens: Option<Expr<Boolean>>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "okta.clear_user_sessions",
    summary: "End every Okta session of a user",
    effect: Effect::Writes,
    output: "{ status_code }",
    default_timeout: CONNECTOR_TIMEOUT,
    default_attempts: 3,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Clears a user's sessions, and with `revoke_oauth_tokens: true` the OAuth and OIDC tokens issued
to them. Output: `{ status_code }` (204 from Okta). Clearing a user without sessions succeeds.

It takes `connection:`, the name of an `okta` connection (`E0214` when it does not exist,
`E0215` when it is of another kind). The exact requests are in
[connectors.md](connectors.md#okta). In a dry run nothing is sent: the output is a rehearsal."#,
    okta: &["Okta - Clear User Sessions"],
    examples: &[
        Example::gives(
            "A dry run",
            r#"{ connection: okta, user_id: 00u1, revoke_oauth_tokens: true }"#,
            r#"{"status_code": 204}"#,
        ),
        Example::rejected(
            "A connection that does not exist",
            r#"{ connection: nope, user_id: 00u1 }"#,
            "E0214",
        ),
    ],
};

impl Card for Config {
    fn check(&self, _: &mut dyn Checker) -> Type {
        Type::object([("status_code", Type::Number)])
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            let conn = cx.connection::<OktaLive, _>(&self.connection)?;
            let user = cx.text(&self.user_id)?;
            let revoke = match &self.revoke_oauth_tokens {
                Some(r) => cx.truthy(r)?,
                None => false,
            };
            let mut path = format!("/api/v1/users/{}/sessions", client::user_segment(&user)?);
            if revoke {
                path.push_str("?oauthTokens=true");
            }
            let req = client::request(&conn, "DELETE", &path, cx.attempt);
            let resp = client::send(cx, &conn, req, |_| HttpResponse {
                status: 204,
                ..Default::default()
            })
            .await?;
            Ok(Outcome::value(json!({ "status_code": resp.status })))
        })
    }
}
