//! `flow.fail`: ends the flow as failed (Okta's Return Error).

use crate::util::{PURE_TIMEOUT, done};
use flow_card::card::schema_of;
use flow_card::kinds::{Number, Text};
use flow_card::{
    Card, CardError, CardFuture, CardSpec, Checker, Effect, Expr, Outcome, Signal, StepCx,
};
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

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        if let Some(s) = &self.status
            && let Some(Value::Number(n)) = cx.constant(s.id)
            && !(400.0..=599.0).contains(&n.as_f64().unwrap_or(0.0))
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
                    if !(400.0..=599.0).contains(&n) {
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
