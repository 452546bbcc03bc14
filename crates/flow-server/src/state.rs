//! The server's shared state: what is served (swappable on reload), limits, the bound on runs
//! in flight, dedupe keys, metrics and the log.

use crate::dedupe::{DedupeStore, MemoryDedupe};
use crate::live::Live;
use crate::log::Logger;
use crate::metrics::Metrics;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::Semaphore;

/// Limits on requests.
#[derive(Debug, Clone)]
pub struct Limits {
    /// The largest body accepted (413 above).
    pub max_body: usize,
    /// Runs in flight before answering 503.
    pub max_in_flight: usize,
    /// Time to receive the body (408 after).
    pub body_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body: 1 << 20,
            max_in_flight: 256,
            body_timeout: Duration::from_secs(30),
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
    /// Dedupe keys, checked for servers without a store (with one, [`Durable::begin`]
    /// reserves a key in the transaction that commits the trigger).
    ///
    /// [`Durable::begin`]: crate::durable::Durable::begin
    pub dedupe: Arc<dyn DedupeStore>,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// The log.
    pub log: Logger,
    readiness: Option<Box<dyn Fn() -> Result<(), String> + Send + Sync>>,
    /// The store, when runs are durable.
    pub durable: Option<Arc<crate::durable::Durable>>,
}

impl ServerState {
    /// A state serving `live`.
    pub fn new(live: Live, limits: Limits, metrics: Arc<Metrics>, log: Logger) -> Self {
        ServerState {
            live: RwLock::new(Arc::new(live)),
            runs: Arc::new(Semaphore::new(limits.max_in_flight)),
            limits,
            dedupe: Arc::new(MemoryDedupe::default()),
            metrics,
            log,
            readiness: None,
            durable: None,
        }
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
    pub fn with_durable(mut self, durable: Arc<crate::durable::Durable>) -> Self {
        let store = durable.store().clone();
        self.readiness = Some(Box::new(move || store.health().map_err(|e| e.to_string())));
        self.durable = Some(durable);
        self
    }

    /// Whether the server can take runs: the readiness check (`/readyz`).
    pub fn ready(&self) -> Result<(), String> {
        match &self.readiness {
            Some(check) => check(),
            None => Ok(()),
        }
    }

    /// Adds a readiness check (the store answering).
    pub fn with_readiness(
        mut self,
        check: Box<dyn Fn() -> Result<(), String> + Send + Sync>,
    ) -> Self {
        self.readiness = Some(check);
        self
    }

    /// Waits until no run is in flight, or `grace` passes; true when all finished.
    pub async fn drain(&self, grace: Duration) -> bool {
        let all = u32::try_from(self.limits.max_in_flight).unwrap_or(u32::MAX);
        tokio::time::timeout(grace, self.runs.acquire_many(all))
            .await
            .is_ok()
    }
}
