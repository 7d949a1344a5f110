//! The palette: sticky kinds offered at the board's workshop level. Click to
//! make a kind current (double-click on the board creates it), or drag it
//! onto the board.

use egui::{Sense, Stroke, StrokeKind, vec2};
use stormflow_core::model::{ElementKind, Level};

use crate::board::{BoardState, draw};
use crate::command::Command;
use crate::theme;

/// The palette's entries at `level`: kinds, with "pivotal event" after events.
pub fn entries(level: Level) -> Vec<(ElementKind, bool, &'static str)> {
    let mut entries = Vec::new();
    for kind in ElementKind::ALL {
        if !level.offers(kind) {
            continue;
        }
        entries.push((kind, false, kind_title(kind)));
        if kind == ElementKind::Event {
            entries.push((ElementKind::Event, true, "Pivotal event"));
        }
    }
    entries
}

fn kind_title(kind: ElementKind) -> &'static str {
    match kind {
        ElementKind::Event => "Domain event",
        ElementKind::Command => "Command",
        ElementKind::Query => "Query",
        ElementKind::Actor => "Actor",
        ElementKind::Aggregate => "Aggregate",
        ElementKind::Policy => "Policy",
        ElementKind::ReadModel => "Read model",
        ElementKind::ExternalSystem => "External system",
        ElementKind::Hotspot => "Hotspot",
        ElementKind::Opportunity => "Opportunity",
        ElementKind::Topic => "Topic",
        ElementKind::Processor => "Processor",
        ElementKind::BoundedContext => "Bounded context",
        ElementKind::Swimlane => "Swimlane",
    }
}

/// Draws the palette.
pub fn palette_ui(ui: &mut egui::Ui, level: Level, board: &mut BoardState) -> Vec<Command> {
    let mut commands = Vec::new();
    ui.heading("Palette");
    ui.horizontal_wrapped(|ui| {
        for option in Level::ALL {
            if ui
                .selectable_label(level == option, option.label())
                .clicked()
                && level != option
            {
                commands.push(Command::SetLevel(option));
            }
        }
    });
    ui.label(
        egui::RichText::new(
            "Click: double-click on the board creates it. Drag: drop it on the board.",
        )
        .small()
        .weak(),
    );
    ui.add_space(4.0);
    for (n, (kind, pivotal, title)) in entries(level).into_iter().enumerate() {
        let current = board.current_kind == kind && board.current_pivotal == pivotal;
        let (rect, response) =
            ui.allocate_exact_size(vec2(ui.available_width(), 26.0), Sense::click_and_drag());
        let response = response.on_hover_text(match n {
            0..=8 => format!("{title} (key {})", n + 1),
            _ => title.to_string(),
        });
        response.widget_info(|| {
            egui::WidgetInfo::selected(
                egui::Role::Button,
                true,
                current,
                format!("palette {title}"),
            )
        });
        let visuals = ui.style().interact_selectable(&response, current);
        ui.painter().rect(
            rect,
            4,
            visuals.bg_fill,
            visuals.bg_stroke,
            StrokeKind::Inside,
        );
        let swatch = egui::Rect::from_min_size(rect.min + vec2(6.0, 5.0), vec2(22.0, 16.0));
        ui.painter().rect(
            swatch,
            2,
            draw::color(kind.legend_rgb()),
            Stroke::new(if pivotal { 3.0 } else { 0.5 }, theme::PIVOTAL),
            StrokeKind::Inside,
        );
        ui.painter().text(
            rect.min + vec2(36.0, 13.0),
            egui::Align2::LEFT_CENTER,
            title,
            egui::FontId::proportional(14.0),
            visuals.text_color(),
        );
        if n < 9 {
            ui.painter().text(
                rect.right_center() - vec2(8.0, 0.0),
                egui::Align2::RIGHT_CENTER,
                (n + 1).to_string(),
                egui::FontId::monospace(11.0),
                visuals.text_color().gamma_multiply(0.5),
            );
        }
        if response.clicked() {
            commands.push(Command::SetCurrentKind { kind, pivotal });
        }
        if response.drag_started() {
            board.palette_drag = Some((kind, pivotal));
            commands.push(Command::SetCurrentKind { kind, pivotal });
        }
    }
    commands
}
