//! Simulation scenarios that pin DESIGN.md section 4 sentence by sentence.

use stormflow_core::format::from_ron_str;
use stormflow_core::model::{Fault, FaultKind, Model};
use stormflow_core::sim::{
    FLAG_CALLBACK, FLAG_DEAD_LETTER, FLAG_SYNC, MsgKind, Outcome, Sim, SimOptions,
};

fn model(src: &str) -> Model {
    from_ron_str(src).unwrap_or_else(|e| panic!("{e}\n{src}"))
}

fn sim(model: &Model) -> Sim {
    Sim::new(model, &SimOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn index(sim: &Sim, id: &str) -> u32 {
    sim.element_index(&id.into())
        .unwrap_or_else(|| panic!("no {id}"))
}

fn lag_per_partition(sim: &Sim, topic: &str, consumer: &str) -> Vec<u64> {
    let (topic, consumer) = (index(sim, topic), index(sim, consumer));
    let snapshot = sim.snapshot();
    let t = snapshot
        .topics
        .iter()
        .find(|t| t.element == topic)
        .expect("topic");
    t.groups
        .iter()
        .find(|g| g.consumer == consumer)
        .expect("group")
        .lag
        .clone()
}

/// A sensor emits readings over 8 keys into a 4-partition topic read by one
/// consumer whose failure handling is `ON_EXHAUSTED`; a share of readings is poison.
const POISON: &str = r#"(
    version: 1,
    name: "poison",
    elements: [
        (id: "consumer", kind: Aggregate, name: "Consumer", pos: (x: 0, y: 0),
            service: (instances: 4, service_time: Fixed(us: 1000), guarantee: AtLeastOnce,
                retry: (max_attempts: 3, backoff: Fixed(delay_us: 20000)), on_exhausted: ON_EXHAUSTED, call_timeout_us: 1000000)),
        (id: "dlq", kind: Topic, name: "dlq", pos: (x: 0, y: 0), topic: (partitions: 1, retention: Forever)),
        (id: "reading-taken", kind: Event, name: "Reading Taken", pos: (x: 0, y: 0)),
        (id: "readings", kind: Topic, name: "readings", pos: (x: 0, y: 0), topic: (partitions: 4, retention: Forever)),
        (id: "sensor", kind: ExternalSystem, name: "Sensor", pos: (x: 0, y: 0),
            workload: (arrival: Constant(per_sec: 200.0), keys: 8, key_prefix: "device", poison_rate: 0.01)),
    ],
    flows: [
        (from: "reading-taken", to: "readings", kind: PublishedTo),
        (from: "readings", to: "consumer", kind: ConsumedBy),
        (from: "sensor", to: "reading-taken", kind: Emits),
    ],
)"#;

#[test]
fn a_poison_message_with_stop_the_partition_grows_that_partitions_lag_and_no_other() {
    let m = model(&POISON.replace("ON_EXHAUSTED", "StopPartition"));
    let mut s = sim(&m);
    s.run_until(3_000_000);
    let snapshot = s.snapshot();
    let readings = index(&s, "readings");
    let group = &snapshot
        .topics
        .iter()
        .find(|t| t.element == readings)
        .expect("topic")
        .groups[0];
    let stopped: Vec<usize> = (0..4).filter(|p| group.stopped[*p]).collect();
    assert!(
        !stopped.is_empty() && stopped.len() < 4,
        "stopped partitions: {stopped:?}"
    );
    let before = lag_per_partition(&s, "readings", "consumer");
    s.run_until(6_000_000);
    let after = lag_per_partition(&s, "readings", "consumer");
    for p in 0..4 {
        if stopped.contains(&p) {
            assert!(
                after[p] > before[p] + 50,
                "stopped partition {p}: lag {} -> {}",
                before[p],
                after[p]
            );
        } else {
            assert!(after[p] <= 2, "running partition {p} lags {}", after[p]);
        }
    }
    assert!(s.totals().conserved());
}

#[test]
fn a_poison_message_with_a_dead_letter_topic_lands_there_after_the_configured_attempts() {
    let m = model(&POISON.replace("ON_EXHAUSTED", r#"DeadLetter("dlq")"#));
    let mut s = sim(&m);
    s.run_until(3_000_000);
    let totals = s.totals();
    assert!(totals.dead_lettered > 0);
    assert!(
        lag_per_partition(&s, "readings", "consumer")
            .iter()
            .all(|lag| *lag <= 2)
    );
    let trace = s.trace();
    let letter = (0..trace.len() as u64)
        .filter_map(|id| trace.message(id))
        .find(|m| m.flags & FLAG_DEAD_LETTER != 0)
        .expect("a dead letter");
    let header = trace.dead_letter(letter.id).expect("headers");
    assert!(header.error.contains("poison"), "{}", header.error);
    assert_eq!(header.topic, index(&s, "readings"));
    let original = trace.message(header.original).expect("original recorded");
    assert_eq!(u32::from(original.partition), header.partition);
    assert_eq!(u64::from(original.offset), header.offset);
    assert_eq!(
        letter.causation, original.id,
        "the dead letter is caused by the original"
    );
    let attempts = trace.attempts_of(original.id);
    assert_eq!(attempts.len(), 3, "max_attempts is 3");
    assert!(
        attempts[..2]
            .iter()
            .all(|(_, a)| a.outcome == Outcome::Retried)
    );
    assert_eq!(attempts[2].1.outcome, Outcome::DeadLettered);
    // One pass over many messages finds the same attempts as one at a time.
    let many: std::collections::BTreeSet<u64> =
        (original.id.saturating_sub(20)..(original.id + 20).min(trace.len() as u64)).collect();
    let each = trace.attempts_of_each(&many);
    for id in &many {
        assert_eq!(
            each.get(id).cloned().unwrap_or_default(),
            trace.attempts_of(*id),
            "m{id}"
        );
    }
    assert_eq!(each[&original.id], attempts);
    // The dead letter sits in the dead-letter topic.
    let dlq = index(&s, "dlq");
    let snapshot = s.snapshot();
    let dlq_state = snapshot
        .topics
        .iter()
        .find(|t| t.element == dlq)
        .expect("dlq");
    assert_eq!(
        dlq_state.end_offsets.iter().sum::<u64>(),
        totals.dead_lettered
    );
}

/// A -> B -> C: in the event-command style, A calls B and B calls C
/// synchronously; in the event-first style A still calls B, but B emits an
/// event that C consumes from a topic.
const CHAIN_SYNC: &str = r#"(
    version: 1,
    name: "sync chain",
    elements: [
        (id: "a", kind: Actor, name: "A", pos: (x: 0, y: 0),
            workload: (arrival: Constant(per_sec: 100.0), keys: 10)),
        (id: "b", kind: Aggregate, name: "B", pos: (x: 0, y: 0),
            service: (instances: 4, service_time: Fixed(us: 2000), guarantee: AtLeastOnce,
                retry: (max_attempts: 1, backoff: Fixed(delay_us: 0)), on_exhausted: Drop, call_timeout_us: 200000)),
        (id: "c", kind: ExternalSystem, name: "C", pos: (x: 0, y: 0),
            service: (instances: 4, service_time: Fixed(us: 2000), guarantee: AtLeastOnce,
                retry: (max_attempts: 3, backoff: Fixed(delay_us: 10000)), on_exhausted: Drop, call_timeout_us: 200000)),
    ],
    flows: [
        (from: "a", to: "b", kind: Call),
        (from: "b", to: "c", kind: Call),
    ],
    faults: [(element: "c", at_us: 2000000, kind: Down(for_us: 2000000))],
)"#;

const CHAIN_EVENT_FIRST: &str = r#"(
    version: 1,
    name: "event-first chain",
    elements: [
        (id: "a", kind: Actor, name: "A", pos: (x: 0, y: 0),
            workload: (arrival: Constant(per_sec: 100.0), keys: 10)),
        (id: "b", kind: Aggregate, name: "B", pos: (x: 0, y: 0),
            service: (instances: 4, service_time: Fixed(us: 2000), guarantee: AtLeastOnce,
                retry: (max_attempts: 1, backoff: Fixed(delay_us: 0)), on_exhausted: Drop, call_timeout_us: 200000)),
        (id: "b-done", kind: Event, name: "B Done", pos: (x: 0, y: 0)),
        (id: "c", kind: ExternalSystem, name: "C", pos: (x: 0, y: 0),
            service: (instances: 4, service_time: Fixed(us: 2000), guarantee: AtLeastOnce,
                retry: (max_attempts: 3, backoff: Fixed(delay_us: 10000)), on_exhausted: Drop, call_timeout_us: 200000)),
        (id: "done", kind: Topic, name: "done", pos: (x: 0, y: 0), topic: (partitions: 2, retention: Forever)),
    ],
    flows: [
        (from: "a", to: "b", kind: Call),
        (from: "b", to: "b-done", kind: Emits),
        (from: "b-done", to: "done", kind: PublishedTo),
        (from: "done", to: "c", kind: ConsumedBy),
    ],
    faults: [(element: "c", at_us: 2000000, kind: Down(for_us: 2000000))],
)"#;

#[test]
fn a_synchronous_chain_fails_the_caller_when_the_end_is_down() {
    let mut s = sim(&model(CHAIN_SYNC));
    s.run_until(1_900_000);
    let a = index(&s, "a");
    let failed_before = s.element_metrics(a).expect("a").counters.requests_failed;
    assert_eq!(failed_before, 0, "no failures before the outage");
    s.run_until(4_000_000);
    let counters = s.element_metrics(a).expect("a").counters.clone();
    assert!(
        counters.requests_failed >= 190,
        "A's requests fail while C is down: {counters:?}"
    );
    s.run_until(6_000_000);
    let after = s.element_metrics(a).expect("a").counters.requests_failed;
    assert!(
        after - counters.requests_failed <= 2,
        "and succeed again after it is back"
    );
    assert!(s.totals().conserved());
}

#[test]
fn the_same_flow_event_first_keeps_the_caller_succeeding_while_the_lag_grows() {
    let mut s = sim(&model(CHAIN_EVENT_FIRST));
    s.run_until(1_900_000);
    let lag_before: u64 = lag_per_partition(&s, "done", "c").iter().sum();
    s.run_until(3_900_000);
    let lag_during: u64 = lag_per_partition(&s, "done", "c").iter().sum();
    let a = index(&s, "a");
    let counters = s.element_metrics(a).expect("a").counters.clone();
    assert_eq!(counters.requests_failed, 0, "{counters:?}");
    assert!(counters.requests_ok > 350);
    assert!(
        lag_during >= lag_before + 150,
        "C's lag grows: {lag_before} -> {lag_during}"
    );
    s.run_until(8_000_000);
    let lag_after: u64 = lag_per_partition(&s, "done", "c").iter().sum();
    assert!(lag_after <= 2, "and drains after C is back: {lag_after}");
    assert!(s.totals().conserved());
}

const PIPE: &str = r#"(
    version: 1,
    name: "pipe",
    elements: [
        (id: "consumer", kind: ReadModel, name: "View", pos: (x: 0, y: 0),
            service: (instances: 1, FAILURE service_time: Fixed(us: 1000), guarantee: GUARANTEE,
                retry: (max_attempts: 3, backoff: Fixed(delay_us: 5000)), on_exhausted: Drop, call_timeout_us: 1000000)),
        (id: "happened", kind: Event, name: "Happened", pos: (x: 0, y: 0), event: (pattern: PATTERN)),
        (id: "source", kind: Aggregate, name: "Source", pos: (x: 0, y: 0),
            service: (instances: 1, service_time: Fixed(us: 500), guarantee: AtLeastOnce,
                retry: (max_attempts: 3, backoff: Fixed(delay_us: 5000)), on_exhausted: Drop, call_timeout_us: 1000000)),
        (id: "stream", kind: Topic, name: "stream", pos: (x: 0, y: 0), topic: (partitions: 2, retention: RETENTION)),
        (id: "user", kind: Actor, name: "User", pos: (x: 0, y: 0), workload: (arrival: Constant(per_sec: 100.0), keys: 5)),
        (id: "do-it", kind: Command, name: "Do It", pos: (x: 0, y: 0)),
    ],
    flows: [
        (from: "do-it", to: "source", kind: HandledBy),
        (from: "happened", to: "stream", kind: PublishedTo),
        (from: "source", to: "happened", kind: Emits),
        (from: "stream", to: "consumer", kind: ConsumedBy),
        (from: "user", to: "do-it", kind: Issues),
    ],
)"#;

fn pipe(guarantee: &str, failure: &str, pattern: &str, retention: &str) -> Model {
    model(
        &PIPE
            .replace("GUARANTEE", guarantee)
            .replace("FAILURE", failure)
            .replace("PATTERN", pattern)
            .replace("RETENTION", retention),
    )
}

fn counters(s: &Sim, id: &str) -> stormflow_core::sim::Counters {
    s.element_metrics(index(s, id))
        .expect("element")
        .counters
        .clone()
}

#[test]
fn at_least_once_redelivers_after_a_crash_and_counts_the_duplicate_effect() {
    let m = pipe(
        "AtLeastOnce",
        "failure_rate: 0.3,",
        "CarriedState",
        "Forever",
    );
    let mut s = sim(&m);
    s.run_until(3_000_000);
    let c = counters(&s, "consumer");
    assert!(c.duplicates > 30, "{c:?}");
    assert_eq!(c.dropped, 0);
}

#[test]
fn exactly_once_rolls_back_a_crash_without_duplicates_or_loss() {
    let m = pipe(
        "ExactlyOnce",
        "failure_rate: 0.3,",
        "CarriedState",
        "Forever",
    );
    let mut s = sim(&m);
    s.run_until(3_000_000);
    let c = counters(&s, "consumer");
    assert_eq!((c.duplicates, c.dropped), (0, 0), "{c:?}");
    assert!(c.errors > 30 && c.processed > 250, "{c:?}");
}

#[test]
fn at_most_once_loses_a_crashed_message_with_its_reason() {
    let m = pipe(
        "AtMostOnce",
        "failure_rate: 0.3,",
        "CarriedState",
        "Forever",
    );
    let mut s = sim(&m);
    s.run_until(3_000_000);
    let c = counters(&s, "consumer");
    assert_eq!(c.duplicates, 0);
    assert!(c.dropped > 30, "{c:?}");
    let reasons = &s
        .element_metrics(index(&s, "consumer"))
        .expect("consumer")
        .drop_reasons;
    assert!(
        reasons.keys().any(|r| r.contains("at-most-once")),
        "{reasons:?}"
    );
    assert!(s.totals().conserved());
}

#[test]
fn time_retention_deletes_unread_messages_and_says_why() {
    let mut m = pipe(
        "AtLeastOnce",
        "",
        "CarriedState",
        "Time(max_age_us: 100000)",
    );
    m.faults.push(Fault {
        element: "consumer".into(),
        at_us: 500_000,
        kind: FaultKind::Down { for_us: 1_000_000 },
    });
    let mut s = sim(&m);
    s.run_until(3_000_000);
    let reasons = &s
        .element_metrics(index(&s, "consumer"))
        .expect("consumer")
        .drop_reasons;
    let expired: u64 = reasons
        .iter()
        .filter(|(r, _)| r.contains("retention"))
        .map(|(_, n)| n)
        .sum();
    assert!(expired > 50, "{reasons:?}");
    assert!(s.totals().conserved());
}

#[test]
fn an_event_notification_makes_consumers_call_back_and_carried_state_does_not() {
    let callbacks = |pattern: &str| {
        let mut s = sim(&pipe("AtLeastOnce", "", pattern, "Forever"));
        s.run_until(2_000_000);
        let trace = s.trace();
        let callbacks = (0..trace.len() as u64)
            .filter_map(|id| trace.message(id))
            .filter(|m| m.flags & FLAG_CALLBACK != 0 && m.kind == MsgKind::Query)
            .count();
        let bytes: u64 = (0..trace.len() as u64)
            .filter_map(|id| trace.message(id))
            .filter(|m| m.kind == MsgKind::Event)
            .map(|m| u64::from(m.payload_bytes))
            .sum();
        (callbacks, bytes)
    };
    let (en_callbacks, en_bytes) = callbacks("Notification");
    let (ecs_callbacks, ecs_bytes) = callbacks("CarriedState");
    assert!(en_callbacks > 150, "{en_callbacks}");
    assert_eq!(ecs_callbacks, 0);
    assert!(
        ecs_bytes > en_bytes * 5,
        "carried state is bigger: {ecs_bytes} vs {en_bytes}"
    );
}

#[test]
fn a_read_model_records_when_each_event_became_visible() {
    let mut s = sim(&pipe("AtLeastOnce", "", "CarriedState", "Forever"));
    s.run_until(2_000_000);
    let report = s.report();
    let view = &report.read_models["consumer"];
    assert!(view.consistency_window_us.count > 150);
    assert!(
        view.consistency_window_us.p50 >= 1_000,
        "at least the service time"
    );
    assert_eq!(view.entries, 5, "one entry per key");
}

#[test]
fn a_replay_rebuilds_the_view_from_the_log() {
    let mut m = pipe("AtLeastOnce", "", "Sourced", "Forever");
    m.faults.push(Fault {
        element: "consumer".into(),
        at_us: 1_000_000,
        kind: FaultKind::Replay,
    });
    let mut s = sim(&m);
    s.run_until(1_000_000);
    let processed_before = counters(&s, "consumer").processed;
    s.run_until(1_800_000);
    let totals = s.totals();
    assert!(totals.replayed >= processed_before, "{totals:?}");
    assert!(counters(&s, "consumer").processed >= 2 * processed_before);
    assert!(totals.conserved());
    let view = s
        .operator_states()
        .into_iter()
        .find(|o| o.element == index(&s, "consumer"))
        .expect("view");
    assert_eq!(view.size, 5);
}

#[test]
fn a_compacted_topic_replays_only_the_newest_message_per_key() {
    let mut m = pipe("AtLeastOnce", "", "Sourced", "Compact");
    m.faults.push(Fault {
        element: "consumer".into(),
        at_us: 1_000_000,
        kind: FaultKind::Replay,
    });
    let mut s = sim(&m);
    s.run_until(1_500_000);
    assert_eq!(s.totals().replayed, 5, "five keys");
}

const WINDOW: &str = r#"(
    version: 1,
    name: "window",
    elements: [
        (id: "average", kind: Processor, name: "Average", pos: (x: 0, y: 0),
            service: (instances: 2, service_time: Fixed(us: 100), guarantee: AtLeastOnce,
                retry: (max_attempts: 1, backoff: Fixed(delay_us: 0)), on_exhausted: Drop, call_timeout_us: 1000000),
            processor: (operator: Aggregate(window_us: 1000000))),
        (id: "averaged", kind: Event, name: "Window Averaged", pos: (x: 0, y: 0)),
        (id: "device", kind: ExternalSystem, name: "Device", pos: (x: 0, y: 0),
            workload: (arrival: Constant(per_sec: 100.0), keys: 3, key_prefix: "device")),
        (id: "read", kind: Event, name: "Temperature Read", pos: (x: 0, y: 0)),
        (id: "readings", kind: Topic, name: "readings", pos: (x: 0, y: 0), topic: (partitions: 3, retention: Forever)),
    ],
    flows: [
        (from: "average", to: "averaged", kind: Emits),
        (from: "device", to: "read", kind: Emits),
        (from: "read", to: "readings", kind: PublishedTo),
        (from: "readings", to: "average", kind: ConsumedBy),
    ],
)"#;

#[test]
fn a_tumbling_window_emits_one_result_per_key_per_window_linked_to_its_inputs() {
    let m = model(WINDOW);
    let mut s = sim(&m);
    s.run_until(500_000);
    let state = s
        .operator_states()
        .into_iter()
        .find(|o| o.element == index(&s, "average"))
        .expect("state");
    assert_eq!(
        state.size, 3,
        "counting per key inside the open window: {state:?}"
    );
    s.run_until(3_000_001);
    let trace = s.trace();
    let averaged = index(&s, "averaged");
    let results: Vec<_> = (0..trace.len() as u64)
        .filter_map(|id| trace.message(id))
        .filter(|m| m.ty == averaged)
        .collect();
    assert_eq!(results.len(), 9, "3 keys x 3 closed windows");
    for result in &results {
        assert!(result.time % 1_000_000 == 0, "emitted at a window boundary");
        assert!(
            !trace.links(result.id).is_empty(),
            "fan-in links to the inputs"
        );
    }
}

const JOIN: &str = r#"(
    version: 1,
    name: "join",
    elements: [
        (id: "click", kind: Event, name: "Link Clicked", pos: (x: 0, y: 0)),
        (id: "clicks", kind: Topic, name: "clicks", pos: (x: 0, y: 0), topic: (partitions: 2, retention: Forever)),
        (id: "enriched", kind: Event, name: "Click Attributed", pos: (x: 0, y: 0)),
        (id: "join", kind: Processor, name: "Join", pos: (x: 0, y: 0),
            processor: (operator: Join(table: "profiles"))),
        (id: "profile", kind: Event, name: "Profile Updated", pos: (x: 0, y: 0)),
        (id: "profiles", kind: Topic, name: "profiles", pos: (x: 0, y: 0), topic: (partitions: 2, retention: Compact)),
        (id: "site", kind: ExternalSystem, name: "Site", pos: (x: 0, y: 0),
            workload: (arrival: Constant(per_sec: 200.0), keys: 10, key_prefix: "user")),
        (id: "crm", kind: ExternalSystem, name: "CRM", pos: (x: 0, y: 0),
            workload: (arrival: Constant(per_sec: 50.0), keys: 5, key_prefix: "user", stop_us: 300000)),
    ],
    flows: [
        (from: "click", to: "clicks", kind: PublishedTo),
        (from: "clicks", to: "join", kind: ConsumedBy),
        (from: "crm", to: "profile", kind: Emits),
        (from: "join", to: "enriched", kind: Emits),
        (from: "profile", to: "profiles", kind: PublishedTo),
        (from: "profiles", to: "join", kind: ConsumedBy),
        (from: "site", to: "click", kind: Emits),
    ],
)"#;

#[test]
fn a_stream_table_join_emits_only_keys_the_table_knows() {
    let m = model(JOIN);
    let mut s = sim(&m);
    s.run_until(2_000_000);
    let trace = s.trace();
    let enriched = index(&s, "enriched");
    let table_keys: std::collections::BTreeSet<u32> = (0..trace.len() as u64)
        .filter_map(|id| trace.message(id))
        .filter(|m| m.ty == index(&s, "profile"))
        .map(|m| m.key)
        .collect();
    let outputs: Vec<_> = (0..trace.len() as u64)
        .filter_map(|id| trace.message(id))
        .filter(|m| m.ty == enriched)
        .collect();
    assert!(!outputs.is_empty());
    for output in &outputs {
        assert!(
            table_keys.contains(&output.key),
            "joined only where the table has the key"
        );
        assert_eq!(trace.links(output.id).len(), 1, "linked to the table row");
    }
    let state = s
        .operator_states()
        .into_iter()
        .find(|o| o.element == index(&s, "join"))
        .expect("join state");
    assert_eq!(state.size as usize, table_keys.len());
}

const WEBHOOKS: &str = r#"(
    version: 1,
    name: "webhooks",
    elements: [
        (id: "changed", kind: Event, name: "Account Changed", pos: (x: 0, y: 0)),
        (id: "accounts", kind: Aggregate, name: "Accounts", pos: (x: 0, y: 0),
            service: (instances: 1, service_time: Fixed(us: 1000), guarantee: AtLeastOnce,
                retry: (max_attempts: 1, backoff: Fixed(delay_us: 0)), on_exhausted: Drop, call_timeout_us: 50000)),
        (id: "change", kind: Command, name: "Change Account", pos: (x: 0, y: 0)),
        (id: "hook-a", kind: ExternalSystem, name: "Subscriber A", pos: (x: 0, y: 0),
            service: (instances: 1, service_time: Fixed(us: 3000), guarantee: AtLeastOnce,
                retry: (max_attempts: 1, backoff: Fixed(delay_us: 0)), on_exhausted: Drop, call_timeout_us: 50000)),
        (id: "hook-b", kind: ExternalSystem, name: "Subscriber B", pos: (x: 0, y: 0),
            service: (instances: 1, service_time: Fixed(us: 4000), guarantee: AtLeastOnce,
                retry: (max_attempts: 1, backoff: Fixed(delay_us: 0)), on_exhausted: Drop, call_timeout_us: 50000)),
        (id: "user", kind: Actor, name: "User", pos: (x: 0, y: 0), workload: (arrival: Constant(per_sec: 50.0), keys: 5)),
    ],
    flows: [
        (from: "accounts", to: "changed", kind: Emits),
        (from: "change", to: "accounts", kind: HandledBy),
        (from: "changed", to: "hook-a", kind: Webhook),
        (from: "changed", to: "hook-b", kind: Webhook),
        (from: "user", to: "change", kind: Issues),
    ],
    faults: [(element: "hook-b", at_us: 1000000, kind: Down(for_us: 1000000))],
)"#;

#[test]
fn webhooks_make_the_emitter_wait_for_each_subscriber_and_fail_when_one_is_down() {
    let m = model(WEBHOOKS);
    let mut s = sim(&m);
    s.run_until(900_000);
    let accounts = s.element_metrics(index(&s, "accounts")).expect("accounts");
    // 1 ms of own work + 3 ms + 4 ms of waiting on the subscribers, in turn.
    assert!(
        accounts.service_time.quantile(0.5) >= 8_000,
        "{}",
        accounts.service_time.quantile(0.5)
    );
    s.run_until(1_900_000);
    let reasons = s.drop_reasons();
    assert!(
        reasons
            .keys()
            .any(|r| r.contains("webhook subscriber `hook-b` is down")),
        "{reasons:?}"
    );
    let a = counters(&s, "hook-a");
    assert!(a.processed > 80, "A keeps getting its posts: {a:?}");
    assert!(s.totals().conserved());
}

#[test]
fn a_command_has_one_handler_a_query_gets_a_reply_an_event_goes_to_every_group() {
    let m = model(
        r#"(
        version: 1,
        name: "buses",
        elements: [
            (id: "ask", kind: Query, name: "Orders Of Customer", pos: (x: 0, y: 0)),
            (id: "billing", kind: Aggregate, name: "Billing", pos: (x: 0, y: 0)),
            (id: "history", kind: ReadModel, name: "History", pos: (x: 0, y: 0)),
            (id: "order", kind: Aggregate, name: "Order", pos: (x: 0, y: 0)),
            (id: "placed", kind: Event, name: "Order Placed", pos: (x: 0, y: 0)),
            (id: "place", kind: Command, name: "Place Order", pos: (x: 0, y: 0)),
            (id: "shipping", kind: Aggregate, name: "Shipping", pos: (x: 0, y: 0)),
            (id: "user", kind: Actor, name: "User", pos: (x: 0, y: 0),
                workload: (arrival: Constant(per_sec: 100.0), keys: 5, mix: [("place", 1), ("ask", 1)])),
        ],
        flows: [
            (from: "ask", to: "history", kind: Reads),
            (from: "order", to: "placed", kind: Emits),
            (from: "place", to: "order", kind: HandledBy),
            (from: "placed", to: "billing", kind: ConsumedBy),
            (from: "placed", to: "history", kind: Updates),
            (from: "placed", to: "shipping", kind: ConsumedBy),
            (from: "user", to: "ask", kind: Issues),
            (from: "user", to: "place", kind: Issues),
        ],
    )"#,
    );
    let mut s = sim(&m);
    s.run_until(2_000_000);
    let (order, billing, shipping) = (
        counters(&s, "order"),
        counters(&s, "billing"),
        counters(&s, "shipping"),
    );
    assert!(order.processed > 50);
    assert_eq!(
        billing.processed, order.out,
        "every consumer gets every event"
    );
    assert_eq!(shipping.processed, order.out);
    let user = counters(&s, "user");
    assert!(user.requests_ok > 50, "queries are answered: {user:?}");
    let trace = s.trace();
    let replies = (0..trace.len() as u64)
        .filter_map(|id| trace.message(id))
        .filter(|m| m.kind == MsgKind::Reply)
        .count();
    assert_eq!(replies as u64, user.requests_ok);
    let queries = (0..trace.len() as u64)
        .filter_map(|id| trace.message(id))
        .filter(|m| m.kind == MsgKind::Query && m.flags & FLAG_SYNC != 0)
        .count();
    assert!(queries as u64 >= user.requests_ok);
}

#[test]
fn a_causation_chain_leads_back_to_the_root_in_order() {
    let m = model(CHAIN_EVENT_FIRST);
    let mut s = sim(&m);
    s.run_until(1_000_000);
    let trace = s.trace();
    let c = index(&s, "c");
    let delivered = (0..trace.attempt_count())
        .filter_map(|row| trace.attempt(row))
        .find(|a| a.consumer == c && a.outcome == Outcome::Processed)
        .expect("C processed something");
    let chain = trace.ancestors(delivered.msg);
    assert_eq!(chain[0], delivered.msg);
    let root = *chain.last().expect("non-empty");
    let root_msg = trace.message(root).expect("root");
    assert_eq!(root_msg.causation, stormflow_core::sim::NO_MSG);
    assert_eq!(root_msg.source, index(&s, "a"));
    for pair in chain.windows(2) {
        assert_eq!(trace.message(pair[0]).expect("m").causation, pair[1]);
        assert_eq!(trace.message(pair[0]).expect("m").correlation, root);
    }
    let tree = trace.correlation_tree(delivered.msg);
    assert_eq!(tree[0], (root, 0));
    assert!(tree.iter().any(|(id, _)| *id == delivered.msg));
    assert!(trace.descendants(root).contains(&delivered.msg));
}

#[test]
fn the_trace_stops_at_its_limit_and_says_so() {
    let m = model(CHAIN_EVENT_FIRST);
    let mut s = Sim::new(
        &m,
        &SimOptions {
            trace_limit: Some(100),
            ..SimOptions::default()
        },
    )
    .expect("runs");
    s.run_until(3_000_000);
    assert_eq!(s.trace().len(), 100);
    assert_eq!(s.trace().truncated_at(), Some(100));
    assert!(s.totals().messages_produced > 100);
    assert!(s.totals().conserved());
}

#[test]
fn the_trace_answers_queries_by_key_element_and_time() {
    let m = model(CHAIN_EVENT_FIRST);
    let mut s = sim(&m);
    s.run_until(1_000_000);
    let trace = s.trace();
    let some = trace.message(10).expect("recorded");
    assert!(trace.by_key(some.key).contains(&10));
    assert!(trace.by_element(some.ty).contains(&10));
    let range = trace.by_time(some.time, some.time + 1);
    assert!(range.contains(&10));
    assert!(trace.resident_bytes() / trace.len() <= 64 + 24 * trace.attempt_count() / trace.len());
}
