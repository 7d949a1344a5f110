//! `stormflow run`: a model simulated headless, its figures printed.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;
use stormflow_core::sim::{Counters, Report, Sim, SimOptions, export};
use stormflow_core::units::format_duration_us;

use super::console::one_line;
use super::{Console, TraceFormat, load, parse_until};

/// Arguments of `stormflow run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Model file (.ron).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Seed of every random stream (default: the model's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Virtual time to run to, e.g. 60s, 500ms, 2m, at most 7 days (default:
    /// the model's horizon).
    #[arg(long, value_name = "DURATION", value_parser = parse_until)]
    pub until: Option<u64>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Keep no trace: the figures and the run's fingerprint (`trace_hash`)
    /// are the same, in a fraction of the memory.
    #[arg(long, conflicts_with = "trace")]
    pub no_trace: bool,
    /// The run's memory budget in MiB; past it the run stops with the
    /// reason (default: 2048).
    #[arg(long, value_name = "MIB")]
    pub max_memory: Option<u64>,
    /// Write the trace to this file (written aside, then renamed over it).
    #[arg(long, value_name = "PATH")]
    pub trace: Option<PathBuf>,
    /// Format of --trace: chrome (Perfetto UI, chrome://tracing) or otlp (Jaeger, OpenTelemetry).
    #[arg(long, value_enum, default_value_t = TraceFormat::Chrome, requires = "trace")]
    pub trace_format: TraceFormat,
}

pub(super) fn run(console: &mut Console, args: &RunArgs) -> anyhow::Result<ExitCode> {
    let Some(model) = load(console, &args.file) else {
        return Ok(ExitCode::from(2));
    };
    let file = one_line(&args.file.display().to_string());
    let options = SimOptions {
        seed: args.seed,
        trace_off: args.no_trace,
        max_memory_bytes: args.max_memory.map(|mib| mib.saturating_mul(1024 * 1024)),
        ..SimOptions::default()
    };
    let mut sim = match Sim::new(&model, &options) {
        Ok(sim) => sim,
        Err(error) => {
            console.err(format_args!(
                "{file}: cannot run: {}",
                one_line(&error.to_string())
            ));
            console.err(format_args!(
                "(`stormflow check {file}` lists every problem)"
            ));
            return Ok(ExitCode::from(1));
        }
    };
    let until = args.until.unwrap_or(model.run.horizon_us);
    let started = std::time::Instant::now();
    sim.run_until(until);
    let elapsed = started.elapsed();
    let report = sim.report();
    if let Some(path) = &args.trace {
        stormflow_core::format::write_atomic(path, |file| {
            let mut out = std::io::BufWriter::new(file);
            match args.trace_format {
                TraceFormat::Chrome => export::write_chrome(&sim, &mut out),
                TraceFormat::Otlp => export::write_otlp(&sim, &mut out),
            }?;
            out.flush()
        })
        .with_context(|| format!("writing the trace to {}", path.display()))?;
    }
    if args.json {
        let _ = serde_json::to_writer_pretty(console.out_writer(), &report);
        console.out("");
    } else {
        print_summary(console, &model, &report, elapsed);
        if let Some(path) = &args.trace {
            console.out(format_args!(
                "trace written to {}",
                one_line(&path.display().to_string())
            ));
        }
    }
    if let Some(reason) = sim.stopped() {
        console.err(format_args!(
            "{file}: the run stopped at {}: {}",
            format_duration_us(sim.now()),
            one_line(&reason.to_string())
        ));
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// The readable summary of a run.
fn print_summary(
    console: &mut Console,
    model: &stormflow_core::Model,
    report: &Report,
    elapsed: std::time::Duration,
) {
    let t = &report.totals;
    console.out(format_args!(
        "{}: seed {}, {} of virtual time in {:.2}s",
        one_line(&model.name),
        report.seed,
        format_duration_us(report.virtual_time_us),
        elapsed.as_secs_f64()
    ));
    console.out(format_args!(
        "{} messages; {} deliveries: {} processed, {} queued, {} in flight, {} dead-lettered, {} dropped; {} duplicates, {} retries{}",
        t.messages_produced,
        t.deliveries_expected,
        t.processed,
        t.queued,
        t.in_flight,
        t.dead_lettered,
        t.dropped,
        t.duplicates,
        t.retries,
        if t.replayed > 0 {
            format!(", {} replayed", t.replayed)
        } else {
            String::new()
        },
    ));
    console.out("");
    // The counts take the tables' shared columns; each as wide as its name
    // needs, at least 7.
    let counts = Counters::default().columns();
    let mut header = format!("{:<24} {:<15}", "element", "kind");
    for (name, _) in counts {
        header.push_str(&format!(" {name:>w$}", w = name.len().max(7)));
    }
    header.push_str(&format!(" {:>7} {:>9} {:>9}", "queued", "p50", "p99"));
    console.out(header);
    for (id, e) in &report.elements {
        let mut line = format!("{:<24} {:<15}", truncate(&one_line(id), 24), e.kind);
        for (name, value) in e.counters.columns() {
            line.push_str(&format!(" {value:>w$}", w = name.len().max(7)));
        }
        line.push_str(&format!(
            " {:>7} {:>9} {:>9}",
            e.queued,
            format_duration_us(e.latency_us.p50),
            format_duration_us(e.latency_us.p99),
        ));
        console.out(line);
    }
    for (id, r) in &report.read_models {
        console.out(format_args!(
            "\nread model {}: {} keys; consistency window p50 {}, p99 {}, max {}",
            one_line(id),
            r.entries,
            format_duration_us(r.consistency_window_us.p50),
            format_duration_us(r.consistency_window_us.p99),
            format_duration_us(r.consistency_window_us.max),
        ));
    }
    if !report.drop_reasons.is_empty() {
        console.out("\ndropped, by reason:");
        for (reason, count) in &report.drop_reasons {
            console.out(format_args!("  {count:>7}  {}", one_line(reason)));
        }
    }
    console.out("");
    match report.trace_truncated_at {
        Some(at) => console.out(format_args!(
            "trace truncated at {at} messages; hash {}",
            report.trace_hash
        )),
        None => console.out(format_args!(
            "trace: {} messages, hash {}",
            report.trace_messages, report.trace_hash
        )),
    }
}

/// Cuts `text` to `width` characters, with `…` when cut.
pub(super) fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let mut short: String = text.chars().take(width.saturating_sub(1)).collect();
        short.push('…');
        short
    }
}
