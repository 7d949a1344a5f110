//! Measures live mode on a local nats-server: throughput (deliveries per real
//! second through one server) and simulated-vs-live latency on the online
//! shop sample. Usage:
//!
//! ```text
//! cargo run -p stormflow-live --release --example measure -- [SECONDS] [SPEED]
//! ```

use stormflow_core::model::{
    Arrival, Element, ElementKind, Flow, FlowKind, Model, Pos, Service, ServiceTime, TopicSpec,
    US_PER_SEC, Workload,
};
use stormflow_core::sim::{Percentiles, Sim, SimOptions};
use stormflow_live::{LiveOptions, spawn_local_server};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let seconds: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(20);
    let speed: f64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1.0);
    let server = spawn_local_server()?;

    let flood = flood_model(2_000.0);
    let outcome = stormflow_live::start(
        &flood,
        LiveOptions {
            url: server.url.clone(),
            until_us: Some(5 * US_PER_SEC),
            ..LiveOptions::default()
        },
    )?
    .wait()?;
    println!(
        "throughput: {} deliveries in {:.2} s real = {:.0} deliveries/s (offered 2000/s), conservation {}",
        outcome.report.totals.processed,
        outcome.real_duration.as_secs_f64(),
        outcome.deliveries_per_sec,
        if outcome.conservation.holds {
            "holds"
        } else {
            "FAILS"
        }
    );

    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../samples/online-shop.ron");
    let shop = stormflow_core::format::load(std::path::Path::new(path))?;
    let until = seconds * US_PER_SEC;
    let live = stormflow_live::start(
        &shop,
        LiveOptions {
            url: server.url.clone(),
            until_us: Some(until),
            speed,
            ..LiveOptions::default()
        },
    )?
    .wait()?;
    let mut sim = Sim::new(&shop, &SimOptions::default())?;
    sim.run_until(until);
    let simulated = sim.report();
    println!("online shop, {seconds} s of model at speed {speed} (latencies in model µs):");
    println!(
        "{:<34} {:>9} {:>9} {:>9} {:>9}",
        "figure", "sim p50", "live p50", "sim p99", "live p99"
    );
    let row = |name: &str, s: Percentiles, l: Percentiles| {
        println!(
            "{name:<34} {:>9} {:>9} {:>9} {:>9}",
            s.p50, l.p50, s.p99, l.p99
        );
    };
    row(
        "customer request latency",
        simulated.elements["customer"].request_latency_us,
        live.report.elements["customer"].request_latency_us,
    );
    for id in ["order", "billing", "shipping", "email", "order-history"] {
        row(
            &format!("{id} end-to-end latency"),
            simulated.elements[id].latency_us,
            live.report.elements[id].latency_us,
        );
    }
    println!(
        "processed: sim {} live {}; conservation {}",
        simulated.totals.processed,
        live.report.totals.processed,
        if live.conservation.holds {
            "holds"
        } else {
            "FAILS"
        }
    );
    for problem in &live.conservation.problems {
        println!("  {problem}");
    }
    println!(
        "broker hand-off per partition (model µs from the later of publish and the previous message's settlement to the first attempt):"
    );
    println!(
        "{:<14} {:>6} {:>9} {:>9} {:>10} {:>8} {:>6}",
        "consumer", "count", "p50", "p99", "max", "> 1 s", "lost"
    );
    for id in ["billing", "shipping", "email", "order-history"] {
        let h = hand_offs(&live, id);
        println!(
            "{id:<14} {:>6} {:>9} {:>9} {:>10} {:>8} {:>6}",
            h.waits.len(),
            quantile(&h.waits, 0.5),
            quantile(&h.waits, 0.99),
            h.waits.last().copied().unwrap_or(0),
            h.waits.iter().filter(|w| **w > US_PER_SEC).count(),
            h.lost
        );
    }
    Ok(())
}

/// How a consumer got its topic messages from the broker.
struct HandOffs {
    /// Per message, sorted: how long it waited for its first attempt after
    /// it was published and its partition's previous message was settled.
    waits: Vec<u64>,
    /// Deliveries JetStream made that no worker saw: gaps in the attempt
    /// numbers (JetStream's delivery counts).
    lost: u64,
}

fn hand_offs(live: &stormflow_live::LiveOutcome, id: &str) -> HandOffs {
    use std::collections::BTreeMap;
    let trace = &live.trace;
    let Some(node) = live.element_ids.iter().position(|e| e == id) else {
        return HandOffs {
            waits: Vec::new(),
            lost: 0,
        };
    };
    // Per message: (attempt number, start, end) of this consumer's attempts.
    let mut attempts: BTreeMap<u64, Vec<(u8, u64, u64)>> = BTreeMap::new();
    for row in 0..trace.attempt_count() {
        if let Some(a) = trace.attempt(row)
            && a.consumer == node as u32
        {
            attempts
                .entry(a.msg)
                .or_default()
                .push((a.attempt, a.start, a.end));
        }
    }
    let mut lost = 0;
    let mut by_partition: BTreeMap<u16, Vec<(u32, u64, u64, u64)>> = BTreeMap::new();
    for (msg, mut tries) in attempts {
        tries.sort();
        lost += tries.last().map_or(0, |t| u64::from(t.0)) - tries.len() as u64;
        let Some(m) = trace.message(msg) else {
            continue;
        };
        if m.partition == u16::MAX {
            continue;
        }
        let first = tries.iter().map(|t| t.1).min().unwrap_or(0);
        let last = tries.iter().map(|t| t.2).max().unwrap_or(0);
        by_partition
            .entry(m.partition)
            .or_default()
            .push((m.offset, m.time, first, last));
    }
    let mut waits = Vec::new();
    for mut messages in by_partition.into_values() {
        messages.sort();
        let mut previous_end = 0;
        for (_, published, first, last) in messages {
            waits.push(first.saturating_sub(published.max(previous_end)));
            previous_end = last;
        }
    }
    waits.sort_unstable();
    HandOffs { waits, lost }
}

fn quantile(sorted: &[u64], q: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

/// One source flooding a 4-partition topic read by one fast group.
fn flood_model(per_sec: f64) -> Model {
    let mut model = Model::new("Flood");
    let mut add = |id: &str, kind: ElementKind| {
        let mut element = Element::new(id, kind, id, Pos::default());
        match kind {
            ElementKind::ExternalSystem => {
                element.workload = Some(Workload {
                    arrival: Arrival::Constant { per_sec },
                    keys: 1_000,
                    ..Workload::default()
                })
            }
            ElementKind::Topic => {
                element.topic = Some(TopicSpec {
                    partitions: 4,
                    ..TopicSpec::default()
                })
            }
            ElementKind::Policy => {
                element.service = Some(Service {
                    instances: 4,
                    service_time: ServiceTime::Fixed { us: 0 },
                    ..Service::default()
                })
            }
            _ => {}
        }
        model.add_element(element)
    };
    let _ = add("source", ElementKind::ExternalSystem);
    let _ = add("tick", ElementKind::Event);
    let _ = add("ticks", ElementKind::Topic);
    let _ = add("sink", ElementKind::Policy);
    for (from, to, kind) in [
        ("source", "tick", FlowKind::Emits),
        ("tick", "ticks", FlowKind::PublishedTo),
        ("ticks", "sink", FlowKind::ConsumedBy),
    ] {
        let _ = model.connect(Flow::new(from, to, kind));
    }
    model
}
