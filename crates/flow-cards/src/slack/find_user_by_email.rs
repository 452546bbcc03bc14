//! `slack.find_user_by_email`: the workspace member with an email address
//! (`users.lookupByEmail`, scope `users:read.email`).

use super::api;
use super::connection::{Slack, SlackLive};
use crate::util::CONNECTOR_TIMEOUT;
use flow_card::card::schema_of;
use flow_card::kinds::Text;
use flow_card::{
    Card, CardDoc, CardFuture, CardSpec, Checker, ConnRef, Effect, Example, Expr, Outcome, StepCx,
};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

/// Inputs of `slack.find_user_by_email`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The Slack connection.
    connection: ConnRef<Slack>,
    /// The email address to look up.
    email: Expr<Text>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "slack.find_user_by_email",
    summary: "Find a Slack user by email (users.lookupByEmail)",
    effect: Effect::Reads,
    output: "{ id, name, real_name, deleted, is_bot, tz, profile }",
    default_timeout: CONNECTOR_TIMEOUT,
    default_attempts: 3,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Looks a member up with `users.lookupByEmail` (the token needs `users:read.email`). Output: the
user object — `{ id, team_id, name, real_name, deleted, is_bot, tz, profile }`, with the email in
`profile.email`. No member with that email is a `not_found` error with code `users_not_found`;
use `on_error: continue` to branch on it. In a dry run the output is a rehearsal."#,
    okta: &[],
    examples: &[
        Example::fails(
            "An empty email",
            r#"{ connection: slack, email: "{{ inputs.who }}" }"#,
            "`email` is empty",
        )
        .with_inputs(r#"{"who": " "}"#),
        Example::gives(
            "A dry run",
            r#"{ connection: slack, email: "alice@example.com" }"#,
            r#"{"id": "U0DRYRUN00", "team_id": "T0DRYRUN00", "name": "alice", "real_name": "Alice Example", "deleted": false, "is_bot": false, "tz": "UTC", "profile": {"email": "alice@example.com", "display_name": "alice", "real_name": "Alice Example"}}"#,
        ),
    ],
};

impl Card for Config {
    fn check(&self, _: &mut dyn Checker) -> Type {
        Type::object([
            ("id", Type::Text),
            ("team_id", Type::Text),
            ("name", Type::Text),
            ("real_name", Type::Text),
            ("deleted", Type::Boolean),
            ("is_bot", Type::Boolean),
            ("tz", Type::Text),
            ("profile", Type::Any),
        ])
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            let conn = cx.connection::<SlackLive, _>(&self.connection)?;
            let email = cx.text(&self.email)?.trim().to_string();
            if email.is_empty() {
                return Err(flow_card::CardError::input("`email` is empty"));
            }
            let rehearsal = json!({ "user": {
                "id": "U0DRYRUN00", "team_id": "T0DRYRUN00", "name": "alice",
                "real_name": "Alice Example", "deleted": false, "is_bot": false, "tz": "UTC",
                "profile": { "email": email, "display_name": "alice", "real_name": "Alice Example" }
            }});
            let body = api::call(
                cx,
                &conn,
                "users.lookupByEmail",
                None,
                &[("email", &email)],
                rehearsal,
            )
            .await?;
            Ok(Outcome::value(api::field(&body, "/user")))
        })
    }
}
