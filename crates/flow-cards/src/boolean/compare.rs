//! `boolean.compare`: compares two values with one of `list.filter`'s operators (Okta's
//! Compare).

use crate::list::ops::Operator;
use crate::util::{output, pure};
use flow_card::kinds::AnyValue;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `boolean.compare`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The value to test.
    a: Expr<AnyValue>,
    /// How to compare: an operator of `list.filter` (`eq`, `gt`, `contains`, `in`, …).
    operator: Operator,
    /// What to compare with (not needed for `is_empty`, `is_not_empty`, `is_true`).
    #[serde(default)]
    b: Option<Expr<AnyValue>>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>("boolean.compare", "Compare two values", "boolean");

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"True when `a` `operator` `b` holds, with the operators and rules of `list.filter`: numbers
by value (`1` equals `1.0`), text by character, no guessing between text and numbers (`"2"`
does not equal `2`; `number.compare` reads numeric text as numbers). The operator is written as
it is, not as a template (an unknown one is `E0006`)."#,
    okta: &["True/False - Compare"],
    examples: &[
        Example::gives(
            "Equal by value",
            r#"{ a: 1, operator: eq, b: 1.0 }"#,
            "true",
        ),
        Example::gives(
            "Text holds",
            r#"{ a: "order 42 shipped", operator: contains, b: 42 }"#,
            "true",
        ),
        Example::gives(
            "In a list",
            r#"{ a: "{{ inputs.s }}", operator: in, b: [LOCKED_OUT, SUSPENDED] }"#,
            "true",
        )
        .with_inputs(r#"{"s": "SUSPENDED"}"#),
        Example::gives("Empty", r#"{ a: [], operator: is_empty }"#, "true"),
        Example::rejected(
            "Not an operator",
            r#"{ a: 1, operator: like, b: 1 }"#,
            "E0006",
        ),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.a.id);
        if let Some(b) = &self.b {
            cx.expr_type(b.id);
        }
        Type::Boolean
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let a = cx.value(&self.a)?;
            let b = match &self.b {
                Some(b) => cx.value(b)?.into_owned(),
                None => Value::Null,
            };
            Ok(Value::Bool(self.operator.matches(&a, None, &b)))
        })())
    }
}
