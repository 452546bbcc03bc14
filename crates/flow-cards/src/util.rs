//! Small pieces the cards share: futures for synchronous cards, dot paths, comparisons, and
//! the default timeouts.

use flow_card::{CardError, CardFuture, Outcome};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};
use serde_json::Value;
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
    fn dot_paths() {
        let v = json!({"profile": {"email": "a@x"}, "items": [{"id": 1}]});
        assert_eq!(dot_get(&v, "profile.email"), Some(&json!("a@x")));
        assert_eq!(dot_get(&v, "items.0.id"), Some(&json!(1)));
        assert_eq!(dot_get(&v, "nope.x"), None);
        assert_eq!(dot_get(&v, ""), Some(&v));
    }
}
