//! A board with nothing to simulate: no actor or external system sends
//! anything on its own, so a run is all zeros. The run view says so, on
//! the board and in the dock, and offers to add a workload where one
//! would start messages flowing.
//!
//! The board is read-only during a run, so "Add a workload" stops the run,
//! adds the workload (one undo step, "Edit NAME") and starts the run
//! again with the same seed and speed: the commands `RunStop`,
//! `UpdateElements`, `RunSetSeed`, `RunSetSpeed`, `RunPlay`, in that order.

use egui::{Context, Id, Pos2, RichText, Ui};
use stormflow_core::model::{ElementId, FlowKind, Model, Workload};

use super::RunView;
use crate::command::Command;

/// Buttons offered at most (the rest are named in the text).
const MAX_OFFERS: usize = 4;

/// Why a board has nothing to simulate, and where a workload would help.
#[derive(Clone, Debug, PartialEq)]
pub struct Idle {
    /// What is missing, for the user.
    pub reason: String,
    /// Actors and external systems that send something but have no workload.
    pub offers: Vec<ElementId>,
}

/// Whether `id` sends anything when it has arrivals: it issues a command or
/// query, emits an event or calls something.
fn sends(model: &Model, id: &ElementId) -> bool {
    model.outgoing(id).iter().any(|flow| {
        matches!(
            flow.kind,
            FlowKind::Issues | FlowKind::Emits | FlowKind::Call
        )
    })
}

/// `None` when some element has a workload and sends something; else why
/// the run will stay at zero, and the sources a workload would start.
pub fn nothing_to_simulate(model: &Model) -> Option<Idle> {
    let mut offers = Vec::new();
    let mut idle_workloads = Vec::new();
    let mut unconnected = Vec::new();
    for element in model.elements() {
        let sending = sends(model, &element.id);
        match (&element.workload, sending) {
            (Some(workload), true) if workload.arrival.mean_per_sec() > 0.0 => return None,
            (Some(_), _) => idle_workloads.push(element.name.clone()),
            (None, true) if element.kind.is_source() => offers.push(element.id.clone()),
            (None, false) if element.kind.is_source() => unconnected.push(element.name.clone()),
            _ => {}
        }
    }
    let mut reason = String::from("Nothing to simulate: ");
    if !offers.is_empty() {
        reason.push_str(
            "no actor or external system has a workload, so no message is ever sent. \
             Add one to start the run's traffic.",
        );
    } else if !idle_workloads.is_empty() {
        reason.push_str(&format!(
            "{} has a workload but sends nothing (or at a rate of 0). Stop the run and \
             connect it to a command it issues, an event it emits or a service it calls.",
            quoted(&idle_workloads)
        ));
    } else if !unconnected.is_empty() {
        reason.push_str(&format!(
            "{} issues, emits and calls nothing, so a workload would send nowhere. Stop \
             the run, draw an arrow from one to a command, then add a workload to it.",
            quoted(&unconnected)
        ));
    } else {
        reason.push_str(
            "the board has no actor or external system to send messages. Stop the run and \
             add one that issues a command.",
        );
    }
    Some(Idle { reason, offers })
}

fn quoted(names: &[String]) -> String {
    let shown: Vec<String> = names.iter().take(3).map(|n| format!("\"{n}\"")).collect();
    match names.len() {
        0 => String::new(),
        1..=3 => shown.join(", "),
        more => format!("{} and {} more", shown.join(", "), more - 3),
    }
}

/// What "Add a workload to `id`" sends: stop the run, add the default
/// workload as one undo step, start the run again as it was.
pub fn add_workload_commands(run: &RunView, id: &ElementId) -> Vec<Command> {
    let Some(element) = run.model.element(id) else {
        return Vec::new();
    };
    let mut element = element.clone();
    element.workload = Some(Workload::default());
    vec![
        Command::RunStop,
        Command::UpdateElements {
            elements: vec![element],
            gesture: None,
        },
        Command::RunSetSeed(run.seed),
        Command::RunSetSpeed(run.speed),
        Command::RunPlay,
    ]
}

fn offers_ui(ui: &mut Ui, run: &RunView, idle: &Idle) -> Vec<Command> {
    let mut commands = Vec::new();
    ui.horizontal_wrapped(|ui| {
        for id in idle.offers.iter().take(MAX_OFFERS) {
            let name = run
                .index(id)
                .map_or_else(|| id.to_string(), |i| run.name(i));
            if ui
                .button(format!("Add a workload to {name}"))
                .on_hover_text(
                    "Stops the run, gives it 10 messages a second over 100 keys (one undo \
                     step; change it in the inspector) and runs again",
                )
                .clicked()
            {
                commands.extend(add_workload_commands(run, id));
            }
        }
        if idle.offers.len() > MAX_OFFERS {
            ui.label(
                RichText::new(format!(
                    "and {} more in the inspector",
                    idle.offers.len() - MAX_OFFERS
                ))
                .weak(),
            );
        }
    });
    commands
}

/// The note over the board, at its top left.
pub fn board_note_ui(ctx: &Context, run: &RunView, top_left: Pos2) -> Vec<Command> {
    let Some(idle) = nothing_to_simulate(&run.model) else {
        return Vec::new();
    };
    let mut commands = Vec::new();
    egui::Area::new(Id::unique("run-nothing-to-simulate"))
        .fixed_pos(top_left + egui::vec2(12.0, 0.0))
        .show(ctx, |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                ui.set_max_width(420.0);
                ui.label(RichText::new(&idle.reason).strong());
                commands.extend(offers_ui(ui, run, &idle));
            });
        });
    commands
}

/// The note in the dock's Metrics tab, in place of plots of zeros.
pub fn dock_note_ui(ui: &mut Ui, run: &RunView, idle: &Idle) -> Vec<Command> {
    ui.add_space(8.0);
    ui.label(RichText::new(&idle.reason).strong());
    ui.label(
        RichText::new(
            "The plots stay empty until something sends: a run simulates the messages \
             actors and external systems send at their workload's rate.",
        )
        .weak(),
    );
    offers_ui(ui, run, idle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> Model {
        let sample = crate::samples::SAMPLES
            .iter()
            .find(|s| s.file == name)
            .expect("a sample");
        stormflow_core::format::from_ron_str(sample.text).expect("loads")
    }

    #[test]
    fn a_board_with_a_sending_workload_has_something_to_simulate() {
        assert_eq!(nothing_to_simulate(&sample("online-shop.ron")), None);
    }

    #[test]
    fn the_big_picture_says_its_actors_send_nothing_and_offers_no_useless_workload() {
        let idle = nothing_to_simulate(&sample("big-picture.ron")).expect("idle");
        assert!(
            idle.offers.is_empty(),
            "a workload there would send nowhere"
        );
        assert!(
            idle.reason.contains("issues, emits and calls nothing"),
            "{}",
            idle.reason
        );
        assert!(idle.reason.contains("\"Attendee\""), "{}", idle.reason);
    }

    #[test]
    fn a_board_without_workloads_offers_its_connected_sources() {
        let mut model = sample("online-shop.ron");
        for id in model.ids().cloned().collect::<Vec<_>>() {
            if let Some(e) = model.element_mut(&id) {
                e.workload = None;
            }
        }
        let idle = nothing_to_simulate(&model).expect("idle");
        assert!(
            idle.offers.contains(&ElementId::from("customer")),
            "{:?}",
            idle.offers
        );
        assert!(
            idle.reason
                .contains("no actor or external system has a workload")
        );
    }
}
