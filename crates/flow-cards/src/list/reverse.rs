//! `list.reverse`: the items in reverse order (Okta's Reverse).

use crate::util::{output, pure};
use flow_card::kinds::List;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `list.reverse`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The list.
    list: Expr<List>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "list.reverse",
    "Reverse the order of a list",
    "the reversed list",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"The items of `list`, last first."#,
    okta: &["List - Reverse"],
    examples: &[
        Example::gives("Reversed", r#"{ list: [1, 2, 3] }"#, r#"[3, 2, 1]"#),
        Example::fails(
            "Not a list",
            r#"{ list: "{{ inputs.v }}" }"#,
            r#"`list` must be a list"#,
        )
        .with_inputs(r#"{"v": "abc"}"#),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        Type::list(super::item_type(cx, self.list.id))
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let list = cx.list(&self.list)?;
            Ok(Value::Array(
                list.as_array()
                    .map(Vec::as_slice)
                    .unwrap_or(&[])
                    .iter()
                    .rev()
                    .cloned()
                    .collect(),
            ))
        })())
    }
}
