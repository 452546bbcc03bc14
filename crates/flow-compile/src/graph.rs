//! The step graph of a flow: edges for data, effect order and `after`; cycle reports that name
//! the whole cycle; a run order that keeps file order among ready steps; Mermaid and DOT output.

use crate::plan::{EdgeKind, Plan};
use flow_model::{Code, Diagnostic, Diagnostics, Span};
use petgraph::Direction;
use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// What the graph builder needs to know of a step.
pub(crate) struct StepNode {
    pub id: String,
    pub effect: bool,
    pub data: Vec<usize>,
    pub after: Option<(Vec<(String, Span)>, Span)>,
}

/// The built graph.
pub(crate) struct Built {
    pub graph: DiGraph<usize, EdgeKind>,
    pub deps: Vec<Vec<usize>>,
    pub dependents: Vec<Vec<usize>>,
    pub order: Vec<usize>,
}

pub(crate) fn build(steps: &[StepNode], flow: &str, diags: &mut Diagnostics) -> Built {
    let mut graph: DiGraph<usize, EdgeKind> = DiGraph::with_capacity(steps.len(), steps.len() * 2);
    let nodes: Vec<NodeIndex> = (0..steps.len()).map(|i| graph.add_node(i)).collect();
    let mut last_effect: Option<usize> = None;
    for (i, s) in steps.iter().enumerate() {
        for &d in &s.data {
            graph.update_edge(nodes[d], nodes[i], EdgeKind::Data);
        }
        match &s.after {
            Some((after, _)) => {
                for (name, span) in after {
                    match steps.iter().position(|t| &t.id == name) {
                        Some(j) if j == i => diags.push(Diagnostic::error(
                            Code::Cycle,
                            Some(*span),
                            format!("step `{name}` cannot wait for itself"),
                        )),
                        Some(j) => {
                            graph.update_edge(nodes[j], nodes[i], EdgeKind::After);
                        }
                        None => diags.push(
                            Diagnostic::error(
                                Code::UnknownStep,
                                Some(*span),
                                format!("`after` names unknown step `{name}`"),
                            )
                            .with_help_opt(flow_model::suggest::hint(
                                name,
                                steps.iter().map(|t| t.id.as_str()),
                            )),
                        ),
                    }
                }
            }
            None if s.effect => {
                if let Some(prev) = last_effect
                    && graph.find_edge(nodes[prev], nodes[i]).is_none()
                {
                    graph.add_edge(nodes[prev], nodes[i], EdgeKind::Effect);
                }
            }
            None => {}
        }
        if s.effect {
            last_effect = Some(i);
        }
    }
    for scc in tarjan_scc(&graph) {
        if scc.len() < 2 {
            continue;
        }
        let mut members: Vec<usize> = scc.iter().map(|n| graph[*n]).collect();
        members.sort_unstable();
        let path = cycle_path(&graph, &nodes, &members);
        let names: Vec<&str> = path.iter().map(|&i| steps[i].id.as_str()).collect();
        let at = members
            .iter()
            .find_map(|&m| steps[m].after.as_ref().map(|a| a.1));
        diags.push(
            Diagnostic::error(
                Code::Cycle,
                at,
                format!(
                    "in flow `{flow}`, `after` closes a cycle: {} → {}",
                    names.join(" → "),
                    names[0]
                ),
            )
            .with_help("remove one of these `after` entries"),
        );
    }
    let n = steps.len();
    let mut deps = vec![Vec::new(); n];
    let mut dependents = vec![Vec::new(); n];
    for e in graph.edge_references() {
        let (a, b) = (graph[e.source()], graph[e.target()]);
        deps[b].push(a);
        dependents[a].push(b);
    }
    for v in deps.iter_mut().chain(dependents.iter_mut()) {
        v.sort_unstable();
        v.dedup();
    }
    let order = run_order(&deps, &dependents);
    Built {
        graph,
        deps,
        dependents,
        order,
    }
}

/// A simple cycle through the lowest member, following edges within the component.
fn cycle_path(
    graph: &DiGraph<usize, EdgeKind>,
    nodes: &[NodeIndex],
    members: &[usize],
) -> Vec<usize> {
    let start = members[0];
    let mut path = vec![start];
    fn dfs(
        g: &DiGraph<usize, EdgeKind>,
        nodes: &[NodeIndex],
        members: &[usize],
        start: usize,
        path: &mut Vec<usize>,
    ) -> bool {
        let Some(&cur) = path.last() else {
            return false;
        };
        let mut next: Vec<usize> = g
            .neighbors_directed(nodes[cur], Direction::Outgoing)
            .map(|n| g[n])
            .collect();
        next.sort_unstable();
        for nx in next {
            if nx == start {
                return true;
            }
            if members.contains(&nx) && !path.contains(&nx) {
                path.push(nx);
                if dfs(g, nodes, members, start, path) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    if dfs(graph, nodes, members, start, &mut path) {
        path
    } else {
        members.to_vec()
    }
}

/// Kahn's algorithm with the lowest step number first among ready steps.
fn run_order(deps: &[Vec<usize>], dependents: &[Vec<usize>]) -> Vec<usize> {
    let mut waiting: Vec<usize> = deps.iter().map(Vec::len).collect();
    let mut ready: BinaryHeap<Reverse<usize>> = waiting
        .iter()
        .enumerate()
        .filter(|(_, w)| **w == 0)
        .map(|(i, _)| Reverse(i))
        .collect();
    let mut order = Vec::with_capacity(deps.len());
    while let Some(Reverse(i)) = ready.pop() {
        order.push(i);
        for &d in &dependents[i] {
            waiting[d] -= 1;
            if waiting[d] == 0 {
                ready.push(Reverse(d));
            }
        }
    }
    order
}

/// The plan as a Mermaid flowchart: solid arrows for data, dotted for effect order, thick for
/// `after`.
pub fn mermaid(plan: &Plan) -> String {
    let mut out = String::from("flowchart TD\n");
    for s in &plan.steps {
        out.push_str(&format!(
            "  {}[\"{}<br/><small>{}</small>\"]\n",
            s.id, s.id, s.spec.kind
        ));
    }
    for e in plan.graph.edge_references() {
        let (a, b) = (
            &plan.steps[plan.graph[e.source()]].id,
            &plan.steps[plan.graph[e.target()]].id,
        );
        let arrow = match e.weight() {
            EdgeKind::Data => "-->",
            EdgeKind::Effect => "-.->",
            EdgeKind::After => "==>",
        };
        out.push_str(&format!("  {a} {arrow} {b}\n"));
    }
    out
}

/// The plan in Graphviz DOT.
pub fn dot(plan: &Plan) -> String {
    use petgraph::dot::{Config, Dot};
    let esc = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
    let text = format!(
        "{:?}",
        Dot::with_attr_getters(
            &plan.graph,
            &[Config::EdgeNoLabel, Config::NodeNoLabel],
            &|_, e| {
                let style = match e.weight() {
                    EdgeKind::Data => "solid",
                    EdgeKind::Effect => "dashed",
                    EdgeKind::After => "bold",
                };
                format!("style={style} label=\"{}\"", e.weight().as_str())
            },
            &|_, (_, &i)| {
                let s = &plan.steps[i];
                format!("label=\"{}\\n{}\" shape=box", esc(&s.id), esc(s.spec.kind))
            },
        )
    );
    text.replacen(
        "digraph {",
        &format!("digraph \"{}\" {{\n    rankdir=TB", esc(&plan.name)),
        1,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, effect: bool, data: Vec<usize>, after: Option<Vec<&str>>) -> StepNode {
        StepNode {
            id: id.into(),
            effect,
            data,
            after: after.map(|a| {
                (
                    a.into_iter()
                        .map(|s| (s.to_string(), Span::default()))
                        .collect(),
                    Span::default(),
                )
            }),
        }
    }

    #[test]
    fn effects_keep_order_and_pure_steps_float() {
        let steps = vec![
            node("ack", true, vec![], None),
            node("event", false, vec![], None),
            node("desc", false, vec![1], None),
            node("dispatch", true, vec![1], None),
            node("notify", true, vec![2], None),
        ];
        let mut diags = Diagnostics::new();
        let b = build(&steps, "f", &mut diags);
        assert!(diags.is_empty());
        assert_eq!(b.deps[3], vec![0, 1]);
        assert_eq!(b.deps[4], vec![2, 3]);
        assert_eq!(b.deps[2], vec![1]);
        assert_eq!(b.order, vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn after_cycles_name_every_step() {
        let steps = vec![
            node("a", false, vec![], Some(vec!["c"])),
            node("b", false, vec![0], None),
            node("c", false, vec![1], None),
        ];
        let mut diags = Diagnostics::new();
        build(&steps, "f", &mut diags);
        let d = diags.iter().next().unwrap();
        assert_eq!(d.code, Code::Cycle);
        assert!(d.message.ends_with("a → b → c → a"), "{}", d.message);
    }

    #[test]
    fn after_empty_opts_out_of_the_effect_chain() {
        let steps = vec![
            node("a", true, vec![], None),
            node("b", true, vec![], Some(vec![])),
        ];
        let mut diags = Diagnostics::new();
        let b = build(&steps, "f", &mut diags);
        assert!(b.deps[1].is_empty());
    }
}
