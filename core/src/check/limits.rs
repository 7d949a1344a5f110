//! Load a run can carry: the documented limits on the total arrival rate,
//! the size of one burst and the sampling of the series, and handlers that
//! fail every delivery and would be redelivered without end.

use super::{Context, Problem, Rule, Severity};
use crate::model::{Arrival, Guarantee, US_PER_SEC};

/// Most messages per second all sources together may send.
pub const MAX_TOTAL_RATE_PER_SEC: f64 = 1_000_000.0;

/// Most messages one burst may send at one instant.
pub const MAX_BURST_AT_ONCE: u32 = 100_000;

/// The shortest interval between two samples of the series.
pub const MIN_SAMPLE_EVERY_US: u64 = 1_000;

/// Most samples a run to its horizon may take.
pub const MAX_SAMPLES_PER_RUN: u64 = 1_000_000;

impl Context<'_> {
    /// Load and sampling beyond the documented limits, and handlers that
    /// can never succeed.
    pub(super) fn run_limits(&self, problems: &mut Vec<Problem>) {
        let error =
            |elements, message| Problem::new(Rule::RunLimits, Severity::Error, elements, message);
        let mut total = 0.0;
        let mut sources = Vec::new();
        for element in self.model.elements() {
            if let Some(workload) = &element.workload {
                total += workload.arrival.mean_per_sec();
                sources.push(element.id.clone());
                if let Arrival::Bursts { size, .. } = workload.arrival
                    && size > MAX_BURST_AT_ONCE
                {
                    problems.push(error(
                        vec![element.id.clone()],
                        format!(
                            "\"{}\" sends bursts of {size} messages at one instant; the limit is \
                             {MAX_BURST_AT_ONCE}: make the bursts smaller and more frequent",
                            element.name
                        ),
                    ));
                }
            }
            if let Some(service) = &element.service
                && service.failure_rate >= 1.0
                && service.guarantee != Guarantee::AtMostOnce
            {
                problems.push(error(
                    vec![element.id.clone()],
                    format!(
                        "\"{}\" fails every delivery (failure rate 1.0) and, being {}, would have each \
                         one redelivered without end: lower the failure rate or use at-most-once",
                        element.name,
                        service.guarantee.label()
                    ),
                ));
            }
        }
        if total > MAX_TOTAL_RATE_PER_SEC {
            problems.push(error(
                sources,
                format!(
                    "the sources send {total:.0} messages per second in all; the limit is {:.0}: \
                     lower their rates",
                    MAX_TOTAL_RATE_PER_SEC
                ),
            ));
        }
        let run = &self.model.run;
        if run.sample_every_us < MIN_SAMPLE_EVERY_US {
            problems.push(error(
                Vec::new(),
                format!(
                    "the run samples its series every {} us; the shortest interval is {MIN_SAMPLE_EVERY_US} us (1 ms)",
                    run.sample_every_us
                ),
            ));
        } else if run.horizon_us / run.sample_every_us.max(1) > MAX_SAMPLES_PER_RUN {
            let needed = run.horizon_us.div_ceil(MAX_SAMPLES_PER_RUN);
            problems.push(error(
                Vec::new(),
                format!(
                    "sampling every {} over a horizon of {} takes {} samples; the limit is \
                     {MAX_SAMPLES_PER_RUN}: sample every {} or more",
                    crate::units::format_duration_us(run.sample_every_us),
                    crate::units::format_duration_us(run.horizon_us),
                    run.horizon_us / run.sample_every_us.max(1),
                    crate::units::format_duration_us(needed.max(US_PER_SEC / 1_000)),
                ),
            ));
        }
    }
}
