//! The model: stickies (elements) and arrows (flows) on a petgraph graph,
//! addressed by stable, human-readable ids.

mod kind;
mod params;

use std::collections::BTreeMap;
use std::fmt;

use petgraph::stable_graph::{EdgeIndex, NodeIndex, StableDiGraph};
use petgraph::visit::EdgeRef;
use serde::{Deserialize, Serialize};

pub use kind::{ElementKind, FlowKind, allowed_flows, flow_allowed, infer_flow, refusal_reason};
pub use params::*;

/// A stable, human-readable element id (`order-placed`): what files, flows,
/// checks and traces use to name an element. Graph indices never leave the model.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ElementId(pub String);

impl ElementId {
    /// Wraps a string without checking it; see [`ElementId::validate`].
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Why this id is not a valid element id, if it is not: 1 to 64 of
    /// `a-z 0-9 - _ . ~`, starting with a letter or digit.
    pub fn validate(&self) -> Result<(), String> {
        let id = self.0.as_str();
        if id.is_empty() {
            return Err("an element id cannot be empty".into());
        }
        if id.len() > MAX_ID_LEN {
            return Err(format!(
                "element id `{}...` is longer than {MAX_ID_LEN} characters",
                &id[..id.char_indices().nth(24).map_or(id.len(), |(i, _)| i)]
            ));
        }
        let valid_char =
            |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.~".contains(c);
        if let Some(bad) = id.chars().find(|c| !valid_char(*c)) {
            return Err(format!(
                "element id `{id}` contains `{bad}`: ids use lowercase letters, digits and - _ . ~"
            ));
        }
        if !id.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return Err(format!(
                "element id `{id}` must start with a letter or a digit"
            ));
        }
        Ok(())
    }

    /// A readable id made from a sticky's name: "Order Placed" -> `order-placed`.
    pub fn slug(name: &str) -> Self {
        let mut slug = String::new();
        for c in name.chars() {
            if c.is_ascii_alphanumeric() {
                slug.push(c.to_ascii_lowercase());
            } else if !slug.is_empty() && !slug.ends_with('-') {
                slug.push('-');
            }
            if slug.len() >= MAX_ID_LEN - 6 {
                break;
            }
        }
        while slug.ends_with('-') {
            slug.pop();
        }
        Self(slug)
    }
}

impl fmt::Display for ElementId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for ElementId {
    fn from(id: &str) -> Self {
        Self(id.to_string())
    }
}

/// The longest element id.
pub const MAX_ID_LEN: usize = 64;

/// A point on the board, in board units (not screen pixels).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Pos {
    /// Left edge.
    pub x: i32,
    /// Top edge.
    pub y: i32,
}

/// A sticky's size in board units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Size {
    /// Width.
    pub w: u32,
    /// Height.
    pub h: u32,
}

/// The workshop level a board is drawn at; it picks what the palette offers.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub enum Level {
    /// Big Picture: events on a timeline, actors, systems, hotspots.
    BigPicture,
    /// Process modelling: adds commands, policies, read models.
    Process,
    /// Software design: adds aggregates, queries, topics, processors, contexts.
    #[default]
    Design,
}

impl Level {
    /// Every level, coarsest first.
    pub const ALL: [Level; 3] = [Level::BigPicture, Level::Process, Level::Design];

    /// The level's name.
    pub fn label(self) -> &'static str {
        match self {
            Level::BigPicture => "Big Picture",
            Level::Process => "Process",
            Level::Design => "Design",
        }
    }

    /// Whether a kind is offered at this level.
    pub fn offers(self, kind: ElementKind) -> bool {
        use ElementKind as K;
        let big_picture = matches!(
            kind,
            K::Event | K::Actor | K::ExternalSystem | K::Hotspot | K::Opportunity | K::Swimlane
        );
        let process = matches!(kind, K::Command | K::Policy | K::ReadModel);
        match self {
            Level::BigPicture => big_picture,
            Level::Process => big_picture || process,
            Level::Design => true,
        }
    }
}

/// A sticky on the board.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Element {
    /// Stable id.
    pub id: ElementId,
    /// What it is.
    pub kind: ElementKind,
    /// The text on the sticky.
    pub name: String,
    /// Free notes (what to try, open questions).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub notes: String,
    /// Top-left corner on the board.
    pub pos: Pos,
    /// Size (none: the kind's default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<Size>,
    /// Colour override as `#rrggbb` (none: the legend colour).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// A pivotal event: a turning point of the timeline (Big Picture).
    #[serde(default, skip_serializing_if = "is_false")]
    pub pivotal: bool,
    /// A hotspot that the workshop has answered.
    #[serde(default, skip_serializing_if = "is_false")]
    pub resolved: bool,
    /// Load generated by a source (actor, external system).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload: Option<Workload>,
    /// How it processes messages (none: the defaults).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<Service>,
    /// Broker settings of a topic (none: the defaults).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<TopicSpec>,
    /// Operator of a processor (none: map).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processor: Option<ProcessorSpec>,
    /// Message pattern of an event (none: event-carried state).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<EventSpec>,
}

fn is_false(value: &bool) -> bool {
    !*value
}

impl Element {
    /// A new sticky with default parameters.
    pub fn new(
        id: impl Into<String>,
        kind: ElementKind,
        name: impl Into<String>,
        pos: Pos,
    ) -> Self {
        Self {
            id: ElementId::new(id),
            kind,
            name: name.into(),
            notes: String::new(),
            pos,
            size: None,
            color: None,
            pivotal: false,
            resolved: false,
            workload: None,
            service: None,
            topic: None,
            processor: None,
            event: None,
        }
    }

    /// The size drawn on the board.
    pub fn size_or_default(&self) -> Size {
        self.size.unwrap_or_else(|| {
            let (w, h) = self.kind.default_size();
            Size { w, h }
        })
    }

    /// The service parameters in effect (explicit or default).
    pub fn service_or_default(&self) -> Service {
        self.service.clone().unwrap_or_default()
    }

    /// The topic settings in effect.
    pub fn topic_or_default(&self) -> TopicSpec {
        self.topic.clone().unwrap_or_default()
    }

    /// The event settings in effect.
    pub fn event_or_default(&self) -> EventSpec {
        self.event.clone().unwrap_or_default()
    }

    /// The processor operator in effect.
    pub fn operator(&self) -> Operator {
        self.processor.clone().unwrap_or_default().operator
    }

    /// The colour drawn: the override if it parses, else the legend colour.
    pub fn rgb(&self) -> [u8; 3] {
        self.color
            .as_deref()
            .and_then(parse_hex_color)
            .unwrap_or_else(|| self.kind.legend_rgb())
    }
}

/// Parses `#rrggbb` into sRGB bytes.
pub fn parse_hex_color(text: &str) -> Option<[u8; 3]> {
    let hex = text.strip_prefix('#')?;
    if hex.len() != 6 || !hex.is_ascii() {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some([byte(0)?, byte(2)?, byte(4)?])
}

/// An arrow between two stickies.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flow {
    /// Where it starts.
    pub from: ElementId,
    /// Where it ends.
    pub to: ElementId,
    /// What it means.
    pub kind: FlowKind,
    /// For an emits, triggers or call flow: the incoming message types whose
    /// handling uses this flow (empty: every message the source handles).
    /// Naming the source itself limits the flow to the source's own workload
    /// arrivals: a sender that also consumes then never sends in reaction.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub on: Vec<ElementId>,
}

impl Flow {
    /// A flow without an `on` filter.
    pub fn new(from: impl Into<String>, to: impl Into<String>, kind: FlowKind) -> Self {
        Self {
            from: ElementId::new(from),
            to: ElementId::new(to),
            kind,
            on: Vec::new(),
        }
    }

    /// The key a flow is identified and sorted by.
    pub fn key(&self) -> FlowKey {
        FlowKey {
            from: self.from.clone(),
            to: self.to.clone(),
            kind: self.kind,
        }
    }
}

impl fmt::Display for Flow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} -[{}]-> {}", self.from, self.kind.label(), self.to)
    }
}

/// Identifies a flow: its ends and its kind.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct FlowKey {
    /// Where it starts.
    pub from: ElementId,
    /// Where it ends.
    pub to: ElementId,
    /// What it means.
    pub kind: FlowKind,
}

impl fmt::Display for FlowKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} -[{}]-> {}", self.from, self.kind.label(), self.to)
    }
}

/// Why an edit was refused; the message is written for the user.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// The id is already used.
    #[error("an element with id `{0}` already exists")]
    DuplicateId(ElementId),
    /// The id is not well-formed.
    #[error("{0}")]
    InvalidId(String),
    /// No element has that id.
    #[error("no element has id `{0}`")]
    UnknownElement(ElementId),
    /// The same flow already exists.
    #[error("{0} already exists")]
    DuplicateFlow(FlowKey),
    /// The rule table forbids this flow.
    #[error("{0}")]
    FlowNotAllowed(String),
    /// No such flow.
    #[error("there is no flow {0}")]
    UnknownFlow(FlowKey),
}

/// The whole board: a directed graph of elements joined by flows, plus the
/// settings and schedules a run needs. Elements are addressed by [`ElementId`].
#[derive(Clone, Debug, Default)]
pub struct Model {
    /// The board's title.
    pub name: String,
    /// What the board is about and what to try with it.
    pub notes: String,
    /// The workshop level it is drawn at.
    pub level: Level,
    /// Seed, horizon and trace settings of a run.
    pub run: RunSettings,
    /// Faults and load changes scheduled during a run, in time order.
    pub faults: Vec<Fault>,
    /// A guided tour's steps.
    pub tour: Vec<TourStep>,
    graph: StableDiGraph<Element, Flow>,
    index: BTreeMap<ElementId, NodeIndex>,
}

impl PartialEq for Model {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.notes == other.notes
            && self.level == other.level
            && self.run == other.run
            && self.faults == other.faults
            && self.tour == other.tour
            && self.elements().eq(other.elements())
            && self.sorted_flows() == other.sorted_flows()
    }
}

impl Model {
    /// An empty board with a name.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// Number of elements.
    pub fn element_count(&self) -> usize {
        self.index.len()
    }

    /// Number of flows.
    pub fn flow_count(&self) -> usize {
        self.graph.edge_count()
    }

    /// Elements in id order.
    pub fn elements(&self) -> impl Iterator<Item = &Element> + '_ {
        self.index.values().map(|node| &self.graph[*node])
    }

    /// Element ids in order.
    pub fn ids(&self) -> impl Iterator<Item = &ElementId> + '_ {
        self.index.keys()
    }

    /// The element with this id.
    pub fn element(&self, id: &ElementId) -> Option<&Element> {
        self.index.get(id).map(|node| &self.graph[*node])
    }

    /// The element with this id, to change its name, position or parameters.
    /// Its id and kind are changed through [`Model::set_kind`] and friends only
    /// in ways that keep the index right: do not change `id` through this.
    pub fn element_mut(&mut self, id: &ElementId) -> Option<&mut Element> {
        let node = *self.index.get(id)?;
        Some(&mut self.graph[node])
    }

    /// Whether an element has this id.
    pub fn contains(&self, id: &ElementId) -> bool {
        self.index.contains_key(id)
    }

    /// Every flow in graph order (use [`Model::sorted_flows`] for output).
    pub fn flows(&self) -> impl Iterator<Item = &Flow> + '_ {
        self.graph.edge_weights()
    }

    /// Every flow, sorted by (from, to, kind): the order files and lists use.
    pub fn sorted_flows(&self) -> Vec<&Flow> {
        let mut flows: Vec<&Flow> = self.graph.edge_weights().collect();
        flows.sort_by(|a, b| (&a.from, &a.to, a.kind, &a.on).cmp(&(&b.from, &b.to, b.kind, &b.on)));
        flows
    }

    /// The flow with this key.
    pub fn flow(&self, key: &FlowKey) -> Option<&Flow> {
        self.edge_of(key).map(|edge| &self.graph[edge])
    }

    /// The flow with this key, to change its `on` filter.
    pub fn flow_mut(&mut self, key: &FlowKey) -> Option<&mut Flow> {
        let edge = self.edge_of(key)?;
        Some(&mut self.graph[edge])
    }

    /// Flows that leave `id`, in target-id order.
    pub fn outgoing(&self, id: &ElementId) -> Vec<&Flow> {
        self.adjacent(id, petgraph::Direction::Outgoing)
    }

    /// Flows that arrive at `id`, in source-id order.
    pub fn incoming(&self, id: &ElementId) -> Vec<&Flow> {
        self.adjacent(id, petgraph::Direction::Incoming)
    }

    fn adjacent(&self, id: &ElementId, direction: petgraph::Direction) -> Vec<&Flow> {
        let Some(node) = self.index.get(id) else {
            return Vec::new();
        };
        let mut flows: Vec<&Flow> = self
            .graph
            .edges_directed(*node, direction)
            .map(|edge| edge.weight())
            .collect();
        flows.sort_by(|a, b| (&a.from, &a.to, a.kind).cmp(&(&b.from, &b.to, b.kind)));
        flows
    }

    /// The graph, for algorithms (cycles, layout). Node weights carry ids.
    pub fn graph(&self) -> &StableDiGraph<Element, Flow> {
        &self.graph
    }

    /// The graph node of an element, for algorithms over [`Model::graph`].
    pub fn node(&self, id: &ElementId) -> Option<NodeIndex> {
        self.index.get(id).copied()
    }

    /// Adds an element; refuses a malformed or already used id.
    pub fn add_element(&mut self, element: Element) -> Result<(), EditError> {
        element.id.validate().map_err(EditError::InvalidId)?;
        if self.index.contains_key(&element.id) {
            return Err(EditError::DuplicateId(element.id));
        }
        let id = element.id.clone();
        let node = self.graph.add_node(element);
        self.index.insert(id, node);
        Ok(())
    }

    /// Removes an element and every flow touching it; returns both so an undo
    /// can put them back.
    pub fn remove_element(&mut self, id: &ElementId) -> Result<(Element, Vec<Flow>), EditError> {
        let node = self
            .index
            .remove(id)
            .ok_or_else(|| EditError::UnknownElement(id.clone()))?;
        let edges: Vec<EdgeIndex> = self
            .graph
            .edges_directed(node, petgraph::Direction::Outgoing)
            .chain(
                self.graph
                    .edges_directed(node, petgraph::Direction::Incoming),
            )
            .map(|edge| edge.id())
            .collect();
        let mut flows = Vec::new();
        for edge in edges {
            if let Some(flow) = self.graph.remove_edge(edge) {
                flows.push(flow);
            }
        }
        let element = self
            .graph
            .remove_node(node)
            .ok_or_else(|| EditError::UnknownElement(id.clone()))?;
        Ok((element, flows))
    }

    /// Connects two elements; refuses unknown ends, a duplicate and any flow
    /// the rule table forbids (with the reason a user can act on).
    pub fn connect(&mut self, flow: Flow) -> Result<(), EditError> {
        let (from, to) = self.ends(&flow)?;
        let (from_kind, to_kind) = (self.graph[from].kind, self.graph[to].kind);
        if !flow_allowed(flow.kind, from_kind, to_kind) {
            let reason = if allowed_flows(from_kind, to_kind).is_empty() {
                refusal_reason(from_kind, to_kind)
            } else {
                format!(
                    "a {} flow cannot go from a {} to a {}; allowed here: {}",
                    flow.kind.label(),
                    from_kind.label(),
                    to_kind.label(),
                    allowed_flows(from_kind, to_kind)
                        .iter()
                        .map(|kind| kind.label())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            return Err(EditError::FlowNotAllowed(reason));
        }
        if self.edge_of(&flow.key()).is_some() {
            return Err(EditError::DuplicateFlow(flow.key()));
        }
        self.graph.add_edge(from, to, flow);
        Ok(())
    }

    /// Adds a flow without consulting the rule table or looking for
    /// duplicates: what a file says is kept so the checks can report it.
    /// Only the ends must exist.
    pub fn insert_flow_unchecked(&mut self, flow: Flow) -> Result<(), EditError> {
        let (from, to) = self.ends(&flow)?;
        self.graph.add_edge(from, to, flow);
        Ok(())
    }

    /// Removes a flow.
    pub fn disconnect(&mut self, key: &FlowKey) -> Result<Flow, EditError> {
        let edge = self
            .edge_of(key)
            .ok_or_else(|| EditError::UnknownFlow(key.clone()))?;
        self.graph
            .remove_edge(edge)
            .ok_or_else(|| EditError::UnknownFlow(key.clone()))
    }

    /// Changes a sticky's kind; flows that no longer fit stay, and the checks
    /// report them.
    pub fn set_kind(&mut self, id: &ElementId, kind: ElementKind) -> Result<(), EditError> {
        let element = self
            .element_mut(id)
            .ok_or_else(|| EditError::UnknownElement(id.clone()))?;
        element.kind = kind;
        Ok(())
    }

    /// An id not yet used, made from `name` (`order-placed`, `order-placed-2`, ...).
    pub fn fresh_id(&self, name: &str, kind: ElementKind) -> ElementId {
        let mut base = ElementId::slug(name).0;
        if base.is_empty() {
            base = ElementId::slug(kind.label()).0;
        }
        if !self.contains(&ElementId::new(base.clone())) {
            return ElementId::new(base);
        }
        (2u64..)
            .map(|n| ElementId::new(format!("{base}-{n}")))
            .find(|id| !self.contains(id))
            .unwrap_or_else(|| ElementId::new(base))
    }

    fn ends(&self, flow: &Flow) -> Result<(NodeIndex, NodeIndex), EditError> {
        let from = self
            .node(&flow.from)
            .ok_or_else(|| EditError::UnknownElement(flow.from.clone()))?;
        let to = self
            .node(&flow.to)
            .ok_or_else(|| EditError::UnknownElement(flow.to.clone()))?;
        Ok((from, to))
    }

    fn edge_of(&self, key: &FlowKey) -> Option<EdgeIndex> {
        let from = self.node(&key.from)?;
        let to = self.node(&key.to)?;
        self.graph
            .edges_connecting(from, to)
            .find(|edge| edge.weight().kind == key.kind)
            .map(|edge| edge.id())
    }

    /// The element kinds along a flow, if both ends exist.
    pub fn flow_kinds(&self, flow: &Flow) -> Option<(ElementKind, ElementKind)> {
        Some((self.element(&flow.from)?.kind, self.element(&flow.to)?.kind))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shop() -> Model {
        let mut model = Model::new("shop");
        for (id, kind) in [
            ("customer", ElementKind::Actor),
            ("place-order", ElementKind::Command),
            ("order", ElementKind::Aggregate),
            ("order-placed", ElementKind::Event),
        ] {
            model
                .add_element(Element::new(id, kind, id, Pos::default()))
                .expect("fresh id");
        }
        model
    }

    #[test]
    fn connect_refuses_a_forbidden_flow_with_a_reason() {
        let mut model = shop();
        let err = model
            .connect(Flow::new("order-placed", "place-order", FlowKind::Triggers))
            .unwrap_err();
        assert!(err.to_string().contains("policy"), "{err}");
    }

    #[test]
    fn connect_refuses_a_duplicate_flow() {
        let mut model = shop();
        let flow = Flow::new("customer", "place-order", FlowKind::Issues);
        model.connect(flow.clone()).expect("allowed");
        assert_eq!(
            model.connect(flow.clone()),
            Err(EditError::DuplicateFlow(flow.key()))
        );
    }

    #[test]
    fn removing_an_element_returns_its_flows() {
        let mut model = shop();
        model
            .connect(Flow::new("customer", "place-order", FlowKind::Issues))
            .expect("allowed");
        model
            .connect(Flow::new("place-order", "order", FlowKind::HandledBy))
            .expect("allowed");
        let (element, flows) = model.remove_element(&"place-order".into()).expect("exists");
        assert_eq!(element.kind, ElementKind::Command);
        assert_eq!(flows.len(), 2);
        assert_eq!(model.flow_count(), 0);
        assert!(model.outgoing(&"customer".into()).is_empty());
    }

    #[test]
    fn fresh_ids_are_slugs_made_unique() {
        let model = shop();
        assert_eq!(
            model.fresh_id("Order Placed!", ElementKind::Event).as_str(),
            "order-placed-2"
        );
        assert_eq!(
            model.fresh_id("Ship Order", ElementKind::Command).as_str(),
            "ship-order"
        );
        assert_eq!(
            model.fresh_id("???", ElementKind::ReadModel).as_str(),
            "read-model"
        );
    }

    #[test]
    fn malformed_ids_are_refused() {
        let mut model = shop();
        let err = model
            .add_element(Element::new(
                "Order Placed",
                ElementKind::Event,
                "x",
                Pos::default(),
            ))
            .unwrap_err();
        assert!(matches!(err, EditError::InvalidId(_)), "{err}");
    }
}
