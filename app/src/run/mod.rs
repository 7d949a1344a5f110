//! Running the board: the runner on its worker thread, and the run view
//! (toolbar, timeline, metrics, messages, trace) over the UI's mirror of the
//! run.
//!
//! The view's parts: [`toolbar`] (one row, overflowing into a menu, and the
//! run's banners), [`timeline`] (the handle that sizes the run panels, the
//! progress and the scrubber), [`dock`] (the tabs: [`plots`], [`elements`],
//! [`messages`], [`trace`]), [`layout`] (how the panels share the window
//! with the board) and [`idle`] (a board with nothing to simulate).
//!
//! The view reads a [`Source`]: the simulation's [`runner`], or a run on a
//! real NATS JetStream server ([`live`]), which feeds the same snapshot,
//! trace and series so the board and the dock show both alike.

pub mod dock;
pub mod elements;
pub mod idle;
pub mod layout;
pub mod live;
pub mod messages;
pub mod plot_data;
pub mod plots;
pub mod runner;
pub mod timeline;
pub mod toolbar;
pub mod trace;

use std::collections::{BTreeMap, BTreeSet};

use egui::Color32;
use stormflow_core::model::{ElementId, FaultKind, Model};
use stormflow_core::sim::{
    AttemptRecord, FLAG_DEAD_LETTER, FLAG_SYNC, KeySpaces, MsgId, NO_MSG, Outcome, Series,
    Snapshot, StopReason, Time, Trace,
};
use stormflow_core::style;
use stormflow_core::units::format_duration_us;

use crate::board::{Dot, Overlay};
use live::LiveFeed;
use runner::{Frame, Runner, RunnerCommand, RunnerEvent, Speed};
use stormflow_live::LiveUpdate;

/// Per-message outcome bits, gathered from its attempts.
pub mod outcome_bits {
    /// Processed somewhere.
    pub const PROCESSED: u8 = 1;
    /// Dead-lettered somewhere.
    pub const DEAD_LETTERED: u8 = 2;
    /// Dropped somewhere.
    pub const DROPPED: u8 = 4;
    /// Redelivered after a crash (at-least-once: the effect happens again).
    pub const REDELIVERED: u8 = 8;
    /// Retried after an error.
    pub const RETRIED: u8 = 16;
    /// Stopped a partition.
    pub const STOPPED: u8 = 32;
}

/// Which dock tab shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DockTab {
    /// Plots over virtual time.
    Metrics,
    /// The per-element table.
    Elements,
    /// Every message.
    Messages,
    /// The selected message's story.
    Trace,
}

/// Filters of the messages table.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MessageFilter {
    /// Only this message type (element index).
    pub ty: Option<u32>,
    /// Only keys containing this.
    pub key: String,
    /// Only messages made by or of this element (index).
    pub element: Option<u32>,
    /// Only this correlation (`m123` or `123`).
    pub correlation: String,
    /// Only messages with these outcome bits (any of them).
    pub outcome: u8,
}

/// What feeds a run view.
pub enum Source {
    /// The simulation, on its worker thread.
    Simulated(Runner),
    /// A run on a real NATS JetStream server.
    Live(Box<LiveFeed>),
}

/// The run view: the UI's side of a run.
pub struct RunView {
    /// What feeds it.
    pub source: Source,
    /// The model being run (the board as it was at Run, with faults added since).
    pub model: Model,
    /// Element ids by index, as the engine numbers them.
    pub ids: Vec<ElementId>,
    /// Key names, as the engine makes them.
    pub keys: KeySpaces,
    /// The seed.
    pub seed: u64,
    /// The latest state.
    pub snapshot: Snapshot,
    /// Mirror of the run's trace.
    pub trace: Trace,
    /// Mirror of the sampled series.
    pub series: Series,
    /// Outcome bits per message.
    pub outcomes: Vec<u8>,
    /// Advancing now.
    pub running: bool,
    /// Why the engine stopped the run before its end, if it did.
    pub stopped: Option<StopReason>,
    /// The chosen speed.
    pub speed: Speed,
    /// Engine events per second, lately.
    pub events_per_sec: f64,
    /// The selected message.
    pub selected: Option<MsgId>,
    /// The messages table's filter.
    pub filter: MessageFilter,
    /// Message ids passing the filter, in id order.
    pub filtered: Vec<MsgId>,
    filtered_for: Option<(MessageFilter, u64, usize)>,
    /// The dock tab shown.
    pub tab: DockTab,
    /// A message for the user (an error, an export).
    pub notice: Option<String>,
    /// The scrubber's position while dragged.
    pub scrub: Option<Time>,
    /// The run-until field, in seconds.
    pub until_seconds: f64,
    /// Duration used by the fault menu, in seconds.
    pub fault_seconds: f64,
    /// Factor used by the slow fault.
    pub slow_factor: u32,
    /// Failure rate used by the failing fault, in percent.
    pub failing_percent: f64,
    generation: u64,
    /// Snapshot times of the frames seen, to animate dots.
    last_frame_time: Time,
    /// Set when the view asks the app to scroll the table to the selection.
    pub scroll_to_selected: bool,
    story: Option<Story>,
}

/// The selected message's story, worked out once and again only as the
/// trace grows (at most four times a second while running): the Trace tab
/// draws it every frame.
#[derive(Debug)]
pub struct Story {
    /// (message, run generation, messages, attempts) it was worked out for.
    key: (MsgId, u64, usize, usize),
    worked_out: std::time::Instant,
    /// The correlation tree: (message, depth), depth-first from the root.
    pub tree: Vec<(MsgId, usize)>,
    /// Every message the selected one caused, directly or not.
    pub descendants: Vec<MsgId>,
    /// Delivery attempts of the tree's messages: (trace row, attempt), in order.
    pub attempts: BTreeMap<MsgId, Vec<(usize, AttemptRecord)>>,
}

/// Messages of the correlation tree the waterfall shows at most.
pub const STORY_ROWS: usize = 400;

impl RunView {
    /// Starts a run of `model` with `seed`, paused at 0.
    pub fn start(model: &Model, seed: u64) -> Result<Self, String> {
        let runner = Runner::start(model, seed).map_err(|e| e.to_string())?;
        Ok(Self::over(Source::Simulated(runner), model, seed))
    }

    /// Shows a run of `model` on NATS, started by the Run on NATS window.
    pub fn live(model: &Model, feed: LiveFeed) -> Self {
        let (seed, until_us) = (feed.seed, feed.until_us);
        let mut view = Self::over(Source::Live(Box::new(feed)), model, seed);
        // The timeline spans the run on NATS, not the board's horizon.
        view.model.run.horizon_us = until_us;
        view.running = true;
        view
    }

    fn over(source: Source, model: &Model, seed: u64) -> Self {
        Self {
            source,
            ids: model.ids().cloned().collect(),
            keys: KeySpaces::of(model),
            model: model.clone(),
            seed,
            snapshot: Snapshot::default(),
            trace: Trace::default(),
            series: Series::default(),
            outcomes: Vec::new(),
            running: false,
            stopped: None,
            speed: Speed::Times(1.0),
            events_per_sec: 0.0,
            selected: None,
            filter: MessageFilter::default(),
            filtered: Vec::new(),
            filtered_for: None,
            tab: DockTab::Metrics,
            notice: None,
            scrub: None,
            until_seconds: (model.run.horizon_us as f64 / 1e6).min(3_600.0),
            fault_seconds: 10.0,
            slow_factor: 5,
            failing_percent: 50.0,
            generation: 0,
            last_frame_time: 0,
            scroll_to_selected: false,
            story: None,
        }
    }

    /// The run on NATS this view shows, if it shows one.
    pub fn live_feed(&self) -> Option<&LiveFeed> {
        match &self.source {
            Source::Live(feed) => Some(feed),
            Source::Simulated(_) => None,
        }
    }

    /// The run on NATS this view shows, to take elements down or stop it.
    pub fn live_feed_mut(&mut self) -> Option<&mut LiveFeed> {
        match &mut self.source {
            Source::Live(feed) => Some(feed),
            Source::Simulated(_) => None,
        }
    }

    /// The selected message's story, as last worked out by [`Self::refresh_story`].
    pub fn story(&self) -> Option<&Story> {
        self.story
            .as_ref()
            .filter(|story| Some(story.key.0) == self.selected)
    }

    /// Works the selected message's story out again if it is stale.
    pub fn refresh_story(&mut self) {
        let Some(selected) = self.selected.filter(|id| self.trace.contains(*id)) else {
            self.story = None;
            return;
        };
        let key = (
            selected,
            self.generation,
            self.trace.len(),
            self.trace.attempt_count(),
        );
        let stale = match &self.story {
            None => true,
            Some(story) => {
                story.key != key
                    && (story.key.0 != selected
                        || story.key.1 != self.generation
                        || !self.running
                        || story.worked_out.elapsed() >= std::time::Duration::from_millis(250))
            }
        };
        if stale {
            let tree: Vec<(MsgId, usize)> = self
                .trace
                .correlation_tree(selected)
                .into_iter()
                .take(STORY_ROWS)
                .collect();
            let mut wanted: BTreeSet<MsgId> = tree.iter().map(|(id, _)| *id).collect();
            wanted.insert(selected);
            self.story = Some(Story {
                key,
                worked_out: std::time::Instant::now(),
                descendants: self.trace.descendants(selected),
                attempts: self.trace.attempts_of_each(&wanted),
                tree,
            });
        }
    }

    /// Sends a command to the worker (a run on NATS carries out what
    /// applies to it and says why the rest does not).
    pub fn send(&mut self, command: RunnerCommand) {
        match &mut self.source {
            Source::Simulated(runner) => runner.send(command),
            Source::Live(feed) => {
                if let Some(notice) = feed.command(command) {
                    self.notice = Some(notice);
                }
            }
        }
    }

    /// Takes in what the worker (or the broker) sent; returns whether
    /// anything changed.
    pub fn poll(&mut self) -> bool {
        let runner = match &mut self.source {
            Source::Simulated(runner) => runner,
            Source::Live(feed) => {
                let updates = feed.drain();
                let running = feed.running();
                let changed = !updates.is_empty() || running != self.running;
                self.running = running;
                for update in updates {
                    match update {
                        LiveUpdate::Snapshot(snapshot) => self.take_snapshot(*snapshot),
                        LiveUpdate::Trace(delta) => self.take_trace(&delta),
                        LiveUpdate::Series(delta) => {
                            if !self.series.apply(&delta) {
                                self.notice = Some("the run view lost track of the plots".into());
                            }
                        }
                        LiveUpdate::Status(_) => {}
                    }
                }
                return changed;
            }
        };
        let mut changed = false;
        for event in runner.drain() {
            changed = true;
            match event {
                RunnerEvent::Frame(frame) => self.apply(*frame),
                RunnerEvent::Exported { path, result } => {
                    self.notice = Some(match result {
                        Ok(()) => format!("Exported {}", path.display()),
                        Err(error) => format!("Export to {} failed: {error}", path.display()),
                    });
                }
                RunnerEvent::Error(error) => self.notice = Some(error),
            }
        }
        changed
    }

    fn apply(&mut self, frame: Frame) {
        if frame.generation != self.generation {
            self.generation = frame.generation;
            self.trace = Trace::default();
            self.series = Series::default();
            self.outcomes.clear();
            self.filtered_for = None;
            if self.selected.is_some_and(|id| {
                id >= frame.trace.first_message + frame.trace.messages.len() as u64
            }) {
                self.selected = None;
            }
        }
        self.take_trace(&frame.trace);
        self.series.apply(&frame.series);
        self.take_snapshot(frame.snapshot);
        self.running = frame.running;
        self.stopped = frame.stopped;
        self.events_per_sec = frame.events_per_sec;
    }

    /// Appends what the trace gained, and the outcome bits of its new attempts.
    fn take_trace(&mut self, delta: &stormflow_core::sim::TraceDelta) {
        let first_row = self.trace.attempt_count();
        if !self.trace.apply(delta) {
            // Out of step (should not happen): take the next full replay.
            self.notice = Some("the run view lost track of the trace; press Reset".into());
        }
        self.outcomes.resize(self.trace.len(), 0);
        for row in first_row..self.trace.attempt_count() {
            if let Some(attempt) = self.trace.attempt(row)
                && let Some(bits) = self.outcomes.get_mut(attempt.msg as usize)
            {
                *bits |= match attempt.outcome {
                    Outcome::Processed => outcome_bits::PROCESSED,
                    Outcome::DeadLettered => outcome_bits::DEAD_LETTERED,
                    Outcome::Dropped => outcome_bits::DROPPED,
                    Outcome::Redelivered => outcome_bits::REDELIVERED,
                    Outcome::Retried => outcome_bits::RETRIED,
                    Outcome::Stopped => outcome_bits::STOPPED,
                    Outcome::Aborted => 0,
                };
            }
        }
    }

    fn take_snapshot(&mut self, snapshot: Snapshot) {
        self.last_frame_time = self.snapshot.now;
        self.snapshot = snapshot;
    }

    /// Virtual time now.
    pub fn now(&self) -> Time {
        self.snapshot.now
    }

    /// Whether the run is paused at (or past) the model's horizon, where
    /// Play ends a run.
    pub fn at_horizon(&self) -> bool {
        self.live_feed().is_none() && !self.running && self.now() >= self.model.run.horizon_us
    }

    /// The element id of engine index `i`.
    pub fn id(&self, i: u32) -> Option<&ElementId> {
        self.ids.get(i as usize)
    }

    /// A readable name of engine index `i`.
    pub fn name(&self, i: u32) -> String {
        self.id(i)
            .and_then(|id| self.model.element(id))
            .map_or_else(
                || format!("#{i}"),
                |e| {
                    if e.name.is_empty() {
                        e.id.to_string()
                    } else {
                        e.name.clone()
                    }
                },
            )
    }

    /// The index of an element id.
    pub fn index(&self, id: &ElementId) -> Option<u32> {
        self.ids.iter().position(|i| i == id).map(|i| i as u32)
    }

    /// The readable key of key index `key` (the engine's naming).
    pub fn key_name(&self, key: u32) -> String {
        self.keys.name(key)
    }

    /// The message ids passing the filter (recomputed when needed).
    pub fn refresh_filter(&mut self) {
        let wanted = (
            self.filter.clone(),
            self.trace.len() as u64,
            self.trace.attempt_count(),
        );
        if self.filtered_for.as_ref() == Some(&wanted) {
            return;
        }
        let keys = &self.keys;
        let correlation: Option<MsgId> = {
            let text = self.filter.correlation.trim().trim_start_matches('m');
            if text.is_empty() {
                None
            } else {
                text.parse().ok().or(Some(NO_MSG))
            }
        };
        let key = self.filter.key.trim().to_lowercase();
        let same_filter = self
            .filtered_for
            .as_ref()
            .is_some_and(|(f, _, _)| *f == self.filter);
        // Outcomes change as attempts arrive, so an outcome filter starts over;
        // otherwise only the new messages need testing.
        let start = match &self.filtered_for {
            Some((_, len, _)) if same_filter && self.filter.outcome == 0 => *len,
            _ => {
                self.filtered.clear();
                0
            }
        };
        for id in start..self.trace.len() as u64 {
            let Some(m) = self.trace.message(id) else {
                continue;
            };
            let f = &self.filter;
            let pass = f.ty.is_none_or(|ty| m.ty == ty)
                && f.element.is_none_or(|e| m.source == e || m.ty == e)
                && correlation.is_none_or(|c| m.correlation == c)
                && (f.outcome == 0
                    || self
                        .outcomes
                        .get(id as usize)
                        .is_some_and(|b| b & f.outcome != 0))
                && (key.is_empty() || keys.name(m.key).to_lowercase().contains(&key));
            if pass {
                self.filtered.push(id);
            }
        }
        self.filtered_for = Some(wanted);
    }

    /// The causation chain of the selection, root first.
    pub fn chain(&self) -> Vec<MsgId> {
        let Some(selected) = self.selected else {
            return Vec::new();
        };
        let mut chain = self.trace.ancestors(selected);
        chain.reverse();
        chain
    }

    /// What the board draws over itself for this run: live badges, the
    /// partitions of topics, message dots and the selected message's path.
    pub fn overlay(&self, model: &Model) -> Overlay {
        let read_only = match self.live_feed() {
            None => "The board is running: press Stop (■) in the run toolbar to edit it.",
            Some(feed) if feed.running() => {
                "The board is running on NATS: press Stop (■) in the run toolbar, then Close, \
                 to edit it."
            }
            Some(_) => {
                "The run on NATS has ended: press Close in the run toolbar to edit the board."
            }
        };
        let mut overlay = Overlay {
            read_only: Some(read_only.into()),
            ..Overlay::default()
        };
        // The run's own model numbers the snapshot's elements; the SVG
        // export draws the same badges from the same function.
        overlay.badges = style::live_badges(&self.model, &self.snapshot);
        self.dots(model, &mut overlay);
        let chain = self.chain();
        for id in &chain {
            if let Some(m) = self.trace.message(*id) {
                for e in [m.ty, m.source] {
                    if let Some(id) = self.id(e) {
                        overlay.highlight.insert(id.clone());
                    }
                }
            }
        }
        let mut path: BTreeSet<(ElementId, ElementId)> = BTreeSet::new();
        for flow in model.flows() {
            if overlay.highlight.contains(&flow.from) && overlay.highlight.contains(&flow.to) {
                path.insert((flow.from.clone(), flow.to.clone()));
            }
        }
        overlay.highlight_flows = path;
        overlay
    }

    /// Dots for messages on their way: from the producer to the message's
    /// sticky, then on to where it goes; sampled when there are many.
    fn dots(&self, model: &Model, overlay: &mut Overlay) {
        const MAX_DOTS: usize = 250;
        let now = self.snapshot.now;
        // Show about the last half second of virtual time, or a few frames' worth.
        let window = (now - self.last_frame_time.min(now)).clamp(50_000, 500_000);
        let from_time = now.saturating_sub(window);
        let recent = self.trace.by_time(from_time, now.saturating_add(1));
        let count = (recent.end - recent.start) as usize;
        let stride = count.div_ceil(MAX_DOTS).max(1);
        let outgoing: BTreeMap<&ElementId, Vec<&ElementId>> = {
            let mut map: BTreeMap<&ElementId, Vec<&ElementId>> = BTreeMap::new();
            for flow in model.flows() {
                map.entry(&flow.from).or_default().push(&flow.to);
            }
            map
        };
        for id in recent.step_by(stride) {
            let Some(m) = self.trace.message(id) else {
                continue;
            };
            let (Some(source), Some(ty)) = (self.id(m.source), self.id(m.ty)) else {
                continue;
            };
            let progress = (now - m.time) as f32 / window as f32;
            let color = type_color(m.ty);
            let color = if m.flags & FLAG_DEAD_LETTER != 0 {
                crate::theme::DEAD_LETTER
            } else {
                color
            };
            let dot = |from: &ElementId, to: &ElementId, progress: f32| Dot {
                from: from.clone(),
                to: to.clone(),
                progress,
                color,
                message: id,
            };
            if progress < 0.5 && outgoing.get(source).is_some_and(|t| t.contains(&ty)) {
                overlay.dots.push(dot(source, ty, progress * 2.0));
            } else if let Some(targets) = outgoing.get(ty) {
                let p = if outgoing.get(source).is_some_and(|t| t.contains(&ty)) {
                    progress * 2.0 - 1.0
                } else {
                    progress
                };
                for target in targets {
                    overlay.dots.push(dot(ty, target, p));
                }
            }
        }
    }

    /// The faults scheduled so far (the model's and those added in this run).
    pub fn faults(&self) -> &[stormflow_core::model::Fault] {
        &self.model.faults
    }

    /// One line describing a message, for lists.
    pub fn describe(&self, id: MsgId) -> String {
        let Some(m) = self.trace.message(id) else {
            return format!("m{id}");
        };
        let sync = if m.flags & FLAG_SYNC != 0 {
            " (sync)"
        } else {
            ""
        };
        format!(
            "m{id} {} {}{sync} · key {} · from {} at {}",
            self.name(m.ty),
            m.kind.label(),
            self.key_name(m.key),
            self.name(m.source),
            format_duration_us(m.time)
        )
    }

    /// A label for a fault kind.
    pub fn fault_label(kind: &FaultKind) -> String {
        match kind {
            FaultKind::Down { for_us } => format!("down {}", format_duration_us(*for_us)),
            FaultKind::Slow { factor, for_us } => {
                format!("slow ×{factor} {}", format_duration_us(*for_us))
            }
            FaultKind::Failing { rate, for_us } => format!(
                "failing {:.0}% {}",
                rate * 100.0,
                format_duration_us(*for_us)
            ),
            FaultKind::Rate { per_sec } => format!("rate {per_sec}/s"),
            FaultKind::Replay => "replay".into(),
        }
    }
}

/// A stable colour per message type.
pub fn type_color(ty: u32) -> Color32 {
    let palette = &crate::theme::MESSAGE_TYPES;
    palette[(ty as usize).wrapping_mul(7) % palette.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_names_match_the_engine() {
        let model = stormflow_core::format::from_ron_str(crate::samples::default_sample().text)
            .expect("loads");
        let mut sim =
            stormflow_core::sim::Sim::new(&model, &stormflow_core::sim::SimOptions::default())
                .expect("runs");
        sim.run_until(500_000);
        let names = KeySpaces::of(&model);
        for id in 0..sim.trace().len() as u64 {
            let m = sim.trace().message(id).expect("recorded");
            assert_eq!(names.name(m.key), sim.key_name(m.key));
        }
    }
}
