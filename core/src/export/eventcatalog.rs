//! An EventCatalog (v2 layout) of the board, to drop into an EventCatalog
//! project: `domains/`, `services/`, `events/`, `commands/`, `queries/` and
//! `channels/`, one folder per resource with an `index.mdx` whose YAML
//! frontmatter has `id`, `name`, `version` and `summary`.
//!
//! Bounded-context frames become domains listing the services inside them;
//! applications become services with `sends`/`receives` pointers (`to`/`from`
//! the channels they use); events, commands and queries become messages
//! listing their `channels`; topics become Kafka channels with their address.
//! Catalog ids are the board's element ids.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::apps::{Action, Api, ChannelKind, is_message};
use super::asyncapi::DOC_VERSION;
use super::frames::Frames;
use super::{ExportError, ExportedFile};
use crate::model::{Element, ElementId, ElementKind, Model};

/// The catalog's files, relative to the catalog folder. Write them with
/// [`super::write_folder`].
pub fn to_eventcatalog(model: &Model) -> Result<Vec<ExportedFile>, ExportError> {
    let api = Api::of(model);
    let frames = Frames::of(model);
    let board = if model.name.trim().is_empty() {
        "Stormflow"
    } else {
        model.name.as_str()
    };
    let mut files = Vec::new();

    // Domains: each bounded context, with the services whose innermost
    // context it is.
    let mut domain_services: BTreeMap<&ElementId, Vec<Pointer<'_>>> = BTreeMap::new();
    for app in &api.apps {
        let mut at = frames.parent(&app.id);
        while let Some(frame) = at {
            if model
                .element(frame)
                .is_some_and(|e| e.kind == ElementKind::BoundedContext)
            {
                domain_services
                    .entry(frame)
                    .or_default()
                    .push(Pointer::to(&app.id));
                break;
            }
            at = frames.parent(frame);
        }
    }
    for context in model
        .elements()
        .filter(|e| e.kind == ElementKind::BoundedContext)
    {
        let front = Resource {
            services: domain_services.remove(&context.id).unwrap_or_default(),
            ..Resource::new(
                context,
                summary(context, &format!("Bounded context on the {board} board.")),
            )
        };
        files.push(page("domains", context, &front)?);
    }

    // Services: what each application sends and receives, through which channel.
    for app in &api.apps {
        let mut sends: BTreeMap<&ElementId, BTreeSet<&ElementId>> = BTreeMap::new();
        let mut receives: BTreeMap<&ElementId, BTreeSet<&ElementId>> = BTreeMap::new();
        for op in api.operations.iter().filter(|op| op.app.id == app.id) {
            let topic = api
                .channels
                .get(&op.channel)
                .filter(|c| c.kind == ChannelKind::Topic)
                .map(|c| &c.element.id);
            let list = match op.action {
                Action::Send => &mut sends,
                Action::Receive => &mut receives,
            };
            for message in &op.messages {
                let channels = list.entry(message).or_default();
                channels.extend(topic);
            }
        }
        let front = Resource {
            sends: routes(sends, true),
            receives: routes(receives, false),
            ..Resource::new(
                app,
                summary(
                    app,
                    &format!("{} on the {board} board.", capitalised(app.kind.label())),
                ),
            )
        };
        files.push(page("services", app, &front)?);
    }

    // Messages, with the topics they are published to.
    for message in model.elements().filter(|e| is_message(e.kind)) {
        let channels: Vec<Pointer<'_>> = api
            .channels
            .values()
            .filter(|c| c.kind == ChannelKind::Topic && c.messages.contains(&message.id))
            .map(|c| Pointer::to(&c.element.id))
            .collect();
        let folder = match message.kind {
            ElementKind::Command => "commands",
            ElementKind::Query => "queries",
            _ => "events",
        };
        let front = Resource {
            channels,
            ..Resource::new(
                message,
                summary(
                    message,
                    &format!(
                        "{} on the {board} board.",
                        capitalised(message.kind.label())
                    ),
                ),
            )
        };
        files.push(page(folder, message, &front)?);
    }

    // Channels: the topics.
    for topic in model.elements().filter(|e| e.kind == ElementKind::Topic) {
        let spec = topic.topic_or_default();
        let front = Resource {
            address: Some(&topic.name),
            protocols: vec!["kafka"],
            ..Resource::new(
                topic,
                summary(
                    topic,
                    &format!(
                        "Kafka topic with {}.",
                        crate::text::plural(spec.partitions as usize, "partition")
                    ),
                ),
            )
        };
        files.push(page("channels", topic, &front)?);
    }
    Ok(files)
}

/// `sends` (to channels) or `receives` (from channels) pointers.
fn routes<'a>(
    list: BTreeMap<&'a ElementId, BTreeSet<&'a ElementId>>,
    outgoing: bool,
) -> Vec<Route<'a>> {
    list.into_iter()
        .map(|(message, channels)| {
            let channels: Vec<Pointer<'a>> = channels.into_iter().map(Pointer::to).collect();
            let (to, from) = if outgoing {
                (channels, Vec::new())
            } else {
                (Vec::new(), channels)
            };
            Route {
                id: message.as_str(),
                to,
                from,
            }
        })
        .collect()
}

/// The frontmatter of any resource; empty lists and absent fields are left out.
#[derive(Serialize)]
struct Resource<'a> {
    id: &'a str,
    name: &'a str,
    version: &'static str,
    summary: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    protocols: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    services: Vec<Pointer<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    sends: Vec<Route<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    receives: Vec<Route<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    channels: Vec<Pointer<'a>>,
}

impl<'a> Resource<'a> {
    fn new(element: &'a Element, summary: String) -> Self {
        Self {
            id: element.id.as_str(),
            name: if element.name.trim().is_empty() {
                element.id.as_str()
            } else {
                &element.name
            },
            version: DOC_VERSION,
            summary,
            address: None,
            protocols: Vec::new(),
            services: Vec::new(),
            sends: Vec::new(),
            receives: Vec::new(),
            channels: Vec::new(),
        }
    }
}

/// A pointer to another resource (its latest version).
#[derive(Serialize)]
struct Pointer<'a> {
    id: &'a str,
}

impl<'a> Pointer<'a> {
    fn to(id: &'a ElementId) -> Self {
        Self { id: id.as_str() }
    }
}

/// A message a service sends `to` or receives `from` channels.
#[derive(Serialize)]
struct Route<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    to: Vec<Pointer<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    from: Vec<Pointer<'a>>,
}

/// `<folder>/<id>/index.mdx`: the frontmatter, then the notes and a diagram.
fn page(
    folder: &str,
    element: &Element,
    front: &Resource<'_>,
) -> Result<ExportedFile, ExportError> {
    let yaml = serde_norway::to_string(front).map_err(|e| ExportError::Encode {
        format: "EventCatalog frontmatter",
        message: e.to_string(),
    })?;
    let mut contents = format!("---\n{yaml}---\n\n## Overview\n\n");
    if element.notes.trim().is_empty() {
        contents.push_str(&mdx_text(&front.summary));
    } else {
        contents.push_str(&mdx_text(&element.notes));
    }
    contents.push_str("\n\n<NodeGraph />\n");
    Ok(ExportedFile {
        path: format!("{folder}/{}/index.mdx", element.id),
        contents,
    })
}

/// The first line of the notes, or `fallback`.
fn summary(element: &Element, fallback: &str) -> String {
    element
        .notes
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map_or_else(|| fallback.to_string(), str::to_string)
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Plain text made safe for an MDX body: `<`, `>`, `{`, `}` and `&` as
/// character references (MDX would read them as JSX or expressions), and
/// Markdown punctuation backslash-escaped so it reads literally.
fn mdx_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '{' => out.push_str("&#123;"),
            '}' => out.push_str("&#125;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '|' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\r' => {}
            '\n' => out.push('\n'),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shop() -> Model {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples/online-shop.ron");
        crate::format::load(&path).expect("sample loads")
    }

    fn frontmatter(file: &ExportedFile) -> serde_json::Value {
        let rest = file.contents.strip_prefix("---\n").expect("opens with ---");
        let end = rest.find("\n---\n").expect("closes with ---");
        serde_norway::from_str(&rest[..end]).expect("frontmatter is YAML")
    }

    #[test]
    fn contexts_become_domains_and_applications_become_services_with_routes() {
        let files = to_eventcatalog(&shop()).expect("exports");
        let by_path: BTreeMap<&str, &ExportedFile> =
            files.iter().map(|f| (f.path.as_str(), f)).collect();
        let domain = frontmatter(by_path["domains/billing-context/index.mdx"]);
        assert_eq!(domain["name"], "Billing");
        assert!(
            domain["services"]
                .as_array()
                .expect("services")
                .iter()
                .any(|s| s["id"] == "billing")
        );
        let order = frontmatter(by_path["services/order/index.mdx"]);
        let sends = order["sends"].as_array().expect("sends");
        let placed = sends
            .iter()
            .find(|s| s["id"] == "order-placed")
            .expect("sends order-placed");
        assert_eq!(placed["to"][0]["id"], "orders");
        let event = frontmatter(by_path["events/order-placed/index.mdx"]);
        assert_eq!(event["version"], "1.0.0");
        assert_eq!(event["channels"][0]["id"], "orders");
        let channel = frontmatter(by_path["channels/orders/index.mdx"]);
        assert_eq!(channel["address"], "orders");
        assert_eq!(channel["protocols"][0], "kafka");
    }

    #[test]
    fn hostile_names_and_notes_stay_text() {
        let mut model = Model::new("t");
        let mut event = Element::new(
            "e",
            ElementKind::Event,
            "---\nid: x\n\"quoted\": {a}",
            crate::model::Pos::default(),
        );
        event.notes = "<script>alert(1)</script> {props.x} # not a heading".into();
        model.add_element(event).expect("fresh");
        let files = to_eventcatalog(&model).expect("exports");
        let front = frontmatter(&files[0]);
        assert_eq!(front["name"], "---\nid: x\n\"quoted\": {a}");
        assert_eq!(front["id"], "e");
        let (_, body) = files[0].contents[4..]
            .split_once("\n---\n")
            .expect("a body");
        assert!(!body.contains("<script"), "{body}");
        assert!(body.contains("&#123;props.x&#125;"), "{body}");
        assert!(body.contains("\\# not a heading"), "{body}");
    }
}
