//! The problems panel: the core checks, live. Click one to select its
//! element and bring it into view.

use egui::Color32;
use stormflow_core::{Problem, Severity};

use crate::command::Command;
use crate::theme;

/// Which severities the list shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProblemFilter {
    /// Show errors.
    pub errors: bool,
    /// Show warnings.
    pub warnings: bool,
    /// Show infos.
    pub infos: bool,
}

impl Default for ProblemFilter {
    fn default() -> Self {
        Self {
            errors: true,
            warnings: true,
            infos: true,
        }
    }
}

/// The colour of a severity.
pub fn severity_color(severity: Severity) -> Color32 {
    match severity {
        Severity::Error => theme::ERROR,
        Severity::Warning => theme::WARNING,
        Severity::Info => theme::INFO,
    }
}

/// What the panel reports after a frame.
#[derive(Debug, Default)]
pub struct ProblemsPanel {
    /// Commands from clicks.
    pub commands: Vec<Command>,
    /// Whether one of its widgets has the keyboard focus (Ctrl+9 then hides it).
    pub focused: bool,
}

/// Draws the list; `focus` gives the keyboard focus to its first entry.
pub fn problems_ui(
    ui: &mut egui::Ui,
    problems: &[Problem],
    filter: &mut ProblemFilter,
    focus: bool,
) -> ProblemsPanel {
    let mut commands = Vec::new();
    let mut focused = false;
    let count = |s: Severity| problems.iter().filter(|p| p.severity == s).count();
    ui.horizontal(|ui| {
        let heading = ui.heading("Problems");
        let errors = ui.toggle_value(
            &mut filter.errors,
            stormflow_core::text::plural(count(Severity::Error), "error"),
        );
        if focus {
            errors.request_focus();
        }
        focused |= errors.has_focus() || heading.has_focus();
        let warnings = ui.toggle_value(
            &mut filter.warnings,
            stormflow_core::text::plural(count(Severity::Warning), "warning"),
        );
        focused |= warnings.has_focus();
        ui.toggle_value(&mut filter.infos, format!("{} info", count(Severity::Info)));
    });
    egui::ScrollArea::vertical()
        .auto_shrink([false; 2])
        .show(ui, |ui| {
            if problems.is_empty() {
                ui.label(
                    egui::RichText::new(
                        "No problems: the board follows the bus rules and the legend.",
                    )
                    .weak(),
                );
            }
            for problem in problems {
                let shown = match problem.severity {
                    Severity::Error => filter.errors,
                    Severity::Warning => filter.warnings,
                    Severity::Info => filter.infos,
                };
                if !shown {
                    continue;
                }
                let element = problem.element().map_or("-", |id| id.as_str());
                let response = ui
                    .horizontal(|ui| {
                        ui.colored_label(
                            severity_color(problem.severity),
                            format!("{}", problem.severity),
                        );
                        ui.label(egui::RichText::new(problem.rule.id()).monospace().weak());
                        let text = format!("{element}: {}", problem.message);
                        ui.add(egui::Button::selectable(false, text).wrap())
                    })
                    .inner;
                focused |= response.has_focus();
                if response.clicked()
                    && let Some(id) = problem.element()
                {
                    commands.push(Command::Focus(id.clone()));
                }
            }
        });
    ProblemsPanel { commands, focused }
}
