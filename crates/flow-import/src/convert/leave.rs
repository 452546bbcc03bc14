//! Cards that leave only the inline flow or branch they are in: in Okta, a Continue If, Return,
//! Return Raw or Close inside an If/Else branch (or an If Error block, an If/ElseIf group) ends
//! that branch or block, and the flow goes on after it. flowctl's `flow.continue_if` and
//! `flow.return` end the whole run, so they are written in another form, or reported:
//!
//! - Continue If at the end of its branch or block does nothing; before other cards, the rest
//!   of the branch or block becomes a `branch:` block whose one case is its condition (the
//!   guard is written when the first card after it has a step).
//! - Return with no values at the end of its branch does nothing (one that ends a block is
//!   handled by [`Cx::in_scope`]).
//! - Return Raw and Close at the end of their branch set the branch's `outputs:` (the answer),
//!   and one `http.close` after the If/Else answers with them: flowctl has one `http.close` per
//!   flow (`E0213`), so every Return Raw and Close of the flow must end a branch of that one
//!   If/Else. Okta's Close lets the flow go on; whether its Return Raw in a branch ends the
//!   branch or the flow is not documented, so a Return Raw is converted only when nothing runs
//!   after the If/Else (where both are the same).

use super::blocks::{Arm, Block};
use super::try_catch::Scope;
use super::{Cx, Step};
use crate::export::{FlowData, Method, find_field};
use crate::names::Unique;
use crate::table::Special;
use crate::value::Val;
use crate::yaml::Yaml;
use serde_json::Value;

/// A Continue If whose guard is written when the first card after it has a step.
#[derive(Debug, Clone)]
pub(super) struct Guard {
    /// The condition (a template expression, no braces).
    pub(super) when: String,
    /// Its comments.
    pub(super) comments: Vec<String>,
}

/// The output names the arms of an If/Else give the answer of their Return Raw or Close.
#[derive(Debug, Clone)]
pub(super) struct Answer {
    answered: String,
    status: String,
    headers: String,
    body: String,
}

/// The Return Raw and Close cards of a flow and of its inline flows.
pub(super) fn closers(flow: &FlowData) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![flow];
    while let Some(f) = stack.pop() {
        for m in &f.methods {
            // Okta's Close and Return Raw, and any card that answers the HTTP caller under
            // another address (the HTTP connector's Close).
            let answers = matches!(
                super::lookup_special(m),
                Some(Special::ReturnRaw | Special::Close)
            ) || m.key.ends_with(":close")
                || m.key.ends_with(":returnRaw");
            if answers {
                out.push(m.uuid.clone());
            }
            stack.extend(m.inline.as_deref());
            stack.extend(m.arms.iter().map(|(_, f)| f));
            if let Some(tc) = m.try_catch.as_deref() {
                stack.push(&tc.0);
                stack.push(&tc.1);
            }
        }
    }
    out
}

impl<'a> Cx<'a> {
    /// A Continue If, Return, Return Raw or Close inside an If/Else branch, or a Continue If
    /// inside an If Error block or If/ElseIf group: its step (or none), or why it cannot be
    /// converted. `None`: the card is not one of those, or not inside one.
    pub(super) fn leave(
        &mut self,
        m: &'a Method,
        special: Option<Special>,
    ) -> Option<Result<Option<Step>, String>> {
        let in_branch = !self.branches.of(&m.uuid).is_empty();
        let name = m.name.trim().to_string();
        match special? {
            Special::ContinueIf if in_branch => {
                if self.branches.last_in_branch(&m.uuid) {
                    return Some(self.no_op(m, "at the end of its If/Else branch"));
                }
                Some(self.guard(m))
            }
            Special::ContinueIf => match &self.scope {
                Scope::Block { last } if *last == m.uuid => {
                    Some(self.no_op(m, "at the end of its block"))
                }
                Scope::Block { .. } => Some(self.guard(m)),
                Scope::Flow | Scope::Batch => None,
            },
            Special::Return if in_branch => {
                let has_values = m.inputs.iter().any(|f| f.custom && !f.wormhole);
                if has_values {
                    return Some(Err(format!(
                        "{name} with values inside an If/Else branch: Okta leaves only the branch, and flowctl has no place for its values (not yet)"
                    )));
                }
                if !self.branches.last_in_branch(&m.uuid) {
                    return Some(Err(format!(
                        "{name} inside an If/Else branch with cards after it (not yet)"
                    )));
                }
                Some(self.no_op(m, "at the end of its If/Else branch"))
            }
            Special::ReturnRaw | Special::Close if in_branch => Some(self.answer_in_branch(m)),
            _ => None,
        }
    }

    /// A card that only leaves its branch or block where it is last: no step, a comment on
    /// the next.
    fn no_op(&mut self, m: &Method, place: &str) -> Result<Option<Step>, String> {
        self.notes.push(format!(
            "Okta: {}: {place}, it only leaves it; nothing to do here",
            m.name.trim()
        ));
        Ok(None)
    }

    /// Continue If before other cards of its branch or block: they run only when its
    /// condition holds (Okta leaves the branch or block otherwise).
    fn guard(&mut self, m: &Method) -> Result<Option<Step>, String> {
        let when = self.condition(m)?;
        let mut comments = self.take_notes(m);
        comments.push(
            "Okta's Continue If leaves only its branch or block: the cards after it run only when it holds"
                .into(),
        );
        let dest = self.dest.clone();
        self.pending.insert(dest, Guard { when, comments });
        Ok(None)
    }

    /// Follows the guards of `self.dest`: the cards after a Continue If go into its guard's
    /// case, written now unless `card` has no step of its own (a Return that ends a block, a
    /// Join). Returns whether the card is behind a guard.
    pub(super) fn enter_guards(&mut self, special: Option<Special>) -> bool {
        let mut guarded = false;
        loop {
            if let Some(next) = self.redirect.get(&self.dest) {
                self.dest = next.clone();
                guarded = true;
                continue;
            }
            let stepless = matches!(
                special,
                Some(
                    Special::Return
                        | Special::Join
                        | Special::ListConstruct
                        | Special::OpsgenieParticipant
                        | Special::OpsgenieTimeRestriction
                )
            );
            if stepless || !self.pending.contains_key(&self.dest) {
                return guarded;
            }
            let Some(guard) = self.pending.remove(&self.dest) else {
                return guarded;
            };
            let id = self.ids.claim("continue_if".into(), "_");
            let from = self.dest.clone();
            let inner = self.place_block(Step {
                id,
                comments: guard.comments,
                block: Some(Box::new(Block::Branch {
                    cases: vec![(guard.when, Arm::default())],
                    otherwise: Arm::default(),
                    names: Unique::default(),
                })),
                ..Step::default()
            });
            self.redirect.insert(from, inner);
        }
    }

    /// The status, headers and body a Return Raw or Close answers with: its `statusCode`,
    /// `headers` and `body` inputs, or the fields of its `headers` and `body` groups (Okta's
    /// Close); another input with a value has no counterpart.
    fn answer_values(&mut self, m: &Method) -> Result<(Yaml, Yaml, Yaml), String> {
        let mut used = std::collections::HashSet::new();
        let mut status = Yaml::Num("200".into());
        let mut one = |cx: &mut Self, key: &str| -> Result<Option<Val>, String> {
            let Some(f) = find_field(&m.inputs, key).filter(|f| f.group.as_deref() != Some(key))
            else {
                return Ok(None);
            };
            used.insert(f.id.clone());
            let id = f.id.clone();
            cx.input(m, &id, 0)
        };
        match one(self, "statusCode")? {
            Some(Val::Const(Value::Number(n))) if n.as_u64() == Some(0) => {}
            // Okta's Close keeps its status as text.
            Some(Val::Const(Value::String(t))) if t.trim().parse::<u16>().is_ok() => {
                status = Yaml::Num(t.trim().to_string());
            }
            Some(v) => status = v.to_yaml(),
            None => {}
        }
        let headers = one(self, "headers")?;
        let body = one(self, "body")?;
        // Okta's Close: a field per header and per body key, in groups `headers` and `body`.
        let mut group = |cx: &mut Self, name: &str| -> Result<Option<Val>, String> {
            let fields: Vec<(String, String)> = m
                .inputs
                .iter()
                .filter(|f| f.group.as_deref() == Some(name) && !f.wormhole)
                .map(|f| (f.key.clone(), f.id.clone()))
                .collect();
            let mut entries = Vec::new();
            for (key, id) in fields {
                used.insert(id.clone());
                if let Some(v) = cx.input(m, &id, 0)? {
                    entries.push((key, v));
                }
            }
            Ok((!entries.is_empty()).then_some(Val::Map(entries)))
        };
        let headers = match headers {
            Some(h) => Some(h),
            None => group(self, "headers")?,
        };
        let body = match body {
            Some(b) => Some(b),
            None => group(self, "body")?,
        };
        self.refuse_unused(m, &used)?;
        Ok((
            status,
            headers.map_or(Yaml::Map(Vec::new()), |v| v.to_yaml()),
            body.map_or(Yaml::Null, |v| v.to_yaml()),
        ))
    }

    /// Return Raw or Close at the end of an If/Else branch: its answer is the arm's outputs, and
    /// one `http.close` after the If/Else answers with them.
    fn answer_in_branch(&mut self, m: &Method) -> Result<Option<Step>, String> {
        let name = m.name.trim().to_string();
        if self.trigger_kind != Some("api_endpoint") {
            return Err("answers an HTTP caller, but this flow is not an API Endpoint flow".into());
        }
        let Some((if_card, flag)) = self.branches.of(&m.uuid).last().cloned() else {
            return Err(format!("{name} outside an If/Else branch"));
        };
        if !self.branches.last_in_branch(&m.uuid) {
            return Err(format!(
                "{name} inside an If/Else branch with cards after it (not yet)"
            ));
        }
        // flowctl answers once per flow: every Return Raw and Close must end a branch of this
        // If/Else, one per branch.
        let mut flags = Vec::new();
        for c in &self.closers {
            match self.branches.of(c).last() {
                Some((i, f)) if *i == if_card && self.branches.last_in_branch(c) => flags.push(*f),
                _ => {
                    return Err(format!(
                        "{name} inside an If/Else branch, while the flow answers its caller elsewhere too: Okta answers from each, flowctl has one `http.close` per flow (E0213)"
                    ));
                }
            }
        }
        if flags.iter().filter(|f| **f == flag).count() > 1 {
            return Err(format!(
                "{name}: two answers in one If/Else branch (flowctl has one `http.close` per flow)"
            ));
        }
        // Okta documents that Close lets the flow go on; for Return Raw in a branch it does not
        // say whether it ends the branch or the flow, which is the same only when nothing runs
        // after the If/Else.
        let ends_flow_too =
            matches!(self.scope, Scope::Flow) && self.branches.nothing_after(&if_card);
        if super::lookup_special(m) == Some(Special::ReturnRaw) && !ends_flow_too {
            return Err(format!(
                "{name} inside an If/Else branch with cards after the If/Else: whether Okta's Return Raw leaves only the branch or ends the flow is not known (not yet)"
            ));
        }
        if self.guarded.contains(&m.uuid) {
            return Err(format!(
                "{name} after a Continue If in its If/Else branch (not yet)"
            ));
        }
        let (status, headers, body) = self.answer_values(m)?;
        let Some((parent, index)) = self.blocks.get(&if_card).cloned() else {
            return Err("is inside an If/Else that was not converted".into());
        };
        let both = flags.contains(&true) && flags.contains(&false);
        let answer = match self.answers.get(&if_card) {
            Some(a) => a.clone(),
            None => {
                let Some(Block::Branch { names, .. }) = self.block_at(&parent, index) else {
                    return Err("is inside an If/Else that was not converted".into());
                };
                let a = Answer {
                    answered: names.claim("answered".into(), "_"),
                    status: names.claim("answer_status".into(), "_"),
                    headers: names.claim("answer_headers".into(), "_"),
                    body: names.claim("answer_body".into(), "_"),
                };
                self.answers.insert(if_card.clone(), a.clone());
                let block_id = self.block_id(&parent, index);
                let r = |n: &str| Yaml::str(format!("{{{{ {block_id}.{n} }}}}"));
                let mut comments = vec![format!(
                    "Okta: {name} (in a branch of the If/Else above): it answers the caller and the flow goes on"
                )];
                if !both {
                    comments.push("Only the branch that answers in Okta sets `answered`".into());
                }
                self.closed = true;
                let step = Step {
                    id: self.ids.step("answer"),
                    card: "http.close".into(),
                    comments,
                    condition: (!both).then(|| format!("{block_id}.{}", a.answered)),
                    with: vec![
                        ("status".into(), r(&a.status)),
                        ("headers".into(), r(&a.headers)),
                        ("body".into(), r(&a.body)),
                    ],
                    ..Step::default()
                };
                // Right after the If/Else block: its cards after the Join come later.
                match parent.is_empty() {
                    true => self.steps.push(step),
                    false => match self.arm_at(&parent) {
                        Some(arm) => arm.steps.push(step),
                        None => return Err("is inside an If/Else that was not converted".into()),
                    },
                }
                a
            }
        };
        let outputs = vec![
            (answer.answered, Yaml::Bool(true)),
            (answer.status, status),
            (answer.headers, headers),
            (answer.body, body),
        ];
        if !self.arm_outputs(outputs) {
            return Err("is inside an If/Else that was not converted".into());
        }
        Ok(None)
    }
}
