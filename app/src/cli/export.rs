//! `stormflow export`: a board written in a format its users' tools take
//! (SVG, PNG, Mermaid, Graphviz DOT, AsyncAPI 3.0, EventCatalog, JSON).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use stormflow_core::compare::Outage;
use stormflow_core::export::{self, AsyncApiOptions, ExportedFile, PictureOptions, Theme};
use stormflow_core::model::{Fault, FaultKind, Model};
use stormflow_core::sim::{Sim, SimOptions, Snapshot};
use stormflow_core::units::format_duration_us;

use super::console::one_line;
use super::{Console, load, parse_outage, parse_until, write_file};

/// The formats `stormflow export` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// An SVG 1.1 picture of the board (text stays text).
    Svg,
    /// A PNG picture, drawn without a display.
    Png,
    /// A Mermaid flowchart, for Markdown pages.
    Mermaid,
    /// A Graphviz graph, for `dot -Tsvg`.
    Dot,
    /// AsyncAPI 3.0: one document per application into a folder, or one
    /// document with --single.
    Asyncapi,
    /// An EventCatalog folder (domains, services, events, commands, queries).
    Eventcatalog,
    /// The board as JSON (the same fields as the .ron file).
    Json,
}

/// Picture themes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ThemeArg {
    /// Light background.
    Light,
    /// Dark background.
    Dark,
}

/// Arguments of `stormflow export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Model file (.ron).
    #[arg(value_name = "MODEL")]
    pub file: PathBuf,
    /// What to write.
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// Where to write: a file, or a folder for eventcatalog and for asyncapi
    /// without --single. Text formats go to standard output without it.
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Run the model to this virtual time first and draw its live badges
    /// (svg, png), e.g. 30s.
    #[arg(long, value_name = "DURATION", value_parser = parse_until)]
    pub run_until: Option<u64>,
    /// Seed of that run (default: the model's).
    #[arg(long, requires = "run_until")]
    pub seed: Option<u64>,
    /// Take an element down in that run: ELEMENT@T+DURATION, e.g.
    /// shipping@10s+10s (repeatable; the file is not changed).
    #[arg(long, value_name = "ELEMENT@T+DURATION", value_parser = parse_outage, requires = "run_until")]
    pub fault: Vec<Outage>,
    /// Pixels per board unit of a PNG (default 2, sharp on slides).
    #[arg(long, value_name = "X", value_parser = parse_scale)]
    pub scale: Option<f32>,
    /// Light or dark picture.
    #[arg(long, value_enum, default_value_t = ThemeArg::Light)]
    pub theme: ThemeArg,
    /// AsyncAPI: one document describing the whole board.
    #[arg(long)]
    pub single: bool,
    /// AsyncAPI as JSON instead of YAML (also chosen by an OUT ending in .json).
    #[arg(long)]
    pub json: bool,
}

const PNG_NEEDS_FILE: &str = "a PNG needs a file: add -o OUT.png";
const FOLDER_NEEDS_PATH: &str = "this format writes a folder: add -o FOLDER (or, for asyncapi, --single for one document on standard output)";

fn parse_scale(text: &str) -> Result<f32, String> {
    match text.trim().parse::<f32>() {
        Ok(scale) if (0.1..=8.0).contains(&scale) => Ok(scale),
        _ => Err(format!("`{text}`: the scale is a number from 0.1 to 8")),
    }
}

pub(super) fn export(console: &mut Console, args: &ExportArgs) -> anyhow::Result<ExitCode> {
    let Some(model) = load(console, &args.file) else {
        return Ok(ExitCode::from(2));
    };
    let file = one_line(&args.file.display().to_string());
    if let Some(problem) = misfit(args) {
        console.err(format_args!("stormflow export: {problem}"));
        return Ok(ExitCode::from(2));
    }
    let snapshot = match &args.run_until {
        Some(until) => match run_to(&model, args, *until) {
            Ok(snapshot) => Some(snapshot),
            Err(reason) => {
                console.err(format_args!("{file}: cannot run: {}", one_line(&reason)));
                return Ok(ExitCode::from(1));
            }
        },
        None => None,
    };
    let output = args.output.as_deref();
    match args.format {
        ExportFormat::Svg | ExportFormat::Png => {
            let options = PictureOptions {
                theme: match args.theme {
                    ThemeArg::Light => Theme::Light,
                    ThemeArg::Dark => Theme::Dark,
                },
                view: None,
                live: snapshot.as_ref(),
            };
            let svg = export::to_svg(&model, &options);
            if args.format == ExportFormat::Svg {
                emit(console, output, svg.as_bytes())?;
            } else {
                let scale = args.scale.unwrap_or(export::DEFAULT_PNG_SCALE);
                let png = export::svg_to_png(&svg, scale)?;
                let path = output.context(PNG_NEEDS_FILE)?;
                write_file(path, &png.bytes)?;
                let shrunk = if png.scale < scale {
                    format!(" (drawn at {:.2}x to stay under the size limit)", png.scale)
                } else {
                    String::new()
                };
                console.err(format_args!(
                    "wrote {} ({}x{} px){shrunk}",
                    one_line(&path.display().to_string()),
                    png.width,
                    png.height
                ));
            }
        }
        ExportFormat::Mermaid => emit(console, output, export::to_mermaid(&model).as_bytes())?,
        ExportFormat::Dot => emit(console, output, export::to_dot(&model).as_bytes())?,
        ExportFormat::Json => {
            let text = stormflow_core::format::to_json_string(&model)?;
            emit(console, output, text.as_bytes())?;
        }
        ExportFormat::Asyncapi => {
            let json =
                args.json || output.is_some_and(|p| p.extension().is_some_and(|e| e == "json"));
            let files = export::to_asyncapi(
                &model,
                &AsyncApiOptions {
                    single: args.single,
                    json,
                },
            )?;
            if args.single {
                let text = files.first().map_or("", |f| f.contents.as_str());
                emit(console, output, text.as_bytes())?;
            } else {
                write_folder_or_list(console, output, &files)?;
            }
        }
        ExportFormat::Eventcatalog => {
            let files = export::to_eventcatalog(&model)?;
            write_folder_or_list(console, output, &files)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Arguments that do not fit the format, said before any work is done.
fn misfit(args: &ExportArgs) -> Option<String> {
    let picture = matches!(args.format, ExportFormat::Svg | ExportFormat::Png);
    let folder = match args.format {
        ExportFormat::Eventcatalog => true,
        ExportFormat::Asyncapi => !args.single,
        _ => false,
    };
    if args.run_until.is_some() && !picture {
        return Some("--run-until draws a run's badges; it needs --format svg or png".into());
    }
    if args.scale.is_some() && args.format != ExportFormat::Png {
        return Some("--scale is for --format png".into());
    }
    if (args.single || args.json) && args.format != ExportFormat::Asyncapi {
        return Some("--single and --json are for --format asyncapi".into());
    }
    if args.output.is_none() && args.format == ExportFormat::Png {
        return Some(PNG_NEEDS_FILE.into());
    }
    if args.output.is_none() && folder {
        return Some(FOLDER_NEEDS_PATH.into());
    }
    None
}

/// Runs the model to `until` with the asked outages and returns its state.
fn run_to(model: &Model, args: &ExportArgs, until: u64) -> Result<Snapshot, String> {
    let options = SimOptions {
        seed: args.seed,
        trace_off: true,
        ..SimOptions::default()
    };
    let mut sim = Sim::new(model, &options).map_err(|e| e.to_string())?;
    for outage in &args.fault {
        sim.inject(Fault {
            element: outage.element.clone(),
            at_us: outage.at_us,
            kind: FaultKind::Down {
                for_us: outage.for_us,
            },
        })
        .map_err(|e| e.to_string())?;
    }
    sim.run_until(until);
    if let Some(reason) = sim.stopped() {
        return Err(format!(
            "the run stopped at {}: {reason}",
            format_duration_us(sim.now())
        ));
    }
    Ok(sim.snapshot())
}

/// Writes `bytes` to `output`, or to standard output without one.
fn emit(console: &mut Console, output: Option<&Path>, bytes: &[u8]) -> anyhow::Result<()> {
    match output {
        Some(path) => {
            write_file(path, bytes)?;
            console.err(format_args!(
                "wrote {}",
                one_line(&path.display().to_string())
            ));
        }
        None => {
            let _ = console.out_writer().write_all(bytes);
        }
    }
    Ok(())
}

fn write_folder_or_list(
    console: &mut Console,
    output: Option<&Path>,
    files: &[ExportedFile],
) -> anyhow::Result<()> {
    let dir = output.context(FOLDER_NEEDS_PATH)?;
    export::write_folder(dir, files)?;
    console.err(format_args!(
        "wrote {} into {}",
        super::plural(files.len(), "file"),
        one_line(&dir.display().to_string())
    ));
    Ok(())
}
