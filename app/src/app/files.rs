//! Opening, saving, importing and exporting; asking before unsaved changes
//! are lost; autosaving unsaved work. Every file is asked for through the
//! desktop's dialog, or the app's own when the desktop has none.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use stormflow_core::export::{self, AsyncApiOptions, PictureOptions, Theme};
use stormflow_core::import::{ImportFormat, import_paths, import_text, merge_into};
use stormflow_core::model::{ElementId, ElementKind, Level, Model};
use stormflow_core::{format, style};

use super::modals::{FilePurpose, Notice};
use super::{AUTOSAVE_SECONDS, AfterDiscard, Modal, StormflowApp};
use crate::board;
use crate::command::{ExportKind, ExportRequest};
use crate::document::Document;
use crate::error::AppError;
use crate::files::{FileKind, InAppDialog, Pick};
use crate::run::runner::{ExportFormat, RunnerCommand};
use crate::samples::SAMPLES;

impl StormflowApp {
    /// The folder of the open board's file, where dialogs start.
    fn directory(&self) -> Option<PathBuf> {
        self.doc
            .path
            .as_ref()
            .and_then(|p| p.parent().map(Path::to_path_buf))
    }

    /// Asks for a file to open; the answer goes to `purpose`.
    pub(super) fn pick_open(&mut self, kind: FileKind, purpose: FilePurpose, ctx: &egui::Context) {
        let directory = self.directory();
        match self.dialogs.pick_open(directory.as_deref(), kind) {
            Pick::Chosen(path) => self.file_chosen(purpose, path, ctx),
            Pick::Cancelled => {}
            Pick::Unavailable => {
                self.modal = Some(Modal::File {
                    purpose,
                    dialog: Box::new(InAppDialog::open(directory.as_deref(), kind)),
                })
            }
        }
    }

    /// Asks where to save; the answer goes to `purpose`.
    pub(super) fn pick_save(
        &mut self,
        file_name: &str,
        kind: FileKind,
        purpose: FilePurpose,
        ctx: &egui::Context,
    ) {
        let directory = self.directory();
        match self
            .dialogs
            .pick_save(directory.as_deref(), file_name, kind)
        {
            Pick::Chosen(path) => self.file_chosen(purpose, path, ctx),
            Pick::Cancelled => {}
            Pick::Unavailable => {
                self.modal = Some(Modal::File {
                    purpose,
                    dialog: Box::new(InAppDialog::save(directory.as_deref(), file_name, kind)),
                })
            }
        }
    }

    /// A file was chosen (by either dialog): do what it was chosen for.
    pub(super) fn file_chosen(&mut self, purpose: FilePurpose, path: PathBuf, ctx: &egui::Context) {
        match purpose {
            FilePurpose::Open => {
                if let Err(error) = self.open_path(&path) {
                    self.report(error);
                }
            }
            FilePurpose::SaveAs { then } => {
                if self.save_to(ctx, path)
                    && let Some(then) = then
                {
                    self.proceed(then, ctx);
                }
            }
            FilePurpose::Import { into } => self.import(&[path], into, ctx),
            FilePurpose::Export(request) => self.export_to(request, &path, ctx),
            FilePurpose::RunExport(format) => {
                if let Some(run) = &mut self.run {
                    run.send(RunnerCommand::Export { path, format });
                }
            }
            FilePurpose::CompareWith => self.apply(
                crate::command::Command::OpenComparison(
                    crate::command::ComparisonSource::Current,
                    crate::command::ComparisonSource::Path(path),
                ),
                ctx,
            ),
        }
    }

    /// Replaces the open board with a file's model. On failure nothing
    /// changes and the error (with line and column) is returned.
    pub fn open_path(&mut self, path: &Path) -> Result<(), AppError> {
        // A sample's own file (`stormflow samples/online-shop.ron`, or File →
        // Open on it) opens as the sample does: an untitled copy, so a
        // reflexive Ctrl+S never overwrites it. A changed copy is a user's.
        if let Some(sample) = untouched_sample(path) {
            self.open_sample(sample);
            return Ok(());
        }
        match format::load(path) {
            Ok(model) => {
                self.replace_document(Document::new(model, Some(path.to_path_buf())));
                self.settings.remember(path);
                Ok(())
            }
            Err(error) => Err(AppError::Open(error.to_string())),
        }
    }

    /// Opens a built-in sample as an untitled copy (Save asks where), as
    /// an editor opens a template: the sample's file is never overwritten.
    pub fn open_sample(&mut self, file: &str) {
        let Some(sample) = SAMPLES.iter().find(|s| s.file == file) else {
            return;
        };
        match format::from_ron_str(sample.text) {
            Ok(model) => self.replace_document(Document::new(model, None)),
            Err(error) => self.report(AppError::Open(format!(
                "the built-in sample {file} is broken: {error}"
            ))),
        }
    }

    /// Shows `doc` in place of the open board (nothing asks about unsaved changes).
    pub fn replace_document(&mut self, doc: Document) {
        self.run = None;
        self.whatif = None;
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

    /// Saves to `path`; whether it worked (the error is shown if not).
    pub(super) fn save_to(&mut self, ctx: &egui::Context, path: PathBuf) -> bool {
        match format::save(&path, self.doc.model()) {
            Ok(()) => {
                self.doc.mark_saved(path.clone());
                self.settings.remember(&path);
                if let Some(recovery) = &self.recovery {
                    recovery.clear();
                }
                self.set_status(ctx, format!("Saved {}", path.display()));
                true
            }
            Err(error) => {
                self.report(AppError::Save(error.to_string()));
                false
            }
        }
    }

    /// Saves to the board's file, or asks where when it has none; `then`
    /// happens once it is saved.
    pub(super) fn save(&mut self, ctx: &egui::Context, then: Option<AfterDiscard>) {
        match self.doc.path.clone() {
            Some(path) => {
                if self.save_to(ctx, path)
                    && let Some(then) = then
                {
                    self.proceed(then, ctx);
                }
            }
            None => self.save_as(ctx, then),
        }
    }

    /// Asks where to save, then saves; `then` happens once it is saved.
    pub(super) fn save_as(&mut self, ctx: &egui::Context, then: Option<AfterDiscard>) {
        self.pick_save(
            &format!("{}.ron", self.file_stem()),
            FileKind::Board,
            FilePurpose::SaveAs { then },
            ctx,
        );
    }

    /// Does `then` now, or asks first when there are unsaved changes.
    pub(super) fn guard(&mut self, then: AfterDiscard, ctx: &egui::Context) {
        if self.doc.is_dirty() {
            self.modal = Some(Modal::ConfirmDiscard(then));
        } else {
            self.proceed(then, ctx);
        }
    }

    /// Does what was asked once unsaved changes are saved or given up.
    pub(super) fn proceed(&mut self, then: AfterDiscard, ctx: &egui::Context) {
        match then {
            AfterDiscard::New => {
                let mut model = Model::new("Untitled board");
                model.level = Level::BigPicture;
                self.replace_document(Document::new(model, None));
                self.board.current_kind = ElementKind::Event;
            }
            AfterDiscard::Open => self.pick_open(FileKind::Board, FilePurpose::Open, ctx),
            AfterDiscard::OpenPath(path) => {
                if let Err(error) = self.open_path(&path) {
                    self.report(error);
                }
            }
            AfterDiscard::OpenSample(file) => self.open_sample(file),
            AfterDiscard::OpenModel(model, label) => {
                self.replace_document(Document::unsaved(*model));
                self.set_status(ctx, format!("Opened {label} as a new board"));
            }
            // The guard has asked already: import at once.
            AfterDiscard::ImportPath(path) => self.import_now(&[path], false),
            AfterDiscard::ImportText(text) => {
                match import_text(&text, "the clipboard", ImportFormat::Auto) {
                    Ok(imported) => self.open_imported(imported, ctx),
                    Err(error) => self.report(AppError::Import(error.to_string())),
                }
            }
            AfterDiscard::Quit => {
                if let Some(recovery) = &self.recovery {
                    recovery.clear();
                }
                self.allow_close = true;
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
        }
    }

    /// File → Import: asks for documents (or a folder), then imports them
    /// as a new board, or into this one.
    pub(super) fn ask_import(&mut self, folder: bool, into: bool, ctx: &egui::Context) {
        let kind = if folder {
            FileKind::Folder
        } else {
            FileKind::Importable
        };
        self.pick_open(kind, FilePurpose::Import { into }, ctx);
    }

    /// Imports files or folders: into this board (one undo step), or as a
    /// new board after the unsaved-changes guard.
    pub(super) fn import(&mut self, paths: &[PathBuf], into: bool, ctx: &egui::Context) {
        if into || !self.doc.is_dirty() {
            self.import_now(paths, into);
        } else if let [path] = paths {
            self.guard(AfterDiscard::ImportPath(path.clone()), ctx);
        }
    }

    fn import_now(&mut self, paths: &[PathBuf], into: bool) {
        let imported = match import_paths(paths, ImportFormat::Auto) {
            Ok(imported) => imported,
            Err(error) => return self.report(AppError::Import(error.to_string())),
        };
        let warnings: Vec<String> = imported.warnings.iter().map(ToString::to_string).collect();
        if into {
            let merged = merge_into(self.doc.model(), &imported.model);
            self.doc.replace("Import into the board", merged);
            self.board.request_fit(false);
        } else {
            self.replace_document(Document::unsaved(imported.model));
        }
        self.notice_import(warnings);
    }

    fn open_imported(&mut self, imported: stormflow_core::import::Imported, _ctx: &egui::Context) {
        let warnings = imported.warnings.iter().map(ToString::to_string).collect();
        self.replace_document(Document::unsaved(imported.model));
        self.notice_import(warnings);
    }

    fn notice_import(&mut self, warnings: Vec<String>) {
        let model = self.doc.model();
        let mut message = format!(
            "{} and {} imported; the board's notes list what was assumed (workloads, service times) \
             so you know what to tune. Press F5 to run it.",
            super::apply::sticky_count(model.element_count()),
            stormflow_core::text::plural(model.flow_count(), "flow"),
        );
        if !warnings.is_empty() {
            message.push_str("\n\nWarnings:");
            for warning in warnings.iter().take(20) {
                message.push_str(&format!("\n• {warning}"));
            }
            if warnings.len() > 20 {
                message.push_str(&format!("\n… and {} more", warnings.len() - 20));
            }
        }
        self.modal = Some(Modal::Notice(Notice {
            title: "Imported".into(),
            message,
        }));
    }

    /// File → Export: asks where, then writes.
    pub(super) fn ask_export(&mut self, request: ExportRequest, ctx: &egui::Context) {
        let (name, kind) = match request.kind.extension() {
            Some(ext) => (format!("{}.{ext}", self.file_stem()), FileKind::Export(ext)),
            None => (self.export_folder_name(request.kind), FileKind::Folder),
        };
        self.pick_save(&name, kind, FilePurpose::Export(request), ctx);
    }

    /// The board's name as a file name ("online-shop"), "board" when it has none.
    fn file_stem(&self) -> String {
        match ElementId::slug(&self.doc.display_name()).0 {
            stem if stem.is_empty() => "board".to_string(),
            stem => stem,
        }
    }

    /// The folder a folder export suggests ("online-shop-eventcatalog").
    fn export_folder_name(&self, kind: ExportKind) -> String {
        format!("{}-{}", self.file_stem(), folder_suffix(kind))
    }

    /// Where a folder export goes: the folder chosen, or, when that folder
    /// already holds other things (a folder picker returns the folder the
    /// user stands in), a new folder of the suggested name inside it.
    fn export_folder(&self, chosen: &Path, kind: ExportKind) -> PathBuf {
        let in_use = std::fs::read_dir(chosen).is_ok_and(|mut entries| entries.next().is_some())
            && !chosen.join(export::FOLDER_MARKER).is_file();
        if in_use {
            chosen.join(self.export_folder_name(kind))
        } else {
            chosen.to_path_buf()
        }
    }

    /// Writes the board in a format to `path` (a file, or a folder).
    pub(super) fn export_to(&mut self, request: ExportRequest, path: &Path, ctx: &egui::Context) {
        let path = match request.kind.extension() {
            Some(_) => path.to_path_buf(),
            None => self.export_folder(path, request.kind),
        };
        match self.export_bytes(request, &path) {
            Ok(what) => self.set_status(ctx, format!("Exported {what} to {}", path.display())),
            Err(error) => self.report(AppError::Export(error)),
        }
    }

    fn export_bytes(&self, request: ExportRequest, path: &Path) -> Result<String, String> {
        let model = self.doc.model();
        let write = |bytes: &[u8]| {
            format::write_atomic(path, |file| file.write_all(bytes)).map_err(|e| e.to_string())
        };
        match request.kind {
            ExportKind::Svg | ExportKind::Png => {
                let view = request.current_view.then(|| {
                    let r = self.board.visible_board_rect();
                    style::BoardRect::from_min_size(
                        style::Point::new(r.min.x, r.min.y),
                        r.width(),
                        r.height(),
                    )
                });
                let options = PictureOptions {
                    theme: if request.dark {
                        Theme::Dark
                    } else {
                        Theme::Light
                    },
                    view,
                    live: self.run.as_ref().map(|run| &run.snapshot),
                };
                let svg = export::to_svg(model, &options);
                if request.kind == ExportKind::Svg {
                    write(svg.as_bytes())?;
                    Ok("an SVG picture".into())
                } else {
                    let png = export::svg_to_png(&svg, export::DEFAULT_PNG_SCALE)
                        .map_err(|e| e.to_string())?;
                    write(&png.bytes)?;
                    Ok(format!("a {}×{} PNG picture", png.width, png.height))
                }
            }
            ExportKind::Mermaid => {
                write(export::to_mermaid(model).as_bytes())?;
                Ok("a Mermaid flowchart".into())
            }
            ExportKind::Dot => {
                write(export::to_dot(model).as_bytes())?;
                Ok("a Graphviz graph".into())
            }
            ExportKind::Json => {
                write(
                    format::to_json_string(model)
                        .map_err(|e| e.to_string())?
                        .as_bytes(),
                )?;
                Ok("the board as JSON".into())
            }
            ExportKind::AsyncApiSingle => {
                let json = path.extension().is_some_and(|e| e == "json");
                let files = export::to_asyncapi(model, &AsyncApiOptions { single: true, json })
                    .map_err(|e| e.to_string())?;
                let contents = files.first().map(|f| f.contents.as_str()).unwrap_or("");
                write(contents.as_bytes())?;
                Ok("an AsyncAPI 3.0 document".into())
            }
            ExportKind::AsyncApi => {
                let files = export::to_asyncapi(
                    model,
                    &AsyncApiOptions {
                        single: false,
                        json: false,
                    },
                )
                .map_err(|e| e.to_string())?;
                export::write_folder(path, &files).map_err(|e| e.to_string())?;
                Ok(format!("{} AsyncAPI documents", files.len()))
            }
            ExportKind::EventCatalog => {
                let files = export::to_eventcatalog(model).map_err(|e| e.to_string())?;
                export::write_folder(path, &files).map_err(|e| e.to_string())?;
                Ok("an EventCatalog".into())
            }
        }
    }

    /// Run → Export trace or metrics: asks where, then the runner writes.
    pub(super) fn ask_run_export(&mut self, format: ExportFormat, ctx: &egui::Context) {
        if self.run.is_none() {
            return;
        }
        let (name, extension) = match format {
            ExportFormat::Chrome => ("trace-perfetto", "json"),
            ExportFormat::Otlp => ("trace-otlp", "json"),
            ExportFormat::MetricsJson => ("metrics", "json"),
            ExportFormat::MetricsCsv => ("metrics", "csv"),
        };
        let stem = self.file_stem();
        self.pick_save(
            &format!("{stem}-{name}.{extension}"),
            FileKind::RunExport(extension),
            FilePurpose::RunExport(format),
            ctx,
        );
    }

    /// Writes unsaved work to the recovery file every few seconds.
    pub(super) fn autosave(&mut self, ctx: &egui::Context) {
        let Some(recovery) = &self.recovery else {
            return;
        };
        if !self.doc.is_dirty() || matches!(self.modal, Some(Modal::Recovery(_))) {
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
}

/// The built-in sample whose file `path` is, unchanged (same name, same text).
fn untouched_sample(path: &Path) -> Option<&'static str> {
    let name = path.file_name()?.to_str()?;
    let sample = SAMPLES.iter().find(|s| s.file == name)?;
    let metadata = std::fs::metadata(path).ok()?;
    if metadata.len() != sample.text.len() as u64 {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    (text == sample.text).then_some(sample.file)
}

fn folder_suffix(kind: ExportKind) -> &'static str {
    match kind {
        ExportKind::EventCatalog => "eventcatalog",
        _ => "asyncapi",
    }
}
