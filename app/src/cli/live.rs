//! `stormflow live`: the board on a real NATS JetStream server, reported
//! like a simulated run.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;
use stormflow_core::compare::{Outage, OutageTracker};
use stormflow_core::model::{Fault, FaultKind, Model};
use stormflow_core::sim::Snapshot;
use stormflow_core::sim::export;
use stormflow_live::{
    Auth, LiveOptions, LiveOutcome, LiveStatus, LiveUpdate, LocalServer, spawn_local_server,
};

use super::console::one_line;
use super::{Console, TraceFormat, load, parse_until};

/// Where the NATS server is and how to log in to it.
#[derive(Debug, Args, Default)]
pub struct LiveTarget {
    /// The server (or several, comma-separated): nats://HOST:PORT.
    #[arg(long, value_name = "URL", conflicts_with = "spawn_nats")]
    pub nats: Option<String>,
    /// Start `nats-server` from PATH with JetStream on a free loopback port
    /// and a temporary store, for this run only.
    #[arg(long)]
    pub spawn_nats: bool,
    /// A NATS credentials file (JWT and NKey seed).
    #[arg(long, value_name = "FILE")]
    pub creds: Option<PathBuf>,
    /// The environment variable that holds the server's token.
    #[arg(long, value_name = "VAR", conflicts_with = "creds")]
    pub token_env: Option<String>,
    /// The environment variables that hold a user and a password: USER_VAR,PASSWORD_VAR.
    #[arg(long, value_name = "USER_VAR,PASSWORD_VAR", conflicts_with_all = ["creds", "token_env"])]
    pub user_env: Option<String>,
    /// Copies of every stream (3 on a three-node cluster).
    #[arg(long, default_value_t = 1)]
    pub replicas: usize,
}

impl LiveTarget {
    fn auth(&self) -> anyhow::Result<Auth> {
        Ok(if let Some(path) = &self.creds {
            Auth::CredsFile(path.clone())
        } else if let Some(var) = &self.token_env {
            Auth::TokenEnv(var.clone())
        } else if let Some(vars) = &self.user_env {
            let (user, password) = vars.split_once(',').ok_or_else(|| {
                anyhow::anyhow!("--user-env takes two variable names: USER_VAR,PASSWORD_VAR")
            })?;
            Auth::UserPasswordEnv {
                user: user.trim().to_string(),
                password: password.trim().to_string(),
            }
        } else {
            Auth::None
        })
    }
}

/// Arguments of `stormflow live`.
#[derive(Debug, Args)]
pub struct LiveArgs {
    /// Model file (.ron).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// How to reach the server.
    #[command(flatten)]
    pub target: LiveTarget,
    /// Model time to run for (default: the model's horizon).
    #[arg(long, value_name = "DURATION", value_parser = parse_until)]
    pub until: Option<u64>,
    /// Model seconds per real second (10: a minute of model in six seconds).
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Seed of the workload (default: the model's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Print the report as JSON (the keys of `stormflow run --json`).
    #[arg(long)]
    pub json: bool,
    /// Write the trace, rebuilt from the broker's messages, to this file.
    #[arg(long, value_name = "PATH")]
    pub trace: Option<PathBuf>,
    /// Format of --trace.
    #[arg(long, value_enum, default_value_t = TraceFormat::Chrome, requires = "trace")]
    pub trace_format: TraceFormat,
}

/// What a live run left: its outcome, its last live state and, with an
/// outage, what the outage did.
pub(super) struct LiveResult {
    pub outcome: LiveOutcome,
    pub snapshot: Snapshot,
    pub tracker: Option<OutageTracker>,
    /// The local server, kept until the end of the command.
    _server: Option<LocalServer>,
}

/// Runs a board live, printing its status on standard error as it goes.
/// `Err(code)` when it could not run (the reason printed).
pub(super) fn run_live(
    console: &mut Console,
    model: &Model,
    target: &LiveTarget,
    seed: u64,
    until: Option<u64>,
    outage: Option<&Outage>,
    speed: f64,
) -> anyhow::Result<Result<LiveResult, ExitCode>> {
    let server = if target.spawn_nats {
        match spawn_local_server() {
            Ok(server) => Some(server),
            Err(error) => {
                console.err(format_args!(
                    "stormflow: cannot start a local NATS server: {}",
                    one_line(&error.to_string())
                ));
                return Ok(Err(ExitCode::from(2)));
            }
        }
    } else {
        None
    };
    let Some(url) = server
        .as_ref()
        .map(|s| s.url.clone())
        .or_else(|| target.nats.clone())
    else {
        console.err("stormflow: say where the server is: --nats nats://HOST:PORT, or --spawn-nats to start one");
        return Ok(Err(ExitCode::from(2)));
    };
    let mut model = model.clone();
    if let Some(outage) = outage {
        model.faults.push(Fault {
            element: outage.element.clone(),
            at_us: outage.at_us,
            kind: FaultKind::Down {
                for_us: outage.for_us,
            },
        });
    }
    let options = LiveOptions {
        url,
        until_us: until,
        speed,
        seed: Some(seed),
        auth: target.auth()?,
        trace_limit: None,
        replicas: target.replicas.max(1),
    };
    let run = match stormflow_live::start(&model, options) {
        Ok(run) => run,
        Err(error) => {
            console.err(format_args!("stormflow: {}", one_line(&error.to_string())));
            return Ok(Err(ExitCode::from(2)));
        }
    };
    let mut snapshot = Snapshot::default();
    let mut tracker = outage.cloned().map(OutageTracker::new);
    let mut last_status = String::new();
    while !run.is_finished() || !run.updates().is_empty() {
        match run
            .updates()
            .recv_timeout(std::time::Duration::from_millis(200))
        {
            Ok(LiveUpdate::Snapshot(latest)) => {
                if let Some(tracker) = &mut tracker {
                    tracker.observe(&latest);
                }
                snapshot = *latest;
            }
            Ok(LiveUpdate::Status(status)) => {
                let text = status.to_string();
                if text != last_status && !matches!(status, LiveStatus::Finished) {
                    console.err(format_args!("live: {}", one_line(&text)));
                }
                last_status = text;
            }
            Ok(LiveUpdate::Trace(_) | LiveUpdate::Series(_)) | Err(_) => {}
        }
    }
    match run.wait() {
        Ok(outcome) => Ok(Ok(LiveResult {
            outcome,
            snapshot,
            tracker,
            _server: server,
        })),
        Err(error) => {
            console.err(format_args!("stormflow: {}", one_line(&error.to_string())));
            Ok(Err(ExitCode::from(2)))
        }
    }
}

pub(super) fn live(console: &mut Console, args: &LiveArgs) -> anyhow::Result<ExitCode> {
    let Some(model) = load(console, &args.file) else {
        return Ok(ExitCode::from(2));
    };
    if !(args.speed.is_finite() && args.speed > 0.0 && args.speed <= 1_000.0) {
        console.err("stormflow: --speed is a factor above 0 and at most 1000");
        return Ok(ExitCode::from(2));
    }
    let seed = args.seed.unwrap_or(model.run.seed);
    let result = match run_live(
        console,
        &model,
        &args.target,
        seed,
        args.until,
        None,
        args.speed,
    )? {
        Ok(result) => result,
        Err(code) => return Ok(code),
    };
    let outcome = &result.outcome;
    if let Some(path) = &args.trace {
        let view = outcome.trace_view(seed);
        stormflow_core::format::write_atomic(path, |file| {
            let mut out = std::io::BufWriter::new(file);
            match args.trace_format {
                TraceFormat::Chrome => export::write_chrome_view(&view, &mut out),
                TraceFormat::Otlp => export::write_otlp_view(&view, &mut out),
            }?;
            out.flush()
        })
        .with_context(|| format!("writing the trace to {}", path.display()))?;
    }
    if args.json {
        let _ = serde_json::to_writer_pretty(console.out_writer(), &outcome.report);
        console.out("");
    } else {
        let t = &outcome.report.totals;
        console.out(format_args!(
            "{}: live on NATS, seed {seed}, {} of model time in {:.1}s ({:.0} deliveries/s)",
            one_line(&model.name),
            stormflow_core::units::format_duration_us(outcome.report.virtual_time_us),
            outcome.real_duration.as_secs_f64(),
            outcome.deliveries_per_sec
        ));
        console.out(format_args!(
            "{} messages; {} deliveries: {} processed, {} queued, {} in flight, {} dead-lettered, {} dropped; {} duplicates, {} retries",
            t.messages_produced, t.deliveries_expected, t.processed, t.queued, t.in_flight,
            t.dead_lettered, t.dropped, t.duplicates, t.retries
        ));
        for (id, e) in &outcome.report.elements {
            console.out(format_args!(
                "  {:<24} {:<15} processed {:>7}  p50 {:>9}  p99 {:>9}",
                super::run::truncate(&one_line(id), 24),
                e.kind,
                e.counters.processed,
                stormflow_core::units::format_duration_us(e.latency_us.p50),
                stormflow_core::units::format_duration_us(e.latency_us.p99),
            ));
        }
        for note in &outcome.notes {
            console.out(format_args!("note: {}", one_line(note)));
        }
    }
    let conservation = &outcome.conservation;
    if !conservation.holds {
        for problem in &conservation.problems {
            console.err(format_args!(
                "CONSERVATION DOES NOT HOLD: {}",
                one_line(problem)
            ));
        }
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
