//! `list.construct`: builds a list from values (Okta's Construct).

use crate::util::{output, pure};
use flow_card::kinds::List;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;

/// Inputs of `list.construct`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The items; each may be a template.
    items: Expr<List>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "list.construct",
    "Build a list from values",
    "a list of the items",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Builds a list from `items`, each a value or a template. Its item type is known when the items agree."#,
    okta: &["List - Construct"],
    examples: &[
        Example::gives(
            "From templates",
            r#"{ items: ["{{ inputs.a }}", "{{ inputs.b }}", 3] }"#,
            r#"["x", "y", 3]"#,
        )
        .with_inputs(r#"{"a": "x", "b": "y"}"#),
        Example::fails(
            "Not a list",
            r#"{ items: "{{ inputs.v }}" }"#,
            r#"`items` must be a list"#,
        )
        .with_inputs(r#"{"v": "abc"}"#),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.items.id)
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| Ok(cx.list(&self.items)?.into_owned()))())
    }
}
