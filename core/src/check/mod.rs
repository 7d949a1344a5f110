//! Checks (lints) over a model: the bus rules, the connection table, naming,
//! loops, and what a run needs. Each problem has a stable rule id, a
//! severity, the elements it concerns and a message that says what to do.
//!
//! Why this file is long (1,000 lines): it holds the rule table and the
//! rules that read the whole graph at once (bus, naming, flows), each a
//! short method beside its siblings so their messages stay consistent; the
//! loop and run-limit rules already live in `loops.rs` and `limits.rs`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

mod limits;
mod loops;

pub use limits::{
    MAX_BURST_AT_ONCE, MAX_SAMPLES_PER_RUN, MAX_TOTAL_RATE_PER_SEC, MIN_SAMPLE_EVERY_US,
};

use crate::model::{
    ElementId, ElementKind, FaultKind, FlowKind, Level, Model, OnExhausted, Operator, flow_allowed,
    refusal_reason,
};

/// How bad a problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The model is wrong: it cannot run as drawn.
    Error,
    /// Probably a mistake.
    Warning,
    /// Worth knowing.
    Info,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        })
    }
}

/// Every check, with its stable id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// A command has no handler, or more than one (command bus).
    CommandHandler,
    /// A query has no handler, or more than one (query bus).
    QueryHandler,
    /// A policy is fed by no event.
    PolicyUnfed,
    /// A policy triggers no command and emits no event.
    PolicyNoCommand,
    /// A flow joins kinds the connection table does not allow.
    FlowNotAllowed,
    /// Two elements had the same id in the file.
    DuplicateId,
    /// The same flow appears twice.
    DuplicateFlow,
    /// An event nobody consumes.
    EventUnconsumed,
    /// Policies that can trigger each other forever.
    PolicyCycle,
    /// An event name that is not in the past tense.
    EventName,
    /// A command name that is not imperative.
    CommandName,
    /// A hotspot not yet resolved.
    HotspotOpen,
    /// A dead-letter target that is not a topic.
    DeadLetterTarget,
    /// A join whose table is not a topic it reads.
    JoinTable,
    /// An `on` filter (of an emits, triggers or call flow) naming something
    /// the flow's source does not receive.
    EmitsOn,
    /// A workload with nowhere to send its messages, or a mix naming a non-target.
    WorkloadTarget,
    /// Two consumers of one topic share a consumer group.
    SharedGroup,
    /// A fault that does not apply to its element.
    FaultTarget,
    /// An enrich processor without a call to look up.
    EnrichCall,
    /// A loop that feeds itself without virtual time passing.
    ZeroTimeLoop,
    /// A loop that multiplies messages on every pass.
    MultiplyingLoop,
    /// A loop whose messages go round forever.
    EndlessLoop,
    /// Load or sampling beyond the documented limits, or a handler that
    /// fails every delivery.
    RunLimits,
    /// A topic nobody publishes to, or nobody consumes.
    TopicUnlinked,
}

impl Rule {
    /// Every rule.
    pub const ALL: [Rule; 24] = [
        Rule::CommandHandler,
        Rule::QueryHandler,
        Rule::PolicyUnfed,
        Rule::PolicyNoCommand,
        Rule::FlowNotAllowed,
        Rule::DuplicateId,
        Rule::DuplicateFlow,
        Rule::EventUnconsumed,
        Rule::PolicyCycle,
        Rule::EventName,
        Rule::CommandName,
        Rule::HotspotOpen,
        Rule::DeadLetterTarget,
        Rule::JoinTable,
        Rule::EmitsOn,
        Rule::WorkloadTarget,
        Rule::SharedGroup,
        Rule::FaultTarget,
        Rule::EnrichCall,
        Rule::ZeroTimeLoop,
        Rule::MultiplyingLoop,
        Rule::EndlessLoop,
        Rule::RunLimits,
        Rule::TopicUnlinked,
    ];

    /// The stable id printed as `SEVERITY[RULE-ID]`.
    pub fn id(self) -> &'static str {
        match self {
            Rule::CommandHandler => "command-handler",
            Rule::QueryHandler => "query-handler",
            Rule::PolicyUnfed => "policy-unfed",
            Rule::PolicyNoCommand => "policy-no-command",
            Rule::FlowNotAllowed => "flow-not-allowed",
            Rule::DuplicateId => "duplicate-id",
            Rule::DuplicateFlow => "duplicate-flow",
            Rule::EventUnconsumed => "event-unconsumed",
            Rule::PolicyCycle => "policy-cycle",
            Rule::EventName => "event-name",
            Rule::CommandName => "command-name",
            Rule::HotspotOpen => "hotspot-open",
            Rule::DeadLetterTarget => "dead-letter-target",
            Rule::JoinTable => "join-table",
            Rule::EmitsOn => "emits-on",
            Rule::WorkloadTarget => "workload-target",
            Rule::SharedGroup => "shared-group",
            Rule::FaultTarget => "fault-target",
            Rule::EnrichCall => "enrich-call",
            Rule::ZeroTimeLoop => "zero-time-loop",
            Rule::MultiplyingLoop => "multiplying-loop",
            Rule::EndlessLoop => "endless-loop",
            Rule::RunLimits => "run-limits",
            Rule::TopicUnlinked => "topic-unlinked",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// One thing the checks found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Which check.
    pub rule: Rule,
    /// How bad.
    pub severity: Severity,
    /// The elements concerned, the main one first.
    pub elements: Vec<ElementId>,
    /// What is wrong and what to do.
    pub message: String,
}

impl Problem {
    fn new(rule: Rule, severity: Severity, elements: Vec<ElementId>, message: String) -> Self {
        Self {
            rule,
            severity,
            elements,
            message,
        }
    }

    /// The element a problem is shown on.
    pub fn element(&self) -> Option<&ElementId> {
        self.elements.first()
    }
}

/// Whether any problem is an error.
pub fn has_errors(problems: &[Problem]) -> bool {
    problems.iter().any(|p| p.severity == Severity::Error)
}

/// Runs every check; problems come sorted by severity, element and rule.
pub fn check(model: &Model) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut ctx = Context::new(model);
    ctx.bus_rules(&mut problems);
    ctx.policies(&mut problems);
    ctx.flows(&mut problems);
    ctx.naming_and_annotations(&mut problems);
    ctx.unconsumed_events(&mut problems);
    ctx.unlinked_topics(&mut problems);
    ctx.policy_cycles(&mut problems);
    ctx.runaway_loops(&mut problems);
    ctx.run_parameters(&mut problems);
    ctx.run_limits(&mut problems);
    problems.sort_by(|a, b| {
        (a.severity, a.elements.first(), a.rule, &a.message).cmp(&(
            b.severity,
            b.elements.first(),
            b.rule,
            &b.message,
        ))
    });
    problems
}

struct Context<'m> {
    model: &'m Model,
    /// Outgoing flows per element, sorted; built once.
    out: BTreeMap<&'m ElementId, Vec<(FlowKind, &'m ElementId)>>,
    /// Incoming flows per element, sorted.
    inc: BTreeMap<&'m ElementId, Vec<(FlowKind, &'m ElementId)>>,
}

impl<'m> Context<'m> {
    fn new(model: &'m Model) -> Self {
        let mut out: BTreeMap<&ElementId, Vec<(FlowKind, &ElementId)>> = BTreeMap::new();
        let mut inc: BTreeMap<&ElementId, Vec<(FlowKind, &ElementId)>> = BTreeMap::new();
        for flow in model.flows() {
            out.entry(&flow.from)
                .or_default()
                .push((flow.kind, &flow.to));
            inc.entry(&flow.to)
                .or_default()
                .push((flow.kind, &flow.from));
        }
        for list in out.values_mut().chain(inc.values_mut()) {
            list.sort();
        }
        Self { model, out, inc }
    }

    fn outgoing(&self, id: &ElementId) -> &[(FlowKind, &'m ElementId)] {
        self.out.get(id).map_or(&[], Vec::as_slice)
    }

    fn incoming(&self, id: &ElementId) -> &[(FlowKind, &'m ElementId)] {
        self.inc.get(id).map_or(&[], Vec::as_slice)
    }

    fn kind_of(&self, id: &ElementId) -> Option<ElementKind> {
        self.model.element(id).map(|e| e.kind)
    }

    fn name_of(&self, id: &ElementId) -> String {
        self.model
            .element(id)
            .map_or_else(|| id.to_string(), |e| format!("\"{}\"", e.name))
    }

    fn bus_rules(&mut self, problems: &mut Vec<Problem>) {
        let design = self.model.level == Level::Design;
        for element in self.model.elements() {
            let (rule, handler_flows, bus, returns): (Rule, &[FlowKind], &str, &str) =
                match element.kind {
                    ElementKind::Command => (
                        Rule::CommandHandler,
                        &[FlowKind::HandledBy],
                        "command",
                        "returns nothing",
                    ),
                    ElementKind::Query => (
                        Rule::QueryHandler,
                        &[FlowKind::HandledBy, FlowKind::Reads],
                        "query",
                        "returns data and changes nothing",
                    ),
                    _ => continue,
                };
            let handlers: Vec<&ElementId> = self
                .outgoing(&element.id)
                .iter()
                .filter(|(kind, _)| handler_flows.contains(kind))
                .map(|(_, to)| *to)
                .collect();
            let severity = if design {
                Severity::Error
            } else {
                Severity::Warning
            };
            let name = &element.name;
            match handlers.len() {
                1 => {}
                0 => problems.push(Problem::new(
                    rule,
                    severity,
                    vec![element.id.clone()],
                    format!(
                        "{bus} \"{name}\" has no handler: connect it to the {} that handles it \
                         (the {bus} bus needs exactly one handler; a {bus} {returns})",
                        if element.kind == ElementKind::Query {
                            "read model or service"
                        } else {
                            "aggregate or service"
                        },
                    ),
                )),
                n => {
                    let mut elements = vec![element.id.clone()];
                    elements.extend(handlers.iter().map(|id| (*id).clone()));
                    problems.push(Problem::new(
                        rule,
                        severity,
                        elements,
                        format!(
                            "{bus} \"{name}\" has {n} handlers ({}): keep one; if several \
                             parts must react, let one handler emit an event they consume",
                            handlers
                                .iter()
                                .map(|id| id.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                }
            }
        }
    }

    fn policies(&self, problems: &mut Vec<Problem>) {
        for policy in self
            .model
            .elements()
            .filter(|e| e.kind == ElementKind::Policy)
        {
            let fed = self.incoming(&policy.id).iter().any(|(kind, from)| {
                matches!(kind, FlowKind::ConsumedBy | FlowKind::Webhook)
                    && matches!(
                        self.kind_of(from),
                        Some(ElementKind::Event | ElementKind::Topic)
                    )
            });
            if !fed {
                problems.push(Problem::new(
                    Rule::PolicyUnfed,
                    Severity::Error,
                    vec![policy.id.clone()],
                    format!(
                        "policy \"{}\" is fed by no event: connect the event (or its topic) it reacts to \
                         (\"whenever <event>, then <command>\")",
                        policy.name
                    ),
                ));
            }
            let acts = self
                .outgoing(&policy.id)
                .iter()
                .any(|(kind, _)| matches!(kind, FlowKind::Triggers | FlowKind::Emits));
            if !acts {
                problems.push(Problem::new(
                    Rule::PolicyNoCommand,
                    Severity::Warning,
                    vec![policy.id.clone()],
                    format!(
                        "policy \"{}\" triggers no command: connect it to the command it issues",
                        policy.name
                    ),
                ));
            }
        }
    }

    fn flows(&self, problems: &mut Vec<Problem>) {
        let mut seen = BTreeSet::new();
        for flow in self.model.sorted_flows() {
            if !seen.insert(flow.key()) {
                problems.push(Problem::new(
                    Rule::DuplicateFlow,
                    Severity::Error,
                    vec![flow.from.clone(), flow.to.clone()],
                    format!("flow {flow} appears twice: delete one"),
                ));
            }
            let Some((from_kind, to_kind)) = self.model.flow_kinds(flow) else {
                continue;
            };
            if !flow_allowed(flow.kind, from_kind, to_kind) {
                let allowed = crate::model::allowed_flows(from_kind, to_kind);
                let message = if allowed.is_empty() {
                    format!("flow {flow}: {}", refusal_reason(from_kind, to_kind))
                } else {
                    format!(
                        "flow {flow}: a {} flow cannot join a {} to a {}; change it to {}",
                        flow.kind.label(),
                        from_kind.label(),
                        to_kind.label(),
                        allowed
                            .iter()
                            .map(|k| k.label())
                            .collect::<Vec<_>>()
                            .join(" or ")
                    )
                };
                problems.push(Problem::new(
                    Rule::FlowNotAllowed,
                    Severity::Error,
                    vec![flow.from.clone(), flow.to.clone()],
                    message,
                ));
            }
        }
        for element in self.model.elements() {
            if let Some((original, _)) = element.id.as_str().split_once('~') {
                problems.push(Problem::new(
                    Rule::DuplicateId,
                    Severity::Error,
                    vec![element.id.clone(), ElementId::new(original)],
                    format!(
                        "\"{}\" had the id `{original}` in the file, which another element already uses; \
                         it was loaded as `{}`: give it an id of its own",
                        element.name, element.id
                    ),
                ));
            }
        }
    }

    fn naming_and_annotations(&self, problems: &mut Vec<Problem>) {
        for element in self.model.elements() {
            // A sticky still being named has no tense yet.
            let named = !element.name.trim().is_empty();
            match element.kind {
                ElementKind::Event if named && !naming::reads_as_past_tense(&element.name) => {
                    problems.push(Problem::new(
                        Rule::EventName,
                        Severity::Warning,
                        vec![element.id.clone()],
                        format!(
                            "event \"{}\" does not read as a fact in the past tense: name what happened \
                             (\"Order Placed\", not \"Place Order\")",
                            element.name
                        ),
                    ));
                }
                ElementKind::Command if named && !naming::reads_as_imperative(&element.name) => {
                    problems.push(Problem::new(
                        Rule::CommandName,
                        Severity::Warning,
                        vec![element.id.clone()],
                        format!(
                            "command \"{}\" does not read as an instruction: start with a verb \
                             (\"Place Order\", not \"Order Placed\")",
                            element.name
                        ),
                    ));
                }
                ElementKind::Hotspot if !element.resolved => {
                    problems.push(Problem::new(
                        Rule::HotspotOpen,
                        Severity::Info,
                        vec![element.id.clone()],
                        format!(
                            "open hotspot: \"{}\"; mark it resolved once the workshop answers it",
                            element.name
                        ),
                    ));
                }
                _ => {}
            }
        }
    }

    fn unconsumed_events(&self, problems: &mut Vec<Problem>) {
        if self.model.level == Level::BigPicture {
            return;
        }
        for event in self
            .model
            .elements()
            .filter(|e| e.kind == ElementKind::Event)
        {
            let consumed = self
                .outgoing(&event.id)
                .iter()
                .any(|(kind, to)| match kind {
                    FlowKind::ConsumedBy | FlowKind::Updates | FlowKind::Webhook => true,
                    FlowKind::PublishedTo => self
                        .outgoing(to)
                        .iter()
                        .any(|(kind, _)| *kind == FlowKind::ConsumedBy),
                    _ => false,
                });
            if !consumed {
                problems.push(Problem::new(
                    Rule::EventUnconsumed,
                    Severity::Info,
                    vec![event.id.clone()],
                    format!(
                        "nobody consumes \"{}\" yet (the event bus allows that); add a policy, \
                         read model or processor when something should react",
                        event.name
                    ),
                ));
            }
        }
    }

    /// Topics that nothing publishes to or nothing consumes. A dead-letter
    /// topic is written by the broker and read by people: it is exempt.
    fn unlinked_topics(&self, problems: &mut Vec<Problem>) {
        if self.model.level == Level::BigPicture {
            return;
        }
        let dead_letters: BTreeSet<&ElementId> = self
            .model
            .elements()
            .filter_map(|e| match e.service.as_ref().map(|s| &s.on_exhausted) {
                Some(OnExhausted::DeadLetter(topic)) => Some(topic),
                _ => None,
            })
            .collect();
        for topic in self
            .model
            .elements()
            .filter(|e| e.kind == ElementKind::Topic && !dead_letters.contains(&e.id))
        {
            let warn = |message: String| {
                Problem::new(
                    Rule::TopicUnlinked,
                    Severity::Warning,
                    vec![topic.id.clone()],
                    message,
                )
            };
            if !self
                .incoming(&topic.id)
                .iter()
                .any(|(kind, _)| *kind == FlowKind::PublishedTo)
            {
                problems.push(warn(format!(
                    "nobody publishes to topic `{}`: connect the event published to it, or \
                     remove the topic",
                    topic.name
                )));
            }
            if !self
                .outgoing(&topic.id)
                .iter()
                .any(|(kind, _)| *kind == FlowKind::ConsumedBy)
            {
                problems.push(warn(format!(
                    "nobody consumes topic `{}`: connect the policy, processor, read model or \
                     service that reads it",
                    topic.name
                )));
            }
        }
    }

    fn run_parameters(&self, problems: &mut Vec<Problem>) {
        let error =
            |rule, elements, message| Problem::new(rule, Severity::Error, elements, message);
        for element in self.model.elements() {
            let id = &element.id;
            if let Some(service) = &element.service
                && let OnExhausted::DeadLetter(target) = &service.on_exhausted
                && self.kind_of(target) != Some(ElementKind::Topic)
            {
                problems.push(error(
                    Rule::DeadLetterTarget,
                    vec![id.clone()],
                    format!(
                        "\"{}\" sends dead letters to `{target}`, which is not a topic: name a topic's id",
                        element.name
                    ),
                ));
            }
            if element.kind == ElementKind::Processor {
                match element.operator() {
                    Operator::Join { table } => {
                        let reads_table = self
                            .incoming(id)
                            .iter()
                            .any(|(kind, from)| *kind == FlowKind::ConsumedBy && **from == table);
                        let streams = self
                            .incoming(id)
                            .iter()
                            .filter(|(kind, from)| *kind == FlowKind::ConsumedBy && **from != table)
                            .count();
                        if self.kind_of(&table) != Some(ElementKind::Topic)
                            || !reads_table
                            || streams == 0
                        {
                            problems.push(error(
                                Rule::JoinTable,
                                vec![id.clone()],
                                format!(
                                    "join \"{}\" reads `{table}` as its table: it must be a topic the join \
                                     consumes, beside at least one stream it consumes",
                                    element.name
                                ),
                            ));
                        }
                    }
                    Operator::Enrich
                        if !self
                            .outgoing(id)
                            .iter()
                            .any(|(kind, _)| *kind == FlowKind::Call) =>
                    {
                        problems.push(Problem::new(
                            Rule::EnrichCall,
                            Severity::Warning,
                            vec![id.clone()],
                            format!(
                                "enrich \"{}\" makes no call to look its data up: add a call flow to the table or service",
                                element.name
                            ),
                        ));
                    }
                    _ => {}
                }
            }
            if let Some(workload) = &element.workload {
                let targets: Vec<&ElementId> = self
                    .outgoing(id)
                    .iter()
                    .filter(|(kind, _)| {
                        matches!(kind, FlowKind::Issues | FlowKind::Emits | FlowKind::Call)
                    })
                    .map(|(_, to)| *to)
                    .collect();
                if targets.is_empty() {
                    problems.push(Problem::new(
                        Rule::WorkloadTarget,
                        Severity::Warning,
                        vec![id.clone()],
                        format!(
                            "\"{}\" has a workload but issues, emits and calls nothing: connect what it sends",
                            element.name
                        ),
                    ));
                }
                for (target, _) in &workload.mix {
                    if !targets.contains(&target) {
                        problems.push(error(
                            Rule::WorkloadTarget,
                            vec![id.clone()],
                            format!(
                                "the workload mix of \"{}\" names `{target}`, which it does not send to",
                                element.name
                            ),
                        ));
                    }
                }
            }
        }
        for flow in self.model.flows().filter(|f| {
            matches!(
                f.kind,
                FlowKind::Emits | FlowKind::Triggers | FlowKind::Call
            )
        }) {
            for input in &flow.on {
                let is_input = self.incoming(&flow.from).iter().any(|(kind, from)| {
                    *from == input
                        && matches!(
                            kind,
                            FlowKind::HandledBy
                                | FlowKind::ConsumedBy
                                | FlowKind::Webhook
                                | FlowKind::Call
                        )
                });
                // Naming the source itself limits the flow to its own
                // workload's arrivals: it is never a reaction.
                let own_arrivals = *input == flow.from
                    && self
                        .model
                        .element(&flow.from)
                        .is_some_and(|e| e.workload.is_some());
                if !is_input && !own_arrivals {
                    problems.push(error(
                        Rule::EmitsOn,
                        vec![flow.from.clone(), flow.to.clone()],
                        format!(
                            "flow {flow} is limited to `{input}`, which `{}` does not receive: \
                             name a command, event or topic it handles (or `{}` itself, for its \
                             workload's arrivals)",
                            flow.from, flow.from
                        ),
                    ));
                }
            }
        }
        let mut groups: BTreeMap<(&ElementId, String), Vec<&ElementId>> = BTreeMap::new();
        for flow in self
            .model
            .flows()
            .filter(|f| f.kind == FlowKind::ConsumedBy)
        {
            let group = self
                .model
                .element(&flow.to)
                .and_then(|e| e.service.as_ref().and_then(|s| s.group.clone()))
                .unwrap_or_else(|| flow.to.to_string());
            groups
                .entry((&flow.from, group))
                .or_default()
                .push(&flow.to);
        }
        for ((source, group), consumers) in groups {
            if consumers.len() > 1 {
                problems.push(error(
                    Rule::SharedGroup,
                    consumers.iter().map(|id| (*id).clone()).collect(),
                    format!(
                        "{} share the consumer group `{group}` on `{source}`: each would get only part \
                         of the messages; give each its own group",
                        consumers.iter().map(|id| id.as_str()).collect::<Vec<_>>().join(" and ")
                    ),
                ));
            }
        }
        for fault in &self.model.faults {
            let Some(element) = self.model.element(&fault.element) else {
                continue;
            };
            let fits = match fault.kind {
                FaultKind::Rate { .. } => element.workload.is_some(),
                FaultKind::Replay => element.kind == ElementKind::ReadModel,
                FaultKind::Down { .. } | FaultKind::Slow { .. } | FaultKind::Failing { .. } => {
                    element.kind.is_service()
                }
            };
            if !fits {
                let needs = match fault.kind {
                    FaultKind::Rate { .. } => "an element with a workload",
                    FaultKind::Replay => "a read model",
                    _ => "an aggregate, policy, read model, processor or external system",
                };
                problems.push(error(
                    Rule::FaultTarget,
                    vec![fault.element.clone()],
                    format!(
                        "a fault at {} us applies to {needs}, and \"{}\" is a {}",
                        fault.at_us,
                        element.name,
                        element.kind.label()
                    ),
                ));
            }
        }
    }
}

/// Naming heuristics for events (past tense) and commands (imperative).
pub mod naming {
    /// Irregular past participles that name facts ("Email Sent", "Order Paid").
    const IRREGULAR_PAST: &[&str] = &[
        "arisen",
        "awoken",
        "become",
        "begun",
        "bent",
        "bid",
        "bitten",
        "blown",
        "bought",
        "broken",
        "brought",
        "built",
        "burnt",
        "cast",
        "caught",
        "chosen",
        "come",
        "cost",
        "cut",
        "dealt",
        "done",
        "drawn",
        "driven",
        "drunk",
        "dug",
        "eaten",
        "fallen",
        "fed",
        "felt",
        "fought",
        "found",
        "flown",
        "forbidden",
        "forgiven",
        "forgotten",
        "frozen",
        "given",
        "gone",
        "got",
        "gotten",
        "grown",
        "had",
        "heard",
        "held",
        "hidden",
        "hit",
        "hung",
        "hurt",
        "kept",
        "knelt",
        "known",
        "laid",
        "led",
        "left",
        "lent",
        "let",
        "lit",
        "lost",
        "made",
        "meant",
        "met",
        "mistaken",
        "overdrawn",
        "overridden",
        "paid",
        "proven",
        "put",
        "quit",
        "read",
        "rebuilt",
        "redone",
        "remade",
        "reread",
        "reset",
        "resent",
        "retaken",
        "rewritten",
        "ridden",
        "risen",
        "run",
        "rung",
        "said",
        "seen",
        "sent",
        "set",
        "shaken",
        "shed",
        "shone",
        "shot",
        "shown",
        "shut",
        "slain",
        "slept",
        "slid",
        "sold",
        "sought",
        "spent",
        "split",
        "spoken",
        "spread",
        "sprung",
        "stood",
        "stolen",
        "struck",
        "stuck",
        "stung",
        "sung",
        "sunk",
        "swept",
        "sworn",
        "swum",
        "taken",
        "taught",
        "thought",
        "thrown",
        "told",
        "torn",
        "understood",
        "undone",
        "upheld",
        "upset",
        "withdrawn",
        "woken",
        "won",
        "worn",
        "wound",
        "written",
    ];

    /// Base-form verbs that happen to end in "-ed" or "-ing".
    const BASE_VERBS_LOOKING_PAST: &[&str] = &[
        "bed", "bleed", "breed", "bring", "cling", "embed", "exceed", "feed", "fling", "heed",
        "need", "proceed", "ring", "seed", "shed", "shred", "sing", "speed", "spring", "sting",
        "string", "succeed", "swing", "wed", "weed", "wring",
    ];

    /// Lowercase words of a name, split at spaces, punctuation and camelCase
    /// boundaries ("MakeCustomerPreferred" -> make, customer, preferred).
    fn words(name: &str) -> Vec<String> {
        let mut words = Vec::new();
        let mut current = String::new();
        let mut previous_lower = false;
        for c in name.chars() {
            if !c.is_alphanumeric() {
                words.extend((!current.is_empty()).then(|| std::mem::take(&mut current)));
                previous_lower = false;
                continue;
            }
            if c.is_uppercase() && previous_lower {
                words.push(std::mem::take(&mut current));
            }
            previous_lower = c.is_lowercase();
            current.extend(c.to_lowercase());
        }
        words.extend((!current.is_empty()).then_some(current));
        words
    }

    fn is_past_participle(word: &str) -> bool {
        (word.len() > 3 && word.ends_with("ed") && !BASE_VERBS_LOOKING_PAST.contains(&word))
            || IRREGULAR_PAST.contains(&word)
    }

    fn is_gerund_or_past(word: &str) -> bool {
        !BASE_VERBS_LOOKING_PAST.contains(&word)
            && ((word.len() > 3 && word.ends_with("ed"))
                || (word.len() > 4 && word.ends_with("ing")))
    }

    /// Whether an event name reads as a fact: a word after the first is a
    /// past participle ("Order Placed", "Item Added To Cart", "Email Sent"),
    /// or a one-word name is one ("Paid").
    pub fn reads_as_past_tense(name: &str) -> bool {
        match words(name).as_slice() {
            [] => false,
            [only] => is_past_participle(only),
            [_, rest @ ..] => rest.iter().any(|w| is_past_participle(w)),
        }
    }

    /// Whether a command name reads as an instruction: it starts with a verb
    /// in its base form and its second word is not a past participle
    /// ("Place Order" and "Make Customer Preferred", not "Order Placed" or
    /// "Placing Order").
    pub fn reads_as_imperative(name: &str) -> bool {
        match words(name).as_slice() {
            [] => false,
            [first, rest @ ..] => {
                !is_gerund_or_past(first)
                    && rest
                        .first()
                        .is_none_or(|second| !is_past_participle(second))
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn events_in_the_past_tense_pass() {
            for name in [
                "Order Placed",
                "Payment Received",
                "Item Added To Cart",
                "Email Sent",
                "Order Paid",
                "Balance Rebuilt",
                "Cart Checked Out",
                "Temperature Recorded",
                "Transaction Reversed",
            ] {
                assert!(reads_as_past_tense(name), "{name}");
            }
        }

        #[test]
        fn events_named_like_commands_fail() {
            for name in ["Place Order", "Send Email", "Order", "Payment"] {
                assert!(!reads_as_past_tense(name), "{name}");
            }
        }

        #[test]
        fn commands_in_the_imperative_pass() {
            for name in [
                "Place Order",
                "Send Email",
                "Ship Item",
                "Embed Video",
                "Bring Back Item",
                "Check Inventory",
                "Make Customer Preferred",
                "MakeCustomerPreferred",
            ] {
                assert!(reads_as_imperative(name), "{name}");
            }
        }

        #[test]
        fn commands_named_like_events_fail() {
            for name in ["Order Placed", "Placing Order", "Shipped Item", ""] {
                assert!(!reads_as_imperative(name), "{name}");
            }
        }
    }
}
