//! The in-place name editor: typing a sticky's name on the sticky itself.
//! Enter confirms, Tab confirms and creates the next sticky to the right,
//! Escape cancels (and takes back a sticky made a moment ago).

use egui::{FontId, Key, Modifiers, vec2};
use stormflow_core::model::{ElementId, Model};
use stormflow_core::style;

use super::BoardState;
use crate::command::Command;

/// The name being typed into a sticky.
#[derive(Clone, Debug, PartialEq)]
pub struct Editing {
    /// The sticky.
    pub id: ElementId,
    /// The text so far.
    pub text: String,
    /// Made by double-click or Tab just now: Escape removes it again.
    pub is_new: bool,
    focus_pending: bool,
}

impl BoardState {
    /// Starts typing the name of a sticky.
    pub fn start_editing(&mut self, id: ElementId, current: &str, is_new: bool) {
        self.editing = Some(Editing {
            id,
            text: current.to_string(),
            is_new,
            focus_pending: true,
        });
    }

    /// Shows the editor over its sticky; returns what confirming or
    /// cancelling means.
    pub(super) fn editor_ui(&mut self, ui: &mut egui::Ui, model: &Model) -> Vec<Command> {
        let mut commands = Vec::new();
        let Some(editing) = &mut self.editing else {
            return commands;
        };
        let Some(i) = self.scene.index.get(&editing.id) else {
            self.editing = None;
            return commands;
        };
        let (_, board_rect, kind) = &self.scene.elements[*i];
        let rect = self
            .view
            .screen_from_board(self.canvas)
            .mul_rect(*board_rect);
        let (enter, tab, escape) = ui.input_mut(|input| {
            (
                input.consume_key(Modifiers::NONE, Key::Enter),
                input.consume_key(Modifiers::NONE, Key::Tab),
                input.consume_key(Modifiers::NONE, Key::Escape),
            )
        });
        let font = FontId::proportional(style::name_px_at(*kind, self.view.zoom).clamp(12.0, 28.0));
        let width = rect.width().max(140.0);
        let area = egui::Area::new(ui.make_persistent_id("sticky-name-editor"))
            .order(egui::Order::Foreground)
            .fixed_pos(rect.min + vec2(0.0, (rect.height() / 2.0 - 14.0).max(0.0)))
            .show(ui.ctx(), |ui| {
                ui.set_width(width);
                ui.add(
                    egui::TextEdit::singleline(&mut editing.text)
                        // Tab must reach the board (next sticky), not move focus.
                        .lock_focus(true)
                        .font(font)
                        .desired_width(width)
                        .hint_text("Name, then Enter (Tab: next)"),
                )
            });
        let response = area.inner;
        if editing.focus_pending {
            response.request_focus();
            editing.focus_pending = false;
        }
        let id = editing.id.clone();
        let name = editing.text.trim().to_string();
        let is_new = editing.is_new;
        let original = model
            .element(&id)
            .map(|e| e.name.clone())
            .unwrap_or_default();
        let clicked_away = response.lost_focus() && !enter && !tab && !escape;
        if escape {
            if is_new {
                commands.push(Command::CancelCreate(id));
            }
            self.editing = None;
        } else if enter || tab || clicked_away {
            let cancelled = is_new && name.is_empty();
            if cancelled {
                commands.push(Command::CancelCreate(id.clone()));
            } else if name != original {
                commands.push(Command::SetName {
                    id: id.clone(),
                    name,
                });
            }
            self.editing = None;
            if tab && !cancelled {
                commands.push(Command::CreateNextTo(id));
            }
        }
        commands
    }
}
