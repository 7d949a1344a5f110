//! What the model looks like to the board, worked out once per revision:
//! every element's rectangle in drawing order, which frame holds which
//! sticky, and the route of every arrow around the stickies in between.

use std::collections::BTreeMap;

use egui::{Color32, Pos2, Rect};
use stormflow_core::model::{Element, ElementId, ElementKind, FlowKey, Model};
use stormflow_core::route::Obstacles;
use stormflow_core::style::{self, Point};

use super::draw::{board_rect, color, egui_pos};
use super::view::element_rect;

/// An arrow as the board draws it.
pub(super) struct SceneFlow {
    /// Index of the element it starts at.
    pub from: usize,
    /// Index of the element it ends at.
    pub to: usize,
    /// The flow.
    pub key: FlowKey,
    /// Its route in board coordinates, border to border.
    pub path: Vec<Pos2>,
}

/// A derived, per-revision picture of the model for drawing and hit-testing.
pub(super) struct Scene {
    revision: Option<u64>,
    /// Elements in drawing order: frames first (largest first), then stickies.
    pub elements: Vec<(ElementId, Rect, ElementKind)>,
    /// How many of [`Self::elements`] are frames.
    pub frames: usize,
    /// Where each element is in [`Self::elements`].
    pub index: BTreeMap<ElementId, usize>,
    /// Drawn colour of each element, for the level-of-detail blocks.
    pub colors: Vec<Color32>,
    /// Which are pivotal events.
    pub pivotal: Vec<bool>,
    /// The innermost frame holding each element's centre (an index), if any.
    pub frame_of: Vec<Option<usize>>,
    /// The arrows, in the model's flow order.
    pub flows: Vec<SceneFlow>,
    /// The first arrow between two elements (indices), for the message dots.
    pub flow_between: BTreeMap<(usize, usize), usize>,
    /// The stickies (not frames), in drawing order, for routes and placement.
    pub obstacles: Obstacles,
    /// The bounding box of every element.
    pub bounds: Rect,
}

impl Default for Scene {
    fn default() -> Self {
        Self {
            revision: None,
            elements: Vec::new(),
            frames: 0,
            index: BTreeMap::new(),
            colors: Vec::new(),
            pivotal: Vec::new(),
            frame_of: Vec::new(),
            flows: Vec::new(),
            flow_between: BTreeMap::new(),
            obstacles: Obstacles::default(),
            bounds: Rect::NOTHING,
        }
    }
}

impl Scene {
    /// Works the picture out again if the model changed since.
    pub fn refresh(&mut self, model: &Model, revision: u64) {
        if self.revision == Some(revision) {
            return;
        }
        let area = |r: &Rect| r.width() * r.height();
        let mut elements: Vec<(ElementId, Rect, ElementKind)> = model
            .elements()
            .map(|e| (e.id.clone(), element_rect(e), e.kind))
            .collect();
        // Frames first, outer ones under inner ones; ids break ties.
        elements.sort_by(|a, b| {
            (!a.2.is_frame())
                .cmp(&!b.2.is_frame())
                .then_with(|| {
                    if a.2.is_frame() && b.2.is_frame() {
                        area(&b.1).total_cmp(&area(&a.1))
                    } else {
                        std::cmp::Ordering::Equal
                    }
                })
                .then_with(|| a.0.cmp(&b.0))
        });
        self.frames = elements.iter().take_while(|e| e.2.is_frame()).count();
        self.index = elements
            .iter()
            .enumerate()
            .map(|(i, (id, _, _))| (id.clone(), i))
            .collect();
        let element = |id: &ElementId| model.element(id);
        self.colors = elements
            .iter()
            .map(|(id, _, kind)| color(element(id).map_or(kind.legend_rgb(), Element::rgb)))
            .collect();
        self.pivotal = elements
            .iter()
            .map(|(id, _, _)| element(id).is_some_and(|e| e.pivotal))
            .collect();
        // Frames from the innermost (last drawn) out: the first holding a
        // centre is the innermost.
        self.frame_of = elements
            .iter()
            .enumerate()
            .map(|(i, (_, r, _))| {
                (0..self.frames).rev().find(|&f| {
                    f != i && elements[f].1.contains(r.center()) && area(&elements[f].1) > area(r)
                })
            })
            .collect();
        self.obstacles = Obstacles::new(
            elements[self.frames..]
                .iter()
                .map(|(_, r, _)| board_rect(*r))
                .collect(),
        );
        self.flows = model
            .sorted_flows()
            .into_iter()
            .filter_map(|f| {
                let (from, to) = (*self.index.get(&f.from)?, *self.index.get(&f.to)?);
                let path = self
                    .obstacles
                    .route(&board_rect(elements[from].1), &board_rect(elements[to].1))
                    .into_iter()
                    .map(egui_pos)
                    .collect();
                Some(SceneFlow {
                    from,
                    to,
                    key: f.key(),
                    path,
                })
            })
            .collect();
        self.flow_between = BTreeMap::new();
        for (i, flow) in self.flows.iter().enumerate() {
            self.flow_between.entry((flow.from, flow.to)).or_insert(i);
        }
        self.bounds = elements
            .iter()
            .fold(Rect::NOTHING, |acc, (_, r, _)| acc.union(*r));
        self.elements = elements;
        self.revision = Some(revision);
    }

    /// The straight arrow between two rectangles (while one of them is
    /// being dragged, before it has a route).
    pub fn straight(from: Rect, to: Rect) -> Vec<Pos2> {
        let (a, b) = style::flow_ends(&board_rect(from), &board_rect(to));
        vec![egui_pos(a), egui_pos(b)]
    }
}

/// A board position as a style point.
pub(super) fn point(p: Pos2) -> Point {
    Point::new(p.x, p.y)
}
