//! `text.find_pattern`: the first match of a regular expression and its groups (Okta's Find Pattern).

use crate::util::{output, pure};
use flow_card::kinds::Text;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `text.find_pattern`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The text to search.
    text: Expr<Text>,
    /// A regular expression (Rust regex syntax).
    pattern: Expr<Text>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "text.find_pattern",
    "Find the first match of a pattern and its groups",
    "{ match, index, groups } or null",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Finds the first match of `pattern` in `text`. Output: `{ match, index, groups }`: the matched
text, its character position from 0, and the text of each capture group (`null` for a group
that took no part). No match gives `null`."#,
    okta: &["Text - Find Pattern"],
    examples: &[
        Example::gives(
            "A ticket number",
            r#"{ text: "see INC-4211 and INC-7", pattern: "INC-([0-9]+)" }"#,
            r#"{"match": "INC-4211", "index": 4, "groups": ["4211"]}"#,
        ),
        Example::gives(
            "No match",
            r#"{ text: "nothing", pattern: "[0-9]" }"#,
            r#"null"#,
        ),
        Example::rejected(
            "An invalid pattern",
            r#"{ text: abc, pattern: "a{2" }"#,
            "E0006",
        ),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.text.id);
        super::check_pattern(cx, self.pattern.id);
        Type::object([
            ("match", Type::Text),
            ("index", Type::Number),
            ("groups", Type::list(Type::Text)),
        ])
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let text = cx.text(&self.text)?;
            let re = super::pattern(cx, &self.pattern)?;
            let Some(caps) = re.captures(&text) else {
                return Ok(Value::Null);
            };
            let Some(whole) = caps.get(0) else {
                return Ok(Value::Null);
            };
            let groups: Vec<Value> = caps
                .iter()
                .skip(1)
                .map(|g| g.map_or(Value::Null, |m| Value::String(m.as_str().to_string())))
                .collect();
            Ok(serde_json::json!({
                "match": whole.as_str(),
                "index": text[..whole.start()].chars().count(),
                "groups": groups,
            }))
        })())
    }
}
