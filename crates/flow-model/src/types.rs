//! The value types of flows (`text`, `number`, `list<text>`, objects with known fields) and the
//! rules for what fits where.

use indexmap::IndexMap;
use std::fmt;
use std::sync::Arc;

/// A type name that [`Type::parse`] does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown type `{0}` (expected text, number, boolean, date, object, any or list<T>)")]
pub struct UnknownType(pub String);

/// A value type known at compile time.
#[derive(Debug, Clone, PartialEq)]
pub enum Type {
    /// Anything; checked at run time.
    Any,
    /// Only null (the output of cards that produce nothing).
    Null,
    /// Text.
    Text,
    /// A number.
    Number,
    /// true or false.
    Boolean,
    /// A date and time, as ISO-8601 text.
    Date,
    /// An object; `None` when its fields are unknown.
    Object(Option<Arc<ObjectType>>),
    /// A list of items of one type.
    List(Box<Type>),
}

/// The known fields of an object type.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ObjectType {
    /// Field names and their types, in declaration order.
    pub fields: IndexMap<String, Type>,
    /// True when other fields may be present too (their type is `any`).
    pub open: bool,
}

/// What looking up a field of a type gives.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldLookup {
    /// The field exists (or may exist) with this type.
    Found(Type),
    /// The object is closed and has no such field; the known names follow.
    Missing(Vec<String>),
    /// The type has no fields at all (text, number, ...).
    NotAnObject,
}

impl Type {
    /// An object with exactly these fields.
    pub fn object<I, K>(fields: I) -> Type
    where
        I: IntoIterator<Item = (K, Type)>,
        K: Into<String>,
    {
        Type::Object(Some(Arc::new(ObjectType {
            fields: fields.into_iter().map(|(k, t)| (k.into(), t)).collect(),
            open: false,
        })))
    }

    /// An object with these fields and possibly others.
    pub fn open_object<I, K>(fields: I) -> Type
    where
        I: IntoIterator<Item = (K, Type)>,
        K: Into<String>,
    {
        Type::Object(Some(Arc::new(ObjectType {
            fields: fields.into_iter().map(|(k, t)| (k.into(), t)).collect(),
            open: true,
        })))
    }

    /// A list of `item`.
    pub fn list(item: Type) -> Type {
        Type::List(Box::new(item))
    }

    /// Parses the type syntax of flow files: `text`, `number`, `boolean`, `date`, `object`,
    /// `any`, `list<T>` (and `list` for `list<any>`).
    pub fn parse(text: &str) -> Result<Type, UnknownType> {
        let t = text.trim();
        let simple = match t {
            "text" | "string" => Some(Type::Text),
            "number" => Some(Type::Number),
            "boolean" | "bool" => Some(Type::Boolean),
            "date" => Some(Type::Date),
            "object" => Some(Type::Object(None)),
            "any" => Some(Type::Any),
            "list" => Some(Type::list(Type::Any)),
            _ => None,
        };
        if let Some(ty) = simple {
            return Ok(ty);
        }
        if let Some(inner) = t.strip_prefix("list<").and_then(|r| r.strip_suffix('>')) {
            return Ok(Type::list(Type::parse(inner)?));
        }
        Err(UnknownType(t.to_string()))
    }

    /// The names [`Type::parse`] accepts, for suggestions.
    pub const NAMES: &'static [&'static str] = &[
        "text",
        "number",
        "boolean",
        "date",
        "object",
        "any",
        "list<text>",
        "list<object>",
        "list<number>",
    ];

    /// The type of a field of this type.
    pub fn field(&self, name: &str) -> FieldLookup {
        match self {
            Type::Any | Type::Object(None) => FieldLookup::Found(Type::Any),
            Type::Object(Some(obj)) => match obj.fields.get(name) {
                Some(t) => FieldLookup::Found(t.clone()),
                None if obj.open => FieldLookup::Found(Type::Any),
                None => FieldLookup::Missing(obj.fields.keys().cloned().collect()),
            },
            // Okta-style dot paths may index lists by number: `users.0`.
            Type::List(item) if name.parse::<usize>().is_ok() => {
                FieldLookup::Found((**item).clone())
            }
            _ => FieldLookup::NotAnObject,
        }
    }

    /// The item type when this is a list (or `any`).
    pub fn item(&self) -> Option<Type> {
        match self {
            Type::List(item) => Some((**item).clone()),
            Type::Any => Some(Type::Any),
            _ => None,
        }
    }

    /// Whether a value of type `self` may be given where `expected` is wanted.
    ///
    /// `any` fits everywhere and accepts everything (checked at run time). The implicit
    /// conversions Okta makes: text accepts the other scalars (converted to their text), a
    /// number accepts text (read as a number at run time, an error naming the input when it
    /// is not one), a date accepts text (checked to be ISO 8601 at run time). Booleans,
    /// lists and objects are not converted: lists and objects must match in kind, and list
    /// items must fit. A constant is held to more: see [`Type::constant_fits`].
    pub fn fits(&self, expected: &Type) -> bool {
        use Type::*;
        match (self, expected) {
            (Any, _) | (_, Any) => true,
            (Null, _) => true,
            (Text | Date | Number | Boolean, Text) => true,
            (Text | Date, Date) => true,
            (Number | Text, Number) => true,
            (Boolean, Boolean) => true,
            (Object(_), Object(None)) => true,
            (Object(have), Object(Some(want))) => match have {
                None => true,
                Some(have) => want
                    .fields
                    .iter()
                    .all(|(k, t)| have.fields.get(k).is_none_or(|h| h.fits(t)) || have.open),
            },
            (List(a), List(b)) => a.fits(b),
            _ => false,
        }
    }

    /// Whether a constant written in a flow may be given where `expected` is wanted; `None`
    /// when it may, else why not. Constants are converted less than values computed at run
    /// time, as in Okta, where a number field takes no typed text: a number must be written as
    /// a number (`"42"` is refused), and a date must be ISO 8601 text (`"90 days ago"` is
    /// refused), in lists too.
    pub fn constant_fits(&self, v: &serde_json::Value) -> Option<String> {
        use serde_json::Value as V;
        match (self, v) {
            (Type::Number, V::String(s)) => Some(format!(
                "a number must be written as a number, not as text \"{s}\""
            )),
            (Type::Date, V::String(s)) if !is_iso_date(s) => Some(format!(
                "\"{s}\" is not an ISO 8601 date (e.g. 2026-01-31 or 2026-01-31T09:00:00Z)"
            )),
            (Type::List(item), V::Array(items)) => items.iter().find_map(|x| item.constant_fits(x)),
            _ => None,
        }
    }

    /// Converts a value computed at run time to this type as [`Type::fits`] allows (numbers
    /// and booleans to text, text to a number), and checks dates are ISO 8601; `null` passes.
    /// `Ok(None)`: the value is fine as it is; `Ok(Some(v))`: use `v` instead. The error names
    /// what the value is.
    pub fn coerce(
        &self,
        v: &serde_json::Value,
    ) -> Result<Option<serde_json::Value>, ValueMismatch> {
        use serde_json::Value as V;
        let mismatch = |expected: String| ValueMismatch {
            items: Vec::new(),
            expected,
            found: value_kind(v),
        };
        match (self, v) {
            (_, V::Null) => Ok(None),
            (Type::Text, V::Number(n)) => Ok(Some(V::String(n.to_string()))),
            (Type::Text, V::Bool(b)) => Ok(Some(V::String(b.to_string()))),
            (Type::Number, V::String(s)) => number_of_text(s)
                .map(Some)
                .ok_or_else(|| mismatch(self.to_string())),
            (Type::Date, V::String(s)) if !is_iso_date(s) => {
                Err(mismatch("date (ISO 8601)".into()))
            }
            (Type::List(item), V::Array(items)) => {
                let mut out: Option<Vec<V>> = None;
                for (i, x) in items.iter().enumerate() {
                    let c = item.coerce(x).map_err(|mut e| {
                        e.items.insert(0, i);
                        e
                    })?;
                    if let Some(c) = c {
                        out.get_or_insert_with(|| items.clone())[i] = c;
                    }
                }
                Ok(out.map(V::Array))
            }
            (ty, v) => ty.check_value(v).map(|()| None),
        }
    }

    /// True for `text`, `number`, `boolean` and `date`.
    pub fn is_scalar(&self) -> bool {
        matches!(self, Type::Text | Type::Number | Type::Boolean | Type::Date)
    }

    /// The type of a JSON value, as precisely as it shows.
    pub fn of_value(v: &serde_json::Value) -> Type {
        use serde_json::Value as V;
        match v {
            V::Null => Type::Null,
            V::Bool(_) => Type::Boolean,
            V::Number(_) => Type::Number,
            V::String(_) => Type::Text,
            V::Array(items) => {
                let mut item = None::<Type>;
                for i in items {
                    let t = Type::of_value(i);
                    item = Some(match item {
                        None => t,
                        Some(prev) if prev == t => prev,
                        Some(_) => Type::Any,
                    });
                }
                Type::list(item.unwrap_or(Type::Any))
            }
            V::Object(map) => Type::object(map.iter().map(|(k, v)| (k.clone(), Type::of_value(v)))),
        }
    }

    /// Checks that a JSON value has this type; the error names what it is instead.
    pub fn check_value(&self, v: &serde_json::Value) -> Result<(), ValueMismatch> {
        use serde_json::Value as V;
        let ok = match (self, v) {
            (Type::Any, _) => true,
            (Type::Null, V::Null) => true,
            (Type::Text, V::String(_)) => true,
            (Type::Date, V::String(s)) => is_iso_date(s),
            (Type::Number, V::Number(_)) => true,
            (Type::Boolean, V::Bool(_)) => true,
            (Type::Object(_), V::Object(_)) => true,
            (Type::List(item), V::Array(items)) => {
                for (i, x) in items.iter().enumerate() {
                    item.check_value(x).map_err(|mut e| {
                        e.items.insert(0, i);
                        e
                    })?;
                }
                true
            }
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(ValueMismatch {
                items: Vec::new(),
                expected: self.to_string(),
                found: value_kind(v),
            })
        }
    }
}

/// True for ISO 8601 dates as flows write them: a date (`2026-01-31`), a date and time
/// (`2026-01-31T09:00:00`), or a timestamp with an offset (`2026-01-31T09:00:00Z`,
/// `…+01:00`), each a real day of the calendar.
pub fn is_iso_date(s: &str) -> bool {
    let s = s.trim();
    s.len() >= 10
        && s.as_bytes().get(4) == Some(&b'-')
        && (s.parse::<jiff::Timestamp>().is_ok()
            || s.parse::<jiff::civil::DateTime>().is_ok()
            || s.parse::<jiff::civil::Date>().is_ok())
}

/// The number a text holds (`"42"`, `" 2.5 "`, `"-1e3"`), as a whole number when it is one.
pub fn number_of_text(s: &str) -> Option<serde_json::Value> {
    let t = s.trim();
    if let Ok(i) = t.parse::<i64>() {
        return Some(serde_json::Value::from(i));
    }
    let f = t.parse::<f64>().ok().filter(|f| f.is_finite())?;
    serde_json::Number::from_f64(f).map(serde_json::Value::Number)
}

/// A JSON value that does not have the type it was checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueMismatch {
    /// The list indexes leading to the value, outermost first (empty for the value itself).
    pub items: Vec<usize>,
    /// The type expected there, as written in flows (`list of text`).
    pub expected: String,
    /// What the value is instead ([`value_kind`]).
    pub found: String,
}

impl std::fmt::Display for ValueMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for i in &self.items {
            write!(f, "item {i}: ")?;
        }
        write!(f, "expected {}, found {}", self.expected, self.found)
    }
}

impl std::error::Error for ValueMismatch {}

/// A short name for the kind of a JSON value: `text "abc"`, `a list of 3`, `null`.
pub fn value_kind(v: &serde_json::Value) -> String {
    use serde_json::Value as V;
    match v {
        V::Null => "null".into(),
        V::Bool(b) => format!("boolean {b}"),
        V::Number(n) => format!("number {n}"),
        V::String(s) => {
            let short: String = s.chars().take(24).collect();
            if short.len() < s.len() {
                format!("text \"{short}…\"")
            } else {
                format!("text \"{short}\"")
            }
        }
        V::Array(a) => format!("a list of {}", a.len()),
        V::Object(_) => "an object".into(),
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Any => f.write_str("any"),
            Type::Null => f.write_str("null"),
            Type::Text => f.write_str("text"),
            Type::Number => f.write_str("number"),
            Type::Boolean => f.write_str("boolean"),
            Type::Date => f.write_str("date"),
            Type::Object(None) => f.write_str("object"),
            Type::Object(Some(obj)) => {
                f.write_str("{")?;
                for (i, (k, t)) in obj.fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}: {t}")?;
                }
                if obj.open {
                    f.write_str(if obj.fields.is_empty() {
                        "…"
                    } else {
                        ", …"
                    })?;
                }
                f.write_str("}")
            }
            Type::List(item) => write!(f, "list<{item}>"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parse_and_display_round_trip() {
        for t in [
            "text",
            "number",
            "boolean",
            "date",
            "object",
            "any",
            "list<text>",
            "list<list<object>>",
        ] {
            assert_eq!(Type::parse(t).unwrap().to_string(), t);
        }
        assert_eq!(
            Type::parse("lst<text>"),
            Err(UnknownType("lst<text>".into()))
        );
        assert_eq!(Type::parse("list<nope>"), Err(UnknownType("nope".into())));
    }

    #[test]
    fn fitting() {
        assert!(Type::Number.fits(&Type::Text));
        assert!(!Type::Text.fits(&Type::list(Type::Text)));
        assert!(Type::list(Type::Text).fits(&Type::list(Type::Any)));
        assert!(!Type::list(Type::Boolean).fits(&Type::list(Type::Number)));
        assert!(Type::Any.fits(&Type::list(Type::Text)));
    }

    /// Okta's implicit conversions are accepted, the others refused.
    #[test]
    fn implicit_conversions() {
        assert!(Type::Text.fits(&Type::Number));
        assert!(Type::Number.fits(&Type::Text));
        assert!(Type::Text.fits(&Type::Date));
        assert!(!Type::Boolean.fits(&Type::Number));
        assert!(!Type::Number.fits(&Type::Date));
        assert!(!Type::Date.fits(&Type::Number));
        assert!(!Type::Object(None).fits(&Type::Text));
        assert!(!Type::list(Type::Text).fits(&Type::Text));
        // Constants: a number is written as a number, a date as ISO 8601.
        assert!(Type::Number.constant_fits(&json!("42")).is_some());
        assert!(Type::Number.constant_fits(&json!(42)).is_none());
        assert!(Type::Date.constant_fits(&json!("2026-01-31")).is_none());
        assert!(
            Type::Date
                .constant_fits(&json!("2026-01-31T09:00:00Z"))
                .is_none()
        );
        let e = Type::Date.constant_fits(&json!("90 days ago")).unwrap();
        assert!(e.contains("not an ISO 8601 date"), "{e}");
        assert!(Type::Date.constant_fits(&json!("2026-02-30")).is_some());
        assert!(
            Type::list(Type::Date)
                .constant_fits(&json!(["2026-01-01", "soon"]))
                .is_some()
        );
    }

    /// Run-time conversion: text to numbers, scalars to text, dates checked.
    #[test]
    fn coercion_at_run_time() {
        let c = |t: Type, v: serde_json::Value| t.coerce(&v);
        assert_eq!(c(Type::Number, json!(" 42 ")), Ok(Some(json!(42))));
        assert_eq!(c(Type::Number, json!("2.5")), Ok(Some(json!(2.5))));
        assert_eq!(c(Type::Number, json!(2.5)), Ok(None));
        assert_eq!(
            c(Type::Number, json!("two")).unwrap_err().to_string(),
            "expected number, found text \"two\""
        );
        assert!(c(Type::Number, json!("NaN")).is_err());
        assert_eq!(c(Type::Text, json!(7)), Ok(Some(json!("7"))));
        assert_eq!(c(Type::Text, json!(true)), Ok(Some(json!("true"))));
        assert_eq!(c(Type::Date, json!("2026-01-31T09:00:00+01:00")), Ok(None));
        assert_eq!(
            c(Type::Date, json!("90 days ago")).unwrap_err().to_string(),
            "expected date (ISO 8601), found text \"90 days ago\""
        );
        assert_eq!(
            c(Type::list(Type::Number), json!(["1", 2])),
            Ok(Some(json!([1, 2])))
        );
        assert_eq!(
            c(Type::list(Type::Number), json!(["1", "x"]))
                .unwrap_err()
                .to_string(),
            "item 1: expected number, found text \"x\""
        );
        assert!(c(Type::Boolean, json!("true")).is_err());
        assert_eq!(c(Type::Number, json!(null)), Ok(None));
        assert!(Type::Date.check_value(&json!("yesterday")).is_err());
    }

    #[test]
    fn fields_of_closed_and_open_objects() {
        let closed = Type::object([("title", Type::Text)]);
        assert_eq!(closed.field("title"), FieldLookup::Found(Type::Text));
        assert_eq!(
            closed.field("titel"),
            FieldLookup::Missing(vec!["title".into()])
        );
        let open = Type::open_object([("id", Type::Text)]);
        assert_eq!(open.field("other"), FieldLookup::Found(Type::Any));
        assert_eq!(Type::Text.field("x"), FieldLookup::NotAnObject);
    }

    #[test]
    fn value_checks() {
        assert!(
            Type::list(Type::Text)
                .check_value(&json!(["a", "b"]))
                .is_ok()
        );
        let err = Type::list(Type::Text)
            .check_value(&json!(["a", 1]))
            .unwrap_err();
        assert_eq!(
            err,
            ValueMismatch {
                items: vec![1],
                expected: "text".into(),
                found: "number 1".into()
            }
        );
        assert_eq!(err.to_string(), "item 1: expected text, found number 1");
        assert_eq!(
            Type::of_value(&json!({"a": [1]})).to_string(),
            "{a: list<number>}"
        );
    }
}
