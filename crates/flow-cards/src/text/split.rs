//! `text.split`: splits text into a list at a separator (Okta's Split).

use crate::util::{output, pure};
use flow_card::kinds::Text;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `text.split`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The text to split.
    text: Expr<Text>,
    /// Where to split (default `,`); an empty separator splits into characters.
    #[serde(default)]
    separator: Option<Expr<Text>>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "text.split",
    "Split text into a list at a separator",
    "list<text>",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Splits `text` at every `separator` (default `,`), keeping empty parts, as Okta's Split
does. An empty separator splits the text into its characters. Numbers and booleans are written
as text first; any other value is an error."#,
    okta: &["Text - Split"],
    examples: &[
        Example::gives(
            "At commas",
            r#"{ text: "a,b,,c" }"#,
            r#"["a", "b", "", "c"]"#,
        ),
        Example::gives(
            "At a word",
            r#"{ text: "a and b", separator: " and " }"#,
            r#"["a", "b"]"#,
        ),
        Example::gives(
            "Into characters",
            r#"{ text: "héh", separator: "" }"#,
            r#"["h", "é", "h"]"#,
        ),
        Example::gives(
            "A number is text",
            r#"{ text: 1.5, separator: "." }"#,
            r#"["1", "5"]"#,
        ),
        Example::fails(
            "A list is not text",
            r#"{ text: "{{ inputs.v }}" }"#,
            "`text` must be text",
        )
        .with_inputs(r#"{"v": [1]}"#),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.text.id);
        if let Some(s) = &self.separator {
            cx.expr_type(s.id);
        }
        Type::list(Type::Text)
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let text = cx.text(&self.text)?;
            let sep = match &self.separator {
                Some(s) => cx.text(s)?.into_owned(),
                None => ",".to_string(),
            };
            let parts: Vec<Value> = if sep.is_empty() {
                text.chars().map(|c| Value::String(c.to_string())).collect()
            } else {
                text.split(sep.as_str())
                    .map(|p| Value::String(p.to_string()))
                    .collect()
            };
            Ok(Value::Array(parts))
        })())
    }
}
