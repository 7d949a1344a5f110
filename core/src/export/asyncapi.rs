//! AsyncAPI 3.0 documents (YAML, or JSON when asked): one per application,
//! or one describing the whole board. See `docs/export.md` for the mapping.
//!
//! Channels come from topics (address = topic name, a Kafka channel binding
//! with the partition count), from the buses of message types that travel
//! without a topic (address null) and from the endpoints of applications
//! that are called directly. Messages come from events, commands and
//! queries and share a trait that names the correlation id. Operations come
//! from the flows ([`super::apps`]); calls, queries and webhooks have a
//! `reply`. Object keys are element ids, and `x-stormflow-*` extensions
//! carry each object's exact id and kind so an import gives the board back.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::apps::{Api, ChannelKind};
use super::{ExportError, ExportedFile, file_stem};
use crate::model::{Element, ElementId, ElementKind, FlowKind, Model, Retention};

/// How to write the AsyncAPI export.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AsyncApiOptions {
    /// One document for the whole board instead of one per application.
    pub single: bool,
    /// JSON instead of YAML.
    pub json: bool,
}

/// The version every document declares.
const ASYNCAPI_VERSION: &str = "3.0.0";
/// The version of the described API (the board has none of its own).
pub(crate) const DOC_VERSION: &str = "1.0.0";
/// The message trait every message carries.
const TRAIT: &str = "stormflow-message";

/// The AsyncAPI documents of `model`: one per application that sends or
/// receives (`<app>.asyncapi.yaml`), or one for the whole board
/// (`<board>.asyncapi.yaml`) when `options.single`.
pub fn to_asyncapi(
    model: &Model,
    options: &AsyncApiOptions,
) -> Result<Vec<ExportedFile>, ExportError> {
    let api = Api::of(model);
    let op_keys = operation_keys(&api);
    let extension = if options.json { "json" } else { "yaml" };
    let mut documents = Vec::new();
    if options.single {
        let title = if model.name.trim().is_empty() {
            "Stormflow board".to_string()
        } else {
            model.name.clone()
        };
        let info = Info {
            title,
            version: DOC_VERSION,
            description: model.notes.clone(),
            id: None,
            kind: None,
            applications: api
                .apps
                .iter()
                .map(|app| AppRef {
                    id: app.id.as_str(),
                    name: &app.name,
                    kind: app.kind,
                })
                .collect(),
        };
        let all_ops: Vec<usize> = (0..api.operations.len()).collect();
        let channels: BTreeSet<&String> = api.channels.keys().collect();
        let messages: BTreeSet<&ElementId> = model
            .elements()
            .filter(|e| super::apps::is_message(e.kind))
            .map(|e| &e.id)
            .collect();
        let doc = document(model, &api, &op_keys, info, &all_ops, &channels, &messages);
        documents.push((
            format!("{}.asyncapi.{extension}", file_stem(&model.name)),
            doc,
        ));
    } else {
        for app in &api.apps {
            let ops: Vec<usize> = (0..api.operations.len())
                .filter(|&i| api.operations[i].app.id == app.id)
                .collect();
            if ops.is_empty() {
                continue;
            }
            let channels: BTreeSet<&String> =
                ops.iter().map(|&i| &api.operations[i].channel).collect();
            let messages: BTreeSet<&ElementId> = channels
                .iter()
                .filter_map(|key| api.channels.get(*key))
                .flat_map(|c| c.messages.iter().copied())
                .collect();
            let info = Info {
                title: if app.name.trim().is_empty() {
                    app.id.0.clone()
                } else {
                    app.name.clone()
                },
                version: DOC_VERSION,
                description: app.notes.clone(),
                id: Some(app.id.as_str()),
                kind: Some(app.kind),
                applications: Vec::new(),
            };
            let doc = document(model, &api, &op_keys, info, &ops, &channels, &messages);
            documents.push((format!("{}.asyncapi.{extension}", api.key(&app.id)), doc));
        }
    }
    documents
        .into_iter()
        .map(|(path, doc)| {
            let contents = if options.json {
                serde_json::to_string_pretty(&doc)
                    .map(|mut text| {
                        text.push('\n');
                        text
                    })
                    .map_err(|e| ExportError::Encode {
                        format: "AsyncAPI JSON",
                        message: e.to_string(),
                    })?
            } else {
                serde_norway::to_string(&doc).map_err(|e| ExportError::Encode {
                    format: "AsyncAPI YAML",
                    message: e.to_string(),
                })?
            };
            Ok(ExportedFile { path, contents })
        })
        .collect()
}

/// A unique key per operation: `<app>.<send|receive>.<channel>`, numbered
/// when an application does the same on one channel for several flows.
fn operation_keys(api: &Api<'_>) -> Vec<String> {
    let mut used = BTreeSet::new();
    api.operations
        .iter()
        .map(|op| {
            let base = format!(
                "{}.{}.{}",
                api.key(&op.app.id),
                op.action.label(),
                op.channel
            );
            let mut key = base.clone();
            let mut n = 2;
            while used.contains(&key) {
                key = format!("{base}_{n}");
                n += 1;
            }
            used.insert(key.clone());
            key
        })
        .collect()
}

fn document<'a>(
    model: &'a Model,
    api: &'a Api<'a>,
    op_keys: &[String],
    info: Info<'a>,
    ops: &[usize],
    channels: &BTreeSet<&String>,
    messages: &BTreeSet<&ElementId>,
) -> Document<'a> {
    let channel_ref = |key: &str| Ref::new(format!("#/channels/{key}"));
    let mut doc = Document {
        asyncapi: ASYNCAPI_VERSION,
        info,
        default_content_type: "application/json",
        channels: BTreeMap::new(),
        operations: BTreeMap::new(),
        components: Components {
            messages: BTreeMap::new(),
            message_traits: BTreeMap::from([(TRAIT, MessageTrait::default())]),
        },
    };
    for key in channels {
        let Some(channel) = api.channels.get(*key) else {
            continue;
        };
        let element = channel.element;
        let topic = (channel.kind == ChannelKind::Topic).then(|| element.topic_or_default());
        doc.channels.insert(
            (*key).clone(),
            ChannelObject {
                address: topic.as_ref().map(|_| element.name.clone()),
                title: match channel.kind {
                    ChannelKind::Endpoint => format!("Requests to {}", element.name),
                    ChannelKind::Topic => element.name.clone(),
                    _ => format!("{} bus: {}", message_word(element.kind), element.name),
                },
                description: if channel.kind == ChannelKind::Topic {
                    element.notes.clone()
                } else {
                    String::new()
                },
                messages: channel
                    .messages
                    .iter()
                    .map(|id| {
                        let k = api.key(id);
                        let r = Ref::new(format!("#/components/messages/{k}"));
                        (k, r)
                    })
                    .collect(),
                bindings: topic.map(|spec| ChannelBindings {
                    kafka: KafkaChannel {
                        topic: element.name.clone(),
                        partitions: spec.partitions,
                        topic_configuration: TopicConfiguration::of(&spec.retention),
                        binding_version: "0.5.0",
                    },
                }),
                stormflow_id: element.id.as_str(),
                stormflow_kind: channel.kind.label(),
            },
        );
    }
    for &i in ops {
        let op = &api.operations[i];
        let (from, to) = (model.element(&op.flow.from), model.element(&op.flow.to));
        let name = |e: Option<&Element>| e.map_or(String::new(), |e| e.name.clone());
        doc.operations.insert(
            op_keys[i].clone(),
            OperationObject {
                action: op.action.label(),
                channel: channel_ref(&op.channel),
                summary: format!("{} {} {}", name(from), op.flow.kind.label(), name(to)),
                messages: op
                    .messages
                    .iter()
                    .map(|id| {
                        Ref::new(format!("#/channels/{}/messages/{}", op.channel, api.key(id)))
                    })
                    .collect(),
                reply: op.reply.then_some(Reply {
                    address: ReplyAddress {
                        description: "The requester's inbox, named in the request's replyTo header.",
                        location: "$message.header#/replyTo",
                    },
                }),
                bindings: op.group.as_ref().map(|group| OperationBindings {
                    kafka: KafkaOperation {
                        group_id: StringEnum {
                            kind: "string",
                            values: vec![group.clone()],
                        },
                        binding_version: "0.5.0",
                    },
                }),
                application: op.app.id.as_str(),
                flow: FlowRef {
                    from: op.flow.from.as_str(),
                    to: op.flow.to.as_str(),
                    kind: op.flow.kind,
                    on: op.flow.on.iter().map(ElementId::as_str).collect(),
                },
            },
        );
    }
    for id in messages {
        let Some(element) = model.element(id) else {
            continue;
        };
        doc.components.messages.insert(
            api.key(id),
            MessageObject {
                name: element.id.as_str(),
                title: element.name.clone(),
                summary: element.notes.lines().next().unwrap_or("").to_string(),
                description: element.notes.clone(),
                content_type: "application/json",
                payload: Payload {
                    kind: "object",
                    description: payload_description(element),
                },
                traits: vec![Ref::new(format!("#/components/messageTraits/{TRAIT}"))],
                stormflow_id: element.id.as_str(),
                stormflow_kind: element.kind,
            },
        );
    }
    doc
}

fn message_word(kind: ElementKind) -> &'static str {
    match kind {
        ElementKind::Command => "command",
        ElementKind::Query => "query",
        _ => "event",
    }
}

/// What a message's payload holds, as far as the board says.
fn payload_description(element: &Element) -> String {
    match element.kind {
        ElementKind::Event => {
            let spec = element.event_or_default();
            let pattern = match spec.pattern {
                crate::model::EventPattern::Notification => "Event Notification (a thin message)",
                crate::model::EventPattern::CarriedState => "Event-Carried State (the whole state)",
                crate::model::EventPattern::Sourced => "Event Sourcing (a small delta)",
            };
            format!("{pattern}, about {} bytes.", spec.payload_bytes())
        }
        ElementKind::Query => "The question; the reply carries the data.".into(),
        _ => "The intention and its arguments.".into(),
    }
}

/// A `$ref`.
#[derive(Serialize)]
struct Ref {
    #[serde(rename = "$ref")]
    target: String,
}

impl Ref {
    fn new(target: String) -> Self {
        Self { target }
    }
}

#[derive(Serialize)]
struct Document<'a> {
    asyncapi: &'static str,
    info: Info<'a>,
    #[serde(rename = "defaultContentType")]
    default_content_type: &'static str,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    channels: BTreeMap<String, ChannelObject<'a>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    operations: BTreeMap<String, OperationObject<'a>>,
    components: Components<'a>,
}

#[derive(Serialize)]
struct Info<'a> {
    title: String,
    version: &'static str,
    #[serde(skip_serializing_if = "String::is_empty")]
    description: String,
    #[serde(rename = "x-stormflow-id", skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(rename = "x-stormflow-kind", skip_serializing_if = "Option::is_none")]
    kind: Option<ElementKind>,
    #[serde(
        rename = "x-stormflow-applications",
        skip_serializing_if = "Vec::is_empty"
    )]
    applications: Vec<AppRef<'a>>,
}

#[derive(Serialize)]
struct AppRef<'a> {
    id: &'a str,
    name: &'a str,
    kind: ElementKind,
}

#[derive(Serialize)]
struct ChannelObject<'a> {
    /// A topic's name; null (unknown) for a bus or an endpoint.
    address: Option<String>,
    title: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    description: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    messages: BTreeMap<String, Ref>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bindings: Option<ChannelBindings>,
    #[serde(rename = "x-stormflow-id")]
    stormflow_id: &'a str,
    #[serde(rename = "x-stormflow-kind")]
    stormflow_kind: &'static str,
}

#[derive(Serialize)]
struct ChannelBindings {
    kafka: KafkaChannel,
}

#[derive(Serialize)]
struct KafkaChannel {
    topic: String,
    partitions: u32,
    #[serde(rename = "topicConfiguration", skip_serializing_if = "Option::is_none")]
    topic_configuration: Option<TopicConfiguration>,
    #[serde(rename = "bindingVersion")]
    binding_version: &'static str,
}

#[derive(Serialize)]
struct TopicConfiguration {
    #[serde(rename = "cleanup.policy")]
    cleanup_policy: Vec<&'static str>,
    #[serde(rename = "retention.ms")]
    retention_ms: i64,
}

impl TopicConfiguration {
    fn of(retention: &Retention) -> Option<Self> {
        Some(match retention {
            Retention::Forever => Self {
                cleanup_policy: vec!["delete"],
                retention_ms: -1,
            },
            Retention::Time { max_age_us } => Self {
                cleanup_policy: vec!["delete"],
                retention_ms: i64::try_from(max_age_us / 1_000).unwrap_or(i64::MAX),
            },
            Retention::Compact => Self {
                cleanup_policy: vec!["compact"],
                retention_ms: -1,
            },
        })
    }
}

#[derive(Serialize)]
struct OperationObject<'a> {
    action: &'static str,
    channel: Ref,
    summary: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    messages: Vec<Ref>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reply: Option<Reply>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bindings: Option<OperationBindings>,
    #[serde(rename = "x-stormflow-application")]
    application: &'a str,
    #[serde(rename = "x-stormflow-flow")]
    flow: FlowRef<'a>,
}

#[derive(Serialize)]
struct FlowRef<'a> {
    from: &'a str,
    to: &'a str,
    kind: FlowKind,
    /// The flow's `on` filter: the incoming message types it is used for.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    on: Vec<&'a str>,
}

#[derive(Serialize)]
struct Reply {
    address: ReplyAddress,
}

#[derive(Serialize)]
struct ReplyAddress {
    description: &'static str,
    location: &'static str,
}

#[derive(Serialize)]
struct OperationBindings {
    kafka: KafkaOperation,
}

#[derive(Serialize)]
struct KafkaOperation {
    #[serde(rename = "groupId")]
    group_id: StringEnum,
    #[serde(rename = "bindingVersion")]
    binding_version: &'static str,
}

/// A JSON Schema for one of a few strings.
#[derive(Serialize)]
struct StringEnum {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "enum")]
    values: Vec<String>,
}

#[derive(Serialize)]
struct Components<'a> {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    messages: BTreeMap<String, MessageObject<'a>>,
    #[serde(rename = "messageTraits")]
    message_traits: BTreeMap<&'static str, MessageTrait>,
}

#[derive(Serialize)]
struct MessageObject<'a> {
    name: &'a str,
    title: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    summary: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    description: String,
    #[serde(rename = "contentType")]
    content_type: &'static str,
    payload: Payload,
    traits: Vec<Ref>,
    #[serde(rename = "x-stormflow-id")]
    stormflow_id: &'a str,
    #[serde(rename = "x-stormflow-kind")]
    stormflow_kind: ElementKind,
}

#[derive(Serialize)]
struct Payload {
    #[serde(rename = "type")]
    kind: &'static str,
    description: String,
}

/// The headers every Stormflow message carries (DESIGN.md section 3).
#[derive(Serialize)]
struct MessageTrait {
    headers: HeaderSchema,
    #[serde(rename = "correlationId")]
    correlation_id: CorrelationId,
}

impl Default for MessageTrait {
    fn default() -> Self {
        let header = |description: &'static str| HeaderField {
            kind: "string",
            description,
        };
        Self {
            headers: HeaderSchema {
                kind: "object",
                properties: BTreeMap::from([
                    (
                        "causationid",
                        header(
                            "The id of the message that directly caused this one; absent for a root.",
                        ),
                    ),
                    (
                        "correlationid",
                        header("The id of the root message of this causation chain."),
                    ),
                    (
                        "eventkey",
                        header("The key that ties a stream together and picks the partition."),
                    ),
                ]),
            },
            correlation_id: CorrelationId {
                description: "The id of the root message of the chain this message belongs to.",
                location: "$message.header#/correlationid",
            },
        }
    }
}

#[derive(Serialize)]
struct HeaderSchema {
    #[serde(rename = "type")]
    kind: &'static str,
    properties: BTreeMap<&'static str, HeaderField>,
}

#[derive(Serialize)]
struct HeaderField {
    #[serde(rename = "type")]
    kind: &'static str,
    description: &'static str,
}

#[derive(Serialize)]
struct CorrelationId {
    description: &'static str,
    location: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shop() -> Model {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples/online-shop.ron");
        crate::format::load(&path).expect("sample loads")
    }

    #[test]
    fn one_document_per_application_that_sends_or_receives() {
        let model = shop();
        let files = to_asyncapi(&model, &AsyncApiOptions::default()).expect("exports");
        let names: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert!(names.contains(&"billing.asyncapi.yaml"), "{names:?}");
        assert!(names.contains(&"order.asyncapi.yaml"), "{names:?}");
        let order = files
            .iter()
            .find(|f| f.path == "order.asyncapi.yaml")
            .expect("order");
        let doc: serde_json::Value = serde_norway::from_str(&order.contents).expect("YAML parses");
        assert_eq!(doc["asyncapi"], "3.0.0");
        assert_eq!(doc["info"]["title"], "Order");
        assert_eq!(doc["channels"]["orders"]["address"], "orders");
        assert_eq!(
            doc["channels"]["orders"]["bindings"]["kafka"]["partitions"],
            6
        );
        assert_eq!(doc["operations"]["order.send.orders"]["action"], "send");
    }

    #[test]
    fn a_single_document_holds_every_application_and_json_is_available() {
        let model = shop();
        let options = AsyncApiOptions {
            single: true,
            json: true,
        };
        let files = to_asyncapi(&model, &options).expect("exports");
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].path, "online-shop.asyncapi.json");
        let doc: serde_json::Value = serde_json::from_str(&files[0].contents).expect("JSON");
        let apps = doc["info"]["x-stormflow-applications"]
            .as_array()
            .expect("apps");
        assert!(apps.iter().any(|a| a["id"] == "shipping"));
        let ops = doc["operations"].as_object().expect("operations");
        assert!(
            ops.values()
                .any(|op| op["x-stormflow-application"] == "billing")
        );
        assert!(
            ops.values().any(|op| op["reply"].is_object()),
            "calls and queries reply"
        );
    }
}
