//! `microsoft365.send_mail`: a plain-text or HTML mail with Microsoft Graph's `sendMail`
//! (`POST /users/{mailbox}/sendMail`), Okta Workflows' Office 365 Mail "Send Email": To, CC and
//! BCC as lists (or one address, or addresses separated by commas), a message type, and the
//! mailbox of the connection (`mailbox`) unless the step names another (`from`).

use super::Microsoft365;
use crate::connector::ConnectorLive;
use crate::connector::action::{Answer, error_of, segment};
use crate::util::CONNECTOR_TIMEOUT;
use flow_card::card::schema_of;
use flow_card::kinds::{AnyValue, Boolean, Text};
use flow_card::{
    Card, CardDoc, CardError, CardFuture, CardSpec, Checker, ConnRef, Effect, Example, Expr,
    HttpResponse, Outcome, StepCx,
};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

/// Inputs of `microsoft365.send_mail`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The Microsoft 365 connection.
    connection: ConnRef<Microsoft365>,
    /// The mailbox to send as (a user id or userPrincipalName); default the connection's
    /// `mailbox`.
    #[serde(default)]
    from: Option<Expr<Text>>,
    /// The recipients: a list of addresses, one address, or addresses separated by commas.
    #[serde(default)]
    to: Option<Expr<AnyValue>>,
    /// The Cc recipients, as `to`.
    #[serde(default)]
    cc: Option<Expr<AnyValue>>,
    /// The Bcc recipients, as `to`.
    #[serde(default)]
    bcc: Option<Expr<AnyValue>>,
    /// The subject.
    #[serde(default)]
    subject: Option<Expr<Text>>,
    /// The body.
    #[serde(default)]
    body: Option<Expr<Text>>,
    /// `Text` (default) or `HTML` (Okta's Message Type).
    #[serde(default)]
    message_type: Option<Expr<Text>>,
    /// Keep a copy in the mailbox's Sent Items (default true).
    #[serde(default)]
    save_to_sent_items: Option<Expr<Boolean>>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "microsoft365.send_mail",
    summary: "Send a plain-text or HTML mail from a mailbox with Microsoft Graph (sendMail)",
    effect: Effect::Writes,
    output: "number (202)",
    default_timeout: CONNECTOR_TIMEOUT,
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Sends a message with Microsoft Graph's `POST /users/{mailbox}/sendMail`
(https://learn.microsoft.com/en-us/graph/api/user-sendmail), as Okta Workflows' Office 365
Mail "Send Email" does. The mailbox is `from` when the step gives it, else the connection's
`mailbox` setting (Okta sends as the connection's user; with app credentials Graph needs a
mailbox in the path): with neither, the step fails with an input error before anything is
sent. `to`, `cc` and `bcc` are each a list of addresses, one address, or addresses separated
by commas, and become Graph's `toRecipients`, `ccRecipients` and `bccRecipients`
(`[{ "emailAddress": { "address": … } }]`); at least one recipient is needed.
`message_type` is `Text` (default) or `HTML` (Okta's Message Type). Graph answers
`202 Accepted` with no body: the output is the status. One attempt by default: a retried send
could deliver twice."#,
    okta: &["Office 365 Mail - Send Email"],
    examples: &[
        Example::gives(
            "A dry run, from the connection's mailbox",
            r#"{ connection: graph, to: [bob@contoso.com, eve@contoso.com], cc: carol@contoso.com, subject: Access removed, body: "<p>Hi</p>", message_type: HTML }"#,
            "202",
        ),
        Example::fails(
            "An address list that is not text",
            r#"{ connection: graph, to: [1, 2], subject: Hi }"#,
            "`to` must list addresses",
        ),
        Example::fails(
            "No recipient at all",
            r#"{ connection: graph, subject: Hi, body: Hello }"#,
            "has no recipient",
        ),
    ],
};

impl Card for Config {
    fn check(&self, _: &mut dyn Checker) -> Type {
        Type::Number
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            let live = cx.connection::<ConnectorLive, _>(&self.connection)?;
            let mut recipients = Vec::new();
            for (name, expr) in [("to", &self.to), ("cc", &self.cc), ("bcc", &self.bcc)] {
                let list = match expr {
                    Some(e) => addresses(name, &*cx.value(e)?)?,
                    None => Vec::new(),
                };
                recipients.push(list);
            }
            if recipients.iter().all(Vec::is_empty) {
                return Err(CardError::input(
                    "the mail has no recipient: give `to`, `cc` or `bcc`",
                ));
            }
            let from = cx.opt_text(&self.from)?.filter(|f| !f.trim().is_empty());
            let mailbox = match from {
                Some(f) => f,
                None => mailbox_setting(&live.settings).ok_or_else(|| {
                    CardError::input(
                        "no mailbox to send from: give `from`, or set `mailbox` on the connection",
                    )
                })?,
            };
            let content_type = content_type(cx.opt_text(&self.message_type)?.as_deref())?;
            let save = match &self.save_to_sent_items {
                Some(e) => cx.truthy(e)?,
                None => true,
            };
            let message = json!({
                "message": {
                    "subject": cx.opt_text(&self.subject)?.unwrap_or_default(),
                    "body": { "contentType": content_type, "content": cx.opt_text(&self.body)?.unwrap_or_default() },
                    "toRecipients": graph_recipients(&recipients[0]),
                    "ccRecipients": graph_recipients(&recipients[1]),
                    "bccRecipients": graph_recipients(&recipients[2]),
                },
                "saveToSentItems": save,
            });
            let url = live.url(&format!(
                "/users/{}/sendMail",
                segment("from", &Value::String(mailbox.clone()))?
            ));
            let req = live.request("POST", url, cx.attempt).json(&message);
            let resp = live
                .send(cx, req, |_| HttpResponse::json(202, &Value::Null))
                .await?;
            if !resp.is_success() {
                let answer = Answer::of(&resp);
                let inputs = json!({ "from": mailbox });
                let scope = answer.scope(&live.settings, &inputs);
                return Err(error_of(live.connector, None, &resp, &scope));
            }
            Ok(Outcome::value(json!(resp.status)))
        })
    }
}

/// The connection's `mailbox` setting, when it is set and not empty.
fn mailbox_setting(settings: &Value) -> Option<String> {
    settings
        .get("mailbox")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map(str::to_string)
}

/// A recipient input as addresses: a list's items, or text split at commas; empty entries are
/// left out (Okta hands an unset list as `[]` and an unset text as `""`).
fn addresses(name: &str, v: &Value) -> Result<Vec<String>, CardError> {
    let parts: Vec<String> = match v {
        Value::Null => Vec::new(),
        Value::Array(list) => list
            .iter()
            .map(|item| match item {
                Value::String(s) => Ok(s.clone()),
                _ => Err(CardError::input(format!(
                    "`{name}` must list addresses (text)"
                ))),
            })
            .collect::<Result<_, _>>()?,
        Value::String(s) => s.split(',').map(str::to_string).collect(),
        _ => {
            return Err(CardError::input(format!(
                "`{name}` must be an address, addresses separated by commas, or a list of addresses"
            )));
        }
    };
    Ok(parts
        .into_iter()
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty())
        .collect())
}

/// Graph's recipient list: `[{ "emailAddress": { "address": … } }]`.
fn graph_recipients(addresses: &[String]) -> Value {
    Value::Array(
        addresses
            .iter()
            .map(|a| json!({ "emailAddress": { "address": a } }))
            .collect(),
    )
}

/// Graph's `contentType` for Okta's Message Type: `Text` (also when unset) or `HTML`.
fn content_type(message_type: Option<&str>) -> Result<&'static str, CardError> {
    match message_type.map(str::trim) {
        None | Some("") => Ok("Text"),
        Some(t) if t.eq_ignore_ascii_case("text") => Ok("Text"),
        Some(t) if t.eq_ignore_ascii_case("html") => Ok("HTML"),
        Some(t) => Err(CardError::input(format!(
            "`message_type` is `{t}`: it must be `Text` or `HTML`"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_are_lists_single_addresses_or_comma_separated_text() {
        assert_eq!(
            addresses("to", &json!(["a@x.com", " b@x.com", ""])).unwrap(),
            ["a@x.com", "b@x.com"]
        );
        assert_eq!(
            addresses("to", &json!("a@x.com, b@x.com")).unwrap(),
            ["a@x.com", "b@x.com"]
        );
        assert!(addresses("cc", &json!("")).unwrap().is_empty());
        assert!(addresses("cc", &Value::Null).unwrap().is_empty());
        let e = addresses("bcc", &json!([1])).unwrap_err();
        assert!(e.message.contains("`bcc` must list addresses"), "{e:?}");
        assert!(addresses("to", &json!({ "a": 1 })).is_err());
    }

    #[test]
    fn graph_recipients_wrap_each_address() {
        assert_eq!(
            graph_recipients(&["a@x.com".into()]),
            json!([{ "emailAddress": { "address": "a@x.com" } }])
        );
        assert_eq!(graph_recipients(&[]), json!([]));
    }

    #[test]
    fn message_types_are_text_or_html() {
        assert_eq!(content_type(None).unwrap(), "Text");
        assert_eq!(content_type(Some("")).unwrap(), "Text");
        assert_eq!(content_type(Some("html")).unwrap(), "HTML");
        assert_eq!(content_type(Some("Text")).unwrap(), "Text");
        assert!(content_type(Some("Markdown")).is_err());
    }

    #[test]
    fn the_mailbox_setting_is_used_only_when_set() {
        assert_eq!(
            mailbox_setting(&json!({ "mailbox": " ops@contoso.com " })).as_deref(),
            Some("ops@contoso.com")
        );
        assert_eq!(mailbox_setting(&json!({ "mailbox": "" })), None);
        assert_eq!(mailbox_setting(&json!({})), None);
    }
}
