//! The timeline between the board and the dock: on top the handle that
//! sizes the run panels (drag it; double-click hides or shows the dock),
//! then the run's progress with the fault schedule on a labelled time
//! axis, and a scrubber that takes the board back (or forward) in virtual
//! time.

use egui::{Color32, CursorIcon, Rect, Sense, Stroke, Ui, pos2, vec2};
use stormflow_core::model::FaultKind;
use stormflow_core::sim::Time;
use stormflow_core::units::format_duration_us;

use super::RunView;
use super::layout::RunChrome;
use crate::command::Command;
use crate::theme;

/// Height of the handle above the timeline (points).
pub const GRIP_HEIGHT: f32 = 10.0;
/// Height of the progress bar's row (points).
const BAR_ROW_HEIGHT: f32 = 20.0;
/// Height of the time labels' row (points).
const LABEL_ROW_HEIGHT: f32 = 13.0;
/// Space left and right of the bar (points).
const BAR_INSET: f32 = 8.0;

/// A step of 1, 2 or 5 times a power of ten (in microseconds) that keeps
/// labels at least `min_px` apart on a bar `width_px` wide spanning `span_us`.
pub fn tick_step_us(span_us: Time, width_px: f32, min_px: f32) -> Time {
    let span_us = span_us.max(1);
    let per_px = span_us as f64 / f64::from(width_px.max(1.0));
    let least = (per_px * f64::from(min_px)).max(1.0);
    let mut power: Time = 1;
    loop {
        for m in [1, 2, 5] {
            let step = power.saturating_mul(m);
            if step as f64 >= least {
                return step;
            }
        }
        if power > Time::MAX / 10 {
            return Time::MAX;
        }
        power *= 10;
    }
}

/// The timeline: the handle that sizes the run panels, the progress bar
/// with the faults, time labels, and the scrubber.
pub fn timeline_ui(ui: &mut Ui, run: &mut RunView) -> Vec<Command> {
    let mut commands = Vec::new();
    let mut chrome = RunChrome::load(ui.ctx());
    // The app's panel edge on top of the timeline dragged: it is the same
    // edge as the handle, so it sizes the dock the same way.
    let available = ui.available_height();
    if ui.ctx().dragged_id().is_some()
        && let Some(drawn) = chrome.timeline_drawn
        && (available - drawn).abs() > 0.5
    {
        chrome.drag_dock_edge(drawn - available, chrome.room, run.tab);
        ui.ctx().request_repaint();
    }
    let width = ui.available_width();
    let height = GRIP_HEIGHT + BAR_ROW_HEIGHT + LABEL_ROW_HEIGHT;
    let (rect, _) = ui.allocate_exact_size(vec2(width, height), Sense::hover());
    let grip_rect = Rect::from_min_size(rect.min, vec2(width, GRIP_HEIGHT));
    grip_ui(ui, grip_rect, &mut chrome, run);
    let scrub_rect = Rect::from_min_max(pos2(rect.left(), grip_rect.bottom()), rect.max);
    let response = ui
        .interact(
            scrub_rect,
            ui.scope_id().with("run-timeline"),
            Sense::click_and_drag(),
        )
        .on_hover_text("Drag to replay the run to any virtual time (the time machine)");
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Slider, true, "Timeline"));
    let horizon = run.model.run.horizon_us.max(run.now()).max(1);
    let bar = Rect::from_min_size(
        pos2(scrub_rect.left() + BAR_INSET, scrub_rect.top() + 4.0),
        vec2(scrub_rect.width() - 2.0 * BAR_INSET, BAR_ROW_HEIGHT - 6.0),
    );
    paint_bar(ui, bar, run, horizon);
    if let Some(pointer) = response.interact_pointer_pos()
        && (response.dragged() || response.clicked())
    {
        let fraction = ((pointer.x - bar.left()) / bar.width()).clamp(0.0, 1.0);
        run.scrub = Some((fraction as f64 * horizon as f64) as Time);
    }
    if (response.drag_stopped() || response.clicked())
        && let Some(t) = run.scrub.take()
    {
        commands.push(Command::RunSeek(t));
    }
    chrome.timeline_drawn = Some(height);
    chrome.timeline_top = Some(rect.top());
    chrome.store(ui.ctx());
    commands
}

/// The handle: drag to size the dock, double-click to hide or show it.
fn grip_ui(ui: &mut Ui, rect: Rect, chrome: &mut RunChrome, run: &RunView) {
    let response = ui
        .interact(
            rect,
            ui.scope_id().with("run-dock-grip"),
            Sense::click_and_drag(),
        )
        .on_hover_text("Drag to size the run panels; double-click to hide or show the dock")
        .on_hover_cursor(CursorIcon::ResizeVertical);
    response.widget_info(|| {
        egui::WidgetInfo::labeled(egui::Role::Splitter, true, "Resize the run panels")
    });
    if response.dragged() {
        ui.ctx().set_cursor_icon(CursorIcon::ResizeVertical);
        chrome.drag_dock_edge(response.drag_delta().y, chrome.room, run.tab);
    }
    if response.double_clicked() {
        chrome.dock_open = !chrome.dock_open;
    }
    let painter = ui.painter_at(rect);
    let visuals = ui.visuals();
    let active = response.hovered() || response.dragged();
    let stroke = if active {
        visuals.widgets.hovered.fg_stroke
    } else {
        visuals.widgets.noninteractive.bg_stroke
    };
    painter.hline(rect.x_range(), rect.top() + 0.5, stroke);
    // Three short lines in the middle: a handle, as on a window's edge.
    let color = if active {
        visuals.widgets.hovered.fg_stroke.color
    } else {
        visuals.widgets.inactive.fg_stroke.color.gamma_multiply(0.6)
    };
    for dy in [3.0, 5.5, 8.0] {
        let y = rect.top() + dy;
        painter.hline(
            (rect.center().x - 18.0)..=(rect.center().x + 18.0),
            y,
            Stroke::new(1.0, color),
        );
    }
}

fn fault_color(kind: &FaultKind) -> Color32 {
    match kind {
        FaultKind::Down { .. } => theme::FAULT_DOWN,
        FaultKind::Slow { .. } => theme::FAULT_SLOW,
        FaultKind::Failing { .. } => theme::FAULT_FAILING,
        FaultKind::Rate { .. } => theme::FAULT_RATE,
        FaultKind::Replay => theme::FAULT_REPLAY,
    }
}

/// The bar: progress, faults, the scrubber's line and the time labels
/// under it, all inside the timeline's rectangle.
fn paint_bar(ui: &Ui, bar: Rect, run: &RunView, span: Time) {
    let dark = ui.visuals().dark_mode;
    let full = bar
        .expand2(vec2(BAR_INSET, 0.0))
        .with_max_y(bar.bottom() + LABEL_ROW_HEIGHT + 3.0);
    let painter = ui.painter_at(full);
    painter.rect_filled(bar, 3, theme::timeline_track(dark));
    let x_of = |t: Time| bar.left() + bar.width() * (t as f32 / span as f32).clamp(0.0, 1.0);
    let progress = Rect::from_min_max(bar.min, pos2(x_of(run.now()), bar.max.y));
    painter.rect_filled(progress, 3, theme::run_progress());
    let label_font = egui::FontId::proportional(10.0);
    for fault in run.faults() {
        let start = x_of(fault.at_us);
        let end = fault.end_us().map_or(start + 3.0, x_of).max(start + 3.0);
        let span_rect =
            Rect::from_min_max(pos2(start, bar.top() + 2.0), pos2(end, bar.bottom() - 2.0));
        painter.rect_filled(span_rect, 2, fault_color(&fault.kind));
        if end - start > 40.0 {
            painter.with_clip_rect(span_rect).text(
                span_rect.left_center() + vec2(3.0, 0.0),
                egui::Align2::LEFT_CENTER,
                format!("{} {}", fault.element, RunView::fault_label(&fault.kind)),
                label_font.clone(),
                Color32::WHITE,
            );
        }
    }
    let text_color = ui.visuals().weak_text_color();
    let horizon = run.model.run.horizon_us;
    if horizon < span {
        // Run until went past the horizon: mark where it was.
        let x = x_of(horizon);
        painter.vline(x, bar.y_range(), Stroke::new(1.0, text_color));
    }
    let scrub_t = run.scrub.unwrap_or(run.now());
    let x = x_of(scrub_t);
    painter.line_segment(
        [pos2(x, bar.top() - 3.0), pos2(x, bar.bottom() + 3.0)],
        Stroke::new(2.0, theme::SCRUBBER),
    );
    // Time labels: 0, round steps, and the end, right-aligned inside.
    let label_y = bar.bottom() + 2.0;
    let end_text = format_duration_us(span);
    let end_galley = painter.layout_no_wrap(end_text, label_font.clone(), text_color);
    let end_left = bar.right() - end_galley.size().x;
    painter.galley(pos2(end_left, label_y), end_galley, text_color);
    let step = tick_step_us(span, bar.width(), 70.0);
    let mut t: Time = 0;
    while t < span {
        let x = x_of(t);
        painter.vline(
            x,
            (bar.bottom() - 3.0)..=bar.bottom(),
            Stroke::new(1.0, text_color),
        );
        let galley = painter.layout_no_wrap(format_duration_us(t), label_font.clone(), text_color);
        let left = if t == 0 { x } else { x - galley.size().x / 2.0 };
        if left + galley.size().x + 8.0 < end_left {
            painter.galley(pos2(left, label_y), galley, text_color);
        }
        t = t.saturating_add(step);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_labels_fall_on_round_steps_far_enough_apart() {
        // A minute across 700 points, labels at least 70 apart: every 10 s.
        assert_eq!(tick_step_us(60_000_000, 700.0, 70.0), 10_000_000);
        // The same minute across 300 points: every 20 s.
        assert_eq!(tick_step_us(60_000_000, 300.0, 70.0), 20_000_000);
        // 45 ms: every 5 ms.
        assert_eq!(tick_step_us(45_000, 700.0, 70.0), 5_000);
        assert!(
            tick_step_us(0, 0.0, 70.0) >= 1,
            "a degenerate bar does not hang"
        );
        assert!(tick_step_us(Time::MAX, 1.0, 70.0) > 0);
    }
}
