//! Consumers at work: fetching deliveries, taking the service time, making
//! calls, producing outputs, and settling each delivery as its guarantee
//! says (DESIGN.md section 4, docs/live.md).

use std::time::Duration;

use stormflow_core::model::{ElementKind, EventPattern, Guarantee, OnExhausted};
use stormflow_core::sim::{
    AttemptRecord, DeadLetter, FLAG_CALLBACK, FLAG_DEAD_LETTER, FLAG_POISON, FLAG_SYNC, MsgId,
    MsgKind, Outcome,
};

use crate::broker::{Broker, BrokerError, Delivery, Settle};
use crate::envelope::{self, Envelope};
use crate::plan::OpPlan;
use crate::record::ConsumerSlot;
use crate::shared::{Handle, Outgoing, Shared};

/// How an attempt ended.
pub(crate) enum End {
    Done,
    Failed(String),
    /// Failed after the effect, before the commit.
    Crashed(String),
    /// The element went down during the attempt.
    Aborted,
}

/// Reads one durable consumer until the run stops, the element's partition
/// stops on a poison message, or (bus) its queue stops.
pub async fn consume<B: Broker>(sh: Handle<B>, consumer: B::Consumer, c: usize, node: u32) {
    let rt = &sh.nodes[node as usize];
    let mut down = rt.down.subscribe();
    let mut stopping = sh.stopping.subscribe();
    let mut connected = sh.connected.clone();
    let bus_stopped = rt.bus_stopped.subscribe();
    let is_bus = matches!(sh.rec().slot(c), Some(ConsumerSlot::Bus(_)));
    loop {
        if sh.is_stopping() || (is_bus && *bus_stopped.borrow()) {
            return;
        }
        if *down.borrow() {
            tokio::select! {
                _ = down.wait_for(|d| !*d) => {}
                _ = stopping.wait_for(|s| *s) => return,
            }
            continue;
        }
        if !*connected.borrow() {
            tokio::select! {
                _ = connected.wait_for(|up| *up) => {}
                _ = stopping.wait_for(|s| *s) => return,
            }
            continue;
        }
        let delivery = match sh.broker.fetch(&consumer, Duration::from_millis(200)).await {
            Ok(Some(delivery)) => delivery,
            Ok(None) => continue,
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        if !handle_delivery(&sh, c, node, delivery).await {
            if is_bus {
                rt.bus_stopped.send_replace(true);
            }
            sh.rec().stopped[node as usize] = true;
            return;
        }
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

/// One delivery from fetch to settlement; false when the consumer must stop.
async fn handle_delivery<B: Broker>(
    sh: &Shared<B>,
    c: usize,
    node: u32,
    delivery: Delivery<B::Handle>,
) -> bool {
    let plan = &sh.plan;
    let Some(env) = Envelope::from_headers(&delivery.headers, |id| plan.index_of(id)) else {
        settle(sh, &delivery.handle, Settle::Term).await;
        let mut rec = sh.rec();
        rec.settled(c);
        rec.dropped(node, "unreadable headers: not a message of this run", false);
        return true;
    };
    let rt = &sh.nodes[node as usize];
    if *rt.down.borrow() {
        // Fetched as the element went down: back it goes.
        settle(sh, &delivery.handle, Settle::Nak(Duration::ZERO)).await;
        return true;
    }
    let service = &plan.nodes[node as usize].service;
    let guarantee = service.guarantee;
    if guarantee == Guarantee::AtMostOnce {
        // Commit first: whatever happens next, the broker will not resend it.
        settle(sh, &delivery.handle, Settle::Ack).await;
        sh.rec().settled(c);
    }
    let Ok(permit) = rt.permits.acquire().await else {
        return false;
    };
    let started = sh.clock.now();
    sh.rec().attempt_started(node, delivery.delivered > 1);
    let mut down = rt.down.subscribe();
    let end = tokio::select! {
        end = attempt(sh, node, &env, false) => end,
        _ = down.wait_for(|d| *d) => End::Aborted,
    };
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
            }
            if guarantee == Guarantee::ExactlyOnce {
                lock(&rt.outputs_of).remove(&env.id);
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
                return true;
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
                    return false;
                }
            }
        }
    }
    true
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

/// Publishes to one topic (the key's partition) and accounts the
/// deliveries it owes; the position is (partition, stream sequence).
async fn publish_to_topic<B: Broker>(
    sh: &Shared<B>,
    node: u32,
    topic: usize,
    out: &Outgoing,
    fresh: bool,
) -> Option<(u32, u64)> {
    let plan = &sh.plan;
    let part = plan.partition_of(topic, out.envelope.key);
    let subject = plan.partition_subject(topic, part);
    let subs = &plan.topics[topic].subs;
    match sh.publish(&subject, out).await {
        Ok(published) => {
            if fresh || !published.duplicate {
                let mut rec = sh.rec();
                rec.appended(topic, part);
                for sub in subs {
                    if let Some(c) = sh.consumer_of_part.get(&(*sub, part)) {
                        rec.owe(*c);
                    }
                }
                if !fresh {
                    // An exactly-once re-publish the broker did not recognise.
                    rec.duplicate(node);
                }
            }
            Some((part, published.sequence))
        }
        Err(e) => {
            if fresh {
                let reason = format!("publish to {subject} failed: {e}");
                let mut rec = sh.rec();
                for sub in subs {
                    rec.undeliverable(plan.subs[*sub].node, &reason);
                }
            }
            None
        }
    }
}

/// Sends a new (or re-sent) message where its type goes: its topics and bus
/// receivers for an event, its handler for a command.
pub async fn route<B: Broker>(sh: &Shared<B>, node: u32, out: &Outgoing, fresh: bool) {
    let plan = &sh.plan;
    let route = &plan.routes[out.envelope.ty as usize];
    let mut position = None;
    if out.envelope.kind == MsgKind::Event {
        for topic in &route.topics {
            let landed = publish_to_topic(sh, node, *topic, out, fresh).await;
            position = position.or(landed);
        }
    }
    if route.bus.is_empty() {
        if matches!(out.envelope.kind, MsgKind::Command | MsgKind::Query) && fresh {
            let reason = format!("no handler for `{}`", plan.ids[out.envelope.ty as usize]);
            sh.rec().undeliverable(node, &reason);
        }
    } else {
        let subject = plan.bus_subject(out.envelope.ty);
        match sh.publish(&subject, out).await {
            Ok(published) if fresh || !published.duplicate => {
                let mut rec = sh.rec();
                for bus in &route.bus {
                    rec.owe(sh.consumer_of_bus[*bus]);
                }
                if !fresh {
                    rec.duplicate(node);
                }
            }
            Ok(_) => {}
            Err(e) if fresh => {
                let reason = format!("publish to {subject} failed: {e}");
                let mut rec = sh.rec();
                for bus in &route.bus {
                    rec.undeliverable(plan.bus[*bus].node, &reason);
                }
            }
            Err(_) => {}
        }
    }
    if fresh {
        sh.record_message(&out.envelope, position);
    }
}

/// A synchronous request from `caller` to `callee`; the error is written
/// for the caller's failure.
pub async fn request<B: Broker>(
    sh: &Shared<B>,
    caller: u32,
    callee: u32,
    out: &Outgoing,
    what: &str,
) -> Result<(), String> {
    let plan = &sh.plan;
    let callee_id = &plan.ids[callee as usize];
    let timeout_us = plan.nodes[caller as usize].service.call_timeout_us;
    sh.rec().request_sent(callee);
    let answer = sh
        .broker
        .request(
            &plan.rpc_subject(callee),
            &out.headers,
            out.payload.clone(),
            sh.clock.real(timeout_us),
        )
        .await;
    let mut rec = sh.rec();
    rec.request_done();
    match answer {
        Ok((headers, _)) => {
            rec.reply_delivered();
            match envelope::header(&headers, envelope::REPLY_ERROR) {
                Some(error) => {
                    rec.dropped(
                        callee,
                        &format!("failed while serving a request: {error}"),
                        true,
                    );
                    Err(format!("{what} to `{callee_id}` failed: {error}"))
                }
                None => {
                    rec.processed_sync();
                    Ok(())
                }
            }
        }
        Err(BrokerError::NoResponders) => {
            rec.dropped(
                callee,
                &format!("`{callee_id}` is down: the call was refused"),
                true,
            );
            Err(format!("{what} to `{callee_id}` refused: it is down"))
        }
        Err(BrokerError::TimedOut) => {
            rec.dropped(callee, "the caller gave up waiting (timeout)", true);
            Err(format!(
                "{what} to `{callee_id}` timed out after {}",
                stormflow_core::units::format_duration_us(timeout_us)
            ))
        }
        Err(BrokerError::Unavailable(e)) => {
            rec.dropped(callee, &format!("the broker was unreachable: {e}"), true);
            Err(format!(
                "{what} to `{callee_id}` failed: the broker was unreachable"
            ))
        }
    }
}

/// A thin Event Notification makes its consumer call back for the state.
fn needs_callback<B: Broker>(sh: &Shared<B>, node: u32, env: &Envelope) -> bool {
    let plan = &sh.plan;
    env.kind == MsgKind::Event
        && env.flags & (FLAG_SYNC | FLAG_DEAD_LETTER) == 0
        && plan.nodes[env.ty as usize].pattern == Some(EventPattern::Notification)
        && env.source != node
        && plan
            .nodes
            .get(env.source as usize)
            .is_some_and(|source| source.kind.is_service())
}

/// One attempt at a delivery or a request: callback, work, calls, effects.
pub(crate) async fn attempt<B: Broker>(
    sh: &Shared<B>,
    node: u32,
    env: &Envelope,
    serving: bool,
) -> End {
    let plan = &sh.plan;
    let n = &plan.nodes[node as usize];
    let rt = &sh.nodes[node as usize];
    let name = &plan.ids[node as usize];
    if needs_callback(sh, node, env) {
        let (out, _) = sh.create(
            node,
            env.source,
            MsgKind::Query,
            Some(env),
            env.key,
            FLAG_SYNC | FLAG_CALLBACK,
            100,
            None,
        );
        sh.record_message(&out.envelope, None);
        if let Err(e) = request(sh, node, env.source, &out, "callback").await {
            return End::Failed(e);
        }
    }
    let slow = rt.slow.load(std::sync::atomic::Ordering::Relaxed).max(1);
    let work_us = lock(&rt.rng)
        .service_time(&n.service.service_time)
        .saturating_mul(slow);
    sh.sleep_model(work_us).await;
    if env.flags & FLAG_POISON != 0 {
        return End::Failed(format!(
            "poison message: `{name}` cannot deserialize this {}",
            plan.ids[env.ty as usize]
        ));
    }
    for call in n
        .calls
        .iter()
        .filter(|c| c.on.is_empty() || c.on.contains(&env.ty))
    {
        let size = plan.nodes[call.ty as usize].payload;
        let (out, _) = sh.create(
            node,
            call.ty,
            call.kind,
            Some(env),
            env.key,
            FLAG_SYNC,
            size,
            None,
        );
        sh.record_message(&out.envelope, None);
        if let Err(e) = request(sh, node, call.callee, &out, "call").await {
            return End::Failed(e);
        }
    }
    let failing = f64::from_bits(rt.failing.load(std::sync::atomic::Ordering::Relaxed));
    let p = 1.0 - (1.0 - n.service.failure_rate) * (1.0 - failing);
    let crash = lock(&rt.rng).chance(p);
    let crash_error = format!("`{name}` crashed while processing");
    if crash && (serving || n.service.guarantee == Guarantee::AtMostOnce) {
        return End::Failed(crash_error);
    }
    if env.kind != MsgKind::Query {
        if n.service.guarantee == Guarantee::AtLeastOnce && !lock(&rt.effected).insert(env.id) {
            sh.rec().duplicate(node);
        }
        let exactly_once = n.service.guarantee == Guarantee::ExactlyOnce && !serving;
        apply_outputs(sh, node, env, exactly_once).await;
    }
    if crash {
        End::Crashed(crash_error)
    } else {
        End::Done
    }
}

/// The effects of a handled input: a read model's view, the operator, the
/// emitted events and triggered commands, and webhook posts.
async fn apply_outputs<B: Broker>(sh: &Shared<B>, node: u32, env: &Envelope, exactly_once: bool) {
    let plan = &sh.plan;
    let n = &plan.nodes[node as usize];
    let rt = &sh.nodes[node as usize];
    let now = sh.clock.now();
    if n.kind == ElementKind::ReadModel && env.kind == MsgKind::Event {
        sh.rec()
            .view(node, env.key, env.id, now, now.saturating_sub(env.time));
    }
    let mut link: Option<MsgId> = None;
    let emit_now = match &n.op {
        OpPlan::Pass => true,
        OpPlan::Filter(keep) => lock(&rt.rng).chance(f64::from(*keep) / 100.0),
        OpPlan::Aggregate(_) => {
            let mut table = lock(&rt.table);
            let entry = table
                .entry(env.key)
                .or_insert((env.id, 0, Vec::new(), None));
            entry.1 += 1;
            if let Some(last) = &entry.3
                && entry.2.len() < 32
            {
                entry.2.push(last.id);
            }
            entry.3 = Some(env.clone());
            false
        }
        OpPlan::Join(table_topic) => {
            let from_table =
                table_topic.is_some_and(|t| plan.routes[env.ty as usize].topics.contains(&t));
            let mut table = lock(&rt.table);
            if from_table {
                table.insert(env.key, (env.id, 0, Vec::new(), None));
                false
            } else {
                link = table.get(&env.key).map(|entry| entry.0);
                link.is_some()
            }
        }
    };
    if !emit_now {
        return;
    }
    let outputs: Vec<(u32, MsgKind)> = n
        .emits
        .iter()
        .filter(|o| o.applies_to(env.ty))
        .map(|o| (o.ty, MsgKind::Event))
        .chain(
            n.triggers
                .iter()
                .filter(|o| o.applies_to(env.ty))
                .map(|o| (o.ty, MsgKind::Command)),
        )
        .collect();
    let mut webhooks = Vec::new();
    for (i, (ty, kind)) in outputs.into_iter().enumerate() {
        let reuse = if exactly_once {
            lock(&rt.outputs_of)
                .get(&env.id)
                .and_then(|ids| ids.get(i).copied())
        } else {
            None
        };
        let size = plan.nodes[ty as usize].payload;
        let (out, fresh) = sh.create(node, ty, kind, Some(env), env.key, 0, size, reuse);
        if exactly_once && fresh {
            lock(&rt.outputs_of)
                .entry(env.id)
                .or_default()
                .push(out.envelope.id);
        }
        route(sh, node, &out, fresh).await;
        if let Some(link) = link
            && fresh
        {
            sh.rec().links(out.envelope.id, vec![link]);
        }
        if kind == MsgKind::Event && fresh {
            webhooks.extend(
                plan.routes[ty as usize]
                    .webhooks
                    .iter()
                    .map(|s| (*s, out.envelope.clone())),
            );
        }
    }
    post_webhooks(sh, node, webhooks).await;
}

/// Posts an event to its webhook subscribers, one after the other; a failed
/// post counts as an error of the poster and nothing more.
async fn post_webhooks<B: Broker>(sh: &Shared<B>, node: u32, webhooks: Vec<(u32, Envelope)>) {
    for (subscriber, mut env) in webhooks {
        env.flags |= stormflow_core::sim::FLAG_WEBHOOK;
        let key_name = sh.plan.keys.name(env.key);
        let out = Outgoing {
            headers: env.to_headers(&sh.naming(), &key_name),
            payload: crate::shared::payload(&key_name, env.payload_bytes),
            envelope: env,
        };
        if request(sh, node, subscriber, &out, "webhook")
            .await
            .is_err()
        {
            sh.rec().metrics[node as usize].counters.errors += 1;
        }
    }
}
