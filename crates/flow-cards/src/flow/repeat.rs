//! `flow.repeat`: runs a helper flow again and again, `times` times or while a condition holds,
//! within a bound (Okta's Repeat). Each run sees the previous one's outputs.

use crate::util::CALL_TIMEOUT;
use flow_card::card::schema_of;
use flow_card::kinds::{ItemObject, ItemValue, Number};
use flow_card::{
    BuildCx, Card, CardError, CardFuture, CardSpec, Checker, Effect, ErrorKind, Expr, FlowRef,
    Outcome, StepCx,
};
use flow_card::{CardDoc, Example};
use flow_model::{Code, Type};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::sync::Arc;

/// The default bound on runs.
pub const DEFAULT_MAX: u32 = 100;
/// The largest `max`.
pub const MAX_MAX: u32 = 10_000;

fn default_max() -> u32 {
    DEFAULT_MAX
}

/// Inputs of `flow.repeat`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The helper flow to run each time.
    flow: FlowRef,
    /// Its inputs; `{{ index }}` is the run's number (from 0) and `{{ item }}` the outputs of
    /// the run before (null for the first).
    #[serde(default)]
    inputs: Option<Expr<ItemObject>>,
    /// How many times to run it.
    #[serde(default)]
    times: Option<Expr<Number>>,
    /// Checked before each run, with `item` and `index` as in `inputs`: the runs go on while it
    /// is truthy.
    #[serde(default, rename = "while")]
    while_: Option<Expr<ItemValue>>,
    /// The most runs (default 100, at most 10,000): a `while` that still holds after them fails
    /// the step, with kind `limit`.
    #[serde(default = "default_max")]
    max: u32,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "flow.repeat",
    summary: "Run a helper flow several times, or while a condition holds",
    effect: Effect::Calls,
    output: "list of the helper's outputs",
    default_timeout: CALL_TIMEOUT,
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| {
        let c = cx.config::<Config>()?;
        c.validate(cx);
        Some(Box::new(c))
    },
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Runs the helper flow `times` times, or for as long as `while` holds (checked before each run),
one run after the other; with both, whichever ends first. In `inputs` and `while`, `{{ index }}`
is the run's number (from 0) and `{{ item }}` the outputs of the run before it (`null` before the
first): a helper that fetches a page can be given the cursor the previous page returned.
Output: the list of the helper's outputs, one per run. `max` (default 100, at most 10,000)
bounds the runs: `times` above it, or a `while` still true after `max` runs, fails the step
(kind `input` and `limit`). A failed run fails the step with `helper_failed`, as for
`flow.call`; each run is recorded under the step as a helper run, with its number."#,
    okta: &["Flow Control - Repeat"],
    examples: &[
        Example::gives(
            "Three times",
            r#"{ flow: greet, inputs: { name: "n{{ index }}" }, times: 3 }"#,
            r#"[{"greeting": "Hello n0"}, {"greeting": "Hello n1"}, {"greeting": "Hello n2"}]"#,
        ),
        Example::gives(
            "Each run reads the one before",
            r#"{ flow: greet, inputs: { name: "{{ default item.greeting \"Ada\" }}" }, times: 2 }"#,
            r#"[{"greeting": "Hello Ada"}, {"greeting": "Hello Hello Ada"}]"#,
        ),
        Example::gives(
            "While a condition holds",
            r#"{ flow: greet, inputs: { name: x }, while: "{{ lt index 2 }}" }"#,
            r#"[{"greeting": "Hello x"}, {"greeting": "Hello x"}]"#,
        ),
        Example::fails(
            "A condition that never ends",
            r#"{ flow: greet, inputs: { name: x }, while: true, max: 3 }"#,
            "still held after 3 runs",
        ),
        Example::fails(
            "More times than `max`",
            r#"{ flow: greet, inputs: { name: x }, times: "{{ inputs.n }}", max: 5 }"#,
            "above `max` (5)",
        )
        .with_inputs(r#"{"n": 6}"#),
        Example::rejected(
            "Neither `times` nor `while`",
            r#"{ flow: greet, inputs: { name: x } }"#,
            "E0005",
        ),
        Example::rejected(
            "`max` out of range",
            r#"{ flow: greet, inputs: { name: x }, times: 1, max: 0 }"#,
            "E0006",
        ),
    ],
};

impl Config {
    /// Reports a `max` out of range; called at build time.
    fn validate(&self, cx: &mut BuildCx<'_>) {
        if self.max == 0 || self.max > MAX_MAX {
            cx.report(
                Code::InvalidValue,
                None,
                format!("`max` must be between 1 and {MAX_MAX}, found {}", self.max),
            );
        }
    }

    /// `times` as a whole number within `max`.
    fn times(&self, cx: &StepCx<'_>) -> Result<Option<u32>, CardError> {
        let Some(e) = &self.times else {
            return Ok(None);
        };
        let n = cx.number(e)?;
        if n.fract() != 0.0 || n < 0.0 || !n.is_finite() {
            return Err(CardError::input(format!(
                "`times` must be a whole number of 0 or more, found {n}"
            )));
        }
        if n > f64::from(self.max) {
            return Err(CardError::input(format!(
                "`times` is {n}, above `max` ({})",
                self.max
            )));
        }
        Ok(Some(n as u32))
    }
}

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        let output = cx.helper(self.flow).map_or(Type::Any, |s| s.output);
        match &self.inputs {
            Some(i) => cx.check_helper_inputs(self.flow, i.id, output.clone()),
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
        if let Some(t) = &self.times {
            cx.expr_type(t.id);
        }
        if let Some(w) = &self.while_ {
            cx.item_expr_type(w.id, output.clone());
        }
        if self.times.is_none() && self.while_.is_none() {
            cx.report(
                None,
                Code::MissingKey,
                "`flow.repeat` needs `times` or `while`".into(),
                Some("e.g. `times: 3`, or `while: \"{{ item.next }}\"`".into()),
            );
        }
        Type::list(output)
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            let times = self.times(cx)?;
            let limit = times.unwrap_or(self.max);
            cx.expect_calls(limit as usize);
            let mut outputs: Vec<Value> = Vec::new();
            let mut previous = Arc::new(Value::Null);
            for i in 0..=limit as usize {
                let holds = match &self.while_ {
                    Some(w) => {
                        let w = Expr::<ItemObject>::from_id(w.id.0);
                        flow_template::is_truthy(&cx.item_value(&w, &previous, i)?)
                    }
                    None => true,
                };
                if !holds || times.is_some_and(|t| i >= t as usize) {
                    return Ok(Outcome::value(Value::Array(outputs)));
                }
                if i >= limit as usize {
                    break;
                }
                let inputs = match &self.inputs {
                    Some(e) => cx.item_value(e, &previous, i)?,
                    None => Value::Object(Map::new()),
                };
                previous = cx.call(self.flow, inputs, Some(i)).await?;
                outputs.push((*previous).clone());
            }
            Err(CardError::new(
                ErrorKind::Limit,
                format!(
                    "`while` still held after {} runs (`max`); raise `max` (at most {MAX_MAX}) or \
                     check the condition",
                    self.max
                ),
            ))
        })
    }
}
