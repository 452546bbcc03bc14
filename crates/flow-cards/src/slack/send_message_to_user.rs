//! `slack.send_message_to_user`: a direct message from the bot (`conversations.open`, then
//! `chat.postMessage` to the DM channel).

use super::api;
use super::connection::{Slack, SlackLive};
use super::message;
use crate::util::CONNECTOR_TIMEOUT;
use flow_card::card::schema_of;
use flow_card::kinds::{List, SlackText, Text};
use flow_card::{
    Card, CardDoc, CardError, CardFuture, CardSpec, Checker, ConnRef, Effect, Example, Expr,
    Outcome, StepCx,
};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

/// Inputs of `slack.send_message_to_user`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The Slack connection.
    connection: ConnRef<Slack>,
    /// The user's id (`U…`); find it by email with `slack.find_user_by_email`.
    user: Expr<Text>,
    /// The message. `{{ }}` values are escaped for Slack; cut with a marker above 40,000
    /// characters.
    #[serde(default)]
    text: Option<Expr<SlackText>>,
    /// Block Kit blocks (then `text` is the notification fallback).
    #[serde(default)]
    blocks: Option<Expr<List>>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "slack.send_message_to_user",
    summary: "Send a Slack direct message to a user (conversations.open + chat.postMessage)",
    effect: Effect::Writes,
    output: "{ channel, ts }",
    default_timeout: CONNECTOR_TIMEOUT,
    default_attempts: 3,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| {
        let c: Config = cx.config()?;
        message::require_content(cx, "slack.send_message_to_user", &c.text, &c.blocks);
        Some(Box::new(c))
    },
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Opens (or finds) the bot's direct-message channel with `user` (`conversations.open`, scope
`im:write`), then posts there with `chat.postMessage` (scope `chat:write`). `user` is a user id
(`U…`): look one up by email with `slack.find_user_by_email`. Text is escaped and cut as in
`slack.send_message`; with `blocks`, `text` is the notification fallback. Output:
`{ channel, ts }` (the DM channel `D…` and the message's `ts`, for `slack.update_message` and
`slack.delete_message`). A retry after a failed post opens the same channel again, which Slack
allows."#,
    okta: &["Slack - Send Message to User"],
    examples: &[
        Example::gives(
            "A dry run",
            r#"{ connection: slack, user: U0123ABCD, text: "Your access was removed" }"#,
            r#"{"channel": "D0DRYRUN00", "ts": "1700000000.000100"}"#,
        ),
        Example::rejected(
            "Neither text nor blocks",
            r#"{ connection: slack, user: U0123ABCD }"#,
            "E0005",
        ),
    ],
};

impl Card for Config {
    fn check(&self, _: &mut dyn Checker) -> Type {
        Type::object([("channel", Type::Text), ("ts", Type::Text)])
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            let conn = cx.connection::<SlackLive, _>(&self.connection)?;
            let user = cx.text(&self.user)?.trim().to_string();
            if user.is_empty() {
                return Err(CardError::input("`user` is empty"));
            }
            let mut body = message::fields(cx, &self.text, &self.blocks)?;
            let open = api::call(
                cx,
                &conn,
                "conversations.open",
                &json!({ "users": user }),
                json!({ "channel": { "id": "D0DRYRUN00" } }),
            )
            .await?;
            let Some(channel) = open.pointer("/channel/id").and_then(Value::as_str) else {
                return Err(CardError::new(
                    flow_card::ErrorKind::Remote,
                    "conversations.open answered without a channel id",
                ));
            };
            body.insert("channel".into(), Value::String(channel.to_string()));
            let posted = api::call(
                cx,
                &conn,
                "chat.postMessage",
                &Value::Object(body),
                json!({ "channel": "D0DRYRUN00", "ts": "1700000000.000100" }),
            )
            .await?;
            Ok(Outcome::value(json!({
                "channel": api::field(&posted, "/channel"),
                "ts": api::field(&posted, "/ts"),
            })))
        })
    }
}
