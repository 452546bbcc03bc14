//! `number.round`: rounds to a number of decimal places (Okta's Round).

use crate::util::{output, pure};
use flow_card::kinds::Number;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;

/// Inputs of `number.round`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The number.
    number: Expr<Number>,
    /// Decimal places to keep, 0 to 15 (default 0); negative rounds to tens, hundreds, ….
    #[serde(default)]
    places: Option<Expr<Number>>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "number.round",
    "Round a number to some decimal places",
    "number",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Rounds to `places` decimal places (default 0). A half rounds up, toward +∞, as Okta's
(JavaScript's) Round does: `2.5` gives `3` and `-2.5` gives `-2`. The rounding is decimal:
`1.005` to 2 places gives `1.01`. Text that holds a number (`"42"`, from an event or a step) is read as that number, as Okta converts it; other values are an `input` error. A constant must be written as a number (`E0206` when it is text)."#,
    okta: &["Number - Round"],
    examples: &[
        Example::gives("To a whole number", r#"{ number: 2.5 }"#, r#"3"#),
        Example::gives("Negative halves go up", r#"{ number: -2.5 }"#, r#"-2"#),
        Example::gives("Two places", r#"{ number: 1.005, places: 2 }"#, r#"1.01"#),
        Example::gives("To hundreds", r#"{ number: 1250, places: -2 }"#, r#"1300"#),
        Example::fails(
            "Too many places",
            r#"{ number: 1, places: 20 }"#,
            r#"`places` must be"#,
        ),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.number.id);
        if let Some(e) = &self.places {
            cx.expr_type(e.id);
        }
        Type::Number
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let n = cx.number(&self.number)?;
            let places = match &self.places {
                Some(p) => cx.number(p)?,
                None => 0.0,
            };
            if places.fract() != 0.0 || !(-15.0..=15.0).contains(&places) {
                return Err(flow_card::CardError::input(format!(
                    "`places` must be a whole number from -15 to 15, found {places}"
                )));
            }
            super::num(round_half_up(n, places as i32))
        })())
    }
}

/// Rounds half toward +∞ at `places` decimals, deciding on the shortest decimal text of `n`
/// (so `1.005` is seen as written, not as the binary 1.00499…).
pub(super) fn round_half_up(n: f64, places: i32) -> f64 {
    let shifted: f64 = format!("{n}e{places}")
        .parse()
        .unwrap_or(n * 10f64.powi(places));
    let rounded = (shifted + 0.5).floor();
    format!("{rounded}e{}", -places)
        .parse()
        .unwrap_or(rounded / 10f64.powi(places))
}
