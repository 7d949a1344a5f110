//! Live mode against real `nats-server` processes on loopback (never a
//! mock). Each test starts its own servers with temporary stores and stops
//! them when its guard drops. Without `nats-server` on PATH the tests skip
//! with a printed reason, unless STORMFLOW_REQUIRE_NATS=1.

use std::collections::BTreeMap;
use std::time::Duration;

use stormflow_core::model::{Model, US_PER_SEC};
use stormflow_core::sim::{Outcome, SimOptions};
use stormflow_live::{
    Auth, LiveControl, LiveError, LiveOptions, LiveOutcome, LiveStatus, LiveUpdate, LocalCluster,
    LocalServer, nats_server_available, spawn_local_server,
};

fn nats_or_skip(test: &str) -> bool {
    if nats_server_available() {
        return true;
    }
    if std::env::var("STORMFLOW_REQUIRE_NATS").as_deref() == Ok("1") {
        panic!("{test}: nats-server is not on PATH and STORMFLOW_REQUIRE_NATS=1");
    }
    eprintln!("{test}: skipped: nats-server is not on PATH (Debian: apt-get install nats-server)");
    false
}

fn sample(name: &str) -> Model {
    let path = format!("{}/../samples/{name}", env!("CARGO_MANIFEST_DIR"));
    stormflow_core::format::load(std::path::Path::new(&path)).expect("the sample loads")
}

fn fixture(name: &str) -> Model {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    stormflow_core::format::load(std::path::Path::new(&path)).expect("the fixture loads")
}

fn options(url: &str, until_s: u64, speed: f64) -> LiveOptions {
    LiveOptions {
        url: url.to_string(),
        until_us: Some(until_s * US_PER_SEC),
        speed,
        ..LiveOptions::default()
    }
}

fn assert_conserved(outcome: &LiveOutcome) {
    let c = &outcome.conservation;
    assert!(c.holds, "conservation failed: {:#?}", c.problems);
    assert_eq!(
        c.deliveries_expected,
        c.processed + c.dead_lettered + c.dropped + c.queued + c.in_flight
    );
}

fn ids(outcome: &LiveOutcome, id: &str) -> u32 {
    outcome
        .element_ids
        .iter()
        .position(|e| e == id)
        .unwrap_or_else(|| panic!("no element {id}")) as u32
}

/// Per key: the stream sequences of the messages of type `ty` that
/// `consumer` processed, in the order it processed them.
fn processed_order(outcome: &LiveOutcome, consumer: u32, ty: u32) -> BTreeMap<u32, Vec<u32>> {
    let trace = &outcome.trace;
    let mut rows: Vec<(u64, u32, u32)> = (0..trace.attempt_count())
        .filter_map(|row| trace.attempt(row))
        .filter(|a| a.consumer == consumer && a.outcome == Outcome::Processed)
        .filter_map(|a| trace.message(a.msg).map(|m| (a.end, m)))
        .filter(|(_, m)| m.ty == ty)
        .map(|(end, m)| (end, m.key, m.offset))
        .collect();
    rows.sort();
    let mut by_key: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for (_, key, offset) in rows {
        by_key.entry(key).or_default().push(offset);
    }
    by_key
}

#[test]
fn online_shop_conserves_every_delivery_and_keeps_order_per_key() {
    if !nats_or_skip("online_shop_conserves_every_delivery_and_keeps_order_per_key") {
        return;
    }
    let server = spawn_local_server().expect("nats-server starts");
    let model = sample("online-shop.ron");
    let run = stormflow_live::start(&model, options(&server.url, 20, 8.0)).expect("starts");
    let outcome = run.wait().expect("the run completes");
    assert_conserved(&outcome);
    let totals = &outcome.report.totals;
    assert!(totals.processed > 300, "{totals:?}");
    assert_eq!(
        outcome.trace.len() as u64,
        totals.messages_produced,
        "every message has its trace row"
    );
    // The redelivery memory follows what JetStream has not acknowledged,
    // not the length of the run.
    assert!(
        outcome.remembered * 20 < totals.processed,
        "remembered {} deliveries of {} processed",
        outcome.remembered,
        totals.processed
    );
    // No partition waits for a broker that forgot to hand it its next
    // message: these consumers never fail, so a message waits only for the
    // previous one of its partition (and a free instance), a few ms. The
    // bound is 1 s of real time; a lost pull request used to cost 5.2 s.
    for consumer in ["shipping", "email", "order-history"] {
        let longest = longest_hand_off(&outcome, ids(&outcome, consumer));
        assert!(
            longest < 8 * US_PER_SEC,
            "{consumer} waited {longest} µs of model time for a delivery"
        );
    }
    for consumer in ["billing", "shipping", "email", "order-history"] {
        let placed = ids(&outcome, "order-placed");
        let order = processed_order(&outcome, ids(&outcome, consumer), placed);
        assert!(!order.is_empty(), "{consumer} processed nothing");
        for (key, offsets) in order {
            assert!(
                offsets.windows(2).all(|w| w[0] < w[1]),
                "{consumer} processed key {key} out of order: {offsets:?}"
            );
        }
    }
    // The same keys as the simulation: the workload draws from the same seed.
    let sim = stormflow_core::sim::Sim::new(&model, &SimOptions::default()).expect("simulates");
    let first_live = outcome.trace.message(0).expect("a first message");
    let first_sim = sim_first_message_key(sim);
    assert_eq!(first_live.key, first_sim);
}

/// The longest a message of a topic waited for `consumer`'s first attempt
/// once it was published and its partition's previous message settled.
fn longest_hand_off(outcome: &LiveOutcome, consumer: u32) -> u64 {
    let trace = &outcome.trace;
    // Per message: first attempt start and last attempt end.
    let mut spans: BTreeMap<u64, (u64, u64)> = BTreeMap::new();
    for a in (0..trace.attempt_count()).filter_map(|row| trace.attempt(row)) {
        if a.consumer == consumer {
            let span = spans.entry(a.msg).or_insert((a.start, a.end));
            span.0 = span.0.min(a.start);
            span.1 = span.1.max(a.end);
        }
    }
    let mut by_partition: BTreeMap<u16, Vec<(u32, u64, u64, u64)>> = BTreeMap::new();
    for (msg, (first, last)) in spans {
        let m = trace.message(msg).expect("an attempted message has a row");
        if m.partition != u16::MAX {
            by_partition
                .entry(m.partition)
                .or_default()
                .push((m.offset, m.time, first, last));
        }
    }
    let mut longest = 0;
    for mut messages in by_partition.into_values() {
        messages.sort();
        let mut previous_end = 0;
        for (_, published, first, last) in messages {
            longest = longest.max(first.saturating_sub(published.max(previous_end)));
            previous_end = last;
        }
    }
    longest
}

fn sim_first_message_key(mut sim: stormflow_core::sim::Sim) -> u32 {
    while sim.trace().is_empty() && sim.step() {}
    sim.trace()
        .message(0)
        .expect("a first simulated message")
        .key
}

fn counters<'a>(outcome: &'a LiveOutcome, id: &str) -> &'a stormflow_core::sim::Counters {
    &outcome
        .report
        .elements
        .get(id)
        .unwrap_or_else(|| panic!("no report for {id}"))
        .counters
}

#[test]
fn a_consumer_taken_down_gets_everything_redelivered_with_duplicates_only_at_least_once() {
    if !nats_or_skip("a_consumer_taken_down") {
        return;
    }
    let server = spawn_local_server().expect("nats-server starts");
    let model = fixture("redelivery.ron");
    // 10 s of model at speed 4: 2.5 s real; sources stop at 6 s, the rest drains.
    let run = stormflow_live::start(&model, options(&server.url, 10, 4.0)).expect("starts");
    std::thread::sleep(Duration::from_millis(400));
    run.send(LiveControl::TakeDown("alo".into()));
    run.send(LiveControl::TakeDown("eo".into()));
    std::thread::sleep(Duration::from_millis(500));
    run.send(LiveControl::BringUp("alo".into()));
    run.send(LiveControl::BringUp("eo".into()));
    let outcome = run.wait().expect("the run completes");
    assert_conserved(&outcome);
    assert_eq!(
        outcome.trace.len() as u64,
        outcome.report.totals.messages_produced,
        "an attempt cut short by a take-down leaves no hole in the trace"
    );
    let produced = counters(&outcome, "sensor").out;
    assert!(produced >= 200, "sensor produced {produced}");
    for group in ["alo", "eo"] {
        let c = counters(&outcome, group);
        assert_eq!(c.received, produced, "{group}: {c:?}");
        assert_eq!(
            c.processed, produced,
            "{group} must process every message: {c:?}"
        );
        assert!(c.retries > 0, "{group} saw no redelivery: {c:?}");
    }
    assert!(
        counters(&outcome, "alo").duplicates > 0,
        "at-least-once redeliveries after the effect are duplicates"
    );
    assert_eq!(
        counters(&outcome, "eo").duplicates,
        0,
        "exactly-once shows none"
    );
    // Exactly-once re-publishes were de-duplicated by JetStream: one output each.
    assert_eq!(counters(&outcome, "eo").out, produced);
    assert!(counters(&outcome, "alo").out > produced);
}

#[test]
fn a_poison_message_reaches_the_dead_letter_stream_with_its_error_after_max_attempts() {
    if !nats_or_skip("a_poison_message_reaches_the_dead_letter_stream") {
        return;
    }
    let server = spawn_local_server().expect("nats-server starts");
    let model = fixture("poison.ron");
    let run = stormflow_live::start(&model, options(&server.url, 4, 2.0)).expect("starts");
    let outcome = run.wait().expect("the run completes");
    assert_conserved(&outcome);
    let store = counters(&outcome, "store");
    assert!(store.dead_lettered > 0, "{store:?}");
    assert_eq!(outcome.report.totals.dead_lettered, store.dead_lettered);
    // In the trace: each dead letter names its original, which was tried 3 times.
    let trace = &outcome.trace;
    let letters: Vec<_> = (0..trace.len() as u64)
        .filter_map(|id| trace.dead_letter(id).map(|d| (id, d.clone())))
        .collect();
    assert_eq!(letters.len() as u64, store.dead_lettered);
    for (_, letter) in &letters {
        assert!(letter.error.contains("poison message"), "{}", letter.error);
        assert_eq!(trace.attempts_of(letter.original).len(), 3);
    }
    // On the broker: the dead-letter stream holds them, with the error header.
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let headers = runtime.block_on(async {
        use stormflow_live::Broker;
        let broker = stormflow_live::NatsBroker::connect(&server.url, &Auth::None, |_| {})
            .await
            .expect("connects");
        let consumer = broker
            .consumer(&stormflow_live::ConsumerSpec {
                stream: "SF-poison-readings-dlq".into(),
                durable: "test-reader".into(),
                filter_subject: "sf.poison.readings-dlq.0".into(),
                ack_wait: Duration::from_secs(5),
                max_ack_pending: -1,
                max_deliver: -1,
                replicas: 1,
            })
            .await
            .expect("a consumer on the dead-letter stream");
        let mut all = Vec::new();
        while let Ok(Some(delivery)) = broker.fetch(&consumer, Duration::from_millis(300)).await {
            all.push(delivery.headers);
        }
        all
    });
    assert_eq!(headers.len() as u64, store.dead_lettered);
    for h in &headers {
        let get = |name: &str| {
            h.iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        assert!(get("sf-dlq-error").contains("poison message"), "{h:?}");
        assert!(
            get("sf-dlq-subject").starts_with("sf.poison.readings."),
            "{h:?}"
        );
        assert!(!get("sf-dlq-sequence").is_empty());
        assert!(!get("traceparent").is_empty());
        assert_eq!(get("ce-specversion"), "1.0");
    }
}

#[test]
fn retries_in_backoff_when_the_run_ends_are_counted_once_by_jetstream_and_the_run() {
    if !nats_or_skip("retries_in_backoff_when_the_run_ends") {
        return;
    }
    let server = spawn_local_server().expect("nats-server starts");
    let model = fixture("retrying.ron");
    let outcome = stormflow_live::start(&model, options(&server.url, 1, 1.0))
        .expect("starts")
        .wait()
        .expect("the run completes");
    // Nearly nothing succeeds: most deliveries are still waiting at the
    // end, many of them redeliveries whose 2 ms backoff ended before the count.
    for id in ["flaky", "flaky-bus"] {
        let c = counters(&outcome, id);
        assert!(c.retries > 5 * c.processed, "{id}: {c:?}");
    }
    assert!(outcome.conservation.queued > 0);
    assert_conserved(&outcome);
}

#[test]
fn a_three_node_cluster_loses_nothing_acknowledged_when_a_server_dies_and_returns() {
    if !nats_or_skip("a_three_node_cluster") {
        return;
    }
    let mut cluster = LocalCluster::spawn(3).expect("three servers start");
    let model = fixture("redelivery.ron");
    let mut opts = options(&cluster.urls(), 10, 2.0);
    opts.replicas = 3;
    let run = stormflow_live::start(&model, opts).expect("starts");
    // Wait for the run to be under way, then kill the first server (the one
    // the client dialled first) and bring it back.
    let mut running = false;
    let deadline = std::time::Instant::now() + Duration::from_secs(40);
    while !running && std::time::Instant::now() < deadline {
        if let Ok(LiveUpdate::Status(LiveStatus::Running)) =
            run.updates().recv_timeout(Duration::from_millis(100))
        {
            running = true;
        }
    }
    assert!(running, "the run never started");
    std::thread::sleep(Duration::from_millis(1_000));
    cluster.servers[0].stop();
    std::thread::sleep(Duration::from_millis(1_200));
    cluster.servers[0].start().expect("the server restarts");
    let updates = run.updates().clone();
    let outcome = run.wait().expect("the run completes");
    assert!(
        updates
            .try_iter()
            .any(|u| matches!(u, LiveUpdate::Status(LiveStatus::Paused(_)))),
        "losing the server the client was on pauses the run"
    );
    assert_conserved(&outcome);
    let produced = counters(&outcome, "sensor").out;
    assert!(produced > 100, "{produced}");
    for group in ["alo", "eo"] {
        assert_eq!(counters(&outcome, group).received, produced, "{group}");
    }
}

#[test]
fn a_synchronous_call_to_a_down_callee_fails_the_caller_as_in_the_simulation() {
    if !nats_or_skip("a_synchronous_call_to_a_down_callee") {
        return;
    }
    let server = spawn_local_server().expect("nats-server starts");
    let model = fixture("sync-chain.ron");
    let outcome = stormflow_live::start(&model, options(&server.url, 3, 2.0))
        .expect("starts")
        .wait()
        .expect("the run completes");
    assert_conserved(&outcome);
    let mut sim = stormflow_core::sim::Sim::new(&model, &SimOptions::default()).expect("simulates");
    sim.run_until(3 * US_PER_SEC);
    let simulated = sim.report();
    for report in [&outcome.report, &simulated] {
        let checkout = &report.elements["checkout"].counters;
        assert!(checkout.errors > 0, "{checkout:?}");
        assert_eq!(checkout.processed, 0, "{checkout:?}");
        assert!(
            report
                .drop_reasons
                .keys()
                .any(|r| r.contains("`payment` is down")),
            "{:?}",
            report.drop_reasons
        );
    }
    assert!(!outcome.report.elements.contains_key("checked-out"));
}

#[test]
fn bad_url_refused_connection_and_bad_credentials_are_clear_errors() {
    if !nats_or_skip("bad_url_refused_connection_and_bad_credentials") {
        return;
    }
    let model = fixture("sync-chain.ron");
    let bad = stormflow_live::start(&model, options("http://example:1", 1, 1.0));
    assert!(matches!(bad, Err(LiveError::BadUrl { .. })), "{bad:?}");

    let port = stormflow_live::free_port().expect("a port");
    let refused =
        stormflow_live::start(&model, options(&format!("nats://127.0.0.1:{port}"), 1, 1.0))
            .expect("starts")
            .wait();
    let Err(err @ LiveError::Unreachable { .. }) = refused else {
        panic!("expected unreachable, got {refused:?}");
    };
    assert!(err.to_string().contains("could not reach"), "{err}");

    let guarded = LocalServer::spawn(&["--auth".into(), "s3cret-token".into()]).expect("starts");
    let denied = stormflow_live::start(&model, options(&guarded.url, 1, 1.0))
        .expect("starts")
        .wait();
    let Err(err @ LiveError::AuthFailed { .. }) = denied else {
        panic!("expected an auth failure, got {denied:?}");
    };
    assert!(!err.to_string().contains("s3cret-token"));

    let mut missing = options(&guarded.url, 1, 1.0);
    missing.auth = Auth::TokenEnv("STORMFLOW_TEST_NO_SUCH_VARIABLE".into());
    let unset = stormflow_live::start(&model, missing)
        .expect("starts")
        .wait();
    assert!(matches!(unset, Err(LiveError::Credentials(_))), "{unset:?}");
}
