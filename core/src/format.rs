//! The `.ron` file format: versioned, stably ordered, round-trip exact,
//! guarded by limits, migrated from older versions, saved atomically.
//!
//! A file is a RON struct with a `version` field. Elements are written in id
//! order and flows in (from, to, kind) order, one field per line, so two saves
//! of the same model are byte-identical and a one-sticky change is a one-hunk
//! diff. `Some(..)` is implicit: optional fields are written bare or left out.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use ron::extensions::Extensions;
use serde::{Deserialize, Serialize};

use crate::model::{
    Arrival, Element, ElementId, Fault, FaultKind, Flow, FlowKind, Level, Model, Operator, Pos,
    RunSettings, Service, ServiceTime, TourStep,
};

/// The format version this build writes and reads natively.
pub const CURRENT_VERSION: u32 = 1;

/// Bounds a file must stay within; a hostile or broken file gets a clear
/// error instead of exhausting memory.
#[derive(Clone, Debug, PartialEq)]
pub struct Limits {
    /// Largest file read, in bytes.
    pub max_file_bytes: u64,
    /// Most elements.
    pub max_elements: usize,
    /// Most flows.
    pub max_flows: usize,
    /// Longest name, in bytes.
    pub max_name_bytes: usize,
    /// Longest notes or tour text, in bytes.
    pub max_notes_bytes: usize,
    /// Most partitions of one topic.
    pub max_partitions: u32,
    /// Most instances of one service.
    pub max_instances: u32,
    /// Highest workload rate, messages per second.
    pub max_rate_per_sec: f64,
    /// Largest key space.
    pub max_keys: u32,
    /// Most scheduled faults.
    pub max_faults: usize,
    /// Most tour steps.
    pub max_tour_steps: usize,
    /// Largest trace limit, in messages.
    pub max_trace_limit: u32,
    /// Longest run horizon and longest duration anywhere, in microseconds.
    pub max_duration_us: u64,
    /// Most retry attempts.
    pub max_attempts: u32,
    /// Largest burst.
    pub max_burst: u32,
    /// Largest board coordinate magnitude.
    pub max_coordinate: i32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_file_bytes: 32 * 1024 * 1024,
            max_elements: 100_000,
            max_flows: 400_000,
            max_name_bytes: 500,
            max_notes_bytes: 20_000,
            max_partitions: 1_024,
            max_instances: 1_024,
            max_rate_per_sec: 1_000_000.0,
            max_keys: 10_000_000,
            max_faults: 10_000,
            max_tour_steps: 200,
            max_trace_limit: 20_000_000,
            max_duration_us: 7 * 24 * 3_600 * 1_000_000,
            max_attempts: 100,
            max_burst: 1_000_000,
            max_coordinate: 10_000_000,
        }
    }
}

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
struct FileV1 {
    version: u32,
    name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    notes: String,
    #[serde(default)]
    level: Level,
    #[serde(default)]
    run: RunSettings,
    #[serde(default)]
    elements: Vec<Element>,
    #[serde(default)]
    flows: Vec<Flow>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    faults: Vec<Fault>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tour: Vec<TourStep>,
}

/// The prototype format written before versioning (version 0 or no version):
/// `stickies` with `text`, `x`, `y`, and `arrows`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileV0 {
    #[serde(default)]
    #[allow(dead_code)]
    version: u32,
    name: String,
    #[serde(default)]
    stickies: Vec<StickyV0>,
    #[serde(default)]
    arrows: Vec<ArrowV0>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StickyV0 {
    id: ElementId,
    kind: crate::model::ElementKind,
    text: String,
    x: i32,
    y: i32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ArrowV0 {
    from: ElementId,
    to: ElementId,
    kind: FlowKind,
}

/// Version 0 -> 1: stickies became elements (`text` -> `name`, `x`/`y` ->
/// `pos`), arrows became flows, and run settings appeared.
impl From<FileV0> for FileV1 {
    fn from(old: FileV0) -> Self {
        FileV1 {
            version: 1,
            name: old.name,
            notes: String::new(),
            level: Level::default(),
            run: RunSettings::default(),
            elements: old
                .stickies
                .into_iter()
                .map(|sticky| {
                    let mut element = Element::new(
                        sticky.id.0,
                        sticky.kind,
                        sticky.text,
                        Pos {
                            x: sticky.x,
                            y: sticky.y,
                        },
                    );
                    element.id.0.make_ascii_lowercase();
                    element
                })
                .collect(),
            flows: old
                .arrows
                .into_iter()
                .map(|arrow| Flow {
                    from: arrow.from,
                    to: arrow.to,
                    kind: arrow.kind,
                    on: Vec::new(),
                })
                .collect(),
            faults: Vec::new(),
            tour: Vec::new(),
        }
    }
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
        message: format!("{}", error.code),
        kind: FormatErrorKind::Syntax,
    }
}

/// Reads a model from RON text, with the default limits.
pub fn from_ron_str(src: &str) -> Result<Model, FormatError> {
    from_ron_str_with(src, &Limits::default())
}

/// Reads a model from RON text within `limits`.
pub fn from_ron_str_with(src: &str, limits: &Limits) -> Result<Model, FormatError> {
    check_size(src, limits)?;
    let options = ron_options();
    let probe: VersionProbe = options.from_str(src).map_err(|e| syntax_error(&e))?;
    let file = match probe.version {
        0 => FileV1::from(
            options
                .from_str::<FileV0>(src)
                .map_err(|e| syntax_error(&e))?,
        ),
        CURRENT_VERSION => options
            .from_str::<FileV1>(src)
            .map_err(|e| syntax_error(&e))?,
        newer => {
            let (line, col) = locate(src, "version").unwrap_or((1, 1));
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
    let json_error = |e: serde_json::Error| FormatError {
        line: e.line().max(1),
        col: e.column().max(1),
        message: e.to_string(),
        kind: FormatErrorKind::Syntax,
    };
    let probe: VersionProbe = serde_json::from_str(src).map_err(json_error)?;
    if probe.version != CURRENT_VERSION {
        let (line, col) = locate(src, "\"version\"").unwrap_or((1, 1));
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
        return Err(FormatError {
            line: 1,
            col: 1,
            message: format!(
                "the file is {} bytes; the limit is {} bytes",
                src.len(),
                limits.max_file_bytes
            ),
            kind: FormatErrorKind::Invalid,
        });
    }
    Ok(())
}

/// Reads a model file, with the default limits.
pub fn load(path: &Path) -> Result<Model, LoadError> {
    load_with(path, &Limits::default())
}

/// Reads a model file within `limits`; the size is checked before reading.
pub fn load_with(path: &Path, limits: &Limits) -> Result<Model, LoadError> {
    let io_error = |source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let bytes = fs::metadata(path).map_err(io_error)?.len();
    if bytes > limits.max_file_bytes {
        return Err(LoadError::Format {
            path: path.to_path_buf(),
            error: FormatError {
                line: 1,
                col: 1,
                message: format!(
                    "the file is {bytes} bytes; the limit is {} bytes",
                    limits.max_file_bytes
                ),
                kind: FormatErrorKind::Invalid,
            },
        });
    }
    let raw = fs::read(path).map_err(io_error)?;
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

/// Saves a model atomically: the text is written to a file beside the
/// target, synced, then renamed over it, so a failure at any point leaves the
/// old file as it was.
pub fn save(path: &Path, model: &Model) -> Result<(), SaveError> {
    let text = to_ron_string(model)?;
    write_atomic(path, |file| file.write_all(text.as_bytes()))
}

/// Writes a file atomically through `write`: a temporary file in the same
/// directory receives the bytes, is synced and renamed over `path`. If
/// `write` or any step fails, the temporary file is removed and `path` is
/// untouched.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut fs::File) -> io::Result<()>,
) -> Result<(), SaveError> {
    let io_error = |source| SaveError::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = path
        .file_name()
        .ok_or_else(|| io_error(io::Error::new(io::ErrorKind::InvalidInput, "no file name")))?;
    let temp = dir.join(format!(
        ".{}.saving-{}",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut file = fs::File::create(&temp)?;
        write(&mut file)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temp, path)?;
        // Make the rename itself durable where the platform allows it.
        if let Ok(dir) = fs::File::open(&dir) {
            let _ = dir.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result.map_err(io_error)
}

fn build_model(file: FileV1, src: &str, limits: &Limits) -> Result<Model, FormatError> {
    let invalid = |needle: &str, message: String| {
        let (line, col) = locate(src, needle).unwrap_or((1, 1));
        FormatError {
            line,
            col,
            message,
            kind: FormatErrorKind::Invalid,
        }
    };
    if file.elements.len() > limits.max_elements {
        return Err(invalid(
            "elements",
            format!(
                "{} elements; the limit is {}",
                file.elements.len(),
                limits.max_elements
            ),
        ));
    }
    if file.flows.len() > limits.max_flows {
        return Err(invalid(
            "flows",
            format!(
                "{} flows; the limit is {}",
                file.flows.len(),
                limits.max_flows
            ),
        ));
    }
    if file.faults.len() > limits.max_faults {
        return Err(invalid(
            "faults",
            format!(
                "{} faults; the limit is {}",
                file.faults.len(),
                limits.max_faults
            ),
        ));
    }
    if file.tour.len() > limits.max_tour_steps {
        return Err(invalid(
            "tour",
            format!(
                "{} tour steps; the limit is {}",
                file.tour.len(),
                limits.max_tour_steps
            ),
        ));
    }
    check_text(&file.name, "the model name", limits.max_name_bytes)
        .map_err(|m| invalid("name", m))?;
    check_text(&file.notes, "the model notes", limits.max_notes_bytes)
        .map_err(|m| invalid("notes", m))?;
    check_run_settings(&file.run, limits).map_err(|m| invalid("run", m))?;

    let mut model = Model::new(file.name);
    model.notes = file.notes;
    model.level = file.level;
    model.run = file.run;

    for mut element in file.elements {
        let needle = format!("\"{}\"", element.id);
        element.id.validate().map_err(|m| invalid(&needle, m))?;
        check_element(&element, limits)
            .map_err(|m| invalid(&needle, format!("element `{}`: {m}", element.id)))?;
        if model.contains(&element.id) {
            // Keep both: the second is renamed and the duplicate-id check
            // reports it, so nothing in the file is lost.
            let original = element.id.clone();
            element.id = (2u32..)
                .map(|n| ElementId::new(format!("{original}~{n}")))
                .find(|id| !model.contains(id))
                .unwrap_or(original);
        }
        model
            .add_element(element)
            .map_err(|e| invalid(&needle, e.to_string()))?;
    }
    for flow in file.flows {
        for end in [&flow.from, &flow.to] {
            if !model.contains(end) {
                let (line, col) = locate(src, &format!("\"{end}\"")).unwrap_or((1, 1));
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
            .map_err(|e| invalid("flows", e.to_string()))?;
    }
    for fault in &file.faults {
        let needle = format!("element: \"{}\"", fault.element);
        if !model.contains(&fault.element) {
            let (line, col) = locate(src, &needle).unwrap_or((1, 1));
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
        check_fault(fault, limits).map_err(|m| invalid(&needle, m))?;
    }
    for step in &file.tour {
        check_text(&step.text, "a tour step's text", limits.max_notes_bytes)
            .map_err(|m| invalid("tour", m))?;
        if let Some(id) = &step.element
            && !model.contains(id)
        {
            return Err(invalid(
                "tour",
                format!("a tour step names `{id}`, but no element has that id"),
            ));
        }
    }
    model.faults = file.faults;
    model.faults.sort_by_key(|fault| fault.at_us);
    model.tour = file.tour;
    Ok(model)
}

fn check_text(text: &str, what: &str, max: usize) -> Result<(), String> {
    if text.len() > max {
        Err(format!(
            "{what} is {} bytes; the limit is {max}",
            text.len()
        ))
    } else {
        Ok(())
    }
}

fn check_run_settings(run: &RunSettings, limits: &Limits) -> Result<(), String> {
    if run.horizon_us == 0 || run.horizon_us > limits.max_duration_us {
        return Err(format!(
            "run horizon_us must be between 1 and {} (7 days)",
            limits.max_duration_us
        ));
    }
    if run.trace_limit > limits.max_trace_limit {
        return Err(format!(
            "run trace_limit {} exceeds the limit of {} messages",
            run.trace_limit, limits.max_trace_limit
        ));
    }
    if run.sample_every_us == 0 || run.sample_every_us > limits.max_duration_us {
        return Err("run sample_every_us must be at least 1".into());
    }
    Ok(())
}

fn check_probability(value: f64, what: &str) -> Result<(), String> {
    if value.is_finite() && (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(format!("{what} must be between 0.0 and 1.0, found {value}"))
    }
}

fn check_duration(value: u64, what: &str, limits: &Limits) -> Result<(), String> {
    if value > limits.max_duration_us {
        Err(format!(
            "{what} is {value} us; the limit is {} us (7 days)",
            limits.max_duration_us
        ))
    } else {
        Ok(())
    }
}

fn check_rate(per_sec: f64, limits: &Limits) -> Result<(), String> {
    if per_sec.is_finite() && per_sec > 0.0 && per_sec <= limits.max_rate_per_sec {
        Ok(())
    } else {
        Err(format!(
            "a rate must be above 0 and at most {} per second, found {per_sec}",
            limits.max_rate_per_sec
        ))
    }
}

/// Checks every parameter of an element against `limits` and its meaning.
pub fn check_element(element: &Element, limits: &Limits) -> Result<(), String> {
    check_text(&element.name, "the name", limits.max_name_bytes)?;
    check_text(&element.notes, "the notes", limits.max_notes_bytes)?;
    let Pos { x, y } = element.pos;
    if x.unsigned_abs() > limits.max_coordinate.unsigned_abs()
        || y.unsigned_abs() > limits.max_coordinate.unsigned_abs()
    {
        return Err(format!(
            "position ({x}, {y}) is outside the board (at most {} from the origin)",
            limits.max_coordinate
        ));
    }
    if let Some(size) = element.size
        && (size.w == 0 || size.h == 0 || size.w > 100_000 || size.h > 100_000)
    {
        return Err(format!(
            "size {}x{} must be between 1 and 100000 on each side",
            size.w, size.h
        ));
    }
    if let Some(color) = &element.color
        && crate::model::parse_hex_color(color).is_none()
    {
        return Err(format!("color `{color}` is not #rrggbb"));
    }
    if let Some(workload) = &element.workload {
        match workload.arrival {
            Arrival::Constant { per_sec } | Arrival::Poisson { per_sec } => {
                check_rate(per_sec, limits)?
            }
            Arrival::Bursts { every_us, size } => {
                if every_us == 0 {
                    return Err("bursts every_us must be at least 1".into());
                }
                check_duration(every_us, "bursts every_us", limits)?;
                if size == 0 || size > limits.max_burst {
                    return Err(format!(
                        "a burst size must be between 1 and {}, found {size}",
                        limits.max_burst
                    ));
                }
            }
        }
        if workload.keys == 0 || workload.keys > limits.max_keys {
            return Err(format!(
                "keys must be between 1 and {}, found {}",
                limits.max_keys, workload.keys
            ));
        }
        if let Some(prefix) = &workload.key_prefix {
            check_text(prefix, "key_prefix", 64)?;
        }
        check_duration(workload.start_us, "start_us", limits)?;
        if let Some(stop) = workload.stop_us {
            check_duration(stop, "stop_us", limits)?;
        }
        check_probability(workload.poison_rate, "poison_rate")?;
        if workload.mix.len() > 1_000 {
            return Err("a workload mix names at most 1000 targets".into());
        }
    }
    if let Some(service) = &element.service {
        check_service(service, limits)?;
    }
    if let Some(topic) = &element.topic {
        if topic.partitions == 0 || topic.partitions > limits.max_partitions {
            return Err(format!(
                "partitions must be between 1 and {}, found {}",
                limits.max_partitions, topic.partitions
            ));
        }
        if let crate::model::Retention::Time { max_age_us } = topic.retention {
            check_duration(max_age_us, "retention max_age_us", limits)?;
            if max_age_us == 0 {
                return Err("retention max_age_us must be at least 1".into());
            }
        }
    }
    if let Some(event) = &element.event
        && event.payload_bytes.is_some_and(|bytes| bytes > 100_000_000)
    {
        return Err("payload_bytes is at most 100000000".into());
    }
    if let Some(processor) = &element.processor {
        match &processor.operator {
            Operator::Filter { keep_percent } if *keep_percent > 100 => {
                return Err(format!(
                    "filter keep_percent must be between 0 and 100, found {keep_percent}"
                ));
            }
            Operator::Aggregate { window_us } => {
                if *window_us == 0 {
                    return Err("aggregate window_us must be at least 1".into());
                }
                check_duration(*window_us, "aggregate window_us", limits)?;
            }
            _ => {}
        }
    }
    Ok(())
}

fn check_service(service: &Service, limits: &Limits) -> Result<(), String> {
    if service.instances == 0 || service.instances > limits.max_instances {
        return Err(format!(
            "instances must be between 1 and {}, found {}",
            limits.max_instances, service.instances
        ));
    }
    match service.service_time {
        ServiceTime::Fixed { us } => check_duration(us, "service time", limits)?,
        ServiceTime::Uniform { min_us, max_us } => {
            check_duration(max_us, "service time max_us", limits)?;
            if min_us > max_us {
                return Err(format!(
                    "uniform service time min_us {min_us} is above max_us {max_us}"
                ));
            }
        }
        ServiceTime::Exponential { mean_us } => {
            check_duration(mean_us, "service time mean_us", limits)?
        }
    }
    check_probability(service.failure_rate, "failure_rate")?;
    if service.retry.max_attempts == 0 || service.retry.max_attempts > limits.max_attempts {
        return Err(format!(
            "retry max_attempts must be between 1 and {}, found {}",
            limits.max_attempts, service.retry.max_attempts
        ));
    }
    match service.retry.backoff {
        crate::model::Backoff::Fixed { delay_us } => {
            check_duration(delay_us, "backoff delay_us", limits)?
        }
        crate::model::Backoff::Exponential { initial_us, max_us } => {
            check_duration(max_us, "backoff max_us", limits)?;
            if initial_us > max_us {
                return Err(format!(
                    "backoff initial_us {initial_us} is above max_us {max_us}"
                ));
            }
        }
    }
    if let Some(group) = &service.group {
        check_text(group, "the consumer group", 200)?;
    }
    if service.call_timeout_us == 0 {
        return Err("call_timeout_us must be at least 1".into());
    }
    check_duration(service.call_timeout_us, "call_timeout_us", limits)
}

/// Checks a scheduled fault's values against `limits`.
pub fn check_fault(fault: &Fault, limits: &Limits) -> Result<(), String> {
    check_duration(fault.at_us, "a fault's at_us", limits)?;
    match fault.kind {
        FaultKind::Down { for_us } => check_duration(for_us, "a fault's for_us", limits),
        FaultKind::Slow { factor, for_us } => {
            if !(1..=10_000).contains(&factor) {
                return Err(format!(
                    "a slow factor must be between 1 and 10000, found {factor}"
                ));
            }
            check_duration(for_us, "a fault's for_us", limits)
        }
        FaultKind::Failing { rate, for_us } => {
            check_probability(rate, "a failing fault's rate")?;
            check_duration(for_us, "a fault's for_us", limits)
        }
        FaultKind::Rate { per_sec } => check_rate(per_sec, limits),
        FaultKind::Replay => Ok(()),
    }
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
    use crate::model::{ElementKind, Workload};

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

    #[test]
    fn failed_write_leaves_the_old_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("model.ron");
        fs::write(&path, "old contents").expect("write");
        let result = write_atomic(&path, |file| {
            file.write_all(b"half of the new")?;
            Err(io::Error::other("disk pulled out"))
        });
        assert!(result.is_err());
        assert_eq!(fs::read_to_string(&path).expect("read"), "old contents");
        let leftovers: Vec<_> = fs::read_dir(dir.path()).expect("list").collect();
        assert_eq!(leftovers.len(), 1, "the temporary file is removed");
    }
}
