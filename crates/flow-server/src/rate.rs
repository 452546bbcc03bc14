//! A token bucket per endpoint (`rate_limit:`): at most `per_second` runs started per second,
//! with bursts up to `burst`. The caller passes the time ([`crate::Clock`]), so tests move it
//! by hand.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A token bucket.
#[derive(Debug)]
pub struct TokenBucket {
    per_second: f64,
    burst: f64,
    /// Tokens left and when they were counted; `None` until the first take (a full bucket).
    state: Mutex<Option<(f64, Instant)>>,
}

impl TokenBucket {
    /// A full bucket.
    pub fn new(per_second: f64, burst: u32) -> Self {
        TokenBucket {
            per_second,
            burst: f64::from(burst.max(1)),
            state: Mutex::new(None),
        }
    }

    /// Takes a token at `now`, or says how long until one is available.
    pub fn take(&self, now: Instant) -> Result<(), Duration> {
        let mut guard = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (mut tokens, last) = guard.unwrap_or((self.burst, now));
        // A clock that went backwards (or a `now` older than the last) adds nothing.
        tokens = (tokens + now.saturating_duration_since(last).as_secs_f64() * self.per_second)
            .min(self.burst);
        let result = if tokens >= 1.0 {
            tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - tokens) / self.per_second;
            Err(Duration::try_from_secs_f64(wait).unwrap_or(Duration::MAX))
        };
        *guard = Some((tokens, now.max(last)));
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_a_burst_then_refills_with_the_clock() {
        let b = TokenBucket::new(10.0, 2);
        let t0 = Instant::now();
        assert_eq!(b.take(t0), Ok(()));
        assert_eq!(b.take(t0), Ok(()));
        assert_eq!(b.take(t0), Err(Duration::from_millis(100)));
        // 50 ms later: half a token, 50 ms still to wait.
        let t1 = t0 + Duration::from_millis(50);
        assert_eq!(b.take(t1), Err(Duration::from_millis(50)));
        let t2 = t0 + Duration::from_millis(100);
        assert_eq!(b.take(t2), Ok(()));
        assert_eq!(b.take(t2), Err(Duration::from_millis(100)));
        // A long pause refills up to the burst only.
        let t3 = t2 + Duration::from_secs(3600);
        assert_eq!(
            (b.take(t3), b.take(t3), b.take(t3).is_err()),
            (Ok(()), Ok(()), true)
        );
    }
}
