//! Kafka Streams `Topology#describe()` text to a draft board.
//!
//! Read in every form people paste: the `Topologies:` / `Sub-topology: N`
//! form, the 1.0 `Sub-topologies:` form with a node, its successors and its
//! predecessors on one line, log lines with a timestamp or logger name before
//! each line, tab or space indentation. Sources and sinks become topics,
//! processors become processor stickies.
//!
//! The board has no processor-to-processor flow. Of the faithful shapes, the
//! least noisy is: each processor that forwards records emits ONE event
//! ("mapValues 3 Forwarded"), which every processor downstream consumes
//! directly (the in-memory bus, as Kafka Streams forwards in memory) and
//! which is published to the topic of every sink downstream. One event per
//! processor rather than per arrow keeps a fan-out to three children at one
//! sticky, and an event per processor is where its records really split off.

mod parse;

use std::collections::{BTreeMap, BTreeSet, VecDeque};

pub(crate) use self::parse::looks_like_topology;
use self::parse::{NodeKind, Topology, parse};
use super::draft::{Draft, DraftOperator, Key};
use super::inputs::Source as Input;
use super::{ImportError, Location};
use crate::model::{ElementKind, FlowKind, Operator, Service, TopicSpec, US_PER_SEC};

/// Share of records a filter is assumed to keep.
const FILTER_KEEP_PERCENT: u32 = 50;
/// Window assumed for aggregates (and for a table's cache flushes).
const AGGREGATE_WINDOW_US: u64 = US_PER_SEC;

/// The operator and readable name of a generated node name
/// (`KSTREAM-MAPVALUES-0000000003` -> `MAPVALUES`, 3).
fn generated(name: &str) -> Option<(String, u64)> {
    let (head, digits) = name.rsplit_once('-')?;
    if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (prefix, op) = head.split_once('-')?;
    let upper = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_uppercase() || b == b'-');
    if !upper(prefix) || prefix.contains('-') || !upper(op) {
        return None;
    }
    Some((op.to_string(), digits.parse().ok()?))
}

/// The DSL's spelling of a generated operator name (`FLATMAPVALUES` -> `flatMapValues`).
fn dsl_name(op: &str) -> String {
    let known = [
        ("MAPVALUES", "mapValues"),
        ("FLATMAPVALUES", "flatMapValues"),
        ("FLATMAP", "flatMap"),
        ("KEY-SELECT", "selectKey"),
        ("TOSTREAM", "toStream"),
        ("LEFTJOIN", "leftJoin"),
        ("OUTERJOIN", "outerJoin"),
        ("JOINTHIS", "joinThis"),
        ("JOINOTHER", "joinOther"),
        ("OUTERTHIS", "outerThis"),
        ("OUTEROTHER", "outerOther"),
        ("LEFTTHIS", "leftThis"),
        ("LEFTOTHER", "leftOther"),
        ("BRANCHCHILD", "branchChild"),
        ("TRANSFORMVALUES", "transformValues"),
        ("FLATTRANSFORM", "flatTransform"),
        ("FLATTRANSFORMVALUES", "flatTransformValues"),
        ("PROCESSVALUES", "processValues"),
        ("SELECT-KEY", "selectKey"),
    ];
    if let Some((_, dsl)) = known.iter().find(|(k, _)| *k == op) {
        return (*dsl).to_string();
    }
    let mut out = String::new();
    for (i, word) in op.split('-').filter(|w| !w.is_empty()).enumerate() {
        let lower = word.to_ascii_lowercase();
        if i == 0 {
            out.push_str(&lower);
        } else {
            let mut chars = lower.chars();
            if let Some(first) = chars.next() {
                out.push(first.to_ascii_uppercase());
                out.push_str(chars.as_str());
            }
        }
    }
    out
}

fn is_join(op: &str) -> bool {
    op.ends_with("JOIN")
        || matches!(
            op,
            "JOINTHIS" | "JOINOTHER" | "OUTERTHIS" | "OUTEROTHER" | "LEFTTHIS" | "LEFTOTHER"
        )
}

fn is_internal(topic: &str) -> Option<&'static str> {
    if topic.ends_with("-repartition") {
        Some("repartition")
    } else if topic.ends_with("-changelog") {
        Some("changelog")
    } else {
        None
    }
}

/// Steps the join-table searches of one description may take in all: a
/// hostile description with thousands of joins sharing stores stays bounded.
const TRACE_BUDGET: usize = 2_000_000;

/// Arrows into each node.
struct Upstream<'t> {
    topology: &'t Topology,
    into: BTreeMap<&'t str, Vec<&'t str>>,
    budget: usize,
}

impl<'t> Upstream<'t> {
    fn new(topology: &'t Topology) -> Self {
        let mut into: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (from, to) in &topology.edges {
            into.entry(to.as_str()).or_default().push(from.as_str());
        }
        Self {
            topology,
            into,
            budget: TRACE_BUDGET,
        }
    }

    /// Source topics upstream of `start`; `None` once the budget is spent.
    fn topics(&mut self, start: &str) -> Option<BTreeSet<String>> {
        let mut topics = BTreeSet::new();
        let mut seen = BTreeSet::from([start]);
        let mut queue = VecDeque::from([start]);
        while let Some(name) = queue.pop_front() {
            self.budget = self.budget.checked_sub(1)?;
            if let Some(NodeKind::Source { topics: t, .. }) =
                self.topology.nodes.get(name).map(|n| &n.kind)
            {
                topics.extend(t.iter().cloned());
            }
            for from in self.into.get(name).map_or(&[][..], Vec::as_slice) {
                if seen.insert(from) {
                    queue.push_back(from);
                }
            }
        }
        Some(topics)
    }

    /// The topic a join reads as its table: upstream of another processor
    /// that shares one of its stores, and not upstream of the join itself.
    /// `Err` when the budget ran out.
    fn join_table(&mut self, join: &str, stores: &[String]) -> Result<Option<String>, ()> {
        let own = self.topics(join).ok_or(())?;
        let mut candidates = BTreeSet::new();
        let topology = self.topology;
        for (name, node) in &topology.nodes {
            let NodeKind::Processor { stores: theirs } = &node.kind else {
                continue;
            };
            if name != join && theirs.iter().any(|s| stores.contains(s)) {
                let upstream = self.topics(name).ok_or(())?;
                candidates.extend(upstream.into_iter().filter(|t| !own.contains(t)));
            }
        }
        Ok(candidates.into_iter().next())
    }
}

/// Reads one description into the draft.
pub(crate) fn import(draft: &mut Draft, input: &Input) -> Result<(), ImportError> {
    let origin = input.origin.as_str();
    let topology = parse(&input.text, origin, draft)?;
    let title = input
        .label
        .rsplit('/')
        .next()
        .unwrap_or(&input.label)
        .split('.')
        .next()
        .unwrap_or("Kafka Streams topology")
        .to_string();
    draft.source(&input.label, &title);

    let topic_key = |name: &str| -> Key { (ElementKind::Topic, name.to_string()) };
    let node_key = |name: &str| -> Key { (ElementKind::Processor, format!("{origin}\n{name}")) };
    let event_key = |name: &str| -> Key { (ElementKind::Event, format!("{origin}\n{name}")) };
    let global_stores: BTreeSet<&String> = topology
        .nodes
        .values()
        .filter(|n| n.global)
        .filter_map(|n| match &n.kind {
            NodeKind::Processor { stores } => Some(stores),
            _ => None,
        })
        .flatten()
        .collect();

    let add_topic = |draft: &mut Draft, name: &str, pattern: bool| {
        let internal = is_internal(name);
        let display = match internal {
            Some(_) => format!("{name} (internal)"),
            None => name.to_string(),
        };
        let node = draft.node(&topic_key(name), &display);
        node.id_hint = name.to_string();
        node.topic.get_or_insert_with(TopicSpec::default);
        if let Some(what) = internal {
            node.note(format!(
                "Internal {what} topic, created and managed by Kafka Streams."
            ));
        }
        if pattern {
            node.note("A pattern: the source reads every topic whose name matches it.");
        }
    };

    // Which nodes are drawn as processor stickies: every processor, and a
    // source that writes straight to a sink (a pass-through).
    let into_sinks: BTreeSet<&str> = topology
        .edges
        .iter()
        .filter(|(_, b)| {
            matches!(
                topology.nodes.get(b).map(|n| &n.kind),
                Some(NodeKind::Sink { .. })
            )
        })
        .map(|(a, _)| a.as_str())
        .collect();
    let drawn = |name: &str| -> bool {
        match topology.nodes.get(name).map(|n| &n.kind) {
            Some(NodeKind::Processor { .. }) => true,
            Some(NodeKind::Source { .. }) => into_sinks.contains(name),
            _ => false,
        }
    };
    let mut upstream = Upstream::new(&topology);
    let mut windows = (false, false);
    let mut filters = false;
    for (name, node) in &topology.nodes {
        match &node.kind {
            NodeKind::Source { topics, pattern } => {
                for topic in topics {
                    add_topic(draft, topic, *pattern);
                }
            }
            NodeKind::Sink { topic, extractor } => {
                if let Some(topic) = topic {
                    add_topic(draft, topic, false);
                }
                if let Some(extractor) = extractor {
                    draft.warn(
                        Location::at(origin, node.line, 1),
                        format!(
                            "sink `{name}` chooses its topic per record ({extractor}); the \
                             records it writes are left out of the board"
                        ),
                    );
                }
            }
            NodeKind::Processor { .. } => {}
        }
        if !drawn(name) {
            continue;
        }
        let (display, op) = match generated(name) {
            Some((op, n)) => (format!("{} {n}", dsl_name(&op)), Some(op)),
            None => (name.clone(), None),
        };
        let stores = match &node.kind {
            NodeKind::Processor { stores } => stores.clone(),
            _ => Vec::new(),
        };
        let windowed = name.to_ascii_uppercase().contains("WINDOWED")
            || stores
                .iter()
                .any(|s| s.to_ascii_uppercase().contains("WINDOWED"));
        let operator = match op.as_deref() {
            Some("FILTER") => {
                filters = true;
                DraftOperator::Plain(Operator::Filter {
                    keep_percent: FILTER_KEEP_PERCENT,
                })
            }
            Some("AGGREGATE" | "REDUCE" | "COUNT") => {
                if windowed {
                    windows.0 = true;
                } else {
                    windows.1 = true;
                }
                DraftOperator::Plain(Operator::Aggregate {
                    window_us: AGGREGATE_WINDOW_US,
                })
            }
            Some(op) if is_join(op) => match upstream.join_table(name, &stores) {
                Ok(Some(table)) => {
                    add_topic(draft, &table, false);
                    draft.flow(&topic_key(&table), &node_key(name), FlowKind::ConsumedBy);
                    DraftOperator::Join(topic_key(&table))
                }
                found => {
                    draft.warn(
                        Location::at(origin, node.line, 1),
                        if found.is_err() {
                            format!(
                                "join `{name}`: the description is too large to trace the other \
                                 side of the join; it is drawn as a map"
                            )
                        } else {
                            format!(
                                "join `{name}`: the other side of the join is not in the \
                                 description (a global table, or another application's store); \
                                 it is drawn as a map"
                            )
                        },
                    );
                    DraftOperator::Plain(Operator::Map)
                }
            },
            Some("BRANCH" | "SPLIT") => DraftOperator::Plain(Operator::Split),
            Some("MERGE") => DraftOperator::Plain(Operator::Merge),
            _ => DraftOperator::Plain(Operator::Map),
        };
        let sticky = draft.node(&node_key(name), &display);
        sticky.id_hint = name.clone();
        sticky.operator = Some(operator);
        sticky.service = Some(Service::default());
        if display != *name {
            sticky.note(format!("Kafka Streams name: {name}."));
        }
        if matches!(node.kind, NodeKind::Source { .. }) {
            sticky.note("A source that writes its records straight to a sink.");
        }
        if op.is_none() {
            sticky.note(
                "What it does is not in its name: drawn as a map that passes each record on.",
            );
        }
        if let Some(sub) = node.sub {
            sticky.note(if node.global {
                format!("Sub-topology {sub}, which keeps a global store.")
            } else {
                format!("Sub-topology {sub}.")
            });
        }
        if !stores.is_empty() {
            let described: Vec<String> = stores
                .iter()
                .map(|s| {
                    if global_stores.contains(s) {
                        format!("{s} (global)")
                    } else {
                        s.clone()
                    }
                })
                .collect();
            sticky.note(format!("State stores: {}.", described.join(", ")));
        }
    }

    // Arrows.
    let forwarded = |draft: &mut Draft, from: &str| -> Key {
        let key = event_key(from);
        if draft.get(&key).is_none() {
            let display = draft
                .get(&node_key(from))
                .map_or_else(|| from.to_string(), |n| n.name.clone());
            let event = draft.node(&key, &format!("{display} Forwarded"));
            event.id_hint = format!("{from} forwarded");
            event.note(format!("The records {display} forwards downstream."));
            draft.flow(&node_key(from), &key, FlowKind::Emits);
        }
        key
    };
    for (from, to) in &topology.edges {
        let (Some(a), Some(b)) = (topology.nodes.get(from), topology.nodes.get(to)) else {
            continue;
        };
        match (&a.kind, &b.kind) {
            (NodeKind::Source { topics, .. }, NodeKind::Processor { .. }) => {
                for topic in topics {
                    draft.flow(&topic_key(topic), &node_key(to), FlowKind::ConsumedBy);
                }
            }
            (NodeKind::Source { topics, .. }, NodeKind::Sink { topic, .. }) => {
                for source_topic in topics {
                    draft.flow(
                        &topic_key(source_topic),
                        &node_key(from),
                        FlowKind::ConsumedBy,
                    );
                }
                let event = forwarded(draft, from);
                if let Some(topic) = topic {
                    draft.flow(&event, &topic_key(topic), FlowKind::PublishedTo);
                }
            }
            (NodeKind::Processor { .. }, NodeKind::Processor { .. }) => {
                let event = forwarded(draft, from);
                draft.flow(&event, &node_key(to), FlowKind::ConsumedBy);
            }
            (NodeKind::Processor { .. }, NodeKind::Sink { topic, .. }) => {
                let event = forwarded(draft, from);
                if let Some(topic) = topic {
                    draft.flow(&event, &topic_key(topic), FlowKind::PublishedTo);
                }
            }
            _ => draft.warn(
                Location::at(origin, a.line, 1),
                format!(
                    "`{from}` --> `{to}` goes the wrong way (into a source, or out of a sink); \
                     the arrow is left out"
                ),
            ),
        }
    }

    draft.assume(format!(
        "Kafka Streams processors take 2 ms per record on average (exponential, 1 instance); \
         topics have {} partitions.",
        TopicSpec::default().partitions
    ));
    if filters {
        draft.assume(format!(
            "Filters keep {FILTER_KEEP_PERCENT}% of the records."
        ));
    }
    if windows.0 {
        draft
            .assume("Windowed aggregates use 1 s tumbling windows: the description gives no size.");
    }
    if windows.1 {
        draft.assume(
            "Aggregates over a whole stream (tables) emit each key's latest value once a second, \
             as the record cache flushes (drawn as 1 s windows).",
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_names_read_as_the_dsl_and_keep_their_number() {
        assert_eq!(
            generated("KSTREAM-MAPVALUES-0000000003"),
            Some(("MAPVALUES".into(), 3))
        );
        assert_eq!(dsl_name("MAPVALUES"), "mapValues");
        assert_eq!(dsl_name("KEY-SELECT"), "selectKey");
        assert_eq!(dsl_name("WINDOWED"), "windowed");
        assert_eq!(generated("my-filter"), None);
        assert_eq!(
            generated("KSTREAM-SOURCE-0000000000"),
            Some(("SOURCE".into(), 0))
        );
    }
}
