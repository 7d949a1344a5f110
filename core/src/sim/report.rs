//! The run report: what `stormflow run --json` prints and the app exports.

use std::collections::BTreeMap;

use serde::Serialize;

use super::metrics::{Counters, Percentiles};
use super::{Sim, Totals};

/// Delivery totals as reported (the same figures as [`Totals`]).
pub type TotalsReport = Totals;

/// One element's figures.
#[derive(Clone, Debug, Serialize)]
pub struct ElementReport {
    /// What the element is.
    pub kind: String,
    /// Counters.
    #[serde(flatten)]
    pub counters: Counters,
    /// Deliveries waiting at the end of the run.
    pub queued: u64,
    /// Deliveries in progress at the end of the run.
    pub in_flight: u64,
    /// Service time percentiles.
    pub service_time_us: Percentiles,
    /// End-to-end latency percentiles (from the root of each chain).
    pub latency_us: Percentiles,
    /// For a source: how long its requests waited for their answers.
    #[serde(skip_serializing_if = "is_empty")]
    pub request_latency_us: Percentiles,
    /// Lag per consumer group on each topic it reads, by `topic/group`.
    pub lag: BTreeMap<String, u64>,
    /// Why deliveries were dropped here.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub drop_reasons: BTreeMap<String, u64>,
}

fn is_empty(p: &Percentiles) -> bool {
    p.count == 0
}

/// One read model's figures.
#[derive(Clone, Debug, Serialize)]
pub struct ReadModelReport {
    /// From an event's production to the view showing it.
    pub consistency_window_us: Percentiles,
    /// Keys in the view.
    pub entries: u64,
}

/// What a run measured, stably ordered so two runs compare as text.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The run's seed.
    pub seed: u64,
    /// Virtual time reached.
    pub virtual_time_us: u64,
    /// Delivery totals.
    pub totals: Totals,
    /// Per element, by id.
    pub elements: BTreeMap<String, ElementReport>,
    /// Per read model, by id.
    pub read_models: BTreeMap<String, ReadModelReport>,
    /// Drop reasons over the run.
    pub drop_reasons: BTreeMap<String, u64>,
    /// Messages recorded in the trace.
    pub trace_messages: u64,
    /// Set when the trace hit its limit: "trace truncated at N messages".
    pub trace_truncated_at: Option<u64>,
    /// The run's fingerprint (see [`super::hash`]): equal runs have equal
    /// fingerprints, with the trace on, off or truncated.
    pub trace_hash: String,
    /// Why the run stopped before the time asked for, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
}

impl Sim {
    /// The report of the run so far.
    pub fn report(&self) -> Report {
        let snapshot = self.snapshot();
        let mut elements = BTreeMap::new();
        let mut read_models = BTreeMap::new();
        for (i, id) in self.element_ids().enumerate() {
            let Some(metrics) = self.element_metrics(i as u32) else {
                continue;
            };
            let Some(kind) = self.element_kind(i as u32) else {
                continue;
            };
            let state = &snapshot.elements[i];
            if kind.is_annotation() || (state.counters == Counters::default() && state.queued == 0)
            {
                continue;
            }
            let mut lag = BTreeMap::new();
            for topic in &snapshot.topics {
                for group in topic.groups.iter().filter(|g| g.consumer == i as u32) {
                    let topic_id = self
                        .element_id(topic.element)
                        .map_or_else(String::new, |t| t.to_string());
                    lag.insert(
                        format!("{topic_id}/{}", group.group),
                        group.lag.iter().sum(),
                    );
                }
            }
            elements.insert(
                id.to_string(),
                ElementReport {
                    kind: kind.label().to_string(),
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
            if kind == crate::model::ElementKind::ReadModel {
                let entries = snapshot
                    .operators
                    .iter()
                    .find(|o| o.element == i as u32)
                    .map_or(0, |o| o.size);
                read_models.insert(
                    id.to_string(),
                    ReadModelReport {
                        consistency_window_us: metrics.consistency.summary(),
                        entries,
                    },
                );
            }
        }
        Report {
            seed: self.seed(),
            virtual_time_us: self.now(),
            totals: snapshot.totals,
            elements,
            read_models,
            drop_reasons: self.drop_reasons().clone(),
            trace_messages: self.trace().len() as u64,
            trace_truncated_at: self.trace().truncated_at(),
            trace_hash: self.trace().run_hash(),
            stopped: self.stopped().map(ToString::to_string),
        }
    }
}

impl Report {
    /// The per-element figures as CSV, one row per element, in id order.
    pub fn to_csv(&self) -> String {
        let mut csv = String::from(
            "element,kind,in,out,processed,errors,retries,dead_lettered,dropped,duplicates,queued,in_flight,\
             service_p50_us,service_p99_us,latency_p50_us,latency_p95_us,latency_p99_us,latency_p999_us,latency_max_us\n",
        );
        for (id, e) in &self.elements {
            let c = &e.counters;
            csv.push_str(&format!(
                "{id},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
                e.kind,
                c.received,
                c.out,
                c.processed,
                c.errors,
                c.retries,
                c.dead_lettered,
                c.dropped,
                c.duplicates,
                e.queued,
                e.in_flight,
                e.service_time_us.p50,
                e.service_time_us.p99,
                e.latency_us.p50,
                e.latency_us.p95,
                e.latency_us.p99,
                e.latency_us.p999,
                e.latency_us.max,
            ));
        }
        csv
    }
}
