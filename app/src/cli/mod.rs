//! The command line: the desktop app's arguments and the headless
//! subcommands over `stormflow_core`, one module a subcommand.

mod check;
mod compare;
pub mod console;
mod export;
mod import;
mod live;
mod run;
mod sweep;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use stormflow_core::LoadError;

pub use console::Console;

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
    #[arg(long, value_name = "DURATION", value_parser = parse_until)]
    pub run_until: Option<u64>,
    /// Seed of the run (default: the model's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Take an element down in that run: ELEMENT@T+DURATION, e.g.
    /// shipping@10s+10s (repeatable; the file is not changed).
    #[arg(long, value_name = "ELEMENT@T+DURATION", value_parser = parse_outage, requires = "run_until")]
    pub fault: Vec<stormflow_core::compare::Outage>,
    /// Open in presentation mode (full screen, panels hidden, board fitted).
    #[arg(long)]
    pub present: bool,
}

/// Trace export formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TraceFormat {
    /// Chrome trace-event JSON: open in ui.perfetto.dev or chrome://tracing.
    Chrome,
    /// OTLP/JSON spans: import into Jaeger or any OpenTelemetry collector.
    Otlp,
}

/// The headless subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check models: parse errors, the bus rules, flows, naming, loops, run limits.
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
    /// `drop_reasons`, `trace_hash` (and `stopped` when the run stopped
    /// early). The same model and seed always give the same output, byte for
    /// byte. Exit status: 0 after a run, 1 when the model has check errors
    /// or the run stopped early (a loop, runaway retries, the memory budget),
    /// 2 when the file cannot be read or parsed.
    Run(run::RunArgs),
    /// Compare two designs of the same domain under the same workload and the
    /// same outage (e.g. event-command vs event-first), or with --live one
    /// design simulated and run on a real NATS server.
    ///
    /// Prints side by side: emitter coupling (how many other elements the
    /// main emitter must know by address), synchronous depth (the longest
    /// chain of waiting callers), change impact (existing elements disturbed
    /// by adding one more consumer of the main fact: 0 when it goes out on a
    /// topic), latency p50/p99 (the sources' requests, else the slowest
    /// element), what failed and what queued during the outage, the recovery
    /// time after it, message counts and the read models' consistency window.
    /// With --json: {"models": [A, B]} with these figures as snake_case keys.
    Compare(compare::CompareArgs),
    /// Rewrite models in the canonical form (stable order, one field a line).
    ///
    /// The comment block at the top of a file is kept; a file with comments
    /// inside the model is left as it is (the canonical form would drop
    /// them). With --check nothing is written; the exit status is 1 when a
    /// file is not in canonical form.
    Fmt {
        /// Model files (.ron).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Only report files that are not canonical.
        #[arg(long)]
        check: bool,
    },
    /// Make a board from AsyncAPI documents (2.x, 3.x; YAML or JSON) or Kafka
    /// Streams topologies (`Topology#describe()` text), ready to run.
    ///
    /// PATH may be a file or a folder (every AsyncAPI document under it,
    /// linked as one system). Without -o the board is written to standard
    /// output. Importing the same input twice gives the same file. Exit
    /// status: 0 after an import (warnings on standard error), 2 when an
    /// input cannot be read or is not a document of the format.
    Import(import::ImportArgs),
    /// Try capacity: run a grid of variants with several seeds each on every
    /// core and print throughput, latency, lag, losses and which element
    /// saturated first; with targets, mark the cheapest variant meeting them.
    Sweep(sweep::SweepArgs),
    /// Write the board in a format other tools take: an SVG or PNG picture
    /// (with a run's live badges after --run-until), a Mermaid flowchart, a
    /// Graphviz graph, AsyncAPI 3.0 documents, an EventCatalog folder or JSON.
    ///
    /// Without -o, text formats go to standard output. Files are written
    /// aside and renamed into place; a folder replaces only a folder an
    /// earlier export wrote. Exit status: 0 after writing, 1 when the run
    /// asked for cannot be made, 2 when the model cannot be read or an
    /// argument does not fit the format.
    Export(export::ExportArgs),
    /// Run the board on a real NATS JetStream server (or cluster) and print
    /// the same report as `stormflow run`, measured from real messages.
    Live(live::LiveArgs),
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

/// Parses how far to run (`--until`, `--run-until`): a duration no longer
/// than a model's longest horizon (7 days).
pub fn parse_until(text: &str) -> Result<u64, String> {
    let us = parse_duration(text)?;
    let max = stormflow_core::format::Limits::default().max_duration_us;
    if us == 0 || us > max {
        return Err(format!(
            "`{text}`: a run goes from 1us to 7 days (168h), the longest horizon a model may have"
        ));
    }
    Ok(us)
}

/// Runs a headless subcommand and returns the process exit status.
pub fn run_command(command: Command) -> ExitCode {
    let mut console = Console::default();
    let result = match command {
        Command::Check { files } => check::check_files(&mut console, &files),
        Command::Fmt { files, check } => check::fmt_files(&mut console, &files, check),
        Command::Run(args) => run::run(&mut console, &args),
        Command::Compare(args) => compare::compare(&mut console, &args),
        Command::Import(args) => import::import(&mut console, &args),
        Command::Sweep(args) => sweep::sweep(&mut console, &args),
        Command::Live(args) => live::live(&mut console, &args),
        Command::Export(args) => export::export(&mut console, &args),
    };
    console.flush();
    match result {
        Ok(code) => code,
        Err(error) => {
            console.err(format_args!(
                "stormflow: error: {}",
                console::one_line(&format!("{error:#}"))
            ));
            ExitCode::from(2)
        }
    }
}

/// A load error the way compilers print them, so editors can jump to it.
pub fn load_error_line(error: &LoadError) -> String {
    match error {
        LoadError::Io { path, source } => format!(
            "{}: error: cannot read the file: {}",
            console::one_line(&path.display().to_string()),
            console::one_line(&source.to_string())
        ),
        LoadError::Format { path, error } => format!(
            "{}:{}:{}: error: {}",
            console::one_line(&path.display().to_string()),
            error.line,
            error.col,
            console::one_line(&error.message)
        ),
    }
}

/// Loads a model, or prints why not (exit status 2 follows).
fn load(console: &mut Console, path: &std::path::Path) -> Option<stormflow_core::Model> {
    match stormflow_core::format::load(path) {
        Ok(model) => Some(model),
        Err(error) => {
            console.err(load_error_line(&error));
            None
        }
    }
}

pub use stormflow_core::text::plural;

/// Writes a file atomically (a temporary file beside it, renamed over it).
fn write_file(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    use anyhow::Context as _;
    use std::io::Write as _;
    stormflow_core::format::write_atomic(path, |file| file.write_all(bytes))
        .with_context(|| format!("writing {}", path.display()))
}
