//! Run metrics: counters per element, latency histograms (hdrhistogram),
//! and series sampled over virtual time.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;
use serde::Serialize;

use super::Time;

/// A latency histogram in microseconds, 3 significant digits, up to a week.
#[derive(Clone, Debug)]
pub struct Latency(Histogram<u64>);

impl Default for Latency {
    fn default() -> Self {
        Latency(
            Histogram::new_with_bounds(1, 7 * 24 * 3_600 * 1_000_000, 3)
                .expect("constant histogram bounds are within hdrhistogram's range"),
        )
    }
}

impl Latency {
    /// Records one duration (saturating into the histogram's range).
    pub fn record(&mut self, us: Time) {
        self.0.saturating_record(us.max(1));
    }

    /// How many durations were recorded.
    pub fn count(&self) -> u64 {
        self.0.len()
    }

    /// The value at quantile `q` (0.0..=1.0); 0 when empty.
    pub fn quantile(&self, q: f64) -> Time {
        if self.0.is_empty() {
            0
        } else {
            self.0.value_at_quantile(q)
        }
    }

    /// Forgets everything recorded.
    pub fn clear(&mut self) {
        self.0.reset();
    }

    /// The usual percentiles.
    pub fn summary(&self) -> Percentiles {
        Percentiles {
            count: self.count(),
            p50: self.quantile(0.50),
            p95: self.quantile(0.95),
            p99: self.quantile(0.99),
            p999: self.quantile(0.999),
            max: if self.0.is_empty() { 0 } else { self.0.max() },
        }
    }
}

/// Percentiles of a latency distribution, in microseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Percentiles {
    /// Samples.
    pub count: u64,
    /// Median.
    pub p50: u64,
    /// 95th percentile.
    pub p95: u64,
    /// 99th percentile.
    pub p99: u64,
    /// 99.9th percentile.
    pub p999: u64,
    /// Largest.
    pub max: u64,
}

/// Counters of one element.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    /// Deliveries addressed to it.
    #[serde(rename = "in")]
    pub received: u64,
    /// Messages it produced.
    pub out: u64,
    /// Deliveries it processed and committed.
    pub processed: u64,
    /// Failed attempts.
    pub errors: u64,
    /// Attempts that were retries or redeliveries.
    pub retries: u64,
    /// Deliveries it moved to a dead-letter topic.
    pub dead_lettered: u64,
    /// Deliveries it lost, with reasons in the report.
    pub dropped: u64,
    /// Effects applied a second time (at-least-once redeliveries).
    pub duplicates: u64,
    /// Requests it issued that failed (sources and callers).
    pub requests_failed: u64,
    /// Requests it issued that got an answer.
    pub requests_ok: u64,
}

/// Metrics kept per element.
#[derive(Clone, Debug, Default)]
pub struct ElementMetrics {
    /// Counters.
    pub counters: Counters,
    /// Time of each processed attempt.
    pub service_time: Latency,
    /// From the root of a message's chain to its processing here.
    pub latency: Latency,
    /// For a read model: from an event's production to the view showing it.
    pub consistency: Latency,
    /// Why deliveries were dropped here, with counts.
    pub drop_reasons: BTreeMap<String, u64>,
}

/// One point of the sampled series.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SamplePoint {
    /// Virtual time of the sample.
    pub t_us: Time,
    /// Deliveries processed since the previous sample, per second.
    pub throughput_per_sec: f64,
    /// Median end-to-end latency over the interval.
    pub latency_p50_us: Time,
    /// 99th percentile end-to-end latency over the interval.
    pub latency_p99_us: Time,
    /// Deliveries waiting anywhere.
    pub queued: u64,
    /// Deliveries being processed.
    pub in_flight: u64,
}

/// Series sampled every `sample_every_us` of virtual time.
#[derive(Clone, Debug, Default)]
pub struct Series {
    /// Whole-run points.
    pub points: Vec<SamplePoint>,
    /// Queue depth (waiting deliveries) per element, one value per point.
    pub queue_depth: Vec<Vec<u32>>,
    /// Lag per subscription (topic, group), one value per point.
    pub lag: Vec<Vec<u32>>,
    /// Consistency window p99 per read model over each interval, per point.
    pub consistency_p99: Vec<Vec<u32>>,
}
