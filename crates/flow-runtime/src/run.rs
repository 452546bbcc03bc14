//! One run of a plan, as state: what it started from ([`RunStart`]), what its running steps read
//! ([`RunCx`]), and what the scheduler loop changes as steps finish ([`RunState`]): the step
//! records, the [`Schedule`], the answer to the caller and how the run ends. The loop itself is
//! [`crate::Engine`]'s `run_plan`; running one step is its `exec_step`.
//!
//! Okta's order is kept here and in the plan's graph: an end (a failure, `flow.continue_if`
//! stopping, a return) takes effect once every step written above it finished, so the run ends
//! as the first step *written* that ends it, however the steps raced.

use crate::block::{self, Caught};
use crate::engine::{Engine, ms, now_rfc3339};
use crate::events::{Parent, RunEvent};
use crate::mask::{mask_response, mask_run, mask_step};
use crate::record::{ExecutionRecord, ResponseRecord, RunError, RunStatus, StepRecord, StepStatus};
use crate::scope::RunScope;
use crate::{Resume, engine::count_run};
use flow_card::card::{Response, ResponseBody};
use flow_card::limits::{format_size, json_size_within};
use flow_card::{CardError, ErrorKind, FlowTarget, Signal};
use flow_compile::{Plan, Schedule, TriggerPlan};
use flow_model::OnError;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use tokio::sync::oneshot;
use tokio::time::Instant;

/// What a run starts from.
pub(crate) struct RunStart<'a> {
    /// `trigger` in templates (null for helper runs).
    pub trigger: Arc<Value>,
    /// `inputs` in templates (null for endpoint runs).
    pub inputs: Arc<Value>,
    /// The trigger as recorded.
    pub trigger_record: Option<Value>,
    /// The execution id.
    pub execution_id: String,
    /// The item position, for a helper run of a list step.
    pub index: Option<usize>,
    /// The calling run and step, for a helper run.
    pub parent: Option<Parent<'a>>,
    /// Gets the caller's answer as soon as it is known.
    pub responder: Option<oneshot::Sender<ResponseRecord>>,
    /// Finished steps to reuse.
    pub resume: Option<Resume>,
}

/// What the steps of a run read while they run; fixed for the run.
pub(crate) struct RunCx {
    pub scope: RunScope,
    pub execution_id: String,
    pub started: Instant,
    /// Helper runs that finished before a restart, by (step id, item index).
    pub reusable_children: HashMap<(String, usize), ExecutionRecord>,
    /// Wake-up times of `flow.wait` steps kept from before a restart, by step id.
    pub waits: HashMap<String, i64>,
    /// Runs `flow.call_async` started that no observer took, for the run to start beside its
    /// steps.
    pub launched: Mutex<Vec<Launched>>,
}

impl RunCx {
    /// The runs started since the last look.
    pub fn take_launched(&self) -> Vec<Launched> {
        std::mem::take(&mut *self.launched.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// A run `flow.call_async` started, waiting to be run by its parent's run.
pub(crate) struct Launched {
    /// The helper flow.
    pub target: FlowTarget,
    /// Its inputs.
    pub inputs: Value,
    /// Its execution id, already given to the step as `run_id`.
    pub execution_id: String,
    /// The step that started it.
    pub step: Arc<str>,
    /// That step's number.
    pub step_index: usize,
}

/// How a run ends, once decided.
enum End {
    Return(Arc<Value>),
    Fail {
        step: String,
        error: CardError,
        status: u16,
    },
    Stop,
}

/// What finishing a step gives the scheduler.
pub(crate) struct StepDone {
    pub index: usize,
    pub record: StepRecord,
    pub output: Arc<Value>,
    pub signal: Option<Signal>,
    /// Taken from a resumed run's progress, not run now.
    pub reused: bool,
    /// Set when the step failed and its `on_error` is `fail`.
    pub failure: Option<CardError>,
}

/// What changes as a run's steps finish.
pub(crate) struct RunState<'a> {
    engine: &'a Engine,
    plan: &'a Plan,
    parent: Option<Parent<'a>>,
    index: Option<usize>,
    started_at: String,
    endpoint: bool,
    trigger_record: Option<Value>,
    inputs: Arc<Value>,
    /// Which steps are ready, and which end of the run has settled.
    schedule: Schedule<'a>,
    records: Vec<StepRecord>,
    /// Bytes of JSON the steps' records take so far (`limits.max_record`).
    record_bytes: u64,
    responder: Option<oneshot::Sender<ResponseRecord>>,
    response: Option<ResponseRecord>,
    /// Decided: nothing more starts.
    end: Option<End>,
    /// Steps that ended the run before every step above them finished: their ends wait.
    pending_ends: Vec<(usize, End)>,
    /// Finished step records of a resumed run, by step id.
    reusable: HashMap<String, StepRecord>,
    /// The errors the try blocks caught.
    caught: Caught,
}

impl<'a> RunState<'a> {
    /// The state and the context of a run that starts now; emits `RunStarted`.
    pub fn start(engine: &'a Engine, plan: &'a Plan, start: RunStart<'a>) -> (Self, RunCx) {
        let started = Instant::now();
        let started_at = now_rfc3339();
        engine.emit(RunEvent::RunStarted {
            execution_id: &start.execution_id,
            flow: &plan.name,
            parent: start.parent,
        });
        let limits = engine.project().config.limits;
        let n = plan.steps.len();
        let scope = RunScope {
            trigger: start.trigger,
            inputs: start.inputs.clone(),
            execution: json!({ "id": start.execution_id, "flow": plan.name, "started_at": started_at }),
            outputs: (0..n).map(|_| OnceLock::new()).collect(),
            max_text: usize::try_from(limits.max_value).unwrap_or(usize::MAX),
        };
        let Resume {
            steps: reusable,
            children: reusable_children,
            responded,
            waits,
        } = start.resume.unwrap_or_default();
        let state = RunState {
            engine,
            plan,
            parent: start.parent,
            index: start.index,
            started_at,
            endpoint: matches!(plan.trigger, TriggerPlan::ApiEndpoint(_)),
            trigger_record: start.trigger_record,
            inputs: start.inputs,
            schedule: Schedule::new(&plan.deps, &plan.dependents),
            records: plan
                .steps
                .iter()
                .map(|s| StepRecord::pending(&s.id, &s.kind))
                .collect(),
            record_bytes: 0,
            responder: if responded { None } else { start.responder },
            response: None,
            end: None,
            pending_ends: Vec::new(),
            reusable,
            caught: Caught::new(plan.blocks.len()),
        };
        let cx = RunCx {
            scope,
            execution_id: start.execution_id,
            started,
            reusable_children,
            waits,
            launched: Mutex::new(Vec::new()),
        };
        (state, cx)
    }

    /// The ready step written first, to start now; none once the run's end is decided.
    pub fn next_ready(&mut self) -> Option<usize> {
        if self.end.is_some() {
            return None;
        }
        self.schedule.next_ready()
    }

    /// Step `i` done without running its card: reused from the resumed run, skipped because
    /// of the blocks around it, or a step a block generates (worked out here). `None`: run it.
    pub fn settle_now(&mut self, i: usize, cx: &RunCx) -> Option<StepDone> {
        let step = &self.plan.steps[i];
        if step.gate.is_none() && step.catcher.is_none() && step.block.is_none() {
            return self.reuse(i);
        }
        let mut rec = StepRecord::pending(&step.id, &step.kind);
        rec.started_ms = ms(cx.started);
        let done = |record, output, failure| {
            Some(StepDone {
                index: i,
                record,
                output,
                signal: None,
                failure,
                reused: false,
            })
        };
        // Before reusing a resumed record: this run's branch decides which arm runs.
        if let Some(reason) = block::closed(self.plan, i, &cx.scope, &self.caught) {
            rec.status = StepStatus::Skipped;
            rec.reason = Some(reason);
            return done(rec, Arc::new(Value::Null), None);
        }
        let Some(kind) = &step.block else {
            return self.reuse(i);
        };
        match block::evaluate(self.plan, kind, &cx.scope, &self.caught) {
            Ok(Value::Null) => {
                // A catch guard with nothing caught.
                rec.status = StepStatus::Skipped;
                rec.reason = Some("nothing failed".into());
                done(rec, Arc::new(Value::Null), None)
            }
            Ok(v) => {
                let output = Arc::new(v);
                rec.status = StepStatus::Succeeded;
                rec.output = Some(output.clone());
                done(rec, output, None)
            }
            Err(e) => {
                rec.status = StepStatus::Failed;
                rec.error = Some(Box::new(e.to_json()));
                done(rec, Arc::new(Value::Null), Some(e))
            }
        }
    }

    /// The finished record of step `i` from the resumed run, when it can be reused. Steps that
    /// answer or end the run run again: they touch nothing outside, and their signal (return,
    /// fail, stop) must take effect again.
    fn reuse(&mut self, i: usize) -> Option<StepDone> {
        let step = &self.plan.steps[i];
        // A block's own steps are worked out again: the errors caught are not in the records.
        if self.reusable.is_empty() || step.block.is_some() {
            return None;
        }
        let answers = step.spec.effect == flow_card::Effect::Responds;
        // Inside a block, a step may have been skipped because its arm was not taken, or a
        // step above it failed: neither need hold now (the arm is decided again).
        let in_block = step.gate.is_some() || step.catcher.is_some();
        let rec = self.reusable.remove(&*step.id).filter(|r| {
            !answers
                && (r.status == StepStatus::Succeeded
                    || (r.status == StepStatus::Skipped && !in_block))
                || (r.status == StepStatus::Failed && step.on_error == OnError::Continue)
        })?;
        let output = rec.output.clone().unwrap_or_else(|| Arc::new(Value::Null));
        Some(StepDone {
            index: i,
            record: rec,
            output,
            signal: None,
            failure: None,
            reused: true,
        })
    }

    /// Takes in a finished step: masks and sizes its record, publishes its output, answers the
    /// caller at `http.close`, and tells the schedule (which releases the steps waiting for it,
    /// or settles the end of the run).
    pub fn finished(&mut self, mut done: StepDone, cx: &RunCx) {
        let i = done.index;
        if let Some(Signal::Stop {
            message: Some(message),
        }) = &done.signal
        {
            // `flow.continue_if`'s message says why the run stopped (trace, `history show`).
            done.record.reason = Some(message.clone());
        }
        mask_step(self.engine.secrets(), &mut done.record);
        self.within_record_limit(&mut done);
        let fails = done.failure.is_some() || matches!(done.signal, Some(Signal::Fail { .. }));
        let catcher = self.plan.steps[i].catcher.filter(|_| fails);
        if let Some(b) = catcher {
            // Said before the step is published, so observers (the store, a live trace) see it.
            let by = self.plan.blocks.get(b as usize).map_or("?", |b| &*b.id);
            done.record.reason = Some(format!("caught by try block `{by}`"));
        }
        let _ = cx.scope.outputs[i].set(done.output.clone());
        if !done.reused {
            self.engine.emit(RunEvent::StepFinished {
                execution_id: &cx.execution_id,
                flow: &self.plan.name,
                index: i,
                step: &done.record,
                parent: self.parent,
            });
        }
        let step = || self.plan.steps[i].id.to_string();
        let ends = match (done.failure, done.signal) {
            (Some(error), Some(Signal::Respond(resp))) => {
                self.respond(&resp, cx);
                Some(End::Fail {
                    step: step(),
                    error,
                    status: 500,
                })
            }
            (Some(error), _) => Some(End::Fail {
                step: step(),
                error,
                status: 500,
            }),
            (None, Some(Signal::Respond(resp))) => {
                self.respond(&resp, cx);
                None
            }
            (None, Some(Signal::Return)) => Some(End::Return(done.output)),
            (None, Some(Signal::Fail { status, message })) => Some(End::Fail {
                step: step(),
                error: CardError::new(ErrorKind::Failed, message),
                status,
            }),
            (None, Some(Signal::Stop { .. })) => Some(End::Stop),
            (None, _) => None,
        };
        let ends = match (ends, catcher) {
            (Some(End::Fail { step, error, .. }), Some(b)) => {
                // Caught: the run goes on with the try block's `catch:`.
                self.caught.catch(b, i, &step, &error);
                None
            }
            (ends, _) => ends,
        };
        self.records[i] = done.record;
        let settled = self.schedule.finish(i, ends.is_some());
        if let Some(end) = ends {
            self.pending_ends.push((i, end));
        }
        if self.end.is_none()
            && let Some(k) = settled
        {
            self.end = self.take_end(k);
        }
    }

    fn take_end(&mut self, step: usize) -> Option<End> {
        let at = self.pending_ends.iter().position(|(i, _)| *i == step)?;
        Some(self.pending_ends.swap_remove(at).1)
    }

    /// Keeps the step's outcome but drops what would make the run's record larger than
    /// `limits.max_record`.
    fn within_record_limit(&mut self, done: &mut StepDone) {
        let limits = self.engine.project().config.limits;
        let budget = limits.max_record.saturating_sub(self.record_bytes);
        if let Some(bytes) = json_size_within(&done.record, budget) {
            self.record_bytes += bytes;
            return;
        }
        let err = CardError::new(
            ErrorKind::Limit,
            format!(
                "the run's record would be larger than {} (`limits.max_record`) with the record \
                 of step `{}`",
                format_size(limits.max_record),
                self.plan.steps[done.index].id
            ),
        );
        let rec = &mut done.record;
        rec.status = StepStatus::Failed;
        rec.input = None;
        rec.output = None;
        rec.retries.clear();
        rec.http.clear();
        let omitted =
            rec.children
                .drain(..)
                .fold(rec.children_omitted.unwrap_or_default(), |mut o, c| {
                    count_run(&mut o, c.status);
                    o
                });
        rec.children_omitted = (omitted.total() > 0).then_some(omitted);
        rec.error = Some(Box::new(err.to_json()));
        self.record_bytes = limits.max_record;
        done.failure.get_or_insert(err);
    }

    /// Answers the caller (`http.close`), once.
    fn respond(&mut self, resp: &Response, cx: &RunCx) {
        let mut rec = response_record(resp, ms(cx.started));
        mask_response(self.engine.secrets(), &mut rec);
        if self.response.is_none() && self.parent.is_none() {
            self.engine.emit(RunEvent::Responded {
                execution_id: &cx.execution_id,
                response: &rec,
            });
        }
        if let Some(tx) = self.responder.take() {
            let _ = tx.send(rec.clone());
        }
        self.response.get_or_insert(rec);
    }

    /// Answers the caller now unless it was answered: `status` with `body`.
    fn answer_at_end(&mut self, status: u16, body: Value, cx: &RunCx) {
        if !self.endpoint || self.response.is_some() {
            return;
        }
        let mut rec = ResponseRecord {
            status,
            headers: Vec::new(),
            body,
            at_ms: ms(cx.started),
        };
        mask_response(self.engine.secrets(), &mut rec);
        if let Some(tx) = self.responder.take() {
            let _ = tx.send(rec.clone());
        }
        self.response = Some(rec);
    }

    /// Once nothing runs any more: decides the end (the first step written that ended the run,
    /// when none settled while steps ran), marks the steps that never ran, answers the caller if
    /// nobody did, and returns the masked record (and the output as the flow returned it), with
    /// the caller to tell of `RunFinished` (the engine emits it once the record is complete).
    pub fn conclude(mut self, cx: RunCx) -> (ExecutionRecord, Arc<Value>, Option<Parent<'a>>) {
        if self.end.is_none()
            && let Some(k) = self.schedule.first_end()
        {
            self.end = self.take_end(k);
        }
        let end = self.end.take();
        for r in &mut self.records {
            if r.status == StepStatus::Pending {
                r.status = StepStatus::Skipped;
                r.reason = Some(match &end {
                    Some(End::Return(_)) => "the flow returned before this step".into(),
                    Some(End::Stop) => "the flow stopped before this step".into(),
                    Some(End::Fail { step, .. }) => format!("step `{step}` failed first"),
                    None => "it was never ready".into(),
                });
            }
        }
        let (status, output, error) = match end {
            Some(End::Return(v)) => (RunStatus::Succeeded, v, None),
            Some(End::Stop) => (RunStatus::Stopped, Arc::new(Value::Null), None),
            Some(End::Fail {
                step,
                error,
                status,
            }) => {
                let public = if error.kind == ErrorKind::Failed {
                    error.message.clone()
                } else {
                    format!("step `{step}` failed ({})", error.kind.as_str())
                };
                let body = json!({ "error": public, "execution_id": cx.execution_id });
                self.answer_at_end(status, body, &cx);
                (
                    RunStatus::Failed,
                    Arc::new(Value::Null),
                    Some(RunError {
                        step,
                        kind: error.kind.as_str().to_string(),
                        message: error.message,
                    }),
                )
            }
            None => (RunStatus::Succeeded, Arc::new(Value::Null), None),
        };
        if self.endpoint && self.response.is_none() {
            let body = if output.is_null() {
                json!({})
            } else {
                (*output).clone()
            };
            self.answer_at_end(200, body, &cx);
        }
        let unmasked = output.clone();
        let mut record = ExecutionRecord {
            execution_id: cx.execution_id,
            flow: self.plan.name.clone(),
            status,
            started_at: self.started_at,
            duration_ms: ms(cx.started),
            dry_run: self.engine.env().dry_run,
            index: self.index,
            trigger: self.trigger_record.map(Box::new),
            inputs: if self.endpoint {
                None
            } else {
                Some(self.inputs)
            },
            response: self.response,
            steps: self.records,
            output,
            error,
        };
        mask_run(self.engine.secrets(), &mut record);
        (record, unmasked, self.parent)
    }
}

fn response_record(resp: &Response, at_ms: f64) -> ResponseRecord {
    ResponseRecord {
        status: resp.status,
        headers: resp.headers.clone(),
        body: match &resp.body {
            ResponseBody::Empty => Value::Null,
            ResponseBody::Json(v) => v.clone(),
            ResponseBody::Text(t) => Value::String(t.clone()),
        },
        at_ms,
    }
}
