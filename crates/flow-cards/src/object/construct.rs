//! `object.construct`: builds an object from named values (Okta's Construct).

use crate::util::{PURE_TIMEOUT, done};
use flow_card::card::schema_of;
use flow_card::kinds::Object;
use flow_card::{Card, CardFuture, CardSpec, Checker, Effect, Expr, Outcome, StepCx};
use flow_card::{CardDoc, Example};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;

/// Inputs of `object.construct`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The fields of the new object; each value may be a template.
    fields: Expr<Object>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "object.construct",
    summary: "Build an object from named values",
    effect: Effect::Pure,
    output: "the object",
    default_timeout: PURE_TIMEOUT,
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Builds an object from fields, each a value or a template. Output: the object, with the types
of its fields."#,
    okta: &["Object - Construct", "Flow Control - Assign"],
    examples: &[Example::gives(
        "Fields from templates",
        r#"{ fields: { login: "{{ inputs.login }}", count: "{{ len inputs.l }}", fixed: true } }"#,
        r#"{"login": "ada", "count": 2, "fixed": true}"#,
    )
    .with_inputs(r#"{"login": "ada", "l": [1, 2]}"#), Example::rejected("No fields", r#"{}"#, "E0005")],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.fields.id)
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        done(
            cx.value(&self.fields)
                .map(|v| Outcome::value(v.into_owned())),
        )
    }
}
