//! Value semantics shared by the checker, the evaluator and the helpers: truthiness, how a value
//! renders into text, comparison, and Slack escaping.

use serde_json::Value;
use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt::Write;

/// Handlebars truthiness: `false`, `null`, `""`, `0`, `[]` and `{}` are false.
pub fn is_truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// Appends a value as text: text as is, `null` as nothing, numbers and booleans as written,
/// lists and objects as compact JSON.
pub fn render_text(v: &Value, out: &mut String) {
    match v {
        Value::Null => {}
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::String(s) => out.push_str(s),
        Value::Array(_) | Value::Object(_) => {
            let _ = write!(out, "{v}");
        }
    }
}

/// A value as text (see [`render_text`]).
pub fn to_text(v: &Value) -> Cow<'_, str> {
    match v {
        Value::String(s) => Cow::Borrowed(s),
        other => {
            let mut s = String::new();
            render_text(other, &mut s);
            Cow::Owned(s)
        }
    }
}

/// Escapes Slack's control characters `&`, `<` and `>` (and nothing else).
pub fn slack_escape(s: &str) -> Cow<'_, str> {
    if !s.contains(['&', '<', '>']) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Orders two values of the same kind: numbers numerically, text by code point, booleans
/// false before true. Values of different kinds do not compare.
pub fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::Null, Value::Null) => Some(Ordering::Equal),
        _ => None,
    }
}

/// Equality as flows expect it: numbers by value (`1` equals `1.0`), everything else exactly.
pub fn loose_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn truthiness() {
        for v in [
            json!(null),
            json!(false),
            json!(0),
            json!(""),
            json!([]),
            json!({}),
        ] {
            assert!(!is_truthy(&v), "{v}");
        }
        for v in [
            json!(true),
            json!(1),
            json!("false"),
            json!([0]),
            json!({"a": 1}),
        ] {
            assert!(is_truthy(&v), "{v}");
        }
    }

    #[test]
    fn text_rendering_and_escaping() {
        assert_eq!(to_text(&json!(null)), "");
        assert_eq!(to_text(&json!(1.5)), "1.5");
        assert_eq!(to_text(&json!(["a", 1])), "[\"a\",1]");
        assert_eq!(
            slack_escape("<!channel> & <http://x|y>"),
            "&lt;!channel&gt; &amp; &lt;http://x|y&gt;"
        );
        assert!(matches!(slack_escape("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn comparisons() {
        assert_eq!(compare(&json!(9), &json!(80)), Some(Ordering::Less));
        assert_eq!(compare(&json!("9"), &json!("80")), Some(Ordering::Greater));
        assert_eq!(compare(&json!(1), &json!("1")), None);
        assert!(loose_eq(&json!(1), &json!(1.0)));
    }
}
