//! The step graph of a flow: edges for data, `after`, and Okta's order (effects after every
//! step above them, every step after the barrier above it); cycle reports that name the whole
//! cycle; the run order of the one [`Schedule`]; Mermaid and DOT output.

use crate::plan::{EdgeKind, Plan};
use crate::schedule::Schedule;
use flow_model::{Code, Diagnostic, Diagnostics, Span};
use petgraph::Direction;
use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::{EdgeFiltered, EdgeRef};

/// What the graph builder needs to know of a step.
pub(crate) struct StepNode {
    pub id: String,
    /// It has effects: it waits for every step above it (unless it sets `after`).
    pub effect: bool,
    /// It may end the run (`flow.continue_if`, `flow.return`, `flow.fail`): every step below
    /// waits for it.
    pub barrier: bool,
    pub data: Vec<usize>,
    /// The steps it waits for because of the blocks around it (its arm's guard; for a catch
    /// guard, the try arm; for a join, the whole block).
    pub block: Vec<usize>,
    pub after: Option<(Vec<(String, Span)>, Span)>,
}

/// The built graph.
pub(crate) struct Built {
    pub graph: DiGraph<usize, EdgeKind>,
    pub deps: Vec<Vec<usize>>,
    pub dependents: Vec<Vec<usize>>,
    pub order: Vec<usize>,
    /// For each step, whether another step reads it or names it in `after`.
    pub used: Vec<bool>,
}

/// Builds a flow's step graph (SPEC 3.3 and Okta's order): a step waits for the steps it reads
/// and those its `after` names; an effect without `after` waits for every step written above
/// it; every step waits for the last `flow.continue_if`, `flow.return` or `flow.fail` above it.
/// Ordering edges implied by others are left out, so the graph stays readable and the engine
/// counts fewer edges.
pub(crate) fn build(steps: &[StepNode], flow: &str, diags: &mut Diagnostics) -> Built {
    let mut graph: DiGraph<usize, EdgeKind> = DiGraph::with_capacity(steps.len(), steps.len() * 2);
    let nodes: Vec<NodeIndex> = (0..steps.len()).map(|i| graph.add_node(i)).collect();
    data_and_after_edges(steps, &nodes, &mut graph, diags);
    let used: Vec<bool> = nodes
        .iter()
        .map(|&n| {
            graph
                .neighbors_directed(n, Direction::Outgoing)
                .next()
                .is_some()
        })
        .collect();
    order_edges(steps, &nodes, &mut graph);
    reduce_block_edges(&mut graph);
    report_cycles(steps, &nodes, &graph, flow, diags);
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
    let order = Schedule::run_order(&deps, &dependents);
    Built {
        graph,
        deps,
        dependents,
        order,
        used,
    }
}

/// The edges the author wrote: data (templates) and `after`.
fn data_and_after_edges(
    steps: &[StepNode],
    nodes: &[NodeIndex],
    graph: &mut DiGraph<usize, EdgeKind>,
    diags: &mut Diagnostics,
) {
    for (i, s) in steps.iter().enumerate() {
        for &d in &s.data {
            graph.update_edge(nodes[d], nodes[i], EdgeKind::Data);
        }
        for &d in &s.block {
            if graph.find_edge(nodes[d], nodes[i]).is_none() {
                graph.add_edge(nodes[d], nodes[i], EdgeKind::Block);
            }
        }
        let Some((after, _)) = &s.after else {
            continue;
        };
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
}

/// Drops the block edges that other paths of data and block edges imply (a join waits for the
/// last steps of each arm, not for every one), so `graph` shows a block as it reads and the
/// engine counts fewer edges. Paths through order edges do not count: a step keeps its edge
/// from its arm's guard even when Okta's order also puts it after the guard.
fn reduce_block_edges(graph: &mut DiGraph<usize, EdgeKind>) {
    let block: Vec<(NodeIndex, NodeIndex)> = graph
        .edge_references()
        .filter(|e| *e.weight() == EdgeKind::Block)
        .map(|e| (e.source(), e.target()))
        .collect();
    for (a, b) in block {
        let implied = graph
            .edges_directed(b, Direction::Incoming)
            .filter(|e| e.source() != a && *e.weight() != EdgeKind::Order)
            .any(|e| {
                let c = e.source();
                let no_order = EdgeFiltered::from_fn(&*graph, |e| *e.weight() != EdgeKind::Order);
                petgraph::algo::has_path_connecting(&no_order, a, c, None)
            });
        if implied && let Some(e) = graph.find_edge(a, b) {
            graph.remove_edge(e);
        }
    }
}

/// Okta's order: an effect without `after` waits for every step above it, and every step
/// waits for the last barrier above it. Only edges not implied by others are added: an effect
/// waits for the last effect without `after` above it (which waited for everything above
/// itself) and for each step between the two that nothing between them waits for; a step below
/// a barrier that waits for nothing between the barrier and itself waits for the barrier.
fn order_edges(steps: &[StepNode], nodes: &[NodeIndex], graph: &mut DiGraph<usize, EdgeKind>) {
    // The last effect without `after`: every step above it is done when it starts.
    let mut anchor: Option<usize> = None;
    let mut barrier: Option<usize> = None;
    for (i, s) in steps.iter().enumerate() {
        let full = s.effect && s.after.is_none();
        if full {
            let from = anchor.map_or(0, |a| a + 1);
            let mut waits: Vec<usize> = anchor.into_iter().collect();
            waits.extend((from..i).filter(|&j| {
                !graph
                    .neighbors_directed(nodes[j], Direction::Outgoing)
                    .any(|k| (j + 1..i).contains(&graph[k]))
            }));
            for j in waits {
                if graph.find_edge(nodes[j], nodes[i]).is_none() {
                    graph.add_edge(nodes[j], nodes[i], EdgeKind::Order);
                }
            }
        }
        if let Some(b) = barrier {
            let waits_below_barrier = graph
                .neighbors_directed(nodes[i], Direction::Incoming)
                .any(|k| (b..i).contains(&graph[k]));
            if !waits_below_barrier {
                graph.add_edge(nodes[b], nodes[i], EdgeKind::Barrier);
            }
        }
        if full {
            anchor = Some(i);
        }
        if s.barrier {
            barrier = Some(i);
        }
    }
}

/// Reports each cycle (only `after` can close one: every other edge points down the file).
fn report_cycles(
    steps: &[StepNode],
    nodes: &[NodeIndex],
    graph: &DiGraph<usize, EdgeKind>,
    flow: &str,
    diags: &mut Diagnostics,
) {
    for scc in tarjan_scc(graph) {
        if scc.len() < 2 {
            continue;
        }
        let mut members: Vec<usize> = scc.iter().map(|n| graph[*n]).collect();
        members.sort_unstable();
        let path = cycle_path(graph, nodes, &members);
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

/// The plan as a Mermaid flowchart: solid arrows for data, dotted for order (an effect after
/// the steps above it), dotted labelled `barrier` for a step after a step that may end the run,
/// thick for `after`.
pub fn mermaid(plan: &Plan) -> String {
    let mut out = String::from("flowchart TD\n");
    // Mermaid ids may not hold the `.` of a block's own steps (`route.when`).
    let node_id = |id: &str| id.replace('.', "__");
    let groups = block_groups(plan);
    // Open groups, innermost last: (end, depth of indentation).
    let mut open: Vec<usize> = Vec::new();
    for (i, s) in plan.steps.iter().enumerate() {
        while open.last().is_some_and(|&end| end <= i) {
            open.pop();
            out.push_str(&format!("{}end\n", "  ".repeat(open.len() + 1)));
        }
        for g in groups.iter().filter(|g| g.steps.start == i) {
            out.push_str(&format!(
                "{}subgraph {}[\"{}\"]\n",
                "  ".repeat(open.len() + 1),
                g.id,
                g.title
            ));
            open.push(g.steps.end);
        }
        out.push_str(&format!(
            "{}{}[\"{}<br/><small>{}</small>\"]\n",
            "  ".repeat(open.len() + 1),
            node_id(&s.id),
            s.id,
            s.spec.kind
        ));
    }
    while open.pop().is_some() {
        out.push_str(&format!("{}end\n", "  ".repeat(open.len() + 1)));
    }
    for e in plan.graph.edge_references() {
        let (a, b) = (
            node_id(&plan.steps[plan.graph[e.source()]].id),
            node_id(&plan.steps[plan.graph[e.target()]].id),
        );
        let arrow = match e.weight() {
            EdgeKind::Data => "-->",
            EdgeKind::Order => "-.->",
            EdgeKind::Barrier => "-. barrier .->",
            EdgeKind::After => "==>",
            EdgeKind::Block => "-- block -->",
        };
        out.push_str(&format!("  {a} {arrow} {b}\n"));
    }
    out
}

/// A box drawn around steps in Mermaid: a block, or one arm of it.
struct Group {
    id: String,
    title: String,
    steps: std::ops::Range<usize>,
}

/// The blocks and their (non-empty) arms, outer before inner among those that start at the
/// same step.
fn block_groups(plan: &Plan) -> Vec<Group> {
    let mut groups = Vec::new();
    for b in &plan.blocks {
        let id = b.id.replace('.', "__");
        let start = b
            .arm_steps
            .first()
            .map_or(b.guard, |a| a.start.min(b.guard));
        let kind = match b.kind {
            flow_model::block::BlockKind::Branch => "branch",
            flow_model::block::BlockKind::Try => "try",
        };
        groups.push(Group {
            id: format!("{id}__block"),
            title: format!("{kind} {}", b.id),
            steps: start..b.join + 1,
        });
        for (k, (label, steps)) in b.arms.iter().zip(&b.arm_steps).enumerate() {
            if !steps.is_empty() {
                groups.push(Group {
                    id: format!("{id}__arm{k}"),
                    title: label.clone(),
                    steps: steps.clone(),
                });
            }
        }
    }
    // Wider first; an arm before a block that fills it exactly (the block is inside the arm).
    groups.sort_by_key(|g| {
        (
            g.steps.start,
            std::cmp::Reverse(g.steps.end),
            g.id.ends_with("__block"),
        )
    });
    groups
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
                    EdgeKind::Order => "dashed",
                    EdgeKind::Barrier => "dotted",
                    EdgeKind::After => "bold",
                    EdgeKind::Block => "tapered",
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
            block: Vec::new(),
            id: id.into(),
            effect,
            barrier: false,
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
        // `dispatch` waits for `desc` too (written above it), not only for its data and `ack`;
        // `event` is implied (through `desc`).
        assert_eq!(b.deps[3], vec![0, 1, 2]);
        assert_eq!(b.deps[4], vec![2, 3]);
        assert_eq!(b.deps[2], vec![1]);
        assert_eq!(b.order, vec![0, 1, 2, 3, 4]);
        assert_eq!(
            b.graph
                .edge_references()
                .filter(|e| *e.weight() == EdgeKind::Order)
                .map(|e| (b.graph[e.source()], b.graph[e.target()]))
                .collect::<Vec<_>>(),
            vec![(0, 3), (2, 3), (3, 4)]
        );
    }

    /// Whether `to` waits for `from`, directly or through other steps.
    fn waits_for(b: &Built, to: usize, from: usize) -> bool {
        let mut stack = vec![to];
        let mut seen = vec![false; b.deps.len()];
        while let Some(s) = stack.pop() {
            for &d in &b.deps[s] {
                if d == from {
                    return true;
                }
                if !std::mem::replace(&mut seen[d], true) {
                    stack.push(d);
                }
            }
        }
        false
    }

    #[test]
    fn an_effect_waits_for_every_step_above_it_and_pure_steps_stay_independent() {
        // Pure steps in parallel branches, effects between them, one with `after: []`.
        let steps = vec![
            node("p0", false, vec![], None),
            node("p1", false, vec![], None),
            node("p2", false, vec![0], None),
            node("e3", true, vec![1], None),
            node("p4", false, vec![], None),
            node("p5", false, vec![2], None),
            node("e6", true, vec![], Some(vec![])),
            node("p7", false, vec![4], None),
            node("e8", true, vec![], None),
        ];
        let mut diags = Diagnostics::new();
        let b = build(&steps, "f", &mut diags);
        assert!(diags.is_empty());
        for (i, s) in steps.iter().enumerate() {
            for (j, above) in steps.iter().enumerate().take(i) {
                if s.effect && s.after.is_none() {
                    assert!(waits_for(&b, i, j), "{} waits for {}", s.id, above.id);
                }
            }
        }
        // Pure steps wait only for their data; `after: []` opts out.
        assert!(b.deps[1].is_empty() && b.deps[4].is_empty() && b.deps[6].is_empty());
        assert_eq!(b.deps[5], vec![2]);
        // No edge is implied by another: e8 waits for e3 (which waited for p0..p2), p5 (which
        // waited for p2), e6 and p7 (which waited for p4).
        assert_eq!(b.deps[8], vec![3, 5, 6, 7]);
    }

    #[test]
    fn every_step_below_a_barrier_waits_for_it() {
        let mut stop = node("stop", true, vec![], None);
        stop.barrier = true;
        let steps = vec![
            node("p0", false, vec![], None),
            stop,
            node("p2", false, vec![0], None),
            node("p3", false, vec![2], None),
            node("p4", false, vec![], None),
            node("e5", true, vec![], Some(vec![])),
        ];
        let mut diags = Diagnostics::new();
        let b = build(&steps, "f", &mut diags);
        assert!(diags.is_empty());
        for (i, s) in steps.iter().enumerate().skip(2) {
            assert!(waits_for(&b, i, 1), "{} waits for the barrier", s.id);
        }
        // p3 waits through p2; the others directly.
        assert_eq!(b.deps[3], vec![2]);
        assert_eq!(b.deps[2], vec![0, 1]);
        assert_eq!(b.deps[4], vec![1]);
        assert_eq!(b.deps[5], vec![1]);
        assert!(b.used[0] && !b.used[1] && !b.used[4]);
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

    #[test]
    fn graph_output_draws_order_and_barrier_edges() {
        let flow = r#"flow: gh
trigger: { api_endpoint: { security: { public: true } } }
steps:
  - { id: ack, card: http.close, with: { status: 202 } }
  - { id: pushes, card: flow.continue_if, with: { condition: "{{ trigger.json.head_commit }}" } }
  - { id: push, card: json.parse, with: { text: "{{ trigger.body }}" } }
  - { id: out, card: flow.return, with: { outputs: { p: "{{ push }}" } } }
"#;
        let project =
            crate::compile_str(None, &[("gh.yaml", flow)], &flow_cards::registry()).unwrap();
        let plan = &project.flows[0];
        let text = mermaid(plan);
        let edges: Vec<&str> = text.lines().filter(|l| !l.contains('[')).skip(1).collect();
        assert_eq!(
            edges,
            [
                "  push --> out",
                "  ack -.-> pushes",
                "  pushes -. barrier .-> push",
                "  pushes -.-> out",
            ]
        );
        assert!(dot(plan).contains("style=dotted label=\"barrier\""));
    }

    #[test]
    fn block_edges_that_data_implies_are_left_out_but_not_for_order() {
        let with_block = |mut n: StepNode, block: Vec<usize>| {
            n.block = block;
            n
        };
        // 0 guard; 1 and 2 in its arm (2 reads 1); 3 an effect in another arm; 4 the join.
        let steps = vec![
            node("route.when", false, vec![], None),
            with_block(node("a", false, vec![], None), vec![0]),
            with_block(node("b", false, vec![1], None), vec![0]),
            with_block(node("c", true, vec![], None), vec![0]),
            with_block(node("route", false, vec![2], None), vec![0, 1, 2, 3]),
        ];
        let mut diags = Diagnostics::new();
        let b = build(&steps, "f", &mut diags);
        assert!(diags.is_empty());
        // `b` reads `a`, which waits for the guard: no edge of its own from the guard.
        assert_eq!(b.deps[2], vec![1]);
        // `c` keeps its guard edge, though Okta's order also puts it after `b` (and the guard).
        assert_eq!(b.deps[3], vec![0, 2]);
        // The join waits for the last step of each arm.
        assert_eq!(b.deps[4], vec![2, 3]);
    }
}
