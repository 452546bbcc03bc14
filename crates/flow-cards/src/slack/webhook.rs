//! `slack.webhook`: posts to a Slack incoming webhook. Slack answers `200 ok`, or a status and
//! a plain-text code (`no_text`, `channel_is_archived`, …) that becomes the step's error.

use super::connection::{SlackWebhook, WebhookLive};
use super::message;
use crate::retry_after::retry_after;
use crate::util::CONNECTOR_TIMEOUT;
use flow_card::card::schema_of;
use flow_card::kinds::{List, SlackText};
use flow_card::{
    Card, CardError, CardFuture, CardSpec, Checker, ConnRef, Effect, ErrorKind, Expr, HttpRequest,
    HttpResponse, Outcome, StepCx,
};
use flow_card::{CardDoc, Example};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

/// Inputs of `slack.webhook`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The webhook connection.
    connection: ConnRef<SlackWebhook>,
    /// The message; `{{ }}` values are escaped for Slack.
    #[serde(default)]
    text: Option<Expr<SlackText>>,
    /// Block Kit blocks.
    #[serde(default)]
    blocks: Option<Expr<List>>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "slack.webhook",
    summary: "Post a message to a Slack incoming webhook",
    effect: Effect::Writes,
    output: "{ ok: true }",
    default_timeout: CONNECTOR_TIMEOUT,
    default_attempts: 3,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| {
        let c: Config = cx.config()?;
        message::require_content(cx, "slack.webhook", &c.text, &c.blocks);
        Some(Box::new(c))
    },
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Posts to an incoming webhook (the channel is fixed by the webhook). Output: `{ ok: true }`.

Template values in `text` are escaped for Slack, so event data cannot post `<!channel>` or a
fake link; `blocks` are not escaped. Text longer than 40,000 characters is cut, ending with a
visible `… [cut: N more characters]` marker. A message needs `text` or `blocks` (`E0005`). In a
dry run nothing is sent: the output is a rehearsal."#,
    okta: &["Slack - Send Message (incoming webhook)"],
    examples: &[
        Example::gives(
            "A dry run",
            r#"{ connection: hook, text: done }"#,
            r#"{"ok": true}"#,
        ),
        Example::rejected(
            "A connection of another kind",
            r#"{ connection: okta, text: hi }"#,
            "E0215",
        ),
    ],
};

impl Card for Config {
    fn check(&self, _: &mut dyn Checker) -> Type {
        Type::object([("ok", Type::Boolean)])
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            let conn = cx.connection::<WebhookLive, _>(&self.connection)?;
            let body = message::fields(cx, &self.text, &self.blocks)?;
            let req = HttpRequest::new("POST", conn.url.clone())
                .secret(webhook_secret(&conn.url))
                .json(&Value::Object(body));
            let resp = cx
                .send(req, |_| HttpResponse {
                    status: 200,
                    headers: Vec::new(),
                    body: b"ok".to_vec(),
                })
                .await?;
            if resp.status == 200 && resp.text().trim() == "ok" {
                return Ok(Outcome::value(json!({ "ok": true })));
            }
            let code = resp.text().trim().chars().take(80).collect::<String>();
            let kind = match resp.status {
                429 => ErrorKind::RateLimited,
                500..=599 => ErrorKind::Server,
                404 => ErrorKind::NotFound,
                403 => ErrorKind::Forbidden,
                _ => ErrorKind::Remote,
            };
            Err(CardError::new(
                kind,
                format!(
                    "Slack refused the webhook message ({}): {code}",
                    resp.status
                ),
            )
            .with_status(resp.status)
            .with_code(code)
            .with_retry_after(retry_after(&resp)))
        })
    }
}

/// The secret part of a webhook URL: everything after `/services/`, or the whole URL.
fn webhook_secret(url: &str) -> String {
    url.split_once("/services/")
        .map_or_else(|| url.to_string(), |(_, s)| s.to_string())
}
