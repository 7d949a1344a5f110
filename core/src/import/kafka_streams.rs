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

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::draft::{Draft, DraftOperator, Key};
use super::inputs::Source as Input;
use super::{ImportError, Location};
use crate::model::{ElementKind, FlowKind, Operator, Service, TopicSpec, US_PER_SEC};

/// Share of records a filter is assumed to keep.
const FILTER_KEEP_PERCENT: u32 = 50;
/// Window assumed for aggregates (and for a table's cache flushes).
const AGGREGATE_WINDOW_US: u64 = US_PER_SEC;

/// The words that start a part of the description, in the order they are tried.
const KEYWORDS: [&str; 9] = [
    "Sub-topologies:",
    "Sub-topology:",
    "Topologies:",
    "Global Stores:",
    "Source:",
    "Processor:",
    "Sink:",
    "-->",
    "<--",
];

/// Whether text reads as a `Topology#describe()` description.
pub(crate) fn looks_like_topology(text: &str) -> bool {
    text.contains("Sub-topology")
        || ((text.contains("Source:") || text.contains("Processor:")) && text.contains("-->"))
}

#[derive(Clone, Debug, PartialEq)]
enum NodeKind {
    Source {
        topics: Vec<String>,
        pattern: bool,
    },
    Processor {
        stores: Vec<String>,
    },
    Sink {
        topic: Option<String>,
        extractor: Option<String>,
    },
}

#[derive(Clone, Debug)]
struct Node {
    kind: NodeKind,
    line: usize,
    sub: Option<u64>,
    global: bool,
    successors: Vec<String>,
    predecessors: Vec<String>,
}

/// A parsed description: nodes by name, and the arrows between them.
#[derive(Debug, Default)]
struct Topology {
    nodes: BTreeMap<String, Node>,
    edges: BTreeSet<(String, String)>,
}

/// Where a line's description starts: the first keyword (the text before it
/// is a log prefix).
fn first_keyword(line: &str) -> Option<usize> {
    KEYWORDS.iter().filter_map(|k| line.find(k)).min()
}

struct LineParser<'a> {
    origin: &'a str,
    line: usize,
    /// Byte offset of `rest` in the line.
    offset: usize,
    raw: &'a str,
}

impl LineParser<'_> {
    fn location(&self, at: usize) -> Location {
        let col = 1 + self.raw[..at.min(self.raw.len())].chars().count();
        Location::at(self.origin, self.line, col)
    }

    fn invalid(&self, at: usize, message: String) -> ImportError {
        ImportError::Invalid {
            at: self.location(at),
            message,
        }
    }
}

/// Names in a `-->` or `<--` list (`none` is the empty list).
fn names(segment: &str) -> Vec<String> {
    let names: Vec<String> = segment
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if names == ["none"] { Vec::new() } else { names }
}

/// The items of `[a, b]`, or of `a, b` without brackets.
fn list(value: &str) -> Vec<String> {
    let value = value.trim();
    let inner = value
        .strip_prefix('[')
        .and_then(|v| v.strip_suffix(']'))
        .unwrap_or(value);
    inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn is_pattern(value: &str) -> bool {
    value.contains(['*', '|', '+', '?', '\\', '^', '$', '(', ')'])
}

fn parse(text: &str, origin: &str, draft: &mut Draft) -> Result<Topology, ImportError> {
    let mut topology = Topology::default();
    let mut current: Option<String> = None;
    let mut sub: Option<u64> = None;
    let mut global = false;
    for (index, raw) in text.lines().enumerate() {
        let Some(start) = first_keyword(raw) else {
            continue;
        };
        let p = LineParser {
            origin,
            line: index + 1,
            offset: start,
            raw,
        };
        let mut pos = p.offset;
        loop {
            let rest = raw[pos..].trim_start();
            pos = raw.len() - rest.len();
            if rest.is_empty() {
                break;
            }
            if let Some(after) = ["Sub-topologies:", "Topologies:", "Global Stores:"]
                .iter()
                .find_map(|k| rest.strip_prefix(k))
            {
                pos = raw.len() - after.len();
                continue;
            }
            if let Some(after) = rest.strip_prefix("Sub-topology:") {
                let digits: String = after
                    .trim_start()
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .take(18)
                    .collect();
                sub = digits.parse().ok();
                global = after.contains("global store");
                current = None;
                break;
            }
            if let Some(after) = rest
                .strip_prefix("-->")
                .or_else(|| rest.strip_prefix("<--"))
            {
                let forward = rest.starts_with("-->");
                let end = first_keyword(after).unwrap_or(after.len());
                let listed = names(&after[..end]);
                let Some(name) = &current else {
                    return Err(p.invalid(
                        pos,
                        format!(
                            "`{}` before any Source, Processor or Sink: the lines above it are \
                             missing",
                            if forward { "-->" } else { "<--" }
                        ),
                    ));
                };
                if let Some(node) = topology.nodes.get_mut(name) {
                    if forward {
                        node.successors.extend(listed);
                    } else {
                        node.predecessors.extend(listed);
                    }
                }
                pos = raw.len() - after.len() + end;
                continue;
            }
            let Some((keyword, after)) = ["Source:", "Processor:", "Sink:"]
                .iter()
                .find_map(|k| rest.strip_prefix(k).map(|a| (*k, a)))
            else {
                draft.warn(
                    p.location(pos),
                    format!(
                        "`{}` is not part of a topology description; skipped",
                        clip(rest)
                    ),
                );
                break;
            };
            let after_trimmed = after.trim_start();
            let name_at = raw.len() - after_trimmed.len();
            let name: String = after_trimmed
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != '(')
                .collect();
            if name.is_empty() {
                return Err(p.invalid(
                    name_at,
                    format!("`{keyword}` without a name: expected `{keyword} NAME (...)`"),
                ));
            }
            let mut rest_at = name_at + name.len();
            let details = raw[rest_at..].trim_start();
            let mut inner = None;
            if details.starts_with('(') {
                let open = raw.len() - details.len();
                let mut depth = 0usize;
                let close = details.char_indices().find_map(|(i, c)| {
                    match c {
                        '(' => depth += 1,
                        ')' => {
                            depth = depth.saturating_sub(1);
                            if depth == 0 {
                                return Some(i);
                            }
                        }
                        _ => {}
                    }
                    None
                });
                let Some(close) = close else {
                    return Err(p.invalid(
                        open,
                        format!("the `(` after `{name}` is never closed: the line is cut short"),
                    ));
                };
                inner = Some(details[1..close].trim().to_string());
                rest_at = open + close + 1;
            }
            let kind = node_kind(keyword, &name, inner.as_deref(), &p, name_at, draft);
            if topology.nodes.contains_key(&name) {
                draft.warn(
                    p.location(name_at),
                    format!("`{name}` is described twice; the first description is kept"),
                );
            } else {
                topology.nodes.insert(
                    name.clone(),
                    Node {
                        kind,
                        line: p.line,
                        sub,
                        global,
                        successors: Vec::new(),
                        predecessors: Vec::new(),
                    },
                );
            }
            current = Some(name);
            pos = rest_at;
        }
    }
    if topology.nodes.is_empty() {
        return Err(ImportError::Invalid {
            at: Location::file(origin),
            message: "no `Source:`, `Processor:` or `Sink:` line: this is not a Kafka Streams \
                      topology description (the text `Topology#describe()` prints)"
                .into(),
        });
    }
    // Arrows from both directions, kept only between described nodes.
    let mut pairs = Vec::new();
    for (name, node) in &topology.nodes {
        pairs.extend(
            node.successors
                .iter()
                .map(|s| (name.clone(), s.clone(), node.line)),
        );
        pairs.extend(
            node.predecessors
                .iter()
                .map(|p| (p.clone(), name.clone(), node.line)),
        );
    }
    for (from, to, line) in pairs {
        if from == to {
            continue;
        }
        let missing = [&from, &to]
            .into_iter()
            .find(|n| !topology.nodes.contains_key(*n));
        match missing {
            Some(missing) => draft.warn(
                Location::at(origin, line, 1),
                format!(
                    "`{missing}` is linked to `{}` but not described; the arrow is left out",
                    if *missing == from { &to } else { &from }
                ),
            ),
            None => {
                topology.edges.insert((from, to));
            }
        }
    }
    Ok(topology)
}

fn clip(text: &str) -> String {
    let cut: String = text.chars().take(60).collect();
    if cut.len() < text.len() {
        format!("{cut}…")
    } else {
        cut
    }
}

/// What a `Source:`, `Processor:` or `Sink:` is, from what its parentheses say.
fn node_kind(
    keyword: &str,
    name: &str,
    inner: Option<&str>,
    p: &LineParser<'_>,
    at: usize,
    draft: &mut Draft,
) -> NodeKind {
    let inner = inner.unwrap_or("");
    let value_of = |labels: &[&str]| {
        labels
            .iter()
            .find_map(|label| inner.strip_prefix(label))
            .map(str::trim)
    };
    match keyword {
        "Source:" => {
            let Some(value) = value_of(&["topics:", "topic:", "topicPattern:", "pattern:"]) else {
                draft.warn(
                    p.location(at),
                    format!("source `{name}` names no topic; it reads nothing on the board"),
                );
                return NodeKind::Source {
                    topics: Vec::new(),
                    pattern: false,
                };
            };
            let bracketed = value.starts_with('[');
            if !bracketed && is_pattern(value) {
                NodeKind::Source {
                    topics: vec![value.to_string()],
                    pattern: true,
                }
            } else {
                NodeKind::Source {
                    topics: list(value),
                    pattern: false,
                }
            }
        }
        "Processor:" => NodeKind::Processor {
            stores: value_of(&["stores:"]).map(list).unwrap_or_default(),
        },
        _ => {
            if inner.contains("extractor") {
                let extractor = value_of(&["extractor class:", "topic extractor:", "extractor:"])
                    .unwrap_or(inner)
                    .to_string();
                NodeKind::Sink {
                    topic: None,
                    extractor: Some(extractor),
                }
            } else {
                let topic = value_of(&["topic:", "topics:"])
                    .map(|t| t.trim_matches(['[', ']']).trim().to_string())
                    .filter(|t| !t.is_empty());
                if topic.is_none() {
                    draft.warn(
                        p.location(at),
                        format!("sink `{name}` names no topic; what it writes is left out"),
                    );
                }
                NodeKind::Sink {
                    topic,
                    extractor: None,
                }
            }
        }
    }
}

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

/// Source topics upstream of `start`, through its predecessors.
fn upstream_topics(topology: &Topology, start: &str) -> BTreeSet<String> {
    let mut topics = BTreeSet::new();
    let mut seen = BTreeSet::from([start.to_string()]);
    let mut queue = VecDeque::from([start.to_string()]);
    while let Some(name) = queue.pop_front() {
        if let Some(NodeKind::Source { topics: t, .. }) = topology.nodes.get(&name).map(|n| &n.kind)
        {
            topics.extend(t.iter().cloned());
        }
        for (from, _) in topology.edges.iter().filter(|(_, to)| *to == name) {
            if seen.insert(from.clone()) {
                queue.push_back(from.clone());
            }
        }
    }
    topics
}

/// The topic a join reads as its table: upstream of another processor that
/// shares one of its stores, and not upstream of the join itself.
fn join_table(topology: &Topology, join: &str, stores: &[String]) -> Option<String> {
    let own = upstream_topics(topology, join);
    let mut candidates = BTreeSet::new();
    for (name, node) in &topology.nodes {
        let NodeKind::Processor { stores: theirs } = &node.kind else {
            continue;
        };
        if name != join && theirs.iter().any(|s| stores.contains(s)) {
            candidates.extend(
                upstream_topics(topology, name)
                    .into_iter()
                    .filter(|t| !own.contains(t)),
            );
        }
    }
    candidates.into_iter().next()
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
    let drawn = |name: &str| -> bool {
        match topology.nodes.get(name).map(|n| &n.kind) {
            Some(NodeKind::Processor { .. }) => true,
            Some(NodeKind::Source { .. }) => topology.edges.iter().any(|(a, b)| {
                a == name
                    && matches!(
                        topology.nodes.get(b).map(|n| &n.kind),
                        Some(NodeKind::Sink { .. })
                    )
            }),
            _ => false,
        }
    };
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
            Some(op) if is_join(op) => match join_table(&topology, name, &stores) {
                Some(table) => {
                    add_topic(draft, &table, false);
                    draft.flow(&topic_key(&table), &node_key(name), FlowKind::ConsumedBy);
                    DraftOperator::Join(topic_key(&table))
                }
                None => {
                    draft.warn(
                        Location::at(origin, node.line, 1),
                        format!(
                            "join `{name}`: the other side of the join is not in the description \
                             (a global table, or another application's store); it is drawn as a map"
                        ),
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

    fn parsed(text: &str) -> (Topology, Draft) {
        let mut draft = Draft::default();
        let topology = parse(text, "t.txt", &mut draft).expect("parses");
        (topology, draft)
    }

    #[test]
    fn one_line_form_with_unbracketed_topics_parses() {
        let (t, _) = parsed(
            "Sub-topologies:\n  Sub-topology: 0\n    Source: S(topics: in) --> P\n    \
             Processor: P(stores: [s]) --> K <-- S\n    Sink: K(topic: out) <-- P\nGlobal Stores:\n  none\n",
        );
        assert_eq!(
            t.nodes["S"].kind,
            NodeKind::Source {
                topics: vec!["in".into()],
                pattern: false
            }
        );
        assert_eq!(
            t.nodes["P"].kind,
            NodeKind::Processor {
                stores: vec!["s".into()]
            }
        );
        assert!(t.edges.contains(&("S".into(), "P".into())));
        assert!(t.edges.contains(&("P".into(), "K".into())));
    }

    #[test]
    fn log_prefixes_and_tabs_are_ignored() {
        let (t, _) = parsed(
            "2024-05-01 10:00:00 INFO  [main] App - Topologies:\n\
             2024-05-01 10:00:00 INFO  [main] App -    Sub-topology: 0\n\
             2024-05-01 10:00:00 INFO  [main] App - \tSource:  A (topics: [x, y])\n\
             2024-05-01 10:00:00 INFO  [main] App - \t  --> B\n\
             2024-05-01 10:00:00 INFO  [main] App - \tProcessor: B (stores: [])\n\
             2024-05-01 10:00:00 INFO  [main] App - \t  --> none\n\
             2024-05-01 10:00:00 INFO  [main] App - \t  <-- A\n",
        );
        assert_eq!(t.nodes.len(), 2);
        assert_eq!(t.edges.len(), 1);
    }

    #[test]
    fn an_unclosed_parenthesis_is_an_error_with_line_and_column() {
        let mut draft = Draft::default();
        let err = parse(
            "Sub-topology: 0\n  Source: A (topics: [x]\n",
            "t.txt",
            &mut draft,
        )
        .unwrap_err();
        let at = err.location().expect("located");
        assert_eq!((at.line, at.col), (Some(2), Some(13)));
    }

    #[test]
    fn text_without_nodes_is_not_a_topology() {
        let mut draft = Draft::default();
        let err = parse("hello\nworld\n", "t.txt", &mut draft).unwrap_err();
        assert!(err.to_string().contains("not a Kafka Streams"), "{err}");
    }

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

    #[test]
    fn a_pattern_source_is_one_pattern_topic() {
        let (t, _) = parsed("Source: S (topics: input-.*)\n --> none\n");
        assert_eq!(
            t.nodes["S"].kind,
            NodeKind::Source {
                topics: vec!["input-.*".into()],
                pattern: true
            }
        );
    }
}
