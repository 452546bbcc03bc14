//! What a step's card calls back into while it runs ([`FlowCaller`]): helper runs (kept for the
//! step's record, reused after a restart), runs `flow.call_async` starts apart (offered to the
//! observers, else run beside the flow), and `flow.wait`'s sleep (its wake-up time told to the
//! observers, or taken from the resumed run).

use crate::engine::{Engine, count_run, new_execution_id, too_deep};
use crate::events::{Launch, Parent, Waiting};
use crate::record::{ExecutionRecord, OmittedRuns, RunStatus};
use crate::run::Launched;
use flow_card::limits::{MAX_JSON_DEPTH, deeper_than};
use flow_card::{CardError, ErrorKind, FlowCaller, FlowTarget};
use flow_compile::{Plan, TriggerPlan};
use futures_util::future::BoxFuture;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// Makes `inputs` ready for a helper run: Okta's implicit conversions (text to a number, a
/// number to text) are applied in place and dates must be ISO 8601. Fails when the inputs nest
/// too deep (kind `limit`, and they are not kept) or a declared input has a value that cannot be
/// its type (kind `input`).
pub(crate) fn check_inputs(plan: &Plan, inputs: &mut Value) -> Result<(), CardError> {
    if deeper_than(inputs, MAX_JSON_DEPTH) {
        return Err(CardError::new(
            ErrorKind::Limit,
            too_deep("the inputs nest"),
        ));
    }
    if let TriggerPlan::Helper { inputs: declared } = &plan.trigger {
        for (name, ty) in declared {
            let v = inputs.get(name).unwrap_or(&Value::Null);
            match ty.coerce(v) {
                Ok(None) => {}
                Ok(Some(converted)) => {
                    if let Some(slot) = inputs.get_mut(name) {
                        *slot = converted;
                    }
                }
                Err(e) => return Err(CardError::input(format!("input `{name}`: {e}"))),
            }
        }
    }
    Ok(())
}

/// Now, in Unix milliseconds.
fn unix_ms_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Runs helper flows for one step and keeps their records for it.
pub(crate) struct StepCaller<'e> {
    pub(crate) engine: &'e Engine,
    /// The step's number.
    pub(crate) index: usize,
    /// Where runs `flow.call_async` starts go when no observer takes them.
    pub(crate) launched: &'e Mutex<Vec<Launched>>,
    /// Wake-up times kept from before a restart, by step id.
    pub(crate) waits: &'e HashMap<String, i64>,
    pub(crate) children: Mutex<Vec<ExecutionRecord>>,
    /// Items at positions from this one on are counted in `omitted`, not kept.
    pub(crate) keep: usize,
    pub(crate) omitted: Mutex<OmittedRuns>,
    pub(crate) parent: Parent<'e>,
    /// Helper runs that finished before a restart, by (step id, item index).
    pub(crate) reusable: &'e HashMap<(String, usize), ExecutionRecord>,
}

impl FlowCaller for StepCaller<'_> {
    fn launch(
        &self,
        target: FlowTarget,
        mut inputs: Value,
    ) -> BoxFuture<'_, Result<String, CardError>> {
        Box::pin(async move {
            let plan = self
                .engine
                .project
                .flows
                .get(target.0 as usize)
                .ok_or_else(|| CardError::new(ErrorKind::Config, "no such helper flow"))?;
            // Checked now: nobody waits for the run to report it.
            check_inputs(plan, &mut inputs).map_err(|e| {
                CardError::new(
                    e.kind,
                    format!("helper flow `{}`: {}", plan.name, e.message),
                )
            })?;
            let id = new_execution_id();
            let launch = Launch {
                execution_id: &id,
                flow: &plan.name,
                inputs: &inputs,
                save_data: plan.history.save_data.unwrap_or(true),
                parent: self.parent,
            };
            // A dry run's child is never handed on: it would run for real.
            let taken =
                !self.engine.env.dry_run && self.engine.observers.iter().any(|o| o.launch(&launch));
            if !taken {
                self.launched
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(Launched {
                        target,
                        inputs,
                        execution_id: id.clone(),
                        step: Arc::from(self.parent.step),
                        step_index: self.index,
                    });
            }
            Ok(id)
        })
    }

    fn wait_until(&self, until_ms: i64) -> BoxFuture<'_, Result<i64, CardError>> {
        Box::pin(async move {
            let until = self
                .waits
                .get(self.parent.step)
                .copied()
                .unwrap_or(until_ms);
            let wait = Waiting {
                execution_id: self.parent.execution_id,
                step: self.parent.step,
                until_ms: until,
            };
            for o in &self.engine.observers {
                o.waiting(&wait);
            }
            let left = until.saturating_sub(unix_ms_now());
            if left > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(
                    u64::try_from(left).unwrap_or(u64::MAX),
                ))
                .await;
            }
            Ok(until)
        })
    }

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
