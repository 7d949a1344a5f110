//! The What-if panel: capacity planning on the board. Pick fields of the
//! selected stickies and the values to try, run the sweep on a worker
//! thread (with progress and cancel), and read latency and throughput
//! against the varied value; the knee is marked, and a variant opens on
//! the board with a click.

use std::sync::Arc;
use std::thread::JoinHandle;

use egui::RichText;
use egui_plot::{Legend, Line, Plot, PlotPoints, Points};
use stormflow_core::model::{ElementId, ElementKind, Model};
use stormflow_core::sweep::{
    Axis, Knob, Progress, SweepOptions, SweepResult, Target, parse_axis, run_sweep, variant,
};
use stormflow_core::units::{format_duration_us, parse_duration_us};

use crate::command::Command;
use crate::theme;

/// One field to vary, as typed.
#[derive(Clone, Debug, PartialEq)]
struct Row {
    element: ElementId,
    knob: Knob,
    values: String,
}

type Job = JoinHandle<Result<SweepResult, stormflow_core::sweep::SpecError>>;

/// The What-if panel's state.
pub struct WhatIf {
    /// Whether the window is open.
    pub open: bool,
    rows: Vec<Row>,
    seeds: u32,
    until: String,
    targets: String,
    progress: Arc<Progress>,
    job: Option<Job>,
    /// The axes of the result shown.
    axes: Vec<Axis>,
    result: Option<SweepResult>,
    error: Option<String>,
}

/// A field worth trying for an element, with values around its own.
fn proposal(model: &Model, id: &ElementId) -> Option<Row> {
    let element = model.element(id)?;
    let (knob, values) = if element.kind == ElementKind::Topic {
        let now = element.topic_or_default().partitions;
        (Knob::Partitions, format!("1,2,4,{}", (now * 2).max(8)))
    } else if let Some(workload) = &element.workload {
        let rate = workload.arrival.mean_per_sec().max(1.0);
        (
            Knob::Rate,
            format!("{:.0}..{:.0}:{:.0}", rate / 2.0, rate * 4.0, rate / 2.0),
        )
    } else if element.kind.is_service() {
        let now = element.service_or_default().instances;
        (Knob::Instances, format!("1..{}", (now * 2).clamp(4, 16)))
    } else {
        return None;
    };
    Some(Row {
        element: id.clone(),
        knob,
        values,
    })
}

impl WhatIf {
    /// A panel proposing fields of the selected stickies (or of the board's
    /// first source and topic when nothing usable is selected).
    pub fn new(model: &Model, selected: &[ElementId]) -> Self {
        let mut rows: Vec<Row> = selected
            .iter()
            .filter_map(|id| proposal(model, id))
            .take(3)
            .collect();
        if rows.is_empty() {
            rows = model
                .elements()
                .filter(|e| e.kind == ElementKind::Topic || e.workload.is_some())
                .filter_map(|e| proposal(model, &e.id))
                .take(1)
                .collect();
        }
        Self {
            open: true,
            rows,
            seeds: 3,
            until: format_duration_us(model.run.horizon_us),
            targets: String::new(),
            progress: Arc::new(Progress::default()),
            job: None,
            axes: Vec::new(),
            result: None,
            error: None,
        }
    }

    /// Whether a sweep is running.
    pub fn running(&self) -> bool {
        self.job.is_some()
    }

    /// The model of variant `index` of the result shown, with a label.
    pub fn variant_model(&self, base: &Model, index: usize) -> Option<(Model, String)> {
        let result = self.result.as_ref()?;
        let found = result.variants.iter().find(|v| v.index == index)?;
        let mut model = variant(base, &self.axes, &found.values);
        let label = self
            .axes
            .iter()
            .zip(&found.values)
            .map(|(axis, value)| format!("{axis}={}", number(*value)))
            .collect::<Vec<_>>()
            .join(", ");
        model.name = format!("{} ({label})", base.name);
        Some((model, format!("the variant {label}")))
    }

    fn start(&mut self, model: &Model) {
        self.error = None;
        let mut axes = Vec::new();
        for row in &self.rows {
            let spec = format!("{}.{}={}", row.element, row.knob.name(), row.values);
            match parse_axis(&spec, model) {
                Ok(axis) => axes.push(axis),
                Err(error) => {
                    self.error = Some(error.to_string());
                    return;
                }
            }
        }
        if axes.is_empty() {
            self.error = Some("Add a field to vary first.".into());
            return;
        }
        let mut targets = Vec::new();
        for text in self
            .targets
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            match Target::parse(text) {
                Ok(target) => targets.push(target),
                Err(error) => {
                    self.error = Some(error.to_string());
                    return;
                }
            }
        }
        let until = match parse_duration_us(&self.until) {
            Ok(0) => {
                self.error = Some("Each run needs some virtual time, e.g. 60s.".into());
                return;
            }
            Ok(us) => us,
            Err(error) => {
                self.error = Some(error);
                return;
            }
        };
        let options = SweepOptions {
            seeds: self.seeds.clamp(1, 20),
            until_us: Some(until),
            targets,
        };
        self.progress = Arc::new(Progress::default());
        let (model, job_axes, progress) = (model.clone(), axes.clone(), Arc::clone(&self.progress));
        self.axes = axes;
        self.result = None;
        self.job = Some(std::thread::spawn(move || {
            run_sweep(&model, &job_axes, &options, &progress)
        }));
    }

    fn poll(&mut self) {
        if self.job.as_ref().is_some_and(JoinHandle::is_finished)
            && let Some(job) = self.job.take()
        {
            match job.join() {
                Ok(Ok(result)) => self.result = Some(result),
                Ok(Err(error)) => self.error = Some(error.to_string()),
                Err(_) => self.error = Some("the sweep's worker failed".into()),
            }
        }
    }

    /// Draws the window; returns commands (open a variant).
    pub fn ui(&mut self, ctx: &egui::Context, model: &Model) -> Vec<Command> {
        let mut commands = Vec::new();
        self.poll();
        if self.running() {
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
        let mut open = self.open;
        egui::Window::new("What-if: capacity")
            .open(&mut open)
            .default_size([720.0, 560.0])
            .resizable(true)
            .show(ctx, |ui| {
                self.form_ui(ui, model);
                ui.separator();
                commands.extend(self.result_ui(ui));
            });
        if !open {
            self.progress.cancel();
        }
        self.open = open;
        commands
    }

    fn form_ui(&mut self, ui: &mut egui::Ui, model: &Model) {
        ui.label("Vary fields of the board, run every combination on every core, and compare.");
        let mut remove = None;
        for (i, row) in self.rows.iter_mut().enumerate() {
            ui.horizontal(|ui| {
                egui::ComboBox::new(("whatif-element", i), "")
                    .selected_text(row.element.as_str())
                    .show_ui(ui, |ui| {
                        for element in model.elements().filter(|e| {
                            e.kind.is_service()
                                || e.kind == ElementKind::Topic
                                || e.workload.is_some()
                        }) {
                            ui.selectable_value(
                                &mut row.element,
                                element.id.clone(),
                                element.name.as_str(),
                            );
                        }
                    });
                egui::ComboBox::new(("whatif-knob", i), "")
                    .selected_text(row.knob.name())
                    .show_ui(ui, |ui| {
                        for (knob, name) in Knob::ALL {
                            ui.selectable_value(&mut row.knob, knob, name);
                        }
                    });
                ui.add(
                    egui::TextEdit::singleline(&mut row.values)
                        .desired_width(160.0)
                        .hint_text("1..8 or 2,4,8"),
                );
                if ui
                    .small_button("✕")
                    .on_hover_text("Stop varying it")
                    .clicked()
                {
                    remove = Some(i);
                }
            });
        }
        if let Some(i) = remove {
            self.rows.remove(i);
        }
        ui.horizontal(|ui| {
            if ui.button("+ Vary another field").clicked()
                && let Some(first) = model
                    .elements()
                    .find(|e| e.kind.is_service() || e.kind == ElementKind::Topic)
                    .and_then(|e| proposal(model, &e.id))
            {
                self.rows.push(first);
            }
            ui.label("seeds");
            ui.add(egui::DragValue::new(&mut self.seeds).range(1..=20));
            ui.label("each run");
            ui.add(egui::TextEdit::singleline(&mut self.until).desired_width(60.0));
        });
        ui.horizontal(|ui| {
            ui.label("targets");
            ui.add(
                egui::TextEdit::singleline(&mut self.targets)
                    .desired_width(300.0)
                    .hint_text("p99<200ms, dropped=0"),
            );
        });
        ui.horizontal(|ui| {
            if self.running() {
                let (done, total) = (self.progress.done(), self.progress.total().max(1));
                ui.add(
                    egui::ProgressBar::new(done as f32 / total as f32)
                        .desired_width(260.0)
                        .text(format!("{done} of {total} runs")),
                );
                if ui.button("Cancel").clicked() {
                    self.progress.cancel();
                }
            } else if ui.button("▶ Run the sweep").clicked() {
                self.start(model);
            }
        });
        if let Some(error) = &self.error {
            ui.colored_label(theme::ERROR, error);
        }
    }

    fn result_ui(&mut self, ui: &mut egui::Ui) -> Vec<Command> {
        let mut commands = Vec::new();
        let Some(result) = &self.result else {
            ui.label(RichText::new("No results yet: run the sweep.").weak());
            return commands;
        };
        if result.cancelled {
            ui.label(format!(
                "Stopped: {} of {} variants finished.",
                result.variants.len(),
                result.grid_size
            ));
        }
        let load = self
            .axes
            .first()
            .is_some_and(|axis| !axis.knob.is_resource());
        let knee = knee(result, load);
        let x_label = result.axes.first().cloned().unwrap_or_default();
        // One line per combination of the other axes.
        let mut lines: std::collections::BTreeMap<String, Vec<(f64, f64, f64, usize)>> =
            Default::default();
        for v in result.variants.iter().filter(|v| v.error.is_none()) {
            let rest = result
                .axes
                .iter()
                .zip(&v.values)
                .skip(1)
                .map(|(a, x)| format!("{a}={}", number(*x)))
                .collect::<Vec<_>>()
                .join(", ");
            lines.entry(rest).or_default().push((
                v.values[0],
                v.p99_us.mean / 1_000.0,
                v.throughput_per_sec.mean,
                v.index,
            ));
        }
        let clicked = Plot::new("whatif-latency")
            .height(180.0)
            .legend(Legend::default())
            .x_axis_label(x_label.clone())
            .y_axis_label("latency p99 (ms)")
            .show(ui, |plot| {
                for (name, points) in &lines {
                    let label = if name.is_empty() {
                        "p99".to_string()
                    } else {
                        name.clone()
                    };
                    let series: PlotPoints = points.iter().map(|p| [p.0, p.1]).collect();
                    plot.line(Line::new(label.clone(), series));
                    let dots: PlotPoints = points.iter().map(|p| [p.0, p.1]).collect();
                    plot.points(Points::new(label, dots).radius(3.0));
                }
                if let Some((x, y)) = knee {
                    plot.points(
                        Points::new("knee", vec![[x, y / 1_000.0]])
                            .radius(7.0)
                            .shape(egui_plot::MarkerShape::Diamond),
                    );
                }
                let pointer = plot.pointer_coordinate();
                (plot.response().clicked(), pointer)
            })
            .inner;
        if let (true, Some(at)) = clicked {
            let nearest = lines
                .values()
                .flatten()
                .min_by(|a, b| {
                    let da = (a.0 - at.x).powi(2) + (a.1 - at.y).powi(2);
                    let db = (b.0 - at.x).powi(2) + (b.1 - at.y).powi(2);
                    da.total_cmp(&db)
                })
                .map(|p| p.3);
            if let Some(index) = nearest {
                commands.push(Command::OpenVariant(index));
            }
        }
        Plot::new("whatif-throughput")
            .height(140.0)
            .legend(Legend::default())
            .x_axis_label(x_label)
            .y_axis_label("throughput /s")
            .show(ui, |plot| {
                for (name, points) in &lines {
                    let label = if name.is_empty() {
                        "throughput".to_string()
                    } else {
                        name.clone()
                    };
                    let series: PlotPoints = points.iter().map(|p| [p.0, p.2]).collect();
                    plot.line(Line::new(label, series));
                }
            });
        if let Some((x, _)) = knee {
            let x_axis = result.axes.first().cloned().unwrap_or_default();
            ui.label(if load {
                format!(
                    "The knee: past {x_axis} = {}, p99 latency climbs.",
                    number(x)
                )
            } else {
                format!(
                    "The knee: past {x_axis} = {}, more buys little latency.",
                    number(x)
                )
            });
        }
        egui::ScrollArea::vertical()
            .max_height(180.0)
            .show(ui, |ui| {
                egui::Grid::new("whatif-table")
                    .striped(true)
                    .show(ui, |ui| {
                        for axis in &result.axes {
                            ui.strong(axis);
                        }
                        for head in [
                            "throughput/s",
                            "p99",
                            "max lag",
                            "dropped",
                            "saturated first",
                            "",
                        ] {
                            ui.strong(head);
                        }
                        ui.end_row();
                        for v in &result.variants {
                            for value in &v.values {
                                ui.label(number(*value));
                            }
                            if let Some(error) = &v.error {
                                ui.label(error);
                                ui.end_row();
                                continue;
                            }
                            ui.label(format!("{:.0}", v.throughput_per_sec.mean));
                            ui.label(format_duration_us(v.p99_us.mean.round() as u64));
                            ui.label(v.max_lag.to_string());
                            ui.label(v.dropped.to_string());
                            ui.label(v.saturated.as_ref().map_or("-", |id| id.as_str()));
                            let mark = if v.cheapest {
                                "★ cheapest meeting the targets"
                            } else if v.meets_targets && !result.targets.is_empty() {
                                "meets the targets"
                            } else {
                                ""
                            };
                            ui.horizontal(|ui| {
                                if ui
                                    .small_button("Open")
                                    .on_hover_text("Open this variant as a new board")
                                    .clicked()
                                {
                                    commands.push(Command::OpenVariant(v.index));
                                }
                                ui.label(mark);
                            });
                            ui.end_row();
                        }
                    });
            });
        commands
    }
}

fn number(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// The knee of the first axis, on the first line of the grid, as
/// (value, p99 µs). Of a resource (instances, partitions): the first value
/// after which more improves p99 by less than a tenth. Of a load (a rate):
/// the last value before p99 grows by more than a tenth.
fn knee(result: &SweepResult, load: bool) -> Option<(f64, f64)> {
    let reference: Vec<f64> = result
        .variants
        .first()?
        .values
        .iter()
        .skip(1)
        .copied()
        .collect();
    let first: Vec<(f64, f64)> = result
        .variants
        .iter()
        .filter(|v| {
            v.error.is_none()
                && v.values
                    .iter()
                    .skip(1)
                    .copied()
                    .eq(reference.iter().copied())
        })
        .map(|v| (v.values[0], v.p99_us.mean))
        .collect();
    first.windows(2).find_map(|pair| {
        let (a, b) = (pair[0], pair[1]);
        let knee = if load {
            b.1 > a.1 * 1.1
        } else {
            a.1 > 0.0 && (a.1 - b.1) / a.1 < 0.1
        };
        knee.then_some(a)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result_of(points: &[(f64, f64)]) -> SweepResult {
        let variants = points
            .iter()
            .enumerate()
            .map(
                |(index, (value, p99))| stormflow_core::sweep::VariantResult {
                    index,
                    values: vec![*value],
                    p99_us: stormflow_core::sweep::Spread {
                        mean: *p99,
                        min: *p99,
                        max: *p99,
                    },
                    ..Default::default()
                },
            )
            .collect();
        SweepResult {
            axes: vec!["x".into()],
            variants,
            ..Default::default()
        }
    }

    #[test]
    fn the_knee_of_a_resource_is_where_more_stops_paying_and_of_a_load_where_latency_climbs() {
        // Instances 1..4: p99 falls from 900 to 300 µs, then hardly moves.
        let instances = result_of(&[(1.0, 900.0), (2.0, 300.0), (3.0, 290.0), (4.0, 289.0)]);
        assert_eq!(knee(&instances, false), Some((2.0, 300.0)));
        // Rates 10..40: p99 flat, then it climbs past 30.
        let rates = result_of(&[(10.0, 803.0), (20.0, 803.0), (30.0, 810.0), (40.0, 2_000.0)]);
        assert_eq!(knee(&rates, true), Some((30.0, 810.0)));
        // A flat load has no knee (it once said "past rate = 10, more buys little").
        let flat = result_of(&[(10.0, 803.0), (20.0, 803.0)]);
        assert_eq!(knee(&flat, true), None);
    }

    #[test]
    fn a_selected_topic_proposes_its_partitions_and_a_service_its_instances() {
        let model =
            stormflow_core::format::from_ron_str(include_str!("../../../samples/online-shop.ron"))
                .expect("sample");
        let panel = WhatIf::new(&model, &["orders".into(), "billing".into()]);
        assert_eq!(panel.rows.len(), 2);
        assert_eq!(panel.rows[0].knob, Knob::Partitions);
        assert_eq!(panel.rows[1].knob, Knob::Instances);
    }
}
