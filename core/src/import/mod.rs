//! Importers: AsyncAPI 2.x/3.x documents and Kafka Streams `Topology#describe()`
//! texts become a board that runs straight away; a Stormflow JSON model (what
//! `stormflow export --format json` writes) opens as it is.
//!
//! A folder imports every document under it as one linked system: channels
//! and topics with the same name are one topic, and a message one application
//! sends and another receives flows between them through it. The mapping and
//! the defaults assumed are described in `docs/import.md` and listed in the
//! imported board's notes.

mod asyncapi;
mod draft;
mod inputs;
mod kafka_streams;
mod merge;
mod tree;

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::model::Model;

pub use merge::merge_into;

/// Which importer reads an input.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ImportFormat {
    /// Decide per file by its content (and extension).
    #[default]
    Auto,
    /// AsyncAPI 2.0-2.6 or 3.0-3.1, YAML or JSON.
    AsyncApi,
    /// Kafka Streams `Topology#describe()` text.
    KafkaStreams,
}

impl ImportFormat {
    /// Every format, in the order a menu lists them.
    pub const ALL: [ImportFormat; 3] = [
        ImportFormat::Auto,
        ImportFormat::AsyncApi,
        ImportFormat::KafkaStreams,
    ];

    /// The name used on the command line (`auto`, `asyncapi`, `kafka-streams`).
    pub fn name(self) -> &'static str {
        match self {
            ImportFormat::Auto => "auto",
            ImportFormat::AsyncApi => "asyncapi",
            ImportFormat::KafkaStreams => "kafka-streams",
        }
    }

    /// The format with this command-line name.
    pub fn from_name(name: &str) -> Option<ImportFormat> {
        ImportFormat::ALL.into_iter().find(|f| f.name() == name)
    }
}

impl fmt::Display for ImportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where something is in an input: the file (or "clipboard") and, when known,
/// the 1-based line and column.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// The file as the user named it, or a label such as `clipboard`.
    pub origin: String,
    /// Line, from 1.
    pub line: Option<usize>,
    /// Column, from 1.
    pub col: Option<usize>,
}

impl Location {
    /// A whole file.
    pub fn file(origin: &str) -> Self {
        Self {
            origin: origin.to_string(),
            line: None,
            col: None,
        }
    }

    /// A line and column in a file.
    pub fn at(origin: &str, line: usize, col: usize) -> Self {
        Self {
            origin: origin.to_string(),
            line: Some(line),
            col: Some(col),
        }
    }

    /// A position if there is one, else the whole file.
    pub fn maybe(origin: &str, position: Option<(usize, usize)>) -> Self {
        match position {
            Some((line, col)) => Self::at(origin, line, col),
            None => Self::file(origin),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.origin)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.col {
                write!(f, ":{col}")?;
            }
        }
        Ok(())
    }
}

/// Something an import could not carry over exactly, or assumed; the board
/// was still made.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ImportWarning {
    /// Where in the input.
    pub at: Location,
    /// What happened, for the user.
    pub message: String,
}

impl fmt::Display for ImportWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.at, self.message)
    }
}

/// The result of an import: a board ready to run, and what to know about it.
#[derive(Clone, Debug)]
pub struct Imported {
    /// The board, laid out, with the defaults it assumed listed in its notes.
    pub model: Model,
    /// What could not be carried over exactly (in input order).
    pub warnings: Vec<ImportWarning>,
}

/// Why nothing could be imported. The message says what and where.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A file or folder could not be read.
    #[error("{}: cannot read it: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The system's reason.
        source: io::Error,
    },
    /// Not valid YAML or JSON, or not UTF-8 text.
    #[error("{at}: {message}")]
    Syntax {
        /// Where.
        at: Location,
        /// What is wrong.
        message: String,
    },
    /// Not a format this build reads, or a version it does not know.
    #[error("{at}: {message}")]
    Unsupported {
        /// Where.
        at: Location,
        /// What was found and what is read.
        message: String,
    },
    /// The right format, but something in it cannot be turned into a board
    /// (an unparsable topology line, a Stormflow model that does not load).
    #[error("{at}: {message}")]
    Invalid {
        /// Where.
        at: Location,
        /// What is wrong.
        message: String,
    },
    /// Over a size limit: file bytes, documents, or board elements.
    #[error("{at}: {message}")]
    TooLarge {
        /// Where.
        at: Location,
        /// Which limit.
        message: String,
    },
    /// The paths held nothing to import.
    #[error("{origin}: {message}")]
    NothingToImport {
        /// What was searched.
        origin: String,
        /// What was looked for.
        message: String,
    },
}

impl ImportError {
    /// Where the problem is, when it is in an input's text.
    pub fn location(&self) -> Option<&Location> {
        match self {
            ImportError::Syntax { at, .. }
            | ImportError::Unsupported { at, .. }
            | ImportError::Invalid { at, .. }
            | ImportError::TooLarge { at, .. } => Some(at),
            ImportError::Io { .. } | ImportError::NothingToImport { .. } => None,
        }
    }
}

/// Imports files and folders as one board. A folder contributes every
/// AsyncAPI document and Kafka Streams topology under it (recursively, in
/// sorted order); YAML and JSON files that are not AsyncAPI documents (shared
/// fragments reached by `$ref`) are skipped there. A Stormflow JSON model
/// imports only on its own.
pub fn import_paths(paths: &[PathBuf], format: ImportFormat) -> Result<Imported, ImportError> {
    let sources = inputs::collect(paths, format)?;
    inputs::import(sources, format)
}

/// Imports text (a clipboard paste) as a board; `origin` names it in messages.
/// Relative `$ref`s to other files cannot be followed from pasted text: they
/// are reported as warnings.
pub fn import_text(
    text: &str,
    origin: &str,
    format: ImportFormat,
) -> Result<Imported, ImportError> {
    let source = inputs::Source::text(text, origin)?;
    inputs::import(vec![source], format)
}
