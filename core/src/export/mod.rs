//! Ways out of a board into the formats its users already use: a picture
//! (SVG, PNG), a diagram (Mermaid, Graphviz DOT), an API description
//! (AsyncAPI 3.0) and a service catalog (EventCatalog). Every exporter is a
//! pure function of the model: the same board gives the same bytes.
//!
//! JSON is [`crate::format::to_json_string`]. Files are written through
//! [`crate::format::write_atomic`]; a folder through [`write_folder`].

mod apps;
mod arrows;
mod asyncapi;
mod badges;
mod dot;
mod eventcatalog;
mod frames;
mod mermaid;
mod png;
mod svg;
mod text;

use std::fs;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

pub use asyncapi::{AsyncApiOptions, to_asyncapi};
pub use dot::to_dot;
pub use eventcatalog::to_eventcatalog;
pub use mermaid::to_mermaid;
pub use png::{DEFAULT_PNG_SCALE, MAX_PNG_PIXELS, Png, svg_to_png};
pub use svg::{PictureOptions, Theme, to_svg};

use crate::format::SaveError;

/// Why an export failed; messages are written for the user.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A file or folder could not be written; nothing half-written is left.
    #[error(transparent)]
    Save(#[from] SaveError),
    /// A folder could not be written or put in place.
    #[error("cannot write the folder {}: {source}", path.display())]
    Io {
        /// The folder or file.
        path: PathBuf,
        /// The system's reason.
        source: io::Error,
    },
    /// The target folder exists and holds something Stormflow did not write.
    #[error(
        "{} already exists and was not written by a Stormflow export; choose a new folder, or remove it first",
        path.display()
    )]
    FolderInUse {
        /// The folder.
        path: PathBuf,
    },
    /// An exported file's name would leave its folder.
    #[error("`{0}` is not a plain relative file name inside the export folder")]
    UnsafePath(String),
    /// A document could not be encoded.
    #[error("cannot write the {format} document: {message}")]
    Encode {
        /// The format ("AsyncAPI YAML").
        format: &'static str,
        /// What went wrong.
        message: String,
    },
    /// The SVG could not be read back for rendering.
    #[error("cannot render the picture: {0}")]
    Render(String),
}

/// One file of a multi-file export: where it goes, relative to the export
/// folder (with `/` between folders), and what it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportedFile {
    /// Relative path, `/`-separated (`services/billing/index.mdx`).
    pub path: String,
    /// The file's text.
    pub contents: String,
}

/// The file a folder export leaves in its folder, so a later export may
/// replace the folder and nothing else is ever replaced.
pub const FOLDER_MARKER: &str = ".stormflow-export";

/// Writes `files` as the folder `dir`: first into a temporary sibling folder,
/// then renamed into place, so the folder is never half-written. An existing
/// `dir` is replaced only if an earlier export wrote it (it holds
/// [`FOLDER_MARKER`]) or it is empty; anything else is refused.
pub fn write_folder(dir: &Path, files: &[ExportedFile]) -> Result<(), ExportError> {
    let io_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ExportError::Io { path, source }
    };
    for file in files {
        check_relative(&file.path)?;
    }
    let parent = match dir.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = dir
        .file_name()
        .ok_or_else(|| ExportError::UnsafePath(dir.display().to_string()))?
        .to_string_lossy()
        .into_owned();
    let existing = match fs::read_dir(dir) {
        Ok(mut entries) => {
            let empty = entries.next().is_none();
            if !empty && !dir.join(FOLDER_MARKER).is_file() {
                return Err(ExportError::FolderInUse {
                    path: dir.to_path_buf(),
                });
            }
            true
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound => false,
        Err(error) => return Err(io_error(dir)(error)),
    };
    let pid = std::process::id();
    let temp = parent.join(format!(".{name}.exporting-{pid}"));
    let old = parent.join(format!(".{name}.replaced-{pid}"));
    let _ = fs::remove_dir_all(&temp);
    let written = (|| -> io::Result<()> {
        fs::create_dir_all(&temp)?;
        let mut all = files.to_vec();
        all.push(ExportedFile {
            path: FOLDER_MARKER.into(),
            contents: "Written by `stormflow export`; the next export replaces this folder.\n"
                .into(),
        });
        for file in &all {
            let path = temp.join(&file.path);
            if let Some(folder) = path.parent() {
                fs::create_dir_all(folder)?;
            }
            let mut out = fs::File::create(&path)?;
            out.write_all(file.contents.as_bytes())?;
            out.sync_all()?;
        }
        Ok(())
    })();
    if let Err(error) = written {
        let _ = fs::remove_dir_all(&temp);
        return Err(io_error(dir)(error));
    }
    let swapped = (|| -> io::Result<()> {
        if existing {
            fs::rename(dir, &old)?;
            if let Err(error) = fs::rename(&temp, dir) {
                // Put the earlier export back.
                let _ = fs::rename(&old, dir);
                return Err(error);
            }
            fs::remove_dir_all(&old)?;
        } else {
            fs::rename(&temp, dir)?;
        }
        Ok(())
    })();
    if swapped.is_err() {
        let _ = fs::remove_dir_all(&temp);
    }
    swapped.map_err(io_error(dir))
}

/// Refuses a path that is absolute, empty, or steps out of its folder.
fn check_relative(path: &str) -> Result<(), ExportError> {
    let unsafe_path = || ExportError::UnsafePath(path.to_string());
    if path.is_empty() || path.contains('\\') || path.contains('\0') {
        return Err(unsafe_path());
    }
    for component in Path::new(path).components() {
        if !matches!(component, Component::Normal(_)) {
            return Err(unsafe_path());
        }
    }
    Ok(())
}

/// A file name made from a board's title: its slug, or `board` when the
/// title has no letters or digits.
pub(crate) fn file_stem(name: &str) -> String {
    let slug = crate::model::ElementId::slug(name).0;
    if slug.is_empty() {
        "board".into()
    } else {
        slug
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, contents: &str) -> ExportedFile {
        ExportedFile {
            path: path.into(),
            contents: contents.into(),
        }
    }

    #[test]
    fn a_folder_is_written_whole_and_a_later_export_replaces_it() {
        let root = tempfile::tempdir().expect("temp dir");
        let dir = root.path().join("catalog");
        write_folder(&dir, &[file("events/a/index.mdx", "one")]).expect("first export");
        assert_eq!(
            fs::read_to_string(dir.join("events/a/index.mdx")).expect("written"),
            "one"
        );
        write_folder(&dir, &[file("events/b/index.mdx", "two")]).expect("second export");
        assert!(!dir.join("events/a").exists(), "the old export is replaced");
        assert!(dir.join("events/b/index.mdx").is_file());
        let leftovers: Vec<_> = fs::read_dir(root.path())
            .expect("list")
            .filter_map(Result::ok)
            .map(|e| e.file_name())
            .collect();
        assert_eq!(
            leftovers.len(),
            1,
            "no temporary folder left: {leftovers:?}"
        );
    }

    #[test]
    fn a_folder_not_written_by_an_export_is_never_replaced() {
        let root = tempfile::tempdir().expect("temp dir");
        fs::write(root.path().join("precious.txt"), "keep").expect("write");
        let err = write_folder(root.path(), &[file("a.txt", "x")]).unwrap_err();
        assert!(matches!(err, ExportError::FolderInUse { .. }), "{err}");
        assert!(root.path().join("precious.txt").is_file());
    }

    #[test]
    fn file_names_that_leave_the_folder_are_refused() {
        let root = tempfile::tempdir().expect("temp dir");
        for bad in ["../x", "/etc/x", "a/../../x", "", "a\\b"] {
            let err = write_folder(&root.path().join("out"), &[file(bad, "x")]).unwrap_err();
            assert!(matches!(err, ExportError::UnsafePath(_)), "{bad}: {err}");
        }
        assert!(!root.path().join("out").exists());
    }
}
