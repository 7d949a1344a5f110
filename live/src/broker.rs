//! The small broker interface a live run drives. The mapping of a board onto
//! a broker (docs/live.md) is written against this trait only, so another
//! broker (Kafka through rdkafka) can follow with its own implementation.

use std::future::Future;
use std::time::Duration;

use bytes::Bytes;

use crate::LiveError;
use crate::envelope::Headers;

/// A log the broker keeps: one per topic, one for the board's bus.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamSpec {
    /// The stream's name.
    pub name: String,
    /// The subjects it stores.
    pub subjects: Vec<String>,
    /// Copies kept across a cluster (1 on a single server).
    pub replicas: usize,
    /// Messages older than this are deleted (none: kept).
    pub max_age: Option<Duration>,
}

/// A durable consumer reading one subject of a stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsumerSpec {
    /// The stream it reads.
    pub stream: String,
    /// Its durable name.
    pub durable: String,
    /// The subject it reads.
    pub filter_subject: String,
    /// How long a delivery may stay unsettled before the broker redelivers it.
    pub ack_wait: Duration,
    /// Deliveries unsettled at once (1 keeps a partition in order).
    pub max_ack_pending: i64,
    /// Deliveries of one message before the broker gives up on it (-1: never).
    pub max_deliver: i64,
    /// Copies of the consumer's state across a cluster.
    pub replicas: usize,
}

/// Where a publish landed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Published {
    /// The stream sequence of the message.
    pub sequence: u64,
    /// The broker had it already (same de-duplication id): nothing new was stored.
    pub duplicate: bool,
}

/// One message fetched by a consumer, with the handle to settle it.
#[derive(Debug)]
pub struct Delivery<H> {
    /// The subject it was published to.
    pub subject: String,
    /// Its headers.
    pub headers: Headers,
    /// Its payload.
    pub payload: Bytes,
    /// Its stream sequence.
    pub stream_sequence: u64,
    /// Which delivery of the message this is, from 1.
    pub delivered: u32,
    /// What settles it.
    pub handle: H,
}

/// How a delivery is settled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Settle {
    /// Still being worked on: restart the broker's redelivery timer.
    InProgress,
    /// Done.
    Ack,
    /// Done, and wait until the broker confirms it recorded the ack.
    AckConfirmed,
    /// Deliver it again after a delay.
    Nak(Duration),
    /// Never deliver it again (given up).
    Term,
}

/// What the broker holds for a consumer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConsumerState {
    /// Deliveries not yet made plus deliveries made and not yet settled.
    pub pending: u64,
    /// Every message of the consumer at or below this stream sequence is
    /// settled for good: the broker will never deliver it again.
    pub ack_floor: u64,
}

/// A synchronous request received by a serving element.
#[derive(Debug)]
pub struct Incoming {
    /// Its headers.
    pub headers: Headers,
    /// Its payload.
    pub payload: Bytes,
    /// Where the answer goes (none: nobody waits).
    pub reply_to: Option<String>,
}

/// Why a broker operation failed during a run.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BrokerError {
    /// Nobody serves the subject (the callee is down).
    #[error("nobody is serving it")]
    NoResponders,
    /// No answer in time.
    #[error("no answer in time")]
    TimedOut,
    /// The broker is unreachable or refused the operation.
    #[error("{0}")]
    Unavailable(String),
}

/// The operations a live run needs from a broker.
pub trait Broker: Clone + Send + Sync + 'static {
    /// A durable consumer.
    type Consumer: Clone + Send + Sync + 'static;
    /// What settles a fetched delivery.
    type Handle: Send + Sync + 'static;
    /// A consumer's deliveries as they come (a standing pull subscription).
    type Deliveries: Send + 'static;
    /// A subscription serving synchronous requests.
    type Subscription: Send + 'static;

    /// Creates a stream afresh, deleting a previous one of the same name
    /// (a run starts from empty logs).
    fn reset_stream(&self, spec: &StreamSpec)
    -> impl Future<Output = Result<(), LiveError>> + Send;

    /// Creates a durable consumer.
    fn consumer(
        &self,
        spec: &ConsumerSpec,
    ) -> impl Future<Output = Result<Self::Consumer, LiveError>> + Send;

    /// Publishes to a stream and waits for the broker's acknowledgement.
    fn publish(
        &self,
        subject: &str,
        headers: &Headers,
        payload: Bytes,
    ) -> impl Future<Output = Result<Published, BrokerError>> + Send;

    /// Opens a long-lived subscription to a consumer's deliveries. It keeps
    /// `batch` deliveries asked for at the broker, so the next one is handed
    /// out as soon as the consumer's unsettled limit allows, without a round
    /// trip per message.
    fn deliveries(
        &self,
        consumer: &Self::Consumer,
        batch: usize,
    ) -> impl Future<Output = Result<Self::Deliveries, BrokerError>> + Send;

    /// Waits for the next delivery of a subscription. Dropping the future
    /// loses nothing. An error means the subscription is broken: open a new one.
    fn next_delivery(
        &self,
        deliveries: &mut Self::Deliveries,
    ) -> impl Future<Output = Result<Delivery<Self::Handle>, BrokerError>> + Send;

    /// Fetches one delivery, waiting at most `wait` (none: nothing came).
    /// For looking at a stream; a run reads through [`Broker::deliveries`].
    fn fetch(
        &self,
        consumer: &Self::Consumer,
        wait: Duration,
    ) -> impl Future<Output = Result<Option<Delivery<Self::Handle>>, BrokerError>> + Send;

    /// Settles a delivery.
    fn settle(
        &self,
        handle: &Self::Handle,
        how: Settle,
    ) -> impl Future<Output = Result<(), BrokerError>> + Send;

    /// What the broker holds for a consumer: its pending count and ack floor.
    fn consumer_state(
        &self,
        consumer: &Self::Consumer,
    ) -> impl Future<Output = Result<ConsumerState, BrokerError>> + Send;

    /// Sends a request and waits for its answer.
    fn request(
        &self,
        subject: &str,
        headers: &Headers,
        payload: Bytes,
        timeout: Duration,
    ) -> impl Future<Output = Result<(Headers, Bytes), BrokerError>> + Send;

    /// Starts serving requests on a subject (one of a queue group).
    fn serve(
        &self,
        subject: &str,
    ) -> impl Future<Output = Result<Self::Subscription, BrokerError>> + Send;

    /// The next request of a subscription (none: it ended).
    fn next_request(
        &self,
        subscription: &mut Self::Subscription,
    ) -> impl Future<Output = Option<Incoming>> + Send;

    /// Answers a request.
    fn reply(
        &self,
        to: &str,
        headers: &Headers,
        payload: Bytes,
    ) -> impl Future<Output = Result<(), BrokerError>> + Send;
}
