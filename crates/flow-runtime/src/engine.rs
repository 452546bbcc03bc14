//! The engine: runs a plan's steps as the plan's [`flow_compile::Schedule`] makes them ready,
//! each with its attempts, timeout and retry waits, and runs helper flows for the steps that call
//! them. What a run's state is and how a finished step changes it (signals, limits, the record)
//! is [`crate::run`].

use crate::caller::{StepCaller, check_inputs};
use crate::connect::project_secrets;
use crate::events::{Observer, Parent, RunEvent};
use crate::mask::mask_run;
use crate::record::{
    ExecutionRecord, OmittedRuns, ResponseRecord, RunError, RunStatus, StepRecord, StepStatus,
};
use crate::retry::backoff_delay;
use crate::run::{Launched, RunCx, RunStart, RunState, StepDone};
use crate::trigger::RunInput;
use flow_card::limits::{MAX_JSON_DEPTH, deeper_than, format_size, json_size_within};
use flow_card::{CardError, ErrorKind, FlowTarget, RunEnv, Secrets, StepCx};
use flow_compile::{Plan, Project};
use flow_model::OnError;
use flow_model::units::format_duration;
use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use futures_util::stream::FuturesUnordered;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::oneshot;
use tokio::time::Instant;

/// Runs plans of one project in one environment.
pub struct Engine {
    pub(crate) project: Arc<Project>,
    pub(crate) env: Arc<RunEnv>,
    pub(crate) observers: Vec<Arc<dyn Observer>>,
    intercept: Option<Arc<dyn Intercept>>,
    /// Masked in everything recorded.
    secrets: Arc<Secrets>,
}

/// Replaces steps' results (flow tests' mocks): consulted before each attempt of each step.
pub trait Intercept: Send + Sync {
    /// The result to use instead of running the card, or `None` to run it. `inputs` are the
    /// step's evaluated inputs by field.
    fn step(
        &self,
        flow: &str,
        step: &str,
        card: &str,
        inputs: &serde_json::Map<String, Value>,
    ) -> Option<Result<Value, CardError>>;
}

/// Steps of an unfinished run that already finished, to be reused instead of run again.
#[derive(Debug, Clone, Default)]
pub struct Resume {
    /// Finished step records by step id (their outputs are reused).
    pub steps: HashMap<String, StepRecord>,
    /// Finished helper runs by (calling step id, item index): a resumed `list.for_each` does not
    /// run those items again.
    pub children: HashMap<(String, usize), ExecutionRecord>,
    /// True when the caller was already answered.
    pub responded: bool,
    /// When each `flow.wait` step that was waiting wakes up (Unix milliseconds), by step id: a
    /// resumed run wakes at the time it had, not a whole wait later.
    pub waits: HashMap<String, i64>,
}

/// Options of one run.
#[derive(Default)]
pub struct RunOptions {
    /// The execution id to use (new when `None`).
    pub execution_id: Option<String>,
    /// Gets the caller's answer as soon as it is known (at `http.close`, or at the end).
    pub responder: Option<oneshot::Sender<ResponseRecord>>,
    /// Reuse these finished steps.
    pub resume: Option<Resume>,
    /// The `trigger` value of a request input, when the caller has built it already (the
    /// server does, for the dedupe key), so the body is not parsed twice.
    pub trigger: Option<Arc<Value>>,
}

/// A new execution id: a UUIDv7 (sortable by time) whose random bits come from a thread-local
/// generator, not a system call per id.
pub fn new_execution_id() -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    let mut random = [0u8; 10];
    fastrand::fill(&mut random);
    uuid::Builder::from_unix_timestamp_millis(ms, &random)
        .into_uuid()
        .to_string()
}

pub(crate) fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

pub(crate) fn ms(since: Instant) -> f64 {
    (since.elapsed().as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0
}

impl Engine {
    /// An engine for a project. The project's secrets, resolved from the process environment
    /// (as the CLI and the server resolve them), are masked in everything it records; see
    /// [`Engine::secrets_from`] for another source.
    pub fn new(project: Arc<Project>, env: Arc<RunEnv>) -> Self {
        let secrets = Arc::new(project_secrets(&project, &flow_model::config::process_env));
        Engine {
            project,
            env,
            observers: Vec::new(),
            intercept: None,
            secrets,
        }
    }

    /// Masks the project's secrets as resolved through `env` (when the connections were
    /// resolved through something other than the process environment).
    pub fn secrets_from(mut self, env: &dyn Fn(&str) -> Option<String>) -> Self {
        self.secrets = Arc::new(project_secrets(&self.project, env));
        self
    }

    /// The secret values masked in records.
    pub fn secrets(&self) -> &Secrets {
        &self.secrets
    }

    /// Adds an observer of run events.
    pub fn observe(mut self, o: Arc<dyn Observer>) -> Self {
        self.observers.push(o);
        self
    }

    /// Replaces step results where `intercept` says so.
    pub fn intercept(mut self, intercept: Arc<dyn Intercept>) -> Self {
        self.intercept = Some(intercept);
        self
    }

    /// The project.
    pub fn project(&self) -> &Arc<Project> {
        &self.project
    }

    /// The environment.
    pub fn env(&self) -> &Arc<RunEnv> {
        &self.env
    }

    pub(crate) fn emit(&self, e: RunEvent<'_>) {
        for o in &self.observers {
            o.event(&e);
        }
    }

    /// Runs flow number `flow` on `input`.
    pub async fn run(&self, flow: usize, input: RunInput, opts: RunOptions) -> ExecutionRecord {
        let Some(plan) = self.project.flows.get(flow).cloned() else {
            return failed_record("?", "no such flow");
        };
        let (trigger, inputs, trigger_record) = match input {
            RunInput::Request(req) => (
                opts.trigger.unwrap_or_else(|| {
                    Arc::new(crate::trigger::trigger_value(&plan.trigger, &req))
                }),
                Arc::new(Value::Null),
                Some(req.to_record()),
            ),
            RunInput::Inputs(v) => {
                if deeper_than(&v, MAX_JSON_DEPTH) {
                    // Not kept either: the record could not be read back.
                    let mut r = too_deep_inputs(&plan.name);
                    if let Some(id) = opts.execution_id {
                        r.execution_id = id;
                    }
                    self.emit(RunEvent::RunStarted {
                        execution_id: &r.execution_id,
                        flow: &plan.name,
                        parent: None,
                    });
                    self.emit(RunEvent::RunFinished {
                        record: &r,
                        parent: None,
                    });
                    return r;
                }
                (Arc::new(Value::Null), Arc::new(v), None)
            }
        };
        let start = RunStart {
            trigger,
            inputs,
            trigger_record,
            execution_id: opts.execution_id.unwrap_or_else(new_execution_id),
            index: None,
            parent: None,
            responder: opts.responder,
            resume: opts.resume,
        };
        self.run_plan(&plan, start).await.0
    }

    /// Runs a plan: starts the ready steps (in file order), takes in each as it finishes, and
    /// once nothing runs any more concludes the record. See [`RunState`] for what changes.
    fn run_plan<'a>(
        &'a self,
        plan: &'a Arc<Plan>,
        start: RunStart<'a>,
    ) -> BoxFuture<'a, (ExecutionRecord, Arc<Value>)> {
        Box::pin(async move {
            let (mut state, cx) = RunState::start(self, plan, start);
            let mut running = FuturesUnordered::new();
            // Runs `flow.call_async` started that no observer took: they run beside the steps.
            let mut detached = FuturesUnordered::new();
            let mut launched = Vec::new();
            loop {
                while let Some(i) = state.next_ready() {
                    match state.settle_now(i, &cx) {
                        Some(done) => running
                            .push(Box::pin(std::future::ready(done)) as BoxFuture<'_, StepDone>),
                        None => running.push(Box::pin(self.exec_step(plan, i, &cx))),
                    }
                }
                for l in cx.take_launched() {
                    detached.push(self.run_detached(l, cx.execution_id.clone()));
                }
                if running.is_empty() {
                    break;
                }
                tokio::select! {
                    biased;
                    done = running.next() => match done {
                        Some(done) => state.finished(done, &cx),
                        None => break,
                    },
                    Some(child) = detached.next(), if !detached.is_empty() => launched.push(child),
                }
            }
            drop(running);
            let (mut record, output, parent) = state.conclude(cx);
            // The run is over (its duration and answer say so), but it returns once the runs it
            // started have finished, so `flowctl run` does not exit under them; their records
            // go under the step that started them.
            while let Some(child) = detached.next().await {
                launched.push(child);
            }
            for (i, child) in launched {
                if let Some(step) = record.steps.get_mut(i) {
                    step.children.push(child);
                }
            }
            self.emit(RunEvent::RunFinished {
                record: &record,
                parent,
            });
            (record, output)
        })
    }

    async fn exec_step(&self, plan: &Plan, i: usize, cx: &RunCx) -> StepDone {
        let RunCx {
            scope,
            execution_id,
            started: run_started,
            reusable_children,
            ..
        } = cx;
        let run_started = *run_started;
        let step = &plan.steps[i];
        let t0 = Instant::now();
        let mut rec = StepRecord::pending(&step.id, &step.kind);
        rec.status = StepStatus::Running;
        rec.started_ms = ms(run_started);
        if let Some(cond) = &step.condition {
            match cond.eval(scope) {
                Ok(v) if !flow_template::is_truthy(&v) => {
                    rec.status = StepStatus::Skipped;
                    rec.reason = Some("`if` was false".into());
                    rec.duration_ms = ms(t0);
                    return StepDone {
                        index: i,
                        record: rec,
                        output: Arc::new(Value::Null),
                        signal: None,
                        failure: None,
                        reused: false,
                    };
                }
                Ok(_) => {}
                Err(e) => {
                    let err = CardError::input(format!("`if`: {}", e.message));
                    return self.finish_failed(step, rec, err, t0);
                }
            }
        }
        let caller = StepCaller {
            engine: self,
            index: i,
            launched: &cx.launched,
            waits: &cx.waits,
            children: Mutex::new(Vec::new()),
            keep: usize::try_from(self.project.config.limits.item_records).unwrap_or(usize::MAX),
            omitted: Mutex::new(OmittedRuns::default()),
            parent: Parent {
                execution_id,
                step: &step.id,
            },
            reusable: reusable_children,
        };
        let mut attempt = 0;
        let result = loop {
            attempt += 1;
            let cx = StepCx::new(
                &step.parts,
                scope,
                &self.env,
                &caller,
                attempt,
                step.timeout,
            );
            let mocked = self.intercept.as_ref().and_then(|i| {
                let inputs = cx.record_inputs();
                i.step(&plan.name, &step.id, step.spec.kind, &inputs)
            });
            let res = match mocked {
                Some(reply) => reply.map(flow_card::Outcome::value),
                None => self.run_card(step, &cx).await,
            };
            let log = cx.into_log();
            rec.http.extend(log.http);
            if !log.inputs.is_empty() {
                rec.input = Some(Box::new(log.inputs.into_iter().collect()));
            }
            match res {
                Err(e)
                    if e.kind.is_retryable()
                        && attempt < step.retry.attempts
                        && !self.env.dry_run =>
                {
                    let mut j = e.to_json();
                    if let Value::Object(m) = &mut j {
                        m.insert("attempt".into(), attempt.into());
                    }
                    rec.retries.push(j);
                    self.emit(RunEvent::Retrying {
                        flow: &plan.name,
                        step: &step.id,
                        card: step.spec.kind,
                        kind: e.kind.as_str(),
                    });
                    tokio::time::sleep(backoff_delay(&step.retry, attempt + 1, e.retry_after))
                        .await;
                }
                other => break other,
            }
        };
        rec.attempts = attempt;
        let mut children = caller
            .children
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        children.sort_by_key(|c| c.index);
        rec.children = children;
        let omitted = caller
            .omitted
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        rec.children_omitted = (omitted.total() > 0).then_some(omitted);
        match result {
            Ok(outcome) => {
                if let Some(err) = self.check_output(&step.id, &outcome.output) {
                    return self.finish_failed(step, rec, err, t0);
                }
                rec.status = StepStatus::Succeeded;
                rec.duration_ms = ms(t0);
                let output = Arc::new(outcome.output);
                rec.output = Some(output.clone());
                StepDone {
                    index: i,
                    record: rec,
                    output,
                    signal: outcome.signal,
                    failure: None,
                    reused: false,
                }
            }
            Err(e) => self.finish_failed(step, rec, e, t0),
        }
    }

    /// Why a step's output may not be kept: larger than `limits.max_value`, or nested deeper
    /// than the JSON the records can be read back with.
    fn check_output(&self, step: &str, output: &Value) -> Option<CardError> {
        let max = self.project.config.limits.max_value;
        let message = if json_size_within(output, max).is_none() {
            format!(
                "the output of step `{step}` is larger than {} (`limits.max_value`)",
                format_size(max)
            )
        } else if deeper_than(output, MAX_JSON_DEPTH) {
            too_deep(&format!("the output of step `{step}` nests"))
        } else {
            return None;
        };
        Some(CardError::new(ErrorKind::Limit, message))
    }

    async fn run_card(
        &self,
        step: &flow_compile::PlannedStep,
        cx: &StepCx<'_>,
    ) -> Result<flow_card::Outcome, CardError> {
        match tokio::time::timeout(step.timeout, step.card.run(cx)).await {
            Ok(r) => r,
            Err(_) => Err(CardError::new(
                ErrorKind::Timeout,
                format!(
                    "no result within the step's timeout of {}",
                    format_duration(step.timeout)
                ),
            )),
        }
    }

    fn finish_failed(
        &self,
        step: &flow_compile::PlannedStep,
        mut rec: StepRecord,
        e: CardError,
        t0: Instant,
    ) -> StepDone {
        rec.status = StepStatus::Failed;
        rec.duration_ms = ms(t0);
        rec.error = Some(Box::new(e.to_json()));
        match step.on_error {
            OnError::Continue => {
                let output = Arc::new(json!({ "error": e.to_json() }));
                rec.output = Some(output.clone());
                StepDone {
                    index: step.index,
                    record: rec,
                    output,
                    signal: None,
                    failure: None,
                    reused: false,
                }
            }
            OnError::Fail => StepDone {
                index: step.index,
                record: rec,
                output: Arc::new(Value::Null),
                signal: None,
                failure: Some(e),
                reused: false,
            },
        }
    }

    /// Runs a helper flow for a step.
    pub(crate) async fn run_child(
        &self,
        target: FlowTarget,
        inputs: Value,
        index: Option<usize>,
        parent: Parent<'_>,
    ) -> (ExecutionRecord, Arc<Value>) {
        self.run_child_as(new_execution_id(), target, inputs, index, parent)
            .await
    }

    /// Runs a run `flow.call_async` started (and no observer took) to its end; gives its record
    /// with the number of the step that started it.
    fn run_detached(
        &self,
        l: Launched,
        parent_id: String,
    ) -> BoxFuture<'_, (usize, ExecutionRecord)> {
        Box::pin(async move {
            let parent = Parent {
                execution_id: &parent_id,
                step: &l.step,
            };
            let (record, _) = self
                .run_child_as(l.execution_id, l.target, l.inputs, None, parent)
                .await;
            (l.step_index, record)
        })
    }

    /// Runs a helper flow for a step, as execution `id`.
    async fn run_child_as(
        &self,
        id: String,
        target: FlowTarget,
        inputs: Value,
        index: Option<usize>,
        parent: Parent<'_>,
    ) -> (ExecutionRecord, Arc<Value>) {
        let Some(plan) = self.project.flows.get(target.0 as usize) else {
            return (failed_record("?", "no such helper flow"), Arc::default());
        };
        let mut inputs = inputs;
        if let Err(e) = check_inputs(plan, &mut inputs) {
            let mut r = failed_record(&plan.name, &e.message);
            if e.kind == ErrorKind::Limit {
                r = too_deep_inputs(&plan.name);
            } else {
                r.inputs = Some(Arc::new(inputs));
                mask_run(&self.secrets, &mut r);
            }
            r.execution_id = id;
            r.index = index;
            return (r, Arc::default());
        }
        let start = RunStart {
            trigger: Arc::new(Value::Null),
            inputs: Arc::new(inputs),
            trigger_record: None,
            execution_id: id,
            index,
            parent: Some(parent),
            responder: None,
            resume: None,
        };
        self.run_plan(plan, start).await
    }
}

pub(crate) fn failed_record(flow: &str, message: &str) -> ExecutionRecord {
    ExecutionRecord {
        execution_id: new_execution_id(),
        flow: Arc::from(flow),
        status: RunStatus::Failed,
        started_at: now_rfc3339(),
        duration_ms: 0.0,
        dry_run: false,
        index: None,
        trigger: None,
        inputs: None,
        response: None,
        steps: Vec::new(),
        output: Arc::new(Value::Null),
        error: Some(RunError {
            step: String::new(),
            kind: ErrorKind::Input.as_str().into(),
            message: message.into(),
        }),
    }
}

/// `what` is the subject and its verb: "the inputs nest".
pub(crate) fn too_deep(what: &str) -> String {
    format!("{what} deeper than {MAX_JSON_DEPTH} levels")
}

/// The record of a run refused because its inputs nest too deep (they are not kept).
fn too_deep_inputs(flow: &str) -> ExecutionRecord {
    let mut r = failed_record(flow, &too_deep("the inputs nest"));
    if let Some(e) = &mut r.error {
        e.kind = ErrorKind::Limit.as_str().into();
    }
    r
}

pub(crate) fn count_run(o: &mut OmittedRuns, status: RunStatus) {
    match status {
        RunStatus::Succeeded | RunStatus::Running => o.succeeded += 1,
        RunStatus::Failed => o.failed += 1,
        RunStatus::Stopped => o.stopped += 1,
    }
}
