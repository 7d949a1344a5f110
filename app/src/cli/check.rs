//! `stormflow check` and `stormflow fmt`.

use std::path::PathBuf;
use std::process::ExitCode;

use stormflow_core::format::{self, Bounded, Limits};
use stormflow_core::{Severity, check};

use super::console::one_line;
use super::{Console, load, plural};

pub(super) fn check_files(console: &mut Console, files: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let (mut unreadable, mut errors, mut warnings, mut infos) = (0, 0, 0, 0);
    for path in files {
        let Some(model) = load(console, path) else {
            unreadable += 1;
            continue;
        };
        let file = one_line(&path.display().to_string());
        for problem in check(&model) {
            match problem.severity {
                Severity::Error => errors += 1,
                Severity::Warning => warnings += 1,
                Severity::Info => infos += 1,
            }
            let element = problem.element().map_or("-", |id| id.as_str());
            console.out(format_args!(
                "{file}: {}[{}] {}: {}",
                problem.severity,
                problem.rule,
                one_line(element),
                one_line(&problem.message)
            ));
        }
    }
    console.err(format_args!(
        "checked {}: {unreadable} unreadable, {}, {}, {infos} info",
        plural(files.len(), "file"),
        plural(errors, "error"),
        plural(warnings, "warning"),
    ));
    Ok(if unreadable > 0 {
        ExitCode::from(2)
    } else if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

pub(super) fn fmt_files(
    console: &mut Console,
    files: &[PathBuf],
    check_only: bool,
) -> anyhow::Result<ExitCode> {
    let mut status = ExitCode::SUCCESS;
    for path in files {
        let file = one_line(&path.display().to_string());
        let Some(model) = load(console, path) else {
            status = ExitCode::from(2);
            continue;
        };
        let current = match format::read_bounded(path, Limits::default().max_file_bytes) {
            Ok(Bounded::Bytes(bytes)) => String::from_utf8(bytes).unwrap_or_default(),
            _ => String::new(),
        };
        let canonical = format::to_ron_string_over(&model, &current)?;
        if canonical == current {
            continue;
        }
        if format::has_inner_comments(&current) {
            console.err(format_args!(
                "{file}: left as it is: it has comments inside the model, which the canonical \
                 form would drop (move them to the top of the file, where they are kept)"
            ));
            if status == ExitCode::SUCCESS {
                status = ExitCode::from(1);
            }
            continue;
        }
        if check_only {
            console.out(format_args!(
                "{file}: not in canonical form (run `stormflow fmt {file}`)"
            ));
            status = ExitCode::from(1);
        } else {
            match super::write_file(path, canonical.as_bytes()) {
                Ok(()) => console.out(format_args!("{file}: rewritten")),
                Err(error) => {
                    console.err(format_args!(
                        "{file}: error: {}",
                        one_line(&format!("{error:#}"))
                    ));
                    status = ExitCode::from(2);
                }
            }
        }
    }
    Ok(status)
}
