//! `stormflow import`: AsyncAPI documents and Kafka Streams topologies as
//! a board that runs.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use stormflow_core::format;
use stormflow_core::import::{ImportFormat, import_paths, merge_into};

use super::console::one_line;
use super::{Console, load};

/// Arguments of `stormflow import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Files or folders to import (a folder: every AsyncAPI document under
    /// it, as one linked system).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Write the board to this file (written aside, then renamed over it);
    /// without it the board goes to standard output.
    #[arg(short, long, value_name = "OUT.ron")]
    pub output: Option<PathBuf>,
    /// Merge into this board: what it already has keeps its place, name,
    /// notes and run parameters; what is new is laid out beside it. (Give
    /// the same file to -o to update it in place.)
    #[arg(long, value_name = "BOARD.ron")]
    pub into: Option<PathBuf>,
    /// What the inputs are (auto: by their content).
    #[arg(long, value_parser = parse_format, default_value = "auto")]
    pub format: ImportFormat,
}

fn parse_format(text: &str) -> Result<ImportFormat, String> {
    ImportFormat::from_name(text).ok_or_else(|| {
        format!(
            "`{text}` is not an import format; use {}",
            ImportFormat::ALL.map(ImportFormat::name).join(", ")
        )
    })
}

pub(super) fn import(console: &mut Console, args: &ImportArgs) -> anyhow::Result<ExitCode> {
    let imported = match import_paths(&args.paths, args.format) {
        Ok(imported) => imported,
        Err(error) => {
            console.err(format_args!("{}", one_line(&error.to_string())));
            return Ok(ExitCode::from(2));
        }
    };
    for warning in &imported.warnings {
        console.err(format_args!("{}", one_line(&warning.to_string())));
    }
    let model = match &args.into {
        Some(board) => {
            let Some(board) = load(console, board) else {
                return Ok(ExitCode::from(2));
            };
            merge_into(&board, &imported.model)
        }
        None => imported.model,
    };
    match &args.output {
        Some(path) => {
            use anyhow::Context as _;
            format::save(path, &model).with_context(|| format!("writing {}", path.display()))?;
            console.err(format_args!(
                "wrote {} ({} stickies, {} flows); `stormflow check` and `stormflow run` take it as it is",
                one_line(&path.display().to_string()),
                model.element_count(),
                model.flow_count()
            ));
        }
        None => {
            use std::io::Write as _;
            let text = format::to_ron_string(&model)?;
            let _ = console.out_writer().write_all(text.as_bytes());
        }
    }
    Ok(ExitCode::SUCCESS)
}
