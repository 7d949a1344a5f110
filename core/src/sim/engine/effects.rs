//! Effects of a handled message: operators (filter, windowed aggregate,
//! join), the outputs they produce, and routing a new message to its
//! topics, direct consumers, webhooks or handler.

use super::super::trace::MessageRecord;
use super::super::{MsgId, MsgKind, NO_MSG};
use super::Sim;
use super::consumers::Phase;
use super::ids::{NodeIx, SlotIx};
use super::runtime::{Action, AggState, Item, Msg, Op};
use crate::model::{ElementKind, Guarantee};

/// Most contributors a fan-in result links to.
const MAX_LINKS: usize = 32;

impl Sim {
    /// The effects of a successful attempt: outputs produced and routed;
    /// then a crash (drawn here), webhooks, or the finish.
    pub(crate) fn do_effects(&mut self, slot: SlotIx) {
        let attempt = &self.slots[slot];
        let node = attempt.node;
        let n = &mut self.nodes[node];
        let p = 1.0 - (1.0 - n.service.failure_rate) * (1.0 - n.failing);
        let crash = n.rng.chance(p);
        let guarantee = n.service.guarantee;
        self.slots[slot].crash = crash;
        if crash && guarantee != Guarantee::AtLeastOnce {
            self.fail_crash(slot);
            return;
        }
        let item = self.slots[slot].item;
        if item.effected {
            self.nodes[node].metrics.counters.duplicates += 1;
            self.totals.duplicates += 1;
        }
        self.slots[slot].item.effected = true;
        let mut webhooks = std::mem::take(&mut self.slots[slot].webhooks);
        self.apply_outputs(node, &item.msg, Some(&mut webhooks));
        self.slots[slot].webhooks = webhooks;
        if crash {
            self.fail_crash(slot);
        } else if self.slots[slot].webhooks.is_empty() {
            self.finish(slot);
        } else {
            self.slots[slot].phase = Phase::Webhooks;
            self.slots[slot].webhook_cursor = 0;
            self.advance_webhooks(slot);
        }
    }

    /// Produces a node's outputs for one handled input, per its kind and operator.
    fn apply_outputs(
        &mut self,
        node: NodeIx,
        input: &Msg,
        webhooks: Option<&mut Vec<(NodeIx, Msg)>>,
    ) {
        // A query (a callback included) returns data and changes nothing.
        if input.kind == MsgKind::Query {
            return;
        }
        let kind = self.nodes[node].kind;
        if kind == ElementKind::ReadModel && input.kind == MsgKind::Event {
            let now = self.now;
            let n = &mut self.nodes[node];
            n.view.insert(input.key, (input.id, now));
            let window = now.saturating_sub(input.created);
            n.metrics.consistency.record(window);
            n.interval_consistency.record(window);
        }
        let mut outputs = std::mem::take(&mut self.scratch_outputs);
        outputs.clear();
        let mut link: Option<MsgId> = None;
        let emit_now = match &mut self.nodes[node].op {
            Op::Pass => true,
            Op::Filter(keep) => {
                let keep = f64::from(*keep) / 100.0;
                self.nodes[node].rng.chance(keep)
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
                let from_table = self.topics.get(*table_topic).is_some_and(|t| {
                    self.routes[input.ty].topics.contains(table_topic) && !t.node.is_none()
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
            let n = &self.nodes[node];
            for out in n.emits.iter().filter(|o| o.applies_to(input.ty)) {
                outputs.push((out.ty, MsgKind::Event));
            }
            for out in n.triggers.iter().filter(|o| o.applies_to(input.ty)) {
                outputs.push((out.ty, MsgKind::Command));
            }
        }
        let mut webhooks = webhooks;
        for &(ty, kind) in &outputs {
            let size = self.nodes[ty].payload;
            let msg = self.produce(node, ty, kind, Some(input), input.key, 0, size);
            if let Some(link) = link {
                self.trace.push_links(msg.id, &[link]);
            }
            self.route(msg, webhooks.as_deref_mut());
        }
        self.scratch_outputs = outputs;
    }

    /// A tumbling window ends: one result per key, linked to what it counted.
    pub(crate) fn on_window_close(&mut self, node: NodeIx, window: u64) {
        let results: Vec<(u32, AggState)> = match &mut self.nodes[node].op {
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
            let outs: Vec<NodeIx> = self.nodes[node]
                .emits
                .iter()
                .filter(|o| o.applies_to(last.ty))
                .map(|o| o.ty)
                .collect();
            for ty in outs {
                let size = self.nodes[ty].payload;
                let msg = self.produce(node, ty, MsgKind::Event, Some(&last), key, 0, size);
                self.trace.push_links(msg.id, &agg.contributors);
                self.route(msg, None);
            }
        }
    }

    /// Sends a new message where its type goes: topics, direct consumers and
    /// webhooks for an event; the handler for a command or query.
    pub(crate) fn route(&mut self, msg: Msg, webhooks: Option<&mut Vec<(NodeIx, Msg)>>) {
        let ty = msg.ty;
        match msg.kind {
            MsgKind::Event => {
                for t in 0..self.routes[ty].topics.len() {
                    let topic = self.routes[ty].topics[t];
                    self.append(topic, msg);
                }
                for d in 0..self.routes[ty].direct.len() {
                    let consumer = self.routes[ty].direct[d];
                    self.enqueue(consumer, Item::fifo(msg, self.now));
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
                                self.enqueue(subscriber, Item::fifo(msg, self.now));
                            }
                        }
                    }
                }
            }
            MsgKind::Command | MsgKind::Query => match self.routes[ty].handler {
                Some(handler) => self.enqueue(handler, Item::fifo(msg, self.now)),
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
    pub(crate) fn enqueue(&mut self, node: NodeIx, item: Item) {
        self.totals.deliveries_expected += 1;
        let n = &mut self.nodes[node];
        n.metrics.counters.received += 1;
        n.fifo.push_back(item);
        self.mark_dirty(node);
    }

    /// Creates a message (and offers it to the trace).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn produce(
        &mut self,
        source: NodeIx,
        ty: NodeIx,
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
            depth: cause.map_or(0, |c| c.depth.saturating_add(1)),
        };
        if msg.depth > self.guards.max_chain_depth {
            self.stop_endless_loop(source, msg.depth);
        }
        self.totals.messages_produced += 1;
        self.nodes[source].metrics.counters.out += 1;
        self.trace.push_message(&MessageRecord {
            id,
            ty: ty.0,
            kind,
            key,
            time: self.now,
            source: source.0,
            causation: msg.causation,
            correlation: msg.correlation,
            payload_bytes: size,
            partition: u16::MAX,
            offset: 0,
            flags,
        });
        msg
    }
}
