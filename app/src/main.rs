//! The `stormflow` binary: the desktop app, or a headless subcommand.

use std::process::ExitCode;

use clap::Parser;
use stormflow_app::cli::{Cli, run_command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(command) => run_command(command),
        None => match stormflow_app::gui::run(cli.gui) {
            Ok(code) => code,
            Err(error) => {
                eprintln!("stormflow: error: {error:#}");
                ExitCode::from(1)
            }
        },
    }
}
