//! Invariants of the simulation over random valid topologies, workloads,
//! delivery guarantees and fault schedules (DESIGN.md section 4).

use std::collections::BTreeMap;

use proptest::prelude::*;
use stormflow_core::model::{
    Arrival, Backoff, Element, ElementId, ElementKind as K, EventPattern, EventSpec, Fault,
    FaultKind, Flow, FlowKind as F, Guarantee, Model, OnExhausted, Operator, Pos, ProcessorSpec,
    Retry, Service, ServiceTime, TopicSpec, Workload,
};
use stormflow_core::sim::random::Stream;
use stormflow_core::sim::{Outcome, Sim, SimOptions};

/// Builds a random valid topology from a seed: sources feeding commands or
/// events, events published to topics or consumed directly, consumers of
/// every kind with random guarantees, failure handling and calls, chains up
/// to three deep, and a random fault schedule.
struct Builder {
    rng: Stream,
    model: Model,
    next: usize,
    /// Consumers whose guarantee matters, with it.
    guarantees: BTreeMap<ElementId, Guarantee>,
    dlq: Option<ElementId>,
    services: Vec<ElementId>,
    /// Whether some source draws its arrivals or keys at random; without
    /// that, a model can be the same run under every seed (constant rate,
    /// one key, fixed service times, no failures).
    random_workload: bool,
}

impl Builder {
    fn pick(&mut self, n: u64) -> u64 {
        self.rng.below(n)
    }

    fn id(&mut self, prefix: &str) -> String {
        self.next += 1;
        format!("{prefix}-{}", self.next)
    }

    fn add(&mut self, prefix: &str, kind: K, name: &str) -> ElementId {
        let id = self.id(prefix);
        let pos = Pos {
            x: self.next as i32 * 10,
            y: 0,
        };
        self.model
            .add_element(Element::new(id.clone(), kind, name, pos))
            .expect("fresh id");
        ElementId::new(id)
    }

    fn connect(&mut self, from: &ElementId, to: &ElementId, kind: F) {
        self.model
            .connect(Flow::new(from.as_str(), to.as_str(), kind))
            .unwrap_or_else(|e| panic!("{from} -> {to}: {e}"));
    }

    fn service(&mut self, guarantee: Guarantee) -> Service {
        let service_time = match self.pick(3) {
            0 => ServiceTime::Fixed {
                us: 100 + self.pick(3_000),
            },
            1 => ServiceTime::Uniform {
                min_us: 50,
                max_us: 500 + self.pick(5_000),
            },
            _ => ServiceTime::Exponential {
                mean_us: 100 + self.pick(3_000),
            },
        };
        let on_exhausted = match self.pick(3) {
            0 => OnExhausted::Drop,
            1 => OnExhausted::StopPartition,
            _ => OnExhausted::DeadLetter(self.dlq_topic()),
        };
        Service {
            instances: 1 + self.pick(3) as u32,
            service_time,
            failure_rate: if self.pick(2) == 0 {
                0.0
            } else {
                self.rng.unit() * 0.3
            },
            guarantee,
            retry: Retry {
                max_attempts: 1 + self.pick(4) as u32,
                backoff: if self.pick(2) == 0 {
                    Backoff::Fixed {
                        delay_us: 1_000 + self.pick(50_000),
                    }
                } else {
                    Backoff::Exponential {
                        initial_us: 1_000,
                        max_us: 100_000,
                    }
                },
            },
            on_exhausted,
            group: None,
            call_timeout_us: 5_000 + self.pick(100_000),
        }
    }

    fn dlq_topic(&mut self) -> ElementId {
        if let Some(dlq) = &self.dlq {
            return dlq.clone();
        }
        let dlq = self.add("dlq", K::Topic, "dead letters");
        self.dlq = Some(dlq.clone());
        dlq
    }

    fn guarantee(&mut self) -> Guarantee {
        Guarantee::ALL[self.pick(3) as usize]
    }

    /// An event type with a random pattern, delivered to consumers.
    fn event(&mut self, depth: u32) -> ElementId {
        let event = self.add("event", K::Event, "Thing Happened");
        let pattern = EventPattern::ALL[self.pick(3) as usize];
        self.model.element_mut(&event).expect("exists").event = Some(EventSpec {
            pattern,
            payload_bytes: None,
        });
        let via_topic = self.pick(10) < 7;
        let source = if via_topic {
            let topic = self.add("topic", K::Topic, "things");
            self.model.element_mut(&topic).expect("exists").topic = Some(TopicSpec {
                partitions: 1 + self.pick(6) as u32,
                ..TopicSpec::default()
            });
            self.connect(&event, &topic, F::PublishedTo);
            topic
        } else {
            event.clone()
        };
        let consumers = 1 + self.pick(3);
        for _ in 0..consumers {
            self.consumer(&source, depth);
        }
        event
    }

    fn consumer(&mut self, source: &ElementId, depth: u32) {
        let kind = match self.pick(4) {
            0 => K::Policy,
            1 => K::Processor,
            2 => K::ReadModel,
            _ => K::Aggregate,
        };
        let consumer = self.add("consumer", kind, "Consumer");
        let guarantee = self.guarantee();
        let service = self.service(guarantee);
        self.model.element_mut(&consumer).expect("exists").service = Some(service);
        self.guarantees.insert(consumer.clone(), guarantee);
        self.services.push(consumer.clone());
        let source_kind = self.model.element(source).expect("exists").kind;
        let flow = if source_kind == K::Event && kind == K::ReadModel {
            F::Updates
        } else {
            F::ConsumedBy
        };
        self.connect(source, &consumer, flow);
        if kind == K::Processor {
            let operator = match self.pick(3) {
                0 => Operator::Map,
                1 => Operator::Filter {
                    keep_percent: self.pick(101) as u32,
                },
                _ => Operator::Aggregate {
                    window_us: 10_000 + self.pick(200_000),
                },
            };
            self.model.element_mut(&consumer).expect("exists").processor =
                Some(ProcessorSpec { operator });
        }
        if matches!(kind, K::Aggregate | K::Processor) && self.pick(5) == 0 {
            let callee = self.add("external", K::ExternalSystem, "Lookup");
            let service = self.service(Guarantee::AtLeastOnce);
            self.model.element_mut(&callee).expect("exists").service = Some(service);
            self.services.push(callee.clone());
            self.connect(&consumer, &callee, F::Call);
        }
        if depth < 2 {
            match kind {
                K::Policy => {
                    let command = self.add("command", K::Command, "Do Next");
                    let handler = self.add("handler", K::Aggregate, "Handler");
                    let guarantee = self.guarantee();
                    let service = self.service(guarantee);
                    self.model.element_mut(&handler).expect("exists").service = Some(service);
                    self.guarantees.insert(handler.clone(), guarantee);
                    self.services.push(handler.clone());
                    self.connect(&consumer, &command, F::Triggers);
                    self.connect(&command, &handler, F::HandledBy);
                    let next = self.event(depth + 1);
                    self.connect(&handler, &next, F::Emits);
                }
                K::Processor | K::Aggregate if self.pick(2) == 0 => {
                    let next = self.event(depth + 1);
                    self.connect(&consumer, &next, F::Emits);
                }
                _ => {}
            }
        } else if kind == K::Policy {
            // Keep the policy valid: it triggers a command with a sink handler.
            let command = self.add("command", K::Command, "Do Last");
            let handler = self.add("handler", K::Aggregate, "Sink");
            self.connect(&consumer, &command, F::Triggers);
            self.connect(&command, &handler, F::HandledBy);
        }
    }

    fn build(seed: u64) -> Builder {
        let mut b = Builder {
            rng: Stream::new(seed, 99),
            model: Model::new("random"),
            next: 0,
            guarantees: BTreeMap::new(),
            dlq: None,
            services: Vec::new(),
            random_workload: false,
        };
        let sources = 1 + b.pick(2);
        for _ in 0..sources {
            let per_sec = 20.0 + b.rng.unit() * 400.0;
            let workload = Workload {
                arrival: if b.pick(2) == 0 {
                    Arrival::Poisson { per_sec }
                } else {
                    Arrival::Constant { per_sec }
                },
                keys: 1 + b.pick(40) as u32,
                poison_rate: if b.pick(3) == 0 { 0.03 } else { 0.0 },
                ..Workload::default()
            };
            b.random_workload |=
                matches!(workload.arrival, Arrival::Poisson { .. }) || workload.keys > 1;
            if b.pick(2) == 0 {
                let actor = b.add("actor", K::Actor, "User");
                let command = b.add("command", K::Command, "Do It");
                let handler = b.add("handler", K::Aggregate, "Handler");
                let guarantee = b.guarantee();
                let service = b.service(guarantee);
                b.model.element_mut(&handler).expect("exists").service = Some(service);
                b.guarantees.insert(handler.clone(), guarantee);
                b.services.push(handler.clone());
                b.model.element_mut(&actor).expect("exists").workload = Some(workload);
                b.connect(&actor, &command, F::Issues);
                b.connect(&command, &handler, F::HandledBy);
                let event = b.event(0);
                b.connect(&handler, &event, F::Emits);
            } else {
                let external = b.add("external", K::ExternalSystem, "Device");
                b.model.element_mut(&external).expect("exists").workload = Some(workload);
                let event = b.event(0);
                b.connect(&external, &event, F::Emits);
            }
        }
        let faults = b.pick(4);
        for _ in 0..faults {
            let which = b.pick(b.services.len() as u64) as usize;
            let target = b.services[which].clone();
            let at_us = b.pick(1_500_000);
            let for_us = 50_000 + b.pick(700_000);
            let kind = match b.pick(3) {
                0 => FaultKind::Down { for_us },
                1 => FaultKind::Slow {
                    factor: 2 + b.pick(20) as u32,
                    for_us,
                },
                _ => FaultKind::Failing {
                    rate: b.rng.unit() * 0.8,
                    for_us,
                },
            };
            b.model.faults.push(Fault {
                element: target,
                at_us,
                kind,
            });
        }
        b
    }
}

/// 48 topologies a property by default; `PROPTEST_CASES=2000` for a long
/// hunt (an explicit count would otherwise shadow the variable).
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(48)
}

fn run(model: &Model, seed: u64, until: u64) -> Sim {
    let mut sim = Sim::new(
        model,
        &SimOptions {
            seed: Some(seed),
            ..SimOptions::default()
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    sim.run_until(until);
    sim
}

proptest! {
        #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    /// Conservation holds after every single event: every expected
    /// delivery is processed, queued, in flight, dead-lettered or dropped.
    #[test]
    fn conservation_holds_at_every_step(topology in any::<u64>(), seed in any::<u64>()) {
        let b = Builder::build(topology);
        let mut sim = Sim::new(&b.model, &SimOptions { seed: Some(seed), ..SimOptions::default() })
            .unwrap_or_else(|e| panic!("{e}"));
        let mut steps = 0;
        while sim.now() < 2_000_000 && steps < 20_000 {
            prop_assert!(sim.step());
            steps += 1;
            let totals = sim.totals();
            prop_assert!(totals.conserved(), "step {steps} at {}us: {totals:?}", sim.now());
        }
    }

    /// Exactly-once consumers never drop and never apply an effect twice;
    /// at-most-once consumers never apply an effect twice.
    #[test]
    fn guarantees_hold(topology in any::<u64>(), seed in any::<u64>()) {
        let b = Builder::build(topology);
        let sim = run(&b.model, seed, 3_000_000);
        for (id, guarantee) in &b.guarantees {
            let index = sim.element_index(id).expect("known");
            let counters = &sim.element_metrics(index).expect("known").counters;
            match guarantee {
                Guarantee::ExactlyOnce => {
                    prop_assert_eq!(counters.duplicates, 0, "{} (exactly-once) duplicated", id);
                    prop_assert_eq!(counters.dropped, 0, "{} (exactly-once) dropped: {:?}", id, sim.element_metrics(index).map(|m| &m.drop_reasons));
                }
                Guarantee::AtMostOnce => prop_assert_eq!(counters.duplicates, 0, "{} (at-most-once) duplicated", id),
                Guarantee::AtLeastOnce => {}
            }
        }
        prop_assert!(sim.totals().conserved());
    }

    /// Within a partition, each consumer group processes messages in offset order.
    #[test]
    fn order_is_kept_within_a_partition(topology in any::<u64>(), seed in any::<u64>()) {
        let b = Builder::build(topology);
        let sim = run(&b.model, seed, 2_000_000);
        let trace = sim.trace();
        // (consumer, message type, partition) -> last processed offset
        let mut last: BTreeMap<(u32, u32, u16), u32> = BTreeMap::new();
        for row in 0..trace.attempt_count() {
            let attempt = trace.attempt(row).expect("row exists");
            if attempt.outcome != Outcome::Processed {
                continue;
            }
            let message = trace.message(attempt.msg).expect("recorded");
            if message.partition == u16::MAX || message.flags != 0 {
                continue;
            }
            let slot = (attempt.consumer, message.ty, message.partition);
            if let Some(previous) = last.insert(slot, message.offset) {
                prop_assert!(previous < message.offset, "consumer {} partition {}: offset {} after {}", attempt.consumer, message.partition, message.offset, previous);
            }
        }
    }

    /// The same model and seed give the same trace; another seed (almost
    /// always) another.
    #[test]
    fn runs_are_deterministic(topology in any::<u64>(), seed in 0u64..u64::MAX) {
        let b = Builder::build(topology);
        let first = run(&b.model, seed, 1_000_000).report();
        let second = run(&b.model, seed, 1_000_000).report();
        prop_assert_eq!(&first.trace_hash, &second.trace_hash);
        prop_assert_eq!(serde_json::to_string(&first).expect("json"), serde_json::to_string(&second).expect("json"));
        let other = run(&b.model, seed + 1, 1_000_000).report();
                if b.random_workload && first.totals.messages_produced > 10 {
            prop_assert_ne!(first.trace_hash, other.trace_hash);
        }
    }
}
