//! Limits a file's values must stay within, and the checks of each value
//! against its limit and its meaning. Each failure names the field it is
//! about, so a load error points at that field in the file.

use crate::model::{
    Arrival, Backoff, Element, Fault, FaultKind, Operator, Pos, Retention, RunSettings, Service,
    ServiceTime,
};

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

/// A value outside its limits or its meaning, and the field that holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueError {
    /// The field's name as the file writes it (`instances`, `per_sec`).
    pub field: &'static str,
    /// What is wrong, in the user's words.
    pub message: String,
}

impl std::fmt::Display for ValueError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

type Checked = Result<(), ValueError>;

fn bad(field: &'static str, message: String) -> Checked {
    Err(ValueError { field, message })
}

pub(crate) fn check_text(text: &str, field: &'static str, what: &str, max: usize) -> Checked {
    if text.len() > max {
        bad(
            field,
            format!("{what} is {} bytes; the limit is {max}", text.len()),
        )
    } else {
        Ok(())
    }
}

pub(crate) fn check_run_settings(run: &RunSettings, limits: &Limits) -> Checked {
    if run.horizon_us == 0 || run.horizon_us > limits.max_duration_us {
        return bad(
            "horizon_us",
            format!(
                "run horizon_us must be between 1 and {} (7 days)",
                limits.max_duration_us
            ),
        );
    }
    if run.trace_limit > limits.max_trace_limit {
        return bad(
            "trace_limit",
            format!(
                "run trace_limit {} exceeds the limit of {} messages",
                run.trace_limit, limits.max_trace_limit
            ),
        );
    }
    if run.sample_every_us == 0 || run.sample_every_us > limits.max_duration_us {
        return bad(
            "sample_every_us",
            "run sample_every_us must be at least 1".into(),
        );
    }
    Ok(())
}

fn check_probability(value: f64, field: &'static str, what: &str) -> Checked {
    if value.is_finite() && (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        bad(
            field,
            format!("{what} must be between 0.0 and 1.0, found {value}"),
        )
    }
}

fn check_duration(value: u64, field: &'static str, what: &str, limits: &Limits) -> Checked {
    if value > limits.max_duration_us {
        bad(
            field,
            format!(
                "{what} is {value} us; the limit is {} us (7 days)",
                limits.max_duration_us
            ),
        )
    } else {
        Ok(())
    }
}

fn check_rate(per_sec: f64, limits: &Limits) -> Checked {
    if per_sec.is_finite() && per_sec > 0.0 && per_sec <= limits.max_rate_per_sec {
        Ok(())
    } else {
        bad(
            "per_sec",
            format!(
                "a rate must be above 0 and at most {} per second, found {per_sec}",
                limits.max_rate_per_sec
            ),
        )
    }
}

/// Checks every parameter of an element against `limits` and its meaning.
pub fn check_element(element: &Element, limits: &Limits) -> Result<(), String> {
    check_element_fields(element, limits).map_err(|e| e.message)
}

/// Checks every parameter of an element, naming the field that fails.
pub fn check_element_fields(element: &Element, limits: &Limits) -> Checked {
    check_text(&element.name, "name", "the name", limits.max_name_bytes)?;
    check_text(&element.notes, "notes", "the notes", limits.max_notes_bytes)?;
    let Pos { x, y } = element.pos;
    if x.unsigned_abs() > limits.max_coordinate.unsigned_abs()
        || y.unsigned_abs() > limits.max_coordinate.unsigned_abs()
    {
        return bad(
            "pos",
            format!(
                "position ({x}, {y}) is outside the board (at most {} from the origin)",
                limits.max_coordinate
            ),
        );
    }
    if let Some(size) = element.size
        && (size.w == 0 || size.h == 0 || size.w > 100_000 || size.h > 100_000)
    {
        return bad(
            "size",
            format!(
                "size {}x{} must be between 1 and 100000 on each side",
                size.w, size.h
            ),
        );
    }
    if let Some(color) = &element.color
        && crate::model::parse_hex_color(color).is_none()
    {
        return bad("color", format!("color `{color}` is not #rrggbb"));
    }
    if let Some(workload) = &element.workload {
        match workload.arrival {
            Arrival::Constant { per_sec } | Arrival::Poisson { per_sec } => {
                check_rate(per_sec, limits)?
            }
            Arrival::Bursts { every_us, size } => {
                if every_us == 0 {
                    return bad("every_us", "bursts every_us must be at least 1".into());
                }
                check_duration(every_us, "every_us", "bursts every_us", limits)?;
                if size == 0 || size > limits.max_burst {
                    return bad(
                        "size",
                        format!(
                            "a burst size must be between 1 and {}, found {size}",
                            limits.max_burst
                        ),
                    );
                }
            }
        }
        if workload.keys == 0 || workload.keys > limits.max_keys {
            return bad(
                "keys",
                format!(
                    "keys must be between 1 and {}, found {}",
                    limits.max_keys, workload.keys
                ),
            );
        }
        if let Some(prefix) = &workload.key_prefix {
            check_text(prefix, "key_prefix", "key_prefix", 64)?;
        }
        check_duration(workload.start_us, "start_us", "start_us", limits)?;
        if let Some(stop) = workload.stop_us {
            check_duration(stop, "stop_us", "stop_us", limits)?;
        }
        check_probability(workload.poison_rate, "poison_rate", "poison_rate")?;
        if workload.mix.len() > 1_000 {
            return bad("mix", "a workload mix names at most 1000 targets".into());
        }
    }
    if let Some(service) = &element.service {
        check_service(service, limits)?;
    }
    if let Some(topic) = &element.topic {
        if topic.partitions == 0 || topic.partitions > limits.max_partitions {
            return bad(
                "partitions",
                format!(
                    "partitions must be between 1 and {}, found {}",
                    limits.max_partitions, topic.partitions
                ),
            );
        }
        if let Retention::Time { max_age_us } = topic.retention {
            check_duration(max_age_us, "max_age_us", "retention max_age_us", limits)?;
            if max_age_us == 0 {
                return bad(
                    "max_age_us",
                    "retention max_age_us must be at least 1".into(),
                );
            }
        }
    }
    if let Some(event) = &element.event
        && event.payload_bytes.is_some_and(|bytes| bytes > 100_000_000)
    {
        return bad("payload_bytes", "payload_bytes is at most 100000000".into());
    }
    if let Some(processor) = &element.processor {
        match &processor.operator {
            Operator::Filter { keep_percent } if *keep_percent > 100 => {
                return bad(
                    "keep_percent",
                    format!("filter keep_percent must be between 0 and 100, found {keep_percent}"),
                );
            }
            Operator::Aggregate { window_us } => {
                if *window_us == 0 {
                    return bad("window_us", "aggregate window_us must be at least 1".into());
                }
                check_duration(*window_us, "window_us", "aggregate window_us", limits)?;
            }
            _ => {}
        }
    }
    Ok(())
}

fn check_service(service: &Service, limits: &Limits) -> Checked {
    if service.instances == 0 || service.instances > limits.max_instances {
        return bad(
            "instances",
            format!(
                "instances must be between 1 and {}, found {}",
                limits.max_instances, service.instances
            ),
        );
    }
    match service.service_time {
        ServiceTime::Fixed { us } => check_duration(us, "us", "service time", limits)?,
        ServiceTime::Uniform { min_us, max_us } => {
            check_duration(max_us, "max_us", "service time max_us", limits)?;
            if min_us > max_us {
                return bad(
                    "min_us",
                    format!("uniform service time min_us {min_us} is above max_us {max_us}"),
                );
            }
        }
        ServiceTime::Exponential { mean_us } => {
            check_duration(mean_us, "mean_us", "service time mean_us", limits)?
        }
    }
    check_probability(service.failure_rate, "failure_rate", "failure_rate")?;
    if service.retry.max_attempts == 0 || service.retry.max_attempts > limits.max_attempts {
        return bad(
            "max_attempts",
            format!(
                "retry max_attempts must be between 1 and {}, found {}",
                limits.max_attempts, service.retry.max_attempts
            ),
        );
    }
    match service.retry.backoff {
        Backoff::Fixed { delay_us } => {
            check_duration(delay_us, "delay_us", "backoff delay_us", limits)?
        }
        Backoff::Exponential { initial_us, max_us } => {
            check_duration(max_us, "max_us", "backoff max_us", limits)?;
            if initial_us > max_us {
                return bad(
                    "initial_us",
                    format!("backoff initial_us {initial_us} is above max_us {max_us}"),
                );
            }
        }
    }
    if let Some(group) = &service.group {
        check_text(group, "group", "the consumer group", 200)?;
    }
    if service.call_timeout_us == 0 {
        return bad(
            "call_timeout_us",
            "call_timeout_us must be at least 1".into(),
        );
    }
    check_duration(
        service.call_timeout_us,
        "call_timeout_us",
        "call_timeout_us",
        limits,
    )
}

/// Checks a scheduled fault's values against `limits`.
pub fn check_fault(fault: &Fault, limits: &Limits) -> Result<(), String> {
    check_fault_fields(fault, limits).map_err(|e| e.message)
}

/// Checks a scheduled fault's values, naming the field that fails.
pub fn check_fault_fields(fault: &Fault, limits: &Limits) -> Checked {
    check_duration(fault.at_us, "at_us", "a fault's at_us", limits)?;
    match fault.kind {
        FaultKind::Down { for_us } => check_duration(for_us, "for_us", "a fault's for_us", limits),
        FaultKind::Slow { factor, for_us } => {
            if !(1..=10_000).contains(&factor) {
                return bad(
                    "factor",
                    format!("a slow factor must be between 1 and 10000, found {factor}"),
                );
            }
            check_duration(for_us, "for_us", "a fault's for_us", limits)
        }
        FaultKind::Failing { rate, for_us } => {
            check_probability(rate, "rate", "a failing fault's rate")?;
            check_duration(for_us, "for_us", "a fault's for_us", limits)
        }
        FaultKind::Rate { per_sec } => check_rate(per_sec, limits),
        FaultKind::Replay => Ok(()),
    }
}
