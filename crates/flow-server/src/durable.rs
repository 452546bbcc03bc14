//! Durable runs: the trigger is committed (queued) before the caller is answered, the finished
//! steps a resume needs and finished helper runs are written as they finish, and runs left
//! unfinished by a crash are claimed and resumed — finished effect steps and finished list items
//! are not run again.
//!
//! [`Durable`] is an engine [`Observer`]: it hands events to a writer thread, so the engine never
//! waits on the disk. Only [`Durable::enqueue`] waits, because the event must be on disk before
//! the 2xx leaves.

use crate::log::Logger;
use flow_card::Effect;
use flow_runtime::{
    ExecutionRecord, Launch, Observer, ResponseRecord, Resume, RunError, RunEvent, RunInput,
    RunStatus, StepRecord, TriggerRequest, Waiting,
};
use flow_store::{Dedupe, NewRun, Store, StoredInput, Unfinished};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// How long a node's claim on its runs lasts without renewal.
pub const LEASE: Duration = Duration::from_secs(10);

enum Op {
    /// A run `flow.call_async` started, queued like an accepted event.
    Launch(Box<NewRun>),
    Step(String, usize, Box<StepRecord>),
    Child(String, String, Box<ExecutionRecord>),
    Response(String, ResponseRecord),
    Finish(Box<ExecutionRecord>),
    /// Answered once everything sent before it is committed (or failed to be).
    Flush(std::sync::mpsc::SyncSender<Result<(), flow_store::StoreError>>),
}

/// The store, as the server and the engine use it.
///
/// It writes what a run needs to resume and nothing more: the finished steps of cards that
/// read, write or call (the effects a resumed run must not repeat) and finished helper runs;
/// not the steps of pure cards (a resumed run computes them again from the same inputs) nor of
/// cards that answer or end the run (a resumed run always runs those again), and not an answer
/// already stored when its event was queued. A step's helper runs are written once, each as it
/// finishes, not again inside their step. The final record holds every step.
pub struct Durable {
    store: Arc<dyn Store>,
    /// This node's name in claims.
    pub owner: String,
    /// This node's root runs; true for those whose caller's answer is stored already.
    roots: Mutex<HashMap<String, bool>>,
    /// Card kinds whose finished steps are not written (pure, or answering / ending the run).
    not_saved: HashSet<&'static str>,
    tx: Mutex<Sender<Op>>,
    /// Called once a run `flow.call_async` started is queued (the server wakes its dispatcher).
    queued: Arc<OnceLock<QueuedHook>>,
}

/// What [`Durable::on_queued`] is given.
type QueuedHook = Box<dyn Fn() + Send + Sync>;

impl Durable {
    /// Starts the writer thread.
    pub fn new(store: Arc<dyn Store>, log: Logger) -> Arc<Durable> {
        let (tx, rx) = channel::<Op>();
        let writer = store.clone();
        let queued: Arc<OnceLock<QueuedHook>> = Arc::new(OnceLock::new());
        let hook = queued.clone();
        std::thread::Builder::new()
            .name("flowctl-store".into())
            .spawn(move || {
                let warn = |what: &str, e: flow_store::StoreError| {
                    // Not silent: the run goes on, and the operator sees what was not kept.
                    log.warn(
                        "store.write_failed",
                        &[
                            ("what", Value::String(what.into())),
                            ("error", Value::String(e.to_string())),
                        ],
                    );
                };
                // Nothing here waits for a commit: whatever has arrived is queued for the
                // store's next group commit, then one flush reports a failed commit.
                while let Ok(first) = rx.recv() {
                    let mut flushed = Vec::new();
                    for op in std::iter::once(first).chain(rx.try_iter()) {
                        let (what, result) = match op {
                            Op::Flush(ack) => {
                                flushed.push(ack);
                                continue;
                            }
                            Op::Launch(run) => {
                                let result = writer.enqueue(&run, None, None).map(|_| ());
                                if let (Ok(()), Some(wake)) = (&result, hook.get()) {
                                    wake();
                                }
                                ("helper run started by flow.call_async", result)
                            }
                            Op::Step(id, i, step) => ("step", writer.save_step(&id, i, &step)),
                            Op::Child(parent, step, child) => {
                                ("helper run", writer.save_child(&parent, &step, &child))
                            }
                            Op::Response(id, r) => ("response", writer.queue_response(&id, &r)),
                            Op::Finish(mut record) => {
                                // The trigger is stored once, as the run's input; the store
                                // puts it back into the record when it is read.
                                record.trigger = None;
                                ("finish", writer.queue_finish(&record))
                            }
                        };
                        if let Err(e) = result {
                            warn(what, e);
                        }
                    }
                    let result = writer.flush();
                    for ack in flushed {
                        // A caller that stopped waiting needs no answer.
                        let _ = ack.send(result.clone());
                    }
                    if let Err(e) = result {
                        warn("batch", e);
                    }
                }
            })
            .ok();
        let not_saved = flow_cards::registry()
            .cards()
            .iter()
            .filter(|c| matches!(c.effect, Effect::Pure | Effect::Responds))
            .map(|c| c.kind)
            .collect();
        Arc::new(Durable {
            store,
            owner: flow_runtime::new_execution_id(),
            roots: Mutex::new(HashMap::new()),
            not_saved,
            tx: Mutex::new(tx),
            queued,
        })
    }

    /// Calls `wake` each time a run `flow.call_async` started is committed to the queue (the
    /// server wakes its dispatcher, so the run starts at once rather than at the next resume
    /// pass). Set once; later calls are ignored.
    pub fn on_queued(&self, wake: impl Fn() + Send + Sync + 'static) {
        let _ = self.queued.set(Box::new(wake));
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    fn send(&self, op: Op) {
        let tx = self
            .tx
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let _ = tx.send(op);
    }

    /// Waits until every step, answer and final record handed to this store so far is
    /// committed; reports a failed commit. Blocks.
    pub fn flush(&self) -> Result<(), flow_store::StoreError> {
        let (ack, done) = std::sync::mpsc::sync_channel(1);
        self.send(Op::Flush(ack));
        done.recv().map_err(|_| flow_store::StoreError::Closed)?
    }

    /// Queues an accepted request (`Store::enqueue`), durably, before it is answered: resumable
    /// by any node, claimed by none until the dispatcher takes it. The dedupe key (when given)
    /// and `answer` (the answer sent at acceptance, when the flow gives one then) are stored in
    /// the same transaction: on [`Dedupe::Repeat`] or an error nothing was stored.
    pub fn enqueue(
        &self,
        execution_id: &str,
        flow: &str,
        input: StoredInput,
        save_data: bool,
        dedupe: Option<(&str, Duration)>,
        answer: Option<&ResponseRecord>,
    ) -> Result<Dedupe, flow_store::StoreError> {
        let run = NewRun {
            execution_id: execution_id.to_string(),
            flow: flow.to_string(),
            started_at: time::OffsetDateTime::now_utc()
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            input,
            save_data,
            resumable: true,
        };
        self.store.enqueue(&run, dedupe, answer)
    }

    /// Fires tick `tick_unix` of the scheduled flow `flow` (`Store::claim_tick`): queues its run,
    /// durably, unless another node (or this one) fired that tick or a later one already.
    pub fn fire_tick(
        &self,
        execution_id: &str,
        flow: &str,
        input: StoredInput,
        save_data: bool,
        tick_unix: i64,
        fire_if_first: bool,
    ) -> Result<flow_store::Tick, flow_store::StoreError> {
        let run = NewRun {
            execution_id: execution_id.to_string(),
            flow: flow.to_string(),
            started_at: time::OffsetDateTime::now_utc()
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            input,
            save_data,
            resumable: true,
        };
        self.store
            .claim_tick(&run, tick_unix.saturating_mul(1000), fire_if_first)
    }

    /// Ends a claimed run that cannot be resumed as failed, with an error of `kind` saying
    /// `message`: its record keeps what it had done, and no node claims it again.
    pub fn fail_unresumable(
        &self,
        run: &Unfinished,
        kind: &str,
        message: String,
    ) -> Result<(), flow_store::StoreError> {
        let mut record = self
            .store
            .get(&run.execution_id)?
            .ok_or_else(|| flow_store::StoreError::UnknownRun(run.execution_id.clone()))?;
        record.status = RunStatus::Failed;
        record.error = Some(RunError {
            step: String::new(),
            kind: kind.to_string(),
            message,
        });
        self.store.finish(&record)
    }

    /// Marks a run as one of this node's root runs, whose progress it writes; `answered`
    /// when its caller's answer is stored already (given at acceptance, or before a crash), so
    /// the answer the run gives again is not written again.
    pub fn adopt(&self, execution_id: &str, answered: bool) {
        self.roots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(execution_id.to_string(), answered);
    }

    /// Whether `id` is one of this node's root runs, and whether its answer is stored.
    fn root(&self, id: &str) -> Option<bool> {
        self.roots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(id)
            .copied()
    }

    fn is_root(&self, id: &str) -> bool {
        self.root(id).is_some()
    }

    /// The input and progress of a claimed run, ready to run again.
    pub fn resumable(
        &self,
        run: &Unfinished,
    ) -> Result<(RunInput, Resume), flow_store::StoreError> {
        let progress = self.store.progress(&run.execution_id)?;
        let input = match &run.input {
            StoredInput::Request {
                method,
                body,
                headers,
                query,
            } => RunInput::Request(TriggerRequest {
                method: method.clone(),
                body: body.clone(),
                headers: headers.clone(),
                query: query.clone(),
            }),
            StoredInput::Inputs(v) => RunInput::Inputs(v.clone()),
        };
        let mut steps = progress.steps;
        let mut children = progress.children;
        let waits = crate::timers::take_waits(&mut children);
        with_saved_children(&mut steps, &children);
        let resume = Resume {
            steps: steps.into_values().map(|s| (s.id.to_string(), s)).collect(),
            children,
            responded: run.responded || progress.response.is_some(),
            waits,
        };
        Ok((input, resume))
    }
}

/// A finished step as written for a resume: without its helper runs when every one of them is
/// written as a helper run of its own already (each finished helper run of a root run is, before
/// its step finishes), so they are neither copied, serialised nor stored a second time.
/// [`with_saved_children`] puts them back when the run resumes. A step that left helper runs
/// out of its record (`children_omitted`), or holds two under one item index (a row per index
/// keeps only the last), is written as it is.
fn without_saved_children(step: &StepRecord) -> StepRecord {
    let mut indexes: Vec<usize> = step.children.iter().map(|c| c.index.unwrap_or(0)).collect();
    indexes.sort_unstable();
    indexes.dedup();
    if step.children.is_empty()
        || step.children_omitted.is_some()
        || indexes.len() != step.children.len()
    {
        return step.clone();
    }
    StepRecord {
        id: step.id.clone(),
        card: step.card.clone(),
        status: step.status,
        attempts: step.attempts,
        started_ms: step.started_ms,
        duration_ms: step.duration_ms,
        input: step.input.clone(),
        output: step.output.clone(),
        error: step.error.clone(),
        retries: step.retries.clone(),
        reason: step.reason.clone(),
        http: step.http.clone(),
        children: Vec::new(),
        children_omitted: None,
    }
}

/// Gives every saved step without helper runs those saved under its id, in item order (the
/// reverse of [`without_saved_children`]).
fn with_saved_children(
    steps: &mut std::collections::BTreeMap<usize, StepRecord>,
    children: &HashMap<(String, usize), ExecutionRecord>,
) {
    if children.is_empty() {
        return;
    }
    for step in steps.values_mut() {
        if !step.children.is_empty() || step.children_omitted.is_some() {
            continue;
        }
        let mut mine: Vec<(usize, &ExecutionRecord)> = children
            .iter()
            .filter(|((id, _), _)| **id == *step.id)
            .map(|((_, index), child)| (*index, child))
            .collect();
        mine.sort_by_key(|(index, _)| *index);
        step.children = mine.into_iter().map(|(_, c)| c.clone()).collect();
    }
}

/// A request as stored: secret headers and query parameters already masked.
pub fn stored_input(req: &TriggerRequest) -> StoredInput {
    StoredInput::Request {
        method: req.method.clone(),
        body: req.body.clone(),
        headers: flow_runtime::mask_headers(&req.headers),
        query: flow_runtime::mask_headers(&req.query),
    }
}

impl Observer for Durable {
    /// Queues the run in the store (through the writer thread, before the step that started it
    /// is written: a resumed parent that sees its step finished finds the run queued), to be
    /// claimed like an accepted event by any node.
    fn launch(&self, run: &Launch<'_>) -> bool {
        self.send(Op::Launch(Box::new(NewRun {
            execution_id: run.execution_id.to_string(),
            flow: run.flow.to_string(),
            started_at: time::OffsetDateTime::now_utc()
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            input: StoredInput::Inputs(run.inputs.clone()),
            save_data: run.save_data,
            resumable: true,
        })));
        true
    }

    fn waiting(&self, wait: &Waiting<'_>) {
        if self.is_root(wait.execution_id) {
            self.send(Op::Child(
                wait.execution_id.to_string(),
                wait.step.to_string(),
                Box::new(crate::timers::wait_mark(wait.until_ms)),
            ));
        }
    }

    fn event(&self, event: &RunEvent<'_>) {
        match event {
            RunEvent::StepFinished {
                execution_id,
                index,
                step,
                parent: None,
                ..
            } if self.is_root(execution_id) && !self.not_saved.contains(&*step.card) => {
                self.send(Op::Step(
                    execution_id.to_string(),
                    *index,
                    Box::new(without_saved_children(step)),
                ));
            }
            RunEvent::RunFinished {
                record,
                parent: Some(p),
            } if self.is_root(p.execution_id) => {
                self.send(Op::Child(
                    p.execution_id.to_string(),
                    p.step.to_string(),
                    Box::new((*record).clone()),
                ));
            }
            RunEvent::Responded {
                execution_id,
                response,
            } if self.root(execution_id) == Some(false) => {
                self.send(Op::Response(execution_id.to_string(), (*response).clone()));
            }
            RunEvent::RunFinished {
                record,
                parent: None,
            } if self.is_root(&record.execution_id) => {
                self.roots
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .remove(&record.execution_id);
                self.send(Op::Finish(Box::new((*record).clone())));
            }
            _ => {}
        }
    }
}

/// Claims runs that no live node holds (left by a crash or a stop), resumes them, and renews this
/// node's leases; every two seconds until the server stops.
///
/// Only runs a server accepted are claimed: runs of `flowctl run` on the same store belong to
/// their own process. Those whose process stopped (their lease ran out) are ended here as
/// failed (interrupted), never run again.
pub async fn resume_loop(state: Arc<crate::state::ServerState>, durable: Arc<Durable>) {
    loop {
        resume_tick(&state, &durable).await;
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

/// One pass of [`resume_loop`]: ends interrupted runs of other processes, renews this node's
/// leases, claims the runs no live node holds and resumes them (or ends those of flows no longer
/// in the project). Returns once every claimed run has been started or ended.
pub async fn resume_tick(state: &Arc<crate::state::ServerState>, durable: &Arc<Durable>) {
    let d = durable.clone();
    let tick = tokio::task::spawn_blocking(move || {
        let interrupted = d.store.fail_abandoned();
        let claimed = d
            .store
            .renew(&d.owner, LEASE)
            .and_then(|()| d.store.claim_unfinished(&d.owner, LEASE));
        (interrupted, claimed)
    })
    .await;
    if let Ok((interrupted, claimed)) = tick {
        match interrupted {
            Ok(0) => {}
            Ok(n) => state
                .log
                .warn("runs.interrupted", &[("count", serde_json::json!(n))]),
            Err(e) => state.log.warn(
                "store.interrupt_failed",
                &[("error", Value::String(e.to_string()))],
            ),
        }
        // Runs queued by another node on a shared store, or left queued by a failed claim.
        state.queue.notify();
        match claimed {
            Ok(runs) => {
                for run in runs {
                    resume_one(state, durable, run).await;
                }
            }
            Err(e) => state.log.warn(
                "store.claim_failed",
                &[("error", Value::String(e.to_string()))],
            ),
        }
    }
}

async fn resume_one(
    state: &Arc<crate::state::ServerState>,
    durable: &Arc<Durable>,
    run: Unfinished,
) {
    let live = state.live();
    let Some(&flow) = live.engine.project().by_name.get(&run.flow) else {
        // Left claimed, it would stay running forever, its lease renewed by this node: end it.
        let message = format!(
            "flow `{}` is no longer in the project; the run cannot resume",
            run.flow
        );
        let (d, r) = (durable.clone(), run.clone());
        let ended =
            tokio::task::spawn_blocking(move || d.fail_unresumable(&r, "unknown_flow", message))
                .await;
        let mut fields = vec![
            ("flow", Value::String(run.flow.clone())),
            ("execution_id", Value::String(run.execution_id.clone())),
        ];
        match ended {
            Ok(Ok(())) => fields.push(("ended", Value::String("failed".into()))),
            Ok(Err(e)) => fields.push(("error", Value::String(e.to_string()))),
            Err(e) => fields.push(("error", Value::String(e.to_string()))),
        }
        state.log.warn("resume.unknown_flow", &fields);
        return;
    };
    let d = durable.clone();
    let r = run.clone();
    let Ok(Ok((input, resume))) = tokio::task::spawn_blocking(move || d.resumable(&r)).await else {
        state.log.warn(
            "resume.failed",
            &[("execution_id", Value::String(run.execution_id.clone()))],
        );
        return;
    };
    // Resumed runs count against the bound on runs in flight like new ones.
    let Ok(permit) = state.runs.clone().acquire_owned().await else {
        return;
    };
    durable.adopt(&run.execution_id, resume.responded);
    state.log.info(
        "run.resumed",
        &[
            ("flow", Value::String(run.flow.clone())),
            ("execution_id", Value::String(run.execution_id.clone())),
            ("steps_done", serde_json::json!(resume.steps.len())),
        ],
    );
    // As when it was accepted: with `accept: json`, the body is `trigger.json`.
    let trigger = crate::queue::trigger_of(&live, &run.flow, &input);
    let engine = live.engine.clone();
    let st = state.clone();
    st.metrics.in_flight(1);
    tokio::spawn(async move {
        let opts = flow_runtime::RunOptions {
            trigger,
            execution_id: Some(run.execution_id),
            responder: None,
            resume: Some(resume),
        };
        let record = engine.run(flow, input, opts).await;
        st.metrics.in_flight(-1);
        st.log.info(
            "run.finished",
            &[
                ("flow", Value::String(record.flow.to_string())),
                ("execution_id", Value::String(record.execution_id.clone())),
                ("status", Value::String(record.status.as_str().into())),
            ],
        );
        drop(permit);
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use flow_store::SqliteStore;
    use serde_json::json;

    fn child(id: &str, index: usize) -> ExecutionRecord {
        serde_json::from_value(json!({
            "execution_id": id, "flow": "helper", "status": "succeeded",
            "started_at": "2026-01-01T00:00:00Z", "duration_ms": 1.0, "index": index,
            "inputs": { "email": id }, "steps": [], "output": { "login": id }, "error": null
        }))
        .unwrap()
    }

    fn dispatch(children: Vec<ExecutionRecord>) -> StepRecord {
        let mut step: StepRecord = serde_json::from_value(json!({
            "id": "dispatch", "card": "list.for_each", "status": "succeeded", "attempts": 1,
            "started_ms": 0.0, "duration_ms": 3.0, "output": [1, 2]
        }))
        .unwrap();
        step.children = children;
        step
    }

    /// The step row holds no copy of the helper runs already stored as rows of their own, and
    /// the resumed run gets the step back whole, its helper runs in item order.
    #[test]
    fn helper_runs_are_stored_once_and_resume_with_their_step() {
        let store = SqliteStore::open_in_memory().unwrap();
        let run = NewRun {
            execution_id: "run-1".into(),
            flow: "main".into(),
            started_at: "2026-01-01T00:00:00Z".into(),
            input: StoredInput::Inputs(json!({})),
            save_data: true,
            resumable: true,
        };
        store.begin(&run).unwrap();
        let (a, b) = (child("child-a", 0), child("child-b", 1));
        // As the writer thread gets them: the helper runs first, then their step.
        store.save_child("run-1", "dispatch", &b).unwrap();
        store.save_child("run-1", "dispatch", &a).unwrap();
        let whole = dispatch(vec![a, b]);
        store
            .save_step("run-1", 0, &without_saved_children(&whole))
            .unwrap();
        store.flush().unwrap();

        let progress = store.progress("run-1").unwrap();
        assert!(progress.steps[&0].children.is_empty(), "stored twice");
        let mut steps = progress.steps;
        with_saved_children(&mut steps, &progress.children);
        let ids: Vec<&str> = steps[&0]
            .children
            .iter()
            .map(|c| c.execution_id.as_str())
            .collect();
        assert_eq!(ids, ["child-a", "child-b"]);
        assert_eq!(
            serde_json::to_value(&steps[&0]).unwrap(),
            serde_json::to_value(&whole).unwrap()
        );
    }

    /// A step that left helper runs out of its record, or holds two under one index, keeps them.
    #[test]
    fn a_step_with_omitted_helper_runs_is_stored_as_it_is() {
        let mut step = dispatch(vec![child("child-a", 0)]);
        step.children_omitted = Some(flow_runtime::OmittedRuns {
            succeeded: 5,
            ..Default::default()
        });
        assert_eq!(without_saved_children(&step).children.len(), 1);
        assert!(
            without_saved_children(&dispatch(Vec::new()))
                .children
                .is_empty()
        );
        // Two helper runs under one index (one row would hold only the last): kept.
        let twice = dispatch(vec![child("child-a", 0), child("child-b", 0)]);
        assert_eq!(without_saved_children(&twice).children.len(), 2);
    }
}
