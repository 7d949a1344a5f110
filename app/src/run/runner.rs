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
    SeriesDelta, Sim, SimError, SimOptions, Snapshot, StopReason, Time, TraceDelta, export,
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
    /// Run at the current speed until the model's horizon (nothing once
    /// there: [`RunnerCommand::RunUntil`] goes further).
    Play,
    /// Stop advancing.
    Pause,
    /// Run exactly one engine event.
    Step,
    /// Run until the next message made by, or delivered to, this element
    /// (or the horizon, if that comes first).
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
    /// Why the engine stopped the run before its end, if it did (a
    /// zero-time loop, an endless loop, runaway retries, the memory budget).
    pub stopped: Option<StopReason>,
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
    /// Where Play and a step to an element stop: the model's horizon.
    horizon: Time,
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
            horizon: model.run.horizon_us,
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
                // A run ends at its horizon; only Run until goes past it.
                self.running = self.can_advance_to(self.horizon);
                self.until = self.running.then_some(self.horizon);
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
                    // An element that never acts would keep the step going
                    // for ever: it ends at the horizon (or runs on past it
                    // when the run is there already).
                    let until = if self.sim.now() < self.horizon {
                        self.horizon
                    } else {
                        Time::MAX
                    };
                    self.running = self.can_advance_to(until);
                    self.until = (until != Time::MAX).then_some(until);
                    self.anchor = Some((Instant::now(), self.sim.now()));
                }
                None => {
                    return self
                        .report(RunnerEvent::Error(format!("no element `{id}` in the run")));
                }
            },
            RunnerCommand::RunUntil(t) => {
                self.until = Some(t);
                self.running = self.can_advance_to(t);
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

    /// Whether running towards `t` can do anything: the clock is before it
    /// and the engine has not stopped the run.
    fn can_advance_to(&self, t: Time) -> bool {
        self.sim.now() < t && self.sim.stopped().is_none()
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
        // A guard stopped the run (its reason goes out with the frame), or
        // nothing is left to happen and no time to reach: stop advancing
        // rather than spin.
        if self.sim.stopped().is_some()
            || (self.until.is_none() && self.sim.next_event_time().is_none())
        {
            self.running = false;
            self.until = None;
            self.step_element = None;
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
            stopped: self.sim.stopped().cloned(),
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
mod tests;
