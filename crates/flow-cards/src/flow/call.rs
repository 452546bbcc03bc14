//! `flow.call`: runs a helper flow and waits for its outputs (Okta's Call Flow).

use crate::util::CALL_TIMEOUT;
use flow_card::card::schema_of;
use flow_card::kinds::Object;
use flow_card::{Card, CardFuture, CardSpec, Checker, Effect, Expr, FlowRef, Outcome, StepCx};
use flow_card::{CardDoc, Example};
use flow_model::{Code, Type};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value};

/// Inputs of `flow.call`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The helper flow.
    flow: FlowRef,
    /// Its inputs.
    #[serde(default)]
    inputs: Option<Expr<Object>>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "flow.call",
    summary: "Run a helper flow and use what it returns",
    effect: Effect::Calls,
    output: "the helper's `flow.return` outputs",
    default_timeout: CALL_TIMEOUT,
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Runs a helper flow and waits for it. `inputs` is checked like those of `list.for_each`.
Output: the helper's `flow.return` outputs (`null` when the helper stopped or returned
nothing). A failed helper fails the step with `helper_failed`; the message names the helper's
failing step."#,
    okta: &["Flow Control - Call Flow"],
    examples: &[
        Example::gives(
            "A helper's outputs",
            r#"{ flow: greet, inputs: { name: Ada } }"#,
            r#"{"greeting": "Hello Ada"}"#,
        ),
        Example::fails(
            "A helper that fails",
            r#"{ flow: greet, inputs: { name: "" } }"#,
            r#"no name"#,
        ),
        Example::rejected(
            "An input the helper does not declare",
            r#"{ flow: greet, inputs: { name: a, age: 3 } }"#,
            "E0104",
        ),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        match &self.inputs {
            Some(i) => cx.check_helper_inputs(self.flow, i.id, Type::Any),
            None => {
                if let Some(sig) = cx.helper(self.flow)
                    && !sig.inputs.is_empty()
                {
                    cx.report(
                        None,
                        Code::MissingHelperInput,
                        format!("helper flow `{}` needs its inputs", sig.name),
                        None,
                    );
                }
            }
        }
        cx.helper(self.flow).map_or(Type::Any, |s| s.output)
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            let inputs = match &self.inputs {
                Some(i) => cx.value(i)?.into_owned(),
                None => Value::Object(Map::new()),
            };
            Ok(Outcome::value(
                (*cx.call(self.flow, inputs, None).await?).clone(),
            ))
        })
    }
}
