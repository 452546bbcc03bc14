//! `list.at`: the item at a position (Okta's At); negative positions count from the end.

use crate::util::{PURE_TIMEOUT, done};
use flow_card::card::schema_of;
use flow_card::kinds::{List, Number};
use flow_card::{Card, CardError, CardFuture, CardSpec, Checker, Effect, Expr, Outcome, StepCx};
use flow_card::{CardDoc, Example};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;

/// Inputs of `list.at`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The list.
    list: Expr<List>,
    /// The position, from 0; -1 is the last item.
    index: Expr<Number>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "list.at",
    summary: "Take the item at a position of a list",
    effect: Effect::Pure,
    output: "the item (an error when the position is out of bounds)",
    default_timeout: PURE_TIMEOUT,
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"The item at a position, from 0; negative positions count from the end (`-1` is the last).
A position out of bounds is an error."#,
    okta: &["List - At", "List - Get Last Item"],
    examples: &[
        Example::gives("The first", r#"{ list: [a, b, c], index: 0 }"#, r#""a""#),
        Example::gives("The last", r#"{ list: [a, b, c], index: -1 }"#, r#""c""#),
        Example::fails("Out of bounds", r#"{ list: [a], index: 5 }"#, r#"out of"#),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        super::item_type(cx, self.list.id)
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        done((|| {
            let list = cx.list(&self.list)?;
            let items = list.as_array().map(Vec::as_slice).unwrap_or(&[]);
            let raw = cx.number(&self.index)?;
            if raw.fract() != 0.0 || !raw.is_finite() {
                return Err(CardError::input(format!(
                    "`index` must be a whole number, found {raw}"
                )));
            }
            let len = items.len() as i64;
            let i = raw as i64;
            let pos = if i < 0 { len + i } else { i };
            match usize::try_from(pos).ok().and_then(|p| items.get(p)) {
                Some(v) => Ok(Outcome::value(v.clone())),
                None => Err(CardError::input(format!(
                    "index {i} is out of bounds for a list of {len} items"
                ))),
            }
        })())
    }
}
