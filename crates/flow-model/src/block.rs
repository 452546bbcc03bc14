//! Blocks of steps as written (`branch:` for Okta's If/Else and If/ElseIf, `try:`/`catch:`
//! for Okta's If Error), and the flattening that turns them into plain steps.
//!
//! A block becomes steps of the one step list, so the compiler and the engine keep one graph
//! (DESIGN: "Blocks are still one graph"): a branch is a guard step `<id>.when` that picks the
//! arm, the steps of every arm, and a join step `<id>` whose output is the outputs of the arm
//! taken; a try block is its steps, a guard step `<id>.catch` that holds the error caught, the
//! catch steps, and the join `<id>`. Each step knows the arms it sits in ([`StepDoc::path`]).

use crate::decode::{Spanned, fields, wrong_type};
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::flow::{OnError, StepDoc, decode_step};
use crate::node::Node;
use crate::span::Span;
use std::ops::Range;

/// One arm of one block, as a place a step sits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArmRef {
    /// The block's number in [`crate::FlowDoc::blocks`].
    pub block: u32,
    /// The arm's number in [`BlockDoc::arms`].
    pub arm: u32,
}

/// What a step generated for a block does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockPart {
    /// `<id>.when`: evaluates a branch's conditions and says which arm is taken.
    Guard(u32),
    /// `<id>.catch`: holds the error a try block caught, or null.
    Catch(u32),
    /// `<id>`: the outputs of the arm taken, read after the block.
    Join(u32),
}

/// The kind of a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    /// `branch:` cases and an optional `else:`; the first case whose `when` holds is taken.
    Branch,
    /// `try:` and an optional `catch:`; arm 0 is the try, arm 1 the catch.
    Try,
}

impl BlockKind {
    /// The word in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            BlockKind::Branch => "branch",
            BlockKind::Try => "try block",
        }
    }
}

/// One block as written.
#[derive(Debug, Clone)]
pub struct BlockDoc {
    /// `id:` — the join step's id: `{{ id.field }}` reads the outputs after the block.
    pub id: Spanned<String>,
    /// Branch or try.
    pub kind: BlockKind,
    /// Branch: the cases in order, then `else` (always there, maybe empty). Try: `try`, then
    /// `catch` (always there, maybe empty).
    pub arms: Vec<ArmDoc>,
    /// The arms the block itself sits in, outermost first.
    pub path: Vec<ArmRef>,
    /// The step that picks the arm (branch) or holds the error (try: the catch guard).
    pub guard: usize,
    /// The join step.
    pub join: usize,
    /// The whole block step.
    pub span: Span,
}

/// One arm of a block.
#[derive(Debug, Clone)]
pub struct ArmDoc {
    /// How messages and records name it: `case 1`, `else`, `try`, `catch`.
    pub label: String,
    /// A case's `when:` condition.
    pub when: Option<Node>,
    /// `outputs:` — a mapping of names to templates, read after the block as `{{ id.name }}`.
    pub outputs: Option<Node>,
    /// Its steps (nested blocks included) in the flattened step list.
    pub steps: Range<usize>,
    /// Where the arm is written.
    pub span: Span,
}

/// Keys of a step that is a block.
const BLOCK_KEYS: &[&str] = &["id", "branch", "else", "try", "catch", "description"];

/// Decodes a list of steps (blocks flattened) into `out`, each inside the arms `path`.
pub(crate) fn decode_steps(
    items: &[Node],
    path: &[ArmRef],
    out: &mut Flat,
    diags: &mut Diagnostics,
) {
    for item in items {
        let is_block = item.as_map().is_some_and(|m| {
            m.iter()
                .any(|(k, _)| matches!(k.as_str(), Some("branch" | "try")))
        });
        if is_block {
            decode_block(item, path, out, diags);
        } else if let Some(mut step) = decode_step(item, diags) {
            step.path = path.to_vec();
            out.steps.push(step);
        }
    }
}

/// Steps and blocks of a flow, flattened.
#[derive(Debug, Default)]
pub(crate) struct Flat {
    /// Every step, the steps blocks generate included, in file order.
    pub steps: Vec<StepDoc>,
    /// Every block, outer before inner.
    pub blocks: Vec<BlockDoc>,
}

/// A step generated for a block.
fn generated(id: String, card: &str, span: Span, path: &[ArmRef], part: BlockPart) -> StepDoc {
    StepDoc {
        id: Spanned::new(id, span),
        card: Spanned::new(card.to_string(), span),
        with: None,
        condition: None,
        after: None,
        retry: None,
        timeout: None,
        on_error: OnError::Fail,
        description: None,
        span,
        path: path.to_vec(),
        part: Some(part),
    }
}

fn decode_block(node: &Node, path: &[ArmRef], out: &mut Flat, diags: &mut Diagnostics) {
    let Some(f) = fields(node, "a block", BLOCK_KEYS, diags) else {
        return;
    };
    let Some(id) = f.req_str("id", diags) else {
        return;
    };
    if !crate::decode::is_identifier(&id.value) {
        diags.push(
            Diagnostic::error(
                Code::InvalidValue,
                Some(id.span),
                format!("`{}` is not a valid step id", id.value),
            )
            .with_help("use lower-case letters, digits and `_`, starting with a letter or `_`"),
        );
    }
    let kind = if f.get("branch").is_some() {
        BlockKind::Branch
    } else {
        BlockKind::Try
    };
    let misplaced: &[&str] = match kind {
        BlockKind::Branch => &["try", "catch"],
        BlockKind::Try => &["else"],
    };
    for key in misplaced {
        if let Some(span) = f.key_span(key) {
            diags.push(
                Diagnostic::error(
                    Code::UnknownKey,
                    Some(span),
                    format!("`{key}` does not belong in a {}", kind.as_str()),
                )
                .with_help(match kind {
                    BlockKind::Branch => "a branch has `branch:` cases and `else:`",
                    BlockKind::Try => "a try block has `try:` and `catch:`",
                }),
            );
        }
    }
    let number = u32::try_from(out.blocks.len()).unwrap_or(u32::MAX);
    let at = |arm: usize| {
        let mut p = path.to_vec();
        p.push(ArmRef {
            block: number,
            arm: u32::try_from(arm).unwrap_or(u32::MAX),
        });
        p
    };
    // Reserve the block's number so nested blocks number after it.
    out.blocks.push(BlockDoc {
        id: id.clone(),
        kind,
        arms: Vec::new(),
        path: path.to_vec(),
        guard: 0,
        join: 0,
        span: node.span,
    });
    let mut arms = Vec::new();
    let guard;
    match kind {
        BlockKind::Branch => {
            guard = out.steps.len();
            out.steps.push(generated(
                format!("{}.when", id.value),
                "flow.branch",
                id.span,
                path,
                BlockPart::Guard(number),
            ));
            let cases_node = f.get("branch");
            let cases = cases_node.and_then(|c| match c.as_seq() {
                Some(s) if !s.is_empty() => Some(s),
                _ => {
                    diags.push(wrong_type(
                        c,
                        "`branch`",
                        "a list of cases (`- when: …`, `steps: […]`)",
                    ));
                    None
                }
            });
            for (k, case) in cases.unwrap_or_default().iter().enumerate() {
                let label = format!("case {}", k + 1);
                arms.push(decode_arm(case, label, true, &at(k), out, diags));
            }
            let k = arms.len();
            arms.push(match f.get("else") {
                Some(e) => decode_arm(e, "else".into(), false, &at(k), out, diags),
                None => empty_arm("else", out.steps.len(), node.span),
            });
        }
        BlockKind::Try => {
            let try_arm = match f.get("try") {
                Some(t) => decode_arm(t, "try".into(), false, &at(0), out, diags),
                None => empty_arm("try", out.steps.len(), node.span),
            };
            arms.push(try_arm);
            guard = out.steps.len();
            out.steps.push(generated(
                format!("{}.catch", id.value),
                "flow.catch",
                f.key_span("catch").unwrap_or(id.span),
                path,
                BlockPart::Catch(number),
            ));
            arms.push(match f.get("catch") {
                Some(c) => decode_arm(c, "catch".into(), false, &at(1), out, diags),
                None => empty_arm("catch", out.steps.len(), node.span),
            });
        }
    }
    let join = out.steps.len();
    let mut join_step = generated(
        id.value.clone(),
        "flow.join",
        id.span,
        path,
        BlockPart::Join(number),
    );
    join_step.description = f.opt_str("description", diags).map(|s| s.value);
    out.steps.push(join_step);
    if let Some(b) = out.blocks.get_mut(number as usize) {
        b.arms = arms;
        b.guard = guard;
        b.join = join;
    }
}

fn empty_arm(label: &str, at: usize, span: Span) -> ArmDoc {
    ArmDoc {
        label: label.into(),
        when: None,
        outputs: None,
        steps: at..at,
        span,
    }
}

/// Decodes one arm: `{ when:, steps:, outputs: }` (`when` only in a case).
fn decode_arm(
    node: &Node,
    label: String,
    case: bool,
    path: &[ArmRef],
    out: &mut Flat,
    diags: &mut Diagnostics,
) -> ArmDoc {
    let keys: &[&str] = if case {
        &["when", "steps", "outputs"]
    } else {
        &["steps", "outputs"]
    };
    let start = out.steps.len();
    let what = format!("`{label}`");
    let Some(f) = fields(node, &what, keys, diags) else {
        return empty_arm(&label, start, node.span);
    };
    let when = if case {
        f.required("when", diags).cloned()
    } else {
        None
    };
    if let Some(s) = f.required("steps", diags) {
        match s.as_seq() {
            Some(items) => decode_steps(items, path, out, diags),
            None => diags.push(wrong_type(s, "`steps`", "a list of steps")),
        }
    }
    let outputs = f.get("outputs").cloned();
    if matches!(label.as_str(), "try" | "catch")
        && let Some(entries) = outputs.as_ref().and_then(|o| o.as_map())
        && let Some((key, _)) = entries.iter().find(|(k, _)| k.as_str() == Some("error"))
    {
        diags.push(
            Diagnostic::error(
                Code::InvalidValue,
                Some(key.span),
                "a try block's `outputs:` cannot name `error`: the block sets it to the error caught",
            )
            .with_help("rename the output"),
        );
    }
    if let Some(o) = &outputs
        && o.as_map().is_none()
    {
        diags.push(wrong_type(
            o,
            "`outputs`",
            "a mapping of names to values (templates)",
        ));
    }
    ArmDoc {
        label,
        when,
        outputs: outputs.filter(|o| o.as_map().is_some()),
        steps: start..out.steps.len(),
        span: node.span,
    }
}

#[cfg(test)]
mod tests {
    use crate::block::{ArmRef, BlockKind, BlockPart};
    use crate::diag::Diagnostics;
    use crate::flow::FlowDoc;
    use crate::span::SourceId;

    fn decode(text: &str) -> (Option<FlowDoc>, Diagnostics) {
        let mut diags = Diagnostics::new();
        let doc = FlowDoc::parse(SourceId(0), text, &mut diags);
        (doc, diags)
    }

    const HEAD: &str = "flow: f\ntrigger:\n  helper:\n    inputs: { n: number }\nsteps:\n";

    #[test]
    fn a_branch_flattens_into_guard_arms_and_join() {
        let (doc, diags) = decode(&format!(
            "{HEAD}  - id: route\n    branch:\n      - when: \"{{{{ inputs.n }}}}\"\n        steps:\n          - {{ id: a, card: object.construct, with: {{ fields: {{}} }} }}\n        outputs: {{ x: 1 }}\n    else:\n      steps:\n        - {{ id: b, card: object.construct, with: {{ fields: {{}} }} }}\n  - {{ id: after, card: object.construct, with: {{ fields: {{}} }} }}\n"
        ));
        assert!(diags.is_empty(), "{diags:?}");
        let doc = doc.unwrap();
        let ids: Vec<&str> = doc.steps.iter().map(|s| s.id.value.as_str()).collect();
        assert_eq!(ids, ["route.when", "a", "b", "route", "after"]);
        assert_eq!(doc.steps[0].part, Some(BlockPart::Guard(0)));
        assert_eq!(doc.steps[3].part, Some(BlockPart::Join(0)));
        assert_eq!(doc.steps[1].path, [ArmRef { block: 0, arm: 0 }]);
        assert_eq!(doc.steps[2].path, [ArmRef { block: 0, arm: 1 }]);
        assert!(doc.steps[4].path.is_empty());
        let b = &doc.blocks[0];
        assert_eq!(b.kind, BlockKind::Branch);
        assert_eq!((b.guard, b.join), (0, 3));
        assert_eq!(b.arms[0].steps, 1..2);
        assert_eq!(b.arms[1].label, "else");
        assert!(b.arms[0].outputs.is_some() && b.arms[1].outputs.is_none());
    }

    #[test]
    fn a_try_block_nests_and_numbers_blocks_outside_in() {
        let (doc, diags) = decode(&format!(
            "{HEAD}  - id: safe\n    try:\n      steps:\n        - id: inner\n          branch:\n            - when: \"{{{{ inputs.n }}}}\"\n              steps: []\n    catch:\n      steps:\n        - {{ id: c, card: object.construct, with: {{ fields: {{}} }} }}\n"
        ));
        assert!(diags.is_empty(), "{diags:?}");
        let doc = doc.unwrap();
        let ids: Vec<&str> = doc.steps.iter().map(|s| s.id.value.as_str()).collect();
        assert_eq!(
            ids,
            ["inner.when", "inner", "safe.catch", "c", "safe"],
            "try steps, catch guard, catch steps, join"
        );
        assert_eq!(doc.blocks[0].kind, BlockKind::Try);
        assert_eq!(doc.blocks[1].path, [ArmRef { block: 0, arm: 0 }]);
        assert_eq!(doc.steps[3].path, [ArmRef { block: 0, arm: 1 }]);
        assert_eq!(doc.blocks[0].guard, 2);
    }

    #[test]
    fn shape_errors_are_reported_with_positions() {
        let (_, diags) = decode(&format!(
            "{HEAD}  - id: route\n    branch: []\n    catch: {{ steps: [] }}\n  - id: t\n    try:\n      steps: []\n      when: x\n      outputs: {{ error: 1 }}\n"
        ));
        let got: Vec<(String, u32)> = diags
            .iter()
            .map(|d| (d.code.as_str().to_string(), d.span.map_or(0, |s| s.start)))
            .collect();
        let text = format!(
            "{HEAD}  - id: route\n    branch: []\n    catch: {{ steps: [] }}\n  - id: t\n    try:\n      steps: []\n      when: x\n      outputs: {{ error: 1 }}\n"
        );
        let at = |needle: &str| u32::try_from(text.find(needle).unwrap()).unwrap();
        assert_eq!(
            got,
            [
                ("E0003".to_string(), at("catch")),
                ("E0004".to_string(), at("[]")),
                ("E0003".to_string(), at("when: x")),
                ("E0006".to_string(), at("error: 1")),
            ]
        );
    }
}
