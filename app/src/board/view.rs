//! The camera: where the board is looked at from (pan and zoom), the
//! transforms between board and screen, and fitting a board in view.

use egui::emath::TSTransform;
use egui::{Pos2, Rect, Vec2, pos2, vec2};
use stormflow_core::model::Element;

use super::BoardState;

/// Smallest zoom: small enough to fit the largest board the file format
/// allows (ten million units either way) on a small window.
pub const MIN_ZOOM: f32 = 0.000_01;
/// Largest zoom (400%).
pub const MAX_ZOOM: f32 = 4.0;
/// Grid pitch in board units (snapping and the dot grid).
pub const GRID: f32 = 20.0;
/// Space kept around a fitted board, in screen points.
const FIT_MARGIN: f32 = 40.0;

/// Where the board is looked at from: pan and zoom.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BoardView {
    /// Screen offset of the board origin from the canvas' top-left corner.
    pub pan: Vec2,
    /// Screen pixels per board unit.
    pub zoom: f32,
}

impl Default for BoardView {
    fn default() -> Self {
        Self {
            pan: vec2(80.0, 80.0),
            zoom: 1.0,
        }
    }
}

impl BoardView {
    /// The transform from board coordinates to screen coordinates inside `canvas`.
    pub fn screen_from_board(&self, canvas: Rect) -> TSTransform {
        TSTransform::new(canvas.min.to_vec2() + self.pan, self.zoom)
    }

    /// The transform from screen coordinates back to the board.
    pub fn board_from_screen(&self, canvas: Rect) -> TSTransform {
        self.screen_from_board(canvas).inverse()
    }

    /// Zooms by `factor` keeping the board point under `anchor` (screen) still.
    pub fn zoom_around(&mut self, canvas: Rect, anchor: Pos2, factor: f32) {
        let before = self.board_from_screen(canvas).mul_pos(anchor);
        self.zoom = (self.zoom * factor).clamp(MIN_ZOOM, MAX_ZOOM);
        let after = self.screen_from_board(canvas).mul_pos(before);
        self.pan += anchor - after;
    }

    /// Frames `bounds` (board coordinates) in `canvas` with a margin, never
    /// zooming in past `max_zoom`. Any board fits: the zoom goes as far
    /// out as it takes (the level of detail keeps that quick).
    pub fn fit(&mut self, canvas: Rect, bounds: Rect, max_zoom: f32) {
        if !bounds.is_positive() || canvas.width() < 10.0 || canvas.height() < 10.0 {
            return;
        }
        let room = (canvas.size() - Vec2::splat(2.0 * FIT_MARGIN)).max(Vec2::splat(10.0));
        let zoom = (room.x / bounds.width())
            .min(room.y / bounds.height())
            .clamp(MIN_ZOOM, max_zoom.min(MAX_ZOOM));
        if !zoom.is_finite() {
            return;
        }
        self.zoom = zoom;
        self.pan = canvas.size() / 2.0 - bounds.center().to_vec2() * zoom;
    }

    /// Centres board point `at` in `canvas`.
    pub fn center_on(&mut self, canvas: Rect, at: Pos2) {
        self.pan = canvas.size() / 2.0 - at.to_vec2() * self.zoom;
    }
}

/// An element's rectangle in board coordinates.
pub fn element_rect(element: &Element) -> Rect {
    let size = element.size_or_default();
    Rect::from_min_size(
        pos2(element.pos.x as f32, element.pos.y as f32),
        vec2(size.w as f32, size.h as f32),
    )
}

/// The bounding box of every element, in board coordinates.
pub fn model_bounds<'a>(elements: impl Iterator<Item = &'a Element>) -> Rect {
    elements
        .map(element_rect)
        .fold(Rect::NOTHING, |acc, r| acc.union(r))
}

impl BoardState {
    /// Fits the whole board (or the selection) on the next frame.
    pub fn request_fit(&mut self, selection_only: bool) {
        self.fit_pending = Some(selection_only);
    }

    /// Brings an element into view on the next frame.
    pub fn request_center(&mut self, id: stormflow_core::model::ElementId) {
        self.center_on = Some(id);
    }

    /// The visible part of the board, in board coordinates.
    pub fn visible_board_rect(&self) -> Rect {
        self.view
            .board_from_screen(self.canvas)
            .mul_rect(self.canvas)
    }

    /// Does a requested fit or centring, and keeps a fitted board fitted
    /// when the canvas changes size, until the user moves the view.
    pub(super) fn camera_ui(&mut self, ui: &egui::Ui, canvas: Rect) {
        let requested = self.fit_pending.take();
        let follow = match self.fitted {
            Some((view, size)) if view == self.view => size != canvas.size(),
            _ => {
                self.fitted = None;
                false
            }
        };
        let fit = requested.or(follow.then_some(false));
        if let Some(selection_only) = fit {
            // The status bar, drawn before the board, shows the new zoom next frame.
            ui.ctx().request_repaint();
            let bounds = if selection_only {
                self.selection
                    .elements
                    .iter()
                    .filter_map(|id| self.scene.index.get(id).map(|i| self.scene.elements[*i].1))
                    .fold(Rect::NOTHING, |a, r| a.union(r))
            } else {
                self.scene.bounds
            };
            if bounds.is_positive() {
                let max_zoom = if selection_only { 2.0 } else { 1.2 };
                self.view.fit(canvas, bounds, max_zoom);
            } else if !selection_only {
                // An empty board starts at 100% with its origin in the middle.
                self.view.zoom = 1.0;
                self.view.pan = canvas.size() / 2.0;
            }
            self.fitted = (!selection_only).then_some((self.view, canvas.size()));
        }
        if let Some(id) = self.center_on.take()
            && let Some(i) = self.scene.index.get(&id)
        {
            let rect = self.scene.elements[*i].1;
            // Close enough to read it, no closer: the rest stays in view.
            if self.view.zoom < 0.35 {
                self.view.zoom = 0.6;
            }
            self.view.center_on(canvas, rect.center());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fit_holds_the_largest_board_the_format_allows() {
        let canvas = Rect::from_min_size(Pos2::ZERO, vec2(800.0, 600.0));
        let bounds = Rect::from_min_max(pos2(-1e7, -1e7), pos2(1e7, 1e7));
        let mut view = BoardView::default();
        view.fit(canvas, bounds, 1.2);
        let shown = view.board_from_screen(canvas).mul_rect(canvas);
        assert!(shown.contains_rect(bounds), "{shown:?}");
    }

    #[test]
    fn zooming_keeps_the_point_under_the_pointer() {
        let canvas = Rect::from_min_size(pos2(10.0, 20.0), vec2(800.0, 600.0));
        let mut view = BoardView::default();
        let anchor = pos2(300.0, 200.0);
        let before = view.board_from_screen(canvas).mul_pos(anchor);
        view.zoom_around(canvas, anchor, 0.5);
        let after = view.board_from_screen(canvas).mul_pos(anchor);
        assert!((before - after).length() < 1e-3);
    }
}
