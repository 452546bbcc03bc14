//! `slack.update_message`: change a message the bot posted (`chat.update`).

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

/// Inputs of `slack.update_message`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The Slack connection.
    connection: ConnRef<Slack>,
    /// The channel id of the message (the `channel` output of the card that posted it).
    channel: Expr<Text>,
    /// The message's `ts`.
    ts: Expr<Text>,
    /// The new text (escaped and cut as in `slack.send_message`).
    #[serde(default)]
    text: Option<Expr<SlackText>>,
    /// The new blocks.
    #[serde(default)]
    blocks: Option<Expr<List>>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "slack.update_message",
    summary: "Update a Slack message (chat.update)",
    effect: Effect::Writes,
    output: "{ channel, ts, text }",
    default_timeout: CONNECTOR_TIMEOUT,
    default_attempts: 3,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| {
        let c: Config = cx.config()?;
        message::require_content(cx, "slack.update_message", &c.text, &c.blocks);
        Some(Box::new(c))
    },
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Replaces the text and/or blocks of a message with `chat.update`. `channel` must be the
channel id (`C…` or `D…`, as output by `slack.send_message` or `slack.send_message_to_user`), `ts`
the message's timestamp. Only messages the bot posted can be updated (`cant_update_message`,
`forbidden`); an unknown `ts` is `not_found` (`message_not_found`). Output:
`{ channel, ts, text }`."#,
    okta: &["Slack - Update Message"],
    examples: &[
        Example::gives(
            "A dry run",
            r#"{ connection: slack, channel: C0123ABCD, ts: "1700000000.000100", text: "Resolved" }"#,
            r#"{"channel": "C0123ABCD", "ts": "1700000000.000100", "text": "Resolved"}"#,
        ),
        Example::rejected(
            "Neither text nor blocks",
            r#"{ connection: slack, channel: C0123ABCD, ts: "1700000000.000100" }"#,
            "E0005",
        ),
    ],
};

impl Card for Config {
    fn check(&self, _: &mut dyn Checker) -> Type {
        Type::object([
            ("channel", Type::Text),
            ("ts", Type::Text),
            ("text", Type::Text),
        ])
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            let conn = cx.connection::<SlackLive, _>(&self.connection)?;
            let mut body = message::fields(cx, &self.text, &self.blocks)?;
            let channel = cx.text(&self.channel)?.into_owned();
            let ts = cx.text(&self.ts)?.trim().to_string();
            let channel = channel.trim().to_string();
            if channel.is_empty() || ts.is_empty() {
                return Err(CardError::input("`channel` and `ts` must not be empty"));
            }
            let text = body.get("text").cloned().unwrap_or(Value::Null);
            body.insert("channel".into(), Value::String(channel.clone()));
            body.insert("ts".into(), Value::String(ts.clone()));
            let answer = api::call(
                cx,
                &conn,
                "chat.update",
                &Value::Object(body),
                json!({ "channel": channel, "ts": ts, "text": text }),
            )
            .await?;
            Ok(Outcome::value(json!({
                "channel": api::field(&answer, "/channel"),
                "ts": api::field(&answer, "/ts"),
                "text": api::field(&answer, "/text"),
            })))
        })
    }
}
