//! Loops in the flows: policies that trigger each other, cycles that feed
//! themselves without virtual time passing (a run would spin at one
//! instant), and cycles that multiply messages on every pass (a run would
//! grow without bound).

use std::collections::BTreeMap;

use petgraph::algo::kosaraju_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use super::{Context, Problem, Rule, Severity};
use crate::model::{ElementId, ElementKind, FlowKind, Operator};

/// The elements as a graph of what can cause what, with their positions.
struct Causal<'m> {
    ids: Vec<&'m ElementId>,
    graph: DiGraph<usize, FlowKind>,
}

impl<'m> Causal<'m> {
    /// Every flow of the given kinds, between elements `keep` lets take part.
    fn of(ctx: &Context<'m>, kinds: &[FlowKind], keep: impl Fn(&ElementId) -> bool) -> Self {
        let ids: Vec<&ElementId> = ctx.model.ids().collect();
        let position: BTreeMap<&ElementId, usize> =
            ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        let mut graph = DiGraph::with_capacity(ids.len(), ctx.model.flow_count());
        for i in 0..ids.len() {
            graph.add_node(i);
        }
        for flow in ctx.model.sorted_flows() {
            // A flow limited to the source's own workload arrivals is not
            // caused by anything the source receives.
            let own_arrivals_only = !flow.on.is_empty() && flow.on.iter().all(|i| *i == flow.from);
            if !kinds.contains(&flow.kind)
                || own_arrivals_only
                || !keep(&flow.from)
                || !keep(&flow.to)
            {
                continue;
            }
            if let (Some(a), Some(b)) = (position.get(&flow.from), position.get(&flow.to)) {
                graph.add_edge(NodeIndex::new(*a), NodeIndex::new(*b), flow.kind);
            }
        }
        Self { ids, graph }
    }

    /// Strongly connected components that hold a cycle, members in id order.
    fn loops(&self) -> Vec<Vec<NodeIndex>> {
        let mut loops: Vec<Vec<NodeIndex>> = kosaraju_scc(&self.graph)
            .into_iter()
            .filter(|component| {
                component.len() > 1
                    || component
                        .first()
                        .is_some_and(|n| self.graph.find_edge(*n, *n).is_some())
            })
            .map(|mut component| {
                component.sort();
                component
            })
            .collect();
        loops.sort();
        loops
    }

    /// A closed path through a component, from its first member back to it
    /// (`a → b → a`), found by a breadth-first search inside it.
    fn cycle_path(&self, component: &[NodeIndex]) -> Vec<&'m ElementId> {
        let Some(&start) = component.first() else {
            return Vec::new();
        };
        let inside = |n: NodeIndex| component.binary_search(&n).is_ok();
        let mut came_from: BTreeMap<NodeIndex, NodeIndex> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start]);
        let mut end = None;
        'search: while let Some(node) = queue.pop_front() {
            let mut next: Vec<NodeIndex> =
                self.graph.neighbors(node).filter(|n| inside(*n)).collect();
            next.sort();
            for n in next {
                if n == start {
                    end = Some(node);
                    break 'search;
                }
                if let std::collections::btree_map::Entry::Vacant(slot) = came_from.entry(n) {
                    slot.insert(node);
                    queue.push_back(n);
                }
            }
        }
        let mut path = vec![self.ids[start.index()]];
        let mut back = Vec::new();
        let mut at = end;
        while let Some(node) = at {
            if node == start {
                break;
            }
            back.push(self.ids[node.index()]);
            at = came_from.get(&node).copied();
        }
        path.extend(back.into_iter().rev());
        path.push(self.ids[start.index()]);
        path
    }

    /// Copies of one message a member sends to other members: more than one
    /// means every pass around the loop multiplies.
    fn copies_inside(&self, component: &[NodeIndex], node: NodeIndex) -> usize {
        self.graph
            .edges(node)
            .filter(|edge| {
                use petgraph::visit::EdgeRef;
                component.binary_search(&edge.target()).is_ok()
            })
            .count()
    }
}

/// Flows along which one message leads to another delivery.
const CAUSAL: [FlowKind; 8] = [
    FlowKind::Emits,
    FlowKind::PublishedTo,
    FlowKind::ConsumedBy,
    FlowKind::Triggers,
    FlowKind::HandledBy,
    FlowKind::Updates,
    FlowKind::Call,
    FlowKind::Webhook,
];

/// Flows along which policies trigger each other (asynchronously).
const TRIGGERING: [FlowKind; 6] = [
    FlowKind::Emits,
    FlowKind::PublishedTo,
    FlowKind::ConsumedBy,
    FlowKind::Triggers,
    FlowKind::HandledBy,
    FlowKind::Webhook,
];

fn arrow_path(path: &[&ElementId]) -> String {
    path.iter()
        .map(|id| id.as_str())
        .collect::<Vec<_>>()
        .join(" → ")
}

impl Context<'_> {
    /// Policies that can trigger each other forever (a warning: a policy may
    /// decide to stop the loop).
    pub(super) fn policy_cycles(&self, problems: &mut Vec<Problem>) {
        let causal = Causal::of(self, &TRIGGERING, |_| true);
        for component in causal.loops() {
            let members: Vec<ElementId> = component
                .iter()
                .map(|n| causal.ids[n.index()].clone())
                .collect();
            let policies: Vec<&ElementId> = members
                .iter()
                .filter(|id| self.kind_of(id) == Some(ElementKind::Policy))
                .collect();
            if let Some(first) = policies.first() {
                let mut elements = vec![(*first).clone()];
                elements.extend(members.iter().filter(|id| id != first).cloned());
                problems.push(Problem::new(
                    Rule::PolicyCycle,
                    Severity::Warning,
                    elements,
                    format!(
                        "policies {} can trigger each other forever through {}: make sure one of them stops the loop",
                        policies.iter().map(|id| self.name_of(id)).collect::<Vec<_>>().join(", "),
                        members.iter().map(|id| id.as_str()).collect::<Vec<_>>().join(" -> ")
                    ),
                ));
            }
        }
    }

    /// Loops a run cannot get out of: errors, because the run would spin or
    /// grow until it is stopped.
    pub(super) fn runaway_loops(&self, problems: &mut Vec<Problem>) {
        // Elements that let a message through without virtual time passing:
        // everything but services whose service time is not zero.
        let instant = |id: &ElementId| {
            self.model.element(id).is_some_and(|e| {
                !e.kind.is_service() || e.service_or_default().service_time.mean_us() == 0
            })
        };
        let zero_time = Causal::of(self, &CAUSAL, instant);
        for component in zero_time.loops() {
            let path = zero_time.cycle_path(&component);
            problems.push(Problem::new(
                Rule::ZeroTimeLoop,
                Severity::Error,
                path.iter().map(|id| (*id).clone()).collect(),
                format!(
                    "the loop {} feeds itself without virtual time passing: a run would spin at one \
                     instant; give a step along it a service time above 0, or break the loop",
                    arrow_path(&path)
                ),
            ));
        }
        let causal = Causal::of(self, &CAUSAL, |_| true);
        for component in causal.loops() {
            let path = causal.cycle_path(&component);
            let splitter = component
                .iter()
                .map(|n| (causal.copies_inside(&component, *n), *n))
                .filter(|(copies, _)| *copies > 1)
                .max_by_key(|(copies, n)| (*copies, std::cmp::Reverse(*n)))
                .map(|(copies, n)| (copies, causal.ids[n.index()]));
            // A window sends one result per key and window however many it
            // counted; filters pass on a share of what they read.
            let operators: Vec<Operator> = component
                .iter()
                .filter_map(|n| self.model.element(causal.ids[n.index()]))
                .filter(|e| e.kind == ElementKind::Processor)
                .map(|e| e.operator())
                .collect();
            let windowed = operators
                .iter()
                .any(|op| matches!(op, Operator::Aggregate { .. }));
            let kept: f64 = operators
                .iter()
                .map(|op| match op {
                    Operator::Filter { keep_percent } => f64::from(*keep_percent) / 100.0,
                    _ => 1.0,
                })
                .product();
            let drops = windowed || kept < 1.0;
            let splitter = splitter
                .filter(|(copies, _)| !windowed && *copies as f64 * kept > 1.0)
                .map(|(_, id)| id);
            let has_policy = component
                .iter()
                .any(|n| self.kind_of(causal.ids[n.index()]) == Some(ElementKind::Policy));
            if let Some(splitter) = splitter {
                problems.push(Problem::new(
                    Rule::MultiplyingLoop,
                    Severity::Error,
                    std::iter::once(splitter.clone())
                        .chain(path.iter().map(|id| (*id).clone()))
                        .collect(),
                    format!(
                        "the loop {} multiplies messages: `{splitter}` sends more than one copy of each \
                         back into it, so every pass makes more; send only one back, or break the loop",
                        arrow_path(&path)
                    ),
                ));
            } else if !drops && !has_policy && !path.is_empty() {
                problems.push(Problem::new(
                    Rule::EndlessLoop,
                    Severity::Warning,
                    path.iter().map(|id| (*id).clone()).collect(),
                    format!(
                        "messages that enter the loop {} go round it forever: a filter, a window or a \
                         policy that stops them keeps a run from growing without end",
                        arrow_path(&path)
                    ),
                ));
            }
        }
    }
}
