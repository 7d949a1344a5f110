//! Consumers: idle workers fetch the oldest delivery they may read (their
//! queue's head or the head of a partition they own), an attempt runs for a
//! drawn service time, and a success commits, records and answers.

use super::super::trace::{AttemptRecord, Outcome};
use super::super::{FLAG_CALLBACK, FLAG_DEAD_LETTER, FLAG_POISON, FLAG_SYNC, MsgKind, Time};
use super::Sim;
use super::broker::{TRIM_EVERY, first_unskipped};
use super::ids::{NodeIx, SlotIx, SubIx};
use super::runtime::{Action, CallOut, Item, Msg, Origin, ReplyTo};
use crate::model::EventPattern;

/// Where an attempt is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Calling back the source of an Event Notification for the state.
    Callback,
    /// Taking its service time.
    Work,
    /// Making its synchronous calls, one after another.
    Calls,
    /// Posting webhooks after the effect.
    Webhooks,
}

/// A consumer's attempt at one delivery.
#[derive(Debug)]
pub(crate) struct Attempt {
    pub(crate) live: bool,
    /// Bumped at each reuse, so stale events for the slot are ignored.
    pub(crate) generation: u32,
    pub(crate) node: NodeIx,
    pub(crate) worker: u32,
    pub(crate) item: Item,
    pub(crate) started: Time,
    pub(crate) phase: Phase,
    /// The call being made (an index into the node's calls).
    pub(crate) call_cursor: usize,
    /// Webhook posts owed after the effect: (subscriber, message).
    pub(crate) webhooks: Vec<(NodeIx, Msg)>,
    pub(crate) webhook_cursor: usize,
    /// The call waited on: (call id, callee).
    pub(crate) waiting: Option<(u32, NodeIx)>,
    /// The attempt crashes after its effect (drawn when the effect applies).
    pub(crate) crash: bool,
}

impl Sim {
    /// Gives idle workers of every node that may have work something to do.
    pub(crate) fn drain_dirty(&mut self) {
        while let Some(node) = self.dirty.pop() {
            self.nodes[node].dirty = false;
            if self.nodes[node].down > 0 {
                continue;
            }
            for worker in 0..self.nodes[node].workers.len() {
                if self.nodes[node].idle == 0 {
                    break;
                }
                if !self.nodes[node].workers[worker].is_none() {
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
    fn fetch(&mut self, node: NodeIx, worker: usize) -> Option<Item> {
        let now = self.now;
        let mut best: Option<(Time, Option<(SubIx, u32)>)> = None;
        let n = &self.nodes[node];
        if !n.fifo_stopped
            && let Some(head) = n.fifo.front()
        {
            best = Some((head.enqueued, None));
        }
        for &(sub, part) in &n.worker_parts[worker] {
            let s = &self.subs[sub];
            let sp = &s.parts[part as usize];
            if sp.stopped || sp.inflight.is_some() {
                continue;
            }
            let partition = &self.topics[s.topic].partitions[part as usize];
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
            None => self.nodes[node].fifo.pop_front(),
            Some((sub, part)) => {
                let topic = self.subs[sub].topic;
                let partition = &self.topics[topic].partitions[part as usize];
                let sp = &mut self.subs[sub].parts[part as usize];
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

    /// An attempt slot for a new attempt, reusing a free one in place (its
    /// generation moves on, so stale events for it are ignored).
    fn alloc_slot(&mut self, node: NodeIx, worker: u32, item: Item, phase: Phase) -> SlotIx {
        let started = self.now;
        match self.free_slots.pop() {
            Some(slot) => {
                let a = &mut self.slots[slot];
                a.live = true;
                a.generation = a.generation.wrapping_add(1);
                a.node = node;
                a.worker = worker;
                a.item = item;
                a.started = started;
                a.phase = phase;
                a.call_cursor = 0;
                a.webhooks.clear();
                a.webhook_cursor = 0;
                a.waiting = None;
                a.crash = false;
                slot
            }
            None => self.slots.push(Attempt {
                live: true,
                generation: 0,
                node,
                worker,
                item,
                started,
                phase,
                call_cursor: 0,
                webhooks: Vec::new(),
                webhook_cursor: 0,
                waiting: None,
                crash: false,
            }),
        }
    }

    fn start_attempt(&mut self, node: NodeIx, worker: u32, item: Item) {
        let needs_callback = self.needs_callback(node, &item.msg);
        let phase = if needs_callback {
            Phase::Callback
        } else {
            Phase::Work
        };
        self.guard_node(node);
        self.guard_attempts(node, &item);
        let slot = self.alloc_slot(node, worker, item, phase);
        self.nodes[node].workers[worker as usize] = slot;
        self.nodes[node].idle -= 1;
        if item.attempt > 1 || item.failures > 0 {
            self.nodes[node].metrics.counters.retries += 1;
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
    fn needs_callback(&self, node: NodeIx, msg: &Msg) -> bool {
        msg.kind == MsgKind::Event
            && msg.flags & (FLAG_SYNC | FLAG_DEAD_LETTER) == 0
            && self.nodes[msg.ty].pattern == Some(EventPattern::Notification)
            && msg.source != node
            && self
                .nodes
                .get(msg.source)
                .is_some_and(|source| source.kind.is_service())
    }

    /// Draws the attempt's service time and schedules its end.
    pub(crate) fn schedule_work(&mut self, slot: SlotIx) {
        let attempt = &self.slots[slot];
        let (node, generation) = (attempt.node, attempt.generation);
        let n = &mut self.nodes[node];
        let duration = n
            .rng
            .service_time(&n.service.service_time)
            .saturating_mul(u64::from(n.slow));
        self.slots[slot].phase = Phase::Work;
        self.schedule(
            self.now.saturating_add(duration),
            Action::Phase { slot, generation },
        );
    }

    /// The service time is over: a poison message fails here, anything else
    /// goes on to its calls.
    pub(crate) fn on_phase(&mut self, slot: SlotIx, generation: u32) {
        let Some(attempt) = self.slots.get(slot) else {
            return;
        };
        if !attempt.live || attempt.generation != generation || attempt.phase != Phase::Work {
            return;
        }
        if attempt.item.msg.flags & FLAG_POISON != 0 {
            let ty = attempt.item.msg.ty;
            let error = format!(
                "poison message: `{}` cannot deserialize this {}",
                self.nodes[attempt.node].id, self.nodes[ty].id
            );
            self.fail(slot, error);
            return;
        }
        self.slots[slot].phase = Phase::Calls;
        self.slots[slot].call_cursor = 0;
        self.advance_calls(slot);
    }

    /// Records how an attempt ended, in the trace.
    pub(crate) fn record_attempt(&mut self, slot: SlotIx, outcome: Outcome, error: Option<&str>) {
        let attempt = &self.slots[slot];
        let record = AttemptRecord {
            msg: attempt.item.msg.id,
            consumer: attempt.node.0,
            attempt: attempt.item.attempt.min(255) as u8,
            outcome,
            start: attempt.started,
            end: self.now,
        };
        self.trace.push_attempt(&record, error);
    }

    /// Frees an attempt's slot and its worker.
    pub(crate) fn release(&mut self, slot: SlotIx) {
        let attempt = &mut self.slots[slot];
        attempt.live = false;
        attempt.waiting = None;
        attempt.generation = attempt.generation.wrapping_add(1);
        let (node, worker) = (attempt.node, attempt.worker);
        if self.nodes[node].workers.get(worker as usize) == Some(&slot) {
            self.nodes[node].workers[worker as usize] = SlotIx::NONE;
            self.nodes[node].idle += 1;
        }
        self.free_slots.push(slot);
        self.mark_dirty(node);
    }

    /// Success: commit, record, answer whoever waits.
    pub(crate) fn finish(&mut self, slot: SlotIx) {
        let attempt = &self.slots[slot];
        let (node, origin, reply_to, started, root_time) = (
            attempt.node,
            attempt.item.origin,
            attempt.item.reply_to,
            attempt.started,
            attempt.item.msg.root_time,
        );
        let now = self.now;
        self.record_attempt(slot, Outcome::Processed, None);
        self.commit(origin);
        self.totals.processed += 1;
        let n = &mut self.nodes[node];
        n.metrics.counters.processed += 1;
        n.metrics.service_time.record(now - started);
        let latency = now.saturating_sub(root_time);
        n.metrics.latency.record(latency);
        self.interval_latency.record(latency);
        if reply_to == ReplyTo::Nobody {
            self.release(slot);
        } else {
            let msg = self.slots[slot].item.msg;
            self.release(slot);
            self.deliver_reply(reply_to, node, &msg, None);
        }
    }

    /// Advances a partition's committed offset past a finished delivery.
    pub(crate) fn commit(&mut self, origin: Origin) {
        if let Origin::Partition { sub, part, .. } = origin {
            let sp = &mut self.subs[sub].parts[part as usize];
            sp.inflight = None;
            sp.failures = 0;
            sp.effected = false;
            sp.attempt = 0;
            let topic = self.subs[sub].topic;
            let partition = &mut self.topics[topic].partitions[part as usize];
            partition.commits_since_trim += 1;
            if partition.commits_since_trim >= TRIM_EVERY {
                partition.commits_since_trim = 0;
                self.trim(topic, part);
            }
        }
    }
}
