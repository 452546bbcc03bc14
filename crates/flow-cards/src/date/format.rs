//! `date.format`: a date as text in a format and time zone (Okta's Date to Text).

use crate::util::{output, pure};
use flow_card::kinds::{AnyValue, Text};
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `date.format`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The date (ISO 8601 text).
    date: Expr<AnyValue>,
    /// Okta's format codes (`M/D/Y`, `YYYY-MM-DD HH:mm`) or strftime (`%Y-%m-%d`).
    format: Expr<Text>,
    /// An IANA time zone to write the date in (default UTC).
    #[serde(default)]
    zone: Option<Expr<Text>>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "date.format",
    "Write a date as text in a format and time zone",
    "text",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Writes `date` as text in `zone` (default UTC).
`format` is written with Okta's format codes or, when it holds a `%`, with strftime's:

| Okta | strftime | gives |
|---|---|---|
| `YYYY` (`Y`), `YY` | `%Y`, `%y` | 2016, 16 |
| `MMMM`, `MMM`, `MM`, `M` | `%B`, `%b`, `%m`, `%-m` | September, Sep, 09, 9 |
| `DD`, `D`, `Do` | `%d`, `%-d` | 07, 7, 7th |
| `dddd`, `ddd`, `d` | `%A`, `%a`, `%u` | Wednesday, Wed, 3 (Monday is 1) |
| `HH`, `H`, `hh`, `h` | `%H`, `%-H`, `%I`, `%-I` | 0–23, 1–12 |
| `mm`, `ss`, `SSS` | `%M`, `%S`, `%3f` | minutes, seconds, milliseconds |
| `A`, `a` | `%p`, `%P` | AM, am |
| `Z`, `ZZ`, `z` | `%:z`, `%z`, `%Z` | +02:00, +0200, CEST |
| `X`, `x` | `%s` | seconds, milliseconds since 1970 |

Text in `[brackets]` is written as it is (`[at]`); other characters are kept."#,
    okta: &["Date & Time - Date to Text"],
    examples: &[
        Example::gives(
            "US style",
            r#"{ date: "2016-09-07T16:55:25Z", format: "M/D/Y" }"#,
            r#""9/7/2016""#,
        ),
        Example::gives(
            "In a time zone",
            r#"{ date: "2016-09-07T16:05:00Z", format: "dddd hh:mm a z", zone: US/Pacific }"#,
            r#""Wednesday 09:05 am PDT""#,
        ),
        Example::gives(
            "strftime",
            r#"{ date: "2016-09-07T16:55:25Z", format: "%Y-%m-%d %H:%M", zone: Europe/Paris }"#,
            r#""2016-09-07 18:55""#,
        ),
        Example::gives(
            "Literal text",
            r#"{ date: "2016-09-07T00:01:25Z", format: "MMMM Do [at] h:mm A" }"#,
            r#""September 7th at 12:01 AM""#,
        ),
        Example::fails(
            "Not a time zone",
            r#"{ date: "2016-09-07", format: Y, zone: Mars/Base }"#,
            r#"not a time zone"#,
        ),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        super::check_date(cx, self.date.id, "date");
        cx.expr_type(self.format.id);
        if let Some(e) = &self.zone {
            cx.expr_type(e.id);
        }
        Type::Text
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let zone = super::zone_input(cx, &self.zone)?;
            let ts = super::date_input(cx, &self.date, "date", &zone)?;
            let format = cx.text(&self.format)?;
            Ok(Value::String(super::format_in(ts, &zone, &format)?))
        })())
    }
}
