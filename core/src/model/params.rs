//! Simulation parameters carried by elements, and the model-wide run settings.
//!
//! Time is always an integer number of microseconds (`_us`); rates are per
//! second; probabilities are in `0.0..=1.0`. Defaults are chosen so that a
//! board drawn without touching any parameter still runs sensibly.

use serde::{Deserialize, Serialize};

use super::ElementId;

/// One microsecond of virtual time is the unit of every `_us` field.
pub type Micros = u64;

/// Microseconds in one second, for readable conversions.
pub const US_PER_SEC: Micros = 1_000_000;

/// How a source (actor or external system) generates messages.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Workload {
    /// When messages arrive.
    pub arrival: Arrival,
    /// How many distinct keys the messages spread over (the `eventKey` space).
    pub keys: u32,
    /// Keys are written `{key_prefix}-{n}`; by default the element's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_prefix: Option<String>,
    /// Virtual time of the first arrival.
    #[serde(skip_serializing_if = "is_zero")]
    pub start_us: Micros,
    /// No arrivals after this time (none: until the run's horizon).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_us: Option<Micros>,
    /// Share of messages that no consumer can process (poison), 0.0..=1.0.
    #[serde(skip_serializing_if = "is_zero_f64")]
    pub poison_rate: f64,
    /// Relative weights of the outgoing flows an arrival picks from, by
    /// target id; targets not named weigh 1.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mix: Vec<(ElementId, u32)>,
}

impl Default for Workload {
    fn default() -> Self {
        Self {
            arrival: Arrival::Poisson { per_sec: 10.0 },
            keys: 100,
            key_prefix: None,
            start_us: 0,
            stop_us: None,
            poison_rate: 0.0,
            mix: Vec::new(),
        }
    }
}

/// The arrival process of a workload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Arrival {
    /// One message every `1 / per_sec` seconds exactly.
    Constant {
        /// Messages per second.
        per_sec: f64,
    },
    /// Exponential gaps with mean `1 / per_sec` seconds.
    Poisson {
        /// Mean messages per second.
        per_sec: f64,
    },
    /// `size` messages at once, every `every_us`.
    Bursts {
        /// Gap between bursts.
        every_us: Micros,
        /// Messages in each burst.
        size: u32,
    },
}

impl Arrival {
    /// The long-run rate in messages per second.
    pub fn mean_per_sec(&self) -> f64 {
        match *self {
            Arrival::Constant { per_sec } | Arrival::Poisson { per_sec } => per_sec,
            Arrival::Bursts { every_us, size } => {
                if every_us == 0 {
                    0.0
                } else {
                    f64::from(size) * US_PER_SEC as f64 / every_us as f64
                }
            }
        }
    }
}

/// How a service, handler or consumer does its work.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Service {
    /// Workers that process in parallel (for a topic consumer: group members;
    /// each partition is read by one member at a time).
    pub instances: u32,
    /// Time one message takes.
    pub service_time: ServiceTime,
    /// Probability that an attempt fails transiently (a crash after the effect
    /// and before the commit), 0.0..=1.0.
    #[serde(skip_serializing_if = "is_zero_f64")]
    pub failure_rate: f64,
    /// What survives a failure.
    pub guarantee: Guarantee,
    /// How failed attempts are retried.
    pub retry: Retry,
    /// What happens when the retries are used up.
    pub on_exhausted: OnExhausted,
    /// Consumer group name on topics (none: the element's id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// How long a synchronous call made by this element waits for a reply.
    pub call_timeout_us: Micros,
}

impl Default for Service {
    fn default() -> Self {
        Self {
            instances: 1,
            service_time: ServiceTime::Exponential { mean_us: 2_000 },
            failure_rate: 0.0,
            guarantee: Guarantee::AtLeastOnce,
            retry: Retry::default(),
            on_exhausted: OnExhausted::Drop,
            group: None,
            call_timeout_us: US_PER_SEC,
        }
    }
}

/// The distribution of the time one message takes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ServiceTime {
    /// Always the same.
    Fixed {
        /// Duration of every message.
        us: Micros,
    },
    /// Uniform between two bounds, inclusive.
    Uniform {
        /// Shortest.
        min_us: Micros,
        /// Longest.
        max_us: Micros,
    },
    /// Exponential with the given mean (memoryless, like M/M/c queues).
    Exponential {
        /// Mean duration.
        mean_us: Micros,
    },
}

impl ServiceTime {
    /// The mean duration.
    pub fn mean_us(&self) -> Micros {
        match *self {
            ServiceTime::Fixed { us } => us,
            ServiceTime::Uniform { min_us, max_us } => min_us / 2 + max_us / 2,
            ServiceTime::Exponential { mean_us } => mean_us,
        }
    }
}

/// Delivery guarantee of a consumer (DESIGN.md section 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Guarantee {
    /// Commit, then process: a failure loses the message (counted as dropped).
    AtMostOnce,
    /// Process, then commit: a failure after the effect redelivers it
    /// (counted as a duplicate).
    AtLeastOnce,
    /// Effect and commit are one transaction: no loss, no duplicate effect.
    ExactlyOnce,
}

impl Guarantee {
    /// Every guarantee, weakest first.
    pub const ALL: [Guarantee; 3] = [
        Guarantee::AtMostOnce,
        Guarantee::AtLeastOnce,
        Guarantee::ExactlyOnce,
    ];

    /// How a person says it ("at-least-once").
    pub fn label(self) -> &'static str {
        match self {
            Guarantee::AtMostOnce => "at-most-once",
            Guarantee::AtLeastOnce => "at-least-once",
            Guarantee::ExactlyOnce => "exactly-once",
        }
    }
}

/// Retries of a failed attempt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Retry {
    /// Attempts in all, the first included (1: no retry).
    pub max_attempts: u32,
    /// Wait before each retry.
    pub backoff: Backoff,
}

impl Default for Retry {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            backoff: Backoff::Exponential {
                initial_us: 100_000,
                max_us: 5 * US_PER_SEC,
            },
        }
    }
}

/// The wait before a retry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Backoff {
    /// The same wait before every retry.
    Fixed {
        /// The wait.
        delay_us: Micros,
    },
    /// `initial_us`, doubled for each further retry, at most `max_us`.
    Exponential {
        /// Wait before the first retry.
        initial_us: Micros,
        /// Longest wait.
        max_us: Micros,
    },
}

impl Backoff {
    /// The wait before retry number `retry` (1 for the first retry).
    pub fn delay_us(&self, retry: u32) -> Micros {
        match *self {
            Backoff::Fixed { delay_us } => delay_us,
            Backoff::Exponential { initial_us, max_us } => {
                let doublings = retry.saturating_sub(1).min(40);
                initial_us.saturating_mul(1 << doublings).min(max_us)
            }
        }
    }
}

/// What a consumer does with a message whose retries are used up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OnExhausted {
    /// Give up on it: counted as dropped with the error as its reason
    /// (an exactly-once consumer stops the partition instead: it never drops).
    Drop,
    /// Move it to a dead-letter topic, with the error, the original topic,
    /// partition and offset in its headers.
    DeadLetter(ElementId),
    /// Stop reading the partition (an untreated poison message): its lag grows.
    StopPartition,
}

/// A topic's broker settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TopicSpec {
    /// Partition count; a key goes to `murmur2(key) % partitions`.
    pub partitions: u32,
    /// How long the log keeps messages.
    pub retention: Retention,
}

impl Default for TopicSpec {
    fn default() -> Self {
        Self {
            partitions: 4,
            retention: Retention::Forever,
        }
    }
}

/// What a topic's log keeps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Retention {
    /// Everything (an event-sourced ledger).
    Forever,
    /// Messages older than this are deleted, read or not.
    Time {
        /// Age at which a message is deleted.
        max_age_us: Micros,
    },
    /// Only the newest message per key (a table).
    Compact,
}

/// Event message pattern (DESIGN.md section 2): what travels with the event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum EventPattern {
    /// Event Notification: a thin message; consumers call back for the state.
    Notification,
    /// Event-Carried State: the whole state travels; no callbacks.
    CarriedState,
    /// Event Sourcing: a small delta appended to a ledger; replay rebuilds views.
    Sourced,
}

impl EventPattern {
    /// Every pattern.
    pub const ALL: [EventPattern; 3] = [
        EventPattern::Notification,
        EventPattern::CarriedState,
        EventPattern::Sourced,
    ];

    /// The short tag shown on a sticky (EN, ECS, ES).
    pub fn tag(self) -> &'static str {
        match self {
            EventPattern::Notification => "EN",
            EventPattern::CarriedState => "ECS",
            EventPattern::Sourced => "ES",
        }
    }

    /// The payload a message of this pattern carries unless overridden.
    pub fn default_payload_bytes(self) -> u32 {
        match self {
            EventPattern::Notification => 200,
            EventPattern::CarriedState => 2_000,
            EventPattern::Sourced => 120,
        }
    }
}

/// An event type's message settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EventSpec {
    /// What travels with the event.
    pub pattern: EventPattern,
    /// Payload size (none: the pattern's default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload_bytes: Option<u32>,
}

impl Default for EventSpec {
    fn default() -> Self {
        Self {
            pattern: EventPattern::CarriedState,
            payload_bytes: None,
        }
    }
}

impl EventSpec {
    /// The payload size a message of this event carries.
    pub fn payload_bytes(&self) -> u32 {
        self.payload_bytes
            .unwrap_or_else(|| self.pattern.default_payload_bytes())
    }
}

/// What a stream processor does with each message.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Operator {
    /// Pass on a share of the messages.
    Filter {
        /// Percentage kept, 0..=100.
        keep_percent: u32,
    },
    /// One message out per message in (map / project).
    #[default]
    Map,
    /// Look each message up through the processor's synchronous call, then pass it on.
    Enrich,
    /// Count messages per key in tumbling windows; emit one result per key per window.
    Aggregate {
        /// Window length.
        window_us: Micros,
    },
    /// Stream-table join: messages from the stream look up the newest message
    /// with the same key on the table topic; a match is emitted.
    Join {
        /// The topic read as a table.
        table: ElementId,
    },
    /// Fan-out: every message goes to every output.
    Split,
    /// Fan-in: messages from every input go to the one output.
    Merge,
}

impl Operator {
    /// The operator's name.
    pub fn label(&self) -> &'static str {
        match self {
            Operator::Filter { .. } => "filter",
            Operator::Map => "map",
            Operator::Enrich => "enrich",
            Operator::Aggregate { .. } => "aggregate",
            Operator::Join { .. } => "join",
            Operator::Split => "split",
            Operator::Merge => "merge",
        }
    }

    /// A one-character symbol drawn on the processor sticky.
    pub fn symbol(&self) -> &'static str {
        match self {
            Operator::Filter { .. } => "⊽",
            Operator::Map => "↦",
            Operator::Enrich => "⊕",
            Operator::Aggregate { .. } => "Σ",
            Operator::Join { .. } => "⋈",
            Operator::Split => "⋔",
            Operator::Merge => "⋃",
        }
    }
}

/// A processor's operator.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProcessorSpec {
    /// What it does with each message.
    pub operator: Operator,
}

/// Something that happens to an element at a virtual time during a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    /// The element it happens to.
    pub element: ElementId,
    /// When it starts.
    pub at_us: Micros,
    /// What happens.
    pub kind: FaultKind,
}

/// The kinds of scheduled fault and load change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum FaultKind {
    /// The element is down: it accepts nothing and its calls fail.
    Down {
        /// How long.
        for_us: Micros,
    },
    /// Every service time is multiplied by `factor`.
    Slow {
        /// Multiplier, 2 or more.
        factor: u32,
        /// How long.
        for_us: Micros,
    },
    /// Attempts fail with this probability.
    Failing {
        /// Failure probability, 0.0..=1.0.
        rate: f64,
        /// How long.
        for_us: Micros,
    },
    /// A workload's arrival rate changes to `per_sec` from then on.
    Rate {
        /// New mean rate.
        per_sec: f64,
    },
    /// A read model drops its view and rebuilds it by replaying its topics
    /// from the start (event sourcing's time machine).
    Replay,
}

impl Fault {
    /// When the fault's effect ends (none: it lasts).
    pub fn end_us(&self) -> Option<Micros> {
        match self.kind {
            FaultKind::Down { for_us }
            | FaultKind::Slow { for_us, .. }
            | FaultKind::Failing { for_us, .. } => Some(self.at_us.saturating_add(for_us)),
            FaultKind::Rate { .. } | FaultKind::Replay => None,
        }
    }
}

/// Model-wide run settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RunSettings {
    /// Seed of every random stream in the run.
    pub seed: u64,
    /// The run's default length in virtual time.
    pub horizon_us: Micros,
    /// Messages kept in the trace; later ones are counted but not recorded.
    pub trace_limit: u32,
    /// Interval between samples of queue depth and lag.
    pub sample_every_us: Micros,
}

impl Default for RunSettings {
    fn default() -> Self {
        Self {
            seed: 1,
            horizon_us: 60 * US_PER_SEC,
            trace_limit: 1_000_000,
            sample_every_us: 100_000,
        }
    }
}

/// One step of a guided tour through a sample.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TourStep {
    /// What to read.
    pub text: String,
    /// The element to highlight.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub element: Option<ElementId>,
    /// The fault the step asks for, applied to `element` at the current
    /// virtual time when the user presses the step's button.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<FaultKind>,
}

fn is_zero(value: &Micros) -> bool {
    *value == 0
}

fn is_zero_f64(value: &f64) -> bool {
    *value == 0.0
}
