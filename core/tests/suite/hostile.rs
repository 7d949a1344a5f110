//! Hostile models: every class that used to hang a run or exhaust memory
//! is an error of `check`, and the engine stops it with a named reason
//! whatever the checks said, in bounded time and memory, with the books
//! balanced up to where it stopped.

use proptest::prelude::*;
use stormflow_core::check::{Rule, Severity, check};
use stormflow_core::format::from_ron_str;
use stormflow_core::model::Model;
use stormflow_core::sim::{Sim, SimOptions, StopReason};

fn model(src: &str) -> Model {
    from_ron_str(src).unwrap_or_else(|e| panic!("{e}\n{src}"))
}

fn errors_of(model: &Model, rule: Rule) -> Vec<String> {
    check(model)
        .into_iter()
        .filter(|p| p.rule == rule && p.severity == Severity::Error)
        .map(|p| p.message)
        .collect()
}

/// Runs a model the checks refuse, to its horizon or until the engine stops it.
fn run_unchecked(model: &Model, options: SimOptions) -> Sim {
    let mut sim = Sim::new_without_checks(model, &options).expect("compiles");
    sim.run_until(model.run.horizon_us);
    sim
}

fn small_guards() -> SimOptions {
    SimOptions {
        max_events_at_one_instant: Some(20_000),
        max_memory_bytes: Some(64 * 1024 * 1024),
        ..SimOptions::default()
    }
}

/// Two policies that trigger each other through commands and aggregates,
/// every step taking 0 us.
const ZERO_TIME_POLICIES: &str = r#"(version: 1, name: "spin", run: (horizon_us: 10000000),
  elements: [
    (id: "user", kind: Actor, name: "User", pos: (x: 0, y: 0),
     workload: (arrival: Constant(per_sec: 1.0), keys: 1)),
    (id: "start", kind: Command, name: "Start", pos: (x: 0, y: 0)),
    (id: "engine", kind: Aggregate, name: "Engine", pos: (x: 0, y: 0),
     service: (service_time: Fixed(us: 0))),
    (id: "started", kind: Event, name: "Started", pos: (x: 0, y: 0)),
    (id: "again", kind: Policy, name: "Again", pos: (x: 0, y: 0),
     service: (service_time: Fixed(us: 0))),
  ],
  flows: [
    (from: "user", to: "start", kind: Issues),
    (from: "start", to: "engine", kind: HandledBy),
    (from: "engine", to: "started", kind: Emits),
    (from: "started", to: "again", kind: ConsumedBy),
    (from: "again", to: "start", kind: Triggers),
  ])"#;

#[test]
fn a_zero_time_loop_is_a_check_error_naming_its_elements() {
    let errors = errors_of(&model(ZERO_TIME_POLICIES), Rule::ZeroTimeLoop);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("again → start → engine → started → again"),
        "{}",
        errors[0]
    );
}

#[test]
fn a_zero_time_loop_run_stops_with_the_loop_named() {
    let sim = run_unchecked(&model(ZERO_TIME_POLICIES), small_guards());
    // Whichever guard sees it first: the instant that never ends, or the
    // chain of messages going round.
    let (path, at_us) = match sim.stopped() {
        Some(StopReason::ZeroTimeLoop { path, at_us, .. })
        | Some(StopReason::EndlessLoop { path, at_us, .. }) => (path.clone(), *at_us),
        other => panic!("expected a loop, got {other:?}"),
    };
    assert_eq!(at_us, 0);
    for id in ["again", "engine"] {
        assert!(path.iter().any(|p| p == id), "{path:?}");
    }
    assert_eq!(path.first(), path.last(), "a closed path: {path:?}");
    let text = sim.stopped().map(ToString::to_string).unwrap_or_default();
    assert!(text.contains("loop through"), "{text}");
    assert!(sim.totals().conserved());
    assert!(sim.report().stopped.is_some());
}

/// A processor that calls itself: a self-call in zero time.
const SELF_CALL: &str = r#"(version: 1, name: "self", run: (horizon_us: 10000000),
  elements: [
    (id: "user", kind: Actor, name: "User", pos: (x: 0, y: 0),
     workload: (arrival: Constant(per_sec: 1.0), keys: 1)),
    (id: "svc", kind: Aggregate, name: "Svc", pos: (x: 0, y: 0),
     service: (instances: 4, service_time: Fixed(us: 0))),
  ],
  flows: [
    (from: "user", to: "svc", kind: Call),
    (from: "svc", to: "svc", kind: Call),
  ])"#;

#[test]
fn a_self_call_is_a_zero_time_loop_for_check_and_for_the_run() {
    let m = model(SELF_CALL);
    assert!(!errors_of(&m, Rule::ZeroTimeLoop).is_empty());
    // Each nested call holds a worker, so the calls deadlock rather than
    // spin; their timeouts unwind them and the run reaches its end.
    let sim = run_unchecked(&m, small_guards());
    assert!(
        sim.stopped().is_some() || sim.now() == m.run.horizon_us,
        "the run ends"
    );
    assert!(sim.totals().conserved());
}

/// A split processor feeding itself through a topic: every pass doubles.
const SPLIT_LOOP: &str = r#"(version: 1, name: "doubling", run: (horizon_us: 10000000),
  elements: [
    (id: "sensor", kind: ExternalSystem, name: "Sensor", pos: (x: 0, y: 0),
     workload: (arrival: Constant(per_sec: 10.0), keys: 4)),
    (id: "reading", kind: Event, name: "Reading Taken", pos: (x: 0, y: 0)),
    (id: "copy", kind: Event, name: "Copy Made", pos: (x: 0, y: 0)),
    (id: "readings", kind: Topic, name: "readings", pos: (x: 0, y: 0)),
    (id: "fan", kind: Processor, name: "Fan Out", pos: (x: 0, y: 0),
     service: (service_time: Fixed(us: 10)), processor: (operator: Split)),
  ],
  flows: [
    (from: "sensor", to: "reading", kind: Emits),
    (from: "reading", to: "readings", kind: PublishedTo),
    (from: "readings", to: "fan", kind: ConsumedBy),
    (from: "fan", to: "reading", kind: Emits),
    (from: "fan", to: "copy", kind: Emits),
    (from: "copy", to: "readings", kind: PublishedTo),
  ])"#;

#[test]
fn a_multiplying_loop_is_a_check_error_and_its_run_stops_on_the_memory_budget() {
    let m = model(SPLIT_LOOP);
    let errors = errors_of(&m, Rule::MultiplyingLoop);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("multiplies messages"), "{}", errors[0]);
    let sim = run_unchecked(
        &m,
        SimOptions {
            max_memory_bytes: Some(8 * 1024 * 1024),
            trace_limit: Some(10_000),
            ..SimOptions::default()
        },
    );
    match sim.stopped() {
        Some(StopReason::MemoryBudget { largest, .. }) => {
            assert!(largest.contains("readings"), "{largest}")
        }
        other => panic!("expected the memory budget, got {other:?}"),
    }
    assert!(sim.now() < m.run.horizon_us);
    assert!(sim.totals().conserved());
}

/// An exactly-once handler that crashes on every delivery.
const ALWAYS_CRASHES: &str = r#"(version: 1, name: "crash", run: (horizon_us: 60000000),
  elements: [
    (id: "user", kind: Actor, name: "User", pos: (x: 0, y: 0),
     workload: (arrival: Constant(per_sec: 1.0), keys: 1)),
    (id: "pay", kind: Command, name: "Pay", pos: (x: 0, y: 0)),
    (id: "ledger", kind: Aggregate, name: "Ledger", pos: (x: 0, y: 0),
     service: (service_time: Fixed(us: 10), failure_rate: 1.0, guarantee: ExactlyOnce,
               retry: (max_attempts: 3, backoff: Fixed(delay_us: 1)))),
  ],
  flows: [
    (from: "user", to: "pay", kind: Issues),
    (from: "pay", to: "ledger", kind: HandledBy),
  ])"#;

#[test]
fn a_handler_that_always_fails_is_a_check_error_and_its_run_stops_on_runaway_retries() {
    let m = model(ALWAYS_CRASHES);
    let errors = errors_of(&m, Rule::RunLimits);
    assert!(
        errors.iter().any(|e| e.contains("fails every delivery")),
        "{errors:?}"
    );
    let sim = run_unchecked(&m, SimOptions::default());
    match sim.stopped() {
        Some(StopReason::RunawayRetries {
            element, attempts, ..
        }) => {
            assert_eq!(element, "ledger");
            assert!(*attempts > 100);
        }
        other => panic!("expected runaway retries, got {other:?}"),
    }
    assert!(sim.trace().attempt_count() <= 8 * sim.trace().limit() as usize);
    assert!(sim.totals().conserved());
}

#[test]
fn load_beyond_the_limits_is_a_check_error_with_the_limit() {
    let bursts = ZERO_TIME_POLICIES.replace(
        "arrival: Constant(per_sec: 1.0)",
        "arrival: Bursts(every_us: 1, size: 1000000)",
    );
    let errors = errors_of(&model(&bursts), Rule::RunLimits);
    assert!(
        errors.iter().any(|e| e.contains("the limit is 100000")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("messages per second in all")),
        "{errors:?}"
    );
    let sampling = ZERO_TIME_POLICIES.replace(
        "run: (horizon_us: 10000000)",
        "run: (horizon_us: 10000000, sample_every_us: 1)",
    );
    let errors = errors_of(&model(&sampling), Rule::RunLimits);
    assert!(errors.iter().any(|e| e.contains("1 ms")), "{errors:?}");
}

#[test]
fn bursts_too_big_for_memory_stop_on_the_budget_not_an_abort() {
    let bursts = ZERO_TIME_POLICIES
        .replace(
            "arrival: Constant(per_sec: 1.0)",
            "arrival: Bursts(every_us: 1, size: 1000000)",
        )
        .replace(
            "(id: \"again\", kind: Policy, name: \"Again\", pos: (x: 0, y: 0),\n     service: (service_time: Fixed(us: 0))),",
            "",
        )
        .replace("    (from: \"again\", to: \"start\", kind: Triggers),\n", "")
        .replace("    (from: \"started\", to: \"again\", kind: ConsumedBy),\n", "");
    let m = model(&bursts);
    let sim = run_unchecked(
        &m,
        SimOptions {
            max_memory_bytes: Some(32 * 1024 * 1024),
            trace_limit: Some(1_000),
            ..SimOptions::default()
        },
    );
    assert!(
        matches!(sim.stopped(), Some(StopReason::MemoryBudget { .. })),
        "{:?}",
        sim.stopped()
    );
    assert!(sim.totals().conserved());
}

/// Random little topologies: services joined in chains and loops, some
/// with zero service times, some failing every time, under any guarantee.
fn arbitrary_model() -> impl Strategy<Value = String> {
    let service = (
        0u64..3,
        prop_oneof![Just("AtMostOnce"), Just("AtLeastOnce"), Just("ExactlyOnce")],
        prop_oneof![Just(0.0), Just(0.3), Just(1.0)],
    );
    (
        proptest::collection::vec(service, 2..5),
        proptest::collection::vec((0usize..4, 0usize..4), 1..6),
        prop_oneof![Just("Map"), Just("Split")],
    )
        .prop_map(|(services, links, operator)| {
            let n = services.len();
            let mut elements = String::from(
                "(id: \"src\", kind: ExternalSystem, name: \"Source\", pos: (x: 0, y: 0), \
                 workload: (arrival: Constant(per_sec: 50.0), keys: 3)),\n",
            );
            let mut flows = String::from("(from: \"src\", to: \"e0\", kind: Emits),\n");
            for (i, (us, guarantee, failure)) in services.iter().enumerate() {
                elements.push_str(&format!(
                    "(id: \"p{i}\", kind: Processor, name: \"P{i}\", pos: (x: 0, y: 0), \
                     processor: (operator: {operator}), service: (service_time: Fixed(us: {us}), \
                     failure_rate: {failure:?}, guarantee: {guarantee}, \
                     retry: (max_attempts: 2, backoff: Fixed(delay_us: 1)))),\n\
                     (id: \"e{i}\", kind: Event, name: \"E{i} Happened\", pos: (x: 0, y: 0)),\n"
                ));
                flows.push_str(&format!(
                    "(from: \"e{i}\", to: \"p{i}\", kind: ConsumedBy),\n"
                ));
            }
            let mut seen = std::collections::BTreeSet::new();
            for (from, to) in links {
                let (from, to) = (from % n, to % n);
                if seen.insert((from, to)) {
                    flows.push_str(&format!(
                        "(from: \"p{from}\", to: \"e{to}\", kind: Emits),\n"
                    ));
                }
            }
            format!(
                "(version: 1, name: \"random\", run: (horizon_us: 2000000, trace_limit: 20000),\n\
                 elements: [\n{elements}], flows: [\n{flows}])"
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(48),
        ..ProptestConfig::default()
    })]

    /// Whatever the topology, a run ends within a bounded number of events,
    /// and the books balance where it ended. The guards are set low so the
    /// bound holds: a loop that feeds an endless zero-time loop starts a new
    /// chain on every turn, so events grow with the square of virtual time
    /// until the chain-depth guard stops the run.
    #[test]
    fn every_random_topology_ends_in_bounded_events_with_conservation(src in arbitrary_model()) {
        let m = model(&src);
        let mut sim = Sim::new_without_checks(&m, &SimOptions {
            max_events_at_one_instant: Some(5_000),
            max_attempts_of_one_delivery: Some(100),
            max_chain_depth: Some(1_000),
            max_memory_bytes: Some(16 * 1024 * 1024),
            ..SimOptions::default()
        }).expect("compiles");
        let mut events = 0u64;
        while sim.step() {
            events += 1;
            prop_assert!(events < 3_000_000, "no end after {} events", events);
            if sim.now() > m.run.horizon_us {
                break;
            }
        }
        prop_assert!(sim.totals().conserved(), "{:?}", sim.totals());
    }
}
