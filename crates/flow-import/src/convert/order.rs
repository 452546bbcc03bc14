//! Okta's left-to-right order of a flow's cards, and which card starts the flow.

use crate::export::{FlowData, Method};
use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap, HashSet};

/// The cards in Okta's run order: the `orderings` edges, ties (and cards outside them) by
/// their place in the file.
pub(super) fn order(flow: &FlowData) -> Vec<&Method> {
    let index: HashMap<&str, usize> = flow
        .methods
        .iter()
        .enumerate()
        .map(|(i, m)| (m.uuid.as_str(), i))
        .collect();
    let n = flow.methods.len();
    let mut indegree = vec![0usize; n];
    // Each edge with a rank: an If/Else's true branch (0) before its false branch (1).
    let mut next: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
    let mut seen = HashSet::new();
    let branch_edges = flow.methods.iter().flat_map(|m| {
        m.branches.iter().map(move |(b, flag)| {
            let rank = if *flag == Some(true) { 0 } else { 1 };
            (m.uuid.clone(), b.clone(), rank)
        })
    });
    let edges: Vec<(String, String, usize)> = flow
        .orderings
        .iter()
        .map(|(a, b)| (a.clone(), b.clone(), 0))
        .chain(branch_edges)
        .collect();
    for (a, b, rank) in &edges {
        if let (Some(&i), Some(&j)) = (index.get(a.as_str()), index.get(b.as_str()))
            && i != j
            && seen.insert((i, j))
        {
            next[i].push((j, *rank));
            indegree[j] += 1;
        }
    }
    // Depth first: the cards a card has just made ready come next (so an If/Else's branches
    // follow it, the true one first), ties by their place in the file.
    let mut ready: BTreeSet<(Reverse<usize>, usize, usize)> = (0..n)
        .filter(|&i| indegree[i] == 0)
        .map(|i| (Reverse(0), 0, i))
        .collect();
    let mut out = Vec::with_capacity(n);
    let mut placed = vec![false; n];
    let mut generation = 0;
    while let Some((_, _, i)) = ready.pop_first() {
        generation += 1;
        out.push(i);
        placed[i] = true;
        for &(j, rank) in &next[i] {
            indegree[j] -= 1;
            if indegree[j] == 0 {
                ready.insert((Reverse(generation), rank, j));
            }
        }
    }
    // A cycle (not seen in real exports): the rest in file order.
    out.extend((0..n).filter(|&i| !placed[i]));
    out.into_iter()
        .filter_map(|i| flow.methods.get(i))
        .collect()
}

pub(super) fn is_event(m: &Method) -> bool {
    m.webhook
        || matches!(
            m.key.as_str(),
            "http:accept" | "control:callable" | "http:delegated"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(uuid: &str) -> Method {
        Method {
            uuid: uuid.into(),
            ..Method::default()
        }
    }

    fn names(flow: &FlowData) -> Vec<&str> {
        order(flow).iter().map(|m| m.uuid.as_str()).collect()
    }

    #[test]
    fn orderings_win_over_the_file_order_and_branches_follow_their_card() {
        // As Okta stores an If/Else: the branch's first card hangs off `branches`, and the
        // Join after the container waits for the branch's last card.
        let mut cond = card("if");
        cond.branches = vec![("yes".into(), Some(true)), ("no".into(), Some(false))];
        let flow = FlowData {
            methods: vec![
                card("c"),
                card("join"),
                card("no"),
                card("yes"),
                cond,
                card("a"),
                card("b"),
            ],
            orderings: vec![
                ("a".into(), "b".into()),
                ("b".into(), "if".into()),
                ("yes".into(), "join".into()),
                ("no".into(), "join".into()),
                ("join".into(), "c".into()),
            ],
            ..FlowData::default()
        };
        assert_eq!(names(&flow), ["a", "b", "if", "yes", "no", "join", "c"]);
    }

    #[test]
    fn cycles_and_unknown_cards_do_not_lose_cards() {
        let flow = FlowData {
            methods: vec![card("a"), card("b"), card("c")],
            orderings: vec![
                ("a".into(), "b".into()),
                ("b".into(), "a".into()),
                ("c".into(), "c".into()),
                ("x".into(), "c".into()),
            ],
            ..FlowData::default()
        };
        assert_eq!(names(&flow), ["c", "a", "b"]);
    }
}
