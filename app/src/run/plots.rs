//! The Metrics tab: the run's totals and its plots over a window of recent
//! virtual time (or the whole run), laid out in as many columns as the dock
//! is wide. A plot with many series draws the highest few and one "others"
//! line; a plot with nothing to draw says so instead of showing axes
//! around nothing.

use egui::{Color32, RichText, Sense, Ui, vec2};
use egui_plot::{
    Corner, GridInput, Legend, Line, LineStyle, Plot, PlotPoints, Points, uniform_grid_spacer,
};
use stormflow_core::model::ElementKind;

use super::layout::{PlotWindow, RunChrome};
use super::plot_data::{Others, combine, pick_series, segments, thin};
use super::{RunView, idle};
use crate::command::Command;

/// The least size of a plot's cell (points): the totals, two to a row, fit
/// in its width, and at the dock's first height two rows of cells fit
/// whole (a plot keeps about 60 points for its lines). A cell is taller
/// where the totals need it (see [`totals_height`]).
const MIN_CELL: egui::Vec2 = vec2(250.0, 104.0);
/// The totals' title, and their closing line, with the cell's margins (points).
const TOTALS_TITLE_AND_NOTE: f32 = 42.0;
/// One row of the totals' grid (points): small text at egui's row height.
const TOTALS_ROW: f32 = 21.0;
/// The width one total and its value take (points).
const TOTAL_WIDTH: f32 = 120.0;
/// How many figures the totals list.
const TOTALS: usize = 10;
/// The most height of a plot's cell (points).
const MAX_CELL_HEIGHT: f32 = 240.0;
/// Height of one legend entry (points).
const LEGEND_ROW: f32 = 15.0;
/// Lines of their own at most, before "others".
const MAX_SERIES: usize = 5;

/// Distinct colours for a plot's lines, in order.
const PALETTE: [Color32; 8] = crate::theme::PLOT_SERIES;

/// Grid steps of 1, 2 or 5 times a power of ten for a plot axis.
///
/// egui_plot's default steps are powers of ten only, so a plot a hundred
/// points high showing 0 to 45 ms labels nothing but 0 (10 ms is too close
/// for a label, 100 ms is off the plot), and 8 s of virtual time across a
/// third of the dock labels nothing but 0 either. `base_step_size` is the
/// value that the thinnest grid spacing (8 points) covers; the labelled
/// step is kept at least `label_bases` of those apart, where egui_plot
/// paints its labels at full strength (4 on the value axis, 10 on the
/// time axis whose labels are wider).
pub fn nice_steps(input: GridInput, label_bases: f64) -> [f64; 3] {
    let base = input.base_step_size.max(f64::MIN_POSITIVE);
    let at_least = |min: f64| {
        let power = 10f64.powf(min.log10().floor());
        [1.0, 2.0, 5.0, 10.0]
            .into_iter()
            .map(|m| m * power)
            .find(|step| *step >= min)
            .unwrap_or(10.0 * power)
    };
    let fine = at_least(base);
    let labelled = at_least((label_bases * base).max(fine * 1.5));
    [fine, labelled, at_least(labelled * 4.0)]
}

/// A line to draw.
struct PlotLine {
    name: String,
    points: Vec<[f64; 2]>,
    color: Color32,
    others: bool,
}

/// What one cell shows: a plot, or a sentence when there is nothing to plot.
struct Cell {
    id: &'static str,
    title: &'static str,
    /// Counts: the value axis labels whole numbers only.
    whole_numbers: bool,
    lines: Vec<PlotLine>,
    empty: Option<String>,
}

/// The time span the plots show: sample indices and seconds.
struct Span {
    points: std::ops::Range<usize>,
    start_s: f64,
    end_s: f64,
    max_points: usize,
}

/// The Metrics tab (or, when the board has nothing to simulate, why and
/// what to do about it).
pub fn metrics_ui(ui: &mut Ui, run: &RunView, chrome: &RunChrome) -> Vec<Command> {
    if let Some(idle) = idle::nothing_to_simulate(&run.model) {
        return idle::dock_note_ui(ui, run, &idle);
    }
    let width = ui.available_width();
    let columns = ((width / MIN_CELL.x).floor() as usize).clamp(1, 3);
    let cell_width = (width - 8.0 * (columns as f32 - 1.0)) / columns as f32 - 4.0;
    let cells: usize = 6;
    let rows = cells.div_ceil(columns);
    let least = MIN_CELL.y.max(totals_height(cell_width));
    let cell_height =
        ((ui.available_height() - 6.0 * rows as f32) / rows as f32).clamp(least, MAX_CELL_HEIGHT);
    let keep = (((cell_height - 56.0) / LEGEND_ROW).floor() as usize).clamp(1, MAX_SERIES + 1) - 1;
    let span = span_of(run, chrome.window, cell_width);
    let mut plots = vec![
        throughput(run, &span),
        latency(run, &span),
        queues(run, &span, keep.max(1)),
        lag(run, &span, keep.max(1)),
        consistency(run, &span, keep.max(1)),
    ];
    // Each cell gets its own rectangle, worked out afresh every frame: a
    // grid that remembers its column widths kept a plot off to the right
    // after a frame in which a legend made a column wide.
    let size = vec2(cell_width, cell_height);
    let gap = vec2(8.0, 6.0);
    egui::ScrollArea::vertical()
        .id_salt("metrics-scroll")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            let total = vec2(
                width,
                rows as f32 * cell_height + (rows as f32 - 1.0).max(0.0) * gap.y,
            );
            let (area, _) = ui.allocate_exact_size(total, Sense::hover());
            let cell_rect = |index: usize| {
                let (row, column) = (index / columns, index % columns);
                egui::Rect::from_min_size(
                    area.min
                        + vec2(
                            column as f32 * (cell_width + gap.x),
                            row as f32 * (cell_height + gap.y),
                        ),
                    size,
                )
            };
            // The totals take the first cell.
            ui.scope_builder(egui::UiBuilder::new().max_rect(cell_rect(0)), |ui| {
                // Never over the plot below, whatever the dock's height.
                ui.shrink_clip_rect(cell_rect(0));
                totals_ui(ui, run, size);
            });
            for (index, cell) in (1..).zip(plots.drain(..)) {
                ui.scope_builder(egui::UiBuilder::new().max_rect(cell_rect(index)), |ui| {
                    cell_ui(ui, cell, &span, size);
                });
            }
        });
    Vec::new()
}

fn span_of(run: &RunView, window: PlotWindow, cell_width: f32) -> Span {
    let now = run.now();
    let start_us = window.start_us(now);
    let points = &run.series.points;
    let first = points.partition_point(|p| p.t_us < start_us);
    Span {
        points: first..points.len(),
        start_s: start_us as f64 / 1e6,
        end_s: now as f64 / 1e6,
        max_points: (cell_width as usize).max(50),
    }
}

fn time_s(run: &RunView, k: usize) -> f64 {
    run.series
        .points
        .get(k)
        .map_or(0.0, |p| p.t_us as f64 / 1e6)
}

fn no_samples(span: &Span) -> Option<String> {
    span.points
        .is_empty()
        .then(|| "no data yet: the first sample comes a moment into the run".to_string())
}

fn throughput(run: &RunView, span: &Span) -> Cell {
    let points = &run.series.points[span.points.clone()];
    Cell {
        id: "plot-throughput",
        title: "deliveries / s",
        whole_numbers: false,
        lines: vec![PlotLine {
            name: "throughput".into(),
            points: thin(
                points
                    .iter()
                    .map(|s| [s.t_us as f64 / 1e6, s.throughput_per_sec])
                    .collect(),
                span.max_points,
            ),
            color: PALETTE[0],
            others: false,
        }],
        empty: no_samples(span),
    }
}

fn latency(run: &RunView, span: &Span) -> Cell {
    let points = &run.series.points[span.points.clone()];
    let line = |name: &str,
                color: Color32,
                value: &dyn Fn(&stormflow_core::sim::SamplePoint) -> u64| PlotLine {
        name: name.into(),
        points: thin(
            points
                .iter()
                .map(|s| [s.t_us as f64 / 1e6, ms_or_gap(value(s))])
                .collect(),
            span.max_points,
        ),
        color,
        others: false,
    };
    let measured = points.iter().any(|s| s.latency_p99_us > 0);
    Cell {
        id: "plot-latency",
        title: "latency (ms)",
        whole_numbers: false,
        lines: vec![
            line("p50", PALETTE[2], &|s| s.latency_p50_us),
            line("p99", PALETTE[1], &|s| s.latency_p99_us),
        ],
        empty: no_samples(span).or_else(|| {
            (!measured).then(|| "no data yet: no request has finished in this window".to_string())
        }),
    }
}

/// A count as a plot value.
fn count(value: u64) -> f64 {
    value as f64
}

/// Microseconds as milliseconds, where 0 means that no duration ended in
/// the sample's interval (the histograms record at least 1 µs): a gap in
/// the line, not a drop to zero.
fn ms_or_gap(us: u64) -> f64 {
    if us == 0 { f64::NAN } else { us as f64 / 1e3 }
}

/// Lines for the picked columns and one for the others.
fn picked_lines(
    run: &RunView,
    span: &Span,
    names: &[String],
    columns: &[&[u32]],
    picked: &super::plot_data::Picked,
    others: Others,
    value: fn(u64) -> f64,
) -> Vec<PlotLine> {
    let line_of = |values: &mut dyn Iterator<Item = (usize, u32)>| -> Vec<[f64; 2]> {
        thin(
            values
                .map(|(k, v)| [time_s(run, k), value(u64::from(v))])
                .collect(),
            span.max_points,
        )
    };
    let mut lines: Vec<PlotLine> = picked
        .shown
        .iter()
        .enumerate()
        .map(|(n, i)| {
            let column = columns.get(*i).copied().unwrap_or(&[]);
            let mut values = span
                .points
                .clone()
                .filter_map(|k| column.get(k).map(|v| (k, *v)));
            PlotLine {
                name: names.get(*i).cloned().unwrap_or_default(),
                points: line_of(&mut values),
                color: PALETTE[n % PALETTE.len()],
                others: false,
            }
        })
        .collect();
    if !picked.others.is_empty() {
        let combined = combine(columns, &picked.others, span.points.clone(), others);
        let mut values = span.points.clone().zip(combined);
        lines.push(PlotLine {
            name: format!(
                "others ({} more, {})",
                picked.others.len(),
                match others {
                    Others::Sum => "total",
                    Others::Max => "highest",
                }
            ),
            points: line_of(&mut values),
            color: crate::theme::PLOT_OTHERS,
            others: true,
        });
    }
    lines
}

fn queues(run: &RunView, span: &Span, keep: usize) -> Cell {
    let names: Vec<String> = (0..run.series.queue_depth.len())
        .map(|i| run.name(i as u32))
        .collect();
    let columns: Vec<&[u32]> = run.series.queue_depth.iter().map(Vec::as_slice).collect();
    let picked = pick_series(&names, &columns, span.points.clone(), keep, false);
    let empty = no_samples(span).or_else(|| {
        picked.shown.is_empty().then(|| {
            "no queue has formed in this window: every delivery was taken at once".to_string()
        })
    });
    Cell {
        id: "plot-queues",
        title: "queue depth",
        whole_numbers: true,
        lines: picked_lines(run, span, &names, &columns, &picked, Others::Sum, count),
        empty,
    }
}

/// `topic/group` names in the order of the series' lag columns.
fn subscription_names(run: &RunView) -> Vec<String> {
    // The series lists subscriptions in the engine's order: by flow, which is
    // by topic id then consumer id, the same order the snapshot uses.
    run.snapshot
        .topics
        .iter()
        .flat_map(|topic| {
            topic
                .groups
                .iter()
                .map(move |group| format!("{}/{}", run.name(topic.element), group.group))
        })
        .collect()
}

fn lag(run: &RunView, span: &Span, keep: usize) -> Cell {
    let mut names = subscription_names(run);
    for i in names.len()..run.series.lag.len() {
        names.push(format!("subscription {i}"));
    }
    let columns: Vec<&[u32]> = run.series.lag.iter().map(Vec::as_slice).collect();
    let picked = pick_series(&names, &columns, span.points.clone(), keep, true);
    let empty = if columns.is_empty() {
        Some("no topic has a subscriber on this board".to_string())
    } else {
        no_samples(span)
    };
    Cell {
        id: "plot-lag",
        title: "lag (messages)",
        whole_numbers: true,
        lines: picked_lines(run, span, &names, &columns, &picked, Others::Sum, count),
        empty,
    }
}

fn consistency(run: &RunView, span: &Span, keep: usize) -> Cell {
    let read_models: Vec<usize> = (0..run.series.consistency_p99.len())
        .filter(|i| {
            run.id(*i as u32)
                .and_then(|id| run.model.element(id))
                .is_some_and(|e| e.kind == ElementKind::ReadModel)
        })
        .collect();
    let names: Vec<String> = read_models.iter().map(|i| run.name(*i as u32)).collect();
    let columns: Vec<&[u32]> = read_models
        .iter()
        .map(|i| run.series.consistency_p99[*i].as_slice())
        .collect();
    let picked = pick_series(&names, &columns, span.points.clone(), keep, false);
    let empty = if columns.is_empty() {
        Some("no read model on this board".to_string())
    } else {
        no_samples(span).or_else(|| {
            picked.shown.is_empty().then(|| {
                "no data yet: no read model has caught up with an event in this window".to_string()
            })
        })
    };
    Cell {
        id: "plot-consistency",
        title: "consistency p99 (ms)",
        whole_numbers: false,
        lines: picked_lines(run, span, &names, &columns, &picked, Others::Max, ms_or_gap),
        empty,
    }
}

fn cell_ui(ui: &mut Ui, cell: Cell, span: &Span, size: egui::Vec2) {
    if let Some(text) = &cell.empty {
        empty_cell_ui(ui, cell.title, text, size);
        return;
    }
    let whole = cell.whole_numbers;
    let mut plot = Plot::new(cell.id)
        // A fixed id: the plot keeps its memory (and tests find its bounds)
        // wherever the grid puts it.
        .id(egui::Id::unique(cell.id))
        .width(size.x)
        .height(size.y)
        // Every figure here counts up from 0: a steady one (a read model
        // always 0.8 ms behind) is a level line on a labelled axis, not a
        // line pinned to the top of an axis with no range.
        .include_y(0.0)
        // Time runs right: the newest points are the ones to keep clear.
        .legend(
            Legend::default()
                .position(Corner::LeftTop)
                .follow_insertion_order(true)
                .text_style(egui::TextStyle::Small),
        )
        .x_axis_label("virtual time (s)")
        .y_axis_label(cell.title)
        .include_x(span.start_s)
        .include_x(span.end_s)
        .include_y(0.0)
        .x_grid_spacer(uniform_grid_spacer(|input| nice_steps(input, 10.0)))
        .y_grid_spacer(uniform_grid_spacer(move |input| {
            let steps = nice_steps(input, 4.0);
            if whole {
                steps.map(|s| s.max(1.0))
            } else {
                steps
            }
        }))
        .allow_scroll(false)
        .allow_zoom(false)
        .allow_drag(false);
    if whole {
        // A flat zero is still a plot from 0 up, not around 0.
        plot = plot.include_y(1.0).y_axis_formatter(|mark, _| {
            if mark.value.fract() == 0.0 && mark.value >= 0.0 {
                format!("{}", mark.value)
            } else {
                String::new()
            }
        });
    }
    plot.show(ui, |p| {
        for line in cell.lines {
            // Where a sample has no data the line breaks; the pieces share
            // the name, so the legend shows the series once. A piece of
            // one sample is a dot.
            for piece in segments(&line.points) {
                if let [point] = piece {
                    p.points(
                        Points::new(line.name.clone(), PlotPoints::from(vec![*point]))
                            .color(line.color)
                            .radius(2.0),
                    );
                    continue;
                }
                let mut drawn = Line::new(line.name.clone(), PlotPoints::from(piece.to_vec()))
                    .color(line.color)
                    .width(1.5);
                if line.others {
                    drawn = drawn.style(LineStyle::dashed_loose());
                }
                p.line(drawn);
            }
        }
    });
}

/// A cell with its title and a sentence instead of a plot.
fn empty_cell_ui(ui: &mut Ui, title: &str, text: &str, size: egui::Vec2) {
    let (rect, response) = ui.allocate_exact_size(size, Sense::hover());
    response.widget_info(|| {
        egui::WidgetInfo::labeled(egui::Role::Label, true, format!("{title}: {text}"))
    });
    if !ui.is_rect_visible(rect) {
        return;
    }
    let painter = ui.painter_at(rect);
    let visuals = ui.visuals();
    painter.rect_stroke(
        rect.shrink(1.0),
        4,
        visuals.widgets.noninteractive.bg_stroke,
        egui::StrokeKind::Inside,
    );
    painter.text(
        rect.left_top() + vec2(8.0, 6.0),
        egui::Align2::LEFT_TOP,
        title,
        egui::FontId::proportional(12.0),
        visuals.text_color(),
    );
    let galley = painter.layout(
        text.to_string(),
        egui::FontId::proportional(12.0),
        visuals.weak_text_color(),
        rect.width() - 24.0,
    );
    let at = rect.center() - galley.size() / 2.0;
    painter.galley(at, galley, visuals.weak_text_color());
}

/// The totals as a grid of names and numbers, as wide as a plot.
/// How many totals go to a row of a cell `width` points wide: as many as
/// there is room for, so the totals are no taller than a plot.
fn totals_per_row(width: f32) -> usize {
    ((width / TOTAL_WIDTH).floor() as usize).clamp(1, 5)
}

/// The height the totals take in a cell `width` points wide.
fn totals_height(width: f32) -> f32 {
    TOTALS_TITLE_AND_NOTE + TOTALS.div_ceil(totals_per_row(width)) as f32 * TOTALS_ROW
}

fn totals_ui(ui: &mut Ui, run: &RunView, size: egui::Vec2) {
    let totals = run.snapshot.totals;
    let rows: [(&str, u64); TOTALS] = [
        ("produced", totals.messages_produced),
        ("expected", totals.deliveries_expected),
        ("processed", totals.processed),
        ("queued", totals.queued),
        ("in flight", totals.in_flight),
        ("dead-lettered", totals.dead_lettered),
        ("dropped", totals.dropped),
        ("duplicates", totals.duplicates),
        ("retries", totals.retries),
        ("replayed", totals.replayed),
    ];
    ui.allocate_ui(size, |ui| {
        ui.set_min_size(size);
        ui.set_max_width(size.x);
        ui.vertical(|ui| {
            ui.strong("Totals");
            let per_row = totals_per_row(size.x);
            egui::Grid::new("run-totals")
                .spacing([8.0, 1.0])
                .show(ui, |ui| {
                    for chunk in rows.chunks(per_row) {
                        for (name, value) in chunk {
                            ui.label(RichText::new(*name).weak().small());
                            ui.label(RichText::new(value.to_string()).monospace().small());
                        }
                        ui.end_row();
                    }
                });
            // A run on NATS counts from many tasks at once, so its totals
            // balance only once it has ended, against JetStream's own counts.
            let line = match run.live_feed() {
                Some(feed) if feed.running() => "balanced against JetStream when the run ends",
                _ if totals.conserved() => "every delivery accounted for",
                _ => "CONSERVATION BROKEN",
            };
            ui.label(RichText::new(line).small().weak());
        });
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps(base_step_size: f64) -> [f64; 3] {
        nice_steps(
            GridInput {
                bounds: (0.0, 100.0),
                base_step_size,
            },
            4.0,
        )
    }

    #[test]
    fn value_axis_steps_are_one_two_or_five_times_a_power_of_ten() {
        for base in [0.003, 0.7, 1.0, 4.2, 13.0, 999.0, 25_000.0] {
            for step in steps(base) {
                let mantissa = step / 10f64.powf(step.log10().floor());
                assert!(
                    [1.0, 2.0, 5.0, 10.0]
                        .iter()
                        .any(|m| (mantissa - m).abs() < 1e-9),
                    "step {step} for base {base}"
                );
            }
        }
    }

    #[test]
    fn a_short_plot_of_a_few_tens_of_milliseconds_labels_a_step_inside_it() {
        // 90 points high showing 0..45 ms: 8 points cover 4 ms.
        let [fine, labelled, coarse] = steps(4.0);
        assert_eq!(fine, 5.0);
        assert_eq!(
            labelled, 20.0,
            "16 ms is the least a label needs; 20 is inside 0..45"
        );
        assert!(coarse > labelled);
    }

    #[test]
    fn eight_seconds_across_a_third_of_the_dock_label_every_two_seconds() {
        // 350 points wide showing 0..8 s: 8 points cover 0.18 s.
        let [_, labelled, _] = nice_steps(
            GridInput {
                bounds: (0.0, 8.0),
                base_step_size: 8.0 / 350.0 * 8.0,
            },
            10.0,
        );
        assert_eq!(labelled, 2.0);
    }
}
