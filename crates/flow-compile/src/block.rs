//! Blocks in a plan: the steps a `branch:` or `try:` block generates (guard, catch guard,
//! join; see [`flow_model::block`]), what each step needs to know of the blocks around it (the
//! gate that decides whether it runs, the try block that catches its failure), and what a
//! template inside a block may read.

use flow_card::{Card, CardError, CardFuture, CardSpec, Checker, Effect, ErrorKind, StepCx};
use flow_model::Type;
use flow_model::block::{ArmRef, BlockDoc, BlockKind, BlockPart};
use flow_model::flow::FlowDoc;
use flow_template::ValueExpr;
use std::sync::Arc;
use std::time::Duration;

/// The card kind of a branch's guard step (`<id>.when`).
pub const BRANCH_KIND: &str = "flow.branch";
/// The card kind of a try block's catch guard step (`<id>.catch`).
pub const CATCH_KIND: &str = "flow.catch";
/// The card kind of a block's join step (`<id>`).
pub const JOIN_KIND: &str = "flow.join";

const fn spec(kind: &'static str, summary: &'static str, output: &'static str) -> CardSpec {
    CardSpec {
        kind,
        summary,
        effect: Effect::Pure,
        output,
        default_timeout: Duration::from_secs(5),
        default_attempts: 1,
        trigger: None,
        schema: flow_card::card::schema_of::<()>,
        build: |_| None,
    }
}

/// A branch's guard: which arm is taken.
pub static BRANCH_SPEC: CardSpec = spec(
    BRANCH_KIND,
    "Pick the first case of a branch whose `when` holds",
    "{ taken: number, arm: text }",
);
/// A try block's catch guard: the error caught, or null.
pub static CATCH_SPEC: CardSpec = spec(
    CATCH_KIND,
    "Hold the error a try block caught",
    "{ message, step, kind } or null",
);
/// A block's join: the outputs of the arm taken.
pub static JOIN_SPEC: CardSpec = spec(
    JOIN_KIND,
    "The outputs of the arm of a block that ran",
    "the arm's outputs",
);

/// The spec of the step a block generates.
pub(crate) fn spec_of(part: BlockPart) -> &'static CardSpec {
    match part {
        BlockPart::Guard(_) => &BRANCH_SPEC,
        BlockPart::Catch(_) => &CATCH_SPEC,
        BlockPart::Join(_) => &JOIN_SPEC,
    }
}

/// The card of a generated step: the engine works these steps out itself
/// ([`BlockStep`]), so it never runs the card.
pub(crate) struct Generated;

impl Card for Generated {
    fn check(&self, _: &mut dyn Checker) -> Type {
        Type::Any
    }

    fn run<'a>(&'a self, _: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(std::future::ready(Err(CardError::new(
            ErrorKind::Config,
            "a block's own step is not a card",
        ))))
    }
}

/// What a generated step computes; the engine does it when the step is ready.
pub enum BlockStep {
    /// Evaluates the cases' conditions in order: the output is `{ taken, arm }` with the first
    /// case that holds, or the `else` arm.
    Branch {
        /// The block's number in [`crate::Plan::blocks`].
        block: u32,
        /// Each case's `when`.
        cases: Vec<ValueExpr>,
    },
    /// The error the try block caught (`{ message, step, kind, … }`), or null.
    Catch {
        /// The block's number.
        block: u32,
    },
    /// The `outputs:` of the arm taken, with every field any arm declares (null when the arm
    /// taken does not set it); a try block's join adds `error` (the error caught, or null).
    Join {
        /// The block's number.
        block: u32,
        /// Each arm's `outputs:`, when it has any.
        arms: Vec<Option<ValueExpr>>,
        /// Every field any arm declares, in order.
        fields: Vec<String>,
    },
}

/// Whether a step inside an arm runs: its arm's guard says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gate {
    /// The block.
    pub block: u32,
    /// The guard step: a branch's `<id>.when`, or a try block's `<id>.catch`.
    pub guard: usize,
    /// The arm.
    pub arm: u32,
}

/// A block of a plan.
pub struct BlockPlan {
    /// The join step's id.
    pub id: Arc<str>,
    /// Branch or try.
    pub kind: BlockKind,
    /// Each arm's label (`case 1`, `else`, `try`, `catch`).
    pub arms: Vec<String>,
    /// Each arm's steps (nested blocks included), as step numbers.
    pub arm_steps: Vec<std::ops::Range<usize>>,
    /// The guard step.
    pub guard: usize,
    /// The join step.
    pub join: usize,
}

/// The type of `error` inside a catch block.
pub(crate) fn error_type() -> Type {
    Type::open_object([
        ("message", Type::Text),
        ("step", Type::Text),
        ("kind", Type::Text),
    ])
}

/// The type of a branch guard's output.
pub(crate) fn guard_type() -> Type {
    Type::object([("taken", Type::Number), ("arm", Type::Text)])
}

/// Where a template is, as far as blocks go: the arms it sits in decide which steps it may
/// read (a step inside an arm is read only inside that arm; after the block, through the
/// join), and a catch arm puts `error` in scope.
#[derive(Clone, Copy, Default)]
pub(crate) struct Place<'a> {
    /// Every step's arms (empty: no blocks, everything above is readable).
    pub paths: &'a [Vec<ArmRef>],
    /// The flow's blocks, for messages.
    pub blocks: &'a [BlockDoc],
    /// The arms the template sits in.
    pub at: &'a [ArmRef],
    /// The catch guard whose output `error` reads, inside a catch arm.
    pub error: Option<usize>,
}

impl<'a> Place<'a> {
    /// The place of the templates of step `k` of `doc` (`at` is the step's own path).
    pub fn of_step(doc: &'a FlowDoc, paths: &'a [Vec<ArmRef>], k: usize) -> Self {
        let at = paths.get(k).map_or(&[][..], Vec::as_slice);
        Place {
            paths,
            blocks: &doc.blocks,
            at,
            error: catch_guard(&doc.blocks, at),
        }
    }

    /// The same templates, inside arm path `at` instead.
    pub fn inside(self, at: &'a [ArmRef]) -> Self {
        Place {
            at,
            error: catch_guard(self.blocks, at),
            ..self
        }
    }

    /// Why step `pos` may not be read here: the first arm it sits in that this place is not in.
    pub fn hidden(&self, pos: usize) -> Option<(&'a BlockDoc, &'a str)> {
        let path = self.paths.get(pos)?;
        let outside = path
            .iter()
            .enumerate()
            .find(|(d, a)| self.at.get(*d) != Some(a))?
            .1;
        let block = self.blocks.get(outside.block as usize)?;
        let arm = block.arms.get(outside.arm as usize)?;
        Some((block, arm.label.as_str()))
    }
}

/// The guard of the innermost catch arm on `path`.
fn catch_guard(blocks: &[BlockDoc], path: &[ArmRef]) -> Option<usize> {
    path.iter().rev().find_map(|a| {
        let b = blocks.get(a.block as usize)?;
        (b.kind == BlockKind::Try && a.arm == 1).then_some(b.guard)
    })
}

/// The gate of a step sitting in arms `path`: its innermost arm's, except a try arm, which
/// runs whenever its block runs (so the gate is the one around the block).
pub(crate) fn gate_of(blocks: &[BlockDoc], path: &[ArmRef]) -> Option<Gate> {
    path.iter().rev().find_map(|a| {
        let b = blocks.get(a.block as usize)?;
        (b.kind == BlockKind::Branch || a.arm == 1).then_some(Gate {
            block: a.block,
            guard: b.guard,
            arm: a.arm,
        })
    })
}

/// The try block whose `catch` takes a failure of a step sitting in arms `path`.
pub(crate) fn catcher_of(blocks: &[BlockDoc], path: &[ArmRef]) -> Option<u32> {
    path.iter().rev().find_map(|a| {
        let b = blocks.get(a.block as usize)?;
        (b.kind == BlockKind::Try && a.arm == 0).then_some(a.block)
    })
}

/// The steps that a generated step waits for besides what its templates read: a catch guard
/// waits for every step of the try arm; a join, for every step of every arm and the guard.
/// A gated step waits for its guard.
pub(crate) fn block_deps(doc: &FlowDoc, k: usize) -> Vec<usize> {
    let step = &doc.steps[k];
    let mut deps: Vec<usize> = gate_of(&doc.blocks, &step.path)
        .map(|g| g.guard)
        .into_iter()
        .collect();
    match step.part {
        Some(BlockPart::Catch(b)) => {
            if let Some(arm) = doc.blocks.get(b as usize).and_then(|b| b.arms.first()) {
                deps.extend(arm.steps.clone());
            }
        }
        Some(BlockPart::Join(b)) => {
            if let Some(b) = doc.blocks.get(b as usize) {
                deps.push(b.guard);
                for arm in &b.arms {
                    deps.extend(arm.steps.clone());
                }
            }
        }
        _ => {}
    }
    deps.retain(|&d| d != k);
    deps.sort_unstable();
    deps.dedup();
    deps
}

#[cfg(test)]
mod tests {
    use super::*;
    use flow_model::{Diagnostics, SourceId};

    fn doc(steps: &str) -> FlowDoc {
        let mut diags = Diagnostics::new();
        let text =
            format!("flow: f\ntrigger:\n  helper:\n    inputs: {{ n: number }}\nsteps:\n{steps}");
        let d = FlowDoc::parse(SourceId(0), &text, &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        d.unwrap()
    }

    const NESTED: &str = "  - id: safe\n    try:\n      steps:\n        - id: route\n          branch:\n            - when: \"{{ inputs.n }}\"\n              steps:\n                - { id: a, card: object.construct, with: { fields: {} } }\n    catch:\n      steps:\n        - { id: c, card: object.construct, with: { fields: {} } }\n";

    #[test]
    fn gates_catchers_and_waits_follow_the_arms() {
        let d = doc(NESTED);
        // route.when, a, route, safe.catch, c, safe
        let ids: Vec<&str> = d.steps.iter().map(|s| s.id.value.as_str()).collect();
        assert_eq!(ids, ["route.when", "a", "route", "safe.catch", "c", "safe"]);
        let gate = |k: usize| gate_of(&d.blocks, &d.steps[k].path);
        let catcher = |k: usize| catcher_of(&d.blocks, &d.steps[k].path);
        // The try arm runs whenever the block does: no gate.
        assert_eq!(gate(0), None);
        assert_eq!(
            gate(1),
            Some(Gate {
                block: 1,
                guard: 0,
                arm: 0
            })
        );
        assert_eq!(
            gate(4),
            Some(Gate {
                block: 0,
                guard: 3,
                arm: 1
            })
        );
        assert_eq!(
            (catcher(0), catcher(1), catcher(4)),
            (Some(0), Some(0), None)
        );
        assert_eq!(block_deps(&d, 3), vec![0, 1, 2]);
        assert_eq!(block_deps(&d, 5), vec![0, 1, 2, 3, 4]);
        assert_eq!(block_deps(&d, 1), vec![0]);
    }

    #[test]
    fn a_step_inside_an_arm_is_hidden_outside_it() {
        let d = doc(NESTED);
        let paths: Vec<Vec<ArmRef>> = d.steps.iter().map(|s| s.path.clone()).collect();
        // From `c` (the catch arm), `a` (case 1 of route, inside try) is hidden by the try arm.
        let place = Place::of_step(&d, &paths, 4);
        let (block, arm) = place.hidden(1).unwrap();
        assert_eq!((block.id.value.as_str(), arm), ("safe", "try"));
        assert_eq!(place.error, Some(3));
        // From the join `route`, `a` is hidden by case 1; from inside case 1 it is not.
        let (block, arm) = Place::of_step(&d, &paths, 2).hidden(1).unwrap();
        assert_eq!((block.id.value.as_str(), arm), ("route", "case 1"));
        assert!(Place::of_step(&d, &paths, 1).hidden(1).is_none());
        assert!(Place::of_step(&d, &paths, 5).hidden(5).is_none());
        assert_eq!(Place::of_step(&d, &paths, 1).error, None);
    }
}
