//! `list.zip`: pairs up the items of lists by position (Okta's Zip).

use crate::util::{output, pure};
use flow_card::kinds::List;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `list.zip`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The lists to pair up.
    lists: Expr<List>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "list.zip",
    "Pair up the items of lists by position",
    "a list of lists",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Item `i` of the output is the list of item `i` of each list; shorter lists give `null` (as Okta's Zip, after lodash)."#,
    okta: &["List - Zip"],
    examples: &[
        Example::gives(
            "Names and emails",
            r#"{ lists: [[ada, grace], [a@x, g@x]] }"#,
            r#"[["ada", "a@x"], ["grace", "g@x"]]"#,
        ),
        Example::gives(
            "Uneven",
            r#"{ lists: [[1, 2], [a]] }"#,
            r#"[[1, "a"], [2, null]]"#,
        ),
        Example::fails(
            "Not a list",
            r#"{ lists: "{{ inputs.v }}" }"#,
            r#"`lists` must be a list"#,
        )
        .with_inputs(r#"{"v": "abc"}"#),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.lists.id);
        Type::list(Type::list(Type::Any))
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let lists = cx.list(&self.lists)?;
            let lists: Vec<&[Value]> = lists
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or(&[])
                .iter()
                .map(|l| l.as_array().map(Vec::as_slice).unwrap_or(&[]))
                .collect();
            let n = lists.iter().map(|l| l.len()).max().unwrap_or(0);
            Ok(Value::Array(
                (0..n)
                    .map(|i| {
                        Value::Array(
                            lists
                                .iter()
                                .map(|l| l.get(i).cloned().unwrap_or(Value::Null))
                                .collect(),
                        )
                    })
                    .collect(),
            ))
        })())
    }
}
