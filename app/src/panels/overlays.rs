//! Windows over the board: the legend, the keyboard-shortcut sheet and the
//! command palette.

use egui::{Color32, Key, RichText, Stroke, StrokeKind, vec2};
use stormflow_core::model::ElementKind;
use stormflow_core::style;

use crate::board::draw;
use crate::command::{ACTIONS, Command, ComparisonSource, GESTURES, shortcut_text};
use crate::samples::SAMPLES;
use crate::theme;

/// The legend: every kind in its colour, as workshops print it, and what
/// the board shows while it runs (the badges, the dots, the DOWN cross).
pub fn legend_ui(ctx: &egui::Context, open: &mut bool) {
    egui::Window::new("Legend")
        .open(open)
        .resizable(false)
        .default_pos([260.0, 120.0])
        .show(ctx, |ui| {
            egui::ScrollArea::vertical().max_height(ctx.content_rect().height() - 160.0).show(ui, |ui| {
                egui::Grid::new("legend-grid").num_columns(2).spacing([10.0, 6.0]).show(ui, |ui| {
                    for kind in ElementKind::ALL {
                        swatch(ui, draw::color(kind.legend_rgb()), None);
                        ui.label(format!("{}: {}", kind.label(), meaning(kind)));
                        ui.end_row();
                    }
                    swatch(ui, draw::color(ElementKind::Event.legend_rgb()), Some(style::PIVOTAL_BAR_RGB));
                    ui.label("pivotal event: a dark bar and outline, and a dashed line through the board where one phase of the story ends and the next begins");
                    ui.end_row();
                });
                ui.separator();
                ui.label(RichText::new("Arrows: solid = asynchronous (issues, emits, published to, consumed by, ...); dashed = synchronous (call, webhook).").small());
                ui.separator();
                ui.strong("While the board runs");
                egui::Grid::new("legend-run-grid").num_columns(2).spacing([10.0, 6.0]).show(ui, |ui| {
                    for (sample, what) in RUN_BADGES {
                        badge_sample(ui, sample);
                        ui.label(*what);
                        ui.end_row();
                    }
                    run_mark(ui, RunMark::Dot);
                    ui.label("a travelling dot: a message on its way along an arrow, in its type's colour (red: a dead letter); click one to follow its story");
                    ui.end_row();
                    run_mark(ui, RunMark::Lag);
                    ui.label("under a topic, per consumer group and its total lag, a bar per partition as tall as its lag (messages not yet read): grey caught up, amber behind, red the furthest behind");
                    ui.end_row();
                    run_mark(ui, RunMark::Down);
                    ui.label("DOWN: a fault took this element down; it takes no messages until it comes back");
                    ui.end_row();
                    run_mark(ui, RunMark::Degraded);
                    ui.label("amber outline: slowed down or failing, by a fault");
                    ui.end_row();
                    run_mark(ui, RunMark::Alarm);
                    ui.label("red corner dot: a partition stopped on a poison message, or messages went to the dead-letter topic");
                    ui.end_row();
                });
            });
        });
}

/// The badge lines a running sticky shows, each with what it means.
const RUN_BADGES: &[(&str, &str)] = &[
    (
        "q 3",
        "q: messages waiting for this element (its queue and its lag)",
    ),
    ("busy 2/4", "busy: instances working now / instances"),
    ("done 120", "done: messages processed and committed"),
    (
        "err 5",
        "err: failed attempts (each is retried, if retries are left)",
    ),
    (
        "dlq 1",
        "dlq: messages moved to the dead-letter topic after their last retry",
    ),
    (
        "drop 2",
        "drop: messages lost (at-most-once, or given up on)",
    ),
    (
        "dup 1",
        "dup: effects applied a second time (at-least-once redeliveries)",
    ),
    (
        "requests ok 9 · failed 1",
        "requests: calls this element made that were answered, or failed",
    ),
    (
        "40 msgs · 3 partitions",
        "a topic: messages in its log, and its partitions",
    ),
];

fn swatch(ui: &mut egui::Ui, fill: Color32, pivotal: Option<[u8; 3]>) {
    let (rect, _) = ui.allocate_exact_size(vec2(34.0, 22.0), egui::Sense::hover());
    let painter = ui.painter();
    if let Some(rgb) = pivotal {
        painter.rect_stroke(
            rect.shrink(1.0),
            3,
            Stroke::new(2.5, draw::color(rgb)),
            StrokeKind::Inside,
        );
    }
    painter.rect(
        rect.shrink(if pivotal.is_some() { 3.0 } else { 0.0 }),
        3,
        fill,
        Stroke::new(0.5, theme::LEGEND_SWATCH_OUTLINE),
        StrokeKind::Inside,
    );
    if let Some(rgb) = pivotal {
        painter.rect_filled(
            egui::Rect::from_min_max(
                egui::pos2(rect.right() - 8.0, rect.top() + 3.0),
                egui::pos2(rect.right() - 3.0, rect.bottom() - 3.0),
            ),
            0,
            draw::color(rgb),
        );
    }
}

/// A badge line as the board draws it: monospaced, white on its dark box.
fn badge_sample(ui: &mut egui::Ui, text: &str) {
    egui::Frame::new()
        .fill(draw::color(style::BADGE_BOX_RGBA))
        .corner_radius(3)
        .inner_margin(egui::Margin::symmetric(4, 2))
        .show(ui, |ui| {
            ui.label(
                RichText::new(text)
                    .monospace()
                    .color(draw::color(style::BADGE_TEXT_RGB)),
            );
        });
}

#[derive(Clone, Copy)]
enum RunMark {
    Dot,
    Lag,
    Down,
    Degraded,
    Alarm,
}

/// A small picture of a mark the run draws on the board.
fn run_mark(ui: &mut egui::Ui, mark: RunMark) {
    let (rect, _) = ui.allocate_exact_size(vec2(64.0, 30.0), egui::Sense::hover());
    let painter = ui.painter();
    let sticky = rect.shrink2(vec2(4.0, 2.0));
    let fill = draw::color(ElementKind::Aggregate.legend_rgb());
    match mark {
        RunMark::Dot => {
            let y = rect.center().y;
            painter.line_segment(
                [egui::pos2(rect.left(), y), egui::pos2(rect.right(), y)],
                Stroke::new(1.5, theme::LEGEND_ARROW),
            );
            painter.circle(
                egui::pos2(rect.center().x, y),
                5.0,
                theme::LEGEND_MESSAGE_DOT,
                Stroke::new(1.0, theme::MESSAGE_DOT_OUTLINE),
            );
        }
        RunMark::Lag => {
            painter.rect_filled(rect, 3, draw::color(style::BADGE_BOX_RGBA));
            for (p, lag) in [0_u64, 3, 8, 10].iter().enumerate() {
                let h = 18.0 * *lag as f32 / 10.0;
                let left = rect.left() + 6.0 + p as f32 * 9.0;
                painter.rect_filled(
                    egui::Rect::from_min_max(
                        egui::pos2(left, rect.bottom() - 3.0 - h.max(1.0)),
                        egui::pos2(left + 7.0, rect.bottom() - 3.0),
                    ),
                    0,
                    draw::color(style::lag_bar_rgb(*lag, 10)),
                );
            }
        }
        RunMark::Down => {
            painter.rect_filled(sticky, 3, fill);
            crate::board::badges::marks(
                painter,
                sticky,
                0.5,
                &style::Badges {
                    down: true,
                    ..Default::default()
                },
            );
        }
        RunMark::Degraded => {
            painter.rect_filled(sticky.shrink(3.0), 3, fill);
            crate::board::badges::marks(
                painter,
                sticky.shrink(3.0),
                0.5,
                &style::Badges {
                    degraded: true,
                    ..Default::default()
                },
            );
        }
        RunMark::Alarm => {
            painter.rect_filled(sticky, 3, fill);
            crate::board::badges::marks(
                painter,
                sticky,
                1.0,
                &style::Badges {
                    alarm: true,
                    ..Default::default()
                },
            );
        }
    }
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
        ElementKind::BoundedContext => "what one team or service owns",
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
