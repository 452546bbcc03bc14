//! Date & Time cards (Okta's Date & Time functions): now, add, subtract, difference, format,
//! parse, convert. Dates travel between steps as ISO 8601 text. Reading, arithmetic and
//! formats live in [`flow_template::dates`] (shared with the `date_add` and `date_format`
//! template helpers); this module reads the cards' inputs.

use flow_card::expr::ExprId;
use flow_card::{CardError, Checker, Expr, StepCx};
use flow_model::{Code, Type};
use flow_template::dates::DateError;
pub use flow_template::dates::{DATE_HINT, iso, parse_iso, unit_message};
use jiff::tz::TimeZone;
use jiff::{Timestamp, Unit};
use serde_json::Value;

cards!(
    add, convert, difference, elapsed, format, now, parse, subtract
);

/// A date error as the card's `input` error.
fn input(e: DateError) -> CardError {
    CardError::input(e.0)
}

/// A time zone by IANA name (`Europe/Paris`, `US/Pacific`, `UTC`).
pub fn zone_named(name: &str) -> Result<TimeZone, CardError> {
    flow_template::dates::zone_named(name).map_err(input)
}

/// A unit by name, singular or plural (`day`, `days`).
pub fn unit_named(name: &str) -> Result<Unit, CardError> {
    flow_template::dates::unit_named(name).map_err(input)
}

/// Adds `amount` units to `ts` (calendar units in `zone`).
pub fn shift(
    ts: Timestamp,
    amount: i64,
    unit: Unit,
    zone: &TimeZone,
) -> Result<Timestamp, CardError> {
    flow_template::dates::shift(ts, amount, unit, zone).map_err(input)
}

/// Formats a time in `zone` (Okta's codes, or strftime when the format has a `%`).
pub fn format_in(ts: Timestamp, zone: &TimeZone, format: &str) -> Result<String, CardError> {
    flow_template::dates::format_in(ts, zone, format).map_err(input)
}

/// Reads text in a format; texts without an offset are in `zone`.
pub fn parse_with(text: &str, format: &str, zone: &TimeZone) -> Result<Timestamp, CardError> {
    flow_template::dates::parse_with(text, format, zone).map_err(input)
}

/// The zone of an optional `zone` input (UTC when absent).
pub fn zone_input<K>(cx: &StepCx<'_>, e: &Option<Expr<K>>) -> Result<TimeZone, CardError> {
    match cx.opt_text(e)? {
        Some(name) => zone_named(&name),
        None => Ok(TimeZone::UTC),
    }
}

/// Evaluates a date input (ISO 8601 text; texts without an offset are read in `zone`).
pub fn date_input<K>(
    cx: &StepCx<'_>,
    e: &Expr<K>,
    field: &str,
    zone: &TimeZone,
) -> Result<Timestamp, CardError> {
    match &*cx.value(e)? {
        Value::String(s) => parse_iso(s, zone).ok_or_else(|| {
            CardError::input(format!(
                "`{field}` must be a date ({DATE_HINT}), found `{s}`"
            ))
        }),
        other => Err(CardError::input(format!(
            "`{field}` must be a date ({DATE_HINT}), found {}",
            flow_model::types::value_kind(other)
        ))),
    }
}

/// Checks a date input when the flow loads: a known type that cannot be a date, or constant
/// text that is not ISO 8601, is reported at its position.
pub fn check_date(cx: &mut dyn Checker, id: ExprId, field: &str) {
    let t = cx.expr_type(id);
    if matches!(
        t,
        Type::Number | Type::Boolean | Type::List(_) | Type::Object(_)
    ) {
        cx.report(
            Some(id),
            Code::TypeMismatch,
            format!("`{field}` must be a date ({DATE_HINT}), found {t}"),
            None,
        );
    } else if let Some(Value::String(s)) = cx.constant(id)
        && parse_iso(&s, &TimeZone::UTC).is_none()
    {
        cx.report(
            Some(id),
            Code::InvalidValue,
            format!("`{field}` must be a date ({DATE_HINT}), found `{s}`"),
            Some("to read another format, use date.parse with a `format`".into()),
        );
    }
}

/// Checks a constant `unit` input.
pub fn check_unit(cx: &mut dyn Checker, id: ExprId) {
    cx.expr_type(id);
    if let Some(Value::String(u)) = cx.constant(id)
        && unit_named(&u).is_err()
    {
        cx.report(Some(id), Code::InvalidValue, unit_message(&u), None);
    }
}

/// A whole-number `amount` input.
pub fn amount<K>(cx: &StepCx<'_>, e: &Expr<K>) -> Result<i64, CardError> {
    let n = cx.number(e)?;
    if n.fract() != 0.0 || !n.is_finite() || n.abs() > 1e15 {
        return Err(CardError::input(format!(
            "`amount` must be a whole number, found {n}"
        )));
    }
    Ok(n as i64)
}

/// The inputs `date.add` and `date.subtract` share, borrowed from either card's `Config`.
pub struct ShiftInputs<'a> {
    /// The date.
    pub date: &'a Expr<flow_card::kinds::AnyValue>,
    /// How many units.
    pub amount: &'a Expr<flow_card::kinds::Number>,
    /// The unit's name.
    pub unit: &'a Expr<flow_card::kinds::Text>,
    /// The time zone, when given.
    pub zone: &'a Option<Expr<flow_card::kinds::Text>>,
}

impl ShiftInputs<'_> {
    /// The load-time checks of both cards.
    pub fn check(&self, cx: &mut dyn Checker) -> Type {
        check_date(cx, self.date.id, "date");
        cx.expr_type(self.amount.id);
        check_unit(cx, self.unit.id);
        if let Some(e) = self.zone {
            cx.expr_type(e.id);
        }
        Type::Date
    }

    /// The date moved by `sign` × `amount` units (1 adds, -1 subtracts), as ISO 8601 UTC.
    pub fn run(&self, cx: &StepCx<'_>, sign: i64) -> Result<Value, CardError> {
        let zone = zone_input(cx, self.zone)?;
        let ts = date_input(cx, self.date, "date", &zone)?;
        let unit = unit_named(&cx.text(self.unit)?)?;
        let n = amount(cx, self.amount)?;
        Ok(Value::String(iso(shift(ts, sign * n, unit, &zone)?)))
    }
}
