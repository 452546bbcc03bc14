//! `date.parse`: reads a date from text in a format (Okta's Text to Date).

use crate::util::{output, pure};
use flow_card::kinds::Text;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `date.parse`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The text to read.
    text: Expr<Text>,
    /// Its format: Okta's codes (`D/M/Y`) or strftime (`%d/%m/%Y`). Default: ISO 8601.
    #[serde(default)]
    format: Option<Expr<Text>>,
    /// The IANA time zone of texts without an offset (default UTC).
    #[serde(default)]
    zone: Option<Expr<Text>>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "date.parse",
    "Read a date from text in a given format",
    "date (ISO 8601, UTC)",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Reads `text` as a date. Without `format` it must be ISO 8601. With `format` (Okta's codes or
strftime, as for `date.format`; `Do`, `z` and `x` as part of a longer format cannot be read)
the text must match it. Text without an offset is read in `zone` (default UTC). The output is
ISO 8601 in UTC with milliseconds. Text that does not match is an `input` error."#,
    okta: &["Date & Time - Text to Date"],
    examples: &[
        Example::gives(
            "Day first",
            r#"{ text: "1/2/2016", format: D/M/Y }"#,
            r#""2016-02-01T00:00:00.000Z""#,
        ),
        Example::gives(
            "Month first, two-digit year",
            r#"{ text: "1/2/16", format: M/D/YY }"#,
            r#""2016-01-02T00:00:00.000Z""#,
        ),
        Example::gives(
            "Seconds since 1970",
            r#"{ text: "1493971200", format: X }"#,
            r#""2017-05-05T08:00:00.000Z""#,
        ),
        Example::gives(
            "Local time in a zone",
            r#"{ text: "2024-07-01 09:00", format: "%Y-%m-%d %H:%M", zone: Europe/Paris }"#,
            r#""2024-07-01T07:00:00.000Z""#,
        ),
        Example::gives(
            "ISO 8601 with an offset",
            r#"{ text: "2024-07-01T09:00:00+02:00" }"#,
            r#""2024-07-01T07:00:00.000Z""#,
        ),
        Example::fails(
            "Text that does not match",
            r#"{ text: "2016-13-45", format: YYYY-MM-DD }"#,
            r#"does not match"#,
        ),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.text.id);
        if let Some(e) = &self.format {
            cx.expr_type(e.id);
        }
        if let Some(e) = &self.zone {
            cx.expr_type(e.id);
        }
        Type::Date
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let zone = super::zone_input(cx, &self.zone)?;
            let text = cx.text(&self.text)?;
            let ts = match cx.opt_text(&self.format)? {
                Some(format) => super::parse_with(&text, &format, &zone)?,
                None => super::parse_iso(&text, &zone).ok_or_else(|| {
                    flow_card::CardError::input(format!(
                        "`text` must be a date ({}), found `{text}`",
                        super::DATE_HINT
                    ))
                })?,
            };
            Ok(Value::String(super::iso(ts)))
        })())
    }
}
