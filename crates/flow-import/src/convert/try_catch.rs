//! If Error (`control:tryCatch`): the Try block's steps are written inline, each continuing on
//! error and running only while no earlier one failed; the If Error block's steps run only
//! when one failed, and its Error context field is that step's `error`. A Return that ends a
//! block with no values only leaves the block, so it is dropped.

use super::order::order;
use super::{Cx, Step, group};
use crate::export::{FlowData, Method};
use crate::table::Special;
use crate::value::Val;

/// Where the card being converted sits.
#[derive(Debug, Default, Clone)]
pub(super) enum Scope {
    /// In the flow itself.
    #[default]
    Flow,
    /// In an If Error's Try block: the ids of its steps so far, and its last card.
    Try { done: Vec<String>, last: String },
    /// In an If Error's If Error block: the Try block's step ids, and its last card.
    Handler { tried: Vec<String>, last: String },
}

/// `a.error`, or `or a.error b.error …` (at most 16, the `or` helper's limit).
fn any_failed(steps: &[String]) -> Result<String, String> {
    match steps {
        [] => Err("an If Error whose Try block has no steps".into()),
        [one] => Ok(format!("{one}.error")),
        many if many.len() <= 16 => Ok(format!(
            "or {}",
            many.iter()
                .map(|s| format!("{s}.error"))
                .collect::<Vec<_>>()
                .join(" ")
        )),
        _ => Err("a Try block of more than 16 steps (not yet)".into()),
    }
}

/// The uuid of a block's last card (its event card aside).
fn last_card(flow: &FlowData) -> String {
    order(flow)
        .iter()
        .rev()
        .find(|m| m.key != "control:callable")
        .map(|m| m.uuid.clone())
        .unwrap_or_default()
}

impl<'a> Cx<'a> {
    /// Converts an If Error card: its two blocks inline, guarded as the module says.
    pub(super) fn try_catch(&mut self, m: &'a Method) -> Result<Option<Step>, String> {
        if !matches!(self.scope, Scope::Flow) {
            return Err("an If Error inside an If Error block (not yet)".into());
        }
        if !self.branches.of(&m.uuid).is_empty() {
            return Err("an If Error inside an If/Else branch (not yet)".into());
        }
        let Some(blocks) = m.try_catch.as_deref() else {
            return Err("its Try and If Error blocks are missing".into());
        };
        let (try_flow, handler) = (&blocks.0, &blocks.1);
        if let Some(c) = [try_flow, handler]
            .iter()
            .flat_map(|f| &f.methods)
            .find(|c| {
                matches!(
                    c.key.as_str(),
                    "control:if" | "control:branch" | "control:tryCatch"
                )
            })
        {
            return Err(format!("holds `{}` in a block (not yet)", c.name.trim()));
        }
        for flow in [try_flow, handler] {
            self.register(flow);
        }
        // Values from outside reach the blocks through the event card of each block.
        for flow in [try_flow, handler] {
            for card in flow.methods.iter().filter(|c| c.key == "control:callable") {
                self.done.insert(card.uuid.clone());
                for o in card.outputs.iter().filter(|o| o.wormhole) {
                    let v = match m.inputs.iter().find(|f| f.wormhole && f.key == o.key) {
                        Some(f) => {
                            let id = f.id.clone();
                            self.input(m, &id, 0).and_then(|v| {
                                v.ok_or_else(|| {
                                    "reads a value the If Error card does not pass".into()
                                })
                            })
                        }
                        None => Err("reads a value the If Error card does not pass".into()),
                    };
                    self.outputs.insert((card.uuid.clone(), o.id.clone()), v);
                }
            }
        }
        self.notes.push(format!(
            "Okta: {}: the steps of its Try block go on after an error and stop the block at the first one; the steps of its If Error block run when one failed",
            m.name.trim()
        ));
        self.scope = Scope::Try {
            done: Vec::new(),
            last: last_card(try_flow),
        };
        for c in order(try_flow) {
            if c.key != "control:callable" {
                self.card(c);
            }
        }
        let tried = match std::mem::take(&mut self.scope) {
            Scope::Try { done, .. } => done,
            _ => Vec::new(),
        };
        let error = match tried.as_slice() {
            [one] => Ok(Val::Ref(format!("{one}.error"))),
            [] => Err("reads the error of a Try block with no steps".to_string()),
            _ => any_failed(&tried)
                .map(|_| Val::FirstOf(tried.iter().map(|s| format!("{s}.error")).collect())),
        };
        for card in handler
            .methods
            .iter()
            .filter(|c| c.key == "control:callable")
        {
            for o in card.outputs.iter().filter(|o| !o.wormhole) {
                let v = if o.group.as_deref() == Some("context") && o.key == "error" {
                    error.clone()
                } else {
                    Err(format!(
                        "reads the If Error block's `{}` (not yet)",
                        o.label()
                    ))
                };
                self.outputs.insert((card.uuid.clone(), o.id.clone()), v);
            }
        }
        self.scope = Scope::Handler {
            tried,
            last: last_card(handler),
        };
        for c in order(handler) {
            if c.key != "control:callable" {
                self.card(c);
            }
        }
        self.scope = Scope::Flow;
        for o in &m.outputs {
            self.outputs.insert(
                (m.uuid.clone(), o.id.clone()),
                Err(format!(
                    "reads the If Error output `{}` (not yet)",
                    o.label()
                )),
            );
        }
        Ok(None)
    }

    /// Makes an inline flow's cards and wires known.
    fn register(&mut self, flow: &'a FlowData) {
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
            Scope::Flow => return None,
            Scope::Try { last, .. } | Scope::Handler { last, .. } => last,
        };
        match special {
            Some(Special::Return) if &m.uuid == last => None,
            Some(
                Special::Return
                | Special::ReturnRaw
                | Special::Close
                | Special::ContinueIf
                | Special::Throw
                | Special::ThrowIf
                | Special::IfElse
                | Special::Join,
            ) => Some(format!(
                "{} inside an If Error block (not yet)",
                m.name.trim()
            )),
            _ => None,
        }
    }

    /// Guards a step of an If Error block. `stand_in`: a `--partial` stand-in, which gets the
    /// condition only.
    pub(super) fn in_scope(
        &mut self,
        special: Option<Special>,
        step: Option<Step>,
        stand_in: bool,
    ) -> Result<Option<Step>, String> {
        let Some(mut step) = step else {
            return Ok(None);
        };
        let condition = match &self.scope {
            Scope::Flow => return Ok(Some(step)),
            Scope::Try { done, .. } if done.is_empty() => None,
            Scope::Try { done, .. } => Some(format!("not {}", group(&any_failed(done)?))),
            Scope::Handler { tried, .. } => Some(any_failed(tried)?),
        };
        if special == Some(Special::Return) && !stand_in {
            // The block's last card: it leaves the block.
            if step.with.is_empty() {
                return Ok(None);
            }
            return Err("a Return with values ends an If Error block (not yet)".into());
        }
        if let Some(c) = condition {
            step.condition = Some(match step.condition.take() {
                Some(own) => format!("and {} {}", group(&c), group(&own)),
                None => c,
            });
        }
        if !stand_in && let Scope::Try { done, .. } = &mut self.scope {
            step.on_error = Some("continue");
            done.push(step.id.clone());
        }
        Ok(Some(step))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_tested_with_or_up_to_16_steps() {
        assert_eq!(any_failed(&["a".into()]).unwrap(), "a.error");
        assert_eq!(
            any_failed(&["a".into(), "b".into()]).unwrap(),
            "or a.error b.error"
        );
        assert!(any_failed(&[]).is_err());
        assert!(any_failed(&vec!["s".to_string(); 17]).is_err());
    }
}
