//! `list.append`: adds an item at the end (Okta's Append).

use crate::util::{output, pure};
use flow_card::kinds::{AnyValue, List};
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `list.append`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The list.
    list: Expr<List>,
    /// The item to add.
    item: Expr<AnyValue>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "list.append",
    "Add an item at the end of a list",
    "the list with the item",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"A new list: the items of `list`, then `item`."#,
    okta: &["List - Append"],
    examples: &[
        Example::gives(
            "At the end",
            r#"{ list: [a, b], item: c }"#,
            r#"["a", "b", "c"]"#,
        ),
        Example::fails(
            "Not a list",
            r#"{ list: "{{ inputs.v }}", item: 1 }"#,
            r#"`list` must be a list"#,
        )
        .with_inputs(r#"{"v": "abc"}"#),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.item.id);
        Type::list(super::item_type(cx, self.list.id))
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let mut list = cx.list(&self.list)?.into_owned();
            if let Value::Array(items) = &mut list {
                items.push(cx.value(&self.item)?.into_owned());
            }
            Ok(list)
        })())
    }
}
