//! The command line: the desktop app's arguments and the headless
//! subcommands over `stormflow_core`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use stormflow_core::sim::{Counters, Report, Sim, SimOptions, export};
use stormflow_core::units::format_duration_us;
use stormflow_core::{LoadError, Severity, check, format};

/// Stormflow: an event-storming board that runs.
///
/// With no subcommand it opens the desktop app on FILE (or on the
/// online-shop sample). The subcommands work headless, for scripts and CI.
#[derive(Debug, Parser)]
#[command(name = "stormflow", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// What to do; none opens the desktop app.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Arguments of the desktop app.
    #[command(flatten)]
    pub gui: GuiArgs,
}

/// Arguments of the desktop app.
#[derive(Debug, Clone, Default, Args)]
pub struct GuiArgs {
    /// A model (.ron) to open.
    pub file: Option<PathBuf>,
    /// Render the board into this PNG, then exit (needs a display, e.g. Xvfb).
    #[arg(long, value_name = "OUT.png")]
    pub screenshot: Option<PathBuf>,
    /// Window size for --screenshot, as WIDTHxHEIGHT.
    #[arg(long, value_name = "WxH", value_parser = parse_size, default_value = "1400x900")]
    pub size: (u32, u32),
    /// Run the model to this virtual time before the screenshot (e.g. 30s).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub run_until: Option<u64>,
    /// Seed of the run (default: the model's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Take an element down in that run: ELEMENT@T+DURATION, e.g.
    /// shipping@10s+10s (repeatable; the file is not changed).
    #[arg(long, value_name = "ELEMENT@T+DURATION", value_parser = parse_outage, requires = "run_until")]
    pub fault: Vec<stormflow_core::compare::Outage>,
}

/// The headless subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check models: parse errors, the bus rules, flows, naming, run parameters.
    ///
    /// Prints `FILE:LINE:COL: error: MESSAGE` for a file that cannot be parsed
    /// and `FILE: SEVERITY[RULE-ID] ELEMENT-ID: MESSAGE` for each problem.
    /// Exit status: 0 without errors (warnings allowed), 1 when a model has
    /// errors, 2 when a file cannot be read or parsed.
    Check {
        /// Model files (.ron).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Run a model's simulation headless and print what it measured.
    ///
    /// Without --json a readable summary; with --json one JSON object with
    /// `seed`, `virtual_time_us`, `totals`, `elements`, `read_models`,
    /// `drop_reasons` and `trace_hash`. The same model and seed always give
    /// the same output, byte for byte. Exit status: 0 after a run, 1 when the
    /// model has check errors, 2 when the file cannot be read or parsed.
    Run {
        /// Model file (.ron).
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Seed of every random stream (default: the model's).
        #[arg(long)]
        seed: Option<u64>,
        /// Virtual time to run to, e.g. 60s, 500ms, 2m (default: the model's horizon).
        #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
        until: Option<u64>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Write the trace to this file.
        #[arg(long, value_name = "PATH")]
        trace: Option<PathBuf>,
        /// Format of --trace: chrome (Perfetto UI, chrome://tracing) or otlp (Jaeger, OpenTelemetry).
        #[arg(long, value_enum, default_value_t = TraceFormat::Chrome, requires = "trace")]
        trace_format: TraceFormat,
    },
    /// Compare two designs of the same domain under the same workload and the
    /// same outage (e.g. event-command vs event-first).
    ///
    /// Prints side by side: emitter coupling (how many other elements the
    /// main emitter must know by address), synchronous depth (the longest
    /// chain of waiting callers), change impact (existing elements disturbed
    /// by adding one more consumer of the main fact: 0 when it goes out on a
    /// topic), latency p50/p99 (the sources' requests, else the slowest
    /// element), what failed and what queued during the outage, the recovery
    /// time after it, message counts and the read models' consistency window.
    /// With --json: {"models": [A, B]} with these figures as snake_case keys.
    Compare {
        /// The first model (.ron).
        #[arg(value_name = "A")]
        a: PathBuf,
        /// The second model (.ron).
        #[arg(value_name = "B")]
        b: PathBuf,
        /// Seed of both runs (default: A's).
        #[arg(long)]
        seed: Option<u64>,
        /// Virtual time to run to (default: the longer horizon).
        #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
        until: Option<u64>,
        /// Take an element down in both runs: ELEMENT@T+DURATION, e.g. shipping@10s+10s.
        #[arg(long, value_name = "ELEMENT@T+DURATION", value_parser = parse_outage)]
        fault: Option<stormflow_core::compare::Outage>,
        /// Print the figures as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Rewrite models in the canonical form (stable order, one field a line).
    ///
    /// With --check nothing is written; the exit status is 1 when a file
    /// is not in canonical form.
    Fmt {
        /// Model files (.ron).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Only report files that are not canonical.
        #[arg(long)]
        check: bool,
    },
}

/// Trace export formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TraceFormat {
    /// Chrome trace-event JSON: open in ui.perfetto.dev or chrome://tracing.
    Chrome,
    /// OTLP/JSON spans: import into Jaeger or any OpenTelemetry collector.
    Otlp,
}

fn parse_size(text: &str) -> Result<(u32, u32), String> {
    let (w, h) = text
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("`{text}` is not a size: write WIDTHxHEIGHT, e.g. 1400x900"))?;
    let side = |s: &str| -> Result<u32, String> {
        match s.trim().parse::<u32>() {
            Ok(v) if (100..=8192).contains(&v) => Ok(v),
            _ => Err(format!(
                "`{text}`: each side must be a number from 100 to 8192"
            )),
        }
    };
    Ok((side(w)?, side(h)?))
}

fn parse_outage(text: &str) -> Result<stormflow_core::compare::Outage, String> {
    stormflow_core::compare::Outage::parse(text)
}

/// Parses a duration argument (`60s`, `500ms`) into microseconds.
pub fn parse_duration(text: &str) -> Result<u64, String> {
    stormflow_core::units::parse_duration_us(text)
}

/// Runs a headless subcommand and returns the process exit status.
pub fn run_command(command: Command) -> ExitCode {
    let result = match command {
        Command::Check { files } => check_files(&files),
        Command::Fmt { files, check } => fmt_files(&files, check),
        Command::Run {
            file,
            seed,
            until,
            json,
            trace,
            trace_format,
        } => run_file(&file, seed, until, json, trace.as_deref(), trace_format),
        Command::Compare {
            a,
            b,
            seed,
            until,
            fault,
            json,
        } => compare_files(&a, &b, seed, until, fault.as_ref(), json),
    };
    match result {
        Ok(code) => code,
        // The reader went away (`stormflow run ... | head`): nothing to report.
        Err(error)
            if error
                .downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("stormflow: error: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// Prints a load error the way compilers do, so editors can jump to it.
pub fn print_load_error(out: &mut impl Write, error: &LoadError) -> std::io::Result<()> {
    match error {
        LoadError::Io { path, source } => {
            writeln!(
                out,
                "{}: error: cannot read the file: {source}",
                path.display()
            )
        }
        LoadError::Format { path, error } => writeln!(
            out,
            "{}:{}:{}: error: {}",
            path.display(),
            error.line,
            error.col,
            error.message
        ),
    }
}

fn check_files(files: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let (mut unreadable, mut errors, mut warnings, mut infos) = (0, 0, 0, 0);
    for path in files {
        let model = match format::load(path) {
            Ok(model) => model,
            Err(error) => {
                print_load_error(&mut out, &error)?;
                unreadable += 1;
                continue;
            }
        };
        for problem in check(&model) {
            match problem.severity {
                Severity::Error => errors += 1,
                Severity::Warning => warnings += 1,
                Severity::Info => infos += 1,
            }
            let element = problem.element().map_or("-", |id| id.as_str());
            writeln!(
                out,
                "{}: {}[{}] {element}: {}",
                path.display(),
                problem.severity,
                problem.rule,
                problem.message
            )?;
        }
    }
    out.flush()?;
    eprintln!(
        "checked {} file{}: {unreadable} unreadable, {errors} error{}, {warnings} warning{}, {infos} info",
        files.len(),
        plural(files.len()),
        plural(errors),
        plural(warnings),
    );
    Ok(if unreadable > 0 {
        ExitCode::from(2)
    } else if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn fmt_files(files: &[PathBuf], check_only: bool) -> anyhow::Result<ExitCode> {
    let mut status = ExitCode::SUCCESS;
    for path in files {
        let model = match format::load(path) {
            Ok(model) => model,
            Err(error) => {
                print_load_error(&mut std::io::stderr(), &error)?;
                return Ok(ExitCode::from(2));
            }
        };
        let canonical = format::to_ron_string(&model)?;
        let current =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        if canonical == current {
            continue;
        }
        if check_only {
            println!(
                "{}: not in canonical form (run `stormflow fmt {}`)",
                path.display(),
                path.display()
            );
            status = ExitCode::from(1);
        } else {
            write_model(path, &model)?;
            println!("{}: rewritten", path.display());
        }
    }
    Ok(status)
}

fn run_file(
    path: &Path,
    seed: Option<u64>,
    until: Option<u64>,
    json: bool,
    trace_path: Option<&Path>,
    trace_format: TraceFormat,
) -> anyhow::Result<ExitCode> {
    let model = match format::load(path) {
        Ok(model) => model,
        Err(error) => {
            print_load_error(&mut std::io::stderr(), &error)?;
            return Ok(ExitCode::from(2));
        }
    };
    let options = SimOptions {
        seed,
        ..SimOptions::default()
    };
    let mut sim = match Sim::new(&model, &options) {
        Ok(sim) => sim,
        Err(error) => {
            eprintln!("{}: cannot run: {error}", path.display());
            eprintln!("(`stormflow check {}` lists every problem)", path.display());
            return Ok(ExitCode::from(1));
        }
    };
    let until = until.unwrap_or(model.run.horizon_us);
    let started = std::time::Instant::now();
    sim.run_until(until);
    let elapsed = started.elapsed();
    let report = sim.report();
    if let Some(trace_path) = trace_path {
        let file = std::fs::File::create(trace_path)
            .with_context(|| format!("creating {}", trace_path.display()))?;
        let mut out = std::io::BufWriter::new(file);
        match trace_format {
            TraceFormat::Chrome => export::write_chrome(&sim, &mut out),
            TraceFormat::Otlp => export::write_otlp(&sim, &mut out),
        }
        .and_then(|()| out.flush())
        .with_context(|| format!("writing {}", trace_path.display()))?;
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        print_summary(&mut out, &model, &report, elapsed)?;
        if let Some(trace_path) = trace_path {
            writeln!(out, "trace written to {}", trace_path.display())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The readable summary of a run.
fn print_summary(
    out: &mut impl Write,
    model: &stormflow_core::Model,
    report: &Report,
    elapsed: std::time::Duration,
) -> std::io::Result<()> {
    let t = &report.totals;
    writeln!(
        out,
        "{}: seed {}, {} of virtual time in {:.2}s",
        model.name,
        report.seed,
        format_duration_us(report.virtual_time_us),
        elapsed.as_secs_f64()
    )?;
    writeln!(
        out,
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
    )?;
    writeln!(out)?;
    // The counts take the tables' shared columns; each as wide as its name
    // needs, at least 7.
    let counts = Counters::default().columns();
    write!(out, "{:<24} {:<15}", "element", "kind")?;
    for (name, _) in counts {
        write!(out, " {name:>w$}", w = name.len().max(7))?;
    }
    writeln!(out, " {:>7} {:>9} {:>9}", "queued", "p50", "p99")?;
    for (id, e) in &report.elements {
        write!(out, "{:<24} {:<15}", truncate(id, 24), e.kind)?;
        for (name, value) in e.counters.columns() {
            write!(out, " {value:>w$}", w = name.len().max(7))?;
        }
        writeln!(
            out,
            " {:>7} {:>9} {:>9}",
            e.queued,
            format_duration_us(e.latency_us.p50),
            format_duration_us(e.latency_us.p99),
        )?;
    }
    for (id, r) in &report.read_models {
        writeln!(
            out,
            "\nread model {id}: {} keys; consistency window p50 {}, p99 {}, max {}",
            r.entries,
            format_duration_us(r.consistency_window_us.p50),
            format_duration_us(r.consistency_window_us.p99),
            format_duration_us(r.consistency_window_us.max),
        )?;
    }
    if !report.drop_reasons.is_empty() {
        writeln!(out, "\ndropped, by reason:")?;
        for (reason, count) in &report.drop_reasons {
            writeln!(out, "  {count:>7}  {reason}")?;
        }
    }
    writeln!(out)?;
    match report.trace_truncated_at {
        Some(at) => writeln!(
            out,
            "trace truncated at {at} messages; hash {}",
            report.trace_hash
        )?,
        None => writeln!(
            out,
            "trace: {} messages, hash {}",
            report.trace_messages, report.trace_hash
        )?,
    }
    Ok(())
}

fn compare_files(
    a: &Path,
    b: &Path,
    seed: Option<u64>,
    until: Option<u64>,
    outage: Option<&stormflow_core::compare::Outage>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let mut models = Vec::new();
    for path in [a, b] {
        match format::load(path) {
            Ok(model) => models.push(model),
            Err(error) => {
                print_load_error(&mut std::io::stderr(), &error)?;
                return Ok(ExitCode::from(2));
            }
        }
    }
    let seed = seed.unwrap_or(models[0].run.seed);
    let until = until.unwrap_or_else(|| {
        models
            .iter()
            .map(|m| m.run.horizon_us)
            .max()
            .unwrap_or(60_000_000)
    });
    let mut figures = Vec::new();
    for (path, model) in [a, b].iter().zip(&models) {
        match stormflow_core::compare::run_compare(
            &path.display().to_string(),
            model,
            seed,
            until,
            outage,
        ) {
            Ok(f) => figures.push(f),
            Err(error) => {
                eprintln!("{}: cannot run: {error}", path.display());
                return Ok(ExitCode::from(1));
            }
        }
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &serde_json::json!({ "models": figures }))?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let (x, y) = (&figures[0], &figures[1]);
    let name = |p: &Path| {
        p.file_name().map_or_else(
            || p.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    };
    writeln!(
        out,
        "seed {seed}, {} of virtual time{}",
        format_duration_us(until),
        match outage {
            Some(o) => format!(
                ", `{}` down from {} for {}",
                o.element,
                format_duration_us(o.at_us),
                format_duration_us(o.for_us)
            ),
            None => String::new(),
        }
    )?;
    writeln!(out)?;
    let rows: Vec<(&str, String, String)> = vec![
        ("", name(a), name(b)),
        (
            "main emitter",
            x.main_emitter
                .as_ref()
                .map_or("-".into(), |e| e.to_string()),
            y.main_emitter
                .as_ref()
                .map_or("-".into(), |e| e.to_string()),
        ),
        (
            "emitter coupling",
            x.emitter_coupling.to_string(),
            y.emitter_coupling.to_string(),
        ),
        (
            "synchronous depth",
            x.sync_depth.to_string(),
            y.sync_depth.to_string(),
        ),
        (
            "change impact",
            x.change_impact.to_string(),
            y.change_impact.to_string(),
        ),
        (
            "latency p50 / p99",
            format!(
                "{} / {}",
                format_duration_us(x.latency_p50_us),
                format_duration_us(x.latency_p99_us)
            ),
            format!(
                "{} / {}",
                format_duration_us(y.latency_p50_us),
                format_duration_us(y.latency_p99_us)
            ),
        ),
        (
            "failed during the outage",
            x.failed_during_outage.to_string(),
            y.failed_during_outage.to_string(),
        ),
        (
            "queued during the outage",
            x.queued_during_outage.to_string(),
            y.queued_during_outage.to_string(),
        ),
        (
            "recovery after the outage",
            x.recovery_us
                .map_or("not recovered".into(), format_duration_us),
            y.recovery_us
                .map_or("not recovered".into(), format_duration_us),
        ),
        ("messages", x.messages.to_string(), y.messages.to_string()),
        ("consistency window p99", consistency(x), consistency(y)),
    ];
    let width = rows
        .iter()
        .map(|(_, a, b)| a.len().max(b.len()))
        .max()
        .unwrap_or(10)
        .max(12);
    for (label, left, right) in rows {
        writeln!(out, "{label:<27} {left:>width$}   {right:>width$}")?;
    }
    Ok(ExitCode::SUCCESS)
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let mut short: String = text.chars().take(width - 1).collect();
        short.push('…');
        short
    }
}

fn write_model(path: &Path, model: &stormflow_core::Model) -> anyhow::Result<()> {
    format::save(path, model).with_context(|| format!("saving {}", path.display()))
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A model's consistency window as the comparison table shows it.
fn consistency(figures: &stormflow_core::compare::Figures) -> String {
    figures
        .consistency_window_p99_us
        .map_or_else(|| "no read model".to_string(), format_duration_us)
}
