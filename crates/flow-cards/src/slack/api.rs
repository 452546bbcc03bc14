//! What the Rust Slack cards share: a Web API call on the `slack` connector's connection (its
//! credential, cap and rate-limit handling), read like every connector answer: Slack's HTTP
//! 200 `{"ok": false, "error": CODE}` becomes a card error with Slack's code and the kind the
//! connector file gives it (`errors:` in `connectors/slack.yaml`).

use super::connection::SlackLive;
use crate::connector::action::checked;
use flow_card::{CardError, ErrorKind, HttpResponse, StepCx};
use serde_json::{Value, json};

/// Calls Web API `method` with a JSON body (`POST`). In a dry run nothing is sent and Slack's
/// answer is `rehearsal` plus `ok: true`. Returns the whole body of an `ok: true` answer.
pub async fn call(
    cx: &StepCx<'_>,
    conn: &SlackLive,
    method: &str,
    body: &Value,
    rehearsal: Value,
) -> Result<Value, CardError> {
    let req = conn
        .request("POST", conn.url(&format!("/{method}")), cx.attempt)
        .json(body);
    let resp = conn
        .send(cx, req, |_| {
            let mut answer = json!({ "ok": true });
            if let (Some(map), Value::Object(extra)) = (answer.as_object_mut(), rehearsal.clone()) {
                map.extend(extra);
            }
            HttpResponse::json(200, &answer)
        })
        .await?;
    check(conn, &resp, method)
}

/// Reads Slack's answer: the body of an `ok: true` answer, or the connector's card error; a 2xx
/// answer without `ok: true` (not Slack's JSON) is a `remote` error naming the method.
pub fn check(conn: &SlackLive, resp: &HttpResponse, method: &str) -> Result<Value, CardError> {
    let body = checked(conn.connector, resp, &conn.settings)?;
    if body.get("ok").and_then(Value::as_bool) != Some(true) {
        return Err(CardError::new(
            ErrorKind::Remote,
            format!("Slack's answer to {method} is not `ok: true` JSON"),
        )
        .with_status(resp.status));
    }
    Ok(body)
}

/// A field of an answer, or `null`.
pub fn field(body: &Value, pointer: &str) -> Value {
    body.pointer(pointer).cloned().unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slack::connection::live;

    #[test]
    fn ok_false_keeps_the_code_and_kind() {
        let conn = live("http://127.0.0.1:9/api", "xoxb-t").unwrap();
        let resp = HttpResponse::json(200, &json!({"ok": false, "error": "users_not_found"}));
        let e = check(&conn, &resp, "users.lookupByEmail").unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotFound);
        assert_eq!(e.code.as_deref(), Some("users_not_found"));
        assert_eq!(e.message, "Slack answered users_not_found");
        let e = check(&conn, &HttpResponse::json(200, &json!({"ok": false})), "x").unwrap_err();
        assert_eq!(e.kind, ErrorKind::Remote);
        let ok = check(
            &conn,
            &HttpResponse::json(200, &json!({"ok": true, "a": 1})),
            "x",
        )
        .unwrap();
        assert_eq!(ok["a"], 1);
        let e = check(&conn, &HttpResponse::json(200, &"<html>"), "chat.update").unwrap_err();
        assert!(e.message.contains("chat.update"), "{}", e.message);
    }

    #[test]
    fn html_and_429_answers() {
        let conn = live("http://127.0.0.1:9/api", "xoxb-t").unwrap();
        let mut r = HttpResponse::json(429, &json!({"ok": false, "error": "ratelimited"}));
        r.headers.push(("retry-after".into(), "3".into()));
        let e = check(&conn, &r, "chat.update").unwrap_err();
        assert_eq!(e.kind, ErrorKind::RateLimited);
        assert_eq!(e.retry_after, Some(std::time::Duration::from_secs(3)));
        let e = check(&conn, &HttpResponse::json(503, &"busy"), "chat.update").unwrap_err();
        assert!(e.kind.is_retryable());
    }
}
