//! Dialogs over the board: one at a time, in [`StormflowApp::modal`].

use std::path::PathBuf;

use egui::RichText;
use stormflow_core::format;
use stormflow_core::model::Model;

use super::StormflowApp;
use crate::command::{Command, ExportRequest};
use crate::document::Document;
use crate::error::AppError;
use crate::files::{InAppAnswer, InAppDialog, Recovered};
use crate::panels::live::LiveDialog;
use crate::run::runner::ExportFormat;

/// What to do once the user has decided about unsaved changes.
#[derive(Clone, Debug, PartialEq)]
pub enum AfterDiscard {
    /// Start a new board.
    New,
    /// Ask for a file to open.
    Open,
    /// Open this file.
    OpenPath(PathBuf),
    /// Open a sample.
    OpenSample(&'static str),
    /// Open this model as a new, unsaved board (a sweep's variant), with a label.
    OpenModel(Box<Model>, String),
    /// Import this file or folder as a new board.
    ImportPath(PathBuf),
    /// Import this text as a new board.
    ImportText(String),
    /// Close the window.
    Quit,
}

/// What a file is being asked for, so the answer can go on where it was
/// asked, whichever dialog gives it.
#[derive(Clone, Debug, PartialEq)]
pub enum FilePurpose {
    /// Open a board.
    Open,
    /// Save the board there, then maybe go on.
    SaveAs {
        /// What waits for the save.
        then: Option<AfterDiscard>,
    },
    /// Import it (as a new board, or into this one).
    Import {
        /// Merge into the open board.
        into: bool,
    },
    /// Export the board there.
    Export(ExportRequest),
    /// Export the run's trace or metrics there.
    RunExport(ExportFormat),
    /// Open it side by side with this board.
    CompareWith,
}

/// Something to tell the user that is not an error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// The heading.
    pub title: String,
    /// What to say.
    pub message: String,
}

/// The dialog shown over the board.
pub enum Modal {
    /// Unsaved changes: save, discard or cancel before `AfterDiscard`.
    ConfirmDiscard(AfterDiscard),
    /// Something went wrong (see [`AppError`]).
    Error(AppError),
    /// Something to know (an import's assumptions and warnings).
    Notice(Notice),
    /// Unsaved work found from a run that did not close cleanly.
    Recovery(Box<Recovered>),
    /// The app's own file dialog, when the desktop has none.
    File {
        /// What the file is for.
        purpose: FilePurpose,
        /// The dialog.
        dialog: Box<InAppDialog>,
    },
    /// Run on NATS: where the server is, and the run once it starts.
    Live(Box<LiveDialog>),
}

impl Modal {
    /// The Run on NATS dialog, empty.
    pub fn live() -> Modal {
        Modal::Live(Box::default())
    }
}

impl StormflowApp {
    /// Draws the dialog, if any, and acts on the user's answer.
    pub(super) fn modals(&mut self, ctx: &egui::Context) -> Vec<Command> {
        let mut commands = Vec::new();
        let Some(modal) = self.modal.take() else {
            return commands;
        };
        match modal {
            Modal::ConfirmDiscard(then) => self.confirm_discard_ui(ctx, then),
            Modal::Error(error) => {
                let mut close = false;
                egui::Modal::new(egui::Id::unique("error")).show(ctx, |ui| {
                    ui.set_max_width(600.0);
                    ui.heading(error.title().unwrap_or("Something went wrong"));
                    egui::ScrollArea::vertical()
                        .max_height(320.0)
                        .show(ui, |ui| {
                            ui.label(RichText::new(error.to_string()).monospace());
                        });
                    if !error.advice().is_empty() {
                        ui.label(error.advice());
                    }
                    if ui.button("OK").clicked() || ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                        close = true;
                    }
                });
                if !close {
                    self.modal = Some(Modal::Error(error));
                }
            }
            Modal::Notice(notice) => {
                let mut close = false;
                egui::Modal::new(egui::Id::unique("notice")).show(ctx, |ui| {
                    ui.set_max_width(600.0);
                    ui.heading(&notice.title);
                    egui::ScrollArea::vertical()
                        .max_height(360.0)
                        .show(ui, |ui| {
                            ui.label(&notice.message);
                        });
                    if ui.button("OK").clicked() || ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                        close = true;
                    }
                });
                if !close {
                    self.modal = Some(Modal::Notice(notice));
                }
            }
            Modal::Recovery(recovered) => self.recovery_ui(ctx, recovered),
            Modal::File {
                purpose,
                mut dialog,
            } => match dialog.show(ctx) {
                InAppAnswer::Open => self.modal = Some(Modal::File { purpose, dialog }),
                InAppAnswer::Cancelled => {}
                InAppAnswer::Chosen(path) => self.file_chosen(purpose, path, ctx),
            },
            Modal::Live(mut dialog) => {
                commands.extend(dialog.ui(ctx, self.doc.model(), self.run.as_mut()));
                if let Some(feed) = dialog.take_started() {
                    self.show_live_run(feed);
                }
                if dialog.open {
                    self.modal = Some(Modal::Live(dialog));
                }
            }
        }
        commands
    }

    fn confirm_discard_ui(&mut self, ctx: &egui::Context, then: AfterDiscard) {
        let mut choice = None;
        egui::Modal::new(egui::Id::unique("confirm-discard")).show(ctx, |ui| {
            ui.heading("Unsaved changes");
            ui.label(format!(
                "\"{}\" has changes that are not saved.",
                self.doc.display_name()
            ));
            ui.horizontal(|ui| {
                if ui.button("Save").clicked() {
                    choice = Some(0);
                }
                if ui.button("Discard changes").clicked() {
                    choice = Some(1);
                }
                if ui.button("Cancel").clicked() {
                    choice = Some(2);
                }
            });
        });
        match choice {
            Some(0) => self.save(ctx, Some(then)),
            Some(1) => {
                if let Some(recovery) = &self.recovery {
                    recovery.clear();
                }
                self.proceed(then, ctx);
            }
            Some(_) => {}
            None => self.modal = Some(Modal::ConfirmDiscard(then)),
        }
    }

    fn recovery_ui(&mut self, ctx: &egui::Context, recovered: Box<Recovered>) {
        let mut choice = None;
        egui::Modal::new(egui::Id::unique("recovery")).show(ctx, |ui| {
            ui.heading("Restore unsaved work?");
            ui.label("Stormflow did not close cleanly last time. It had autosaved this board:");
            ui.label(RichText::new(format!("\"{}\"", recovered.model.name)).strong());
            if let Some(path) = &recovered.original {
                ui.label(format!("(changes to {})", path.display()));
            }
            ui.horizontal(|ui| {
                if ui.button("Restore").clicked() {
                    choice = Some(true);
                }
                if ui.button("Discard it").clicked() {
                    choice = Some(false);
                }
            });
        });
        match choice {
            Some(true) => {
                let saved = recovered
                    .original
                    .as_ref()
                    .and_then(|p| format::load(p).ok());
                let mut doc = Document::new(
                    saved.unwrap_or_else(|| Model::new("")),
                    recovered.original.clone(),
                );
                doc.replace("Restore unsaved work", recovered.model);
                self.replace_document(doc);
            }
            Some(false) => {
                if let Some(recovery) = &self.recovery {
                    recovery.clear();
                }
            }
            None => self.modal = Some(Modal::Recovery(recovered)),
        }
    }
}
