//! The Elements tab: the counters of every element that emits or does work.

use egui::Ui;
use egui_extras::{Column, TableBuilder};
use stormflow_core::sim::Counters;

use super::RunView;

/// The per-element table.
pub fn elements_ui(ui: &mut Ui, run: &RunView) {
    // The elements that emit or do work, as `stormflow run` lists them:
    // message types and topics have no counters of their own (a topic's lag
    // is on its badge and in the lag plot); rows of zeros only hid the
    // services among them.
    let rows: Vec<usize> = (0..run.snapshot.elements.len())
        .filter(|i| {
            run.id(*i as u32)
                .and_then(|id| run.model.element(id))
                .is_some_and(|e| e.kind.is_service() || e.kind.is_source())
        })
        .collect();
    TableBuilder::new(ui)
        .id_salt("elements-table")
        .striped(true)
        .resizable(true)
        .column(Column::initial(170.0).at_least(80.0))
        .columns(Column::auto().at_least(52.0), 10)
        .column(Column::remainder())
        .header(20.0, |mut header| {
            let counts = Counters::default().columns().map(|(name, _)| name);
            let names = std::iter::once("element")
                .chain(counts)
                .chain(["queued", "busy", "state"]);
            for name in names {
                header.col(|ui| {
                    ui.strong(name);
                });
            }
        })
        .body(|body| {
            body.rows(18.0, rows.len(), |mut row| {
                let i = rows[row.index()];
                let state = &run.snapshot.elements[i];
                let c = &state.counters;
                row.col(|ui| {
                    ui.label(run.name(i as u32));
                });
                let counts = c.columns().map(|(_, value)| value);
                for value in counts.into_iter().chain([state.queued]) {
                    row.col(|ui| {
                        ui.label(value.to_string());
                    });
                }
                row.col(|ui| {
                    ui.label(format!("{}/{}", state.in_flight, state.instances));
                });
                row.col(|ui| {
                    let mut words = Vec::new();
                    if state.down {
                        words.push("down".to_string());
                    }
                    if state.slow_factor > 1 {
                        words.push(format!("slow ×{}", state.slow_factor));
                    }
                    if state.failing_rate > 0.0 {
                        words.push(format!("failing {:.0}%", state.failing_rate * 100.0));
                    }
                    if state.stopped {
                        words.push("stopped".into());
                    }
                    ui.label(if words.is_empty() {
                        "ok".to_string()
                    } else {
                        words.join(", ")
                    });
                });
            });
        });
}
