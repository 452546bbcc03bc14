//! Blocks at run time: whether a step inside an arm runs (its gate), what the steps a block
//! generates compute (a branch's guard, a try block's catch guard, a join), and the errors a
//! try block caught. The engine calls these when a step is ready; the steps themselves are
//! ordinary steps of the plan's one graph.

use crate::scope::RunScope;
use flow_card::CardError;
use flow_compile::{BlockStep, Plan};
use flow_model::block::BlockKind;
use flow_template::{Scope, is_truthy};
use serde_json::{Map, Value, json};

/// The errors caught so far, by block: the first step written that failed in the block's
/// `try:` arm, and its error as `error` reads it.
#[derive(Debug, Default)]
pub(crate) struct Caught {
    by_block: Vec<Option<(usize, Value)>>,
}

impl Caught {
    /// Nothing caught yet in any of `blocks` blocks.
    pub fn new(blocks: usize) -> Self {
        Caught {
            by_block: vec![None; blocks],
        }
    }

    /// The error caught by `block`, when one was.
    pub fn get(&self, block: u32) -> Option<&Value> {
        self.by_block
            .get(block as usize)?
            .as_ref()
            .map(|(_, error)| error)
    }

    /// The error caught by `block` when the step that failed is written above step `i`.
    fn above(&self, block: u32, i: usize) -> Option<&Value> {
        match self.by_block.get(block as usize)? {
            Some((failed, error)) if *failed < i => Some(error),
            _ => None,
        }
    }

    /// Catches the failure of step `index` (id `step`) in `block`'s try arm. When two steps of
    /// the arm failed, the one written first is kept, however they raced.
    pub fn catch(&mut self, block: u32, index: usize, step: &str, error: &CardError) {
        let Some(slot) = self.by_block.get_mut(block as usize) else {
            return;
        };
        if slot.as_ref().is_some_and(|(i, _)| *i < index) {
            return;
        }
        let mut e = error.to_json();
        if let Value::Object(m) = &mut e {
            m.insert("step".into(), step.into());
        }
        *slot = Some((index, e));
    }
}

/// Why step `i` does not run because of the blocks around it, or `None` when it runs: its
/// arm was not taken, or a step written above it in its `try:` arm failed (a step above the
/// failure still runs, as in Okta, where only the cards to the right of a failure do not).
pub(crate) fn closed(plan: &Plan, i: usize, scope: &RunScope, caught: &Caught) -> Option<String> {
    let step = &plan.steps[i];
    if let Some(gate) = step.gate {
        let block = plan.blocks.get(gate.block as usize)?;
        let guard = scope
            .get(flow_card::expr::slots::step(gate.guard))
            .unwrap_or(&Value::Null);
        match block.kind {
            BlockKind::Branch => {
                let taken = guard.get("taken").and_then(Value::as_u64);
                if taken != Some(u64::from(gate.arm)) {
                    return Some(match taken {
                        Some(t) => format!(
                            "branch `{}` took `{}`",
                            block.id,
                            usize::try_from(t)
                                .ok()
                                .and_then(|t| block.arms.get(t))
                                .map_or("?", String::as_str)
                        ),
                        None => format!("branch `{}` did not run", block.id),
                    });
                }
            }
            BlockKind::Try => {
                if guard.is_null() {
                    return Some(format!("nothing failed in try block `{}`", block.id));
                }
            }
        }
    }
    let block = step.catcher?;
    let error = caught.above(block, i)?;
    let failed = error.get("step").and_then(Value::as_str).unwrap_or("?");
    Some(format!(
        "step `{failed}` failed first in try block `{}`",
        plan.blocks.get(block as usize).map_or("?", |b| &*b.id)
    ))
}

/// What a step a block generates computes: the arm a branch takes, the error a try block
/// caught (null when none), or the outputs of the arm that ran.
pub(crate) fn evaluate(
    plan: &Plan,
    kind: &BlockStep,
    scope: &RunScope,
    caught: &Caught,
) -> Result<Value, CardError> {
    match kind {
        BlockStep::Branch { block, cases } => {
            let mut taken = cases.len();
            for (k, case) in cases.iter().enumerate() {
                let v = case.eval(scope).map_err(|e| {
                    CardError::input(format!("`when` of case {}: {}", k + 1, e.message))
                })?;
                if is_truthy(&v) {
                    taken = k;
                    break;
                }
            }
            let arm = plan
                .blocks
                .get(*block as usize)
                .and_then(|b| b.arms.get(taken))
                .map_or("else", String::as_str);
            Ok(json!({ "taken": taken, "arm": arm }))
        }
        BlockStep::Catch { block } => Ok(caught.get(*block).cloned().unwrap_or(Value::Null)),
        BlockStep::Join {
            block,
            arms,
            fields,
        } => {
            let Some(b) = plan.blocks.get(*block as usize) else {
                return Ok(Value::Null);
            };
            let error = caught.get(*block);
            let arm = match b.kind {
                BlockKind::Branch => scope
                    .get(flow_card::expr::slots::step(b.guard))
                    .and_then(|g| g.get("taken"))
                    .and_then(Value::as_u64)
                    .and_then(|t| usize::try_from(t).ok()),
                BlockKind::Try => Some(usize::from(error.is_some())),
            };
            let mut out: Map<String, Value> =
                fields.iter().map(|f| (f.clone(), Value::Null)).collect();
            if let Some(Some(outputs)) = arm.and_then(|a| arms.get(a)) {
                let label = arm.and_then(|a| b.arms.get(a)).map_or("?", String::as_str);
                let v = outputs.eval(scope).map_err(|e| {
                    CardError::input(format!("`outputs` of `{label}`: {}", e.message))
                })?;
                if let Value::Object(m) = v.into_owned() {
                    out.extend(m);
                }
            }
            if b.kind == BlockKind::Try {
                out.insert("error".into(), error.cloned().unwrap_or(Value::Null));
            }
            Ok(Value::Object(out))
        }
    }
}
