//! Blocks: an If/Else becomes a `branch:` block (its true branch the case, its false branch
//! `else:`), an If Error a `try:`/`catch:` block. The cards inside are converted in Okta's
//! order like the others; their steps go into the block's arm instead of the flow's list
//! ([`Cx::emit`]). A Join after an If/Else reads the block's `outputs:`, which each arm sets.

use super::try_catch::{Scope, last_card};
use super::{Cx, Dest, Step};
use crate::export::Method;
use crate::names::{Unique, snake};
use crate::value::Val;
use crate::yaml::{self, Yaml};

/// The destination of arm `arm` of a block whose arm 0 is at `inner`.
pub(super) fn arm_dest(inner: &[(usize, usize)], arm: usize) -> Dest {
    let mut d = inner.to_vec();
    if let Some(last) = d.last_mut() {
        last.1 = arm;
    }
    d
}

/// A block step's arms.
#[derive(Debug, Clone)]
pub(super) enum Block {
    /// `branch:` — each case with its condition (a template expression, no braces), then
    /// `else:`.
    Branch {
        /// `(when, arm)`, in order.
        cases: Vec<(String, Arm)>,
        /// `else:`.
        otherwise: Arm,
        /// Output names given so far.
        names: Unique,
    },
    /// `try:` and `catch:`.
    Try {
        /// `try:`.
        body: Arm,
        /// `catch:`.
        catch: Arm,
    },
}

/// One arm of a block: its steps and the outputs it declares.
#[derive(Debug, Clone, Default)]
pub(super) struct Arm {
    /// The steps, in order.
    pub(super) steps: Vec<Step>,
    /// `outputs:`.
    pub(super) outputs: Vec<(String, Yaml)>,
}

impl Block {
    /// The arm at `index` (cases first, then `else`; `try` then `catch`).
    fn arm_mut(&mut self, index: usize) -> Option<&mut Arm> {
        match self {
            Block::Branch {
                cases, otherwise, ..
            } => {
                if index < cases.len() {
                    cases.get_mut(index).map(|(_, a)| a)
                } else if index == cases.len() {
                    Some(otherwise)
                } else {
                    None
                }
            }
            Block::Try { body, catch } => match index {
                0 => Some(body),
                1 => Some(catch),
                _ => None,
            },
        }
    }
}

impl<'a> Cx<'a> {
    /// The arm at the end of `dest` (`None` for the flow's list, or a path that leads nowhere).
    pub(super) fn arm_at(&mut self, dest: &[(usize, usize)]) -> Option<&mut Arm> {
        let ((last_block, last_arm), outer) = dest.split_last()?;
        let mut steps = &mut self.steps;
        for (block, arm) in outer {
            steps = &mut steps
                .get_mut(*block)?
                .block
                .as_deref_mut()?
                .arm_mut(*arm)?
                .steps;
        }
        steps
            .get_mut(*last_block)?
            .block
            .as_deref_mut()?
            .arm_mut(*last_arm)
    }

    /// The block step at `index` of the list `dest` leads to.
    pub(super) fn block_at(&mut self, dest: &[(usize, usize)], index: usize) -> Option<&mut Block> {
        let steps = match dest.is_empty() {
            true => &mut self.steps,
            false => &mut self.arm_at(dest)?.steps,
        };
        steps.get_mut(index)?.block.as_deref_mut()
    }

    /// Adds a step where the card being converted belongs: the flow's list, or the arm of the
    /// block it is inside.
    pub(super) fn emit(&mut self, step: Step) {
        let dest = self.dest.clone();
        match self.arm_at(&dest) {
            Some(arm) => arm.steps.push(step),
            None => self.steps.push(step),
        }
    }

    /// Adds a block step where the card being converted belongs and records it for `card`;
    /// returns the destination of the block's arms (arm 0 filled in).
    pub(super) fn push_block(&mut self, card: &str, step: Step) -> Dest {
        let parent = self.dest.clone();
        let index = match self.arm_at(&parent) {
            Some(arm) => {
                arm.steps.push(step);
                arm.steps.len() - 1
            }
            None => {
                self.steps.push(step);
                self.steps.len() - 1
            }
        };
        self.blocks
            .insert(card.to_string(), (parent.clone(), index));
        let mut inner = parent;
        inner.push((index, 0));
        inner
    }

    /// Adds a block step where the card being converted belongs, for no card (a Continue If's
    /// guard); returns the destination of its arm 0.
    pub(super) fn place_block(&mut self, step: Step) -> Dest {
        let parent = self.dest.clone();
        let index = match self.arm_at(&parent) {
            Some(arm) => {
                arm.steps.push(step);
                arm.steps.len() - 1
            }
            None => {
                self.steps.push(step);
                self.steps.len() - 1
            }
        };
        let mut inner = parent;
        inner.push((index, 0));
        inner
    }

    /// The id of the step at `index` of the list `parent` leads to.
    pub(super) fn block_id(&mut self, parent: &[(usize, usize)], index: usize) -> String {
        let steps = match parent.is_empty() {
            true => Some(&mut self.steps),
            false => self.arm_at(parent).map(|a| &mut a.steps),
        };
        steps
            .and_then(|steps| steps.get(index))
            .map(|s| s.id.clone())
            .unwrap_or_default()
    }

    /// Adds outputs to the arm the card being converted is in (a Return that ends it); false
    /// when it is in none.
    pub(super) fn arm_outputs(&mut self, entries: Vec<(String, Yaml)>) -> bool {
        let dest = self.dest.clone();
        match self.arm_at(&dest) {
            Some(arm) => {
                arm.outputs.extend(entries);
                true
            }
            None => false,
        }
    }

    /// If/ElseIf → a `branch:` block: a case per group (`if`, then each ElseIf group), with the
    /// group's comparison as `when:` and its inline flow's cards as steps, and `else:`. A
    /// Return that ends a group's flow sets that arm's outputs, which the card's outputs read.
    pub(super) fn if_else_if(&mut self, m: &'a Method, id: &str) -> Result<Option<Step>, String> {
        if m.arms.is_empty() {
            return Err("its groups' flows are missing".into());
        }
        // An If/Else, If/ElseIf or If Error inside a group is a block in its arm.
        let known = ["flo", "left-operand", "operator", "right-operand"];
        for f in &m.inputs {
            let wired = self.wires.contains_key(&(m.uuid.as_str(), f.id.as_str()));
            if !f.wormhole && !known.contains(&f.key.as_str()) && (wired || !f.is_blank()) {
                return Err(format!(
                    "its input `{}` has no flowctl counterpart",
                    f.label()
                ));
            }
        }
        let mut cases = Vec::new();
        for (group, _) in &m.arms {
            if !group.eq_ignore_ascii_case("else") {
                let when = self.condition_in(m, &format!("{group}/"))?;
                cases.push((when, Arm::default()));
            }
        }
        let n = cases.len();
        for (_, flow) in &m.arms {
            self.register(flow);
            self.wormholes(m, flow);
            for card in flow.methods.iter().filter(|c| c.key == "control:callable") {
                for o in card.outputs.iter().filter(|o| !o.wormhole) {
                    self.outputs.insert(
                        (card.uuid.clone(), o.id.clone()),
                        Err(format!(
                            "reads the If/ElseIf group's `{}` (not yet)",
                            o.label()
                        )),
                    );
                }
            }
        }
        let comments = self.take_notes(m);
        let inner = self.push_block(
            &m.uuid,
            Step {
                id: id.to_string(),
                comments,
                block: Some(Box::new(Block::Branch {
                    cases,
                    otherwise: Arm::default(),
                    names: Unique::default(),
                })),
                ..Step::default()
            },
        );
        let (outer_dest, outer_scope) = (self.dest.clone(), self.scope.clone());
        let mut next_case = 0;
        for (group, flow) in &m.arms {
            let arm = if group.eq_ignore_ascii_case("else") {
                n
            } else {
                next_case += 1;
                next_case - 1
            };
            self.scope = Scope::Block {
                last: last_card(flow),
            };
            self.dest = arm_dest(&inner, arm);
            for c in super::order::order(flow) {
                if c.key != "control:callable" {
                    self.card(c);
                }
            }
        }
        self.scope = outer_scope;
        self.dest = outer_dest;
        for o in &m.outputs {
            self.outputs.insert(
                (m.uuid.clone(), o.id.clone()),
                Ok(Val::Ref(format!("{id}.{}", snake(&o.key, "output")))),
            );
        }
        Ok(None)
    }

    /// Assign If → `flow.assign_if` (or, with a registry that lacks it, a `branch:` block with
    /// no steps whose arms set `value`) of the card's value if true and its value if false. Its export layout was not seen in a real export: the
    /// comparison as If/Else's, the values under `true`/`false` (or `value if true`/`value if
    /// false`); another input with a value blocks the card.
    pub(super) fn assign_if(&mut self, m: &'a Method, id: &str) -> Result<Option<Step>, String> {
        // `valueIfTrue`/`valueIfFalse` are the keys the public templates have.
        const TRUE: &[&str] = &["valueiftrue", "true", "value if true", "if true", "then"];
        const FALSE: &[&str] = &[
            "valueiffalse",
            "false",
            "value if false",
            "if false",
            "else",
        ];
        let known = ["left-operand", "operator", "right-operand"];
        for f in &m.inputs {
            let k = f.key.to_ascii_lowercase();
            let wired = self.wires.contains_key(&(m.uuid.as_str(), f.id.as_str()));
            let ours = known.contains(&k.as_str())
                || TRUE.contains(&k.as_str())
                || FALSE.contains(&k.as_str());
            if !f.wormhole && !ours && (wired || !f.is_blank()) {
                return Err(format!(
                    "its input `{}` has no flowctl counterpart",
                    f.label()
                ));
            }
        }
        let when = self.condition(m)?;
        let value = |cx: &mut Self, keys: &[&str]| -> Result<Yaml, String> {
            for k in keys {
                if let Some(v) = cx.input_by_key(m, k)? {
                    return Ok(v.to_yaml());
                }
            }
            Ok(Yaml::Null)
        };
        let yes = value(self, TRUE)?;
        let no = value(self, FALSE)?;
        let has_card = self
            .catalog
            .kinds
            .as_ref()
            .is_none_or(|k| k.has("flow.assign_if"));
        if has_card {
            self.single_output(m, Ok(Val::Ref(id.to_string())));
            let mut with = vec![
                (
                    "condition".to_string(),
                    Yaml::Str(format!("{{{{ {when} }}}}")),
                ),
                ("then".to_string(), yes),
            ];
            if no != Yaml::Null {
                with.push(("else".to_string(), no));
            }
            return Ok(Some(Step {
                id: id.to_string(),
                card: "flow.assign_if".into(),
                with,
                ..Step::default()
            }));
        }
        self.single_output(m, Ok(Val::Ref(format!("{id}.value"))));
        Ok(Some(Step {
            id: id.to_string(),
            block: Some(Box::new(Block::Branch {
                cases: vec![(
                    when,
                    Arm {
                        steps: Vec::new(),
                        outputs: vec![("value".into(), yes)],
                    },
                )],
                otherwise: Arm {
                    steps: Vec::new(),
                    outputs: vec![("value".into(), no)],
                },
                names: Unique::default(),
            })),
            ..Step::default()
        }))
    }

    /// Where the steps of `m` go: the arm of the If/Else branch it is in, or (outside
    /// branches) where the steps of the card around it go.
    pub(super) fn dest_of(&self, m: &Method) -> Result<Dest, String> {
        let Some((if_card, flag)) = self.branches.of(&m.uuid).last() else {
            return Ok(self.dest.clone());
        };
        match self.blocks.get(if_card) {
            Some((parent, index)) => {
                let mut dest = parent.clone();
                dest.push((*index, if *flag { 0 } else { 1 }));
                Ok(dest)
            }
            None => Err("is inside an If/Else that was not converted".into()),
        }
    }

    /// An If/Else card as a `branch:` block step (the steps of its branches are added as
    /// they are converted).
    pub(super) fn branch_block(&mut self, m: &Method, id: &str) -> Result<Step, String> {
        if let Some(why) = self.branches.unsupported.get(&m.uuid) {
            return Err(why.clone());
        }
        let condition = self.condition(m)?;
        for o in &m.outputs {
            self.outputs.insert(
                (m.uuid.clone(), o.id.clone()),
                Err(format!(
                    "reads the If/Else output `{}` (not yet)",
                    o.label()
                )),
            );
        }
        // The block is the next step of the list the card's steps go to.
        let dest = self.dest.clone();
        let index = match self.arm_at(&dest) {
            Some(arm) => arm.steps.len(),
            None => self.steps.len(),
        };
        self.blocks.insert(m.uuid.clone(), (dest, index));
        Ok(Step {
            id: id.to_string(),
            block: Some(Box::new(Block::Branch {
                cases: vec![(condition, Arm::default())],
                otherwise: Arm::default(),
                names: Unique::default(),
            })),
            ..Step::default()
        })
    }

    /// A Join output: the output of the If/Else block its branches end in, which each arm sets
    /// to the value wired into the Join from that branch.
    pub(super) fn joined(&mut self, m: &Method, output: &str) -> Result<Val, String> {
        let Some((input, _)) = m
            .joins
            .iter()
            .find(|(_, outs)| outs.iter().any(|o| o == output))
        else {
            return Err("reads a Join output that no branch sets".into());
        };
        let wires = self
            .all_wires
            .get(&(m.uuid.as_str(), input.as_str()))
            .cloned()
            .unwrap_or_default();
        // Which If/Else: the one whose branches end in it, or the one a wired card is inside.
        let if_card = match self.branches.join_of(&m.uuid) {
            Some(c) => Some(c.to_string()),
            None => wires
                .iter()
                .find_map(|(src, _, _)| self.branches.of(src).last().map(|(c, _)| c.clone())),
        };
        let Some(if_card) = if_card else {
            return Err("a Join whose If/Else is not known".into());
        };
        let Some((parent, block)) = self.blocks.get(&if_card).cloned() else {
            return Err("reads a Join after an If/Else that was not converted".into());
        };
        let mut arms: [Option<Val>; 2] = [None, None];
        let mut outside = Vec::new();
        for (src, out, convert) in wires {
            // A conversion of a branch's value is a step of that branch's arm.
            let arm = self
                .branches
                .of(src)
                .iter()
                .find(|(c, _)| *c == if_card)
                .map(|(_, flag)| usize::from(!*flag));
            let saved = self.dest.clone();
            if let Some(arm) = arm {
                let mut d = parent.clone();
                d.push((block, arm));
                self.dest = d;
            }
            let v = self
                .output(src, out, 0)
                .and_then(|v| self.conversion(src, out, v, convert));
            self.dest = saved;
            let v = v?;
            if self.guarded.contains(src) {
                return Err("reads a value set after a Continue If in its branch (not yet)".into());
            }
            let inside = self.branches.of(src);
            match inside.iter().find(|(c, _)| *c == if_card) {
                // A card of an inner If/Else's branch is not readable outside that arm.
                Some(_) if inside.last().is_some_and(|(c, _)| *c != if_card) => {
                    return Err(
                        "reads a value from inside an inner If/Else's branch, not its Join (not yet)"
                            .into(),
                    );
                }
                Some((_, flag)) => arms[usize::from(!*flag)] = Some(v),
                None => outside.push(v),
            }
        }
        // A branch that passes a value from before the If/Else sets it from there.
        for slot in arms.iter_mut().filter(|a| a.is_none()) {
            if !outside.is_empty() {
                *slot = Some(outside.remove(0));
            }
        }
        let label = m
            .output_by_id(output)
            .map(|o| o.display_name.clone().unwrap_or_else(|| o.key.clone()))
            .unwrap_or_default();
        let Some(Block::Branch {
            cases,
            otherwise,
            names,
        }) = self.block_at(&parent, block)
        else {
            return Err("reads a Join after an If/Else that was not converted".into());
        };
        let name = names.claim(snake(&label, "value"), "_");
        for (arm, v) in cases
            .iter_mut()
            .map(|(_, a)| a)
            .chain(std::iter::once(otherwise))
            .zip(arms)
        {
            arm.outputs.push((
                name.clone(),
                v.unwrap_or(Val::Const(serde_json::Value::Null)).to_yaml(),
            ));
        }
        let block_id = self.block_id(&parent, block);
        Ok(Val::Ref(format!("{block_id}.{name}")))
    }
}

/// Writes a step (a card step or a block) whose `- ` is at `indent`.
pub(super) fn write_step(out: &mut String, s: &Step, indent: usize) {
    for c in &s.comments {
        yaml::comment(out, indent, c);
    }
    let key = indent + 2;
    out.push_str(&format!("{:indent$}- id: {}\n", "", s.id));
    if let Some(block) = &s.block {
        write_block(out, block, key);
        return;
    }
    out.push_str(&format!("{:key$}card: {}\n", "", s.card));
    if let Some(c) = &s.condition {
        yaml::entry(out, key, "if", &Yaml::str(format!("{{{{ {c} }}}}")));
    }
    if let Some(e) = s.on_error {
        out.push_str(&format!("{:key$}on_error: {e}\n", ""));
    }
    if !s.with.is_empty() {
        yaml::entry(out, key, "with", &Yaml::Map(s.with.clone()));
    }
}

/// Writes a list of steps whose `- ` is at `indent`, a blank line between two.
pub(super) fn write_steps(out: &mut String, steps: &[Step], indent: usize) {
    for (i, s) in steps.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        write_step(out, s, indent);
    }
}

/// `steps:` and `outputs:` of an arm, at `indent`.
fn write_arm(out: &mut String, arm: &Arm, indent: usize) {
    if arm.steps.is_empty() {
        out.push_str(&format!("{:indent$}steps: []\n", ""));
    } else {
        out.push_str(&format!("{:indent$}steps:\n", ""));
        write_steps(out, &arm.steps, indent + 2);
    }
    if !arm.outputs.is_empty() {
        yaml::entry(out, indent, "outputs", &Yaml::Map(arm.outputs.clone()));
    }
}

fn write_block(out: &mut String, block: &Block, key: usize) {
    match block {
        Block::Branch {
            cases, otherwise, ..
        } => {
            let empty = |a: &Arm| a.steps.is_empty() && a.outputs.is_empty();
            out.push_str(&format!("{:key$}branch:\n", ""));
            // A true branch with nothing in it: the false branch is the case, negated.
            if let [(when, first)] = cases.as_slice()
                && empty(first)
                && !empty(otherwise)
            {
                case(
                    out,
                    &format!("not {}", super::group(when)),
                    otherwise,
                    key + 2,
                );
                return;
            }
            for (when, arm) in cases {
                case(out, when, arm, key + 2);
            }
            if !empty(otherwise) {
                out.push_str(&format!("{:key$}else:\n", ""));
                write_arm(out, otherwise, key + 2);
            }
        }
        Block::Try { body, catch } => {
            out.push_str(&format!("{:key$}try:\n", ""));
            write_arm(out, body, key + 2);
            if !catch.steps.is_empty() || !catch.outputs.is_empty() {
                out.push_str(&format!("{:key$}catch:\n", ""));
                write_arm(out, catch, key + 2);
            }
        }
    }
}

/// One case of a `branch:` list, its `- ` at `indent`.
fn case(out: &mut String, when: &str, arm: &Arm, indent: usize) {
    out.push_str(&format!("{:indent$}- when: ", ""));
    let mut line = String::new();
    yaml::entry(&mut line, 0, "x", &Yaml::str(format!("{{{{ {when} }}}}")));
    out.push_str(line.trim_start_matches("x:").trim_start());
    write_arm(out, arm, indent + 2);
}
