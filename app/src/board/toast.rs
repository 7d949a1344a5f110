//! Short messages on the board at the pointer: why a connection or an edit
//! was refused, what a new arrow became.

use egui::{Color32, FontId, Pos2, Rect, Stroke, StrokeKind, vec2};

use super::BoardState;
use crate::theme;

/// A message shown at a point until a time.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Toast {
    text: String,
    at: Pos2,
    until: f64,
    error: bool,
}

impl BoardState {
    /// Shows a message at a board position for a few seconds.
    pub fn toast_at(
        &mut self,
        ctx: &egui::Context,
        text: impl Into<String>,
        at: Option<Pos2>,
        error: bool,
    ) {
        let at = at
            .or_else(|| ctx.input(|i| i.pointer.latest_pos()))
            .unwrap_or_else(|| self.canvas.center());
        self.toast = Some(Toast {
            text: text.into(),
            at,
            until: ctx.input(|i| i.time) + if error { 4.0 } else { 2.5 },
            error,
        });
    }

    /// The toast text, if one is showing (tests read it).
    pub fn toast_text(&self) -> Option<&str> {
        self.toast.as_ref().map(|t| t.text.as_str())
    }

    /// Shows the toast, if any, until its time is up.
    pub(super) fn toast_ui(&mut self, ui: &egui::Ui) {
        let Some(toast) = &self.toast else { return };
        let now = ui.input(|i| i.time);
        if now > toast.until {
            self.toast = None;
            return;
        }
        let color = if toast.error {
            theme::REFUSED
        } else {
            theme::ACCEPTED
        };
        let painter = ui.ctx().layer_painter(egui::LayerId::new(
            egui::Order::Tooltip,
            egui::Id::unique("stormflow-toast"),
        ));
        tip(
            &painter,
            toast.at + vec2(14.0, 14.0),
            &toast.text,
            color,
            ui.visuals().dark_mode,
        );
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_millis(200));
    }
}

/// A small label with a background, for hints at the pointer. White text
/// on a strong colour reads on either theme.
pub(super) fn tip(painter: &egui::Painter, at: Pos2, text: &str, color: Color32, dark: bool) {
    let galley = painter.layout(
        text.to_string(),
        FontId::proportional(13.0),
        Color32::WHITE,
        360.0,
    );
    let rect = Rect::from_min_size(at, galley.size() + vec2(12.0, 8.0));
    let edge = Stroke::new(1.0, theme::toast_edge(dark));
    painter.rect(rect, 4, color, edge, StrokeKind::Inside);
    painter.galley(rect.min + vec2(6.0, 4.0), galley, Color32::WHITE);
}
