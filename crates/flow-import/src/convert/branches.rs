//! Which cards are inside which If/Else branch. A branch is every card reachable from its
//! first card (the one `branches` names, usually a Noop) along `orderings`, up to the Join
//! that follows the container. An If/Else inside another's branch is a block in its arm (the
//! branch goes on after the inner Join); one inside an inline flow (an If Error block, an
//! If/ElseIf group) is followed too.
//! The steps of a branch go into the arm of the If/Else's `branch:` block.

use crate::export::{FlowData, Method};
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
    /// Card → the cards `orderings` run after it.
    next: HashMap<String, Vec<String>>,
    /// Card → its key (`control:noop`).
    keys: HashMap<String, String>,
}

/// Finds the branches of every If/Else of `flow`. An If/Else inside another's branch is a
/// block in that branch's arm: the outer branch goes on after the inner If/Else's Join, and the
/// inner branches' cards are inside both (the outer first).
pub(super) fn branches(flow: &FlowData) -> Branches {
    let mut walk = Walk {
        next: HashMap::new(),
        by_uuid: flow.methods.iter().map(|m| (m.uuid.as_str(), m)).collect(),
        direct: HashMap::new(),
        parent: HashMap::new(),
        join: HashMap::new(),
        visiting: HashSet::new(),
        out: Branches::default(),
    };
    for (a, b) in &flow.orderings {
        if a != b {
            walk.next.entry(a.as_str()).or_default().push(b.as_str());
            walk.out.next.entry(a.clone()).or_default().push(b.clone());
        }
    }
    walk.out.keys = flow
        .methods
        .iter()
        .map(|m| (m.uuid.clone(), m.key.clone()))
        .collect();
    for m in flow.methods.iter().filter(|m| m.key == "control:if") {
        walk.walk(m.uuid.as_str());
    }
    let Walk {
        direct,
        parent,
        mut out,
        ..
    } = walk;
    for (card, inner) in direct {
        // The chain of If/Else branches around the innermost one, the outermost first.
        let mut chain = vec![inner.clone()];
        let mut seen: HashSet<&str> = HashSet::new();
        let mut at = inner.0.as_str();
        while let Some(p) = parent.get(at) {
            if !seen.insert(at) {
                break;
            }
            chain.push(p.clone());
            at = p.0.as_str();
        }
        chain.reverse();
        out.member.insert(card.to_string(), chain);
    }
    out
}

/// The walk along `orderings` that finds the branches.
struct Walk<'f> {
    next: HashMap<&'f str, Vec<&'f str>>,
    by_uuid: HashMap<&'f str, &'f Method>,
    /// Card → the innermost (If/Else card, branch) it is inside.
    direct: HashMap<&'f str, (String, bool)>,
    /// Inner If/Else card → the (If/Else card, branch) it is inside.
    parent: HashMap<&'f str, (String, bool)>,
    /// If/Else card → the Join its branches end in (`None`: walked, no Join).
    join: HashMap<&'f str, Option<&'f str>>,
    /// If/Else cards being walked (a cycle of If/Else cards is not followed twice).
    visiting: HashSet<&'f str>,
    out: Branches,
}

impl<'f> Walk<'f> {
    /// Walks the branches of the If/Else `uuid` (once); returns the Join they end in.
    fn walk(&mut self, uuid: &'f str) -> Option<&'f str> {
        if let Some(j) = self.join.get(uuid) {
            return *j;
        }
        if !self.visiting.insert(uuid) {
            return None;
        }
        let m = self.by_uuid.get(uuid).copied()?;
        let mut join = None;
        for (first, flag) in &m.branches {
            let Some(flag) = *flag else {
                self.out
                    .unsupported
                    .insert(m.uuid.clone(), "a branch that is not true or false".into());
                continue;
            };
            let mut seen: HashSet<&str> = HashSet::new();
            let mut queue = VecDeque::from([first.as_str()]);
            // Joins of inner If/Else cards: the branch goes on after them.
            let mut inner_joins: HashSet<&str> = HashSet::new();
            while let Some(card_id) = queue.pop_front() {
                let Some(card) = self.by_uuid.get(card_id).copied() else {
                    continue;
                };
                if card.key == "control:join" && !inner_joins.contains(card_id) {
                    self.out.joins.insert(card_id.to_string(), m.uuid.clone());
                    join = Some(card_id);
                    continue;
                }
                if !seen.insert(card_id) {
                    continue;
                }
                self.direct
                    .insert(card.uuid.as_str(), (m.uuid.clone(), flag));
                // An If/Else in a branch: a block in its arm, whose own cards are inside it;
                // the branch goes on after its Join.
                if card.key == "control:if" && card.uuid != m.uuid {
                    self.parent
                        .insert(card.uuid.as_str(), (m.uuid.clone(), flag));
                    match self.walk(card.uuid.as_str()) {
                        Some(j) => {
                            inner_joins.insert(j);
                            queue.push_back(j);
                        }
                        None => {
                            if self.visiting.contains(card.uuid.as_str()) {
                                self.out
                                    .unsupported
                                    .insert(m.uuid.clone(), "its branches lead back to it".into());
                            }
                        }
                    }
                }
                queue.extend(self.next.get(card_id).into_iter().flatten().copied());
            }
        }
        self.visiting.remove(uuid);
        self.join.insert(uuid, join);
        join
    }
}

impl Branches {
    /// Adds the branches of another flow (an inline flow: an If Error block, an If/ElseIf
    /// group).
    pub(super) fn extend(&mut self, other: Branches) {
        self.member.extend(other.member);
        self.unsupported.extend(other.unsupported);
        self.joins.extend(other.joins);
        self.next.extend(other.next);
        self.keys.extend(other.keys);
    }

    /// Whether no card that does something runs after the If/Else `if_card` (after its Join),
    /// nor after any If/Else around it.
    pub(super) fn nothing_after(&self, if_card: &str) -> bool {
        let mut ifs: Vec<&str> = vec![if_card];
        ifs.extend(self.of(if_card).iter().map(|(c, _)| c.as_str()));
        for i in ifs {
            let mut stack: Vec<&str> = self
                .joins
                .iter()
                .filter(|(_, c)| c.as_str() == i)
                .map(|(j, _)| j.as_str())
                .collect();
            let mut seen: HashSet<&str> = HashSet::new();
            while let Some(c) = stack.pop() {
                if !seen.insert(c) {
                    continue;
                }
                let trivial = matches!(
                    self.keys.get(c).map(String::as_str),
                    Some("control:noop" | "control:comment" | "object:expand" | "control:join")
                );
                if !trivial {
                    return false;
                }
                stack.extend(self.next.get(c).into_iter().flatten().map(String::as_str));
            }
        }
        true
    }

    /// Whether `card` is the last card of its branch that does something: no card after it
    /// in the same branch but Noops, Comments and hidden field cards.
    pub(super) fn last_in_branch(&self, card: &str) -> bool {
        let Some(home) = self.of(card).last() else {
            return false;
        };
        let mut seen: HashSet<&str> = HashSet::new();
        let mut stack: Vec<&str> = self
            .next
            .get(card)
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        while let Some(c) = stack.pop() {
            if !seen.insert(c) || self.of(c).last() != Some(home) {
                continue;
            }
            let trivial = matches!(
                self.keys.get(c).map(String::as_str),
                Some("control:noop" | "control:comment" | "object:expand")
            );
            if !trivial {
                return false;
            }
            stack.extend(self.next.get(c).into_iter().flatten().map(String::as_str));
        }
        true
    }

    /// The (If/Else card, branch) pairs `card` is inside.
    pub(super) fn of(&self, card: &str) -> &[(String, bool)] {
        self.member.get(card).map_or(&[], Vec::as_slice)
    }

    /// The If/Else whose branches end in the Join `card`.
    pub(super) fn join_of(&self, card: &str) -> Option<&str> {
        self.joins.get(card).map(String::as_str)
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
        assert!(b.last_in_branch("a") && b.last_in_branch("b"));
        assert!(!b.last_in_branch("t") && !b.last_in_branch("after"));
    }

    #[test]
    fn an_if_else_in_a_branch_is_inside_it_and_the_branch_goes_on_after_its_join() {
        let mut outer = card("if", "control:if");
        outer.branches = vec![("t".into(), Some(true)), ("f".into(), Some(false))];
        let mut inner = card("if2", "control:if");
        inner.branches = vec![("t2".into(), Some(true)), ("f2".into(), Some(false))];
        let edge = |a: &str, b: &str| (a.to_string(), b.to_string());
        let flow = FlowData {
            methods: vec![
                inner,
                outer,
                card("t", "control:noop"),
                card("f", "control:noop"),
                card("t2", "control:noop"),
                card("f2", "control:noop"),
                card("a", "object:construct"),
                card("b", "object:construct"),
                card("join2", "control:join"),
                card("after2", "object:construct"),
                card("c", "object:construct"),
                card("join", "control:join"),
            ],
            orderings: vec![
                edge("t", "if2"),
                edge("t2", "a"),
                edge("a", "join2"),
                edge("f2", "b"),
                edge("b", "join2"),
                edge("join2", "after2"),
                edge("join2", "join"),
                edge("after2", "join"),
                edge("f", "c"),
                edge("c", "join"),
            ],
            ..FlowData::default()
        };
        let b = branches(&flow);
        let t = ("if".to_string(), true);
        assert_eq!(b.of("if2"), std::slice::from_ref(&t));
        assert_eq!(b.of("a"), [t.clone(), ("if2".to_string(), true)]);
        assert_eq!(b.of("b"), [t.clone(), ("if2".to_string(), false)]);
        assert_eq!(b.of("join2"), std::slice::from_ref(&t));
        assert_eq!(b.of("after2"), std::slice::from_ref(&t));
        assert_eq!(b.of("c"), [("if".to_string(), false)]);
        assert!(b.of("join").is_empty());
        assert_eq!(b.join_of("join2"), Some("if2"));
        assert_eq!(b.join_of("join"), Some("if"));
        assert!(b.last_in_branch("after2") && b.last_in_branch("a"));
        assert!(!b.last_in_branch("t"));
        assert!(b.nothing_after("if") && !b.nothing_after("if2"));
    }
}
