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
    /// `any` fits everywhere and accepts everything (checked at run time). Text accepts the
    /// other scalars, which are converted as Okta's loose strings are. Lists and objects must
    /// match in kind, and list items must fit.
    pub fn fits(&self, expected: &Type) -> bool {
        use Type::*;
        match (self, expected) {
            (Any, _) | (_, Any) => true,
            (Null, _) => true,
            (Text | Date | Number | Boolean, Text) => true,
            (Text | Date, Date) => true,
            (Number, Number) => true,
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
            (Type::Text | Type::Date, V::String(_)) => true,
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
        assert!(!Type::list(Type::Text).fits(&Type::list(Type::Number)));
        assert!(Type::Any.fits(&Type::list(Type::Text)));
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
