//! `date.subtract`: subtracts an amount of time from a date.

use crate::util::{output, pure};
use flow_card::kinds::{AnyValue, Number, Text};
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;

/// Inputs of `date.subtract`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The date (ISO 8601 text).
    date: Expr<AnyValue>,
    /// How many units to subtract (a whole number).
    amount: Expr<Number>,
    /// `seconds`, `minutes`, `hours`, `days`, `weeks`, `months` or `years`.
    unit: Expr<Text>,
    /// An IANA time zone (`Europe/Paris`, `US/Pacific`) for calendar units and for dates written without an offset (default UTC).
    #[serde(default)]
    zone: Option<Expr<Text>>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "date.subtract",
    "Subtract an amount of time from a date",
    "date (ISO 8601, UTC)",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Subtracts `amount` `unit`s from `date` (`date.add` with the amount negated).
Dates are ISO 8601 text: with an offset (`Z`, `+02:00`) they are that instant; without one they
are read in `zone`; a date alone is midnight. Units are `seconds`, `minutes`, `hours`, `days`,
`weeks`, `months` and `years` (singular too). Days and longer count on the calendar of `zone`
(default UTC): a day across a daylight-saving change keeps the wall-clock time, and a month
from January 31 is the last day of February. `amount` must be a whole number. The output is
ISO 8601 in UTC with milliseconds, as Okta writes dates (`2024-05-08T09:30:00.000Z`)."#,
    okta: &["Date & Time - Subtract"],
    examples: &[
        Example::gives(
            "Ninety days ago",
            r#"{ date: "2024-05-01T00:00:00Z", amount: 90, unit: days }"#,
            r#""2024-02-01T00:00:00.000Z""#,
        ),
        Example::gives(
            "A year from a leap day",
            r#"{ date: "2024-02-29T08:00:00Z", amount: 1, unit: years }"#,
            r#""2023-02-28T08:00:00.000Z""#,
        ),
        Example::rejected(
            "A constant that is not a date",
            r#"{ date: "last week", amount: 1, unit: days }"#,
            "E0006",
        ),
    ],
};

impl Config {
    fn inputs(&self) -> super::ShiftInputs<'_> {
        super::ShiftInputs {
            date: &self.date,
            amount: &self.amount,
            unit: &self.unit,
            zone: &self.zone,
        }
    }
}

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        self.inputs().check(cx)
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output(self.inputs().run(cx, -1))
    }
}
