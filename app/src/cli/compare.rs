//! `stormflow compare`: two designs under the same workload and outage, or
//! one design simulated beside the same design on a real NATS server.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use stormflow_core::compare::{Figures, Outage, RunState, run_compare, table};
use stormflow_core::units::format_duration_us;

use super::console::one_line;
use super::live::{LiveTarget, run_live};
use super::{Console, load, parse_outage, parse_until};

/// Arguments of `stormflow compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The first model (.ron).
    #[arg(value_name = "A")]
    pub a: PathBuf,
    /// The second model (.ron); with --live, leave it out.
    #[arg(value_name = "B", required_unless_present = "live")]
    pub b: Option<PathBuf>,
    /// Compare A simulated with A run on a real NATS server (--nats URL or
    /// --spawn-nats).
    #[arg(long, conflicts_with = "b")]
    pub live: bool,
    /// With --live: how to reach the server.
    #[command(flatten)]
    pub target: LiveTarget,
    /// Seed of both runs (default: A's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Virtual time to run to (default: the longer horizon), at most 7 days.
    #[arg(long, value_name = "DURATION", value_parser = parse_until)]
    pub until: Option<u64>,
    /// Take an element down in both runs: ELEMENT@T+DURATION, e.g. shipping@10s+10s.
    #[arg(long, value_name = "ELEMENT@T+DURATION", value_parser = parse_outage)]
    pub fault: Option<Outage>,
    /// Print the figures as JSON.
    #[arg(long)]
    pub json: bool,
}

fn name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

pub(super) fn compare(console: &mut Console, args: &CompareArgs) -> anyhow::Result<ExitCode> {
    let Some(first) = load(console, &args.a) else {
        return Ok(ExitCode::from(2));
    };
    let seed = args.seed.unwrap_or(first.run.seed);
    let mut columns: Vec<(String, stormflow_core::Model)> = vec![(name(&args.a), first)];
    if let Some(b) = &args.b {
        let Some(second) = load(console, b) else {
            return Ok(ExitCode::from(2));
        };
        columns.push((name(b), second));
    }
    let until = args.until.unwrap_or_else(|| {
        columns
            .iter()
            .map(|(_, m)| m.run.horizon_us)
            .max()
            .unwrap_or(60_000_000)
    });
    let mut figures = Vec::new();
    for (file, model) in &columns {
        match run_compare(file, model, seed, until, args.fault.as_ref()) {
            Ok(f) => figures.push(f),
            Err(error) => {
                console.err(format_args!(
                    "{}: cannot run: {}",
                    one_line(file),
                    one_line(&error.to_string())
                ));
                return Ok(ExitCode::from(1));
            }
        }
    }
    if args.live {
        let (file, model) = &columns[0];
        let outcome = match run_live(
            console,
            model,
            &args.target,
            seed,
            Some(until),
            args.fault.as_ref(),
            1.0,
        )? {
            Ok(outcome) => outcome,
            Err(code) => return Ok(code),
        };
        figures[0].file = format!("{file} (simulated)");
        let mut live = Figures::assemble(
            &format!("{file} (live on NATS)"),
            model,
            &outcome.snapshot,
            outcome.tracker.as_ref(),
        );
        live.messages = outcome.outcome.report.totals.messages_produced;
        figures.push(live);
    }
    if args.json {
        let _ = serde_json::to_writer_pretty(
            console.out_writer(),
            &serde_json::json!({ "models": figures }),
        );
        console.out("");
        return Ok(ExitCode::SUCCESS);
    }
    console.out(format_args!(
        "seed {seed}, {} of virtual time{}",
        format_duration_us(until),
        match &args.fault {
            Some(o) => format!(
                ", `{}` down from {} for {}",
                one_line(o.element.as_str()),
                format_duration_us(o.at_us),
                format_duration_us(o.for_us)
            ),
            None => String::new(),
        }
    ));
    console.out("");
    let rows = table(&figures, args.fault.is_some(), RunState::Finished);
    let headers: Vec<String> = figures.iter().map(|f| one_line(&f.file)).collect();
    let width = rows
        .iter()
        .flat_map(|r| r.cells.iter().map(|c| c.chars().count()))
        .chain(headers.iter().map(|h| h.chars().count()))
        .max()
        .unwrap_or(10)
        .max(12);
    let label_width = rows.iter().map(|r| r.label.len()).max().unwrap_or(20) + 2;
    let line = |label: &str, cells: &[String]| {
        let mut text = format!("{label:<label_width$}");
        for cell in cells {
            text.push_str(&format!(" {:>width$}  ", one_line(cell)));
        }
        text.trim_end().to_string()
    };
    console.out(line("", &headers));
    for row in rows {
        console.out(line(row.label, &row.cells));
    }
    Ok(ExitCode::SUCCESS)
}
