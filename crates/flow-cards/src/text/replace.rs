//! `text.replace`: replaces every occurrence of a text, or the first (Okta's Replace).

use crate::util::{output, pure};
use flow_card::kinds::{Boolean, Text};
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `text.replace`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The text to change.
    text: Expr<Text>,
    /// What to look for (plain text, not a pattern).
    find: Expr<Text>,
    /// What to put instead (default: nothing).
    #[serde(default)]
    replace: Option<Expr<Text>>,
    /// Replace every occurrence (default true); false replaces only the first (Okta's "all
    /// instances").
    #[serde(default)]
    all: Option<Expr<Boolean>>,
    /// Match `find` with its case (default true); false ignores case (Okta's "case
    /// sensitive").
    #[serde(default)]
    case_sensitive: Option<Expr<Boolean>>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "text.replace",
    "Replace every occurrence of a text (or the first) with another",
    "text",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Replaces every occurrence of `find` in `text` with `replace`, or only the first with
`all: false`; `case_sensitive: false` finds `find` in any case. These are Okta's Replace
options "all instances" and "case sensitive". `find` is plain text; `text.replace_pattern`
takes a regular expression. An empty `find` is an error."#,
    okta: &["Text - Replace"],
    examples: &[
        Example::gives(
            "Every occurrence",
            r#"{ text: "a-b-c", find: "-", replace: " / " }"#,
            r#""a / b / c""#,
        ),
        Example::gives(
            "Remove",
            r#"{ text: "555-0100", find: "-" }"#,
            r#""5550100""#,
        ),
        Example::gives(
            "Only the first",
            r#"{ text: "2024-01-15Z (Z)", find: Z, replace: "+00:00", all: false }"#,
            r#""2024-01-15+00:00 (Z)""#,
        ),
        Example::gives(
            "In any case",
            r#"{ text: "Ada ADA ada", find: ada, replace: x, case_sensitive: false }"#,
            r#""x x x""#,
        ),
        Example::gives(
            "The first, in any case",
            r#"{ text: "a.B.b", find: b, replace: "$1", all: false, case_sensitive: false }"#,
            r#""a.$1.b""#,
        ),
        Example::fails(
            "Empty find",
            r#"{ text: abc, find: "" }"#,
            r#"`find` must not be empty"#,
        ),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.text.id);
        cx.expr_type(self.find.id);
        for e in [&self.replace].into_iter().flatten() {
            cx.expr_type(e.id);
        }
        for e in [&self.all, &self.case_sensitive].into_iter().flatten() {
            cx.expr_type(e.id);
        }
        Type::Text
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let text = cx.text(&self.text)?;
            let find = cx.text(&self.find)?;
            if find.is_empty() {
                return Err(flow_card::CardError::input("`find` must not be empty"));
            }
            let with = cx.opt_text(&self.replace)?.unwrap_or_default();
            let all = match &self.all {
                Some(e) => cx.truthy(e)?,
                None => true,
            };
            let sensitive = match &self.case_sensitive {
                Some(e) => cx.truthy(e)?,
                None => true,
            };
            let limit = if all { 0 } else { 1 };
            if sensitive {
                return Ok(Value::String(if all {
                    text.replace(&*find, &with)
                } else {
                    text.replacen(&*find, &with, 1)
                }));
            }
            let re = regex::RegexBuilder::new(&regex::escape(&find))
                .case_insensitive(true)
                .size_limit(1 << 20)
                .build()
                .map_err(|e| {
                    flow_card::CardError::input(format!("`find` cannot be searched: {e}"))
                })?;
            Ok(Value::String(
                re.replacen(&text, limit, regex::NoExpand(&with))
                    .into_owned(),
            ))
        })())
    }
}
