//! `flow.assign_if`: one of two values, by a condition (Okta's Assign If).

use crate::util::{output, pure};
use flow_card::kinds::AnyValue;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;

/// Inputs of `flow.assign_if`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The condition, e.g. `{{ gt user.days 90 }}`; truthy as in templates.
    condition: Expr<AnyValue>,
    /// The output when the condition is truthy.
    then: Expr<AnyValue>,
    /// The output otherwise (default `null`).
    #[serde(default, rename = "else")]
    otherwise: Option<Expr<AnyValue>>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "flow.assign_if",
    "One of two values, by a condition",
    "`then` when `condition` is truthy, else `else` (null when not given)",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Gives `then` when `condition` is truthy (section 7.9 of the flow language: `false`, `null`,
`0`, `""`, `[]` and `{}` are falsy), else `else` (Okta's Assign If). Only the value chosen is
evaluated. The output type is the type both values have, or `any` when they differ. For steps
that run only on one side, use a `branch:` block."#,
    okta: &["Branching - Assign If"],
    examples: &[
        Example::gives(
            "True",
            r#"{ condition: "{{ inputs.admin }}", then: { level: high }, else: { level: low } }"#,
            r#"{"level": "high"}"#,
        )
        .with_inputs(r#"{"admin": true}"#),
        Example::gives(
            "False without else",
            r#"{ condition: "{{ inputs.n }}", then: 5 }"#,
            r#"null"#,
        )
        .with_inputs(r#"{"n": 0}"#),
        Example::gives(
            "The other side is not evaluated",
            r#"{ condition: true, then: ok, else: "{{ date_add inputs.d 1 \"days\" }}" }"#,
            r#""ok""#,
        )
        .with_inputs(r#"{"d": "soon"}"#),
        Example::fails(
            "A value that cannot be evaluated",
            r#"{ condition: false, then: ok, else: "{{ date_add inputs.d 1 \"days\" }}" }"#,
            "`else`",
        )
        .with_inputs(r#"{"d": "soon"}"#),
        Example::rejected("No then", r#"{ condition: true }"#, "E0005"),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.condition.id);
        let then = cx.expr_type(self.then.id);
        let otherwise = self.otherwise.map_or(Type::Null, |e| cx.expr_type(e.id));
        match (then, otherwise) {
            (Type::Null, t) | (t, Type::Null) => t,
            (a, b) if a == b => a,
            _ => Type::Any,
        }
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            if cx.truthy(&self.condition)? {
                Ok(cx.value(&self.then)?.into_owned())
            } else {
                match &self.otherwise {
                    Some(e) => Ok(cx.value(e)?.into_owned()),
                    None => Ok(serde_json::Value::Null),
                }
            }
        })())
    }
}
