//! One attempt at a message: a thin event's callback, the service time and
//! the synchronous calls, then the effects (a read model's view, the
//! operator, emitted events and triggered commands) and webhook posts, as
//! the simulation's attempt phases run them (DESIGN.md section 4).

use stormflow_core::model::{ElementKind, EventPattern, Guarantee};
use stormflow_core::sim::{
    FLAG_CALLBACK, FLAG_DEAD_LETTER, FLAG_POISON, FLAG_SYNC, MsgId, MsgKind,
};

use crate::broker::Broker;
use crate::envelope::Envelope;
use crate::plan::OpPlan;
use crate::send::{request, route};
use crate::shared::{Outgoing, Shared};
use crate::worker::lock;

/// How an attempt ended.
pub(crate) enum End {
    Done,
    Failed(String),
    /// Failed after the effect, before the commit.
    Crashed(String),
    /// The element went down during the attempt.
    Aborted,
}

/// Where a delivery came from: its consumer and stream sequence.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Origin {
    /// The consumer that read it.
    pub consumer: usize,
    /// Its stream sequence (the same on every redelivery).
    pub sequence: u64,
}

/// One attempt at a delivery (`origin`) or a synchronous request (none):
/// callback, work, calls, then the effects and webhooks. The element going
/// down aborts it, before the effects (nothing applied) or during the
/// webhooks (effects applied, as in the simulation); the effects themselves
/// are never cut halfway, so no output is half sent.
pub(crate) async fn attempt<B: Broker>(
    sh: &Shared<B>,
    node: u32,
    env: &Envelope,
    origin: Option<Origin>,
) -> End {
    let plan = &sh.plan;
    let n = &plan.nodes[node as usize];
    let rt = &sh.nodes[node as usize];
    let name = &plan.ids[node as usize];
    let mut down = rt.down.subscribe();
    let worked = tokio::select! {
        worked = work(sh, node, env) => worked,
        _ = down.wait_for(|d| *d) => return End::Aborted,
    };
    if let Err(e) = worked {
        return End::Failed(e);
    }
    let failing = f64::from_bits(rt.failing.load(std::sync::atomic::Ordering::Relaxed));
    let p = 1.0 - (1.0 - n.service.failure_rate) * (1.0 - failing);
    let crash = lock(&rt.rng).chance(p);
    let crash_error = format!("`{name}` crashed while processing");
    if crash && (origin.is_none() || n.service.guarantee == Guarantee::AtMostOnce) {
        return End::Failed(crash_error);
    }
    let mut webhooks = Vec::new();
    if env.kind != MsgKind::Query {
        if n.service.guarantee == Guarantee::AtLeastOnce
            && let Some(o) = origin
            && sh.with_ledger(o.consumer, |l| !l.apply(o.sequence)) == Some(true)
        {
            sh.rec().duplicate(node);
        }
        let exactly_once = origin.filter(|_| n.service.guarantee == Guarantee::ExactlyOnce);
        webhooks = apply_outputs(sh, node, env, exactly_once).await;
    }
    if crash {
        return End::Crashed(crash_error);
    }
    tokio::select! {
        _ = post_webhooks(sh, node, webhooks) => End::Done,
        _ = down.wait_for(|d| *d) => End::Aborted,
    }
}

/// The part of an attempt before its effects: a thin event's callback, the
/// service time, a poison message's failure, and the synchronous calls.
async fn work<B: Broker>(sh: &Shared<B>, node: u32, env: &Envelope) -> Result<(), String> {
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
        request(sh, node, env.source, &out, "callback").await?;
    }
    let slow = rt.slow.load(std::sync::atomic::Ordering::Relaxed).max(1);
    let work_us = lock(&rt.rng)
        .service_time(&n.service.service_time)
        .saturating_mul(slow);
    sh.work(node, work_us).await;
    if env.flags & FLAG_POISON != 0 {
        return Err(format!(
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
        request(sh, node, call.callee, &out, "call").await?;
    }
    Ok(())
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

/// The effects of a handled input: a read model's view, the operator, the
/// emitted events and triggered commands. Returns the webhook posts they
/// owe. Exactly-once (`exactly_once` names the delivery) reuses the output
/// ids of an earlier delivery of the same message, so JetStream
/// de-duplicates the re-publish.
async fn apply_outputs<B: Broker>(
    sh: &Shared<B>,
    node: u32,
    env: &Envelope,
    exactly_once: Option<Origin>,
) -> Vec<(u32, Envelope)> {
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
        return Vec::new();
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
        let reuse = exactly_once
            .and_then(|o| sh.with_ledger(o.consumer, |l| l.output(o.sequence, i)))
            .flatten();
        let size = plan.nodes[ty as usize].payload;
        let (out, fresh) = sh.create(node, ty, kind, Some(env), env.key, 0, size, reuse);
        if let Some(o) = exactly_once
            && fresh
        {
            sh.with_ledger(o.consumer, |l| l.add_output(o.sequence, out.envelope.id));
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
    webhooks
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
