//! The sampled series of a live run, in the simulation's shape, so the app
//! draws a run on NATS with the same plots as a simulated one: one point
//! every `sample_every` of virtual time (or as close as the run's updates
//! come), with the same columns (queue depth per element, lag per
//! subscription, consistency p99 per read model).

use stormflow_core::model::US_PER_SEC;
use stormflow_core::sim::{Latency, SamplePoint, Series, SeriesDelta, Snapshot, Time};

/// What the series needs between samples.
#[derive(Debug, Default)]
pub struct Sampler {
    series: Series,
    /// Points already handed out by [`Sampler::take_delta`].
    sent: usize,
    every: Time,
    /// Virtual time of the last point, and the processed total then.
    last: Option<(Time, u64)>,
    /// End-to-end latency of the deliveries processed since the last point.
    pub(crate) latency: Latency,
    /// Per element: consistency windows since the last point.
    pub(crate) consistency: Vec<Latency>,
}

impl Sampler {
    /// A sampler for `elements` elements, sampling every `every` µs.
    pub fn new(elements: usize, every: Time) -> Self {
        Sampler {
            series: Series {
                queue_depth: vec![Vec::new(); elements],
                consistency_p99: vec![Vec::new(); elements],
                ..Series::default()
            },
            every: every.max(1),
            consistency: vec![Latency::default(); elements],
            ..Sampler::default()
        }
    }

    /// Takes a point from `snapshot` when a sampling interval has passed
    /// since the last one (the first point comes at the first call).
    pub fn sample(&mut self, snapshot: &Snapshot) {
        let now = snapshot.now;
        let processed = snapshot.totals.processed;
        let (since, processed_then) = match self.last {
            Some((t, _)) if now < t.saturating_add(self.every) => return,
            Some(last) => last,
            None => (0, 0),
        };
        let seconds = now.saturating_sub(since).max(1) as f64 / US_PER_SEC as f64;
        self.series.points.push(SamplePoint {
            t_us: now,
            throughput_per_sec: processed.saturating_sub(processed_then) as f64 / seconds,
            latency_p50_us: self.latency.quantile(0.5),
            latency_p99_us: self.latency.quantile(0.99),
            queued: snapshot.totals.queued,
            in_flight: snapshot.totals.in_flight,
        });
        self.latency.clear();
        self.last = Some((now, processed));
        let clamp = |n: u64| n.min(u64::from(u32::MAX)) as u32;
        for (column, element) in self.series.queue_depth.iter_mut().zip(&snapshot.elements) {
            column.push(clamp(element.queued));
        }
        for (column, window) in self
            .series
            .consistency_p99
            .iter_mut()
            .zip(&mut self.consistency)
        {
            column.push(clamp(window.quantile(0.99)));
            window.clear();
        }
        // Subscriptions in the snapshot's order (by topic, then group), which
        // is the order the simulation's lag columns have.
        let lags: Vec<u64> = snapshot
            .topics
            .iter()
            .flat_map(|topic| topic.groups.iter().map(|g| g.lag.iter().sum::<u64>()))
            .collect();
        let points = self.series.points.len();
        self.series.lag.resize(lags.len(), Vec::new());
        for (column, lag) in self.series.lag.iter_mut().zip(lags) {
            // A column that starts late (none should) is padded with zeros.
            column.resize(points - 1, 0);
            column.push(clamp(lag));
        }
    }

    /// The points taken since the last call, for a mirror of the series.
    pub fn take_delta(&mut self) -> Option<SeriesDelta> {
        if self.sent == self.series.points.len() {
            return None;
        }
        let delta = self.series.delta_since(self.sent);
        self.sent = self.series.points.len();
        Some(delta)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stormflow_core::sim::{ElementState, GroupState, TopicState, Totals};

    fn snapshot(now: Time, processed: u64, lag: u64) -> Snapshot {
        Snapshot {
            now,
            totals: Totals {
                processed,
                queued: lag,
                ..Totals::default()
            },
            elements: vec![
                ElementState {
                    queued: lag,
                    ..ElementState::default()
                };
                2
            ],
            topics: vec![TopicState {
                element: 0,
                groups: vec![GroupState {
                    lag: vec![lag, 1],
                    ..GroupState::default()
                }],
                ..TopicState::default()
            }],
            ..Snapshot::default()
        }
    }

    #[test]
    fn a_point_per_interval_with_throughput_over_the_real_gap() {
        let mut sampler = Sampler::new(2, 100_000);
        sampler.sample(&snapshot(0, 0, 0));
        sampler.latency.record(5_000);
        // Too soon: no point.
        sampler.sample(&snapshot(50_000, 10, 3));
        sampler.sample(&snapshot(200_000, 40, 3));
        let delta = sampler.take_delta().expect("two points");
        assert_eq!(delta.first, 0);
        assert_eq!(delta.points.len(), 2);
        let point = &delta.points[1];
        assert_eq!(point.t_us, 200_000);
        assert!((point.throughput_per_sec - 200.0).abs() < 1e-9);
        assert!(point.latency_p99_us >= 5_000);
        assert_eq!(delta.queue_depth, vec![vec![0, 3], vec![0, 3]]);
        assert_eq!(delta.lag, vec![vec![1, 4]]);
        assert_eq!(delta.consistency_p99, vec![vec![0, 0], vec![0, 0]]);
        assert!(sampler.take_delta().is_none(), "nothing new, nothing sent");
        sampler.sample(&snapshot(300_000, 40, 0));
        let next = sampler.take_delta().expect("a third point");
        assert_eq!(next.first, 2, "deltas follow on for a mirror");
        assert_eq!(next.points[0].throughput_per_sec, 0.0);
        assert_eq!(next.points[0].latency_p99_us, 0, "the interval was cleared");
    }
}
