//! The Messages tab: every message of the run, filtered by type, element,
//! key, correlation or outcome; a click opens its story.

use egui::{RichText, Sense, Ui};
use egui_extras::{Column, TableBuilder};
use stormflow_core::model::ElementKind;
use stormflow_core::sim::{FLAG_ERROR, MsgKind, NO_MSG};

use super::toolbar::format_clock;
use super::{RunView, outcome_bits, type_color};
use crate::command::Command;

/// A message's outcome in words.
pub fn outcome_text(bits: u8) -> String {
    let mut words = Vec::new();
    for (bit, word) in [
        (outcome_bits::PROCESSED, "processed"),
        (outcome_bits::DEAD_LETTERED, "dead-lettered"),
        (outcome_bits::DROPPED, "dropped"),
        (outcome_bits::REDELIVERED, "duplicate"),
        (outcome_bits::RETRIED, "retried"),
        (outcome_bits::STOPPED, "stopped"),
    ] {
        if bits & bit != 0 {
            words.push(word);
        }
    }
    if words.is_empty() {
        "waiting".to_string()
    } else {
        words.join(", ")
    }
}

/// The messages table with its filters.
pub fn messages_ui(ui: &mut Ui, run: &mut RunView) -> Vec<Command> {
    let mut commands = Vec::new();
    ui.horizontal_wrapped(|ui| {
        let types: Vec<u32> = (0..run.ids.len() as u32)
            .filter(|i| {
                run.id(*i)
                    .and_then(|id| run.model.element(id))
                    .is_some_and(|e| {
                        matches!(
                            e.kind,
                            ElementKind::Event | ElementKind::Command | ElementKind::Query
                        ) || e.kind.is_service()
                    })
            })
            .collect();
        egui::ComboBox::new("filter-type", "type")
            .selected_text(run.filter.ty.map_or("any".to_string(), |t| run.name(t)))
            .show_ui(ui, |ui| {
                if ui
                    .selectable_label(run.filter.ty.is_none(), "any")
                    .clicked()
                {
                    run.filter.ty = None;
                }
                for t in &types {
                    if ui
                        .selectable_label(run.filter.ty == Some(*t), run.name(*t))
                        .clicked()
                    {
                        run.filter.ty = Some(*t);
                    }
                }
            });
        egui::ComboBox::new("filter-element", "element")
            .selected_text(
                run.filter
                    .element
                    .map_or("any".to_string(), |t| run.name(t)),
            )
            .show_ui(ui, |ui| {
                if ui
                    .selectable_label(run.filter.element.is_none(), "any")
                    .clicked()
                {
                    run.filter.element = None;
                }
                for i in 0..run.ids.len() as u32 {
                    if ui
                        .selectable_label(run.filter.element == Some(i), run.name(i))
                        .clicked()
                    {
                        run.filter.element = Some(i);
                    }
                }
            });
        ui.add(
            egui::TextEdit::singleline(&mut run.filter.key)
                .desired_width(90.0)
                .hint_text("key contains"),
        );
        ui.add(
            egui::TextEdit::singleline(&mut run.filter.correlation)
                .desired_width(90.0)
                .hint_text("correlation m…"),
        );
        egui::ComboBox::new("filter-outcome", "outcome")
            .selected_text(match run.filter.outcome {
                0 => "any".to_string(),
                bits => outcome_text(bits),
            })
            .show_ui(ui, |ui| {
                for (bits, name) in [
                    (0, "any"),
                    (outcome_bits::DEAD_LETTERED, "dead-lettered"),
                    (outcome_bits::DROPPED, "dropped"),
                    (outcome_bits::REDELIVERED, "duplicate"),
                    (outcome_bits::RETRIED, "retried"),
                    (outcome_bits::STOPPED, "stopped"),
                ] {
                    if ui
                        .selectable_label(run.filter.outcome == bits, name)
                        .clicked()
                    {
                        run.filter.outcome = bits;
                    }
                }
            });
        run.refresh_filter();
        ui.label(
            RichText::new(format!(
                "{} of {}",
                run.filtered.len(),
                crate::cli::plural(run.trace.len(), "message")
            ))
            .small(),
        );
    });
    let selected_row = run
        .selected
        .and_then(|id| run.filtered.binary_search(&id).ok());
    let mut table = TableBuilder::new(ui)
        .id_salt("messages-table")
        .striped(true)
        .resizable(true)
        .sense(Sense::click())
        .column(Column::initial(86.0))
        .column(Column::initial(64.0))
        .column(Column::initial(150.0))
        .column(Column::initial(110.0))
        .column(Column::initial(130.0))
        .columns(Column::initial(52.0), 2)
        .columns(Column::initial(70.0), 2)
        .column(Column::remainder());
    if run.scroll_to_selected
        && let Some(row) = selected_row
    {
        table = table.scroll_to_row(row, Some(egui::Align::Center));
        run.scroll_to_selected = false;
    }
    table
        .header(20.0, |mut header| {
            for name in [
                "time",
                "id",
                "type",
                "key",
                "source",
                "part.",
                "offset",
                "caused by",
                "flow",
                "outcome",
            ] {
                header.col(|ui| {
                    ui.strong(name);
                });
            }
        })
        .body(|body| {
            body.rows(18.0, run.filtered.len(), |mut row| {
                let id = run.filtered[row.index()];
                let Some(m) = run.trace.message(id) else {
                    return;
                };
                row.set_selected(run.selected == Some(id));
                row.col(|ui| {
                    ui.label(RichText::new(format_clock(m.time)).monospace());
                });
                row.col(|ui| {
                    ui.label(RichText::new(format!("m{id}")).monospace());
                });
                row.col(|ui| {
                    let kind = if m.kind == MsgKind::Event {
                        String::new()
                    } else {
                        format!(" ({})", m.kind.label())
                    };
                    ui.colored_label(type_color(m.ty), format!("{}{kind}", run.name(m.ty)));
                });
                row.col(|ui| {
                    ui.label(run.key_name(m.key));
                });
                row.col(|ui| {
                    ui.label(run.name(m.source));
                });
                row.col(|ui| {
                    ui.label(if m.partition == u16::MAX {
                        "-".to_string()
                    } else {
                        m.partition.to_string()
                    });
                });
                row.col(|ui| {
                    ui.label(if m.partition == u16::MAX {
                        "-".to_string()
                    } else {
                        m.offset.to_string()
                    });
                });
                row.col(|ui| {
                    ui.label(if m.causation == NO_MSG {
                        "-".to_string()
                    } else {
                        format!("m{}", m.causation)
                    });
                });
                row.col(|ui| {
                    ui.label(format!("m{}", m.correlation));
                });
                row.col(|ui| {
                    let bits = run.outcomes.get(id as usize).copied().unwrap_or(0);
                    ui.label(if bits == 0 && m.kind == MsgKind::Reply {
                        // A reply goes straight back to its waiting caller.
                        if m.flags & FLAG_ERROR != 0 {
                            "returned an error".to_string()
                        } else {
                            "returned".to_string()
                        }
                    } else {
                        outcome_text(bits)
                    });
                });
                if row.response().clicked() {
                    commands.push(Command::SelectMessage(id));
                }
            });
        });
    commands
}
