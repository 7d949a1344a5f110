//! Live mode: the same board, unchanged, drives a real NATS JetStream server
//! or cluster — real messages, consumers and redeliveries — and is traced
//! back into the simulation's own types ([`Report`], [`Trace`], [`Snapshot`])
//! so the two can be compared. How a board maps onto JetStream is in
//! `docs/live.md`.
//!
//! A run lives on its own thread with its own tokio runtime; the caller
//! never blocks except in [`LiveRun::wait`]. Live state arrives over a
//! crossbeam channel ([`LiveRun::updates`]).
//!
//! [`Snapshot`]: stormflow_core::sim::Snapshot

mod attempt;
mod broker;
mod envelope;
mod error;
mod ledger;
mod names;
mod nats;
mod pace;
mod plan;
mod record;
mod run;
mod sample;
mod send;
mod serve;
mod server;
mod shared;
mod source;
mod worker;

use std::path::PathBuf;
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
use stormflow_core::check::{Severity, check};
use stormflow_core::model::{ElementId, Model};
use stormflow_core::sim::{Report, SeriesDelta, SimError, Snapshot, Trace, TraceDelta};

pub use broker::{
    Broker, BrokerError, ConsumerSpec, ConsumerState, Delivery, Incoming, Published, Settle,
    StreamSpec,
};
pub use envelope::{Envelope, Headers};
pub use error::LiveError;
pub use nats::{ConnectionEvent, NatsBroker, check_url};
pub use record::Conservation;
pub use server::{LocalCluster, LocalServer, free_port, nats_server_available, spawn_local_server};

/// Where credentials come from: never the command line, never printed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Auth {
    /// No credentials.
    #[default]
    None,
    /// A token read from this environment variable.
    TokenEnv(String),
    /// A user and a password read from these environment variables.
    UserPasswordEnv {
        /// Variable holding the user name.
        user: String,
        /// Variable holding the password.
        password: String,
    },
    /// A NATS `.creds` file (JWT and NKey seed).
    CredsFile(PathBuf),
}

/// How to run a board live.
#[derive(Clone, Debug, PartialEq)]
pub struct LiveOptions {
    /// Server address, or several comma-separated (`nats://127.0.0.1:4222`).
    /// Only these are dialled: servers a cluster advertises are ignored.
    pub url: String,
    /// Model time to run for (none: the model's horizon).
    pub until_us: Option<u64>,
    /// Model seconds per real second (10: a minute of model in six seconds).
    pub speed: f64,
    /// Seed (none: the model's).
    pub seed: Option<u64>,
    /// Credentials.
    pub auth: Auth,
    /// Messages kept in the trace (none: the model's `trace_limit`).
    pub trace_limit: Option<u32>,
    /// Copies of every stream and consumer (3 on a three-node cluster).
    pub replicas: usize,
}

impl Default for LiveOptions {
    fn default() -> Self {
        LiveOptions {
            url: "nats://127.0.0.1:4222".into(),
            until_us: None,
            speed: 1.0,
            seed: None,
            auth: Auth::None,
            trace_limit: None,
            replicas: 1,
        }
    }
}

/// A command to a running live run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LiveControl {
    /// Take an element down: its consumers stop fetching, its requests find nobody.
    TakeDown(ElementId),
    /// Bring it back: it reads what waited for it.
    BringUp(ElementId),
    /// End the run now (it still settles and balances its books).
    Stop,
}

/// What a run is doing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LiveStatus {
    /// Dialling the server.
    Connecting,
    /// Creating streams and consumers.
    SettingUp,
    /// Messages flow.
    Running,
    /// Waiting, with the reason (the server went away).
    Paused(String),
    /// Finishing the attempts in progress and counting what waits.
    Stopping,
    /// Done.
    Finished,
    /// Ended with an error.
    Failed(String),
}

impl std::fmt::Display for LiveStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LiveStatus::Connecting => f.write_str("connecting"),
            LiveStatus::SettingUp => f.write_str("setting up streams and consumers"),
            LiveStatus::Running => f.write_str("running"),
            LiveStatus::Paused(why) => write!(f, "paused: {why}"),
            LiveStatus::Stopping => f.write_str("stopping: settling attempts in progress"),
            LiveStatus::Finished => f.write_str("finished"),
            LiveStatus::Failed(why) => write!(f, "failed: {why}"),
        }
    }
}

/// Something a running live run reports.
#[derive(Clone, Debug)]
pub enum LiveUpdate {
    /// The live state, about ten times a second.
    Snapshot(Box<Snapshot>),
    /// Trace rows recorded since the last delta, to apply to a mirror
    /// ([`Trace::apply`]); deltas arrive in order and none is skipped.
    Trace(TraceDelta),
    /// Points of the sampled series taken since the last delta, to apply
    /// to a mirror ([`stormflow_core::sim::Series::apply`]); in order, none
    /// skipped.
    Series(SeriesDelta),
    /// What the run is doing.
    Status(LiveStatus),
}

/// What a finished live run measured.
#[derive(Clone, Debug)]
pub struct LiveOutcome {
    /// Figures with the keys of `stormflow run --json`, from real measurements.
    pub report: Report,
    /// The trace rebuilt from the messages' headers.
    pub trace: Trace,
    /// The books balanced against JetStream's own accounting.
    pub conservation: Conservation,
    /// What the run could only approximate or had to skip, in words.
    pub notes: Vec<String>,
    /// Real time the run took.
    pub real_duration: Duration,
    /// Deliveries processed per real second.
    pub deliveries_per_sec: f64,
    /// Deliveries the run still remembered at the end to recognise a
    /// redelivery (applied effects, exactly-once output ids): only those
    /// JetStream had not yet acknowledged, so memory follows what is in
    /// flight, not the length of the run.
    pub remembered: u64,
    /// Element ids by trace index (for exports).
    pub element_ids: Vec<String>,
    /// Key names by trace key index (for exports).
    pub key_names: Vec<String>,
}

/// A live run on its own thread.
#[derive(Debug)]
pub struct LiveRun {
    updates: Receiver<LiveUpdate>,
    control: Sender<LiveControl>,
    /// Taken by [`LiveRun::wait`].
    thread: Option<JoinHandle<Result<LiveOutcome, LiveError>>>,
}

impl LiveRun {
    /// Live state as it happens; drain it regularly.
    pub fn updates(&self) -> &Receiver<LiveUpdate> {
        &self.updates
    }

    /// Sends a command to the run (ignored once it has ended).
    pub fn send(&self, control: LiveControl) {
        let _ = self.control.send(control);
    }

    /// Whether the run has ended.
    pub fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Waits for the run to end and returns what it measured.
    pub fn wait(mut self) -> Result<LiveOutcome, LiveError> {
        self.thread
            .take()
            .ok_or_else(|| LiveError::Runtime("the run was already waited for".into()))?
            .join()
            .map_err(|_| LiveError::Runtime("the run's thread panicked".into()))?
    }
}

impl Drop for LiveRun {
    /// A run nobody holds any more stops (its thread ends on its own after
    /// the stop's grace; nothing waits for it).
    fn drop(&mut self) {
        let _ = self.control.send(LiveControl::Stop);
    }
}

impl LiveOutcome {
    /// The run's trace with the names its indices refer to, for the trace
    /// exports (Chrome, OTLP) a simulated run also writes.
    pub fn trace_view(&self, seed: u64) -> stormflow_core::sim::export::TraceView<'_> {
        stormflow_core::sim::export::TraceView {
            trace: &self.trace,
            elements: self.element_ids.clone(),
            key_name: Box::new(|key| {
                self.key_names
                    .get(key as usize)
                    .cloned()
                    .unwrap_or_else(|| format!("key-{key}"))
            }),
            seed,
            end_us: self.report.virtual_time_us,
        }
    }
}

/// Checks the model and options, then starts the run on its own thread.
/// Connection problems (refused, bad credentials) come back from
/// [`LiveRun::wait`] and as a [`LiveStatus::Failed`] update.
pub fn start(model: &Model, options: LiveOptions) -> Result<LiveRun, LiveError> {
    check_url(&options.url)?;
    if !(options.speed.is_finite() && options.speed > 0.0 && options.speed <= 1_000.0) {
        return Err(LiveError::BadOption(format!(
            "speed {} is out of range: give a number above 0 and at most 1000",
            options.speed
        )));
    }
    if options.until_us == Some(0) {
        return Err(LiveError::BadOption(
            "the run must last longer than 0 s".into(),
        ));
    }
    let errors: Vec<_> = check(model)
        .into_iter()
        .filter(|p| p.severity == Severity::Error)
        .collect();
    if !errors.is_empty() {
        return Err(LiveError::Model(SimError::ModelErrors(errors)));
    }
    for fault in &model.faults {
        if !model.contains(&fault.element) {
            return Err(LiveError::Model(SimError::UnknownElement(
                fault.element.clone(),
            )));
        }
    }
    let (updates_tx, updates) = crossbeam_channel::unbounded();
    let (control, control_rx) = crossbeam_channel::unbounded();
    let model = model.clone();
    let thread = std::thread::Builder::new()
        .name("stormflow-live".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .thread_name("stormflow-live-io")
                .build()
                .map_err(|e| LiveError::Runtime(format!("cannot start the runtime: {e}")))?;
            let status = updates_tx.clone();
            let mut notes = run::unsupported(&model);
            let result = runtime.block_on(run::run_nats(model, options, updates_tx, control_rx));
            runtime.shutdown_timeout(Duration::from_secs(2));
            match result {
                Ok(mut outcome) => {
                    notes.append(&mut outcome.notes);
                    outcome.notes = notes;
                    Ok(outcome)
                }
                Err(e) => {
                    let _ = status.send(LiveUpdate::Status(LiveStatus::Failed(e.to_string())));
                    Err(e)
                }
            }
        })
        .map_err(|e| LiveError::Runtime(format!("cannot start the run's thread: {e}")))?;
    Ok(LiveRun {
        updates,
        control,
        thread: Some(thread),
    })
}
