//! The guided tour: a sample's steps, one at a time, with the element to
//! look at highlighted and the fault the step asks for one click away.

use egui::RichText;
use stormflow_core::Model;
use stormflow_core::model::{Fault, FaultKind};
use stormflow_core::units::format_duration_us;

use crate::command::Command;

fn fault_text(kind: &FaultKind) -> String {
    match kind {
        FaultKind::Down { for_us } => format!("take it down for {}", format_duration_us(*for_us)),
        FaultKind::Slow { factor, for_us } => {
            format!("slow it ×{factor} for {}", format_duration_us(*for_us))
        }
        FaultKind::Failing { rate, for_us } => format!(
            "make {:.0}% of it fail for {}",
            rate * 100.0,
            format_duration_us(*for_us)
        ),
        FaultKind::Rate { per_sec } => format!("set its rate to {per_sec}/s"),
        FaultKind::Replay => "replay it".to_string(),
    }
}

/// Draws the current step. `now` is the run's virtual time, if a run is shown.
pub fn tour_ui(ui: &mut egui::Ui, model: &Model, step: usize, now: Option<u64>) -> Vec<Command> {
    let mut commands = Vec::new();
    let Some(current) = model.tour.get(step) else {
        return commands;
    };
    ui.horizontal(|ui| {
        ui.strong(format!(
            "Guided tour · step {} of {}",
            step + 1,
            model.tour.len()
        ));
    });
    ui.label(RichText::new(&current.text).size(14.0));
    if let Some(id) = &current.element
        && let Some(element) = model.element(id)
    {
        ui.label(RichText::new(format!("Look at: {}", element.name)).weak());
    }
    ui.horizontal(|ui| {
        if ui
            .add_enabled(step > 0, egui::Button::new("◀ Back"))
            .clicked()
        {
            commands.push(Command::TourGo(step - 1));
        }
        if ui
            .add_enabled(step + 1 < model.tour.len(), egui::Button::new("Next ▶"))
            .clicked()
        {
            commands.push(Command::TourGo(step + 1));
        }
        if let (Some(kind), Some(element)) = (&current.fault, &current.element) {
            let label = format!("Do it: {}", fault_text(kind));
            if ui
                .button(label)
                .on_hover_text("Starts the run if needed, and schedules this now")
                .clicked()
            {
                if now.is_none() {
                    commands.push(Command::RunPlay);
                }
                commands.push(Command::InjectFault(Fault {
                    element: element.clone(),
                    at_us: now.unwrap_or(0),
                    kind: kind.clone(),
                }));
            }
        }
    });
    commands
}
