//! Run metrics: counters per element, latency histograms (hdrhistogram),
//! and series sampled over virtual time.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;
use serde::Serialize;

use super::Time;

/// Longest duration a histogram tells apart (a week); longer ones count as a week.
const LATENCY_MAX_US: u64 = 7 * 24 * 3_600 * 1_000_000;

/// A latency histogram in microseconds: 2 significant digits (1% steps),
/// up to a week. The histogram is allocated on the first value, so the many
/// elements of a big board that never process anything cost nothing.
#[derive(Clone, Debug, Default)]
pub struct Latency(Option<Box<Histogram<u64>>>);

impl Latency {
    /// Records one duration (saturating into the histogram's range).
    #[inline]
    pub fn record(&mut self, us: Time) {
        match &mut self.0 {
            // Within the bounds `record` cannot fail; `saturating_record`
            // costs more for the same result.
            Some(histogram) if (1..=LATENCY_MAX_US).contains(&us) => {
                let _ = histogram.record(us);
            }
            _ => self.record_slow(us),
        }
    }

    #[cold]
    fn record_slow(&mut self, us: Time) {
        let histogram = self.0.get_or_insert_with(|| {
            Box::new(
                Histogram::new_with_bounds(1, LATENCY_MAX_US, 2)
                    .expect("constant histogram bounds are within hdrhistogram's range"),
            )
        });
        histogram.saturating_record(us.max(1));
    }

    /// How many durations were recorded.
    pub fn count(&self) -> u64 {
        self.0.as_ref().map_or(0, |h| h.len())
    }

    /// The mean, in microseconds; 0 when empty.
    pub fn mean(&self) -> f64 {
        match &self.0 {
            Some(h) if !h.is_empty() => h.mean(),
            _ => 0.0,
        }
    }

    /// The value at quantile `q` (0.0..=1.0); 0 when empty.
    pub fn quantile(&self, q: f64) -> Time {
        match &self.0 {
            Some(h) if !h.is_empty() => h.value_at_quantile(q),
            _ => 0,
        }
    }

    /// Forgets everything recorded (cheaply when nothing was).
    pub fn clear(&mut self) {
        if let Some(h) = &mut self.0
            && !h.is_empty()
        {
            h.reset();
        }
    }

    /// The usual percentiles.
    pub fn summary(&self) -> Percentiles {
        Percentiles {
            count: self.count(),
            p50: self.quantile(0.50),
            p95: self.quantile(0.95),
            p99: self.quantile(0.99),
            p999: self.quantile(0.999),
            max: self
                .0
                .as_ref()
                .filter(|h| !h.is_empty())
                .map_or(0, |h| h.max()),
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
    /// Asynchronous deliveries it lost, with reasons in the report
    /// (a failed synchronous request is an error answered to its caller).
    pub dropped: u64,
    /// Effects applied a second time (at-least-once redeliveries).
    pub duplicates: u64,
    /// Requests it issued that failed (sources and callers).
    pub requests_failed: u64,
    /// Requests it issued that got an answer.
    pub requests_ok: u64,
}

impl Counters {
    /// The counts of deliveries in and out, with the short column names
    /// the tables show them under, in the order they show them.
    pub fn columns(&self) -> [(&'static str, u64); 8] {
        [
            ("in", self.received),
            ("out", self.out),
            ("processed", self.processed),
            ("errors", self.errors),
            ("retries", self.retries),
            ("dlq", self.dead_lettered),
            ("dropped", self.dropped),
            ("dup", self.duplicates),
        ]
    }
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
    /// For a source: from a request (query or call) to its answer.
    pub request_latency: Latency,
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

/// Samples taken after a given point, for a mirror on another thread.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SeriesDelta {
    /// Index of the first point in `points`.
    pub first: usize,
    /// New whole-run points.
    pub points: Vec<SamplePoint>,
    /// New queue depths, per element.
    pub queue_depth: Vec<Vec<u32>>,
    /// New lags, per subscription.
    pub lag: Vec<Vec<u32>>,
    /// New consistency windows, per element.
    pub consistency_p99: Vec<Vec<u32>>,
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

impl Series {
    /// Bytes the series hold (not counting spare capacity).
    pub fn resident_bytes(&self) -> usize {
        let columns = |c: &Vec<Vec<u32>>| c.iter().map(Vec::len).sum::<usize>() * 4;
        self.points.len() * std::mem::size_of::<SamplePoint>()
            + columns(&self.queue_depth)
            + columns(&self.lag)
            + columns(&self.consistency_p99)
    }

    /// The samples from point `first` on.
    pub fn delta_since(&self, first: usize) -> SeriesDelta {
        let first = first.min(self.points.len());
        let tail = |columns: &Vec<Vec<u32>>| -> Vec<Vec<u32>> {
            columns
                .iter()
                .map(|c| c.get(first..).map_or_else(Vec::new, <[u32]>::to_vec))
                .collect()
        };
        SeriesDelta {
            first,
            points: self.points[first..].to_vec(),
            queue_depth: tail(&self.queue_depth),
            lag: tail(&self.lag),
            consistency_p99: tail(&self.consistency_p99),
        }
    }

    /// Appends a delta; one that does not start where this ends is refused.
    pub fn apply(&mut self, delta: &SeriesDelta) -> bool {
        if delta.first != self.points.len() {
            return false;
        }
        self.points.extend_from_slice(&delta.points);
        let extend = |mine: &mut Vec<Vec<u32>>, theirs: &Vec<Vec<u32>>| {
            mine.resize(theirs.len().max(mine.len()), Vec::new());
            for (m, t) in mine.iter_mut().zip(theirs) {
                m.extend_from_slice(t);
            }
        };
        extend(&mut self.queue_depth, &delta.queue_depth);
        extend(&mut self.lag, &delta.lag);
        extend(&mut self.consistency_p99, &delta.consistency_p99);
        true
    }
}
