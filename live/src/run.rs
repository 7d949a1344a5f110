//! A live run from start to end: connect, set up streams and consumers,
//! start every task, publish live state, stop, and balance the books
//! against the broker.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use stormflow_core::model::{ElementKind, Model, Retention};
use stormflow_core::sim::random::Stream;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::broker::{Broker, ConsumerSpec, StreamSpec};
use crate::nats::{ConnectionEvent, NatsBroker};
use crate::pace::Pace;
use crate::plan::{OpPlan, Plan};
use crate::record::{ConsumerSlot, Recorder};
use crate::shared::{Clock, Handle, NodeRt, Shared};
use crate::{LiveControl, LiveError, LiveOptions, LiveOutcome, LiveStatus, LiveUpdate, names};
use crate::{serve, source, worker};

/// Takes an element down (its consumers stop fetching, its request
/// subscription goes away) or brings it back.
pub fn set_down<B: Broker>(sh: &Shared<B>, node: u32, down: bool) {
    if let Some(rt) = sh.nodes.get(node as usize) {
        rt.down.send_replace(down);
        sh.rec().down[node as usize] = down;
    }
}

/// Connects over NATS and runs.
pub async fn run_nats(
    model: Model,
    options: LiveOptions,
    updates: Sender<LiveUpdate>,
    control: Receiver<LiveControl>,
) -> Result<LiveOutcome, LiveError> {
    let _ = updates.send(LiveUpdate::Status(LiveStatus::Connecting));
    let (conn_tx, conn_rx) = watch::channel(true);
    let status = updates.clone();
    let broker = NatsBroker::connect(&options.url, &options.auth, move |event| {
        let up = event == ConnectionEvent::Connected;
        conn_tx.send_replace(up);
        let _ = status.send(LiveUpdate::Status(if up {
            LiveStatus::Running
        } else {
            LiveStatus::Paused("server unreachable, retrying".into())
        }));
    })
    .await?;
    run(broker, model, options, updates, control, conn_rx).await
}

/// Runs a board on any broker.
pub async fn run<B: Broker>(
    broker: B,
    model: Model,
    options: LiveOptions,
    updates: Sender<LiveUpdate>,
    control: Receiver<LiveControl>,
    connected: watch::Receiver<bool>,
) -> Result<LiveOutcome, LiveError> {
    let _ = updates.send(LiveUpdate::Status(LiveStatus::SettingUp));
    let plan = Plan::new(&model);
    let seed = options.seed.unwrap_or(model.run.seed);
    let speed = options.speed;
    let replicas = options.replicas.max(1);
    let real = |us: u64| Duration::from_secs_f64(us as f64 / 1e6 / speed);
    for topic in &plan.topics {
        let id = &plan.ids[topic.node as usize];
        let spec = StreamSpec {
            name: topic.stream.clone(),
            subjects: vec![names::topic_subjects(&plan.board, id)],
            replicas,
            max_age: match topic.retention {
                Retention::Time { max_age_us } => Some(real(max_age_us.max(1))),
                Retention::Forever | Retention::Compact => None,
            },
        };
        patiently(|| broker.reset_stream(&spec)).await?;
    }
    let bus_stream = names::bus_stream(&plan.board);
    if !plan.bus.is_empty() {
        let spec = StreamSpec {
            name: bus_stream.clone(),
            subjects: vec![names::bus_subjects(&plan.board)],
            replicas,
            max_age: None,
        };
        patiently(|| broker.reset_stream(&spec)).await?;
    }
    // Long enough for any attempt: its work, its calls and a margin.
    let ack_wait = |node: u32| {
        let service = &plan.nodes[node as usize].service;
        let calls = plan.nodes[node as usize].calls.len() as u64 + 1;
        let longest = service.service_time.mean_us().saturating_mul(20)
            + calls.saturating_mul(service.call_timeout_us);
        real(longest).clamp(Duration::from_secs(5), Duration::from_secs(120))
    };
    let mut consumers = Vec::new();
    let mut slots = Vec::new();
    let mut consumer_names = Vec::new();
    let mut consumer_of_part = BTreeMap::new();
    for (s, sub) in plan.subs.iter().enumerate() {
        let topic = &plan.topics[sub.topic];
        let node_id = &plan.ids[sub.node as usize];
        let group = if &sub.group == node_id {
            sub.group.clone()
        } else {
            format!("{}.{node_id}", sub.group)
        };
        for part in 0..topic.partitions {
            let durable = names::durable_for_partition(&group, part);
            let spec = ConsumerSpec {
                stream: topic.stream.clone(),
                durable: durable.clone(),
                filter_subject: plan.partition_subject(sub.topic, part),
                ack_wait: ack_wait(sub.node),
                max_ack_pending: 1,
                max_deliver: -1,
                replicas,
            };
            let consumer = patiently(|| broker.consumer(&spec)).await?;
            consumer_of_part.insert((s, part), consumers.len());
            consumer_names.push(format!("{}/{durable}", topic.stream));
            slots.push((ConsumerSlot::Partition { sub: s, part }, sub.node));
            consumers.push((consumer, sub.node, spec.ack_wait));
        }
    }
    let mut consumer_of_bus = Vec::new();
    for (b, bus) in plan.bus.iter().enumerate() {
        let durable =
            names::durable_for_bus(&plan.ids[bus.ty as usize], &plan.ids[bus.node as usize]);
        let spec = ConsumerSpec {
            stream: bus_stream.clone(),
            durable: durable.clone(),
            filter_subject: plan.bus_subject(bus.ty),
            ack_wait: ack_wait(bus.node),
            max_ack_pending: -1,
            max_deliver: -1,
            replicas,
        };
        let consumer = patiently(|| broker.consumer(&spec)).await?;
        consumer_of_bus.push(consumers.len());
        consumer_names.push(format!("{bus_stream}/{durable}"));
        slots.push((ConsumerSlot::Bus(b), bus.node));
        consumers.push((consumer, bus.node, spec.ack_wait));
    }
    let trace_limit = options.trace_limit.unwrap_or(model.run.trace_limit);
    let recorder = Recorder::new(&plan, seed, trace_limit, slots);
    let nodes = plan
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| NodeRt {
            permits: Semaphore::new(n.service.instances.max(1) as usize),
            down: watch::channel(false).0,
            rng: Mutex::new(Stream::new(seed, 1_000_000 + i as u64)),
            slow: AtomicU64::new(1),
            failing: AtomicU64::new(0f64.to_bits()),
            pace: Pace::default(),
            table: Mutex::new(BTreeMap::new()),
            bus_stopped: watch::channel(false).0,
        })
        .collect();
    let patience = Duration::from_secs(15);
    let sh: Handle<B> = Arc::new(Shared {
        broker,
        clock: Clock::new(speed),
        seed,
        run_nonce: run_nonce(),
        rec: Mutex::new(recorder),
        next_id: AtomicU64::new(0),
        nodes,
        consumer_of_part,
        consumer_of_bus,
        ledgers: consumers.iter().map(|_| Mutex::default()).collect(),
        connected,
        stopping: watch::channel(false).0,
        counted: watch::channel(false).0,
        patience,
        plan,
    });
    let mut tasks = JoinSet::new();
    let mut consumer_tasks = JoinSet::new();
    for (c, (consumer, node, ack_wait)) in consumers.iter().enumerate() {
        let workers = match sh.rec().slot(c) {
            Some(ConsumerSlot::Bus(_)) => sh.plan.nodes[*node as usize].service.instances.max(1),
            _ => 1,
        };
        for _ in 0..workers {
            consumer_tasks.spawn(worker::consume(
                sh.clone(),
                consumer.clone(),
                c,
                *node,
                *ack_wait,
            ));
        }
    }
    for (i, node) in sh.plan.nodes.iter().enumerate() {
        if node.kind.is_service() {
            tasks.spawn(serve(sh.clone(), i as u32));
        }
        if let OpPlan::Aggregate(window_us) = node.op {
            tasks.spawn(serve::close_windows(sh.clone(), i as u32, window_us));
        }
    }
    let arrivals: Vec<_> = sh
        .plan
        .sources
        .iter()
        .map(|s| Arc::new(Mutex::new(s.arrival.clone())))
        .collect();
    for (s, arrival) in arrivals.iter().enumerate() {
        tasks.spawn(source::produce(sh.clone(), s, arrival.clone()));
    }
    let (notes_tx, notes_rx) = crossbeam_channel::unbounded();
    tasks.spawn(source::faults(
        sh.clone(),
        model.clone(),
        arrivals,
        notes_tx,
    ));
    let consumers: Vec<B::Consumer> = consumers.into_iter().map(|c| c.0).collect();
    let poller = tokio::spawn(poll_pending(sh.clone(), consumers.clone()));
    let _ = updates.send(LiveUpdate::Status(LiveStatus::Running));

    let until = options.until_us.unwrap_or(model.run.horizon_us);
    let mut notes = Vec::new();
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    loop {
        tick.tick().await;
        while let Ok(command) = control.try_recv() {
            match command {
                LiveControl::Stop => sh.stopping.send_replace(true),
                LiveControl::TakeDown(id) | LiveControl::BringUp(id)
                    if sh.plan.index_of(id.as_str()).is_none() =>
                {
                    notes.push(format!("no element has id `{id}`"));
                    false
                }
                LiveControl::TakeDown(id) => {
                    set_down(&sh, sh.plan.index_of(id.as_str()).unwrap_or(0), true);
                    false
                }
                LiveControl::BringUp(id) => {
                    set_down(&sh, sh.plan.index_of(id.as_str()).unwrap_or(0), false);
                    false
                }
            };
        }
        notes.extend(notes_rx.try_iter());
        publish_state(&sh, &updates);
        if sh.is_stopping() || sh.clock.now() >= until {
            break;
        }
    }
    let ended_at = sh.clock.now().min(until);
    sh.stopping.send_replace(true);
    let _ = updates.send(LiveUpdate::Status(LiveStatus::Stopping));
    // Attempts finish (bounded by their calls' timeouts); stragglers are cut.
    let grace = Duration::from_secs(5)
        + sh.plan
            .nodes
            .iter()
            .map(|n| real(n.service.call_timeout_us))
            .max()
            .unwrap_or_default();
    let deadline = Instant::now() + grace;
    let mut cut = false;
    while !tasks.is_empty() {
        match tokio::time::timeout_at(deadline.into(), tasks.join_next()).await {
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(_) => {
                tasks.abort_all();
                cut = true;
                break;
            }
        }
    }
    // Consumers finish the attempt in progress, then hold (unsettled) what
    // reaches them, keeping their subscriptions: a retry whose backoff ends
    // now is handed to a subscription instead of waiting in JetStream's
    // redelivery queue, where its consumer info would count it twice
    // (pending and unacknowledged).
    while sh.rec().in_flight_total() > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    if sh.rec().in_flight_total() > 0 {
        consumer_tasks.abort_all();
        cut = true;
    }
    if cut {
        notes.push(
            "some attempts were still running when the run ended; they count as in flight".into(),
        );
    }
    poller.abort();
    // The broker's own count of what waits, once nothing moves. An ack
    // sent just before the stop may not be in JetStream's books yet (it
    // takes acks and info requests on different paths), so a count that
    // differs from the run's is asked again for a moment before it stands.
    let final_deadline = Instant::now() + patience;
    let recount_deadline = Instant::now() + Duration::from_secs(2);
    loop {
        count_pending(&sh, &consumers, final_deadline).await;
        if sh.rec().pending_agrees() || Instant::now() >= recount_deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    sh.counted.send_replace(true);
    let deadline = Instant::now() + Duration::from_secs(2);
    while !consumer_tasks.is_empty() {
        match tokio::time::timeout_at(deadline.into(), consumer_tasks.join_next()).await {
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(_) => {
                consumer_tasks.abort_all();
                break;
            }
        }
    }
    publish_state(&sh, &updates);
    let real_elapsed = sh.clock.real(ended_at);
    let remembered = sh.remembered();
    let rec = sh.rec();
    if rec.resubscribed > 0 {
        notes.push(format!(
            "{} consumer subscriptions broke (missed heartbeats or an outage) and were opened again",
            rec.resubscribed
        ));
    }
    let report = rec.report(&sh.plan, ended_at);
    let conservation = rec.conservation(&consumer_names);
    let processed = report.totals.processed;
    let outcome = LiveOutcome {
        report,
        trace: rec.trace().clone(),
        conservation,
        notes,
        real_duration: real_elapsed,
        deliveries_per_sec: processed as f64 / real_elapsed.as_secs_f64().max(1e-9),
        remembered,
        element_ids: sh.plan.ids.clone(),
        key_names: (0..sh.plan.keys.total())
            .map(|k| sh.plan.keys.name(k))
            .collect(),
    };
    drop(rec);
    let _ = updates.send(LiveUpdate::Status(LiveStatus::Finished));
    Ok(outcome)
}

/// Flushes the trace rows and a snapshot to the updates channel.
fn publish_state<B: Broker>(sh: &Shared<B>, updates: &Sender<LiveUpdate>) {
    let now = sh.clock.now();
    let mut rec = sh.rec();
    if let Some(delta) = rec.flush() {
        let _ = updates.send(LiveUpdate::Trace(delta));
    }
    let snapshot = rec.snapshot(&sh.plan, now);
    rec.sampler.sample(&snapshot);
    let series = rec.sampler.take_delta();
    drop(rec);
    if let Some(series) = series {
        let _ = updates.send(LiveUpdate::Series(series));
    }
    let _ = updates.send(LiveUpdate::Snapshot(Box::new(snapshot)));
}

/// Serves an element's synchronous requests while it is up.
async fn serve<B: Broker>(sh: Handle<B>, node: u32) {
    let subject = sh.plan.rpc_subject(node);
    let mut down = sh.nodes[node as usize].down.subscribe();
    let mut stopping = sh.stopping.subscribe();
    loop {
        if sh.is_stopping() {
            return;
        }
        if *down.borrow() {
            tokio::select! {
                _ = down.wait_for(|d| !*d) => {}
                _ = stopping.wait_for(|s| *s) => return,
            }
            continue;
        }
        let Ok(mut subscription) = sh.broker.serve(&subject).await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        loop {
            tokio::select! {
                incoming = sh.broker.next_request(&mut subscription) => match incoming {
                    Some(incoming) => {
                        tokio::spawn(serve::serve_request(sh.clone(), node, incoming));
                    }
                    None => break,
                },
                _ = down.wait_for(|d| *d) => break,
                _ = stopping.wait_for(|s| *s) => return,
            }
        }
        // Dropping the subscription unsubscribes: callers now find nobody.
    }
}

/// Asks the broker once what waits for each consumer, retrying through an
/// outage until `deadline` (after it, the count is unknown).
async fn count_pending<B: Broker>(sh: &Shared<B>, consumers: &[B::Consumer], deadline: Instant) {
    for (c, consumer) in consumers.iter().enumerate() {
        loop {
            match sh.broker.consumer_state(consumer).await {
                Ok(state) => {
                    sh.rec().broker_pending[c] = Some(state.pending);
                    sh.with_ledger(c, |l| l.forget_through(state.ack_floor));
                    break;
                }
                Err(_) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(200)).await
                }
                Err(_) => {
                    sh.rec().broker_pending[c] = None;
                    break;
                }
            }
        }
    }
}

/// Asks the broker every half second how much waits for each consumer,
/// and lets each consumer's ledger forget what JetStream acknowledged.
async fn poll_pending<B: Broker>(sh: Handle<B>, consumers: Vec<B::Consumer>) {
    loop {
        if *sh.connected.borrow() {
            for (c, consumer) in consumers.iter().enumerate() {
                if let Ok(state) = sh.broker.consumer_state(consumer).await {
                    sh.rec().broker_pending[c] = Some(state.pending);
                    sh.with_ledger(c, |l| l.forget_through(state.ack_floor));
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Retries a set-up step JetStream refused for a while: a cluster that has
/// just started takes a few seconds to elect its leaders.
async fn patiently<T, F, Fut>(mut step: F) -> Result<T, LiveError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, LiveError>>,
{
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match step().await {
            Err(LiveError::JetStream { .. }) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(250)).await
            }
            result => return result,
        }
    }
}

fn run_nonce() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

/// What of the model a live run maps only approximately, in words.
pub fn unsupported(model: &Model) -> Vec<String> {
    let mut notes = Vec::new();
    for element in model.elements() {
        if element.kind == ElementKind::Topic
            && matches!(element.topic_or_default().retention, Retention::Compact)
        {
            notes.push(format!(
                "topic `{}` is compacted in the model; its stream keeps every message",
                element.id
            ));
        }
    }
    notes
}
