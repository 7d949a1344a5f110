//! AsyncAPI 2.0-2.6 and 3.0-3.1 documents to a draft board.
//!
//! Each document describes one application (`info.title`). Its channels
//! become topics, its messages events (commands or queries where an
//! operation expects a `reply`), and its operations the flows between them.
//! In 2.x `publish` means the application RECEIVES and `subscribe` that it
//! SENDS; in 3.x `action: send` and `action: receive` say it directly.
//!
//! An AsyncAPI document says what an application sends and what it receives,
//! never that receiving one message makes it send another (except a reply).
//! So a sending application sends at its own rate (a workload, listed in the
//! board's notes as an assumption), and what it receives it consumes; no
//! reaction chain is invented. A request with a reply is a synchronous call.
//!
//! A document a Stormflow export wrote (its `x-stormflow-*` extensions) is
//! read by [`roundtrip`] instead: it gives the board's ids, kinds and flows back.

mod lower;
mod names;
mod refs;
mod roundtrip;

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use serde_json::Value;

use self::refs::{At, Doc, Refs, Resolved};
use super::draft::Draft;
use super::inputs::Source;
use super::{ImportError, Location, tree};

/// Longest description carried into a sticky's notes, in characters.
const MAX_DESCRIPTION_CHARS: usize = 600;
/// Most partitions taken from a Kafka binding.
const MAX_PARTITIONS: u64 = 1_024;

/// Words that start the name of a request that only reads.
const QUERY_VERBS: &[&str] = &[
    "get", "list", "find", "fetch", "query", "search", "read", "lookup", "count", "describe",
];

#[derive(Debug, Default)]
struct App {
    notes: Vec<String>,
}

#[derive(Debug, Default)]
struct TopicInfo {
    notes: Vec<String>,
    partitions: Option<u32>,
}

#[derive(Debug, Default)]
struct MessageInfo {
    name: String,
    notes: Vec<String>,
    query: bool,
}

/// What the documents say, before it becomes stickies. Keys are names:
/// applications by title, channels by topic name, messages by message key.
#[derive(Debug, Default)]
struct System {
    apps: BTreeMap<String, App>,
    topics: BTreeMap<String, TopicInfo>,
    messages: BTreeMap<String, MessageInfo>,
    /// (application, message, topic).
    sends: BTreeSet<(String, String, String)>,
    receives: BTreeSet<(String, String, String)>,
    /// (application, topic) for operations on channels without messages.
    bare_sends: BTreeSet<(String, String)>,
    bare_receives: BTreeSet<(String, String)>,
    /// Request notes by (message, channel).
    requests: BTreeMap<(String, String), Vec<String>>,
    asks: BTreeSet<(String, String, String)>,
    answers: BTreeSet<(String, String, String)>,
    /// Channels that carry requests or replies.
    request_channels: BTreeSet<String>,
}

impl System {
    fn note_topic(&mut self, name: &str, notes: Vec<String>, partitions: Option<u32>) {
        let topic = self.topics.entry(name.to_string()).or_default();
        for line in notes {
            if !topic.notes.contains(&line) {
                topic.notes.push(line);
            }
        }
        topic.partitions = topic.partitions.max(partitions);
    }

    fn note_message(&mut self, key: &str, info: MessageInfo) {
        let message = self.messages.entry(key.to_string()).or_default();
        if message.name.is_empty() {
            message.name = info.name;
        }
        message.query |= info.query;
        for line in info.notes {
            if !message.notes.contains(&line) {
                message.notes.push(line);
            }
        }
    }
}

/// One operation, whichever version wrote it.
struct Operation {
    app: String,
    sends: bool,
    topic: String,
    messages: Vec<String>,
    /// Notes of the reply, when the operation is a request.
    reply: Option<Vec<String>>,
}

impl System {
    fn record(&mut self, op: Operation) {
        let Operation {
            app,
            sends,
            topic,
            messages,
            reply,
        } = op;
        if let Some(reply_notes) = reply {
            self.request_channels.insert(topic.clone());
            for message in messages {
                let notes = self
                    .requests
                    .entry((message.clone(), topic.clone()))
                    .or_default();
                for line in &reply_notes {
                    if !notes.contains(line) {
                        notes.push(line.clone());
                    }
                }
                let triple = (app.clone(), message, topic.clone());
                if sends {
                    self.asks.insert(triple);
                } else {
                    self.answers.insert(triple);
                }
            }
        } else if messages.is_empty() {
            let pair = (app, topic);
            if sends {
                self.bare_sends.insert(pair);
            } else {
                self.bare_receives.insert(pair);
            }
        } else {
            for message in messages {
                let triple = (app.clone(), message, topic.clone());
                if sends {
                    self.sends.insert(triple);
                } else {
                    self.receives.insert(triple);
                }
            }
        }
    }
}

/// Reads every document into one system and writes it into `draft`.
pub(crate) fn import(
    draft: &mut Draft,
    documents: Vec<(Source, Value)>,
) -> Result<(), ImportError> {
    let docs: Vec<(String, Rc<Doc>)> = documents
        .into_iter()
        .map(|(source, root)| {
            let doc = Rc::new(Doc {
                origin: source.origin,
                path: source.path,
                text: source.text,
                root,
            });
            (source.label, doc)
        })
        .collect();
    let mut refs = Refs::default();
    for (_, doc) in &docs {
        refs.add(doc);
    }
    let mut system = System::default();
    let mut exported = roundtrip::Exported::default();
    for (label, doc) in &docs {
        if roundtrip::is_export(&doc.root) {
            roundtrip::read(&mut exported, &mut refs, draft, doc, label)?;
        } else {
            read_document(&mut system, &mut refs, draft, doc, label)?;
        }
    }
    lower::lower(system, draft);
    exported.lower(draft);
    Ok(())
}

/// The `(major, minor)` version a document declares, if this build reads it.
fn version_of(doc: &Doc) -> Result<(u64, u64, String), ImportError> {
    let at = Location::maybe(&doc.origin, tree::locate_key(&doc.text, "asyncapi"));
    let text = match doc.root.get("asyncapi") {
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        _ => {
            return Err(ImportError::Unsupported {
                at,
                message: "the `asyncapi` field must be the version as text, such as \"3.0.0\""
                    .into(),
            });
        }
    };
    let mut parts = text.split(['.', '-', '+']);
    let number = |part: Option<&str>| part.and_then(|p| p.parse::<u64>().ok());
    let (major, minor) = (number(parts.next()), number(parts.next()));
    match (major, minor) {
        (Some(2), Some(minor)) if minor <= 6 => Ok((2, minor, text)),
        (Some(3), Some(minor)) if minor <= 1 => Ok((3, minor, text)),
        (Some(1), _) => Err(ImportError::Unsupported {
            at,
            message: format!(
                "AsyncAPI {text} is not read: convert the document to 3.0 (or 2.6) first, for \
                 example with the AsyncAPI converter"
            ),
        }),
        _ => Err(ImportError::Unsupported {
            at,
            message: format!(
                "AsyncAPI version \"{text}\" is not one this build reads (2.0 to 2.6, 3.0 and 3.1)"
            ),
        }),
    }
}

fn clip(text: &str) -> String {
    let text = text.trim();
    if text.chars().count() <= MAX_DESCRIPTION_CHARS {
        text.to_string()
    } else {
        let cut: String = text.chars().take(MAX_DESCRIPTION_CHARS).collect();
        format!("{}…", cut.trim_end())
    }
}

/// The title, summary and description of the object at `at`, as note lines.
fn describe(at: &At) -> Vec<String> {
    ["title", "summary", "description"]
        .into_iter()
        .filter_map(|field| at.str(field))
        .map(clip)
        .filter(|line| !line.is_empty())
        .collect()
}

fn read_document(
    system: &mut System,
    refs: &mut Refs,
    draft: &mut Draft,
    doc: &Rc<Doc>,
    label: &str,
) -> Result<(), ImportError> {
    let (major, _, _) = version_of(doc)?;
    let root = At::root(doc);
    let info = root.child("info");
    let title = title_of(draft, doc, &info, label);
    draft.source(label, &title);
    let app = system.apps.entry(title.clone()).or_default();
    if let Some(description) = info.str("description").map(clip).filter(|d| !d.is_empty())
        && !app.notes.contains(&description)
    {
        app.notes.push(description);
    }
    if major == 2 {
        read_v2(system, refs, draft, &root, &title);
    } else {
        read_v3(system, refs, draft, &root, &title);
    }
    Ok(())
}

/// A document's `info.title`, or (with a warning) its file's name.
fn title_of(draft: &mut Draft, doc: &Doc, info: &At, label: &str) -> String {
    match info.str("title").map(str::trim) {
        Some(title) if !title.is_empty() => title.to_string(),
        _ => {
            let fallback = label
                .rsplit('/')
                .find(|part| !part.is_empty())
                .unwrap_or(label)
                .split('.')
                .next()
                .unwrap_or("Application")
                .to_string();
            draft.warn(
                Location::maybe(&doc.origin, tree::locate_key(&doc.text, "info")),
                format!(
                    "the document has no `info.title`; the application is named \"{fallback}\""
                ),
            );
            fallback
        }
    }
}

/// Topic notes and Kafka partitions of a channel.
fn channel_details(at: &At, refs: &mut Refs, draft: &mut Draft) -> (Vec<String>, Option<u32>) {
    let mut notes = describe(at);
    let parameters = at.child("parameters");
    for name in parameters.keys() {
        let text = refs
            .resolve(&parameters.child(&name), draft)
            .and_then(|p| p.at.str("description").map(clip))
            .map_or_else(
                || format!("Parameter {{{name}}}."),
                |d| format!("Parameter {{{name}}}: {d}"),
            );
        notes.push(text);
    }
    let mut partitions = None;
    if let Some(bindings) = refs.resolve(&at.child("bindings"), draft) {
        let kafka = bindings.at.child("kafka");
        if let Some(topic) = kafka.str("topic") {
            notes.push(format!("Kafka topic: {topic}."));
        }
        partitions = kafka
            .value()
            .and_then(|k| k.get("partitions"))
            .and_then(Value::as_u64)
            .map(|p| p.clamp(1, MAX_PARTITIONS) as u32);
        if let Some(p) = partitions {
            notes.push(format!("{p} partitions (Kafka binding)."));
        }
    }
    (notes, partitions)
}

/// A message's key (what links it across documents) and what it says.
fn message(
    refs: &mut Refs,
    draft: &mut Draft,
    resolved: &Resolved,
    fallback: &str,
    operation: Option<&str>,
) -> (String, MessageInfo) {
    let at = &resolved.at;
    let traits: Vec<At> = match at.child("traits").value() {
        Some(Value::Array(items)) => (0..items.len())
            .filter_map(|i| refs.resolve(&at.child("traits").item(i), draft))
            .map(|r| r.at)
            .collect(),
        _ => Vec::new(),
    };
    let field = |name: &str| -> Option<String> {
        at.str(name)
            .or_else(|| traits.iter().find_map(|t| t.str(name)))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let key = field("name")
        .or_else(|| resolved.ref_name.clone())
        .or_else(|| field("messageId"))
        .unwrap_or_else(|| fallback.to_string());
    let name = field("title").unwrap_or_else(|| names::readable(&key));
    let mut notes: Vec<String> = ["summary", "description"]
        .into_iter()
        .filter_map(field)
        .map(|s| clip(&s))
        .collect();
    let correlation = [at.clone()]
        .iter()
        .chain(traits.iter())
        .map(|t| t.child("correlationId"))
        .find(|c| c.value().is_some())
        .and_then(|c| refs.resolve(&c, draft));
    if let Some(correlation) = correlation {
        match correlation.at.str("location") {
            Some(location) => notes.push(format!("Correlation id: {location}")),
            None => notes.push("Has a correlation id.".into()),
        }
    }
    let reads = |text: &str| {
        let lower = text.to_ascii_lowercase();
        QUERY_VERBS.iter().any(|verb| lower.starts_with(verb))
    };
    let query = reads(&key) || operation.is_some_and(reads);
    (key, MessageInfo { name, notes, query })
}

/// A message whose `$ref` could not be followed (remote, relative to pasted
/// text, broken) still travels: it is known by the name the reference ends in.
fn unresolved(system: &mut System, at: &At) -> Option<String> {
    let reference = at.str("$ref")?;
    let key = reference
        .rsplit(['/', '#'])
        .find(|part| !part.is_empty())?
        .replace("~1", "/")
        .replace("~0", "~");
    let key = key
        .strip_suffix(".yaml")
        .or_else(|| key.strip_suffix(".yml"))
        .or_else(|| key.strip_suffix(".json"))
        .unwrap_or(&key)
        .to_string();
    system.note_message(
        &key,
        MessageInfo {
            name: names::readable(&key),
            notes: vec![format!("Its definition ({reference}) could not be read.")],
            query: false,
        },
    );
    Some(key)
}

/// The messages of a 2.x operation: one, or each of a `oneOf`.
fn messages_v2(
    system: &mut System,
    refs: &mut Refs,
    draft: &mut Draft,
    op: &At,
    address: &str,
) -> Vec<String> {
    let operation_id = op.str("operationId").map(str::to_string);
    let fallback = match &operation_id {
        Some(id) => format!("{id} message"),
        None => format!("{address} message"),
    };
    let Some(resolved) = refs.resolve(&op.child("message"), draft) else {
        return unresolved(system, &op.child("message"))
            .into_iter()
            .collect();
    };
    let mut found = Vec::new();
    match resolved.at.child("oneOf").value() {
        Some(Value::Array(items)) => {
            for i in 0..items.len() {
                let Some(one) = refs.resolve(&resolved.at.child("oneOf").item(i), draft) else {
                    continue;
                };
                let (key, info) = message(
                    refs,
                    draft,
                    &one,
                    &format!("{fallback} {}", i + 1),
                    operation_id.as_deref(),
                );
                system.note_message(&key, info);
                found.push(key);
            }
        }
        _ => {
            let (key, info) = message(refs, draft, &resolved, &fallback, operation_id.as_deref());
            system.note_message(&key, info);
            found.push(key);
        }
    }
    found
}

fn read_v2(system: &mut System, refs: &mut Refs, draft: &mut Draft, root: &At, app: &str) {
    let channels = root.child("channels");
    for address in channels.keys() {
        let Some(item) = refs.resolve(&channels.child(&address), draft) else {
            continue;
        };
        let (notes, partitions) = channel_details(&item.at, refs, draft);
        system.note_topic(&address, notes, partitions);
        // 2.x speaks from the other side: others publish to the application
        // (it receives) and subscribe to what it sends.
        for (field, sends) in [("publish", false), ("subscribe", true)] {
            let op = item.at.child(field);
            if op.value().is_none() {
                continue;
            }
            let Some(op) = refs.resolve(&op, draft) else {
                continue;
            };
            let messages = messages_v2(system, refs, draft, &op.at, &address);
            system.record(Operation {
                app: app.to_string(),
                sends,
                topic: address.clone(),
                messages,
                reply: None,
            });
        }
    }
}

/// The channels of a 3.x document by id: their topic names, made unique
/// where several share an address.
fn channels_v3(
    system: &mut System,
    refs: &mut Refs,
    draft: &mut Draft,
    root: &At,
) -> BTreeMap<String, (String, At)> {
    let channels = root.child("channels");
    let mut found: Vec<(String, Option<String>, At)> = Vec::new();
    for id in channels.keys() {
        let Some(channel) = refs.resolve(&channels.child(&id), draft) else {
            continue;
        };
        let address = channel.at.str("address").map(str::to_string);
        found.push((id, address, channel.at));
    }
    let mut uses: BTreeMap<String, usize> = BTreeMap::new();
    for (_, address, _) in &found {
        if let Some(address) = address {
            *uses.entry(address.clone()).or_default() += 1;
        }
    }
    let mut named = BTreeMap::new();
    for (id, address, at) in found {
        let name = match address {
            Some(address) if !address.is_empty() => {
                if uses.get(&address).copied().unwrap_or(0) > 1 {
                    format!("{address} ({id})")
                } else {
                    address
                }
            }
            _ => id.clone(),
        };
        let (notes, partitions) = channel_details(&at, refs, draft);
        system.note_topic(&name, notes, partitions);
        named.insert(id, (name, at));
    }
    named
}

/// The topic name and place of the channel an operation or reply names.
fn channel_of(
    holder: &At,
    channels: &BTreeMap<String, (String, At)>,
    refs: &mut Refs,
    draft: &mut Draft,
) -> Option<(String, At)> {
    let reference = holder.child("channel");
    if let Some(local) = reference
        .str("$ref")
        .and_then(|r| r.strip_prefix("#/channels/"))
        .filter(|rest| !rest.contains('/'))
    {
        let id = local.replace("~1", "/").replace("~0", "~");
        if let Some(found) = channels.get(&id) {
            return Some(found.clone());
        }
    }
    let resolved = refs.resolve(&reference, draft)?;
    let name = resolved
        .at
        .str("address")
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .or(resolved.ref_name)?;
    Some((name, resolved.at))
}

/// The messages an operation (or reply) lists, or all of its channel's.
fn messages_v3(
    system: &mut System,
    refs: &mut Refs,
    draft: &mut Draft,
    holder: &At,
    channel: &At,
    operation: Option<&str>,
) -> Vec<String> {
    // Each message's place and the key to fall back on.
    let listed = holder.child("messages");
    let places: Vec<(At, String)> = match listed.value() {
        Some(Value::Array(items)) if !items.is_empty() => (0..items.len())
            .map(|i| {
                let item = listed.item(i);
                let fallback = item
                    .str("$ref")
                    .and_then(|r| r.rsplit('/').next())
                    .unwrap_or("message")
                    .to_string();
                (item, fallback)
            })
            .collect(),
        _ => {
            let messages = channel.child("messages");
            messages
                .keys()
                .into_iter()
                .map(|id| (messages.child(&id), id))
                .collect()
        }
    };
    let mut found = Vec::new();
    let mut seen = BTreeSet::new();
    for (place, fallback) in places {
        let key = match refs.resolve(&place, draft) {
            Some(resolved) => {
                let (key, info) = message(refs, draft, &resolved, &fallback, operation);
                system.note_message(&key, info);
                Some(key)
            }
            None => unresolved(system, &place),
        };
        if let Some(key) = key
            && seen.insert(key.clone())
        {
            found.push(key);
        }
    }
    found
}

fn read_v3(system: &mut System, refs: &mut Refs, draft: &mut Draft, root: &At, app: &str) {
    let channels = channels_v3(system, refs, draft, root);
    let operations = root.child("operations");
    for op_id in operations.keys() {
        let Some(op) = refs.resolve(&operations.child(&op_id), draft) else {
            continue;
        };
        let op = op.at;
        let sends = match op.str("action") {
            Some("send") => true,
            Some("receive") => false,
            other => {
                draft.warn(
                    op.doc.locate(&format!("{op_id}:")),
                    format!(
                        "operation `{op_id}` has action {}: it must be `send` or `receive`; it is \
                         left out",
                        other.map_or("none".to_string(), |a| format!("`{a}`"))
                    ),
                );
                continue;
            }
        };
        let Some((topic, channel)) = channel_of(&op, &channels, refs, draft) else {
            draft.warn(
                op.doc.locate(&format!("{op_id}:")),
                format!("operation `{op_id}` names no channel that could be found; it is left out"),
            );
            continue;
        };
        let messages = messages_v3(system, refs, draft, &op, &channel, Some(&op_id));
        let reply = match op.child("reply").value() {
            Some(_) => refs
                .resolve(&op.child("reply"), draft)
                .map(|reply| reply_notes(system, refs, draft, &reply.at, &channels, &topic)),
            None => None,
        };
        system.record(Operation {
            app: app.to_string(),
            sends,
            topic,
            messages,
            reply,
        });
    }
}

/// What a reply is: its messages and where it travels, as note lines.
fn reply_notes(
    system: &mut System,
    refs: &mut Refs,
    draft: &mut Draft,
    reply: &At,
    channels: &BTreeMap<String, (String, At)>,
    request_topic: &str,
) -> Vec<String> {
    let mut notes = vec![format!("A request with a reply, over {request_topic}.")];
    let reply_channel = channel_of(reply, channels, refs, draft);
    let names: Vec<String> = match &reply_channel {
        Some((_, channel)) => messages_v3(system, refs, draft, reply, channel, None),
        None => Vec::new(),
    }
    .iter()
    .map(|key| {
        system
            .messages
            .get(key)
            .map_or_else(|| key.clone(), |m| m.name.clone())
    })
    .collect();
    if !names.is_empty() {
        notes.push(format!("Reply: {}.", names.join(", ")));
    }
    if let Some((name, _)) = reply_channel {
        system.request_channels.insert(name.clone());
        notes.push(format!("The reply travels over {name}."));
    }
    if let Some(location) = refs
        .resolve(&reply.child("address"), draft)
        .and_then(|a| a.at.str("location").map(str::to_string))
    {
        notes.push(format!("Reply address: {location}."));
    }
    notes
}
