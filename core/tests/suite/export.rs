//! The Perfetto (Chrome trace) and OTLP exports parse, carry the documented
//! fields, and their causation links match the trace.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use stormflow_core::model::{Fault, FaultKind};
use stormflow_core::sim::{NO_MSG, Sim, SimOptions, export};

fn online_shop_run() -> Sim {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples/online-shop.ron");
    let mut model = stormflow_core::format::load(&path).expect("sample loads");
    model.faults.push(Fault {
        element: "shipping".into(),
        at_us: 1_000_000,
        kind: FaultKind::Down { for_us: 1_000_000 },
    });
    let mut sim = Sim::new(&model, &SimOptions::default()).expect("runs");
    sim.run_until(4_000_000);
    sim
}

#[test]
fn chrome_trace_has_a_slice_per_attempt_and_arrows_from_producer_to_consumer() {
    let sim = online_shop_run();
    let mut bytes = Vec::new();
    export::write_chrome(&sim, &mut bytes).expect("writes");
    let doc: Value = serde_json::from_slice(&bytes).expect("valid JSON");
    let events = doc["traceEvents"].as_array().expect("traceEvents array");
    let trace = sim.trace();
    let slices: Vec<&Value> = events.iter().filter(|e| e["ph"] == "X").collect();
    assert_eq!(
        slices.len(),
        trace.attempt_count(),
        "one slice per delivery attempt"
    );
    for slice in &slices {
        for field in ["name", "ts", "dur", "pid", "tid"] {
            assert!(!slice[field].is_null(), "slice without {field}: {slice}");
        }
        assert!(slice["args"]["outcome"].is_string() && slice["args"]["message"].is_string());
    }
    // Thread names are the element ids.
    let names: BTreeSet<&str> = events
        .iter()
        .filter(|e| e["ph"] == "M" && e["name"] == "thread_name")
        .filter_map(|e| e["args"]["name"].as_str())
        .collect();
    assert!(names.contains("billing") && names.contains("orders"));
    // Every flow arrow starts where the message was produced and ends where it was taken up.
    let mut starts: BTreeMap<u64, &Value> = BTreeMap::new();
    let mut finishes: BTreeMap<u64, &Value> = BTreeMap::new();
    for e in events {
        match e["ph"].as_str() {
            Some("s") => drop(starts.insert(e["id"].as_u64().expect("id"), e)),
            Some("f") => drop(finishes.insert(e["id"].as_u64().expect("id"), e)),
            _ => {}
        }
    }
    assert!(!starts.is_empty());
    assert_eq!(
        starts.keys().collect::<Vec<_>>(),
        finishes.keys().collect::<Vec<_>>()
    );
    for (row, start) in &starts {
        let attempt = trace
            .attempt(*row as usize)
            .expect("the arrow id is an attempt row");
        let message = trace.message(attempt.msg).expect("recorded");
        assert_eq!(start["tid"].as_u64(), Some(u64::from(message.source)));
        assert_eq!(start["ts"].as_u64(), Some(message.time));
        assert_eq!(
            finishes[row]["tid"].as_u64(),
            Some(u64::from(attempt.consumer))
        );
        assert_eq!(finishes[row]["ts"].as_u64(), Some(attempt.start));
    }
}

#[test]
fn otlp_spans_map_correlation_to_trace_and_causation_to_parent() {
    let sim = online_shop_run();
    let mut bytes = Vec::new();
    export::write_otlp(&sim, &mut bytes).expect("writes");
    let doc: Value = serde_json::from_slice(&bytes).expect("valid JSON");
    let spans = doc["resourceSpans"][0]["scopeSpans"][0]["spans"]
        .as_array()
        .expect("spans");
    let trace = sim.trace();
    assert_eq!(spans.len(), trace.len() + trace.attempt_count());
    let by_id: BTreeMap<&str, &Value> = spans
        .iter()
        .map(|s| (s["spanId"].as_str().expect("spanId"), s))
        .collect();
    assert_eq!(by_id.len(), spans.len(), "span ids are unique");
    for span in spans {
        let trace_id = span["traceId"].as_str().expect("traceId");
        assert_eq!(trace_id.len(), 32);
        assert!(trace_id.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(span["spanId"].as_str().expect("spanId").len(), 16);
        assert!(matches!(span["kind"].as_u64(), Some(2..=5)));
        let start: u64 = span["startTimeUnixNano"]
            .as_str()
            .expect("start")
            .parse()
            .expect("number");
        let end: u64 = span["endTimeUnixNano"]
            .as_str()
            .expect("end")
            .parse()
            .expect("number");
        assert!(start <= end);
        let attributes: BTreeSet<&str> = span["attributes"]
            .as_array()
            .expect("attributes")
            .iter()
            .filter_map(|a| a["key"].as_str())
            .collect();
        assert!(
            attributes.contains("messaging.system")
                && attributes.contains("messaging.operation.type")
        );
        if let Some(parent) = span["parentSpanId"].as_str() {
            let parent = by_id
                .get(parent)
                .unwrap_or_else(|| panic!("parent {parent} exists"));
            assert_eq!(
                parent["traceId"], span["traceId"],
                "a parent is in the same trace"
            );
        }
    }
    // Causation: the send span of every caused message descends from its cause.
    for id in 0..trace.len() as u64 {
        let message = trace.message(id).expect("recorded");
        let send = by_id[export::send_span_id(id).as_str()];
        assert_eq!(
            send["traceId"].as_str(),
            Some(export::trace_id(sim.seed(), message.correlation).as_str())
        );
        if message.causation == NO_MSG {
            assert!(send["parentSpanId"].is_null());
            continue;
        }
        let parent_id = send["parentSpanId"]
            .as_str()
            .expect("caused messages have a parent");
        let cause_send = export::send_span_id(message.causation);
        let cause_processes: BTreeSet<String> = trace
            .attempts_of(message.causation)
            .into_iter()
            .map(|(row, _)| export::process_span_id(row))
            .collect();
        assert!(
            parent_id == cause_send || cause_processes.contains(parent_id),
            "message m{id}: parent {parent_id} is neither the cause's send span nor one of its process spans"
        );
    }
}
