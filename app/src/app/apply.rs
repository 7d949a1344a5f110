//! Applying commands: the one place the model changes and undo is recorded.
//!
//! Long because it is one match over every `Command` (each arm short), and
//! that match is where a new command goes; `command_edits_model` beside it
//! is exhaustive so a new command must say whether it edits the board.

use std::collections::BTreeSet;

use stormflow_core::model::{Element, ElementId, ElementKind, Model, Pos, infer_flow};
use stormflow_core::{edit, format, layout};

use super::{AfterDiscard, Modal, StormflowApp};
use crate::board;
use crate::command::{Command, ComparisonSource, PanelKind};
use crate::comparison::ComparisonView;
use crate::document::Gesture;
use crate::error::AppError;
use crate::panels::whatif::WhatIf;
use crate::run::RunView;
use crate::run::live::LiveFeed;
use crate::run::runner::RunnerCommand;

/// How many passes after Edit → Paste a topology the clipboard's answer is
/// still taken as a topology.
const PASTE_ANSWER_PASSES: u64 = 5;

impl StormflowApp {
    /// Applies one command: the one place the model changes and undo is recorded.
    pub fn apply(&mut self, command: Command, ctx: &egui::Context) {
        if let Some(run) = &self.run
            && command_edits_model(&command)
        {
            let why = match run.live_feed() {
                None => "The board is running: press Stop (■) in the run toolbar to edit it.",
                Some(_) => {
                    "The board is running on NATS: press Stop (■), then Close, in the run \
                     toolbar to edit it."
                }
            };
            self.report(AppError::Edit(why.into()));
            return;
        }
        if self.comparison.is_some() && self.apply_to_comparison(&command) {
            return;
        }
        match command {
            Command::NewModel => self.guard(AfterDiscard::New, ctx),
            Command::Open => self.guard(AfterDiscard::Open, ctx),
            Command::OpenPath(path) => self.guard(AfterDiscard::OpenPath(path), ctx),
            Command::OpenSample(file) => self.guard(AfterDiscard::OpenSample(file), ctx),
            Command::Save => self.save(ctx, None),
            Command::SaveAs => self.save_as(ctx, None),
            Command::Quit => self.guard(AfterDiscard::Quit, ctx),
            Command::Import => self.ask_import(false, false, ctx),
            Command::ImportFolder => self.ask_import(true, false, ctx),
            Command::ImportInto => self.ask_import(false, true, ctx),
            Command::ImportPath(path) => self.guard(AfterDiscard::ImportPath(path), ctx),
            Command::PasteTopology => {
                self.paste_is_topology = Some(ctx.cumulative_pass_nr());
                ctx.send_viewport_cmd(egui::ViewportCommand::RequestPaste);
            }
            Command::ImportText(text) => self.guard(AfterDiscard::ImportText(text), ctx),
            Command::Export(request) => self.ask_export(request, ctx),
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
                    self.set_status(
                        ctx,
                        format!("Copied {} as .ron text", sticky_count(ids.len())),
                    );
                }
                if command == Command::Cut {
                    self.apply(Command::Delete, ctx);
                }
            }
            Command::Paste(text) => self.paste_text(text, ctx),
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
            Command::Create { kind, pivotal, at } => self.create(kind, pivotal, at),
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
                let kind = element.kind;
                self.create(kind, false, at);
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
                    Err(error) => self.report(AppError::Edit(error.to_string())),
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
            Command::TogglePanel(panel) => self.toggle_panel(panel),
            Command::TogglePresentation => {
                self.presenting = !self.presenting;
                ctx.send_viewport_cmd(egui::ViewportCommand::Fullscreen(self.presenting));
                self.board.request_fit(false);
                if self.presenting {
                    self.set_status(ctx, "Presentation mode: F11 or Escape to leave");
                }
            }
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
                if let Some(run) = &mut self.run {
                    run.send(RunnerCommand::Pause);
                }
            }
            Command::RunStep => {
                if self.ensure_run()
                    && let Some(run) = &mut self.run
                {
                    run.send(RunnerCommand::Step);
                }
            }
            Command::RunStepElement(id) => {
                if self.ensure_run()
                    && let Some(run) = &mut self.run
                {
                    run.send(RunnerCommand::StepElement(id));
                }
            }
            Command::RunUntil(t) => {
                if self.ensure_run()
                    && let Some(run) = &mut self.run
                {
                    let speed = run.speed;
                    run.send(RunnerCommand::SetSpeed(speed));
                    run.send(RunnerCommand::RunUntil(t));
                }
            }
            Command::RunSeek(t) => {
                if let Some(run) = &mut self.run {
                    run.send(RunnerCommand::SeekTo(t));
                }
            }
            Command::RunSetSpeed(speed) => {
                if let Some(run) = &mut self.run {
                    run.speed = speed;
                    run.send(RunnerCommand::SetSpeed(speed));
                }
            }
            Command::RunSetSeed(_)
                if self.run.as_ref().is_some_and(|r| r.live_feed().is_some()) =>
            {
                if let Some(run) = &mut self.run {
                    run.notice = Some("A run on NATS keeps the seed it started with".into());
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
            Command::RunStop
                if self
                    .run
                    .as_ref()
                    .and_then(RunView::live_feed)
                    .is_some_and(LiveFeed::running) =>
            {
                // A run on NATS ends first (what is in flight finishes and
                // the report comes); Close then leaves it.
                if let Some(feed) = self.run.as_ref().and_then(RunView::live_feed) {
                    feed.stop();
                }
            }
            Command::RunStop => {
                self.run = None;
                self.board.overlay = board::Overlay::default();
            }
            Command::RunExport(format) => self.ask_run_export(format, ctx),
            Command::InjectFault(fault) => {
                // The run's, not the file's: the board is not edited.
                if let Some(run) = &mut self.run {
                    run.model.faults.push(fault.clone());
                    run.send(RunnerCommand::Inject(fault));
                }
            }
            Command::KeepRunFaults => self.keep_run_faults(ctx),
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
            Command::OpenComparison(left, right) => self.open_comparison(left, right),
            Command::CompareWithFile => self.pick_open(
                crate::files::FileKind::Board,
                super::modals::FilePurpose::CompareWith,
                ctx,
            ),
            Command::CloseComparison => self.comparison = None,
            Command::TakeDownInBoth(_) => {}
            Command::OpenWhatIf => {
                let ids = self.selected_ids();
                self.whatif = Some(WhatIf::new(self.doc.model(), &ids));
            }
            Command::OpenVariant(index) => {
                let variant = self
                    .whatif
                    .as_ref()
                    .and_then(|w| w.variant_model(self.doc.model(), index));
                if let Some((model, label)) = variant {
                    self.guard(AfterDiscard::OpenModel(Box::new(model), label), ctx);
                }
            }
            Command::OpenLiveDialog => self.modal = Some(Modal::live()),
            Command::SetCurrentKind { kind, pivotal } => {
                self.board.current_kind = kind;
                self.board.current_pivotal = pivotal;
            }
        }
    }

    /// Side by side, the run keys drive both runs, and the board underneath
    /// is hidden: an edit to it would be an edit no one sees. Returns
    /// whether the comparison took the command.
    fn apply_to_comparison(&mut self, command: &Command) -> bool {
        let Some(comparison) = &mut self.comparison else {
            return false;
        };
        match command {
            Command::RunPlay => comparison.play_pause(),
            Command::RunPause => comparison.send(&RunnerCommand::Pause),
            Command::RunStep => comparison.send(&RunnerCommand::Step),
            Command::RunSeek(0) => comparison.reset(),
            Command::RunSetSpeed(speed) => comparison.set_speed(*speed),
            Command::TakeDownInBoth(id) => comparison.take_down(id),
            Command::RunStop | Command::CloseComparison => self.comparison = None,
            Command::RunStepElement(_)
            | Command::RunUntil(_)
            | Command::RunSeek(_)
            | Command::RunSetSeed(_)
            | Command::RunExport(_)
            | Command::InjectFault(_)
            | Command::KeepRunFaults => {}
            other if command_edits_model(other) => {}
            _ => return false,
        }
        true
    }

    /// Ctrl+9 and the View menu: a hidden Problems panel opens with the
    /// keyboard focus; an open one takes the focus; a focused one hides.
    fn toggle_panel(&mut self, panel: PanelKind) {
        match panel {
            PanelKind::Palette => self.settings.show_palette = !self.settings.show_palette,
            PanelKind::Inspector => self.settings.show_inspector = !self.settings.show_inspector,
            PanelKind::Problems => {
                if !self.settings.show_problems {
                    self.settings.show_problems = true;
                    self.focus_problems = true;
                } else if self.problems_focused {
                    self.settings.show_problems = false;
                } else {
                    self.focus_problems = true;
                }
            }
        }
    }

    fn open_comparison(&mut self, left: ComparisonSource, right: ComparisonSource) {
        let resolve =
            |app: &mut Self, source: ComparisonSource| -> Result<(String, Model), String> {
                match source {
                    ComparisonSource::Sample(file) => {
                        let sample = crate::samples::sample(file)
                            .ok_or_else(|| format!("no sample {file}"))?;
                        let model = format::from_ron_str(sample.text).map_err(|e| e.to_string())?;
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
            Err(error) => self.report(AppError::Compare(error)),
        }
    }

    /// Keeps the faults taken during this run in the board's schedule.
    fn keep_run_faults(&mut self, ctx: &egui::Context) {
        let Some(run) = &self.run else {
            self.set_status(ctx, "Start a run and take an element down first");
            return;
        };
        let new: Vec<_> = run
            .model
            .faults
            .iter()
            .filter(|f| !self.doc.model().faults.contains(f))
            .cloned()
            .collect();
        if new.is_empty() {
            self.set_status(
                ctx,
                "This run has no faults the board does not already have",
            );
            return;
        }
        let label = format!(
            "Keep {} in the board",
            stormflow_core::text::plural(new.len(), "fault")
        );
        // The board is read-only while it runs; this one edit is allowed
        // because it only adds the run's own schedule to the file.
        let _ = self.doc.edit::<(), ()>(&label, None, |m| {
            m.faults.extend(new);
            m.faults.sort_by_key(|f| f.at_us);
            Ok(())
        });
        self.set_status(ctx, label);
    }

    fn create(&mut self, kind: ElementKind, pivotal: bool, at: Pos) {
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
            Err(error) => self.report(AppError::Edit(error.to_string())),
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
            // The checks see the named sticky now.
            self.problems_revision = None;
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
                self.report(AppError::Edit(reason));
                return;
            }
        };
        let label = format!("Connect {} {} {}", a.name, kind.label(), b.name);
        let target = b.name.clone();
        let flow = stormflow_core::Flow::new(from.0.clone(), to.0.clone(), kind);
        match self.doc.edit(&label, None, |m| m.connect(flow.clone())) {
            Ok(()) => {
                self.board.selection.clear();
                self.board.selection.flow = Some(flow.key());
                self.board
                    .toast_at(ctx, format!("{} → {target}", kind.label()), None, false);
            }
            Err(error) => self.report(AppError::Edit(error.to_string())),
        }
    }

    /// A paste: stickies copied as `.ron`; else, text to import (a Kafka
    /// Streams topology or an AsyncAPI document) as a new board.
    fn paste_text(&mut self, text: String, ctx: &egui::Context) {
        let as_topology = self
            .paste_is_topology
            .take()
            .is_some_and(|asked| ctx.cumulative_pass_nr() <= asked + PASTE_ANSWER_PASSES);
        if !as_topology && let Ok(fragment) = format::from_ron_str(&text) {
            self.paste(fragment, ctx);
            return;
        }
        match stormflow_core::import::import_text(
            &text,
            "the clipboard",
            stormflow_core::import::ImportFormat::Auto,
        ) {
            Ok(_) => self.apply(Command::ImportText(text), ctx),
            Err(error) if as_topology => self.report(AppError::Import(format!(
                "The clipboard does not hold a Kafka Streams topology or an AsyncAPI document:\n{error}"
            ))),
            Err(_) => self.report(AppError::Edit(
                "The clipboard holds neither Stormflow stickies nor a topology or AsyncAPI document"
                    .into(),
            )),
        }
    }

    fn paste(&mut self, fragment: Model, ctx: &egui::Context) {
        let offset = (40, 40);
        match self
            .doc
            .edit("Paste", None, |m| edit::paste(m, &fragment, offset))
        {
            Ok(ids) => {
                self.set_status(ctx, format!("Pasted {}", sticky_count(ids.len())));
                self.board.selection.clear();
                self.board.selection.elements = ids.into_iter().collect();
            }
            Err(error) => self.report(AppError::Edit(error.to_string())),
        }
    }
}

/// "1 sticky", "3 stickies".
pub(super) fn sticky_count(n: usize) -> String {
    stormflow_core::text::plural(n, "sticky")
}

fn plural_label(verb: &str, n: usize) -> String {
    if n == 1 {
        format!("{verb} a sticky")
    } else {
        format!("{verb} {n} stickies")
    }
}

/// Whether a command changes the model (refused while a run is shown). The
/// match names every command, so a new one must say.
pub fn command_edits_model(command: &Command) -> bool {
    match command {
        Command::Cut
        | Command::Paste(_)
        | Command::Duplicate
        | Command::Delete
        | Command::Rename
        | Command::Create { .. }
        | Command::CreateNextTo(_)
        | Command::CancelCreate(_)
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
        | Command::ImportInto => true,
        Command::NewModel
        | Command::Open
        | Command::OpenPath(_)
        | Command::OpenSample(_)
        | Command::Save
        | Command::SaveAs
        | Command::Quit
        | Command::Import
        | Command::ImportFolder
        | Command::ImportPath(_)
        | Command::PasteTopology
        | Command::ImportText(_)
        | Command::Export(_)
        | Command::Copy
        | Command::SelectAll
        | Command::Focus(_)
        | Command::SelectFlow(_)
        | Command::ZoomIn
        | Command::ZoomOut
        | Command::ZoomReset
        | Command::ZoomToFit
        | Command::ZoomToSelection
        | Command::ToggleSnap
        | Command::ToggleMinimap
        | Command::ToggleTheme
        | Command::ToggleLegend
        | Command::ToggleShortcuts
        | Command::OpenCommandPalette
        | Command::TogglePanel(_)
        | Command::TogglePresentation
        | Command::RunPlay
        | Command::RunPause
        | Command::RunStep
        | Command::RunStepElement(_)
        | Command::RunUntil(_)
        | Command::RunSeek(_)
        | Command::RunSetSpeed(_)
        | Command::RunSetSeed(_)
        | Command::RunStop
        | Command::RunExport(_)
        | Command::InjectFault(_)
        | Command::KeepRunFaults
        | Command::SelectMessage(_)
        | Command::TourGo(_)
        | Command::OpenComparison(..)
        | Command::CompareWithFile
        | Command::CloseComparison
        | Command::TakeDownInBoth(_)
        | Command::OpenWhatIf
        | Command::OpenVariant(_)
        | Command::OpenLiveDialog
        | Command::SetCurrentKind { .. } => false,
    }
}
