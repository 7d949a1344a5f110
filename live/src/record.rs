//! What a live run measured: counters, latency histograms, the trace rebuilt
//! from message headers, and the broker's own accounting of what waits.
//! One recorder per run, shared by every task behind a mutex.

use std::collections::BTreeMap;

use stormflow_core::sim::{
    AttemptRecord, Counters, DeadLetter, ElementMetrics, ElementReport, ElementState, GroupState,
    MessageRecord, MsgId, OperatorState, Outcome, ReadModelReport, Report, Snapshot, Time,
    TopicState, Totals, Trace, TraceDelta,
};

use crate::plan::Plan;
use crate::sample::Sampler;

/// Where a durable consumer sits in the board.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConsumerSlot {
    /// Group `sub` on partition `part` of its topic.
    Partition {
        /// Index into the plan's subscriptions.
        sub: usize,
        /// Partition.
        part: u32,
    },
    /// A bus receiver (index into the plan's bus).
    Bus(usize),
}

/// The balance of a run against the broker's own accounting.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Conservation {
    /// (message, receiver) deliveries the run produced.
    pub deliveries_expected: u64,
    /// Deliveries processed and settled.
    pub processed: u64,
    /// Deliveries moved to a dead-letter stream.
    pub dead_lettered: u64,
    /// Deliveries lost, each with a reason.
    pub dropped: u64,
    /// Deliveries JetStream still holds for a consumer at the end (its
    /// consumer info: pending plus delivered-and-unacknowledged), summed.
    pub queued: u64,
    /// Attempts and requests still in progress when the run ended.
    pub in_flight: u64,
    /// Whether `deliveries_expected == processed + dead_lettered + dropped +
    /// queued + in_flight` and every consumer's pending count is what the run
    /// expects of it.
    pub holds: bool,
    /// Every difference found, in words (empty when it holds).
    pub problems: Vec<String>,
}

/// The shared state of a run's measurements.
#[derive(Debug)]
pub struct Recorder {
    seed: u64,
    kinds: Vec<stormflow_core::ElementKind>,
    pub(crate) metrics: Vec<ElementMetrics>,
    pub(crate) totals: Totals,
    drop_reasons: BTreeMap<String, u64>,
    pub(crate) in_flight: Vec<u32>,
    requests_in_flight: u64,
    pub(crate) down: Vec<bool>,
    pub(crate) slow: Vec<u32>,
    pub(crate) failing: Vec<f64>,
    pub(crate) stopped: Vec<bool>,
    /// Subscriptions opened afresh after one broke (missed heartbeats).
    pub(crate) resubscribed: u64,
    /// Per consumer: where it sits, deliveries owed to it, deliveries it settled.
    consumers: Vec<(ConsumerSlot, u32, u64, u64)>,
    /// Per consumer: the broker's last pending count.
    pub(crate) broker_pending: Vec<Option<u64>>,
    /// Per topic, per partition: messages published.
    end_offsets: Vec<Vec<u64>>,
    /// Per read model: newest message per key and when it became visible.
    pub(crate) views: BTreeMap<u32, BTreeMap<u32, (MsgId, Time)>>,
    trace: Trace,
    trace_limit: u32,
    next_flush: MsgId,
    waiting_messages: BTreeMap<MsgId, MessageRecord>,
    waiting_attempts: Vec<(AttemptRecord, Option<String>)>,
    waiting_dead: Vec<(MsgId, DeadLetter)>,
    waiting_links: Vec<(MsgId, Vec<MsgId>)>,
    attempts_done: u64,
    /// The series the app plots.
    pub(crate) sampler: Sampler,
}

impl Recorder {
    /// A recorder for a plan; `consumers` lists every durable consumer with
    /// its element, in the order the run polls them.
    pub fn new(
        plan: &Plan,
        seed: u64,
        trace_limit: u32,
        consumers: Vec<(ConsumerSlot, u32)>,
    ) -> Self {
        let n = plan.nodes.len();
        Recorder {
            seed,
            kinds: plan.nodes.iter().map(|n| n.kind).collect(),
            metrics: vec![ElementMetrics::default(); n],
            totals: Totals::default(),
            drop_reasons: BTreeMap::new(),
            in_flight: vec![0; n],
            requests_in_flight: 0,
            down: vec![false; n],
            slow: vec![1; n],
            failing: vec![0.0; n],
            stopped: vec![false; n],
            resubscribed: 0,
            broker_pending: vec![None; consumers.len()],
            consumers: consumers.into_iter().map(|(s, n)| (s, n, 0, 0)).collect(),
            end_offsets: plan
                .topics
                .iter()
                .map(|t| vec![0; t.partitions as usize])
                .collect(),
            views: BTreeMap::new(),
            trace: Trace::new(trace_limit, 0),
            trace_limit,
            next_flush: 0,
            waiting_messages: BTreeMap::new(),
            waiting_attempts: Vec::new(),
            waiting_dead: Vec::new(),
            waiting_links: Vec::new(),
            attempts_done: 0,
            sampler: Sampler::new(n, plan.sample_every_us),
        }
    }

    /// A message was created (published or not); its row goes to the trace
    /// once every earlier id has arrived.
    pub fn message(&mut self, record: MessageRecord) {
        self.totals.messages_produced += 1;
        if let Some(m) = self.metrics.get_mut(record.source as usize) {
            m.counters.out += 1;
        }
        self.waiting_messages.insert(record.id, record);
    }

    /// A publish to a topic partition landed: one more end offset.
    pub fn appended(&mut self, topic: usize, partition: u32) {
        if let Some(end) = self
            .end_offsets
            .get_mut(topic)
            .and_then(|t| t.get_mut(partition as usize))
        {
            *end += 1;
        }
    }

    /// Deliveries owed to consumer `c` (a publish landed on its subject).
    pub fn owe(&mut self, consumer: usize) {
        if let Some(entry) = self.consumers.get_mut(consumer) {
            entry.2 += 1;
            let node = entry.1 as usize;
            self.totals.deliveries_expected += 1;
            if let Some(m) = self.metrics.get_mut(node) {
                m.counters.received += 1;
            }
        }
    }

    /// Consumer `c` settled a delivery for good (processed, dead-lettered, dropped).
    pub fn settled(&mut self, consumer: usize) {
        if let Some(entry) = self.consumers.get_mut(consumer) {
            entry.3 += 1;
        }
    }

    /// Where consumer `c` sits.
    pub fn slot(&self, consumer: usize) -> Option<ConsumerSlot> {
        self.consumers.get(consumer).map(|entry| entry.0.clone())
    }

    /// A delivery that could not even be handed to the broker (no handler,
    /// a publish that failed through the whole outage): owed and dropped.
    pub fn undeliverable(&mut self, node: u32, reason: &str) {
        self.totals.deliveries_expected += 1;
        if let Some(m) = self.metrics.get_mut(node as usize) {
            m.counters.received += 1;
        }
        self.dropped(node, reason, false);
    }

    /// A request served at `node`: its own counters only (the caller
    /// accounts the delivery in the totals).
    pub fn served(&mut self, node: u32, service_us: Time, latency_us: Time) {
        if let Some(m) = self.metrics.get_mut(node as usize) {
            m.counters.processed += 1;
            m.service_time.record(service_us);
            m.latency.record(latency_us);
        }
        self.sampler.latency.record(latency_us);
    }

    /// A synchronous request (or reply) is owed to `node`.
    pub fn request_sent(&mut self, node: u32) {
        self.totals.deliveries_expected += 1;
        self.requests_in_flight += 1;
        if let Some(m) = self.metrics.get_mut(node as usize) {
            m.counters.received += 1;
        }
    }

    /// A synchronous request finished (answered, refused or timed out).
    pub fn request_done(&mut self) {
        self.requests_in_flight = self.requests_in_flight.saturating_sub(1);
    }

    /// A delivery with no consumer of its own was processed (a request, a reply).
    pub fn processed_sync(&mut self) {
        self.totals.processed += 1;
    }

    /// A reply reached its caller: one delivery owed and processed.
    pub fn reply_delivered(&mut self) {
        self.totals.deliveries_expected += 1;
        self.totals.processed += 1;
    }

    /// An attempt starts at `node`.
    pub fn attempt_started(&mut self, node: u32, retry: bool) {
        if let Some(slot) = self.in_flight.get_mut(node as usize) {
            *slot += 1;
        }
        if retry {
            self.totals.retries += 1;
            if let Some(m) = self.metrics.get_mut(node as usize) {
                m.counters.retries += 1;
            }
        }
    }

    /// An attempt ended; its row waits for its message's row.
    pub fn attempt_ended(&mut self, record: AttemptRecord, error: Option<String>) {
        if let Some(slot) = self.in_flight.get_mut(record.consumer as usize) {
            *slot = slot.saturating_sub(1);
        }
        self.attempts_done += 1;
        if (matches!(record.outcome, Outcome::Retried | Outcome::Redelivered) || error.is_some())
            && let Some(m) = self.metrics.get_mut(record.consumer as usize)
        {
            m.counters.errors += u64::from(record.outcome != Outcome::Aborted);
        }
        self.waiting_attempts.push((record, error));
    }

    /// A successful attempt's figures.
    pub fn processed(&mut self, node: u32, service_us: Time, latency_us: Time) {
        self.totals.processed += 1;
        if let Some(m) = self.metrics.get_mut(node as usize) {
            m.counters.processed += 1;
            m.service_time.record(service_us);
            m.latency.record(latency_us);
        }
        self.sampler.latency.record(latency_us);
    }

    /// An effect applied a second time.
    pub fn duplicate(&mut self, node: u32) {
        self.totals.duplicates += 1;
        if let Some(m) = self.metrics.get_mut(node as usize) {
            m.counters.duplicates += 1;
        }
    }

    /// A delivery moved to a dead-letter stream.
    pub fn dead_lettered(&mut self, node: u32, letter: MsgId, header: DeadLetter) {
        self.totals.dead_lettered += 1;
        if let Some(m) = self.metrics.get_mut(node as usize) {
            m.counters.dead_lettered += 1;
        }
        self.waiting_dead.push((letter, header));
    }

    /// A fan-in result's extra causes.
    pub fn links(&mut self, id: MsgId, causes: Vec<MsgId>) {
        if !causes.is_empty() {
            self.waiting_links.push((id, causes));
        }
    }

    /// Deliveries lost at `node`; `sync` marks requests and replies (they
    /// count in the totals and reasons, not in the element's own drops).
    pub fn dropped(&mut self, node: u32, reason: &str, sync: bool) {
        self.totals.dropped += 1;
        if let Some(m) = self.metrics.get_mut(node as usize) {
            if !sync {
                m.counters.dropped += 1;
            }
            *m.drop_reasons.entry(reason.to_string()).or_default() += 1;
        }
        *self.drop_reasons.entry(reason.to_string()).or_default() += 1;
    }

    /// A source's request got an answer (or failed) after `waited_us`.
    pub fn request_answered(&mut self, source: u32, waited_us: Time, ok: bool) {
        if let Some(m) = self.metrics.get_mut(source as usize) {
            if ok {
                m.counters.requests_ok += 1;
                m.request_latency.record(waited_us);
            } else {
                m.counters.requests_failed += 1;
            }
        }
    }

    /// A read model now shows `msg` for `key`.
    pub fn view(&mut self, node: u32, key: u32, msg: MsgId, now: Time, window_us: Time) {
        self.views.entry(node).or_default().insert(key, (msg, now));
        if let Some(m) = self.metrics.get_mut(node as usize) {
            m.consistency.record(window_us);
        }
        if let Some(window) = self.sampler.consistency.get_mut(node as usize) {
            window.record(window_us);
        }
    }

    /// The trace rows ready since the last call: contiguous messages, the
    /// attempts, links and dead letters of recorded messages. Applied to the
    /// run's own trace and returned for a mirror.
    pub fn flush(&mut self) -> Option<TraceDelta> {
        let mut delta = TraceDelta {
            first_message: self.trace.len() as MsgId,
            first_attempt: self.trace.attempt_count(),
            ..TraceDelta::default()
        };
        while let Some(record) = self.waiting_messages.remove(&self.next_flush) {
            if self.next_flush < MsgId::from(self.trace_limit) {
                delta.messages.push(record);
            } else {
                delta.truncated_at = Some(u64::from(self.trace_limit));
            }
            self.next_flush += 1;
        }
        let recorded = delta.first_message + delta.messages.len() as MsgId;
        let ready = |id: MsgId| id < recorded;
        let (now, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.waiting_attempts)
            .into_iter()
            .filter(|(a, _)| a.msg < MsgId::from(self.trace_limit))
            .partition(|(a, _)| ready(a.msg));
        delta.attempts = now;
        self.waiting_attempts = later;
        let (now, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.waiting_dead)
            .into_iter()
            .partition(|(id, _)| ready(*id));
        delta.dead_letters = now;
        self.waiting_dead = later;
        let (now, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.waiting_links)
            .into_iter()
            .partition(|(id, _)| ready(*id));
        delta.links = now;
        self.waiting_links = later;
        if delta.is_empty() && delta.truncated_at.is_none() {
            return None;
        }
        self.trace.apply(&delta);
        Some(delta)
    }

    /// The run's trace so far.
    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// Attempts and requests in progress.
    pub fn in_flight_total(&self) -> u64 {
        self.in_flight.iter().map(|n| u64::from(*n)).sum::<u64>() + self.requests_in_flight
    }

    fn node_queued(&self, node: u32) -> u64 {
        self.consumers
            .iter()
            .zip(&self.broker_pending)
            .filter(|((_, n, _, _), _)| *n == node)
            .map(|(_, pending)| pending.unwrap_or(0))
            .sum()
    }

    fn broker_queued(&self) -> u64 {
        self.broker_pending.iter().map(|p| p.unwrap_or(0)).sum()
    }

    /// Totals with queued from the broker's last count and in-flight counted live.
    pub fn totals(&self) -> Totals {
        Totals {
            queued: self.broker_queued(),
            in_flight: self.in_flight_total(),
            ..self.totals
        }
    }

    /// The live state for a UI, in the simulation's shape.
    pub fn snapshot(&self, plan: &Plan, now: Time) -> Snapshot {
        let elements = (0..plan.nodes.len())
            .map(|i| ElementState {
                queued: self.node_queued(i as u32),
                in_flight: self.in_flight[i],
                instances: plan.nodes[i].service.instances.max(1),
                counters: self.metrics[i].counters.clone(),
                down: self.down[i],
                slow_factor: self.slow[i],
                failing_rate: self.failing[i],
                stopped: self.stopped[i],
            })
            .collect();
        let topics = plan
            .topics
            .iter()
            .enumerate()
            .map(|(t, topic)| TopicState {
                element: topic.node,
                end_offsets: self.end_offsets[t].clone(),
                retained: self.end_offsets[t].clone(),
                groups: topic
                    .subs
                    .iter()
                    .map(|sub| {
                        let mut lag = vec![0; topic.partitions as usize];
                        for ((slot, _, _, _), pending) in
                            self.consumers.iter().zip(&self.broker_pending)
                        {
                            if let ConsumerSlot::Partition { sub: s, part } = slot
                                && s == sub
                                && let Some(l) = lag.get_mut(*part as usize)
                            {
                                *l = pending.unwrap_or(0);
                            }
                        }
                        GroupState {
                            group: plan.subs[*sub].group.clone(),
                            consumer: plan.subs[*sub].node,
                            lag,
                            stopped: vec![
                                self.stopped[plan.subs[*sub].node as usize];
                                topic.partitions as usize
                            ],
                        }
                    })
                    .collect(),
            })
            .collect();
        let (latency_p50_us, latency_p99_us) = self.headline_latency();
        let consistency_p99_us = self
            .kinds
            .iter()
            .enumerate()
            .filter(|(_, k)| **k == stormflow_core::ElementKind::ReadModel)
            .map(|(i, _)| self.metrics[i].consistency.quantile(0.99))
            .max();
        Snapshot {
            now,
            totals: self.totals(),
            latency_p50_us,
            latency_p99_us,
            consistency_p99_us,
            elements,
            topics,
            operators: self.operator_states(plan),
            trace_len: self.trace.len() as u64,
            trace_truncated_at: self.trace.truncated_at(),
            events: self.attempts_done,
        }
    }

    fn headline_latency(&self) -> (Time, Time) {
        let pick = |f: &dyn Fn(&ElementMetrics) -> &stormflow_core::sim::Latency| {
            self.metrics
                .iter()
                .map(f)
                .filter(|l| l.count() > 0)
                .map(|l| (l.quantile(0.5), l.quantile(0.99)))
                .max_by_key(|(_, p99)| *p99)
        };
        pick(&|m| &m.request_latency)
            .or_else(|| pick(&|m| &m.latency))
            .unwrap_or((0, 0))
    }

    fn operator_states(&self, plan: &Plan) -> Vec<OperatorState> {
        self.views
            .iter()
            .map(|(node, view)| OperatorState {
                element: *node,
                what: "view: newest event per key (visible since)".into(),
                entries: view
                    .iter()
                    .take(50)
                    .map(|(k, (m, t))| {
                        (
                            plan.keys.name(*k),
                            format!("m{m} @ {}", stormflow_core::units::format_duration_us(*t)),
                        )
                    })
                    .collect(),
                size: view.len() as u64,
            })
            .collect()
    }

    /// The report, with the same keys as `stormflow run --json`.
    pub fn report(&self, plan: &Plan, now: Time) -> Report {
        let snapshot = self.snapshot(plan, now);
        let mut elements = BTreeMap::new();
        let mut read_models = BTreeMap::new();
        for (i, node) in plan.nodes.iter().enumerate() {
            let state = &snapshot.elements[i];
            if node.kind.is_annotation()
                || (state.counters == Counters::default() && state.queued == 0)
            {
                continue;
            }
            let metrics = &self.metrics[i];
            let mut lag = BTreeMap::new();
            for topic in &snapshot.topics {
                for group in topic.groups.iter().filter(|g| g.consumer == i as u32) {
                    lag.insert(
                        format!("{}/{}", plan.ids[topic.element as usize], group.group),
                        group.lag.iter().sum(),
                    );
                }
            }
            elements.insert(
                plan.ids[i].clone(),
                ElementReport {
                    kind: node.kind.label().to_string(),
                    counters: state.counters.clone(),
                    queued: state.queued,
                    in_flight: u64::from(state.in_flight),
                    service_time_us: metrics.service_time.summary(),
                    latency_us: metrics.latency.summary(),
                    request_latency_us: metrics.request_latency.summary(),
                    lag,
                    drop_reasons: metrics.drop_reasons.clone(),
                },
            );
            if node.kind == stormflow_core::ElementKind::ReadModel {
                read_models.insert(
                    plan.ids[i].clone(),
                    ReadModelReport {
                        consistency_window_us: metrics.consistency.summary(),
                        entries: self.views.get(&(i as u32)).map_or(0, |v| v.len() as u64),
                    },
                );
            }
        }
        Report {
            seed: self.seed,
            virtual_time_us: now,
            totals: snapshot.totals,
            elements,
            read_models,
            drop_reasons: self.drop_reasons.clone(),
            trace_messages: self.trace.len() as u64,
            trace_truncated_at: self.trace.truncated_at(),
            trace_hash: self.trace.run_hash(),
            stopped: None,
        }
    }

    /// Whether JetStream's last count for every consumer is what the run
    /// expects of it (delivered to it minus settled).
    pub fn pending_agrees(&self) -> bool {
        self.consumers
            .iter()
            .zip(&self.broker_pending)
            .all(|((_, _, owed, settled), pending)| *pending == Some(owed.saturating_sub(*settled)))
    }

    /// The balance against the broker, from the last pending counts (which
    /// the run takes after every consumer stopped). `names` names consumers.
    pub fn conservation(&self, names: &[String]) -> Conservation {
        let queued = self.broker_queued();
        let in_flight = self.in_flight_total();
        let t = &self.totals;
        let mut problems = Vec::new();
        let accounted = t.processed + t.dead_lettered + t.dropped + queued + in_flight;
        if accounted != t.deliveries_expected {
            problems.push(format!(
                "{} deliveries expected, but processed {} + dead-lettered {} + dropped {} + queued {} (JetStream) + in flight {} = {accounted}",
                t.deliveries_expected, t.processed, t.dead_lettered, t.dropped, queued, in_flight
            ));
        }
        for (i, ((_, _, owed, settled), pending)) in
            self.consumers.iter().zip(&self.broker_pending).enumerate()
        {
            let name = names.get(i).map_or("?", String::as_str);
            let expected = owed.saturating_sub(*settled);
            match pending {
                None => problems.push(format!(
                    "consumer {name}: JetStream did not report its pending count"
                )),
                Some(p) if *p != expected => problems.push(format!(
                    "consumer {name}: the run expects {expected} waiting ({owed} delivered to it, {settled} settled), JetStream reports {p}"
                )),
                Some(_) => {}
            }
        }
        Conservation {
            deliveries_expected: t.deliveries_expected,
            processed: t.processed,
            dead_lettered: t.dead_lettered,
            dropped: t.dropped,
            queued,
            in_flight,
            holds: problems.is_empty(),
            problems,
        }
    }
}
