//! `object.remove`: the object without some keys (Okta's Remove).

use crate::util::{output, pure};
use flow_card::kinds::{List, Object};
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `object.remove`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The object.
    object: Expr<Object>,
    /// The keys (or dot paths) to remove.
    keys: Expr<List>,
}

/// Registration.
pub static SPEC: CardSpec =
    pure::<Config>("object.remove", "Remove keys from an object", "the object");

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"A copy of `object` without the keys (or dot paths) in `keys`; missing ones are ignored."#,
    okta: &["Object - Remove"],
    examples: &[
        Example::gives(
            "Two keys",
            r#"{ object: {a: 1, b: {c: 2, d: 3}, e: 4}, keys: [a, b.c] }"#,
            r#"{"b": {"d": 3}, "e": 4}"#,
        ),
        Example::fails(
            "Not an object",
            r#"{ object: "{{ inputs.v }}", keys: [a] }"#,
            r#"`object` must be an object"#,
        )
        .with_inputs(r#"{"v": [1]}"#),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.object.id);
        cx.expr_type(self.keys.id);
        Type::Object(None)
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let mut o = super::object(cx, &self.object, "object")?;
            let keys = cx.list(&self.keys)?;
            for k in keys.as_array().map(Vec::as_slice).unwrap_or(&[]) {
                super::remove_path(&mut o, &flow_template::to_text(k));
            }
            Ok(Value::Object(o))
        })())
    }
}
