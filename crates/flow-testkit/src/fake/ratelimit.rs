//! Okta-style rate limiting: a fixed-window request budget per (credential, endpoint class).
//!
//! Each bucket allows `limit` requests per `window`; the window starts with the first request
//! and the bucket refills completely when it ends. `X-Rate-Limit-Reset` reports the end of the
//! current window in UTC epoch seconds, rounded up.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::util::epoch_secs_ceil;

/// The rate-limit view of one request, as reported in the `X-Rate-Limit-*` headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RateInfo {
    /// The ceiling for the window.
    pub(crate) limit: u32,
    /// Requests left in the window after this one.
    pub(crate) remaining: u32,
    /// UTC epoch seconds when the window resets.
    pub(crate) reset_epoch: u64,
    /// Whether the request fits in the budget.
    pub(crate) allowed: bool,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    started: Instant,
    used: u32,
}

/// Fixed-window counters keyed by credential and endpoint class.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    limit: u32,
    window: Duration,
    buckets: HashMap<(String, &'static str), Bucket>,
}

impl Default for RateLimiter {
    fn default() -> Self {
        RateLimiter {
            limit: 600,
            window: Duration::from_secs(60),
            buckets: HashMap::new(),
        }
    }
}

impl RateLimiter {
    /// Changes the budget and forgets all counters.
    pub(crate) fn configure(&mut self, limit: u32, window: Duration) {
        self.limit = limit;
        self.window = window.max(Duration::from_millis(1));
        self.buckets.clear();
    }

    /// The configured ceiling.
    pub(crate) fn limit(&self) -> u32 {
        self.limit
    }

    /// Accounts for one request (when `consume`) and reports the bucket state.
    pub(crate) fn check(
        &mut self,
        credential: &str,
        class: &'static str,
        consume: bool,
    ) -> RateInfo {
        let now = Instant::now();
        let window = self.window;
        let limit = self.limit;
        let key = (credential.to_owned(), class);
        let mut bucket = self.buckets.get(&key).copied().unwrap_or(Bucket {
            started: now,
            used: 0,
        });
        if now.duration_since(bucket.started) >= window {
            bucket = Bucket {
                started: now,
                used: 0,
            };
        }
        let allowed = bucket.used < limit;
        if consume && allowed {
            bucket.used += 1;
        }
        if consume {
            self.buckets.insert(key, bucket);
        }
        let left = (bucket.started + window).saturating_duration_since(now);
        RateInfo {
            limit,
            remaining: limit.saturating_sub(bucket.used),
            reset_epoch: epoch_secs_ceil(left),
            allowed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_is_per_credential_and_class() {
        let mut rl = RateLimiter::default();
        rl.configure(2, Duration::from_secs(60));
        assert_eq!(rl.check("a", "get", true).remaining, 1);
        assert!(rl.check("a", "get", true).allowed);
        let denied = rl.check("a", "get", true);
        assert!(!denied.allowed);
        assert_eq!(denied.remaining, 0);
        assert!(rl.check("a", "list", true).allowed);
        assert!(rl.check("b", "get", true).allowed);
        assert_eq!(rl.check("c", "get", false).remaining, 2);
    }

    #[test]
    fn window_expiry_refills() {
        let mut rl = RateLimiter::default();
        rl.configure(1, Duration::from_millis(20));
        assert!(rl.check("a", "get", true).allowed);
        assert!(!rl.check("a", "get", true).allowed);
        std::thread::sleep(Duration::from_millis(30));
        assert!(rl.check("a", "get", true).allowed);
    }
}
