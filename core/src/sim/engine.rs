//! The engine: runtime structures compiled from a model, and the event loop.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, VecDeque};

use super::metrics::{ElementMetrics, Latency, SamplePoint, Series};
use super::random::Stream;
use super::trace::{AttemptRecord, DeadLetter, MessageRecord, Outcome, Trace};
use super::{
    ElementState, FLAG_CALLBACK, FLAG_DEAD_LETTER, FLAG_ERROR, FLAG_POISON, FLAG_SYNC,
    FLAG_WEBHOOK, GroupState, MsgId, MsgKind, NO_MSG, OperatorState, SimError, SimOptions,
    Snapshot, Time, TopicState, Totals,
};
use crate::check::{Severity, check};
use crate::model::{
    Arrival, ElementId, ElementKind, EventPattern, Fault, FaultKind, FlowKind, Guarantee, Model,
    OnExhausted, Operator, Retention, Service, US_PER_SEC,
};

const IDLE: u32 = u32::MAX;
const NO_TOPIC: u32 = u32::MAX;
/// The `on` filter value of "its own workload's arrivals": no message type.
const OWN_ARRIVALS: u32 = u32::MAX - 1;
/// Keys whose partition hash is cached (beyond this they are hashed each time).
const KEY_HASH_CACHE: usize = 1 << 22;
/// A partition forgets what every group has read once per this many commits.
const TRIM_EVERY: u32 = 32;
/// Most contributors a fan-in result links to.
const MAX_LINKS: usize = 32;

/// A message travelling through the run.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Msg {
    id: MsgId,
    ty: u32,
    kind: MsgKind,
    flags: u8,
    key: u32,
    created: Time,
    root_time: Time,
    causation: MsgId,
    correlation: MsgId,
    source: u32,
    size: u32,
}

/// Where a delivery came from, to commit, rewind or stop it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Origin {
    Fifo,
    Partition { sub: u32, part: u32, offset: u64 },
}

/// Who waits for the outcome of a delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ReplyTo {
    Nobody,
    Attempt {
        slot: u32,
        generation: u32,
        call: u32,
    },
    Source {
        call: u64,
    },
}

/// One delivery on its way through a consumer.
#[derive(Clone, Copy, Debug)]
struct Item {
    msg: Msg,
    origin: Origin,
    attempt: u32,
    failures: u32,
    effected: bool,
    reply_to: ReplyTo,
    enqueued: Time,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Callback,
    Work,
    Calls,
    Webhooks,
}

/// A consumer's attempt at one delivery.
#[derive(Debug)]
struct Attempt {
    live: bool,
    generation: u32,
    node: u32,
    worker: u32,
    item: Item,
    started: Time,
    phase: Phase,
    call_cursor: usize,
    webhooks: Vec<(u32, Msg)>,
    webhook_cursor: usize,
    waiting: Option<(u32, u32)>,
    crash: bool,
}

/// An output flow: the message type it produces and the inputs it applies to.
#[derive(Clone, Debug)]
struct Out {
    ty: u32,
    on: Vec<u32>,
}

impl Out {
    fn applies_to(&self, input_ty: u32) -> bool {
        self.on.is_empty() || self.on.contains(&input_ty)
    }
}

/// A synchronous call flow.
#[derive(Clone, Debug)]
struct CallOut {
    ty: u32,
    callee: u32,
    kind: MsgKind,
    on: Vec<u32>,
}

#[derive(Debug, Default)]
struct AggState {
    count: u64,
    last: Option<Msg>,
    contributors: Vec<MsgId>,
}

#[derive(Debug)]
enum Op {
    Pass,
    Filter(u32),
    Aggregate {
        window_us: Time,
        state: BTreeMap<u32, AggState>,
        scheduled: Option<u64>,
    },
    Join {
        table_topic: u32,
        table: BTreeMap<u32, MsgId>,
    },
}

/// An element at run time.
#[derive(Debug)]
struct Node {
    id: ElementId,
    kind: ElementKind,
    service: Service,
    pattern: Option<EventPattern>,
    payload: u32,
    rng: Stream,
    workers: Vec<u32>,
    /// Workers with nothing to do (the number of `IDLE` in `workers`).
    idle: u32,
    worker_parts: Vec<Vec<(u32, u32)>>,
    fifo: VecDeque<Item>,
    fifo_stopped: bool,
    parked: u32,
    subs: Vec<u32>,
    emits: Vec<Out>,
    triggers: Vec<Out>,
    calls: Vec<CallOut>,
    op: Op,
    view: BTreeMap<u32, (MsgId, Time)>,
    down: u32,
    slow: u32,
    failing: f64,
    metrics: ElementMetrics,
    interval_consistency: Latency,
    dirty: bool,
}

/// Where a message of one type goes.
#[derive(Clone, Debug, Default)]
struct Route {
    topics: Vec<u32>,
    direct: Vec<u32>,
    webhooks: Vec<u32>,
    handler: Option<u32>,
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    msg: Msg,
    appended: Time,
}

#[derive(Debug, Default)]
struct Partition {
    base: u64,
    log: VecDeque<Entry>,
    /// Commits since the read part of the log was last forgotten.
    commits_since_trim: u32,
}

impl Partition {
    fn end(&self) -> u64 {
        self.base + self.log.len() as u64
    }

    fn get(&self, offset: u64) -> Option<&Entry> {
        offset
            .checked_sub(self.base)
            .and_then(|i| self.log.get(i as usize))
    }
}

#[derive(Debug)]
struct TopicRt {
    node: u32,
    partitions: Vec<Partition>,
    subs: Vec<u32>,
    retention: Retention,
    keep_all: bool,
}

#[derive(Clone, Debug, Default)]
struct SubPart {
    next: u64,
    inflight: Option<u64>,
    blocked_until: Time,
    stopped: bool,
    failures: u32,
    effected: bool,
    attempt: u32,
    skip: BTreeSet<u64>,
}

#[derive(Debug)]
struct Sub {
    topic: u32,
    node: u32,
    group: String,
    parts: Vec<SubPart>,
}

#[derive(Clone, Debug)]
struct SourceTarget {
    flow: FlowKind,
    ty: u32,
    weight: u64,
    callee: Option<u32>,
    kind: MsgKind,
}

#[derive(Debug)]
struct Source {
    node: u32,
    arrival: Arrival,
    keys: u32,
    key_base: u32,
    start: Time,
    stop: Option<Time>,
    poison_rate: f64,
    targets: Vec<SourceTarget>,
    total_weight: u64,
    rng: Stream,
    generation: u32,
}

#[derive(Clone, Copy, Debug)]
enum Action {
    FaultStart(u32),
    FaultEnd(u32),
    Phase {
        slot: u32,
        generation: u32,
    },
    CallTimeout {
        slot: u32,
        generation: u32,
        call: u32,
    },
    SourceCallTimeout {
        call: u64,
    },
    Wake {
        node: u32,
    },
    RetryDue {
        node: u32,
        parked: u32,
    },
    Arrival {
        source: u32,
        generation: u32,
    },
    WindowClose {
        node: u32,
        window: u64,
    },
    Sample,
}

impl Action {
    fn class(self) -> u64 {
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

/// A scheduled event: ordered by (time, class, insertion sequence).
#[derive(Debug)]
struct Ev {
    key: u128,
    action: Action,
}

impl PartialEq for Ev {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Ev {}
impl PartialOrd for Ev {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ev {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key.cmp(&other.key)
    }
}

/// A running simulation of a model. Build it with [`Sim::new`], advance it
/// with [`Sim::step`], [`Sim::run_until`] or [`Sim::run_events`], and read it
/// with [`Sim::snapshot`], [`Sim::report`](Sim::report) and [`Sim::trace`].
#[derive(Debug)]
pub struct Sim {
    seed: u64,
    now: Time,
    seq: u64,
    events_done: u64,
    queue: BinaryHeap<Reverse<Ev>>,
    nodes: Vec<Node>,
    index: BTreeMap<ElementId, u32>,
    routes: Vec<Route>,
    topics: Vec<TopicRt>,
    topic_of: Vec<u32>,
    subs: Vec<Sub>,
    sources: Vec<Source>,
    keys: super::keys::KeySpaces,
    key_hash: Vec<u32>,
    slots: Vec<Attempt>,
    free_slots: Vec<u32>,
    parked: Vec<Option<Item>>,
    free_parked: Vec<u32>,
    source_calls: BTreeMap<u64, (u32, Time)>,
    next_call: u64,
    next_id: MsgId,
    faults: Vec<Fault>,
    totals: Totals,
    drop_reasons: BTreeMap<String, u64>,
    trace: Trace,
    tracing: bool,
    dirty: Vec<u32>,
    sample_every: Time,
    series: Series,
    interval_latency: Latency,
    last_sample_processed: u64,
    horizon: Time,
    scratch_outputs: Vec<(u32, MsgKind)>,
}

impl Sim {
    /// Compiles a model into a run. Refuses a model whose checks report errors.
    pub fn new(model: &Model, options: &SimOptions) -> Result<Sim, SimError> {
        let errors: Vec<_> = check(model)
            .into_iter()
            .filter(|p| p.severity == Severity::Error)
            .collect();
        if !errors.is_empty() {
            return Err(SimError::ModelErrors(errors));
        }
        let seed = options.seed.unwrap_or(model.run.seed);
        let index: BTreeMap<ElementId, u32> = model
            .ids()
            .enumerate()
            .map(|(i, id)| (id.clone(), i as u32))
            .collect();
        let idx = |id: &ElementId| index.get(id).copied();

        let mut nodes: Vec<Node> = model
            .elements()
            .enumerate()
            .map(|(i, element)| {
                let service = element.service_or_default();
                let instances = service.instances.max(1) as usize;
                let pattern = (element.kind == ElementKind::Event)
                    .then(|| element.event_or_default().pattern);
                let payload = match element.kind {
                    ElementKind::Event => element.event_or_default().payload_bytes(),
                    ElementKind::Command => 300,
                    _ => 150,
                };
                Node {
                    id: element.id.clone(),
                    kind: element.kind,
                    service,
                    pattern,
                    payload,
                    rng: Stream::new(seed, 1_000_000 + i as u64),
                    workers: vec![IDLE; instances],
                    idle: instances as u32,
                    worker_parts: vec![Vec::new(); instances],
                    fifo: VecDeque::new(),
                    fifo_stopped: false,
                    parked: 0,
                    subs: Vec::new(),
                    emits: Vec::new(),
                    triggers: Vec::new(),
                    calls: Vec::new(),
                    op: Op::Pass,
                    view: BTreeMap::new(),
                    down: 0,
                    slow: 1,
                    failing: 0.0,
                    metrics: ElementMetrics::default(),
                    interval_consistency: Latency::default(),
                    dirty: false,
                }
            })
            .collect();

        let mut routes = vec![Route::default(); nodes.len()];
        let mut topics = Vec::new();
        let mut topic_of = vec![NO_TOPIC; nodes.len()];
        for element in model.elements().filter(|e| e.kind == ElementKind::Topic) {
            let Some(node) = idx(&element.id) else {
                continue;
            };
            let spec = element.topic_or_default();
            topic_of[node as usize] = topics.len() as u32;
            topics.push(TopicRt {
                node,
                partitions: (0..spec.partitions.max(1))
                    .map(|_| Partition::default())
                    .collect(),
                subs: Vec::new(),
                keep_all: matches!(spec.retention, Retention::Compact),
                retention: spec.retention,
            });
        }

        let replay_targets: BTreeSet<&ElementId> = model
            .faults
            .iter()
            .filter(|f| matches!(f.kind, FaultKind::Replay))
            .map(|f| &f.element)
            .collect();
        let mut subs: Vec<Sub> = Vec::new();
        for flow in model.sorted_flows() {
            let (Some(from), Some(to)) = (idx(&flow.from), idx(&flow.to)) else {
                continue;
            };
            // An `on` entry naming the flow's own source means its workload's
            // arrivals, which are not an input type: it never matches one.
            let on: Vec<u32> = flow
                .on
                .iter()
                .filter_map(idx)
                .map(|input| if input == from { OWN_ARRIVALS } else { input })
                .collect();
            let (from_kind, to_kind) = (nodes[from as usize].kind, nodes[to as usize].kind);
            match flow.kind {
                FlowKind::HandledBy | FlowKind::Reads => routes[from as usize].handler = Some(to),
                FlowKind::Emits => nodes[from as usize].emits.push(Out { ty: to, on }),
                FlowKind::Triggers => nodes[from as usize].triggers.push(Out { ty: to, on }),
                FlowKind::PublishedTo => routes[from as usize].topics.push(topic_of[to as usize]),
                FlowKind::Updates => routes[from as usize].direct.push(to),
                FlowKind::ConsumedBy if from_kind == ElementKind::Event => {
                    routes[from as usize].direct.push(to)
                }
                FlowKind::ConsumedBy => {
                    let topic = topic_of[from as usize];
                    if topic == NO_TOPIC {
                        continue;
                    }
                    let group = nodes[to as usize]
                        .service
                        .group
                        .clone()
                        .unwrap_or_else(|| nodes[to as usize].id.to_string());
                    let partitions = topics[topic as usize].partitions.len();
                    let sub = subs.len() as u32;
                    subs.push(Sub {
                        topic,
                        node: to,
                        group,
                        parts: vec![SubPart::default(); partitions],
                    });
                    topics[topic as usize].subs.push(sub);
                    nodes[to as usize].subs.push(sub);
                    let replayable = to_kind == ElementKind::ReadModel
                        && (replay_targets.contains(&flow.to)
                            || matches!(topics[topic as usize].retention, Retention::Forever));
                    if replayable {
                        topics[topic as usize].keep_all = true;
                    }
                }
                FlowKind::Webhook => routes[from as usize].webhooks.push(to),
                FlowKind::Call => {
                    let (callee, kind) = match to_kind {
                        ElementKind::Command => (None, MsgKind::Command),
                        ElementKind::Query => (None, MsgKind::Query),
                        ElementKind::ReadModel => (Some(to), MsgKind::Query),
                        _ => (Some(to), MsgKind::Command),
                    };
                    nodes[from as usize].calls.push(CallOut {
                        ty: to,
                        callee: callee.unwrap_or(u32::MAX),
                        kind,
                        on,
                    });
                }
                FlowKind::Issues => {}
            }
        }
        // Calls to a command or query go to its handler.
        for node in nodes.iter_mut() {
            for call in node.calls.iter_mut() {
                if call.callee == u32::MAX {
                    call.callee = routes[call.ty as usize].handler.unwrap_or(u32::MAX);
                }
            }
            node.calls.retain(|call| call.callee != u32::MAX);
        }
        // Each worker of a consumer owns a share of its partitions.
        for node in nodes.iter_mut() {
            let workers = node.workers.len();
            let mut n = 0usize;
            for sub in &node.subs {
                for part in 0..subs[*sub as usize].parts.len() {
                    node.worker_parts[n % workers].push((*sub, part as u32));
                    n += 1;
                }
            }
        }
        // Operators.
        for element in model
            .elements()
            .filter(|e| e.kind == ElementKind::Processor)
        {
            let Some(node) = idx(&element.id) else {
                continue;
            };
            nodes[node as usize].op = match element.operator() {
                Operator::Filter { keep_percent } => Op::Filter(keep_percent.min(100)),
                Operator::Aggregate { window_us } => Op::Aggregate {
                    window_us: window_us.max(1),
                    state: BTreeMap::new(),
                    scheduled: None,
                },
                Operator::Join { table } => Op::Join {
                    table_topic: idx(&table).map_or(NO_TOPIC, |t| topic_of[t as usize]),
                    table: BTreeMap::new(),
                },
                Operator::Map | Operator::Enrich | Operator::Split | Operator::Merge => Op::Pass,
            };
        }
        // Sources.
        let mut sources = Vec::new();
        let keys = super::keys::KeySpaces::of(model);
        for element in model.elements() {
            let Some(workload) = &element.workload else {
                continue;
            };
            let Some(node) = idx(&element.id) else {
                continue;
            };
            let weight_of = |target: &ElementId| -> u64 {
                workload
                    .mix
                    .iter()
                    .find(|(id, _)| id == target)
                    .map_or(1, |(_, w)| u64::from(*w))
            };
            let mut targets = Vec::new();
            for flow in model.outgoing(&element.id) {
                let Some(ty) = idx(&flow.to) else { continue };
                let to_kind = nodes[ty as usize].kind;
                let target = match flow.kind {
                    FlowKind::Issues => SourceTarget {
                        flow: flow.kind,
                        ty,
                        weight: weight_of(&flow.to),
                        callee: routes[ty as usize].handler,
                        kind: if to_kind == ElementKind::Query {
                            MsgKind::Query
                        } else {
                            MsgKind::Command
                        },
                    },
                    FlowKind::Emits => SourceTarget {
                        flow: flow.kind,
                        ty,
                        weight: weight_of(&flow.to),
                        callee: None,
                        kind: MsgKind::Event,
                    },
                    FlowKind::Call => {
                        let Some(call) = nodes[node as usize].calls.iter().find(|c| c.ty == ty)
                        else {
                            continue;
                        };
                        SourceTarget {
                            flow: flow.kind,
                            ty,
                            weight: weight_of(&flow.to),
                            callee: Some(call.callee),
                            kind: call.kind,
                        }
                    }
                    _ => continue,
                };
                if target.weight > 0 {
                    targets.push(target);
                }
            }
            let size = workload.keys.max(1);
            let prefix = workload
                .key_prefix
                .clone()
                .unwrap_or_else(|| element.id.to_string());
            let source_key_base = keys.base(&prefix).unwrap_or(0);
            let total_weight = targets.iter().map(|t| t.weight).sum();
            sources.push(Source {
                node,
                arrival: workload.arrival.clone(),
                keys: size,
                key_base: source_key_base,
                start: workload.start_us,
                stop: workload.stop_us,
                poison_rate: workload.poison_rate,
                targets,
                total_weight,
                rng: Stream::new(seed, sources.len() as u64),
                generation: 0,
            });
        }

        let trace_limit = options.trace_limit.unwrap_or(model.run.trace_limit);
        let expected_messages = sources
            .iter()
            .map(|s| s.arrival.mean_per_sec() * model.run.horizon_us as f64 / 1e6 * 4.0)
            .sum::<f64>()
            .min(1e7) as usize;
        let mut sim = Sim {
            seed,
            now: 0,
            seq: 0,
            events_done: 0,
            queue: BinaryHeap::new(),
            routes,
            topic_of,
            index,
            topics,
            subs,
            sources,
            key_hash: vec![u32::MAX; (keys.total() as usize).min(KEY_HASH_CACHE)],
            keys,
            slots: Vec::new(),
            free_slots: Vec::new(),
            parked: Vec::new(),
            free_parked: Vec::new(),
            source_calls: BTreeMap::new(),
            next_call: 0,
            next_id: 0,
            faults: Vec::new(),
            totals: Totals::default(),
            drop_reasons: BTreeMap::new(),
            trace: Trace::new(
                if options.trace_off { 0 } else { trace_limit },
                if options.trace_off {
                    0
                } else {
                    expected_messages
                },
            ),
            tracing: !options.trace_off,
            dirty: Vec::new(),
            sample_every: model.run.sample_every_us.max(1),
            series: Series::default(),
            interval_latency: Latency::default(),
            last_sample_processed: 0,
            horizon: model.run.horizon_us,
            scratch_outputs: Vec::new(),
            nodes,
        };
        sim.series.queue_depth = vec![Vec::new(); sim.nodes.len()];
        sim.series.lag = vec![Vec::new(); sim.subs.len()];
        sim.series.consistency_p99 = vec![Vec::new(); sim.nodes.len()];
        for source in 0..sim.sources.len() {
            let start = sim.sources[source].start;
            sim.schedule(
                start,
                Action::Arrival {
                    source: source as u32,
                    generation: 0,
                },
            );
        }
        for fault in &model.faults {
            sim.inject(fault.clone())?;
        }
        let every = sim.sample_every;
        sim.schedule(every, Action::Sample);
        Ok(sim)
    }

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
        self.nodes.get(i as usize).map(|n| &n.id)
    }

    /// The index of an element id.
    pub fn element_index(&self, id: &ElementId) -> Option<u32> {
        self.index.get(id).copied()
    }

    /// The kind of element index `i`.
    pub fn element_kind(&self, i: u32) -> Option<ElementKind> {
        self.nodes.get(i as usize).map(|n| n.kind)
    }

    /// Per-element metrics by index.
    pub fn element_metrics(&self, i: u32) -> Option<&ElementMetrics> {
        self.nodes.get(i as usize).map(|n| &n.metrics)
    }

    /// Names of the subscriptions, in the order of [`Series::lag`]: (topic index, group, consumer index).
    pub fn subscriptions(&self) -> Vec<(u32, String, u32)> {
        self.subs
            .iter()
            .map(|s| (self.topics[s.topic as usize].node, s.group.clone(), s.node))
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

    /// Totals, with queued and in-flight counted from the queues themselves.
    pub fn totals(&self) -> Totals {
        let mut totals = self.totals;
        let (queued, in_flight) = self.count_waiting();
        totals.queued = queued;
        totals.in_flight = in_flight;
        totals
    }

    fn count_waiting(&self) -> (u64, u64) {
        let mut queued = 0u64;
        for node in &self.nodes {
            queued += node.fifo.len() as u64 + u64::from(node.parked);
        }
        for sub in &self.subs {
            let topic = &self.topics[sub.topic as usize];
            for (p, part) in sub.parts.iter().enumerate() {
                queued += part_queued(part, &topic.partitions[p]);
            }
        }
        let in_flight = self.slots.iter().filter(|a| a.live).count() as u64;
        (queued, in_flight)
    }

    /// Schedules a fault (at its own time, or now if that has passed).
    pub fn inject(&mut self, fault: Fault) -> Result<(), SimError> {
        let node = self
            .element_index(&fault.element)
            .ok_or_else(|| SimError::UnknownElement(fault.element.clone()))?;
        let kind = self.nodes[node as usize].kind;
        let fits = match fault.kind {
            FaultKind::Rate { .. } => self.sources.iter().any(|s| s.node == node),
            FaultKind::Replay => kind == ElementKind::ReadModel,
            _ => kind.is_service(),
        };
        if !fits {
            return Err(SimError::BadFault(format!(
                "this fault does not apply to {} `{}`",
                kind.label(),
                fault.element
            )));
        }
        let at = fault.at_us.max(self.now);
        let end = fault.end_us().map(|end| end.max(at));
        let idx = self.faults.len() as u32;
        self.faults.push(fault);
        self.schedule(at, Action::FaultStart(idx));
        if let Some(end) = end {
            self.schedule(end, Action::FaultEnd(idx));
        }
        Ok(())
    }

    /// Runs the next event; returns false when nothing is left to do.
    pub fn step(&mut self) -> bool {
        let Some(Reverse(ev)) = self.queue.pop() else {
            return false;
        };
        self.now = (ev.key >> 64) as Time;
        self.events_done += 1;
        self.dispatch(ev.action);
        self.drain_dirty();
        true
    }

    /// Runs every event up to and including virtual time `t`, then sets the
    /// clock to `t`.
    pub fn run_until(&mut self, t: Time) {
        while let Some(Reverse(ev)) = self.queue.peek() {
            if (ev.key >> 64) as Time > t {
                break;
            }
            self.step();
        }
        self.now = self.now.max(t);
    }

    /// Runs at most `budget` events without passing virtual time `limit`;
    /// returns how many ran.
    pub fn run_events(&mut self, budget: u64, limit: Time) -> u64 {
        let mut done = 0;
        while done < budget {
            match self.queue.peek() {
                Some(Reverse(ev)) if (ev.key >> 64) as Time <= limit => {}
                _ => break,
            }
            self.step();
            done += 1;
        }
        done
    }

    /// The time of the next event, if any.
    pub fn next_event_time(&self) -> Option<Time> {
        self.queue.peek().map(|Reverse(ev)| (ev.key >> 64) as Time)
    }

    fn schedule(&mut self, at: Time, action: Action) {
        let key = (u128::from(at.max(self.now)) << 64)
            | (u128::from(action.class()) << 56)
            | u128::from(self.seq);
        self.seq += 1;
        self.queue.push(Reverse(Ev { key, action }));
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
            Action::RetryDue { node, parked } => {
                if let Some(item) = self.parked.get_mut(parked as usize).and_then(Option::take) {
                    self.free_parked.push(parked);
                    let n = &mut self.nodes[node as usize];
                    n.parked = n.parked.saturating_sub(1);
                    n.fifo.push_back(item);
                    self.mark_dirty(node);
                }
            }
            Action::WindowClose { node, window } => self.on_window_close(node, window),
            Action::FaultStart(i) => self.on_fault(i, true),
            Action::FaultEnd(i) => self.on_fault(i, false),
            Action::Sample => self.on_sample(),
        }
    }

    fn mark_dirty(&mut self, node: u32) {
        let n = &mut self.nodes[node as usize];
        if !n.dirty {
            n.dirty = true;
            self.dirty.push(node);
        }
    }

    /// Gives idle workers of every node that may have work something to do.
    fn drain_dirty(&mut self) {
        while let Some(node) = self.dirty.pop() {
            self.nodes[node as usize].dirty = false;
            if self.nodes[node as usize].down > 0 {
                continue;
            }
            for worker in 0..self.nodes[node as usize].workers.len() {
                if self.nodes[node as usize].idle == 0 {
                    break;
                }
                if self.nodes[node as usize].workers[worker] != IDLE {
                    continue;
                }
                if let Some(item) = self.fetch(node, worker) {
                    self.start_attempt(node, worker as u32, item);
                }
            }
        }
    }

    /// The next delivery for a worker: the oldest of the queue head and the
    /// heads of the partitions it owns that are free to read.
    fn fetch(&mut self, node: u32, worker: usize) -> Option<Item> {
        let now = self.now;
        let mut best: Option<(Time, Option<(u32, u32)>)> = None;
        let n = &self.nodes[node as usize];
        if !n.fifo_stopped
            && let Some(head) = n.fifo.front()
        {
            best = Some((head.enqueued, None));
        }
        for &(sub, part) in &n.worker_parts[worker] {
            let s = &self.subs[sub as usize];
            let sp = &s.parts[part as usize];
            if sp.stopped || sp.inflight.is_some() {
                continue;
            }
            let partition = &self.topics[s.topic as usize].partitions[part as usize];
            let next = sp.next.max(partition.base);
            let Some(entry) = first_unskipped(partition, sp, next) else {
                continue;
            };
            if sp.blocked_until > now {
                // Waiting out a retry backoff; `requeue` scheduled the wake-up.
                continue;
            }
            if best.is_none_or(|(t, _)| entry.appended < t) {
                best = Some((entry.appended, Some((sub, part))));
            }
        }
        let (_, choice) = best?;
        match choice {
            None => self.nodes[node as usize].fifo.pop_front(),
            Some((sub, part)) => {
                let topic = self.subs[sub as usize].topic as usize;
                let partition = &self.topics[topic].partitions[part as usize];
                let sp = &mut self.subs[sub as usize].parts[part as usize];
                // Expired entries were already counted as dropped by the expiry.
                sp.next = sp.next.max(partition.base);
                while sp.skip.remove(&sp.next) {
                    sp.next += 1;
                }
                let offset = sp.next;
                let entry = *partition.get(offset)?;
                sp.next = offset + 1;
                sp.inflight = Some(offset);
                sp.attempt += 1;
                Some(Item {
                    msg: entry.msg,
                    origin: Origin::Partition { sub, part, offset },
                    attempt: sp.attempt,
                    failures: sp.failures,
                    effected: sp.effected,
                    reply_to: ReplyTo::Nobody,
                    enqueued: entry.appended,
                })
            }
        }
    }

    fn alloc_slot(&mut self, attempt: Attempt) -> u32 {
        match self.free_slots.pop() {
            Some(slot) => {
                let generation = self.slots[slot as usize].generation.wrapping_add(1);
                let old = std::mem::replace(&mut self.slots[slot as usize], attempt);
                let reused = &mut self.slots[slot as usize];
                reused.generation = generation;
                // Keep the old webhook buffer's capacity.
                let mut buffer = old.webhooks;
                buffer.clear();
                reused.webhooks = buffer;
                slot
            }
            None => {
                self.slots.push(attempt);
                (self.slots.len() - 1) as u32
            }
        }
    }

    fn start_attempt(&mut self, node: u32, worker: u32, item: Item) {
        let needs_callback = self.needs_callback(node, &item.msg);
        let slot = self.alloc_slot(Attempt {
            live: true,
            generation: 0,
            node,
            worker,
            item,
            started: self.now,
            phase: if needs_callback {
                Phase::Callback
            } else {
                Phase::Work
            },
            call_cursor: 0,
            webhooks: Vec::new(),
            webhook_cursor: 0,
            waiting: None,
            crash: false,
        });
        self.nodes[node as usize].workers[worker as usize] = slot;
        self.nodes[node as usize].idle -= 1;
        if item.attempt > 1 || item.failures > 0 {
            self.nodes[node as usize].metrics.counters.retries += 1;
            self.totals.retries += 1;
        }
        if needs_callback {
            let source = item.msg.source;
            let call = CallOut {
                ty: source,
                callee: source,
                kind: MsgKind::Query,
                on: Vec::new(),
            };
            self.issue_call(slot, &call, FLAG_CALLBACK);
        } else {
            self.schedule_work(slot);
        }
    }

    /// An Event Notification is thin: a consumer that needs the state calls
    /// back to the event's source for it.
    fn needs_callback(&self, node: u32, msg: &Msg) -> bool {
        msg.kind == MsgKind::Event
            && msg.flags & (FLAG_SYNC | FLAG_DEAD_LETTER) == 0
            && self.nodes[msg.ty as usize].pattern == Some(EventPattern::Notification)
            && msg.source != node
            && self
                .nodes
                .get(msg.source as usize)
                .is_some_and(|source| source.kind.is_service())
    }

    fn schedule_work(&mut self, slot: u32) {
        let attempt = &self.slots[slot as usize];
        let (node, generation) = (attempt.node, attempt.generation);
        let n = &mut self.nodes[node as usize];
        let duration = n
            .rng
            .service_time(&n.service.service_time)
            .saturating_mul(u64::from(n.slow));
        let attempt = &mut self.slots[slot as usize];
        attempt.phase = Phase::Work;
        self.schedule(
            self.now.saturating_add(duration),
            Action::Phase { slot, generation },
        );
    }

    fn on_phase(&mut self, slot: u32, generation: u32) {
        let Some(attempt) = self.slots.get(slot as usize) else {
            return;
        };
        if !attempt.live || attempt.generation != generation || attempt.phase != Phase::Work {
            return;
        }
        if attempt.item.msg.flags & FLAG_POISON != 0 {
            let ty = attempt.item.msg.ty;
            let error = format!(
                "poison message: `{}` cannot deserialize this {}",
                self.nodes[attempt.node as usize].id, self.nodes[ty as usize].id
            );
            self.fail(slot, error);
            return;
        }
        self.slots[slot as usize].phase = Phase::Calls;
        self.slots[slot as usize].call_cursor = 0;
        self.advance_calls(slot);
    }

    fn advance_calls(&mut self, slot: u32) {
        let attempt = &self.slots[slot as usize];
        let node = attempt.node as usize;
        let input = attempt.item.msg.ty;
        let cursor = attempt.call_cursor;
        let next = self.nodes[node]
            .calls
            .iter()
            .enumerate()
            .skip(cursor)
            .find(|(_, call)| call.on.is_empty() || call.on.contains(&input))
            .map(|(i, call)| (i, call.clone()));
        match next {
            Some((i, call)) => {
                self.slots[slot as usize].call_cursor = i;
                self.issue_call(slot, &call, 0);
            }
            None => self.do_effects(slot),
        }
    }

    /// Sends a synchronous request from an attempt and waits for the reply,
    /// the timeout, or an immediate refusal when the callee is down.
    fn issue_call(&mut self, slot: u32, call: &CallOut, extra_flags: u8) {
        let attempt = &self.slots[slot as usize];
        let (node, generation, parent) = (attempt.node, attempt.generation, attempt.item.msg);
        let call_id = self.next_call as u32;
        self.next_call += 1;
        let size = if extra_flags & FLAG_CALLBACK != 0 {
            100
        } else {
            self.nodes[call.ty as usize].payload
        };
        let request = self.produce(
            node,
            call.ty,
            call.kind,
            Some(&parent),
            parent.key,
            FLAG_SYNC | extra_flags,
            size,
        );
        let callee = call.callee;
        if self.nodes[callee as usize].down > 0 {
            self.totals.deliveries_expected += 1;
            self.nodes[callee as usize].metrics.counters.received += 1;
            let reason = format!(
                "`{}` is down: the call was refused",
                self.nodes[callee as usize].id
            );
            self.drop_delivery(callee, &request, &reason, 1);
            self.fail(
                slot,
                format!(
                    "call to `{}` refused: it is down",
                    self.nodes[callee as usize].id
                ),
            );
            return;
        }
        self.slots[slot as usize].waiting = Some((call_id, callee));
        let timeout = self.nodes[node as usize].service.call_timeout_us;
        self.schedule(
            self.now.saturating_add(timeout),
            Action::CallTimeout {
                slot,
                generation,
                call: call_id,
            },
        );
        self.enqueue(
            callee,
            Item {
                msg: request,
                origin: Origin::Fifo,
                attempt: 1,
                failures: 0,
                effected: false,
                reply_to: ReplyTo::Attempt {
                    slot,
                    generation,
                    call: call_id,
                },
                enqueued: self.now,
            },
        );
    }

    fn on_call_timeout(&mut self, slot: u32, generation: u32, call: u32) {
        let Some(attempt) = self.slots.get(slot as usize) else {
            return;
        };
        if !attempt.live
            || attempt.generation != generation
            || attempt.waiting.map(|w| w.0) != Some(call)
        {
            return;
        }
        let callee = attempt.waiting.map_or(0, |w| w.1);
        let (phase, node) = (attempt.phase, attempt.node);
        self.slots[slot as usize].waiting = None;
        let timeout = self.nodes[node as usize].service.call_timeout_us;
        let error = format!(
            "call to `{}` timed out after {}",
            self.nodes[callee as usize].id,
            crate::units::format_duration_us(timeout)
        );
        if phase == Phase::Webhooks {
            self.nodes[self.slots[slot as usize].node as usize]
                .metrics
                .counters
                .errors += 1;
            self.slots[slot as usize].webhook_cursor += 1;
            self.advance_webhooks(slot);
        } else {
            self.fail(slot, error);
        }
    }

    /// A reply reaches whoever waits for it; a caller that gave up drops it.
    fn deliver_reply(
        &mut self,
        reply_to: ReplyTo,
        callee: u32,
        request: &Msg,
        error: Option<String>,
    ) {
        if reply_to == ReplyTo::Nobody {
            return;
        }
        let flags = if error.is_some() { FLAG_ERROR } else { 0 };
        let size = if request.kind == MsgKind::Query {
            2_000
        } else {
            60
        };
        let reply = self.produce(
            callee,
            request.ty,
            MsgKind::Reply,
            Some(request),
            request.key,
            flags,
            size,
        );
        self.totals.deliveries_expected += 1;
        match reply_to {
            ReplyTo::Nobody => {}
            ReplyTo::Attempt {
                slot,
                generation,
                call,
            } => {
                let waiting = self.slots.get(slot as usize).is_some_and(|a| {
                    a.live && a.generation == generation && a.waiting.map(|w| w.0) == Some(call)
                });
                if !waiting {
                    // Counted where the reply came from: the caller lost
                    // nothing of its own.
                    self.drop_delivery(
                        callee,
                        &reply,
                        "the caller gave up waiting (timeout or failure)",
                        1,
                    );
                    return;
                }
                self.totals.processed += 1;
                self.slots[slot as usize].waiting = None;
                let phase = self.slots[slot as usize].phase;
                match (phase, error) {
                    (Phase::Webhooks, error) => {
                        if error.is_some() {
                            let node = self.slots[slot as usize].node;
                            self.nodes[node as usize].metrics.counters.errors += 1;
                        }
                        self.slots[slot as usize].webhook_cursor += 1;
                        self.advance_webhooks(slot);
                    }
                    (_, Some(error)) => {
                        let what = if request.flags & FLAG_CALLBACK != 0 {
                            "callback"
                        } else {
                            "call"
                        };
                        self.fail(
                            slot,
                            format!(
                                "{what} to `{}` failed: {error}",
                                self.nodes[callee as usize].id
                            ),
                        );
                    }
                    (Phase::Callback, None) => self.schedule_work(slot),
                    (_, None) => {
                        self.slots[slot as usize].call_cursor += 1;
                        self.advance_calls(slot);
                    }
                }
            }
            ReplyTo::Source { call } => match self.source_calls.remove(&call) {
                Some((source, asked)) => {
                    self.totals.processed += 1;
                    let waited = self.now.saturating_sub(asked);
                    self.nodes[source as usize]
                        .metrics
                        .request_latency
                        .record(waited);
                    let counters = &mut self.nodes[source as usize].metrics.counters;
                    if error.is_some() {
                        counters.requests_failed += 1;
                    } else {
                        counters.requests_ok += 1;
                    }
                }
                None => {
                    self.drop_delivery(
                        callee,
                        &reply,
                        "the requester gave up waiting (timeout)",
                        1,
                    );
                }
            },
        }
    }

    fn on_source_call_timeout(&mut self, call: u64) {
        if let Some((source, _)) = self.source_calls.remove(&call) {
            self.nodes[source as usize].metrics.counters.requests_failed += 1;
        }
    }

    /// The effects of a successful attempt: outputs produced and routed.
    fn do_effects(&mut self, slot: u32) {
        let attempt = &self.slots[slot as usize];
        let node = attempt.node;
        let n = &mut self.nodes[node as usize];
        let p = 1.0 - (1.0 - n.service.failure_rate) * (1.0 - n.failing);
        let crash = n.rng.chance(p);
        let guarantee = n.service.guarantee;
        self.slots[slot as usize].crash = crash;
        if crash && guarantee != Guarantee::AtLeastOnce {
            self.fail_crash(slot);
            return;
        }
        let item = self.slots[slot as usize].item;
        if item.effected {
            self.nodes[node as usize].metrics.counters.duplicates += 1;
            self.totals.duplicates += 1;
        }
        self.slots[slot as usize].item.effected = true;
        let mut webhooks = std::mem::take(&mut self.slots[slot as usize].webhooks);
        self.apply_outputs(node, &item.msg, Some(&mut webhooks));
        self.slots[slot as usize].webhooks = webhooks;
        if crash {
            self.fail_crash(slot);
        } else if self.slots[slot as usize].webhooks.is_empty() {
            self.finish(slot);
        } else {
            self.slots[slot as usize].phase = Phase::Webhooks;
            self.slots[slot as usize].webhook_cursor = 0;
            self.advance_webhooks(slot);
        }
    }

    /// Produces a node's outputs for one handled input, per its kind and operator.
    fn apply_outputs(&mut self, node: u32, input: &Msg, webhooks: Option<&mut Vec<(u32, Msg)>>) {
        // A query (a callback included) returns data and changes nothing.
        if input.kind == MsgKind::Query {
            return;
        }
        let kind = self.nodes[node as usize].kind;
        if kind == ElementKind::ReadModel && input.kind == MsgKind::Event {
            let now = self.now;
            let n = &mut self.nodes[node as usize];
            n.view.insert(input.key, (input.id, now));
            let window = now.saturating_sub(input.created);
            n.metrics.consistency.record(window);
            n.interval_consistency.record(window);
        }
        let mut outputs = std::mem::take(&mut self.scratch_outputs);
        outputs.clear();
        let mut link: Option<MsgId> = None;
        let emit_now = match &mut self.nodes[node as usize].op {
            Op::Pass => true,
            Op::Filter(keep) => {
                let keep = f64::from(*keep) / 100.0;
                let n = &mut self.nodes[node as usize];
                n.rng.chance(keep)
            }
            Op::Aggregate {
                window_us,
                state,
                scheduled,
            } => {
                let window = self.now / *window_us;
                let entry = state.entry(input.key).or_default();
                entry.count += 1;
                if let Some(last) = entry.last
                    && entry.contributors.len() < MAX_LINKS
                {
                    entry.contributors.push(last.id);
                }
                entry.last = Some(*input);
                let close = (window + 1).saturating_mul(*window_us);
                if *scheduled != Some(window) {
                    *scheduled = Some(window);
                    self.schedule(close, Action::WindowClose { node, window });
                }
                false
            }
            Op::Join { table_topic, table } => {
                let from_table = self.topics.get(*table_topic as usize).is_some_and(|t| {
                    self.routes[input.ty as usize].topics.contains(table_topic)
                        && t.node != u32::MAX
                });
                if from_table {
                    table.insert(input.key, input.id);
                    false
                } else {
                    link = table.get(&input.key).copied();
                    link.is_some()
                }
            }
        };
        if emit_now {
            let n = &self.nodes[node as usize];
            for out in n.emits.iter().filter(|o| o.applies_to(input.ty)) {
                outputs.push((out.ty, MsgKind::Event));
            }
            for out in n.triggers.iter().filter(|o| o.applies_to(input.ty)) {
                outputs.push((out.ty, MsgKind::Command));
            }
        }
        let mut webhooks = webhooks;
        for &(ty, kind) in &outputs {
            let size = self.nodes[ty as usize].payload;
            let msg = self.produce(node, ty, kind, Some(input), input.key, 0, size);
            if let Some(link) = link {
                self.trace.push_links(msg.id, &[link]);
            }
            self.route(msg, webhooks.as_deref_mut());
        }
        self.scratch_outputs = outputs;
    }

    fn advance_webhooks(&mut self, slot: u32) {
        loop {
            let attempt = &self.slots[slot as usize];
            let cursor = attempt.webhook_cursor;
            let Some(&(subscriber, mut msg)) = attempt.webhooks.get(cursor) else {
                self.finish(slot);
                return;
            };
            msg.flags |= FLAG_WEBHOOK;
            let (node, generation) = (attempt.node, attempt.generation);
            self.totals.deliveries_expected += 1;
            self.nodes[subscriber as usize].metrics.counters.received += 1;
            if self.nodes[subscriber as usize].down > 0 {
                let reason = format!(
                    "webhook subscriber `{}` is down",
                    self.nodes[subscriber as usize].id
                );
                self.drop_delivery(subscriber, &msg, &reason, 1);
                self.nodes[node as usize].metrics.counters.errors += 1;
                self.slots[slot as usize].webhook_cursor += 1;
                continue;
            }
            let call = self.next_call as u32;
            self.next_call += 1;
            self.slots[slot as usize].waiting = Some((call, subscriber));
            let timeout = self.nodes[node as usize].service.call_timeout_us;
            self.schedule(
                self.now.saturating_add(timeout),
                Action::CallTimeout {
                    slot,
                    generation,
                    call,
                },
            );
            let delivered = msg;
            self.nodes[subscriber as usize].fifo.push_back(Item {
                msg: delivered,
                origin: Origin::Fifo,
                attempt: 1,
                failures: 0,
                effected: false,
                reply_to: ReplyTo::Attempt {
                    slot,
                    generation,
                    call,
                },
                enqueued: self.now,
            });
            self.mark_dirty(subscriber);
            return;
        }
    }

    /// Sends a new message where its type goes: topics, direct consumers and
    /// webhooks for an event; the handler for a command or query.
    fn route(&mut self, msg: Msg, webhooks: Option<&mut Vec<(u32, Msg)>>) {
        let ty = msg.ty as usize;
        match msg.kind {
            MsgKind::Event => {
                for t in 0..self.routes[ty].topics.len() {
                    let topic = self.routes[ty].topics[t];
                    self.append(topic, msg);
                }
                for d in 0..self.routes[ty].direct.len() {
                    let consumer = self.routes[ty].direct[d];
                    self.enqueue(consumer, fifo_item(msg, self.now));
                }
                if !self.routes[ty].webhooks.is_empty() {
                    match webhooks {
                        Some(list) => {
                            list.extend(self.routes[ty].webhooks.iter().map(|s| (*s, msg)))
                        }
                        None => {
                            // Produced outside an attempt (a window result):
                            // the webhooks are posted without anyone waiting.
                            for w in 0..self.routes[ty].webhooks.len() {
                                let subscriber = self.routes[ty].webhooks[w];
                                self.enqueue(subscriber, fifo_item(msg, self.now));
                            }
                        }
                    }
                }
            }
            MsgKind::Command | MsgKind::Query => match self.routes[ty].handler {
                Some(handler) => self.enqueue(handler, fifo_item(msg, self.now)),
                None => {
                    self.totals.deliveries_expected += 1;
                    let reason = format!("no handler for `{}`", self.nodes[ty].id);
                    self.drop_delivery(msg.source, &msg, &reason, 1);
                }
            },
            MsgKind::Reply => {}
        }
    }

    /// A new delivery into a node's queue.
    fn enqueue(&mut self, node: u32, item: Item) {
        self.totals.deliveries_expected += 1;
        let n = &mut self.nodes[node as usize];
        n.metrics.counters.received += 1;
        n.fifo.push_back(item);
        self.mark_dirty(node);
    }

    /// Appends a message to a topic: the partition is Kafka's, every
    /// subscribed group is owed a delivery.
    fn append(&mut self, topic: u32, msg: Msg) {
        let partitions = self.topics[topic as usize].partitions.len() as u32;
        let part = self.partition_of(msg.key, partitions);
        let now = self.now;
        let t = &mut self.topics[topic as usize];
        let partition = &mut t.partitions[part as usize];
        let offset = partition.end();
        partition.log.push_back(Entry { msg, appended: now });
        let subs = t.subs.len() as u64;
        self.totals.deliveries_expected += subs;
        self.trace.set_position(msg.id, part, offset);
        for s in 0..self.topics[topic as usize].subs.len() {
            let sub = self.topics[topic as usize].subs[s];
            let consumer = self.subs[sub as usize].node;
            self.nodes[consumer as usize].metrics.counters.received += 1;
            self.mark_dirty(consumer);
        }
        if let Retention::Time { max_age_us } = self.topics[topic as usize].retention {
            self.expire(topic, part, max_age_us);
        }
        if subs == 0 {
            // Nobody reads it: the log need not keep it.
            self.trim(topic, part);
        }
    }

    fn partition_of(&mut self, key: u32, partitions: u32) -> u32 {
        let hash = match self.key_hash.get(key as usize) {
            Some(&cached) if cached != u32::MAX => cached,
            _ => {
                let hash = (super::murmur2(self.key_name(key).as_bytes()) & 0x7fff_ffff) as u32;
                if let Some(slot) = self.key_hash.get_mut(key as usize) {
                    *slot = hash;
                }
                hash
            }
        };
        hash % partitions.max(1)
    }

    /// Deletes entries older than the retention; unread ones are dropped.
    fn expire(&mut self, topic: u32, part: u32, max_age_us: Time) {
        let now = self.now;
        let partition = &mut self.topics[topic as usize].partitions[part as usize];
        let mut moved = false;
        while let Some(front) = partition.log.front() {
            if front.appended.saturating_add(max_age_us) >= now {
                break;
            }
            partition.log.pop_front();
            partition.base += 1;
            moved = true;
        }
        if !moved {
            return;
        }
        let base = self.topics[topic as usize].partitions[part as usize].base;
        for s in 0..self.topics[topic as usize].subs.len() {
            let sub = self.topics[topic as usize].subs[s];
            let sp = &mut self.subs[sub as usize].parts[part as usize];
            if sp.next < base {
                let lost = base - sp.next - sp.skip.range(sp.next..base).count() as u64;
                sp.skip = sp.skip.split_off(&base);
                sp.next = base;
                if sp.inflight.is_none() {
                    sp.failures = 0;
                    sp.effected = false;
                    sp.attempt = 0;
                }
                let consumer = self.subs[sub as usize].node;
                let reason = format!(
                    "expired by `{}`'s retention before it was read",
                    self.nodes[self.topics[topic as usize].node as usize].id
                );
                if lost > 0 {
                    self.count_drop(consumer, &reason, lost, false);
                }
            }
        }
    }

    /// Forgets the part of a partition every group has read (unless the
    /// topic keeps everything for replays).
    fn trim(&mut self, topic: u32, part: u32) {
        let t = &self.topics[topic as usize];
        if t.keep_all {
            return;
        }
        let mut low = t.partitions[part as usize].end();
        for sub in &t.subs {
            let sp = &self.subs[*sub as usize].parts[part as usize];
            low = low.min(sp.inflight.unwrap_or(sp.next)).min(sp.next);
        }
        let partition = &mut self.topics[topic as usize].partitions[part as usize];
        while partition.base < low && !partition.log.is_empty() {
            partition.log.pop_front();
            partition.base += 1;
        }
    }

    /// Creates a message (and records it in the trace).
    #[allow(clippy::too_many_arguments)]
    fn produce(
        &mut self,
        source: u32,
        ty: u32,
        kind: MsgKind,
        cause: Option<&Msg>,
        key: u32,
        flags: u8,
        size: u32,
    ) -> Msg {
        let id = self.next_id;
        self.next_id += 1;
        let msg = Msg {
            id,
            ty,
            kind,
            flags,
            key,
            created: self.now,
            root_time: cause.map_or(self.now, |c| c.root_time),
            causation: cause.map_or(NO_MSG, |c| c.id),
            correlation: cause.map_or(id, |c| c.correlation),
            source,
            size,
        };
        self.totals.messages_produced += 1;
        self.nodes[source as usize].metrics.counters.out += 1;
        if self.tracing {
            self.trace.push_message(&MessageRecord {
                id,
                ty,
                kind,
                key,
                time: self.now,
                source,
                causation: msg.causation,
                correlation: msg.correlation,
                payload_bytes: size,
                partition: u16::MAX,
                offset: 0,
                flags,
            });
        }
        msg
    }

    fn record_attempt(&mut self, slot: u32, outcome: Outcome, error: Option<&str>) {
        if !self.tracing {
            return;
        }
        let attempt = &self.slots[slot as usize];
        let record = AttemptRecord {
            msg: attempt.item.msg.id,
            consumer: attempt.node,
            attempt: attempt.item.attempt.min(255) as u8,
            outcome,
            start: attempt.started,
            end: self.now,
        };
        self.trace.push_attempt(&record, error);
    }

    fn release(&mut self, slot: u32) {
        let attempt = &mut self.slots[slot as usize];
        attempt.live = false;
        attempt.waiting = None;
        attempt.generation = attempt.generation.wrapping_add(1);
        let (node, worker) = (attempt.node, attempt.worker);
        if self.nodes[node as usize].workers.get(worker as usize) == Some(&slot) {
            self.nodes[node as usize].workers[worker as usize] = IDLE;
            self.nodes[node as usize].idle += 1;
        }
        self.free_slots.push(slot);
        self.mark_dirty(node);
    }

    /// Success: commit, record, answer whoever waits.
    fn finish(&mut self, slot: u32) {
        let attempt = &self.slots[slot as usize];
        let (node, item, started) = (attempt.node, attempt.item, attempt.started);
        let now = self.now;
        self.record_attempt(slot, Outcome::Processed, None);
        self.commit(item.origin);
        self.totals.processed += 1;
        let n = &mut self.nodes[node as usize];
        n.metrics.counters.processed += 1;
        n.metrics.service_time.record(now - started);
        let latency = now.saturating_sub(item.msg.root_time);
        n.metrics.latency.record(latency);
        self.interval_latency.record(latency);
        self.release(slot);
        self.deliver_reply(item.reply_to, node, &item.msg, None);
    }

    fn commit(&mut self, origin: Origin) {
        if let Origin::Partition { sub, part, .. } = origin {
            let sp = &mut self.subs[sub as usize].parts[part as usize];
            sp.inflight = None;
            sp.failures = 0;
            sp.effected = false;
            sp.attempt = 0;
            let topic = self.subs[sub as usize].topic;
            let partition = &mut self.topics[topic as usize].partitions[part as usize];
            partition.commits_since_trim += 1;
            if partition.commits_since_trim >= TRIM_EVERY {
                partition.commits_since_trim = 0;
                self.trim(topic, part);
            }
        }
    }

    /// A failure before the effect: an error to retry, dead-letter, drop or stop on.
    fn fail(&mut self, slot: u32, error: String) {
        let attempt = &self.slots[slot as usize];
        let (node, mut item) = (attempt.node, attempt.item);
        self.nodes[node as usize].metrics.counters.errors += 1;
        let service = &self.nodes[node as usize].service;
        let (guarantee, max_attempts) = (service.guarantee, service.retry.max_attempts);
        let on_exhausted = service.on_exhausted.clone();
        if item.reply_to != ReplyTo::Nobody {
            self.record_attempt(slot, Outcome::Dropped, Some(&error));
            self.commit(item.origin);
            self.release(slot);
            self.drop_delivery(
                node,
                &item.msg,
                &format!("failed while serving a request: {error}"),
                0,
            );
            self.deliver_reply(item.reply_to, node, &item.msg, Some(error));
            return;
        }
        if guarantee == Guarantee::AtMostOnce {
            self.record_attempt(slot, Outcome::Dropped, Some(&error));
            self.commit(item.origin);
            self.release(slot);
            let reason = format!("{error} (at-most-once: the offset was already committed)");
            self.drop_delivery(node, &item.msg, &reason, 0);
            return;
        }
        item.failures += 1;
        if item.failures < max_attempts {
            self.record_attempt(slot, Outcome::Retried, Some(&error));
            let delay = self.nodes[node as usize]
                .service
                .retry
                .backoff
                .delay_us(item.failures);
            self.release(slot);
            self.requeue(node, item, delay);
            return;
        }
        match on_exhausted {
            OnExhausted::DeadLetter(target) => {
                self.record_attempt(slot, Outcome::DeadLettered, Some(&error));
                self.commit(item.origin);
                self.release(slot);
                self.dead_letter(node, &item, &target, error);
            }
            OnExhausted::Drop if guarantee != Guarantee::ExactlyOnce => {
                self.record_attempt(slot, Outcome::Dropped, Some(&error));
                self.commit(item.origin);
                self.release(slot);
                let reason = format!("retries used up ({max_attempts} attempts): {error}");
                self.drop_delivery(node, &item.msg, &reason, 0);
            }
            OnExhausted::Drop | OnExhausted::StopPartition => {
                self.record_attempt(slot, Outcome::Stopped, Some(&error));
                self.release(slot);
                self.stop(node, item);
            }
        }
    }

    /// A crash: at-least-once has applied the effect and redelivers (a
    /// duplicate follows); exactly-once rolls back and redelivers;
    /// at-most-once has committed already and loses the message.
    fn fail_crash(&mut self, slot: u32) {
        let attempt = &self.slots[slot as usize];
        let (node, mut item) = (attempt.node, attempt.item);
        let guarantee = self.nodes[node as usize].service.guarantee;
        let error = format!(
            "`{}` crashed while processing",
            self.nodes[node as usize].id
        );
        if item.reply_to != ReplyTo::Nobody {
            self.fail(slot, error);
            return;
        }
        self.nodes[node as usize].metrics.counters.errors += 1;
        match guarantee {
            Guarantee::AtMostOnce => {
                self.record_attempt(slot, Outcome::Dropped, Some(&error));
                self.commit(item.origin);
                self.release(slot);
                let reason = format!("{error} (at-most-once: the offset was already committed)");
                self.drop_delivery(node, &item.msg, &reason, 0);
            }
            Guarantee::AtLeastOnce | Guarantee::ExactlyOnce => {
                self.record_attempt(slot, Outcome::Redelivered, Some(&error));
                if guarantee == Guarantee::ExactlyOnce {
                    item.effected = false;
                }
                let delay = self.nodes[node as usize].service.retry.backoff.delay_us(1);
                self.release(slot);
                self.requeue(node, item, delay);
            }
        }
    }

    /// Puts a delivery back to be tried again after `delay`.
    fn requeue(&mut self, node: u32, mut item: Item, delay: Time) {
        item.attempt += 1;
        match item.origin {
            Origin::Partition { sub, part, offset } => {
                let topic = self.subs[sub as usize].topic;
                let base = self.topics[topic as usize].partitions[part as usize].base;
                let sp = &mut self.subs[sub as usize].parts[part as usize];
                sp.inflight = None;
                if offset < base {
                    sp.failures = 0;
                    sp.effected = false;
                    sp.attempt = 0;
                    let reason = "expired by retention before it could be retried";
                    self.count_drop(node, reason, 1, false);
                    return;
                }
                sp.next = offset;
                sp.failures = item.failures;
                sp.effected = item.effected;
                sp.attempt = item.attempt - 1;
                sp.blocked_until = self.now.saturating_add(delay);
                let at = sp.blocked_until;
                self.schedule(at, Action::Wake { node });
            }
            Origin::Fifo => {
                item.enqueued = self.now.saturating_add(delay);
                let parked = match self.free_parked.pop() {
                    Some(i) => {
                        self.parked[i as usize] = Some(item);
                        i
                    }
                    None => {
                        self.parked.push(Some(item));
                        (self.parked.len() - 1) as u32
                    }
                };
                self.nodes[node as usize].parked += 1;
                self.schedule(
                    self.now.saturating_add(delay),
                    Action::RetryDue { node, parked },
                );
            }
        }
    }

    /// Stops the partition (or the queue) at this delivery: it stays queued
    /// and nothing behind it moves.
    fn stop(&mut self, node: u32, mut item: Item) {
        match item.origin {
            Origin::Partition { sub, part, offset } => {
                let sp = &mut self.subs[sub as usize].parts[part as usize];
                sp.inflight = None;
                sp.next = offset;
                sp.stopped = true;
            }
            Origin::Fifo => {
                item.attempt += 1;
                let n = &mut self.nodes[node as usize];
                n.fifo.push_front(item);
                n.fifo_stopped = true;
            }
        }
    }

    fn dead_letter(&mut self, node: u32, item: &Item, target: &ElementId, error: String) {
        self.totals.dead_lettered += 1;
        self.nodes[node as usize].metrics.counters.dead_lettered += 1;
        let Some(target) = self.element_index(target) else {
            return;
        };
        let topic = self.topic_of[target as usize];
        if topic == NO_TOPIC {
            return;
        }
        let size = item.msg.size + 200;
        let letter = self.produce(
            node,
            item.msg.ty,
            MsgKind::Event,
            Some(&item.msg),
            item.msg.key,
            FLAG_DEAD_LETTER,
            size,
        );
        let (topic_node, partition, offset) = match item.origin {
            Origin::Partition { sub, part, offset } => (
                self.topics[self.subs[sub as usize].topic as usize].node,
                part,
                offset,
            ),
            Origin::Fifo => (u32::MAX, 0, 0),
        };
        self.trace.push_dead_letter(
            letter.id,
            DeadLetter {
                original: item.msg.id,
                error,
                topic: topic_node,
                partition,
                offset,
            },
        );
        self.append(topic, letter);
    }

    /// Counts lost deliveries. `sync` marks requests, replies and webhook
    /// posts: they count in the totals and the reasons, but not in the
    /// element's own `dropped` (its lost asynchronous deliveries, which its
    /// guarantee is about); a failed request is an error answered to a caller.
    fn count_drop(&mut self, node: u32, reason: &str, count: u64, sync: bool) {
        self.totals.dropped += count;
        let n = &mut self.nodes[node as usize];
        if !sync {
            n.metrics.counters.dropped += count;
        }
        *n.metrics
            .drop_reasons
            .entry(reason.to_string())
            .or_default() += count;
        *self.drop_reasons.entry(reason.to_string()).or_default() += count;
    }

    /// Counts a lost delivery; `attempt` 0 means its attempt is already recorded.
    fn drop_delivery(&mut self, node: u32, msg: &Msg, reason: &str, attempt: u8) {
        let sync = msg.kind == MsgKind::Reply || msg.flags & (FLAG_SYNC | FLAG_WEBHOOK) != 0;
        self.count_drop(node, reason, 1, sync);
        if attempt > 0 && self.tracing {
            self.trace.push_attempt(
                &AttemptRecord {
                    msg: msg.id,
                    consumer: node,
                    attempt,
                    outcome: Outcome::Dropped,
                    start: self.now,
                    end: self.now,
                },
                Some(reason),
            );
        }
    }

    fn on_arrival(&mut self, s: u32, generation: u32) {
        let source = &self.sources[s as usize];
        if source.generation != generation || source.stop.is_some_and(|stop| self.now >= stop) {
            return;
        }
        let (batch, gap) = {
            let source = &mut self.sources[s as usize];
            match source.arrival {
                Arrival::Constant { per_sec } => {
                    (1, ((US_PER_SEC as f64 / per_sec).round() as Time).max(1))
                }
                Arrival::Poisson { per_sec } => (
                    1,
                    source
                        .rng
                        .exponential_us(US_PER_SEC as f64 / per_sec)
                        .max(1),
                ),
                Arrival::Bursts { every_us, size } => (size, every_us.max(1)),
            }
        };
        for _ in 0..batch {
            self.emit_from_source(s);
        }
        let at = self.now.saturating_add(gap);
        self.schedule(
            at,
            Action::Arrival {
                source: s,
                generation,
            },
        );
    }

    fn emit_from_source(&mut self, s: u32) {
        let source = &mut self.sources[s as usize];
        if source.targets.is_empty() {
            return;
        }
        let mut pick = source.rng.below(source.total_weight);
        let mut chosen = 0;
        for (i, target) in source.targets.iter().enumerate() {
            if pick < target.weight {
                chosen = i;
                break;
            }
            pick -= target.weight;
        }
        let target = source.targets[chosen].clone();
        let key = source.key_base + source.rng.below(u64::from(source.keys)) as u32;
        let poison = source.rng.chance(source.poison_rate);
        let node = source.node;
        let flags = if poison { FLAG_POISON } else { 0 };
        let size = self.nodes[target.ty as usize].payload;
        match target.flow {
            FlowKind::Emits => {
                let msg = self.produce(node, target.ty, MsgKind::Event, None, key, flags, size);
                self.route(msg, None);
            }
            FlowKind::Issues if target.kind == MsgKind::Command => {
                let msg = self.produce(node, target.ty, MsgKind::Command, None, key, flags, size);
                self.route(msg, None);
            }
            _ => {
                // A query or a call: the source waits for the answer.
                let msg = self.produce(
                    node,
                    target.ty,
                    target.kind,
                    None,
                    key,
                    flags | FLAG_SYNC,
                    size,
                );
                let Some(callee) = target.callee else {
                    self.totals.deliveries_expected += 1;
                    let reason = format!("no handler for `{}`", self.nodes[target.ty as usize].id);
                    self.drop_delivery(node, &msg, &reason, 1);
                    self.nodes[node as usize].metrics.counters.requests_failed += 1;
                    return;
                };
                if self.nodes[callee as usize].down > 0 {
                    self.totals.deliveries_expected += 1;
                    self.nodes[callee as usize].metrics.counters.received += 1;
                    let reason = format!(
                        "`{}` is down: the request was refused",
                        self.nodes[callee as usize].id
                    );
                    self.drop_delivery(callee, &msg, &reason, 1);
                    self.nodes[node as usize].metrics.counters.requests_failed += 1;
                    return;
                }
                let call = self.next_call;
                self.next_call += 1;
                self.source_calls.insert(call, (node, self.now));
                let timeout = self.nodes[node as usize].service.call_timeout_us;
                self.schedule(
                    self.now.saturating_add(timeout),
                    Action::SourceCallTimeout { call },
                );
                let mut item = fifo_item(msg, self.now);
                item.reply_to = ReplyTo::Source { call };
                self.enqueue(callee, item);
            }
        }
    }

    fn on_window_close(&mut self, node: u32, window: u64) {
        let results: Vec<(u32, AggState)> = match &mut self.nodes[node as usize].op {
            Op::Aggregate {
                state, scheduled, ..
            } => {
                if *scheduled == Some(window) {
                    *scheduled = None;
                }
                std::mem::take(state).into_iter().collect()
            }
            _ => return,
        };
        for (key, agg) in results {
            let Some(last) = agg.last else { continue };
            let outs: Vec<u32> = self.nodes[node as usize]
                .emits
                .iter()
                .filter(|o| o.applies_to(last.ty))
                .map(|o| o.ty)
                .collect();
            for ty in outs {
                let size = self.nodes[ty as usize].payload;
                let msg = self.produce(node, ty, MsgKind::Event, Some(&last), key, 0, size);
                self.trace.push_links(msg.id, &agg.contributors);
                self.route(msg, None);
            }
        }
    }

    fn on_fault(&mut self, i: u32, starting: bool) {
        let fault = self.faults[i as usize].clone();
        let Some(node) = self.element_index(&fault.element) else {
            return;
        };
        match fault.kind {
            FaultKind::Down { .. } => {
                if starting {
                    self.nodes[node as usize].down += 1;
                    self.abort_all(node);
                } else {
                    let n = &mut self.nodes[node as usize];
                    n.down = n.down.saturating_sub(1);
                    self.mark_dirty(node);
                }
            }
            FaultKind::Slow { factor, .. } => {
                self.nodes[node as usize].slow = if starting { factor.max(1) } else { 1 };
            }
            FaultKind::Failing { rate, .. } => {
                self.nodes[node as usize].failing =
                    if starting { rate.clamp(0.0, 1.0) } else { 0.0 };
            }
            FaultKind::Rate { per_sec } => {
                if let Some(s) = self.sources.iter().position(|s| s.node == node) {
                    let source = &mut self.sources[s];
                    source.arrival = match source.arrival {
                        Arrival::Constant { .. } => Arrival::Constant { per_sec },
                        Arrival::Poisson { .. } => Arrival::Poisson { per_sec },
                        Arrival::Bursts { size, .. } => Arrival::Bursts {
                            size,
                            every_us: ((f64::from(size) * US_PER_SEC as f64 / per_sec).round()
                                as Time)
                                .max(1),
                        },
                    };
                    source.generation = source.generation.wrapping_add(1);
                    let generation = source.generation;
                    let at = self.now.max(source.start);
                    self.schedule(
                        at,
                        Action::Arrival {
                            source: s as u32,
                            generation,
                        },
                    );
                }
            }
            FaultKind::Replay => self.replay(node),
        }
    }

    /// The node goes down: every attempt in progress is abandoned.
    fn abort_all(&mut self, node: u32) {
        let slots: Vec<u32> = self.nodes[node as usize]
            .workers
            .iter()
            .copied()
            .filter(|s| *s != IDLE)
            .collect();
        for slot in slots {
            let attempt = &self.slots[slot as usize];
            let (mut item, effects_applied) = (attempt.item, attempt.phase == Phase::Webhooks);
            let error = format!(
                "`{}` went down during the attempt",
                self.nodes[node as usize].id
            );
            let guarantee = self.nodes[node as usize].service.guarantee;
            if effects_applied
                && item.reply_to == ReplyTo::Nobody
                && guarantee != Guarantee::AtLeastOnce
            {
                // The effect and the commit already happened (exactly-once's
                // transaction, at-most-once's early commit): only the webhook
                // notifications are cut short.
                self.finish(slot);
                continue;
            }
            self.record_attempt(slot, Outcome::Aborted, Some(&error));
            self.release(slot);
            if item.reply_to != ReplyTo::Nobody {
                self.commit(item.origin);
                self.drop_delivery(
                    node,
                    &item.msg,
                    &format!("failed while serving a request: {error}"),
                    0,
                );
                self.deliver_reply(item.reply_to, node, &item.msg, Some(error));
            } else if guarantee == Guarantee::AtMostOnce {
                self.commit(item.origin);
                let reason = format!("{error} (at-most-once: the offset was already committed)");
                self.drop_delivery(node, &item.msg, &reason, 0);
            } else {
                if guarantee == Guarantee::ExactlyOnce {
                    item.effected = false;
                }
                match item.origin {
                    Origin::Partition { .. } => self.requeue(node, item, 0),
                    Origin::Fifo => {
                        item.attempt += 1;
                        self.nodes[node as usize].fifo.push_front(item);
                    }
                }
            }
        }
    }

    /// Event sourcing's time machine: a read model forgets its view and
    /// reads its topics again from the start of what they retain.
    fn replay(&mut self, node: u32) {
        self.nodes[node as usize].view.clear();
        for s in 0..self.nodes[node as usize].subs.len() {
            let sub = self.nodes[node as usize].subs[s];
            let topic = self.subs[sub as usize].topic as usize;
            let compact = matches!(self.topics[topic].retention, Retention::Compact);
            for part in 0..self.subs[sub as usize].parts.len() {
                let partition = &self.topics[topic].partitions[part];
                let base = partition.base;
                let sp = &self.subs[sub as usize].parts[part];
                let old_next = sp.next.max(base);
                // On a compacted topic only the newest message per key is replayed.
                let mut skip = BTreeSet::new();
                if compact {
                    let mut newest: BTreeMap<u32, u64> = BTreeMap::new();
                    for offset in base..old_next {
                        if let Some(entry) = partition.get(offset)
                            && let Some(older) = newest.insert(entry.msg.key, offset)
                        {
                            skip.insert(older);
                        }
                    }
                }
                let again = (old_next - base).saturating_sub(skip.len() as u64);
                let sp = &mut self.subs[sub as usize].parts[part];
                skip.extend(sp.skip.iter().copied());
                sp.skip = skip;
                sp.next = base;
                sp.stopped = false;
                sp.blocked_until = 0;
                self.totals.deliveries_expected += again;
                self.totals.replayed += again;
            }
        }
        self.mark_dirty(node);
    }

    fn on_sample(&mut self) {
        let now = self.now;
        // Time retention is also applied on the clock, not only on appends.
        for topic in 0..self.topics.len() {
            if let Retention::Time { max_age_us } = self.topics[topic].retention {
                for part in 0..self.topics[topic].partitions.len() {
                    self.expire(topic as u32, part as u32, max_age_us);
                }
            }
        }
        let (queued, in_flight) = self.count_waiting();
        let processed = self.totals.processed;
        let interval = self.sample_every as f64 / US_PER_SEC as f64;
        self.series.points.push(SamplePoint {
            t_us: now,
            throughput_per_sec: (processed - self.last_sample_processed) as f64 / interval,
            latency_p50_us: self.interval_latency.quantile(0.5),
            latency_p99_us: self.interval_latency.quantile(0.99),
            queued,
            in_flight,
        });
        self.last_sample_processed = processed;
        self.interval_latency.clear();
        for node in 0..self.nodes.len() {
            let depth = self.node_queued(node as u32);
            self.series.queue_depth[node].push(depth.min(u64::from(u32::MAX)) as u32);
            let n = &mut self.nodes[node];
            let p99 = n.interval_consistency.quantile(0.99);
            n.interval_consistency.clear();
            self.series.consistency_p99[node].push(p99.min(u64::from(u32::MAX)) as u32);
        }
        for sub in 0..self.subs.len() {
            let lag = self.sub_lag(sub as u32).iter().sum::<u64>();
            self.series.lag[sub].push(lag.min(u64::from(u32::MAX)) as u32);
        }
        let every = self.sample_every;
        self.schedule(now + every, Action::Sample);
    }

    fn node_queued(&self, node: u32) -> u64 {
        let n = &self.nodes[node as usize];
        let mut queued = n.fifo.len() as u64 + u64::from(n.parked);
        for sub in &n.subs {
            let s = &self.subs[*sub as usize];
            let topic = &self.topics[s.topic as usize];
            for (p, part) in s.parts.iter().enumerate() {
                queued += part_queued(part, &topic.partitions[p]);
            }
        }
        queued
    }

    /// Lag per partition of a subscription: end offset minus committed offset.
    fn sub_lag(&self, sub: u32) -> Vec<u64> {
        let s = &self.subs[sub as usize];
        let topic = &self.topics[s.topic as usize];
        s.parts
            .iter()
            .enumerate()
            .map(|(p, part)| {
                let partition = &topic.partitions[p];
                let committed = part.inflight.unwrap_or(part.next).max(partition.base);
                partition.end().saturating_sub(committed)
            })
            .collect()
    }

    /// The live state of everything, for the UI and the runner.
    pub fn snapshot(&self) -> Snapshot {
        let elements = (0..self.nodes.len())
            .map(|i| {
                let n = &self.nodes[i];
                let in_flight = n.workers.iter().filter(|w| **w != IDLE).count() as u32;
                let stopped = n.fifo_stopped
                    || n.subs
                        .iter()
                        .any(|s| self.subs[*s as usize].parts.iter().any(|p| p.stopped));
                ElementState {
                    queued: self.node_queued(i as u32),
                    in_flight,
                    instances: n.workers.len() as u32,
                    counters: n.metrics.counters.clone(),
                    down: n.down > 0,
                    slow_factor: n.slow,
                    failing_rate: n.failing,
                    stopped,
                }
            })
            .collect();
        let topics = self
            .topics
            .iter()
            .map(|t| TopicState {
                element: t.node,
                end_offsets: t.partitions.iter().map(Partition::end).collect(),
                retained: t.partitions.iter().map(|p| p.log.len() as u64).collect(),
                groups: t
                    .subs
                    .iter()
                    .map(|s| GroupState {
                        group: self.subs[*s as usize].group.clone(),
                        consumer: self.subs[*s as usize].node,
                        lag: self.sub_lag(*s),
                        stopped: self.subs[*s as usize]
                            .parts
                            .iter()
                            .map(|p| p.stopped)
                            .collect(),
                    })
                    .collect(),
            })
            .collect();
        let (latency_p50_us, latency_p99_us) = self.headline_latency();
        let consistency_p99_us = self
            .nodes
            .iter()
            .filter(|n| n.kind == ElementKind::ReadModel)
            .map(|n| n.metrics.consistency.quantile(0.99))
            .max();
        Snapshot {
            now: self.now,
            totals: self.totals(),
            latency_p50_us,
            latency_p99_us,
            consistency_p99_us,
            elements,
            topics,
            operators: self.operator_states(),
            trace_len: self.trace.len() as u64,
            trace_truncated_at: self.trace.truncated_at(),
            events: self.events_done,
        }
    }

    /// The run's headline latency (p50, p99): the sources' requests, waited
    /// for end to end, if any source asks; else the slowest element's
    /// end-to-end latency (the last hop of the longest chain).
    pub fn headline_latency(&self) -> (Time, Time) {
        let asked = self
            .nodes
            .iter()
            .filter(|n| n.metrics.request_latency.count() > 0);
        let requests = asked
            .map(|n| {
                (
                    n.metrics.request_latency.quantile(0.5),
                    n.metrics.request_latency.quantile(0.99),
                )
            })
            .max_by_key(|(_, p99)| *p99);
        requests.unwrap_or_else(|| {
            self.nodes
                .iter()
                .filter(|n| n.metrics.latency.count() > 0)
                .map(|n| {
                    (
                        n.metrics.latency.quantile(0.5),
                        n.metrics.latency.quantile(0.99),
                    )
                })
                .max_by_key(|(_, p99)| *p99)
                .unwrap_or((0, 0))
        })
    }

    /// Inspectable state of processors and read models.
    pub fn operator_states(&self) -> Vec<OperatorState> {
        let mut states = Vec::new();
        for (i, n) in self.nodes.iter().enumerate() {
            let (what, entries, size): (&str, Vec<(String, String)>, usize) = match &n.op {
                Op::Aggregate { state, .. } => (
                    "current window: count per key",
                    state
                        .iter()
                        .take(50)
                        .map(|(k, a)| (self.key_name(*k), a.count.to_string()))
                        .collect(),
                    state.len(),
                ),
                Op::Join { table, .. } => (
                    "join table: newest message per key",
                    table
                        .iter()
                        .take(50)
                        .map(|(k, m)| (self.key_name(*k), format!("m{m}")))
                        .collect(),
                    table.len(),
                ),
                _ if n.kind == ElementKind::ReadModel => (
                    "view: newest event per key (visible since)",
                    n.view
                        .iter()
                        .take(50)
                        .map(|(k, (m, t))| {
                            (
                                self.key_name(*k),
                                format!("m{m} @ {}", crate::units::format_duration_us(*t)),
                            )
                        })
                        .collect(),
                    n.view.len(),
                ),
                _ => continue,
            };
            states.push(OperatorState {
                element: i as u32,
                what: what.to_string(),
                entries,
                size: size as u64,
            });
        }
        states
    }
}

fn fifo_item(msg: Msg, now: Time) -> Item {
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

/// Deliveries of one subscription partition that wait to be read.
fn part_queued(part: &SubPart, partition: &Partition) -> u64 {
    let next = part.next.max(partition.base);
    let ahead = partition.end().saturating_sub(next);
    ahead.saturating_sub(part.skip.range(next..).count() as u64)
}

fn first_unskipped<'p>(partition: &'p Partition, part: &SubPart, from: u64) -> Option<&'p Entry> {
    let mut offset = from;
    while part.skip.contains(&offset) {
        offset += 1;
    }
    partition.get(offset)
}

// Keep the HashMap import meaningful for readers: the engine deliberately
// uses BTreeMap wherever iteration order could reach output.
#[allow(dead_code)]
type _NoHashMapIteration = HashMap<(), ()>;
