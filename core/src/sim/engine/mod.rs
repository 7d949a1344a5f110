//! The engine: a model compiled into runtime tables, and the event loop
//! that runs it. Where to look:
//!
//! | file | what it holds |
//! |---|---|
//! | `queue.rs` | the event queue: a calendar of microsecond buckets and a heap beyond it |
//! | `ids.rs` | typed indices (`NodeIx`, `TopicIx`, `SubIx`, `SlotIx`, ...) and `Table` |
//! | `runtime.rs` | the runtime tables: nodes, routes, operators, messages, deliveries, actions |
//! | `compile.rs` | `Sim::new`: a model compiled in named steps |
//! | `broker.rs` | topics, partitions, logs, retention, consumer-group offsets, lag |
//! | `consumers.rs` | workers fetching deliveries, attempts, finishing and committing |
//! | `calls.rs` | synchronous calls, callbacks, webhooks and replies |
//! | `effects.rs` | operators, outputs, routing new messages, producing them |
//! | `failures.rs` | retries, dead letters, drops, stopped partitions |
//! | `sources.rs` | workload sources and their arrivals |
//! | `faults.rs` | scheduled faults: down, slow, failing, rate changes, replays |
//! | `observe.rs` | samples, snapshots, headline latency, operator state |
//! | `guards.rs` | stopping a run that spins, retries without end or outgrows its memory |
//!
//! One event is one [`Action`]; [`Sim::step`] pops it, dispatches it, then
//! lets every node that may have work (`dirty`) start attempts. The order of
//! events is (time, class, insertion), so a run is deterministic.

mod broker;
mod calls;
mod compile;
mod consumers;
mod effects;
mod failures;
mod faults;
mod guards;
mod ids;
mod observe;
pub mod queue;
mod runtime;
mod sources;

use std::collections::BTreeMap;

use super::metrics::{ElementMetrics, Latency, Series};
use super::trace::Trace;
use super::{MsgId, MsgKind, Time, Totals};
use crate::model::{ElementId, ElementKind, Fault};
use broker::{Sub, TopicRt};
use consumers::Attempt;
use guards::Guards;
pub use guards::{
    DEFAULT_MAX_MEMORY_BYTES, MAX_ATTEMPTS_OF_ONE_DELIVERY, MAX_CHAIN_DEPTH,
    MAX_EVENTS_AT_ONE_INSTANT, StopReason,
};
use ids::{NodeIx, ParkIx, SlotIx, SourceIx, SubIx, Table, TopicIx};
use queue::Queue;
use runtime::{Action, Item, Node, Route};
use sources::Source;

/// A running simulation of a model. Build it with [`Sim::new`], advance it
/// with [`Sim::step`], [`Sim::run_until`] or [`Sim::run_events`], and read it
/// with [`Sim::snapshot`], [`Sim::report`](Sim::report) and [`Sim::trace`].
#[derive(Debug)]
pub struct Sim {
    seed: u64,
    now: Time,
    events_done: u64,
    queue: Queue<Action>,
    nodes: Table<NodeIx, Node>,
    index: BTreeMap<ElementId, u32>,
    /// Where a message of each type goes, by its type's node.
    routes: Table<NodeIx, Route>,
    topics: Table<TopicIx, TopicRt>,
    /// Each node's topic, if it is one.
    topic_of: Table<NodeIx, TopicIx>,
    subs: Table<SubIx, Sub>,
    sources: Table<SourceIx, Source>,
    keys: super::keys::KeySpaces,
    /// Partition hash per key index (`u32::MAX`: not computed yet).
    key_hash: Vec<u32>,
    slots: Table<SlotIx, Attempt>,
    free_slots: Vec<SlotIx>,
    parked: Table<ParkIx, Option<Item>>,
    free_parked: Vec<ParkIx>,
    /// Requests of sources waiting for an answer: (source, when asked).
    source_calls: BTreeMap<u64, (NodeIx, Time)>,
    next_call: u64,
    next_id: MsgId,
    faults: Vec<Fault>,
    totals: Totals,
    drop_reasons: BTreeMap<String, u64>,
    trace: Trace,
    /// Nodes that may have work for an idle worker.
    dirty: Vec<NodeIx>,
    sample_every: Time,
    series: Series,
    interval_latency: Latency,
    last_sample_processed: u64,
    horizon: Time,
    scratch_outputs: Vec<(NodeIx, MsgKind)>,
    guards: Guards,
}

impl Sim {
    /// The seed of this run.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Current virtual time.
    pub fn now(&self) -> Time {
        self.now
    }

    /// The model's horizon (the run's default length).
    pub fn horizon(&self) -> Time {
        self.horizon
    }

    /// Events processed so far.
    pub fn events_processed(&self) -> u64 {
        self.events_done
    }

    /// The trace.
    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// Sampled series.
    pub fn series(&self) -> &Series {
        &self.series
    }

    /// Element ids by index (index = position in id order).
    pub fn element_ids(&self) -> impl Iterator<Item = &ElementId> + '_ {
        self.nodes.iter().map(|n| &n.id)
    }

    /// The id of element index `i`.
    pub fn element_id(&self, i: u32) -> Option<&ElementId> {
        self.nodes.get(NodeIx(i)).map(|n| &n.id)
    }

    /// The index of an element id.
    pub fn element_index(&self, id: &ElementId) -> Option<u32> {
        self.index.get(id).copied()
    }

    /// The kind of element index `i`.
    pub fn element_kind(&self, i: u32) -> Option<ElementKind> {
        self.nodes.get(NodeIx(i)).map(|n| n.kind)
    }

    /// Per-element metrics by index.
    pub fn element_metrics(&self, i: u32) -> Option<&ElementMetrics> {
        self.nodes.get(NodeIx(i)).map(|n| &n.metrics)
    }

    /// Names of the subscriptions, in the order of [`Series::lag`]: (topic index, group, consumer index).
    pub fn subscriptions(&self) -> Vec<(u32, String, u32)> {
        self.subs
            .iter()
            .map(|s| (self.topics[s.topic].node.0, s.group.clone(), s.node.0))
            .collect()
    }

    /// Drop reasons over the whole run, with counts.
    pub fn drop_reasons(&self) -> &BTreeMap<String, u64> {
        &self.drop_reasons
    }

    /// The faults scheduled in this run, in the order given.
    pub fn faults(&self) -> &[Fault] {
        &self.faults
    }

    /// The readable name of key index `key` (`customer-17`).
    pub fn key_name(&self, key: u32) -> String {
        self.keys.name(key)
    }

    /// Runs the next event; returns false when nothing is left to do or
    /// the run has stopped (see [`Sim::stopped`]).
    pub fn step(&mut self) -> bool {
        if self.guards.stopped.is_some() {
            return false;
        }
        let Some((now, action)) = self.queue.pop() else {
            return false;
        };
        self.now = now;
        self.events_done += 1;
        self.dispatch(action);
        self.drain_dirty();
        self.guard_event();
        true
    }

    /// Runs every event up to and including virtual time `t`, then sets the
    /// clock to `t` (unless the run stopped on the way: the clock stays
    /// where it stopped).
    pub fn run_until(&mut self, t: Time) {
        while self.next_event_time().is_some_and(|next| next <= t) {
            self.step();
        }
        if self.guards.stopped.is_none() {
            self.now = self.now.max(t);
        }
    }

    /// Runs at most `budget` events without passing virtual time `limit`;
    /// returns how many ran.
    pub fn run_events(&mut self, budget: u64, limit: Time) -> u64 {
        let mut done = 0;
        while done < budget && self.next_event_time().is_some_and(|next| next <= limit) {
            self.step();
            done += 1;
        }
        done
    }

    /// The time of the next event, if any (none once the run has stopped).
    pub fn next_event_time(&self) -> Option<Time> {
        if self.guards.stopped.is_some() {
            return None;
        }
        self.queue.peek_time()
    }

    /// Schedules `action` at `at` (never before now).
    #[inline]
    fn schedule(&mut self, at: Time, action: Action) {
        self.queue.push(at.max(self.now), action);
    }

    fn dispatch(&mut self, action: Action) {
        match action {
            Action::Arrival { source, generation } => self.on_arrival(source, generation),
            Action::Phase { slot, generation } => self.on_phase(slot, generation),
            Action::CallTimeout {
                slot,
                generation,
                call,
            } => self.on_call_timeout(slot, generation, call),
            Action::SourceCallTimeout { call } => self.on_source_call_timeout(call),
            Action::Wake { node } => self.mark_dirty(node),
            Action::RetryDue { node, parked } => self.on_retry_due(node, parked),
            Action::WindowClose { node, window } => self.on_window_close(node, window),
            Action::FaultStart(i) => self.on_fault(i, true),
            Action::FaultEnd(i) => self.on_fault(i, false),
            Action::Sample => self.on_sample(),
        }
    }

    /// Marks a node to look for work once the current event is done.
    fn mark_dirty(&mut self, node: NodeIx) {
        let n = &mut self.nodes[node];
        if !n.dirty {
            n.dirty = true;
            self.dirty.push(node);
        }
    }
}
