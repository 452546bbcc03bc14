//! Structured logs on standard error: one line per event, as text or JSON (`--log-format json`).
//! Values are passed in already masked; the server never logs tokens or bodies.

use serde_json::{Map, Value};
use std::io::Write;
use std::sync::Mutex;

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// `2026-11-28T17:00:00Z INFO run.finished flow=x status=succeeded`
    #[default]
    Text,
    /// `{"ts":"…","level":"info","event":"run.finished","flow":"x",…}`
    Json,
    /// Nothing (tests).
    Off,
}

/// Writes log lines.
#[derive(Debug, Clone, Copy, Default)]
pub struct Logger {
    /// The format.
    pub format: LogFormat,
    /// Where lines go instead of standard error (tests read them here).
    pub sink: Option<&'static Mutex<Vec<String>>>,
}

impl Logger {
    /// One event with fields.
    pub fn event(&self, level: &str, event: &str, fields: &[(&str, Value)]) {
        let ts = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let line = match self.format {
            LogFormat::Off => return,
            LogFormat::Json => {
                let mut m = Map::new();
                m.insert("ts".into(), Value::String(ts));
                m.insert("level".into(), Value::String(level.to_string()));
                m.insert("event".into(), Value::String(event.to_string()));
                for (k, v) in fields {
                    m.insert((*k).to_string(), v.clone());
                }
                Value::Object(m).to_string()
            }
            LogFormat::Text => {
                let mut s = format!("{ts} {} {event}", level.to_uppercase());
                for (k, v) in fields {
                    match v {
                        Value::String(t) => s.push_str(&format!(" {k}={t}")),
                        other => s.push_str(&format!(" {k}={other}")),
                    }
                }
                s
            }
        };
        if let Some(sink) = self.sink {
            sink.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(line);
            return;
        }
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{line}");
    }

    /// An info event.
    pub fn info(&self, event: &str, fields: &[(&str, Value)]) {
        self.event("info", event, fields);
    }

    /// A warning.
    pub fn warn(&self, event: &str, fields: &[(&str, Value)]) {
        self.event("warn", event, fields);
    }
}
