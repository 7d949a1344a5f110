//! The run toolbar: one row, whatever the window's width (what does not
//! fit moves into a "More…" menu), and under it the banners that explain
//! the run's state: the engine stopped it, it reached its horizon, an
//! export finished.

use egui::{Color32, RichText, Ui};
use stormflow_core::ElementId;
use stormflow_core::sim::Time;
use stormflow_core::units::format_duration_us;

use super::layout::RunChrome;
use super::runner::Speed;
use super::{RunView, idle};
use crate::command::{Command, hint};

/// The speeds offered, with their names.
pub const SPEEDS: [(&str, Speed); 6] = [
    ("0.1×", Speed::Times(0.1)),
    ("1×", Speed::Times(1.0)),
    ("10×", Speed::Times(10.0)),
    ("100×", Speed::Times(100.0)),
    ("1000×", Speed::Times(1000.0)),
    ("max", Speed::Max),
];

fn speed_name(speed: Speed) -> &'static str {
    SPEEDS
        .iter()
        .find(|(_, s)| *s == speed)
        .map_or("max", |(name, _)| name)
}

/// Virtual time as `12.345 s`.
pub fn format_clock(us: Time) -> String {
    format!("{}.{:03} s", us / 1_000_000, (us / 1_000) % 1_000)
}

/// The toolbar's groups that move into the "More…" menu when the row is
/// too narrow, most wanted first (their index into
/// [`RunChrome::toolbar_widths`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Optional {
    /// "Step" followed by the selected element.
    StepElement = 1,
    /// The run-until field and button.
    Until = 2,
    /// The seed.
    Seed = 3,
    /// The one-line totals.
    Totals = 4,
}

const OPTIONALS: [Optional; 4] = [
    Optional::StepElement,
    Optional::Until,
    Optional::Seed,
    Optional::Totals,
];

/// Room the "More…" button takes (points).
const MORE_WIDTH: f32 = 64.0;

/// Which groups show in a row `width` points wide, given their measured
/// widths: the always-shown ones (index 0), and the optional ones that fit,
/// most wanted first; the rest go into the menu.
pub fn fitting(width: f32, widths: &[f32; 5], applicable: [bool; 5]) -> [bool; 5] {
    let wanted: f32 = OPTIONALS
        .iter()
        .filter(|o| applicable[**o as usize])
        .map(|o| widths[*o as usize])
        .sum();
    let mut shown = [true, false, false, false, false];
    if widths[0] + wanted <= width {
        for o in OPTIONALS {
            shown[o as usize] = applicable[o as usize];
        }
        return shown;
    }
    let mut budget = width - widths[0] - MORE_WIDTH;
    for o in OPTIONALS {
        let w = widths[o as usize];
        if applicable[o as usize] && w <= budget {
            shown[o as usize] = true;
            budget -= w;
        }
    }
    shown
}

/// The run toolbar: play, pause, step, reset, speed, the clock, run-until,
/// seed and the totals in one row, then the run's banners; and, over the
/// board, the note that there is nothing to simulate.
pub fn toolbar_ui(
    ui: &mut Ui,
    run: &mut RunView,
    selected_element: Option<&ElementId>,
) -> Vec<Command> {
    let mut commands = Vec::new();
    let mut chrome = RunChrome::load(ui.ctx());
    let spacing = ui.spacing().item_spacing.x;
    // A run on NATS goes in real time: no step, run-until or seed.
    let simulated = run.live_feed().is_none();
    let applicable = [
        true,
        selected_element.is_some() && simulated,
        simulated,
        simulated,
        true,
    ];
    let shown = fitting(ui.available_width(), &chrome.toolbar_widths, applicable);
    let mut measured = chrome.toolbar_widths;
    let mut essentials = 0.0;
    ui.horizontal(|ui| {
        let width = |r: egui::Response| r.rect.width() + spacing;
        if let Some(feed) = run.live_feed() {
            essentials += width(ui.scope(|ui| live_status_ui(ui, feed)).response);
        } else {
            essentials += width(
                ui.scope(|ui| commands.extend(transport_ui(ui, run)))
                    .response,
            );
            if let Some(id) = selected_element.filter(|_| shown[Optional::StepElement as usize]) {
                let response = ui
                    .scope(|ui| commands.extend(step_element_ui(ui, id)))
                    .response;
                measured[Optional::StepElement as usize] = width(response);
            }
            essentials += width(ui.scope(|ui| reset_ui(ui, &mut commands)).response);
            essentials += width(ui.separator());
            essentials += width(ui.scope(|ui| speed_ui(ui, run, &mut commands)).response);
        }
        essentials += width(
            ui.label(
                RichText::new(format!("t = {}", format_clock(run.now())))
                    .monospace()
                    .strong(),
            ),
        );
        if shown[Optional::Until as usize] {
            let response = ui.scope(|ui| until_ui(ui, run, &mut commands)).response;
            measured[Optional::Until as usize] = width(response);
        }
        if shown[Optional::Seed as usize] {
            let response = ui.scope(|ui| seed_ui(ui, run, &mut commands)).response;
            measured[Optional::Seed as usize] = width(response);
        }
        if shown[Optional::Totals as usize] {
            let response = ui.label(RichText::new(totals_line(run)).small());
            measured[Optional::Totals as usize] = width(response);
        }
        let overflow = (1..5).any(|i| applicable[i] && !shown[i]);
        if overflow {
            ui.menu_button("More…", |ui| {
                if let Some(id) = selected_element.filter(|_| !shown[1]) {
                    commands.extend(step_element_ui(ui, id));
                }
                if !shown[Optional::Until as usize] {
                    ui.horizontal(|ui| until_ui(ui, run, &mut commands));
                }
                if !shown[Optional::Seed as usize] {
                    ui.horizontal(|ui| seed_ui(ui, run, &mut commands));
                }
                if !shown[Optional::Totals as usize] {
                    ui.separator();
                    ui.label(RichText::new(totals_line(run).replace(" · ", "\n")).small());
                }
            })
            .response
            .on_hover_text("The run controls this window is too narrow to show");
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let (label, what) = match run.live_feed() {
                Some(feed) if feed.running() => (
                    "■ Stop",
                    "End the run on NATS: what is in flight finishes, then the report",
                ),
                Some(_) => ("✕ Close", "Leave the run on NATS and edit the board again"),
                None => ("■ Stop", "Leave the run and edit the board again"),
            };
            let stop = ui
                .button(label)
                .on_hover_text(hint(what, &Command::RunStop));
            if stop.clicked() {
                commands.push(Command::RunStop);
            }
            essentials += width(stop);
        });
    });
    measured[0] = essentials;
    banners_ui(ui, run);
    chrome.toolbar_widths = measured;
    chrome.toolbar_bottom = ui.max_rect().bottom();
    let board_top_left = egui::pos2(
        ui.max_rect().left(),
        ui.min_rect().bottom() + ui.spacing().item_spacing.y + 8.0,
    );
    chrome.store(ui.ctx());
    commands.extend(idle::board_note_ui(ui.ctx(), run, board_top_left));
    commands
}

/// Where a run on NATS runs and what it is doing.
fn live_status_ui(ui: &mut Ui, feed: &super::live::LiveFeed) {
    let colour = match &feed.outcome {
        Some(Err(_)) => STOPPED_RED,
        _ if feed.running() => crate::theme::LIVE,
        _ => ui.visuals().weak_text_color(),
    };
    ui.label(RichText::new("● NATS").color(colour).strong())
        .on_hover_text(format!("A run on the real server at {}", feed.url));
    ui.label(&feed.status);
}

fn transport_ui(ui: &mut Ui, run: &RunView) -> Vec<Command> {
    let mut commands = Vec::new();
    ui.horizontal(|ui| {
        if run.running {
            if ui
                .button("❚❚ Pause")
                .on_hover_text(hint("Pause the run", &Command::RunPlay))
                .clicked()
            {
                commands.push(Command::RunPause);
            }
        } else {
            let why_not = if let Some(reason) = &run.stopped {
                Some(format!("The engine stopped this run: {reason}"))
            } else if run.at_horizon() {
                Some(format!(
                    "The run reached its horizon ({}): Run until goes further",
                    format_duration_us(run.model.run.horizon_us)
                ))
            } else {
                None
            };
            let play = ui.add_enabled(why_not.is_none(), egui::Button::new("▶ Run"));
            let play = match why_not {
                Some(reason) => play.on_disabled_hover_text(reason),
                None => play.on_hover_text(hint(
                    "Run at the chosen speed until the horizon",
                    &Command::RunPlay,
                )),
            };
            if play.clicked() {
                commands.push(Command::RunPlay);
            }
        }
        if ui
            .button("Step")
            .on_hover_text(hint("Run one engine event", &Command::RunStep))
            .clicked()
        {
            commands.push(Command::RunStep);
        }
    });
    commands
}

fn step_element_ui(ui: &mut Ui, id: &ElementId) -> Vec<Command> {
    let mut commands = Vec::new();
    if ui
        .button(format!("Step {id}"))
        .on_hover_text("Run until the selected element makes or receives its next message")
        .clicked()
    {
        commands.push(Command::RunStepElement(id.clone()));
    }
    commands
}

fn reset_ui(ui: &mut Ui, commands: &mut Vec<Command>) {
    if ui
        .button("⟲ Reset")
        .on_hover_text("Back to time 0 with the same seed")
        .clicked()
    {
        commands.push(Command::RunSeek(0));
    }
}

fn speed_ui(ui: &mut Ui, run: &RunView, commands: &mut Vec<Command>) {
    egui::ComboBox::new("run-speed", "speed")
        .selected_text(speed_name(run.speed))
        .width(64.0)
        .show_ui(ui, |ui| {
            for (name, speed) in SPEEDS {
                if ui.selectable_label(run.speed == speed, name).clicked() {
                    commands.push(Command::RunSetSpeed(speed));
                }
            }
        });
}

fn until_ui(ui: &mut Ui, run: &mut RunView, commands: &mut Vec<Command>) {
    ui.add(
        egui::DragValue::new(&mut run.until_seconds)
            .range(0.001..=604_800.0)
            .speed(1.0)
            .prefix("until ")
            .suffix(" s"),
    );
    if ui
        .button("Run until")
        .on_hover_text("Run to this virtual time, past the horizon if it is later")
        .clicked()
    {
        commands.push(Command::RunUntil((run.until_seconds * 1_000_000.0) as Time));
    }
}

fn seed_ui(ui: &mut Ui, run: &RunView, commands: &mut Vec<Command>) {
    let mut seed = run.seed;
    if ui
        .add(egui::DragValue::new(&mut seed).prefix("seed "))
        .on_hover_text("Another seed gives another run; the same seed the same run, byte for byte")
        .changed()
    {
        commands.push(Command::RunSetSeed(seed));
    }
}

/// The run's totals in one line.
fn totals_line(run: &RunView) -> String {
    let totals = run.snapshot.totals;
    format!(
        "{} · {} processed · {} queued · {} dlq · {} dropped{}",
        crate::cli::plural(totals.messages_produced as usize, "message"),
        totals.processed,
        totals.queued + totals.in_flight,
        totals.dead_lettered,
        totals.dropped,
        if run.running && run.live_feed().is_none() {
            format!(" · {:.0}k events/s", run.events_per_sec / 1_000.0)
        } else {
            String::new()
        }
    )
}

/// Red for a run the engine stopped.
const STOPPED_RED: Color32 = crate::theme::ERROR;

/// One line each: the engine stopped the run (and why), the run reached
/// its horizon, a notice (an export, an error) that can be dismissed.
fn banners_ui(ui: &mut Ui, run: &mut RunView) {
    if let Some(reason) = &run.stopped {
        ui.separator();
        ui.horizontal_wrapped(|ui| {
            ui.label(
                RichText::new("⚠ Stopped by the engine:")
                    .color(STOPPED_RED)
                    .strong(),
            );
            ui.label(RichText::new(reason.to_string()).color(STOPPED_RED));
            ui.label(
                RichText::new("Reset replays it; Stop (■) to change the board.")
                    .weak()
                    .small(),
            );
        });
    } else if let Some(outcome) = run.live_feed().and_then(|feed| feed.outcome.as_ref()) {
        ui.separator();
        ui.horizontal_wrapped(|ui| match outcome {
            Err(error) => {
                ui.label(
                    RichText::new(format!("⚠ The run on NATS failed: {error}"))
                        .color(STOPPED_RED)
                        .strong(),
                );
            }
            Ok(outcome) if outcome.conservation.holds => {
                ui.label("The run on NATS has ended: every message is accounted for against JetStream's own counts.");
                ui.label(
                    RichText::new("Run → Run on NATS… compares it with the simulation.")
                        .weak()
                        .small(),
                );
            }
            Ok(outcome) => {
                for problem in &outcome.conservation.problems {
                    ui.label(
                        RichText::new(format!("CONSERVATION DOES NOT HOLD: {problem}"))
                            .color(STOPPED_RED)
                            .strong(),
                    );
                }
            }
        });
    } else if run.at_horizon() {
        ui.separator();
        ui.horizontal_wrapped(|ui| {
            ui.label(format!(
                "The run reached its horizon, {}.",
                format_duration_us(run.model.run.horizon_us)
            ));
            ui.label(
                RichText::new("Run until goes further; Reset starts again.")
                    .weak()
                    .small(),
            );
        });
    }
    let mut dismiss = false;
    if let Some(notice) = &run.notice {
        ui.separator();
        ui.horizontal_wrapped(|ui| {
            dismiss = ui.small_button("✕").on_hover_text("Dismiss").clicked();
            ui.label(RichText::new(notice).italics());
        });
    }
    if dismiss {
        run.notice = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_does_not_fit_goes_into_the_menu_most_wanted_first() {
        let widths = [500.0, 100.0, 200.0, 100.0, 400.0];
        let all = [true; 5];
        assert_eq!(
            fitting(1400.0, &widths, all),
            all,
            "a wide window shows everything"
        );
        // 800 wide: the step fits beside the essentials, run-until does
        // not, the seed still does.
        assert_eq!(
            fitting(800.0, &widths, all),
            [true, true, false, true, false]
        );
        let no_selection = [true, false, true, true, true];
        assert_eq!(
            fitting(800.0, &widths, no_selection),
            [true, false, true, false, false]
        );
        assert_eq!(
            fitting(400.0, &widths, all),
            [true, false, false, false, false]
        );
    }
}
