//! The application: the open document, the board, the panels, and the one
//! place where commands are applied ([`StormflowApp::apply`]).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use egui::{Key, Modifiers, RichText};
use stormflow_core::model::{
    Element, ElementId, ElementKind, Fault, FaultKind, Level, Model, Pos, infer_flow,
};
use stormflow_core::{Severity, edit, format, layout};

use crate::board::{self, BoardState, Hit};
use crate::cli::GuiArgs;
use crate::command::{ACTIONS, Command, ComparisonSource, PanelKind};
use crate::comparison::ComparisonView;
use crate::document::{Document, Gesture};
use crate::files::{FileDialogs, NativeDialogs, Recovered, Recovery, state_dir};
use crate::gui::ScreenshotJob;
use crate::panels::inspector::{InspectorState, inspector_ui};
use crate::panels::overlays::{CommandPalette, legend_ui, shortcuts_ui};
use crate::panels::palette::{entries as palette_entries, palette_ui};
use crate::panels::problems::{ProblemFilter, problems_ui, severity_color};
use crate::run::RunView;
use crate::run::runner::{ExportFormat, RunnerCommand};
use crate::samples::{self, SAMPLES};
use crate::settings::{self, Settings};

/// Seconds between autosaves of unsaved work.
pub const AUTOSAVE_SECONDS: f64 = 30.0;

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
    /// Close the window.
    Quit,
}

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
    /// The guided tour's current step.
    pub tour_step: usize,
    /// `--run-until`: the virtual time a screenshot waits for.
    pub screenshot_run_until: Option<u64>,
    /// Asking before unsaved changes are lost.
    pub confirm_discard: Option<AfterDiscard>,
    /// A file that could not be opened: its error, shown in a dialog.
    pub load_error: Option<String>,
    /// Unsaved work found from a previous run, offered back.
    pub recovery_offer: Option<Recovered>,
    /// The last status message and when it was set.
    pub status: Option<(String, f64)>,
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
        let mut app = Self::with(settings, Box::new(NativeDialogs), recovery);
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
                    app.load_error = Some(error);
                }
            }
            None => app.open_sample(samples::default_sample().file),
        }
        app.recovery_offer = app.recovery.as_ref().and_then(Recovery::read);
        if let Some(until) = args.run_until {
            app.start_run(args.seed);
            for outage in &args.fault {
                if app.doc.model().element(&outage.element).is_none() {
                    let message = format!(
                        "--fault {}: the board has no element with that id",
                        outage.element
                    );
                    eprintln!("stormflow: {message}");
                    app.load_error = Some(message);
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
        app
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
                self.load_error = Some(format!(
                    "The board cannot run yet.\n\n{error}\n\nThe Problems panel lists what to fix."
                ));
                false
            }
        }
    }

    fn ensure_run(&mut self) -> bool {
        self.run.is_some() || self.start_run(None)
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
            tour_step: 0,
            screenshot_run_until: None,
            confirm_discard: None,
            load_error: None,
            recovery_offer: None,
            status: None,
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
            fonts_installed: false,
        }
    }

    /// Builds the app from the command line without a window (headless use).
    pub fn from_args(args: &GuiArgs) -> Self {
        let mut app = Self::with(Settings::default(), Box::new(NativeDialogs), None);
        if let Some(path) = &args.file
            && let Err(error) = app.open_path(path)
        {
            app.load_error = Some(error);
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

    /// Replaces the open board with a file's model. On failure nothing changes
    /// and the error (with line and column) is returned.
    pub fn open_path(&mut self, path: &Path) -> Result<(), String> {
        match format::load(path) {
            Ok(model) => {
                self.replace_document(Document::new(model, Some(path.to_path_buf())));
                self.settings.remember(path);
                Ok(())
            }
            Err(error) => Err(error.to_string()),
        }
    }

    /// Opens a built-in sample (unsaved: Save asks where to keep it).
    pub fn open_sample(&mut self, file: &str) {
        let Some(sample) = SAMPLES.iter().find(|s| s.file == file) else {
            return;
        };
        match format::from_ron_str(sample.text) {
            Ok(model) => {
                // Samples on disk beside the binary's sources open as files.
                let on_disk = PathBuf::from("samples").join(sample.file);
                let path = format::load(&on_disk)
                    .ok()
                    .filter(|m| *m == model)
                    .map(|_| on_disk);
                self.replace_document(Document::new(model, path));
            }
            Err(error) => {
                self.load_error = Some(format!("the built-in sample {file} is broken: {error}"))
            }
        }
    }

    /// Shows `doc` in place of the open board (nothing asks about unsaved changes).
    pub fn replace_document(&mut self, doc: Document) {
        self.run = None;
        self.tour_step = 0;
        self.doc = doc;
        self.board.selection.clear();
        self.board.editing = None;
        self.board.overlay = board::Overlay::default();
        self.board.request_fit(false);
        self.fresh.clear();
        self.problems_revision = None;
        self.last_autosave = None;
    }

    fn save_to(&mut self, ctx: &egui::Context, path: PathBuf) {
        match format::save(&path, self.doc.model()) {
            Ok(()) => {
                self.doc.mark_saved(path.clone());
                self.settings.remember(&path);
                if let Some(recovery) = &self.recovery {
                    recovery.clear();
                }
                self.set_status(ctx, format!("Saved {}", path.display()));
            }
            Err(error) => {
                self.load_error = Some(format!("{error}"));
            }
        }
    }

    fn save_as(&mut self, ctx: &egui::Context) -> bool {
        let directory = self
            .doc
            .path
            .as_ref()
            .and_then(|p| p.parent().map(Path::to_path_buf));
        let mut name = ElementId::slug(&self.doc.display_name()).0;
        if name.is_empty() {
            name = "board".into();
        }
        match self
            .dialogs
            .pick_save(directory.as_deref(), &format!("{name}.ron"))
        {
            Some(path) => {
                self.save_to(ctx, path);
                !self.doc.is_dirty()
            }
            None => false,
        }
    }

    /// Whether the open board has unsaved changes.
    pub fn is_dirty(&self) -> bool {
        self.doc.is_dirty()
    }

    fn guard(&mut self, then: AfterDiscard, ctx: &egui::Context) {
        if self.doc.is_dirty() {
            self.confirm_discard = Some(then);
        } else {
            self.proceed(then, ctx);
        }
    }

    fn proceed(&mut self, then: AfterDiscard, ctx: &egui::Context) {
        match then {
            AfterDiscard::New => {
                let mut model = Model::new("Untitled board");
                model.level = Level::BigPicture;
                self.replace_document(Document::new(model, None));
                self.board.current_kind = ElementKind::Event;
            }
            AfterDiscard::Open => {
                let directory = self
                    .doc
                    .path
                    .as_ref()
                    .and_then(|p| p.parent().map(Path::to_path_buf));
                if let Some(path) = self.dialogs.pick_open(directory.as_deref())
                    && let Err(error) = self.open_path(&path)
                {
                    self.load_error = Some(error);
                }
            }
            AfterDiscard::OpenPath(path) => {
                if let Err(error) = self.open_path(&path) {
                    self.load_error = Some(error);
                }
            }
            AfterDiscard::OpenSample(file) => self.open_sample(file),
            AfterDiscard::Quit => {
                if let Some(recovery) = &self.recovery {
                    recovery.clear();
                }
                self.allow_close = true;
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
        }
    }

    fn selected_ids(&self) -> Vec<ElementId> {
        self.board.selection.elements.iter().cloned().collect()
    }

    /// Applies one command: the one place the model changes and undo is recorded.
    pub fn apply(&mut self, command: Command, ctx: &egui::Context) {
        let read_only = self.run.as_ref().map(|_| {
            "The board is running: press Stop (■) in the run toolbar to edit it.".to_string()
        });
        if let Some(reason) = read_only
            && command_edits_model(&command)
        {
            self.board.toast_at(ctx, reason, None, true);
            return;
        }
        if let Some(comparison) = &mut self.comparison {
            // Side by side, the run keys drive both runs, and the board
            // underneath is hidden: an edit to it would be an edit no one sees.
            match command {
                Command::RunPlay => return comparison.play_pause(),
                Command::RunPause => return comparison.send(&RunnerCommand::Pause),
                Command::RunStep => return comparison.send(&RunnerCommand::Step),
                Command::RunSeek(0) => return comparison.reset(),
                Command::RunStop => {
                    self.comparison = None;
                    return;
                }
                Command::RunStepElement(_)
                | Command::RunUntil(_)
                | Command::RunSeek(_)
                | Command::RunSetSpeed(_)
                | Command::RunSetSeed(_)
                | Command::RunExport(_) => return,
                ref other if command_edits_model(other) => return,
                _ => {}
            }
        }
        match command {
            Command::NewModel => self.guard(AfterDiscard::New, ctx),
            Command::Open => self.guard(AfterDiscard::Open, ctx),
            Command::OpenPath(path) => self.guard(AfterDiscard::OpenPath(path), ctx),
            Command::OpenSample(file) => self.guard(AfterDiscard::OpenSample(file), ctx),
            Command::Save => match self.doc.path.clone() {
                Some(path) => self.save_to(ctx, path),
                None => {
                    self.save_as(ctx);
                }
            },
            Command::SaveAs => {
                self.save_as(ctx);
            }
            Command::Quit => self.guard(AfterDiscard::Quit, ctx),
            Command::Undo => match self.doc.undo() {
                Some(label) => self.set_status(ctx, format!("Undid: {label}")),
                None => self.set_status(ctx, "Nothing to undo"),
            },
            Command::Redo => match self.doc.redo() {
                Some(label) => self.set_status(ctx, format!("Redid: {label}")),
                None => self.set_status(ctx, "Nothing to redo"),
            },
            Command::Copy | Command::Cut => {
                let ids: BTreeSet<ElementId> = self.board.selection.elements.clone();
                if ids.is_empty() {
                    return;
                }
                let fragment = edit::fragment(self.doc.model(), &ids);
                if let Ok(text) = format::to_ron_string(&fragment) {
                    ctx.copy_text(text);
                    self.set_status(ctx, format!("Copied {} stickies as .ron text", ids.len()));
                }
                if command == Command::Cut {
                    self.apply(Command::Delete, ctx);
                }
            }
            Command::Paste(text) => {
                let fragment = match format::from_ron_str(&text) {
                    Ok(fragment) => fragment,
                    Err(error) => {
                        self.board.toast_at(
                            ctx,
                            format!("The clipboard does not hold Stormflow stickies ({error})"),
                            None,
                            true,
                        );
                        return;
                    }
                };
                self.paste(fragment, ctx);
            }
            Command::Duplicate => {
                let ids: BTreeSet<ElementId> = self.board.selection.elements.clone();
                if !ids.is_empty() {
                    let fragment = edit::fragment(self.doc.model(), &ids);
                    self.paste(fragment, ctx);
                }
            }
            Command::Delete => {
                if let Some(key) = self.board.selection.flow.take() {
                    let _ = self
                        .doc
                        .edit("Delete a flow", None, |m| m.disconnect(&key).map(|_| ()));
                    return;
                }
                let ids = self.selected_ids();
                if ids.is_empty() {
                    return;
                }
                let label = plural_label("Delete", ids.len());
                let _ = self.doc.edit(&label, None, |m| {
                    for id in &ids {
                        m.remove_element(id)?;
                    }
                    Ok::<(), stormflow_core::model::EditError>(())
                });
                self.board.selection.clear();
            }
            Command::SelectAll => {
                self.board.selection.elements = self.doc.model().ids().cloned().collect();
                self.board.selection.flow = None;
            }
            Command::Rename => {
                if let [id] = self.selected_ids().as_slice()
                    && let Some(element) = self.doc.model().element(id)
                {
                    let name = element.name.clone();
                    self.board.start_editing(id.clone(), &name, false);
                }
            }
            Command::Create { kind, pivotal, at } => self.create(kind, pivotal, at, ctx),
            Command::CreateNextTo(id) => {
                let id = match &self.renamed {
                    Some((old, new)) if *old == id => new.clone(),
                    _ => id,
                };
                let Some(element) = self.doc.model().element(&id) else {
                    return;
                };
                let size = element.size_or_default();
                let at = Pos {
                    x: element.pos.x + size.w as i32 + 30,
                    y: element.pos.y,
                };
                let (kind, pivotal) = (element.kind, false);
                self.create(kind, pivotal, at, ctx);
            }
            Command::CancelCreate(id) => {
                let gesture = Some(Gesture(format!("create:{id}")));
                let _ = self
                    .doc
                    .edit("Cancel", gesture, |m| m.remove_element(&id).map(|_| ()));
                self.fresh.remove(&id);
                self.board.selection.elements.remove(&id);
            }
            Command::SetName { id, name } => self.set_name(id, name),
            Command::MoveBy { ids, dx, dy } => {
                let label = plural_label("Move", ids.len());
                let _ = self.doc.edit::<(), ()>(&label, None, |m| {
                    for id in &ids {
                        if let Some(element) = m.element_mut(id) {
                            element.pos.x = element.pos.x.saturating_add(dx);
                            element.pos.y = element.pos.y.saturating_add(dy);
                        }
                    }
                    Ok(())
                });
            }
            Command::UpdateElements { elements, gesture } => {
                let label = match elements.as_slice() {
                    [one] => format!("Edit {}", one.name),
                    many => format!("Edit {} elements", many.len()),
                };
                let _ = self.doc.edit::<(), ()>(&label, gesture.map(Gesture), |m| {
                    for element in elements {
                        if let Some(slot) = m.element_mut(&element.id) {
                            *slot = element;
                        }
                    }
                    Ok(())
                });
            }
            Command::Connect { from, to } => self.connect(from, to, ctx),
            Command::UpdateFlow { key, flow } => {
                let result = self.doc.edit("Change a flow", None, |m| {
                    m.disconnect(&key)?;
                    m.connect(flow.clone())
                });
                match result {
                    Ok(()) => self.board.selection.flow = Some(flow.key()),
                    Err(error) => self.board.toast_at(ctx, error.to_string(), None, true),
                }
            }
            Command::ChangeKind(kind) => {
                let ids = self.selected_ids();
                let _ = self.doc.edit(&format!("Make {}", kind.label()), None, |m| {
                    for id in &ids {
                        m.set_kind(id, kind)?;
                    }
                    Ok::<(), stormflow_core::model::EditError>(())
                });
            }
            Command::Align(how) => {
                let ids = self.selected_ids();
                let _ = self.doc.edit::<(), ()>("Align", None, |m| {
                    edit::align(m, &ids, how);
                    Ok(())
                });
            }
            Command::Distribute(axis) => {
                let ids = self.selected_ids();
                let _ = self.doc.edit::<(), ()>("Distribute", None, |m| {
                    edit::distribute(m, &ids, axis);
                    Ok(())
                });
            }
            Command::GroupIntoFrame => {
                let ids = self.selected_ids();
                if ids.is_empty() {
                    self.set_status(ctx, "Select the stickies to group first");
                    return;
                }
                if let Ok(Some(frame)) = self.doc.edit::<_, ()>("Group into a frame", None, |m| {
                    Ok(edit::frame_around(m, &ids, "New context"))
                }) {
                    self.board.selection.only(frame.clone());
                    self.board.start_editing(frame, "New context", false);
                }
            }
            Command::AutoLayout => {
                let _ = self.doc.edit::<(), ()>("Auto-layout", None, |m| {
                    layout::auto_layout(m);
                    Ok(())
                });
                self.board.request_fit(false);
            }
            Command::SetLevel(level) => {
                let _ = self
                    .doc
                    .edit::<(), ()>(&format!("Level: {}", level.label()), None, |m| {
                        m.level = level;
                        Ok(())
                    });
                if !level.offers(self.board.current_kind) {
                    self.board.current_kind = ElementKind::Event;
                    self.board.current_pivotal = false;
                }
            }
            Command::SetModelInfo { name, notes } => {
                let _ = self.doc.edit::<(), ()>(
                    "Edit the board",
                    Some(Gesture("board-info".into())),
                    |m| {
                        m.name = name;
                        m.notes = notes;
                        Ok(())
                    },
                );
            }
            Command::Focus(id) => {
                if self.doc.model().contains(&id) {
                    self.board.selection.only(id.clone());
                    self.board.request_center(id);
                }
            }
            Command::SelectFlow(key) => {
                self.board.selection.clear();
                self.board.selection.flow = Some(key);
            }
            Command::ZoomIn | Command::ZoomOut | Command::ZoomReset => {
                let canvas = self.board.canvas();
                let factor = match command {
                    Command::ZoomIn => 1.25,
                    Command::ZoomOut => 0.8,
                    _ => 1.0 / self.board.view.zoom,
                };
                self.board.view.zoom_around(canvas, canvas.center(), factor);
            }
            Command::ZoomToFit => self.board.request_fit(false),
            Command::ZoomToSelection => self
                .board
                .request_fit(!self.board.selection.elements.is_empty()),
            Command::ToggleSnap => {
                self.board.snap = !self.board.snap;
                self.settings.snap = self.board.snap;
                self.set_status(
                    ctx,
                    if self.board.snap {
                        "Snapping to the grid"
                    } else {
                        "Not snapping"
                    },
                );
            }
            Command::ToggleMinimap => {
                self.board.minimap = !self.board.minimap;
                self.settings.minimap = self.board.minimap;
            }
            Command::ToggleTheme => {
                self.settings.dark = !self.settings.dark;
                ctx.set_theme(if self.settings.dark {
                    egui::Theme::Dark
                } else {
                    egui::Theme::Light
                });
            }
            Command::ToggleLegend => self.show_legend = !self.show_legend,
            Command::ToggleShortcuts => self.show_shortcuts = !self.show_shortcuts,
            Command::OpenCommandPalette => self.palette.show(),
            Command::TogglePanel(panel) => match panel {
                PanelKind::Palette => self.settings.show_palette = !self.settings.show_palette,
                PanelKind::Inspector => {
                    self.settings.show_inspector = !self.settings.show_inspector
                }
                PanelKind::Problems => self.settings.show_problems = !self.settings.show_problems,
            },
            Command::RunPlay => {
                if self.ensure_run()
                    && let Some(run) = &mut self.run
                {
                    if run.running {
                        run.send(RunnerCommand::Pause);
                    } else {
                        run.send(RunnerCommand::SetSpeed(run.speed));
                        run.send(RunnerCommand::Play);
                    }
                }
            }
            Command::RunPause => {
                if let Some(run) = &self.run {
                    run.send(RunnerCommand::Pause);
                }
            }
            Command::RunStep => {
                if self.ensure_run()
                    && let Some(run) = &self.run
                {
                    run.send(RunnerCommand::Step);
                }
            }
            Command::RunStepElement(id) => {
                if self.ensure_run()
                    && let Some(run) = &self.run
                {
                    run.send(RunnerCommand::StepElement(id));
                }
            }
            Command::RunUntil(t) => {
                if self.ensure_run()
                    && let Some(run) = &self.run
                {
                    run.send(RunnerCommand::SetSpeed(run.speed));
                    run.send(RunnerCommand::RunUntil(t));
                }
            }
            Command::RunSeek(t) => {
                if let Some(run) = &self.run {
                    run.send(RunnerCommand::SeekTo(t));
                }
            }
            Command::RunSetSpeed(speed) => {
                if let Some(run) = &mut self.run {
                    run.speed = speed;
                    run.send(RunnerCommand::SetSpeed(speed));
                }
            }
            Command::RunSetSeed(seed) => {
                let tab = self.run.as_ref().map(|r| r.tab);
                if self.start_run(Some(seed))
                    && let (Some(run), Some(tab)) = (&mut self.run, tab)
                {
                    run.tab = tab;
                }
            }
            Command::RunStop => {
                self.run = None;
                self.board.overlay = board::Overlay::default();
            }
            Command::RunExport(format) => {
                let Some(run) = &self.run else { return };
                let (name, extension) = match format {
                    ExportFormat::Chrome => ("trace-perfetto", "json"),
                    ExportFormat::Otlp => ("trace-otlp", "json"),
                    ExportFormat::MetricsJson => ("metrics", "json"),
                    ExportFormat::MetricsCsv => ("metrics", "csv"),
                };
                let stem = ElementId::slug(&self.doc.display_name()).0;
                let directory = self
                    .doc
                    .path
                    .as_ref()
                    .and_then(|p| p.parent().map(Path::to_path_buf));
                if let Some(path) = self
                    .dialogs
                    .pick_save(directory.as_deref(), &format!("{stem}-{name}.{extension}"))
                {
                    run.send(RunnerCommand::Export { path, format });
                }
            }
            Command::InjectFault(fault) => {
                if let Some(run) = &mut self.run {
                    run.model.faults.push(fault.clone());
                    run.send(RunnerCommand::Inject(fault.clone()));
                }
                // Recorded in the model's schedule, so the run can be repeated.
                let label = format!(
                    "Schedule {} on {}",
                    RunView::fault_label(&fault.kind),
                    fault.element
                );
                let _ = self.doc.edit::<(), ()>(&label, None, |m| {
                    m.faults.push(fault);
                    m.faults.sort_by_key(|f| f.at_us);
                    Ok(())
                });
            }
            Command::SelectMessage(id) => {
                if let Some(run) = &mut self.run {
                    run.selected = Some(id);
                    run.tab = crate::run::DockTab::Trace;
                    run.scroll_to_selected = true;
                }
            }
            Command::TourGo(step) => {
                self.tour_step = step.min(self.doc.model().tour.len().saturating_sub(1));
                let element = self
                    .doc
                    .model()
                    .tour
                    .get(self.tour_step)
                    .and_then(|t| t.element.clone());
                if let Some(id) = element {
                    self.board.request_center(id);
                }
            }
            Command::OpenComparison(left, right) => {
                let resolve =
                    |app: &mut Self, source: ComparisonSource| -> Result<(String, Model), String> {
                        match source {
                            ComparisonSource::Sample(file) => {
                                let sample = crate::samples::sample(file)
                                    .ok_or_else(|| format!("no sample {file}"))?;
                                let model =
                                    format::from_ron_str(sample.text).map_err(|e| e.to_string())?;
                                Ok((file.to_string(), model))
                            }
                            ComparisonSource::Path(path) => {
                                let model = format::load(&path).map_err(|e| e.to_string())?;
                                let name = path.file_name().map_or_else(
                                    || path.display().to_string(),
                                    |n| n.to_string_lossy().into_owned(),
                                );
                                Ok((name, model))
                            }
                            ComparisonSource::Current => {
                                let name = app
                                    .doc
                                    .path
                                    .as_ref()
                                    .and_then(|p| p.file_name())
                                    .map_or_else(
                                        || app.doc.display_name(),
                                        |n| n.to_string_lossy().into_owned(),
                                    );
                                Ok((name, app.doc.model().clone()))
                            }
                        }
                    };
                let opened = resolve(self, left).and_then(|a| {
                    let b = resolve(self, right)?;
                    let seed = a.1.run.seed;
                    ComparisonView::open(a, b, seed)
                });
                match opened {
                    Ok(view) => {
                        self.run = None;
                        self.comparison = Some(view);
                    }
                    Err(error) => {
                        self.load_error = Some(format!("The boards cannot be compared:\n\n{error}"))
                    }
                }
            }
            Command::CloseComparison => self.comparison = None,
            Command::SetCurrentKind { kind, pivotal } => {
                self.board.current_kind = kind;
                self.board.current_pivotal = pivotal;
            }
        }
    }

    fn create(&mut self, kind: ElementKind, pivotal: bool, at: Pos, ctx: &egui::Context) {
        let id = self.doc.model().fresh_id(kind.label(), kind);
        let mut element = Element::new(id.0.clone(), kind, "", at);
        element.pivotal = pivotal && kind == ElementKind::Event;
        let gesture = Some(Gesture(format!("create:{id}")));
        match self
            .doc
            .edit(&format!("Add a {}", kind.label()), gesture, |m| {
                m.add_element(element)
            }) {
            Ok(()) => {
                self.fresh.insert(id.clone());
                self.board.selection.only(id.clone());
                self.board.start_editing(id, "", true);
            }
            Err(error) => self.board.toast_at(ctx, error.to_string(), None, true),
        }
    }

    fn set_name(&mut self, id: ElementId, name: String) {
        if self.fresh.remove(&id) {
            // A sticky created a moment ago takes its id from its name, in
            // the same undo step as its creation.
            let gesture = Some(Gesture(format!("create:{id}")));
            let new_id = {
                let model = self.doc.model();
                let candidate = ElementId::slug(&name);
                if candidate.0.is_empty() || (model.contains(&candidate) && candidate != id) {
                    model.fresh_id(
                        &name,
                        model.element(&id).map_or(ElementKind::Event, |e| e.kind),
                    )
                } else {
                    candidate
                }
            };
            let result = self.doc.edit(&format!("Add {name}"), gesture, |m| {
                let (mut element, flows) = m.remove_element(&id)?;
                element.id = new_id.clone();
                element.name = name.clone();
                m.add_element(element)?;
                for mut flow in flows {
                    if flow.from == id {
                        flow.from = new_id.clone();
                    }
                    if flow.to == id {
                        flow.to = new_id.clone();
                    }
                    m.insert_flow_unchecked(flow)?;
                }
                Ok::<(), stormflow_core::model::EditError>(())
            });
            if result.is_ok() {
                self.board.selection.only(new_id.clone());
                self.renamed = Some((id, new_id));
            }
            self.doc.end_gesture();
        } else {
            let _ = self
                .doc
                .edit::<(), ()>(&format!("Rename to {name}"), None, |m| {
                    if let Some(element) = m.element_mut(&id) {
                        element.name = name;
                    }
                    Ok(())
                });
        }
    }

    fn connect(&mut self, from: ElementId, to: ElementId, ctx: &egui::Context) {
        let model = self.doc.model();
        let (Some(a), Some(b)) = (model.element(&from), model.element(&to)) else {
            return;
        };
        let kind = match infer_flow(a.kind, b.kind) {
            Ok(kind) => kind,
            Err(reason) => {
                self.board.toast_at(ctx, reason, None, true);
                return;
            }
        };
        let label = format!("Connect {} {} {}", a.name, kind.label(), b.name);
        let flow = stormflow_core::Flow::new(from.0.clone(), to.0.clone(), kind);
        match self.doc.edit(&label, None, |m| m.connect(flow.clone())) {
            Ok(()) => {
                self.board.selection.clear();
                self.board.selection.flow = Some(flow.key());
                self.board.toast_at(
                    ctx,
                    format!("{} → {}", kind.label(), b_name(self.doc.model(), &to)),
                    None,
                    false,
                );
            }
            Err(error) => self.board.toast_at(ctx, error.to_string(), None, true),
        }
    }

    fn paste(&mut self, fragment: Model, ctx: &egui::Context) {
        let offset = (40, 40);
        match self
            .doc
            .edit("Paste", None, |m| edit::paste(m, &fragment, offset))
        {
            Ok(ids) => {
                self.set_status(ctx, format!("Pasted {} stickies", ids.len()));
                self.board.selection.clear();
                self.board.selection.elements = ids.into_iter().collect();
            }
            Err(error) => self.board.toast_at(ctx, error.to_string(), None, true),
        }
    }

    /// Keyboard shortcuts, clipboard events and dropped files.
    fn input(&mut self, ctx: &egui::Context) -> Vec<Command> {
        let mut commands = Vec::new();
        let typing =
            ctx.egui_wants_keyboard_input() || self.board.editing.is_some() || self.palette.open;
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
                self.board.selection.clear();
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
        } else if self.board.editing.is_none() && !self.palette.open {
            // Save works even from a text field.
            for action in ACTIONS.iter().filter(|a| a.name.starts_with("Save")) {
                for shortcut in action.shortcuts {
                    if ctx.input_mut(|i| i.consume_shortcut(shortcut)) {
                        commands.push((action.command)());
                    }
                }
            }
        }
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .collect()
        });
        if let Some(path) = dropped
            .into_iter()
            .find(|p| p.extension().is_some_and(|e| e == "ron"))
        {
            commands.push(Command::OpenPath(path));
        }
        commands
    }

    fn menu_bar(&mut self, ui: &mut egui::Ui) -> Vec<Command> {
        let mut commands = Vec::new();
        let send =
            |commands: &mut Vec<Command>, ui: &mut egui::Ui, label: &str, command: Command| {
                let shortcut = ACTIONS
                    .iter()
                    .find(|a| (a.command)() == command)
                    .and_then(|a| a.shortcuts.first())
                    .map(crate::command::shortcut_text);
                let button = match shortcut {
                    Some(keys) => egui::Button::new(label).shortcut_text(keys),
                    None => egui::Button::new(label),
                };
                if ui.add(button).clicked() {
                    commands.push(command);
                    ui.close();
                }
            };
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| {
                send(&mut commands, ui, "New board", Command::NewModel);
                send(&mut commands, ui, "Open…", Command::Open);
                ui.menu_button("Open recent", |ui| {
                    if self.settings.recent.is_empty() {
                        ui.label(RichText::new("No recent files").weak());
                    }
                    for path in self.settings.recent.clone() {
                        let exists = path.exists();
                        if ui
                            .add_enabled(exists, egui::Button::new(path.display().to_string()))
                            .clicked()
                        {
                            commands.push(Command::OpenPath(path));
                            ui.close();
                        }
                    }
                });
                ui.menu_button("Open sample", |ui| {
                    for sample in SAMPLES {
                        send(
                            &mut commands,
                            ui,
                            sample.title,
                            Command::OpenSample(sample.file),
                        );
                    }
                });
                ui.menu_button("Compare side by side", |ui| {
                    let (a, b) = crate::samples::PURCHASE_PAIR;
                    if ui
                        .button("Purchase: event-command vs event-first")
                        .clicked()
                    {
                        commands.push(Command::OpenComparison(
                            ComparisonSource::Sample(a),
                            ComparisonSource::Sample(b),
                        ));
                        ui.close();
                    }
                    if ui.button("This board with a file…").clicked() {
                        let directory = self
                            .doc
                            .path
                            .as_ref()
                            .and_then(|p| p.parent().map(Path::to_path_buf));
                        if let Some(path) = self.dialogs.pick_open(directory.as_deref()) {
                            commands.push(Command::OpenComparison(
                                ComparisonSource::Current,
                                ComparisonSource::Path(path),
                            ));
                        }
                        ui.close();
                    }
                });
                ui.separator();
                send(&mut commands, ui, "Save", Command::Save);
                send(&mut commands, ui, "Save as…", Command::SaveAs);
                ui.separator();
                send(&mut commands, ui, "Quit", Command::Quit);
            });
            ui.menu_button("Edit", |ui| {
                let undo = self
                    .doc
                    .undo_label()
                    .map_or("Undo".to_string(), |l| format!("Undo {l}"));
                let redo = self
                    .doc
                    .redo_label()
                    .map_or("Redo".to_string(), |l| format!("Redo {l}"));
                send(&mut commands, ui, &undo, Command::Undo);
                send(&mut commands, ui, &redo, Command::Redo);
                ui.separator();
                send(&mut commands, ui, "Cut", Command::Cut);
                send(&mut commands, ui, "Copy", Command::Copy);
                if ui
                    .add(egui::Button::new("Paste").shortcut_text("Ctrl+V"))
                    .clicked()
                {
                    ui.ctx()
                        .send_viewport_cmd(egui::ViewportCommand::RequestPaste);
                    ui.close();
                }
                send(&mut commands, ui, "Duplicate", Command::Duplicate);
                send(&mut commands, ui, "Delete", Command::Delete);
                ui.separator();
                send(&mut commands, ui, "Select all", Command::SelectAll);
                send(&mut commands, ui, "Rename", Command::Rename);
                ui.menu_button("Change kind to", |ui| {
                    for kind in ElementKind::ALL {
                        send(&mut commands, ui, kind.label(), Command::ChangeKind(kind));
                    }
                });
            });
            ui.menu_button("Arrange", |ui| {
                for action in ACTIONS.iter().filter(|a| a.group == "Arrange") {
                    send(&mut commands, ui, action.name, (action.command)());
                }
                ui.label(
                    RichText::new(if self.board.snap {
                        "snapping is on"
                    } else {
                        "snapping is off"
                    })
                    .small()
                    .weak(),
                );
            });
            ui.menu_button("View", |ui| {
                for action in ACTIONS.iter().filter(|a| a.group == "View") {
                    send(&mut commands, ui, action.name, (action.command)());
                }
            });
            ui.menu_button("Run", |ui| {
                for action in ACTIONS.iter().filter(|a| a.group == "Run") {
                    send(&mut commands, ui, action.name, (action.command)());
                }
                ui.separator();
                let running = self.run.is_some();
                for (label, format) in [
                    ("Export trace for Perfetto…", ExportFormat::Chrome),
                    ("Export trace for Jaeger (OTLP)…", ExportFormat::Otlp),
                    ("Export metrics as CSV…", ExportFormat::MetricsCsv),
                    ("Export metrics as JSON…", ExportFormat::MetricsJson),
                ] {
                    if ui.add_enabled(running, egui::Button::new(label)).clicked() {
                        commands.push(Command::RunExport(format));
                        ui.close();
                    }
                }
            });
            ui.menu_button("Board", |ui| {
                for action in ACTIONS.iter().filter(|a| a.group == "Board") {
                    send(&mut commands, ui, action.name, (action.command)());
                }
            });
            ui.menu_button("Help", |ui| {
                send(
                    &mut commands,
                    ui,
                    "Keyboard shortcuts",
                    Command::ToggleShortcuts,
                );
                send(&mut commands, ui, "Legend", Command::ToggleLegend);
                send(
                    &mut commands,
                    ui,
                    "Command palette",
                    Command::OpenCommandPalette,
                );
            });
        });
        commands
    }

    fn status_bar(&mut self, ui: &mut egui::Ui) {
        let problems = self.doc.cached_problems();
        let errors = problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .count();
        let warnings = problems
            .iter()
            .filter(|p| p.severity == Severity::Warning)
            .count();
        ui.horizontal(|ui| {
            ui.label(format!("zoom {:.0}%", self.board.view.zoom * 100.0));
            ui.separator();
            let selected = self.board.selection.elements.len()
                + usize::from(self.board.selection.flow.is_some());
            ui.label(format!("{selected} selected"));
            ui.separator();
            ui.colored_label(
                if errors > 0 {
                    severity_color(Severity::Error)
                } else {
                    ui.visuals().text_color()
                },
                format!("{errors} errors"),
            );
            ui.colored_label(
                if warnings > 0 {
                    severity_color(Severity::Warning)
                } else {
                    ui.visuals().text_color()
                },
                format!("{warnings} warnings"),
            );
            ui.separator();
            let current = if self.board.current_pivotal {
                "pivotal event".to_string()
            } else {
                self.board.current_kind.label().to_string()
            };
            ui.label(format!("double-click adds: {current}"));
            ui.separator();
            ui.label(format!(
                "{} · {}",
                self.doc.model().level.label(),
                if self.doc.is_dirty() {
                    "unsaved"
                } else {
                    "saved"
                }
            ));
            if let Some((text, at)) = &self.status
                && ui.input(|i| i.time) - at < 6.0
            {
                ui.separator();
                ui.label(text);
            }
        });
    }

    fn modals(&mut self, ctx: &egui::Context) -> Vec<Command> {
        let commands = Vec::new();
        if let Some(then) = self.confirm_discard.clone() {
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
                Some(0) => {
                    self.confirm_discard = None;
                    let saved = match self.doc.path.clone() {
                        Some(path) => {
                            self.save_to(ctx, path);
                            !self.doc.is_dirty()
                        }
                        None => self.save_as(ctx),
                    };
                    if saved {
                        self.proceed(then, ctx);
                    }
                }
                Some(1) => {
                    self.confirm_discard = None;
                    if let Some(recovery) = &self.recovery {
                        recovery.clear();
                    }
                    self.proceed(then, ctx);
                }
                Some(_) => self.confirm_discard = None,
                None => {}
            }
        }
        if let Some(error) = self.load_error.clone() {
            let mut close = false;
            egui::Modal::new(egui::Id::unique("load-error")).show(ctx, |ui| {
                ui.set_max_width(560.0);
                ui.heading("The file could not be opened");
                ui.label(RichText::new(&error).monospace());
                ui.label("The board that was open is still open; nothing was changed.");
                if ui.button("OK").clicked() {
                    close = true;
                }
            });
            if close {
                self.load_error = None;
            }
        }
        if let Some(recovered) = &self.recovery_offer {
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
                    let Some(recovered) = self.recovery_offer.take() else {
                        return commands;
                    };
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
                    self.recovery_offer = None;
                    if let Some(recovery) = &self.recovery {
                        recovery.clear();
                    }
                }
                None => {}
            }
        }
        commands
    }

    fn autosave(&mut self, ctx: &egui::Context) {
        let Some(recovery) = &self.recovery else {
            return;
        };
        if !self.doc.is_dirty() || self.recovery_offer.is_some() {
            return;
        }
        let now = ctx.input(|i| i.time);
        let revision = self.doc.revision();
        let due = match self.last_autosave {
            None => {
                self.last_autosave = Some((now, u64::MAX));
                false
            }
            Some((at, saved_revision)) => {
                now - at >= AUTOSAVE_SECONDS && saved_revision != revision
            }
        };
        if due {
            match recovery.write(self.doc.model(), self.doc.path.as_deref()) {
                Ok(()) => self.set_status(ctx, "Autosaved unsaved work"),
                Err(error) => self.set_status(ctx, format!("Autosave failed: {error:#}")),
            }
            self.last_autosave = Some((now, revision));
        }
        ctx.request_repaint_after(std::time::Duration::from_secs(5));
    }

    fn context_menu(&mut self, response: &egui::Response) -> Vec<Command> {
        let mut commands = Vec::new();
        let target = self.board.take_context_target();
        if let Some(target) = target {
            response.ctx.memory_mut(|m| {
                m.data.insert_temp(
                    egui::Id::unique("board-context-target"),
                    ContextTarget(target),
                )
            });
        }
        response.context_menu(|ui| {
            let target = ui
                .ctx()
                .memory(|m| {
                    m.data
                        .get_temp::<ContextTarget>(egui::Id::unique("board-context-target"))
                })
                .map(|t| t.0);
            if let (Some(run), Some(Hit::Element(id) | Hit::Handle(id))) = (&mut self.run, &target)
            {
                commands.extend(fault_menu(ui, run, id, self.doc.model()));
                return;
            }
            match target {
                Some(Hit::Element(_)) | Some(Hit::Handle(_)) => {
                    for (label, command) in [
                        ("Rename", Command::Rename),
                        ("Duplicate", Command::Duplicate),
                        ("Cut", Command::Cut),
                        ("Copy", Command::Copy),
                        ("Delete", Command::Delete),
                        ("Group into a frame", Command::GroupIntoFrame),
                        ("Zoom to selection", Command::ZoomToSelection),
                    ] {
                        if ui.button(label).clicked() {
                            commands.push(command);
                            ui.close();
                        }
                    }
                    ui.menu_button("Change kind to", |ui| {
                        for kind in ElementKind::ALL {
                            if ui.button(kind.label()).clicked() {
                                commands.push(Command::ChangeKind(kind));
                                ui.close();
                            }
                        }
                    });
                }
                Some(Hit::Flow(_)) => {
                    if ui.button("Delete the flow").clicked() {
                        commands.push(Command::Delete);
                        ui.close();
                    }
                }
                _ => {
                    if ui.button("Paste").clicked() {
                        ui.ctx()
                            .send_viewport_cmd(egui::ViewportCommand::RequestPaste);
                        ui.close();
                    }
                    if ui.button("Select all").clicked() {
                        commands.push(Command::SelectAll);
                        ui.close();
                    }
                    if ui.button("Zoom to fit").clicked() {
                        commands.push(Command::ZoomToFit);
                        ui.close();
                    }
                    if ui.button("Auto-layout").clicked() {
                        commands.push(Command::AutoLayout);
                        ui.close();
                    }
                }
            }
        });
        commands
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
            self.confirm_discard = Some(AfterDiscard::Quit);
        }
        if self.problems_revision != Some(self.doc.revision()) {
            let counts = problem_counts(self.doc.problems());
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

        egui::Panel::top("menu").show(ui, |ui| {
            commands.extend(self.menu_bar(ui));
        });
        egui::Panel::bottom("status").show(ui, |ui| self.status_bar(ui));
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
            egui::Panel::bottom("run-dock")
                .resizable(true)
                .default_size(270.0)
                .show(ui, |ui| {
                    commands.extend(crate::run::dock::dock_ui(ui, run));
                });
            egui::Panel::bottom("run-timeline").show(ui, |ui| {
                commands.extend(crate::run::dock::timeline_ui(ui, run));
            });
        }
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
        if self.settings.show_problems && self.run.is_none() {
            egui::Panel::bottom("problems")
                .resizable(true)
                .default_size(130.0)
                .show(ui, |ui| {
                    commands.extend(problems_ui(
                        ui,
                        self.doc.cached_problems(),
                        &mut self.problem_filter,
                    ));
                });
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
        if let Some(command) = self.palette.ui(&ctx, &self.settings.recent) {
            commands.push(command);
        }
        commands.extend(self.modals(&ctx));
        for command in commands {
            self.apply(command, &ctx);
        }
        self.autosave(&ctx);
        let ready = match (self.screenshot_run_until, &self.run) {
            (Some(until), Some(run)) => !run.running && run.now() >= until,
            (Some(_), None) => true,
            _ => true,
        };
        if let Some(job) = &mut self.screenshot {
            job.tick(&ctx, ready);
        }
    }
}

#[derive(Clone)]
struct ContextTarget(Hit);

fn b_name(model: &Model, id: &ElementId) -> String {
    model
        .element(id)
        .map_or_else(|| id.to_string(), |e| e.name.clone())
}

fn plural_label(verb: &str, n: usize) -> String {
    if n == 1 {
        format!("{verb} a sticky")
    } else {
        format!("{verb} {n} stickies")
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

/// Whether a command changes the model (refused while a run is shown).
pub fn command_edits_model(command: &Command) -> bool {
    matches!(
        command,
        Command::Cut
            | Command::Paste(_)
            | Command::Duplicate
            | Command::Delete
            | Command::Rename
            | Command::Create { .. }
            | Command::CreateNextTo(_)
            | Command::SetName { .. }
            | Command::MoveBy { .. }
            | Command::UpdateElements { .. }
            | Command::Connect { .. }
            | Command::UpdateFlow { .. }
            | Command::ChangeKind(_)
            | Command::Align(_)
            | Command::Distribute(_)
            | Command::GroupIntoFrame
            | Command::AutoLayout
            | Command::SetLevel(_)
            | Command::SetModelInfo { .. }
            | Command::Undo
            | Command::Redo
    )
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

/// The run-time menu of an element: faults and load changes, scheduled now.
fn fault_menu(ui: &mut egui::Ui, run: &mut RunView, id: &ElementId, model: &Model) -> Vec<Command> {
    use stormflow_core::model::{Fault, FaultKind};
    let mut commands = Vec::new();
    let Some(element) = model.element(id) else {
        return commands;
    };
    ui.label(
        RichText::new(format!(
            "{} at {}",
            element.name,
            stormflow_core::units::format_duration_us(run.now())
        ))
        .strong(),
    );
    let now = run.now();
    let for_us = (run.fault_seconds * 1_000_000.0) as u64;
    ui.add(
        egui::DragValue::new(&mut run.fault_seconds)
            .range(0.1..=3_600.0)
            .speed(0.5)
            .prefix("for ")
            .suffix(" s"),
    );
    let fault = |kind: FaultKind| {
        Command::InjectFault(Fault {
            element: id.clone(),
            at_us: now,
            kind,
        })
    };
    if element.kind.is_service() {
        if ui
            .button(format!("Take down for {:.1} s", run.fault_seconds))
            .clicked()
        {
            commands.push(fault(FaultKind::Down { for_us }));
            ui.close();
        }
        ui.horizontal(|ui| {
            ui.add(
                egui::DragValue::new(&mut run.slow_factor)
                    .range(2..=1000)
                    .prefix("×"),
            );
            if ui.button("Slow down").clicked() {
                commands.push(fault(FaultKind::Slow {
                    factor: run.slow_factor,
                    for_us,
                }));
                ui.close();
            }
        });
        ui.horizontal(|ui| {
            ui.add(
                egui::DragValue::new(&mut run.failing_percent)
                    .range(1.0..=100.0)
                    .suffix(" %"),
            );
            if ui.button("Make it fail").clicked() {
                commands.push(fault(FaultKind::Failing {
                    rate: run.failing_percent / 100.0,
                    for_us,
                }));
                ui.close();
            }
        });
    }
    if let Some(workload) = &element.workload {
        let mut rate = workload.arrival.mean_per_sec();
        ui.horizontal(|ui| {
            ui.add(
                egui::DragValue::new(&mut rate)
                    .range(0.01..=1_000_000.0)
                    .speed(1.0)
                    .suffix(" /s"),
            );
            if ui.button("Set the workload rate").clicked() {
                commands.push(fault(FaultKind::Rate { per_sec: rate }));
                ui.close();
            }
        });
    }
    if element.kind == ElementKind::ReadModel
        && ui
            .button("Replay: rebuild the view from its topics")
            .clicked()
    {
        commands.push(fault(FaultKind::Replay));
        ui.close();
    }
    if ui.button("Step until its next message").clicked() {
        commands.push(Command::RunStepElement(id.clone()));
        ui.close();
    }
    commands
}
