//! Time as the server sees it: a [`Clock`] gives the monotonic instant (dedupe windows, rate
//! limits) and the Unix time (signed timestamps). [`SystemClock`] is the real one; tests pass a
//! [`ManualClock`] and move it by hand, so no test waits on the wall clock.

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Where the server reads the time.
pub trait Clock: Send + Sync {
    /// A monotonic instant.
    fn now(&self) -> Instant;
    /// Seconds since the Unix epoch.
    fn unix(&self) -> i64;
}

/// The machine's clocks. The instant is tokio's, so a paused tokio clock (tests) moves it too.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }

    fn unix(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
    }
}

/// A clock that moves only when told (tests).
#[derive(Debug)]
pub struct ManualClock {
    start: Instant,
    state: Mutex<(Duration, i64)>,
}

impl ManualClock {
    /// A clock standing at Unix time `unix`.
    pub fn at_unix(unix: i64) -> Self {
        ManualClock {
            start: Instant::now(),
            state: Mutex::new((Duration::ZERO, unix)),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (Duration, i64)> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Moves both times forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut s = self.lock();
        s.0 = s.0.saturating_add(by);
        s.1 =
            s.1.saturating_add(i64::try_from(by.as_secs()).unwrap_or(i64::MAX));
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        let offset = self.lock().0;
        self.start.checked_add(offset).unwrap_or(self.start)
    }

    fn unix(&self) -> i64 {
        self.lock().1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told() {
        let c = ManualClock::at_unix(1_700_000_000);
        let t0 = c.now();
        assert_eq!((c.now(), c.unix()), (t0, 1_700_000_000));
        c.advance(Duration::from_secs(90));
        assert_eq!(
            (c.now().duration_since(t0), c.unix()),
            (Duration::from_secs(90), 1_700_000_090)
        );
    }
}
