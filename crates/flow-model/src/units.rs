//! Human units in flow files: durations (`30s`, `1m30s`, `24h`) and sizes (`1MiB`, `512KB`).

use std::time::Duration;

/// Why a duration or a size could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnitError {
    /// Nothing was written.
    #[error("empty duration")]
    EmptyDuration,
    /// The text is not a duration.
    #[error("`{0}` is not a duration (expected e.g. 30s, 5m, 1h30m)")]
    NotADuration(String),
    /// A duration with a unit that is not ms, s, m, h or d.
    #[error("`{text}` has an unknown unit `{unit}` (use ms, s, m, h or d)")]
    DurationUnit {
        /// The whole text.
        text: String,
        /// The unit found.
        unit: String,
    },
    /// The text is not a size.
    #[error("`{0}` is not a size (expected e.g. 1MiB, 512KB)")]
    NotASize(String),
    /// A size with a unit that is not B, KB, MB, GB, KiB, MiB or GiB.
    #[error("`{text}` has an unknown unit `{unit}` (use B, KB, MB, KiB, MiB)")]
    SizeUnit {
        /// The whole text.
        text: String,
        /// The unit found.
        unit: String,
    },
    /// The value is too large.
    #[error("`{0}` is out of range")]
    OutOfRange(String),
}

/// Parses a duration such as `500ms`, `30s`, `5m`, `1h30m` or `2d`. A bare number is seconds.
pub fn parse_duration(text: &str) -> Result<Duration, UnitError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(UnitError::EmptyDuration);
    }
    if let Ok(secs) = t.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    let mut total = Duration::ZERO;
    let mut rest = t;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(UnitError::NotADuration(text.to_string()));
        }
        let number: f64 = rest[..digits]
            .parse()
            .map_err(|_| UnitError::NotADuration(text.to_string()))?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let secs = match unit {
            "ms" => number / 1000.0,
            "s" => number,
            "m" => number * 60.0,
            "h" => number * 3600.0,
            "d" => number * 86400.0,
            _ => {
                return Err(UnitError::DurationUnit {
                    text: text.to_string(),
                    unit: unit.to_string(),
                });
            }
        };
        if !(0.0..=1e12).contains(&secs) {
            return Err(UnitError::OutOfRange(text.to_string()));
        }
        total += Duration::from_secs_f64(secs);
    }
    Ok(total)
}

/// Formats a duration compactly: `850µs`, `12ms`, `1.5s`, `2m3s`.
pub fn format_duration(d: Duration) -> String {
    let micros = d.as_micros();
    if micros < 1000 {
        format!("{micros}µs")
    } else if micros < 1_000_000 {
        format!("{}ms", micros / 1000)
    } else if micros < 60_000_000 {
        format!("{:.1}s", d.as_secs_f64())
    } else {
        format!("{}m{}s", d.as_secs() / 60, d.as_secs() % 60)
    }
}

/// Parses a size such as `1MiB`, `512KB`, `1048576` (bytes).
pub fn parse_size(text: &str) -> Result<u64, UnitError> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let number: f64 = num
        .parse()
        .map_err(|_| UnitError::NotASize(text.to_string()))?;
    let factor: f64 = match unit.trim() {
        "" | "B" => 1.0,
        "KB" | "kB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        "GiB" => 1024.0 * 1024.0 * 1024.0,
        other => {
            return Err(UnitError::SizeUnit {
                text: text.to_string(),
                unit: other.to_string(),
            });
        }
    };
    let bytes = number * factor;
    if !(0.0..=1e15).contains(&bytes) {
        return Err(UnitError::OutOfRange(text.to_string()));
    }
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("24h"), Ok(Duration::from_secs(86400)));
        assert_eq!(parse_duration("7"), Ok(Duration::from_secs(7)));
        assert_eq!(
            parse_duration("3 weeks"),
            Err(UnitError::DurationUnit {
                text: "3 weeks".into(),
                unit: " weeks".into()
            })
        );
        assert_eq!(
            parse_duration("s"),
            Err(UnitError::NotADuration("s".into()))
        );
        assert_eq!(parse_duration(""), Err(UnitError::EmptyDuration));
        assert_eq!(
            parse_duration("99999999999999999999d"),
            Err(UnitError::OutOfRange("99999999999999999999d".into()))
        );
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1MiB"), Ok(1 << 20));
        assert_eq!(parse_size("512KB"), Ok(512_000));
        assert_eq!(parse_size("100"), Ok(100));
        assert_eq!(
            parse_size("1XB"),
            Err(UnitError::SizeUnit {
                text: "1XB".into(),
                unit: "XB".into()
            })
        );
        assert_eq!(
            parse_size("1XB").map_err(|e| e.to_string()),
            Err("`1XB` has an unknown unit `XB` (use B, KB, MB, KiB, MiB)".to_string())
        );
    }
}
