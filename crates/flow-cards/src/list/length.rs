//! `list.length`: the number of items of a list.

use crate::util::{PURE_TIMEOUT, done};
use flow_card::card::schema_of;
use flow_card::kinds::List;
use flow_card::{Card, CardFuture, CardSpec, Checker, Effect, Expr, Outcome, StepCx};
use flow_card::{CardDoc, Example};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `list.length`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The list to count.
    list: Expr<List>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "list.length",
    summary: "Count the items of a list",
    effect: Effect::Pure,
    output: "number",
    default_timeout: PURE_TIMEOUT,
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Counts the items of a list."#,
    okta: &["List - Length"],
    examples: &[
        Example::gives("Three items", r#"{ list: [a, b, c] }"#, r#"3"#),
        Example::gives("Empty", r#"{ list: [] }"#, r#"0"#),
        Example::fails(
            "Not a list",
            r#"{ list: "{{ inputs.v }}" }"#,
            r#"must be a list"#,
        )
        .with_inputs(r#"{"v": {"a": 1}}"#),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        super::item_type(cx, self.list.id);
        Type::Number
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        done(
            cx.list(&self.list)
                .map(|l| Outcome::value(Value::from(l.as_array().map_or(0, Vec::len)))),
        )
    }
}
