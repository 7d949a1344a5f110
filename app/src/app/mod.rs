//! The application: the open document, the board, the panels, and the one
//! place where commands are applied ([`StormflowApp::apply`]).
//!
//! | file | what it holds |
//! |---|---|
//! | `mod.rs` | the app's state, starting it, and the frame: which panel goes where |
//! | `apply.rs` | applying one [`Command`]: the one place the model changes and undo is recorded |
//! | `files.rs` | opening, saving, importing and exporting; unsaved-changes guards; autosave |
//! | `menus.rs` | the menu bar, the status bar and the context menus |
//! | `modals.rs` | dialogs: unsaved changes, errors, recovery, the in-app file dialog, Run on NATS |
//! | `input.rs` | keyboard shortcuts, the clipboard and dropped files |

mod apply;
mod files;
mod input;
mod menus;
mod modals;

use std::collections::BTreeSet;

use stormflow_core::model::{ElementId, ElementKind, Fault, FaultKind, Model};
use stormflow_core::{Severity, format};

use crate::board::{self, BoardState};
use crate::cli::GuiArgs;
use crate::command::Command;
use crate::comparison::ComparisonView;
use crate::document::Document;
use crate::error::AppError;
use crate::files::{FileDialogs, NativeDialogs, Recovery, state_dir};
use crate::panels::inspector::{InspectorState, inspector_ui};
use crate::panels::overlays::{CommandPalette, legend_ui, shortcuts_ui};
use crate::panels::palette::palette_ui;
use crate::panels::problems::{ProblemFilter, problems_ui};
use crate::panels::whatif::WhatIf;
use crate::run::RunView;
use crate::run::runner::RunnerCommand;
use crate::samples;
use crate::screenshot::ScreenshotJob;
use crate::settings::{self, Settings};

pub use apply::command_edits_model;
pub use modals::{AfterDiscard, Modal};

/// Seconds between autosaves of unsaved work.
pub const AUTOSAVE_SECONDS: f64 = 30.0;

/// The Stormflow app.
pub struct StormflowApp {
    /// The open board.
    pub doc: Document,
    /// The board's view state.
    pub board: BoardState,
    /// Persisted preferences.
    pub settings: Settings,
    /// How files are asked for.
    pub dialogs: Box<dyn FileDialogs>,
    /// Where unsaved work is autosaved (none: nowhere, e.g. in tests).
    pub recovery: Option<Recovery>,
    /// A pending `--screenshot`.
    pub screenshot: Option<ScreenshotJob>,
    /// The run shown on the board, if any.
    pub run: Option<RunView>,
    /// Two boards side by side, if open.
    pub comparison: Option<ComparisonView>,
    /// The What-if panel, if open.
    pub whatif: Option<WhatIf>,
    /// The guided tour's current step.
    pub tour_step: usize,
    /// `--run-until`: the virtual time a screenshot waits for.
    pub screenshot_run_until: Option<u64>,
    /// The dialog shown over everything, if any.
    pub modal: Option<Modal>,
    /// The last status message and when it was set.
    pub status: Option<(String, f64)>,
    /// Presentation mode: full screen, panels hidden, board fitted.
    pub presenting: bool,
    inspector: InspectorState,
    problem_filter: ProblemFilter,
    palette: CommandPalette,
    show_legend: bool,
    show_shortcuts: bool,
    /// Ids made by Create whose name is still being typed (they get an id
    /// from their name when it is confirmed).
    fresh: BTreeSet<ElementId>,
    /// The last sticky that took its id from its name: (old id, new id).
    renamed: Option<(ElementId, ElementId)>,
    allow_close: bool,
    last_autosave: Option<(f64, u64)>,
    last_title: String,
    problems_revision: Option<u64>,
    /// The Problems panel had the keyboard focus in the last frame.
    problems_focused: bool,
    /// Ask the Problems panel to take the focus in the next frame.
    focus_problems: bool,
    /// The pass in which Edit → Paste a topology asked for the clipboard:
    /// a paste in the next few passes is a topology to import. (An empty
    /// clipboard sends nothing, so the wish must not outlive its request.)
    paste_is_topology: Option<u64>,
    /// A refused edit to say by the pointer in the next frame.
    pending_toast: Option<String>,
    fonts_installed: bool,
}

impl StormflowApp {
    /// Builds the app for the window: settings from eframe's storage, native
    /// dialogs, the recovery file, then the given file, the last board or the
    /// default sample.
    pub fn new(cc: &eframe::CreationContext<'_>, args: &GuiArgs) -> Self {
        let settings: Settings = cc
            .storage
            .and_then(|s| eframe::get_value(s, settings::KEY))
            .unwrap_or_default();
        let screenshot = args.screenshot.is_some();
        let recovery = if screenshot {
            None
        } else {
            state_dir().map(Recovery::new)
        };
        let mut app = Self::with(settings, Box::new(NativeDialogs::default()), recovery);
        cc.egui_ctx.set_theme(if app.settings.dark {
            egui::Theme::Dark
        } else {
            egui::Theme::Light
        });
        let reopen = if screenshot {
            None
        } else {
            app.settings.last_opened.clone()
        };
        match args.file.clone().or(reopen) {
            Some(path) => {
                if let Err(error) = app.open_path(&path) {
                    app.report(error);
                }
            }
            None => app.open_sample(samples::default_sample().file),
        }
        if let Some(recovered) = app.recovery.as_ref().and_then(Recovery::read) {
            app.modal = Some(Modal::Recovery(Box::new(recovered)));
        }
        if let Some(until) = args.run_until {
            app.start_run(args.seed);
            for outage in &args.fault {
                if app.doc.model().element(&outage.element).is_none() {
                    let message = format!(
                        "--fault {}: the board has no element with that id",
                        outage.element
                    );
                    eprintln!("stormflow: {message}");
                    app.report(AppError::Run(message));
                } else if let Some(run) = &mut app.run {
                    // The run only: the file keeps its own schedule.
                    let fault = Fault {
                        element: outage.element.clone(),
                        at_us: outage.at_us,
                        kind: FaultKind::Down {
                            for_us: outage.for_us,
                        },
                    };
                    run.model.faults.push(fault.clone());
                    run.send(RunnerCommand::Inject(fault));
                }
            }
            if let Some(run) = &mut app.run {
                run.speed = crate::run::runner::Speed::Max;
                run.send(RunnerCommand::SetSpeed(crate::run::runner::Speed::Max));
                run.send(RunnerCommand::RunUntil(until));
                run.tab = crate::run::DockTab::Metrics;
            }
            app.screenshot_run_until = Some(until);
        }
        if args.present {
            app.presenting = true;
            cc.egui_ctx
                .send_viewport_cmd(egui::ViewportCommand::Fullscreen(true));
        }
        app
    }

    /// Builds the app around the default sample, with the given dialogs and
    /// recovery place (tests use this).
    pub fn with(
        settings: Settings,
        dialogs: Box<dyn FileDialogs>,
        recovery: Option<Recovery>,
    ) -> Self {
        let sample = samples::default_sample();
        let model = format::from_ron_str(sample.text).unwrap_or_else(|_| Model::new("Untitled"));
        let mut board = BoardState::default();
        board.snap = settings.snap;
        board.minimap = settings.minimap;
        Self {
            doc: Document::new(model, None),
            board,
            settings,
            dialogs,
            recovery,
            screenshot: None,
            run: None,
            comparison: None,
            whatif: None,
            tour_step: 0,
            screenshot_run_until: None,
            modal: None,
            status: None,
            presenting: false,
            inspector: InspectorState::default(),
            problem_filter: ProblemFilter::default(),
            palette: CommandPalette::default(),
            show_legend: false,
            show_shortcuts: false,
            fresh: BTreeSet::new(),
            renamed: None,
            allow_close: false,
            last_autosave: None,
            last_title: String::new(),
            problems_revision: None,
            problems_focused: false,
            focus_problems: false,
            paste_is_topology: None,
            pending_toast: None,
            fonts_installed: false,
        }
    }

    /// Builds the app from the command line without a window (headless use).
    pub fn from_args(args: &GuiArgs) -> Self {
        let mut app = Self::with(
            Settings::default(),
            Box::new(NativeDialogs::default()),
            None,
        );
        if let Some(path) = &args.file
            && let Err(error) = app.open_path(path)
        {
            app.report(error);
        }
        app
    }

    /// The window title: unsaved marker, model name, file.
    pub fn title(&self) -> String {
        let dirty = if self.doc.is_dirty() { "● " } else { "" };
        match &self.doc.path {
            Some(path) => format!(
                "{dirty}{} — {} — Stormflow",
                self.doc.display_name(),
                path.display()
            ),
            None => format!("{dirty}{} — Stormflow", self.doc.display_name()),
        }
    }

    fn set_status(&mut self, ctx: &egui::Context, text: impl Into<String>) {
        self.status = Some((text.into(), ctx.input(|i| i.time)));
    }

    /// Tells the user about an error, the one way errors reach them: a
    /// dialog for what stops what they asked for, a toast for a refused edit.
    pub fn report(&mut self, error: AppError) {
        match error.title() {
            Some(_) => self.modal = Some(Modal::Error(error)),
            None => self.pending_toast = Some(error.to_string()),
        }
    }

    /// The error the dialog shows, if one does.
    pub fn error_shown(&self) -> Option<&AppError> {
        match &self.modal {
            Some(Modal::Error(error)) => Some(error),
            _ => None,
        }
    }

    /// Whether the open board has unsaved changes.
    pub fn is_dirty(&self) -> bool {
        self.doc.is_dirty()
    }

    /// Starts a run of the open board (replacing any), paused at time 0.
    /// Returns false (with the reason shown) when the board cannot run.
    pub fn start_run(&mut self, seed: Option<u64>) -> bool {
        let seed = seed.unwrap_or(self.doc.model().run.seed);
        match RunView::start(self.doc.model(), seed) {
            Ok(run) => {
                self.board.editing = None;
                self.run = Some(run);
                // The run's panels take room: fit the board to what is left.
                self.board.request_fit(false);
                true
            }
            Err(error) => {
                self.report(AppError::Run(error));
                false
            }
        }
    }

    /// Shows a run on NATS, just started from its window, in the run view
    /// (in place of any simulated run).
    pub fn show_live_run(&mut self, feed: crate::run::live::LiveFeed) {
        self.board.editing = None;
        self.run = Some(RunView::live(self.doc.model(), feed));
        self.board.request_fit(false);
    }

    fn ensure_run(&mut self) -> bool {
        self.run.is_some() || self.start_run(None)
    }

    fn selected_ids(&self) -> Vec<ElementId> {
        self.board.selection.elements.iter().cloned().collect()
    }

    /// Problems to show: those of stickies whose name is still being typed
    /// wait until it is confirmed ("nobody consumes" a sticky with no name
    /// yet says nothing useful).
    fn shown_problems(&self) -> Vec<stormflow_core::Problem> {
        self.doc
            .cached_problems()
            .iter()
            .filter(|p| !p.element().is_some_and(|id| self.fresh.contains(id)))
            .cloned()
            .collect()
    }

    /// The whole UI, inside the root `Ui` (kept apart from `eframe::App` so
    /// tests drive it without a window).
    pub fn ui_root(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        if !self.fonts_installed {
            crate::fonts::install(&ctx);
            self.fonts_installed = true;
        }
        let title = self.title();
        if title != self.last_title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.last_title = title;
        }
        if ctx.input(|i| i.viewport().close_requested())
            && self.doc.is_dirty()
            && !self.allow_close
            && self.screenshot.is_none()
        {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.modal = Some(Modal::ConfirmDiscard(AfterDiscard::Quit));
        }
        if let Some(text) = self.pending_toast.take() {
            self.board.toast_at(&ctx, text, None, true);
        }
        if self.problems_revision != Some(self.doc.revision()) {
            let counts = problem_counts(&self.shown_problems());
            self.board.problem_counts = counts;
            self.problems_revision = Some(self.doc.revision());
        }
        // Keys act before the panels draw, so that what a panel does in the
        // same frame sees them: a digit then a double-click, both in one
        // frame, create a sticky of the kind the digit picked.
        for command in self.input(&ctx) {
            self.apply(command, &ctx);
        }
        let mut commands = Vec::new();
        if let Some(comparison) = &mut self.comparison {
            comparison.poll();
            ctx.request_repaint_after(std::time::Duration::from_millis(if comparison.running() {
                16
            } else {
                100
            }));
            egui::Panel::top("menu").show(ui, |ui| {
                commands.extend(self.menu_bar(ui));
            });
            if let Some(comparison) = &mut self.comparison {
                commands.extend(comparison.ui(ui));
            }
            commands.extend(self.modals(&ctx));
            for command in commands {
                self.apply(command, &ctx);
            }
            return;
        }

        if let Some(run) = &mut self.run {
            run.poll();
            self.board.overlay = run.overlay(self.doc.model());
            if run.running {
                ctx.request_repaint_after(std::time::Duration::from_millis(16));
            } else {
                ctx.request_repaint_after(std::time::Duration::from_millis(100));
            }
        } else if self.board.overlay.read_only.is_some() || !self.board.overlay.highlight.is_empty()
        {
            self.board.overlay = board::Overlay::default();
        }
        // The tour's element stands out.
        if let Some(id) = self
            .doc
            .model()
            .tour
            .get(self.tour_step)
            .and_then(|t| t.element.clone())
        {
            self.board.overlay.highlight.insert(id);
        }

        if !self.presenting {
            egui::Panel::top("menu").show(ui, |ui| {
                commands.extend(self.menu_bar(ui));
            });
            egui::Panel::bottom("status").show(ui, |ui| self.status_bar(ui));
        }
        if let Some(run) = &mut self.run {
            let selected = match self
                .board
                .selection
                .elements
                .iter()
                .collect::<Vec<_>>()
                .as_slice()
            {
                [one] => Some((*one).clone()),
                _ => None,
            };
            egui::Panel::top("run-toolbar").show(ui, |ui| {
                commands.extend(crate::run::dock::toolbar_ui(ui, run, selected.as_ref()));
            });
            if !self.presenting {
                egui::Panel::bottom("run-dock")
                    .resizable(true)
                    .default_size(270.0)
                    .show(ui, |ui| {
                        commands.extend(crate::run::dock::dock_ui(ui, run));
                    });
            }
            egui::Panel::bottom("run-timeline").show(ui, |ui| {
                commands.extend(crate::run::dock::timeline_ui(ui, run));
            });
        }
        if !self.presenting {
            commands.extend(self.side_panels(ui));
        }
        egui::CentralPanel::default()
            .frame(egui::Frame::NONE)
            .show(ui, |ui| {
                let revision = self.doc.revision();
                let (board_commands, canvas_response) =
                    self.board.ui(ui, self.doc.model(), revision);
                commands.extend(board_commands);
                commands.extend(self.context_menu(&canvas_response));
            });
        legend_ui(&ctx, &mut self.show_legend);
        shortcuts_ui(&ctx, &mut self.show_shortcuts);
        if let Some(whatif) = &mut self.whatif {
            commands.extend(whatif.ui(&ctx, self.doc.model()));
            if !whatif.open {
                self.whatif = None;
            }
        }
        if let Some(command) = self.palette.ui(&ctx, &self.settings.recent) {
            commands.push(command);
        }
        commands.extend(self.modals(&ctx));
        for command in commands {
            self.apply(command, &ctx);
        }
        self.autosave(&ctx);
        let ready = match (self.screenshot_run_until, &self.run) {
            (Some(until), Some(run)) => {
                !run.running && (run.now() >= until || run.stopped.is_some())
            }
            _ => true,
        };
        if let Some(job) = &mut self.screenshot {
            job.tick(&ctx, ready);
        }
    }

    /// The palette, inspector and Problems panels.
    fn side_panels(&mut self, ui: &mut egui::Ui) -> Vec<Command> {
        let mut commands = Vec::new();
        if self.settings.show_palette && self.run.is_none() {
            egui::Panel::left("palette")
                .resizable(true)
                .default_size(190.0)
                .show(ui, |ui| {
                    let level = self.doc.model().level;
                    commands.extend(palette_ui(ui, level, &mut self.board));
                });
        }
        if self.settings.show_inspector {
            egui::Panel::right("inspector")
                .resizable(true)
                .default_size(270.0)
                .show(ui, |ui| {
                    if !self.doc.model().tour.is_empty() {
                        let now = self.run.as_ref().map(RunView::now);
                        egui::Frame::group(ui.style()).show(ui, |ui| {
                            commands.extend(crate::panels::tour::tour_ui(
                                ui,
                                self.doc.model(),
                                self.tour_step,
                                now,
                            ));
                        });
                        ui.add_space(6.0);
                    }
                    commands.extend(inspector_ui(
                        ui,
                        self.doc.model(),
                        &self.board.selection,
                        &mut self.inspector,
                    ));
                });
        }
        self.problems_focused = false;
        if self.settings.show_problems && self.run.is_none() {
            let problems = self.shown_problems();
            let focus = std::mem::take(&mut self.focus_problems);
            egui::Panel::bottom("problems")
                .resizable(true)
                .default_size(130.0)
                .show(ui, |ui| {
                    let panel = problems_ui(ui, &problems, &mut self.problem_filter, focus);
                    self.problems_focused = panel.focused;
                    commands.extend(panel.commands);
                });
        }
        commands
    }
}

fn problem_counts(
    problems: &[stormflow_core::Problem],
) -> std::collections::BTreeMap<ElementId, (usize, usize)> {
    let mut counts = std::collections::BTreeMap::new();
    for problem in problems {
        let Some(id) = problem.element() else {
            continue;
        };
        let entry: &mut (usize, usize) = counts.entry(id.clone()).or_default();
        match problem.severity {
            Severity::Error => entry.0 += 1,
            Severity::Warning => entry.1 += 1,
            Severity::Info => {}
        }
    }
    counts
}

impl eframe::App for StormflowApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.ui_root(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        if self.screenshot.is_none() {
            eframe::set_value(storage, settings::KEY, &self.settings);
        }
    }

    fn on_exit(&mut self) {
        // A clean exit with nothing unsaved leaves no recovery file behind.
        if !self.doc.is_dirty()
            && let Some(recovery) = &self.recovery
        {
            recovery.clear();
        }
    }
}

/// The kinds of a selection, counted: "12 events, 3 policies".
pub fn selection_summary(model: &Model, ids: &BTreeSet<ElementId>) -> String {
    let mut counts: std::collections::BTreeMap<ElementKind, usize> = Default::default();
    for id in ids {
        if let Some(element) = model.element(id) {
            *counts.entry(element.kind).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .map(|(kind, n)| stormflow_core::text::plural(n, kind.label()))
        .collect::<Vec<_>>()
        .join(", ")
}
