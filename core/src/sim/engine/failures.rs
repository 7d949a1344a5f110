//! Failure handling, per the consumer's guarantee and policy: retries with
//! backoff, a dead-letter topic, dropping with a reason, or stopping the
//! partition (what an untreated poison message does).

use super::super::trace::{AttemptRecord, DeadLetter, Outcome};
use super::super::{FLAG_DEAD_LETTER, FLAG_SYNC, FLAG_WEBHOOK, MsgKind, Time};
use super::Sim;
use super::ids::{NodeIx, ParkIx, SlotIx};
use super::runtime::{Action, Item, Msg, Origin, ReplyTo};
use crate::model::{ElementId, Guarantee, OnExhausted};

impl Sim {
    /// A failure before the effect: an error to retry, dead-letter, drop or stop on.
    pub(crate) fn fail(&mut self, slot: SlotIx, error: String) {
        let attempt = &self.slots[slot];
        let (node, mut item) = (attempt.node, attempt.item);
        self.nodes[node].metrics.counters.errors += 1;
        let service = &self.nodes[node].service;
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
            let delay = self.nodes[node]
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
    pub(crate) fn fail_crash(&mut self, slot: SlotIx) {
        let attempt = &self.slots[slot];
        let (node, mut item) = (attempt.node, attempt.item);
        let guarantee = self.nodes[node].service.guarantee;
        let error = format!("`{}` crashed while processing", self.nodes[node].id);
        if item.reply_to != ReplyTo::Nobody {
            self.fail(slot, error);
            return;
        }
        self.nodes[node].metrics.counters.errors += 1;
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
                let delay = self.nodes[node].service.retry.backoff.delay_us(1);
                self.release(slot);
                self.requeue(node, item, delay);
            }
        }
    }

    /// Puts a delivery back to be tried again after `delay`.
    pub(crate) fn requeue(&mut self, node: NodeIx, mut item: Item, delay: Time) {
        item.attempt += 1;
        match item.origin {
            Origin::Partition { sub, part, offset } => {
                let topic = self.subs[sub].topic;
                let base = self.topics[topic].partitions[part as usize].base;
                let sp = &mut self.subs[sub].parts[part as usize];
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
                        self.parked[i] = Some(item);
                        i
                    }
                    None => self.parked.push(Some(item)),
                };
                self.nodes[node].parked += 1;
                self.schedule(
                    self.now.saturating_add(delay),
                    Action::RetryDue { node, parked },
                );
            }
        }
    }

    /// A parked retry is due: back into its node's queue.
    pub(crate) fn on_retry_due(&mut self, node: NodeIx, parked: ParkIx) {
        if let Some(item) = self.parked.get_mut(parked).and_then(Option::take) {
            self.free_parked.push(parked);
            let n = &mut self.nodes[node];
            n.parked = n.parked.saturating_sub(1);
            n.fifo.push_back(item);
            self.mark_dirty(node);
        }
    }

    /// Stops the partition (or the queue) at this delivery: it stays queued
    /// and nothing behind it moves.
    pub(crate) fn stop(&mut self, node: NodeIx, mut item: Item) {
        match item.origin {
            Origin::Partition { sub, part, offset } => {
                let sp = &mut self.subs[sub].parts[part as usize];
                sp.inflight = None;
                sp.next = offset;
                sp.stopped = true;
            }
            Origin::Fifo => {
                item.attempt += 1;
                let n = &mut self.nodes[node];
                n.fifo.push_front(item);
                n.fifo_stopped = true;
            }
        }
    }

    /// Moves a delivery whose retries are used up to the dead-letter topic,
    /// with the error and where it was read from in its headers.
    fn dead_letter(&mut self, node: NodeIx, item: &Item, target: &ElementId, error: String) {
        self.totals.dead_lettered += 1;
        self.nodes[node].metrics.counters.dead_lettered += 1;
        let Some(target) = self.index.get(target).copied().map(NodeIx) else {
            return;
        };
        let topic = self.topic_of[target];
        if topic.is_none() {
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
            Origin::Partition { sub, part, offset } => {
                (self.topics[self.subs[sub].topic].node.0, part, offset)
            }
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
    pub(crate) fn count_drop(&mut self, node: NodeIx, reason: &str, count: u64, sync: bool) {
        self.totals.dropped += count;
        let n = &mut self.nodes[node];
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
    pub(crate) fn drop_delivery(&mut self, node: NodeIx, msg: &Msg, reason: &str, attempt: u8) {
        let sync = msg.kind == MsgKind::Reply || msg.flags & (FLAG_SYNC | FLAG_WEBHOOK) != 0;
        self.count_drop(node, reason, 1, sync);
        if attempt > 0 {
            self.trace.push_attempt(
                &AttemptRecord {
                    msg: msg.id,
                    consumer: node.0,
                    attempt,
                    outcome: Outcome::Dropped,
                    start: self.now,
                    end: self.now,
                },
                Some(reason),
            );
        }
    }
}
