//! Load generators and scheduled faults: sources publish at the model's
//! arrival process in real time (scaled by the speed), drawing from the
//! same seeded streams as the simulation.

use std::sync::Mutex;
use std::time::Duration;

use stormflow_core::model::{Arrival, FaultKind, FlowKind, Model, US_PER_SEC};
use stormflow_core::sim::random::Stream;
use stormflow_core::sim::{FLAG_POISON, FLAG_SYNC, MsgKind};

use crate::broker::Broker;
use crate::send;
use crate::shared::Handle;

/// Runs source `s` until its stop time or the run's end. `arrival` is
/// shared so a rate fault can change it.
pub async fn produce<B: Broker>(sh: Handle<B>, s: usize, arrival: std::sync::Arc<Mutex<Arrival>>) {
    let plan = sh.plan.sources[s].clone();
    let mut rng = Stream::new(sh.seed, s as u64);
    let mut stopping = sh.stopping.subscribe();
    let mut connected = sh.connected.clone();
    let mut t = plan.start_us;
    loop {
        if plan.stop_us.is_some_and(|stop| t >= stop) || sh.is_stopping() {
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep_until(sh.clock.instant(t).into()) => {}
            _ = stopping.wait_for(|s| *s) => return,
        }
        if !*connected.borrow() {
            // Paused: nothing arrives while the server is away.
            tokio::select! {
                _ = connected.wait_for(|up| *up) => {}
                _ = stopping.wait_for(|s| *s) => return,
            }
            t = t.max(sh.clock.now());
        }
        let current = arrival.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let (batch, gap) = match current {
            Arrival::Constant { per_sec } => {
                (1, ((US_PER_SEC as f64 / per_sec).round() as u64).max(1))
            }
            Arrival::Poisson { per_sec } => {
                (1, rng.exponential_us(US_PER_SEC as f64 / per_sec).max(1))
            }
            Arrival::Bursts { every_us, size } => (size, every_us.max(1)),
        };
        for _ in 0..batch {
            emit(&sh, s, &mut rng).await;
        }
        t = t.saturating_add(gap);
    }
}

/// One arrival: picks a target, a key and poison as the simulation does.
async fn emit<B: Broker>(sh: &Handle<B>, s: usize, rng: &mut Stream) {
    let plan = &sh.plan.sources[s];
    if plan.targets.is_empty() {
        return;
    }
    let mut pick = rng.below(plan.total_weight);
    let mut chosen = 0;
    for (i, target) in plan.targets.iter().enumerate() {
        if pick < target.weight {
            chosen = i;
            break;
        }
        pick -= target.weight;
    }
    let target = plan.targets[chosen].clone();
    let key = plan.key_base + rng.below(u64::from(plan.keys)) as u32;
    let flags = if rng.chance(plan.poison_rate) {
        FLAG_POISON
    } else {
        0
    };
    let node = plan.node;
    let size = sh.plan.nodes[target.ty as usize].payload;
    let asynchronous = target.flow == FlowKind::Emits
        || (target.flow == FlowKind::Issues && target.kind == MsgKind::Command);
    if asynchronous {
        let (out, _) = sh.create(node, target.ty, target.kind, None, key, flags, size, None);
        send::route(sh, node, &out, true).await;
        return;
    }
    // A query or a call: the source waits for the answer on its own task.
    let (out, _) = sh.create(
        node,
        target.ty,
        target.kind,
        None,
        key,
        flags | FLAG_SYNC,
        size,
        None,
    );
    sh.record_message(&out.envelope, None);
    let sh = sh.clone();
    tokio::spawn(async move {
        let Some(callee) = target.callee else {
            let reason = format!("no handler for `{}`", sh.plan.ids[target.ty as usize]);
            let mut rec = sh.rec();
            rec.undeliverable(node, &reason);
            rec.request_answered(node, 0, false);
            return;
        };
        let asked = sh.clock.now();
        let answer = send::request(&sh, node, callee, &out, "request").await;
        let waited = sh.clock.now().saturating_sub(asked);
        sh.rec().request_answered(node, waited, answer.is_ok());
    });
}

/// Applies the model's scheduled faults at their model times.
pub async fn faults<B: Broker>(
    sh: Handle<B>,
    model: Model,
    arrivals: Vec<std::sync::Arc<Mutex<Arrival>>>,
    notes: crossbeam_channel::Sender<String>,
) {
    let mut stopping = sh.stopping.subscribe();
    let mut events: Vec<(u64, usize, bool)> = Vec::new();
    for (i, fault) in model.faults.iter().enumerate() {
        events.push((fault.at_us, i, true));
        if let Some(end) = fault.end_us() {
            events.push((end.max(fault.at_us), i, false));
        }
    }
    events.sort();
    for (at, i, starting) in events {
        tokio::select! {
            _ = tokio::time::sleep_until(sh.clock.instant(at).into()) => {}
            _ = stopping.wait_for(|s| *s) => return,
        }
        let fault = &model.faults[i];
        let Some(node) = sh.plan.index_of(fault.element.as_str()) else {
            continue;
        };
        let rt = &sh.nodes[node as usize];
        match fault.kind {
            FaultKind::Down { .. } => crate::run::set_down(&sh, node, starting),
            FaultKind::Slow { factor, .. } => {
                let factor = if starting { factor.max(1) } else { 1 };
                rt.slow
                    .store(u64::from(factor), std::sync::atomic::Ordering::Relaxed);
                sh.rec().slow[node as usize] = factor;
            }
            FaultKind::Failing { rate, .. } => {
                let rate = if starting { rate.clamp(0.0, 1.0) } else { 0.0 };
                rt.failing
                    .store(rate.to_bits(), std::sync::atomic::Ordering::Relaxed);
                sh.rec().failing[node as usize] = rate;
            }
            FaultKind::Rate { per_sec } => {
                if let Some(s) = sh.plan.sources.iter().position(|s| s.node == node) {
                    let mut arrival = arrivals[s].lock().unwrap_or_else(|e| e.into_inner());
                    *arrival = match *arrival {
                        Arrival::Constant { .. } => Arrival::Constant { per_sec },
                        Arrival::Poisson { .. } => Arrival::Poisson { per_sec },
                        Arrival::Bursts { size, .. } => Arrival::Bursts {
                            size,
                            every_us: ((f64::from(size) * US_PER_SEC as f64 / per_sec).round()
                                as u64)
                                .max(1),
                        },
                    };
                }
            }
            FaultKind::Replay => {
                let _ = notes.send(format!(
                    "the replay of `{}` was skipped: live mode does not rewind durable consumers",
                    fault.element
                ));
            }
        }
        tokio::time::sleep(Duration::ZERO).await;
    }
}
