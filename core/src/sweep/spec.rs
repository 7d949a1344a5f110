//! What a sweep varies and what it aims for, as people write it on a
//! command line: `orders.partitions=2,4,8,16`, `billing.instances=1..8`,
//! `customer.rate=100..5000:500`, `p99<200ms`, `dropped=0`.

use std::fmt;

use crate::model::{Arrival, ElementId, Model, ServiceTime, TopicSpec};

/// Most variants one sweep runs.
pub const MAX_VARIANTS: usize = 10_000;

/// A field a sweep can vary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Knob {
    /// A topic's partition count.
    Partitions,
    /// A service's workers (a consumer group's members).
    Instances,
    /// A source's mean arrival rate, per second.
    Rate,
    /// A service's mean service time, in microseconds.
    ServiceUs,
    /// A service's transient failure probability.
    FailureRate,
    /// A service's attempts in all.
    MaxAttempts,
    /// A source's key space.
    Keys,
}

impl Knob {
    /// Every knob, with the name written after the element's id.
    pub const ALL: [(Knob, &'static str); 7] = [
        (Knob::Partitions, "partitions"),
        (Knob::Instances, "instances"),
        (Knob::Rate, "rate"),
        (Knob::ServiceUs, "service_us"),
        (Knob::FailureRate, "failure_rate"),
        (Knob::MaxAttempts, "max_attempts"),
        (Knob::Keys, "keys"),
    ];

    /// The name written after the element's id.
    pub fn name(self) -> &'static str {
        Knob::ALL
            .iter()
            .find(|(knob, _)| *knob == self)
            .map_or("?", |(_, name)| name)
    }

    /// Whether the values are whole numbers.
    pub fn is_integer(self) -> bool {
        !matches!(self, Knob::Rate | Knob::FailureRate)
    }

    /// Whether more of it costs more (partitions, instances): what "the
    /// cheapest variant" counts. Load and failure are not costs.
    pub fn is_resource(self) -> bool {
        matches!(self, Knob::Partitions | Knob::Instances)
    }
}

/// One varied field and the values it takes.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// The element.
    pub element: ElementId,
    /// The field.
    pub knob: Knob,
    /// The values, in the order given.
    pub values: Vec<f64>,
}

impl fmt::Display for Axis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.element, self.knob.name())
    }
}

/// A sweep specification that cannot be used, with what to write instead.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SpecError(pub String);

fn parse_number(text: &str, spec: &str) -> Result<f64, SpecError> {
    let text = text.trim();
    let value = match text.strip_suffix('%') {
        Some(percent) => percent.trim().parse::<f64>().map(|p| p / 100.0),
        None => text.parse::<f64>(),
    };
    match value {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(SpecError(format!(
            "`{spec}`: `{text}` is not a number (write e.g. orders.partitions=2,4,8 or billing.instances=1..8)"
        ))),
    }
}

/// The values of `A..B[:STEP]` or `A,B,C`.
fn parse_values(text: &str, integer: bool, spec: &str) -> Result<Vec<f64>, SpecError> {
    let (range, step) = text.split_once(':').unwrap_or((text, ""));
    let values = if let Some((low, high)) = range.split_once("..") {
        let (low, high) = (parse_number(low, spec)?, parse_number(high, spec)?);
        if high < low {
            return Err(SpecError(format!(
                "`{spec}`: the range {low}..{high} runs backwards"
            )));
        }
        let step = if step.is_empty() {
            if integer { 1.0 } else { (high - low) / 7.0 }
        } else {
            parse_number(step, spec)?
        };
        if low == high {
            vec![low]
        } else if step <= 0.0 {
            return Err(SpecError(format!("`{spec}`: the step must be above 0")));
        } else {
            let count = ((high - low) / step + 1e-9).floor() as usize + 1;
            if count > MAX_VARIANTS {
                return Err(SpecError(format!(
                    "`{spec}` gives {count} values; a sweep runs at most {MAX_VARIANTS} variants"
                )));
            }
            (0..count).map(|i| low + step * i as f64).collect()
        }
    } else if !step.is_empty() {
        return Err(SpecError(format!(
            "`{spec}`: a step needs a range, e.g. 100..5000:500"
        )));
    } else {
        range
            .split(',')
            .map(|v| parse_number(v, spec))
            .collect::<Result<Vec<_>, _>>()?
    };
    if integer && values.iter().any(|v| v.fract() != 0.0 || *v < 1.0) {
        return Err(SpecError(format!(
            "`{spec}`: this field takes whole numbers of 1 or more"
        )));
    }
    if values.is_empty() {
        return Err(SpecError(format!("`{spec}` gives no values")));
    }
    Ok(values)
}

/// Parses `ELEMENT.FIELD=A..B[:STEP]` or `ELEMENT.FIELD=A,B,C` against a model.
pub fn parse_axis(spec: &str, model: &Model) -> Result<Axis, SpecError> {
    let (target, values) = spec.split_once('=').ok_or_else(|| {
        SpecError(format!(
            "`{spec}`: write ELEMENT.FIELD=VALUES, e.g. orders.partitions=2,4,8,16"
        ))
    })?;
    let (element, field) = target.rsplit_once('.').ok_or_else(|| {
        SpecError(format!(
            "`{spec}`: name the element and its field, e.g. billing.instances=1..8"
        ))
    })?;
    let knob = Knob::ALL
        .iter()
        .find(|(_, name)| *name == field.trim())
        .map(|(knob, _)| *knob)
        .ok_or_else(|| {
            SpecError(format!(
                "`{spec}`: `{field}` cannot be varied; fields: {}",
                Knob::ALL.map(|(_, n)| n).join(", ")
            ))
        })?;
    parse_axis_of(ElementId::new(element.trim()), knob, values, spec, model)
}

/// Parses `ELEMENT=R1..R2[:STEP]` of `--rate`.
pub fn parse_rate(spec: &str, model: &Model) -> Result<Axis, SpecError> {
    let (element, values) = spec.split_once('=').ok_or_else(|| {
        SpecError(format!(
            "`{spec}`: write SOURCE=R1..R2[:STEP], e.g. customer=100..5000:500"
        ))
    })?;
    parse_axis_of(
        ElementId::new(element.trim()),
        Knob::Rate,
        values,
        spec,
        model,
    )
}

fn parse_axis_of(
    element: ElementId,
    knob: Knob,
    values: &str,
    spec: &str,
    model: &Model,
) -> Result<Axis, SpecError> {
    let Some(found) = model.element(&element) else {
        return Err(SpecError(format!(
            "`{spec}`: the model has no element `{element}`"
        )));
    };
    let fits = match knob {
        Knob::Partitions => found.kind == crate::model::ElementKind::Topic,
        Knob::Rate | Knob::Keys => found.workload.is_some(),
        _ => found.kind.is_service(),
    };
    if !fits {
        return Err(SpecError(format!(
            "`{spec}`: {} `{element}` has no {} to vary",
            found.kind.label(),
            knob.name()
        )));
    }
    let values = parse_values(values.trim(), knob.is_integer(), spec)?;
    if knob == Knob::FailureRate && values.iter().any(|v| !(0.0..=1.0).contains(v)) {
        return Err(SpecError(format!(
            "`{spec}`: a failure rate is between 0 and 1"
        )));
    }
    Ok(Axis {
        element,
        knob,
        values,
    })
}

/// Sets one varied field of a model.
pub fn apply(model: &mut Model, element: &ElementId, knob: Knob, value: f64) {
    let Some(e) = model.element_mut(element) else {
        return;
    };
    let whole = value.round().max(1.0) as u32;
    match knob {
        Knob::Partitions => {
            let mut topic = e.topic.clone().unwrap_or_else(TopicSpec::default);
            topic.partitions = whole;
            e.topic = Some(topic);
        }
        Knob::Instances | Knob::ServiceUs | Knob::FailureRate | Knob::MaxAttempts => {
            let mut service = e.service_or_default();
            match knob {
                Knob::Instances => service.instances = whole,
                Knob::ServiceUs => {
                    let us = value.round().max(0.0) as u64;
                    service.service_time = match service.service_time {
                        ServiceTime::Fixed { .. } => ServiceTime::Fixed { us },
                        ServiceTime::Exponential { .. } => ServiceTime::Exponential { mean_us: us },
                        ServiceTime::Uniform { min_us, max_us } => {
                            let half = (max_us - min_us) / 2;
                            ServiceTime::Uniform {
                                min_us: us.saturating_sub(half),
                                max_us: us.saturating_add(half),
                            }
                        }
                    }
                }
                Knob::FailureRate => service.failure_rate = value.clamp(0.0, 1.0),
                _ => service.retry.max_attempts = whole,
            }
            e.service = Some(service);
        }
        Knob::Rate | Knob::Keys => {
            if let Some(workload) = &mut e.workload {
                if knob == Knob::Keys {
                    workload.keys = whole;
                } else {
                    workload.arrival = match workload.arrival {
                        Arrival::Constant { .. } => Arrival::Constant { per_sec: value },
                        Arrival::Poisson { .. } => Arrival::Poisson { per_sec: value },
                        Arrival::Bursts { size, .. } => Arrival::Bursts {
                            size,
                            every_us: ((f64::from(size) * 1e6 / value.max(1e-9)).round() as u64)
                                .max(1),
                        },
                    };
                }
            }
        }
    }
}

/// A figure a target is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// Median latency (µs).
    P50,
    /// 99th percentile latency (µs).
    P99,
    /// 99.9th percentile latency (µs).
    P999,
    /// Deliveries processed per second.
    Throughput,
    /// Deliveries dropped.
    Dropped,
    /// Deliveries dead-lettered.
    DeadLettered,
    /// The largest lag of any consumer group at the end.
    MaxLag,
    /// Requests that failed.
    Failed,
}

impl Metric {
    const NAMES: [(Metric, &'static str); 8] = [
        (Metric::P50, "p50"),
        (Metric::P99, "p99"),
        (Metric::P999, "p99.9"),
        (Metric::Throughput, "throughput"),
        (Metric::Dropped, "dropped"),
        (Metric::DeadLettered, "dead_lettered"),
        (Metric::MaxLag, "max_lag"),
        (Metric::Failed, "failed"),
    ];

    /// Its name in a target.
    pub fn name(self) -> &'static str {
        Metric::NAMES
            .iter()
            .find(|(m, _)| *m == self)
            .map_or("?", |(_, n)| n)
    }

    fn is_latency(self) -> bool {
        matches!(self, Metric::P50 | Metric::P99 | Metric::P999)
    }
}

/// How a figure compares with a target value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
    /// Below.
    Less,
    /// At most.
    AtMost,
    /// Equal.
    Equal,
    /// At least.
    AtLeast,
    /// Above.
    Greater,
}

/// A goal a variant meets or misses: `p99<200ms`, `dropped=0`.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    /// The figure.
    pub metric: Metric,
    /// The comparison.
    pub cmp: Cmp,
    /// The value, in the figure's unit (µs for latencies).
    pub value: f64,
    /// As written.
    pub text: String,
}

impl Target {
    /// Parses `METRIC<VALUE`, `<=`, `=`, `>=`, `>`; latencies take a unit.
    pub fn parse(text: &str) -> Result<Target, SpecError> {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let ops = [
            ("<=", Cmp::AtMost),
            (">=", Cmp::AtLeast),
            ("==", Cmp::Equal),
            ("<", Cmp::Less),
            (">", Cmp::Greater),
            ("=", Cmp::Equal),
        ];
        let (at, op, cmp) = ops
            .iter()
            .filter_map(|(op, cmp)| compact.find(op).map(|at| (at, *op, *cmp)))
            .min_by_key(|(at, op, _)| (*at, std::cmp::Reverse(op.len())))
            .ok_or_else(|| {
                SpecError(format!(
                    "`{text}`: write a figure, a comparison and a value, e.g. p99<200ms or dropped=0"
                ))
            })?;
        let (name, value) = (&compact[..at], &compact[at + op.len()..]);
        let metric = Metric::NAMES
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(m, _)| *m)
            .ok_or_else(|| {
                SpecError(format!(
                    "`{text}`: `{name}` is not a figure; use {}",
                    Metric::NAMES.map(|(_, n)| n).join(", ")
                ))
            })?;
        let value = if metric.is_latency() {
            crate::units::parse_duration_us(value)
                .map_err(|e| SpecError(format!("`{text}`: {e}")))? as f64
        } else {
            parse_number(value, text)?
        };
        Ok(Target {
            metric,
            cmp,
            value,
            text: text.to_string(),
        })
    }

    /// Whether a figure meets the target.
    pub fn met_by(&self, figure: f64) -> bool {
        match self.cmp {
            Cmp::Less => figure < self.value,
            Cmp::AtMost => figure <= self.value,
            Cmp::Equal => (figure - self.value).abs() < 1e-9,
            Cmp::AtLeast => figure >= self.value,
            Cmp::Greater => figure > self.value,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shop() -> Model {
        crate::format::from_ron_str(include_str!("../../../samples/online-shop.ron"))
            .expect("sample loads")
    }

    #[test]
    fn lists_ranges_and_steps_are_read() {
        let model = shop();
        let axis = parse_axis("orders.partitions=2,4,8,16", &model).expect("axis");
        assert_eq!(axis.values, [2.0, 4.0, 8.0, 16.0]);
        let axis = parse_axis("billing.instances=1..8", &model).expect("axis");
        assert_eq!(axis.values.len(), 8);
        let axis = parse_rate("customer=100..5000:500", &model).expect("axis");
        assert_eq!(axis.values.first(), Some(&100.0));
        assert_eq!(axis.values.last(), Some(&4600.0));
        assert_eq!(axis.knob, Knob::Rate);
    }

    #[test]
    fn a_field_an_element_does_not_have_is_refused_with_the_reason() {
        let model = shop();
        let error = parse_axis("customer.partitions=2,4", &model).expect_err("not a topic");
        assert!(error.0.contains("has no partitions"), "{error}");
        let error = parse_axis("nobody.instances=1..2", &model).expect_err("no element");
        assert!(error.0.contains("no element `nobody`"), "{error}");
        let error = parse_axis("billing.instances=0.5", &model).expect_err("whole");
        assert!(error.0.contains("whole numbers"), "{error}");
    }

    #[test]
    fn targets_read_units_and_comparisons() {
        let target = Target::parse("p99<200ms").expect("target");
        assert_eq!(
            (target.metric, target.cmp, target.value),
            (Metric::P99, Cmp::Less, 200_000.0)
        );
        assert!(target.met_by(199_999.0) && !target.met_by(200_000.0));
        let target = Target::parse("dropped=0").expect("target");
        assert!(target.met_by(0.0) && !target.met_by(1.0));
        let target = Target::parse("throughput >= 5000").expect("target");
        assert_eq!(target.cmp, Cmp::AtLeast);
        assert!(Target::parse("speed<3").is_err());
    }
}
