//! The engine guards itself, whatever the checks said: a run that spins
//! without virtual time passing, retries one delivery without end, or
//! grows past its memory budget stops with a named reason, and its report
//! says what happened until then. Nothing aborts.

use std::fmt;
use std::mem::size_of;

use super::super::{SimOptions, Time};
use super::Sim;
use super::broker::Entry;
use super::ids::NodeIx;
use super::runtime::Item;

/// Events at one instant of virtual time before the run is stopped as a
/// zero-time loop. A legitimate instant (a burst of the largest allowed
/// size through a long chain of zero-time steps) stays well below it.
pub const MAX_EVENTS_AT_ONE_INSTANT: u64 = 4_000_000;

/// Attempts at one delivery before the run is stopped: a handler that
/// always crashes is redelivered without end otherwise (retries after a
/// failure stop at the consumer's `max_attempts`, at most 100; only crash
/// redeliveries can go on).
pub const MAX_ATTEMPTS_OF_ONE_DELIVERY: u32 = 1_000;

/// Messages in one causation chain before the run is stopped as an endless
/// loop: without a loop, a chain is as long as the longest path of flows.
pub const MAX_CHAIN_DEPTH: u32 = 10_000;

/// The default memory budget of a run's queues, logs, trace and series.
pub const DEFAULT_MAX_MEMORY_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// How many events pass between two estimates of the run's memory.
const MEMORY_CHECK_EVERY: u64 = 1 << 16;

/// Why a run stopped before its end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// Virtual time stood still for too many events.
    ZeroTimeLoop {
        /// The elements busiest at that instant, along a cycle of flows
        /// where there is one (`a → b → a`).
        path: Vec<String>,
        /// The instant.
        at_us: Time,
        /// Events run at it.
        events: u64,
    },
    /// Messages went round a loop without end.
    EndlessLoop {
        /// The loop (`a → b → a`).
        path: Vec<String>,
        /// The length of the chain that showed it.
        depth: u32,
        /// When.
        at_us: Time,
    },
    /// One delivery was attempted too often.
    RunawayRetries {
        /// The consumer.
        element: String,
        /// The message's id.
        message: u64,
        /// Its attempts so far.
        attempts: u32,
        /// When.
        at_us: Time,
    },
    /// The run's estimated memory passed its budget.
    MemoryBudget {
        /// Where most of it is ("topic `t1`", "the queue of `billing`").
        largest: String,
        /// Messages held there.
        messages: u64,
        /// The estimate, in bytes.
        bytes: u64,
        /// The budget, in bytes.
        budget: u64,
        /// When.
        at_us: Time,
    },
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = |t: Time| crate::units::format_duration_us(t);
        match self {
            StopReason::ZeroTimeLoop {
                path,
                at_us,
                events,
            } => write!(
                f,
                "zero-time loop through {} at t = {}: {events} events without virtual time \
                 passing; give a step along it a service time, or break the cycle",
                path.join(" → "),
                at(*at_us)
            ),
            StopReason::EndlessLoop { path, depth, at_us } => write!(
                f,
                "endless loop through {} at t = {}: a chain of {depth} messages went round it; \
                 messages that enter it never leave (add a filter, a window or a condition that \
                 ends the loop)",
                path.join(" → "),
                at(*at_us)
            ),
            StopReason::RunawayRetries {
                element,
                message,
                attempts,
                at_us,
            } => write!(
                f,
                "runaway retries at `{element}` at t = {}: message m{message} was attempted \
                 {attempts} times; it fails every time (check its failure rate and guarantee)",
                at(*at_us)
            ),
            StopReason::MemoryBudget {
                largest,
                messages,
                bytes,
                budget,
                at_us,
            } => write!(
                f,
                "runaway growth on {largest}: {messages} messages queued at t = {}; the run \
                 holds about {} MiB, over its budget of {} MiB (raise it with --max-memory)",
                at(*at_us),
                bytes / (1024 * 1024),
                budget / (1024 * 1024)
            ),
        }
    }
}

/// What the guards keep between events.
#[derive(Debug)]
pub(crate) struct Guards {
    /// The instant being counted, and events run at it.
    instant: Time,
    events_at_instant: u64,
    /// The budget in bytes.
    pub(crate) max_memory_bytes: u64,
    /// Events at one instant before the run stops.
    max_events_at_instant: u64,
    /// Attempts at one delivery before the run stops.
    max_attempts: u32,
    /// Messages in one causation chain before the run stops.
    pub(crate) max_chain_depth: u32,
    next_memory_check: u64,
    /// Set when the run has stopped.
    pub(crate) stopped: Option<StopReason>,
    /// Per node, events at the current instant (stamped by `instant`).
    busy: Vec<(Time, u64)>,
}

impl Guards {
    pub(crate) fn new(nodes: usize, options: &SimOptions) -> Self {
        Self {
            instant: 0,
            events_at_instant: 0,
            max_memory_bytes: options.max_memory_bytes.unwrap_or(DEFAULT_MAX_MEMORY_BYTES),
            max_events_at_instant: options
                .max_events_at_one_instant
                .unwrap_or(MAX_EVENTS_AT_ONE_INSTANT),
            max_attempts: options
                .max_attempts_of_one_delivery
                .unwrap_or(MAX_ATTEMPTS_OF_ONE_DELIVERY),
            max_chain_depth: options.max_chain_depth.unwrap_or(MAX_CHAIN_DEPTH),
            next_memory_check: MEMORY_CHECK_EVERY,
            stopped: None,
            busy: vec![(Time::MAX, 0); nodes],
        }
    }
}

impl Sim {
    /// Counts an event at `now`; stops the run when time stands still too long
    /// or memory passes the budget.
    #[inline]
    pub(crate) fn guard_event(&mut self) {
        if self.now != self.guards.instant {
            self.guards.instant = self.now;
            self.guards.events_at_instant = 0;
        }
        self.guards.events_at_instant += 1;
        if self.guards.events_at_instant > self.guards.max_events_at_instant {
            self.stop_zero_time_loop();
        }
        if self.events_done >= self.guards.next_memory_check {
            self.guards.next_memory_check = self.events_done + MEMORY_CHECK_EVERY;
            self.check_memory();
        }
    }

    /// Notes that `node` worked at this instant (for naming a loop).
    #[inline]
    pub(crate) fn guard_node(&mut self, node: NodeIx) {
        if let Some(busy) = self.guards.busy.get_mut(usize::from(node)) {
            if busy.0 != self.now {
                *busy = (self.now, 0);
            }
            busy.1 += 1;
        }
    }

    /// Stops the run if one delivery has been attempted too often.
    pub(crate) fn guard_attempts(&mut self, node: NodeIx, item: &Item) {
        if item.attempt > self.guards.max_attempts && self.guards.stopped.is_none() {
            self.guards.stopped = Some(StopReason::RunawayRetries {
                element: self.nodes[node].id.to_string(),
                message: item.msg.id,
                attempts: item.attempt,
                at_us: self.now,
            });
        }
    }

    pub(crate) fn stop_endless_loop(&mut self, node: NodeIx, depth: u32) {
        if self.guards.stopped.is_some() {
            return;
        }
        let path = self
            .cycle_among(&[node])
            .unwrap_or_else(|| vec![node])
            .into_iter()
            .map(|n| self.nodes[n].id.to_string())
            .collect();
        self.guards.stopped = Some(StopReason::EndlessLoop {
            path,
            depth,
            at_us: self.now,
        });
    }

    fn stop_zero_time_loop(&mut self) {
        if self.guards.stopped.is_some() {
            return;
        }
        let now = self.now;
        let mut hot: Vec<(u64, NodeIx)> = self
            .guards
            .busy
            .iter()
            .enumerate()
            .filter(|(_, (t, n))| *t == now && *n > 0)
            .map(|(i, (_, n))| (*n, NodeIx::from(i)))
            .collect();
        hot.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        hot.truncate(16);
        let hot: Vec<NodeIx> = hot.into_iter().map(|(_, node)| node).collect();
        let path = self
            .cycle_among(&hot)
            .unwrap_or(hot)
            .into_iter()
            .map(|node| self.nodes[node].id.to_string())
            .collect();
        self.guards.stopped = Some(StopReason::ZeroTimeLoop {
            path,
            at_us: now,
            events: self.guards.events_at_instant,
        });
    }

    /// A cycle of flows from one of the given nodes back to it, as a closed
    /// path (`a, b, a`), if there is one.
    fn cycle_among(&self, nodes: &[NodeIx]) -> Option<Vec<NodeIx>> {
        // Successors by the runtime tables: outputs, their routes, and the
        // consumers of topics they reach.
        let successors = |n: NodeIx| -> Vec<NodeIx> {
            let node = &self.nodes[n];
            let mut next: Vec<NodeIx> = node
                .emits
                .iter()
                .chain(&node.triggers)
                .map(|o| o.ty)
                .chain(node.calls.iter().map(|c| c.callee))
                .collect();
            let route = &self.routes[n];
            next.extend(route.direct.iter().copied());
            next.extend(route.webhooks.iter().copied());
            next.extend(route.handler);
            for topic in &route.topics {
                next.extend(self.topics[*topic].subs.iter().map(|s| self.subs[*s].node));
            }
            if !self.topic_of[n].is_none() {
                next.extend(
                    self.topics[self.topic_of[n]]
                        .subs
                        .iter()
                        .map(|s| self.subs[*s].node),
                );
            }
            next.retain(|m| !m.is_none());
            next
        };
        // Depth-first from each hot node, through any node, back to it.
        for &start in nodes {
            let mut stack = vec![(start, vec![start])];
            let mut seen = vec![start];
            while let Some((node, path)) = stack.pop() {
                for next in successors(node) {
                    if next == start {
                        let mut cycle = path.clone();
                        cycle.push(start);
                        return Some(cycle);
                    }
                    if !seen.contains(&next) && path.len() < 64 {
                        seen.push(next);
                        let mut longer = path.clone();
                        longer.push(next);
                        stack.push((next, longer));
                    }
                }
            }
        }
        None
    }

    /// Estimates what the run holds and stops it past the budget.
    fn check_memory(&mut self) {
        if self.guards.stopped.is_some() {
            return;
        }
        let mut largest = (0u64, String::new());
        let mut bytes = self.trace.resident_bytes() as u64 + self.series.resident_bytes() as u64;
        bytes += self.queue.len() as u64 * 32;
        bytes += self.slots.len() as u64 * 256;
        for topic in self.topics.iter() {
            let held: u64 = topic.partitions.iter().map(|p| p.log.len() as u64).sum();
            bytes += held * size_of::<Entry>() as u64;
            if held > largest.0 {
                largest = (held, format!("topic `{}`", self.nodes[topic.node].id));
            }
        }
        for node in self.nodes.iter() {
            let held = node.fifo.len() as u64 + u64::from(node.parked);
            bytes += held * size_of::<Item>() as u64;
            if held > largest.0 {
                largest = (held, format!("the queue of `{}`", node.id));
            }
        }
        if bytes > self.guards.max_memory_bytes {
            self.guards.stopped = Some(StopReason::MemoryBudget {
                largest: largest.1,
                messages: largest.0,
                bytes,
                budget: self.guards.max_memory_bytes,
                at_us: self.now,
            });
        }
    }

    /// Why the run stopped before its end, if it did.
    pub fn stopped(&self) -> Option<&StopReason> {
        self.guards.stopped.as_ref()
    }
}
