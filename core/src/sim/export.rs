//! Trace exports that open unchanged in common tools:
//! Chrome trace JSON (Perfetto UI, chrome://tracing) and OTLP JSON (Jaeger,
//! any OpenTelemetry collector).

use std::io::{self, Write};

use serde_json::{Value, json};

use super::trace::Outcome;
use super::trace::Trace;
use super::{FLAG_DEAD_LETTER, FLAG_ERROR, FLAG_POISON, FLAG_SYNC, MsgId, MsgKind, NO_MSG, Sim};

/// Virtual time 0 is exported as this wall-clock instant (2026-01-01T00:00:00Z),
/// so tools that show dates show a fixed, plausible one.
pub const EPOCH_UNIX_NANOS: u64 = 1_767_225_600 * 1_000_000_000;

/// The span id of the "send" span of message `id`.
pub fn send_span_id(id: MsgId) -> String {
    format!("{:016x}", id.wrapping_add(1))
}

/// The span id of the "process" span of attempt row `row`.
pub fn process_span_id(row: usize) -> String {
    format!("{:016x}", 0x8000_0000_0000_0000u64 | row as u64)
}

/// The trace id of a correlation (the root message's id).
pub fn trace_id(seed: u64, correlation: MsgId) -> String {
    format!(
        "{:016x}{:016x}",
        seed ^ 0x5354_4f52_4d46_4c4f,
        correlation.wrapping_add(1)
    )
}

/// What a trace export reads: a trace and the names its indices refer to.
/// A simulated run gives one ([`TraceView::of_sim`]); a live run on a real
/// broker builds one from the trace it rebuilt from the broker's messages.
pub struct TraceView<'a> {
    /// The trace.
    pub trace: &'a Trace,
    /// Element ids by index.
    pub elements: Vec<String>,
    /// The readable name of a key index.
    pub key_name: Box<dyn Fn(u32) -> String + 'a>,
    /// The run's seed (it seeds the trace ids).
    pub seed: u64,
    /// Virtual time at the end of the run.
    pub end_us: u64,
}

impl<'a> TraceView<'a> {
    /// The view of a simulated run.
    pub fn of_sim(sim: &'a Sim) -> Self {
        Self {
            trace: sim.trace(),
            elements: sim.element_ids().map(ToString::to_string).collect(),
            key_name: Box::new(|key| sim.key_name(key)),
            seed: sim.seed(),
            end_us: sim.now(),
        }
    }

    fn element(&self, index: u32) -> String {
        self.elements
            .get(index as usize)
            .cloned()
            .unwrap_or_else(|| format!("element-{index}"))
    }
}

/// Writes JSON values one after another, comma-separated, so an export
/// holds one event in memory at a time however long the trace.
struct Items<'w, W: Write> {
    out: &'w mut W,
    first: bool,
}

impl<'w, W: Write> Items<'w, W> {
    fn new(out: &'w mut W) -> Self {
        Self { out, first: true }
    }

    fn push(&mut self, value: &Value) -> io::Result<()> {
        if !self.first {
            self.out.write_all(b",")?;
        }
        self.first = false;
        serde_json::to_writer(&mut *self.out, value).map_err(io::Error::from)
    }
}

fn headers(flags: u8) -> Vec<&'static str> {
    let mut names = Vec::new();
    for (bit, name) in [
        (FLAG_POISON, "poison"),
        (FLAG_SYNC, "sync"),
        (FLAG_DEAD_LETTER, "dead-letter"),
        (FLAG_ERROR, "error"),
        (super::FLAG_CALLBACK, "callback"),
        (super::FLAG_WEBHOOK, "webhook"),
    ] {
        if flags & bit != 0 {
            names.push(name);
        }
    }
    names
}

/// Writes the trace as Chrome trace-event JSON: one track per element, a
/// slice per delivery attempt, an instant per message produced, and a flow
/// arrow from each message's production to each of its deliveries.
pub fn write_chrome(sim: &Sim, out: &mut impl Write) -> io::Result<()> {
    write_chrome_view(&TraceView::of_sim(sim), out)
}

/// [`write_chrome`] of any trace, streamed: one event in memory at a time.
pub fn write_chrome_view(view: &TraceView<'_>, out: &mut impl Write) -> io::Result<()> {
    let trace = view.trace;
    out.write_all(b"{\"traceEvents\":[")?;
    let mut events = Items::new(out);
    events.push(&json!({"name": "process_name", "ph": "M", "pid": 1, "tid": 0, "args": {"name": "Stormflow run"}}))?;
    for (i, id) in view.elements.iter().enumerate() {
        events.push(
            &json!({"name": "thread_name", "ph": "M", "pid": 1, "tid": i, "args": {"name": id}}),
        )?;
    }
    for id in 0..trace.len() as MsgId {
        let Some(m) = trace.message(id) else { continue };
        events.push(&json!({
            "name": format!("produce {}", view.element(m.ty)),
            "cat": "message",
            "ph": "i",
            "s": "t",
            "ts": m.time,
            "pid": 1,
            "tid": m.source,
            "args": {
                "message": format!("m{id}"),
                "kind": m.kind.label(),
                "key": (view.key_name)(m.key),
                "causation": (m.causation != NO_MSG).then(|| format!("m{}", m.causation)),
                "correlation": format!("m{}", m.correlation),
                "payload_bytes": m.payload_bytes,
                "headers": headers(m.flags),
            },
        }))?;
    }
    for row in 0..trace.attempt_count() {
        let Some(a) = trace.attempt(row) else {
            continue;
        };
        let Some(m) = trace.message(a.msg) else {
            continue;
        };
        let mut args = json!({
            "message": format!("m{}", a.msg),
            "attempt": a.attempt,
            "outcome": a.outcome.label(),
            "key": (view.key_name)(m.key),
            "causation": (m.causation != NO_MSG).then(|| format!("m{}", m.causation)),
            "correlation": format!("m{}", m.correlation),
        });
        if let Some(error) = trace.attempt_error(row) {
            args["error"] = json!(error);
        }
        events.push(&json!({
            "name": view.element(m.ty),
            "cat": "delivery",
            "ph": "X",
            "ts": a.start,
            "dur": a.end - a.start,
            "pid": 1,
            "tid": a.consumer,
            "args": args,
        }))?;
        // One arrow per delivery: from where the message was produced to
        // where its first attempt took it up.
        if a.attempt <= 1 {
            events.push(&json!({"name": "causation", "cat": "causation", "ph": "s", "id": row, "ts": m.time, "pid": 1, "tid": m.source}))?;
            events.push(&json!({"name": "causation", "cat": "causation", "ph": "f", "bp": "e", "id": row, "ts": a.start, "pid": 1, "tid": a.consumer}))?;
        }
    }
    if let Some(at) = trace.truncated_at() {
        events.push(&json!({"name": format!("trace truncated at {at} messages"), "ph": "i", "s": "g", "ts": view.end_us, "pid": 1, "tid": 0}))?;
    }
    let other =
        json!({"generator": "stormflow", "seed": view.seed, "trace_hash": trace.run_hash()});
    write!(out, "],\"displayTimeUnit\":\"ms\",\"otherData\":")?;
    serde_json::to_writer(&mut *out, &other)?;
    out.write_all(b"}\n")
}

fn attr(key: &str, value: Value) -> Value {
    let typed = match value {
        Value::String(s) => json!({"stringValue": s}),
        Value::Number(n) if n.is_u64() || n.is_i64() => json!({"intValue": n.to_string()}),
        Value::Bool(b) => json!({"boolValue": b}),
        other => json!({"stringValue": other.to_string()}),
    };
    json!({"key": key, "value": typed})
}

/// OTLP span kinds.
const SPAN_SERVER: u8 = 2;
const SPAN_CLIENT: u8 = 3;
const SPAN_PRODUCER: u8 = 4;
const SPAN_CONSUMER: u8 = 5;

/// Writes the trace as an OTLP/JSON `ExportTraceServiceRequest`: a send
/// span per message (producer, or client for a synchronous request) and a
/// process span per delivery attempt (consumer, or server). Correlation is
/// the traceId, causation the parentSpanId (a message's send span is a child
/// of the attempt that produced it), fan-in results link to their inputs,
/// and attributes use the OpenTelemetry messaging names.
pub fn write_otlp(sim: &Sim, out: &mut impl Write) -> io::Result<()> {
    write_otlp_view(&TraceView::of_sim(sim), out)
}

/// [`write_otlp`] of any trace, streamed: one span in memory at a time.
pub fn write_otlp_view(view: &TraceView<'_>, out: &mut impl Write) -> io::Result<()> {
    let trace = view.trace;
    let seed = view.seed;
    let nanos = |t: u64| (EPOCH_UNIX_NANOS + t * 1_000).to_string();
    // The attempt that produced each message: the cause's attempt at the
    // producer that was running when the message was made.
    let producing_attempt = |id: MsgId| -> Option<usize> {
        let m = trace.message(id)?;
        if m.causation == NO_MSG {
            return None;
        }
        trace
            .attempts_of(m.causation)
            .into_iter()
            .filter(|(_, a)| a.consumer == m.source && a.start <= m.time && m.time <= a.end)
            .map(|(row, _)| row)
            .next_back()
    };
    let resource = json!({"attributes": [
        attr("service.name", json!("stormflow")),
        attr("stormflow.seed", json!(seed.to_string())),
    ]});
    let scope = json!({"name": "stormflow", "version": env!("CARGO_PKG_VERSION")});
    out.write_all(b"{\"resourceSpans\":[{\"resource\":")?;
    serde_json::to_writer(&mut *out, &resource)?;
    out.write_all(b",\"scopeSpans\":[{\"scope\":")?;
    serde_json::to_writer(&mut *out, &scope)?;
    out.write_all(b",\"spans\":[")?;
    let mut spans = Items::new(out);
    for id in 0..trace.len() as MsgId {
        let Some(m) = trace.message(id) else { continue };
        let ty = view.element(m.ty);
        let sync = m.flags & FLAG_SYNC != 0;
        let mut attributes = vec![
            attr("messaging.system", json!("stormflow")),
            attr("messaging.operation.type", json!("send")),
            attr("messaging.operation.name", json!("send")),
            attr("messaging.destination.name", json!(ty)),
            attr("messaging.message.id", json!(format!("m{id}"))),
            attr(
                "messaging.message.conversation_id",
                json!(format!("m{}", m.correlation)),
            ),
            attr("messaging.message.body.size", json!(m.payload_bytes)),
            attr("messaging.kafka.message.key", json!((view.key_name)(m.key))),
            attr("stormflow.message.kind", json!(m.kind.label())),
            attr("stormflow.source", json!(view.element(m.source))),
        ];
        if m.partition != u16::MAX {
            attributes.push(attr(
                "messaging.destination.partition.id",
                json!(m.partition.to_string()),
            ));
            attributes.push(attr("messaging.kafka.offset", json!(m.offset)));
        }
        for header in headers(m.flags) {
            attributes.push(attr(&format!("stormflow.header.{header}"), json!(true)));
        }
        let mut span = json!({
            "traceId": trace_id(seed, m.correlation),
            "spanId": send_span_id(id),
            "name": format!("send {ty}"),
            "kind": if sync { SPAN_CLIENT } else { SPAN_PRODUCER },
            "startTimeUnixNano": nanos(m.time),
            "endTimeUnixNano": nanos(m.time),
            "attributes": attributes,
        });
        if m.causation != NO_MSG {
            span["parentSpanId"] = json!(match producing_attempt(id) {
                Some(row) => process_span_id(row),
                None => send_span_id(m.causation),
            });
        }
        let links: Vec<Value> = trace
            .links(id)
            .into_iter()
            .filter_map(|l| trace.message(l))
            .map(
                |l| json!({"traceId": trace_id(seed, l.correlation), "spanId": send_span_id(l.id)}),
            )
            .collect();
        if !links.is_empty() {
            span["links"] = json!(links);
        }
        if m.kind == MsgKind::Reply && m.flags & FLAG_ERROR != 0 {
            span["status"] = json!({"code": 2, "message": "error reply"});
        }
        spans.push(&span)?;
    }
    for row in 0..trace.attempt_count() {
        let Some(a) = trace.attempt(row) else {
            continue;
        };
        let Some(m) = trace.message(a.msg) else {
            continue;
        };
        let ty = view.element(m.ty);
        let consumer = view.element(a.consumer);
        let sync = m.flags & FLAG_SYNC != 0;
        let mut span = json!({
            "traceId": trace_id(seed, m.correlation),
            "spanId": process_span_id(row),
            "parentSpanId": send_span_id(a.msg),
            "name": format!("process {ty}"),
            "kind": if sync { SPAN_SERVER } else { SPAN_CONSUMER },
            "startTimeUnixNano": nanos(a.start),
            "endTimeUnixNano": nanos(a.end),
            "attributes": [
                attr("messaging.system", json!("stormflow")),
                attr("messaging.operation.type", json!("process")),
                attr("messaging.operation.name", json!("process")),
                attr("messaging.destination.name", json!(ty)),
                attr("messaging.consumer.group.name", json!(consumer)),
                attr("messaging.message.id", json!(format!("m{}", a.msg))),
                attr("stormflow.attempt", json!(a.attempt)),
                attr("stormflow.outcome", json!(a.outcome.label())),
            ],
        });
        if a.outcome != Outcome::Processed {
            span["status"] = json!({
                "code": 2,
                "message": trace.attempt_error(row).unwrap_or(a.outcome.label()),
            });
        }
        spans.push(&span)?;
    }
    out.write_all(b"]}]}]}\n")
}
