//! The comparison operators of `list.filter` and `list.find`, and the ordering of `list.sort`.

use crate::util::dot_get;
use flow_template::{is_truthy, to_text};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;
use std::borrow::Cow;
use std::cmp::Ordering;

/// How an item (or the value at `path` in it) is compared with `value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Operator {
    /// Equal: numbers by value (`1` equals `1.0`), also inside lists and objects.
    Eq,
    /// Not equal.
    Ne,
    /// Greater than.
    Gt,
    /// Greater than or equal.
    Gte,
    /// Less than.
    Lt,
    /// Less than or equal.
    Lte,
    /// Text: holds `value` as text (`"order 42"` contains `42`). A list: has an item equal to
    /// `value` (numbers by value). An object: has the key `value`. Anything else: false.
    Contains,
    /// The opposite of `contains`.
    NotContains,
    /// The text starts with `value`.
    StartsWith,
    /// The text ends with `value`.
    EndsWith,
    /// `value` is a list that holds the item.
    In,
    /// `value` is a list that does not hold the item.
    NotIn,
    /// Null, empty text, empty list or empty object.
    IsEmpty,
    /// Not empty.
    IsNotEmpty,
    /// Truthy (not false, null, 0, empty).
    IsTrue,
}

impl Operator {
    /// True when the operator needs a `value` to compare with.
    pub fn needs_value(self) -> bool {
        !matches!(
            self,
            Operator::IsEmpty | Operator::IsNotEmpty | Operator::IsTrue
        )
    }

    /// Applies the operator to an item.
    pub fn matches(self, item: &Value, path: Option<&str>, value: &Value) -> bool {
        let subject = match path {
            Some(p) => dot_get(item, p).unwrap_or(&Value::Null),
            None => item,
        };
        let eq = same;
        match self {
            Operator::Eq => eq(subject, value),
            Operator::Ne => !eq(subject, value),
            Operator::Gt => order(subject, value) == Some(Ordering::Greater),
            Operator::Gte => matches!(
                order(subject, value),
                Some(Ordering::Greater | Ordering::Equal)
            ),
            Operator::Lt => order(subject, value) == Some(Ordering::Less),
            Operator::Lte => matches!(
                order(subject, value),
                Some(Ordering::Less | Ordering::Equal)
            ),
            Operator::Contains => contains(subject, value),
            Operator::NotContains => !contains(subject, value),
            Operator::StartsWith => {
                matches!(subject, Value::String(s) if s.starts_with(&*to_text(value)))
            }
            Operator::EndsWith => {
                matches!(subject, Value::String(s) if s.ends_with(&*to_text(value)))
            }
            Operator::In => matches!(value, Value::Array(a) if a.iter().any(|x| eq(x, subject))),
            Operator::NotIn => {
                !matches!(value, Value::Array(a) if a.iter().any(|x| eq(x, subject)))
            }
            Operator::IsEmpty => is_empty(subject),
            Operator::IsNotEmpty => !is_empty(subject),
            Operator::IsTrue => is_truthy(subject),
        }
    }
}

/// JSON equality with numbers compared by value (`1` equals `1.0`), at any depth.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i == j,
            _ => match (x.as_u64(), y.as_u64()) {
                (Some(i), Some(j)) => i == j,
                _ => x.as_f64() == y.as_f64(),
            },
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, a)| y.get(k).is_some_and(|b| same(a, b)))
        }
        _ => a == b,
    }
}

/// A text that is equal for two values exactly when [`same`] holds for them: numbers by value
/// (`1` and `1.0` give `1`), object keys in sorted order. `list.unique` keys items by it.
pub fn identity_key(v: &Value) -> String {
    let mut out = String::new();
    write_key(v, &mut out);
    out
}

fn write_key(v: &Value, out: &mut String) {
    match v {
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => out.push_str(&i.to_string()),
            (_, Some(u), _) => out.push_str(&u.to_string()),
            // Whole floats in i64 range were taken above only when stored as integers.
            // `-0.0` equals `0`.
            (_, _, Some(0.0)) => out.push('0'),
            (_, _, Some(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => {
                out.push_str(&format!("{f:.0}"));
            }
            _ => out.push_str(&n.to_string()),
        },
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_key(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                if let Some(item) = map.get(k) {
                    write_key(item, out);
                }
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// `value` as the text `contains` looks for: a whole number without a fraction (`2.0` is
/// looked for as `2`), everything else as templates render it.
fn needle(value: &Value) -> Cow<'_, str> {
    if let Value::Number(n) = value
        && !n.is_i64()
        && !n.is_u64()
        && let Some(f) = n.as_f64()
        && f.fract() == 0.0
        && f.abs() < 9_007_199_254_740_992.0
    {
        return Cow::Owned(format!("{}", f as i64));
    }
    to_text(value)
}

fn contains(subject: &Value, value: &Value) -> bool {
    match subject {
        Value::String(s) => s.contains(&*needle(value)),
        Value::Array(a) => a.iter().any(|x| same(x, value)),
        Value::Object(m) => m.contains_key(&*needle(value)),
        _ => false,
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
        _ => false,
    }
}

/// Orders values of the same kind; `None` across kinds.
pub fn order(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// A total order for sorting: null first, then booleans, numbers, text, lists, objects; within
/// a kind by value.
pub fn total_order(a: &Value, b: &Value) -> Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Null => 0,
            Value::Bool(_) => 1,
            Value::Number(_) => 2,
            Value::String(_) => 3,
            Value::Array(_) => 4,
            Value::Object(_) => 5,
        }
    }
    order(a, b).unwrap_or_else(|| {
        rank(a)
            .cmp(&rank(b))
            .then_with(|| a.to_string().cmp(&b.to_string()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_keys_agree_with_equality() {
        let cases = [
            (json!(1), json!(1.0), true),
            (json!(-3), json!(-3.0), true),
            (json!(0), json!(-0.0), true),
            (json!(1.5), json!(1.5), true),
            (json!(1), json!("1"), false),
            (
                json!({"a": 1, "b": [2.0]}),
                json!({"b": [2], "a": 1.0}),
                true,
            ),
            (json!({"a": 1}), json!({"a": 1, "b": null}), false),
            (json!([1, 2]), json!([2, 1]), false),
        ];
        for (a, b, equal) in cases {
            assert_eq!(identity_key(&a) == identity_key(&b), equal, "{a} {b}");
            assert_eq!(same(&a, &b), equal, "{a} {b}");
        }
    }
    use serde_json::json;

    #[test]
    fn operators() {
        let u = json!({"status": "ACTIVE", "n": 3, "email": "a@x.com"});
        assert!(Operator::Eq.matches(&u, Some("status"), &json!("ACTIVE")));
        assert!(Operator::Gt.matches(&u, Some("n"), &json!(2.5)));
        assert!(Operator::Contains.matches(&u, Some("email"), &json!("@")));
        assert!(Operator::EndsWith.matches(&u, Some("email"), &json!("x.com")));
        assert!(Operator::In.matches(&json!("b"), None, &json!(["a", "b"])));
        assert!(Operator::IsEmpty.matches(&u, Some("missing"), &Value::Null));
        assert!(!Operator::Lt.matches(&json!("9"), None, &json!(80)));
        assert_eq!(total_order(&json!(null), &json!(1)), Ordering::Less);
        assert_eq!(total_order(&json!("b"), &json!("a")), Ordering::Greater);
    }

    #[test]
    fn contains_compares_numbers_by_value() {
        let c = |subject: Value, value: Value| Operator::Contains.matches(&subject, None, &value);
        // A list of numbers holds a number equal by value, whichever way it is written.
        assert!(c(json!([1, 2, 3]), json!(2)));
        assert!(c(json!([1, 2, 3]), json!(2.0)));
        assert!(c(json!([1.5, 2.0]), json!(2)));
        assert!(c(json!([-1, 2]), json!(-1.0)));
        assert!(!c(json!([1, 2, 3]), json!(4)));
        assert!(!c(json!([1, 2, 3]), json!(2.5)));
        // ... at any depth, but no text-to-number guessing.
        assert!(c(json!([[1, 2], { "a": 1 }]), json!([1.0, 2])));
        assert!(c(json!([[1, 2], { "a": 1 }]), json!({ "a": 1.0 })));
        assert!(!c(json!([1, 2, 3]), json!("2")));
        // Text holds a number as it is written, a whole float without its `.0`.
        assert!(c(json!("order 42 shipped"), json!(42)));
        assert!(c(json!("order 42 shipped"), json!(42.0)));
        assert!(c(json!("ratio 2.5 today"), json!(2.5)));
        assert!(!c(json!("order 42 shipped"), json!(43)));
        // Objects by key; a number subject holds nothing.
        assert!(c(json!({ "1": true }), json!(1.0)));
        assert!(!c(json!(42), json!(42)));
        assert!(Operator::NotContains.matches(&json!([1, 2]), None, &json!(3.0)));
        assert!(!Operator::NotContains.matches(&json!([1, 2]), None, &json!(2.0)));
        // Equality and membership agree with contains.
        assert!(Operator::Eq.matches(&json!([1, { "a": 2 }]), None, &json!([1.0, { "a": 2.0 }])));
        assert!(Operator::In.matches(&json!(2.0), None, &json!([1, 2])));
        assert!(!Operator::NotIn.matches(&json!(2), None, &json!([1.0, 2.0])));
        // Large integers are not confused by a detour through f64.
        assert!(!c(
            json!([9_007_199_254_740_993_u64]),
            json!(9_007_199_254_740_992_u64)
        ));
    }
}
