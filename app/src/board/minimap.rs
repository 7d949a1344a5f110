//! The minimap: the whole board in a corner, with the visible part boxed;
//! a click or a drag on it moves the view there. It never covers a
//! sticky: it moves to a corner where none is, and folds into a small tab
//! when every corner has one (a click on the tab opens it anyway).

use egui::{CornerRadius, FontId, Rect, Sense, Stroke, StrokeKind, pos2, vec2};

use super::BoardState;
use crate::theme;

/// A corner of the canvas.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Corner {
    /// Bottom right (where it starts).
    #[default]
    BottomRight,
    /// Bottom left.
    BottomLeft,
    /// Top right.
    TopRight,
    /// Top left.
    TopLeft,
}

/// Whether the minimap is open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Fold {
    /// Open in a corner where it covers no sticky; folded when there is none.
    #[default]
    Auto,
    /// Open even over stickies: the user opened it from its tab.
    Open,
    /// Folded by the user.
    Folded,
}

/// The minimap's size on screen.
const SIZE: egui::Vec2 = vec2(200.0, 130.0);
/// Its distance from the canvas' edges.
const MARGIN: f32 = 12.0;
/// Room it keeps from stickies.
const CLEAR: f32 = 6.0;
/// The folded tab's size.
const TAB: egui::Vec2 = vec2(64.0, 22.0);

impl Corner {
    const ALL: [Corner; 4] = [
        Corner::BottomRight,
        Corner::BottomLeft,
        Corner::TopRight,
        Corner::TopLeft,
    ];

    /// A rectangle of `size` in this corner of `canvas`.
    fn place(self, canvas: Rect, size: egui::Vec2) -> Rect {
        let inner = canvas.shrink(MARGIN);
        let min = match self {
            Corner::BottomRight => inner.max - size,
            Corner::BottomLeft => pos2(inner.min.x, inner.max.y - size.y),
            Corner::TopRight => pos2(inner.max.x - size.x, inner.min.y),
            Corner::TopLeft => inner.min,
        };
        Rect::from_min_size(min, size)
    }
}

impl BoardState {
    /// Where the minimap was drawn last frame (None: hidden or folded).
    pub fn minimap_rect(&self) -> Option<Rect> {
        self.minimap_shown
    }

    /// How many stickies (on screen) the minimap would cover at `frame`;
    /// selected ones count a thousand times.
    fn covered(&self, canvas: Rect, frame: Rect) -> usize {
        let to_screen = self.view.screen_from_board(canvas);
        let frame = frame.expand(CLEAR);
        self.scene.elements[self.scene.frames..]
            .iter()
            .filter(|(_, rect, _)| to_screen.mul_rect(*rect).intersects(frame))
            .map(|(id, _, _)| {
                if self.selection.elements.contains(id) {
                    1_000
                } else {
                    1
                }
            })
            .sum()
    }

    /// Draws the minimap, or its tab when folded.
    pub(super) fn minimap_ui(&mut self, ui: &egui::Ui, canvas: Rect) {
        self.minimap_shown = None;
        let bounds = self.scene.bounds;
        if !self.minimap
            || !bounds.is_positive()
            || canvas.height() < 420.0
            || canvas.width() < 520.0
        {
            return;
        }
        // The corner it is in first, so that it moves only when it must.
        let order = std::iter::once(self.minimap_corner).chain(Corner::ALL);
        let corner = match self.minimap_fold {
            Fold::Folded => None,
            Fold::Auto => order
                .into_iter()
                .find(|c| self.covered(canvas, c.place(canvas, SIZE)) == 0),
            Fold::Open => order.min_by_key(|c| self.covered(canvas, c.place(canvas, SIZE))),
        };
        let Some(corner) = corner else {
            self.minimap_tab_ui(ui, canvas);
            return;
        };
        self.minimap_corner = corner;
        let frame = corner.place(canvas, SIZE);
        self.minimap_shown = Some(frame);
        self.minimap_map_ui(ui, canvas, frame);
        // Its fold button, top right.
        let fold = Rect::from_min_size(
            pos2(frame.right() - 20.0, frame.top() + 2.0),
            vec2(18.0, 16.0),
        );
        let response = ui.interact(fold, ui.make_persistent_id("minimap-fold"), Sense::click());
        response.widget_info(|| {
            egui::WidgetInfo::labeled(egui::Role::Button, true, "Fold the minimap")
        });
        let painter = ui.painter_at(frame);
        painter.text(
            fold.center(),
            egui::Align2::CENTER_CENTER,
            "▾",
            FontId::proportional(13.0),
            if response.hovered() {
                theme::SELECTION
            } else {
                theme::MINIMAP_FOLD
            },
        );
        if response.clicked() {
            self.minimap_fold = Fold::Folded;
        }
    }

    fn minimap_tab_ui(&mut self, ui: &egui::Ui, canvas: Rect) {
        let tab = Corner::BottomRight.place(canvas, TAB);
        let response = ui.interact(tab, ui.make_persistent_id("minimap-tab"), Sense::click());
        response.widget_info(|| {
            egui::WidgetInfo::labeled(egui::Role::Button, true, "Show the minimap")
        });
        let dark = ui.visuals().dark_mode;
        let painter = ui.painter_at(tab);
        painter.rect(
            tab,
            CornerRadius::same(4),
            theme::minimap_fill(dark),
            Stroke::new(1.0, theme::MINIMAP_BORDER),
            StrokeKind::Inside,
        );
        painter.text(
            tab.center(),
            egui::Align2::CENTER_CENTER,
            "▴ map",
            FontId::proportional(13.0),
            ui.visuals().text_color(),
        );
        if response.clicked() {
            self.minimap_fold = Fold::Open;
        }
    }

    fn minimap_map_ui(&mut self, ui: &egui::Ui, canvas: Rect, frame: Rect) {
        let dark = ui.visuals().dark_mode;
        let painter = ui.painter_at(frame);
        painter.rect(
            frame,
            CornerRadius::same(4),
            theme::minimap_fill(dark),
            Stroke::new(1.0, theme::MINIMAP_BORDER),
            StrokeKind::Inside,
        );
        let visible = self.visible_board_rect();
        let world = self.scene.bounds.union(visible).expand(40.0);
        let scale = (frame.width() / world.width()).min(frame.height() / world.height());
        let offset = frame.center() - world.center().to_vec2() * scale;
        let map = |r: Rect| {
            Rect::from_min_max(
                offset + r.min.to_vec2() * scale,
                offset + r.max.to_vec2() * scale,
            )
        };
        let mut mesh = egui::Mesh::default();
        for (i, (_, rect, kind)) in self.scene.elements.iter().enumerate() {
            let color = self.scene.colors[i];
            let color = if kind.is_frame() {
                color.gamma_multiply(0.35)
            } else {
                color
            };
            mesh.add_colored_rect(map(*rect), color);
        }
        painter.add(egui::Shape::mesh(mesh));
        painter.rect_stroke(
            map(visible),
            0,
            Stroke::new(1.5, theme::SELECTION),
            StrokeKind::Inside,
        );
        let response = ui.interact(
            frame,
            ui.make_persistent_id("minimap"),
            Sense::click_and_drag(),
        );
        if (response.clicked() || response.dragged())
            && let Some(at) = response.interact_pointer_pos()
        {
            let board = (at - offset) / scale;
            self.view.center_on(canvas, board.to_pos2());
        }
    }
}
