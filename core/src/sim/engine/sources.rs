//! Workload sources: actors and external systems emitting events, issuing
//! commands, and asking queries or calling services (then waiting), at
//! their arrival process over their key space.

use super::super::random::Stream;
use super::super::{FLAG_POISON, FLAG_SYNC, MsgKind, Time};
use super::Sim;
use super::ids::{NodeIx, SourceIx};
use super::runtime::{Action, Item, ReplyTo};
use crate::model::{Arrival, FlowKind, US_PER_SEC};

/// One kind of message a source sends, and how often relative to the others.
#[derive(Clone, Debug)]
pub(crate) struct SourceTarget {
    pub(crate) flow: FlowKind,
    pub(crate) ty: NodeIx,
    pub(crate) weight: u64,
    /// Who answers a request (none: nobody handles it).
    pub(crate) callee: Option<NodeIx>,
    pub(crate) kind: MsgKind,
}

/// A workload at run time.
#[derive(Debug)]
pub(crate) struct Source {
    pub(crate) node: NodeIx,
    pub(crate) arrival: Arrival,
    pub(crate) keys: u32,
    pub(crate) key_base: u32,
    pub(crate) start: Time,
    pub(crate) stop: Option<Time>,
    pub(crate) poison_rate: f64,
    pub(crate) targets: Vec<SourceTarget>,
    pub(crate) total_weight: u64,
    pub(crate) rng: Stream,
    /// Bumped when the rate changes, so the old arrival chain stops.
    pub(crate) generation: u32,
}

impl Sim {
    /// An arrival: a batch of messages, and the next arrival scheduled.
    pub(crate) fn on_arrival(&mut self, s: SourceIx, generation: u32) {
        let source = &self.sources[s];
        if source.generation != generation || source.stop.is_some_and(|stop| self.now >= stop) {
            return;
        }
        let (batch, gap) = {
            let source = &mut self.sources[s];
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

    /// One message from a source: a target picked by weight, a key, maybe poison.
    fn emit_from_source(&mut self, s: SourceIx) {
        let source = &mut self.sources[s];
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
        let size = self.nodes[target.ty].payload;
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
                    let reason = format!("no handler for `{}`", self.nodes[target.ty].id);
                    self.drop_delivery(node, &msg, &reason, 1);
                    self.nodes[node].metrics.counters.requests_failed += 1;
                    return;
                };
                if self
                    .refused_by_down_callee(callee, &msg, "request")
                    .is_some()
                {
                    self.nodes[node].metrics.counters.requests_failed += 1;
                    return;
                }
                let call = self.next_call;
                self.next_call += 1;
                self.source_calls.insert(call, (node, self.now));
                let timeout = self.nodes[node].service.call_timeout_us;
                self.schedule(
                    self.now.saturating_add(timeout),
                    Action::SourceCallTimeout { call },
                );
                let mut item = Item::fifo(msg, self.now);
                item.reply_to = ReplyTo::Source { call };
                self.enqueue(callee, item);
            }
        }
    }
}
