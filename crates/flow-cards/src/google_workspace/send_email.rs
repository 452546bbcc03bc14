//! `google_workspace.send_email`: a plain-text or HTML email from the connection's user with Gmail's
//! `users.messages.send` (the message built here: RFC 2822 headers, an RFC 2047 subject, a
//! base64 body, the whole base64url-encoded as `raw`).

use super::GoogleWorkspace;
use crate::connector::ConnectorLive;
use crate::connector::action::{Answer, error_of};
use crate::util::CONNECTOR_TIMEOUT;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE};
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

/// Gmail's API root when the connection does not set `gmail_url`.
const GMAIL: &str = "https://gmail.googleapis.com";

/// Inputs of `google_workspace.send_email`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The Google Workspace connection; the mail is sent as its `subject` user.
    connection: ConnRef<GoogleWorkspace>,
    /// The recipient addresses: a list, or text with the addresses comma-separated.
    to: Expr<AnyValue>,
    /// The subject (one line; non-ASCII is encoded).
    subject: Expr<Text>,
    /// The body.
    body: Expr<Text>,
    /// Whether the body is HTML (Okta's "Body is HTML?"); default false: plain text.
    #[serde(default)]
    body_is_html: Option<Expr<Boolean>>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "google_workspace.send_email",
    summary: "Send a plain-text or HTML email with Gmail (users.messages.send)",
    effect: Effect::Writes,
    output: "{ id, threadId, labelIds }",
    default_timeout: CONNECTOR_TIMEOUT,
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Sends a message with Gmail's `users.messages.send` as the connection's user (`me`:
the service account's `subject`, or the owner of `token`). `to` is a list of addresses or text
with them comma-separated; `body_is_html: true` (Okta's "Body is HTML?") sends the body as
HTML. The message is built here — `To`, `Subject` (RFC 2047-encoded when not ASCII),
`MIME-Version`, `Content-Type: text/plain` (or `text/html`) `; charset=UTF-8` and a base64
body — and sent base64url-encoded as `raw` to
`{gmail_url}/gmail/v1/users/me/messages/send` (`gmail_url` defaults to
`https://gmail.googleapis.com`; scope `gmail.send`). A line break in `to` or `subject` is an
input error (it would add headers). Output: `{ id, threadId, labelIds }`. One attempt by
default: a retried send could deliver twice."#,
    // Okta Workflows' Gmail "Send Email" card; the function table only lists Okta and Slack.
    okta: &["Gmail - Send Email"],
    examples: &[
        Example::gives(
            "A dry run",
            r#"{ connection: google, to: bob@example.com, subject: Access removed, body: "Hi Bob" }"#,
            r#"{"id": "rehearsal", "threadId": "rehearsal", "labelIds": ["SENT"]}"#,
        ),
        Example::gives(
            "HTML to a list of recipients",
            r#"{ connection: google, to: [bob@example.com, eve@example.com], subject: Access removed, body: "<p>Hi</p>", body_is_html: true }"#,
            r#"{"id": "rehearsal", "threadId": "rehearsal", "labelIds": ["SENT"]}"#,
        ),
        Example::fails(
            "A subject that would add a header",
            r#"{ connection: google, to: bob@example.com, subject: "{{ inputs.s }}", body: x }"#,
            "`subject` must be one line",
        )
        .with_inputs(r#"{"s": "hi\r\nBcc: eve@example.com"}"#),
    ],
};

impl Card for Config {
    fn check(&self, _: &mut dyn Checker) -> Type {
        Type::object([
            ("id", Type::Text),
            ("threadId", Type::Text),
            ("labelIds", Type::list(Type::Text)),
        ])
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            let live = cx.connection::<ConnectorLive, _>(&self.connection)?;
            let to = one_line("to", &recipients(&*cx.value(&self.to)?)?)?;
            let subject = one_line("subject", &cx.text(&self.subject)?)?;
            let html = match &self.body_is_html {
                Some(e) => cx.truthy(e)?,
                None => false,
            };
            let message = rfc2822(&to, &subject, &cx.text(&self.body)?, html);
            let root = live
                .settings
                .get("gmail_url")
                .and_then(Value::as_str)
                .unwrap_or(GMAIL)
                .trim_end_matches('/')
                .to_string();
            let url = format!("{root}/gmail/v1/users/me/messages/send");
            let req = live
                .request("POST", url, cx.attempt)
                .json(&json!({ "raw": URL_SAFE.encode(message) }));
            let resp = live
                .send(cx, req, |_| {
                    HttpResponse::json(
                        200,
                        &json!({ "id": "rehearsal", "threadId": "rehearsal", "labelIds": ["SENT"] }),
                    )
                })
                .await?;
            let answer = Answer::of(&resp);
            if !resp.is_success() {
                let inputs = json!({ "to": to });
                let scope = answer.scope(&live.settings, &inputs);
                return Err(error_of(live.connector, None, &resp, &scope));
            }
            Ok(Outcome::value(answer.body))
        })
    }
}

/// `to` as one header value: a list's addresses joined with `, `, or the text itself.
fn recipients(to: &Value) -> Result<String, CardError> {
    match to {
        Value::Array(list) => list
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.trim().to_string()),
                _ => Err(CardError::input("`to` must list addresses (text)")),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(|a| a.join(", ")),
        Value::String(s) => Ok(s.clone()),
        _ => Err(CardError::input(
            "`to` must be an address, addresses separated by commas, or a list of addresses",
        )),
    }
}

/// The value, trimmed, if it has no line break (which would start a new header).
fn one_line(name: &str, value: &str) -> Result<String, CardError> {
    if value.contains(['\r', '\n']) {
        return Err(CardError::input(format!("`{name}` must be one line")));
    }
    Ok(value.trim().to_string())
}

/// An RFC 2822 message with a UTF-8 plain-text (or HTML) body in base64 (lines of 76).
fn rfc2822(to: &str, subject: &str, body: &str, html: bool) -> String {
    let subject = if subject.is_ascii() {
        subject.to_string()
    } else {
        format!("=?UTF-8?B?{}?=", STANDARD.encode(subject))
    };
    let encoded = STANDARD.encode(body);
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(76)
        .filter_map(|c| std::str::from_utf8(c).ok())
        .collect();
    format!(
        "To: {to}\r\nSubject: {subject}\r\nMIME-Version: 1.0\r\nContent-Type: text/{}; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n",
        if html { "html" } else { "plain" },
        lines.join("\r\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_has_encoded_subject_and_body() {
        let m = rfc2822(
            "bob@example.com",
            "Zugang entfernt für Bob",
            "Hallo\nBob",
            false,
        );
        assert!(
            m.starts_with("To: bob@example.com\r\nSubject: =?UTF-8?B?"),
            "{m}"
        );
        let body = m.split("\r\n\r\n").nth(1).unwrap().trim_end();
        assert_eq!(STANDARD.decode(body).unwrap(), b"Hallo\nBob");
        assert_eq!(
            rfc2822("a@x", "Plain", "", false).lines().nth(1),
            Some("Subject: Plain")
        );
        assert!(
            m.contains("\r\nContent-Type: text/plain; charset=UTF-8\r\n"),
            "{m}"
        );
        let h = rfc2822("a@x", "Html", "<p>Hi</p>", true);
        assert!(
            h.contains("\r\nContent-Type: text/html; charset=UTF-8\r\n"),
            "{h}"
        );
    }

    #[test]
    fn recipients_are_a_list_or_comma_separated_text() {
        let list = serde_json::json!(["a@x.com", " b@x.com"]);
        assert_eq!(recipients(&list).unwrap(), "a@x.com, b@x.com");
        let text = serde_json::json!("a@x.com, b@x.com");
        assert_eq!(recipients(&text).unwrap(), "a@x.com, b@x.com");
        assert!(recipients(&serde_json::json!([1])).is_err());
        assert!(recipients(&serde_json::json!({"a": 1})).is_err());
        // A list item with a line break is still refused as a header.
        let sneaky = serde_json::json!(["a@x.com\nBcc: e@x.com"]);
        assert!(one_line("to", &recipients(&sneaky).unwrap()).is_err());
    }

    #[test]
    fn line_breaks_cannot_add_headers() {
        assert!(one_line("to", "a@x.com\nBcc: e@x.com").is_err());
        assert_eq!(one_line("to", " a@x.com ").unwrap(), "a@x.com");
    }
}
