//! A run on a real NATS JetStream server seen through the run view: the
//! same badges, dots, plots, messages and trace as a simulated run, fed by
//! what the broker's messages say instead of by the engine.
//!
//! A live run goes at the pace of real time, so the view's transport (play,
//! step, seek, speed, seed) does not apply; taking an element down does, for
//! real: its consumers stop fetching until it is brought back.

use std::io::Write;
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use stormflow_core::compare::{Figures, run_compare};
use stormflow_core::model::{ElementId, FaultKind, Model};
use stormflow_core::sim::{Time, export};
use stormflow_live::{LiveControl, LiveOutcome, LiveRun, LiveStatus, LiveUpdate, LocalServer};

use super::runner::{ExportFormat, RunnerCommand};

/// A live run held by the run view.
pub struct LiveFeed {
    /// The run while it goes on (taken when it ends).
    run: Option<LiveRun>,
    /// The local server, stopped when the feed goes.
    _server: Option<LocalServer>,
    /// What the run is doing, in words.
    pub status: String,
    /// The server's URL, for the toolbar.
    pub url: String,
    /// Virtual seconds per real second.
    speed: f64,
    /// The seed the run's workload and failures use.
    pub seed: u64,
    /// How long the run goes on, in virtual time.
    pub until_us: Time,
    /// How the run ended, once it has.
    pub outcome: Option<Result<LiveOutcome, String>>,
    /// Elements taken down, with the real time they come back (none: until
    /// brought back by hand).
    down: Vec<(ElementId, Option<Instant>)>,
    /// The simulation of the same board, seed and length, worked out on its
    /// own thread so the window never waits for it.
    simulating: Option<Receiver<Option<Figures>>>,
    /// Its figures, once there.
    pub simulated: Option<Figures>,
}

impl LiveFeed {
    /// Holds a started run (and the local server it runs on, if any);
    /// starts simulating the same board for the comparison at the end.
    pub fn new(
        run: LiveRun,
        server: Option<LocalServer>,
        url: String,
        model: &Model,
        speed: f64,
        until_us: Time,
    ) -> Self {
        let (tx, simulating) = crossbeam_channel::bounded(1);
        let seed = model.run.seed;
        let for_simulation = model.clone();
        let spawned = std::thread::Builder::new()
            .name("stormflow-live-compare".into())
            .spawn(move || {
                let figures = run_compare("simulated", &for_simulation, seed, until_us, None).ok();
                let _ = tx.send(figures);
            })
            .is_ok();
        Self {
            run: Some(run),
            _server: server,
            status: LiveStatus::Connecting.to_string(),
            url,
            speed,
            seed,
            until_us,
            outcome: None,
            down: Vec::new(),
            simulating: spawned.then_some(simulating),
            simulated: None,
        }
    }

    /// Whether the run still goes on.
    pub fn running(&self) -> bool {
        self.run.is_some()
    }

    /// Asks the run to end (it finishes what is in flight, then reports).
    pub fn stop(&self) {
        if let Some(run) = &self.run {
            run.send(LiveControl::Stop);
        }
    }

    /// Whether `id` is down in this run.
    pub fn is_down(&self, id: &ElementId) -> bool {
        self.down.iter().any(|(d, _)| d == id)
    }

    /// Takes `id` down for real, for `for_us` of virtual time (none: until
    /// [`LiveFeed::bring_up`]).
    pub fn take_down(&mut self, id: &ElementId, for_us: Option<Time>) {
        let Some(run) = &self.run else {
            return;
        };
        let back = for_us.map(|us| {
            Instant::now() + Duration::from_secs_f64(us as f64 / 1e6 / self.speed.max(1e-3))
        });
        run.send(LiveControl::TakeDown(id.clone()));
        self.down.retain(|(d, _)| d != id);
        self.down.push((id.clone(), back));
    }

    /// Brings `id` back up.
    pub fn bring_up(&mut self, id: &ElementId) {
        if let Some(run) = &self.run {
            run.send(LiveControl::BringUp(id.clone()));
        }
        self.down.retain(|(d, _)| d != id);
    }

    /// What a run-view command means on a live run: a fault that takes an
    /// element down is carried out for real, an export writes what the run
    /// measured once it has ended; the rest cannot apply. Returns what to
    /// tell the user, if anything.
    pub fn command(&mut self, command: RunnerCommand) -> Option<String> {
        match command {
            RunnerCommand::Inject(fault) => match fault.kind {
                FaultKind::Down { for_us } => {
                    self.take_down(&fault.element, Some(for_us));
                    None
                }
                _ => Some(
                    "On NATS only Take down applies: slow, failing, rate and replay faults \
                     are simulated ones"
                        .into(),
                ),
            },
            RunnerCommand::Shutdown => {
                self.stop();
                None
            }
            RunnerCommand::Export { path, format } => Some(match &self.outcome {
                Some(Ok(outcome)) => match export(outcome, self.seed, &path, format) {
                    Ok(()) => format!("Exported {}", path.display()),
                    Err(error) => format!("Export to {} failed: {error}", path.display()),
                },
                _ => "A run on NATS can be exported once it has ended".into(),
            }),
            RunnerCommand::Pause
            | RunnerCommand::Play
            | RunnerCommand::Step
            | RunnerCommand::StepElement(_)
            | RunnerCommand::RunUntil(_)
            | RunnerCommand::SeekTo(_)
            | RunnerCommand::SetSpeed(_) => Some(
                "A run on NATS goes in real time: it cannot pause, step or go back. ■ Stop ends it"
                    .into(),
            ),
        }
    }

    /// The run's updates since the last call; brings back elements whose
    /// time down is over; takes the outcome when the run has ended.
    pub fn drain(&mut self) -> Vec<LiveUpdate> {
        let mut updates = Vec::new();
        if let Some(simulating) = &self.simulating
            && let Ok(figures) = simulating.try_recv()
        {
            self.simulated = figures;
            self.simulating = None;
        }
        let Some(run) = &self.run else {
            return updates;
        };
        updates.extend(run.updates().try_iter());
        let finished = run.is_finished();
        let now = Instant::now();
        let due: Vec<ElementId> = self
            .down
            .iter()
            .filter(|(_, back)| back.is_some_and(|b| b <= now))
            .map(|(id, _)| id.clone())
            .collect();
        for id in &due {
            self.bring_up(id);
        }
        if finished && let Some(run) = self.run.take() {
            // The last updates were sent before the thread ended.
            updates.extend(run.updates().try_iter());
            self.outcome = Some(run.wait().map_err(|e| e.to_string()));
            self.down.clear();
        }
        if let Some(status) = updates.iter().rev().find_map(|u| match u {
            LiveUpdate::Status(status) => Some(status.to_string()),
            _ => None,
        }) {
            self.status = status;
        }
        updates
    }
}

/// Writes what an ended run on NATS measured, in the formats a simulated
/// run exports (the file appears whole or not at all).
fn export(
    outcome: &LiveOutcome,
    seed: u64,
    path: &std::path::Path,
    format: ExportFormat,
) -> Result<(), String> {
    stormflow_core::format::write_atomic(path, |file| {
        let mut out = std::io::BufWriter::new(file);
        let view = outcome.trace_view(seed);
        match format {
            ExportFormat::Chrome => export::write_chrome_view(&view, &mut out)?,
            ExportFormat::Otlp => export::write_otlp_view(&view, &mut out)?,
            ExportFormat::MetricsJson => {
                serde_json::to_writer_pretty(&mut out, &outcome.report)
                    .map_err(std::io::Error::other)?;
                out.write_all(b"\n")?;
            }
            ExportFormat::MetricsCsv => out.write_all(outcome.report.to_csv().as_bytes())?,
        }
        out.flush()
    })
    .map_err(|e| e.to_string())
}
