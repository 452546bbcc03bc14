//! The server's shared state: what is served (swappable on reload), limits, the bound on runs
//! in flight, the bound on unauthenticated reads, dedupe keys, the clock, metrics and the log.

use crate::clock::{Clock, SystemClock};
use crate::dedupe::{DedupeStore, MemoryDedupe};
use crate::front::FrontDoor;
use crate::live::Live;
use crate::log::Logger;
use crate::metrics::Metrics;
use crate::queue::RunQueue;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Limits on requests.
#[derive(Debug, Clone)]
pub struct Limits {
    /// The largest body accepted (413 above).
    pub max_body: usize,
    /// Runs executing at once; accepted events beyond them wait in the queue.
    pub max_in_flight: usize,
    /// Accepted runs waiting for a run slot before answering 503 (`server.max_queue`; the
    /// server's default is 100,000 with a store, 10,000 without).
    pub max_queue: usize,
    /// Time to receive the body (408 after).
    pub body_timeout: Duration,
    /// Bodies read at once per endpoint for requests not yet authenticated (no client token:
    /// HMAC and public endpoints); 503 above.
    pub max_unauthenticated_reads: usize,
    /// Of those, bodies read at once per client address (IPv6 by /64); 429 above.
    pub max_unauthenticated_reads_per_client: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body: 1 << 20,
            max_in_flight: 256,
            max_queue: 10_000,
            body_timeout: Duration::from_secs(30),
            max_unauthenticated_reads: 64,
            max_unauthenticated_reads_per_client: 8,
        }
    }
}

/// Everything handlers share.
pub struct ServerState {
    live: RwLock<Arc<Live>>,
    /// The limits.
    pub limits: Limits,
    /// One permit per run in flight.
    pub runs: Arc<Semaphore>,
    /// Accepted runs waiting for a permit.
    pub queue: RunQueue,
    /// Dedupe keys, checked for servers without a store (with one, [`Durable::enqueue`]
    /// reserves a key in the transaction that commits the trigger).
    ///
    /// [`Durable::enqueue`]: crate::durable::Durable::enqueue
    pub dedupe: Arc<dyn DedupeStore>,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// The log.
    pub log: Logger,
    /// The store, when runs are durable.
    pub durable: Option<Arc<crate::durable::Durable>>,
    /// Where the time comes from.
    pub clock: Arc<dyn Clock>,
    /// Unauthenticated reads in progress.
    pub(crate) front: Arc<FrontDoor>,
    /// The web console, when `server.console.token` is set.
    pub(crate) console: Option<Arc<crate::console::Console>>,
    /// When the store last failed to commit an event, since its last success.
    commit_failed_at: Mutex<Option<Instant>>,
}

/// After the store failed to commit an event, how long `/readyz` says not ready (unless an
/// event is committed sooner): the `Retry-After` the refused sender was given.
pub const NOT_READY_AFTER_COMMIT_FAILURE: Duration = Duration::from_secs(5);

/// The dedupe "flow" under which `/readyz` writes its probe key.
const PROBE_FLOW: &str = "flowctl.readyz";

impl ServerState {
    /// A state serving `live`.
    pub fn new(live: Live, limits: Limits, metrics: Arc<Metrics>, log: Logger) -> Self {
        ServerState {
            live: RwLock::new(Arc::new(live)),
            runs: Arc::new(Semaphore::new(limits.max_in_flight)),
            queue: RunQueue::new(limits.max_queue, None),
            limits,
            dedupe: Arc::new(MemoryDedupe::default()),
            metrics,
            log,
            durable: None,
            clock: Arc::new(SystemClock),
            front: Arc::new(FrontDoor::default()),
            console: None,
            commit_failed_at: Mutex::new(None),
        }
    }

    /// Reads the time from `clock` (tests). Also gives the in-memory dedupe keys that clock, so
    /// call it before [`ServerState::with_dedupe`].
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.dedupe = Arc::new(MemoryDedupe::with_clock(clock.clone()));
        self.clock = clock;
        self
    }

    /// Bodies of unauthenticated requests being read now at `endpoint` (the flow's name).
    pub fn unauthenticated_reads(&self, endpoint: &str) -> usize {
        self.front.reading(endpoint)
    }

    /// Notes whether the store committed an event (`/readyz` follows it).
    pub(crate) fn committed(&self, ok: bool) {
        let mut at = self
            .commit_failed_at
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *at = if ok { None } else { Some(self.clock.now()) };
    }

    /// Serves the web console at `/console/` (also register it as an engine observer, for its
    /// live feed).
    pub fn with_console(mut self, console: Arc<crate::console::Console>) -> Self {
        self.console = Some(console);
        self
    }

    /// Uses another dedupe store. Consulted only without [`ServerState::with_durable`]: with a
    /// store, keys are reserved with the run, atomically.
    pub fn with_dedupe(mut self, d: Arc<dyn DedupeStore>) -> Self {
        self.dedupe = d;
        self
    }

    /// What is served now.
    pub fn live(&self) -> Arc<Live> {
        self.live
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Serves `live` from now on; runs already started keep their plans.
    pub fn swap(&self, live: Live) {
        *self
            .live
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(live);
    }

    /// Makes runs durable: triggers committed before answers, progress written, unfinished runs
    /// resumed; dedupe keys (reserved in the same transaction as the trigger) and readiness
    /// come from the store too.
    ///
    /// The queue moves into the store: runs queued there before (by a server that stopped)
    /// count against `max_queue` and are started first. Reads the store (blocks).
    pub fn with_durable(mut self, durable: Arc<crate::durable::Durable>) -> Self {
        self.queue = RunQueue::new(self.limits.max_queue, Some(durable.clone()));
        self.durable = Some(durable);
        self
    }

    /// Whether the server can take runs (`/readyz`): with a store, whether it commits — a
    /// probe key is written now, and an event it failed to commit in the last
    /// [`NOT_READY_AFTER_COMMIT_FAILURE`] (with no success since) means not ready. Blocks on
    /// the store.
    pub fn ready(&self) -> Result<(), NotReady> {
        let Some(d) = &self.durable else {
            return Ok(());
        };
        d.store().health().map_err(NotReady::Store)?;
        d.store()
            .dedupe(PROBE_FLOW, "probe", Duration::ZERO, "readyz")
            .map_err(NotReady::Store)?;
        let failed_at = *self
            .commit_failed_at
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match failed_at {
            Some(at)
                if self.clock.now().saturating_duration_since(at)
                    < NOT_READY_AFTER_COMMIT_FAILURE =>
            {
                Err(NotReady::LastCommitFailed)
            }
            _ => Ok(()),
        }
    }

    /// Starts queued runs as run slots free up (once; the invoke handler and [`crate::serve`]
    /// call it).
    pub fn start(self: &Arc<Self>) {
        if let Some(d) = &self.durable {
            // Runs `flow.call_async` queues start at once, not at the next resume pass.
            let state = Arc::downgrade(self);
            d.on_queued(move || state.upgrade().into_iter().for_each(|s| s.queue.notify()));
        }
        crate::queue::start_dispatcher(self);
    }

    /// Stops starting queued runs when they are in the store (they stay queued for the next
    /// start; a queue in memory has none, so its runs go on starting), then waits until no run
    /// is in flight and nothing is left in a memory queue, or `grace` passes; true when all
    /// finished.
    pub async fn drain(&self, grace: Duration) -> bool {
        self.queue.close();
        let all = u32::try_from(self.limits.max_in_flight).unwrap_or(u32::MAX);
        let idle = async {
            loop {
                let Ok(permits) = self.runs.acquire_many(all).await else {
                    return;
                };
                if self.queue.is_closed() || self.queue.is_empty() {
                    return;
                }
                // The dispatcher waits for a run slot: give them back, look again shortly.
                drop(permits);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        };
        tokio::time::timeout(grace, idle).await.is_ok()
    }
}

/// Why `/readyz` answers 503.
#[derive(Debug, thiserror::Error)]
pub enum NotReady {
    /// The store does not answer or cannot commit (the probe key was refused).
    #[error("the store cannot commit: {0}")]
    Store(#[source] flow_store::StoreError),
    /// An event failed to commit within [`NOT_READY_AFTER_COMMIT_FAILURE`], with no success since.
    #[error("the store failed to commit the last event")]
    LastCommitFailed,
}
