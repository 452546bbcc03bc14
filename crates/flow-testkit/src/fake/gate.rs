//! Explicit synchronisation between a test and the fakes: a [`Gate`] parks requests until the
//! test releases them, and [`InFlight`] counts the requests being handled and the most seen at
//! once. Tests wait on these signals instead of sleeping or timing.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::watch;

/// What a gate has seen.
#[derive(Debug, Default, Clone, Copy)]
struct GateState {
    /// Requests that reached the gate.
    arrived: u64,
    /// Requests let through so far by [`Gate::release`] (in arrival order).
    released: u64,
    /// Every request passes.
    open: bool,
}

/// Holds requests until the test releases them (use with `Fault::Hold` / `SlackFault::Hold`).
///
/// Requests pass in arrival order: [`release(n)`](Gate::release) lets the next `n` through
/// (releases given before requests arrive are kept for them), [`open`](Gate::open) lets every
/// held and later request through. [`wait_arrived(n)`](Gate::wait_arrived) returns once `n`
/// requests have reached the gate, so a test knows they are in flight without sleeping.
/// Clones share the same gate. A held request whose client goes away still used up its place.
#[derive(Clone)]
pub struct Gate {
    state: Arc<watch::Sender<GateState>>,
}

impl Default for Gate {
    fn default() -> Self {
        Gate::new()
    }
}

impl fmt::Debug for Gate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = *self.state.borrow();
        f.debug_struct("Gate")
            .field("arrived", &s.arrived)
            .field("released", &s.released)
            .field("open", &s.open)
            .finish()
    }
}

/// Two gates are equal when they are clones of one another.
impl PartialEq for Gate {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.state, &other.state)
    }
}

impl Eq for Gate {}

impl Gate {
    /// A closed gate that has seen nothing.
    pub fn new() -> Gate {
        Gate {
            state: Arc::new(watch::Sender::new(GateState::default())),
        }
    }

    /// Lets the next `n` requests (held now or arriving later) through, oldest first.
    pub fn release(&self, n: u64) {
        self.state
            .send_modify(|s| s.released = s.released.saturating_add(n));
    }

    /// Lets every held request and every later one through.
    pub fn open(&self) {
        self.state.send_modify(|s| s.open = true);
    }

    /// How many requests have reached the gate so far.
    pub fn arrived(&self) -> u64 {
        self.state.borrow().arrived
    }

    /// How many requests are parked at the gate now.
    pub fn held(&self) -> u64 {
        let s = *self.state.borrow();
        if s.open {
            0
        } else {
            s.arrived.saturating_sub(s.released)
        }
    }

    /// Returns once at least `n` requests have reached the gate.
    pub async fn wait_arrived(&self, n: u64) {
        let mut rx = self.state.subscribe();
        // The sender lives in `self`, so the channel cannot close while we wait.
        let _ = rx.wait_for(|s| s.arrived >= n).await;
    }

    /// Parks the calling request until the gate lets it through.
    pub async fn pass(&self) {
        let mut ticket = 0;
        self.state.send_modify(|s| {
            ticket = s.arrived;
            s.arrived += 1;
        });
        let mut rx = self.state.subscribe();
        let _ = rx.wait_for(|s| s.open || s.released > ticket).await;
    }
}

/// Counts requests being handled now and the most handled at once.
#[derive(Debug, Default)]
pub(crate) struct InFlight {
    now: AtomicUsize,
    max: AtomicUsize,
}

/// Marks one request in flight until dropped (answered, or its connection dropped).
pub(crate) struct InFlightGuard(Arc<InFlight>);

impl InFlight {
    /// Counts a request in until the guard is dropped.
    pub(crate) fn enter(self: &Arc<Self>) -> InFlightGuard {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.max.fetch_max(now, Ordering::SeqCst);
        InFlightGuard(Arc::clone(self))
    }

    /// Requests being handled now.
    pub(crate) fn now(&self) -> usize {
        self.now.load(Ordering::SeqCst)
    }

    /// The most requests handled at once since the start or the last [`InFlight::reset_max`].
    pub(crate) fn max(&self) -> usize {
        self.max.load(Ordering::SeqCst)
    }

    /// Starts the maximum again from the requests in flight now.
    pub(crate) fn reset_max(&self) {
        self.max.store(self.now(), Ordering::SeqCst);
    }
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn requests_pass_in_order_as_released() {
        let gate = Gate::new();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        for i in 0..3 {
            let (held, tx) = (gate.clone(), tx.clone());
            tokio::spawn(async move {
                held.pass().await;
                let _ = tx.send(i);
            });
            // Arrival order is the spawn order: wait for each before the next.
            gate.wait_arrived(i + 1).await;
        }
        assert_eq!((gate.arrived(), gate.held()), (3, 3));
        assert!(rx.try_recv().is_err());
        gate.release(1);
        assert_eq!(rx.recv().await, Some(0));
        assert_eq!(gate.held(), 2);
        gate.open();
        assert_eq!(gate.held(), 0);
        let mut rest = vec![rx.recv().await, rx.recv().await];
        rest.sort();
        assert_eq!(rest, [Some(1), Some(2)]);
        // An open gate holds nothing.
        gate.pass().await;
        assert_eq!(gate.arrived(), 4);
    }

    #[test]
    fn in_flight_counts_and_keeps_the_maximum() {
        let f = Arc::new(InFlight::default());
        let a = f.enter();
        let b = f.enter();
        assert_eq!((f.now(), f.max()), (2, 2));
        drop(a);
        drop(b);
        let _c = f.enter();
        assert_eq!((f.now(), f.max()), (1, 2));
        f.reset_max();
        assert_eq!((f.now(), f.max()), (1, 1));
    }
}
