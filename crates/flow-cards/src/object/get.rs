//! `object.get`: reads a value out of an object by dot path (`profile.email`), as Okta's Object
//! Get does.

use crate::util::{PURE_TIMEOUT, done, dot_get};
use flow_card::card::schema_of;
use flow_card::kinds::{AnyValue, Text};
use flow_card::{Card, CardFuture, CardSpec, Checker, Effect, Expr, Outcome, StepCx};
use flow_card::{CardDoc, Example};
use flow_model::Type;
use flow_model::types::FieldLookup;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `object.get`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The object (or list) to read from.
    object: Expr<AnyValue>,
    /// A dot path such as `profile.email` or `items.0.id`.
    path: Expr<Text>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "object.get",
    summary: "Read a value out of an object by dot path",
    effect: Effect::Pure,
    output: "the value at the path (null when missing)",
    default_timeout: PURE_TIMEOUT,
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Reads the value at a dot path (`profile.email`, `items.0.id`). Output: the value, or `null` when
it is missing. With a constant path into a value of known type, the output type is known and a
missing field is `E0205`."#,
    okta: &["Object - Get"],
    examples: &[
        Example::gives(
            "A nested field",
            r#"{ object: { profile: { email: a@example.com } }, path: profile.email }"#,
            r#""a@example.com""#,
        ),
        Example::gives(
            "Into a list",
            r#"{ object: "{{ inputs.o }}", path: items.1.id }"#,
            r#"7"#,
        )
        .with_inputs(r#"{"o": {"items": [{"id": 6}, {"id": 7}]}}"#),
        Example::gives(
            "Missing is null",
            r#"{ object: "{{ inputs.o }}", path: a.b }"#,
            r#"null"#,
        )
        .with_inputs(r#"{"o": {}}"#),
        Example::rejected("No path", r#"{ object: { a: 1 } }"#, "E0005"),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        let mut t = cx.expr_type(self.object.id);
        // With a constant path into a known type, the result type is known too.
        let Some(Value::String(path)) = cx.constant(self.path.id) else {
            return Type::Any;
        };
        for seg in path.split('.').filter(|s| !s.is_empty()) {
            t = match t.field(seg) {
                FieldLookup::Found(t) => t,
                FieldLookup::Missing(names) => {
                    cx.report(
                        Some(self.path.id),
                        flow_model::Code::UnknownField,
                        format!("the object has no field `{seg}`"),
                        flow_model::suggest::hint(seg, names.iter()),
                    );
                    return Type::Any;
                }
                FieldLookup::NotAnObject => return Type::Any,
            };
        }
        t
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        done((|| {
            let obj = cx.value(&self.object)?;
            let path = cx.text(&self.path)?;
            Ok(Outcome::value(
                dot_get(&obj, &path).cloned().unwrap_or(Value::Null),
            ))
        })())
    }
}
