//! Files: native dialogs behind a small trait (tests use a scripted one),
//! and the autosave of unsaved work to a recovery file.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use stormflow_core::{Model, format};

/// Asks the user for files. Headless, rfd's dialogs return at once as if
/// cancelled, so tests use [`ScriptedDialogs`] instead.
pub trait FileDialogs {
    /// A model file to open (none: cancelled).
    fn pick_open(&mut self, directory: Option<&Path>) -> Option<PathBuf>;
    /// Where to save (none: cancelled).
    fn pick_save(&mut self, directory: Option<&Path>, file_name: &str) -> Option<PathBuf>;
}

/// The platform's file dialogs (through rfd's XDG portal on Linux).
#[derive(Debug, Default)]
pub struct NativeDialogs;

impl FileDialogs for NativeDialogs {
    fn pick_open(&mut self, directory: Option<&Path>) -> Option<PathBuf> {
        let mut dialog = rfd::FileDialog::new()
            .set_title("Open a Stormflow board")
            .add_filter("Stormflow board", &["ron"]);
        if let Some(directory) = directory {
            dialog = dialog.set_directory(directory);
        }
        dialog.pick_file()
    }

    fn pick_save(&mut self, directory: Option<&Path>, file_name: &str) -> Option<PathBuf> {
        let mut dialog = rfd::FileDialog::new()
            .set_title("Save the board")
            .add_filter("Stormflow board", &["ron"])
            .set_file_name(file_name);
        if let Some(directory) = directory {
            dialog = dialog.set_directory(directory);
        }
        dialog.save_file().map(|path| {
            if path.extension().is_none() {
                path.with_extension("ron")
            } else {
                path
            }
        })
    }
}

/// Dialogs that answer from a script, for tests.
#[derive(Debug, Default)]
pub struct ScriptedDialogs {
    /// Answers to "open", in order (empty: cancel).
    pub opens: VecDeque<PathBuf>,
    /// Answers to "save", in order (empty: cancel).
    pub saves: VecDeque<PathBuf>,
}

impl FileDialogs for ScriptedDialogs {
    fn pick_open(&mut self, _directory: Option<&Path>) -> Option<PathBuf> {
        self.opens.pop_front()
    }

    fn pick_save(&mut self, _directory: Option<&Path>, _file_name: &str) -> Option<PathBuf> {
        self.saves.pop_front()
    }
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
