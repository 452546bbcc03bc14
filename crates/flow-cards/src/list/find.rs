//! `list.find`: the first item that matches a condition, and its index (Okta's Find).

use super::filter::Config as FilterConfig;
use crate::util::{PURE_TIMEOUT, done};
use flow_card::card::schema_of;
use flow_card::{Card, CardFuture, CardSpec, Checker, Effect, Outcome, StepCx};
use flow_card::{CardDoc, Example};
use flow_model::Type;
use serde_json::{Value, json};

/// Inputs of `list.find`: the same as `list.filter`.
pub type Config = Finder;

/// `list.find`'s card: a filter that stops at the first match.
#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
#[serde(transparent)]
pub struct Finder(FilterConfig);

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "list.find",
    summary: "Find the first item of a list that matches a condition",
    effect: Effect::Pure,
    output: "{ item, index } (item null and index -1 when nothing matches)",
    default_timeout: PURE_TIMEOUT,
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<FilterConfig>,
    build: |cx| Some(Box::new(cx.config::<Finder>()?)),
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"The same inputs as `list.filter`. Output: `{ item, index }` for the first match;
`{ item: null, index: -1 }` when nothing matches."#,
    okta: &["List - Find"],
    examples: &[
        Example::gives(
            "First match",
            r#"{ list: [a, bb, cc], operator: starts_with, value: c }"#,
            r#"{"item": "cc", "index": 2}"#,
        ),
        Example::gives(
            "No match",
            r#"{ list: [a], operator: eq, value: z }"#,
            r#"{"item": null, "index": -1}"#,
        ),
        Example::fails(
            "Not a list",
            r#"{ list: "{{ inputs.v }}", operator: eq, value: 1 }"#,
            r#"`list` must be a list"#,
        )
        .with_inputs(r#"{"v": "abc"}"#),
    ],
};

impl Card for Finder {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        let item = self.0.check_value(cx);
        Type::object([("item", item), ("index", Type::Number)])
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        done((|| {
            let list = cx.list(&self.0.list)?;
            let hit = self.0.matcher(cx)?;
            let found = list
                .as_array()
                .into_iter()
                .flatten()
                .enumerate()
                .find(|(_, i)| hit(i));
            Ok(Outcome::value(match found {
                Some((i, item)) => json!({ "item": item, "index": i }),
                None => json!({ "item": Value::Null, "index": -1 }),
            }))
        })())
    }
}
