//! What each application of a board sends and receives, and through which
//! channel: the one reading of the flows that the AsyncAPI and EventCatalog
//! exports both render. It is the reverse of the AsyncAPI importer's rules:
//! `send` = the application emits (or issues, triggers, calls) a message,
//! `receive` = it consumes, handles, reads or is called with one.
//!
//! Applications are the stickies that do work: aggregates, external systems,
//! processors, policies and read models. Actors are people, not
//! applications: their flows appear only on the receiving side.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{Element, ElementId, ElementKind, Flow, FlowKind, Model};

/// Whether a sticky of this kind is an application.
pub(crate) fn is_application(kind: ElementKind) -> bool {
    matches!(
        kind,
        ElementKind::Aggregate
            | ElementKind::ExternalSystem
            | ElementKind::Processor
            | ElementKind::Policy
            | ElementKind::ReadModel
    )
}

/// Whether a sticky of this kind is a message type.
pub(crate) fn is_message(kind: ElementKind) -> bool {
    matches!(
        kind,
        ElementKind::Event | ElementKind::Command | ElementKind::Query
    )
}

/// What a channel stands for on the board.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum ChannelKind {
    /// A topic on the broker: its address is the topic's name.
    Topic,
    /// The in-memory event bus of one event type (no topic between).
    EventBus,
    /// The command bus of one command type.
    CommandBus,
    /// The query bus of one query type.
    QueryBus,
    /// Direct synchronous calls to an application.
    Endpoint,
}

impl ChannelKind {
    /// The name written in `x-stormflow-kind`.
    pub(crate) fn label(self) -> &'static str {
        match self {
            ChannelKind::Topic => "Topic",
            ChannelKind::EventBus => "EventBus",
            ChannelKind::CommandBus => "CommandBus",
            ChannelKind::QueryBus => "QueryBus",
            ChannelKind::Endpoint => "Endpoint",
        }
    }
}

/// A channel: a topic, a message type's bus, or an application's endpoint.
pub(crate) struct Channel<'m> {
    /// What it stands for.
    pub(crate) kind: ChannelKind,
    /// The topic, the message type, or the called application.
    pub(crate) element: &'m Element,
    /// The message types that travel on it, in id order.
    pub(crate) messages: BTreeSet<&'m ElementId>,
}

/// Whether an application sends or receives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Action {
    /// It produces onto the channel.
    Send,
    /// It consumes from the channel.
    Receive,
}

impl Action {
    /// `send` or `receive`.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Action::Send => "send",
            Action::Receive => "receive",
        }
    }
}

/// One thing an application does on one channel; stands for one board flow.
pub(crate) struct Operation<'m> {
    /// The application.
    pub(crate) app: &'m Element,
    /// Send or receive.
    pub(crate) action: Action,
    /// The channel's key.
    pub(crate) channel: String,
    /// The message types this operation sends or receives.
    pub(crate) messages: BTreeSet<&'m ElementId>,
    /// A request that waits for a reply (queries, calls, webhooks).
    pub(crate) reply: bool,
    /// The board flow it stands for.
    pub(crate) flow: &'m Flow,
    /// The consumer group, when it reads a topic.
    pub(crate) group: Option<String>,
}

/// The applications, channels and operations of a board.
pub(crate) struct Api<'m> {
    /// Every application on the board, in id order.
    pub(crate) apps: Vec<&'m Element>,
    /// Channels by key, in key order.
    pub(crate) channels: BTreeMap<String, Channel<'m>>,
    /// Operations in flow order.
    pub(crate) operations: Vec<Operation<'m>>,
    /// Object keys of elements: the id, with `~` (not allowed in AsyncAPI
    /// component keys) written `_`, and clashes numbered.
    keys: BTreeMap<&'m ElementId, String>,
}

impl<'m> Api<'m> {
    /// Reads the board's flows.
    pub(crate) fn of(model: &'m Model) -> Self {
        let mut api = Api {
            apps: model
                .elements()
                .filter(|e| is_application(e.kind))
                .collect(),
            channels: BTreeMap::new(),
            operations: Vec::new(),
            keys: object_keys(model),
        };
        let flows = model.sorted_flows();
        let called: BTreeSet<&ElementId> = flows
            .iter()
            .filter(|f| f.kind == FlowKind::Call)
            .map(|f| &f.to)
            .collect();
        // Topics and what is published to them come first, so a topic with
        // no consumer still lists its messages.
        for flow in &flows {
            if flow.kind != FlowKind::PublishedTo {
                continue;
            }
            let (Some(event), Some(topic)) = (model.element(&flow.from), model.element(&flow.to))
            else {
                continue;
            };
            if event.kind == ElementKind::Event && topic.kind == ElementKind::Topic {
                api.channel(ChannelKind::Topic, topic).insert(&event.id);
            }
        }
        for element in model.elements().filter(|e| e.kind == ElementKind::Topic) {
            api.channel(ChannelKind::Topic, element);
        }
        for flow in &flows {
            let (Some(from), Some(to)) = (model.element(&flow.from), model.element(&flow.to))
            else {
                continue;
            };
            api.read_flow(model, flow, from, to, &called);
        }
        api
    }

    /// The object key of an element.
    pub(crate) fn key(&self, id: &ElementId) -> String {
        self.keys
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.as_str().replace('~', "_"))
    }

    /// The key of the endpoint channel of `app`: uppercase, which element
    /// ids never hold, so it cannot clash with an element's key.
    fn endpoint_key(&self, app: &ElementId) -> String {
        format!("{}.Requests", self.key(app))
    }

    /// The channel standing for `element`, made if new; returns its messages.
    fn channel(&mut self, kind: ChannelKind, element: &'m Element) -> &mut BTreeSet<&'m ElementId> {
        let key = if kind == ChannelKind::Endpoint {
            self.endpoint_key(&element.id)
        } else {
            self.key(&element.id)
        };
        &mut self
            .channels
            .entry(key)
            .or_insert_with(|| Channel {
                kind,
                element,
                messages: BTreeSet::new(),
            })
            .messages
    }

    /// The bus channel of a message type, holding that message.
    fn bus(&mut self, message: &'m Element) -> String {
        let kind = match message.kind {
            ElementKind::Command => ChannelKind::CommandBus,
            ElementKind::Query => ChannelKind::QueryBus,
            _ => ChannelKind::EventBus,
        };
        self.channel(kind, message).insert(&message.id);
        self.key(&message.id)
    }

    fn push(
        &mut self,
        app: &'m Element,
        action: Action,
        channel: String,
        flow: &'m Flow,
        reply: bool,
    ) {
        let messages = self
            .channels
            .get(&channel)
            .map(|c| c.messages.clone())
            .unwrap_or_default();
        let group = self
            .channels
            .get(&channel)
            .filter(|c| c.kind == ChannelKind::Topic && action == Action::Receive)
            .map(|_| {
                app.service_or_default()
                    .group
                    .unwrap_or_else(|| app.id.0.clone())
            });
        self.operations.push(Operation {
            app,
            action,
            channel,
            messages,
            reply,
            flow,
            group,
        });
    }

    fn read_flow(
        &mut self,
        model: &'m Model,
        flow: &'m Flow,
        from: &'m Element,
        to: &'m Element,
        called: &BTreeSet<&ElementId>,
    ) {
        let app_from = is_application(from.kind);
        let app_to = is_application(to.kind);
        // A message waits for a reply when it is a query or something calls it.
        let replies =
            |message: &Element| message.kind == ElementKind::Query || called.contains(&message.id);
        match flow.kind {
            FlowKind::Issues | FlowKind::Triggers if app_from && is_message(to.kind) => {
                let channel = self.bus(to);
                self.push(
                    from,
                    Action::Send,
                    channel,
                    flow,
                    to.kind == ElementKind::Query,
                );
            }
            FlowKind::HandledBy | FlowKind::Reads if app_to && is_message(from.kind) => {
                let channel = self.bus(from);
                let reply = replies(from);
                self.push(to, Action::Receive, channel, flow, reply);
            }
            FlowKind::Emits if app_from && to.kind == ElementKind::Event => {
                let topics: Vec<&'m Element> = model
                    .outgoing(&to.id)
                    .into_iter()
                    .filter(|f| f.kind == FlowKind::PublishedTo)
                    .filter_map(|f| model.element(&f.to))
                    .filter(|t| t.kind == ElementKind::Topic)
                    .collect();
                let on_bus = model.outgoing(&to.id).iter().any(|f| {
                    matches!(
                        f.kind,
                        FlowKind::ConsumedBy | FlowKind::Updates | FlowKind::Webhook
                    )
                });
                for topic in &topics {
                    let channel = self.key(&topic.id);
                    self.push(from, Action::Send, channel, flow, false);
                    // Only this event, not everything else on the topic.
                    if let Some(op) = self.operations.last_mut() {
                        op.messages = BTreeSet::from([&to.id]);
                    }
                }
                if on_bus || topics.is_empty() {
                    let channel = self.bus(to);
                    self.push(from, Action::Send, channel, flow, false);
                }
            }
            FlowKind::ConsumedBy if app_to && from.kind == ElementKind::Topic => {
                let channel = self.key(&from.id);
                self.push(to, Action::Receive, channel, flow, false);
            }
            FlowKind::ConsumedBy | FlowKind::Updates | FlowKind::Webhook
                if app_to && from.kind == ElementKind::Event =>
            {
                let channel = self.bus(from);
                self.push(
                    to,
                    Action::Receive,
                    channel,
                    flow,
                    flow.kind == FlowKind::Webhook,
                );
            }
            FlowKind::Call if is_message(to.kind) => {
                let channel = self.bus(to);
                if app_from {
                    self.push(from, Action::Send, channel, flow, true);
                }
            }
            FlowKind::Call if app_to => {
                self.channel(ChannelKind::Endpoint, to);
                let channel = self.endpoint_key(&to.id);
                if app_from {
                    self.push(from, Action::Send, channel.clone(), flow, true);
                }
                self.push(to, Action::Receive, channel, flow, true);
            }
            _ => {}
        }
    }
}

/// Object keys for every element: ids are already `[a-z0-9-_.~]`; `~`
/// becomes `_`, and a key already taken gets `_2`, `_3`, ... in id order.
fn object_keys(model: &Model) -> BTreeMap<&ElementId, String> {
    let mut used = BTreeSet::new();
    let mut keys = BTreeMap::new();
    for element in model.elements() {
        let base = element.id.as_str().replace('~', "_");
        let mut key = base.clone();
        let mut n = 2;
        while used.contains(&key) {
            key = format!("{base}_{n}");
            n += 1;
        }
        used.insert(key.clone());
        keys.insert(&element.id, key);
    }
    keys
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
    fn an_emitted_event_is_sent_to_its_topic_and_the_topic_is_received_in_a_group() {
        let model = shop();
        let api = Api::of(&model);
        let send = api
            .operations
            .iter()
            .find(|op| {
                op.app.id.as_str() == "order" && op.action == Action::Send && op.channel == "orders"
            })
            .expect("order sends to orders");
        assert_eq!(
            send.messages.iter().map(|m| m.as_str()).collect::<Vec<_>>(),
            ["order-placed"]
        );
        let receive = api
            .operations
            .iter()
            .find(|op| op.app.id.as_str() == "shipping" && op.channel == "orders")
            .expect("shipping reads orders");
        assert_eq!(receive.action, Action::Receive);
        assert!(receive.group.is_some());
        assert_eq!(api.channels["orders"].kind, ChannelKind::Topic);
    }

    #[test]
    fn ids_with_a_tilde_get_distinct_keys() {
        let mut model = Model::new("t");
        for id in ["a~b", "a_b"] {
            model
                .add_element(Element::new(
                    id,
                    ElementKind::Topic,
                    id,
                    crate::model::Pos::default(),
                ))
                .expect("fresh");
        }
        let api = Api::of(&model);
        let keys: BTreeSet<String> = model.ids().map(|id| api.key(id)).collect();
        assert_eq!(keys.len(), 2);
        assert!(keys.iter().all(|k| !k.contains('~')));
    }
}
