//! What is under the pointer: a connection handle, a sticky, a frame's
//! title or border, an arrow, a message dot, or nothing.

use egui::{Pos2, Rect, pos2};
use stormflow_core::model::{ElementId, FlowKey};
use stormflow_core::route;

use super::scene::point;
use super::{BoardState, Dot};

/// What the pointer is over.
#[derive(Clone, Debug, PartialEq)]
pub enum Hit {
    /// A sticky's connection handle.
    Handle(ElementId),
    /// A sticky (or a frame's title or border).
    Element(ElementId),
    /// An arrow.
    Flow(FlowKey),
    /// Nothing.
    Empty,
}

/// How near (screen points) the pointer must be to an arrow or a dot.
const NEAR_LINE: f32 = 6.0;
/// How near (screen points) the pointer must be to a connection handle.
const NEAR_HANDLE: f32 = 9.0;

/// Where a sticky's connection handle sits: the middle of its right edge.
pub(super) fn handle_pos(rect: Rect) -> Pos2 {
    pos2(rect.right(), rect.center().y)
}

impl BoardState {
    /// What is at `screen`; connection handles count when `handles` is set.
    pub(super) fn hit(&self, screen: Pos2, handles: bool) -> Hit {
        let to_screen = self.view.screen_from_board(self.canvas);
        let elements = &self.scene.elements;
        if handles {
            for (id, rect, kind) in elements.iter().rev() {
                if kind.is_annotation() {
                    continue;
                }
                let r = to_screen.mul_rect(*rect);
                if handle_pos(r).distance(screen) <= NEAR_HANDLE && r.expand(12.0).contains(screen)
                {
                    return Hit::Handle(id.clone());
                }
            }
        }
        for (i, (id, rect, kind)) in elements.iter().enumerate().rev() {
            let r = to_screen.mul_rect(*rect);
            if kind.is_frame() {
                let on_title = self.title_rects.get(i).is_some_and(|t| t.contains(screen));
                let on_border = r.contains(screen) && !r.shrink(6.0).contains(screen);
                if on_title || on_border {
                    return Hit::Element(id.clone());
                }
                continue;
            }
            if r.contains(screen) {
                return Hit::Element(id.clone());
            }
        }
        let board = point(self.view.board_from_screen(self.canvas).mul_pos(screen));
        let zoom = self.view.zoom;
        for flow in &self.scene.flows {
            let path: Vec<_> = flow.path.iter().map(|p| point(*p)).collect();
            if route::distance_to_path(board, &path) * zoom <= NEAR_LINE {
                return Hit::Flow(flow.key.clone());
            }
        }
        Hit::Empty
    }

    /// Where a message dot is on the screen, along its arrow's route.
    pub(super) fn dot_pos(&self, dot: &Dot) -> Option<Pos2> {
        let (a, b) = (
            *self.scene.index.get(&dot.from)?,
            *self.scene.index.get(&dot.to)?,
        );
        let flow = &self.scene.flows[*self.scene.flow_between.get(&(a, b))?];
        let path: Vec<_> = flow.path.iter().map(|p| point(*p)).collect();
        let at = route::point_along(&path, dot.progress)?;
        Some(
            self.view
                .screen_from_board(self.canvas)
                .mul_pos(pos2(at.x, at.y)),
        )
    }

    /// The message of the dot under `screen`, if any.
    pub(super) fn dot_at(&self, screen: Pos2) -> Option<u64> {
        self.overlay
            .dots
            .iter()
            .filter_map(|dot| self.dot_pos(dot).map(|p| (p.distance(screen), dot.message)))
            .filter(|(d, _)| *d <= NEAR_LINE + 1.0)
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, message)| message)
    }
}
