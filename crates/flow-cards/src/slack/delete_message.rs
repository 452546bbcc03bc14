//! `slack.delete_message`: delete a message the bot posted (`chat.delete`).

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

/// Inputs of `slack.delete_message`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The Slack connection.
    connection: ConnRef<Slack>,
    /// The channel id of the message.
    channel: Expr<Text>,
    /// The message's `ts`.
    ts: Expr<Text>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "slack.delete_message",
    summary: "Delete a Slack message (chat.delete)",
    effect: Effect::Writes,
    output: "{ channel, ts }",
    default_timeout: CONNECTOR_TIMEOUT,
    default_attempts: 3,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Deletes a message with `chat.delete`. `channel` is the channel id (`C…` or `D…`), `ts` the
message's timestamp. A bot token can delete only the bot's own messages (`cant_delete_message`,
`forbidden`); a message already gone is `not_found` (`message_not_found`). Output:
`{ channel, ts }`."#,
    okta: &["Slack - Delete Message"],
    examples: &[
        Example::gives(
            "A dry run",
            r#"{ connection: slack, channel: C0123ABCD, ts: "1700000000.000100" }"#,
            r#"{"channel": "C0123ABCD", "ts": "1700000000.000100"}"#,
        ),
        Example::fails(
            "An empty ts",
            r#"{ connection: slack, channel: C0123ABCD, ts: "" }"#,
            "`channel` and `ts` must not be empty",
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
            let channel = cx.text(&self.channel)?.into_owned();
            let ts = cx.text(&self.ts)?.trim().to_string();
            let channel = channel.trim().to_string();
            if channel.is_empty() || ts.is_empty() {
                return Err(CardError::input("`channel` and `ts` must not be empty"));
            }
            let answer = api::call(
                cx,
                &conn,
                "chat.delete",
                Some(&json!({ "channel": channel, "ts": ts })),
                &[],
                json!({ "channel": channel, "ts": ts }),
            )
            .await?;
            Ok(Outcome::value(json!({
                "channel": api::field(&answer, "/channel"),
                "ts": api::field(&answer, "/ts"),
            })))
        })
    }
}
