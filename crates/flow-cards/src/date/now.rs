//! `date.now`: the current date and time (Okta's Now).

use crate::util::{output, pure};
use flow_card::kinds::Text;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `date.now`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// A format (as for `date.format`); default ISO 8601 in UTC.
    #[serde(default)]
    format: Option<Expr<Text>>,
    /// An IANA time zone for `format` (default UTC).
    #[serde(default)]
    zone: Option<Expr<Text>>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "date.now",
    "The current date and time",
    "date (ISO 8601, UTC), or text with format",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"The time the step runs, as ISO 8601 in UTC with milliseconds, or as text in `format` and
`zone`. Each run gets its own time; a flow test can mock the step for a fixed one."#,
    okta: &["Date & Time - Now"],
    examples: &[Example::fails(
        "Not a time zone",
        r#"{ format: YYYY, zone: Mars/Base }"#,
        r#"not a time zone"#,
    )],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        if let Some(e) = &self.format {
            cx.expr_type(e.id);
        }
        if let Some(e) = &self.zone {
            cx.expr_type(e.id);
        }
        Type::Text
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let zone = super::zone_input(cx, &self.zone)?;
            let now = jiff::Timestamp::now();
            Ok(Value::String(match cx.opt_text(&self.format)? {
                Some(f) => super::format_in(now, &zone, &f)?,
                None => super::iso(now),
            }))
        })())
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::run_card;
    use serde_json::json;

    /// The output is the time of the run: between the instants before and after it.
    #[test]
    fn now_is_the_time_of_the_run() {
        let before = jiff::Timestamp::now();
        let out = run_card("date.now", "{}", &json!({})).unwrap();
        let after = jiff::Timestamp::now();
        let t: jiff::Timestamp = out.as_str().unwrap().parse().unwrap();
        let ms = |t: jiff::Timestamp| t.as_millisecond();
        assert!(
            ms(before) <= ms(t) && ms(t) <= ms(after),
            "{t} not in [{before}, {after}]"
        );
        let year = run_card("date.now", "{ format: YYYY }", &json!({})).unwrap();
        assert_eq!(
            year,
            json!(t.to_zoned(jiff::tz::TimeZone::UTC).year().to_string())
        );
    }
}
