//! `text.pad`: pads text to a length (Okta's Pad).

use crate::util::{output, pure};
use flow_card::kinds::{Number, Text};
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `text.pad`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The text.
    text: Expr<Text>,
    /// The length to reach, in characters.
    length: Expr<Number>,
    /// What to pad with (default a space); repeated and cut to fit.
    #[serde(default)]
    fill: Option<Expr<Text>>,
    /// `start` (default) or `end`.
    #[serde(default)]
    side: Option<Expr<Text>>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "text.pad",
    "Pad text to a length at the start or the end",
    "text",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Adds `fill` (default a space) before (`side: start`, the default) or after (`side: end`) the
text until it is `length` characters long. Text already that long is unchanged. `length` must
be a whole number from 0 to 10,000."#,
    okta: &["Text - Pad"],
    examples: &[
        Example::gives(
            "Leading zeros",
            r#"{ text: 42, length: 5, fill: "0" }"#,
            r#""00042""#,
        ),
        Example::gives(
            "At the end",
            r#"{ text: ab, length: 5, fill: "xy", side: end }"#,
            r#""abxyx""#,
        ),
        Example::gives(
            "Already long enough",
            r#"{ text: abcdef, length: 3 }"#,
            r#""abcdef""#,
        ),
        Example::fails(
            "Not a side",
            r#"{ text: a, length: 3, side: middle }"#,
            r#"`side` must be"#,
        ),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.text.id);
        cx.expr_type(self.length.id);
        if let Some(e) = &self.fill {
            cx.expr_type(e.id);
        }
        if let Some(e) = &self.side {
            cx.expr_type(e.id);
        }
        Type::Text
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let text = cx.text(&self.text)?;
            let length = crate::util::whole(cx, &self.length, "length")?;
            if !(0..=10_000).contains(&length) {
                return Err(flow_card::CardError::input(format!(
                    "`length` must be from 0 to 10000, found {length}"
                )));
            }
            let fill = match &self.fill {
                Some(f) => cx.text(f)?.into_owned(),
                None => " ".to_string(),
            };
            let at_end = match cx.opt_text(&self.side)?.as_deref() {
                None | Some("start") => false,
                Some("end") => true,
                Some(other) => {
                    return Err(flow_card::CardError::input(format!(
                        "`side` must be `start` or `end`, found `{other}`"
                    )));
                }
            };
            let missing = (length as usize).saturating_sub(text.chars().count());
            if missing == 0 || fill.is_empty() {
                return Ok(Value::String(text.into_owned()));
            }
            let pad: String = fill.chars().cycle().take(missing).collect();
            Ok(Value::String(if at_end {
                format!("{text}{pad}")
            } else {
                format!("{pad}{text}")
            }))
        })())
    }
}
