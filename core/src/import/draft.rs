//! The draft board both importers write into: stickies keyed by what they
//! stand for (not by id), flows between keys, and the assumptions made.
//! `finish` fills the gaps a run needs, gives every sticky a stable id made
//! from its name, and lays the board out.
//!
//! Ids are handed out only at the end, from the sorted set of keys, so they
//! never depend on the order documents were read or on hash order.

use std::collections::{BTreeMap, BTreeSet};

use super::{ImportError, ImportWarning, Imported, Location};
use crate::format::Limits;
use crate::layout::auto_layout;
use crate::model::{
    Arrival, Element, ElementId, ElementKind, Flow, FlowKind, MAX_ID_LEN, Model, Operator, Pos,
    ProcessorSpec, Service, TopicSpec, Workload,
};

/// What a sticky stands for: its kind and a key unique within the kind
/// (a topic's name, an application's title, a processor's origin and name).
pub(crate) type Key = (ElementKind, String);

/// Messages per second a source sends when its documents give no rate.
pub(crate) const DEFAULT_RATE_PER_SEC: f64 = 5.0;
/// The highest rate the outside senders get, however many topics they feed.
const OUTSIDE_MAX_RATE_PER_SEC: f64 = 50.0;

/// A processor's operator, whose join table is a key until ids exist.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum DraftOperator {
    /// An operator with no reference to another sticky.
    Plain(Operator),
    /// A join reading this topic as its table.
    Join(Key),
}

/// A sticky before it has an id.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    /// What it is.
    pub kind: ElementKind,
    /// The text on the sticky.
    pub name: String,
    /// The text its id is made from (kept when the name is made readable).
    pub id_hint: String,
    /// The id the input gives it (a Stormflow export's `x-stormflow-id`),
    /// kept as it is unless another sticky earlier in key order claims it.
    pub exact_id: Option<ElementId>,
    /// Lines of notes, each kept once.
    pub notes: Vec<String>,
    /// Load it generates.
    pub workload: Option<Workload>,
    /// How it works.
    pub service: Option<Service>,
    /// Broker settings of a topic.
    pub topic: Option<TopicSpec>,
    /// Operator of a processor.
    pub operator: Option<DraftOperator>,
}

impl Node {
    /// Adds a line of notes unless it is there already.
    pub(crate) fn note(&mut self, line: impl Into<String>) {
        let line = line.into();
        if !line.trim().is_empty() && !self.notes.contains(&line) {
            self.notes.push(line);
        }
    }
}

/// The board being imported.
#[derive(Debug, Default)]
pub(crate) struct Draft {
    nodes: BTreeMap<Key, Node>,
    flows: BTreeSet<(Key, Key, FlowKind)>,
    /// The `on` filters the input states for its flows (a Stormflow
    /// export's `x-stormflow-flow`), by flow; other flows get the default.
    stated_on: BTreeMap<(Key, Key, FlowKind), Vec<Key>>,
    assumptions: Vec<String>,
    sources: Vec<(String, String)>,
    warnings: Vec<ImportWarning>,
    warned: BTreeSet<ImportWarning>,
}

impl Draft {
    /// The sticky for `key`, made with `name` if it is new.
    pub(crate) fn node(&mut self, key: &Key, name: &str) -> &mut Node {
        self.nodes.entry(key.clone()).or_insert_with(|| Node {
            kind: key.0,
            name: name.to_string(),
            id_hint: name.to_string(),
            exact_id: None,
            notes: Vec::new(),
            workload: None,
            service: None,
            topic: None,
            operator: None,
        })
    }

    /// The sticky for `key`, if there is one.
    pub(crate) fn get(&self, key: &Key) -> Option<&Node> {
        self.nodes.get(key)
    }

    /// Adds a flow (once).
    pub(crate) fn flow(&mut self, from: &Key, to: &Key, kind: FlowKind) {
        self.flows.insert((from.clone(), to.clone(), kind));
    }

    /// Adds a flow (once) with the `on` filter the input states for it; the
    /// first statement of a flow wins.
    pub(crate) fn stated_flow(&mut self, from: &Key, to: &Key, kind: FlowKind, on: Vec<Key>) {
        let flow = (from.clone(), to.clone(), kind);
        self.flows.insert(flow.clone());
        self.stated_on.entry(flow).or_insert(on);
    }

    /// Records a default assumed where the sources say nothing.
    pub(crate) fn assume(&mut self, text: impl Into<String>) {
        let text = text.into();
        if !self.assumptions.contains(&text) {
            self.assumptions.push(text);
        }
    }

    /// Records something that could not be carried over exactly.
    pub(crate) fn warn(&mut self, at: Location, message: impl Into<String>) {
        let warning = ImportWarning {
            at,
            message: message.into(),
        };
        if self.warned.insert(warning.clone()) {
            self.warnings.push(warning);
        }
    }

    /// Records an input by its label and the title it gives the system.
    pub(crate) fn source(&mut self, label: &str, title: &str) {
        self.sources.push((label.to_string(), title.to_string()));
    }

    /// The keys flows of these kinds start from (`from_end`) or end at.
    fn ends(&self, kinds: &[FlowKind], from_end: bool) -> BTreeSet<Key> {
        self.flows
            .iter()
            .filter(|(_, _, k)| kinds.contains(k))
            .map(|(a, b, _)| if from_end { a.clone() } else { b.clone() })
            .collect()
    }

    /// Adds what a run needs and the sources leave out: someone outside who
    /// sends what is received but never sent in the system, and someone who
    /// answers requests nobody in the system handles.
    fn fill_gaps(&mut self) {
        let outside: Key = (ElementKind::ExternalSystem, "outside senders".into());
        let responders: Key = (ElementKind::ExternalSystem, "outside responders".into());

        // A consumed topic that carries no message type gets one.
        let consumed = self.ends(&[FlowKind::ConsumedBy], true);
        let published = self.ends(&[FlowKind::PublishedTo], false);
        let bare_topics: Vec<Key> = consumed
            .iter()
            .filter(|t| t.0 == ElementKind::Topic && !published.contains(*t))
            .cloned()
            .collect();
        for topic in bare_topics {
            let name = self
                .nodes
                .get(&topic)
                .map_or(topic.1.clone(), |n| n.name.clone());
            let event: Key = (ElementKind::Event, format!("record written to {}", topic.1));
            self.node(&event, &format!("{name} Record Written")).note(
                "A record written to the topic from outside the imported system (the sources do \
                 not say what it carries).",
            );
            self.flow(&event, &topic, FlowKind::PublishedTo);
        }

        // Events that reach a consumer but that nobody in the system emits.
        let emitted = self.ends(&[FlowKind::Emits], false);
        let reaching: BTreeSet<Key> = self
            .flows
            .iter()
            .filter(|(a, b, k)| {
                a.0 == ElementKind::Event
                    && (matches!(
                        k,
                        FlowKind::ConsumedBy | FlowKind::Updates | FlowKind::Webhook
                    ) || (*k == FlowKind::PublishedTo && consumed.contains(b)))
            })
            .map(|(a, _, _)| a.clone())
            .collect();
        let orphans: Vec<Key> = reaching
            .into_iter()
            .filter(|e| !emitted.contains(e))
            .collect();
        // Requests nobody handles, and handled requests nobody makes.
        let requests: Vec<Key> = self
            .nodes
            .keys()
            .filter(|key| matches!(key.0, ElementKind::Command | ElementKind::Query))
            .cloned()
            .collect();
        let handled = self.ends(&[FlowKind::HandledBy, FlowKind::Reads], true);
        let asked = self.ends(
            &[FlowKind::Call, FlowKind::Issues, FlowKind::Triggers],
            false,
        );
        let unhandled: Vec<Key> = requests
            .iter()
            .filter(|r| !handled.contains(*r))
            .cloned()
            .collect();
        // A Stormflow export leaves its actors out: the requests they made
        // come back from one stand-in actor instead of an outside system.
        let (people_ask, unasked): (Vec<Key>, Vec<Key>) = requests
            .iter()
            .filter(|r| !asked.contains(*r))
            .cloned()
            .partition(|r| self.nodes.get(r).is_some_and(|n| n.exact_id.is_some()));
        self.stand_in_actors(people_ask);

        let sent = orphans.len() + unasked.len();
        if sent > 0 {
            let rate = (DEFAULT_RATE_PER_SEC * sent as f64).min(OUTSIDE_MAX_RATE_PER_SEC);
            let node = self.node(&outside, "Outside Senders");
            node.note(
                "Stands for whoever outside the imported system sends what its applications \
                 receive: the sources name the receivers but not the senders.",
            );
            node.workload = Some(Workload {
                arrival: Arrival::Poisson { per_sec: rate },
                ..Workload::default()
            });
            self.assume(format!(
                "Outside Senders send {rate} messages/s (Poisson, 100 keys), spread evenly over \
                 the {sent} message types received but not sent inside the system."
            ));
            for event in orphans {
                self.flow(&outside, &event, FlowKind::Emits);
            }
            for request in unasked {
                self.flow(&outside, &request, FlowKind::Call);
            }
        }
        // A board that nobody receives anything on would run idle: the
        // clients of an API that only sends receive what it sends.
        let receiving = self.flows.iter().any(|(_, _, k)| {
            matches!(
                k,
                FlowKind::ConsumedBy
                    | FlowKind::HandledBy
                    | FlowKind::Webhook
                    | FlowKind::Updates
                    | FlowKind::Reads
                    | FlowKind::Call
            )
        });
        if !receiving && unhandled.is_empty() {
            let unread: Vec<Key> = self
                .ends(&[FlowKind::PublishedTo], false)
                .into_iter()
                .filter(|t| t.0 == ElementKind::Topic)
                .collect();
            if !unread.is_empty() {
                let receivers: Key = (ElementKind::ExternalSystem, "outside receivers".into());
                let node = self.node(&receivers, "Outside Receivers");
                node.note(
                    "Stands for the clients that receive what the imported applications send: \
                     nothing in the import receives anything.",
                );
                node.service = Some(Service::default());
                self.assume(
                    "Outside Receivers read every topic, each message in 2 ms on average \
                     (exponential, 1 instance).",
                );
                for topic in unread {
                    self.flow(&topic, &receivers, FlowKind::ConsumedBy);
                }
            }
        }
        if !unhandled.is_empty() {
            let node = self.node(&responders, "Outside Responders");
            node.note(
                "Stands for whoever outside the imported system answers the requests its \
                 applications make: the sources name the requesters but not the responders.",
            );
            node.service = Some(Service::default());
            self.assume(
                "Outside Responders answer each request in 2 ms on average (exponential, 1 \
                 instance).",
            );
            for request in unhandled {
                self.flow(&request, &responders, FlowKind::HandledBy);
            }
        }
    }

    /// An actor issuing `requests`, which a Stormflow export's documents
    /// describe but whose issuers, people, AsyncAPI leaves out.
    fn stand_in_actors(&mut self, requests: Vec<Key>) {
        if requests.is_empty() {
            return;
        }
        let count = requests.len();
        let rate = (DEFAULT_RATE_PER_SEC * count as f64).min(OUTSIDE_MAX_RATE_PER_SEC);
        let actors: Key = (ElementKind::Actor, "outside actors".into());
        let node = self.node(&actors, "Outside Actors");
        node.note(
            "Stands for the people (actors) of the exported board, whom AsyncAPI does not \
             describe: they issue the commands and queries nothing in the documents sends.",
        );
        node.workload = Some(Workload {
            arrival: Arrival::Poisson { per_sec: rate },
            ..Workload::default()
        });
        self.assume(format!(
            "Outside Actors issue {rate} requests/s (Poisson, 100 keys), spread evenly over the \
             {count} commands and queries nothing in the documents sends."
        ));
        for request in requests {
            self.flow(&actors, &request, FlowKind::Issues);
        }
    }

    /// Ids for every key. A sticky whose input gives its id (a Stormflow
    /// export) keeps it, unless a sticky earlier in key order has it. The
    /// others get the slug of their id hint; where several share a slug, or
    /// the slug is a kept id, the first (in key order) keeps it and the
    /// others get the kind, or a number, appended.
    fn allocate_ids(&self) -> BTreeMap<Key, ElementId> {
        let mut ids = BTreeMap::new();
        let mut kept: BTreeSet<String> = BTreeSet::new();
        for (key, node) in &self.nodes {
            if let Some(id) = &node.exact_id
                && id.validate().is_ok()
                && kept.insert(id.0.clone())
            {
                ids.insert(key.clone(), id.clone());
            }
        }
        let mut groups: BTreeMap<String, Vec<&Key>> = BTreeMap::new();
        for (key, node) in &self.nodes {
            if ids.contains_key(key) {
                continue;
            }
            let mut base = ElementId::slug(&node.id_hint).0;
            if base.is_empty() {
                base = ElementId::slug(key.0.label()).0;
            }
            groups.entry(base).or_default().push(key);
        }
        let mut used: BTreeSet<String> = groups.keys().cloned().chain(kept.clone()).collect();
        for (base, keys) in &groups {
            // The kind that may use the bare slug: the first key's, unless
            // the slug is an id kept as given.
            let owner = match keys.first() {
                Some(first) if !kept.contains(base) => {
                    ids.insert((*first).clone(), ElementId::new(base.clone()));
                    Some(first.0)
                }
                _ => None,
            };
            let rest = if owner.is_some() {
                &keys[1..]
            } else {
                &keys[..]
            };
            for key in rest {
                let stem = if Some(key.0) == owner {
                    String::new()
                } else {
                    ElementId::slug(key.0.label()).0
                };
                let candidate = (1u64..)
                    .map(|n| match (stem.is_empty(), n) {
                        (false, 1) => with_suffix(base, &stem),
                        (false, n) => with_suffix(base, &format!("{stem}-{n}")),
                        (true, n) => with_suffix(base, &(n + 1).to_string()),
                    })
                    .find(|id| !used.contains(id))
                    .unwrap_or_else(|| base.clone());
                used.insert(candidate.clone());
                ids.insert((*key).clone(), ElementId::new(candidate));
            }
        }
        ids
    }

    fn board_name(&self) -> String {
        match self.sources.as_slice() {
            [(_, title)] if !title.trim().is_empty() => title.trim().to_string(),
            [] => "Imported system".into(),
            many => {
                let first_folder = |label: &str| label.split('/').next().map(str::to_string);
                let folder = first_folder(&many[0].0);
                if many
                    .iter()
                    .all(|(label, _)| label.contains('/') && first_folder(label) == folder)
                {
                    folder.unwrap_or_else(|| "Imported system".into())
                } else {
                    "Imported system".into()
                }
            }
        }
    }

    fn board_notes(&self) -> String {
        let labels: Vec<&str> = self.sources.iter().map(|(l, _)| l.as_str()).collect();
        let mut notes = format!("Imported from {}.", labels.join(", "));
        if !self.assumptions.is_empty() {
            notes.push_str("\n\nAssumed where the sources say nothing (tune these):");
            for line in &self.assumptions {
                notes.push_str("\n- ");
                notes.push_str(line);
            }
        }
        notes
    }

    /// The finished board: gaps filled, ids given, laid out, within the limits.
    pub(crate) fn finish(mut self) -> Result<Imported, ImportError> {
        self.fill_gaps();
        let limits = Limits::default();
        let too_large = |message: String| ImportError::TooLarge {
            at: Location::file("import"),
            message,
        };
        if self.nodes.len() > limits.max_elements {
            return Err(too_large(format!(
                "the import makes {} stickies; a board holds at most {}",
                self.nodes.len(),
                limits.max_elements
            )));
        }
        if self.flows.len() > limits.max_flows {
            return Err(too_large(format!(
                "the import makes {} flows; a board holds at most {}",
                self.flows.len(),
                limits.max_flows
            )));
        }
        let ids = self.allocate_ids();
        let id_of = |key: &Key| ids.get(key).cloned();

        // A source that also receives sends only from its own workload: what
        // it receives does not make it send (see `Flow::on`).
        let receivers: BTreeSet<&Key> = self
            .flows
            .iter()
            .filter(|(_, _, k)| {
                matches!(
                    k,
                    FlowKind::ConsumedBy | FlowKind::HandledBy | FlowKind::Call | FlowKind::Webhook
                )
            })
            .map(|(_, to, _)| to)
            .collect();

        let mut model = Model::new(truncate(&self.board_name(), limits.max_name_bytes));
        model.notes = truncate(&self.board_notes(), limits.max_notes_bytes);
        for (key, node) in &self.nodes {
            let Some(id) = id_of(key) else { continue };
            let mut element = Element::new(
                id.0,
                node.kind,
                truncate(&node.name, limits.max_name_bytes),
                Pos::default(),
            );
            element.notes = truncate(&node.notes.join("\n"), limits.max_notes_bytes);
            element.workload = node.workload.clone();
            element.service = node.service.clone();
            element.topic = node.topic.clone();
            element.processor = match &node.operator {
                None => None,
                Some(DraftOperator::Plain(operator)) => Some(ProcessorSpec {
                    operator: operator.clone(),
                }),
                Some(DraftOperator::Join(table)) => Some(ProcessorSpec {
                    operator: match id_of(table) {
                        Some(table) => Operator::Join { table },
                        None => Operator::Map,
                    },
                }),
            };
            model
                .add_element(element)
                .map_err(|e| internal(format!("sticky {key:?}: {e}")))?;
        }
        for (from, to, kind) in &self.flows {
            let (Some(from_id), Some(to_id)) = (id_of(from), id_of(to)) else {
                continue;
            };
            let mut flow = Flow::new(from_id.0.clone(), to_id.0, *kind);
            let has_workload = self.nodes.get(from).is_some_and(|n| n.workload.is_some());
            if let Some(stated) = self.stated_on.get(&(from.clone(), to.clone(), *kind)) {
                // As the input says; naming the source itself needs the
                // workload that only a sending external system gets here.
                if matches!(kind, FlowKind::Emits | FlowKind::Triggers | FlowKind::Call) {
                    flow.on = stated
                        .iter()
                        .filter(|key| has_workload || *key != from)
                        .filter_map(id_of)
                        .collect();
                }
            } else {
                let sends = matches!(kind, FlowKind::Emits | FlowKind::Call);
                if sends && receivers.contains(from) && has_workload {
                    flow.on = vec![from_id];
                }
            }
            model
                .connect(flow)
                .map_err(|e| internal(format!("flow {from:?} -> {to:?}: {e}")))?;
        }
        auto_layout(&mut model);
        let mut warnings = self.warnings;
        warnings.sort_by(|a, b| a.at.origin.cmp(&b.at.origin));
        Ok(Imported { model, warnings })
    }
}

fn internal(message: String) -> ImportError {
    ImportError::Invalid {
        at: Location::file("import"),
        message: format!("the importer built an inconsistent board ({message}); please report it"),
    }
}

/// `base-suffix`, with `base` shortened so the whole fits an element id.
fn with_suffix(base: &str, suffix: &str) -> String {
    let room = MAX_ID_LEN.saturating_sub(suffix.len() + 1);
    let mut stem: String = base.chars().take(room).collect();
    while stem.ends_with('-') {
        stem.pop();
    }
    if stem.is_empty() {
        suffix.to_string()
    } else {
        format!("{stem}-{suffix}")
    }
}

/// `text` cut to at most `max` bytes at a character boundary, marked with `…`.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while end > 0 && !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(kind: ElementKind, text: &str) -> Key {
        (kind, text.to_string())
    }

    #[test]
    fn a_shared_slug_goes_to_the_first_kind_and_the_others_get_their_kind() {
        let mut draft = Draft::default();
        draft.node(&key(ElementKind::Aggregate, "Orders"), "Orders");
        draft.node(&key(ElementKind::Topic, "orders"), "orders");
        let ids = draft.allocate_ids();
        assert_eq!(
            ids[&key(ElementKind::Aggregate, "Orders")].as_str(),
            "orders"
        );
        assert_eq!(
            ids[&key(ElementKind::Topic, "orders")].as_str(),
            "orders-topic"
        );
    }

    #[test]
    fn same_kind_slugs_are_numbered_in_key_order() {
        let mut draft = Draft::default();
        for origin in ["b.txt", "a.txt", "c.txt"] {
            draft
                .node(
                    &key(
                        ElementKind::Processor,
                        &format!("{origin}/KSTREAM-SOURCE-0000000000"),
                    ),
                    "x",
                )
                .id_hint = "KSTREAM-SOURCE-0000000000".into();
        }
        let ids = draft.allocate_ids();
        let id = |o: &str| {
            ids[&key(
                ElementKind::Processor,
                &format!("{o}/KSTREAM-SOURCE-0000000000"),
            )]
                .to_string()
        };
        assert_eq!(id("a.txt"), "kstream-source-0000000000");
        assert_eq!(id("b.txt"), "kstream-source-0000000000-2");
        assert_eq!(id("c.txt"), "kstream-source-0000000000-3");
    }

    #[test]
    fn long_names_make_ids_that_still_fit() {
        let mut draft = Draft::default();
        let long = "x".repeat(200);
        draft.node(&key(ElementKind::Event, &long), &long);
        draft.node(&key(ElementKind::Topic, &long), &long);
        for id in draft.allocate_ids().values() {
            assert!(id.validate().is_ok(), "{id}");
        }
    }

    #[test]
    fn a_given_id_is_kept_and_a_slug_clashing_with_it_gets_its_kind() {
        let mut draft = Draft::default();
        draft
            .node(&key(ElementKind::Topic, "orders"), "orders")
            .exact_id = Some(ElementId::new("orders"));
        draft.node(&key(ElementKind::Event, "Orders"), "Orders");
        draft.node(&key(ElementKind::Event, "Orders!"), "Orders!");
        // A second claim on a given id falls back to its slug.
        draft.node(&key(ElementKind::Topic, "x"), "x").exact_id = Some(ElementId::new("orders"));
        let ids = draft.allocate_ids();
        let id = |kind, text| ids[&key(kind, text)].to_string();
        assert_eq!(id(ElementKind::Topic, "orders"), "orders");
        assert_eq!(id(ElementKind::Event, "Orders"), "orders-domain-event");
        assert_eq!(id(ElementKind::Event, "Orders!"), "orders-domain-event-2");
        assert_eq!(id(ElementKind::Topic, "x"), "x");
    }

    #[test]
    fn a_stated_on_filter_is_kept_and_names_the_source_only_with_a_workload() {
        let mut draft = Draft::default();
        let app = key(ElementKind::Aggregate, "app");
        let command = key(ElementKind::Command, "do");
        let event = key(ElementKind::Event, "done");
        let topic = key(ElementKind::Topic, "t");
        for (k, name) in [(&app, "App"), (&command, "Do It"), (&event, "Done")] {
            draft.node(k, name);
        }
        draft.node(&topic, "t");
        draft.flow(&command, &app, FlowKind::HandledBy);
        draft.flow(&event, &topic, FlowKind::PublishedTo);
        draft.flow(&topic, &app, FlowKind::ConsumedBy);
        draft.stated_flow(
            &app,
            &event,
            FlowKind::Emits,
            vec![command.clone(), app.clone()],
        );
        let model = draft.finish().expect("finishes").model;
        let emits = model
            .flows()
            .find(|f| f.kind == FlowKind::Emits)
            .expect("emits");
        let on: Vec<&str> = emits.on.iter().map(ElementId::as_str).collect();
        assert_eq!(on, ["do-it"]);
    }

    #[test]
    fn truncation_keeps_whole_characters() {
        assert_eq!(truncate("héllo", 4), "h…");
        assert_eq!(truncate("short", 10), "short");
    }
}
