//! The Trace tab: the selected message's story. Its causation chain, each
//! of its deliveries, its consequences, and the whole flow it belongs to
//! as a waterfall on a labelled time axis. The tab asks the dock for the
//! height its story needs (within the board's share).

use egui::{Rect, RichText, Sense, Stroke, StrokeKind, Ui, pos2, vec2};
use stormflow_core::sim::{AttemptRecord, FLAG_SYNC, MsgId, NO_MSG, Outcome, Time};
use stormflow_core::units::format_duration_us;

use super::layout::{DOCK_TABS_HEIGHT, RunChrome};
use super::timeline::tick_step_us;
use super::toolbar::format_clock;
use super::{RunView, Story, type_color};
use crate::command::Command;
use crate::theme;

/// Height of a waterfall row (points).
const ROW_HEIGHT: f32 = 18.0;
/// Height of the waterfall's time axis (points).
const AXIS_HEIGHT: f32 = 20.0;
/// Rows of a list the tab asks room for before it scrolls.
const LIST_ROWS_WANTED: usize = 8;
/// Waterfall rows the tab asks room for before it scrolls.
const WATERFALL_ROWS_WANTED: usize = 12;

/// The Trace tab.
pub fn trace_ui(ui: &mut Ui, run: &mut RunView, chrome: &mut RunChrome) -> Vec<Command> {
    let mut commands = Vec::new();
    chrome.trace_wanted = 0.0;
    let Some(selected) = run.selected.filter(|id| run.trace.contains(*id)) else {
        ui.label(RichText::new("Select a message in the Messages table, or click a dot on the board, to see its story.").weak());
        return commands;
    };
    let Some(message) = run.trace.message(selected) else {
        return commands;
    };
    run.refresh_story();
    let Some(story) = run.story() else {
        return commands;
    };
    let top = ui.cursor().top();
    ui.horizontal_wrapped(|ui| {
        ui.strong(run.describe(selected));
        if let Some(header) = run.trace.dead_letter(selected) {
            ui.colored_label(
                theme::DEAD_LETTER,
                format!(
                    "dead letter of m{} from {} partition {} offset {}: {}",
                    header.original,
                    if header.topic == u32::MAX {
                        "a queue".to_string()
                    } else {
                        run.name(header.topic)
                    },
                    header.partition,
                    header.offset,
                    header.error
                ),
            );
        }
        if message.causation != NO_MSG
            && ui.button("Why did this happen? (one step back)").clicked()
        {
            commands.push(Command::SelectMessage(message.causation));
        }
    });
    let header_height = ui.cursor().top() - top;
    ui.separator();
    let chain = run.chain();
    let attempts = story.attempts.get(&selected).map_or(&[][..], Vec::as_slice);
    let letters: Vec<MsgId> = story
        .descendants
        .iter()
        .copied()
        .filter(|id| {
            run.trace
                .dead_letter(*id)
                .is_some_and(|header| header.original == selected)
        })
        .collect();
    let row = ui.spacing().interact_size.y + ui.spacing().item_spacing.y;
    let list_rows = chain
        .len()
        .max(attempts.len().max(1) + letters.len())
        .max(story.descendants.len().min(200));
    let lists_needed = list_rows as f32 * row;
    // The lists take what they need, up to nearly half of the tab: the
    // waterfall keeps the rest.
    let lists_height = lists_needed.min((ui.available_height() * 0.45).max(110.0));
    let heading = ui.text_style_height(&egui::TextStyle::Body) + ui.spacing().item_spacing.y;
    chrome.trace_wanted = DOCK_TABS_HEIGHT
        + 12.0
        + header_height
        + 12.0
        + heading
        + lists_needed.min(LIST_ROWS_WANTED as f32 * row)
        + 12.0
        + heading
        + AXIS_HEIGHT
        + story.tree.len().min(WATERFALL_ROWS_WANTED) as f32 * ROW_HEIGHT
        + 12.0;
    ui.columns(3, |columns| {
        let ui = &mut columns[0];
        ui.strong(format!("Causation chain, from the root ({})", chain.len()));
        egui::ScrollArea::vertical()
            .id_salt("chain")
            .max_height(lists_height)
            .auto_shrink([false, true])
            .show(ui, |ui| {
                for id in chain.iter().copied() {
                    let text = run.describe(id);
                    if ui.selectable_label(id == selected, text).clicked() {
                        commands.push(Command::SelectMessage(id));
                    }
                }
            });
        let ui = &mut columns[1];
        commands.extend(deliveries_ui(ui, run, attempts, &letters, lists_height));
        let ui = &mut columns[2];
        let descendants = &story.descendants;
        ui.strong(format!("Consequences ({})", descendants.len()));
        egui::ScrollArea::vertical()
            .id_salt("consequences")
            .max_height(lists_height)
            .auto_shrink([false, true])
            .show(ui, |ui| {
                for id in descendants.iter().copied().take(200) {
                    if ui.selectable_label(false, run.describe(id)).clicked() {
                        commands.push(Command::SelectMessage(id));
                    }
                }
            });
    });
    ui.separator();
    ui.strong("The whole flow (correlation) as a waterfall: bars are deliveries; a thin grey line is a caller waiting on a synchronous call");
    commands.extend(waterfall_ui(ui, run, story, selected));
    commands
}

/// Each delivery of the selected message: who, which attempt, when, how it
/// ended and why; and where its dead letter went.
fn deliveries_ui(
    ui: &mut Ui,
    run: &RunView,
    attempts: &[(usize, AttemptRecord)],
    letters: &[MsgId],
    height: f32,
) -> Vec<Command> {
    let mut commands = Vec::new();
    ui.strong(format!("Deliveries ({})", attempts.len()));
    egui::ScrollArea::vertical()
        .id_salt("deliveries")
        .max_height(height)
        .auto_shrink([false, true])
        .show(ui, |ui| {
            // Ragged right: a justified error message reads badly.
            ui.with_layout(egui::Layout::top_down(egui::Align::LEFT), |ui| {
                // Where it ended up first: the reason to look at it.
                for id in letters.iter().copied() {
                    if ui
                        .selectable_label(false, format!("→ its dead letter: {}", run.describe(id)))
                        .clicked()
                    {
                        commands.push(Command::SelectMessage(id));
                    }
                }
                if attempts.is_empty() {
                    ui.label(RichText::new("none yet: nobody has taken it").weak());
                }
                for (row, attempt) in attempts {
                    let mut text = format!(
                        "{} · attempt {} · {} · {}",
                        run.name(attempt.consumer),
                        attempt.attempt,
                        format_duration_us(attempt.end.saturating_sub(attempt.start)),
                        attempt.outcome.label(),
                    );
                    if let Some(error) = run.trace.attempt_error(*row) {
                        text.push_str(": ");
                        text.push_str(error);
                    }
                    let color = match attempt.outcome {
                        Outcome::Processed => ui.visuals().text_color(),
                        Outcome::DeadLettered | Outcome::Dropped | Outcome::Stopped => theme::ERROR,
                        _ => theme::WARNING,
                    };
                    ui.label(RichText::new(text).color(color));
                }
            });
        });
    commands
}

/// Where the waterfall's bars go: a column of labels, then time from
/// `start_us` over `span_us` across the rest.
#[derive(Clone, Copy, Debug)]
struct TimeScale {
    start_us: Time,
    span_us: Time,
    label_width: f32,
    bar_width: f32,
}

impl TimeScale {
    fn x(self, left: f32, t: Time) -> f32 {
        let fraction = t.saturating_sub(self.start_us) as f32 / self.span_us.max(1) as f32;
        left + self.label_width + self.bar_width * fraction
    }
}

fn waterfall_ui(ui: &mut Ui, run: &RunView, story: &Story, selected: MsgId) -> Vec<Command> {
    let mut commands = Vec::new();
    if story.tree.is_empty() {
        return commands;
    }
    let no_attempts = Vec::new();
    let rows: Vec<(MsgId, usize, Vec<AttemptRecord>)> = story
        .tree
        .iter()
        .map(|(id, depth)| {
            (
                *id,
                *depth,
                story
                    .attempts
                    .get(id)
                    .unwrap_or(&no_attempts)
                    .iter()
                    .map(|(_, a)| *a)
                    .collect(),
            )
        })
        .collect();
    let start = rows
        .iter()
        .filter_map(|(id, _, _)| run.trace.message(*id))
        .map(|m| m.time)
        .min()
        .unwrap_or(0);
    let end = rows
        .iter()
        .flat_map(|(id, _, attempts)| {
            attempts
                .iter()
                .map(|a| a.end)
                .chain(run.trace.message(*id).map(|m| m.time))
        })
        .max()
        .unwrap_or(start)
        .max(start + 1);
    let width = ui.available_width();
    let label_width = (width * 0.35).clamp(120.0, 300.0);
    let scale = TimeScale {
        start_us: start,
        span_us: end - start,
        label_width,
        bar_width: (width - label_width - 16.0).max(60.0),
    };
    let root = rows.first().map_or(selected, |(id, _, _)| *id);
    axis_ui(ui, scale, root, width);
    egui::ScrollArea::vertical()
        .id_salt("waterfall")
        .auto_shrink([false, true])
        .show(ui, |ui| {
            for (id, depth, attempts) in rows {
                let Some(m) = run.trace.message(id) else {
                    continue;
                };
                let (rect, response) =
                    ui.allocate_exact_size(vec2(width, ROW_HEIGHT), Sense::click());
                if !ui.is_rect_visible(rect) {
                    continue;
                }
                let painter = ui.painter_at(rect);
                if id == selected {
                    painter.rect_filled(
                        rect,
                        0,
                        ui.visuals().selection.bg_fill.gamma_multiply(0.5),
                    );
                }
                let label = format!(
                    "{}m{id} {}{}",
                    "  ".repeat(depth.min(20)),
                    run.name(m.ty),
                    if m.flags & FLAG_SYNC != 0 {
                        " (sync)"
                    } else {
                        ""
                    }
                );
                let label_rect = Rect::from_min_size(rect.min, vec2(scale.label_width, ROW_HEIGHT));
                painter.with_clip_rect(label_rect).text(
                    rect.left_center() + vec2(4.0, 0.0),
                    egui::Align2::LEFT_CENTER,
                    label,
                    egui::FontId::proportional(12.0),
                    ui.visuals().text_color(),
                );
                let x = |t: Time| scale.x(rect.left(), t);
                painter.circle_filled(pos2(x(m.time), rect.center().y), 3.0, type_color(m.ty));
                for attempt in attempts {
                    let color = match attempt.outcome {
                        Outcome::Processed => theme::ATTEMPT_PROCESSED,
                        Outcome::DeadLettered | Outcome::Dropped | Outcome::Stopped => {
                            theme::ATTEMPT_LOST
                        }
                        _ => theme::ATTEMPT_RETRIED,
                    };
                    let bar = Rect::from_min_max(
                        pos2(x(attempt.start), rect.top() + 4.0),
                        pos2(
                            x(attempt.end).max(x(attempt.start) + 2.0),
                            rect.bottom() - 4.0,
                        ),
                    );
                    painter.rect(
                        bar,
                        2,
                        color,
                        Stroke::new(0.5, theme::WATERFALL_BAR_OUTLINE),
                        StrokeKind::Inside,
                    );
                    if m.flags & FLAG_SYNC != 0 {
                        // The caller waits from the request to its end: show the wait.
                        let wait = Rect::from_min_max(
                            pos2(x(m.time), rect.center().y - 1.0),
                            pos2(bar.left(), rect.center().y + 1.0),
                        );
                        painter.rect_filled(wait, 0, theme::SYNC_WAIT);
                    }
                }
                response.widget_info(|| {
                    egui::WidgetInfo::labeled(egui::Role::Button, true, format!("waterfall m{id}"))
                });
                if response.clicked() {
                    commands.push(Command::SelectMessage(id));
                }
            }
        });
    commands
}

/// The waterfall's time axis: time since the flow's first message, in round
/// steps, over the bars' column; the flow's start on the left.
fn axis_ui(ui: &mut Ui, scale: TimeScale, root: MsgId, width: f32) {
    let (rect, response) = ui.allocate_exact_size(vec2(width, AXIS_HEIGHT), Sense::hover());
    let title = format!("time since m{root} (t = {})", format_clock(scale.start_us));
    response.widget_info(|| {
        egui::WidgetInfo::labeled(egui::Role::Label, true, format!("Waterfall axis: {title}"))
    });
    let painter = ui.painter_at(rect);
    let color = ui.visuals().weak_text_color();
    let font = egui::FontId::proportional(10.0);
    painter.text(
        rect.left_center() + vec2(4.0, 0.0),
        egui::Align2::LEFT_CENTER,
        title,
        font.clone(),
        color,
    );
    let baseline = rect.bottom() - 2.0;
    let left = scale.x(rect.left(), scale.start_us);
    let right = scale.x(rect.left(), scale.start_us + scale.span_us);
    painter.hline(left..=right, baseline, Stroke::new(1.0, color));
    let step = tick_step_us(scale.span_us, scale.bar_width, 64.0);
    let mut t: Time = 0;
    while t <= scale.span_us {
        let x = scale.x(rect.left(), scale.start_us + t);
        painter.vline(x, (baseline - 4.0)..=baseline, Stroke::new(1.0, color));
        let text = if t == 0 {
            "0".to_string()
        } else {
            format!("+{}", format_duration_us(t))
        };
        // The last label keeps inside the axis, right-aligned.
        let align = if x + 30.0 > rect.right() {
            egui::Align2::RIGHT_BOTTOM
        } else {
            egui::Align2::CENTER_BOTTOM
        };
        painter.text(pos2(x, baseline - 4.0), align, text, font.clone(), color);
        t = match t.checked_add(step) {
            Some(next) => next,
            None => break,
        };
    }
}
