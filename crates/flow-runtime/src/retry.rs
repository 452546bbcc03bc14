//! How long to wait before the next attempt: the server's own hint first, otherwise an
//! exponential backoff with "equal jitter" (half the wait fixed, the other half random), never
//! beyond the policy's limits.

use flow_compile::RetryPolicy;
use std::time::Duration;

/// The longest wait a server's hint may impose, so a bad `Retry-After` cannot park a run.
pub const MAX_SERVER_WAIT: Duration = Duration::from_secs(600);

/// The wait before attempt `next` (2 for the first retry). `hint` is what the server asked for.
pub fn backoff_delay(policy: &RetryPolicy, next: u32, hint: Option<Duration>) -> Duration {
    if let Some(h) = hint {
        return h.min(MAX_SERVER_WAIT);
    }
    let exp = next.saturating_sub(2).min(30);
    let base = policy
        .backoff
        .saturating_mul(1u32 << exp)
        .min(policy.max_backoff);
    // Equal jitter: half the base, plus a random part of the other half, so the wait is between
    // half and all of the base. It keeps retries of many items from aligning while never
    // retrying almost at once (as full jitter, a random wait between 0 and the base, could).
    let half = base / 2;
    half + half.mul_f64(fastrand::f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            attempts: 5,
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(4),
        }
    }

    #[test]
    fn grows_and_caps() {
        for _ in 0..100 {
            let d2 = backoff_delay(&policy(), 2, None);
            assert!(d2 >= Duration::from_millis(500) && d2 <= Duration::from_secs(1));
            let d3 = backoff_delay(&policy(), 3, None);
            assert!(d3 >= Duration::from_secs(1) && d3 <= Duration::from_secs(2));
            let d9 = backoff_delay(&policy(), 9, None);
            assert!(d9 >= Duration::from_secs(2) && d9 <= Duration::from_secs(4));
        }
    }

    #[test]
    fn server_hint_wins_within_a_bound() {
        assert_eq!(
            backoff_delay(&policy(), 2, Some(Duration::from_secs(7))),
            Duration::from_secs(7)
        );
        assert_eq!(
            backoff_delay(&policy(), 2, Some(Duration::from_secs(100_000))),
            MAX_SERVER_WAIT
        );
    }
}
