//! If Error (`control:tryCatch`) → a `try:`/`catch:` block: the Try block's cards become the
//! steps of `try:`, the If Error block's the steps of `catch:`, and its Error context field is
//! the `error` in scope there. A Return that ends a block with no values only leaves the
//! block, so it is dropped.

use super::blocks::{Arm, Block};
use super::order::order;
use super::{Cx, Step};
use crate::export::{FlowData, Method};
use crate::table::Special;
use crate::value::Val;
use crate::yaml::Yaml;

/// Where the card being converted sits.
#[derive(Debug, Default, Clone)]
pub(super) enum Scope {
    /// In the flow itself.
    #[default]
    Flow,
    /// In one of an If Error's blocks: its last card.
    Block { last: String },
    /// In the body of an event batch that ends its flow: flowctl runs the body once per run,
    /// so a card that ends the body (Continue If, Return) ends the run, as in the flow.
    Batch,
}

/// The name of a try block's output: `error` is the error the block caught, so an Okta value
/// named so is `error_value`.
fn try_output(name: String) -> String {
    match name.as_str() {
        "error" => "error_value".to_string(),
        _ => name,
    }
}

/// The uuid of a block's last card (its event card aside).
pub(super) fn last_card(flow: &FlowData) -> String {
    order(flow)
        .iter()
        .rev()
        .find(|m| m.key != "control:callable")
        .map(|m| m.uuid.clone())
        .unwrap_or_default()
}

impl<'a> Cx<'a> {
    /// Converts an If Error card: its two blocks inline, guarded as the module says.
    pub(super) fn try_catch(&mut self, m: &'a Method, id: &str) -> Result<Option<Step>, String> {
        let Some(blocks) = m.try_catch.as_deref() else {
            return Err("its Try and If Error blocks are missing".into());
        };
        let (try_flow, handler) = (&blocks.0, &blocks.1);
        // An If/Else, If/ElseIf or If Error inside a block is a block in its arm.
        for flow in [try_flow, handler] {
            self.register(flow);
        }
        // Values from outside reach the blocks through the event card of each block.
        for flow in [try_flow, handler] {
            self.wormholes(m, flow);
        }
        for card in handler
            .methods
            .iter()
            .filter(|c| c.key == "control:callable")
        {
            for o in card.outputs.iter().filter(|o| !o.wormhole) {
                let v = if o.group.as_deref() == Some("context") && o.key == "error" {
                    Ok(Val::Ref("error".into()))
                } else {
                    Err(format!(
                        "reads the If Error block's `{}` (not yet)",
                        o.label()
                    ))
                };
                self.outputs.insert((card.uuid.clone(), o.id.clone()), v);
            }
        }
        // Its outputs are the Return values of whichever block ran: the block's outputs.
        for o in &m.outputs {
            self.outputs.insert(
                (m.uuid.clone(), o.id.clone()),
                Ok(Val::Ref(format!(
                    "{id}.{}",
                    try_output(crate::names::snake(&o.key, "output"))
                ))),
            );
        }
        // The block goes into its list now, so that its cards' steps go into its arms.
        let comments = self.take_notes(m);
        let inner = self.push_block(
            &m.uuid,
            Step {
                id: id.to_string(),
                comments,
                block: Some(Box::new(Block::Try {
                    body: Arm::default(),
                    catch: Arm::default(),
                })),
                ..Step::default()
            },
        );
        let (outer_dest, outer_scope) = (self.dest.clone(), self.scope.clone());
        for (arm, flow) in [try_flow, handler].into_iter().enumerate() {
            self.scope = Scope::Block {
                last: last_card(flow),
            };
            self.dest = super::blocks::arm_dest(&inner, arm);
            for c in order(flow) {
                if c.key != "control:callable" {
                    self.card(c);
                }
            }
        }
        self.scope = outer_scope;
        self.dest = outer_dest;
        Ok(None)
    }

    /// The values an inline flow's event card carries in from outside (`wormhole` fields),
    /// each the value of the container card's input of the same key.
    pub(super) fn wormholes(&mut self, m: &Method, flow: &'a FlowData) {
        for card in flow.methods.iter().filter(|c| c.key == "control:callable") {
            self.done.insert(card.uuid.clone());
            for o in card.outputs.iter().filter(|o| o.wormhole) {
                let v = match m.inputs.iter().find(|f| f.wormhole && f.key == o.key) {
                    Some(f) => {
                        let id = f.id.clone();
                        self.input(m, &id, 0).and_then(|v| {
                            v.ok_or_else(|| "reads a value its container card does not pass".into())
                        })
                    }
                    None => Err("reads a value its container card does not pass".into()),
                };
                self.outputs.insert((card.uuid.clone(), o.id.clone()), v);
            }
        }
    }

    /// For Each – Ignore Errors wrapping the body of an Okta event flow (Okta runs the body
    /// once per event of a batch and ignores its failures): flowctl starts a run per event,
    /// so the body is written in place, as a `try:` block with no `catch:` (a failure is
    /// ignored the same way). Its event card's fields read the event card's outputs of the
    /// same group and key.
    pub(super) fn event_batch(&mut self, m: &'a Method, id: &str) -> Result<Option<Step>, String> {
        let Some(body) = m.inline.as_deref() else {
            return Err("runs no helper flow".into());
        };
        if self.trigger_kind != Some("okta_event_hook") {
            // Most often the event card itself did not convert (an event type not known yet).
            if let Some(event) = self
                .flow
                .methods
                .iter()
                .find(|c| c.webhook && self.failed.contains(&c.uuid))
            {
                return Err(format!(
                    "runs the event batch of the Okta event card `{}`, which was not converted",
                    event.name.trim()
                ));
            }
            return Err("runs an inline flow outside an Okta event flow (not yet)".into());
        }
        if !matches!(self.scope, Scope::Flow) || !self.dest.is_empty() {
            return Err("an event batch inside a block (not yet)".into());
        }
        let ends_flow = last_card(self.flow) == m.uuid;
        if let Some(c) = body.methods.iter().filter(|_| !ends_flow).find(|c| {
            matches!(
                c.key.as_str(),
                "control:if" | "control:branch" | "control:tryCatch"
            )
        }) {
            return Err(format!("holds `{}` in its body (not yet)", c.name.trim()));
        }
        self.register(body);
        self.wormholes(m, body);
        let event = self.flow.methods.iter().find(|c| c.webhook);
        for card in body.methods.iter().filter(|c| c.key == "control:callable") {
            for o in card.outputs.iter().filter(|o| !o.wormhole) {
                let same = event.and_then(|e| {
                    e.outputs
                        .iter()
                        .find(|eo| eo.group == o.group && eo.key == o.key)
                        .and_then(|eo| self.outputs.get(&(e.uuid.clone(), eo.id.clone())).cloned())
                });
                // Real exports keep the fields on the body's card only (group `Output`).
                let v = same.unwrap_or_else(|| {
                    let mut targets = std::collections::BTreeSet::new();
                    super::event::event_path(
                        o.group.as_deref().unwrap_or(""),
                        &o.key,
                        &mut targets,
                    )
                    .ok_or_else(|| {
                        format!(
                            "reads the event batch's `{}`, which is not one of the event's fields",
                            o.label()
                        )
                    })
                });
                self.outputs.insert((card.uuid.clone(), o.id.clone()), v);
            }
        }
        for o in &m.outputs {
            self.outputs.insert(
                (m.uuid.clone(), o.id.clone()),
                Err(format!(
                    "reads the For Each output `{}` of an event batch (not yet)",
                    o.label()
                )),
            );
        }
        self.notes.push(format!(
            "Okta: {}: Okta runs this body once per event of a batch and ignores its failures; flowctl starts a run per event, and this try block ignores a failure the same way",
            m.name.trim()
        ));
        // Named for what it is, not for the hidden card Okta made.
        self.ids.release(id);
        let id = self.ids.claim("each_event".into(), "_");
        let comments = self.take_notes(m);
        let inner = self.push_block(
            &m.uuid,
            Step {
                id,
                comments,
                block: Some(Box::new(Block::Try {
                    body: Arm::default(),
                    catch: Arm::default(),
                })),
                ..Step::default()
            },
        );
        self.scope = if ends_flow {
            Scope::Batch
        } else {
            Scope::Block {
                last: last_card(body),
            }
        };
        self.dest = inner;
        for c in order(body) {
            if c.key != "control:callable" {
                self.card(c);
            }
        }
        self.scope = Scope::Flow;
        self.dest = Vec::new();
        Ok(None)
    }

    /// Makes an inline flow's cards and wires known.
    pub(super) fn register(&mut self, flow: &'a FlowData) {
        self.branches.extend(super::branches::branches(flow));
        for c in &flow.methods {
            self.by_uuid.insert(c.uuid.as_str(), c);
            for p in &c.pins {
                let key = (p.target.as_str(), p.input.as_str());
                let wire = (c.uuid.as_str(), p.output.as_str(), p.convert.as_deref());
                self.wires.insert(key, wire);
                self.all_wires.entry(key).or_default().push(wire);
            }
        }
    }

    /// Why a card cannot be in an If Error block.
    pub(super) fn scope_forbids(&self, m: &Method, special: Option<Special>) -> Option<String> {
        let last = match &self.scope {
            Scope::Flow | Scope::Batch => return None,
            Scope::Block { last } => last,
        };
        match special {
            Some(Special::Return) if &m.uuid == last => None,
            Some(Special::Return | Special::ReturnRaw | Special::Close) => Some(format!(
                "{} inside an If Error block (not yet)",
                m.name.trim()
            )),
            _ => None,
        }
    }

    /// A Return that ends an If Error block with no values only leaves the block: no step.
    pub(super) fn in_scope(
        &mut self,
        special: Option<Special>,
        step: Option<Step>,
    ) -> Result<Option<Step>, String> {
        let Some(step) = step else {
            return Ok(None);
        };
        if matches!(self.scope, Scope::Flow | Scope::Batch) || special != Some(Special::Return) {
            return Ok(Some(step));
        }
        if step.with.is_empty() {
            return Ok(None);
        }
        // Behind a Continue If's guard, its values would be read outside the guard.
        if self.pending.contains_key(&self.dest) || self.redirect.values().any(|d| *d == self.dest)
        {
            return Err("a Return with values after a Continue If in its block (not yet)".into());
        }
        // Its values are the block's outputs, which the container card's outputs read.
        let in_try = match self.dest.split_last() {
            Some(((index, _), parent)) => {
                let parent = parent.to_vec();
                matches!(self.block_at(&parent, *index), Some(Block::Try { .. }))
            }
            None => false,
        };
        if let Some((key, Yaml::Map(entries))) = step.with.first()
            && key == "outputs"
            && self.arm_outputs(
                entries
                    .iter()
                    .map(|(k, v)| match in_try {
                        true => (try_output(k.clone()), v.clone()),
                        false => (k.clone(), v.clone()),
                    })
                    .collect(),
            )
        {
            return Ok(None);
        }
        Err("a Return with values that ends a block, outside one".into())
    }
}

impl<'a> Cx<'a> {
    /// A card whose error handling is "Run another flow": Okta stops the flow with an error and
    /// runs the helper flow. Its step becomes the one step of a `try:` block whose `catch:`
    /// calls that helper (`flow.call`, its inputs `null`: Okta hands it only its context
    /// fields) and then fails the flow with the card's error (`flow.fail`). The outputs other
    /// cards read are the block's `outputs:`.
    pub(super) fn error_flow(
        &mut self,
        m: &Method,
        id: &str,
        step: Option<Step>,
    ) -> Result<Option<Step>, String> {
        let Some(mut step) = step else {
            return Err("its error handling (\"Run another flow\") on a card with no step".into());
        };
        if step.block.is_some() {
            return Err("its error handling (\"Run another flow\") on a block (not yet)".into());
        }
        let Some(uuid) = m.error_flow.clone() else {
            return Err("its error handling (\"Run another flow\") names no flow".into());
        };
        let Some(name) = self.catalog.names.get(&uuid).cloned() else {
            return Err(format!(
                "its error handling runs the flow {uuid}, which is not in this export"
            ));
        };
        let Some(declared) = self.catalog.helpers.get(&uuid).cloned() else {
            return Err(format!(
                "its error handling runs `{name}`, which is not a helper flow"
            ));
        };
        self.out.calls.insert(uuid);
        // The card's step keeps its name; the block is named for what it does.
        let block_id = self.ids.claim(
            format!("{id}_or_{}", crate::names::snake(&name, "helper")),
            "_",
        );
        step.comments.push(format!(
            "Okta's error handling \"Run another flow\": when it fails, `{name}` runs and the flow stops with its error"
        ));
        // The outputs other cards read, through the block.
        let read: std::collections::HashSet<&str> = self
            .all_wires
            .values()
            .flatten()
            .filter(|(src, _, _)| *src == m.uuid)
            .map(|(_, out, _)| *out)
            .chain(
                self.by_uuid
                    .values()
                    .flat_map(|c| c.inputs.iter())
                    .filter_map(|f| f.src.as_ref())
                    .filter(|(src, _)| *src == m.uuid)
                    .map(|(_, out)| out.as_str()),
            )
            .collect();
        let mut names = crate::names::Unique::default();
        let mut outputs = Vec::new();
        for o in &m.outputs {
            if !read.contains(o.id.as_str()) {
                continue;
            }
            let key = (m.uuid.clone(), o.id.clone());
            let Some(Ok(v)) = self.outputs.get(&key).cloned() else {
                continue;
            };
            let n = names.claim(crate::names::snake(&o.label(), "output"), "_");
            outputs.push((n.clone(), v.to_yaml()));
            self.outputs
                .insert(key, Ok(Val::Ref(format!("{block_id}.{n}"))));
        }
        let inputs = declared
            .iter()
            .map(|(_, n)| (n.clone(), Yaml::Null))
            .collect();
        let call = Step {
            id: self.ids.claim(format!("{id}_error_flow"), "_"),
            card: "flow.call".into(),
            with: vec![
                ("flow".into(), Yaml::str(name)),
                ("inputs".into(), Yaml::Map(inputs)),
            ],
            ..Step::default()
        };
        let fail = Step {
            id: self.ids.claim(format!("{id}_failed"), "_"),
            card: "flow.fail".into(),
            with: vec![("message".into(), Yaml::str("{{ error.message }}"))],
            ..Step::default()
        };
        Ok(Some(Step {
            id: block_id,
            block: Some(Box::new(Block::Try {
                body: Arm {
                    steps: vec![step],
                    outputs,
                },
                catch: Arm {
                    steps: vec![call, fail],
                    outputs: Vec::new(),
                },
            })),
            ..Step::default()
        }))
    }
}
