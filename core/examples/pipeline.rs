//! Runs the benchmark pipeline for a fixed number of deliveries, for
//! profiling: `valgrind --tool=callgrind target/release/examples/pipeline`.
//! `pipeline --save PATH` writes the model as a `.ron` file instead, for
//! measuring a whole `stormflow run` of it (BENCHMARKS.md).

// An example prints its figures for a person at a terminal.
#![allow(clippy::print_stdout)]

use stormflow_core::sim::{Sim, SimOptions};

fn main() {
    let deliveries: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(300_000);
    let trace_off = std::env::args().any(|a| a == "--trace-off");
    let mut model = stormflow_core::synth::pipeline(10, 8, 10_000, 100_000);
    model.run.trace_limit = 20_000_000;
    model.run.sample_every_us = 1_000_000;
    let args: Vec<String> = std::env::args().collect();
    if let Some(path) = args
        .iter()
        .position(|a| a == "--save")
        .and_then(|i| args.get(i + 1))
    {
        match stormflow_core::format::save(std::path::Path::new(path), &model) {
            Ok(()) => println!("wrote {path}"),
            Err(error) => {
                eprintln!("{error}");
                std::process::exit(1);
            }
        }
        return;
    }
    let mut sim = match Sim::new(
        &model,
        &SimOptions {
            trace_off,
            ..SimOptions::default()
        },
    ) {
        Ok(sim) => sim,
        Err(error) => {
            eprintln!("{error}");
            std::process::exit(1);
        }
    };
    let start = std::time::Instant::now();
    while sim.totals().processed < deliveries {
        sim.run_events(50_000, u64::MAX);
    }
    let elapsed = start.elapsed();
    println!(
        "{} deliveries in {:.3}s: {:.2}M/s; {} events",
        sim.totals().processed,
        elapsed.as_secs_f64(),
        sim.totals().processed as f64 / elapsed.as_secs_f64() / 1e6,
        sim.events_processed()
    );
}
