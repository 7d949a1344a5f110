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
    Ok(())
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
