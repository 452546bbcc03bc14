//! `flow.fail`: ends the flow as failed (Okta's Return Error).

use crate::util::{PURE_TIMEOUT, done};
use flow_card::card::schema_of;
use flow_card::kinds::{Number, Text};
use flow_card::{
    Card, CardError, CardFuture, CardSpec, Checker, Effect, Expr, Outcome, Signal, StepCx,
};
use flow_card::{CardDoc, Example};
use flow_model::{Code, Type};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `flow.fail`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The HTTP status an endpoint caller gets (default 500; 400–599).
    #[serde(default)]
    status: Option<Expr<Number>>,
    /// Why the flow fails.
    message: Expr<Text>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "flow.fail",
    summary: "End the flow as failed, with a status and a message",
    effect: Effect::Responds,
    output: "null (the flow ends)",
    default_timeout: PURE_TIMEOUT,
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Ends the run as `failed` with kind `failed` and this message. `status` is what an endpoint
caller gets when the flow has not closed: a whole number from 400 to 599, default 500."#,
    okta: &[
        "Flow Control - Return Error",
        "Flow Control - Return Error If",
    ],
    examples: &[
        Example::fails(
            "A message",
            r#"{ message: "the alert names no login" }"#,
            r#"the alert names no login"#,
        ),
        Example::rejected(
            "A status out of range",
            r#"{ status: 302, message: x }"#,
            "E0006",
        ),
    ],
};

/// A status `flow.fail` may answer with: a whole number from 400 to 599.
fn valid_status(n: f64) -> bool {
    n.fract() == 0.0 && (400.0..=599.0).contains(&n)
}

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        if let Some(s) = &self.status
            && let Some(Value::Number(n)) = cx.constant(s.id)
            && !valid_status(n.as_f64().unwrap_or(0.0))
        {
            cx.report(
                Some(s.id),
                Code::InvalidValue,
                format!("`status` must be 400–599, found {n}"),
                None,
            );
        }
        Type::Null
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        done((|| {
            let status = match &self.status {
                Some(s) => {
                    let n = cx.number(s)?;
                    if !valid_status(n) {
                        return Err(CardError::input(format!(
                            "`status` must be 400–599, found {n}"
                        )));
                    }
                    n as u16
                }
                None => 500,
            };
            let message = cx.text(&self.message)?.into_owned();
            Ok(Outcome {
                output: Value::Null,
                signal: Some(Signal::Fail { status, message }),
            })
        })())
    }
}

#[cfg(test)]
mod tests {
    use super::valid_status;

    #[test]
    fn statuses_are_whole_numbers_from_400_to_599() {
        for ok in [400.0, 404.0, 500.0, 599.0] {
            assert!(valid_status(ok), "{ok}");
        }
        for bad in [200.0, 399.0, 600.0, 500.5, -404.0] {
            assert!(!valid_status(bad), "{bad}");
        }
    }
}
