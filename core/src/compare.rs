//! Comparing two designs of the same domain (event-command vs event-first):
//! what the graph says about coupling, and what a run says about failure
//! under the same workload and the same outage.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::model::{ElementId, ElementKind, Fault, FaultKind, FlowKind, Micros, Model};
use crate::sim::{Sim, SimError, SimOptions, Snapshot};

/// What the graph alone says about a design.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StaticFigures {
    /// The element that handles what the workload asks for (the emitter of
    /// the main fact).
    pub main_emitter: Option<ElementId>,
    /// The first event it emits, if any.
    pub main_fact: Option<ElementId>,
    /// How many other elements the main emitter must know by address: its
    /// synchronous callees and the webhook subscribers of what it emits.
    pub emitter_coupling: u32,
    /// The longest chain of callers waiting on callers.
    pub sync_depth: u32,
    /// Existing elements a new consumer of the main fact disturbs: none when
    /// the fact goes out on a topic or the event bus (the newcomer just
    /// subscribes); otherwise every downstream service on the emitter's
    /// synchronous call sequence (the emitter changes, and each request now
    /// waits on one more call).
    pub change_impact: u32,
}

/// The element a call flow's target stands for (a command or query call
/// reaches its handler).
fn callee(model: &Model, target: &ElementId) -> Option<ElementId> {
    let element = model.element(target)?;
    match element.kind {
        ElementKind::Command | ElementKind::Query => model
            .outgoing(target)
            .into_iter()
            .find(|f| matches!(f.kind, FlowKind::HandledBy | FlowKind::Reads))
            .map(|f| f.to.clone()),
        _ => Some(target.clone()),
    }
}

/// The elements `id` calls synchronously.
fn callees(model: &Model, id: &ElementId) -> BTreeSet<ElementId> {
    model
        .outgoing(id)
        .into_iter()
        .filter(|f| f.kind == FlowKind::Call)
        .filter_map(|f| callee(model, &f.to))
        .collect()
}

/// The static figures of a model.
pub fn static_figures(model: &Model) -> StaticFigures {
    // The main emitter: what handles the first workload's first target.
    let main_emitter = model
        .elements()
        .filter(|e| e.workload.is_some())
        .find_map(|source| {
            model
                .outgoing(&source.id)
                .into_iter()
                .find_map(|f| match f.kind {
                    FlowKind::Issues | FlowKind::Call => callee(model, &f.to),
                    FlowKind::Emits => Some(source.id.clone()),
                    _ => None,
                })
        });
    let Some(emitter) = main_emitter.clone() else {
        return StaticFigures {
            sync_depth: sync_depth(model),
            ..StaticFigures::default()
        };
    };
    let facts: Vec<ElementId> = model
        .outgoing(&emitter)
        .into_iter()
        .filter(|f| f.kind == FlowKind::Emits)
        .map(|f| f.to.clone())
        .collect();
    let mut known: BTreeSet<ElementId> = callees(model, &emitter);
    for fact in &facts {
        for flow in model.outgoing(fact) {
            if flow.kind == FlowKind::Webhook {
                known.insert(flow.to.clone());
            }
        }
    }
    known.remove(&emitter);
    let main_fact = facts.first().cloned();
    let broadcast = main_fact.as_ref().is_some_and(|fact| {
        model.outgoing(fact).iter().any(|f| {
            matches!(
                f.kind,
                FlowKind::PublishedTo | FlowKind::ConsumedBy | FlowKind::Updates
            )
        })
    });
    let coupling = known.len() as u32;
    StaticFigures {
        main_emitter,
        main_fact,
        emitter_coupling: coupling,
        sync_depth: sync_depth(model),
        change_impact: if broadcast { 0 } else { coupling },
    }
}

/// The longest chain of synchronous calls, counted in calls.
pub fn sync_depth(model: &Model) -> u32 {
    let edges: BTreeMap<ElementId, BTreeSet<ElementId>> = model
        .ids()
        .map(|id| (id.clone(), callees(model, id)))
        .collect();
    let mut memo: BTreeMap<ElementId, u32> = BTreeMap::new();
    // Iterative depth-first search (a file may hold long chains); a loop of
    // calls counts each element once.
    let mut deepest = 0;
    for start in edges.keys() {
        let mut stack: Vec<(ElementId, bool)> = vec![(start.clone(), false)];
        let mut on_path: BTreeSet<ElementId> = BTreeSet::new();
        while let Some((node, done)) = stack.pop() {
            if done {
                on_path.remove(&node);
                let depth = edges[&node]
                    .iter()
                    .filter(|next| !on_path.contains(*next))
                    .map(|next| memo.get(next).copied().unwrap_or(0) + 1)
                    .max()
                    .unwrap_or(0);
                memo.insert(node, depth);
                continue;
            }
            if memo.contains_key(&node) || on_path.contains(&node) {
                continue;
            }
            on_path.insert(node.clone());
            stack.push((node.clone(), true));
            for next in &edges[&node] {
                if !memo.contains_key(next) && !on_path.contains(next) {
                    stack.push((next.clone(), false));
                }
            }
        }
        deepest = deepest.max(memo.get(start).copied().unwrap_or(0));
    }
    deepest
}

/// An element taken down for a while, the same in both designs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outage {
    /// The element.
    pub element: ElementId,
    /// When it goes down.
    pub at_us: Micros,
    /// For how long.
    pub for_us: Micros,
}

impl Outage {
    /// Parses `ELEMENT@T+DURATION` (`shipping@10s+5s`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let (element, rest) = text
            .split_once('@')
            .ok_or_else(|| format!("`{text}` is not ELEMENT@T+DURATION (e.g. shipping@10s+5s)"))?;
        let (at, length) = rest
            .split_once('+')
            .ok_or_else(|| format!("`{text}` is not ELEMENT@T+DURATION (e.g. shipping@10s+5s)"))?;
        let element = ElementId::new(element.trim());
        element.validate()?;
        Ok(Self {
            element,
            at_us: crate::units::parse_duration_us(at)?,
            for_us: crate::units::parse_duration_us(length)?,
        })
    }

    /// When it ends.
    pub fn end_us(&self) -> Micros {
        self.at_us.saturating_add(self.for_us)
    }
}

/// What failed so far, counted where it is lost: the sources' requests
/// answered with an error (or never), and asynchronous deliveries dropped or
/// dead-lettered. The synchronous hops inside a failed request are not
/// counted again: the request is the one failure its user sees.
pub fn failures(snapshot: &Snapshot) -> u64 {
    snapshot
        .elements
        .iter()
        .map(|e| e.counters.requests_failed + e.counters.dropped + e.counters.dead_lettered)
        .sum()
}

/// Deliveries waiting or in progress anywhere.
pub fn backlog(snapshot: &Snapshot) -> u64 {
    snapshot.totals.queued + snapshot.totals.in_flight
}

/// Follows a run through an outage: what failed, how much piled up, how
/// long until it drained. Fed snapshots in time order (often enough: the
/// CLI feeds one every 10 ms of virtual time, the app one per frame).
#[derive(Clone, Debug, PartialEq)]
pub struct OutageTracker {
    outage: Outage,
    baseline: Option<u64>,
    failures_at_start: u64,
    failures: u64,
    peak: u64,
    recovered_at: Option<Micros>,
}

impl OutageTracker {
    /// Tracks `outage`.
    pub fn new(outage: Outage) -> Self {
        Self {
            outage,
            baseline: None,
            failures_at_start: 0,
            failures: 0,
            peak: 0,
            recovered_at: None,
        }
    }

    /// The outage tracked.
    pub fn outage(&self) -> &Outage {
        &self.outage
    }

    /// Takes in the state at one instant.
    pub fn observe(&mut self, snapshot: &Snapshot) {
        let now = snapshot.now;
        if now < self.outage.at_us {
            self.baseline = Some(backlog(snapshot));
            self.failures_at_start = failures(snapshot);
            return;
        }
        let baseline = *self.baseline.get_or_insert(0);
        if self.recovered_at.is_none() {
            self.failures = failures(snapshot).saturating_sub(self.failures_at_start);
        }
        if now < self.outage.end_us() {
            self.peak = self.peak.max(backlog(snapshot));
        } else if self.recovered_at.is_none()
            && backlog(snapshot) <= baseline + (baseline / 10).max(2)
        {
            self.recovered_at = Some(now);
        }
    }

    /// Failures from the outage's start until the system had recovered.
    pub fn failed(&self) -> u64 {
        self.failures
    }

    /// The most deliveries waiting during the outage.
    pub fn peak_queued(&self) -> u64 {
        self.peak
    }

    /// From the outage's end until the backlog was back to its level before
    /// (none: not yet).
    pub fn recovery_us(&self) -> Option<Micros> {
        self.recovered_at
            .map(|at| at.saturating_sub(self.outage.end_us()))
    }
}

/// The figures `stormflow compare` prints for one model.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Figures {
    /// The model's file.
    pub file: String,
    /// The model's name.
    pub name: String,
    /// See [`StaticFigures::emitter_coupling`].
    pub emitter_coupling: u32,
    /// See [`StaticFigures::sync_depth`].
    pub sync_depth: u32,
    /// See [`StaticFigures::change_impact`].
    pub change_impact: u32,
    /// The main emitter.
    pub main_emitter: Option<ElementId>,
    /// Headline latency p50 (requests, else the slowest element).
    pub latency_p50_us: Micros,
    /// Headline latency p99.
    pub latency_p99_us: Micros,
    /// Requests failed and deliveries lost from the outage until recovery.
    pub failed_during_outage: u64,
    /// The most deliveries waiting during the outage.
    pub queued_during_outage: u64,
    /// From the end of the outage until the backlog drained (none: not by the end).
    pub recovery_us: Option<Micros>,
    /// Messages produced.
    pub messages: u64,
    /// The largest consistency-window p99 over the read models (none: the
    /// model has no read model; `null` in JSON).
    pub consistency_window_p99_us: Option<Micros>,
}

impl Figures {
    /// Puts the static figures, a snapshot and an outage tracker together.
    pub fn assemble(
        file: &str,
        model: &Model,
        snapshot: &Snapshot,
        tracker: Option<&OutageTracker>,
    ) -> Self {
        let statics = static_figures(model);
        Self {
            file: file.to_string(),
            name: model.name.clone(),
            emitter_coupling: statics.emitter_coupling,
            sync_depth: statics.sync_depth,
            change_impact: statics.change_impact,
            main_emitter: statics.main_emitter,
            latency_p50_us: snapshot.latency_p50_us,
            latency_p99_us: snapshot.latency_p99_us,
            failed_during_outage: tracker.map_or(0, OutageTracker::failed),
            queued_during_outage: tracker.map_or(0, OutageTracker::peak_queued),
            recovery_us: tracker.and_then(OutageTracker::recovery_us),
            messages: snapshot.totals.messages_produced,
            consistency_window_p99_us: snapshot.consistency_p99_us,
        }
    }
}

/// One row of the comparison table: a figure and its value for each model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// What the figure is.
    pub label: &'static str,
    /// Its value per model, as shown.
    pub cells: Vec<String>,
}

/// Whether the runs compared are still going (the app) or have ended
/// (`stormflow compare`): a backlog not yet drained is "not yet" in one
/// and "not recovered" in the other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunState {
    /// The runs go on.
    Running,
    /// The runs reached their end.
    Finished,
}

/// The comparison table, row by row: what `stormflow compare` prints and
/// the app's side-by-side view shows. `outage` says whether an outage was
/// part of the runs (without one, recovery has no meaning).
pub fn table(figures: &[Figures], outage: bool, state: RunState) -> Vec<Row> {
    use crate::units::format_duration_us as d;
    let row = |label: &'static str, cell: &dyn Fn(&Figures) -> String| Row {
        label,
        cells: figures.iter().map(cell).collect(),
    };
    vec![
        row("main emitter", &|f| {
            f.main_emitter
                .as_ref()
                .map_or_else(|| "-".into(), ToString::to_string)
        }),
        row("emitter coupling", &|f| f.emitter_coupling.to_string()),
        row("synchronous depth", &|f| f.sync_depth.to_string()),
        row("change impact of a new consumer", &|f| {
            f.change_impact.to_string()
        }),
        row("latency p50 / p99", &|f| {
            format!("{} / {}", d(f.latency_p50_us), d(f.latency_p99_us))
        }),
        row("failed during the outage", &|f| {
            f.failed_during_outage.to_string()
        }),
        row("queued during the outage", &|f| {
            f.queued_during_outage.to_string()
        }),
        row(
            "recovery after the outage",
            &|f| match (outage, f.recovery_us) {
                (false, _) => "-".into(),
                (true, Some(us)) => d(us),
                (true, None) if state == RunState::Running => "not yet".into(),
                (true, None) => "not recovered".into(),
            },
        ),
        row("messages", &|f| f.messages.to_string()),
        row("consistency window p99", &|f| {
            f.consistency_window_p99_us
                .map_or_else(|| "no read model".to_string(), d)
        }),
    ]
}

/// Runs one model under the workload it defines, with `outage` added, to
/// `until`, and measures it. Both models of a comparison get the same seed,
/// the same horizon and the same outage.
pub fn run_compare(
    file: &str,
    model: &Model,
    seed: u64,
    until: Micros,
    outage: Option<&Outage>,
) -> Result<Figures, SimError> {
    let mut model = model.clone();
    if let Some(outage) = outage {
        let element = model
            .element(&outage.element)
            .ok_or_else(|| SimError::UnknownElement(outage.element.clone()))?;
        if !element.kind.is_service() {
            return Err(SimError::BadFault(format!(
                "`{}` is a {}; an outage needs an aggregate, policy, read model, processor or external system",
                outage.element,
                element.kind.label()
            )));
        }
        model.faults.push(Fault {
            element: outage.element.clone(),
            at_us: outage.at_us,
            kind: FaultKind::Down {
                for_us: outage.for_us,
            },
        });
    }
    let mut sim = Sim::new(
        &model,
        &SimOptions {
            seed: Some(seed),
            ..SimOptions::default()
        },
    )?;
    let mut tracker = outage.cloned().map(OutageTracker::new);
    const STEP: Micros = 10_000;
    let mut t = 0;
    while t < until {
        t = (t + STEP).min(until);
        sim.run_until(t);
        if let Some(tracker) = &mut tracker {
            tracker.observe(&sim.snapshot());
        }
    }
    Ok(Figures::assemble(
        file,
        &model,
        &sim.snapshot(),
        tracker.as_ref(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outages_parse_from_the_command_line_form() {
        let outage = Outage::parse("shipping@10s+5s").expect("parses");
        assert_eq!(
            outage,
            Outage {
                element: "shipping".into(),
                at_us: 10_000_000,
                for_us: 5_000_000
            }
        );
        assert!(Outage::parse("shipping").is_err());
        assert!(
            Outage::parse("Shipping@1s+1s").is_err(),
            "ids are lowercase"
        );
    }
}
