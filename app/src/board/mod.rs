//! The board: an infinite canvas that draws the model's stickies and arrows.
//!
//! The model knows only board coordinates; pan and zoom are view state
//! ([`BoardView`]) and never reach the file.

pub mod draw;

use egui::emath::TSTransform;
use egui::{Pos2, Rect, Vec2, pos2, vec2};
use stormflow_core::model::{Element, Model};

/// Smallest zoom (10%).
pub const MIN_ZOOM: f32 = 0.1;
/// Largest zoom (400%).
pub const MAX_ZOOM: f32 = 4.0;

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

    /// Frames `bounds` (board coordinates) in `canvas` with a margin.
    pub fn fit(&mut self, canvas: Rect, bounds: Rect) {
        if !bounds.is_positive() || canvas.width() < 10.0 || canvas.height() < 10.0 {
            return;
        }
        let margin = 40.0;
        let zoom = ((canvas.width() - 2.0 * margin) / bounds.width())
            .min((canvas.height() - 2.0 * margin) / bounds.height())
            .clamp(MIN_ZOOM, MAX_ZOOM.min(1.5));
        self.zoom = zoom;
        let center_screen = canvas.size() / 2.0;
        self.pan = center_screen - bounds.center().to_vec2() * zoom;
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

/// Draws the whole model read-only (frames first, then arrows, then stickies).
pub fn paint_model(ui: &egui::Ui, canvas: Rect, model: &Model, view: &BoardView) {
    let painter = ui.painter_at(canvas);
    let dark = ui.visuals().dark_mode;
    let to_screen = view.screen_from_board(canvas);
    paint_grid(&painter, canvas, view, dark);
    for element in model.elements().filter(|e| e.kind.is_frame()) {
        let rect = to_screen.mul_rect(element_rect(element));
        if ui.is_rect_visible(rect) {
            draw::element(
                &painter,
                element,
                rect,
                view.zoom,
                draw::Emphasis::default(),
                dark,
            );
        }
    }
    for flow in model.sorted_flows() {
        let (Some(from), Some(to)) = (model.element(&flow.from), model.element(&flow.to)) else {
            continue;
        };
        let (a, b) = (
            to_screen.mul_rect(element_rect(from)),
            to_screen.mul_rect(element_rect(to)),
        );
        if ui.is_rect_visible(a.union(b)) {
            draw::flow(&painter, a, b, flow.kind, view.zoom, dark, false);
        }
    }
    for element in model.elements().filter(|e| !e.kind.is_frame()) {
        let rect = to_screen.mul_rect(element_rect(element));
        if ui.is_rect_visible(rect) {
            draw::element(
                &painter,
                element,
                rect,
                view.zoom,
                draw::Emphasis::default(),
                dark,
            );
        }
    }
}

/// A dot grid every 40 board units, thinned out when zoomed far out.
pub fn paint_grid(painter: &egui::Painter, canvas: Rect, view: &BoardView, dark: bool) {
    let mut step = 40.0 * view.zoom;
    while step < 14.0 {
        step *= 2.0;
    }
    let color = if dark {
        egui::Color32::from_gray(55)
    } else {
        egui::Color32::from_gray(205)
    };
    let origin = canvas.min + view.pan;
    let first_x = origin.x - ((origin.x - canvas.left()) / step).floor() * step;
    let first_y = origin.y - ((origin.y - canvas.top()) / step).floor() * step;
    let mut dots = Vec::new();
    let mut x = first_x;
    while x < canvas.right() {
        let mut y = first_y;
        while y < canvas.bottom() {
            dots.push(egui::Shape::rect_filled(
                Rect::from_center_size(pos2(x, y), vec2(1.5, 1.5)),
                0,
                color,
            ));
            y += step;
        }
        x += step;
    }
    painter.extend(dots);
}
