//! The runtime tables a model compiles into: nodes (elements), their
//! outputs and operators, routes by message type, messages and deliveries,
//! and the actions the event queue carries.

use std::collections::{BTreeMap, VecDeque};

use super::super::metrics::{ElementMetrics, Latency};
use super::super::random::Stream;
use super::super::{MsgId, MsgKind, Time};
use super::ids::{NodeIx, ParkIx, SlotIx, SourceIx, SubIx, TopicIx};
use super::queue::Classed;
use crate::model::{ElementId, ElementKind, EventPattern, Service};

/// A message travelling through the run.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Msg {
    pub(crate) id: MsgId,
    /// The element that defines its type.
    pub(crate) ty: NodeIx,
    pub(crate) kind: MsgKind,
    pub(crate) flags: u8,
    pub(crate) key: u32,
    pub(crate) created: Time,
    /// Creation time of the root of its chain (end-to-end latency starts there).
    pub(crate) root_time: Time,
    pub(crate) causation: MsgId,
    pub(crate) correlation: MsgId,
    pub(crate) source: NodeIx,
    pub(crate) size: u32,
    /// Messages between the root of its chain and it (0 for a root): only
    /// a loop makes chains long.
    pub(crate) depth: u32,
}

/// Where a delivery came from, to commit, rewind or stop it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A node's own queue (commands, direct events, requests).
    Fifo,
    /// A partition of a topic read by a subscription.
    Partition { sub: SubIx, part: u32, offset: u64 },
}

/// Who waits for the outcome of a delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ReplyTo {
    Nobody,
    /// An attempt blocked on a synchronous call.
    Attempt {
        slot: SlotIx,
        generation: u32,
        call: u32,
    },
    /// A source waiting for the answer to its request.
    Source {
        call: u64,
    },
}

/// One delivery on its way through a consumer.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Item {
    pub(crate) msg: Msg,
    pub(crate) origin: Origin,
    /// Attempt number, from 1.
    pub(crate) attempt: u32,
    /// Failed attempts so far.
    pub(crate) failures: u32,
    /// The effect was applied by an earlier attempt (a redelivery).
    pub(crate) effected: bool,
    pub(crate) reply_to: ReplyTo,
    /// When it became available to the consumer.
    pub(crate) enqueued: Time,
}

impl Item {
    /// A fresh delivery into a node's queue.
    pub(crate) fn fifo(msg: Msg, now: Time) -> Item {
        Item {
            msg,
            origin: Origin::Fifo,
            attempt: 1,
            failures: 0,
            effected: false,
            reply_to: ReplyTo::Nobody,
            enqueued: now,
        }
    }
}

/// The `on` filter value meaning "its own workload's arrivals": no message
/// type, so it matches no input (see [`crate::model::Flow::on`]).
pub(crate) const OWN_ARRIVALS: NodeIx = NodeIx(u32::MAX - 1);

/// An output flow: the message type it produces and the inputs it applies to.
#[derive(Clone, Debug)]
pub(crate) struct Out {
    pub(crate) ty: NodeIx,
    /// Input types it applies to (empty: all).
    pub(crate) on: Vec<NodeIx>,
}

impl Out {
    pub(crate) fn applies_to(&self, input_ty: NodeIx) -> bool {
        self.on.is_empty() || self.on.contains(&input_ty)
    }
}

/// A synchronous call flow.
#[derive(Clone, Debug)]
pub(crate) struct CallOut {
    /// The request's type.
    pub(crate) ty: NodeIx,
    pub(crate) callee: NodeIx,
    pub(crate) kind: MsgKind,
    /// Input types it applies to (empty: all).
    pub(crate) on: Vec<NodeIx>,
}

/// One key's state in a windowed aggregate.
#[derive(Debug, Default)]
pub(crate) struct AggState {
    pub(crate) count: u64,
    pub(crate) last: Option<Msg>,
    /// Earlier messages of the window the result links to.
    pub(crate) contributors: Vec<MsgId>,
}

/// A processor's operator at run time.
#[derive(Debug)]
pub(crate) enum Op {
    Pass,
    /// Keep this percentage.
    Filter(u32),
    Aggregate {
        window_us: Time,
        state: BTreeMap<u32, AggState>,
        /// The window whose close is scheduled.
        scheduled: Option<u64>,
    },
    Join {
        table_topic: TopicIx,
        /// Newest message per key on the table topic.
        table: BTreeMap<u32, MsgId>,
    },
}

/// An element at run time.
#[derive(Debug)]
pub(crate) struct Node {
    pub(crate) id: ElementId,
    pub(crate) kind: ElementKind,
    pub(crate) service: Service,
    pub(crate) pattern: Option<EventPattern>,
    /// Payload of a message of this type.
    pub(crate) payload: u32,
    pub(crate) rng: Stream,
    /// The attempt each worker runs (`SlotIx::NONE`: idle).
    pub(crate) workers: Vec<SlotIx>,
    /// Workers with nothing to do (the number of `NONE` in `workers`).
    pub(crate) idle: u32,
    /// The (subscription, partition) pairs each worker reads.
    pub(crate) worker_parts: Vec<Vec<(SubIx, u32)>>,
    pub(crate) fifo: VecDeque<Item>,
    /// The queue stopped on a poison message.
    pub(crate) fifo_stopped: bool,
    /// Deliveries parked for a retry.
    pub(crate) parked: u32,
    pub(crate) subs: Vec<SubIx>,
    pub(crate) emits: Vec<Out>,
    pub(crate) triggers: Vec<Out>,
    pub(crate) calls: Vec<CallOut>,
    pub(crate) op: Op,
    /// A read model's view: newest message per key and when it became visible.
    pub(crate) view: BTreeMap<u32, (MsgId, Time)>,
    /// Outages in effect (nested faults add up).
    pub(crate) down: u32,
    /// Service-time multiplier.
    pub(crate) slow: u32,
    /// Extra failure probability.
    pub(crate) failing: f64,
    pub(crate) metrics: ElementMetrics,
    pub(crate) interval_consistency: Latency,
    /// Queued in `Sim::dirty` to look for work.
    pub(crate) dirty: bool,
}

/// Where a message of one type goes.
#[derive(Clone, Debug, Default)]
pub(crate) struct Route {
    pub(crate) topics: Vec<TopicIx>,
    /// Consumers on the in-memory bus.
    pub(crate) direct: Vec<NodeIx>,
    pub(crate) webhooks: Vec<NodeIx>,
    /// The one handler of a command or query.
    pub(crate) handler: Option<NodeIx>,
}

/// What the event queue carries.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Action {
    FaultStart(u32),
    FaultEnd(u32),
    /// The end of an attempt's service time.
    Phase {
        slot: SlotIx,
        generation: u32,
    },
    CallTimeout {
        slot: SlotIx,
        generation: u32,
        call: u32,
    },
    SourceCallTimeout {
        call: u64,
    },
    /// A node may have work again (a backoff ended).
    Wake {
        node: NodeIx,
    },
    RetryDue {
        node: NodeIx,
        parked: ParkIx,
    },
    Arrival {
        source: SourceIx,
        generation: u32,
    },
    WindowClose {
        node: NodeIx,
        window: u64,
    },
    Sample,
}

impl Classed for Action {
    /// Faults first, then ends of service, timeouts, wake-ups, arrivals,
    /// window closes and samples, at the same microsecond.
    #[inline]
    fn class(&self) -> u8 {
        match self {
            Action::FaultStart(_) | Action::FaultEnd(_) => 0,
            Action::Phase { .. } => 1,
            Action::CallTimeout { .. } | Action::SourceCallTimeout { .. } => 2,
            Action::Wake { .. } | Action::RetryDue { .. } => 3,
            Action::Arrival { .. } => 4,
            Action::WindowClose { .. } => 5,
            Action::Sample => 6,
        }
    }
}
