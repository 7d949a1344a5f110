//! Faults on a schedule: an element down, slowed or failing for a while; a
//! workload's rate changed; a read model replaying its topics.

use std::collections::{BTreeMap, BTreeSet};

use super::super::SimError;
use super::super::trace::Outcome;
use super::Sim;
use super::consumers::Phase;
use super::ids::{NodeIx, SlotIx, SourceIx};
use super::runtime::{Action, Origin, ReplyTo};
use crate::model::{Arrival, ElementKind, Fault, FaultKind, Guarantee, Retention, US_PER_SEC};

impl Sim {
    /// Schedules a fault (at its own time, or now if that has passed).
    pub fn inject(&mut self, fault: Fault) -> Result<(), SimError> {
        let node = self
            .element_index(&fault.element)
            .map(NodeIx)
            .ok_or_else(|| SimError::UnknownElement(fault.element.clone()))?;
        let kind = self.nodes[node].kind;
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

    /// A fault starts or ends.
    pub(crate) fn on_fault(&mut self, i: u32, starting: bool) {
        let fault = self.faults[i as usize].clone();
        let Some(node) = self.element_index(&fault.element).map(NodeIx) else {
            return;
        };
        match fault.kind {
            FaultKind::Down { .. } => {
                if starting {
                    self.nodes[node].down += 1;
                    self.abort_all(node);
                } else {
                    let n = &mut self.nodes[node];
                    n.down = n.down.saturating_sub(1);
                    self.mark_dirty(node);
                }
            }
            FaultKind::Slow { factor, .. } => {
                self.nodes[node].slow = if starting { factor.max(1) } else { 1 };
            }
            FaultKind::Failing { rate, .. } => {
                self.nodes[node].failing = if starting { rate.clamp(0.0, 1.0) } else { 0.0 };
            }
            FaultKind::Rate { per_sec } => {
                if let Some(s) = self.sources.iter().position(|s| s.node == node) {
                    let s = SourceIx::from(s);
                    let source = &mut self.sources[s];
                    source.arrival = match source.arrival {
                        Arrival::Constant { .. } => Arrival::Constant { per_sec },
                        Arrival::Poisson { .. } => Arrival::Poisson { per_sec },
                        Arrival::Bursts { size, .. } => Arrival::Bursts {
                            size,
                            every_us: ((f64::from(size) * US_PER_SEC as f64 / per_sec).round()
                                as u64)
                                .max(1),
                        },
                    };
                    source.generation = source.generation.wrapping_add(1);
                    let generation = source.generation;
                    let at = self.now.max(source.start);
                    self.schedule(
                        at,
                        Action::Arrival {
                            source: s,
                            generation,
                        },
                    );
                }
            }
            FaultKind::Replay => self.replay(node),
        }
    }

    /// The node goes down: every attempt in progress is abandoned.
    fn abort_all(&mut self, node: NodeIx) {
        let slots: Vec<SlotIx> = self.nodes[node]
            .workers
            .iter()
            .copied()
            .filter(|s| !s.is_none())
            .collect();
        for slot in slots {
            let attempt = &self.slots[slot];
            let (mut item, effects_applied) = (attempt.item, attempt.phase == Phase::Webhooks);
            let error = format!("`{}` went down during the attempt", self.nodes[node].id);
            let guarantee = self.nodes[node].service.guarantee;
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
                        self.nodes[node].fifo.push_front(item);
                    }
                }
            }
        }
    }

    /// Event sourcing's time machine: a read model forgets its view and
    /// reads its topics again from the start of what they retain.
    fn replay(&mut self, node: NodeIx) {
        self.nodes[node].view.clear();
        for s in 0..self.nodes[node].subs.len() {
            let sub = self.nodes[node].subs[s];
            let topic = self.subs[sub].topic;
            let compact = matches!(self.topics[topic].retention, Retention::Compact);
            for part in 0..self.subs[sub].parts.len() {
                let partition = &self.topics[topic].partitions[part];
                let base = partition.base;
                let sp = &self.subs[sub].parts[part];
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
                let sp = &mut self.subs[sub].parts[part];
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
}
