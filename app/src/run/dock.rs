//! The run view's panels: toolbar, timeline, metrics plots, the element
//! table, the messages table and the trace view. Each draws and returns
//! commands; none changes the run directly.

use egui::{Color32, RichText, Sense, Stroke, StrokeKind, Ui, pos2, vec2};
use egui_extras::{Column, TableBuilder};
use egui_plot::{Corner, GridInput, Legend, Line, Plot, PlotPoints, uniform_grid_spacer};
use stormflow_core::model::{ElementKind, FaultKind};
use stormflow_core::sim::{Counters, FLAG_ERROR, FLAG_SYNC, MsgId, MsgKind, NO_MSG, Outcome, Time};
use stormflow_core::units::format_duration_us;

use super::runner::{ExportFormat, Speed};
use super::{DockTab, RunView, Story, outcome_bits, type_color};
use crate::command::Command;

/// The speeds offered, with their names.
pub const SPEEDS: [(&str, Speed); 6] = [
    ("0.1×", Speed::Times(0.1)),
    ("1×", Speed::Times(1.0)),
    ("10×", Speed::Times(10.0)),
    ("100×", Speed::Times(100.0)),
    ("1000×", Speed::Times(1000.0)),
    ("max", Speed::Max),
];

fn speed_name(speed: Speed) -> &'static str {
    SPEEDS
        .iter()
        .find(|(_, s)| *s == speed)
        .map_or("max", |(name, _)| name)
}

/// The run toolbar: play, pause, step, reset, speed, seed, run-until, clock.
pub fn toolbar_ui(
    ui: &mut Ui,
    run: &mut RunView,
    selected_element: Option<&stormflow_core::ElementId>,
) -> Vec<Command> {
    let mut commands = Vec::new();
    ui.horizontal_wrapped(|ui| {
        if run.running {
            if ui
                .button("❚❚ Pause")
                .on_hover_text("Pause the run (Space)")
                .clicked()
            {
                commands.push(Command::RunPause);
            }
        } else if ui
            .button("▶ Run")
            .on_hover_text("Run at the chosen speed (Space)")
            .clicked()
        {
            commands.push(Command::RunPlay);
        }
        if ui
            .button("Step")
            .on_hover_text("Run one engine event")
            .clicked()
        {
            commands.push(Command::RunStep);
        }
        if let Some(id) = selected_element
            && ui
                .button(format!("Step {id}"))
                .on_hover_text("Run until the selected element makes or receives its next message")
                .clicked()
        {
            commands.push(Command::RunStepElement(id.clone()));
        }
        if ui
            .button("⟲ Reset")
            .on_hover_text("Back to time 0 with the same seed")
            .clicked()
        {
            commands.push(Command::RunSeek(0));
        }
        ui.separator();
        egui::ComboBox::new("run-speed", "speed")
            .selected_text(speed_name(run.speed))
            .show_ui(ui, |ui| {
                for (name, speed) in SPEEDS {
                    if ui.selectable_label(run.speed == speed, name).clicked() {
                        commands.push(Command::RunSetSpeed(speed));
                    }
                }
            });
        let mut seed = run.seed;
        if ui
            .add(egui::DragValue::new(&mut seed).prefix("seed "))
            .on_hover_text(
                "Another seed gives another run; the same seed the same run, byte for byte",
            )
            .changed()
        {
            commands.push(Command::RunSetSeed(seed));
        }
        ui.separator();
        ui.add(
            egui::DragValue::new(&mut run.until_seconds)
                .range(0.001..=604_800.0)
                .speed(1.0)
                .prefix("until ")
                .suffix(" s"),
        );
        if ui.button("Run until").clicked() {
            commands.push(Command::RunUntil((run.until_seconds * 1_000_000.0) as Time));
        }
        ui.separator();
        ui.label(
            RichText::new(format!("t = {}", format_clock(run.now())))
                .monospace()
                .strong(),
        );
        let totals = run.snapshot.totals;
        ui.label(
            RichText::new(format!(
                "{} msgs · {} processed · {} queued · {} dlq · {} dropped{}",
                totals.messages_produced,
                totals.processed,
                totals.queued + totals.in_flight,
                totals.dead_lettered,
                totals.dropped,
                if run.running {
                    format!(" · {:.0}k events/s", run.events_per_sec / 1_000.0)
                } else {
                    String::new()
                }
            ))
            .small(),
        );
        ui.separator();
        if ui
            .button("■ Stop")
            .on_hover_text("Leave the run and edit the board again")
            .clicked()
        {
            commands.push(Command::RunStop);
        }
        if let Some(notice) = &run.notice {
            ui.separator();
            ui.label(RichText::new(notice).small().italics());
        }
    });
    commands
}

/// Virtual time as `12.345 s`.
pub fn format_clock(us: Time) -> String {
    format!("{}.{:03} s", us / 1_000_000, (us / 1_000) % 1_000)
}

/// The timeline under the board: the fault schedule, the run's progress
/// and a scrubber that takes the board back (or forward) in virtual time.
pub fn timeline_ui(ui: &mut Ui, run: &mut RunView) -> Vec<Command> {
    let mut commands = Vec::new();
    let horizon = run.model.run.horizon_us.max(run.now()).max(1);
    let (rect, response) =
        ui.allocate_exact_size(vec2(ui.available_width(), 34.0), Sense::click_and_drag());
    let response =
        response.on_hover_text("Drag to replay the run to any virtual time (the time machine)");
    let dark = ui.visuals().dark_mode;
    let painter = ui.painter_at(rect);
    let bar = rect.shrink2(vec2(8.0, 9.0));
    painter.rect_filled(
        bar,
        3,
        if dark {
            Color32::from_gray(45)
        } else {
            Color32::from_gray(220)
        },
    );
    let x_of = |t: Time| bar.left() + bar.width() * (t as f32 / horizon as f32).clamp(0.0, 1.0);
    let progress = egui::Rect::from_min_max(bar.min, pos2(x_of(run.now()), bar.max.y));
    painter.rect_filled(
        progress,
        3,
        Color32::from_rgb(0x1E, 0x88, 0xE5).gamma_multiply(0.55),
    );
    for fault in run.faults() {
        let color = match fault.kind {
            FaultKind::Down { .. } => Color32::from_rgb(0xC6, 0x28, 0x28),
            FaultKind::Slow { .. } => Color32::from_rgb(0xF5, 0x9E, 0x0B),
            FaultKind::Failing { .. } => Color32::from_rgb(0xEF, 0x6C, 0x00),
            FaultKind::Rate { .. } => Color32::from_rgb(0x1E, 0x88, 0xE5),
            FaultKind::Replay => Color32::from_rgb(0x8E, 0x24, 0xAA),
        };
        let start = x_of(fault.at_us);
        let end = fault.end_us().map_or(start + 3.0, x_of).max(start + 3.0);
        let span =
            egui::Rect::from_min_max(pos2(start, bar.top() + 3.0), pos2(end, bar.bottom() - 3.0));
        painter.rect_filled(span, 2, color);
        if end - start > 40.0 {
            painter.text(
                span.left_center() + vec2(3.0, 0.0),
                egui::Align2::LEFT_CENTER,
                format!("{} {}", fault.element, RunView::fault_label(&fault.kind)),
                egui::FontId::proportional(10.0),
                Color32::WHITE,
            );
        }
    }
    let scrub_t = run.scrub.unwrap_or(run.now());
    let x = x_of(scrub_t);
    painter.line_segment(
        [pos2(x, rect.top() + 2.0), pos2(x, rect.bottom() - 2.0)],
        Stroke::new(2.0, Color32::from_rgb(0xFF, 0xB3, 0x00)),
    );
    painter.text(
        bar.left_bottom() + vec2(0.0, 8.0),
        egui::Align2::LEFT_CENTER,
        "0",
        egui::FontId::proportional(9.0),
        Color32::GRAY,
    );
    painter.text(
        bar.right_bottom() + vec2(0.0, 8.0),
        egui::Align2::RIGHT_CENTER,
        format_duration_us(horizon),
        egui::FontId::proportional(9.0),
        Color32::GRAY,
    );
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
    commands
}

/// The dock: tabs over the run's metrics, elements, messages and trace.
pub fn dock_ui(ui: &mut Ui, run: &mut RunView) -> Vec<Command> {
    let mut commands = Vec::new();
    // Selectable text would take the click meant for a table row.
    ui.style_mut().interaction.selectable_labels = false;
    ui.horizontal(|ui| {
        for (tab, name) in [
            (DockTab::Metrics, "Metrics"),
            (DockTab::Elements, "Elements"),
            (DockTab::Messages, "Messages"),
            (DockTab::Trace, "Trace"),
        ] {
            if ui.selectable_label(run.tab == tab, name).clicked() {
                run.tab = tab;
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
        if let Some(at) = run.snapshot.trace_truncated_at {
            ui.colored_label(
                Color32::from_rgb(0xF5, 0x9E, 0x0B),
                format!("trace truncated at {at} messages"),
            );
        }
    });
    ui.separator();
    // Each tab keeps the dock's height: a short table does not shrink it.
    ui.set_min_height(ui.available_height());
    match run.tab {
        DockTab::Metrics => metrics_ui(ui, run),
        DockTab::Elements => elements_ui(ui, run),
        DockTab::Messages => commands.extend(messages_ui(ui, run)),
        DockTab::Trace => commands.extend(trace_ui(ui, run)),
    }
    commands
}

fn series_line(name: &str, points: Vec<[f64; 2]>, color: Color32) -> Line<'static> {
    Line::new(name.to_string(), PlotPoints::from(points))
        .color(color)
        .width(1.5)
}

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
fn nice_steps(input: GridInput, label_bases: f64) -> [f64; 3] {
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

fn metrics_ui(ui: &mut Ui, run: &RunView) {
    let series = &run.series;
    let t = |i: usize| series.points.get(i).map_or(0.0, |p| p.t_us as f64 / 1e6);
    // Two rows in the height the dock has, so switching tabs never
    // resizes it (drag its edge for taller plots).
    let height = ((ui.available_height() - 12.0) / 2.0).clamp(60.0, 240.0);
    let width = (ui.available_width() / 3.0 - 10.0).max(160.0);
    let plot = |id: &str, y: &str| {
        Plot::new(id.to_string())
            .height(height)
            .width(width)
            // Time runs right: the newest points are the ones to keep clear.
            .legend(Legend::default().position(Corner::LeftTop))
            .x_axis_label("virtual time (s)")
            .y_axis_label(y.to_string())
            .x_grid_spacer(uniform_grid_spacer(|input| nice_steps(input, 10.0)))
            .y_grid_spacer(uniform_grid_spacer(|input| nice_steps(input, 4.0)))
            .allow_scroll(false)
            .allow_zoom(false)
            .allow_drag(false)
    };
    ui.horizontal(|ui| {
        plot("plot-throughput", "deliveries / s").show(ui, |p| {
            p.line(series_line(
                "throughput",
                series
                    .points
                    .iter()
                    .map(|s| [s.t_us as f64 / 1e6, s.throughput_per_sec])
                    .collect(),
                Color32::from_rgb(0x1E, 0x88, 0xE5),
            ));
        });
        plot("plot-latency", "latency (ms)").show(ui, |p| {
            p.line(series_line(
                "p50",
                series
                    .points
                    .iter()
                    .map(|s| [s.t_us as f64 / 1e6, s.latency_p50_us as f64 / 1e3])
                    .collect(),
                Color32::from_rgb(0x3C, 0xB4, 0x4B),
            ));
            p.line(series_line(
                "p99",
                series
                    .points
                    .iter()
                    .map(|s| [s.t_us as f64 / 1e6, s.latency_p99_us as f64 / 1e3])
                    .collect(),
                Color32::from_rgb(0xE6, 0x19, 0x4B),
            ));
        });
        plot("plot-consistency", "consistency p99 (ms)").show(ui, |p| {
            for (i, values) in series.consistency_p99.iter().enumerate() {
                if run
                    .id(i as u32)
                    .and_then(|id| run.model.element(id))
                    .is_none_or(|e| e.kind != ElementKind::ReadModel)
                {
                    continue;
                }
                p.line(series_line(
                    &run.name(i as u32),
                    values
                        .iter()
                        .enumerate()
                        .map(|(k, v)| [t(k), f64::from(*v) / 1e3])
                        .collect(),
                    type_color(i as u32),
                ));
            }
        });
    });
    ui.horizontal(|ui| {
        plot("plot-lag", "lag (messages)").show(ui, |p| {
            let subscriptions = subscription_names(run);
            for (i, values) in series.lag.iter().enumerate() {
                let name = subscriptions
                    .get(i)
                    .cloned()
                    .unwrap_or_else(|| format!("subscription {i}"));
                p.line(series_line(
                    &name,
                    values
                        .iter()
                        .enumerate()
                        .map(|(k, v)| [t(k), f64::from(*v)])
                        .collect(),
                    type_color(i as u32 * 3 + 1),
                ));
            }
        });
        plot("plot-queues", "queue depth").show(ui, |p| {
            let mut busiest: Vec<(u32, usize)> = series
                .queue_depth
                .iter()
                .enumerate()
                .map(|(i, v)| (v.iter().copied().max().unwrap_or(0), i))
                .filter(|(max, _)| *max > 0)
                .collect();
            busiest.sort_by(|a, b| b.cmp(a));
            for (_, i) in busiest.into_iter().take(6) {
                p.line(series_line(
                    &run.name(i as u32),
                    series.queue_depth[i]
                        .iter()
                        .enumerate()
                        .map(|(k, v)| [t(k), f64::from(*v)])
                        .collect(),
                    type_color(i as u32),
                ));
            }
        });
        ui.vertical(|ui| {
            ui.strong("Totals");
            let totals = run.snapshot.totals;
            let rows = [
                ("messages produced", totals.messages_produced),
                ("deliveries expected", totals.deliveries_expected),
                ("processed", totals.processed),
                ("queued", totals.queued),
                ("in flight", totals.in_flight),
                ("dead-lettered", totals.dead_lettered),
                ("dropped", totals.dropped),
                ("duplicates", totals.duplicates),
                ("retries", totals.retries),
                ("replayed", totals.replayed),
            ];
            // Two to a row, so the totals are no taller than a plot.
            egui::Grid::new("run-totals")
                .spacing([8.0, 2.0])
                .show(ui, |ui| {
                    for pair in rows.chunks(2) {
                        for (name, value) in pair {
                            ui.label(RichText::new(*name).weak());
                            ui.monospace(value.to_string());
                        }
                        ui.end_row();
                    }
                });
            ui.label(
                RichText::new(if totals.conserved() {
                    "every delivery accounted for"
                } else {
                    "CONSERVATION BROKEN"
                })
                .small()
                .weak(),
            );
        });
    });
}

/// `topic/group` names in the order of the series' lag columns.
fn subscription_names(run: &RunView) -> Vec<String> {
    let mut names = Vec::new();
    for topic in &run.snapshot.topics {
        for group in &topic.groups {
            names.push((
                topic.element,
                format!("{}/{}", run.name(topic.element), group.group),
            ));
        }
    }
    // The series lists subscriptions in the engine's order: by flow, which is
    // by topic id then consumer id, the same order the snapshot uses.
    names.into_iter().map(|(_, name)| name).collect()
}

fn elements_ui(ui: &mut Ui, run: &RunView) {
    // The elements that emit or do work, as `stormflow run` lists them:
    // message types and topics have no counters of their own (a topic's lag
    // is on its badge and in the lag plot); rows of zeros only hid the
    // services among them.
    let rows: Vec<usize> = (0..run.snapshot.elements.len())
        .filter(|i| {
            run.id(*i as u32)
                .and_then(|id| run.model.element(id))
                .is_some_and(|e| e.kind.is_service() || e.kind.is_source())
        })
        .collect();
    TableBuilder::new(ui)
        .id_salt("elements-table")
        .striped(true)
        .resizable(true)
        .column(Column::initial(170.0).at_least(80.0))
        .columns(Column::auto().at_least(52.0), 10)
        .column(Column::remainder())
        .header(20.0, |mut header| {
            let counts = Counters::default().columns().map(|(name, _)| name);
            let names = std::iter::once("element")
                .chain(counts)
                .chain(["queued", "busy", "state"]);
            for name in names {
                header.col(|ui| {
                    ui.strong(name);
                });
            }
        })
        .body(|body| {
            body.rows(18.0, rows.len(), |mut row| {
                let i = rows[row.index()];
                let state = &run.snapshot.elements[i];
                let c = &state.counters;
                row.col(|ui| {
                    ui.label(run.name(i as u32));
                });
                let counts = c.columns().map(|(_, value)| value);
                for value in counts.into_iter().chain([state.queued]) {
                    row.col(|ui| {
                        ui.label(value.to_string());
                    });
                }
                row.col(|ui| {
                    ui.label(format!("{}/{}", state.in_flight, state.instances));
                });
                row.col(|ui| {
                    let mut words = Vec::new();
                    if state.down {
                        words.push("down".to_string());
                    }
                    if state.slow_factor > 1 {
                        words.push(format!("slow ×{}", state.slow_factor));
                    }
                    if state.failing_rate > 0.0 {
                        words.push(format!("failing {:.0}%", state.failing_rate * 100.0));
                    }
                    if state.stopped {
                        words.push("stopped".into());
                    }
                    ui.label(if words.is_empty() {
                        "ok".to_string()
                    } else {
                        words.join(", ")
                    });
                });
            });
        });
}

/// A message's outcome in words.
pub fn outcome_text(bits: u8) -> String {
    let mut words = Vec::new();
    for (bit, word) in [
        (outcome_bits::PROCESSED, "processed"),
        (outcome_bits::DEAD_LETTERED, "dead-lettered"),
        (outcome_bits::DROPPED, "dropped"),
        (outcome_bits::REDELIVERED, "duplicate"),
        (outcome_bits::RETRIED, "retried"),
        (outcome_bits::STOPPED, "stopped"),
    ] {
        if bits & bit != 0 {
            words.push(word);
        }
    }
    if words.is_empty() {
        "waiting".to_string()
    } else {
        words.join(", ")
    }
}

fn messages_ui(ui: &mut Ui, run: &mut RunView) -> Vec<Command> {
    let mut commands = Vec::new();
    ui.horizontal_wrapped(|ui| {
        let types: Vec<u32> = (0..run.ids.len() as u32)
            .filter(|i| {
                run.id(*i)
                    .and_then(|id| run.model.element(id))
                    .is_some_and(|e| {
                        matches!(
                            e.kind,
                            ElementKind::Event | ElementKind::Command | ElementKind::Query
                        ) || e.kind.is_service()
                    })
            })
            .collect();
        egui::ComboBox::new("filter-type", "type")
            .selected_text(run.filter.ty.map_or("any".to_string(), |t| run.name(t)))
            .show_ui(ui, |ui| {
                if ui
                    .selectable_label(run.filter.ty.is_none(), "any")
                    .clicked()
                {
                    run.filter.ty = None;
                }
                for t in &types {
                    if ui
                        .selectable_label(run.filter.ty == Some(*t), run.name(*t))
                        .clicked()
                    {
                        run.filter.ty = Some(*t);
                    }
                }
            });
        egui::ComboBox::new("filter-element", "element")
            .selected_text(
                run.filter
                    .element
                    .map_or("any".to_string(), |t| run.name(t)),
            )
            .show_ui(ui, |ui| {
                if ui
                    .selectable_label(run.filter.element.is_none(), "any")
                    .clicked()
                {
                    run.filter.element = None;
                }
                for i in 0..run.ids.len() as u32 {
                    if ui
                        .selectable_label(run.filter.element == Some(i), run.name(i))
                        .clicked()
                    {
                        run.filter.element = Some(i);
                    }
                }
            });
        ui.add(
            egui::TextEdit::singleline(&mut run.filter.key)
                .desired_width(90.0)
                .hint_text("key contains"),
        );
        ui.add(
            egui::TextEdit::singleline(&mut run.filter.correlation)
                .desired_width(90.0)
                .hint_text("correlation m…"),
        );
        egui::ComboBox::new("filter-outcome", "outcome")
            .selected_text(match run.filter.outcome {
                0 => "any".to_string(),
                bits => outcome_text(bits),
            })
            .show_ui(ui, |ui| {
                for (bits, name) in [
                    (0, "any"),
                    (outcome_bits::DEAD_LETTERED, "dead-lettered"),
                    (outcome_bits::DROPPED, "dropped"),
                    (outcome_bits::REDELIVERED, "duplicate"),
                    (outcome_bits::RETRIED, "retried"),
                    (outcome_bits::STOPPED, "stopped"),
                ] {
                    if ui
                        .selectable_label(run.filter.outcome == bits, name)
                        .clicked()
                    {
                        run.filter.outcome = bits;
                    }
                }
            });
        run.refresh_filter();
        ui.label(
            RichText::new(format!(
                "{} of {} messages",
                run.filtered.len(),
                run.trace.len()
            ))
            .small(),
        );
    });
    let selected_row = run
        .selected
        .and_then(|id| run.filtered.binary_search(&id).ok());
    let mut table = TableBuilder::new(ui)
        .id_salt("messages-table")
        .striped(true)
        .resizable(true)
        .sense(Sense::click())
        .column(Column::initial(86.0))
        .column(Column::initial(64.0))
        .column(Column::initial(150.0))
        .column(Column::initial(110.0))
        .column(Column::initial(130.0))
        .columns(Column::initial(52.0), 2)
        .columns(Column::initial(70.0), 2)
        .column(Column::remainder());
    if run.scroll_to_selected
        && let Some(row) = selected_row
    {
        table = table.scroll_to_row(row, Some(egui::Align::Center));
        run.scroll_to_selected = false;
    }
    table
        .header(20.0, |mut header| {
            for name in [
                "time",
                "id",
                "type",
                "key",
                "source",
                "part.",
                "offset",
                "caused by",
                "flow",
                "outcome",
            ] {
                header.col(|ui| {
                    ui.strong(name);
                });
            }
        })
        .body(|body| {
            body.rows(18.0, run.filtered.len(), |mut row| {
                let id = run.filtered[row.index()];
                let Some(m) = run.trace.message(id) else {
                    return;
                };
                row.set_selected(run.selected == Some(id));
                row.col(|ui| {
                    ui.label(RichText::new(format_clock(m.time)).monospace());
                });
                row.col(|ui| {
                    ui.label(RichText::new(format!("m{id}")).monospace());
                });
                row.col(|ui| {
                    let kind = if m.kind == MsgKind::Event {
                        String::new()
                    } else {
                        format!(" ({})", m.kind.label())
                    };
                    ui.colored_label(type_color(m.ty), format!("{}{kind}", run.name(m.ty)));
                });
                row.col(|ui| {
                    ui.label(run.key_name(m.key));
                });
                row.col(|ui| {
                    ui.label(run.name(m.source));
                });
                row.col(|ui| {
                    ui.label(if m.partition == u16::MAX {
                        "-".to_string()
                    } else {
                        m.partition.to_string()
                    });
                });
                row.col(|ui| {
                    ui.label(if m.partition == u16::MAX {
                        "-".to_string()
                    } else {
                        m.offset.to_string()
                    });
                });
                row.col(|ui| {
                    ui.label(if m.causation == NO_MSG {
                        "-".to_string()
                    } else {
                        format!("m{}", m.causation)
                    });
                });
                row.col(|ui| {
                    ui.label(format!("m{}", m.correlation));
                });
                row.col(|ui| {
                    let bits = run.outcomes.get(id as usize).copied().unwrap_or(0);
                    ui.label(if bits == 0 && m.kind == MsgKind::Reply {
                        // A reply goes straight back to its waiting caller.
                        if m.flags & FLAG_ERROR != 0 {
                            "returned an error".to_string()
                        } else {
                            "returned".to_string()
                        }
                    } else {
                        outcome_text(bits)
                    });
                });
                if row.response().clicked() {
                    commands.push(Command::SelectMessage(id));
                }
            });
        });
    commands
}

fn trace_ui(ui: &mut Ui, run: &mut RunView) -> Vec<Command> {
    let mut commands = Vec::new();
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
    ui.horizontal_wrapped(|ui| {
        ui.strong(run.describe(selected));
        if let Some(header) = run.trace.dead_letter(selected) {
            ui.colored_label(
                Color32::from_rgb(0xC6, 0x28, 0x28),
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
    ui.separator();
    ui.columns(3, |columns| {
        let ui = &mut columns[0];
        ui.strong("Causation chain, from the root");
        egui::ScrollArea::vertical()
            .id_salt("chain")
            .max_height(110.0)
            .show(ui, |ui| {
                for id in run.chain() {
                    let text = run.describe(id);
                    if ui.selectable_label(id == selected, text).clicked() {
                        commands.push(Command::SelectMessage(id));
                    }
                }
            });
        let ui = &mut columns[1];
        commands.extend(deliveries_ui(ui, run, story, selected));
        let ui = &mut columns[2];
        let descendants = &story.descendants;
        ui.strong(format!("Consequences ({})", descendants.len()));
        egui::ScrollArea::vertical()
            .id_salt("consequences")
            .max_height(110.0)
            .show(ui, |ui| {
                for id in descendants.iter().copied().take(200) {
                    if ui.selectable_label(false, run.describe(id)).clicked() {
                        commands.push(Command::SelectMessage(id));
                    }
                }
            });
    });
    ui.separator();
    ui.strong("The whole flow (correlation) as a waterfall: bars are deliveries; hatched grey is a caller waiting on a synchronous call");
    commands.extend(waterfall_ui(ui, run, story, selected));
    commands
}

/// Each delivery of the selected message: who, which attempt, when, how it
/// ended and why; and where its dead letter went.
fn deliveries_ui(ui: &mut Ui, run: &RunView, story: &Story, selected: MsgId) -> Vec<Command> {
    let mut commands = Vec::new();
    let attempts = story.attempts.get(&selected).map_or(&[][..], Vec::as_slice);
    ui.strong(format!("Deliveries ({})", attempts.len()));
    egui::ScrollArea::vertical()
        .id_salt("deliveries")
        .max_height(110.0)
        .show(ui, |ui| {
            // Ragged right: a justified error message reads badly.
            ui.with_layout(egui::Layout::top_down(egui::Align::LEFT), |ui| {
                // Where it ended up first: the reason to look at it.
                for id in story.descendants.iter().copied() {
                    if run
                        .trace
                        .dead_letter(id)
                        .is_some_and(|header| header.original == selected)
                        && ui
                            .selectable_label(
                                false,
                                format!("→ its dead letter: {}", run.describe(id)),
                            )
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
                        Outcome::DeadLettered | Outcome::Dropped | Outcome::Stopped => {
                            Color32::from_rgb(0xE5, 0x39, 0x35)
                        }
                        _ => Color32::from_rgb(0xF5, 0x9E, 0x0B),
                    };
                    ui.label(RichText::new(text).color(color));
                }
            });
        });
    commands
}

fn waterfall_ui(ui: &mut Ui, run: &RunView, story: &Story, selected: MsgId) -> Vec<Command> {
    let mut commands = Vec::new();
    if story.tree.is_empty() {
        return commands;
    }
    let no_attempts = Vec::new();
    let rows: Vec<(MsgId, usize, Vec<stormflow_core::sim::AttemptRecord>)> = story
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
    let span = (end - start) as f32;
    egui::ScrollArea::vertical()
        .id_salt("waterfall")
        .show(ui, |ui| {
            let label_width = 300.0;
            let width = ui.available_width();
            let bar_width = (width - label_width - 10.0).max(100.0);
            for (id, depth, attempts) in rows {
                let Some(m) = run.trace.message(id) else {
                    continue;
                };
                let (rect, response) = ui.allocate_exact_size(vec2(width, 18.0), Sense::click());
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
                painter.text(
                    rect.left_center() + vec2(4.0, 0.0),
                    egui::Align2::LEFT_CENTER,
                    label,
                    egui::FontId::proportional(12.0),
                    ui.visuals().text_color(),
                );
                let x =
                    |t: Time| rect.left() + label_width + bar_width * ((t - start) as f32 / span);
                painter.circle_filled(pos2(x(m.time), rect.center().y), 3.0, type_color(m.ty));
                for attempt in attempts {
                    let color = match attempt.outcome {
                        Outcome::Processed => Color32::from_rgb(0x3C, 0xB4, 0x4B),
                        Outcome::DeadLettered | Outcome::Dropped | Outcome::Stopped => {
                            Color32::from_rgb(0xC6, 0x28, 0x28)
                        }
                        _ => Color32::from_rgb(0xF5, 0x9E, 0x0B),
                    };
                    let bar = egui::Rect::from_min_max(
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
                        Stroke::new(0.5, Color32::from_black_alpha(80)),
                        StrokeKind::Inside,
                    );
                    if m.flags & FLAG_SYNC != 0 {
                        // The caller waits from the request to its end: show the wait.
                        let wait = egui::Rect::from_min_max(
                            pos2(x(m.time), rect.center().y - 1.0),
                            pos2(bar.left(), rect.center().y + 1.0),
                        );
                        painter.rect_filled(wait, 0, Color32::GRAY);
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
