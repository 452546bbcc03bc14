//! `date.elapsed`: the time from one date to another in every unit at once, with fractions
//! (Okta's Difference).

use crate::util::{output, pure};
use flow_card::kinds::{AnyValue, Text};
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;

/// Inputs of `date.elapsed`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The date counted from (ISO 8601 text).
    start: Expr<AnyValue>,
    /// The date counted to (ISO 8601 text).
    end: Expr<AnyValue>,
    /// An IANA time zone for dates written without an offset (default UTC).
    #[serde(default)]
    zone: Option<Expr<Text>>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "date.elapsed",
    "The time between two dates in milliseconds, seconds, minutes, hours, days and weeks",
    "{ milliseconds, seconds, minutes, hours, days, weeks }",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"The time from `start` to `end` in each unit, with its fraction (a day is 24 hours, a week 7
days); negative when `end` is before `start`. Okta's Difference gives these at once (and
months and years, which have no exact length: `date.difference` counts whole calendar
months and years). Round a value with `number.round`."#,
    okta: &["Date & Time - Difference"],
    examples: &[
        Example::gives(
            "A day and a half",
            r#"{ start: "2024-01-01T00:00:00Z", end: "2024-01-02T12:00:00Z" }"#,
            r#"{"milliseconds": 129600000, "seconds": 129600, "minutes": 2160, "hours": 36, "days": 1.5, "weeks": 0.21428571428571427}"#,
        ),
        Example::gives(
            "Backwards is negative",
            r#"{ start: "2024-01-02", end: "2024-01-01T18:00:00Z" }"#,
            r#"{"milliseconds": -21600000, "seconds": -21600, "minutes": -360, "hours": -6, "days": -0.25, "weeks": -0.03571428571428571}"#,
        ),
        Example::rejected(
            "A number is not a date",
            r#"{ start: 5, end: "2024-01-01" }"#,
            "E0206",
        ),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        super::check_date(cx, self.start.id, "start");
        super::check_date(cx, self.end.id, "end");
        if let Some(e) = &self.zone {
            cx.expr_type(e.id);
        }
        Type::object([
            ("milliseconds", Type::Number),
            ("seconds", Type::Number),
            ("minutes", Type::Number),
            ("hours", Type::Number),
            ("days", Type::Number),
            ("weeks", Type::Number),
        ])
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let zone = super::zone_input(cx, &self.zone)?;
            let start = super::date_input(cx, &self.start, "start", &zone)?;
            let end = super::date_input(cx, &self.end, "end", &zone)?;
            let ms = end.as_millisecond() - start.as_millisecond();
            // Whole numbers stay integers in the output (`36`, not `36.0`).
            let num = |per: i64| {
                if ms % per == 0 {
                    serde_json::Value::from(ms / per)
                } else {
                    serde_json::Value::from(ms as f64 / per as f64)
                }
            };
            Ok(serde_json::json!({
                "milliseconds": ms,
                "seconds": num(1000),
                "minutes": num(60_000),
                "hours": num(3_600_000),
                "days": num(86_400_000),
                "weeks": num(7 * 86_400_000),
            }))
        })())
    }
}
