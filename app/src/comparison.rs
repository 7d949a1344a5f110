//! Two boards side by side, run in lockstep: the same seed, the same speed,
//! the same commands and the same faults, and the comparison table
//! (`stormflow compare`'s figures) updated live.

use egui::{RichText, Ui};
use egui_extras::{Column, TableBuilder};
use stormflow_core::compare::{Figures, Outage, OutageTracker};
use stormflow_core::model::{ElementId, Fault, FaultKind, Model};
use stormflow_core::units::format_duration_us;

use crate::board::{BoardState, Hit};
use crate::command::{Command, hint};
use crate::run::RunView;
use crate::run::dock::{SPEEDS, format_clock};
use crate::run::runner::{RunnerCommand, Speed};

/// One side of the comparison.
pub struct Pane {
    /// What the table calls it (the file name).
    pub name: String,
    /// The board's view.
    pub board: BoardState,
    /// The board's run.
    pub run: RunView,
    /// Following the outage, once one is injected.
    pub tracker: Option<OutageTracker>,
}

/// The side-by-side view.
pub struct ComparisonView {
    /// Left and right.
    pub panes: [Pane; 2],
    /// The seed of both runs.
    pub seed: u64,
    /// The speed of both runs.
    pub speed: Speed,
    /// Seconds an element is taken down for from the context menu.
    pub fault_seconds: f64,
}

impl ComparisonView {
    /// Starts both runs, paused at time 0.
    pub fn open(left: (String, Model), right: (String, Model), seed: u64) -> Result<Self, String> {
        let pane = |(name, model): (String, Model)| -> Result<Pane, String> {
            let run = RunView::start(&model, seed).map_err(|e| format!("{name}: {e}"))?;
            let mut board = BoardState::default();
            board.minimap = false;
            board.request_fit(false);
            Ok(Pane {
                name,
                board,
                run,
                tracker: None,
            })
        };
        Ok(Self {
            panes: [pane(left)?, pane(right)?],
            seed,
            speed: Speed::Times(1.0),
            fault_seconds: 10.0,
        })
    }

    /// Sends a command to both runs.
    pub fn send(&mut self, command: &RunnerCommand) {
        for pane in &mut self.panes {
            pane.run.send(command.clone());
        }
    }

    /// Runs both from where they are, or pauses both (the toolbar's first
    /// button and F5).
    pub fn play_pause(&mut self) {
        if self.running() {
            self.send(&RunnerCommand::Pause);
        } else {
            self.send(&RunnerCommand::SetSpeed(self.speed));
            self.send(&RunnerCommand::Play);
        }
    }

    /// Takes both runs back to time 0 and forgets the outage (Ctrl+F5).
    pub fn reset(&mut self) {
        self.send(&RunnerCommand::SeekTo(0));
        for pane in &mut self.panes {
            pane.tracker = None;
        }
    }

    /// Whether either run is advancing.
    pub fn running(&self) -> bool {
        self.panes.iter().any(|p| p.run.running)
    }

    /// Takes in both runs' frames and follows the outage.
    pub fn poll(&mut self) {
        for pane in &mut self.panes {
            pane.run.poll();
            if let Some(tracker) = &mut pane.tracker {
                tracker.observe(&pane.run.snapshot);
            }
            pane.board.overlay = pane.run.overlay(&pane.run.model);
        }
    }

    /// Changes both runs' speed.
    pub fn set_speed(&mut self, speed: crate::run::runner::Speed) {
        self.speed = speed;
        self.send(&RunnerCommand::SetSpeed(speed));
    }

    /// Takes an element down in both runs (where it exists), now.
    pub fn take_down(&mut self, element: &ElementId) {
        let for_us = (self.fault_seconds * 1_000_000.0) as u64;
        // One outage time for both, the later clock's: the runs' clocks can
        // be a frame apart, and neither may be asked to go back.
        let at_us = self.panes.iter().map(|p| p.run.now()).max().unwrap_or(0);
        for pane in &mut self.panes {
            if pane
                .run
                .model
                .element(element)
                .is_none_or(|e| !e.kind.is_service())
            {
                continue;
            }
            let fault = Fault {
                element: element.clone(),
                at_us,
                kind: FaultKind::Down { for_us },
            };
            pane.run.model.faults.push(fault.clone());
            pane.run.send(RunnerCommand::Inject(fault));
            pane.tracker = Some(OutageTracker::new(Outage {
                element: element.clone(),
                at_us,
                for_us,
            }));
        }
    }

    /// Draws the toolbar, the two boards and the table; returns app commands.
    pub fn ui(&mut self, ui: &mut Ui) -> Vec<Command> {
        let mut commands = Vec::new();
        egui::Panel::top("comparison-toolbar").show(ui, |ui| {
            ui.horizontal_wrapped(|ui| {
                ui.strong("Side by side");
                let play = if self.running() {
                    "❚❚ Pause both"
                } else {
                    "▶ Run both"
                };
                for (label, command, what) in [
                    (play, Command::RunPlay, "Run or pause both"),
                    ("Step both", Command::RunStep, "One event in each run"),
                    (
                        "⟲ Reset both",
                        Command::RunSeek(0),
                        "Both runs back to time 0",
                    ),
                ] {
                    if ui
                        .button(label)
                        .on_hover_text(hint(what, &command))
                        .clicked()
                    {
                        commands.push(command);
                    }
                }
                egui::ComboBox::new("comparison-speed", "speed")
                    .selected_text(
                        SPEEDS
                            .iter()
                            .find(|(_, s)| *s == self.speed)
                            .map_or("?", |(n, _)| n),
                    )
                    .show_ui(ui, |ui| {
                        for (name, speed) in SPEEDS {
                            if ui.selectable_label(self.speed == speed, name).clicked() {
                                commands.push(Command::RunSetSpeed(speed));
                            }
                        }
                    });
                ui.label(format!("seed {}", self.seed));
                ui.add(
                    egui::DragValue::new(&mut self.fault_seconds)
                        .range(0.5..=600.0)
                        .prefix("right-click takes an element down in both for ")
                        .suffix(" s"),
                );
                ui.label(
                    RichText::new(format!(
                        "t = {} | {}",
                        format_clock(self.panes[0].run.now()),
                        format_clock(self.panes[1].run.now())
                    ))
                    .monospace(),
                );
                if ui
                    .button("✕ Close")
                    .on_hover_text(hint("Back to the board", &Command::RunStop))
                    .clicked()
                {
                    commands.push(Command::CloseComparison);
                }
            });
        });
        egui::Panel::bottom("comparison-table")
            .resizable(true)
            .default_size(260.0)
            .show(ui, |ui| {
                self.table_ui(ui);
            });
        egui::CentralPanel::default()
            .frame(egui::Frame::NONE)
            .show(ui, |ui| {
                let full = ui.available_rect_before_wrap();
                let half = full.width() / 2.0;
                let rects = [
                    egui::Rect::from_min_size(full.min, egui::vec2(half - 2.0, full.height())),
                    egui::Rect::from_min_size(
                        full.min + egui::vec2(half + 2.0, 0.0),
                        egui::vec2(half - 2.0, full.height()),
                    ),
                ];
                let mut down = None;
                for (i, rect) in rects.into_iter().enumerate() {
                    let pane = &mut self.panes[i];
                    let mut child =
                        ui.new_child(egui::UiBuilder::new().max_rect(rect).id_salt(("pane", i)));
                    child.label(
                        RichText::new(format!("{} · {}", pane.name, pane.run.model.name)).strong(),
                    );
                    let model = pane.run.model.clone();
                    let (board_commands, response) = pane.board.ui(&mut child, &model, 0);
                    for command in board_commands {
                        if let Command::SelectMessage(id) = command {
                            pane.run.selected = Some(id);
                        }
                    }
                    if let Some(Hit::Element(id) | Hit::Handle(id)) =
                        pane.board.take_context_target()
                    {
                        ui.ctx().data_mut(|d| {
                            d.insert_temp(egui::Id::unique(("comparison-target", i)), id)
                        });
                    }
                    response.context_menu(|ui| {
                        let target: Option<ElementId> = ui
                            .ctx()
                            .data(|d| d.get_temp(egui::Id::unique(("comparison-target", i))));
                        if let Some(id) = target {
                            let label =
                                format!("Take {id} down in both for {:.1} s", self.fault_seconds);
                            if ui.button(label).clicked() {
                                down = Some(id);
                                ui.close();
                            }
                        } else {
                            ui.label("Right-click an element to take it down in both runs");
                        }
                    });
                }
                if let Some(id) = down {
                    commands.push(Command::TakeDownInBoth(id));
                }
            });
        commands
    }

    fn table_ui(&self, ui: &mut Ui) {
        let figures: Vec<Figures> = self
            .panes
            .iter()
            .map(|p| Figures::assemble(&p.name, &p.run.model, &p.run.snapshot, p.tracker.as_ref()))
            .collect();
        let outage = self.panes.iter().find_map(|p| p.tracker.as_ref()).map(|t| {
            let o = t.outage();
            format!(
                "{} down at {} for {}",
                o.element,
                format_duration_us(o.at_us),
                format_duration_us(o.for_us)
            )
        });
        ui.horizontal(|ui| {
            ui.strong("Comparison");
            ui.label(
                RichText::new(outage.unwrap_or_else(|| {
                    "no outage yet: right-click an element on either board".into()
                }))
                .weak(),
            );
        });
        let outage_seen = self.panes.iter().any(|p| p.tracker.is_some());
        let rows = stormflow_core::compare::table(
            &figures,
            outage_seen,
            stormflow_core::compare::RunState::Running,
        );
        TableBuilder::new(ui)
            .id_salt("comparison-figures")
            .striped(true)
            .column(Column::initial(260.0))
            .columns(Column::remainder(), 2)
            .header(20.0, |mut header| {
                header.col(|ui| {
                    ui.strong("figure");
                });
                for pane in &self.panes {
                    header.col(|ui| {
                        ui.strong(&pane.name);
                    });
                }
            })
            .body(|mut body| {
                for figure in rows {
                    body.row(18.0, |mut row| {
                        row.col(|ui| {
                            ui.label(figure.label);
                        });
                        for cell in figure.cells {
                            row.col(|ui| {
                                ui.label(cell);
                            });
                        }
                    });
                }
            });
    }
}
