//! Documents a Stormflow export wrote (`stormflow export --format asyncapi`).
//! Their `x-stormflow-*` extensions (docs/export.md) give the board's ids,
//! kinds and flows back, so exporting a board and importing the documents
//! gives the same topics, applications, messages and flows. What the
//! documents do not hold (positions, run parameters, frames, annotations,
//! actors) gets the importer's defaults.
//!
//! Every object of an export carries its extensions; one without them in
//! such a document is left out with a warning rather than guessed at.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use serde_json::Value;

use super::refs::{At, Doc, Refs};
use super::{MAX_PARTITIONS, title_of, version_of};
use crate::import::draft::{DEFAULT_RATE_PER_SEC, Draft, Key};
use crate::import::{ImportError, Location, tree};
use crate::model::{
    Arrival, ElementId, ElementKind, FlowKind, Service, TopicSpec, Workload, flow_allowed,
};

/// The exact element id of an info, channel or message.
const ID: &str = "x-stormflow-id";
/// The element kind of an info or message, the channel kind of a channel.
const KIND: &str = "x-stormflow-kind";
/// The single document's list of applications.
const APPLICATIONS: &str = "x-stormflow-applications";
/// The application doing an operation.
const APPLICATION: &str = "x-stormflow-application";
/// The board flow an operation stands for.
const FLOW: &str = "x-stormflow-flow";
/// The channel kinds of an export that are not topics.
const OTHER_CHANNELS: [&str; 4] = ["EventBus", "CommandBus", "QueryBus", "Endpoint"];

/// Whether a document was written by a Stormflow export: an AsyncAPI 3
/// document whose info, a channel or a message carries `x-stormflow-id`, or
/// whose info lists `x-stormflow-applications`.
pub(super) fn is_export(root: &Value) -> bool {
    let version_3 = root
        .get("asyncapi")
        .and_then(Value::as_str)
        .is_some_and(|v| v.trim().starts_with("3."));
    let marked = |value: &Value| value.get(ID).is_some();
    let any_marked = |section: Option<&Value>| {
        section
            .and_then(Value::as_object)
            .is_some_and(|members| members.values().any(marked))
    };
    version_3
        && (root
            .get("info")
            .is_some_and(|info| marked(info) || info.get(APPLICATIONS).is_some())
            || any_marked(root.get("channels"))
            || any_marked(root.pointer("/components/messages")))
}

/// A topic, application or message as the documents describe it.
#[derive(Debug)]
struct Described {
    kind: ElementKind,
    name: String,
    notes: String,
    partitions: Option<u32>,
}

/// A board flow an operation stands for.
#[derive(Debug)]
struct Stated {
    from: ElementId,
    to: ElementId,
    kind: FlowKind,
    on: Vec<ElementId>,
    /// The operation, for warnings.
    operation: String,
    at: Location,
}

/// What the export documents of an import describe, by element id.
#[derive(Debug, Default)]
pub(super) struct Exported {
    elements: BTreeMap<ElementId, Described>,
    flows: Vec<Stated>,
    /// (event, topic): the event is published to the topic.
    published: BTreeSet<(ElementId, ElementId)>,
    /// Consumer groups (Kafka `groupId`) by application.
    groups: BTreeMap<ElementId, String>,
}

/// Where the member `key` is in a document.
fn locate(doc: &Doc, key: &str) -> Location {
    Location::maybe(&doc.origin, tree::locate_key(&doc.text, key))
}

/// Reads one export document into `exported`.
pub(super) fn read(
    exported: &mut Exported,
    refs: &mut Refs,
    draft: &mut Draft,
    doc: &Rc<Doc>,
    label: &str,
) -> Result<(), ImportError> {
    version_of(doc)?;
    let root = At::root(doc);
    let info = root.child("info");
    let title = title_of(draft, doc, &info, label);
    draft.source(label, &title);

    // The application of a per-application document.
    if let Some(id) = info.str(ID) {
        let described = Described {
            kind: ElementKind::Aggregate,
            name: title.clone(),
            notes: info.str("description").unwrap_or_default().to_string(),
            partitions: None,
        };
        exported.application(draft, doc, "info", id, info.str(KIND), described);
    }
    // The applications of a document for the whole board.
    if let Some(Value::Array(items)) = info.child(APPLICATIONS).value() {
        for item in items {
            let text = |field: &str| item.get(field).and_then(Value::as_str);
            let described = Described {
                kind: ElementKind::Aggregate,
                name: text("name").unwrap_or_default().to_string(),
                notes: String::new(),
                partitions: None,
            };
            let id = text("id").unwrap_or_default();
            exported.application(draft, doc, APPLICATIONS, id, text("kind"), described);
        }
    }

    let channels = root.child("channels");
    for key in channels.keys() {
        if let Some(channel) = refs.resolve(&channels.child(&key), draft) {
            exported.channel(refs, draft, &channel.at, &key);
        }
    }
    let messages = root.child("components").child("messages");
    for key in messages.keys() {
        if let Some(message) = refs.resolve(&messages.child(&key), draft) {
            exported.message(draft, &message.at, &key);
        }
    }
    let operations = root.child("operations");
    for key in operations.keys() {
        if let Some(operation) = refs.resolve(&operations.child(&key), draft) {
            exported.operation(refs, draft, &operation.at, &key);
        }
    }
    Ok(())
}

/// An element id from an extension, if it is one.
fn element_id(text: &str) -> Option<ElementId> {
    let id = ElementId::new(text);
    id.validate().is_ok().then_some(id)
}

/// A kind or flow kind as the `.ron` file writes it (`ReadModel`, `Emits`).
fn parse<T: serde::de::DeserializeOwned>(text: Option<&str>) -> Option<T> {
    serde_json::from_value(Value::String(text?.to_string())).ok()
}

impl Exported {
    /// Keeps the first description of an id; a later one of another kind is
    /// a warning.
    fn describe(&mut self, draft: &mut Draft, at: Location, id: ElementId, described: Described) {
        match self.elements.get_mut(&id) {
            None => {
                self.elements.insert(id, described);
            }
            Some(first) if first.kind == described.kind => {
                if first.notes.trim().is_empty() {
                    first.notes = described.notes;
                }
            }
            Some(first) => draft.warn(
                at,
                format!(
                    "`{id}` is described as a {} here and as a {} elsewhere; the first is kept",
                    described.kind.label(),
                    first.kind.label()
                ),
            ),
        }
    }

    fn application(
        &mut self,
        draft: &mut Draft,
        doc: &Doc,
        place: &str,
        id: &str,
        kind: Option<&str>,
        mut described: Described,
    ) {
        let kind = parse::<ElementKind>(kind).filter(|k| {
            matches!(
                k,
                ElementKind::Aggregate
                    | ElementKind::ExternalSystem
                    | ElementKind::Processor
                    | ElementKind::Policy
                    | ElementKind::ReadModel
            )
        });
        let (Some(id), Some(kind)) = (element_id(id), kind) else {
            draft.warn(
                locate(doc, place),
                format!(
                    "application `{id}` has no element id and application kind (Aggregate, \
                     ExternalSystem, Processor, Policy or ReadModel) in its `{ID}` and `{KIND}`; \
                     it is left out"
                ),
            );
            return;
        };
        described.kind = kind;
        if described.name.trim().is_empty() {
            described.name = id.0.clone();
        }
        self.describe(draft, locate(doc, place), id, described);
    }

    /// A channel: a topic, or the bus or endpoint a flow travels through.
    fn channel(&mut self, refs: &mut Refs, draft: &mut Draft, at: &At, key: &str) {
        let kind = at.str(KIND);
        let place = locate(&at.doc, key);
        let topic = match kind {
            Some("Topic") => at.str(ID).and_then(element_id),
            Some(other) if OTHER_CHANNELS.contains(&other) => None,
            _ => {
                draft.warn(
                    place,
                    format!(
                        "channel `{key}` has no `{KIND}` (Topic, EventBus, CommandBus, QueryBus \
                         or Endpoint), which every channel of a Stormflow export carries; it is \
                         left out"
                    ),
                );
                return;
            }
        };
        if kind == Some("Topic") && topic.is_none() {
            draft.warn(
                place.clone(),
                format!("topic channel `{key}` has no element id in `{ID}`; it is left out"),
            );
        }
        if let Some(topic) = &topic {
            let name = [at.str("address"), at.str("title")]
                .into_iter()
                .flatten()
                .find(|name| !name.is_empty())
                .unwrap_or(topic.as_str())
                .to_string();
            let partitions = refs
                .resolve(&at.child("bindings"), draft)
                .and_then(|b| b.at.value()?.pointer("/kafka/partitions")?.as_u64())
                .map(|p| p.clamp(1, MAX_PARTITIONS) as u32);
            let described = Described {
                kind: ElementKind::Topic,
                name,
                notes: at.str("description").unwrap_or_default().to_string(),
                partitions,
            };
            self.describe(draft, place, topic.clone(), described);
        }
        let messages = at.child("messages");
        for message_key in messages.keys() {
            let Some(message) = refs.resolve(&messages.child(&message_key), draft) else {
                continue;
            };
            let message = self.message(draft, &message.at, &message_key);
            if let (Some(message), Some(topic)) = (message, &topic) {
                self.published.insert((message, topic.clone()));
            }
        }
    }

    /// An event, command or query; returns its id.
    fn message(&mut self, draft: &mut Draft, at: &At, key: &str) -> Option<ElementId> {
        let kind = parse::<ElementKind>(at.str(KIND)).filter(|k| {
            matches!(
                k,
                ElementKind::Event | ElementKind::Command | ElementKind::Query
            )
        });
        let place = locate(&at.doc, key);
        let (Some(id), Some(kind)) = (at.str(ID).and_then(element_id), kind) else {
            draft.warn(
                place,
                format!(
                    "message `{key}` has no element id and kind (Event, Command or Query) in its \
                     `{ID}` and `{KIND}`, which every message of a Stormflow export carries; it \
                     is left out"
                ),
            );
            return None;
        };
        let name = ["title", "name"]
            .into_iter()
            .find_map(|field| at.str(field))
            .unwrap_or(id.as_str())
            .to_string();
        let described = Described {
            kind,
            name,
            notes: at.str("description").unwrap_or_default().to_string(),
            partitions: None,
        };
        self.describe(draft, place, id.clone(), described);
        Some(id)
    }

    /// The flow an operation stands for, and the consumer group it reads in.
    fn operation(&mut self, refs: &mut Refs, draft: &mut Draft, at: &At, key: &str) {
        let place = locate(&at.doc, key);
        let flow = at.child(FLOW);
        let id = |field: &str| flow.str(field).and_then(element_id);
        let kind = parse::<FlowKind>(flow.str("kind"));
        let (Some(from), Some(to), Some(kind)) = (id("from"), id("to"), kind) else {
            draft.warn(
                place,
                format!(
                    "operation `{key}` has no `{FLOW}` naming the flow's `from`, `to` and `kind`, \
                     which every operation of a Stormflow export carries; it is left out"
                ),
            );
            return;
        };
        let on: Vec<ElementId> = match flow.child("on").value() {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .filter_map(element_id)
                .collect(),
            _ => Vec::new(),
        };
        let app = at.str(APPLICATION).and_then(element_id);
        if let Some(group) = refs
            .resolve(&at.child("bindings"), draft)
            .and_then(|b| {
                let group = b.at.value()?.pointer("/kafka/groupId/enum/0")?.as_str()?;
                Some(group.to_string())
            })
            .filter(|group| !group.trim().is_empty())
        {
            let app = app.unwrap_or_else(|| to.clone());
            self.groups.entry(app).or_insert(group);
        }
        // A send of an emitted event to a topic also stands for the event's
        // `PublishedTo` flow.
        if kind == FlowKind::Emits
            && at.str("action") == Some("send")
            && let Some(channel) = refs.resolve(&at.child("channel"), draft)
            && channel.at.str(KIND) == Some("Topic")
            && let Some(topic) = channel.at.str(ID).and_then(element_id)
        {
            self.published.insert((to.clone(), topic));
        }
        self.flows.push(Stated {
            from,
            to,
            kind,
            on,
            operation: key.to_string(),
            at: place,
        });
    }

    /// Writes what the documents describe into the draft: the elements with
    /// their ids, the flows between them, and defaults where a run needs
    /// what the documents do not carry.
    pub(super) fn lower(self, draft: &mut Draft) {
        if self.elements.is_empty() {
            return;
        }
        // Topics are known by name, as other documents' channels are, so
        // they link; other elements by id (no importer key holds a space-free
        // lowercase name of another kind's element).
        let mut names: BTreeSet<&str> = BTreeSet::new();
        let keys: BTreeMap<&ElementId, Key> = self
            .elements
            .iter()
            .map(|(id, element)| {
                let key = if element.kind != ElementKind::Topic {
                    id.0.clone()
                } else if names.insert(&element.name) {
                    element.name.clone()
                } else {
                    format!("{} ({id})", element.name)
                };
                (id, (element.kind, key))
            })
            .collect();

        let mut senders: BTreeSet<&ElementId> = BTreeSet::new();
        let mut receivers: BTreeSet<&ElementId> = BTreeSet::new();
        for flow in &self.flows {
            let (Some(from), Some(to)) = (keys.get(&flow.from), keys.get(&flow.to)) else {
                let missing = if keys.contains_key(&flow.from) {
                    &flow.to
                } else {
                    &flow.from
                };
                draft.warn(
                    flow.at.clone(),
                    format!(
                        "operation `{}` stands for the flow {} -[{}]-> {}, but `{missing}` is \
                         described by none of the documents imported (a person, or an \
                         application whose document is not imported); the flow is left out",
                        flow.operation,
                        flow.from,
                        flow.kind.label(),
                        flow.to
                    ),
                );
                continue;
            };
            if !flow_allowed(flow.kind, from.0, to.0) {
                draft.warn(
                    flow.at.clone(),
                    format!(
                        "operation `{}` stands for a {} flow from a {} to a {}, which the board \
                         does not allow; the flow is left out",
                        flow.operation,
                        flow.kind.label(),
                        from.0.label(),
                        to.0.label()
                    ),
                );
                continue;
            }
            let on = flow
                .on
                .iter()
                .filter_map(|id| keys.get(id))
                .cloned()
                .collect();
            draft.stated_flow(from, to, flow.kind, on);
            match flow.kind {
                FlowKind::Emits | FlowKind::Issues | FlowKind::Triggers => {
                    senders.insert(&flow.from);
                }
                FlowKind::Call => {
                    senders.insert(&flow.from);
                    receivers.insert(&flow.to);
                }
                FlowKind::HandledBy
                | FlowKind::Reads
                | FlowKind::ConsumedBy
                | FlowKind::Updates
                | FlowKind::Webhook => {
                    receivers.insert(&flow.to);
                }
                FlowKind::PublishedTo => {}
            }
        }
        for (event, topic) in &self.published {
            if let (Some(event), Some(topic)) = (keys.get(event), keys.get(topic))
                && flow_allowed(FlowKind::PublishedTo, event.0, topic.0)
            {
                draft.flow(event, topic, FlowKind::PublishedTo);
            }
        }

        draft.assume(
            "Ids, kinds and flows come from a Stormflow export's documents; positions, run \
             parameters, frames, annotations and actors are not in them.",
        );
        let mut defaulted_partitions = false;
        for (id, element) in &self.elements {
            let Some(key) = keys.get(id) else { continue };
            let node = draft.node(key, &element.name);
            node.exact_id = Some(id.clone());
            node.note(element.notes.trim());
            if element.kind == ElementKind::Topic && node.topic.is_none() {
                defaulted_partitions |= element.partitions.is_none();
                node.topic = Some(TopicSpec {
                    partitions: element
                        .partitions
                        .unwrap_or(TopicSpec::default().partitions),
                    ..TopicSpec::default()
                });
            }
            let name = element.name.clone();
            if element.kind == ElementKind::ExternalSystem && senders.contains(id) {
                node.workload = Some(Workload {
                    arrival: Arrival::Poisson {
                        per_sec: DEFAULT_RATE_PER_SEC,
                    },
                    ..Workload::default()
                });
                draft.assume(format!(
                    "{name} sends {DEFAULT_RATE_PER_SEC} messages/s (Poisson, 100 keys), spread \
                     evenly over what it sends: its document gives no rate."
                ));
            }
            if element.kind.is_service() && receivers.contains(id) {
                let group = self.groups.get(id).filter(|g| *g != id.as_str());
                let node = draft.node(key, &element.name);
                node.service = Some(Service {
                    group: group.cloned(),
                    ..Service::default()
                });
                let in_group =
                    group.map_or(String::new(), |g| format!(", in consumer group `{g}`"));
                draft.assume(format!(
                    "{name} handles each message in 2 ms on average (exponential), with 1 \
                     instance{in_group}."
                ));
            }
        }
        if defaulted_partitions {
            draft.assume(format!(
                "Topics have {} partitions where no Kafka binding gives a number.",
                TopicSpec::default().partitions
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::{ImportFormat, import_text};

    fn yaml(text: &str) -> Value {
        serde_norway::from_str(text).expect("YAML")
    }

    #[test]
    fn only_asyncapi_3_documents_with_stormflow_ids_are_exports() {
        let marked = "info: {title: A, x-stormflow-id: a, x-stormflow-kind: Aggregate}";
        assert!(is_export(&yaml(&format!("asyncapi: 3.0.0\n{marked}"))));
        assert!(!is_export(&yaml(&format!("asyncapi: 2.6.0\n{marked}"))));
        assert!(is_export(&yaml(
            "asyncapi: 3.0.0\ninfo: {title: B, x-stormflow-applications: []}"
        )));
        assert!(is_export(&yaml(
            "asyncapi: 3.0.0\ninfo: {title: B}\nchannels: {t: {address: t, x-stormflow-id: t}}"
        )));
        assert!(!is_export(&yaml(
            "asyncapi: 3.0.0\ninfo: {title: B}\nchannels: {t: {address: t}}"
        )));
    }

    #[test]
    fn broken_extensions_are_warnings_and_what_they_describe_is_left_out() {
        let text = "\
asyncapi: 3.0.0
info:
  title: Shop
  version: 1.0.0
  x-stormflow-applications:
  - {id: shop, name: Shop, kind: Aggregate}
  - {id: Not An Id, name: Broken, kind: Aggregate}
  - {id: topicish, name: Wrong Kind, kind: Topic}
channels:
  orders:
    address: orders
    messages:
      placed: {$ref: '#/components/messages/placed'}
    x-stormflow-id: orders
    x-stormflow-kind: Topic
  mystery:
    address: mystery
operations:
  shop.send.orders:
    action: send
    channel: {$ref: '#/channels/orders'}
    x-stormflow-flow: {from: shop, to: placed, kind: Emits, on: [nowhere]}
  unmarked:
    action: receive
    channel: {$ref: '#/channels/orders'}
  backwards:
    action: receive
    channel: {$ref: '#/channels/orders'}
    x-stormflow-flow: {from: shop, to: orders, kind: ConsumedBy}
  to-a-person:
    action: receive
    channel: {$ref: '#/channels/orders'}
    x-stormflow-flow: {from: orders, to: somebody, kind: ConsumedBy}
components:
  messages:
    placed: {name: placed, title: Placed, x-stormflow-id: placed, x-stormflow-kind: Event}
    odd: {name: odd, x-stormflow-id: odd, x-stormflow-kind: Topic}
";
        let imported = import_text(text, "shop.yaml", ImportFormat::Auto).expect("imports");
        let messages: Vec<&str> = imported
            .warnings
            .iter()
            .map(|w| w.message.as_str())
            .collect();
        for expected in [
            "application `Not An Id`",
            "application `topicish`",
            "channel `mystery`",
            "message `odd`",
            "operation `unmarked`",
            "operation `backwards` stands for a consumed by flow from a aggregate to a topic",
            "`somebody` is described by none",
        ] {
            assert!(
                messages.iter().any(|m| m.contains(expected)),
                "{expected}: {messages:#?}"
            );
        }
        assert!(imported.warnings.iter().all(|w| w.at.line.is_some()));
        let model = &imported.model;
        let ids: Vec<&str> = model.ids().map(ElementId::as_str).collect();
        // Nothing left receives, so the outside receivers read the topic.
        assert_eq!(ids, ["orders", "outside-receivers", "placed", "shop"]);
        let emits = model
            .flows()
            .find(|f| f.kind == FlowKind::Emits)
            .expect("the valid flow is kept");
        assert!(emits.on.is_empty(), "an unknown `on` entry is dropped");
    }
}
