//! The board compiled for a live run: which element sends what where, the
//! same routing the simulation compiles (core `sim::engine`), plus the
//! broker names of every stream, subject and consumer.

use std::collections::BTreeMap;

use stormflow_core::model::{
    Arrival, ElementId, ElementKind, EventPattern, FlowKind, Model, Operator, Retention, Service,
};
use stormflow_core::sim::{KeySpaces, MsgKind, Time};

use crate::names;

/// An output flow: the type it produces and the inputs it applies to.
#[derive(Clone, Debug)]
pub struct Out {
    /// Element index of the produced type.
    pub ty: u32,
    /// Input types it applies to (empty: all).
    pub on: Vec<u32>,
}

impl Out {
    /// Whether handling an input of type `input` uses this flow.
    pub fn applies_to(&self, input: u32) -> bool {
        self.on.is_empty() || self.on.contains(&input)
    }
}

/// A synchronous call an element makes while handling a message.
#[derive(Clone, Debug)]
pub struct CallOut {
    /// Element index of the request's type.
    pub ty: u32,
    /// Element index of the callee.
    pub callee: u32,
    /// Command or query.
    pub kind: MsgKind,
    /// Input types it applies to (empty: all).
    pub on: Vec<u32>,
}

/// A processor's operator, as the run applies it.
#[derive(Clone, Debug)]
pub enum OpPlan {
    /// One output per input.
    Pass,
    /// Keep this percentage.
    Filter(u32),
    /// Count per key in tumbling windows of this length.
    Aggregate(u64),
    /// Stream-table join against this topic (index into [`Plan::topics`]).
    Join(Option<usize>),
}

/// One element as the run uses it.
#[derive(Clone, Debug)]
pub struct NodePlan {
    /// Its id.
    pub id: ElementId,
    /// Its kind.
    pub kind: ElementKind,
    /// Its service parameters.
    pub service: Service,
    /// For an event type: its pattern.
    pub pattern: Option<EventPattern>,
    /// Payload of a message of this type.
    pub payload: u32,
    /// Events it emits.
    pub emits: Vec<Out>,
    /// Commands it triggers.
    pub triggers: Vec<Out>,
    /// Calls it makes.
    pub calls: Vec<CallOut>,
    /// Its operator.
    pub op: OpPlan,
}

/// Where a message of one type goes.
#[derive(Clone, Debug, Default)]
pub struct Route {
    /// Topics (indices into [`Plan::topics`]).
    pub topics: Vec<usize>,
    /// Bus consumers (indices into [`Plan::bus`]) for the type.
    pub bus: Vec<usize>,
    /// Webhook subscribers.
    pub webhooks: Vec<u32>,
    /// The handler of a command or query.
    pub handler: Option<u32>,
}

/// A topic and its stream.
#[derive(Clone, Debug)]
pub struct TopicPlan {
    /// Element index.
    pub node: u32,
    /// Stream name.
    pub stream: String,
    /// Partition count.
    pub partitions: u32,
    /// Retention.
    pub retention: Retention,
    /// Subscriptions reading it (indices into [`Plan::subs`]).
    pub subs: Vec<usize>,
}

/// One consumer group on one topic.
#[derive(Clone, Debug)]
pub struct SubPlan {
    /// Index into [`Plan::topics`].
    pub topic: usize,
    /// Element index of the consumer.
    pub node: u32,
    /// Group name.
    pub group: String,
}

/// One receiver of one bus message type (an event's direct consumer, a
/// command's handler).
#[derive(Clone, Debug)]
pub struct BusPlan {
    /// Element index of the message type.
    pub ty: u32,
    /// Element index of the receiver.
    pub node: u32,
}

/// A target a source picks from.
#[derive(Clone, Debug)]
pub struct SourceTarget {
    /// The flow from the source.
    pub flow: FlowKind,
    /// Element index of the type.
    pub ty: u32,
    /// Weight in the mix.
    pub weight: u64,
    /// Who answers (queries and calls).
    pub callee: Option<u32>,
    /// What it sends.
    pub kind: MsgKind,
}

/// A load generator.
#[derive(Clone, Debug)]
pub struct SourcePlan {
    /// Element index.
    pub node: u32,
    /// Arrival process.
    pub arrival: Arrival,
    /// Keys it spreads over.
    pub keys: u32,
    /// First key index of its space.
    pub key_base: u32,
    /// First arrival.
    pub start_us: u64,
    /// No arrivals after this.
    pub stop_us: Option<u64>,
    /// Poison share.
    pub poison_rate: f64,
    /// What it sends.
    pub targets: Vec<SourceTarget>,
    /// Sum of the weights.
    pub total_weight: u64,
}

/// The compiled board.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The board's broker name.
    pub board: String,
    /// Elements by index (id order, as in the simulation).
    pub nodes: Vec<NodePlan>,
    /// Element ids as text, by index.
    pub ids: Vec<String>,
    /// Index of each id.
    pub index: BTreeMap<String, u32>,
    /// Routes by message type.
    pub routes: Vec<Route>,
    /// Topics.
    pub topics: Vec<TopicPlan>,
    /// Topic index of each element (none: not a topic).
    pub topic_of: Vec<Option<usize>>,
    /// Consumer groups on topics.
    pub subs: Vec<SubPlan>,
    /// Bus receivers.
    pub bus: Vec<BusPlan>,
    /// Load generators, in element order.
    pub sources: Vec<SourcePlan>,
    /// Key spaces.
    pub keys: KeySpaces,
    /// Virtual time between samples of the series (the model's `sample_every`).
    pub sample_every_us: Time,
}

impl Plan {
    /// Compiles a model (assumed checked) into a plan.
    pub fn new(model: &Model) -> Plan {
        let ids: Vec<String> = model.ids().map(ToString::to_string).collect();
        let index: BTreeMap<String, u32> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.clone(), i as u32))
            .collect();
        let idx = |id: &ElementId| index.get(id.as_str()).copied();
        let board = names::board(&model.name);
        let mut nodes: Vec<NodePlan> = model
            .elements()
            .map(|element| NodePlan {
                id: element.id.clone(),
                kind: element.kind,
                service: element.service_or_default(),
                pattern: (element.kind == ElementKind::Event)
                    .then(|| element.event_or_default().pattern),
                payload: match element.kind {
                    ElementKind::Event => element.event_or_default().payload_bytes(),
                    ElementKind::Command => 300,
                    _ => 150,
                },
                emits: Vec::new(),
                triggers: Vec::new(),
                calls: Vec::new(),
                op: OpPlan::Pass,
            })
            .collect();
        let mut routes = vec![Route::default(); nodes.len()];
        let mut topics = Vec::new();
        let mut topic_of = vec![None; nodes.len()];
        for element in model.elements().filter(|e| e.kind == ElementKind::Topic) {
            let Some(node) = idx(&element.id) else {
                continue;
            };
            let spec = element.topic_or_default();
            topic_of[node as usize] = Some(topics.len());
            topics.push(TopicPlan {
                node,
                stream: names::stream_name(&board, element.id.as_str()),
                partitions: spec.partitions.max(1),
                retention: spec.retention,
                subs: Vec::new(),
            });
        }
        let mut subs = Vec::new();
        let mut bus: Vec<BusPlan> = Vec::new();
        for flow in model.sorted_flows() {
            let (Some(from), Some(to)) = (idx(&flow.from), idx(&flow.to)) else {
                continue;
            };
            let on: Vec<u32> = flow.on.iter().filter_map(idx).collect();
            let (from_kind, to_kind) = (nodes[from as usize].kind, nodes[to as usize].kind);
            match flow.kind {
                FlowKind::HandledBy | FlowKind::Reads => routes[from as usize].handler = Some(to),
                FlowKind::Emits => nodes[from as usize].emits.push(Out { ty: to, on }),
                FlowKind::Triggers => nodes[from as usize].triggers.push(Out { ty: to, on }),
                FlowKind::PublishedTo => {
                    if let Some(topic) = topic_of[to as usize] {
                        routes[from as usize].topics.push(topic);
                    }
                }
                FlowKind::Updates => push_bus(&mut bus, &mut routes, from, to),
                FlowKind::ConsumedBy if from_kind == ElementKind::Event => {
                    push_bus(&mut bus, &mut routes, from, to)
                }
                FlowKind::ConsumedBy => {
                    let Some(topic) = topic_of[from as usize] else {
                        continue;
                    };
                    let group = nodes[to as usize]
                        .service
                        .group
                        .clone()
                        .unwrap_or_else(|| nodes[to as usize].id.to_string());
                    topics[topic].subs.push(subs.len());
                    subs.push(SubPlan {
                        topic,
                        node: to,
                        group,
                    });
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
        // Asynchronous commands reach their handler over the bus.
        for ty in 0..nodes.len() {
            if nodes[ty].kind == ElementKind::Command
                && let Some(handler) = routes[ty].handler
            {
                push_bus(&mut bus, &mut routes, ty as u32, handler);
            }
        }
        for node in nodes.iter_mut() {
            for call in node.calls.iter_mut() {
                if call.callee == u32::MAX {
                    call.callee = routes[call.ty as usize].handler.unwrap_or(u32::MAX);
                }
            }
            node.calls.retain(|call| call.callee != u32::MAX);
        }
        for element in model
            .elements()
            .filter(|e| e.kind == ElementKind::Processor)
        {
            let Some(node) = idx(&element.id) else {
                continue;
            };
            nodes[node as usize].op = match element.operator() {
                Operator::Filter { keep_percent } => OpPlan::Filter(keep_percent.min(100)),
                Operator::Aggregate { window_us } => OpPlan::Aggregate(window_us.max(1)),
                Operator::Join { table } => {
                    OpPlan::Join(idx(&table).and_then(|t| topic_of[t as usize]))
                }
                Operator::Map | Operator::Enrich | Operator::Split | Operator::Merge => {
                    OpPlan::Pass
                }
            };
        }
        let keys = KeySpaces::of(model);
        let mut sources = Vec::new();
        for element in model.elements() {
            let (Some(workload), Some(node)) = (&element.workload, idx(&element.id)) else {
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
                let target = match flow.kind {
                    FlowKind::Issues => SourceTarget {
                        flow: flow.kind,
                        ty,
                        weight: weight_of(&flow.to),
                        callee: routes[ty as usize].handler,
                        kind: if nodes[ty as usize].kind == ElementKind::Query {
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
            let prefix = workload
                .key_prefix
                .clone()
                .unwrap_or_else(|| element.id.to_string());
            sources.push(SourcePlan {
                node,
                arrival: workload.arrival.clone(),
                keys: workload.keys.max(1),
                key_base: keys.base(&prefix).unwrap_or(0),
                start_us: workload.start_us,
                stop_us: workload.stop_us,
                poison_rate: workload.poison_rate,
                total_weight: targets.iter().map(|t| t.weight).sum(),
                targets,
            });
        }
        Plan {
            board,
            nodes,
            ids,
            index,
            routes,
            topics,
            topic_of,
            subs,
            bus,
            sources,
            keys,
            sample_every_us: model.run.sample_every_us.max(1),
        }
    }

    /// The element index of an id.
    pub fn index_of(&self, id: &str) -> Option<u32> {
        self.index.get(id).copied()
    }

    /// The subject of a topic partition.
    pub fn partition_subject(&self, topic: usize, partition: u32) -> String {
        let node = self.topics[topic].node as usize;
        names::partition_subject(&self.board, &self.ids[node], partition)
    }

    /// The bus subject of a message type.
    pub fn bus_subject(&self, ty: u32) -> String {
        names::bus_subject(&self.board, &self.ids[ty as usize])
    }

    /// The request subject an element serves.
    pub fn rpc_subject(&self, node: u32) -> String {
        names::rpc_subject(&self.board, &self.ids[node as usize])
    }

    /// The partition a key goes to on a topic: murmur2 of the key's name, as
    /// in the simulation and Kafka.
    pub fn partition_of(&self, topic: usize, key: u32) -> u32 {
        stormflow_core::sim::partition_for(
            self.keys.name(key).as_bytes(),
            self.topics[topic].partitions,
        )
    }

    #[cfg(test)]
    /// Deliveries one publish of type `ty` owes: every group of every topic
    /// it goes to, plus its bus receivers.
    pub fn fan_out(&self, ty: u32) -> u64 {
        let route = &self.routes[ty as usize];
        let groups: usize = route
            .topics
            .iter()
            .map(|t| self.topics[*t].subs.len())
            .sum();
        (groups + route.bus.len()) as u64
    }
}

fn push_bus(bus: &mut Vec<BusPlan>, routes: &mut [Route], ty: u32, node: u32) {
    if bus.iter().any(|b| b.ty == ty && b.node == node) {
        return;
    }
    routes[ty as usize].bus.push(bus.len());
    bus.push(BusPlan { ty, node });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shop() -> Model {
        let text = include_str!("../../samples/online-shop.ron");
        stormflow_core::format::from_ron_str(text).expect("the sample loads")
    }

    #[test]
    fn the_shop_routes_like_the_simulation() {
        let plan = Plan::new(&shop());
        let orders = plan.topic_of[plan.index_of("orders").unwrap() as usize].unwrap();
        assert_eq!(plan.topics[orders].partitions, 6);
        assert_eq!(plan.topics[orders].subs.len(), 4);
        let placed = plan.index_of("order-placed").unwrap();
        assert_eq!(plan.fan_out(placed), 4);
        let place = plan.index_of("place-order").unwrap();
        assert_eq!(plan.fan_out(place), 1, "a command has one handler");
        let billing = plan.index_of("billing").unwrap();
        assert_eq!(plan.nodes[billing as usize].calls.len(), 1);
        assert_eq!(plan.sources.len(), 1);
        assert_eq!(plan.sources[0].total_weight, 5);
        assert_eq!(plan.board, "online-shop");
    }
}
