//! Compiling a model into the engine's runtime tables, in named steps:
//! nodes, topics, flows (routes, outputs, subscriptions), calls, the
//! partitions each worker reads, operators and workload sources.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::super::metrics::{ElementMetrics, Latency, Series};
use super::super::random::Stream;
use super::super::trace::Trace;
use super::super::{MsgKind, SimError, SimOptions, Totals};
use super::Sim;
use super::broker::{KEY_HASH_CACHE, Partition, Sub, SubPart, TopicRt};
use super::guards::Guards;
use super::ids::{NodeIx, SlotIx, SourceIx, SubIx, Table, TopicIx};
use super::queue::Queue;
use super::runtime::{Action, CallOut, Node, OWN_ARRIVALS, Op, Out, Route};
use super::sources::{Source, SourceTarget};
use crate::check::{Severity, check};
use crate::model::{ElementId, ElementKind, FaultKind, FlowKind, Model, Operator, Retention};

/// Element ids to node indices (elements in id order).
type Index = BTreeMap<ElementId, u32>;

fn node_of(index: &Index, id: &ElementId) -> Option<NodeIx> {
    index.get(id).copied().map(NodeIx)
}

impl Sim {
    /// Compiles a model into a run. Refuses a model whose checks report errors.
    pub fn new(model: &Model, options: &SimOptions) -> Result<Sim, SimError> {
        refuse_errors(model)?;
        Self::new_without_checks(model, options)
    }

    /// Compiles a model into a run without asking the checks first: for a
    /// tool that has shown them already, and to show that the engine guards
    /// itself (it stops a run that spins, retries without end or outgrows
    /// its memory) whatever the checks would have said. Faults that do not
    /// apply are still refused.
    pub fn new_without_checks(model: &Model, options: &SimOptions) -> Result<Sim, SimError> {
        let seed = options.seed.unwrap_or(model.run.seed);
        let index: Index = model
            .ids()
            .enumerate()
            .map(|(i, id)| (id.clone(), i as u32))
            .collect();
        let mut nodes = compile_nodes(model, seed);
        let (mut topics, topic_of) = compile_topics(model, &index);
        let mut routes = Table::from_vec(vec![Route::default(); nodes.len()]);
        let subs = compile_flows(
            model,
            &index,
            &mut nodes,
            &mut routes,
            &mut topics,
            &topic_of,
        );
        resolve_calls(&mut nodes, &routes);
        assign_partitions(&mut nodes, &subs);
        compile_operators(model, &index, &mut nodes, &topic_of);
        let keys = super::super::keys::KeySpaces::of(model);
        let sources = compile_sources(model, &index, &nodes, &routes, &keys, seed);

        let trace_limit = options.trace_limit.unwrap_or(model.run.trace_limit);
        let expected_messages = sources
            .iter()
            .map(|s| s.arrival.mean_per_sec() * model.run.horizon_us as f64 / 1e6 * 4.0)
            .sum::<f64>()
            .min(1e7) as usize;
        let (trace_limit, expected_messages) = if options.trace_off {
            (0, 0)
        } else {
            (trace_limit, expected_messages)
        };
        let series = Series {
            queue_depth: vec![Vec::new(); nodes.len()],
            lag: vec![Vec::new(); subs.len()],
            consistency_p99: vec![Vec::new(); nodes.len()],
            ..Series::default()
        };
        let mut sim = Sim {
            seed,
            now: 0,
            events_done: 0,
            queue: Queue::default(),
            routes,
            topic_of,
            index,
            topics,
            subs,
            sources,
            key_hash: vec![u32::MAX; (keys.total() as usize).min(KEY_HASH_CACHE)],
            keys,
            slots: Table::default(),
            free_slots: Vec::new(),
            parked: Table::default(),
            free_parked: Vec::new(),
            source_calls: BTreeMap::new(),
            next_call: 0,
            next_id: 0,
            faults: Vec::new(),
            totals: Totals::default(),
            drop_reasons: BTreeMap::new(),
            trace: Trace::new(trace_limit, expected_messages),
            dirty: Vec::new(),
            sample_every: model.run.sample_every_us.max(1),
            series,
            interval_latency: Latency::default(),
            last_sample_processed: 0,
            horizon: model.run.horizon_us,
            scratch_outputs: Vec::new(),
            guards: Guards::new(nodes.len(), options),
            nodes,
        };
        for source in sim.sources.indices() {
            let start = sim.sources[source].start;
            sim.schedule(
                start,
                Action::Arrival {
                    source,
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
}

/// A model with check errors does not run: the errors say what to fix.
fn refuse_errors(model: &Model) -> Result<(), SimError> {
    let errors: Vec<_> = check(model)
        .into_iter()
        .filter(|p| p.severity == Severity::Error)
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(SimError::ModelErrors(errors))
    }
}

/// One node per element, in id order, with its service, message size and
/// random stream.
fn compile_nodes(model: &Model, seed: u64) -> Table<NodeIx, Node> {
    let nodes = model
        .elements()
        .enumerate()
        .map(|(i, element)| {
            let service = element.service_or_default();
            let instances = service.instances.max(1) as usize;
            let pattern =
                (element.kind == ElementKind::Event).then(|| element.event_or_default().pattern);
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
                workers: vec![SlotIx::NONE; instances],
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
    Table::from_vec(nodes)
}

/// A runtime log per topic, and each node's topic (`TopicIx::NONE` if it
/// is not one).
fn compile_topics(
    model: &Model,
    index: &Index,
) -> (Table<TopicIx, TopicRt>, Table<NodeIx, TopicIx>) {
    let mut topics = Table::default();
    let mut topic_of = Table::from_vec(vec![TopicIx::NONE; index.len()]);
    for element in model.elements().filter(|e| e.kind == ElementKind::Topic) {
        let Some(node) = node_of(index, &element.id) else {
            continue;
        };
        let spec = element.topic_or_default();
        topic_of[node] = topics.push(TopicRt {
            node,
            partitions: (0..spec.partitions.max(1))
                .map(|_| Partition::default())
                .collect(),
            subs: Vec::new(),
            keep_all: matches!(spec.retention, Retention::Compact),
            retention: spec.retention,
        });
    }
    (topics, topic_of)
}

/// Flows become routes by message type, outputs of nodes and subscriptions
/// of consumer groups to topics.
fn compile_flows(
    model: &Model,
    index: &Index,
    nodes: &mut Table<NodeIx, Node>,
    routes: &mut Table<NodeIx, Route>,
    topics: &mut Table<TopicIx, TopicRt>,
    topic_of: &Table<NodeIx, TopicIx>,
) -> Table<SubIx, Sub> {
    let replay_targets: BTreeSet<&ElementId> = model
        .faults
        .iter()
        .filter(|f| matches!(f.kind, FaultKind::Replay))
        .map(|f| &f.element)
        .collect();
    let mut subs: Table<SubIx, Sub> = Table::default();
    for flow in model.sorted_flows() {
        let (Some(from), Some(to)) = (node_of(index, &flow.from), node_of(index, &flow.to)) else {
            continue;
        };
        // An `on` entry naming the flow's own source means its workload's
        // arrivals, which are not an input type: it never matches one.
        let on: Vec<NodeIx> = flow
            .on
            .iter()
            .filter_map(|id| node_of(index, id))
            .map(|input| if input == from { OWN_ARRIVALS } else { input })
            .collect();
        let (from_kind, to_kind) = (nodes[from].kind, nodes[to].kind);
        match flow.kind {
            FlowKind::HandledBy | FlowKind::Reads => routes[from].handler = Some(to),
            FlowKind::Emits => nodes[from].emits.push(Out { ty: to, on }),
            FlowKind::Triggers => nodes[from].triggers.push(Out { ty: to, on }),
            FlowKind::PublishedTo => routes[from].topics.push(topic_of[to]),
            FlowKind::Updates => routes[from].direct.push(to),
            FlowKind::ConsumedBy if from_kind == ElementKind::Event => routes[from].direct.push(to),
            FlowKind::ConsumedBy => {
                let topic = topic_of[from];
                if topic.is_none() {
                    continue;
                }
                let group = nodes[to]
                    .service
                    .group
                    .clone()
                    .unwrap_or_else(|| nodes[to].id.to_string());
                let partitions = topics[topic].partitions.len();
                let sub = subs.push(Sub {
                    topic,
                    node: to,
                    group,
                    parts: vec![SubPart::default(); partitions],
                });
                topics[topic].subs.push(sub);
                nodes[to].subs.push(sub);
                let replayable = to_kind == ElementKind::ReadModel
                    && (replay_targets.contains(&flow.to)
                        || matches!(topics[topic].retention, Retention::Forever));
                if replayable {
                    topics[topic].keep_all = true;
                }
            }
            FlowKind::Webhook => routes[from].webhooks.push(to),
            FlowKind::Call => {
                let (callee, kind) = match to_kind {
                    ElementKind::Command => (NodeIx::NONE, MsgKind::Command),
                    ElementKind::Query => (NodeIx::NONE, MsgKind::Query),
                    ElementKind::ReadModel => (to, MsgKind::Query),
                    _ => (to, MsgKind::Command),
                };
                nodes[from].calls.push(CallOut {
                    ty: to,
                    callee,
                    kind,
                    on,
                });
            }
            FlowKind::Issues => {}
        }
    }
    subs
}

/// Calls to a command or query go to its handler; calls nobody answers are dropped.
fn resolve_calls(nodes: &mut Table<NodeIx, Node>, routes: &Table<NodeIx, Route>) {
    for node in nodes.iter_mut() {
        for call in node.calls.iter_mut() {
            if call.callee.is_none() {
                call.callee = routes[call.ty].handler.unwrap_or(NodeIx::NONE);
            }
        }
        node.calls.retain(|call| !call.callee.is_none());
    }
}

/// Each worker of a consumer owns a share of its partitions, round robin.
fn assign_partitions(nodes: &mut Table<NodeIx, Node>, subs: &Table<SubIx, Sub>) {
    for node in nodes.iter_mut() {
        let workers = node.workers.len();
        let mut n = 0usize;
        for sub in &node.subs {
            for part in 0..subs[*sub].parts.len() {
                node.worker_parts[n % workers].push((*sub, part as u32));
                n += 1;
            }
        }
    }
}

/// Processors' operators.
fn compile_operators(
    model: &Model,
    index: &Index,
    nodes: &mut Table<NodeIx, Node>,
    topic_of: &Table<NodeIx, TopicIx>,
) {
    for element in model
        .elements()
        .filter(|e| e.kind == ElementKind::Processor)
    {
        let Some(node) = node_of(index, &element.id) else {
            continue;
        };
        nodes[node].op = match element.operator() {
            Operator::Filter { keep_percent } => Op::Filter(keep_percent.min(100)),
            Operator::Aggregate { window_us } => Op::Aggregate {
                window_us: window_us.max(1),
                state: BTreeMap::new(),
                scheduled: None,
            },
            Operator::Join { table } => Op::Join {
                table_topic: node_of(index, &table).map_or(TopicIx::NONE, |t| topic_of[t]),
                table: BTreeMap::new(),
            },
            Operator::Map | Operator::Enrich | Operator::Split | Operator::Merge => Op::Pass,
        };
    }
}

/// A source per workload, with the targets it picks from by weight.
fn compile_sources(
    model: &Model,
    index: &Index,
    nodes: &Table<NodeIx, Node>,
    routes: &Table<NodeIx, Route>,
    keys: &super::super::keys::KeySpaces,
    seed: u64,
) -> Table<SourceIx, Source> {
    let mut sources: Table<SourceIx, Source> = Table::default();
    for element in model.elements() {
        let Some(workload) = &element.workload else {
            continue;
        };
        let Some(node) = node_of(index, &element.id) else {
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
            let Some(ty) = node_of(index, &flow.to) else {
                continue;
            };
            let to_kind = nodes[ty].kind;
            let target = match flow.kind {
                FlowKind::Issues => SourceTarget {
                    flow: flow.kind,
                    ty,
                    weight: weight_of(&flow.to),
                    callee: routes[ty].handler,
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
                    let Some(call) = nodes[node].calls.iter().find(|c| c.ty == ty) else {
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
        let key_base = keys.base(&prefix).unwrap_or(0);
        let total_weight = targets.iter().map(|t| t.weight).sum();
        let component = sources.len() as u64;
        sources.push(Source {
            node,
            arrival: workload.arrival.clone(),
            keys: size,
            key_base,
            start: workload.start_us,
            stop: workload.stop_us,
            poison_rate: workload.poison_rate,
            targets,
            total_weight,
            rng: Stream::new(seed, component),
            generation: 0,
        });
    }
    sources
}
