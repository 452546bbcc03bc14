//! `json.stringify`: a value as JSON text.

use crate::util::{PURE_TIMEOUT, done};
use flow_card::card::schema_of;
use flow_card::kinds::AnyValue;
use flow_card::{Card, CardFuture, CardSpec, Checker, Effect, Expr, Outcome, StepCx};
use flow_card::{CardDoc, Example};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `json.stringify`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The value to write as JSON.
    value: Expr<AnyValue>,
    /// Indent the output (default: compact).
    #[serde(default)]
    pretty: bool,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "json.stringify",
    summary: "Write a value as JSON text",
    effect: Effect::Pure,
    output: "text",
    default_timeout: PURE_TIMEOUT,
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Writes a value as JSON text: compact by default, indented with `pretty: true`."#,
    okta: &["JSON - Stringify"],
    examples: &[
        Example::gives(
            "Compact",
            r#"{ value: { a: [1, "x"] } }"#,
            r#""{\"a\":[1,\"x\"]}""#,
        ),
        Example::gives(
            "Pretty",
            r#"{ value: [1], pretty: true }"#,
            r#""[\n  1\n]""#,
        ),
        Example::rejected("No value", r#"{ pretty: true }"#, "E0005"),
    ],
};

impl Card for Config {
    fn check(&self, _: &mut dyn Checker) -> Type {
        Type::Text
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        done(cx.value(&self.value).map(|v| {
            let text = if self.pretty {
                serde_json::to_string_pretty(&*v).unwrap_or_default()
            } else {
                v.to_string()
            };
            Outcome::value(Value::String(text))
        }))
    }
}
