//! `list.slice`: a part of a list by positions (Okta's Slice).

use crate::util::{output, pure};
use flow_card::kinds::{List, Number};
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `list.slice`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The list.
    list: Expr<List>,
    /// The first position, from 0; negative counts from the end.
    start: Expr<Number>,
    /// The position after the last item (default: the end); negative counts from the end.
    #[serde(default)]
    end: Option<Expr<Number>>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "list.slice",
    "Take the items of a list between two positions",
    "the part of the list",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"The items from `start` up to, not including, `end`, as JavaScript's `slice`: negative positions count from the end, positions past the end are clamped, an `end` before `start` gives `[]`."#,
    okta: &["List - Slice"],
    examples: &[
        Example::gives(
            "The first two",
            r#"{ list: [a, b, c, d], start: 0, end: 2 }"#,
            r#"["a", "b"]"#,
        ),
        Example::gives(
            "The last two",
            r#"{ list: [a, b, c, d], start: -2 }"#,
            r#"["c", "d"]"#,
        ),
        Example::fails(
            "A fraction",
            r#"{ list: [a], start: 0.5 }"#,
            r#"whole number"#,
        ),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.start.id);
        if let Some(e) = &self.end {
            cx.expr_type(e.id);
        }
        Type::list(super::item_type(cx, self.list.id))
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let list = cx.list(&self.list)?;
            let items = list.as_array().map(Vec::as_slice).unwrap_or(&[]);
            let start =
                crate::util::char_pos(items.len(), crate::util::whole(cx, &self.start, "start")?);
            let end = match &self.end {
                Some(e) => crate::util::char_pos(items.len(), crate::util::whole(cx, e, "end")?),
                None => items.len(),
            };
            Ok(Value::Array(
                items.get(start..end.max(start)).unwrap_or(&[]).to_vec(),
            ))
        })())
    }
}
