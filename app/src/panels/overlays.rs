//! Windows over the board: the legend, the keyboard-shortcut sheet and the
//! command palette.

use egui::{Color32, Key, RichText, Stroke, StrokeKind, vec2};
use stormflow_core::model::ElementKind;

use crate::board::draw;
use crate::command::{ACTIONS, Command, ComparisonSource, GESTURES, shortcut_text};
use crate::samples::SAMPLES;

/// The legend: every kind in its colour, as workshops print it.
pub fn legend_ui(ctx: &egui::Context, open: &mut bool) {
    egui::Window::new("Legend")
        .open(open)
        .resizable(false)
        .default_pos([260.0, 120.0])
        .show(ctx, |ui| {
            egui::Grid::new("legend-grid").num_columns(2).spacing([10.0, 6.0]).show(ui, |ui| {
                for kind in ElementKind::ALL {
                    let (rect, _) = ui.allocate_exact_size(vec2(34.0, 22.0), egui::Sense::hover());
                    ui.painter().rect(
                        rect,
                        3,
                        draw::legend_color(kind.legend_rgb()),
                        Stroke::new(0.5, Color32::from_black_alpha(90)),
                        StrokeKind::Inside,
                    );
                    ui.label(format!("{}: {}", kind.label(), meaning(kind)));
                    ui.end_row();
                }
            });
            ui.separator();
            ui.label(RichText::new("Arrows: solid = asynchronous (issues, emits, published to, consumed by, ...); dashed = synchronous (call, webhook).").small());
        });
}

fn meaning(kind: ElementKind) -> &'static str {
    match kind {
        ElementKind::Event => "a fact, in the past tense (Order Placed)",
        ElementKind::Command => "an intention with one handler (Place Order)",
        ElementKind::Query => "a question with one handler, returns data",
        ElementKind::Actor => "a person or role",
        ElementKind::Aggregate => "handles commands, emits events",
        ElementKind::Policy => "whenever <event>, then <command>",
        ElementKind::ReadModel => "a view built from events, serves queries",
        ElementKind::ExternalSystem => "outside the boundary (Stripe, e-mail)",
        ElementKind::Hotspot => "a question, risk or conflict",
        ElementKind::Opportunity => "an idea worth pursuing",
        ElementKind::Topic => "a partitioned, append-only log",
        ElementKind::Processor => "filter, map, enrich, aggregate, join, split, merge",
        ElementKind::Context => "what one team or service owns",
        ElementKind::Swimlane => "a lane for one actor or flow",
    }
}

/// The keyboard-shortcut sheet (F1).
pub fn shortcuts_ui(ctx: &egui::Context, open: &mut bool) {
    egui::Window::new("Keyboard shortcuts")
        .open(open)
        .default_size([560.0, 560.0])
        .default_pos([300.0, 80.0])
        .show(ctx, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                egui::Grid::new("shortcut-grid")
                    .num_columns(2)
                    .striped(true)
                    .show(ui, |ui| {
                        for action in ACTIONS.iter().filter(|a| !a.shortcuts.is_empty()) {
                            let keys: Vec<String> =
                                action.shortcuts.iter().map(shortcut_text).collect();
                            ui.label(RichText::new(keys.join("  or  ")).monospace());
                            ui.label(action.name);
                            ui.end_row();
                        }
                        for (gesture, what) in GESTURES {
                            ui.label(RichText::new(*gesture).monospace());
                            ui.label(*what);
                            ui.end_row();
                        }
                    });
            });
        });
}

/// The command palette's state.
#[derive(Default)]
pub struct CommandPalette {
    /// Shown.
    pub open: bool,
    query: String,
    index: usize,
    focus: bool,
}

impl CommandPalette {
    /// Opens it with an empty query.
    pub fn show(&mut self) {
        self.open = true;
        self.query.clear();
        self.index = 0;
        self.focus = true;
    }

    /// Draws it; returns the command picked, if any.
    pub fn ui(&mut self, ctx: &egui::Context, recent: &[std::path::PathBuf]) -> Option<Command> {
        if !self.open {
            return None;
        }
        let mut entries: Vec<(String, String, Command)> = ACTIONS
            .iter()
            .map(|a| {
                let keys = a.shortcuts.first().map(shortcut_text).unwrap_or_default();
                (format!("{}: {}", a.group, a.name), keys, (a.command)())
            })
            .collect();
        for sample in SAMPLES {
            entries.push((
                format!("Open sample: {}", sample.title),
                String::new(),
                Command::OpenSample(sample.file),
            ));
        }
        let (a, b) = crate::samples::PURCHASE_PAIR;
        entries.push((
            "Compare side by side: purchase event-command vs event-first".to_string(),
            String::new(),
            Command::OpenComparison(ComparisonSource::Sample(a), ComparisonSource::Sample(b)),
        ));
        for path in recent {
            entries.push((
                format!("Open recent: {}", path.display()),
                String::new(),
                Command::OpenPath(path.clone()),
            ));
        }
        let query = self.query.to_lowercase();
        let matches: Vec<&(String, String, Command)> = entries
            .iter()
            .filter(|(name, _, _)| fuzzy_match(&name.to_lowercase(), &query))
            .collect();
        let (down, up, enter, escape) = ctx.input_mut(|i| {
            (
                i.consume_key(egui::Modifiers::NONE, Key::ArrowDown),
                i.consume_key(egui::Modifiers::NONE, Key::ArrowUp),
                i.consume_key(egui::Modifiers::NONE, Key::Enter),
                i.consume_key(egui::Modifiers::NONE, Key::Escape),
            )
        });
        if down {
            self.index = (self.index + 1).min(matches.len().saturating_sub(1));
        }
        if up {
            self.index = self.index.saturating_sub(1);
        }
        let mut picked = None;
        let modal = egui::Modal::new(egui::Id::unique("command-palette")).show(ctx, |ui| {
            ui.set_width(520.0);
            let response = ui.add(
                egui::TextEdit::singleline(&mut self.query)
                    .hint_text("Type a command, a sample or a recent file…")
                    .desired_width(f32::INFINITY),
            );
            if self.focus {
                response.request_focus();
                self.focus = false;
            }
            if response.changed() {
                self.index = 0;
            }
            ui.separator();
            egui::ScrollArea::vertical()
                .max_height(360.0)
                .show(ui, |ui| {
                    for (i, (name, keys, command)) in matches.iter().enumerate() {
                        let selected = i == self.index;
                        let row = ui.horizontal(|ui| {
                            let r = ui.selectable_label(selected, name.as_str());
                            if !keys.is_empty() {
                                ui.with_layout(
                                    egui::Layout::right_to_left(egui::Align::Center),
                                    |ui| {
                                        ui.label(RichText::new(keys.as_str()).monospace().weak());
                                    },
                                );
                            }
                            r
                        });
                        if selected {
                            row.response.scroll_to_me(None);
                        }
                        if row.inner.clicked() {
                            picked = Some((*command).clone());
                        }
                    }
                    if matches.is_empty() {
                        ui.label(RichText::new("Nothing matches.").weak());
                    }
                });
        });
        if enter && let Some((_, _, command)) = matches.get(self.index) {
            picked = Some(command.clone());
        }
        if picked.is_some() || escape || modal.should_close() {
            self.open = false;
        }
        picked
    }
}

/// Whether every character of `query` appears in `text` in order.
pub fn fuzzy_match(text: &str, query: &str) -> bool {
    let mut chars = text.chars();
    query
        .chars()
        .filter(|c| !c.is_whitespace())
        .all(|q| chars.any(|c| c == q))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fuzzy_matching_finds_letters_in_order() {
        assert!(fuzzy_match("view: zoom to fit", "ztf"));
        assert!(fuzzy_match("file: save as…", "save as"));
        assert!(!fuzzy_match("edit: undo", "redo"));
    }
}
