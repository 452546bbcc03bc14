//! The fake Okta System Log: seeded events, events the fake writes itself for the changes it
//! makes (user lifecycle, group membership, app assignment), and `GET /api/v1/logs` with
//! `since`, `until`, `filter`, `q`, `sortOrder`, `limit` and `after`.
//!
//! Like Okta, a request without `until` (and in ascending order) is a *polling* request: its
//! answer always carries a `rel="next"` link, even when the page is empty, so a client polls
//! until it sees an empty page. A request with `until` is *bounded*: the last page has no
//! `next` link.

use serde_json::{Map, Value, json};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use super::okta::{OktaState, Shared};
use super::okta_filter::{Mode, json_values, parse};
use super::okta_http::Reply;
use super::okta_page::{Paging, param};
use super::okta_users::iso8601;
use super::util::{lock, random_alnum};

/// Default page size of `GET /api/v1/logs`.
const LOGS_DEFAULT: usize = 100;
/// Largest page size of `GET /api/v1/logs`.
const LOGS_MAX: usize = 1_000;

/// A stored System Log event: its JSON and its `published` time.
#[derive(Debug, Clone)]
pub(crate) struct LogEvent {
    pub(crate) uuid: String,
    pub(crate) published: OffsetDateTime,
    pub(crate) json: Value,
}

/// Why a seeded log event was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogSeedError {
    /// The event is not a JSON object.
    NotAnObject,
    /// `eventType` is missing or not text.
    MissingEventType,
    /// `published` is not an RFC 3339 timestamp.
    BadPublished(String),
}

impl std::fmt::Display for LogSeedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LogSeedError::NotAnObject => f.write_str("a log event must be a JSON object"),
            LogSeedError::MissingEventType => f.write_str("a log event needs an eventType"),
            LogSeedError::BadPublished(v) => {
                write!(f, "published {v:?} is not an RFC 3339 timestamp")
            }
        }
    }
}

impl std::error::Error for LogSeedError {}

fn uuid() -> String {
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        fastrand::u32(..),
        fastrand::u16(..),
        fastrand::u16(..0x1000),
        fastrand::u16(0x8000..0xC000),
        fastrand::u64(..1 << 48)
    )
}

/// The actor of events the fake writes itself: the API token's admin.
fn admin_actor() -> Value {
    json!({
        "id": "00ufakeadmin000000001",
        "type": "User",
        "alternateId": "admin@fake.okta.local",
        "displayName": "Fake Admin",
        "detailEntry": null
    })
}

/// Completes a seeded event with Okta's default fields and stores it, keeping the log sorted
/// by `published`. Returns the event's `uuid`.
pub(crate) fn seed(state: &mut OktaState, event: Value) -> Result<String, LogSeedError> {
    let Value::Object(mut map) = event else {
        return Err(LogSeedError::NotAnObject);
    };
    if !map.get("eventType").is_some_and(Value::is_string) {
        return Err(LogSeedError::MissingEventType);
    }
    let published = match map.get("published").and_then(Value::as_str) {
        Some(text) => OffsetDateTime::parse(text, &Rfc3339)
            .map_err(|_| LogSeedError::BadPublished(text.to_owned()))?,
        None => OffsetDateTime::now_utc(),
    };
    let id = map
        .get("uuid")
        .and_then(Value::as_str)
        .map_or_else(uuid, str::to_owned);
    let defaults: [(&str, Value); 10] = [
        ("uuid", Value::String(id.clone())),
        ("published", Value::String(iso8601(published))),
        ("version", json!("0")),
        ("severity", json!("INFO")),
        ("legacyEventType", Value::Null),
        ("actor", admin_actor()),
        (
            "client",
            json!({ "ipAddress": "127.0.0.1", "zone": "null", "device": "Computer" }),
        ),
        ("outcome", json!({ "result": "SUCCESS", "reason": null })),
        ("target", json!([])),
        (
            "transaction",
            json!({ "type": "WEB", "id": random_alnum(27) }),
        ),
    ];
    for (key, value) in defaults {
        map.entry(key).or_insert(value);
    }
    if !map.contains_key("displayMessage") {
        let text = map
            .get("eventType")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        map.insert("displayMessage".into(), Value::String(text));
    }
    map.entry("debugContext")
        .or_insert_with(|| json!({ "debugData": {} }));
    let event = LogEvent {
        uuid: id.clone(),
        published,
        json: Value::Object(map),
    };
    let at = state.logs.partition_point(|e| e.published <= published);
    state.logs.insert(at, event);
    Ok(id)
}

/// Records an event the fake caused (actor: the admin behind the API token).
pub(crate) fn audit(state: &mut OktaState, event_type: &str, message: &str, targets: &[Value]) {
    let mut map = Map::new();
    map.insert("eventType".into(), Value::String(event_type.to_owned()));
    map.insert("displayMessage".into(), Value::String(message.to_owned()));
    map.insert("target".into(), Value::Array(targets.to_vec()));
    // Cannot fail: the event is an object with an eventType and no published.
    let _ = seed(state, Value::Object(map));
}

fn bad_time(param: &str) -> Reply {
    Reply::error(
        400,
        "E0000001",
        &format!("Api validation failed: {param}"),
        &[&format!(
            "{param}: Invalid date format. Use ISO 8601 format (yyyy-MM-dd'T'HH:mm:ss.SSSZ)."
        )],
    )
}

fn time_param(query: &[(String, String)], name: &str) -> Result<Option<OffsetDateTime>, Reply> {
    match param(query, name) {
        Some(text) => OffsetDateTime::parse(text, &Rfc3339)
            .map(Some)
            .map_err(|_| bad_time(name)),
        None => Ok(None),
    }
}

/// `GET /api/v1/logs`.
pub(crate) fn list_logs(shared: &Shared, path: &str, query: &[(String, String)]) -> Reply {
    let until = match time_param(query, "until") {
        Ok(t) => t,
        Err(reply) => return reply,
    };
    let since = match time_param(query, "since") {
        Ok(t) => t,
        Err(reply) => return reply,
    };
    let now = OffsetDateTime::now_utc();
    let upper = until.unwrap_or(now + Duration::days(1));
    let lower = since.unwrap_or(until.unwrap_or(now) - Duration::days(7));
    if lower > upper {
        return Reply::error(
            400,
            "E0000001",
            "Api validation failed: since",
            &["since: The since parameter must be before the until parameter."],
        );
    }
    let descending =
        param(query, "sortOrder").is_some_and(|s| s.eq_ignore_ascii_case("DESCENDING"));
    let expr = match param(query, "filter").map(|f| parse(f, Mode::LogFilter)) {
        Some(Ok(e)) => Some(e),
        Some(Err(detail)) => {
            return Reply::error(400, "E0000031", "Invalid search criteria.", &[&detail]);
        }
        None => None,
    };
    let words: Vec<String> = param(query, "q")
        .map(|q| q.split_whitespace().map(str::to_lowercase).collect())
        .unwrap_or_default();
    let state = lock(&shared.state);
    let mut selected: Vec<(String, Value)> = state
        .logs
        .iter()
        .filter(|e| e.published >= lower && e.published < upper)
        .filter(|e| {
            expr.as_ref().is_none_or(|x| {
                x.matches_with(&|attr: &str| json_values(&e.json, attr), Mode::LogFilter)
            })
        })
        .filter(|e| {
            let text = e.json.to_string().to_lowercase();
            words.iter().all(|w| text.contains(w.as_str()))
        })
        .map(|e| (e.uuid.clone(), e.json.clone()))
        .collect();
    if descending {
        selected.reverse();
    }
    let mut carried = Vec::new();
    for name in ["since", "until", "filter", "q", "sortOrder"] {
        if let Some(v) = param(query, name) {
            carried.push((name, v.to_owned()));
        }
    }
    let paging = Paging {
        base_url: &shared.base_url,
        path,
        query,
        carried,
        default_limit: LOGS_DEFAULT,
        max_limit: LOGS_MAX,
    };
    let polling = until.is_none() && !descending;
    let mut reply = paging.answer(selected);
    if polling
        && !reply
            .headers
            .iter()
            .any(|(_, v)| v.ends_with("rel=\"next\""))
    {
        // A polling answer always links onwards: from its last event, or the same cursor.
        let last = reply
            .body
            .as_ref()
            .and_then(Value::as_array)
            .and_then(|a| a.last())
            .and_then(|e| e.get("uuid"))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| param(query, "after").map(str::to_owned));
        let link = paging.link(last.as_deref());
        reply = reply.with_header("link", format!("<{link}>; rel=\"next\""));
    }
    reply
}
