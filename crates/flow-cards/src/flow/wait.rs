//! `flow.wait`: waits for a while, or until a date, then goes on (Okta's Wait For). Under a
//! server with a store the wake-up time is kept in the store, so a run resumed after a restart
//! wakes at the time it had.

use crate::date::{DATE_HINT, check_date, iso, parse_iso};
use flow_card::card::schema_of;
use flow_card::kinds::{AnyValue, Text};
use flow_card::{Card, CardError, CardFuture, CardSpec, Checker, Effect, Expr, Outcome, StepCx};
use flow_card::{CardDoc, Example};
use flow_model::units::parse_duration;
use flow_model::{Code, Type};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};
use std::time::Duration;

/// The longest wait: a year.
pub const MAX_WAIT: Duration = Duration::from_secs(365 * 86_400);

/// Inputs of `flow.wait`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// How long to wait: a duration such as `30s`, `10m`, `1h30m` or `2d` (a bare number is
    /// seconds).
    #[serde(default, rename = "for")]
    for_: Option<Expr<Text>>,
    /// A date to wait until (ISO 8601; without an offset, UTC). A date already past does not
    /// wait.
    #[serde(default)]
    until: Option<Expr<AnyValue>>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "flow.wait",
    summary: "Wait for a while, or until a date, then go on",
    effect: Effect::Calls,
    output: "{ until: date }",
    // A wait of a year must not time out; `timeout:` may still bound it.
    default_timeout: Duration::from_secs(366 * 86_400),
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Waits `for` a duration (`30s`, `10m`, `1h30m`, `2d`; at most a year) or `until` a date (ISO 8601),
then goes on. Give one of the two. Output: `{ until }`, the time it woke up for (ISO 8601, UTC).
Like an effect, it keeps its place in the order: the steps with effects below it wait for it.

`flowctl run` sleeps. Under `flowctl serve` with a store the wait is durable: the wake-up time
is written to the store when the wait begins, and a run resumed after a crash or a restart
wakes at that time (at once when it is past), not a whole wait later. While it waits, a run
holds its run slot (`server.max_in_flight`). A dry run and a flow test do not wait: the step
records the time it would have woken up for and goes on."#,
    okta: &["Flow Control - Wait For"],
    examples: &[
        Example::gives(
            "Until a date (a dry run records it and goes on)",
            r#"{ until: "2030-01-01T09:00:00+01:00" }"#,
            r#"{"until": "2030-01-01T08:00:00.000Z"}"#,
        ),
        Example::rejected("Not a duration", r#"{ for: "ten minutes" }"#, "E0006"),
        Example::rejected(
            "Both `for` and `until`",
            r#"{ for: 10m, until: "2030-01-01T00:00:00Z" }"#,
            "E0006",
        ),
        Example::rejected("Neither", r#"{}"#, "E0005"),
        Example::fails(
            "A date that is not one, known only when the flow runs",
            r#"{ until: "{{ inputs.when }}" }"#,
            "must be a date",
        )
        .with_inputs(r#"{"when": "next tuesday"}"#),
    ],
};

/// A duration as `for:` takes it, at most [`MAX_WAIT`].
fn duration_of(text: &str) -> Result<Duration, String> {
    let d = parse_duration(text).map_err(|e| format!("`for`: {e}"))?;
    if d > MAX_WAIT {
        return Err(format!("`for` is at most a year (365d), found `{text}`"));
    }
    Ok(d)
}

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        match (&self.for_, &self.until) {
            (Some(f), None) => {
                cx.expr_type(f.id);
                if let Some(Value::String(t)) = cx.constant(f.id)
                    && let Err(e) = duration_of(&t)
                {
                    cx.report(Some(f.id), Code::InvalidValue, e, None);
                }
            }
            (None, Some(u)) => check_date(cx, u.id, "until"),
            (Some(f), Some(_)) => cx.report(
                Some(f.id),
                Code::InvalidValue,
                "give `for` or `until`, not both".into(),
                None,
            ),
            (None, None) => cx.report(
                None,
                Code::MissingKey,
                "`flow.wait` needs `for` (a duration) or `until` (a date)".into(),
                Some("e.g. `with: { for: 10m }`".into()),
            ),
        }
        Type::object([("until", Type::Date)])
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            let until = self.wake_time(cx)?;
            let until = if cx.dry_run() {
                until
            } else {
                let ms = cx.wait_until(until.as_millisecond()).await?;
                Timestamp::from_millisecond(ms).unwrap_or(until)
            };
            Ok(Outcome::value(json!({ "until": iso(until) })))
        })
    }
}

impl Config {
    /// When the wait ends: now plus `for`, or `until`.
    fn wake_time(&self, cx: &StepCx<'_>) -> Result<Timestamp, CardError> {
        if let Some(f) = &self.for_ {
            let d = duration_of(&cx.text(f)?).map_err(CardError::input)?;
            let span = jiff::SignedDuration::try_from(d)
                .map_err(|e| CardError::input(format!("`for`: {e}")))?;
            return Timestamp::now()
                .checked_add(span)
                .map_err(|e| CardError::input(format!("`for`: {e}")));
        }
        let Some(u) = &self.until else {
            return Err(CardError::input("give `for` or `until`"));
        };
        match &*cx.value(u)? {
            Value::String(s) => parse_iso(s, &TimeZone::UTC).ok_or_else(|| {
                CardError::input(format!("`until` must be a date ({DATE_HINT}), found `{s}`"))
            }),
            other => Err(CardError::input(format!(
                "`until` must be a date ({DATE_HINT}), found {}",
                flow_model::types::value_kind(other)
            ))),
        }
    }
}
