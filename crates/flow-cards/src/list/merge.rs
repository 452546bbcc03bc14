//! `list.merge`: joins lists into one (Okta's Merge).

use crate::util::{output, pure};
use flow_card::kinds::List;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `list.merge`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The lists to join, in order.
    lists: Expr<List>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>("list.merge", "Join several lists into one", "a list");

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"A new list with the items of each list of `lists`, in order. An item of `lists` that is not a list is an `input` error."#,
    okta: &["List - Merge"],
    examples: &[
        Example::gives("Two lists", r#"{ lists: [[1, 2], [3]] }"#, r#"[1, 2, 3]"#),
        Example::fails(
            "Not lists",
            r#"{ lists: [[1], 2] }"#,
            r#"item 1 of `lists` must be a list"#,
        ),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.lists.id);
        Type::list(Type::Any)
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let lists = cx.list(&self.lists)?;
            let mut out = Vec::new();
            for (i, l) in lists
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or(&[])
                .iter()
                .enumerate()
            {
                match l {
                    Value::Array(items) => out.extend(items.iter().cloned()),
                    other => {
                        return Err(flow_card::CardError::input(format!(
                            "item {i} of `lists` must be a list, found {}",
                            flow_model::types::value_kind(other)
                        )));
                    }
                }
            }
            Ok(Value::Array(out))
        })())
    }
}
