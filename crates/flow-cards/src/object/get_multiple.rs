//! `object.get_multiple`: several values of an object by dot path at once (Okta's Get Multiple).

use crate::util::{output, pure};
use flow_card::kinds::Object;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `object.get_multiple`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The object.
    object: Expr<Object>,
    /// The output fields: each a name and the dot path to read (`email: profile.email`).
    fields: Expr<Object>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "object.get_multiple",
    "Read several values of an object by dot path",
    "an object with one field per path",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Reads each dot path of `fields` from `object`; the output has one field per entry, `null` where the path finds nothing. A path must be text."#,
    okta: &["Object - Get Multiple"],
    examples: &[
        Example::gives(
            "Profile fields",
            r#"{ object: {profile: {email: a@x, name: {first: Ada}}}, fields: {email: profile.email, first: profile.name.first, none: a.b} }"#,
            r#"{"email": "a@x", "first": "Ada", "none": null}"#,
        ),
        Example::fails(
            "A path that is not text",
            r#"{ object: {}, fields: {a: 1} }"#,
            r#"path of `a` must be text"#,
        ),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.object.id);
        cx.expr_type(self.fields.id);
        Type::Object(None)
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let o = Value::Object(super::object(cx, &self.object, "object")?);
            let fields = super::object(cx, &self.fields, "fields")?;
            let mut out = serde_json::Map::new();
            for (name, path) in fields {
                let Value::String(path) = path else {
                    return Err(flow_card::CardError::input(format!(
                        "the path of `{name}` must be text"
                    )));
                };
                out.insert(
                    name,
                    crate::util::dot_get(&o, &path)
                        .cloned()
                        .unwrap_or(Value::Null),
                );
            }
            Ok(Value::Object(out))
        })())
    }
}
