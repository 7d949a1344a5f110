//! The documents' system written into the draft board: topics, events,
//! applications and the flows between them.

use std::collections::{BTreeMap, BTreeSet};

use super::System;
use crate::import::Location;
use crate::import::draft::{DEFAULT_RATE_PER_SEC, Draft, Key};
use crate::model::{Arrival, ElementId, ElementKind, FlowKind, Service, TopicSpec, Workload};

/// Writes the system into the draft.
pub(super) fn lower(system: System, draft: &mut Draft) {
    let topic_key = |name: &str| -> Key { (ElementKind::Topic, name.to_string()) };
    let mut used: BTreeSet<&String> = BTreeSet::new();
    for (_, _, topic) in system.sends.iter().chain(&system.receives) {
        used.insert(topic);
    }
    for (_, topic) in system.bare_sends.iter().chain(&system.bare_receives) {
        used.insert(topic);
    }
    let mut defaulted_partitions = false;
    for (name, info) in &system.topics {
        // Channels that only carry requests and replies are drawn as the
        // synchronous call they are, not as a topic.
        if system.request_channels.contains(name) && !used.contains(name) {
            continue;
        }
        let node = draft.node(&topic_key(name), name);
        for line in &info.notes {
            node.note(line.clone());
        }
        node.topic = Some(TopicSpec {
            partitions: info.partitions.unwrap_or(TopicSpec::default().partitions),
            ..TopicSpec::default()
        });
        defaulted_partitions |= info.partitions.is_none();
    }
    if defaulted_partitions {
        draft.assume(format!(
            "Topics have {} partitions where no Kafka binding gives a number.",
            TopicSpec::default().partitions
        ));
    }

    // One event per message and topic: a message sent on two channels is two
    // streams, and must not carry one sender's messages onto the other.
    let mut topics_of: BTreeMap<&String, BTreeSet<&String>> = BTreeMap::new();
    for (_, message, topic) in system.sends.iter().chain(&system.receives) {
        topics_of.entry(message).or_default().insert(topic);
    }
    let event_key = |message: &str, topic: &str| -> Key {
        (ElementKind::Event, format!("{message} @ {topic}"))
    };
    for (message, topics) in &topics_of {
        let info = system.messages.get(*message);
        let name = info.map_or_else(|| (*message).clone(), |m| m.name.clone());
        for topic in topics {
            let display = if topics.len() > 1 {
                format!("{name} on {topic}")
            } else {
                name.clone()
            };
            let key = event_key(message, topic);
            let node = draft.node(&key, &display);
            for line in info.map(|m| m.notes.as_slice()).unwrap_or_default() {
                node.note(line.clone());
            }
            draft.flow(&key, &topic_key(topic), FlowKind::PublishedTo);
        }
    }
    let bare_event =
        |topic: &str| -> Key { (ElementKind::Event, format!("message sent on {topic}")) };
    for (_, topic) in &system.bare_sends {
        draft
            .node(&bare_event(topic), &format!("{topic} Message Sent"))
            .note("The channel lists no message: what travels on it is unknown.");
        draft.flow(&bare_event(topic), &topic_key(topic), FlowKind::PublishedTo);
    }

    // Applications.
    let senders: BTreeSet<&String> = system
        .sends
        .iter()
        .chain(&system.asks)
        .map(|(a, _, _)| a)
        .chain(system.bare_sends.iter().map(|(a, _)| a))
        .collect();
    let receivers: BTreeSet<&String> = system
        .receives
        .iter()
        .chain(&system.answers)
        .map(|(a, _, _)| a)
        .chain(system.bare_receives.iter().map(|(a, _)| a))
        .collect();
    let role = |app: &String| (senders.contains(app), receivers.contains(app));
    let mut app_keys: BTreeMap<&String, Key> = BTreeMap::new();
    for (title, app) in &system.apps {
        let (sends, receives) = role(title);
        let kind = if receives {
            ElementKind::Aggregate
        } else {
            ElementKind::ExternalSystem
        };
        let key: Key = (kind, title.clone());
        let mut group = ElementId::slug(title).0;
        if group.is_empty() {
            group = "application".into();
        }
        let node = draft.node(&key, title);
        for line in &app.notes {
            node.note(line.clone());
        }
        if !sends && !receives {
            node.note("Its document describes no operation: it neither sends nor receives.");
        }
        if receives {
            node.service = Some(Service {
                group: Some(group.clone()),
                ..Service::default()
            });
        }
        if sends {
            node.workload = Some(Workload {
                arrival: Arrival::Poisson {
                    per_sec: DEFAULT_RATE_PER_SEC,
                },
                ..Workload::default()
            });
            draft.assume(format!(
                "{title} sends {DEFAULT_RATE_PER_SEC} messages/s (Poisson, 100 keys), spread \
                 evenly over what it sends: its document gives no rate."
            ));
        }
        if receives {
            draft.assume(format!(
                "{title} handles each message in 2 ms on average (exponential), with 1 instance, \
                 in consumer group `{group}`."
            ));
        }
        app_keys.insert(title, key);
    }
    let app_key = |title: &String| app_keys.get(title).cloned();
    for (app, message, topic) in &system.sends {
        if let Some(app) = app_key(app) {
            draft.flow(&app, &event_key(message, topic), FlowKind::Emits);
        }
    }
    for (app, _, topic) in &system.receives {
        if let Some(app) = app_key(app) {
            draft.flow(&topic_key(topic), &app, FlowKind::ConsumedBy);
        }
    }
    for (app, topic) in &system.bare_sends {
        if let Some(app) = app_key(app) {
            draft.flow(&app, &bare_event(topic), FlowKind::Emits);
        }
    }
    for (app, topic) in &system.bare_receives {
        if let Some(app) = app_key(app) {
            draft.flow(&topic_key(topic), &app, FlowKind::ConsumedBy);
        }
    }

    // Requests: a call to a command (or query) that one application handles.
    let mut askers: BTreeMap<(&String, &String), Vec<&String>> = BTreeMap::new();
    for (app, message, topic) in &system.asks {
        askers.entry((message, topic)).or_default().push(app);
    }
    let mut handlers: BTreeMap<(&String, &String), Vec<&String>> = BTreeMap::new();
    for (app, message, topic) in &system.answers {
        handlers.entry((message, topic)).or_default().push(app);
    }
    for ((message, topic), notes) in &system.requests {
        let info = system.messages.get(message);
        let kind = if info.is_some_and(|m| m.query) {
            ElementKind::Query
        } else {
            ElementKind::Command
        };
        let key: Key = (kind, format!("{message} @ {topic}"));
        let name = info.map_or_else(|| message.clone(), |m| m.name.clone());
        let node = draft.node(&key, &name);
        for line in info.map(|m| m.notes.as_slice()).unwrap_or_default() {
            node.note(line.clone());
        }
        for line in notes {
            node.note(line.clone());
        }
        for app in askers.get(&(message, topic)).into_iter().flatten() {
            if let Some(app) = app_key(app) {
                draft.flow(&app, &key, FlowKind::Call);
            }
        }
        let handlers = handlers
            .get(&(message, topic))
            .map_or(&[][..], Vec::as_slice);
        if let Some((first, others)) = handlers.split_first() {
            if let Some(handler) = app_key(first) {
                draft.flow(&key, &handler, FlowKind::HandledBy);
            }
            if !others.is_empty() {
                draft.warn(
                    Location::file("import"),
                    format!(
                        "request \"{name}\" over {topic} is answered by {} applications; a \
                         request has one handler, so {first} handles it and {} do not",
                        handlers.len(),
                        others
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
        }
    }
}
