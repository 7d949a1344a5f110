//! What every task of a live run shares: the broker, the compiled board,
//! the clock, the recorder, per-element state and the run's signals.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use stormflow_core::sim::random::Stream;
use stormflow_core::sim::{MessageRecord, MsgId, MsgKind, NO_MSG, Time};
use tokio::sync::{Semaphore, watch};

use crate::broker::{Broker, BrokerError, Published};
use crate::envelope::{Envelope, Headers, Naming};
use crate::ledger::Ledger;
use crate::pace::Pace;
use crate::plan::Plan;
use crate::record::Recorder;

/// Model time from real time: real elapsed time multiplied by the speed.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    start: Instant,
    speed: f64,
}

impl Clock {
    /// A clock starting now.
    pub fn new(speed: f64) -> Self {
        Clock {
            start: Instant::now(),
            speed,
        }
    }

    /// Model time now, in microseconds.
    pub fn now(&self) -> Time {
        (self.start.elapsed().as_secs_f64() * 1e6 * self.speed) as Time
    }

    /// The real duration of a model duration.
    pub fn real(&self, model_us: Time) -> Duration {
        Duration::from_secs_f64(model_us as f64 / 1e6 / self.speed)
    }

    /// The real instant of a model time.
    pub fn instant(&self, model_us: Time) -> Instant {
        self.start + self.real(model_us)
    }
}

/// One key of an operator's state: the newest message (a join's table row),
/// the count in the current window, the window's earlier contributors and
/// its newest input.
pub type TableEntry = (MsgId, u64, Vec<MsgId>, Option<Envelope>);

/// Per element: its workers, faults and the state its effects keep.
#[derive(Debug)]
pub struct NodeRt {
    /// One permit per instance: attempts in parallel.
    pub permits: Semaphore,
    /// Taken down (by a fault or by hand).
    pub down: watch::Sender<bool>,
    /// Its random stream (service times, failures, filters).
    pub rng: Mutex<Stream>,
    /// Service-time multiplier from a fault.
    pub slow: AtomicU64,
    /// Extra failure probability from a fault (f64 bits).
    pub failing: AtomicU64,
    /// Its service times' balance against the 1 ms timer.
    pub pace: Pace,
    /// Operator state: join table (key -> message) or window counts.
    pub table: Mutex<BTreeMap<u32, TableEntry>>,
    /// Its bus queue stopped on a poison message.
    pub bus_stopped: watch::Sender<bool>,
}

/// The run's shared state.
pub struct Shared<B: Broker> {
    /// The broker.
    pub broker: B,
    /// The compiled board.
    pub plan: Plan,
    /// Model time.
    pub clock: Clock,
    /// Seed of the run.
    pub seed: u64,
    /// Per-run nonce in de-duplication ids.
    pub run_nonce: u64,
    /// Measurements.
    pub rec: Mutex<Recorder>,
    /// Next message id.
    pub next_id: AtomicU64,
    /// Per element.
    pub nodes: Vec<NodeRt>,
    /// Consumers by (sub, partition) and bus index -> consumer number.
    pub consumer_of_part: BTreeMap<(usize, u32), usize>,
    /// Bus index -> consumer number.
    pub consumer_of_bus: Vec<usize>,
    /// Per consumer: what it remembers to recognise a redelivery.
    pub ledgers: Vec<Mutex<Ledger>>,
    /// Whether the broker connection is up.
    pub connected: watch::Receiver<bool>,
    /// Set when the run stops: producers end, consumers finish their attempt
    /// and hold what reaches them.
    pub stopping: watch::Sender<bool>,
    /// Set once JetStream's final counts are taken: consumers let go.
    pub counted: watch::Sender<bool>,
    /// Real time allowed to settle an ack or a publish through an outage.
    pub patience: Duration,
}

/// A new message, its headers and where it goes.
pub struct Outgoing {
    /// Its identity.
    pub envelope: Envelope,
    /// Its headers.
    pub headers: Headers,
    /// Its payload.
    pub payload: Bytes,
}

impl<B: Broker> Shared<B> {
    /// The recorder, even if a task panicked while holding it.
    pub fn rec(&self) -> MutexGuard<'_, Recorder> {
        self.rec.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether the run is stopping.
    pub fn is_stopping(&self) -> bool {
        *self.stopping.borrow()
    }

    /// The naming headers use.
    pub fn naming(&self) -> Naming<'_> {
        Naming {
            board: &self.plan.board,
            ids: &self.plan.ids,
            seed: self.seed,
            run: self.run_nonce,
        }
    }

    /// Creates a message: allocates its id (or reuses `reuse`), builds its
    /// headers and payload, and (for a new id) records it.
    #[allow(clippy::too_many_arguments)]
    pub fn create(
        &self,
        source: u32,
        ty: u32,
        kind: MsgKind,
        cause: Option<&Envelope>,
        key: u32,
        flags: u8,
        size: u32,
        reuse: Option<MsgId>,
    ) -> (Outgoing, bool) {
        let fresh = reuse.is_none();
        let id = reuse.unwrap_or_else(|| self.next_id.fetch_add(1, Ordering::SeqCst));
        let now = self.clock.now();
        let envelope = Envelope {
            id,
            ty,
            kind,
            key,
            time: now,
            root_time: cause.map_or(now, |c| c.root_time),
            source,
            causation: cause.map_or(NO_MSG, |c| c.id),
            correlation: cause.map_or(id, |c| c.correlation),
            flags,
            payload_bytes: size,
        };
        let key_name = self.plan.keys.name(key);
        let headers = envelope.to_headers(&self.naming(), &key_name);
        let payload = payload(&key_name, size);
        (
            Outgoing {
                envelope,
                headers,
                payload,
            },
            fresh,
        )
    }

    /// Records a new message's trace row (partition and offset of its first
    /// topic, if any).
    pub fn record_message(&self, envelope: &Envelope, position: Option<(u32, u64)>) {
        let (partition, offset) = position.map_or((u16::MAX, 0), |(p, o)| {
            (
                p.min(u32::from(u16::MAX - 1)) as u16,
                o.min(u64::from(u32::MAX)) as u32,
            )
        });
        self.rec().message(MessageRecord {
            id: envelope.id,
            ty: envelope.ty,
            kind: envelope.kind,
            key: envelope.key,
            time: envelope.time,
            source: envelope.source,
            causation: envelope.causation,
            correlation: envelope.correlation,
            payload_bytes: envelope.payload_bytes,
            partition,
            offset,
            flags: envelope.flags,
        });
    }

    /// Waits until the broker connection is up (or the run stops hard).
    pub async fn until_connected(&self) {
        let mut connected = self.connected.clone();
        let _ = connected.wait_for(|up| *up).await;
    }

    /// Publishes, retrying through an outage for up to `patience` (the same
    /// de-duplication id makes a retry of a stored message harmless).
    pub async fn publish(&self, subject: &str, out: &Outgoing) -> Result<Published, BrokerError> {
        let deadline = Instant::now() + self.patience;
        loop {
            match self
                .broker
                .publish(subject, &out.headers, out.payload.clone())
                .await
            {
                Ok(published) => return Ok(published),
                Err(e) if Instant::now() >= deadline => return Err(e),
                Err(_) => {
                    let _ = tokio::time::timeout(
                        deadline.saturating_duration_since(Instant::now()),
                        self.until_connected(),
                    )
                    .await;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }

    /// Works on consumer `c`'s ledger (none: no such consumer).
    pub fn with_ledger<R>(&self, c: usize, f: impl FnOnce(&mut Ledger) -> R) -> Option<R> {
        self.ledgers
            .get(c)
            .map(|ledger| f(&mut ledger.lock().unwrap_or_else(|e| e.into_inner())))
    }

    /// Entries every ledger holds (what the run remembers for redeliveries).
    pub fn remembered(&self) -> u64 {
        self.ledgers
            .iter()
            .map(|l| l.lock().unwrap_or_else(|e| e.into_inner()).len() as u64)
            .sum()
    }

    /// Takes `node`'s service time of `model_us`, scaled to real time and
    /// kept right on average below the timer's 1 ms tick ([`Pace`]).
    pub async fn work(&self, node: u32, model_us: Time) {
        if let Some(rt) = self.nodes.get(node as usize) {
            rt.pace.sleep(self.clock.real(model_us)).await;
        }
    }
}

/// A payload of `size` bytes: a small JSON object padded with spaces.
pub fn payload(key_name: &str, size: u32) -> Bytes {
    let mut body = serde_json::json!({ "key": key_name })
        .to_string()
        .into_bytes();
    body.resize((size as usize).max(body.len()), b' ');
    Bytes::from(body)
}

/// Shares a value between tasks.
pub type Handle<B> = Arc<Shared<B>>;
