//! The board's vocabulary: element kinds (the sticky legend), flow kinds
//! (the arrows), and the one table that says which flow may join which kinds.

use serde::{Deserialize, Serialize};

/// What a sticky is, per the event-storming legend (DESIGN.md section 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ElementKind {
    /// Domain event: a fact, in the past tense (orange).
    Event,
    /// Command: an intention with exactly one handler (blue).
    Command,
    /// Query: a question with exactly one handler that returns data (green-blue).
    Query,
    /// Actor: a person or role (small yellow).
    Actor,
    /// Aggregate or system: handles commands and emits events (large pale yellow).
    Aggregate,
    /// Policy: "whenever *event*, then *command*" (lilac).
    Policy,
    /// Read model: a view built from events that serves queries (green).
    ReadModel,
    /// External system outside the boundary (pink).
    ExternalSystem,
    /// Hotspot: a question, risk or conflict (red, tilted).
    Hotspot,
    /// Opportunity: an idea worth pursuing (bright green, tilted).
    Opportunity,
    /// Topic: a named, partitioned, append-only log on the broker (grey pipe).
    Topic,
    /// Processor: a stream processor with an operator (slate).
    Processor,
    /// Bounded context or service: a frame grouping elements one team owns.
    /// (Files written before it had its full name say `Context`.)
    #[serde(alias = "Context")]
    BoundedContext,
    /// Swimlane: a horizontal frame for one actor, team or flow.
    Swimlane,
}

impl ElementKind {
    /// Every kind, in legend order.
    pub const ALL: [ElementKind; 14] = [
        ElementKind::Event,
        ElementKind::Command,
        ElementKind::Query,
        ElementKind::Actor,
        ElementKind::Aggregate,
        ElementKind::Policy,
        ElementKind::ReadModel,
        ElementKind::ExternalSystem,
        ElementKind::Hotspot,
        ElementKind::Opportunity,
        ElementKind::Topic,
        ElementKind::Processor,
        ElementKind::BoundedContext,
        ElementKind::Swimlane,
    ];

    /// The name a workshop uses for this kind ("domain event", "read model").
    pub fn label(self) -> &'static str {
        match self {
            ElementKind::Event => "domain event",
            ElementKind::Command => "command",
            ElementKind::Query => "query",
            ElementKind::Actor => "actor",
            ElementKind::Aggregate => "aggregate",
            ElementKind::Policy => "policy",
            ElementKind::ReadModel => "read model",
            ElementKind::ExternalSystem => "external system",
            ElementKind::Hotspot => "hotspot",
            ElementKind::Opportunity => "opportunity",
            ElementKind::Topic => "topic",
            ElementKind::Processor => "processor",
            ElementKind::BoundedContext => "bounded context",
            ElementKind::Swimlane => "swimlane",
        }
    }

    /// The legend colour as sRGB, so a printed legend and the screen agree.
    pub fn legend_rgb(self) -> [u8; 3] {
        match self {
            ElementKind::Event => [0xFF, 0x9F, 0x43],
            ElementKind::Command => [0x6C, 0xB4, 0xEE],
            ElementKind::Query => [0x5F, 0xC9, 0xC4],
            ElementKind::Actor => [0xFF, 0xE0, 0x66],
            ElementKind::Aggregate => [0xFF, 0xF3, 0xB0],
            ElementKind::Policy => [0xC3, 0xA6, 0xE8],
            ElementKind::ReadModel => [0x8B, 0xD1, 0x7C],
            ElementKind::ExternalSystem => [0xF4, 0xA6, 0xC8],
            ElementKind::Hotspot => [0xE8, 0x3F, 0x6F],
            ElementKind::Opportunity => [0x3D, 0xDC, 0x84],
            ElementKind::Topic => [0x9A, 0xA1, 0xAB],
            ElementKind::Processor => [0x70, 0x80, 0x98],
            ElementKind::BoundedContext => [0xB8, 0xC4, 0xD6],
            ElementKind::Swimlane => [0xD9, 0xD4, 0xC7],
        }
    }

    /// The size a new sticky of this kind gets, in board units.
    pub fn default_size(self) -> (u32, u32) {
        match self {
            ElementKind::Actor => (110, 80),
            ElementKind::Aggregate => (200, 150),
            ElementKind::Topic => (240, 70),
            ElementKind::BoundedContext => (900, 500),
            ElementKind::Swimlane => (1600, 260),
            ElementKind::Hotspot | ElementKind::Opportunity => (150, 110),
            _ => (160, 110),
        }
    }

    /// Frames group other stickies; they are drawn behind them and take no flows.
    pub fn is_frame(self) -> bool {
        matches!(self, ElementKind::BoundedContext | ElementKind::Swimlane)
    }

    /// Notes that are workshop annotations, not parts of the running model.
    pub fn is_annotation(self) -> bool {
        matches!(self, ElementKind::Hotspot | ElementKind::Opportunity) || self.is_frame()
    }

    /// Kinds that can do work in a run: they get service parameters.
    pub fn is_service(self) -> bool {
        matches!(
            self,
            ElementKind::Aggregate
                | ElementKind::Policy
                | ElementKind::ReadModel
                | ElementKind::ExternalSystem
                | ElementKind::Processor
        )
    }

    /// Kinds that generate load in a run: they get a workload.
    pub fn is_source(self) -> bool {
        matches!(self, ElementKind::Actor | ElementKind::ExternalSystem)
    }
}

/// What an arrow means (DESIGN.md section 2, "Flows between them").
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum FlowKind {
    /// An actor or external system issues a command or query.
    Issues,
    /// A command or query is handled by an aggregate or service.
    HandledBy,
    /// An aggregate, policy, processor or external system emits an event.
    Emits,
    /// An event is published to a topic.
    PublishedTo,
    /// A topic (or an event on the in-memory bus) is consumed by a reactor.
    ConsumedBy,
    /// A policy triggers a command.
    Triggers,
    /// An event updates a read model.
    Updates,
    /// A query reads a read model.
    Reads,
    /// A synchronous request/response between two elements (event-command, REST).
    Call,
    /// An HTTP callback from an event's emitter to a registered subscriber.
    Webhook,
}

impl FlowKind {
    /// Every flow kind, in the order inference tries them.
    pub const ALL: [FlowKind; 10] = [
        FlowKind::Issues,
        FlowKind::HandledBy,
        FlowKind::Emits,
        FlowKind::PublishedTo,
        FlowKind::Updates,
        FlowKind::Reads,
        FlowKind::Triggers,
        FlowKind::ConsumedBy,
        FlowKind::Call,
        FlowKind::Webhook,
    ];

    /// The words an arrow is read with ("published to").
    pub fn label(self) -> &'static str {
        match self {
            FlowKind::Issues => "issues",
            FlowKind::HandledBy => "handled by",
            FlowKind::Emits => "emits",
            FlowKind::PublishedTo => "published to",
            FlowKind::ConsumedBy => "consumed by",
            FlowKind::Triggers => "triggers",
            FlowKind::Updates => "updates",
            FlowKind::Reads => "reads",
            FlowKind::Call => "call",
            FlowKind::Webhook => "webhook",
        }
    }

    /// Whether the source waits for the target (a synchronous coupling).
    pub fn is_synchronous(self) -> bool {
        matches!(self, FlowKind::Call | FlowKind::Webhook)
    }
}

use ElementKind as K;

/// One row of the connection table: a flow kind and the kinds it may join.
struct FlowRule {
    kind: FlowKind,
    from: &'static [ElementKind],
    to: &'static [ElementKind],
}

/// Which flow kinds are allowed between which element kinds. The checks and
/// the board's connection tool both read this one table; rows are in
/// inference order (the first row that fits two kinds is the inferred flow).
const FLOW_RULES: &[FlowRule] = &[
    FlowRule {
        kind: FlowKind::Issues,
        from: &[K::Actor, K::ExternalSystem],
        to: &[K::Command, K::Query],
    },
    FlowRule {
        kind: FlowKind::HandledBy,
        from: &[K::Command, K::Query],
        to: &[K::Aggregate, K::ExternalSystem],
    },
    FlowRule {
        kind: FlowKind::Emits,
        from: &[K::Aggregate, K::Policy, K::Processor, K::ExternalSystem],
        to: &[K::Event],
    },
    FlowRule {
        kind: FlowKind::PublishedTo,
        from: &[K::Event],
        to: &[K::Topic],
    },
    FlowRule {
        kind: FlowKind::Updates,
        from: &[K::Event],
        to: &[K::ReadModel],
    },
    FlowRule {
        kind: FlowKind::Reads,
        from: &[K::Query],
        to: &[K::ReadModel],
    },
    FlowRule {
        kind: FlowKind::Triggers,
        from: &[K::Policy],
        to: &[K::Command],
    },
    FlowRule {
        kind: FlowKind::ConsumedBy,
        from: &[K::Topic, K::Event],
        to: &[
            K::Policy,
            K::Processor,
            K::ReadModel,
            K::Aggregate,
            K::ExternalSystem,
        ],
    },
    FlowRule {
        kind: FlowKind::Call,
        from: &[
            K::Actor,
            K::Aggregate,
            K::Policy,
            K::Processor,
            K::ExternalSystem,
            K::ReadModel,
        ],
        to: &[
            K::Command,
            K::Query,
            K::Aggregate,
            K::ExternalSystem,
            K::ReadModel,
        ],
    },
    FlowRule {
        kind: FlowKind::Webhook,
        from: &[K::Event],
        to: &[
            K::Aggregate,
            K::ExternalSystem,
            K::Policy,
            K::Processor,
            K::ReadModel,
        ],
    },
];

/// Whether a flow of `kind` may go from a `from` sticky to a `to` sticky.
pub fn flow_allowed(kind: FlowKind, from: ElementKind, to: ElementKind) -> bool {
    FLOW_RULES
        .iter()
        .any(|rule| rule.kind == kind && rule.from.contains(&from) && rule.to.contains(&to))
}

/// Every flow kind allowed from `from` to `to`, in inference order.
pub fn allowed_flows(from: ElementKind, to: ElementKind) -> Vec<FlowKind> {
    FLOW_RULES
        .iter()
        .filter(|rule| rule.from.contains(&from) && rule.to.contains(&to))
        .map(|rule| rule.kind)
        .collect()
}

/// The flow a user most likely means when joining `from` to `to`, or the
/// reason no flow can join them (written for the person holding the mouse).
pub fn infer_flow(from: ElementKind, to: ElementKind) -> Result<FlowKind, String> {
    allowed_flows(from, to)
        .first()
        .copied()
        .ok_or_else(|| refusal_reason(from, to))
}

/// Why no flow joins a `from` sticky to a `to` sticky, with what to do instead.
pub fn refusal_reason(from: ElementKind, to: ElementKind) -> String {
    let hint = match (from, to) {
        (K::Event, K::Command) => {
            "put a policy between them: whenever the event happens, the policy triggers the command"
        }
        (K::Command, K::Event) => {
            "a command is handled by an aggregate, and the aggregate emits the event"
        }
        (K::Actor, K::Event) => {
            "an actor issues a command; an aggregate handling it emits the event"
        }
        (K::Command, K::Command) => {
            "a command is handled by one aggregate; chain them with events and policies"
        }
        (K::Event, K::Event) => {
            "events do not cause events directly; a policy or processor reacts to one and leads to the next"
        }
        (K::Topic, K::Topic) => "put a processor between the topics",
        (K::Topic, K::Event) | (K::Topic, K::Command) => {
            "a topic is consumed by a policy, processor, read model or service"
        }
        _ if from.is_annotation() || to.is_annotation() => {
            "hotspots, opportunities and frames are annotations and take no flows"
        }
        _ => "",
    };
    let mut reason = format!(
        "{} {} cannot connect to {} {}",
        article(from.label()),
        from.label(),
        article(to.label()),
        to.label()
    );
    if hint.is_empty() {
        let allowed: Vec<String> = ElementKind::ALL
            .iter()
            .filter(|target| !allowed_flows(from, **target).is_empty())
            .map(|target| target.label().to_string())
            .collect();
        if allowed.is_empty() {
            reason.push_str(&format!("; {} takes no outgoing flows", from.label()));
        } else {
            reason.push_str(&format!(
                "; from {} {} you can connect to: {}",
                article(from.label()),
                from.label(),
                allowed.join(", ")
            ));
        }
    } else {
        reason.push_str(": ");
        reason.push_str(hint);
    }
    reason
}

fn article(word: &str) -> &'static str {
    match word.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
        _ => "a",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inference_follows_the_legend() {
        assert_eq!(infer_flow(K::Actor, K::Command), Ok(FlowKind::Issues));
        assert_eq!(
            infer_flow(K::Command, K::Aggregate),
            Ok(FlowKind::HandledBy)
        );
        assert_eq!(infer_flow(K::Aggregate, K::Event), Ok(FlowKind::Emits));
        assert_eq!(infer_flow(K::Event, K::Topic), Ok(FlowKind::PublishedTo));
        assert_eq!(infer_flow(K::Topic, K::Policy), Ok(FlowKind::ConsumedBy));
        assert_eq!(infer_flow(K::Policy, K::Command), Ok(FlowKind::Triggers));
        assert_eq!(infer_flow(K::Event, K::ReadModel), Ok(FlowKind::Updates));
        assert_eq!(infer_flow(K::Query, K::ReadModel), Ok(FlowKind::Reads));
        assert_eq!(infer_flow(K::Aggregate, K::Aggregate), Ok(FlowKind::Call));
    }

    #[test]
    fn event_to_command_is_refused_with_the_policy_hint() {
        let reason = infer_flow(K::Event, K::Command).unwrap_err();
        assert!(reason.contains("policy"), "{reason}");
        assert!(
            reason.starts_with("a domain event cannot connect to a command"),
            "{reason}"
        );
    }

    #[test]
    fn annotations_take_no_flows() {
        for kind in ElementKind::ALL {
            assert!(allowed_flows(K::Hotspot, kind).is_empty());
            assert!(allowed_flows(kind, K::BoundedContext).is_empty());
        }
    }
}
