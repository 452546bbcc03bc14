//! Which cards are inside which If/Else branch. A branch is every card reachable from its
//! first card (the one `branches` names, usually a Noop) along `orderings`, up to the Join
//! that follows the container. An If/Else inside another's branch is not followed (not yet);
//! one inside an inline flow (an If Error block, an If/ElseIf group) is.
//! The steps of a branch go into the arm of the If/Else's `branch:` block.

use crate::export::{FlowData, Method};
use crate::table::Special;
use std::collections::{HashMap, HashSet, VecDeque};

/// The branches of a flow's If/Else cards.
#[derive(Debug, Default)]
pub(super) struct Branches {
    /// Card → the (If/Else card, branch) pairs it is inside.
    member: HashMap<String, Vec<(String, bool)>>,
    /// If/Else card → why its branches cannot be converted.
    pub(super) unsupported: HashMap<String, String>,
    /// Join card → the If/Else whose branches end in it.
    joins: HashMap<String, String>,
}

/// Finds the branches of every If/Else of `flow`.
pub(super) fn branches(flow: &FlowData) -> Branches {
    let mut next: HashMap<&str, Vec<&str>> = HashMap::new();
    for (a, b) in &flow.orderings {
        if a != b {
            next.entry(a.as_str()).or_default().push(b.as_str());
        }
    }
    let by_uuid: HashMap<&str, &Method> =
        flow.methods.iter().map(|m| (m.uuid.as_str(), m)).collect();
    let mut out = Branches::default();
    for m in flow.methods.iter().filter(|m| m.key == "control:if") {
        for (first, flag) in &m.branches {
            let Some(flag) = *flag else {
                out.unsupported
                    .insert(m.uuid.clone(), "a branch that is not true or false".into());
                continue;
            };
            let mut seen: HashSet<&str> = HashSet::new();
            let mut queue = VecDeque::from([first.as_str()]);
            while let Some(uuid) = queue.pop_front() {
                let Some(card) = by_uuid.get(uuid) else {
                    continue;
                };
                if card.key == "control:join" {
                    out.joins.insert(uuid.to_string(), m.uuid.clone());
                    continue;
                }
                if !seen.insert(uuid) {
                    continue;
                }
                // An If/ElseIf or If Error in a branch is a block in its arm (its own cards
                // are in inline flows); another If/Else is not followed.
                if card.key == "control:if" {
                    out.unsupported.insert(
                        m.uuid.clone(),
                        "holds another If/Else in a branch (not yet)".into(),
                    );
                }
                out.member
                    .entry(uuid.to_string())
                    .or_default()
                    .push((m.uuid.clone(), flag));
                queue.extend(next.get(uuid).into_iter().flatten().copied());
            }
        }
    }
    out
}

impl Branches {
    /// Adds the branches of another flow (an inline flow: an If Error block, an If/ElseIf
    /// group).
    pub(super) fn extend(&mut self, other: Branches) {
        self.member.extend(other.member);
        self.unsupported.extend(other.unsupported);
        self.joins.extend(other.joins);
    }

    /// The (If/Else card, branch) pairs `card` is inside.
    pub(super) fn of(&self, card: &str) -> &[(String, bool)] {
        self.member.get(card).map_or(&[], Vec::as_slice)
    }

    /// The If/Else whose branches end in the Join `card`.
    pub(super) fn join_of(&self, card: &str) -> Option<&str> {
        self.joins.get(card).map(String::as_str)
    }

    /// Why a card cannot be in a branch: Okta's Return, Return Raw, Close and Continue If
    /// leave only the branch there, and would end the whole flow here.
    pub(super) fn leaves_branch(&self, m: &Method, special: Option<Special>) -> Option<String> {
        if self.of(&m.uuid).is_empty() {
            return None;
        }
        matches!(
            special,
            Some(Special::Return | Special::ReturnRaw | Special::Close | Special::ContinueIf)
        )
        .then(|| {
            format!(
                "{} inside an If/Else branch leaves only the branch in Okta (not yet)",
                m.name.trim()
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(uuid: &str, key: &str) -> Method {
        Method {
            uuid: uuid.into(),
            key: key.into(),
            ..Method::default()
        }
    }

    #[test]
    fn branches_run_from_their_noop_to_the_join() {
        let mut cond = card("if", "control:if");
        cond.branches = vec![("t".into(), Some(true)), ("f".into(), Some(false))];
        let edge = |a: &str, b: &str| (a.to_string(), b.to_string());
        let flow = FlowData {
            methods: vec![
                cond,
                card("t", "control:noop"),
                card("a", "object:construct"),
                card("f", "control:noop"),
                card("b", "object:construct"),
                card("join", "control:join"),
                card("after", "control:return"),
            ],
            orderings: vec![
                edge("t", "a"),
                edge("a", "join"),
                edge("f", "b"),
                edge("b", "join"),
                edge("join", "after"),
            ],
            ..FlowData::default()
        };
        let b = branches(&flow);
        assert_eq!(b.of("a"), [("if".to_string(), true)]);
        assert_eq!(b.of("b"), [("if".to_string(), false)]);
        assert!(b.of("join").is_empty() && b.of("after").is_empty());
        assert!(b.unsupported.is_empty());
        let ret = card("a", "control:return");
        assert!(b.leaves_branch(&ret, Some(Special::Return)).is_some());
        assert!(
            b.leaves_branch(&card("after", "control:return"), Some(Special::Return))
                .is_none()
        );
    }
}
