//! The dock under the timeline: tabs over the run's metrics, elements,
//! messages and trace. Its height is its own (see [`super::layout`]): the
//! user's, within the board's share, taller on the Trace tab when the story
//! needs it, or just the tabs when hidden. Each tab draws and returns
//! commands; none changes the run directly.

use egui::{Rect, Sense, Ui, UiBuilder, vec2};

use super::layout::{DOCK_TABS_HEIGHT, PlotWindow, RunChrome};
use super::runner::ExportFormat;
use super::{DockTab, RunView, elements, messages, plots, trace};
use crate::command::Command;
use crate::theme;

// Where the app finds the run view's parts (kept for its call sites).
pub use super::messages::outcome_text;
pub use super::timeline::timeline_ui;
pub use super::toolbar::{SPEEDS, format_clock, toolbar_ui};

/// The dock: its tab strip, then the tab's content in the height the
/// layout gives it.
pub fn dock_ui(ui: &mut Ui, run: &mut RunView) -> Vec<Command> {
    let mut commands = Vec::new();
    let ctx = ui.ctx().clone();
    let mut chrome = RunChrome::load(&ctx);
    // Selectable text would take the click meant for a table row.
    ui.style_mut().interaction.selectable_labels = false;
    chrome.room = (ui.max_rect().bottom() - chrome.toolbar_bottom).max(0.0);
    // The timeline and the panels' margins sit between the board and the
    // dock: what the board keeps is the room less the dock and these.
    if let Some(timeline_top) = chrome.timeline_top {
        chrome.between = Some((ui.max_rect().top() - timeline_top).max(0.0));
    }
    // The app's panel edge above the dock dragged: follow it.
    let available = ui.available_height();
    if ctx.dragged_id().is_some()
        && let Some(drawn) = chrome.dock_drawn
        && (available - drawn).abs() > 0.5
    {
        chrome.drag_dock_edge(drawn - available, chrome.room, run.tab);
    }
    let height = chrome.dock_height_for(chrome.room, run.tab);
    if chrome
        .dock_drawn
        .is_some_and(|drawn| (drawn - height).abs() > 0.5)
        || (available - height).abs() > 0.5
    {
        // The panel follows the content a frame later.
        ctx.request_repaint();
    }
    let (rect, _) = ui.allocate_exact_size(vec2(ui.available_width(), height), Sense::hover());
    let mut content = ui.new_child(
        UiBuilder::new()
            .max_rect(rect)
            .layout(egui::Layout::top_down(egui::Align::Min)),
    );
    content.set_clip_rect(rect.intersect(ui.clip_rect()));
    commands.extend(tabs_ui(&mut content, run, &mut chrome));
    if chrome.dock_open {
        content.separator();
        let body = Rect::from_min_max(content.cursor().min, rect.max);
        let mut body_ui = content.new_child(
            UiBuilder::new()
                .max_rect(body)
                .layout(egui::Layout::top_down(egui::Align::Min)),
        );
        body_ui.set_clip_rect(body.intersect(content.clip_rect()));
        match run.tab {
            DockTab::Metrics => commands.extend(plots::metrics_ui(&mut body_ui, run, &chrome)),
            DockTab::Elements => elements::elements_ui(&mut body_ui, run),
            DockTab::Messages => commands.extend(messages::messages_ui(&mut body_ui, run)),
            DockTab::Trace => commands.extend(trace::trace_ui(&mut body_ui, run, &mut chrome)),
        }
    }
    chrome.dock_drawn = Some(height);
    chrome.store(&ctx);
    commands
}

/// The tab strip: the tabs, the export menu, the plots' window on the
/// Metrics tab, and the button that hides or shows the dock's content.
fn tabs_ui(ui: &mut Ui, run: &mut RunView, chrome: &mut RunChrome) -> Vec<Command> {
    let mut commands = Vec::new();
    ui.allocate_ui_with_layout(
        vec2(ui.available_width(), DOCK_TABS_HEIGHT),
        egui::Layout::left_to_right(egui::Align::Center),
        |ui| {
            for (tab, name) in [
                (DockTab::Metrics, "Metrics"),
                (DockTab::Elements, "Elements"),
                (DockTab::Messages, "Messages"),
                (DockTab::Trace, "Trace"),
            ] {
                if ui.selectable_label(run.tab == tab, name).clicked() {
                    run.tab = tab;
                    // A tab clicked on a hidden dock shows it.
                    chrome.dock_open = true;
                }
            }
            ui.separator();
            ui.menu_button("Export", |ui| {
                for (label, format) in [
                    ("Trace for Perfetto (Chrome JSON)…", ExportFormat::Chrome),
                    ("Trace for Jaeger (OTLP JSON)…", ExportFormat::Otlp),
                    ("Metrics as CSV…", ExportFormat::MetricsCsv),
                    ("Metrics as JSON…", ExportFormat::MetricsJson),
                ] {
                    if ui.button(label).clicked() {
                        commands.push(Command::RunExport(format));
                        ui.close();
                    }
                }
            });
            if run.tab == DockTab::Metrics && chrome.dock_open {
                egui::ComboBox::new("plot-window", "")
                    .selected_text(chrome.window.name())
                    .width(90.0)
                    .show_ui(ui, |ui| {
                        for (name, window) in PlotWindow::CHOICES {
                            ui.selectable_value(&mut chrome.window, window, name);
                        }
                    })
                    .response
                    .on_hover_text("How much of the run the plots show");
            }
            if let Some(at) = run.snapshot.trace_truncated_at {
                ui.colored_label(
                    theme::WARNING,
                    format!(
                        "trace truncated at {}",
                        crate::cli::plural(at as usize, "message")
                    ),
                );
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let (text, hover) = if chrome.dock_open {
                    (
                        "Hide dock",
                        "Hide the dock's content and give the board the room (the tabs stay)",
                    )
                } else {
                    ("Show dock", "Show the dock's content again")
                };
                if ui.button(text).on_hover_text(hover).clicked() {
                    chrome.dock_open = !chrome.dock_open;
                }
            });
        },
    );
    commands
}
