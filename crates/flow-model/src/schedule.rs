//! A `schedule:` trigger's times: a cron pattern (five fields, or six with seconds first) read
//! in an IANA time zone, and the ticks it gives before and after an instant.
//!
//! Cron patterns are parsed by `croner` and evaluated on `jiff` zoned times: a wall-clock time
//! that a daylight-saving change skips fires once, at the first instant after the gap (02:30
//! on the night clocks jump from 02:00 to 03:00 fires at 03:00, as cronie does), and one that
//! the change repeats fires once, at its first occurrence.

use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};
use jiff::Timestamp;
use jiff::tz::TimeZone;

/// A parsed schedule.
#[derive(Clone)]
pub struct Schedule {
    cron: Cron,
    zone: TimeZone,
    /// The pattern as written.
    pub pattern: String,
    /// The zone's name as written (`UTC` when none was).
    pub zone_name: String,
}

impl std::fmt::Debug for Schedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Schedule({:?} in {})", self.pattern, self.zone_name)
    }
}

/// Why a schedule cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// The cron pattern does not parse.
    #[error("`{pattern}` is not a cron pattern: {why}")]
    Cron {
        /// The pattern.
        pattern: String,
        /// croner's reason.
        why: String,
    },
    /// The time zone is not in the time zone database.
    #[error("`{0}` is not a known time zone")]
    Zone(String),
}

impl Schedule {
    /// Parses `pattern` in the zone named `zone` (an IANA name such as `Europe/Berlin`; `UTC`
    /// when `None`).
    pub fn parse(pattern: &str, zone: Option<&str>) -> Result<Schedule, ScheduleError> {
        let parser = CronParser::builder()
            .seconds(Seconds::Optional)
            .year(Year::Disallowed)
            .build();
        let fields = pattern.split_whitespace().count();
        let cron = if (5..=6).contains(&fields) || pattern.trim_start().starts_with('@') {
            parser.parse(pattern).map_err(|e| ScheduleError::Cron {
                pattern: pattern.to_string(),
                why: e.to_string(),
            })?
        } else {
            return Err(ScheduleError::Cron {
                pattern: pattern.to_string(),
                why: format!(
                    "it has {fields} fields; use 5 (minute hour day month weekday) or 6 (seconds first)"
                ),
            });
        };
        let zone_name = zone.unwrap_or("UTC").to_string();
        let zone = TimeZone::get(&zone_name).map_err(|_| ScheduleError::Zone(zone_name.clone()))?;
        Ok(Schedule {
            cron,
            zone,
            pattern: pattern.to_string(),
            zone_name,
        })
    }

    fn zoned(&self, unix: i64) -> Option<jiff::Zoned> {
        Timestamp::from_second(unix)
            .ok()
            .map(|t| t.to_zoned(self.zone.clone()))
    }

    /// The first tick strictly after Unix time `unix` (seconds), or `None` when there is none
    /// within croner's search limit.
    pub fn next_after(&self, unix: i64) -> Option<i64> {
        let at = self.zoned(unix)?;
        self.cron
            .find_next_occurrence(&at, false)
            .ok()
            .map(|z| z.timestamp().as_second())
    }

    /// The last tick at or before Unix time `unix`, or `None`.
    pub fn latest_at_or_before(&self, unix: i64) -> Option<i64> {
        let at = self.zoned(unix)?;
        self.cron
            .find_previous_occurrence(&at, true)
            .ok()
            .map(|z| z.timestamp().as_second())
    }

    /// Unix time `unix` as RFC 3339 in this schedule's zone (`2026-03-02T09:00:00+01:00`).
    pub fn format(&self, unix: i64) -> String {
        self.zoned(unix).map_or_else(String::new, |z| {
            z.timestamp().display_with_offset(z.offset()).to_string()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unix(s: &str) -> i64 {
        s.parse::<Timestamp>().unwrap().as_second()
    }

    #[test]
    fn weekdays_at_nine_in_berlin() {
        let s = Schedule::parse("0 9 * * MON-FRI", Some("Europe/Berlin")).unwrap();
        // Friday 2026-03-06 10:00 Berlin (09:00 UTC): next is Monday 09:00 Berlin = 08:00 UTC.
        let next = s.next_after(unix("2026-03-06T09:00:00Z")).unwrap();
        assert_eq!(next, unix("2026-03-09T08:00:00Z"));
        assert_eq!(s.format(next), "2026-03-09T09:00:00+01:00");
        assert_eq!(
            s.latest_at_or_before(unix("2026-03-09T07:59:59Z")),
            Some(unix("2026-03-06T08:00:00Z"))
        );
        // A tick is "at or before" itself.
        assert_eq!(s.latest_at_or_before(next), Some(next));
    }

    #[test]
    fn seconds_are_optional() {
        let s = Schedule::parse("*/15 * * * * *", None).unwrap();
        assert_eq!(s.next_after(100), Some(105));
        assert_eq!(s.zone_name, "UTC");
        let m = Schedule::parse("*/5 * * * *", None).unwrap();
        assert_eq!(m.next_after(100), Some(300));
        let daily = Schedule::parse("@daily", None).unwrap();
        assert_eq!(daily.next_after(100), Some(86_400));
    }

    #[test]
    fn daylight_saving_in_berlin() {
        // 2026-03-29: 02:00 → 03:00 (02:30 does not exist); 2026-10-25: 03:00 → 02:00 (02:30
        // happens twice).
        let s = Schedule::parse("30 2 * * *", Some("Europe/Berlin")).unwrap();
        let before_spring = unix("2026-03-28T02:00:00Z");
        // 02:30 does not exist on 03-29: that day's tick fires right after the gap, at 03:00
        // CEST (01:00 UTC), once; the next day's at 02:30 CEST.
        let skipped = s.next_after(before_spring).unwrap();
        assert_eq!(skipped, unix("2026-03-29T01:00:00Z"));
        assert_eq!(s.format(skipped), "2026-03-29T03:00:00+02:00");
        assert_eq!(s.next_after(skipped), Some(unix("2026-03-30T00:30:00Z")));
        // In autumn the repeated 02:30 fires once: at 02:30 CEST (00:30 UTC), not again at
        // 02:30 CET (01:30 UTC).
        let first = s.next_after(unix("2026-10-24T23:00:00Z")).unwrap();
        assert_eq!(first, unix("2026-10-25T00:30:00Z"));
        assert_eq!(s.next_after(first), Some(unix("2026-10-26T01:30:00Z")));
        // Daily at 09:00 stays at 09:00 wall time across the change (08:00 UTC, then 07:00).
        let nine = Schedule::parse("0 9 * * *", Some("Europe/Berlin")).unwrap();
        let a = nine.next_after(unix("2026-03-28T12:00:00Z")).unwrap();
        assert_eq!(a, unix("2026-03-29T07:00:00Z"));
        assert_eq!(nine.format(a), "2026-03-29T09:00:00+02:00");
    }

    #[test]
    fn refusals() {
        for bad in ["", "* * *", "61 * * * *", "0 9 * * XYZ", "* * * * * * *"] {
            assert!(
                matches!(Schedule::parse(bad, None), Err(ScheduleError::Cron { .. })),
                "{bad:?}"
            );
        }
        assert_eq!(
            Schedule::parse("0 9 * * *", Some("Europe/Berlinn")).err(),
            Some(ScheduleError::Zone("Europe/Berlinn".into()))
        );
    }
}
