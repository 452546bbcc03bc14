//! `date.convert`: a date in the forms Okta's Convert gives, and in a time zone.

use crate::util::{output, pure};
use flow_card::kinds::{AnyValue, Text};
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;

/// Inputs of `date.convert`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The date (ISO 8601 text).
    date: Expr<AnyValue>,
    /// A format for `custom` (as for `date.format`; default ISO 8601).
    #[serde(default)]
    format: Option<Expr<Text>>,
    /// An IANA time zone for `zoned`, `human` and `custom` (default UTC).
    #[serde(default)]
    zone: Option<Expr<Text>>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "date.convert",
    "Convert a date: ISO, epoch seconds and milliseconds, a time zone, a format",
    "{ iso, epoch, unix, zoned, human, custom }",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Gives the date as `iso` (ISO 8601 in UTC without fractional seconds, as Okta's Convert does),
`epoch` (seconds since 1970-01-01 UTC), `unix` (milliseconds since then), `zoned` (ISO 8601
with the offset of `zone`: this is how to convert a time zone), `human` (`Wed, September 7th
at 12:01 AM` in `zone`) and `custom` (in `format` and `zone`)."#,
    okta: &["Date & Time - Convert"],
    examples: &[
        Example::gives(
            "Okta's example",
            r#"{ date: "2016-09-07T00:01:25.670Z" }"#,
            r#"{"iso": "2016-09-07T00:01:25Z", "epoch": 1473206485, "unix": 1473206485670, "zoned": "2016-09-07T00:01:25.670+00:00", "human": "Wed, September 7th at 12:01 AM", "custom": "2016-09-07T00:01:25.670Z"}"#,
        ),
        Example::gives(
            "Into another time zone",
            r#"{ date: "2024-01-15T12:00:00Z", zone: Asia/Kolkata, format: "HH:mm" }"#,
            r#"{"iso": "2024-01-15T12:00:00Z", "epoch": 1705320000, "unix": 1705320000000, "zoned": "2024-01-15T17:30:00.000+05:30", "human": "Mon, January 15th at 5:30 PM", "custom": "17:30"}"#,
        ),
        Example::fails(
            "Not a date",
            r#"{ date: "{{ inputs.v }}" }"#,
            r#"`date` must be a date"#,
        )
        .with_inputs(r#"{"v": "31/12/2024"}"#),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        super::check_date(cx, self.date.id, "date");
        if let Some(e) = &self.format {
            cx.expr_type(e.id);
        }
        if let Some(e) = &self.zone {
            cx.expr_type(e.id);
        }
        Type::object([
            ("iso", Type::Date),
            ("epoch", Type::Number),
            ("unix", Type::Number),
            ("zoned", Type::Text),
            ("human", Type::Text),
            ("custom", Type::Text),
        ])
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let zone = super::zone_input(cx, &self.zone)?;
            let ts = super::date_input(cx, &self.date, "date", &zone)?;
            let custom = match cx.opt_text(&self.format)? {
                Some(f) => super::format_in(ts, &zone, &f)?,
                None => super::iso(ts),
            };
            Ok(serde_json::json!({
                "iso": super::format_in(ts, &jiff::tz::TimeZone::UTC, "YYYY-MM-DD[T]HH:mm:ss[Z]")?,
                "epoch": ts.as_second(),
                "unix": ts.as_millisecond(),
                "zoned": super::format_in(ts, &zone, "YYYY-MM-DD[T]HH:mm:ss.SSSZ")?,
                "human": super::format_in(ts, &zone, "ddd, MMMM Do [at] h:mm A")?,
                "custom": custom,
            }))
        })())
    }
}
