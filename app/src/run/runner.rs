//! The runner: the simulation on a worker thread. The UI sends
//! [`RunnerCommand`]s and receives [`Frame`]s (at most one per frame
//! interval) over crossbeam channels; it never waits on the engine.
//!
//! A frame carries the live snapshot and only what the trace and the
//! sampled series gained since the last frame the UI actually received, so
//! the UI keeps its own mirror of both without locking anything.

use std::path::PathBuf;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{
    Receiver, RecvTimeoutError, Sender, TryRecvError, TrySendError, bounded, unbounded,
};
use stormflow_core::model::{ElementId, Fault, Model};
use stormflow_core::sim::{
    SeriesDelta, Sim, SimError, SimOptions, Snapshot, Time, TraceDelta, export,
};

/// How fast virtual time runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Speed {
    /// Virtual seconds per real second.
    Times(f64),
    /// As fast as the engine goes.
    Max,
}

/// What to write on [`RunnerCommand::Export`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// Chrome trace-event JSON (Perfetto UI).
    Chrome,
    /// OTLP/JSON spans (Jaeger).
    Otlp,
    /// The metrics as JSON (what `stormflow run --json` prints).
    MetricsJson,
    /// The metrics per element as CSV.
    MetricsCsv,
}

/// What the UI asks of the runner.
#[derive(Clone, Debug, PartialEq)]
pub enum RunnerCommand {
    /// Run at the current speed.
    Play,
    /// Stop advancing.
    Pause,
    /// Run exactly one engine event.
    Step,
    /// Run until the next message made by, or delivered to, this element.
    StepElement(ElementId),
    /// Run (at the current speed) until this virtual time, then pause.
    RunUntil(Time),
    /// Go back (or forward) to this virtual time: replayed from the start, paused.
    SeekTo(Time),
    /// Change the speed.
    SetSpeed(Speed),
    /// Schedule a fault (at its own time, or now if that has passed).
    Inject(Fault),
    /// Write the trace or the metrics to a file.
    Export {
        /// Where.
        path: PathBuf,
        /// What.
        format: ExportFormat,
    },
    /// End the worker.
    Shutdown,
}

/// What the runner tells the UI.
#[derive(Debug)]
pub enum RunnerEvent {
    /// The state of the run.
    Frame(Box<Frame>),
    /// An export finished.
    Exported {
        /// The file.
        path: PathBuf,
        /// Its outcome.
        result: Result<(), String>,
    },
    /// A command could not be carried out.
    Error(String),
}

/// One update of the run for the UI.
#[derive(Debug)]
pub struct Frame {
    /// Counts replays: when it changes, the UI starts its mirrors afresh.
    pub generation: u64,
    /// The live state.
    pub snapshot: Snapshot,
    /// What the trace gained since the last frame received.
    pub trace: TraceDelta,
    /// What the sampled series gained since the last frame received.
    pub series: SeriesDelta,
    /// Advancing now.
    pub running: bool,
    /// Where a run-until stops.
    pub until: Option<Time>,
    /// Engine events per real second, lately.
    pub events_per_sec: f64,
}

/// The handle the UI holds; dropping it ends the worker.
pub struct Runner {
    commands: Sender<RunnerCommand>,
    events: Receiver<RunnerEvent>,
    worker: Option<JoinHandle<()>>,
}

/// Frames are sent at most this often.
const FRAME_INTERVAL: Duration = Duration::from_millis(16);
/// Engine events between checks for commands while running flat out.
const BATCH: u64 = 20_000;

impl Runner {
    /// Compiles the model (refusing one with check errors) and starts the
    /// worker, paused at time 0.
    pub fn start(model: &Model, seed: u64) -> Result<Self, SimError> {
        let options = SimOptions {
            seed: Some(seed),
            ..SimOptions::default()
        };
        let sim = Sim::new(model, &options)?;
        let (commands, command_rx) = unbounded();
        let (event_tx, events) = bounded(4);
        let mut worker = Worker::new(sim, model.clone(), options, event_tx);
        let handle = std::thread::Builder::new()
            .name("stormflow-runner".into())
            .spawn(move || worker.run(&command_rx))
            .map_err(|e| SimError::BadFault(format!("cannot start the runner thread: {e}")))?;
        Ok(Self {
            commands,
            events,
            worker: Some(handle),
        })
    }

    /// Sends a command (never blocks).
    pub fn send(&self, command: RunnerCommand) {
        let _ = self.commands.send(command);
    }

    /// Takes every event waiting (never blocks).
    pub fn drain(&self) -> Vec<RunnerEvent> {
        self.events.try_iter().collect()
    }

    /// Waits up to `timeout` for the next event (for tests and headless use).
    pub fn recv_timeout(&self, timeout: Duration) -> Option<RunnerEvent> {
        self.events.recv_timeout(timeout).ok()
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        let _ = self.commands.send(RunnerCommand::Shutdown);
        // Unblock a worker waiting to send, then wait for it to finish.
        while self.events.try_recv().is_ok() {}
        if let Some(handle) = self.worker.take() {
            let deadline = Instant::now() + Duration::from_secs(5);
            while !handle.is_finished() && Instant::now() < deadline {
                while self.events.try_recv().is_ok() {}
                std::thread::sleep(Duration::from_millis(1));
            }
            if handle.is_finished() {
                let _ = handle.join();
            }
        }
    }
}

struct Worker {
    sim: Sim,
    model: Model,
    options: SimOptions,
    injected: Vec<Fault>,
    generation: u64,
    running: bool,
    speed: Speed,
    until: Option<Time>,
    /// Element index and the trace lengths when the step began.
    step_element: Option<(u32, u64, usize)>,
    /// Real instant and virtual time when the current speed started.
    anchor: Option<(Instant, Time)>,
    sent_messages: u64,
    sent_attempts: usize,
    sent_points: usize,
    last_sent: Option<Instant>,
    changed: bool,
    /// (since, events then, measured rate)
    rate: (Instant, u64, f64),
    events: Sender<RunnerEvent>,
}

enum Flow {
    Continue,
    Stop,
}

impl Worker {
    /// A paused worker at the start of `sim`, at real-time speed.
    fn new(sim: Sim, model: Model, options: SimOptions, events: Sender<RunnerEvent>) -> Self {
        Worker {
            sim,
            model,
            options,
            injected: Vec::new(),
            generation: 0,
            running: false,
            speed: Speed::Times(1.0),
            until: None,
            step_element: None,
            anchor: None,
            sent_messages: 0,
            sent_attempts: 0,
            sent_points: 0,
            last_sent: None,
            changed: true,
            rate: (Instant::now(), 0, 0.0),
            events,
        }
    }

    fn run(&mut self, commands: &Receiver<RunnerCommand>) {
        loop {
            // Commands: wait for one while idle, take what is there while running.
            let first = if self.running {
                match commands.try_recv() {
                    Ok(command) => Some(command),
                    Err(TryRecvError::Empty) => None,
                    Err(TryRecvError::Disconnected) => return,
                }
            } else {
                let wait = if self.changed {
                    Duration::from_millis(1)
                } else {
                    Duration::from_millis(50)
                };
                match commands.recv_timeout(wait) {
                    Ok(command) => Some(command),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            };
            let mut pending: Vec<RunnerCommand> = first.into_iter().collect();
            pending.extend(commands.try_iter());
            for command in pending {
                if let Flow::Stop = self.handle(command) {
                    return;
                }
            }
            if self.running {
                self.advance();
            }
            if let Flow::Stop = self.maybe_send() {
                return;
            }
        }
    }

    fn handle(&mut self, command: RunnerCommand) -> Flow {
        self.changed = true;
        match command {
            RunnerCommand::Play => {
                self.running = true;
                self.until = None;
                self.step_element = None;
                self.anchor = Some((Instant::now(), self.sim.now()));
            }
            RunnerCommand::Pause => {
                self.running = false;
                self.step_element = None;
            }
            RunnerCommand::Step => {
                self.running = false;
                self.sim.step();
            }
            RunnerCommand::StepElement(id) => match self.sim.element_index(&id) {
                Some(index) => {
                    let trace = self.sim.trace();
                    self.step_element = Some((index, trace.len() as u64, trace.attempt_count()));
                    self.running = true;
                    self.until = None;
                    self.anchor = Some((Instant::now(), self.sim.now()));
                }
                None => {
                    return self
                        .report(RunnerEvent::Error(format!("no element `{id}` in the run")));
                }
            },
            RunnerCommand::RunUntil(t) => {
                self.until = Some(t);
                self.running = self.sim.now() < t;
                self.step_element = None;
                self.anchor = Some((Instant::now(), self.sim.now()));
            }
            RunnerCommand::SeekTo(t) => match Sim::new(&self.model, &self.options) {
                Ok(mut sim) => {
                    for fault in &self.injected {
                        let _ = sim.inject(fault.clone());
                    }
                    sim.run_until(t);
                    self.sim = sim;
                    self.generation += 1;
                    self.sent_messages = 0;
                    self.sent_attempts = 0;
                    self.sent_points = 0;
                    self.running = false;
                    self.until = None;
                    self.step_element = None;
                }
                Err(error) => return self.report(RunnerEvent::Error(error.to_string())),
            },
            RunnerCommand::SetSpeed(speed) => {
                self.speed = speed;
                self.anchor = Some((Instant::now(), self.sim.now()));
            }
            RunnerCommand::Inject(fault) => match self.sim.inject(fault.clone()) {
                Ok(()) => self.injected.push(fault),
                Err(error) => return self.report(RunnerEvent::Error(error.to_string())),
            },
            RunnerCommand::Export { path, format } => {
                let result = self.export(&path, format).map_err(|e| format!("{e}"));
                return self.report(RunnerEvent::Exported { path, result });
            }
            RunnerCommand::Shutdown => return Flow::Stop,
        }
        Flow::Continue
    }

    fn report(&self, event: RunnerEvent) -> Flow {
        match self.events.send_timeout(event, Duration::from_secs(1)) {
            Err(crossbeam_channel::SendTimeoutError::Disconnected(_)) => Flow::Stop,
            _ => Flow::Continue,
        }
    }

    fn export(&self, path: &std::path::Path, format: ExportFormat) -> std::io::Result<()> {
        let file = std::fs::File::create(path)?;
        let mut out = std::io::BufWriter::new(file);
        match format {
            ExportFormat::Chrome => export::write_chrome(&self.sim, &mut out)?,
            ExportFormat::Otlp => export::write_otlp(&self.sim, &mut out)?,
            ExportFormat::MetricsJson => {
                serde_json::to_writer_pretty(&mut out, &self.sim.report())
                    .map_err(std::io::Error::other)?;
                std::io::Write::write_all(&mut out, b"\n")?;
            }
            ExportFormat::MetricsCsv => {
                std::io::Write::write_all(&mut out, self.sim.report().to_csv().as_bytes())?
            }
        }
        std::io::Write::flush(&mut out)
    }

    /// Runs the engine for a slice of real time, as the speed says.
    fn advance(&mut self) {
        let limit = self.until.unwrap_or(Time::MAX);
        let slice_end = Instant::now() + Duration::from_millis(8);
        loop {
            let target = match (self.speed, self.anchor) {
                (Speed::Max, _) | (_, None) => limit,
                (Speed::Times(factor), Some((since, virtual_then))) => {
                    let elapsed = since.elapsed().as_secs_f64() * factor * 1_000_000.0;
                    (virtual_then.saturating_add(elapsed as Time)).min(limit)
                }
            };
            let budget = if self.step_element.is_some() {
                1
            } else {
                BATCH
            };
            let ran = self.sim.run_events(budget, target);
            if ran == 0 {
                // Nothing due before the target: the clock moves on to it.
                if target != Time::MAX && target > self.sim.now() {
                    self.sim.run_until(target);
                }
                break;
            }
            if let Some((element, messages, attempts)) = self.step_element
                && self.element_acted(element, messages, attempts)
            {
                self.running = false;
                self.step_element = None;
                break;
            }
            if Instant::now() >= slice_end {
                break;
            }
        }
        if self.until.is_some_and(|until| self.sim.now() >= until) {
            self.running = false;
            self.until = None;
        }
        self.changed = true;
    }

    fn element_acted(&self, element: u32, messages: u64, attempts: usize) -> bool {
        let trace = self.sim.trace();
        (messages..trace.len() as u64)
            .filter_map(|id| trace.message(id))
            .any(|m| m.source == element)
            || (attempts..trace.attempt_count())
                .filter_map(|row| trace.attempt(row))
                .any(|a| a.consumer == element)
    }

    fn maybe_send(&mut self) -> Flow {
        let due = self
            .last_sent
            .is_none_or(|at| at.elapsed() >= FRAME_INTERVAL);
        if !self.changed || !due {
            return Flow::Continue;
        }
        let events = self.sim.events_processed();
        let (since, then, rate) = self.rate;
        let elapsed = since.elapsed().as_secs_f64();
        let rate = if elapsed >= 0.5 {
            let measured = (events - then) as f64 / elapsed;
            self.rate = (Instant::now(), events, measured);
            measured
        } else {
            rate
        };
        let trace = self
            .sim
            .trace()
            .delta_since(self.sent_messages, self.sent_attempts);
        let series = self.sim.series().delta_since(self.sent_points);
        let (messages, attempts) = (
            trace.first_message + trace.messages.len() as u64,
            trace.first_attempt + trace.attempts.len(),
        );
        let points = series.first + series.points.len();
        let frame = Frame {
            generation: self.generation,
            snapshot: self.sim.snapshot(),
            trace,
            series,
            running: self.running,
            until: self.until,
            events_per_sec: rate,
        };
        match self.events.try_send(RunnerEvent::Frame(Box::new(frame))) {
            Ok(()) => {
                self.sent_messages = messages;
                self.sent_attempts = attempts;
                self.sent_points = points;
                self.last_sent = Some(Instant::now());
                self.changed = self.running;
                Flow::Continue
            }
            // The UI has not taken the last frames yet: send a bigger delta later.
            Err(TrySendError::Full(_)) => Flow::Continue,
            Err(TrySendError::Disconnected(_)) => Flow::Stop,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shop() -> Model {
        stormflow_core::format::from_ron_str(crate::samples::default_sample().text)
            .expect("sample loads")
    }

    /// Waits for frames until `done` says so (or fails after a few seconds).
    fn until_frame(runner: &Runner, mut done: impl FnMut(&Frame) -> bool) -> Box<Frame> {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Some(RunnerEvent::Frame(frame)) = runner.recv_timeout(Duration::from_millis(100))
                && done(&frame)
            {
                return frame;
            }
        }
        panic!("no matching frame in time");
    }

    #[test]
    fn commands_in_frames_out() {
        let runner = Runner::start(&shop(), 7).expect("starts");
        let first = until_frame(&runner, |_| true);
        assert_eq!(first.snapshot.now, 0);
        assert!(!first.running);
        runner.send(RunnerCommand::Step);
        until_frame(&runner, |f| f.snapshot.events >= 1);
        runner.send(RunnerCommand::SetSpeed(Speed::Max));
        runner.send(RunnerCommand::RunUntil(5_000_000));
        let done = until_frame(&runner, |f| !f.running && f.snapshot.now >= 5_000_000);
        assert_eq!(done.snapshot.now, 5_000_000);
        assert!(done.snapshot.totals.conserved());
    }

    #[test]
    fn the_mirror_built_from_frames_equals_a_direct_run() {
        let model = shop();
        let runner = Runner::start(&model, 7).expect("starts");
        runner.send(RunnerCommand::SetSpeed(Speed::Max));
        runner.send(RunnerCommand::RunUntil(3_000_000));
        let mut mirror = stormflow_core::sim::Trace::default();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            assert!(Instant::now() < deadline, "the run did not finish");
            let Some(RunnerEvent::Frame(frame)) = runner.recv_timeout(Duration::from_millis(100))
            else {
                continue;
            };
            assert!(mirror.apply(&frame.trace), "deltas arrive in order");
            if !frame.running && frame.snapshot.now >= 3_000_000 {
                break;
            }
        }
        let mut direct = Sim::new(
            &model,
            &SimOptions {
                seed: Some(7),
                ..SimOptions::default()
            },
        )
        .expect("runs");
        direct.run_until(3_000_000);
        assert_eq!(
            mirror.digest(),
            direct.trace().digest(),
            "same seed, same trace, byte for byte"
        );
    }

    #[test]
    fn seeking_back_replays_to_the_same_state() {
        let model = shop();
        let runner = Runner::start(&model, 3).expect("starts");
        runner.send(RunnerCommand::SetSpeed(Speed::Max));
        runner.send(RunnerCommand::RunUntil(4_000_000));
        until_frame(&runner, |f| !f.running && f.snapshot.now >= 4_000_000);
        runner.send(RunnerCommand::SeekTo(1_500_000));
        let back = until_frame(&runner, |f| f.generation == 1);
        let mut fresh = Sim::new(
            &model,
            &SimOptions {
                seed: Some(3),
                ..SimOptions::default()
            },
        )
        .expect("runs");
        fresh.run_until(1_500_000);
        assert_eq!(back.snapshot, fresh.snapshot());
    }

    #[test]
    fn the_worker_ends_when_the_ui_drops_the_receiver_side() {
        let runner = Runner::start(&shop(), 1).expect("starts");
        runner.send(RunnerCommand::SetSpeed(Speed::Max));
        runner.send(RunnerCommand::Play);
        std::thread::sleep(Duration::from_millis(100));
        let started = Instant::now();
        drop(runner);
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "no deadlock on shutdown"
        );
    }

    #[test]
    fn a_worker_whose_ui_went_away_stops_by_itself() {
        let model = shop();
        let sim = Sim::new(&model, &SimOptions::default()).expect("runs");
        let (command_tx, command_rx) = unbounded();
        let (event_tx, event_rx) = bounded(1);
        let mut worker = Worker::new(sim, model, SimOptions::default(), event_tx);
        worker.speed = Speed::Max;
        let handle = std::thread::spawn(move || worker.run(&command_rx));
        command_tx
            .send(RunnerCommand::Play)
            .expect("worker listens");
        drop(event_rx);
        let deadline = Instant::now() + Duration::from_secs(5);
        while !handle.is_finished() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(handle.is_finished(), "the worker noticed the UI was gone");
        drop(command_tx);
    }

    #[test]
    fn stepping_to_an_element_stops_at_its_next_message() {
        let model = shop();
        let shipping = model
            .ids()
            .position(|id| id.as_str() == "shipping")
            .expect("in the sample") as u32;
        let runner = Runner::start(&model, 5).expect("starts");
        runner.send(RunnerCommand::StepElement("shipping".into()));
        let mut mirror = stormflow_core::sim::Trace::default();
        let deadline = Instant::now() + Duration::from_secs(20);
        let frame = loop {
            assert!(Instant::now() < deadline, "the step did not stop");
            let Some(RunnerEvent::Frame(frame)) = runner.recv_timeout(Duration::from_millis(100))
            else {
                continue;
            };
            mirror.apply(&frame.trace);
            if !frame.running && frame.snapshot.events > 0 {
                break frame;
            }
        };
        let last_attempt = mirror.attempt(mirror.attempt_count() - 1);
        let last_message = mirror.message(mirror.len() as u64 - 1);
        let acted = last_attempt.is_some_and(|a| a.consumer == shipping)
            || last_message.is_some_and(|m| m.source == shipping);
        assert!(
            acted,
            "the run stopped right after shipping did something (at {} us)",
            frame.snapshot.now
        );
    }
}
