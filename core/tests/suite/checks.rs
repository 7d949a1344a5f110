//! Each check rule has a model that triggers it and one that does not.

use stormflow_core::model::{
    Element, ElementKind as K, Fault, FaultKind, Flow, FlowKind as F, Level, Model, OnExhausted,
    Operator, Pos, ProcessorSpec, Service, Workload,
};
use stormflow_core::{Rule, Severity, check};

/// A Design-level model from (id, kind, name) and flows inserted as given.
fn model(elements: &[(&str, K, &str)], flows: &[(&str, &str, F)]) -> Model {
    let mut model = Model::new("test");
    model.level = Level::Design;
    for (i, (id, kind, name)) in elements.iter().enumerate() {
        model
            .add_element(Element::new(
                *id,
                *kind,
                *name,
                Pos {
                    x: i as i32 * 200,
                    y: 0,
                },
            ))
            .expect("fresh id");
    }
    for (from, to, kind) in flows {
        model
            .insert_flow_unchecked(Flow::new(*from, *to, *kind))
            .expect("ends exist");
    }
    model
}

fn fires(model: &Model, rule: Rule) -> bool {
    check(model).iter().any(|p| p.rule == rule)
}

fn severity_of(model: &Model, rule: Rule) -> Option<Severity> {
    check(model)
        .iter()
        .find(|p| p.rule == rule)
        .map(|p| p.severity)
}

/// A small clean flow: actor -> command -> aggregate -> event -> topic -> policy -> command2 -> aggregate.
fn clean() -> Model {
    model(
        &[
            ("customer", K::Actor, "Customer"),
            ("place-order", K::Command, "Place Order"),
            ("order", K::Aggregate, "Order"),
            ("order-placed", K::Event, "Order Placed"),
            ("orders", K::Topic, "orders"),
            ("when-placed-ship", K::Policy, "When placed, ship"),
            ("ship-order", K::Command, "Ship Order"),
            ("shipping", K::Aggregate, "Shipping"),
            ("history", K::ReadModel, "Order History"),
            ("orders-of-customer", K::Query, "Orders Of Customer"),
        ],
        &[
            ("customer", "place-order", F::Issues),
            ("place-order", "order", F::HandledBy),
            ("order", "order-placed", F::Emits),
            ("order-placed", "orders", F::PublishedTo),
            ("orders", "when-placed-ship", F::ConsumedBy),
            ("orders", "history", F::ConsumedBy),
            ("when-placed-ship", "ship-order", F::Triggers),
            ("ship-order", "shipping", F::HandledBy),
            ("customer", "orders-of-customer", F::Issues),
            ("orders-of-customer", "history", F::Reads),
        ],
    )
}

#[test]
fn the_clean_model_has_no_problems() {
    assert_eq!(check(&clean()), vec![]);
}

#[test]
fn command_without_handler_is_an_error() {
    let mut m = clean();
    m.disconnect(&Flow::new("ship-order", "shipping", F::HandledBy).key())
        .expect("exists");
    assert_eq!(severity_of(&m, Rule::CommandHandler), Some(Severity::Error));
    assert!(!fires(&clean(), Rule::CommandHandler));
}

#[test]
fn command_with_two_handlers_is_an_error() {
    let mut m = clean();
    m.insert_flow_unchecked(Flow::new("ship-order", "order", F::HandledBy))
        .expect("ends exist");
    let problem = check(&m)
        .into_iter()
        .find(|p| p.rule == Rule::CommandHandler)
        .expect("fires");
    assert!(
        problem.message.contains("2 handlers"),
        "{}",
        problem.message
    );
}

#[test]
fn command_without_handler_is_only_a_warning_at_process_level() {
    let mut m = clean();
    m.level = Level::Process;
    m.disconnect(&Flow::new("ship-order", "shipping", F::HandledBy).key())
        .expect("exists");
    assert_eq!(
        severity_of(&m, Rule::CommandHandler),
        Some(Severity::Warning)
    );
}

#[test]
fn query_handler_rule() {
    let mut m = clean();
    m.disconnect(&Flow::new("orders-of-customer", "history", F::Reads).key())
        .expect("exists");
    assert!(fires(&m, Rule::QueryHandler));
    let mut two = clean();
    two.insert_flow_unchecked(Flow::new("orders-of-customer", "order", F::HandledBy))
        .expect("ends");
    assert!(fires(&two, Rule::QueryHandler));
    assert!(!fires(&clean(), Rule::QueryHandler));
}

#[test]
fn policy_not_fed_by_an_event() {
    let mut m = clean();
    m.disconnect(&Flow::new("orders", "when-placed-ship", F::ConsumedBy).key())
        .expect("exists");
    assert_eq!(severity_of(&m, Rule::PolicyUnfed), Some(Severity::Error));
    assert!(!fires(&clean(), Rule::PolicyUnfed));
}

#[test]
fn policy_that_triggers_nothing() {
    let mut m = clean();
    m.disconnect(&Flow::new("when-placed-ship", "ship-order", F::Triggers).key())
        .expect("exists");
    assert_eq!(
        severity_of(&m, Rule::PolicyNoCommand),
        Some(Severity::Warning)
    );
    assert!(!fires(&clean(), Rule::PolicyNoCommand));
}

#[test]
fn flow_between_kinds_that_cannot_connect() {
    let mut m = clean();
    m.insert_flow_unchecked(Flow::new("order-placed", "ship-order", F::Triggers))
        .expect("ends");
    let problem = check(&m)
        .into_iter()
        .find(|p| p.rule == Rule::FlowNotAllowed)
        .expect("fires");
    assert!(problem.message.contains("policy"), "{}", problem.message);
    assert!(!fires(&clean(), Rule::FlowNotAllowed));
}

#[test]
fn duplicate_ids_from_a_file() {
    let src = r#"(version: 1, name: "x", elements: [
        (id: "a", kind: Event, name: "A Happened", pos: (x: 0, y: 0)),
        (id: "a", kind: Event, name: "A Happened Again", pos: (x: 0, y: 0)),
    ])"#;
    let m = stormflow_core::format::from_ron_str(src).expect("loads");
    assert_eq!(severity_of(&m, Rule::DuplicateId), Some(Severity::Error));
    assert!(!fires(&clean(), Rule::DuplicateId));
}

#[test]
fn duplicate_flows() {
    let mut m = clean();
    m.insert_flow_unchecked(Flow::new("customer", "place-order", F::Issues))
        .expect("ends");
    assert!(fires(&m, Rule::DuplicateFlow));
    assert!(!fires(&clean(), Rule::DuplicateFlow));
}

#[test]
fn event_nobody_consumes_is_info() {
    let mut m = clean();
    m.add_element(Element::new(
        "order-cancelled",
        K::Event,
        "Order Cancelled",
        Pos::default(),
    ))
    .expect("fresh");
    assert_eq!(severity_of(&m, Rule::EventUnconsumed), Some(Severity::Info));
    assert!(!fires(&clean(), Rule::EventUnconsumed));
    m.level = Level::BigPicture;
    assert!(
        !fires(&m, Rule::EventUnconsumed),
        "a Big Picture board has no consumers yet"
    );
}

#[test]
fn policies_that_trigger_each_other_forever() {
    let mut m = clean();
    // Shipping emits Order Placed again: placed -> ship -> placed -> ...
    m.insert_flow_unchecked(Flow::new("shipping", "order-placed", F::Emits))
        .expect("ends");
    assert_eq!(severity_of(&m, Rule::PolicyCycle), Some(Severity::Warning));
    assert!(!fires(&clean(), Rule::PolicyCycle));
}

#[test]
fn event_names_in_the_past_tense() {
    let mut m = clean();
    m.element_mut(&"order-placed".into()).expect("exists").name = "Place The Order".into();
    assert_eq!(severity_of(&m, Rule::EventName), Some(Severity::Warning));
    assert!(!fires(&clean(), Rule::EventName));
}

#[test]
fn command_names_in_the_imperative() {
    let mut m = clean();
    m.element_mut(&"ship-order".into()).expect("exists").name = "Order Shipped".into();
    assert_eq!(severity_of(&m, Rule::CommandName), Some(Severity::Warning));
    assert!(!fires(&clean(), Rule::CommandName));
}

#[test]
fn a_sticky_still_being_named_has_no_naming_warning() {
    let mut m = clean();
    m.element_mut(&"order-placed".into()).expect("exists").name = String::new();
    m.element_mut(&"ship-order".into()).expect("exists").name = "  ".into();
    assert!(!fires(&m, Rule::EventName));
    assert!(!fires(&m, Rule::CommandName));
}

#[test]
fn open_hotspots_are_info_until_resolved() {
    let mut m = clean();
    m.add_element(Element::new(
        "q",
        K::Hotspot,
        "Who pays for returns?",
        Pos::default(),
    ))
    .expect("fresh");
    assert_eq!(severity_of(&m, Rule::HotspotOpen), Some(Severity::Info));
    m.element_mut(&"q".into()).expect("exists").resolved = true;
    assert!(!fires(&m, Rule::HotspotOpen));
}

#[test]
fn dead_letter_target_must_be_a_topic() {
    let mut m = clean();
    m.element_mut(&"shipping".into()).expect("exists").service = Some(Service {
        on_exhausted: OnExhausted::DeadLetter("order".into()),
        ..Service::default()
    });
    assert!(fires(&m, Rule::DeadLetterTarget));
    m.element_mut(&"shipping".into()).expect("exists").service = Some(Service {
        on_exhausted: OnExhausted::DeadLetter("orders".into()),
        ..Service::default()
    });
    assert!(!fires(&m, Rule::DeadLetterTarget));
}

#[test]
fn join_needs_a_table_topic_it_reads() {
    let mut m = clean();
    m.add_element(Element::new("join", K::Processor, "Join", Pos::default()))
        .expect("fresh");
    m.insert_flow_unchecked(Flow::new("orders", "join", F::ConsumedBy))
        .expect("ends");
    m.element_mut(&"join".into()).expect("exists").processor = Some(ProcessorSpec {
        operator: Operator::Join {
            table: "customers".into(),
        },
    });
    assert!(fires(&m, Rule::JoinTable));
    m.add_element(Element::new(
        "customers",
        K::Topic,
        "customers",
        Pos::default(),
    ))
    .expect("fresh");
    m.insert_flow_unchecked(Flow::new("customers", "join", F::ConsumedBy))
        .expect("ends");
    assert!(!fires(&m, Rule::JoinTable));
}

#[test]
fn emits_on_must_name_an_input() {
    let mut m = clean();
    m.flow_mut(&Flow::new("order", "order-placed", F::Emits).key())
        .expect("exists")
        .on = vec!["ship-order".into()];
    assert!(fires(&m, Rule::EmitsOn));
    m.flow_mut(&Flow::new("order", "order-placed", F::Emits).key())
        .expect("exists")
        .on = vec!["place-order".into()];
    assert!(!fires(&m, Rule::EmitsOn));
}

#[test]
fn workload_needs_somewhere_to_send() {
    let mut m = model(&[("sensor", K::Actor, "Sensor")], &[]);
    m.element_mut(&"sensor".into()).expect("exists").workload = Some(Workload::default());
    assert!(fires(&m, Rule::WorkloadTarget));
    let mut ok = clean();
    ok.element_mut(&"customer".into()).expect("exists").workload = Some(Workload::default());
    assert!(!fires(&ok, Rule::WorkloadTarget));
}

#[test]
fn two_consumers_in_one_group_on_a_topic() {
    let mut m = clean();
    for id in ["when-placed-ship", "history"] {
        m.element_mut(&id.into()).expect("exists").service = Some(Service {
            group: Some("shared".into()),
            ..Service::default()
        });
    }
    assert!(fires(&m, Rule::SharedGroup));
    assert!(!fires(&clean(), Rule::SharedGroup));
}

#[test]
fn faults_must_fit_their_element() {
    let mut m = clean();
    m.faults.push(Fault {
        element: "order-placed".into(),
        at_us: 0,
        kind: FaultKind::Down { for_us: 1 },
    });
    assert!(fires(&m, Rule::FaultTarget));
    let mut ok = clean();
    ok.faults.push(Fault {
        element: "shipping".into(),
        at_us: 0,
        kind: FaultKind::Down { for_us: 1 },
    });
    assert!(!fires(&ok, Rule::FaultTarget));
}

#[test]
fn enrich_without_a_call() {
    let mut m = clean();
    m.add_element(Element::new(
        "enrich",
        K::Processor,
        "Enrich",
        Pos::default(),
    ))
    .expect("fresh");
    m.element_mut(&"enrich".into()).expect("exists").processor = Some(ProcessorSpec {
        operator: Operator::Enrich,
    });
    assert!(fires(&m, Rule::EnrichCall));
    m.insert_flow_unchecked(Flow::new("enrich", "shipping", F::Call))
        .expect("ends");
    assert!(!fires(&m, Rule::EnrichCall));
}

#[test]
fn every_rule_has_a_distinct_stable_id() {
    let ids: std::collections::BTreeSet<&str> = Rule::ALL.iter().map(|r| r.id()).collect();
    assert_eq!(ids.len(), Rule::ALL.len());
}

#[test]
fn checks_are_sorted_errors_first() {
    let mut m = clean();
    m.disconnect(&Flow::new("ship-order", "shipping", F::HandledBy).key())
        .expect("exists");
    m.add_element(Element::new(
        "q",
        K::Hotspot,
        "Open question",
        Pos::default(),
    ))
    .expect("fresh");
    let problems = check(&m);
    let severities: Vec<Severity> = problems.iter().map(|p| p.severity).collect();
    let mut sorted = severities.clone();
    sorted.sort();
    assert_eq!(severities, sorted);
}

#[test]
fn a_topic_nobody_publishes_to_or_consumes_is_a_warning() {
    let m = model(&[("audit", K::Topic, "audit")], &[]);
    let problems: Vec<_> = check(&m)
        .into_iter()
        .filter(|p| p.rule == Rule::TopicUnlinked)
        .collect();
    assert!(problems.iter().all(|p| p.severity == Severity::Warning));
    let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("nobody publishes to topic `audit`"))
    );
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("nobody consumes topic `audit`"))
    );
    assert!(!fires(&clean(), Rule::TopicUnlinked));
}

#[test]
fn a_dead_letter_topic_is_not_unlinked() {
    let mut m = clean();
    m.add_element(Element::new("dlq", K::Topic, "orders-dlq", Pos::default()))
        .expect("fresh");
    assert!(fires(&m, Rule::TopicUnlinked));
    m.element_mut(&"history".into()).expect("exists").service = Some(Service {
        on_exhausted: OnExhausted::DeadLetter("dlq".into()),
        ..Service::default()
    });
    assert!(!fires(&m, Rule::TopicUnlinked));
}

#[test]
fn emits_on_may_name_the_source_itself_when_it_has_a_workload() {
    let mut m = clean();
    let key = Flow::new("order", "order-placed", F::Emits).key();
    m.flow_mut(&key).expect("exists").on = vec!["order".into()];
    assert!(fires(&m, Rule::EmitsOn));
    m.element_mut(&"order".into()).expect("exists").workload = Some(Workload::default());
    assert!(!fires(&m, Rule::EmitsOn));
}
