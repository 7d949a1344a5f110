//! Elements answering synchronous requests, and aggregate windows closing
//! on the clock: the work that does not come from a durable consumer.

use stormflow_core::sim::{AttemptRecord, FLAG_ERROR, MsgKind, Outcome};

use crate::attempt::{End, attempt};
use crate::broker::{Broker, Incoming};
use crate::envelope::{self, Envelope};
use crate::send::route;
use crate::shared::Handle;
use crate::worker::lock;

/// Serves one synchronous request at `node` and answers it.
pub async fn serve_request<B: Broker>(sh: Handle<B>, node: u32, incoming: Incoming) {
    let plan = &sh.plan;
    let Some(env) = Envelope::from_headers(&incoming.headers, |id| plan.index_of(id)) else {
        return;
    };
    let rt = &sh.nodes[node as usize];
    let Ok(permit) = rt.permits.acquire().await else {
        return;
    };
    let started = sh.clock.now();
    sh.rec().attempt_started(node, false);
    let end = attempt(&sh, node, &env, None).await;
    drop(permit);
    let now = sh.clock.now();
    let error = match end {
        End::Done => None,
        End::Failed(e) | End::Crashed(e) => Some(e),
        End::Aborted => Some(format!(
            "`{}` went down during the attempt",
            plan.ids[node as usize]
        )),
    };
    let size = if env.kind == MsgKind::Query {
        2_000
    } else {
        60
    };
    let flags = if error.is_some() { FLAG_ERROR } else { 0 };
    let (mut out, _) = sh.create(
        node,
        env.ty,
        MsgKind::Reply,
        Some(&env),
        env.key,
        flags,
        size,
        None,
    );
    if let Some(error) = &error {
        out.headers
            .push((envelope::REPLY_ERROR.to_string(), error.clone()));
    }
    sh.record_message(&out.envelope, None);
    if let Some(to) = &incoming.reply_to {
        let _ = sh.broker.reply(to, &out.headers, out.payload.clone()).await;
    }
    let mut rec = sh.rec();
    let record = AttemptRecord {
        msg: env.id,
        consumer: node,
        attempt: 1,
        outcome: if error.is_some() {
            Outcome::Dropped
        } else {
            Outcome::Processed
        },
        start: started,
        end: now,
    };
    if error.is_none() {
        rec.served(
            node,
            now.saturating_sub(started),
            now.saturating_sub(env.root_time),
        );
    }
    rec.attempt_ended(record, error);
}

/// Emits the results of every closed window of an aggregate processor.
pub async fn close_windows<B: Broker>(sh: Handle<B>, node: u32, window_us: u64) {
    let mut stopping = sh.stopping.subscribe();
    let mut window = sh.clock.now() / window_us.max(1);
    loop {
        let close = (window + 1).saturating_mul(window_us);
        tokio::select! {
            _ = tokio::time::sleep_until(sh.clock.instant(close).into()) => {}
            _ = stopping.wait_for(|s| *s) => return,
        }
        window += 1;
        let state = std::mem::take(&mut *lock(&sh.nodes[node as usize].table));
        for (_, (_, _, contributors, last)) in state {
            let Some(last) = last else { continue };
            let outs: Vec<u32> = sh.plan.nodes[node as usize]
                .emits
                .iter()
                .filter(|o| o.applies_to(last.ty))
                .map(|o| o.ty)
                .collect();
            for ty in outs {
                let size = sh.plan.nodes[ty as usize].payload;
                let (out, _) = sh.create(
                    node,
                    ty,
                    MsgKind::Event,
                    Some(&last),
                    last.key,
                    0,
                    size,
                    None,
                );
                route(&sh, node, &out, true).await;
                sh.rec().links(out.envelope.id, contributors.clone());
            }
        }
    }
}
