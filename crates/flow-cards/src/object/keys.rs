//! `object.keys`: the keys of an object (Okta's Keys).

use crate::util::{output, pure};
use flow_card::kinds::Object;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `object.keys`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The object.
    object: Expr<Object>,
}

/// Registration.
pub static SPEC: CardSpec =
    pure::<Config>("object.keys", "List the keys of an object", "list<text>");

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"The keys of `object`, in order."#,
    okta: &["Object - Keys"],
    examples: &[
        Example::gives("Keys", r#"{ object: {b: 1, a: 2} }"#, r#"["b", "a"]"#),
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
        Type::list(Type::Text)
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let o = super::object(cx, &self.object, "object")?;
            Ok(Value::Array(
                o.into_iter().map(|(k, _)| Value::String(k)).collect(),
            ))
        })())
    }
}
