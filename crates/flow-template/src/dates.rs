//! Dates for templates and cards: reading ISO 8601 text, Okta's date output, time zones by
//! IANA name, calendar arithmetic in a zone, and formatting and parsing with Okta's format codes
//! (`YYYY-MM-DD`) or strftime (`%Y-%m-%d`). The `date.*` cards and the `date_add` and
//! `date_format` helpers share it, so a date computed inline and one computed by a step agree.
//!
//! It uses `jiff`: maintained, tz-aware (DST-correct arithmetic in a zone), with the tz
//! database built into the binary so results do not depend on the host's zoneinfo.

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::{Timestamp, Unit, Zoned};
use std::fmt::Write;

/// Why a date could not be read, shifted or formatted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DateError(pub String);

fn err(message: impl Into<String>) -> DateError {
    DateError(message.into())
}

/// What a date input must look like, for messages.
pub const DATE_HINT: &str = "ISO 8601 text such as 2024-05-01T09:30:00Z";

/// Reads ISO 8601 text: with an offset (`Z`, `+02:00`) it is that instant; without one it is a
/// time in `zone`; a date alone is midnight in `zone`.
pub fn parse_iso(text: &str, zone: &TimeZone) -> Option<Timestamp> {
    let text = text.trim();
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Some(ts);
    }
    let dt = text.parse::<DateTime>().ok()?;
    dt.to_zoned(zone.clone()).ok().map(|z| z.timestamp())
}

/// Okta's date output: ISO 8601 in UTC with milliseconds, `2016-09-07T00:01:25.670Z`.
pub fn iso(ts: Timestamp) -> String {
    let z = ts.to_zoned(TimeZone::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        z.year(),
        z.month(),
        z.day(),
        z.hour(),
        z.minute(),
        z.second(),
        z.millisecond()
    )
}

/// A time zone by IANA name (`Europe/Paris`, `US/Pacific`, `UTC`).
pub fn zone_named(name: &str) -> Result<TimeZone, DateError> {
    jiff::tz::db().get(name.trim()).map_err(|_| {
        err(format!(
            "`{name}` is not a time zone (use an IANA name such as Europe/Paris)"
        ))
    })
}

/// The message for a unit that is not one.
pub fn unit_message(u: &str) -> String {
    format!("`unit` must be seconds, minutes, hours, days, weeks, months or years, found `{u}`")
}

/// A unit by name, singular or plural (`day`, `days`).
pub fn unit_named(name: &str) -> Result<Unit, DateError> {
    let n = name.trim().to_ascii_lowercase();
    Ok(match n.trim_end_matches('s') {
        "millisecond" => Unit::Millisecond,
        "second" => Unit::Second,
        "minute" => Unit::Minute,
        "hour" => Unit::Hour,
        "day" => Unit::Day,
        "week" => Unit::Week,
        "month" => Unit::Month,
        "year" => Unit::Year,
        _ => return Err(err(unit_message(name))),
    })
}

/// Adds `amount` units to `ts`; calendar units (days and up) count in `zone`, so adding a day
/// across a daylight-saving change keeps the wall-clock time.
pub fn shift(
    ts: Timestamp,
    amount: i64,
    unit: Unit,
    zone: &TimeZone,
) -> Result<Timestamp, DateError> {
    let s = jiff::Span::new();
    let span = match unit {
        Unit::Year => s.try_years(amount),
        Unit::Month => s.try_months(amount),
        Unit::Week => s.try_weeks(amount),
        Unit::Day => s.try_days(amount),
        Unit::Hour => s.try_hours(amount),
        Unit::Minute => s.try_minutes(amount),
        Unit::Second => s.try_seconds(amount),
        _ => s.try_milliseconds(amount),
    }
    .map_err(|_| err(format!("{amount} is too large an amount")))?;
    ts.to_zoned(zone.clone())
        .checked_add(span)
        .map(|z| z.timestamp())
        .map_err(|_| err("the date is out of range (years -9999 to 9999)"))
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Okta's format codes, longest first so that `MMMM` wins over `MM`.
const TOKENS: &[&str] = &[
    "YYYY", "MMMM", "dddd", "MMM", "ddd", "SSS", "YY", "MM", "Do", "DD", "HH", "hh", "mm", "ss",
    "SS", "ZZ", "Y", "M", "D", "d", "H", "h", "m", "s", "S", "A", "a", "Z", "z", "X", "x",
];

/// Splits an Okta-style format into tokens and literal text (`[at]` is literal).
fn tokens(format: &str) -> Vec<Result<&'static str, String>> {
    let mut out = Vec::new();
    let mut rest = format;
    while let Some(c) = rest.chars().next() {
        if c == '[' {
            let end = rest.find(']').unwrap_or(rest.len());
            out.push(Err(rest[1..end].to_string()));
            rest = rest.get(end + 1..).unwrap_or("");
        } else if let Some(t) = TOKENS.iter().find(|t| rest.starts_with(**t)) {
            out.push(Ok(*t));
            rest = &rest[t.len()..];
        } else {
            out.push(Err(c.to_string()));
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

fn ordinal(n: i8) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// Formats a time in `zone`: strftime when the format has a `%`, else Okta's format codes.
pub fn format_in(ts: Timestamp, zone: &TimeZone, format: &str) -> Result<String, DateError> {
    let z = ts.to_zoned(zone.clone());
    if format.contains('%') {
        let mut out = String::new();
        jiff::fmt::strtime::format(format, &z)
            .map(|s| out.push_str(&s))
            .map_err(|e| err(format!("`{format}` is not a valid format: {e}")))?;
        return Ok(out);
    }
    Ok(okta_format(&z, format))
}

fn okta_format(z: &Zoned, format: &str) -> String {
    let mut out = String::new();
    let h12 = match z.hour() % 12 {
        0 => 12,
        h => h,
    };
    let offset = z.offset().seconds();
    let (sign, abs) = (if offset < 0 { '-' } else { '+' }, offset.abs());
    let weekday = z.weekday().to_monday_one_offset();
    for t in tokens(format) {
        let _ = match t {
            Err(lit) => write!(out, "{lit}"),
            Ok("YYYY" | "Y") => write!(out, "{:04}", z.year()),
            Ok("YY") => write!(out, "{:02}", z.year().rem_euclid(100)),
            Ok("MMMM") => write!(out, "{}", MONTHS[z.month() as usize - 1]),
            Ok("MMM") => write!(out, "{}", &MONTHS[z.month() as usize - 1][..3]),
            Ok("MM") => write!(out, "{:02}", z.month()),
            Ok("M") => write!(out, "{}", z.month()),
            Ok("Do") => write!(out, "{}", ordinal(z.day())),
            Ok("DD") => write!(out, "{:02}", z.day()),
            Ok("D") => write!(out, "{}", z.day()),
            Ok("dddd") => write!(out, "{}", DAYS[weekday as usize - 1]),
            Ok("ddd") => write!(out, "{}", &DAYS[weekday as usize - 1][..3]),
            Ok("d") => write!(out, "{weekday}"),
            Ok("HH") => write!(out, "{:02}", z.hour()),
            Ok("H") => write!(out, "{}", z.hour()),
            Ok("hh") => write!(out, "{h12:02}"),
            Ok("h") => write!(out, "{h12}"),
            Ok("mm") => write!(out, "{:02}", z.minute()),
            Ok("m") => write!(out, "{}", z.minute()),
            Ok("ss") => write!(out, "{:02}", z.second()),
            Ok("s") => write!(out, "{}", z.second()),
            Ok("SSS") => write!(out, "{:03}", z.millisecond()),
            Ok("SS") => write!(out, "{:02}", z.millisecond() / 10),
            Ok("S") => write!(out, "{}", z.millisecond() / 100),
            Ok("A") => write!(out, "{}", if z.hour() < 12 { "AM" } else { "PM" }),
            Ok("a") => write!(out, "{}", if z.hour() < 12 { "am" } else { "pm" }),
            Ok("Z") => write!(out, "{sign}{:02}:{:02}", abs / 3600, abs % 3600 / 60),
            Ok("ZZ") => write!(out, "{sign}{:02}{:02}", abs / 3600, abs % 3600 / 60),
            Ok("z") => write!(
                out,
                "{}",
                z.time_zone().to_offset_info(z.timestamp()).abbreviation()
            ),
            Ok("X") => write!(out, "{}", z.timestamp().as_second()),
            Ok("x") => write!(out, "{}", z.timestamp().as_millisecond()),
            Ok(other) => write!(out, "{other}"),
        };
    }
    out
}

/// Reads text in a format (Okta's codes or strftime); texts without an offset are in `zone`.
pub fn parse_with(text: &str, format: &str, zone: &TimeZone) -> Result<Timestamp, DateError> {
    let fail = |why: String| {
        err(format!(
            "`{text}` does not match the format `{format}`: {why}"
        ))
    };
    let strf = if format.contains('%') {
        format.to_string()
    } else {
        let mut f = String::new();
        for t in tokens(format) {
            f.push_str(match t {
                Err(lit) => {
                    f.push_str(&lit.replace('%', "%%"));
                    continue;
                }
                Ok("YYYY" | "Y") => "%Y",
                Ok("YY") => "%y",
                Ok("MMMM") => "%B",
                Ok("MMM") => "%b",
                Ok("MM" | "M") => "%m",
                Ok("DD" | "D") => "%d",
                Ok("dddd") => "%A",
                Ok("ddd") => "%a",
                Ok("d") => "%u",
                Ok("HH" | "H") => "%H",
                Ok("hh" | "h") => "%I",
                Ok("mm" | "m") => "%M",
                Ok("ss" | "s") => "%S",
                Ok("SSS" | "SS" | "S") => "%f",
                Ok("A" | "a") => "%p",
                Ok("Z") => "%:z",
                Ok("ZZ") => "%z",
                Ok("X") => "%s",
                Ok("x") => {
                    let ms: i64 = text
                        .trim()
                        .parse()
                        .map_err(|_| fail("not a number of milliseconds".into()))?;
                    return Timestamp::from_millisecond(ms).map_err(|e| fail(e.to_string()));
                }
                Ok(other) => return Err(fail(format!("`{other}` cannot be read, only written"))),
            });
        }
        f
    };
    let tm = jiff::fmt::strtime::parse(&strf, text.trim()).map_err(|e| fail(e.to_string()))?;
    if tm.offset().is_some() || tm.timestamp().is_some() {
        return tm.to_timestamp().map_err(|e| fail(e.to_string()));
    }
    let dt = tm.to_datetime().map_err(|e| fail(e.to_string()))?;
    dt.to_zoned(zone.clone())
        .map(|z| z.timestamp())
        .map_err(|e| fail(e.to_string()))
}
