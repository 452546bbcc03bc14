//! `list.to_text`: joins the items of a list into one text (Okta's List to Text).

use crate::util::{PURE_TIMEOUT, done};
use flow_card::card::schema_of;
use flow_card::kinds::{List, Text};
use flow_card::{Card, CardFuture, CardSpec, Checker, Effect, Expr, Outcome, StepCx};
use flow_card::{CardDoc, Example};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `list.to_text`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The list to join; items that are not text are written as text (objects as JSON).
    list: Expr<List>,
    /// Put between items (default `, `).
    #[serde(default)]
    separator: Option<Expr<Text>>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "list.to_text",
    summary: "Join the items of a list into one text",
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
    description: r#"Joins the items into text with a separator (default `, `). Items that are not text are written
as text (objects as JSON)."#,
    okta: &["List - List to Text"],
    examples: &[
        Example::gives(
            "Default separator",
            r#"{ list: [a, b, 3] }"#,
            r#""a, b, 3""#,
        ),
        Example::gives(
            "Own separator",
            r#"{ list: [a, b], separator: " | " }"#,
            r#""a | b""#,
        ),
        Example::fails(
            "Not a list",
            r#"{ list: "{{ inputs.v }}" }"#,
            r#"must be a list"#,
        )
        .with_inputs(r#"{"v": "abc"}"#),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        super::item_type(cx, self.list.id);
        Type::Text
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        done((|| {
            let list = cx.list(&self.list)?;
            let sep = match &self.separator {
                Some(s) => cx.text(s)?.into_owned(),
                None => ", ".to_string(),
            };
            let mut out = String::new();
            for (i, item) in list.as_array().into_iter().flatten().enumerate() {
                if i > 0 {
                    out.push_str(&sep);
                }
                flow_template::render_text(item, &mut out);
            }
            Ok(Outcome::value(Value::String(out)))
        })())
    }
}
