//! `json.parse`: parses JSON text and picks declared fields out of it by JSONPath, each with a
//! type the compiler checks later references against (Okta's JSON Parse with declared outputs).

use crate::util::{PURE_TIMEOUT, done};
use flow_card::card::schema_of;
use flow_card::kinds::AnyValue;
use flow_card::{
    Card, CardError, CardFuture, CardSpec, Checker, Effect, Expr, JsonPathField, Outcome, StepCx,
};
use flow_card::{CardDoc, Example};
use flow_model::{Code, Type};
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;
use std::borrow::Cow;

/// Inputs of `json.parse`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The JSON text to parse (a value that is already a list or object is used as it is). One
    /// leading UTF-8 byte order mark and whitespace around the value are skipped.
    text: Expr<AnyValue>,
    /// The output fields: each a JSONPath into the parsed value and the field's type. Without
    /// fields the whole parsed value is the output (type `any`).
    #[serde(default)]
    fields: IndexMap<String, FieldSpec>,
}

/// One declared output field.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    /// Where the value is, e.g. `$.detail.usersFailing` or `$['detail-type']`.
    path: JsonPathField,
    /// Its type: text, number, boolean, date, object, any, list<T>.
    #[serde(rename = "type", default)]
    ty: TypeName,
    /// A missing value is an error instead of null.
    #[serde(default)]
    required: bool,
    /// The value when the path finds nothing.
    #[serde(default)]
    default: Option<Value>,
}

/// A type written as text, parsed when the flow loads.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeName(pub Type);

impl Default for TypeName {
    fn default() -> Self {
        TypeName(Type::Any)
    }
}

impl<'de> Deserialize<'de> for TypeName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Type::parse(&text).map(TypeName).map_err(|e| {
            let hint = flow_model::suggest::hint(&text, Type::NAMES.iter().copied());
            flow_model::de::coded(
                Code::InvalidValue,
                match hint {
                    Some(h) => format!("{e}; {h}"),
                    None => e.to_string(),
                },
            )
        })
    }
}

impl JsonSchema for TypeName {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("TypeName")
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^(text|number|boolean|date|object|any|list(<.+>)?)$",
            "description": "text, number, boolean, date, object, any or list<T>"
        })
    }
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "json.parse",
    summary: "Parse JSON text into declared, typed fields picked by JSONPath",
    effect: Effect::Pure,
    output: "an object with the declared fields (a missing path gives null)",
    default_timeout: PURE_TIMEOUT,
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| {
        let c: Config = cx.config()?;
        for name in c.fields.keys() {
            if !flow_model::decode::is_identifier(name)
                && !name
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
            {
                cx.report(Code::InvalidValue, None, format!("field name `{name}` cannot be read by templates; use letters, digits and `_`"));
            }
        }
        Some(Box::new(c))
    },
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Parses JSON text and picks declared fields out of it by JSONPath (RFC 9535), each with a type.

Each field is `name: { path, type, required, default }`: `path` is a JSONPath such as
`$.detail.title` or `$['detail-type']`, parsed when the flow loads (`E0208`); `type` is `text`,
`number`, `boolean`, `date`, `object`, `any` or `list<T>` (default `any`); `required: true`
makes a path that finds nothing an error; `default` is the value when it finds nothing.

Output: an object with exactly the declared fields; later steps may read only those (`E0205`).
A path that finds nothing gives `default`, or `null`. For a `list<…>` field, several matches
(from `[*]`, filters, …) are collected into the list. For other types, more than one match is
an error. A number or boolean is converted to text for a `text` field. Any other value of the
wrong type is an error naming the field and the path. Without `fields`, the whole parsed value
is the output (type `any`). `null` is an error."#,
    okta: &["JSON - Parse"],
    examples: &[
        Example::gives("The whole value", r#"{ text: "{\"a\": [1, 2]}" }"#, r#"{"a": [1, 2]}"#),
        Example::gives("Declared fields", r#"{ text: "{{ inputs.body }}", fields: { kind: { path: "$['detail-type']", type: text }, users: { path: "$.users[*].login", type: "list<text>" }, missing: { path: $.nope, default: none } } }"#, r#"{"kind": "alert", "users": ["a", "b"], "missing": "none"}"#).with_inputs(r#"{"body": "{\"detail-type\": \"alert\", \"users\": [{\"login\": \"a\"}, {\"login\": \"b\"}]}"}"#),
        Example::fails("A required field that is missing", r#"{ text: "{}", fields: { id: { path: $.id, required: true } } }"#, r#"id"#),
        Example::fails("Text that is not JSON", r#"{ text: "{nope" }"#, r#"JSON"#),
        Example::rejected("A path that is not JSONPath", r#"{ text: "{}", fields: { a: { path: "$[" } } }"#, "E0208"),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        let t = cx.expr_type(self.text.id);
        if matches!(t, Type::Number | Type::Boolean) {
            cx.report(
                Some(self.text.id),
                Code::TypeMismatch,
                format!("`text` must be JSON text, found {t}"),
                None,
            );
        }
        if self.fields.is_empty() {
            return Type::Any;
        }
        Type::object(self.fields.iter().map(|(k, f)| (k.clone(), f.ty.0.clone())))
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        done(self.parse(cx))
    }
}

impl Config {
    fn parse(&self, cx: &StepCx<'_>) -> Result<Outcome, CardError> {
        let input = cx.value(&self.text)?;
        let owned;
        let doc: &Value = match &*input {
            Value::String(s) => {
                // What the front door accepts as JSON, the flow can parse: a body that starts
                // with a UTF-8 byte order mark passes `accept: json`, so the mark is skipped.
                owned = serde_json::from_str::<Value>(strip_bom(s))
                    .map_err(|e| CardError::input(format!("`text` is not JSON: {e}")))?;
                &owned
            }
            Value::Null => return Err(CardError::input("`text` is empty (null)")),
            other => other,
        };
        if self.fields.is_empty() {
            return Ok(Outcome::value(doc.clone()));
        }
        let mut out = serde_json::Map::with_capacity(self.fields.len());
        for (name, f) in &self.fields {
            let v = pick(doc, f)
                .map_err(|e| CardError::input(format!("field `{name}` ({}): {e}", f.path.text)))?;
            out.insert(name.clone(), v);
        }
        Ok(Outcome::value(Value::Object(out)))
    }
}

/// The text without one leading UTF-8 byte order mark (U+FEFF), which JSON parsers refuse
/// but many senders write. Whitespace around the value is allowed by JSON itself.
fn strip_bom(s: &str) -> &str {
    s.strip_prefix('\u{feff}').unwrap_or(s)
}

/// The value of one field: the single match, or all matches for a list type.
fn pick(doc: &Value, f: &FieldSpec) -> Result<Value, String> {
    let nodes = f.path.path.query(doc).all();
    let is_list = matches!(f.ty.0, Type::List(_));
    let v = match nodes.as_slice() {
        [] => match &f.default {
            Some(d) => d.clone(),
            None if f.required => {
                return Err("the path finds nothing, and the field is required".into());
            }
            None => return Ok(Value::Null),
        },
        [one] if !is_list || one.is_array() => (*one).clone(),
        many if is_list => Value::Array(many.iter().map(|v| (*v).clone()).collect()),
        many => {
            return Err(format!(
                "the path finds {} values; a {} field takes one",
                many.len(),
                f.ty.0
            ));
        }
    };
    coerce(v, &f.ty.0)
}

/// Checks a value against a declared type; scalars become text where text is declared.
fn coerce(v: Value, ty: &Type) -> Result<Value, String> {
    match (ty, v) {
        (Type::Text, Value::Number(n)) => Ok(Value::String(n.to_string())),
        (Type::Text, Value::Bool(b)) => Ok(Value::String(b.to_string())),
        (_, Value::Null) => Ok(Value::Null),
        (ty, v) => ty.check_value(&v).map(|()| v).map_err(|e| e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field(path: &str, ty: &str) -> FieldSpec {
        FieldSpec {
            path: JsonPathField {
                path: serde_json_path::JsonPath::parse(path).unwrap(),
                text: path.into(),
            },
            ty: TypeName(Type::parse(ty).unwrap()),
            required: false,
            default: None,
        }
    }

    #[test]
    fn picks_typed_fields() {
        let doc = json!({"detail-type": "FAILED_CHECK", "detail": {"users": ["a", "b"], "n": 3, "items": [{"id": 1}, {"id": 2}]}});
        assert_eq!(
            pick(&doc, &field("$['detail-type']", "text")).unwrap(),
            json!("FAILED_CHECK")
        );
        assert_eq!(
            pick(&doc, &field("$.detail.users", "list<text>")).unwrap(),
            json!(["a", "b"])
        );
        assert_eq!(
            pick(&doc, &field("$.detail.items[*].id", "list<number>")).unwrap(),
            json!([1, 2])
        );
        assert_eq!(
            pick(&doc, &field("$.detail.n", "text")).unwrap(),
            json!("3")
        );
        assert_eq!(
            pick(&doc, &field("$.detail.missing", "text")).unwrap(),
            json!(null)
        );
        let err = pick(&doc, &field("$.detail.users", "text")).unwrap_err();
        assert_eq!(err, "expected text, found a list of 2");
        let err = pick(&doc, &field("$.detail.users", "list<number>")).unwrap_err();
        assert_eq!(err, "item 0: expected number, found text \"a\"");
        let mut req = field("$.nope", "text");
        req.required = true;
        assert!(pick(&doc, &req).is_err());
        req.required = false;
        req.default = Some(json!("x"));
        assert_eq!(pick(&doc, &req).unwrap(), json!("x"));
    }
}
