//! Wake-ups for idle nodes: `LISTEN` on a connection of its own, woken by the `NOTIFY` that
//! every [`Store::enqueue`](crate::Store::enqueue) sends as it commits, so a node with free run
//! slots claims work another node accepted at once, not at its next poll.
//!
//! The connection is opened on the first wait and opened again after it drops; a wait that
//! (re)opens it answers "maybe" at once, since work may have been queued while nobody listened.
//! Notifications this store sent itself are skipped: its own node's dispatcher knew already.

use super::conn::{On, Target};
use crate::error::StoreError;
use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, NoTls};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The listening connection of one store.
pub(crate) struct Listener {
    config: postgres::Config,
    target: Arc<Target>,
    /// What this store's notifications carry (a random id), to skip them.
    pub me: String,
    /// None until the first wait, and after the connection dropped.
    client: Mutex<Option<Client>>,
}

impl Listener {
    /// A listener on `config`'s database; connects on the first [`Listener::wait`].
    pub fn new(config: postgres::Config, target: Arc<Target>) -> Listener {
        Listener {
            config,
            target,
            me: uuid::Uuid::new_v4().simple().to_string(),
            client: Mutex::new(None),
        }
    }

    /// Waits up to `timeout` for another store's enqueue: true when one committed (or may
    /// have: the connection was just opened), false when the time ran out. Blocks; a dropped
    /// connection is an error, and the next wait reconnects.
    pub fn wait(&self, timeout: Duration) -> Result<bool, StoreError> {
        let mut guard = self.client.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(client) = guard.as_mut() else {
            let mut client = self.config.connect(NoTls).on(&self.target)?;
            client
                .batch_execute(&format!("LISTEN {}", super::writes::CHANNEL))
                .on(&self.target)?;
            *guard = Some(client);
            return Ok(true);
        };
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let next = client.notifications().timeout_iter(left).next();
            match next {
                Ok(Some(note)) if note.payload() == self.me => {
                    if left.is_zero() {
                        return Ok(false);
                    }
                }
                Ok(Some(_)) => {
                    // One wake-up is enough for everything that arrived together.
                    while let Ok(Some(_)) = client.notifications().iter().next() {}
                    return Ok(true);
                }
                Err(e) => {
                    *guard = None;
                    return Err(self.target.error(&e));
                }
                // No notification in time, or the server went away.
                Ok(None) if client.is_closed() => {
                    *guard = None;
                    return Err(StoreError::Unavailable {
                        store: self.target.label.clone(),
                        detail: "the connection listening for queued work was closed".into(),
                    });
                }
                Ok(None) => return Ok(false),
            }
        }
    }

    /// The connection, to be closed by the caller (on a thread that may block).
    pub fn take(&self) -> Option<Client> {
        self.client
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }
}
