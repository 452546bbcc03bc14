//! The scheduler: runs a plan's steps as their dependencies finish, each with its attempts,
//! timeout and retry waits, handles the cards' signals (close, return, fail, stop), runs helper
//! flows for the steps that call them, and assembles the execution record.

use crate::connect::project_secrets;
use crate::events::{Observer, Parent, RunEvent};
use crate::mask::{mask_response, mask_run, mask_step};
use crate::record::{
    ExecutionRecord, OmittedRuns, ResponseRecord, RunError, RunStatus, StepRecord, StepStatus,
};
use crate::retry::backoff_delay;
use crate::scope::RunScope;
use crate::trigger::RunInput;
use flow_card::card::{Response, ResponseBody};
use flow_card::limits::{MAX_JSON_DEPTH, deeper_than, format_size, json_size_within};
use flow_card::{CardError, ErrorKind, FlowCaller, FlowTarget, RunEnv, Secrets, Signal, StepCx};
use flow_compile::{Plan, Project, TriggerPlan};
use flow_model::OnError;
use flow_model::units::format_duration;
use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use futures_util::stream::FuturesUnordered;
use serde_json::{Value, json};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use tokio::sync::oneshot;
use tokio::time::Instant;

/// Runs plans of one project in one environment.
pub struct Engine {
    project: Arc<Project>,
    env: Arc<RunEnv>,
    observers: Vec<Arc<dyn Observer>>,
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
struct StepDone {
    index: usize,
    record: StepRecord,
    output: Arc<Value>,
    signal: Option<Signal>,
    /// Taken from a resumed run's progress, not run now.
    reused: bool,
    /// Set when the step failed and its `on_error` is `fail`.
    failure: Option<CardError>,
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

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn ms(since: Instant) -> f64 {
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

    fn emit(&self, e: RunEvent<'_>) {
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
        let id = opts.execution_id.unwrap_or_else(new_execution_id);
        self.run_plan(
            &plan,
            trigger,
            inputs,
            trigger_record,
            id,
            None,
            None,
            opts.responder,
            opts.resume,
        )
        .await
        .0
    }

    #[allow(clippy::too_many_arguments)]
    fn run_plan<'a>(
        &'a self,
        plan: &'a Arc<Plan>,
        trigger: Arc<Value>,
        inputs: Arc<Value>,
        trigger_record: Option<Value>,
        execution_id: String,
        index: Option<usize>,
        parent: Option<Parent<'a>>,
        responder: Option<oneshot::Sender<ResponseRecord>>,
        resume: Option<Resume>,
    ) -> BoxFuture<'a, (ExecutionRecord, Arc<Value>)> {
        Box::pin(async move {
            let started = Instant::now();
            let started_at = now_rfc3339();
            let endpoint = matches!(plan.trigger, TriggerPlan::ApiEndpoint(_));
            self.emit(RunEvent::RunStarted {
                execution_id: &execution_id,
                flow: &plan.name,
                parent,
            });
            let n = plan.steps.len();
            let limits = self.project.config.limits;
            let scope = RunScope {
                trigger,
                inputs: inputs.clone(),
                execution: json!({ "id": execution_id, "flow": plan.name, "started_at": started_at }),
                outputs: (0..n).map(|_| OnceLock::new()).collect(),
                max_text: usize::try_from(limits.max_value).unwrap_or(usize::MAX),
            };
            // Bytes of JSON the steps' records take so far (`limits.max_record`).
            let mut record_bytes: u64 = 0;
            let mut records: Vec<StepRecord> = plan
                .steps
                .iter()
                .map(|s| StepRecord::pending(&s.id, &s.kind))
                .collect();
            let mut waiting: Vec<usize> = plan.deps.iter().map(Vec::len).collect();
            let mut ready: BinaryHeap<Reverse<usize>> = waiting
                .iter()
                .enumerate()
                .filter(|(_, w)| **w == 0)
                .map(|(i, _)| Reverse(i))
                .collect();
            let mut responder = responder;
            let mut response: Option<ResponseRecord> = None;
            let mut end: Option<End> = None;
            let Resume {
                steps: mut reusable,
                children: reusable_children,
                responded,
            } = resume.unwrap_or_default();
            if responded {
                responder = None;
            }
            let mut running = FuturesUnordered::new();
            loop {
                if end.is_none() {
                    while let Some(Reverse(i)) = ready.pop() {
                        // Steps that answer or end the run run again: they touch nothing outside,
                        // and their signal (return, fail, stop) must take effect again.
                        let answers = plan.steps[i].spec.effect == flow_card::Effect::Responds;
                        let reused = reusable.remove(&*plan.steps[i].id).filter(|r| {
                            !answers
                                && matches!(r.status, StepStatus::Succeeded | StepStatus::Skipped)
                                || (r.status == StepStatus::Failed
                                    && plan.steps[i].on_error == OnError::Continue)
                        });
                        match reused {
                            Some(rec) => {
                                let output =
                                    rec.output.clone().unwrap_or_else(|| Arc::new(Value::Null));
                                running.push(Box::pin(std::future::ready(StepDone {
                                    index: i,
                                    record: rec,
                                    output,
                                    signal: None,
                                    failure: None,
                                    reused: true,
                                }))
                                    as BoxFuture<'_, StepDone>);
                            }
                            None => running.push(Box::pin(self.exec_step(
                                plan,
                                i,
                                &scope,
                                &execution_id,
                                started,
                                &reusable_children,
                            ))),
                        }
                    }
                }
                let Some(mut done) = running.next().await else {
                    break;
                };
                mask_step(&self.secrets, &mut done.record);
                let budget = limits.max_record.saturating_sub(record_bytes);
                match json_size_within(&done.record, budget) {
                    Some(bytes) => record_bytes += bytes,
                    None => {
                        // Keep the step's outcome, drop what made the record too large.
                        let err = CardError::new(
                            ErrorKind::Limit,
                            format!(
                                "the run's record would be larger than {} (`limits.max_record`) \
                                 with the record of step `{}`",
                                format_size(limits.max_record),
                                plan.steps[done.index].id
                            ),
                        );
                        let rec = &mut done.record;
                        rec.status = StepStatus::Failed;
                        rec.input = None;
                        rec.output = None;
                        rec.retries.clear();
                        rec.http.clear();
                        let omitted = rec.children.drain(..).fold(
                            rec.children_omitted.unwrap_or_default(),
                            |mut o, c| {
                                count_run(&mut o, c.status);
                                o
                            },
                        );
                        rec.children_omitted = (omitted.total() > 0).then_some(omitted);
                        rec.error = Some(Box::new(err.to_json()));
                        record_bytes = limits.max_record;
                        done.failure.get_or_insert(err);
                    }
                }
                let i = done.index;
                let _ = scope.outputs[i].set(done.output.clone());
                if !done.reused {
                    self.emit(RunEvent::StepFinished {
                        execution_id: &execution_id,
                        flow: &plan.name,
                        index: i,
                        step: &done.record,
                        parent,
                    });
                }
                if let Some(err) = done.failure
                    && end.is_none()
                {
                    end = Some(End::Fail {
                        step: plan.steps[i].id.to_string(),
                        error: err,
                        status: 500,
                    });
                }
                match done.signal {
                    Some(Signal::Respond(resp)) => {
                        let mut rec = response_record(&resp, ms(started));
                        mask_response(&self.secrets, &mut rec);
                        if response.is_none() && parent.is_none() {
                            self.emit(RunEvent::Responded {
                                execution_id: &execution_id,
                                response: &rec,
                            });
                        }
                        if let Some(tx) = responder.take() {
                            let _ = tx.send(rec.clone());
                        }
                        response.get_or_insert(rec);
                    }
                    Some(Signal::Return) if end.is_none() => {
                        end = Some(End::Return(done.output.clone()))
                    }
                    Some(Signal::Fail { status, message }) if end.is_none() => {
                        end = Some(End::Fail {
                            step: plan.steps[i].id.to_string(),
                            error: CardError::new(ErrorKind::Failed, message),
                            status,
                        })
                    }
                    Some(Signal::Stop { .. }) if end.is_none() => end = Some(End::Stop),
                    _ => {}
                }
                records[i] = done.record;
                if end.is_none() {
                    for &d in &plan.dependents[i] {
                        waiting[d] -= 1;
                        if waiting[d] == 0 {
                            ready.push(Reverse(d));
                        }
                    }
                }
            }
            drop(running);
            for r in &mut records {
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
                    if endpoint && response.is_none() {
                        let mut rec = ResponseRecord {
                            status,
                            headers: Vec::new(),
                            body: json!({ "error": public, "execution_id": execution_id }),
                            at_ms: ms(started),
                        };
                        mask_response(&self.secrets, &mut rec);
                        if let Some(tx) = responder.take() {
                            let _ = tx.send(rec.clone());
                        }
                        response = Some(rec);
                    }
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
            if endpoint && response.is_none() {
                let body = if output.is_null() {
                    json!({})
                } else {
                    (*output).clone()
                };
                let mut rec = ResponseRecord {
                    status: 200,
                    headers: Vec::new(),
                    body,
                    at_ms: ms(started),
                };
                mask_response(&self.secrets, &mut rec);
                if let Some(tx) = responder.take() {
                    let _ = tx.send(rec.clone());
                }
                response = Some(rec);
            }
            let unmasked = output.clone();
            let mut record = ExecutionRecord {
                execution_id,
                flow: plan.name.clone(),
                status,
                started_at,
                duration_ms: ms(started),
                dry_run: self.env.dry_run,
                index,
                trigger: trigger_record.map(Box::new),
                inputs: if endpoint { None } else { Some(inputs) },
                response,
                steps: records,
                output,
                error,
            };
            mask_run(&self.secrets, &mut record);
            self.emit(RunEvent::RunFinished {
                record: &record,
                parent,
            });
            (record, unmasked)
        })
    }

    async fn exec_step(
        &self,
        plan: &Plan,
        i: usize,
        scope: &RunScope,
        execution_id: &str,
        run_started: Instant,
        reusable_children: &HashMap<(String, usize), ExecutionRecord>,
    ) -> StepDone {
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
    async fn run_child(
        &self,
        target: FlowTarget,
        inputs: Value,
        index: Option<usize>,
        parent: Parent<'_>,
    ) -> (ExecutionRecord, Arc<Value>) {
        let Some(plan) = self.project.flows.get(target.0 as usize) else {
            return (failed_record("?", "no such helper flow"), Arc::default());
        };
        let id = new_execution_id();
        if deeper_than(&inputs, MAX_JSON_DEPTH) {
            let mut r = too_deep_inputs(&plan.name);
            r.execution_id = id;
            r.index = index;
            return (r, Arc::default());
        }
        if let TriggerPlan::Helper { inputs: declared } = &plan.trigger {
            for (name, ty) in declared {
                let v = inputs.get(name).unwrap_or(&Value::Null);
                if !v.is_null()
                    && let Err(e) = ty.check_value(v)
                {
                    let mut r = failed_record(&plan.name, &format!("input `{name}`: {e}"));
                    r.execution_id = id;
                    r.index = index;
                    r.inputs = Some(Arc::new(inputs));
                    mask_run(&self.secrets, &mut r);
                    return (r, Arc::default());
                }
            }
        }
        self.run_plan(
            plan,
            Arc::new(Value::Null),
            Arc::new(inputs),
            None,
            id,
            index,
            Some(parent),
            None,
            None,
        )
        .await
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

fn failed_record(flow: &str, message: &str) -> ExecutionRecord {
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
fn too_deep(what: &str) -> String {
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

fn count_run(o: &mut OmittedRuns, status: RunStatus) {
    match status {
        RunStatus::Succeeded | RunStatus::Running => o.succeeded += 1,
        RunStatus::Failed => o.failed += 1,
        RunStatus::Stopped => o.stopped += 1,
    }
}

/// Runs helper flows for one step and keeps their records for it.
struct StepCaller<'e> {
    engine: &'e Engine,
    children: Mutex<Vec<ExecutionRecord>>,
    /// Items at positions from this one on are counted in `omitted`, not kept.
    keep: usize,
    omitted: Mutex<OmittedRuns>,
    parent: Parent<'e>,
    /// Helper runs that finished before a restart, by (step id, item index).
    reusable: &'e HashMap<(String, usize), ExecutionRecord>,
}

impl FlowCaller for StepCaller<'_> {
    fn expect_calls(&self, n: usize) {
        self.children
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .reserve_exact(n.min(self.keep));
    }

    fn call(
        &self,
        target: FlowTarget,
        inputs: Value,
        index: Option<usize>,
    ) -> BoxFuture<'_, Result<Arc<Value>, CardError>> {
        Box::pin(async move {
            let finished = index
                .and_then(|i| self.reusable.get(&(self.parent.step.to_string(), i)))
                .filter(|r| matches!(r.status, RunStatus::Succeeded | RunStatus::Stopped));
            // The record's outputs are masked; the caller gets them as the helper returned them.
            let (record, output) = match finished {
                Some(r) => (r.clone(), r.output.clone()),
                None => {
                    self.engine
                        .run_child(target, inputs, index, self.parent)
                        .await
                }
            };
            let result = match record.status {
                RunStatus::Succeeded | RunStatus::Running => Ok(output),
                RunStatus::Stopped => Ok(Arc::new(Value::Null)),
                RunStatus::Failed => {
                    let (step, kind, message) = record
                        .error
                        .as_ref()
                        .map(|e| (e.step.as_str(), e.kind.as_str(), e.message.as_str()))
                        .unwrap_or(("?", "failed", "failed"));
                    let at = if step.is_empty() {
                        String::new()
                    } else {
                        format!(" at step `{step}`")
                    };
                    Err(CardError::new(
                        ErrorKind::Helper,
                        format!("helper flow `{}` failed{at}: {message}", record.flow),
                    )
                    .with_code(kind.to_string()))
                }
            };
            if index.is_some_and(|i| i >= self.keep) {
                let mut omitted = self.omitted.lock().unwrap_or_else(PoisonError::into_inner);
                count_run(&mut omitted, record.status);
            } else {
                self.children
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(record);
            }
            result
        })
    }
}
