//! `slack.send_message`: posts a message with `chat.postMessage` (Okta's Send Message to
//! Channel) on the `slack` connector's connection. Slack answers HTTP 200 with `ok: false` for
//! its errors; those become step errors that carry Slack's code (`channel_not_found`,
//! `invalid_auth`, …), as for every Slack card.

use super::api;
use super::connection::{Slack, SlackLive};
use super::message;
use crate::util::CONNECTOR_TIMEOUT;
use flow_card::card::schema_of;
use flow_card::kinds::{List, SlackText, Text};
use flow_card::{Card, CardFuture, CardSpec, Checker, ConnRef, Effect, Expr, Outcome, StepCx};
use flow_card::{CardDoc, Example};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

/// Inputs of `slack.send_message`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The Slack connection.
    connection: ConnRef<Slack>,
    /// A channel id (`C…`) or name (`#security-alerts`).
    channel: Expr<Text>,
    /// The message. `{{ }}` values are escaped for Slack (`&`, `<`, `>`); `{{{ }}}` inserts
    /// markup on purpose. Cut with a marker above 40,000 characters.
    #[serde(default)]
    text: Option<Expr<SlackText>>,
    /// Block Kit blocks (then `text` is the notification fallback).
    #[serde(default)]
    blocks: Option<Expr<List>>,
    /// Reply in the thread of this message `ts`.
    #[serde(default)]
    thread_ts: Option<Expr<Text>>,
    /// Let Slack unfurl links (default: Slack's default).
    #[serde(default)]
    unfurl_links: Option<bool>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "slack.send_message",
    summary: "Post a Slack message with chat.postMessage",
    effect: Effect::Writes,
    output: "{ channel, ts }",
    default_timeout: CONNECTOR_TIMEOUT,
    default_attempts: 3,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| {
        let c: Config = cx.config()?;
        message::require_content(cx, "slack.send_message", &c.text, &c.blocks);
        Some(Box::new(c))
    },
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Posts with `chat.postMessage` to a channel id (`C…`) or name (`#security-alerts`); `thread_ts`
replies in a thread; with `blocks`, `text` is the notification fallback. Output:
`{ channel, ts }`.

Template values in `text` are escaped for Slack, so event data cannot post `<!channel>` or a
fake link; `blocks` are not escaped. Text longer than 40,000 characters is cut, ending with a
visible `… [cut: N more characters]` marker. A message needs `text` or `blocks` (`E0005`). In a
dry run nothing is sent: the output is a rehearsal."#,
    okta: &["Slack - Send Message to Channel"],
    examples: &[
        Example::gives(
            "A dry run",
            r#"{ connection: slack, channel: C0123, text: "hi {{ inputs.who }}" }"#,
            r#"{"channel": "C0DRYRUN00", "ts": "1700000000.000100"}"#,
        )
        .with_inputs(r#"{"who": "<!channel>"}"#),
        Example::rejected(
            "Neither text nor blocks",
            r#"{ connection: slack, channel: C0123 }"#,
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
            let mut body = message::fields(cx, &self.text, &self.blocks)?;
            body.insert(
                "channel".into(),
                Value::String(cx.text(&self.channel)?.into_owned()),
            );
            if let Some(ts) = cx.opt_text(&self.thread_ts)? {
                body.insert("thread_ts".into(), Value::String(ts));
            }
            if let Some(u) = self.unfurl_links {
                body.insert("unfurl_links".into(), Value::Bool(u));
            }
            let body = api::call(
                cx,
                &conn,
                "chat.postMessage",
                &Value::Object(body),
                json!({ "channel": "C0DRYRUN00", "ts": "1700000000.000100" }),
            )
            .await?;
            Ok(Outcome::value(json!({
                "channel": api::field(&body, "/channel"),
                "ts": api::field(&body, "/ts"),
            })))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slack::connection::live;
    use flow_card::{ErrorKind, HttpResponse};

    #[test]
    fn slack_answers() {
        let conn = live("http://127.0.0.1:9/api", "xoxb-t").unwrap();
        let parse = |r: &HttpResponse| api::check(&conn, r, "chat.postMessage");
        let ok = parse(&HttpResponse::json(
            200,
            &json!({"ok": true, "channel": "C1", "ts": "1.2"}),
        ))
        .unwrap();
        assert_eq!(ok["channel"], "C1");
        let e = parse(&HttpResponse::json(
            200,
            &json!({"ok": false, "error": "channel_not_found"}),
        ))
        .unwrap_err();
        assert_eq!(
            (e.kind, e.code.as_deref()),
            (ErrorKind::NotFound, Some("channel_not_found"))
        );
        let mut r = HttpResponse::json(429, &json!({"ok": false, "error": "ratelimited"}));
        r.headers.push(("retry-after".into(), "2".into()));
        let e = parse(&r).unwrap_err();
        assert_eq!(e.retry_after, Some(std::time::Duration::from_secs(2)));
        assert!(e.kind.is_retryable());
    }
}
