//! Run → Run on NATS…: where the server is and how to log in (or start a
//! local one). Once started, the run shows in the run view like a
//! simulated one (badges, dots, plots, messages, trace); this window then
//! keeps what is particular to a run on a real broker: its status, taking
//! an element down for real, and at the end the balance against
//! JetStream's own accounting and the comparison with the simulation.

use egui::RichText;
use stormflow_core::compare::{Figures, RunState, table};
use stormflow_core::model::{ElementId, Model};
use stormflow_core::units::{format_duration_us, parse_duration_us};
use stormflow_live::{Auth, LiveOptions, nats_server_available, spawn_local_server};

use crate::command::Command;
use crate::run::live::LiveFeed;
use crate::run::{RunView, Source};

/// The Run on NATS dialog.
pub struct LiveDialog {
    /// Whether the window is open.
    pub open: bool,
    url: String,
    start_local: bool,
    token_env: String,
    creds: String,
    speed: f64,
    until: String,
    take_down: Option<ElementId>,
    /// A run just started, for the app to show in the run view.
    started: Option<LiveFeed>,
    error: Option<String>,
}

impl Default for LiveDialog {
    fn default() -> Self {
        Self {
            open: true,
            url: "nats://127.0.0.1:4222".into(),
            start_local: nats_server_available(),
            token_env: String::new(),
            creds: String::new(),
            speed: 1.0,
            until: "20s".into(),
            take_down: None,
            started: None,
            error: None,
        }
    }
}

impl LiveDialog {
    fn start(&mut self, model: &Model) {
        self.error = None;
        let until = match parse_duration_us(&self.until) {
            Ok(us) if us > 0 => us,
            _ => {
                self.error = Some(format!("`{}` is not a duration, e.g. 20s", self.until));
                return;
            }
        };
        let server = if self.start_local {
            match spawn_local_server() {
                Ok(server) => Some(server),
                Err(error) => {
                    self.error = Some(format!("Cannot start a local nats-server: {error}"));
                    return;
                }
            }
        } else {
            None
        };
        let url = server
            .as_ref()
            .map_or_else(|| self.url.trim().to_string(), |s| s.url.clone());
        let auth = if !self.creds.trim().is_empty() {
            Auth::CredsFile(self.creds.trim().into())
        } else if !self.token_env.trim().is_empty() {
            Auth::TokenEnv(self.token_env.trim().to_string())
        } else {
            Auth::None
        };
        let options = LiveOptions {
            url: url.clone(),
            until_us: Some(until),
            speed: self.speed,
            seed: Some(model.run.seed),
            auth,
            trace_limit: None,
            replicas: 1,
        };
        match stormflow_live::start(model, options) {
            Ok(run) => {
                self.started = Some(LiveFeed::new(run, server, url, model, self.speed, until));
            }
            Err(error) => self.error = Some(error.to_string()),
        }
    }

    /// A run started from this window since the last call, for the app to
    /// show in its run view.
    pub fn take_started(&mut self) -> Option<LiveFeed> {
        self.started.take()
    }

    /// Draws the window: the form, or the run on NATS the run view shows.
    pub fn ui(
        &mut self,
        ctx: &egui::Context,
        model: &Model,
        run: Option<&mut RunView>,
    ) -> Vec<Command> {
        let mut commands = Vec::new();
        let mut open = self.open;
        // Top right, clear of the run toolbar and the board's left side.
        let right_top = ctx.content_rect().right_top() + egui::vec2(-16.0, 64.0);
        egui::Window::new("Run on NATS")
            .open(&mut open)
            .pivot(egui::Align2::RIGHT_TOP)
            .default_pos(right_top)
            .default_width(620.0)
            .show(ctx, |ui| {
                match run.filter(|run| run.live_feed().is_some()) {
                    None => self.form_ui(ui, model),
                    Some(run) => commands.extend(self.session_ui(ui, run)),
                }
            });
        self.open = open;
        commands
    }

    fn form_ui(&mut self, ui: &mut egui::Ui, model: &Model) {
        ui.label(
            "The same board on a real NATS JetStream server: real messages, consumers and \
             redeliveries, measured like a simulated run.",
        );
        let available = nats_server_available();
        ui.add_enabled(
            available,
            egui::Checkbox::new(&mut self.start_local, "Start a local server for this run"),
        )
        .on_disabled_hover_text("nats-server is not on PATH (apt-get install nats-server)");
        ui.add_enabled_ui(!self.start_local, |ui| {
            egui::Grid::new("live-form").num_columns(2).show(ui, |ui| {
                ui.label("server");
                ui.text_edit_singleline(&mut self.url);
                ui.end_row();
                ui.label("token from the variable");
                ui.add(egui::TextEdit::singleline(&mut self.token_env).hint_text("NATS_TOKEN"));
                ui.end_row();
                ui.label("or a credentials file");
                ui.add(egui::TextEdit::singleline(&mut self.creds).hint_text("~/.nats/user.creds"));
                ui.end_row();
            });
        });
        ui.horizontal(|ui| {
            ui.label("run for");
            ui.add(egui::TextEdit::singleline(&mut self.until).desired_width(60.0));
            ui.label("speed");
            ui.add(
                egui::DragValue::new(&mut self.speed)
                    .range(0.1..=100.0)
                    .speed(0.1)
                    .suffix("×"),
            );
        });
        if ui
            .button("▶ Run on NATS")
            .on_hover_text("The run shows on the board and in the run panels, like a simulated one")
            .clicked()
        {
            self.start(model);
        }
        if let Some(error) = &self.error {
            ui.colored_label(crate::theme::ERROR, error);
        }
    }

    fn session_ui(&mut self, ui: &mut egui::Ui, run: &mut RunView) -> Vec<Command> {
        let mut commands = Vec::new();
        let RunView {
            source,
            snapshot,
            model,
            ..
        } = run;
        let Source::Live(feed) = source else {
            return commands;
        };
        ui.label(RichText::new(format!("live: {}", feed.status)).strong());
        let t = &snapshot.totals;
        ui.label(format!(
            "t = {}: {} messages, {} processed, {} queued, {} in flight, {} dead-lettered, {} dropped",
            format_duration_us(snapshot.now),
            t.messages_produced,
            t.processed,
            t.queued,
            t.in_flight,
            t.dead_lettered,
            t.dropped
        ));
        if feed.running() {
            ui.horizontal(|ui| {
                egui::ComboBox::new("live-take-down", "")
                    .selected_text(
                        self.take_down
                            .as_ref()
                            .map_or("an element…", |id| id.as_str()),
                    )
                    .show_ui(ui, |ui| {
                        for element in model.elements().filter(|e| e.kind.is_service()) {
                            ui.selectable_value(
                                &mut self.take_down,
                                Some(element.id.clone()),
                                element.name.as_str(),
                            );
                        }
                    });
                if let Some(id) = &self.take_down {
                    if feed.is_down(id) {
                        if ui.button("Bring it back").clicked() {
                            feed.bring_up(id);
                        }
                    } else if ui
                        .button("Take it down")
                        .on_hover_text("Its consumers stop for real; its lag grows in JetStream")
                        .clicked()
                    {
                        feed.take_down(id, None);
                    }
                }
                if ui.button("■ Stop").clicked() {
                    feed.stop();
                }
            });
            ui.label(
                RichText::new(
                    "Right-click a sticky on the board → Take down does the same for a while.",
                )
                .weak()
                .small(),
            );
        }
        match &feed.outcome {
            None => {}
            Some(Err(error)) => {
                ui.colored_label(crate::theme::ERROR, error);
            }
            Some(Ok(outcome)) => {
                let c = &outcome.conservation;
                if c.holds {
                    ui.label("Every message is accounted for against JetStream's own counts.");
                } else {
                    for problem in &c.problems {
                        ui.colored_label(
                            crate::theme::ERROR,
                            format!("CONSERVATION DOES NOT HOLD: {problem}"),
                        );
                    }
                }
                match &feed.simulated {
                    Some(simulated) => {
                        let mut live = Figures::assemble("live on NATS", model, snapshot, None);
                        live.messages = outcome.report.totals.messages_produced;
                        let figures = [simulated.clone(), live];
                        egui::Grid::new("live-compare")
                            .striped(true)
                            .show(ui, |ui| {
                                ui.strong("figure");
                                ui.strong("simulated");
                                ui.strong("live on NATS");
                                ui.end_row();
                                for row in table(&figures, false, RunState::Finished) {
                                    ui.label(row.label);
                                    for cell in row.cells {
                                        ui.label(cell);
                                    }
                                    ui.end_row();
                                }
                            });
                    }
                    None => {
                        ui.label(RichText::new("simulating the same board to compare…").weak());
                    }
                }
                for note in &outcome.notes {
                    ui.label(RichText::new(note).small().weak());
                }
                if ui
                    .button("New run")
                    .on_hover_text("Close this run and show the form again")
                    .clicked()
                {
                    commands.push(Command::RunStop);
                }
            }
        }
        commands
    }
}
