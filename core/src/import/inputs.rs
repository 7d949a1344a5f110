//! Finding and reading the inputs of an import, recognising each one, and
//! handing it to its importer: files and folders in, one draft board out.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::draft::Draft;
use super::{ImportError, ImportFormat, Imported, Location, asyncapi, kafka_streams, tree};
use crate::format::Limits;

/// Most files one import reads (documents plus files reached by `$ref`).
pub(crate) const MAX_FILES: usize = 1_000;
/// Most bytes one import reads in all.
const MAX_TOTAL_BYTES: u64 = 256 * 1024 * 1024;
/// Deepest folder nesting searched.
const MAX_FOLDER_DEPTH: usize = 32;

/// One input: its text and how to name it.
#[derive(Clone, Debug)]
pub(crate) struct Source {
    /// The file on disk (none for pasted text): relative `$ref`s start here.
    pub path: Option<PathBuf>,
    /// How messages name it: the path as the user gave it, or a label.
    pub origin: String,
    /// How the board's notes name it: relative to the folder imported.
    pub label: String,
    /// Lowercase extension, if any.
    pub ext: String,
    /// Named by the user (not found while searching a folder).
    pub explicit: bool,
    /// The text.
    pub text: String,
}

impl Source {
    /// Pasted text, checked against the size limit.
    pub(crate) fn text(text: &str, origin: &str) -> Result<Source, ImportError> {
        let limit = Limits::default().max_file_bytes;
        if text.len() as u64 > limit {
            return Err(ImportError::TooLarge {
                at: Location::file(origin),
                message: format!(
                    "the text is {} bytes; the limit is {limit} bytes",
                    text.len()
                ),
            });
        }
        Ok(Source {
            path: None,
            origin: origin.to_string(),
            label: origin.to_string(),
            ext: String::new(),
            explicit: true,
            text: text.trim_start_matches('\u{feff}').to_string(),
        })
    }
}

/// Reads a file as UTF-8 text within the size limit.
pub(crate) fn read_text(path: &Path, origin: &str) -> Result<String, ImportError> {
    let io_error = |source| ImportError::Io {
        path: path.to_path_buf(),
        source,
    };
    let limit = Limits::default().max_file_bytes;
    let raw = match crate::format::read_bounded(path, limit).map_err(io_error)? {
        crate::format::Bounded::Bytes(raw) => raw,
        crate::format::Bounded::TooLarge => {
            return Err(ImportError::TooLarge {
                at: Location::file(origin),
                message: format!("the file is larger than the limit of {limit} bytes"),
            });
        }
    };
    match String::from_utf8(raw) {
        Ok(text) => Ok(text.trim_start_matches('\u{feff}').to_string()),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let before = String::from_utf8_lossy(&e.as_bytes()[..valid]).into_owned();
            let line = 1 + before.matches('\n').count();
            let col = 1 + before.rsplit('\n').next().map_or(0, |l| l.chars().count());
            Err(ImportError::Syntax {
                at: Location::at(origin, line, col),
                message: "the file is not UTF-8 text".into(),
            })
        }
    }
}

fn extension(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

/// Whether a file found in a folder is worth reading for `format`.
fn wanted(ext: &str, format: ImportFormat) -> bool {
    let structured = matches!(ext, "yaml" | "yml" | "json");
    let text = matches!(ext, "txt" | "log" | "topology");
    match format {
        ImportFormat::Auto => structured || text,
        ImportFormat::AsyncApi => structured,
        ImportFormat::KafkaStreams => text,
    }
}

/// The inputs named by `paths`: files as given, folders searched recursively
/// in sorted order (hidden entries and linked folders skipped).
pub(crate) fn collect(paths: &[PathBuf], format: ImportFormat) -> Result<Vec<Source>, ImportError> {
    if paths.is_empty() {
        return Err(ImportError::NothingToImport {
            origin: "import".into(),
            message: "no file or folder was given".into(),
        });
    }
    let mut found: Vec<(PathBuf, String, String, bool)> = Vec::new();
    for path in paths {
        let meta = fs::metadata(path).map_err(|source| ImportError::Io {
            path: path.clone(),
            source,
        })?;
        if meta.is_dir() {
            let root = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.display().to_string());
            let before = found.len();
            walk(path, &root, 0, format, &mut found)?;
            if found.len() == before {
                return Err(ImportError::NothingToImport {
                    origin: path.display().to_string(),
                    message: format!(
                        "the folder holds no file an importer reads ({})",
                        match format {
                            ImportFormat::Auto => ".yaml, .yml, .json, .txt",
                            ImportFormat::AsyncApi => ".yaml, .yml, .json",
                            ImportFormat::KafkaStreams => ".txt, .log, .topology",
                        }
                    ),
                });
            }
        } else {
            let label = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.display().to_string());
            found.push((path.clone(), path.display().to_string(), label, true));
        }
        if found.len() > MAX_FILES {
            return Err(too_many(path));
        }
    }
    let mut total = 0u64;
    let mut sources = Vec::with_capacity(found.len());
    for (path, origin, label, explicit) in found {
        let text = read_text(&path, &origin)?;
        total += text.len() as u64;
        if total > MAX_TOTAL_BYTES {
            return Err(ImportError::TooLarge {
                at: Location::file(&origin),
                message: format!("the inputs add up to more than {MAX_TOTAL_BYTES} bytes"),
            });
        }
        sources.push(Source {
            ext: extension(&path),
            path: Some(path),
            origin,
            label,
            explicit,
            text,
        });
    }
    Ok(sources)
}

fn too_many(path: &Path) -> ImportError {
    ImportError::TooLarge {
        at: Location::file(&path.display().to_string()),
        message: format!("more than {MAX_FILES} files to import; import a smaller folder"),
    }
}

fn walk(
    dir: &Path,
    label: &str,
    depth: usize,
    format: ImportFormat,
    found: &mut Vec<(PathBuf, String, String, bool)>,
) -> Result<(), ImportError> {
    if depth > MAX_FOLDER_DEPTH {
        return Ok(());
    }
    let io_error = |source| ImportError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut entries: Vec<(String, PathBuf, fs::FileType)> = Vec::new();
    for entry in fs::read_dir(dir).map_err(io_error)? {
        let entry = entry.map_err(io_error)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let kind = entry.file_type().map_err(io_error)?;
        entries.push((name, entry.path(), kind));
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, path, kind) in entries {
        let child = format!("{label}/{name}");
        if kind.is_dir() {
            walk(&path, &child, depth + 1, format, found)?;
        } else if (kind.is_file() || (kind.is_symlink() && path.is_file()))
            && wanted(&extension(&path), format)
        {
            found.push((path.clone(), path.display().to_string(), child, false));
            if found.len() > MAX_FILES {
                return Err(too_many(dir));
            }
        }
    }
    Ok(())
}

/// What an input turned out to be.
enum Recognised {
    AsyncApi(Value),
    Topology,
    Model(crate::model::Model),
    Skip,
}

fn is_model_json(source: &Source, value: &Value) -> bool {
    tree::looks_like_json(&source.text)
        && value.get("version").is_some()
        && value.get("elements").is_some()
}

fn recognise(source: &Source, format: ImportFormat) -> Result<Recognised, ImportError> {
    let unrecognised = |what: &str| ImportError::Unsupported {
        at: Location::file(&source.origin),
        message: what.to_string(),
    };
    match format {
        ImportFormat::KafkaStreams => Ok(Recognised::Topology),
        ImportFormat::AsyncApi => {
            let value = tree::parse(&source.text, &source.origin)?;
            if value.get("asyncapi").is_some() {
                Ok(Recognised::AsyncApi(value))
            } else if source.explicit {
                Err(unrecognised(
                    "not an AsyncAPI document: it has no top-level `asyncapi` field naming its version",
                ))
            } else {
                Ok(Recognised::Skip)
            }
        }
        ImportFormat::Auto => {
            let text_file = matches!(source.ext.as_str(), "txt" | "log" | "topology");
            if text_file && !source.explicit {
                return Ok(if kafka_streams::looks_like_topology(&source.text) {
                    Recognised::Topology
                } else {
                    Recognised::Skip
                });
            }
            match tree::parse(&source.text, &source.origin) {
                Ok(value) if value.get("asyncapi").is_some() => Ok(Recognised::AsyncApi(value)),
                Ok(value) if is_model_json(source, &value) => {
                    crate::format::from_json_str(&source.text)
                        .map(Recognised::Model)
                        .map_err(|e| ImportError::Invalid {
                            at: Location::at(&source.origin, e.line, e.col),
                            message: format!("this Stormflow model does not load: {}", e.message),
                        })
                }
                _ if kafka_streams::looks_like_topology(&source.text) => Ok(Recognised::Topology),
                Ok(_) if !source.explicit => Ok(Recognised::Skip),
                Ok(_) => Err(unrecognised(
                    "not recognised: expected an AsyncAPI document (YAML or JSON, with an \
                     `asyncapi` field), a Kafka Streams topology description (`Topology#describe()` \
                     text) or a Stormflow JSON model",
                )),
                Err(e) => Err(e),
            }
        }
    }
}

/// Recognises every input and builds one board from them.
pub(crate) fn import(sources: Vec<Source>, format: ImportFormat) -> Result<Imported, ImportError> {
    let count = sources.len();
    let mut documents = Vec::new();
    let mut topologies = Vec::new();
    let mut model = None;
    for source in sources {
        match recognise(&source, format)? {
            Recognised::AsyncApi(value) => documents.push((source, value)),
            Recognised::Topology => topologies.push(source),
            Recognised::Model(m) => {
                if count > 1 {
                    return Err(ImportError::Unsupported {
                        at: Location::file(&source.origin),
                        message: "a Stormflow model imports on its own: import it alone, or \
                                  merge the other inputs into it (`--into`)"
                            .into(),
                    });
                }
                model = Some(m);
            }
            Recognised::Skip => {}
        }
    }
    if let Some(model) = model {
        return Ok(Imported {
            model,
            warnings: Vec::new(),
        });
    }
    if documents.is_empty() && topologies.is_empty() {
        return Err(ImportError::NothingToImport {
            origin: "import".into(),
            message: "found no AsyncAPI document and no Kafka Streams topology to import".into(),
        });
    }
    let mut draft = Draft::default();
    asyncapi::import(&mut draft, documents)?;
    for source in &topologies {
        kafka_streams::import(&mut draft, source)?;
    }
    draft.finish()
}
