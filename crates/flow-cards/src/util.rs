//! Small pieces the cards share: the registration of pure cards, futures for synchronous
//! cards, dot paths, and the default timeouts.

use flow_card::card::schema_of;
use flow_card::{
    BuildCx, Card, CardError, CardFuture, CardSpec, Effect, Expr, HttpResponse, Outcome, StepCx,
};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use std::time::Duration;

/// The timeout of pure cards (they finish in microseconds; this only guards against bugs).
pub const PURE_TIMEOUT: Duration = Duration::from_secs(90);
/// The timeout of one attempt of a connector call.
pub const CONNECTOR_TIMEOUT: Duration = Duration::from_secs(30);
/// The timeout of cards that run helper flows (the helpers' steps have their own).
pub const CALL_TIMEOUT: Duration = Duration::from_secs(3600);

/// Everything but RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`) is percent-encoded:
/// safe for a path segment or a query value, and `+` is never read as a space.
pub const STRICT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A finished future for cards that compute synchronously.
pub fn done<'a>(r: Result<Outcome, CardError>) -> CardFuture<'a> {
    Box::pin(std::future::ready(r))
}

/// A finished future holding a plain output.
pub fn output<'a>(r: Result<Value, CardError>) -> CardFuture<'a> {
    done(r.map(Outcome::value))
}

/// The registration of a pure card whose config type `C` is the card itself.
pub const fn pure<C: Card + DeserializeOwned + JsonSchema>(
    kind: &'static str,
    summary: &'static str,
    output: &'static str,
) -> CardSpec {
    CardSpec {
        kind,
        summary,
        effect: Effect::Pure,
        output,
        default_timeout: PURE_TIMEOUT,
        default_attempts: 1,
        trigger: None,
        schema: schema_of::<C>,
        build: build_config::<C>,
    }
}

fn build_config<C: Card + DeserializeOwned>(cx: &mut BuildCx<'_>) -> Option<Box<dyn Card>> {
    Some(Box::new(cx.config::<C>()?))
}

/// A whole number input (a position or a length): fractions and out-of-range values are
/// errors naming the field.
pub fn whole<K>(cx: &StepCx<'_>, e: &Expr<K>, field: &str) -> Result<i64, CardError> {
    let n = cx.number(e)?;
    if n.fract() != 0.0 || !n.is_finite() || n.abs() > 1e15 {
        return Err(CardError::input(format!(
            "`{field}` must be a whole number, found {n}"
        )));
    }
    Ok(n as i64)
}

/// A character position from a possibly negative index (counted from the end), clamped to the
/// text.
pub fn char_pos(len: usize, i: i64) -> usize {
    if i < 0 {
        len.saturating_sub(i.unsigned_abs() as usize)
    } else {
        (i as usize).min(len)
    }
}

/// The `{ status, headers, body }` output of the raw-request cards (`http.request`,
/// `okta.api_request`): header names lower-case, the body parsed when it is JSON, otherwise
/// its text; an empty body is `null`.
pub fn response_output(resp: &HttpResponse) -> Value {
    let headers: Map<String, Value> = resp
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let body = if resp.body.is_empty() {
        Value::Null
    } else {
        resp.json_body()
            .unwrap_or_else(|| Value::String(resp.text()))
    };
    json!({ "status": resp.status, "headers": headers, "body": body })
}

/// Follows an Okta-style dot path (`profile.email`, `items.0.id`) into a value; missing parts
/// give `None`. An empty path is the value itself.
pub fn dot_get<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    if path.is_empty() {
        return Some(v);
    }
    let mut cur = v;
    for seg in path.split('.') {
        cur = match cur {
            Value::Object(m) => m.get(seg)?,
            Value::Array(a) => a.get(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn responses_map_to_status_headers_and_body() {
        let resp = |body: &[u8]| HttpResponse {
            status: 201,
            headers: vec![("x-a".into(), "1".into())],
            body: body.to_vec(),
        };
        assert_eq!(
            response_output(&resp(b"{\"a\":[1]}")),
            json!({ "status": 201, "headers": { "x-a": "1" }, "body": { "a": [1] } })
        );
        assert_eq!(
            response_output(&resp(b"plain")),
            json!({ "status": 201, "headers": { "x-a": "1" }, "body": "plain" })
        );
        assert_eq!(
            response_output(&resp(b"")),
            json!({ "status": 201, "headers": { "x-a": "1" }, "body": null })
        );
    }

    #[test]
    fn dot_paths() {
        let v = json!({"profile": {"email": "a@x"}, "items": [{"id": 1}]});
        assert_eq!(dot_get(&v, "profile.email"), Some(&json!("a@x")));
        assert_eq!(dot_get(&v, "items.0.id"), Some(&json!(1)));
        assert_eq!(dot_get(&v, "nope.x"), None);
        assert_eq!(dot_get(&v, ""), Some(&v));
    }
}
