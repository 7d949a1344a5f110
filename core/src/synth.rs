//! Synthetic models of any size, for benchmarks and stress tests.

use crate::model::{
    Arrival, Element, ElementKind as K, Flow, FlowKind as F, Guarantee, Level, Model, Operator,
    Pos, ProcessorSpec, Service, ServiceTime, TopicSpec, Workload,
};

/// A Design-level board of about `elements` stickies: a chain of
/// command -> aggregate -> event -> topic -> policy blocks, each policy
/// triggering the next block's command, laid out on a grid.
pub fn workshop(elements: usize) -> Model {
    let mut model = Model::new(format!("Synthetic workshop ({elements} stickies)"));
    model.level = Level::Design;
    let blocks = (elements / 5).max(1);
    let per_row = 20;
    let add = |model: &mut Model, id: String, kind: K, name: String, x: i32, y: i32| {
        // Ids are unique by construction.
        let _ = model.add_element(Element::new(id, kind, name, Pos { x, y }));
    };
    add(
        &mut model,
        "actor".into(),
        K::Actor,
        "Customer".into(),
        -200,
        0,
    );
    for b in 0..blocks {
        let (col, row) = ((b % per_row) as i32, (b / per_row) as i32);
        let (x, y) = (col * 1000, row * 300);
        add(
            &mut model,
            format!("do-{b}"),
            K::Command,
            format!("Do Step {b}"),
            x,
            y,
        );
        add(
            &mut model,
            format!("agg-{b}"),
            K::Aggregate,
            format!("Step {b}"),
            x + 180,
            y,
        );
        add(
            &mut model,
            format!("done-{b}"),
            K::Event,
            format!("Step {b} Done"),
            x + 400,
            y,
        );
        add(
            &mut model,
            format!("topic-{b}"),
            K::Topic,
            format!("step-{b}"),
            x + 580,
            y,
        );
        add(
            &mut model,
            format!("when-{b}"),
            K::Policy,
            format!("When {b} done, go on"),
            x + 840,
            y,
        );
    }
    let mut connect = |from: String, to: String, kind: F| {
        let _ = model.connect(Flow::new(from, to, kind));
    };
    connect("actor".into(), "do-0".into(), F::Issues);
    for b in 0..blocks {
        connect(format!("do-{b}"), format!("agg-{b}"), F::HandledBy);
        connect(format!("agg-{b}"), format!("done-{b}"), F::Emits);
        connect(format!("done-{b}"), format!("topic-{b}"), F::PublishedTo);
        connect(format!("topic-{b}"), format!("when-{b}"), F::ConsumedBy);
        if b + 1 < blocks {
            connect(format!("when-{b}"), format!("do-{}", b + 1), F::Triggers);
        }
    }
    model
}

/// A stream pipeline of `hops` processors, each reading a topic of
/// `partitions` partitions and writing the next; a source emits bursts of
/// `burst` events every `every_us`. Service times are fixed so the load is
/// predictable.
pub fn pipeline(hops: usize, partitions: u32, burst: u32, every_us: u64) -> Model {
    let mut model = Model::new(format!(
        "Synthetic pipeline ({hops} hops, {partitions} partitions)"
    ));
    let mut source = Element::new("source", K::ExternalSystem, "Source", Pos { x: 0, y: 0 });
    source.workload = Some(Workload {
        arrival: Arrival::Bursts {
            every_us,
            size: burst,
        },
        keys: 10_000,
        ..Workload::default()
    });
    let _ = model.add_element(source);
    let service = Service {
        instances: partitions,
        service_time: ServiceTime::Fixed { us: 10 },
        guarantee: Guarantee::AtLeastOnce,
        ..Service::default()
    };
    for hop in 0..=hops {
        let x = hop as i32 * 700;
        let _ = model.add_element(Element::new(
            format!("e{hop}"),
            K::Event,
            format!("Stage {hop} Done"),
            Pos { x: x + 200, y: 0 },
        ));
        let mut topic = Element::new(
            format!("t{hop}"),
            K::Topic,
            format!("stage-{hop}"),
            Pos { x: x + 400, y: 0 },
        );
        topic.topic = Some(TopicSpec {
            partitions,
            ..TopicSpec::default()
        });
        let _ = model.add_element(topic);
        if hop < hops {
            let mut processor = Element::new(
                format!("p{hop}"),
                K::Processor,
                format!("Stage {}", hop + 1),
                Pos { x: x + 700, y: 200 },
            );
            processor.processor = Some(ProcessorSpec {
                operator: Operator::Map,
            });
            processor.service = Some(service.clone());
            let _ = model.add_element(processor);
        }
    }
    let _ = model.connect(Flow::new("source", "e0", F::Emits));
    for hop in 0..=hops {
        let _ = model.connect(Flow::new(
            format!("e{hop}"),
            format!("t{hop}"),
            F::PublishedTo,
        ));
        if hop < hops {
            let _ = model.connect(Flow::new(
                format!("t{hop}"),
                format!("p{hop}"),
                F::ConsumedBy,
            ));
            let _ = model.connect(Flow::new(
                format!("p{hop}"),
                format!("e{}", hop + 1),
                F::Emits,
            ));
        }
    }
    model
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workshop_has_the_requested_size_and_is_clean() {
        let model = workshop(10_000);
        assert!(model.element_count() >= 10_000);
        let errors = crate::check(&model)
            .into_iter()
            .filter(|p| p.severity == crate::Severity::Error)
            .count();
        assert_eq!(errors, 0);
    }

    #[test]
    fn pipeline_checks_clean() {
        let model = pipeline(10, 8, 100, 1_000);
        assert_eq!(
            model.elements().filter(|e| e.kind == K::Processor).count(),
            10
        );
        assert!(!crate::check::has_errors(&crate::check(&model)));
    }
}
