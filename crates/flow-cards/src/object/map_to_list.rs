//! `object.map_to_list`: the entries of an object as a list (Okta's Map to List).

use crate::util::{output, pure};
use flow_card::kinds::Object;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `object.map_to_list`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The object.
    object: Expr<Object>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "object.map_to_list",
    "Turn an object into a list of key and value pairs",
    "list<{ key, value }>",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"One `{ key, value }` per key of `object`, in order."#,
    okta: &["Object - Map to List"],
    examples: &[
        Example::gives(
            "Entries",
            r#"{ object: {a: 1, b: x} }"#,
            r#"[{"key": "a", "value": 1}, {"key": "b", "value": "x"}]"#,
        ),
        Example::fails(
            "Not an object",
            r#"{ object: "{{ inputs.v }}" }"#,
            r#"`object` must be an object"#,
        )
        .with_inputs(r#"{"v": [1]}"#),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.object.id);
        Type::list(Type::object([("key", Type::Text), ("value", Type::Any)]))
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let o = super::object(cx, &self.object, "object")?;
            Ok(Value::Array(
                o.into_iter()
                    .map(|(k, v)| serde_json::json!({ "key": k, "value": v }))
                    .collect(),
            ))
        })())
    }
}
