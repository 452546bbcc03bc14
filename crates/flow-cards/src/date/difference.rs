//! `date.difference`: the time between two dates in a unit (Okta's Subtract Dates).

use crate::util::{output, pure};
use flow_card::kinds::{AnyValue, Text};
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use jiff::Unit;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `date.difference`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The earlier date (ISO 8601 text).
    start: Expr<AnyValue>,
    /// The later date (ISO 8601 text).
    end: Expr<AnyValue>,
    /// `seconds`, `minutes`, `hours`, `days`, `weeks`, `months` or `years`.
    unit: Expr<Text>,
    /// An IANA time zone (`Europe/Paris`, `US/Pacific`) for calendar units and for dates written without an offset (default UTC).
    #[serde(default)]
    zone: Option<Expr<Text>>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "date.difference",
    "Count the whole units of time between two dates",
    "number",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"The number of whole `unit`s from `start` to `end`, truncated toward zero; negative when `end` is
before `start`. Seconds to weeks are exact durations (a day is 24 hours); months and years
count on the calendar of `zone` (default UTC): from January 31 to February 29 is 0 months."#,
    okta: &["Date & Time - Subtract Dates"],
    examples: &[
        Example::gives(
            "Whole days: an hour short of 90 is 89",
            r#"{ start: "2024-01-01T10:00:00Z", end: "2024-03-31T09:00:00Z", unit: days }"#,
            r#"89"#,
        ),
        Example::gives(
            "Whole months",
            r#"{ start: "2024-01-31", end: "2024-03-30", unit: months }"#,
            r#"1"#,
        ),
        Example::gives(
            "Backwards is negative",
            r#"{ start: "2024-01-02", end: "2024-01-01", unit: hours }"#,
            r#"-24"#,
        ),
        Example::rejected(
            "A number is not a date",
            r#"{ start: 5, end: "2024-01-01", unit: days }"#,
            "E0206",
        ),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        super::check_date(cx, self.start.id, "start");
        super::check_date(cx, self.end.id, "end");
        super::check_unit(cx, self.unit.id);
        if let Some(e) = &self.zone {
            cx.expr_type(e.id);
        }
        Type::Number
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let zone = super::zone_input(cx, &self.zone)?;
            let start = super::date_input(cx, &self.start, "start", &zone)?;
            let end = super::date_input(cx, &self.end, "end", &zone)?;
            let unit = super::unit_named(&cx.text(&self.unit)?)?;
            let n = match unit {
                Unit::Month | Unit::Year => {
                    let (s, e) = (start.to_zoned(zone.clone()), end.to_zoned(zone));
                    let span = s
                        .until((unit, &e))
                        .map_err(|err| flow_card::CardError::input(err.to_string()))?;
                    if unit == Unit::Year {
                        i64::from(span.get_years())
                    } else {
                        i64::from(span.get_months())
                    }
                }
                _ => {
                    let per: i64 = match unit {
                        Unit::Week => 7 * 86_400_000,
                        Unit::Day => 86_400_000,
                        Unit::Hour => 3_600_000,
                        Unit::Minute => 60_000,
                        Unit::Second => 1000,
                        _ => 1,
                    };
                    (end.as_millisecond() - start.as_millisecond()) / per
                }
            };
            Ok(Value::from(n))
        })())
    }
}
