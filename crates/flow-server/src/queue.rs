//! Accept, then queue: an accepted event is queued and answered; the dispatcher starts queued
//! runs in arrival order as run slots (`max_in_flight`) free up.
//!
//! With a store the queue is the store's (`Store::enqueue`, `Store::claim`): a backlog costs
//! disk, not memory, and survives a crash or a restart; the answer given at acceptance is
//! committed with the run. Without one it is a bounded queue in memory with the same order and
//! bound, lost on a crash by definition. `max_queue` bounds the backlog this node counts
//! (the runs it queued, plus those it found queued when it opened the store): a [`Place`] is
//! taken before an event is stored and given back unless the event was kept, so nothing is
//! accepted that is not kept and nothing is kept past the bound.
//!
//! A caller that waits for its run's answer (a flow that does not answer at acceptance, see
//! [`crate::close`]) leaves a one-shot sender here under the run's id; the run gets it when it
//! starts. A run claimed from the store starts from its stored input — secret headers and query
//! parameters read `***`, exactly as after a restart.

use crate::durable::{Durable, LEASE};
use crate::state::ServerState;
use flow_runtime::{ResponseRecord, Resume, RunInput, RunOptions, TriggerRequest};
use flow_store::{QueueDepth, StoredInput, Unfinished};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, OwnedSemaphorePermit, oneshot};

/// The most runs one claim takes (each needs a free run slot).
const CLAIM_BATCH: usize = 64;

/// How long the dispatcher waits before trying the store again after a failed claim.
const CLAIM_RETRY: Duration = Duration::from_secs(1);

/// A run about to start: what was queued.
pub(crate) struct Job {
    /// The run's id.
    pub execution_id: String,
    /// The flow's name.
    pub flow: String,
    /// What started it.
    pub input: RunInput,
    /// `trigger` as the flow sees it, when already built.
    pub trigger: Option<Arc<Value>>,
    /// Its caller was answered at acceptance.
    pub responded: bool,
}

/// An event queued in memory.
struct Queued {
    job: Job,
    at: Instant,
}

/// The queue of accepted runs, with the callers waiting for their answers.
pub struct RunQueue {
    durable: Option<Arc<Durable>>,
    memory: Mutex<VecDeque<Queued>>,
    /// Queued runs, and places taken for events being stored.
    depth: AtomicUsize,
    max: usize,
    wake: Notify,
    closed: AtomicBool,
    dispatching: AtomicBool,
    waiters: Mutex<HashMap<String, oneshot::Sender<ResponseRecord>>>,
}

/// A place in the queue for one event, taken before it is stored: given back when dropped,
/// unless [`Place::keep`] says the event was kept.
pub(crate) struct Place<'a> {
    queue: &'a RunQueue,
    kept: bool,
}

impl Place<'_> {
    /// The event is queued: its place stays taken until its run is claimed.
    pub(crate) fn keep(mut self) {
        self.kept = true;
    }
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        if !self.kept {
            self.queue.release(1);
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl RunQueue {
    /// A queue of at most `max` runs: in `durable`'s store when given (counting the runs
    /// already queued there), else in memory.
    pub fn new(max: usize, durable: Option<Arc<Durable>>) -> RunQueue {
        // On a thread of its own: the state is built inside the server's runtime, where a
        // store whose client blocks on a runtime of its own (PostgreSQL's) must not block.
        let found = durable
            .as_ref()
            .and_then(|d| {
                std::thread::scope(|s| s.spawn(|| d.store().queue_depth().ok()).join())
                    .ok()
                    .flatten()
            })
            .map_or(0, |flows| flows.iter().map(|f| f.depth).sum::<u64>());
        RunQueue {
            durable,
            memory: Mutex::new(VecDeque::new()),
            depth: AtomicUsize::new(usize::try_from(found).unwrap_or(usize::MAX)),
            max,
            wake: Notify::new(),
            closed: AtomicBool::new(false),
            dispatching: AtomicBool::new(false),
            waiters: Mutex::new(HashMap::new()),
        }
    }

    /// The bound on queued runs.
    pub fn max(&self) -> usize {
        self.max
    }

    /// Runs queued now (with places taken for events being stored).
    pub fn len(&self) -> usize {
        self.depth.load(Ordering::SeqCst)
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Takes a place for one event; `None` when the queue is full.
    pub(crate) fn reserve(&self) -> Option<Place<'_>> {
        self.depth
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |d| {
                (d < self.max).then_some(d + 1)
            })
            .ok()
            .map(|_| Place {
                queue: self,
                kept: false,
            })
    }

    fn release(&self, n: usize) {
        // Claims may take runs this node did not count (another node's, on a shared store).
        let _ = self
            .depth
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |d| {
                Some(d.saturating_sub(n))
            });
    }

    /// Queues a run in memory (a server without a store).
    pub(crate) fn push(&self, job: Job) {
        lock(&self.memory).push_back(Queued {
            job,
            at: Instant::now(),
        });
        self.wake.notify_one();
    }

    /// Tells the dispatcher that something was queued (in the store).
    pub(crate) fn notify(&self) {
        self.wake.notify_one();
    }

    /// Leaves `tx` to get the answer of run `id` when it starts.
    pub(crate) fn wait_for(&self, id: &str, tx: oneshot::Sender<ResponseRecord>) {
        lock(&self.waiters).insert(id.to_string(), tx);
    }

    /// Nobody waits for run `id` any more.
    pub(crate) fn forget(&self, id: &str) {
        lock(&self.waiters).remove(id);
    }

    fn waiter(&self, id: &str) -> Option<oneshot::Sender<ResponseRecord>> {
        lock(&self.waiters).remove(id)
    }

    /// The server is stopping. A queue in the store stops starting runs: what is queued stays
    /// queued for the next start, and callers still waiting for a queued run are let go (they
    /// answer 504 with its id). A queue in memory has no next start: its runs go on starting,
    /// within the grace period ([`ServerState::drain`]).
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        if self.durable.is_some() {
            lock(&self.waiters).clear();
        }
        self.wake.notify_one();
    }

    /// Whether the queue was closed and starts no more runs.
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst) && self.durable.is_some()
    }

    /// The backlog per flow, by name: from the store, or counted in memory.
    pub async fn depth(&self) -> Result<Vec<QueueDepth>, flow_store::StoreError> {
        if let Some(d) = &self.durable {
            let store = d.store().clone();
            return tokio::task::spawn_blocking(move || store.queue_depth())
                .await
                .unwrap_or_else(|e| Err(flow_store::StoreError::Database(e.to_string())));
        }
        let now = Instant::now();
        let mut flows: BTreeMap<String, QueueDepth> = BTreeMap::new();
        for q in lock(&self.memory).iter() {
            let age =
                u64::try_from(now.saturating_duration_since(q.at).as_millis()).unwrap_or(u64::MAX);
            let entry = flows
                .entry(q.job.flow.clone())
                .or_insert_with(|| QueueDepth {
                    flow: q.job.flow.clone(),
                    depth: 0,
                    oldest_age_ms: age,
                });
            entry.depth += 1;
            entry.oldest_age_ms = entry.oldest_age_ms.max(age);
        }
        Ok(flows.into_values().collect())
    }

    /// Takes up to `n` runs, oldest first.
    async fn take(&self, n: usize) -> Result<Vec<Job>, flow_store::StoreError> {
        let jobs = match &self.durable {
            None => {
                let mut memory = lock(&self.memory);
                let k = n.min(memory.len());
                memory.drain(..k).map(|q| q.job).collect()
            }
            Some(d) => {
                let d = d.clone();
                let claimed =
                    tokio::task::spawn_blocking(move || d.store().claim(n, &d.owner, LEASE))
                        .await
                        .unwrap_or_else(|e| Err(flow_store::StoreError::Database(e.to_string())))?;
                claimed.into_iter().map(job_of).collect::<Vec<_>>()
            }
        };
        self.release(jobs.len());
        Ok(jobs)
    }
}

/// A run claimed from the store, ready to start.
fn job_of(run: Unfinished) -> Job {
    let input = match run.input {
        StoredInput::Request {
            method,
            body,
            headers,
            query,
        } => RunInput::Request(TriggerRequest {
            method,
            body,
            headers,
            query,
        }),
        StoredInput::Inputs(v) => RunInput::Inputs(v),
    };
    Job {
        execution_id: run.execution_id,
        flow: run.flow,
        input,
        trigger: None,
        responded: run.responded,
    }
}

/// Starts the dispatcher of `state`'s queue, once, and with a store its waker.
pub(crate) fn start_dispatcher(state: &Arc<ServerState>) {
    if state.queue.dispatching.swap(true, Ordering::SeqCst) {
        return;
    }
    tokio::spawn(dispatch(state.clone()));
    start_waker(state);
}

/// How long the waker waits for other nodes' work at a time (then checks the server runs).
const WAKE_WAIT: Duration = Duration::from_secs(1);

/// Wakes the dispatcher when another node queued work on the shared store
/// (`Store::wait_for_work`: PostgreSQL's `LISTEN/NOTIFY`), so an idle node claims it at once
/// rather than at the next resume pass. On a thread of its own: the wait blocks. It stops once
/// the queue is closed or the server is gone.
fn start_waker(state: &Arc<ServerState>) {
    let Some(durable) = state.durable.clone() else {
        return;
    };
    let server = Arc::downgrade(state);
    let waker = move || {
        loop {
            let woken = durable.store().wait_for_work(WAKE_WAIT);
            let Some(state) = server.upgrade() else {
                return;
            };
            if state.queue.is_closed() {
                return;
            }
            match woken {
                Ok(true) => state.queue.notify(),
                Ok(false) => {}
                Err(e) => {
                    state.log.warn(
                        "store.listen_failed",
                        &[("error", Value::String(e.to_string()))],
                    );
                    drop(state);
                    std::thread::sleep(CLAIM_RETRY);
                }
            }
        }
    };
    // Without it the node still claims others' work, at its resume pass (every 2 s).
    let _ = std::thread::Builder::new()
        .name("flowctl-wake".into())
        .spawn(waker);
}

/// Starts queued runs as run slots free up, oldest first, until the queue is closed.
async fn dispatch(state: Arc<ServerState>) {
    let queue = &state.queue;
    loop {
        let Ok(first) = state.runs.clone().acquire_owned().await else {
            return;
        };
        if queue.is_closed() {
            return;
        }
        let mut permits = vec![first];
        while permits.len() < CLAIM_BATCH {
            match state.runs.clone().try_acquire_owned() {
                Ok(p) => permits.push(p),
                Err(_) => break,
            }
        }
        match queue.take(permits.len()).await {
            Ok(jobs) if jobs.is_empty() => {
                drop(permits);
                queue.wake.notified().await;
            }
            Ok(jobs) => {
                for (job, permit) in jobs.into_iter().zip(permits.drain(..)) {
                    start(&state, job, permit).await;
                }
            }
            Err(e) => {
                drop(permits);
                state.log.warn(
                    "store.claim_failed",
                    &[("error", Value::String(e.to_string()))],
                );
                let _ = tokio::time::timeout(CLAIM_RETRY, queue.wake.notified()).await;
            }
        }
    }
}

/// `trigger` for a request run of `flow`: for an endpoint with `accept: json`, the body is
/// `trigger.json` whatever the content type says, as when it was accepted.
pub(crate) fn trigger_of(
    live: &crate::live::Live,
    flow: &str,
    input: &RunInput,
) -> Option<Arc<Value>> {
    let RunInput::Request(req) = input else {
        return None;
    };
    let accept_json = live
        .endpoints
        .values()
        .any(|ep| ep.name == flow && ep.accept_json);
    accept_json.then(|| Arc::new(req.to_value_accepting_json()))
}

/// Runs a job on its own task, holding `permit` until it ends; returns once the run has started.
async fn start(state: &Arc<ServerState>, job: Job, permit: OwnedSemaphorePermit) {
    let live = state.live();
    let Some(&flow) = live.engine.project().by_name.get(&job.flow) else {
        // Reloaded away while queued.
        let message = format!(
            "flow `{}` is no longer in the project; the queued run cannot start",
            job.flow
        );
        let mut fields = vec![
            ("flow", Value::String(job.flow.clone())),
            ("execution_id", Value::String(job.execution_id.clone())),
        ];
        if let Some(d) = state.durable.clone() {
            let run = Unfinished {
                execution_id: job.execution_id.clone(),
                flow: job.flow.clone(),
                started_at: String::new(),
                input: StoredInput::Inputs(Value::Null),
                responded: job.responded,
            };
            let ended = tokio::task::spawn_blocking(move || {
                d.fail_unresumable(&run, "unknown_flow", message)
            })
            .await;
            if let Ok(Err(e)) = ended {
                fields.push(("error", Value::String(e.to_string())));
            }
        }
        state.queue.forget(&job.execution_id);
        state.log.warn("queue.unknown_flow", &fields);
        return;
    };
    if let Some(d) = &state.durable {
        d.adopt(&job.execution_id, job.responded);
    }
    let responder = state.queue.waiter(&job.execution_id);
    let trigger = job
        .trigger
        .or_else(|| trigger_of(&live, &job.flow, &job.input));
    let opts = RunOptions {
        execution_id: Some(job.execution_id),
        // A caller answered at acceptance is not answered again; the store keeps that answer.
        responder: if job.responded { None } else { responder },
        resume: job.responded.then(|| Resume {
            responded: true,
            ..Resume::default()
        }),
        trigger,
    };
    let engine = live.engine.clone();
    let st = state.clone();
    st.metrics.in_flight(1);
    let input = job.input;
    let (started, has_started) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let mut run = std::pin::pin!(engine.run(flow, input, opts));
        let mut started = Some(started);
        let record = std::future::poll_fn(|cx| {
            let polled = run.as_mut().poll(cx);
            // Polled once, the run has started: the engine says so before it first waits.
            if let Some(tx) = started.take() {
                let _ = tx.send(());
            }
            polled
        })
        .await;
        st.metrics.in_flight(-1);
        st.log.info(
            "run.finished",
            &[
                ("flow", Value::String(record.flow.to_string())),
                ("execution_id", Value::String(record.execution_id.clone())),
                ("status", Value::String(record.status.as_str().to_string())),
                ("duration_ms", json!(record.duration_ms)),
            ],
        );
        drop(permit);
    });
    // The next run is started only once this one has: runs start in the order they were
    // queued, though tasks spawned together may be polled in any order.
    let _ = has_started.await;
}
