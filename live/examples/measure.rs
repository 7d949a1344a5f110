//! Measures live mode on a local nats-server: throughput (messages and
//! deliveries per real second through one server), then the online shop
//! sample simulated and live: latency percentiles, mean attempt times, and
//! how long each partition waited for the broker to hand it a message.
//! Usage:
//!
//! ```text
//! cargo run -p stormflow-live --release --example measure -- [SECONDS] [SPEED] [OFFERED_PER_SEC]
//! ```

// An example prints its figures for a person at a terminal.
#![allow(clippy::print_stdout)]

use stormflow_core::model::{
    Arrival, Element, ElementKind, Flow, FlowKind, Model, Pos, Service, ServiceTime, TopicSpec,
    US_PER_SEC, Workload,
};
use stormflow_core::sim::{Percentiles, Sim, SimOptions, Trace};
use stormflow_live::{LiveOptions, spawn_local_server};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let seconds: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(20);
    let speed: f64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1.0);
    let offered: f64 = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(20_000.0);
    let server = spawn_local_server()?;

    let flood = flood_model(offered);
    let outcome = stormflow_live::start(
        &flood,
        LiveOptions {
            url: server.url.clone(),
            until_us: Some(5 * US_PER_SEC),
            ..LiveOptions::default()
        },
    )?
    .wait()?;
    let real = outcome.real_duration.as_secs_f64();
    let totals = &outcome.report.totals;
    println!(
        "throughput over {real:.2} s real, {offered:.0}/s offered by {FLOOD_SOURCES} sources to {FLOOD_PARTITIONS} partitions:"
    );
    println!(
        "  published {} = {:.0} messages/s; processed {} = {:.0} deliveries/s; {} still queued; conservation {}",
        totals.messages_produced,
        totals.messages_produced as f64 / real,
        totals.processed,
        outcome.deliveries_per_sec,
        outcome.conservation.queued,
        verdict(outcome.conservation.holds)
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
    println!("online shop, {seconds} s of model at speed {speed} (model µs):");
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
    for id in CONSUMERS {
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
        verdict(live.conservation.holds)
    );
    for problem in &live.conservation.problems {
        println!("  {problem}");
    }
    println!(
        "remembered for redeliveries at the end: {} (applied effects and output ids JetStream had not acknowledged past)",
        live.remembered
    );
    println!("mean attempt time, first to last instant of each attempt (model µs):");
    for id in CONSUMERS {
        let sim_node = sim.element_index(&id.into());
        let live_node = live.element_ids.iter().position(|e| e == id);
        println!(
            "  {id:<14} sim {:>7} live {:>7}",
            sim_node.map_or(0, |n| mean_attempt(sim.trace(), n)),
            live_node.map_or(0, |n| mean_attempt(&live.trace, n as u32)),
        );
    }
    println!(
        "broker hand-off per partition (model µs from the later of publish and the previous message's settlement to the first attempt):"
    );
    println!(
        "{:<14} {:>6} {:>9} {:>9} {:>10} {:>8} {:>6}",
        "consumer", "count", "p50", "p99", "max", "> 1 s", "lost"
    );
    for id in CONSUMERS.into_iter().skip(1) {
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

/// The online shop's consumers, in the order of the tables.
const CONSUMERS: [&str; 5] = ["order", "billing", "shipping", "email", "order-history"];

fn verdict(holds: bool) -> &'static str {
    if holds { "holds" } else { "FAILS" }
}

/// The mean length of `node`'s attempts in a trace.
fn mean_attempt(trace: &Trace, node: u32) -> u64 {
    let (sum, count) = (0..trace.attempt_count())
        .filter_map(|row| trace.attempt(row))
        .filter(|a| a.consumer == node)
        .fold((0u64, 0u64), |(sum, count), a| {
            (sum + a.end.saturating_sub(a.start), count + 1)
        });
    sum / count.max(1)
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

/// Sources of the throughput model.
const FLOOD_SOURCES: usize = 4;

/// Partitions of the throughput model's topic.
const FLOOD_PARTITIONS: u32 = 4;

/// Sources flooding a topic read by one group with zero service time.
fn flood_model(per_sec: f64) -> Model {
    let mut model = Model::new("Flood");
    let mut add = |element: Element| {
        let _ = model.add_element(element);
    };
    let mut flows = Vec::new();
    for s in 0..FLOOD_SOURCES {
        let id = format!("source-{s}");
        let mut source = Element::new(&id, ElementKind::ExternalSystem, &id, Pos::default());
        source.workload = Some(Workload {
            arrival: Arrival::Constant {
                per_sec: per_sec / FLOOD_SOURCES as f64,
            },
            keys: 1_000,
            ..Workload::default()
        });
        add(source);
        flows.push((id, "tick", FlowKind::Emits));
    }
    add(Element::new(
        "tick",
        ElementKind::Event,
        "tick",
        Pos::default(),
    ));
    let mut topic = Element::new("ticks", ElementKind::Topic, "ticks", Pos::default());
    topic.topic = Some(TopicSpec {
        partitions: FLOOD_PARTITIONS,
        ..TopicSpec::default()
    });
    add(topic);
    let mut sink = Element::new("sink", ElementKind::Policy, "sink", Pos::default());
    sink.service = Some(Service {
        instances: FLOOD_PARTITIONS,
        service_time: ServiceTime::Fixed { us: 0 },
        ..Service::default()
    });
    add(sink);
    flows.push(("tick".into(), "ticks", FlowKind::PublishedTo));
    flows.push(("ticks".into(), "sink", FlowKind::ConsumedBy));
    for (from, to, kind) in flows {
        let _ = model.connect(Flow::new(from.as_str(), to, kind));
    }
    model
}
