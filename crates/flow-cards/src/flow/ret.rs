//! `flow.return`: ends the flow with outputs (Okta's Return).

use crate::util::{PURE_TIMEOUT, done};
use flow_card::card::schema_of;
use flow_card::kinds::Object;
use flow_card::{Card, CardFuture, CardSpec, Checker, Effect, Expr, Outcome, Signal, StepCx};
use flow_card::{CardDoc, Example};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value};

/// Inputs of `flow.return`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The outputs: what a calling flow gets, or the JSON body an endpoint caller gets (200).
    #[serde(default)]
    outputs: Option<Expr<Object>>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "flow.return",
    summary: "End the flow and return outputs to its caller",
    effect: Effect::Responds,
    output: "the outputs",
    default_timeout: PURE_TIMEOUT,
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Ends the run as `succeeded` with these outputs: what a calling flow gets, or the JSON body an
endpoint caller gets (200) when the flow has not closed. When a flow has several `flow.return`
steps of different types, its output type is `any`."#,
    okta: &["Flow Control - Return"],
    examples: &[
        Example::gives(
            "Outputs",
            r#"{ outputs: { line: "{{ inputs.l }}" } }"#,
            r#"{"line": "x"}"#,
        )
        .with_inputs(r#"{"l": "x"}"#),
        Example::gives("No outputs", r#"{}"#, r#"{}"#),
        Example::rejected("An unknown input", r#"{ output: { a: 1 } }"#, "E0003"),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        match &self.outputs {
            Some(o) => cx.expr_type(o.id),
            None => Type::object(Vec::<(String, Type)>::new()),
        }
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        done((|| {
            let output = match &self.outputs {
                Some(o) => cx.value(o)?.into_owned(),
                None => Value::Object(Map::new()),
            };
            Ok(Outcome {
                output,
                signal: Some(Signal::Return),
            })
        })())
    }
}
