//! Files: the native dialogs behind a small trait (tests use a scripted
//! one), the app's own dialog for desktops without a portal, and the
//! autosave of unsaved work to a recovery file.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use stormflow_core::{Model, format};

/// What a file is asked for: it picks the dialog's title and filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// A Stormflow board (`.ron`).
    Board,
    /// AsyncAPI documents or Kafka Streams topologies to import.
    Importable,
    /// A folder (of AsyncAPI documents to import, or to export into).
    Folder,
    /// A file to export to, with this extension.
    Export(&'static str),
    /// A trace or metrics file, with this extension.
    RunExport(&'static str),
}

impl FileKind {
    fn title(self) -> &'static str {
        match self {
            FileKind::Board => "Stormflow board",
            FileKind::Importable => "AsyncAPI or Kafka Streams topology",
            FileKind::Folder => "Folder",
            FileKind::Export(_) => "Export",
            FileKind::RunExport(_) => "Run export",
        }
    }

    /// The extensions shown (none: every file).
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            FileKind::Board => &["ron"],
            FileKind::Importable => &["yaml", "yml", "json", "txt", "log", "topology"],
            FileKind::Folder => &[],
            FileKind::Export(ext) | FileKind::RunExport(ext) => match ext {
                "svg" => &["svg"],
                "png" => &["png"],
                "mmd" => &["mmd"],
                "dot" => &["dot"],
                "yaml" => &["yaml"],
                "csv" => &["csv"],
                _ => &["json"],
            },
        }
    }
}

/// What a dialog answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pick {
    /// The user chose this path.
    Chosen(PathBuf),
    /// The user cancelled.
    Cancelled,
    /// No dialog could be shown (no file-dialog portal, no zenity): the app
    /// asks with its own dialog instead.
    Unavailable,
}

/// Asks the user for files. A native dialog that cannot be shown says so
/// ([`Pick::Unavailable`]) and the app falls back to its in-app dialog, so
/// saving always works; tests use [`ScriptedDialogs`].
pub trait FileDialogs {
    /// A file (or folder, for [`FileKind::Folder`]) to open.
    fn pick_open(&mut self, directory: Option<&Path>, kind: FileKind) -> Pick;
    /// Where to save (a folder for [`FileKind::Folder`]).
    fn pick_save(&mut self, directory: Option<&Path>, file_name: &str, kind: FileKind) -> Pick;
}

/// The platform's file dialogs (rfd through the XDG desktop portal on
/// Linux, which also falls back to `zenity` when it is installed).
#[derive(Debug, Default)]
pub struct NativeDialogs {
    /// Set once a native dialog could not be shown: from then on the app's
    /// own dialog is used at once.
    unavailable: bool,
}

/// A native dialog that answers sooner than this did not show at all
/// (rfd returns "cancelled" at once when no portal is running).
const NO_DIALOG_WITHIN: std::time::Duration = std::time::Duration::from_millis(250);

impl NativeDialogs {
    /// Whether a native dialog can be shown at all. On Linux rfd asks the
    /// XDG desktop portal over the session bus, else runs `zenity`: with
    /// neither (a bare X session, a minimal VM) it would return nothing, or
    /// wait on a bus that is not there, so the app's own dialog is used.
    fn available(&self) -> bool {
        if self.unavailable || std::env::var_os("STORMFLOW_BUILTIN_DIALOGS").is_some() {
            return false;
        }
        if !cfg!(target_os = "linux") {
            return true;
        }
        let session_bus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS")
            .is_some_and(|a| !a.is_empty())
            || std::env::var_os("XDG_RUNTIME_DIR")
                .is_some_and(|dir| Path::new(&dir).join("bus").exists());
        let zenity = std::env::var_os("PATH").is_some_and(|paths| {
            std::env::split_paths(&paths).any(|dir| dir.join("zenity").is_file())
        });
        session_bus || zenity
    }

    fn dialog(directory: Option<&Path>, kind: FileKind, verb: &str) -> rfd::FileDialog {
        let mut dialog = rfd::FileDialog::new().set_title(format!("{verb} — {}", kind.title()));
        if !kind.extensions().is_empty() {
            dialog = dialog.add_filter(kind.title(), kind.extensions());
        }
        if let Some(directory) = directory {
            dialog = dialog.set_directory(directory);
        }
        dialog
    }

    fn answer(&mut self, started: std::time::Instant, path: Option<PathBuf>) -> Pick {
        match path {
            Some(path) => Pick::Chosen(path),
            None if started.elapsed() < NO_DIALOG_WITHIN => {
                self.unavailable = true;
                Pick::Unavailable
            }
            None => Pick::Cancelled,
        }
    }
}

impl FileDialogs for NativeDialogs {
    fn pick_open(&mut self, directory: Option<&Path>, kind: FileKind) -> Pick {
        if !self.available() {
            return Pick::Unavailable;
        }
        let started = std::time::Instant::now();
        let dialog = Self::dialog(directory, kind, "Open");
        let path = match kind {
            FileKind::Folder => dialog.pick_folder(),
            _ => dialog.pick_file(),
        };
        self.answer(started, path)
    }

    fn pick_save(&mut self, directory: Option<&Path>, file_name: &str, kind: FileKind) -> Pick {
        if !self.available() {
            return Pick::Unavailable;
        }
        let started = std::time::Instant::now();
        let dialog = Self::dialog(directory, kind, "Save");
        let path = match kind {
            FileKind::Folder => dialog.pick_folder(),
            _ => dialog.set_file_name(file_name).save_file(),
        };
        match self.answer(started, path) {
            Pick::Chosen(path) => Pick::Chosen(with_extension(path, kind)),
            other => other,
        }
    }
}

/// A path given without an extension gets the one its kind writes.
pub fn with_extension(path: PathBuf, kind: FileKind) -> PathBuf {
    match kind.extensions().first() {
        Some(ext) if path.extension().is_none() => path.with_extension(ext),
        _ => path,
    }
}

/// Dialogs that answer from a script, for tests.
#[derive(Debug, Default)]
pub struct ScriptedDialogs {
    /// Answers to "open", in order (empty: cancel).
    pub opens: VecDeque<PathBuf>,
    /// Answers to "save", in order (empty: cancel).
    pub saves: VecDeque<PathBuf>,
    /// Answer "unavailable" to everything, like a desktop without a portal.
    pub unavailable: bool,
}

impl FileDialogs for ScriptedDialogs {
    fn pick_open(&mut self, _directory: Option<&Path>, _kind: FileKind) -> Pick {
        if self.unavailable {
            return Pick::Unavailable;
        }
        self.opens.pop_front().map_or(Pick::Cancelled, Pick::Chosen)
    }

    fn pick_save(&mut self, _directory: Option<&Path>, _file_name: &str, kind: FileKind) -> Pick {
        if self.unavailable {
            return Pick::Unavailable;
        }
        self.saves
            .pop_front()
            .map_or(Pick::Cancelled, |p| Pick::Chosen(with_extension(p, kind)))
    }
}

/// The app's own file dialog (egui_file), for when the desktop has none.
pub struct InAppDialog {
    dialog: egui_file::FileDialog,
    kind: FileKind,
}

impl std::fmt::Debug for InAppDialog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InAppDialog")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// What the in-app dialog says after a frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InAppAnswer {
    /// Still open.
    Open,
    /// Chosen.
    Chosen(PathBuf),
    /// Cancelled or closed.
    Cancelled,
}

impl InAppDialog {
    /// A dialog to open a file (or a folder).
    pub fn open(directory: Option<&Path>, kind: FileKind) -> Self {
        let start = directory
            .map(Path::to_path_buf)
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_default();
        let mut dialog = match kind {
            FileKind::Folder => egui_file::FileDialog::select_folder(),
            _ => egui_file::FileDialog::open_file(),
        }
        .initial_path(start)
        .title(&format!("Open — {}", kind.title()))
        .show_files_filter(filter(kind));
        dialog.open();
        Self { dialog, kind }
    }

    /// A dialog to choose where to save.
    pub fn save(directory: Option<&Path>, file_name: &str, kind: FileKind) -> Self {
        let start = directory
            .map(Path::to_path_buf)
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_default();
        let mut dialog = match kind {
            FileKind::Folder => egui_file::FileDialog::select_folder(),
            _ => egui_file::FileDialog::save_file().default_filename(file_name),
        }
        .initial_path(start)
        .title(&format!("Save — {}", kind.title()))
        .show_files_filter(filter(kind));
        dialog.open();
        Self { dialog, kind }
    }

    /// Draws the dialog; says whether the user chose.
    pub fn show(&mut self, ctx: &egui::Context) -> InAppAnswer {
        self.dialog.show(ctx);
        match self.dialog.state() {
            egui_file::State::Open => InAppAnswer::Open,
            egui_file::State::Selected => match self.dialog.path() {
                Some(path) => InAppAnswer::Chosen(with_extension(path.to_path_buf(), self.kind)),
                None => InAppAnswer::Cancelled,
            },
            egui_file::State::Closed | egui_file::State::Cancelled => InAppAnswer::Cancelled,
        }
    }
}

fn filter(kind: FileKind) -> egui_file::Filter<PathBuf> {
    let extensions = kind.extensions();
    Box::new(move |path: &Path| {
        extensions.is_empty()
            || path.is_dir()
            || path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| extensions.contains(&e.to_ascii_lowercase().as_str()))
    })
}

/// Where Stormflow keeps its own files (the recovery file; eframe keeps the
/// settings there too): `$STORMFLOW_STATE_DIR` if set, else the platform's
/// data directory.
pub fn state_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("STORMFLOW_STATE_DIR") {
        return Some(PathBuf::from(dir));
    }
    eframe::storage_dir("stormflow")
}

/// The autosave of an unsaved board, offered back after a crash.
#[derive(Clone, Debug)]
pub struct Recovery {
    dir: PathBuf,
}

/// What a recovery file holds.
#[derive(Clone, Debug)]
pub struct Recovered {
    /// The unsaved model.
    pub model: Model,
    /// The file it belongs to, if it had one.
    pub original: Option<PathBuf>,
    /// When it was written, as the file system says.
    pub written: Option<std::time::SystemTime>,
}

impl Recovery {
    /// Recovery files live in `dir`.
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    fn model_path(&self) -> PathBuf {
        self.dir.join("recovery.ron")
    }

    fn origin_path(&self) -> PathBuf {
        self.dir.join("recovery-origin.txt")
    }

    /// Writes the unsaved model (atomically, like any save).
    pub fn write(&self, model: &Model, original: Option<&Path>) -> anyhow::Result<()> {
        std::fs::create_dir_all(&self.dir)
            .with_context(|| format!("creating {}", self.dir.display()))?;
        format::save(&self.model_path(), model)?;
        let origin = original
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        format::write_atomic(&self.origin_path(), |file| {
            std::io::Write::write_all(file, origin.as_bytes())
        })?;
        Ok(())
    }

    /// Forgets the autosave (after a save, or when the user discards it).
    pub fn clear(&self) {
        let _ = std::fs::remove_file(self.model_path());
        let _ = std::fs::remove_file(self.origin_path());
    }

    /// What a previous run left behind, if anything readable.
    pub fn read(&self) -> Option<Recovered> {
        let path = self.model_path();
        let written = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
        let model = format::load(&path).ok()?;
        let original = std::fs::read_to_string(self.origin_path())
            .ok()
            .filter(|s| !s.trim().is_empty())
            .map(|s| PathBuf::from(s.trim()));
        Some(Recovered {
            model,
            original,
            written,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recovery_file_round_trips_and_clears() {
        let dir = tempfile::tempdir().expect("temp dir");
        let recovery = Recovery::new(dir.path().join("state"));
        assert!(recovery.read().is_none());
        let model = Model::new("Unsaved work");
        recovery
            .write(&model, Some(Path::new("/tmp/board.ron")))
            .expect("writes");
        let back = recovery.read().expect("readable");
        assert_eq!(back.model, model);
        assert_eq!(back.original, Some(PathBuf::from("/tmp/board.ron")));
        recovery.clear();
        assert!(recovery.read().is_none());
    }
}
