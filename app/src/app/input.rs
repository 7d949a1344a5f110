//! Keyboard shortcuts, the clipboard and files dropped on the window, as
//! commands.

use std::path::PathBuf;

use egui::{Key, Modifiers};

use super::StormflowApp;
use crate::command::{ACTIONS, Command};
use crate::panels::palette::entries as palette_entries;

/// What a dropped path is: a board to open, or something to import.
fn dropped_command(path: PathBuf) -> Option<Command> {
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    match extension.as_deref() {
        Some("ron") => Some(Command::OpenPath(path)),
        Some("yaml" | "yml" | "json" | "txt" | "log" | "topology") => {
            Some(Command::ImportPath(path))
        }
        _ if path.is_dir() => Some(Command::ImportPath(path)),
        _ => None,
    }
}

impl StormflowApp {
    /// Keyboard shortcuts, clipboard events and dropped files.
    pub(super) fn input(&mut self, ctx: &egui::Context) -> Vec<Command> {
        let mut commands = Vec::new();
        // Only text being typed holds the shortcuts back: a focused button or
        // list entry (the Problems panel after Ctrl+9) leaves them working.
        let typing = ctx.text_edit_focused()
            || self.board.editing.is_some()
            || self.palette.open
            || self.modal.is_some();
        let events = ctx.input(|i| i.events.clone());
        if !typing {
            for event in &events {
                match event {
                    egui::Event::Copy => commands.push(Command::Copy),
                    egui::Event::Cut => commands.push(Command::Cut),
                    egui::Event::Paste(text) => commands.push(Command::Paste(text.clone())),
                    _ => {}
                }
            }
            // The most specific shortcuts first (Ctrl+Shift+Z before Ctrl+Z).
            let mut shortcuts: Vec<(&egui::KeyboardShortcut, &crate::command::Action)> = ACTIONS
                .iter()
                .flat_map(|a| a.shortcuts.iter().map(move |s| (s, a)))
                .collect();
            shortcuts.sort_by_key(|(s, _)| {
                std::cmp::Reverse(u8::from(s.modifiers.shift) + u8::from(s.modifiers.alt))
            });
            for (shortcut, action) in shortcuts {
                if ctx.input_mut(|i| i.consume_shortcut(shortcut)) {
                    commands.push((action.command)());
                }
            }
            if ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Escape)) {
                if self.presenting {
                    commands.push(Command::TogglePresentation);
                } else {
                    self.board.selection.clear();
                }
            }
            if self.board.selection.is_empty() {
                let entries = palette_entries(self.doc.model().level);
                let digits = [
                    Key::Num1,
                    Key::Num2,
                    Key::Num3,
                    Key::Num4,
                    Key::Num5,
                    Key::Num6,
                    Key::Num7,
                    Key::Num8,
                    Key::Num9,
                ];
                for (n, key) in digits.into_iter().enumerate() {
                    if let Some((kind, pivotal, _)) = entries.get(n)
                        && ctx.input_mut(|i| i.consume_key(Modifiers::NONE, key))
                    {
                        commands.push(Command::SetCurrentKind {
                            kind: *kind,
                            pivotal: *pivotal,
                        });
                    }
                }
            }
        } else if self.board.editing.is_none() && !self.palette.open && self.modal.is_none() {
            // Save works even from a text field.
            // Save As (Ctrl+Shift+S) first: egui lets Ctrl+S match it too.
            let mut saves: Vec<(&egui::KeyboardShortcut, &crate::command::Action)> = ACTIONS
                .iter()
                .filter(|a| a.name.starts_with("Save"))
                .flat_map(|a| a.shortcuts.iter().map(move |s| (s, a)))
                .collect();
            saves.sort_by_key(|(s, _)| std::cmp::Reverse(s.modifiers.shift));
            for (shortcut, action) in saves {
                if ctx.input_mut(|i| i.consume_shortcut(shortcut)) {
                    commands.push((action.command)());
                }
            }
        }
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        });
        // A drop while a dialog asks something waits for its answer.
        if self.modal.is_none()
            && let Some(command) = dropped.into_iter().find_map(dropped_command)
        {
            commands.push(command);
        }
        commands
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dropped_board_opens_and_a_dropped_document_imports() {
        assert_eq!(
            dropped_command(PathBuf::from("shop.ron")),
            Some(Command::OpenPath(PathBuf::from("shop.ron")))
        );
        assert_eq!(
            dropped_command(PathBuf::from("api.YAML")),
            Some(Command::ImportPath(PathBuf::from("api.YAML")))
        );
        assert_eq!(dropped_command(PathBuf::from("notes.pdf")), None);
    }
}
