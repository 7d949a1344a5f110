//! `stormflow sweep`: capacity planning on every core.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use stormflow_core::sweep::{
    Axis, Progress, SweepOptions, SweepResult, Target, parse_axis, parse_rate, run_sweep,
};
use stormflow_core::units::format_duration_us;

use super::console::one_line;
use super::{Console, load, parse_until};

/// Arguments of `stormflow sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Model file (.ron).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// A field to vary: ELEMENT.FIELD=A..B[:STEP] or ELEMENT.FIELD=A,B,C
    /// (fields: partitions, instances, rate, service_us, failure_rate,
    /// max_attempts, keys). Repeat for a grid.
    #[arg(long, value_name = "ELEMENT.FIELD=VALUES")]
    pub vary: Vec<String>,
    /// A source's rate to vary: ELEMENT=R1..R2[:STEP] (the same as
    /// ELEMENT.rate=...).
    #[arg(long, value_name = "ELEMENT=R1..R2[:STEP]")]
    pub rate: Vec<String>,
    /// Seeds per variant.
    #[arg(long, default_value_t = 3)]
    pub seeds: u32,
    /// Virtual time of each run (default: the model's horizon), at most 7 days.
    #[arg(long, value_name = "DURATION", value_parser = parse_until)]
    pub until: Option<u64>,
    /// A goal every seed of a variant must meet, e.g. "p99<200ms",
    /// "dropped=0", "throughput>=5000", "max_lag<1000" (repeatable); the
    /// cheapest variant meeting all is marked.
    #[arg(long, value_name = "FIGURE<VALUE")]
    pub target: Vec<String>,
    /// Print the results as JSON.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print the results as CSV.
    #[arg(long)]
    pub csv: bool,
}

pub(super) fn sweep(console: &mut Console, args: &SweepArgs) -> anyhow::Result<ExitCode> {
    let Some(model) = load(console, &args.file) else {
        return Ok(ExitCode::from(2));
    };
    let mut axes: Vec<Axis> = Vec::new();
    for spec in &args.vary {
        match parse_axis(spec, &model) {
            Ok(axis) => axes.push(axis),
            Err(error) => return usage(console, &error.to_string()),
        }
    }
    for spec in &args.rate {
        match parse_rate(spec, &model) {
            Ok(axis) => axes.push(axis),
            Err(error) => return usage(console, &error.to_string()),
        }
    }
    if axes.is_empty() {
        return usage(
            console,
            "say what to vary, e.g. --vary orders.partitions=2,4,8,16 --vary billing.instances=1..8",
        );
    }
    let mut targets = Vec::new();
    for text in &args.target {
        match Target::parse(text) {
            Ok(target) => targets.push(target),
            Err(error) => return usage(console, &error.to_string()),
        }
    }
    let options = SweepOptions {
        seeds: args.seeds.clamp(1, 100),
        until_us: args.until,
        targets,
    };
    let progress = Arc::new(Progress::default());
    {
        // Ctrl+C stops the sweep cleanly; what finished is printed.
        let progress = Arc::clone(&progress);
        let _ = ctrlc::set_handler(move || progress.cancel());
    }
    let worker = {
        let (model, axes, options, progress) = (
            model.clone(),
            axes.clone(),
            options.clone(),
            Arc::clone(&progress),
        );
        std::thread::spawn(move || run_sweep(&model, &axes, &options, &progress))
    };
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len} runs, {eta} left")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message(format!(
        "sweeping on {} cores",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    ));
    while !worker.is_finished() {
        bar.set_length(progress.total() as u64);
        bar.set_position(progress.done() as u64);
        std::thread::sleep(Duration::from_millis(100));
    }
    bar.finish_and_clear();
    let result = match worker.join() {
        Ok(Ok(result)) => result,
        Ok(Err(error)) => return usage(console, &error.to_string()),
        Err(_) => anyhow::bail!("the sweep's worker thread failed"),
    };
    if args.json {
        let _ = serde_json::to_writer_pretty(console.out_writer(), &result);
        console.out("");
    } else if args.csv {
        print_csv(console, &result);
    } else {
        print_table(console, &model.name, &result);
    }
    if result.cancelled {
        console.err(format_args!(
            "stopped: {} of {} variants finished",
            result.variants.len(),
            result.grid_size
        ));
        return Ok(ExitCode::from(130));
    }
    Ok(ExitCode::SUCCESS)
}

fn usage(console: &mut Console, message: &str) -> anyhow::Result<ExitCode> {
    console.err(format_args!("stormflow sweep: {}", one_line(message)));
    Ok(ExitCode::from(2))
}

fn value(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.3}")
    }
}

fn latency(spread: &stormflow_core::sweep::Spread) -> String {
    let mean = format_duration_us(spread.mean.round() as u64);
    if (spread.max - spread.min).abs() < 1.0 {
        mean
    } else {
        format!(
            "{mean} ±{}",
            format_duration_us(((spread.max - spread.min) / 2.0).round() as u64)
        )
    }
}

fn print_table(console: &mut Console, name: &str, result: &SweepResult) {
    console.out(format_args!(
        "{}: {} variants × {} seeds, {} of virtual time each{}",
        one_line(name),
        result.grid_size,
        result.seeds,
        format_duration_us(result.until_us),
        if result.targets.is_empty() {
            String::new()
        } else {
            format!("; targets {}", result.targets.join(", "))
        }
    ));
    console.out("");
    let mut header: Vec<String> = result.axes.iter().map(|a| one_line(a)).collect();
    header.extend(
        [
            "throughput/s",
            "p50",
            "p99",
            "p99.9",
            "max lag",
            "dlq",
            "dropped",
            "saturated first",
            "",
        ]
        .map(String::from),
    );
    let mut rows: Vec<Vec<String>> = vec![header];
    for v in &result.variants {
        let mut row: Vec<String> = v.values.iter().map(|x| value(*x)).collect();
        if let Some(error) = &v.error {
            row.push(format!("cannot run: {}", one_line(error)));
            rows.push(row);
            continue;
        }
        row.extend([
            format!("{:.0}", v.throughput_per_sec.mean),
            latency(&v.p50_us),
            latency(&v.p99_us),
            latency(&v.p999_us),
            v.max_lag.to_string(),
            v.dead_lettered.to_string(),
            v.dropped.to_string(),
            v.saturated
                .as_ref()
                .map_or_else(|| "-".into(), |id| one_line(id.as_str())),
            if v.cheapest {
                "★ cheapest meeting the targets".into()
            } else if v.meets_targets && !result.targets.is_empty() {
                "meets the targets".into()
            } else {
                String::new()
            },
        ]);
        rows.push(row);
    }
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, cell)| format!("{cell:>w$}", w = widths[c]))
            .collect();
        console.out(line.join("  ").trim_end());
    }
    if !result.targets.is_empty() && !result.variants.iter().any(|v| v.meets_targets) {
        console.out("\nno variant meets every target: widen the ranges or relax a target");
    }
}

fn print_csv(console: &mut Console, result: &SweepResult) {
    let quote = |text: &str| format!("\"{}\"", text.replace('"', "\"\""));
    let mut header: Vec<String> = result.axes.iter().map(|a| quote(a)).collect();
    header.extend(
        [
            "throughput_per_sec",
            "p50_us",
            "p99_us",
            "p99_us_min",
            "p99_us_max",
            "p999_us",
            "max_lag",
            "dead_lettered",
            "dropped",
            "saturated",
            "meets_targets",
            "cheapest",
            "error",
        ]
        .map(String::from),
    );
    console.out(header.join(","));
    for v in &result.variants {
        let mut row: Vec<String> = v.values.iter().map(|x| value(*x)).collect();
        row.extend([
            format!("{:.1}", v.throughput_per_sec.mean),
            format!("{:.0}", v.p50_us.mean),
            format!("{:.0}", v.p99_us.mean),
            format!("{:.0}", v.p99_us.min),
            format!("{:.0}", v.p99_us.max),
            format!("{:.0}", v.p999_us.mean),
            v.max_lag.to_string(),
            v.dead_lettered.to_string(),
            v.dropped.to_string(),
            v.saturated
                .as_ref()
                .map_or_else(String::new, |id| quote(id.as_str())),
            v.meets_targets.to_string(),
            v.cheapest.to_string(),
            v.error.as_deref().map_or_else(String::new, quote),
        ]);
        console.out(row.join(","));
    }
}
