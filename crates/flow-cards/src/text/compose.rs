//! `text.compose`: renders a template into text (Okta's Compose).

use crate::util::{PURE_TIMEOUT, done};
use flow_card::card::schema_of;
use flow_card::kinds::Text;
use flow_card::{Card, CardFuture, CardSpec, Checker, Effect, Expr, Outcome, StepCx};
use flow_card::{CardDoc, Example};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `text.compose`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The text, with `{{ }}` templates; blocks such as `{{#each}}` work too.
    template: Expr<Text>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "text.compose",
    summary: "Compose text from a template",
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
    description: r#"Renders a template into text. Every `{{ }}` helper and block (`{{#each}}`, `{{#if}}`) works;
see the template section of `flow-language.md`."#,
    okta: &["Text - Compose", "Text - Concatenate"],
    examples: &[
        Example::gives(
            "A template over the inputs",
            r#"{ template: "Hello {{ inputs.name }}, you have {{ len inputs.items }} items" }"#,
            r#""Hello Ada, you have 2 items""#,
        )
        .with_inputs(r#"{"name": "Ada", "items": [1, 2]}"#),
        Example::gives(
            "A block",
            r#"{ template: "{{#each inputs.l}}[{{this}}]{{/each}}" }"#,
            r#""[a][b]""#,
        )
        .with_inputs(r#"{"l": ["a", "b"]}"#),
        Example::rejected(
            "An unknown name is refused when the flow loads",
            r#"{ template: "{{ nope }}" }"#,
            "E0203",
        ),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.template.id);
        Type::Text
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        done(
            cx.text(&self.template)
                .map(|t| Outcome::value(Value::String(t.into_owned()))),
        )
    }
}
