//! Auto-layout: a left-to-right layered layout along causality.
//!
//! Stickies joined by flows are placed in columns by the longest causal path
//! that reaches them (actors and sources first, then commands, aggregates,
//! events, topics, policies, ...). Loops (a policy cycle) are folded into one
//! column through their strongly connected component. Within a column,
//! stickies are ordered by the average row of what feeds them, to uncross
//! arrows. Hotspots and opportunities travel with the sticky they were
//! nearest to; frames are resized around what they held.

use std::collections::{BTreeMap, VecDeque};

use petgraph::graph::{DiGraph, NodeIndex};

use crate::edit::contains_center;
use crate::model::{ElementId, Model, Pos, Size};

/// Column pitch in board units.
const COLUMN: i32 = 260;
/// Row pitch in board units.
const ROW: i32 = 190;

/// Lays the board out left to right along causality, keeping its top-left corner.
pub fn auto_layout(model: &mut Model) {
    let placed: Vec<ElementId> = model
        .elements()
        .filter(|e| !e.kind.is_annotation())
        .map(|e| e.id.clone())
        .collect();
    if placed.is_empty() {
        return;
    }
    let origin = model
        .elements()
        .map(|e| (e.pos.x, e.pos.y))
        .fold((i32::MAX, i32::MAX), |acc, p| {
            (acc.0.min(p.0), acc.1.min(p.1))
        });

    // What frames held and which sticky each note sat beside, before moving.
    let frames: Vec<(ElementId, Vec<ElementId>)> = model
        .elements()
        .filter(|e| e.kind.is_frame())
        .map(|frame| {
            let held = model
                .elements()
                .filter(|e| !e.kind.is_frame() && contains_center(frame, e))
                .map(|e| e.id.clone())
                .collect();
            (frame.id.clone(), held)
        })
        .collect();
    let notes: Vec<(ElementId, ElementId, i32, i32)> = model
        .elements()
        .filter(|e| e.kind.is_annotation() && !e.kind.is_frame())
        .filter_map(|note| {
            let nearest = model
                .elements()
                .filter(|e| !e.kind.is_annotation())
                .min_by_key(|e| {
                    let (dx, dy) = (
                        i64::from(e.pos.x - note.pos.x),
                        i64::from(e.pos.y - note.pos.y),
                    );
                    (dx * dx + dy * dy, e.id.clone())
                })?;
            Some((
                note.id.clone(),
                nearest.id.clone(),
                note.pos.x - nearest.pos.x,
                note.pos.y - nearest.pos.y,
            ))
        })
        .collect();

    // Columns: longest path in the graph of strongly connected components.
    let index: BTreeMap<&ElementId, usize> =
        placed.iter().enumerate().map(|(i, id)| (id, i)).collect();
    let mut graph: DiGraph<usize, ()> = DiGraph::with_capacity(placed.len(), model.flow_count());
    for i in 0..placed.len() {
        graph.add_node(i);
    }
    for flow in model.sorted_flows() {
        if let (Some(a), Some(b)) = (index.get(&flow.from), index.get(&flow.to))
            && a != b
        {
            graph.add_edge(NodeIndex::new(*a), NodeIndex::new(*b), ());
        }
    }
    let components = petgraph::algo::kosaraju_scc(&graph);
    let mut component_of = vec![0usize; placed.len()];
    for (c, members) in components.iter().enumerate() {
        for node in members {
            component_of[node.index()] = c;
        }
    }
    let mut successors: Vec<Vec<usize>> = vec![Vec::new(); components.len()];
    let mut indegree = vec![0usize; components.len()];
    for edge in graph.raw_edges() {
        let (a, b) = (
            component_of[edge.source().index()],
            component_of[edge.target().index()],
        );
        if a != b {
            successors[a].push(b);
            indegree[b] += 1;
        }
    }
    let mut layer = vec![0usize; components.len()];
    let mut ready: VecDeque<usize> = (0..components.len())
        .filter(|c| indegree[*c] == 0)
        .collect();
    while let Some(c) = ready.pop_front() {
        for &next in &successors[c] {
            layer[next] = layer[next].max(layer[c] + 1);
            indegree[next] -= 1;
            if indegree[next] == 0 {
                ready.push_back(next);
            }
        }
    }
    let node_layer: Vec<usize> = (0..placed.len()).map(|i| layer[component_of[i]]).collect();

    // Rows: unconnected stickies keep their vertical order; connected ones
    // follow the average row of what feeds them.
    let columns = node_layer.iter().copied().max().unwrap_or(0) + 1;
    let mut by_column: Vec<Vec<usize>> = vec![Vec::new(); columns];
    for (i, l) in node_layer.iter().enumerate() {
        by_column[*l].push(i);
    }
    let old_y = |i: usize| model.element(&placed[i]).map_or(0, |e| e.pos.y);
    let mut row = vec![0f64; placed.len()];
    let mut predecessors: Vec<Vec<usize>> = vec![Vec::new(); placed.len()];
    for edge in graph.raw_edges() {
        predecessors[edge.target().index()].push(edge.source().index());
    }
    for column in &mut by_column {
        column.sort_by_key(|i| (old_y(*i), placed[*i].clone()));
    }
    for (c, column) in by_column.iter_mut().enumerate() {
        if c > 0 {
            let key = |i: &usize| -> (i64, i32, ElementId) {
                let feeds: Vec<f64> = predecessors[*i]
                    .iter()
                    .filter(|p| node_layer[**p] < node_layer[*i])
                    .map(|p| row[*p])
                    .collect();
                let average = if feeds.is_empty() {
                    f64::MAX / 4.0
                } else {
                    feeds.iter().sum::<f64>() / feeds.len() as f64
                };
                ((average * 1000.0) as i64, old_y(*i), placed[*i].clone())
            };
            column.sort_by_cached_key(key);
        }
        for (r, i) in column.iter().enumerate() {
            row[*i] = r as f64;
        }
    }

    for (c, column) in by_column.iter().enumerate() {
        for (r, i) in column.iter().enumerate() {
            if let Some(element) = model.element_mut(&placed[*i]) {
                element.pos = Pos {
                    x: origin.0 + 40 + c as i32 * COLUMN,
                    y: origin.1 + 60 + r as i32 * ROW,
                };
            }
        }
    }
    for (note, beside, dx, dy) in notes {
        if let Some(anchor) = model.element(&beside).map(|e| e.pos)
            && let Some(note) = model.element_mut(&note)
        {
            note.pos = Pos {
                x: anchor.x + dx,
                y: anchor.y + dy,
            };
        }
    }
    for (frame, held) in frames {
        let boxes: Vec<(i32, i32, i32, i32)> = held
            .iter()
            .filter_map(|id| model.element(id))
            .map(|e| {
                let size = e.size_or_default();
                (
                    e.pos.x,
                    e.pos.y,
                    e.pos.x + size.w as i32,
                    e.pos.y + size.h as i32,
                )
            })
            .collect();
        if boxes.is_empty() {
            continue;
        }
        let left = boxes.iter().map(|b| b.0).min().unwrap_or(0) - 30;
        let top = boxes.iter().map(|b| b.1).min().unwrap_or(0) - 60;
        let right = boxes.iter().map(|b| b.2).max().unwrap_or(0) + 30;
        let bottom = boxes.iter().map(|b| b.3).max().unwrap_or(0) + 30;
        if let Some(frame) = model.element_mut(&frame) {
            frame.pos = Pos { x: left, y: top };
            frame.size = Some(Size {
                w: (right - left).max(1) as u32,
                h: (bottom - top).max(1) as u32,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Element, ElementKind as K, Flow, FlowKind as F};

    #[test]
    fn causes_come_before_their_effects() {
        let mut m = Model::new("t");
        for (id, kind) in [
            ("event", K::Event),
            ("command", K::Command),
            ("actor", K::Actor),
            ("aggregate", K::Aggregate),
            ("policy", K::Policy),
            ("again", K::Command),
            ("worry", K::Hotspot),
        ] {
            m.add_element(Element::new(id, kind, id, Pos { x: 500, y: 500 }))
                .expect("fresh");
        }
        for (a, b, k) in [
            ("actor", "command", F::Issues),
            ("command", "aggregate", F::HandledBy),
            ("aggregate", "event", F::Emits),
            ("event", "policy", F::ConsumedBy),
            ("policy", "again", F::Triggers),
            ("again", "aggregate", F::HandledBy),
        ] {
            m.connect(Flow::new(a, b, k)).expect("allowed");
        }
        auto_layout(&mut m);
        let x = |id: &str| m.element(&id.into()).expect("exists").pos.x;
        assert!(x("actor") < x("command"));
        assert!(x("command") < x("aggregate"));
        // aggregate -> event -> policy -> again -> aggregate is a loop: one column.
        assert_eq!(x("aggregate"), x("event"));
        assert_eq!(x("event"), x("policy"));
        // The hotspot stays beside the sticky it was nearest to.
        let worry = m.element(&"worry".into()).expect("exists").pos;
        assert!(m.elements().any(|e| e.kind != K::Hotspot && e.pos == worry));
    }
}
