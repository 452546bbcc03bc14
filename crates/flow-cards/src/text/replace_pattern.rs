//! `text.replace_pattern`: replaces every match of a regular expression (Okta's Replace Pattern).

use crate::util::{output, pure};
use flow_card::kinds::Text;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `text.replace_pattern`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The text to change.
    text: Expr<Text>,
    /// A regular expression (Rust regex syntax).
    pattern: Expr<Text>,
    /// What to put instead; `$1` or `${name}` insert a captured group (default: nothing).
    #[serde(default)]
    replace: Option<Expr<Text>>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "text.replace_pattern",
    "Replace every match of a pattern",
    "text",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Replaces every match of `pattern` (a regular expression, Rust `regex` syntax: like Perl's,
without look-around or back-references) with `replace`, in which `$1`, `${1}` or `${name}`
insert captured groups and `$$` is a dollar sign. A constant pattern that is not valid is
rejected when the flow loads (`E0006`); one computed at run time is an `input` error."#,
    okta: &["Text - Replace Pattern"],
    examples: &[
        Example::gives(
            "Digits masked",
            r#"{ text: "card 4111 1111", pattern: "[0-9]", replace: "*" }"#,
            r#""card **** ****""#,
        ),
        Example::gives(
            "Groups swapped",
            r#"{ text: "Lovelace, Ada", pattern: "(\\w+), (\\w+)", replace: "$2 $1" }"#,
            r#""Ada Lovelace""#,
        ),
        Example::rejected(
            "An invalid pattern",
            r#"{ text: abc, pattern: "(" }"#,
            "E0006",
        ),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.text.id);
        if let Some(e) = &self.replace {
            cx.expr_type(e.id);
        }
        super::check_pattern(cx, self.pattern.id);
        Type::Text
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let text = cx.text(&self.text)?;
            let re = super::pattern(cx, &self.pattern)?;
            let with = cx.opt_text(&self.replace)?.unwrap_or_default();
            Ok(Value::String(
                re.replace_all(&text, with.as_str()).into_owned(),
            ))
        })())
    }
}
