//! `slack.invite_to_channel`: invite users to a channel (`conversations.invite`).

use super::api;
use super::connection::{Slack, SlackLive};
use crate::util::CONNECTOR_TIMEOUT;
use flow_card::card::schema_of;
use flow_card::kinds::Text;
use flow_card::{
    Card, CardDoc, CardError, CardFuture, CardSpec, Checker, ConnRef, Effect, Example, Expr,
    Outcome, StepCx,
};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

/// Inputs of `slack.invite_to_channel`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The Slack connection.
    connection: ConnRef<Slack>,
    /// The channel id (`C…`).
    channel: Expr<Text>,
    /// One user id (`U…`), or several separated by commas (at most 1000).
    users: Expr<Text>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "slack.invite_to_channel",
    summary: "Invite users to a Slack channel (conversations.invite)",
    effect: Effect::Writes,
    output: "{ channel, name }",
    default_timeout: CONNECTOR_TIMEOUT,
    default_attempts: 3,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Invites `users` (user ids, comma-separated) to `channel` (a channel id) with
`conversations.invite` (scope `channels:manage` or `groups:write`; the bot must be in the channel).
Output: `{ channel, name }` of the channel. A user already in the channel is an
`invalid_state` error with code `already_in_channel`; an unknown user `not_found`
(`user_not_found`)."#,
    okta: &["Slack - Invite User to Channel"],
    examples: &[
        Example::gives(
            "A dry run",
            r#"{ connection: slack, channel: C0123ABCD, users: "U0123ABCD,U0456EFGH" }"#,
            r#"{"channel": "C0123ABCD", "name": "rehearsal"}"#,
        ),
        Example::fails(
            "No user ids",
            r#"{ connection: slack, channel: C0123ABCD, users: " , " }"#,
            "`channel` and `users` must not be empty",
        ),
    ],
};

impl Card for Config {
    fn check(&self, _: &mut dyn Checker) -> Type {
        Type::object([("channel", Type::Text), ("name", Type::Text)])
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            let conn = cx.connection::<SlackLive, _>(&self.connection)?;
            let channel = cx.text(&self.channel)?.trim().to_string();
            let users: Vec<String> = cx
                .text(&self.users)?
                .split(',')
                .map(str::trim)
                .filter(|u| !u.is_empty())
                .map(str::to_string)
                .collect();
            if channel.is_empty() || users.is_empty() {
                return Err(CardError::input("`channel` and `users` must not be empty"));
            }
            let body = api::call(
                cx,
                &conn,
                "conversations.invite",
                Some(&json!({ "channel": channel, "users": users.join(",") })),
                &[],
                json!({ "channel": { "id": channel, "name": "rehearsal" } }),
            )
            .await?;
            Ok(Outcome::value(json!({
                "channel": api::field(&body, "/channel/id"),
                "name": api::field(&body, "/channel/name"),
            })))
        })
    }
}
