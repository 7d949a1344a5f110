//! Reading the text of `Topology#describe()`, in every form people paste,
//! into nodes and arrows.

use std::collections::{BTreeMap, BTreeSet};

use super::super::draft::Draft;
use super::super::{ImportError, Location};

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
pub(super) enum NodeKind {
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
pub(super) struct Node {
    pub(super) kind: NodeKind,
    pub(super) line: usize,
    pub(super) sub: Option<u64>,
    pub(super) global: bool,
    successors: Vec<String>,
    predecessors: Vec<String>,
}

/// A parsed description: nodes by name, and the arrows between them.
#[derive(Debug, Default)]
pub(super) struct Topology {
    pub(super) nodes: BTreeMap<String, Node>,
    pub(super) edges: BTreeSet<(String, String)>,
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

pub(super) fn parse(text: &str, origin: &str, draft: &mut Draft) -> Result<Topology, ImportError> {
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
