//! Fault injection: queued faults that override normal handling for the next matching requests.
//!
//! Faults are kept in a FIFO queue. For each incoming request the fake takes the first queued
//! fault whose path filter matches (no filter matches every path), uses one of its `times`, and
//! drops it once used up. A filter is a prefix of the raw path; a filter with a `*` segment
//! (`/api/v1/users/*/lifecycle/suspend`) instead matches the path's leading segments one by
//! one, `*` standing for any one segment. Faults take precedence over authentication and normal handling;
//! a `Delay` or `Hold` fault only postpones the normal answer.

use std::collections::VecDeque;
use std::time::Duration;

use super::gate::Gate;

/// A fault for the fake Okta server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer 429 with an `E0000047` body, `X-Rate-Limit-Remaining: 0` and
    /// `X-Rate-Limit-Reset` = now + `reset_in` in epoch seconds (rounded up); `Date` is present.
    RateLimit {
        /// How many requests get this answer.
        times: u32,
        /// How far in the future the advertised reset lies.
        reset_in: Duration,
    },
    /// Answer with `status` and an Okta error body (`E0000009` "Internal Server Error" for
    /// 500, `E0000009` with the status reason for other codes, `E0000006` for 403).
    ServerError {
        /// How many requests get this answer.
        times: u32,
        /// The HTTP status to return, e.g. 500 or 503.
        status: u16,
    },
    /// Answer normally, but only after `delay`. It only says "not before": to know requests
    /// are in flight, or to keep them there, use [`Fault::Hold`] and its [`Gate`].
    Delay {
        /// How many requests are delayed.
        times: u32,
        /// How long each is held.
        delay: Duration,
    },
    /// Answer 403 with an empty body and a `WWW-Authenticate: Bearer … error="insufficient_scope"`
    /// header naming the scope the endpoint needs (an OAuth token lacking a scope).
    InsufficientScope {
        /// How many requests get this answer.
        times: u32,
    },
    /// Answer 429 E0000047 with `Retry-After: retry_after_secs` as well as Okta's
    /// `X-Rate-Limit-Remaining: 0` and `X-Rate-Limit-Reset` = now + `reset_in` (epoch seconds,
    /// rounded up) and `Date`: a client must honour `Retry-After` when both are present.
    RetryAfter {
        /// How many requests get this answer.
        times: u32,
        /// The `Retry-After` value in seconds.
        retry_after_secs: u64,
        /// How far in the future the advertised reset lies.
        reset_in: Duration,
    },
    /// Park the request at `gate` until the test releases it, then answer normally.
    Hold {
        /// How many requests are held.
        times: u32,
        /// The gate they wait at.
        gate: Gate,
    },
    /// Close the connection without answering (no status line is sent).
    DropConnection {
        /// How many requests get this treatment.
        times: u32,
    },
}

/// A fault for the fake Slack server (Web API and incoming webhooks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlackFault {
    /// Answer HTTP 429 with `Retry-After: retry_after_secs`. Web API body:
    /// `{"ok":false,"error":"ratelimited"}`; webhook body: plain text `ratelimited`.
    RateLimit {
        /// How many requests get this answer.
        times: u32,
        /// The `Retry-After` value in seconds.
        retry_after_secs: u64,
    },
    /// Answer with a server error `status`. Web API: 500 gives
    /// `{"ok":false,"error":"internal_error"}`, other codes an HTML page. Webhook: 500 gives
    /// plain text `rollup_error`, other codes an HTML page.
    ServerError {
        /// How many requests get this answer.
        times: u32,
        /// The HTTP status, e.g. 500 or 503.
        status: u16,
    },
    /// Web API: HTTP 200 `{"ok":false,"error":<error>}`. Webhook: the plain-text code `error`
    /// with the status Slack documents for it (`channel_not_found` 404,
    /// `channel_is_archived` 410, `action_prohibited`/`invalid_token`/
    /// `posting_to_general_channel_denied` 403, `no_service`/`no_active_hooks` 404,
    /// `rollup_error` 500, anything else 400).
    OkFalse {
        /// How many requests get this answer.
        times: u32,
        /// The Slack error code, e.g. `"channel_not_found"`.
        error: String,
    },
    /// Answer normally, but only after `delay`. It only says "not before": to know requests
    /// are in flight, or to keep them there, use [`SlackFault::Hold`] and its [`Gate`].
    Delay {
        /// How many requests are delayed.
        times: u32,
        /// How long each is held.
        delay: Duration,
    },
    /// Park the request at `gate` until the test releases it, then answer normally.
    Hold {
        /// How many requests are held.
        times: u32,
        /// The gate they wait at.
        gate: Gate,
    },
    /// Close the connection without answering (no status line is sent).
    DropConnection {
        /// How many requests get this treatment.
        times: u32,
    },
}

/// Access to the remaining-use counter of a fault.
pub(crate) trait Countdown {
    /// The remaining number of uses.
    fn times_mut(&mut self) -> &mut u32;
}

impl Countdown for Fault {
    fn times_mut(&mut self) -> &mut u32 {
        match self {
            Fault::RateLimit { times, .. }
            | Fault::ServerError { times, .. }
            | Fault::Delay { times, .. }
            | Fault::InsufficientScope { times }
            | Fault::RetryAfter { times, .. }
            | Fault::Hold { times, .. }
            | Fault::DropConnection { times } => times,
        }
    }
}

impl Countdown for SlackFault {
    fn times_mut(&mut self) -> &mut u32 {
        match self {
            SlackFault::RateLimit { times, .. }
            | SlackFault::ServerError { times, .. }
            | SlackFault::OkFalse { times, .. }
            | SlackFault::Delay { times, .. }
            | SlackFault::Hold { times, .. }
            | SlackFault::DropConnection { times } => times,
        }
    }
}

/// A FIFO queue of faults, each with an optional raw-path prefix filter.
#[derive(Debug)]
pub(crate) struct FaultQueue<F> {
    entries: VecDeque<(Option<String>, F)>,
}

impl<F> Default for FaultQueue<F> {
    fn default() -> Self {
        FaultQueue {
            entries: VecDeque::new(),
        }
    }
}

impl<F: Countdown + Clone> FaultQueue<F> {
    /// Queues a fault; faults with `times == 0` are ignored.
    pub(crate) fn push(&mut self, path_prefix: Option<String>, mut fault: F) {
        if *fault.times_mut() > 0 {
            self.entries.push_back((path_prefix, fault));
        }
    }

    /// Uses one application of the first fault matching `path`, if any.
    pub(crate) fn take(&mut self, path: &str) -> Option<F> {
        let index = self.entries.iter().position(|(prefix, _)| {
            prefix
                .as_deref()
                .is_none_or(|prefix| path_matches(prefix, path))
        })?;
        let entry = self.entries.get_mut(index)?;
        let fault = entry.1.clone();
        let times = entry.1.times_mut();
        *times = times.saturating_sub(1);
        if *times == 0 {
            self.entries.remove(index);
        }
        Some(fault)
    }

    /// Drops every queued fault.
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }
}

/// True when `filter` is a prefix of `path`, or, when it has a `*` segment, when each of its
/// segments is `*` or equal to the path's segment at the same place.
fn path_matches(filter: &str, path: &str) -> bool {
    if !filter.split('/').any(|s| s == "*") {
        return path.starts_with(filter);
    }
    let mut segments = path.split('/');
    filter
        .split('/')
        .all(|f| segments.next().is_some_and(|s| f == "*" || f == s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_apply_in_order_and_respect_filters() {
        let mut q = FaultQueue::default();
        q.push(
            Some("/a".into()),
            Fault::ServerError {
                times: 1,
                status: 500,
            },
        );
        q.push(
            None,
            Fault::ServerError {
                times: 2,
                status: 503,
            },
        );
        q.push(None, Fault::InsufficientScope { times: 0 });
        let status = |f: Option<Fault>| match f {
            Some(Fault::ServerError { status, .. }) => Some(status),
            _ => None,
        };
        assert_eq!(status(q.take("/b")), Some(503));
        assert_eq!(status(q.take("/a/x")), Some(500));
        assert_eq!(status(q.take("/a/x")), Some(503));
        assert_eq!(q.take("/a"), None);
    }

    #[test]
    fn a_star_segment_stands_for_any_one_segment() {
        assert!(path_matches(
            "/api/v1/users/*/lifecycle/suspend",
            "/api/v1/users/00u1/lifecycle/suspend"
        ));
        assert!(!path_matches(
            "/api/v1/users/*/lifecycle/suspend",
            "/api/v1/users/00u1/lifecycle/unsuspend"
        ));
        assert!(!path_matches(
            "/api/v1/users/*/sessions",
            "/api/v1/users/00u1"
        ));
        assert!(path_matches(
            "/api/v1/users/*",
            "/api/v1/users/00u1/sessions"
        ));
        assert!(path_matches("/api/v1/us", "/api/v1/users"));
    }
}
