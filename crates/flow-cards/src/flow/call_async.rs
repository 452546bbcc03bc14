//! `flow.call_async`: starts a helper flow as a run of its own and goes on at once (Okta's Call
//! Flow Async).

use crate::util::CALL_TIMEOUT;
use flow_card::card::schema_of;
use flow_card::kinds::Object;
use flow_card::{Card, CardFuture, CardSpec, Checker, Effect, Expr, FlowRef, Outcome, StepCx};
use flow_card::{CardDoc, Example};
use flow_model::{Code, Type};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// Inputs of `flow.call_async`.
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
    kind: "flow.call_async",
    summary: "Start a helper flow and go on without waiting for it",
    effect: Effect::Calls,
    output: "{ run_id: text }",
    default_timeout: CALL_TIMEOUT,
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Starts the helper flow as a run of its own and goes on at once; the helper's outputs and
failure do not reach this flow. Output: `{ run_id }`, the helper run's execution id
(`flowctl history show <run_id>`). `inputs` are checked like those of `flow.call`, and again
when the step runs: a wrong type fails this step, not a run nobody waits for.

Under `flowctl serve` with a store, the helper run is queued in the store before the step
finishes, so a crash does not lose it, and starts as soon as a run slot is free, like an
accepted event. `flowctl run`, a server without a store, flow tests and dry runs run it beside
the flow instead: its record is kept under this step, and the command waits for it before it
ends (in a dry run it is rehearsed too: nothing is sent)."#,
    okta: &["Flow Control - Call Flow Async"],
    examples: &[
        Example::rejected(
            "An input the helper does not declare",
            r#"{ flow: greet, inputs: { name: a, age: 3 } }"#,
            "E0104",
        ),
        Example::rejected(
            "A flow that does not exist",
            r#"{ flow: gret, inputs: { name: a } }"#,
            "E0102",
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
        Type::object([("run_id", Type::Text)])
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            let inputs = match &self.inputs {
                Some(i) => cx.value(i)?.into_owned(),
                None => Value::Object(Map::new()),
            };
            let id = cx.launch(self.flow, inputs).await?;
            Ok(Outcome::value(json!({ "run_id": id })))
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::run_card;
    use serde_json::json;

    /// The output names a run, and the step does not fail when the helper does: nobody waits.
    #[test]
    fn the_output_is_the_new_runs_id_whatever_the_helper_does() {
        for name in ["Ada", ""] {
            let out = run_card(
                "flow.call_async",
                &format!("{{ flow: greet, inputs: {{ name: \"{name}\" }} }}"),
                &json!({}),
            )
            .unwrap();
            let id = out["run_id"].as_str().unwrap();
            assert_eq!(id.len(), 36, "{out}");
        }
    }

    /// A value of the wrong type for a declared input fails the step when it runs.
    #[test]
    fn a_wrong_input_type_fails_the_step() {
        let err = run_card(
            "flow.call_async",
            "{ flow: greet, inputs: { name: \"{{ inputs.v }}\" } }",
            &json!({ "v": [1] }),
        )
        .unwrap_err();
        assert!(format!("{err:?}").contains("input `name`"), "{err:?}");
    }
}
