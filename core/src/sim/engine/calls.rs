//! Synchronous coupling: calls (the event-command style), Event
//! Notification callbacks, webhooks and replies. The caller holds its
//! worker while it waits; a timeout or a down callee fails it.

use super::super::{FLAG_CALLBACK, FLAG_ERROR, FLAG_SYNC, FLAG_WEBHOOK, MsgKind};
use super::Sim;
use super::consumers::Phase;
use super::ids::{NodeIx, SlotIx};
use super::runtime::{Action, CallOut, Item, Msg, Origin, ReplyTo};

impl Sim {
    /// Issues the attempt's next call that applies to its input, or applies
    /// its effects when none is left.
    pub(crate) fn advance_calls(&mut self, slot: SlotIx) {
        let attempt = &self.slots[slot];
        let node = attempt.node;
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
                self.slots[slot].call_cursor = i;
                self.issue_call(slot, &call, 0);
            }
            None => self.do_effects(slot),
        }
    }

    /// If `callee` is down, counts `request` (a `what`: "call" from an
    /// attempt, "request" from a source) as a refused delivery to it and
    /// returns the caller's error. The one place a request meets a down
    /// callee, whoever sent it.
    pub(crate) fn refused_by_down_callee(
        &mut self,
        callee: NodeIx,
        request: &Msg,
        what: &str,
    ) -> Option<String> {
        if self.nodes[callee].down == 0 {
            return None;
        }
        self.totals.deliveries_expected += 1;
        self.nodes[callee].metrics.counters.received += 1;
        let id = &self.nodes[callee].id;
        let reason = format!("`{id}` is down: the {what} was refused");
        let error = format!("call to `{id}` refused: it is down");
        self.drop_delivery(callee, request, &reason, 1);
        Some(error)
    }

    /// Sends a synchronous request from an attempt and waits for the reply,
    /// the timeout, or an immediate refusal when the callee is down.
    pub(crate) fn issue_call(&mut self, slot: SlotIx, call: &CallOut, extra_flags: u8) {
        let attempt = &self.slots[slot];
        let (node, generation, parent) = (attempt.node, attempt.generation, attempt.item.msg);
        let call_id = self.next_call as u32;
        self.next_call += 1;
        let size = if extra_flags & FLAG_CALLBACK != 0 {
            100
        } else {
            self.nodes[call.ty].payload
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
        if let Some(error) = self.refused_by_down_callee(callee, &request, "call") {
            self.fail(slot, error);
            return;
        }
        self.slots[slot].waiting = Some((call_id, callee));
        let timeout = self.nodes[node].service.call_timeout_us;
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

    /// A call waited too long: the attempt fails (a webhook post is only
    /// counted as an error and the next one goes).
    pub(crate) fn on_call_timeout(&mut self, slot: SlotIx, generation: u32, call: u32) {
        let Some(attempt) = self.slots.get(slot) else {
            return;
        };
        if !attempt.live
            || attempt.generation != generation
            || attempt.waiting.map(|w| w.0) != Some(call)
        {
            return;
        }
        let callee = attempt.waiting.map_or(NodeIx(0), |w| w.1);
        let (phase, node) = (attempt.phase, attempt.node);
        self.slots[slot].waiting = None;
        let timeout = self.nodes[node].service.call_timeout_us;
        let error = format!(
            "call to `{}` timed out after {}",
            self.nodes[callee].id,
            crate::units::format_duration_us(timeout)
        );
        if phase == Phase::Webhooks {
            self.nodes[node].metrics.counters.errors += 1;
            self.slots[slot].webhook_cursor += 1;
            self.advance_webhooks(slot);
        } else {
            self.fail(slot, error);
        }
    }

    /// A reply reaches whoever waits for it; a caller that gave up drops it.
    pub(crate) fn deliver_reply(
        &mut self,
        reply_to: ReplyTo,
        callee: NodeIx,
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
                let waiting = self.slots.get(slot).is_some_and(|a| {
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
                self.slots[slot].waiting = None;
                let phase = self.slots[slot].phase;
                match (phase, error) {
                    (Phase::Webhooks, error) => {
                        if error.is_some() {
                            let node = self.slots[slot].node;
                            self.nodes[node].metrics.counters.errors += 1;
                        }
                        self.slots[slot].webhook_cursor += 1;
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
                            format!("{what} to `{}` failed: {error}", self.nodes[callee].id),
                        );
                    }
                    (Phase::Callback, None) => self.schedule_work(slot),
                    (_, None) => {
                        self.slots[slot].call_cursor += 1;
                        self.advance_calls(slot);
                    }
                }
            }
            ReplyTo::Source { call } => match self.source_calls.remove(&call) {
                Some((source, asked)) => {
                    self.totals.processed += 1;
                    let waited = self.now.saturating_sub(asked);
                    self.nodes[source].metrics.request_latency.record(waited);
                    let counters = &mut self.nodes[source].metrics.counters;
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

    /// A source's request waited too long: it counts as failed.
    pub(crate) fn on_source_call_timeout(&mut self, call: u64) {
        if let Some((source, _)) = self.source_calls.remove(&call) {
            self.nodes[source].metrics.counters.requests_failed += 1;
        }
    }

    /// Posts the attempt's next webhook and waits for its answer; when none
    /// is left the attempt finishes. A down subscriber is an error, not a
    /// failure of the attempt.
    pub(crate) fn advance_webhooks(&mut self, slot: SlotIx) {
        loop {
            let attempt = &self.slots[slot];
            let cursor = attempt.webhook_cursor;
            let Some(&(subscriber, mut msg)) = attempt.webhooks.get(cursor) else {
                self.finish(slot);
                return;
            };
            msg.flags |= FLAG_WEBHOOK;
            let (node, generation) = (attempt.node, attempt.generation);
            self.totals.deliveries_expected += 1;
            self.nodes[subscriber].metrics.counters.received += 1;
            if self.nodes[subscriber].down > 0 {
                let reason = format!("webhook subscriber `{}` is down", self.nodes[subscriber].id);
                self.drop_delivery(subscriber, &msg, &reason, 1);
                self.nodes[node].metrics.counters.errors += 1;
                self.slots[slot].webhook_cursor += 1;
                continue;
            }
            let call = self.next_call as u32;
            self.next_call += 1;
            self.slots[slot].waiting = Some((call, subscriber));
            let timeout = self.nodes[node].service.call_timeout_us;
            self.schedule(
                self.now.saturating_add(timeout),
                Action::CallTimeout {
                    slot,
                    generation,
                    call,
                },
            );
            self.nodes[subscriber].fifo.push_back(Item {
                msg,
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
}
