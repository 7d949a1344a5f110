//! The simulation: a deterministic discrete-event engine with a built-in
//! broker, buses, synchronous calls, faults, a causation trace and metrics.
//!
//! Virtual time is an integer count of microseconds. Events are ordered by
//! (time, class, insertion sequence); one thread runs them; every random
//! draw comes from a per-component ChaCha8 stream. The same model and seed
//! give the same run, byte for byte. See DESIGN.md section 4.

mod engine;
pub mod export;
pub mod hash;
mod keys;
mod metrics;
mod murmur2;
pub mod random;
mod report;
pub mod trace;

use serde::Serialize;

pub use engine::queue;
pub use engine::{
    DEFAULT_MAX_MEMORY_BYTES, MAX_ATTEMPTS_OF_ONE_DELIVERY, MAX_CHAIN_DEPTH,
    MAX_EVENTS_AT_ONE_INSTANT, Sim, StopReason,
};
pub use keys::KeySpaces;
pub use metrics::{
    Counters, ElementMetrics, Latency, Percentiles, SamplePoint, Series, SeriesDelta,
};
pub use murmur2::{murmur2, partition_for};
pub use report::{ElementReport, ReadModelReport, Report, TotalsReport};
pub use trace::{AttemptRecord, DeadLetter, MessageRecord, Outcome, Trace, TraceDelta};

use crate::check::Problem;
use crate::model::ElementId;

/// Virtual time in microseconds.
pub type Time = u64;

/// A message id: dense, in creation order.
pub type MsgId = u64;

/// "No message": the causation of a root.
pub const NO_MSG: MsgId = u64::MAX;

/// Header bit: no consumer can process this message.
pub const FLAG_POISON: u8 = 1;
/// Header bit: a synchronous request (call, callback, webhook) whose sender waits.
pub const FLAG_SYNC: u8 = 2;
/// Header bit: a dead letter, with the error and origin in its headers.
pub const FLAG_DEAD_LETTER: u8 = 4;
/// Header bit: an error reply.
pub const FLAG_ERROR: u8 = 8;
/// Header bit: an Event Notification consumer calling back for the state.
pub const FLAG_CALLBACK: u8 = 16;
/// Header bit: a webhook delivery.
pub const FLAG_WEBHOOK: u8 = 32;

/// What a message is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MsgKind {
    /// A fact.
    Event,
    /// An intention (also a synchronous call that changes state).
    Command,
    /// A question.
    Query,
    /// The answer to a command call or query.
    Reply,
}

impl MsgKind {
    /// The kind's name.
    pub fn label(self) -> &'static str {
        match self {
            MsgKind::Event => "event",
            MsgKind::Command => "command",
            MsgKind::Query => "query",
            MsgKind::Reply => "reply",
        }
    }

    pub(crate) fn from_code(code: u8) -> MsgKind {
        match code {
            1 => MsgKind::Command,
            2 => MsgKind::Query,
            3 => MsgKind::Reply,
            _ => MsgKind::Event,
        }
    }
}

/// Options of a run beyond what the model says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SimOptions {
    /// Seed (none: the model's).
    pub seed: Option<u64>,
    /// Record the trace (on by default; off for raw throughput).
    pub trace_off: bool,
    /// Messages kept in the trace (none: the model's `trace_limit`).
    pub trace_limit: Option<u32>,
    /// The run's memory budget in bytes (none: [`DEFAULT_MAX_MEMORY_BYTES`]).
    pub max_memory_bytes: Option<u64>,
    /// Events at one instant before the run stops as a zero-time loop
    /// (none: [`MAX_EVENTS_AT_ONE_INSTANT`]).
    pub max_events_at_one_instant: Option<u64>,
    /// Attempts at one delivery before the run stops as runaway retries
    /// (none: [`MAX_ATTEMPTS_OF_ONE_DELIVERY`]).
    pub max_attempts_of_one_delivery: Option<u32>,
    /// Messages in one causation chain before the run stops as an endless
    /// loop (none: [`MAX_CHAIN_DEPTH`]).
    pub max_chain_depth: Option<u32>,
}

/// Why a model cannot run.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    /// The checks found errors; the run needs them fixed first.
    #[error("the model has {} error(s); fix them first:\n{}", .0.len(), .0.iter().map(|p| format!("  [{}] {}: {}", p.rule, p.element().map_or("-", |e| e.as_str()), p.message)).collect::<Vec<_>>().join("\n"))]
    ModelErrors(Vec<Problem>),
    /// A fault names an element the run does not know.
    #[error("no element has id `{0}`")]
    UnknownElement(ElementId),
    /// A fault that cannot apply to its element.
    #[error("{0}")]
    BadFault(String),
}

/// Delivery totals of a run. `deliveries_expected == processed + queued +
/// in_flight + dead_lettered + dropped` always holds (conservation); queued
/// and in-flight are counted from the queues themselves, not derived.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Messages created.
    pub messages_produced: u64,
    /// (message, receiver) pairs that should happen.
    pub deliveries_expected: u64,
    /// Deliveries processed and committed.
    pub processed: u64,
    /// Deliveries waiting in a log, a queue or for a retry.
    pub queued: u64,
    /// Deliveries being processed.
    pub in_flight: u64,
    /// Deliveries moved to a dead-letter topic.
    pub dead_lettered: u64,
    /// Deliveries lost, each with a reason.
    pub dropped: u64,
    /// Effects applied a second time (at-least-once redeliveries).
    pub duplicates: u64,
    /// Attempts that were retries or redeliveries.
    pub retries: u64,
    /// Deliveries made again by a replay.
    pub replayed: u64,
}

impl Totals {
    /// Whether every expected delivery is in exactly one state.
    pub fn conserved(&self) -> bool {
        self.deliveries_expected
            == self.processed + self.queued + self.in_flight + self.dead_lettered + self.dropped
    }
}

/// The live state of one element, cheap to read every frame.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ElementState {
    /// Deliveries waiting (queue plus lag of its subscriptions).
    pub queued: u64,
    /// Deliveries being processed.
    pub in_flight: u32,
    /// Workers.
    pub instances: u32,
    /// Counters so far.
    pub counters: Counters,
    /// Down by a fault.
    pub down: bool,
    /// Service-time multiplier from a fault (1: normal).
    pub slow_factor: u32,
    /// Extra failure probability from a fault.
    pub failing_rate: f64,
    /// A partition or queue of it has stopped on a poison message.
    pub stopped: bool,
}

/// One consumer group's position on a topic.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct GroupState {
    /// Group name.
    pub group: String,
    /// Element index of the consumer.
    pub consumer: u32,
    /// Lag per partition: end offset minus committed offset.
    pub lag: Vec<u64>,
    /// Partitions stopped on a poison message.
    pub stopped: Vec<bool>,
}

/// One topic's live state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TopicState {
    /// Element index of the topic.
    pub element: u32,
    /// End offset per partition.
    pub end_offsets: Vec<u64>,
    /// Messages retained per partition.
    pub retained: Vec<u64>,
    /// Its consumer groups.
    pub groups: Vec<GroupState>,
}

/// Inspectable operator state of a processor or read model.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct OperatorState {
    /// Element index.
    pub element: u32,
    /// What the state is ("window counts", "join table", "view").
    pub what: String,
    /// Entries (key name, value), at most 50, in key order.
    pub entries: Vec<(String, String)>,
    /// Entries in all.
    pub size: u64,
}

/// Everything the UI draws of a running model at one instant.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Snapshot {
    /// Virtual time.
    pub now: Time,
    /// Totals.
    pub totals: Totals,
    /// Headline latency p50: the sources' requests, else the slowest element.
    pub latency_p50_us: Time,
    /// Headline latency p99.
    pub latency_p99_us: Time,
    /// The largest consistency-window p99 over the read models (none: the
    /// model has no read model).
    pub consistency_p99_us: Option<Time>,
    /// Per element, by element index (elements in id order).
    pub elements: Vec<ElementState>,
    /// Per topic.
    pub topics: Vec<TopicState>,
    /// Processor and read model state.
    pub operators: Vec<OperatorState>,
    /// Messages in the trace.
    pub trace_len: u64,
    /// Set when the trace stopped recording.
    pub trace_truncated_at: Option<u64>,
    /// Events processed by the engine so far.
    pub events: u64,
}
