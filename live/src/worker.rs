//! Consumers at work: reading deliveries off a long-lived subscription,
//! holding them while the element is down, and settling each one as its
//! guarantee says (DESIGN.md section 4, docs/live.md).

use std::collections::VecDeque;
use std::time::Duration;

use stormflow_core::model::{Guarantee, OnExhausted};
use stormflow_core::sim::{AttemptRecord, DeadLetter, FLAG_DEAD_LETTER, MsgKind, Outcome};

use crate::attempt::{End, Origin, attempt};
use crate::broker::{Broker, Delivery, Settle};
use crate::envelope::{self, Envelope};
use crate::record::ConsumerSlot;
use crate::send::publish_to_topic;
use crate::shared::{Handle, Shared};

/// How many deliveries a topic partition's subscription keeps asked for.
/// Its consumer hands out one unsettled delivery at a time
/// (`max_ack_pending = 1`), so this only makes the next one ready at the
/// broker the moment the previous is settled.
const PARTITION_BATCH: usize = 16;

/// Reads one durable consumer through a long-lived subscription until the
/// run's final count is taken. A bus consumer's workers each ask for one
/// delivery at a time, so none sits in a busy worker's buffer.
///
/// While paused (the element down, the run stopping, its partition or bus
/// queue stopped on an exhausted message) it settles nothing: it holds what
/// reaches it, unsettled, and keeps it from timing out. JetStream counts it
/// as waiting, and a delivery that arrives meanwhile is never left unseen
/// in a buffer until JetStream redelivers it as a second copy. A paused
/// consumer holds one delivery, except a bus worker at the end of the run:
/// it holds all it is given, so a retry whose backoff ends before the final
/// count is handed to it rather than left in JetStream's redelivery queue,
/// which JetStream 2.9 counts twice (pending and unacknowledged).
pub async fn consume<B: Broker>(
    sh: Handle<B>,
    consumer: B::Consumer,
    c: usize,
    node: u32,
    ack_wait: Duration,
) {
    let rt = &sh.nodes[node as usize];
    let is_bus = matches!(sh.rec().slot(c), Some(ConsumerSlot::Bus(_)));
    let mut signals = Signals {
        down: rt.down.subscribe(),
        stopping: sh.stopping.subscribe(),
        bus_stopped: rt.bus_stopped.subscribe(),
        counted: sh.counted.subscribe(),
        is_bus,
    };
    let mut connected = sh.connected.clone();
    let batch = if is_bus { 1 } else { PARTITION_BATCH };
    let mut subscription: Option<B::Deliveries> = None;
    let mut held: VecDeque<Delivery<B::Handle>> = VecDeque::new();
    // This consumer met a message it may not skip: it reads no further.
    let mut stopped = false;
    loop {
        if *signals.counted.borrow() {
            return;
        }
        if stopped || signals.paused() {
            pause(&sh, &mut subscription, &mut held, &mut signals, ack_wait).await;
            continue;
        }
        let delivery = match held.pop_front() {
            Some(delivery) => delivery,
            None => {
                if subscription.is_none() {
                    if !*connected.borrow() {
                        tokio::select! {
                            _ = connected.wait_for(|up| *up) => {}
                            _ = signals.changed() => continue,
                        }
                    }
                    match sh.broker.deliveries(&consumer, batch).await {
                        Ok(open) => subscription = Some(open),
                        Err(_) => {
                            tokio::time::sleep(Duration::from_millis(100)).await;
                            continue;
                        }
                    }
                }
                let Some(open) = subscription.as_mut() else {
                    continue;
                };
                let next = tokio::select! {
                    next = sh.broker.next_delivery(open) => Some(next),
                    _ = signals.changed() => None,
                };
                match next {
                    None => continue,
                    Some(Ok(delivery)) => delivery,
                    Some(Err(_)) => {
                        broken(&sh, &mut subscription);
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                }
            }
        };
        if signals.paused() {
            held.push_back(delivery);
            continue;
        }
        if let Some(stuck) = handle_delivery(&sh, c, node, delivery).await {
            held.push_back(stuck);
            stopped = true;
            if is_bus {
                rt.bus_stopped.send_replace(true);
            }
            sh.rec().stopped[node as usize] = true;
        }
    }
}

/// What pauses a consumer or ends it.
struct Signals {
    down: tokio::sync::watch::Receiver<bool>,
    stopping: tokio::sync::watch::Receiver<bool>,
    bus_stopped: tokio::sync::watch::Receiver<bool>,
    counted: tokio::sync::watch::Receiver<bool>,
    is_bus: bool,
}

impl Signals {
    /// The element is down, the run is stopping, or (bus) its queue stopped.
    fn paused(&self) -> bool {
        *self.down.borrow()
            || *self.stopping.borrow()
            || (self.is_bus && *self.bus_stopped.borrow())
    }

    /// Waits until any signal changes.
    async fn changed(&mut self) {
        tokio::select! {
            _ = self.down.changed() => {}
            _ = self.stopping.changed() => {}
            _ = self.bus_stopped.changed() => {}
            _ = self.counted.changed() => {}
        }
    }
}

/// A subscription that failed (missed heartbeats, consumer gone): the next
/// read opens a new one.
fn broken<B: Broker>(sh: &Shared<B>, subscription: &mut Option<B::Deliveries>) {
    *subscription = None;
    sh.rec().resubscribed += 1;
}

/// One step of a paused consumer: it listens for a delivery to hold (with
/// nothing held yet, or always for a bus worker at the end of the run),
/// and reports what it holds in progress every half `ack_wait` so JetStream
/// does not redeliver it. Returns after a delivery, a report, or a change
/// of signals.
async fn pause<B: Broker>(
    sh: &Shared<B>,
    subscription: &mut Option<B::Deliveries>,
    held: &mut VecDeque<Delivery<B::Handle>>,
    signals: &mut Signals,
    ack_wait: Duration,
) {
    enum Step<D> {
        Delivery(D),
        Refresh,
        Signal,
    }
    let listen = held.is_empty() || (signals.is_bus && *signals.stopping.borrow());
    let holding = !held.is_empty();
    let step = match subscription.as_mut() {
        Some(open) if listen => tokio::select! {
            next = sh.broker.next_delivery(open) => Step::Delivery(next),
            _ = signals.changed() => Step::Signal,
            _ = tokio::time::sleep(ack_wait / 2), if holding => Step::Refresh,
        },
        _ => tokio::select! {
            _ = signals.changed() => Step::Signal,
            _ = tokio::time::sleep(ack_wait / 2), if holding => Step::Refresh,
        },
    };
    match step {
        Step::Delivery(Ok(delivery)) => held.push_back(delivery),
        Step::Delivery(Err(_)) => broken(sh, subscription),
        Step::Refresh => {
            for delivery in held.iter() {
                let _ = sh.broker.settle(&delivery.handle, Settle::InProgress).await;
            }
        }
        Step::Signal => {}
    }
}

/// Settles through a short outage; false if the broker never took it.
async fn settle<B: Broker>(sh: &Shared<B>, handle: &B::Handle, how: Settle) -> bool {
    let deadline = std::time::Instant::now() + sh.patience;
    loop {
        match sh.broker.settle(handle, how).await {
            Ok(()) => return true,
            Err(_) if std::time::Instant::now() >= deadline => return false,
            Err(_) => {
                let _ = tokio::time::timeout(sh.patience, sh.until_connected()).await;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// One delivery from receipt to settlement. Returns the delivery, left
/// unsettled, when the consumer must stop on it (stop-partition).
async fn handle_delivery<B: Broker>(
    sh: &Shared<B>,
    c: usize,
    node: u32,
    delivery: Delivery<B::Handle>,
) -> Option<Delivery<B::Handle>> {
    let plan = &sh.plan;
    let Some(env) = Envelope::from_headers(&delivery.headers, |id| plan.index_of(id)) else {
        settle(sh, &delivery.handle, Settle::Term).await;
        let mut rec = sh.rec();
        rec.settled(c);
        rec.dropped(node, "unreadable headers: not a message of this run", false);
        return None;
    };
    let rt = &sh.nodes[node as usize];
    let origin = Origin {
        consumer: c,
        sequence: delivery.stream_sequence,
    };
    let service = &plan.nodes[node as usize].service;
    let guarantee = service.guarantee;
    if guarantee == Guarantee::AtMostOnce {
        // Commit first: whatever happens next, the broker will not resend it.
        settle(sh, &delivery.handle, Settle::Ack).await;
        sh.rec().settled(c);
    }
    let Ok(permit) = rt.permits.acquire().await else {
        // The element's instances are gone (never while the run lasts).
        return Some(delivery);
    };
    let started = sh.clock.now();
    sh.rec().attempt_started(node, delivery.delivered > 1);
    let end = attempt(sh, node, &env, Some(origin)).await;
    drop(permit);
    let now = sh.clock.now();
    let record = |outcome| AttemptRecord {
        msg: env.id,
        consumer: node,
        attempt: delivery.delivered.min(255) as u8,
        outcome,
        start: started,
        end: now,
    };
    let name = &plan.ids[node as usize];
    let at_most_once_lost =
        |error: &str| format!("{error} (at-most-once: the offset was already committed)");
    match end {
        End::Done => {
            let how = match guarantee {
                Guarantee::AtMostOnce => None,
                Guarantee::AtLeastOnce => Some(Settle::Ack),
                Guarantee::ExactlyOnce => Some(Settle::AckConfirmed),
            };
            if let Some(how) = how
                && settle(sh, &delivery.handle, how).await
            {
                sh.rec().settled(c);
                if how == Settle::AckConfirmed {
                    // The broker has the ack: this message never comes back.
                    sh.with_ledger(c, |l| l.forget(origin.sequence));
                }
            }
            let mut rec = sh.rec();
            rec.processed(
                node,
                now.saturating_sub(started),
                now.saturating_sub(env.root_time),
            );
            rec.attempt_ended(record(Outcome::Processed), None);
        }
        End::Aborted => {
            let error = format!("`{name}` went down during the attempt");
            if guarantee == Guarantee::AtMostOnce {
                let mut rec = sh.rec();
                rec.dropped(node, &at_most_once_lost(&error), false);
                rec.attempt_ended(record(Outcome::Dropped), Some(error));
            } else {
                settle(sh, &delivery.handle, Settle::Nak(Duration::ZERO)).await;
                sh.rec()
                    .attempt_ended(record(Outcome::Aborted), Some(error));
            }
        }
        End::Crashed(error) if guarantee != Guarantee::AtMostOnce => {
            let delay = sh.clock.real(service.retry.backoff.delay_us(1));
            settle(sh, &delivery.handle, Settle::Nak(delay)).await;
            sh.rec()
                .attempt_ended(record(Outcome::Redelivered), Some(error));
        }
        End::Crashed(error) | End::Failed(error) if guarantee == Guarantee::AtMostOnce => {
            let mut rec = sh.rec();
            rec.dropped(node, &at_most_once_lost(&error), false);
            rec.attempt_ended(record(Outcome::Dropped), Some(error));
        }
        End::Crashed(error) | End::Failed(error) => {
            let max_attempts = service.retry.max_attempts.max(1);
            if delivery.delivered < max_attempts {
                let delay = sh
                    .clock
                    .real(service.retry.backoff.delay_us(delivery.delivered));
                settle(sh, &delivery.handle, Settle::Nak(delay)).await;
                sh.rec()
                    .attempt_ended(record(Outcome::Retried), Some(error));
                return None;
            }
            match &service.on_exhausted {
                OnExhausted::DeadLetter(target) => {
                    dead_letter(sh, c, node, &env, &delivery, target.as_str(), &error).await;
                    let how = if guarantee == Guarantee::ExactlyOnce {
                        Settle::AckConfirmed
                    } else {
                        Settle::Ack
                    };
                    if settle(sh, &delivery.handle, how).await {
                        sh.rec().settled(c);
                        if how == Settle::AckConfirmed {
                            sh.with_ledger(c, |l| l.forget(origin.sequence));
                        }
                    }
                    sh.rec()
                        .attempt_ended(record(Outcome::DeadLettered), Some(error));
                }
                OnExhausted::Drop if guarantee != Guarantee::ExactlyOnce => {
                    if settle(sh, &delivery.handle, Settle::Term).await {
                        sh.rec().settled(c);
                    }
                    let reason = format!("retries used up ({max_attempts} attempts): {error}");
                    let mut rec = sh.rec();
                    rec.dropped(node, &reason, false);
                    rec.attempt_ended(record(Outcome::Dropped), Some(error));
                }
                OnExhausted::Drop | OnExhausted::StopPartition => {
                    // Left unacknowledged: it stays pending on the broker,
                    // and this consumer reads no further.
                    sh.rec()
                        .attempt_ended(record(Outcome::Stopped), Some(error));
                    return Some(delivery);
                }
            }
        }
    }
    None
}

pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Publishes a dead letter to the target topic's stream with the error and
/// where the original was read from in its headers.
async fn dead_letter<B: Broker>(
    sh: &Shared<B>,
    c: usize,
    node: u32,
    env: &Envelope,
    delivery: &Delivery<B::Handle>,
    target: &str,
    error: &str,
) {
    let plan = &sh.plan;
    let (mut out, _) = sh.create(
        node,
        env.ty,
        MsgKind::Event,
        Some(env),
        env.key,
        FLAG_DEAD_LETTER,
        env.payload_bytes.saturating_add(200),
        None,
    );
    out.headers.extend([
        (envelope::DLQ_ERROR.to_string(), error.to_string()),
        (envelope::DLQ_SUBJECT.to_string(), delivery.subject.clone()),
        (
            envelope::DLQ_SEQUENCE.to_string(),
            delivery.stream_sequence.to_string(),
        ),
        (envelope::DLQ_ORIGINAL.to_string(), env.id.to_string()),
    ]);
    let (origin_topic, origin_part) = match sh.rec().slot(c) {
        Some(ConsumerSlot::Partition { sub, part }) => {
            (plan.topics[plan.subs[sub].topic].node, part)
        }
        _ => (u32::MAX, 0),
    };
    let topic = plan
        .index_of(target)
        .and_then(|t| plan.topic_of[t as usize]);
    let position = match topic {
        Some(topic) => publish_to_topic(sh, node, topic, &out, true).await,
        None => None,
    };
    sh.record_message(&out.envelope, position);
    sh.rec().dead_lettered(
        node,
        out.envelope.id,
        DeadLetter {
            original: env.id,
            error: error.to_string(),
            topic: origin_topic,
            partition: origin_part,
            offset: delivery.stream_sequence,
        },
    );
}
