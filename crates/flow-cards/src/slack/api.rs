//! What the Slack Web API cards share: an authenticated call under the connection's cap, and
//! Slack's answer read as data or as an error. Slack answers HTTP 200 with `ok: false` and an
//! `error` code for its errors; those become step errors that keep the code.

use super::connection::SlackLive;
use crate::retry_after::retry_after;
use crate::util::STRICT;
use flow_card::{CardError, ErrorKind, HttpRequest, HttpResponse, StepCx};
use percent_encoding::utf8_percent_encode;
use serde_json::{Value, json};

/// Calls Web API `method` with a JSON body (`POST`), or with `query` pairs (`GET`) when `body`
/// is `None`. In a dry run nothing is sent and Slack's answer is `rehearsal` plus `ok: true`.
/// Returns the whole answer body of an `ok: true` answer.
pub async fn call(
    cx: &StepCx<'_>,
    conn: &SlackLive,
    method: &str,
    body: Option<&Value>,
    query: &[(&str, &str)],
    rehearsal: Value,
) -> Result<Value, CardError> {
    let mut url = format!("{}/{method}", conn.api_url);
    for (i, (k, v)) in query.iter().enumerate() {
        url.push(if i == 0 { '?' } else { '&' });
        url.push_str(&format!(
            "{}={}",
            utf8_percent_encode(k, STRICT),
            utf8_percent_encode(v, STRICT)
        ));
    }
    let mut req = HttpRequest::new(if body.is_some() { "POST" } else { "GET" }, url)
        .header("authorization", format!("Bearer {}", conn.token))
        .secret(conn.token.clone());
    if let Some(body) = body {
        req = req.json(body);
    }
    let _permit = conn
        .limiter
        .acquire()
        .await
        .map_err(|_| CardError::input("connection closed"))?;
    let resp = cx
        .send(req, |_| {
            let mut answer = json!({ "ok": true });
            if let (Some(map), Value::Object(extra)) = (answer.as_object_mut(), rehearsal) {
                map.extend(extra);
            }
            HttpResponse::json(200, &answer)
        })
        .await?;
    check(&resp, method)
}

/// Reads Slack's answer: the body of an `ok: true` answer, or an error that keeps Slack's code
/// (`channel_not_found`, `users_not_found`, …) and the wait of a 429. The message reads
/// "Slack refused WHAT: CODE" plus a hint for some codes.
pub fn check(resp: &HttpResponse, what: &str) -> Result<Value, CardError> {
    if resp.status == 429 {
        return Err(
            CardError::new(ErrorKind::RateLimited, "Slack is rate limiting (429)")
                .with_status(429)
                .with_code("ratelimited")
                .with_retry_after(retry_after(resp).or(Some(std::time::Duration::from_secs(1)))),
        );
    }
    if !resp.is_success() {
        return Err(CardError::new(
            CardError::kind_for_status(resp.status),
            format!("Slack answered {}", resp.status),
        )
        .with_status(resp.status)
        .with_retry_after(retry_after(resp)));
    }
    let body = resp
        .json_body()
        .ok_or_else(|| CardError::new(ErrorKind::Remote, "Slack's answer is not JSON"))?;
    if body.get("ok").and_then(Value::as_bool) == Some(true) {
        return Ok(body);
    }
    let code = body
        .get("error")
        .and_then(Value::as_str)
        .unwrap_or("unknown_error")
        .to_string();
    Err(CardError::new(
        kind_of(&code),
        format!("Slack refused {what}: {code}{}", hint(&code)),
    )
    .with_status(resp.status)
    .with_code(code))
}

/// The error kind of a Slack error code.
fn kind_of(code: &str) -> ErrorKind {
    match code {
        "not_authed" | "invalid_auth" | "account_inactive" | "token_revoked" | "token_expired" => {
            ErrorKind::Unauthorized
        }
        "missing_scope"
        | "restricted_action"
        | "ekm_access_denied"
        | "posting_to_general_channel_denied"
        | "cant_delete_message"
        | "cant_update_message"
        | "cant_invite" => ErrorKind::Forbidden,
        "channel_not_found" | "users_not_found" | "user_not_found" | "message_not_found" => {
            ErrorKind::NotFound
        }
        "not_in_channel" | "is_archived" | "already_in_channel" | "cant_invite_self"
        | "user_disabled" | "edit_window_closed" => ErrorKind::InvalidState,
        "rate_limited" | "ratelimited" => ErrorKind::RateLimited,
        "internal_error" | "fatal_error" | "service_unavailable" | "request_timeout" => {
            ErrorKind::Server
        }
        _ => ErrorKind::Remote,
    }
}

/// A hint for the codes people most often meet.
fn hint(code: &str) -> &'static str {
    match code {
        "not_in_channel" => " (invite the bot to the channel)",
        "channel_not_found" => {
            " (check the channel name, or invite the bot to the private channel)"
        }
        "users_not_found" => " (no user of the workspace has this email)",
        "missing_scope" => " (the token lacks a scope this method needs)",
        "already_in_channel" => " (the user is already a member)",
        _ => "",
    }
}

/// A field of an answer, or `null`.
pub fn field(body: &Value, pointer: &str) -> Value {
    body.pointer(pointer).cloned().unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_false_keeps_the_code_and_kind() {
        let resp = HttpResponse::json(200, &json!({"ok": false, "error": "users_not_found"}));
        let e = check(&resp, "users.lookupByEmail").unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotFound);
        assert_eq!(e.code.as_deref(), Some("users_not_found"));
        assert!(e.message.contains("users.lookupByEmail"), "{}", e.message);
        let ok = check(&HttpResponse::json(200, &json!({"ok": true, "a": 1})), "x").unwrap();
        assert_eq!(ok["a"], 1);
    }

    #[test]
    fn html_and_429_answers() {
        let mut r = HttpResponse::json(429, &json!({"ok": false}));
        r.headers.push(("retry-after".into(), "3".into()));
        let e = check(&r, "chat.update").unwrap_err();
        assert_eq!(e.retry_after, Some(std::time::Duration::from_secs(3)));
        let e = check(&HttpResponse::json(503, &"busy"), "chat.update").unwrap_err();
        assert!(e.kind.is_retryable());
    }
}
