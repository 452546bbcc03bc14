//! The call graph between flows: which helper flows each flow calls, recursion (a flow calling
//! itself directly or through others), and the order that compiles helpers before callers.

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

/// The result of analysing calls.
pub(crate) struct CallOrder {
    /// Flows in an order where every callee comes before its callers (cycles broken).
    pub order: Vec<usize>,
    /// Each cycle, as the flow numbers along it (first repeated at the end is implied).
    pub cycles: Vec<Vec<usize>>,
}

/// `calls[f]` lists the flows `f` calls.
pub(crate) fn analyse(calls: &[Vec<usize>]) -> CallOrder {
    let mut g: DiGraph<usize, ()> = DiGraph::new();
    let nodes: Vec<NodeIndex> = (0..calls.len()).map(|i| g.add_node(i)).collect();
    for (from, targets) in calls.iter().enumerate() {
        for &to in targets {
            if let (Some(&a), Some(&b)) = (nodes.get(from), nodes.get(to)) {
                g.update_edge(a, b, ());
            }
        }
    }
    // tarjan_scc returns components in reverse topological order: callees first.
    let sccs = tarjan_scc(&g);
    let mut order = Vec::with_capacity(calls.len());
    let mut cycles = Vec::new();
    for scc in sccs {
        let members: Vec<usize> = scc.iter().map(|n| g[*n]).collect();
        let is_cycle = members.len() > 1
            || calls
                .get(members[0])
                .is_some_and(|c| c.contains(&members[0]));
        if is_cycle {
            cycles.push(cycle_path(calls, &members));
        }
        let mut sorted = members;
        sorted.sort_unstable();
        order.extend(sorted);
    }
    CallOrder { order, cycles }
}

/// A path around a strongly connected component, starting at its lowest-numbered flow.
fn cycle_path(calls: &[Vec<usize>], members: &[usize]) -> Vec<usize> {
    let start = members.iter().copied().min().unwrap_or(0);
    let mut path = vec![start];
    let mut cur = start;
    // Walk within the component until we return to the start; a depth-first search finds a
    // simple cycle through `start`.
    fn dfs(
        calls: &[Vec<usize>],
        members: &[usize],
        start: usize,
        cur: usize,
        path: &mut Vec<usize>,
    ) -> bool {
        for &next in calls.get(cur).map(Vec::as_slice).unwrap_or(&[]) {
            if next == start {
                return true;
            }
            if members.contains(&next) && !path.contains(&next) {
                path.push(next);
                if dfs(calls, members, start, next, path) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    if !dfs(calls, members, start, cur, &mut path) {
        cur = start;
        path = vec![cur];
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callees_come_first_and_cycles_are_named() {
        // 0 calls 1, 1 calls 2; 3 calls 4, 4 calls 3; 5 calls itself.
        let calls = vec![vec![1], vec![2], vec![], vec![4], vec![3], vec![5]];
        let r = analyse(&calls);
        let pos = |f| r.order.iter().position(|&x| x == f).unwrap();
        assert!(pos(2) < pos(1) && pos(1) < pos(0));
        let mut cycles = r.cycles.clone();
        cycles.sort();
        assert_eq!(cycles, vec![vec![3, 4], vec![5]]);
    }
}
