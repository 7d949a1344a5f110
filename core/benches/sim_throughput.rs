//! Simulation throughput: deliveries per second of wall time on a 10-hop
//! pipeline with 8 partitions and about 10,000 messages pending, with the
//! trace off and on; and the trace's resident bytes per message.
//!
//! Goals on the reference 2-core machine: >= 10M deliveries/s trace off,
//! >= 5M trace on, <= 64 bytes per message.

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use stormflow_core::sim::{Sim, SimOptions};
use stormflow_core::synth;

/// Deliveries timed per criterion iteration.
const DELIVERIES: u64 = 200_000;

fn pipeline() -> stormflow_core::Model {
    // 10,000 messages every 100 ms of virtual time into a 10-hop pipeline.
    let mut model = synth::pipeline(10, 8, 10_000, 100_000);
    model.run.trace_limit = 20_000_000;
    model.run.sample_every_us = 1_000_000;
    model
}

fn run_deliveries(sim: &mut Sim, deliveries: u64) {
    let target = sim.totals().processed + deliveries;
    while sim.totals().processed < target {
        sim.run_events(50_000, u64::MAX);
    }
}

fn throughput(c: &mut Criterion) {
    let model = pipeline();
    let mut group = c.benchmark_group("sim_throughput");
    group.throughput(Throughput::Elements(DELIVERIES));
    for (name, trace_off) in [("trace_off", true), ("trace_on", false)] {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut sim = Sim::new(
                    &model,
                    &SimOptions {
                        trace_off,
                        ..SimOptions::default()
                    },
                )
                .expect("pipeline runs");
                run_deliveries(&mut sim, 20_000); // warm up: fill the pipeline
                let start = Instant::now();
                for _ in 0..iters {
                    run_deliveries(&mut sim, DELIVERIES);
                }
                start.elapsed()
            });
        });
    }
    group.finish();

    // Trace bytes per message, measured once (not a timing).
    let mut sim = Sim::new(&model, &SimOptions::default()).expect("pipeline runs");
    run_deliveries(&mut sim, 1_000_000);
    let trace = sim.trace();
    let per_message = trace.resident_bytes() as f64 / trace.len() as f64;
    let pending = sim.totals().queued + sim.totals().in_flight;
    eprintln!(
        "sim_throughput: trace holds {} messages and {} attempts in {} bytes: {per_message:.1} bytes per message (attempts included); {pending} deliveries pending",
        trace.len(),
        trace.attempt_count(),
        trace.resident_bytes()
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(8)).sample_size(20);
    targets = throughput
}
criterion_main!(benches);
