//! The `.ron` file format: versioned, stably ordered, round-trip exact,
//! guarded by limits, migrated from older versions, saved atomically.
//!
//! A file is a RON struct with a `version` field. Elements are written in id
//! order and flows in (from, to, kind) order, one field per line, so two saves
//! of the same model are byte-identical and a one-sticky change is a one-hunk
//! diff. `Some(..)` is implicit: optional fields are written bare or left out.
//! The comment block at the top of a file is kept when it is saved.
//!
//! | file | what it holds |
//! |---|---|
//! | `values.rs` | the limits and the checks of every value |
//! | `spans.rs` | where each element, flow and field is in the text, for errors |
//! | `messages.rs` | parser errors in the user's words, with suggestions |
//! | `files.rs` | bounded reads, atomic writes through links, the leading comments |
//! | `v0.rs` | the prototype format and its migration |

mod files;
mod messages;
mod spans;
mod v0;
mod values;

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use ron::extensions::Extensions;
use serde::{Deserialize, Serialize};

pub use files::{Bounded, has_inner_comments, leading_block, read_bounded, write_atomic};
pub use values::{
    Limits, ValueError, check_element, check_element_fields, check_fault, check_fault_fields,
};

use crate::model::{
    Element, ElementId, Fault, Flow, Level, MAX_ID_LEN, Model, RunSettings, TourStep,
};
use spans::{Spans, field_in};
use values::{check_run_settings, check_text};

/// The format version this build writes and reads natively.
pub const CURRENT_VERSION: u32 = 1;

/// What went wrong with a file's contents, and where (1-based line and column).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{col}: {message}")]
pub struct FormatError {
    /// Line of the problem, from 1.
    pub line: usize,
    /// Column of the problem, from 1.
    pub col: usize,
    /// What is wrong and what was expected.
    pub message: String,
    /// The class of problem, for programs that act on it.
    pub kind: FormatErrorKind,
}

/// Classes of [`FormatError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatErrorKind {
    /// Not valid RON, or not the shape of a model.
    Syntax,
    /// Written by a newer Stormflow.
    NewerVersion,
    /// A flow names an element that does not exist.
    UnknownElement,
    /// A value outside the limits or the meaning of its field.
    Invalid,
}

/// Why a file could not be opened as a model.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("{}: cannot read the file: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The system's reason.
        source: io::Error,
    },
    /// The file was read but is not a valid model.
    #[error("{}:{error}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What and where.
        error: FormatError,
    },
}

/// Why a model could not be saved. The file on disk is untouched.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// Writing, syncing or renaming failed.
    #[error("cannot save {}: {source} (the file on disk is unchanged)", path.display())]
    Io {
        /// The target file.
        path: PathBuf,
        /// The system's reason.
        source: io::Error,
    },
    /// The model could not be written as RON.
    #[error("cannot write the model as RON: {0}")]
    Encode(String),
}

/// The newest format, as stored.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileV1 {
    pub(super) version: u32,
    pub(super) name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(super) notes: String,
    #[serde(default)]
    pub(super) level: Level,
    #[serde(default)]
    pub(super) run: RunSettings,
    #[serde(default)]
    pub(super) elements: Vec<Element>,
    #[serde(default)]
    pub(super) flows: Vec<Flow>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(super) faults: Vec<Fault>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(super) tour: Vec<TourStep>,
}

/// Just the version, read before choosing which shape to parse.
#[derive(Deserialize)]
struct VersionProbe {
    #[serde(default)]
    version: u32,
}

fn ron_options() -> ron::Options {
    ron::Options::default().with_default_extension(Extensions::IMPLICIT_SOME)
}

fn syntax_error(error: &ron::error::SpannedError) -> FormatError {
    FormatError {
        line: error.span.start.line.max(1),
        col: error.span.start.col.max(1),
        message: messages::parse_error(&error.code),
        kind: FormatErrorKind::Syntax,
    }
}

/// Reads a model from RON text, with the default limits.
pub fn from_ron_str(src: &str) -> Result<Model, FormatError> {
    from_ron_str_with(src, &Limits::default())
}

/// Reads a model from RON text within `limits`. A leading byte-order mark
/// is skipped.
pub fn from_ron_str_with(src: &str, limits: &Limits) -> Result<Model, FormatError> {
    check_size(src, limits)?;
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let options = ron_options();
    let probe: VersionProbe = options.from_str(src).map_err(|e| syntax_error(&e))?;
    let file = match probe.version {
        0 => FileV1::from(
            options
                .from_str::<v0::FileV0>(src)
                .map_err(|e| syntax_error(&e))?,
        ),
        CURRENT_VERSION => options
            .from_str::<FileV1>(src)
            .map_err(|e| syntax_error(&e))?,
        newer => {
            let spans = Spans::of(src);
            let (line, col) = at(src, spans.field("version"));
            return Err(FormatError {
                line,
                col,
                message: format!(
                    "this file is format version {newer}, written by a newer Stormflow; \
                     this build reads versions up to {CURRENT_VERSION}: update Stormflow to open it"
                ),
                kind: FormatErrorKind::NewerVersion,
            });
        }
    };
    build_model(file, src, limits)
}

/// Reads a model from JSON with the same fields as the `.ron` file (what
/// [`to_json_string`] writes), with the default limits and the same checks.
pub fn from_json_str(src: &str) -> Result<Model, FormatError> {
    from_json_str_with(src, &Limits::default())
}

/// Reads a model from JSON within `limits`.
pub fn from_json_str_with(src: &str, limits: &Limits) -> Result<Model, FormatError> {
    check_size(src, limits)?;
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let json_error = |e: serde_json::Error| FormatError {
        line: e.line().max(1),
        col: e.column().max(1),
        message: e.to_string().replace("FileV1", "the model"),
        kind: FormatErrorKind::Syntax,
    };
    let probe: VersionProbe = serde_json::from_str(src).map_err(json_error)?;
    if probe.version != CURRENT_VERSION {
        let (line, col) = at(src, Spans::of(src).field("version"));
        return Err(FormatError {
            line,
            col,
            message: format!(
                "a JSON model must be format version {CURRENT_VERSION}, found {}",
                probe.version
            ),
            kind: if probe.version > CURRENT_VERSION {
                FormatErrorKind::NewerVersion
            } else {
                FormatErrorKind::Invalid
            },
        });
    }
    let file: FileV1 = serde_json::from_str(src).map_err(json_error)?;
    build_model(file, src, limits)
}

/// Writes a model as JSON with the same fields as the `.ron` file, for `jq`
/// and scripts; [`from_json_str`] reads it back to the same model.
pub fn to_json_string(model: &Model) -> Result<String, SaveError> {
    let mut text = serde_json::to_string_pretty(&file_of(model))
        .map_err(|e| SaveError::Encode(e.to_string()))?;
    text.push('\n');
    Ok(text)
}

fn check_size(src: &str, limits: &Limits) -> Result<(), FormatError> {
    if src.len() as u64 > limits.max_file_bytes {
        return Err(too_large(src.len() as u64, limits));
    }
    Ok(())
}

fn too_large(bytes: u64, limits: &Limits) -> FormatError {
    FormatError {
        line: 1,
        col: 1,
        message: format!(
            "the file is {bytes} bytes; the limit is {} bytes",
            limits.max_file_bytes
        ),
        kind: FormatErrorKind::Invalid,
    }
}

/// Reads a model file, with the default limits.
pub fn load(path: &Path) -> Result<Model, LoadError> {
    load_with(path, &Limits::default())
}

/// Reads a model file within `limits`. Only a regular file is read, and no
/// more than the limit of it.
pub fn load_with(path: &Path, limits: &Limits) -> Result<Model, LoadError> {
    let raw = match read_bounded(path, limits.max_file_bytes) {
        Ok(Bounded::Bytes(raw)) => raw,
        Ok(Bounded::TooLarge) => {
            let bytes = std::fs::metadata(path).map_or(limits.max_file_bytes + 1, |m| m.len());
            return Err(LoadError::Format {
                path: path.to_path_buf(),
                error: too_large(bytes.max(limits.max_file_bytes + 1), limits),
            });
        }
        Err(source) => {
            return Err(LoadError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let src = String::from_utf8(raw).map_err(|e| {
        let (line, col) = position_of_byte(e.as_bytes(), e.utf8_error().valid_up_to());
        LoadError::Format {
            path: path.to_path_buf(),
            error: FormatError {
                line,
                col,
                message: "the file is not UTF-8 text".into(),
                kind: FormatErrorKind::Syntax,
            },
        }
    })?;
    from_ron_str_with(&src, limits).map_err(|error| LoadError::Format {
        path: path.to_path_buf(),
        error,
    })
}

/// Writes a model as RON text: the canonical, stably ordered form.
pub fn to_ron_string(model: &Model) -> Result<String, SaveError> {
    let file = file_of(model);
    let pretty = ron::ser::PrettyConfig::new()
        .depth_limit(3)
        .indentor("    ")
        .extensions(Extensions::IMPLICIT_SOME);
    let mut text = ron_options()
        .to_string_pretty(&file, pretty)
        .map_err(|e| SaveError::Encode(e.to_string()))?;
    text.push('\n');
    Ok(text)
}

/// The stored shape of a model, in canonical order.
fn file_of(model: &Model) -> FileV1 {
    FileV1 {
        version: CURRENT_VERSION,
        name: model.name.clone(),
        notes: model.notes.clone(),
        level: model.level,
        run: model.run.clone(),
        elements: model.elements().cloned().collect(),
        flows: model.sorted_flows().into_iter().cloned().collect(),
        faults: model.faults.clone(),
        tour: model.tour.clone(),
    }
}

/// The text a save writes over a file that holds `current`: the model in
/// canonical form after the comment block at the top of `current`.
pub fn to_ron_string_over(model: &Model, current: &str) -> Result<String, SaveError> {
    let mut text = leading_block(current).to_string();
    text.push_str(&to_ron_string(model)?);
    Ok(text)
}

/// Saves a model atomically: the text is written to a file beside the
/// target, synced, then renamed over it, so a failure at any point leaves
/// the old file as it was. Through a symbolic link the file it names is
/// written; the file keeps its permissions and the comment block at its top.
pub fn save(path: &Path, model: &Model) -> Result<(), SaveError> {
    let current = match read_bounded(path, Limits::default().max_file_bytes) {
        Ok(Bounded::Bytes(bytes)) => String::from_utf8(bytes).unwrap_or_default(),
        _ => String::new(),
    };
    let text = to_ron_string_over(model, &current)?;
    write_atomic(path, |file| file.write_all(text.as_bytes()))
}

/// The 1-based line and column of a byte range's start (1:1 without one).
fn at(src: &str, range: Option<Range<usize>>) -> (usize, usize) {
    range.map_or((1, 1), |r| position_of_byte(src.as_bytes(), r.start))
}

/// An id kept for an element whose id repeats one before it: `{id}~{n}`,
/// cut so the whole stays a valid id.
fn marked_id(original: &ElementId, n: u32) -> ElementId {
    let suffix = format!("~{n}");
    let keep = MAX_ID_LEN.saturating_sub(suffix.len());
    let mut base: String = original.0.chars().take(keep).collect();
    while base.len() > keep {
        base.pop();
    }
    ElementId::new(format!("{base}{suffix}"))
}

fn build_model(file: FileV1, src: &str, limits: &Limits) -> Result<Model, FormatError> {
    let spans = Spans::of(src);
    let invalid_at = |range: Option<Range<usize>>, message: String| {
        let (line, col) = at(src, range);
        FormatError {
            line,
            col,
            message,
            kind: FormatErrorKind::Invalid,
        }
    };
    // The field `field` of item `index` of list `list` (the item itself
    // when the field is not written there).
    let in_item = |list: &str, index: usize, field: &str| {
        let item = spans.item(list, index);
        item.clone()
            .and_then(|range| field_in(src, range, field))
            .or(item)
            .or_else(|| spans.field(list))
    };
    for (list, count, limit, what) in [
        (
            "elements",
            file.elements.len(),
            limits.max_elements,
            "elements",
        ),
        ("flows", file.flows.len(), limits.max_flows, "flows"),
        ("faults", file.faults.len(), limits.max_faults, "faults"),
        ("tour", file.tour.len(), limits.max_tour_steps, "tour steps"),
    ] {
        if count > limit {
            return Err(invalid_at(
                spans.field(list),
                format!("{count} {what}; the limit is {limit}"),
            ));
        }
    }
    check_text(&file.name, "name", "the model name", limits.max_name_bytes)
        .map_err(|e| invalid_at(spans.field("name"), e.message))?;
    check_text(
        &file.notes,
        "notes",
        "the model notes",
        limits.max_notes_bytes,
    )
    .map_err(|e| invalid_at(spans.field("notes"), e.message))?;
    check_run_settings(&file.run, limits).map_err(|e| {
        let run = spans
            .field("run")
            .map(|name| name.start..spans.value_end("run").unwrap_or(src.len()));
        let place = run
            .clone()
            .and_then(|range| field_in(src, range, e.field))
            .or(run);
        invalid_at(place, e.message)
    })?;

    let mut model = Model::new(file.name);
    model.notes = file.notes;
    model.level = file.level;
    model.run = file.run;

    // How many times each id has been seen, to mark repeats in one pass.
    let mut repeats: BTreeMap<ElementId, u32> = BTreeMap::new();
    for (index, mut element) in file.elements.into_iter().enumerate() {
        element
            .id
            .validate()
            .map_err(|m| invalid_at(in_item("elements", index, "id"), m))?;
        check_element_fields(&element, limits).map_err(|e| {
            invalid_at(
                in_item("elements", index, e.field),
                format!("element `{}`: {}", element.id, e.message),
            )
        })?;
        if model.contains(&element.id) {
            // Keep both: the second is renamed and the duplicate-id check
            // reports it, so nothing in the file is lost.
            let seen = repeats.entry(element.id.clone()).or_insert(1);
            let original = element.id.clone();
            loop {
                *seen += 1;
                let marked = marked_id(&original, *seen);
                if !model.contains(&marked) {
                    element.id = marked;
                    break;
                }
            }
        }
        model
            .add_element(element)
            .map_err(|e| invalid_at(in_item("elements", index, "id"), e.to_string()))?;
    }
    for (index, flow) in file.flows.into_iter().enumerate() {
        for (end, field) in [(&flow.from, "from"), (&flow.to, "to")] {
            if !model.contains(end) {
                let (line, col) = at(src, in_item("flows", index, field));
                return Err(FormatError {
                    line,
                    col,
                    message: format!("flow {flow} names `{end}`, but no element has that id"),
                    kind: FormatErrorKind::UnknownElement,
                });
            }
        }
        model
            .insert_flow_unchecked(flow)
            .map_err(|e| invalid_at(spans.item("flows", index), e.to_string()))?;
    }
    for (index, fault) in file.faults.iter().enumerate() {
        if !model.contains(&fault.element) {
            let (line, col) = at(src, in_item("faults", index, "element"));
            return Err(FormatError {
                line,
                col,
                message: format!(
                    "a fault at {} us names `{}`, but no element has that id",
                    fault.at_us, fault.element
                ),
                kind: FormatErrorKind::UnknownElement,
            });
        }
        check_fault_fields(fault, limits)
            .map_err(|e| invalid_at(in_item("faults", index, e.field), e.message))?;
    }
    for (index, step) in file.tour.iter().enumerate() {
        check_text(
            &step.text,
            "text",
            "a tour step's text",
            limits.max_notes_bytes,
        )
        .map_err(|e| invalid_at(in_item("tour", index, "text"), e.message))?;
        if let Some(id) = &step.element
            && !model.contains(id)
        {
            return Err(invalid_at(
                in_item("tour", index, "element"),
                format!("a tour step names `{id}`, but no element has that id"),
            ));
        }
    }
    model.faults = file.faults;
    model.faults.sort_by_key(|fault| fault.at_us);
    model.tour = file.tour;
    Ok(model)
}

/// 1-based line and column of the first occurrence of `needle` in `src`.
pub fn locate(src: &str, needle: &str) -> Option<(usize, usize)> {
    let byte = src.find(needle)?;
    Some(position_of_byte(src.as_bytes(), byte))
}

fn position_of_byte(bytes: &[u8], byte: usize) -> (usize, usize) {
    let before = &bytes[..byte.min(bytes.len())];
    let line = 1 + before.iter().filter(|b| **b == b'\n').count();
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let col = 1 + String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count();
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ElementKind, FlowKind, Pos, Workload};

    fn small_model() -> Model {
        let mut model = Model::new("Small");
        let mut customer = Element::new(
            "customer",
            ElementKind::Actor,
            "Customer",
            Pos { x: 0, y: 0 },
        );
        customer.workload = Some(Workload::default());
        model.add_element(customer).expect("fresh");
        model
            .add_element(Element::new(
                "place-order",
                ElementKind::Command,
                "Place Order",
                Pos { x: 200, y: 0 },
            ))
            .expect("fresh");
        model
            .connect(Flow::new("customer", "place-order", FlowKind::Issues))
            .expect("allowed");
        model
    }

    #[test]
    fn round_trip_is_exact_and_byte_identical() {
        let model = small_model();
        let text = to_ron_string(&model).expect("encodes");
        let again = from_ron_str(&text).expect("decodes");
        assert_eq!(model, again);
        assert_eq!(text, to_ron_string(&again).expect("encodes"));
    }

    #[test]
    fn json_round_trip_gives_the_same_model() {
        let model = small_model();
        let json = to_json_string(&model).expect("encodes");
        assert_eq!(from_json_str(&json).expect("decodes"), model);
        assert!(json.contains("\"elements\""), "{json}");
    }

    #[test]
    fn json_syntax_errors_carry_line_and_column() {
        let err = from_json_str("{\n  \"version\": 1,\n  \"name\": }").unwrap_err();
        assert_eq!(err.kind, FormatErrorKind::Syntax);
        assert_eq!(err.line, 3);
    }

    #[test]
    fn optional_fields_are_written_without_some() {
        let text = to_ron_string(&small_model()).expect("encodes");
        assert!(!text.contains("Some("), "{text}");
        assert!(text.contains("workload: ("), "{text}");
    }

    #[test]
    fn newer_version_says_so() {
        let err = from_ron_str("(version: 99, name: \"x\")").unwrap_err();
        assert_eq!(err.kind, FormatErrorKind::NewerVersion);
        assert!(err.message.contains("newer Stormflow"), "{}", err.message);
        assert_eq!((err.line, err.col), (1, 2));
    }

    #[test]
    fn unknown_flow_end_names_the_id_and_the_flow() {
        let src = "(version: 1, name: \"x\", elements: [], flows: [\n  (from: \"a\", to: \"b\", kind: Emits),\n])";
        let err = from_ron_str(src).unwrap_err();
        assert_eq!(err.kind, FormatErrorKind::UnknownElement);
        assert!(
            err.message.contains("`a`") && err.message.contains("a -[emits]-> b"),
            "{}",
            err.message
        );
        assert_eq!(err.line, 2);
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let err = from_ron_str("(version: 1,\n name: \"x\",\n elements: [ (id: ] )").unwrap_err();
        assert_eq!(err.kind, FormatErrorKind::Syntax);
        assert_eq!(err.line, 3);
        assert!(err.col > 1);
    }

    #[test]
    fn misspelt_fields_are_errors_not_silence() {
        let src = "(version: 1, name: \"x\", elemnts: [])";
        let err = from_ron_str(src).unwrap_err();
        assert!(err.message.contains("elemnts"), "{}", err.message);
    }

    #[test]
    fn limits_refuse_hostile_values() {
        let mut model = Model::new("x");
        let mut topic = Element::new("t", ElementKind::Topic, "t", Pos::default());
        topic.topic = Some(crate::model::TopicSpec {
            partitions: 1_000_000,
            retention: crate::model::Retention::Forever,
        });
        model.add_element(topic).expect("fresh");
        let text = to_ron_string(&model).expect("encodes");
        let err = from_ron_str(&text).unwrap_err();
        assert_eq!(err.kind, FormatErrorKind::Invalid);
        assert!(err.message.contains("partitions"), "{}", err.message);
        assert!(err.line > 1);
    }

    #[test]
    fn version_zero_file_is_migrated() {
        let src = r#"(
    name: "Prototype",
    stickies: [
        (id: "customer", kind: Actor, text: "Customer", x: 10, y: 20),
        (id: "place-order", kind: Command, text: "Place Order", x: 200, y: 20),
    ],
    arrows: [
        (from: "customer", to: "place-order", kind: Issues),
    ],
)"#;
        let model = from_ron_str(src).expect("migrates");
        let customer = model.element(&"customer".into()).expect("kept");
        assert_eq!(customer.name, "Customer");
        assert_eq!(customer.pos, Pos { x: 10, y: 20 });
        assert_eq!(model.flow_count(), 1);
        assert!(
            to_ron_string(&model)
                .expect("encodes")
                .starts_with("(\n    version: 1,")
        );
    }

    #[test]
    fn duplicate_ids_are_kept_under_a_marked_id() {
        let src = r#"(version: 1, name: "x", elements: [
    (id: "a", kind: Event, name: "A Happened", pos: (x: 0, y: 0)),
    (id: "a", kind: Event, name: "A Again", pos: (x: 0, y: 0)),
])"#;
        let model = from_ron_str(src).expect("loads");
        assert_eq!(model.element_count(), 2);
        assert_eq!(
            model.element(&"a~2".into()).expect("renamed").name,
            "A Again"
        );
    }
}
