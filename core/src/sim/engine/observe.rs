//! Observation: metrics sampled over virtual time, the live snapshot the UI
//! draws, the headline latency and the inspectable operator state.

use super::super::metrics::SamplePoint;
use super::super::{ElementState, GroupState, OperatorState, Snapshot, Time, TopicState, Totals};
use super::Sim;
use super::broker::{Partition, part_queued};
use super::ids::{NodeIx, SubIx};
use super::runtime::{Action, Op};
use crate::model::{ElementKind, Retention, US_PER_SEC};

impl Sim {
    /// Totals, with queued and in-flight counted from the queues themselves.
    pub fn totals(&self) -> Totals {
        let mut totals = self.totals;
        let (queued, in_flight) = self.count_waiting();
        totals.queued = queued;
        totals.in_flight = in_flight;
        totals
    }

    fn count_waiting(&self) -> (u64, u64) {
        let mut queued = 0u64;
        for node in self.nodes.iter() {
            queued += node.fifo.len() as u64 + u64::from(node.parked);
        }
        for sub in self.subs.iter() {
            let topic = &self.topics[sub.topic];
            for (p, part) in sub.parts.iter().enumerate() {
                queued += part_queued(part, &topic.partitions[p]);
            }
        }
        let in_flight = self.slots.iter().filter(|a| a.live).count() as u64;
        (queued, in_flight)
    }

    /// Takes a sample of the series (and applies time retention on the clock).
    pub(crate) fn on_sample(&mut self) {
        let now = self.now;
        // Time retention is also applied on the clock, not only on appends.
        for topic in self.topics.indices() {
            if let Retention::Time { max_age_us } = self.topics[topic].retention {
                for part in 0..self.topics[topic].partitions.len() {
                    self.expire(topic, part as u32, max_age_us);
                }
            }
        }
        let (queued, in_flight) = self.count_waiting();
        let processed = self.totals.processed;
        let interval = self.sample_every as f64 / US_PER_SEC as f64;
        self.series.points.push(SamplePoint {
            t_us: now,
            throughput_per_sec: (processed - self.last_sample_processed) as f64 / interval,
            latency_p50_us: self.interval_latency.quantile(0.5),
            latency_p99_us: self.interval_latency.quantile(0.99),
            queued,
            in_flight,
        });
        self.last_sample_processed = processed;
        self.interval_latency.clear();
        for node in self.nodes.indices() {
            let depth = self.node_queued(node);
            self.series.queue_depth[usize::from(node)].push(depth.min(u64::from(u32::MAX)) as u32);
            let n = &mut self.nodes[node];
            let p99 = n.interval_consistency.quantile(0.99);
            n.interval_consistency.clear();
            self.series.consistency_p99[usize::from(node)]
                .push(p99.min(u64::from(u32::MAX)) as u32);
        }
        for sub in self.subs.indices() {
            let lag = self.sub_lag(sub).iter().sum::<u64>();
            self.series.lag[usize::from(sub)].push(lag.min(u64::from(u32::MAX)) as u32);
        }
        let every = self.sample_every;
        self.schedule(now + every, Action::Sample);
    }

    /// Deliveries waiting for a node: its queue, its parked retries and the
    /// lag of its subscriptions.
    fn node_queued(&self, node: NodeIx) -> u64 {
        let n = &self.nodes[node];
        let mut queued = n.fifo.len() as u64 + u64::from(n.parked);
        for sub in &n.subs {
            let s = &self.subs[*sub];
            let topic = &self.topics[s.topic];
            for (p, part) in s.parts.iter().enumerate() {
                queued += part_queued(part, &topic.partitions[p]);
            }
        }
        queued
    }

    /// The live state of everything, for the UI and the runner.
    pub fn snapshot(&self) -> Snapshot {
        let elements = self
            .nodes
            .enumerate()
            .map(|(i, n)| {
                let in_flight = n.workers.iter().filter(|w| !w.is_none()).count() as u32;
                let stopped = n.fifo_stopped
                    || n.subs
                        .iter()
                        .any(|s| self.subs[*s].parts.iter().any(|p| p.stopped));
                ElementState {
                    queued: self.node_queued(i),
                    in_flight,
                    instances: n.workers.len() as u32,
                    counters: n.metrics.counters.clone(),
                    down: n.down > 0,
                    slow_factor: n.slow,
                    failing_rate: n.failing,
                    stopped,
                }
            })
            .collect();
        let topics = self
            .topics
            .iter()
            .map(|t| TopicState {
                element: t.node.0,
                end_offsets: t.partitions.iter().map(Partition::end).collect(),
                retained: t.partitions.iter().map(|p| p.log.len() as u64).collect(),
                groups: t.subs.iter().map(|s| self.group_state(*s)).collect(),
            })
            .collect();
        let (latency_p50_us, latency_p99_us) = self.headline_latency();
        let consistency_p99_us = self
            .nodes
            .iter()
            .filter(|n| n.kind == ElementKind::ReadModel)
            .map(|n| n.metrics.consistency.quantile(0.99))
            .max();
        Snapshot {
            now: self.now,
            totals: self.totals(),
            latency_p50_us,
            latency_p99_us,
            consistency_p99_us,
            elements,
            topics,
            operators: self.operator_states(),
            trace_len: self.trace.len() as u64,
            trace_truncated_at: self.trace.truncated_at(),
            events: self.events_done,
        }
    }

    fn group_state(&self, sub: SubIx) -> GroupState {
        let s = &self.subs[sub];
        GroupState {
            group: s.group.clone(),
            consumer: s.node.0,
            lag: self.sub_lag(sub),
            stopped: s.parts.iter().map(|p| p.stopped).collect(),
        }
    }

    /// The run's headline latency (p50, p99): the sources' requests, waited
    /// for end to end, if any source asks; else the slowest element's
    /// end-to-end latency (the last hop of the longest chain).
    pub fn headline_latency(&self) -> (Time, Time) {
        let asked = self
            .nodes
            .iter()
            .filter(|n| n.metrics.request_latency.count() > 0);
        let requests = asked
            .map(|n| {
                (
                    n.metrics.request_latency.quantile(0.5),
                    n.metrics.request_latency.quantile(0.99),
                )
            })
            .max_by_key(|(_, p99)| *p99);
        requests.unwrap_or_else(|| {
            self.nodes
                .iter()
                .filter(|n| n.metrics.latency.count() > 0)
                .map(|n| {
                    (
                        n.metrics.latency.quantile(0.5),
                        n.metrics.latency.quantile(0.99),
                    )
                })
                .max_by_key(|(_, p99)| *p99)
                .unwrap_or((0, 0))
        })
    }

    /// Inspectable state of processors and read models.
    pub fn operator_states(&self) -> Vec<OperatorState> {
        let mut states = Vec::new();
        for (i, n) in self.nodes.enumerate() {
            let (what, entries, size): (&str, Vec<(String, String)>, usize) = match &n.op {
                Op::Aggregate { state, .. } => (
                    "current window: count per key",
                    state
                        .iter()
                        .take(50)
                        .map(|(k, a)| (self.key_name(*k), a.count.to_string()))
                        .collect(),
                    state.len(),
                ),
                Op::Join { table, .. } => (
                    "join table: newest message per key",
                    table
                        .iter()
                        .take(50)
                        .map(|(k, m)| (self.key_name(*k), format!("m{m}")))
                        .collect(),
                    table.len(),
                ),
                _ if n.kind == ElementKind::ReadModel => (
                    "view: newest event per key (visible since)",
                    n.view
                        .iter()
                        .take(50)
                        .map(|(k, (m, t))| {
                            (
                                self.key_name(*k),
                                format!("m{m} @ {}", crate::units::format_duration_us(*t)),
                            )
                        })
                        .collect(),
                    n.view.len(),
                ),
                _ => continue,
            };
            states.push(OperatorState {
                element: i.0,
                what: what.to_string(),
                entries,
                size: size as u64,
            });
        }
        states
    }
}
