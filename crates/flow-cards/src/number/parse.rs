//! `number.parse`: reads a number from text (Okta's Text to Number).

use crate::util::{output, pure};
use flow_card::kinds::Text;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;

/// Inputs of `number.parse`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The text, such as `42`, `-3.5`, `1e3` or `1,234.5`.
    text: Expr<Text>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>("number.parse", "Read a number from text", "number");

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Reads a number from `text`: white space around it is ignored, and so are `,` thousands
separators (`1,234.5`). Text that is not a number is an `input` error."#,
    okta: &["Number - Text to Number"],
    examples: &[
        Example::gives("Decimal", r#"{ text: " -3.5 " }"#, r#"-3.5"#),
        Example::gives("Thousands", r#"{ text: "1,234" }"#, r#"1234"#),
        Example::fails(
            "Not a number",
            r#"{ text: "12 apples" }"#,
            r#"not a number"#,
        ),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.text.id);
        Type::Number
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let text = cx.text(&self.text)?;
            let cleaned = text.trim().replace(',', "");
            match cleaned.parse::<f64>() {
                Ok(n) if n.is_finite() => super::num(n),
                _ => Err(flow_card::CardError::input(format!(
                    "`{text}` is not a number"
                ))),
            }
        })())
    }
}
