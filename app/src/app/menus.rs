//! The menu bar, the status bar and the context menus: they report
//! commands; they change nothing themselves.

use egui::RichText;
use stormflow_core::model::{ElementId, ElementKind, Model};
use stormflow_core::text::plural;

use super::StormflowApp;
use crate::board::Hit;
use crate::command::{ACTIONS, Command, ComparisonSource, ExportKind, ExportRequest};
use crate::panels::problems::severity_color;
use crate::run::RunView;
use crate::run::runner::ExportFormat;
use crate::samples::SAMPLES;
use stormflow_core::Severity;

impl StormflowApp {
    pub(super) fn menu_bar(&mut self, ui: &mut egui::Ui) -> Vec<Command> {
        let mut commands = Vec::new();
        let send =
            |commands: &mut Vec<Command>, ui: &mut egui::Ui, label: &str, command: Command| {
                let shortcut = ACTIONS
                    .iter()
                    .find(|a| (a.command)() == command)
                    .and_then(|a| a.shortcuts.first())
                    .map(crate::command::shortcut_text);
                let button = match shortcut {
                    Some(keys) => egui::Button::new(label).shortcut_text(keys),
                    None => egui::Button::new(label),
                };
                if ui.add(button).clicked() {
                    commands.push(command);
                    ui.close();
                }
            };
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| {
                send(&mut commands, ui, "New board", Command::NewModel);
                send(&mut commands, ui, "Open…", Command::Open);
                ui.menu_button("Open recent", |ui| {
                    if self.settings.recent.is_empty() {
                        ui.label(RichText::new("No recent files").weak());
                    }
                    for path in self.settings.recent.clone() {
                        let exists = path.exists();
                        if ui
                            .add_enabled(exists, egui::Button::new(path.display().to_string()))
                            .clicked()
                        {
                            commands.push(Command::OpenPath(path));
                            ui.close();
                        }
                    }
                });
                ui.menu_button("Open sample", |ui| {
                    for sample in SAMPLES {
                        send(
                            &mut commands,
                            ui,
                            sample.title,
                            Command::OpenSample(sample.file),
                        );
                    }
                });
                ui.separator();
                send(
                    &mut commands,
                    ui,
                    "Import AsyncAPI or Kafka Streams…",
                    Command::Import,
                );
                send(
                    &mut commands,
                    ui,
                    "Import a folder of AsyncAPI documents…",
                    Command::ImportFolder,
                );
                send(
                    &mut commands,
                    ui,
                    "Import into this board…",
                    Command::ImportInto,
                );
                ui.menu_button("Export", |ui| {
                    for kind in ExportKind::ALL {
                        if kind.is_picture() {
                            ui.menu_button(kind.label().trim_end_matches('…'), |ui| {
                                for (label, current_view, dark) in [
                                    ("Whole board, light…", false, false),
                                    ("Whole board, dark…", false, true),
                                    ("Current view, light…", true, false),
                                    ("Current view, dark…", true, true),
                                ] {
                                    let request = ExportRequest {
                                        kind,
                                        current_view,
                                        dark,
                                    };
                                    send(&mut commands, ui, label, Command::Export(request));
                                }
                            });
                        } else {
                            let request = ExportRequest {
                                kind,
                                current_view: false,
                                dark: false,
                            };
                            send(&mut commands, ui, kind.label(), Command::Export(request));
                        }
                    }
                    if self.run.is_some() {
                        ui.label(
                            RichText::new("pictures show the run's badges as they are now")
                                .small()
                                .weak(),
                        );
                    }
                });
                ui.separator();
                ui.menu_button("Compare side by side", |ui| {
                    let (a, b) = crate::samples::PURCHASE_PAIR;
                    if ui
                        .button("Purchase: event-command vs event-first")
                        .clicked()
                    {
                        commands.push(Command::OpenComparison(
                            ComparisonSource::Sample(a),
                            ComparisonSource::Sample(b),
                        ));
                        ui.close();
                    }
                    send(
                        &mut commands,
                        ui,
                        "This board with a file…",
                        Command::CompareWithFile,
                    );
                });
                ui.separator();
                send(&mut commands, ui, "Save", Command::Save);
                send(&mut commands, ui, "Save as…", Command::SaveAs);
                ui.separator();
                send(&mut commands, ui, "Quit", Command::Quit);
            });
            ui.menu_button("Edit", |ui| {
                let undo = self
                    .doc
                    .undo_label()
                    .map_or("Undo".to_string(), |l| format!("Undo {l}"));
                let redo = self
                    .doc
                    .redo_label()
                    .map_or("Redo".to_string(), |l| format!("Redo {l}"));
                send(&mut commands, ui, &undo, Command::Undo);
                send(&mut commands, ui, &redo, Command::Redo);
                ui.separator();
                send(&mut commands, ui, "Cut", Command::Cut);
                send(&mut commands, ui, "Copy", Command::Copy);
                if ui
                    .add(egui::Button::new("Paste").shortcut_text("Ctrl+V"))
                    .clicked()
                {
                    ui.ctx()
                        .send_viewport_cmd(egui::ViewportCommand::RequestPaste);
                    ui.close();
                }
                send(
                    &mut commands,
                    ui,
                    "Paste a topology",
                    Command::PasteTopology,
                );
                send(&mut commands, ui, "Duplicate", Command::Duplicate);
                send(&mut commands, ui, "Delete", Command::Delete);
                ui.separator();
                send(&mut commands, ui, "Select all", Command::SelectAll);
                send(&mut commands, ui, "Rename", Command::Rename);
                ui.menu_button("Change kind to", |ui| {
                    for kind in ElementKind::ALL {
                        send(&mut commands, ui, kind.label(), Command::ChangeKind(kind));
                    }
                });
            });
            ui.menu_button("Arrange", |ui| {
                for action in ACTIONS.iter().filter(|a| a.group == "Arrange") {
                    send(&mut commands, ui, action.name, (action.command)());
                }
                ui.label(
                    RichText::new(if self.board.snap {
                        "snapping is on"
                    } else {
                        "snapping is off"
                    })
                    .small()
                    .weak(),
                );
            });
            ui.menu_button("View", |ui| {
                for action in ACTIONS.iter().filter(|a| a.group == "View") {
                    send(&mut commands, ui, action.name, (action.command)());
                }
            });
            ui.menu_button("Run", |ui| {
                for action in ACTIONS.iter().filter(|a| a.group == "Run") {
                    send(&mut commands, ui, action.name, (action.command)());
                }
                ui.separator();
                let running = self.run.is_some();
                for (label, format) in [
                    ("Export trace for Perfetto…", ExportFormat::Chrome),
                    ("Export trace for Jaeger (OTLP)…", ExportFormat::Otlp),
                    ("Export metrics as CSV…", ExportFormat::MetricsCsv),
                    ("Export metrics as JSON…", ExportFormat::MetricsJson),
                ] {
                    if ui.add_enabled(running, egui::Button::new(label)).clicked() {
                        commands.push(Command::RunExport(format));
                        ui.close();
                    }
                }
            });
            ui.menu_button("Board", |ui| {
                for action in ACTIONS.iter().filter(|a| a.group == "Board") {
                    send(&mut commands, ui, action.name, (action.command)());
                }
            });
            ui.menu_button("Help", |ui| {
                send(
                    &mut commands,
                    ui,
                    "Keyboard shortcuts",
                    Command::ToggleShortcuts,
                );
                send(&mut commands, ui, "Legend", Command::ToggleLegend);
                send(
                    &mut commands,
                    ui,
                    "Command palette",
                    Command::OpenCommandPalette,
                );
            });
        });
        commands
    }

    pub(super) fn status_bar(&mut self, ui: &mut egui::Ui) {
        let problems = self.shown_problems();
        let errors = problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .count();
        let warnings = problems
            .iter()
            .filter(|p| p.severity == Severity::Warning)
            .count();
        ui.horizontal(|ui| {
            ui.label(format!("zoom {:.0}%", self.board.view.zoom * 100.0));
            ui.separator();
            let selected = self.board.selection.elements.len()
                + usize::from(self.board.selection.flow.is_some());
            if selected > 1 {
                ui.label(format!(
                    "{selected} selected: {}",
                    super::selection_summary(self.doc.model(), &self.board.selection.elements)
                ));
            } else {
                ui.label(format!("{selected} selected"));
            }
            ui.separator();
            ui.colored_label(
                if errors > 0 {
                    severity_color(Severity::Error)
                } else {
                    ui.visuals().text_color()
                },
                plural(errors, "error"),
            );
            ui.colored_label(
                if warnings > 0 {
                    severity_color(Severity::Warning)
                } else {
                    ui.visuals().text_color()
                },
                plural(warnings, "warning"),
            );
            ui.separator();
            let current = if self.board.current_pivotal {
                "pivotal event".to_string()
            } else {
                self.board.current_kind.label().to_string()
            };
            ui.label(format!("double-click adds: {current}"));
            ui.separator();
            ui.label(format!(
                "{} · {}",
                self.doc.model().level.label(),
                if self.doc.is_dirty() {
                    "unsaved"
                } else {
                    "saved"
                }
            ));
            if let Some((text, at)) = &self.status
                && ui.input(|i| i.time) - at < 6.0
            {
                ui.separator();
                ui.label(text);
            }
        });
    }

    pub(super) fn context_menu(&mut self, response: &egui::Response) -> Vec<Command> {
        let mut commands = Vec::new();
        let target = self.board.take_context_target();
        if let Some(target) = target {
            response.ctx.memory_mut(|m| {
                m.data.insert_temp(
                    egui::Id::unique("board-context-target"),
                    ContextTarget(target),
                )
            });
        }
        response.context_menu(|ui| {
            let target = ui
                .ctx()
                .memory(|m| {
                    m.data
                        .get_temp::<ContextTarget>(egui::Id::unique("board-context-target"))
                })
                .map(|t| t.0);
            if let (Some(run), Some(Hit::Element(id) | Hit::Handle(id))) = (&mut self.run, &target)
            {
                commands.extend(fault_menu(ui, run, id, self.doc.model()));
                if !run.model.faults.is_empty() {
                    ui.separator();
                    if ui
                        .button("Keep this run's faults in the board")
                        .on_hover_text("Faults taken during a run belong to the run; this adds them to the file's schedule, as one undo step")
                        .clicked()
                    {
                        commands.push(Command::KeepRunFaults);
                        ui.close();
                    }
                }
                return;
            }
            match target {
                Some(Hit::Element(_)) | Some(Hit::Handle(_)) => {
                    for (label, command) in [
                        ("Rename", Command::Rename),
                        ("Duplicate", Command::Duplicate),
                        ("Cut", Command::Cut),
                        ("Copy", Command::Copy),
                        ("Delete", Command::Delete),
                        ("Group into a frame", Command::GroupIntoFrame),
                        ("Zoom to selection", Command::ZoomToSelection),
                    ] {
                        if ui.button(label).clicked() {
                            commands.push(command);
                            ui.close();
                        }
                    }
                    ui.menu_button("Change kind to", |ui| {
                        for kind in ElementKind::ALL {
                            if ui.button(kind.label()).clicked() {
                                commands.push(Command::ChangeKind(kind));
                                ui.close();
                            }
                        }
                    });
                }
                Some(Hit::Flow(_)) => {
                    if ui.button("Delete the flow").clicked() {
                        commands.push(Command::Delete);
                        ui.close();
                    }
                }
                _ => {
                    if ui.button("Paste").clicked() {
                        ui.ctx()
                            .send_viewport_cmd(egui::ViewportCommand::RequestPaste);
                        ui.close();
                    }
                    if ui.button("Select all").clicked() {
                        commands.push(Command::SelectAll);
                        ui.close();
                    }
                    if ui.button("Zoom to fit").clicked() {
                        commands.push(Command::ZoomToFit);
                        ui.close();
                    }
                    if ui.button("Auto-layout").clicked() {
                        commands.push(Command::AutoLayout);
                        ui.close();
                    }
                }
            }
        });
        commands
    }
}

#[derive(Clone)]
struct ContextTarget(Hit);

/// The run-time menu of an element: faults and load changes, scheduled now.
fn fault_menu(ui: &mut egui::Ui, run: &mut RunView, id: &ElementId, model: &Model) -> Vec<Command> {
    use stormflow_core::model::{Fault, FaultKind};
    let mut commands = Vec::new();
    let Some(element) = model.element(id) else {
        return commands;
    };
    ui.label(
        RichText::new(format!(
            "{} at {}",
            element.name,
            stormflow_core::units::format_duration_us(run.now())
        ))
        .strong(),
    );
    let now = run.now();
    let for_us = (run.fault_seconds * 1_000_000.0) as u64;
    ui.add(
        egui::DragValue::new(&mut run.fault_seconds)
            .range(0.1..=3_600.0)
            .speed(0.5)
            .prefix("for ")
            .suffix(" s"),
    );
    let fault = |kind: FaultKind| {
        Command::InjectFault(Fault {
            element: id.clone(),
            at_us: now,
            kind,
        })
    };
    if let Some(feed) = run.live_feed_mut() {
        // A real broker: taking an element down is real, the rest is simulation.
        if element.kind.is_service() && feed.running() {
            if feed.is_down(id) {
                if ui.button("Bring it back now").clicked() {
                    feed.bring_up(id);
                    ui.close();
                }
            } else if ui
                .button(format!("Take down for {:.1} s", run.fault_seconds))
                .on_hover_text("Its consumers on NATS stop for real; its lag grows in JetStream")
                .clicked()
            {
                commands.push(fault(FaultKind::Down { for_us }));
                ui.close();
            }
        }
        return commands;
    }
    if element.kind.is_service() {
        if ui
            .button(format!("Take down for {:.1} s", run.fault_seconds))
            .clicked()
        {
            commands.push(fault(FaultKind::Down { for_us }));
            ui.close();
        }
        ui.horizontal(|ui| {
            ui.add(
                egui::DragValue::new(&mut run.slow_factor)
                    .range(2..=1000)
                    .prefix("×"),
            );
            if ui.button("Slow down").clicked() {
                commands.push(fault(FaultKind::Slow {
                    factor: run.slow_factor,
                    for_us,
                }));
                ui.close();
            }
        });
        ui.horizontal(|ui| {
            ui.add(
                egui::DragValue::new(&mut run.failing_percent)
                    .range(1.0..=100.0)
                    .suffix(" %"),
            );
            if ui.button("Make it fail").clicked() {
                commands.push(fault(FaultKind::Failing {
                    rate: run.failing_percent / 100.0,
                    for_us,
                }));
                ui.close();
            }
        });
    }
    if let Some(workload) = &element.workload {
        let mut rate = workload.arrival.mean_per_sec();
        ui.horizontal(|ui| {
            ui.add(
                egui::DragValue::new(&mut rate)
                    .range(0.01..=1_000_000.0)
                    .speed(1.0)
                    .suffix(" /s"),
            );
            if ui.button("Set the workload rate").clicked() {
                commands.push(fault(FaultKind::Rate { per_sec: rate }));
                ui.close();
            }
        });
    }
    if element.kind == ElementKind::ReadModel
        && ui
            .button("Replay: rebuild the view from its topics")
            .clicked()
    {
        commands.push(fault(FaultKind::Replay));
        ui.close();
    }
    if ui.button("Step until its next message").clicked() {
        commands.push(Command::RunStepElement(id.clone()));
        ui.close();
    }
    commands
}
