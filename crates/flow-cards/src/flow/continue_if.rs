//! `flow.continue_if`: ends the flow quietly (status `stopped`) unless a condition holds
//! (Okta's Continue If). Later effects wait for it, so nothing happens after a stop.

use crate::util::{PURE_TIMEOUT, done};
use flow_card::card::schema_of;
use flow_card::kinds::{AnyValue, Text};
use flow_card::{Card, CardFuture, CardSpec, Checker, Effect, Expr, Outcome, Signal, StepCx};
use flow_card::{CardDoc, Example};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;

/// Inputs of `flow.continue_if`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Go on when this is truthy, e.g. `{{ eq event.event_type "FAILED_CHECK" }}`.
    condition: Expr<AnyValue>,
    /// Noted in the record when the flow stops.
    #[serde(default)]
    message: Option<Expr<Text>>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "flow.continue_if",
    summary: "Stop the flow quietly unless a condition holds",
    effect: Effect::Responds,
    output: "{ continue: boolean }",
    default_timeout: PURE_TIMEOUT,
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Goes on when the condition is truthy. Output: `{ continue: boolean }`. When the condition is
falsy the run ends as `stopped` (not failed), with `message` as the reason. Later effects wait
for it, so none of them happens after a stop."#,
    okta: &["Branching - Continue If"],
    examples: &[
        Example::gives(
            "A true condition",
            r#"{ condition: "{{ eq inputs.kind \"alert\" }}" }"#,
            r#"{"continue": true}"#,
        )
        .with_inputs(r#"{"kind": "alert"}"#),
        Example::gives(
            "A false condition stops the run",
            r#"{ condition: false, message: "not an alert" }"#,
            r#"{"continue": false}"#,
        ),
        Example::rejected("No condition", r#"{ message: why }"#, "E0005"),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.condition.id);
        Type::object([("continue", Type::Boolean)])
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        done((|| {
            let go = cx.truthy(&self.condition)?;
            let signal = if go {
                None
            } else {
                Some(Signal::Stop {
                    message: cx.opt_text(&self.message)?,
                })
            };
            Ok(Outcome {
                output: serde_json::json!({ "continue": go }),
                signal,
            })
        })())
    }
}
