//! `date.add`: adds an amount of time to a date (Okta's Add).

use crate::util::{output, pure};
use flow_card::kinds::{AnyValue, Number, Text};
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;

/// Inputs of `date.add`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The date (ISO 8601 text).
    date: Expr<AnyValue>,
    /// How many units to add (a whole number; negative subtracts).
    amount: Expr<Number>,
    /// `seconds`, `minutes`, `hours`, `days`, `weeks`, `months` or `years`.
    unit: Expr<Text>,
    /// An IANA time zone (`Europe/Paris`, `US/Pacific`) for calendar units and for dates written without an offset (default UTC).
    #[serde(default)]
    zone: Option<Expr<Text>>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "date.add",
    "Add an amount of time to a date",
    "date (ISO 8601, UTC)",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Adds `amount` `unit`s to `date`.
Dates are ISO 8601 text: with an offset (`Z`, `+02:00`) they are that instant; without one they
are read in `zone`; a date alone is midnight. Units are `seconds`, `minutes`, `hours`, `days`,
`weeks`, `months` and `years` (singular too). Days and longer count on the calendar of `zone`
(default UTC): a day across a daylight-saving change keeps the wall-clock time, and a month
from January 31 is the last day of February. `amount` must be a whole number. The output is
ISO 8601 in UTC with milliseconds, as Okta writes dates (`2024-05-08T09:30:00.000Z`)."#,
    okta: &["Date & Time - Add"],
    examples: &[
        Example::gives(
            "Seven days",
            r#"{ date: "2024-05-01T09:30:00Z", amount: 7, unit: days }"#,
            r#""2024-05-08T09:30:00.000Z""#,
        ),
        Example::gives(
            "A month from January 31",
            r#"{ date: "2024-01-31", amount: 1, unit: month }"#,
            r#""2024-02-29T00:00:00.000Z""#,
        ),
        Example::gives(
            "A day across a DST change keeps the local time",
            r#"{ date: "2024-03-30T12:00:00+01:00", amount: 1, unit: days, zone: Europe/Paris }"#,
            r#""2024-03-31T10:00:00.000Z""#,
        ),
        Example::gives(
            "A date from the event",
            r#"{ date: "{{ inputs.t }}", amount: -90, unit: days }"#,
            r#""2024-02-01T00:00:00.000Z""#,
        )
        .with_inputs(r#"{"t": "2024-05-01T00:00:00Z"}"#),
        Example::rejected(
            "Not a unit",
            r#"{ date: "2024-05-01", amount: 1, unit: fortnights }"#,
            "E0006",
        ),
        Example::rejected(
            "A constant that is not a date",
            r#"{ date: "90 days ago", amount: 1, unit: days }"#,
            "E0006",
        ),
        Example::fails(
            "A date from the event that is not a date",
            r#"{ date: "{{ inputs.t }}", amount: 1, unit: days }"#,
            r#"must be a date"#,
        )
        .with_inputs(r#"{"t": "yesterday"}"#),
        Example::fails(
            "A fraction",
            r#"{ date: "2024-05-01", amount: 1.5, unit: days }"#,
            r#"whole number"#,
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
        output(self.inputs().run(cx, 1))
    }
}
