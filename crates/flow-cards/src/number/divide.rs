//! `number.divide`: a ÷ b (Okta's Divide).

use crate::util::{output, pure};
use flow_card::kinds::Number;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;

/// Inputs of `number.divide`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The first number.
    a: Expr<Number>,
    /// The second number.
    b: Expr<Number>,
    /// Decimal places to round the quotient to, 0 to 15 (a half rounds up, as `number.round`
    /// does); none: not rounded.
    places: Option<Expr<Number>>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>("number.divide", "Divide a number by another", "number");

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Divides `a` by `b`, rounded to `places` decimal places when given (Okta's "Number of decimal points"; a half rounds up, toward +∞, as `number.round` does). Dividing by zero is an `input` error. Text that holds a number (`"42"`, from an event or a step) is read as that number, as Okta converts it; other values are an `input` error. A constant must be written as a number (`E0206` when it is text)."#,
    okta: &["Number - Divide"],
    examples: &[
        Example::gives("Exact", r#"{ a: 10, b: 4 }"#, r#"2.5"#),
        Example::gives("Two places", r#"{ a: 2, b: 3, places: 2 }"#, r#"0.67"#),
        Example::gives("No places", r#"{ a: 7, b: 2, places: 0 }"#, r#"4"#),
        Example::fails(
            "Places out of range",
            r#"{ a: 1, b: 3, places: 16 }"#,
            r#"`places` must be"#,
        ),
        Example::fails("By zero", r#"{ a: 1, b: 0 }"#, r#"divide by zero"#),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.a.id);
        cx.expr_type(self.b.id);
        if let Some(e) = &self.places {
            cx.expr_type(e.id);
        }
        Type::Number
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let a = cx.number(&self.a)?;
            let b = cx.number(&self.b)?;
            if b == 0.0 {
                return Err(flow_card::CardError::input(
                    "cannot divide by zero (`b` is 0)",
                ));
            }
            match &self.places {
                None => super::num(a / b),
                Some(p) => {
                    let places = cx.number(p)?;
                    if places.fract() != 0.0 || !(0.0..=15.0).contains(&places) {
                        return Err(flow_card::CardError::input(format!(
                            "`places` must be a whole number from 0 to 15, found {places}"
                        )));
                    }
                    super::num(super::round::round_half_up(a / b, places as i32))
                }
            }
        })())
    }
}
