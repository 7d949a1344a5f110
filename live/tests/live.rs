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
    assert!(outcome.trace.len() as u64 >= totals.messages_produced.min(1));
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

fn sim_first_message_key(mut sim: stormflow_core::sim::Sim) -> u32 {
    while sim.trace().is_empty() && sim.step() {}
    sim.trace()
        .message(0)
        .expect("a first simulated message")
        .key
}
