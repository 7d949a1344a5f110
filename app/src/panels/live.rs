//! Run → Run on NATS…: where the server is and how to log in (or start a
//! local one), then the live run: its status, its totals as they come, a
//! way to take an element down for real, and at the end the report and the
//! comparison with the simulation of the same board.

use egui::RichText;
use stormflow_core::compare::{Figures, RunState, run_compare, table};
use stormflow_core::model::{ElementId, Model};
use stormflow_core::sim::Snapshot;
use stormflow_core::units::{format_duration_us, parse_duration_us};
use stormflow_live::{
    Auth, LiveControl, LiveOptions, LiveOutcome, LiveRun, LiveStatus, LiveUpdate, LocalServer,
    nats_server_available, spawn_local_server,
};

use crate::command::Command;

/// A live run in progress or finished.
struct Session {
    run: Option<LiveRun>,
    /// The local server, stopped when the session ends.
    _server: Option<LocalServer>,
    status: String,
    snapshot: Snapshot,
    down: Vec<ElementId>,
    outcome: Option<Result<LiveOutcome, String>>,
    /// The simulation's figures of the same board, seed and length.
    simulated: Option<Figures>,
}

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
    session: Option<Session>,
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
            session: None,
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
            url,
            until_us: Some(until),
            speed: self.speed,
            seed: Some(model.run.seed),
            auth,
            trace_limit: None,
            replicas: 1,
        };
        match stormflow_live::start(model, options) {
            Ok(run) => {
                let simulated = run_compare("simulated", model, model.run.seed, until, None).ok();
                self.session = Some(Session {
                    run: Some(run),
                    _server: server,
                    status: LiveStatus::Connecting.to_string(),
                    snapshot: Snapshot::default(),
                    down: Vec::new(),
                    outcome: None,
                    simulated,
                });
            }
            Err(error) => self.error = Some(error.to_string()),
        }
    }

    fn poll(&mut self) {
        let Some(session) = &mut self.session else {
            return;
        };
        let Some(run) = &session.run else {
            return;
        };
        while let Ok(update) = run.updates().try_recv() {
            match update {
                LiveUpdate::Snapshot(snapshot) => session.snapshot = *snapshot,
                LiveUpdate::Status(status) => session.status = status.to_string(),
                LiveUpdate::Trace(_) => {}
            }
        }
        if run.is_finished()
            && let Some(run) = session.run.take()
        {
            session.outcome = Some(run.wait().map_err(|e| e.to_string()));
        }
    }

    /// What the broker measured last, while a run on NATS is shown: the
    /// board draws its badges from it as it does for a simulated run.
    pub fn snapshot(&self) -> Option<&Snapshot> {
        self.session.as_ref().map(|session| &session.snapshot)
    }

    /// Draws the window.
    pub fn ui(&mut self, ctx: &egui::Context, model: &Model) -> Vec<Command> {
        self.poll();
        if self.session.as_ref().is_some_and(|s| s.run.is_some()) {
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
        let mut open = self.open;
        egui::Window::new("Run on NATS")
            .open(&mut open)
            .default_width(620.0)
            .show(ctx, |ui| match self.session.is_some() {
                false => self.form_ui(ui, model),
                true => self.session_ui(ui, model),
            });
        if !open && let Some(run) = self.session.as_ref().and_then(|s| s.run.as_ref()) {
            run.send(LiveControl::Stop);
        }
        self.open = open;
        Vec::new()
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
        if ui.button("▶ Run on NATS").clicked() {
            self.start(model);
        }
        if let Some(error) = &self.error {
            ui.colored_label(egui::Color32::from_rgb(0xE5, 0x39, 0x35), error);
        }
    }

    fn session_ui(&mut self, ui: &mut egui::Ui, model: &Model) {
        let Some(session) = &mut self.session else {
            return;
        };
        ui.label(RichText::new(format!("live: {}", session.status)).strong());
        let t = &session.snapshot.totals;
        ui.label(format!(
            "t = {}: {} messages, {} processed, {} queued, {} in flight, {} dead-lettered, {} dropped",
            format_duration_us(session.snapshot.now),
            t.messages_produced,
            t.processed,
            t.queued,
            t.in_flight,
            t.dead_lettered,
            t.dropped
        ));
        if let Some(run) = &session.run {
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
                    if session.down.contains(id) {
                        if ui.button("Bring it back").clicked() {
                            run.send(LiveControl::BringUp(id.clone()));
                            session.down.retain(|d| d != id);
                        }
                    } else if ui
                        .button("Take it down")
                        .on_hover_text("Its consumers stop for real; its lag grows in JetStream")
                        .clicked()
                    {
                        run.send(LiveControl::TakeDown(id.clone()));
                        session.down.push(id.clone());
                    }
                }
                if ui.button("■ Stop").clicked() {
                    run.send(LiveControl::Stop);
                }
            });
        }
        match &session.outcome {
            None => {}
            Some(Err(error)) => {
                ui.colored_label(egui::Color32::from_rgb(0xE5, 0x39, 0x35), error);
            }
            Some(Ok(outcome)) => {
                let c = &outcome.conservation;
                if c.holds {
                    ui.label("Every message is accounted for against JetStream's own counts.");
                } else {
                    for problem in &c.problems {
                        ui.colored_label(
                            egui::Color32::from_rgb(0xE5, 0x39, 0x35),
                            format!("CONSERVATION DOES NOT HOLD: {problem}"),
                        );
                    }
                }
                if let Some(simulated) = &session.simulated {
                    let mut live =
                        Figures::assemble("live on NATS", model, &session.snapshot, None);
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
                for note in &outcome.notes {
                    ui.label(RichText::new(note).small().weak());
                }
                if ui.button("Run again").clicked() {
                    self.session = None;
                }
            }
        }
    }
}
