//! `list.shift`: the first item of a list and the rest of it (Okta's Get First Item).

use crate::util::{output, pure};
use flow_card::kinds::List;
use flow_card::{Card, CardDoc, CardError, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

/// Inputs of `list.shift`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The list.
    list: Expr<List>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "list.shift",
    "Take the first item of a list, and the rest",
    "{ item, rest }",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"`item` is the first item of `list`, `rest` the list without it (Okta's Get First Item gives both, as `item` and `list`). An empty list is an `input` error, as `list.at` gives for a position out of bounds."#,
    okta: &["List - Get First Item"],
    examples: &[
        Example::gives(
            "First name, the rest",
            r#"{ list: [Mary, Ann, Smith] }"#,
            r#"{"item": "Mary", "rest": ["Ann", "Smith"]}"#,
        ),
        Example::gives(
            "One item",
            r#"{ list: [a] }"#,
            r#"{"item": "a", "rest": []}"#,
        ),
        Example::fails("Empty", r#"{ list: [] }"#, r#"has no first item"#),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        let item = super::item_type(cx, self.list.id);
        Type::object([("item", item.clone()), ("rest", Type::list(item))])
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let list = cx.list(&self.list)?;
            let items = list.as_array().map(Vec::as_slice).unwrap_or(&[]);
            match items.split_first() {
                Some((first, rest)) => Ok(json!({ "item": first, "rest": rest })),
                None => Err(CardError::input("`list` is empty: it has no first item")),
            }
        })())
    }
}
