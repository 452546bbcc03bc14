//! `text.segment`: a part of text by character positions (Okta's Segment).

use crate::util::{output, pure};
use flow_card::kinds::{Number, Text};
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `text.segment`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The text.
    text: Expr<Text>,
    /// The first character's position, from 0; negative counts from the end.
    start: Expr<Number>,
    /// The position after the last character (default: the end of the text); negative counts from the end.
    #[serde(default)]
    end: Option<Expr<Number>>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "text.segment",
    "Take the characters of text between two positions",
    "text",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Takes the characters from `start` up to, not including, `end`, counting characters (not bytes)
from 0. Negative positions count from the end (`-3` is the third character from the end).
Positions past the end are clamped, and an `end` before `start` gives empty text. Positions must
be whole numbers."#,
    okta: &["Text - Segment"],
    examples: &[
        Example::gives(
            "The first four",
            r#"{ text: "flowctl rocks", start: 0, end: 4 }"#,
            r#""flow""#,
        ),
        Example::gives(
            "From a position to the end",
            r#"{ text: "flowctl rocks", start: 8 }"#,
            r#""rocks""#,
        ),
        Example::gives(
            "The last three characters",
            r#"{ text: "héllo", start: -3 }"#,
            r#""llo""#,
        ),
        Example::fails(
            "A fraction is not a position",
            r#"{ text: abc, start: 1.5 }"#,
            r#"whole number"#,
        ),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.text.id);
        cx.expr_type(self.start.id);
        if let Some(e) = &self.end {
            cx.expr_type(e.id);
        }
        Type::Text
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let text = cx.text(&self.text)?;
            let chars: Vec<char> = text.chars().collect();
            let start =
                crate::util::char_pos(chars.len(), crate::util::whole(cx, &self.start, "start")?);
            let end = match &self.end {
                Some(e) => crate::util::char_pos(chars.len(), crate::util::whole(cx, e, "end")?),
                None => chars.len(),
            };
            let part: String = chars
                .get(start..end.max(start))
                .unwrap_or(&[])
                .iter()
                .collect();
            Ok(Value::String(part))
        })())
    }
}
