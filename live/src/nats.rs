//! The [`Broker`] on NATS JetStream, through the official `async-nats` client.

use std::time::Duration;

use async_nats::jetstream::{self, consumer::PullConsumer};
use async_nats::{ConnectErrorKind, HeaderMap, RequestErrorKind};
use bytes::Bytes;
use futures_util::StreamExt;

use crate::broker::{
    Broker, BrokerError, ConsumerSpec, ConsumerState, Delivery, Incoming, Published, Settle,
    StreamSpec,
};
use crate::envelope::Headers;
use crate::{Auth, LiveError};

/// A connection to a NATS server (or cluster) with JetStream.
#[derive(Clone, Debug)]
pub struct NatsBroker {
    client: async_nats::Client,
    js: jetstream::Context,
}

/// What the connection reports while a run goes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectionEvent {
    /// The connection is (back) up.
    Connected,
    /// The server went away; the client keeps retrying.
    Disconnected,
}

/// Checks a server list (`nats://host:port`, comma-separated) before dialling.
pub fn check_url(url: &str) -> Result<(), LiveError> {
    let bad = |reason: &str| LiveError::BadUrl {
        url: url.to_string(),
        reason: reason.to_string(),
    };
    if url.trim().is_empty() {
        return Err(bad("it is empty"));
    }
    for server in url.split(',') {
        let server = server.trim();
        let rest = match server.split_once("://") {
            Some(("nats" | "tls", rest)) => rest,
            Some((scheme, _)) => {
                return Err(bad(&format!(
                    "the scheme `{scheme}` is not nats:// or tls://"
                )));
            }
            None => server,
        };
        let host_port = rest.rsplit('@').next().unwrap_or(rest);
        let (host, port) = match host_port.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        };
        if host.is_empty() || host.contains(['/', ' ', '?', '#']) {
            return Err(bad("the host is missing or malformed"));
        }
        if let Some(port) = port
            && port.parse::<u16>().map_or(true, |p| p == 0)
        {
            return Err(bad(&format!("`{port}` is not a port number")));
        }
    }
    Ok(())
}

impl NatsBroker {
    /// Connects to `url` only (servers the cluster advertises are ignored),
    /// with the credentials `auth` names, and checks that JetStream answers.
    /// `events` hears of every disconnection and reconnection.
    pub async fn connect(
        url: &str,
        auth: &Auth,
        events: impl Fn(ConnectionEvent) + Send + Sync + 'static,
    ) -> Result<NatsBroker, LiveError> {
        check_url(url)?;
        let events = std::sync::Arc::new(events);
        let mut options = match auth {
            Auth::None => async_nats::ConnectOptions::new(),
            Auth::TokenEnv(var) => async_nats::ConnectOptions::with_token(env_secret(var)?),
            Auth::UserPasswordEnv { user, password } => {
                async_nats::ConnectOptions::with_user_and_password(
                    env_secret(user)?,
                    env_secret(password)?,
                )
            }
            Auth::CredsFile(path) => async_nats::ConnectOptions::with_credentials_file(path)
                .await
                .map_err(|e| {
                    LiveError::Credentials(format!(
                        "the creds file {} cannot be used: {e}",
                        path.display()
                    ))
                })?,
        };
        options = options
            .ignore_discovered_servers()
            .retain_servers_order()
            .connection_timeout(Duration::from_secs(3))
            .max_reconnects(None)
            .reconnect_delay_callback(|attempts| {
                Duration::from_millis((50 * attempts as u64).min(500))
            })
            .name("stormflow-live")
            .event_callback(move |event| {
                let events = events.clone();
                async move {
                    match event {
                        async_nats::Event::Connected => events(ConnectionEvent::Connected),
                        async_nats::Event::Disconnected => events(ConnectionEvent::Disconnected),
                        _ => {}
                    }
                }
            });
        let servers: Vec<async_nats::ServerAddr> = url
            .split(',')
            .map(|s| s.trim().parse::<async_nats::ServerAddr>())
            .collect::<Result<_, _>>()
            .map_err(|e| LiveError::BadUrl {
                url: url.to_string(),
                reason: e.to_string(),
            })?;
        let client = options.connect(servers).await.map_err(|e| match e.kind() {
            ConnectErrorKind::ServerParse => LiveError::BadUrl {
                url: url.to_string(),
                reason: e.to_string(),
            },
            ConnectErrorKind::Authentication | ConnectErrorKind::AuthorizationViolation => {
                LiveError::AuthFailed {
                    url: url.to_string(),
                    reason: e.kind().to_string(),
                }
            }
            _ => LiveError::Unreachable {
                url: url.to_string(),
                reason: e.to_string(),
            },
        })?;
        let mut js = jetstream::new(client.clone());
        js.set_timeout(Duration::from_secs(3));
        // Asked directly: the account-info shape differs across server versions.
        let no_jetstream = |reason: String| LiveError::JetStream {
            what: "the account".into(),
            reason,
        };
        // A cluster that has just started answers only once it elected a leader.
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        let info = loop {
            let asked = client
                .send_request(
                    "$JS.API.INFO",
                    async_nats::Request::new().timeout(Some(Duration::from_secs(2))),
                )
                .await;
            match asked {
                Ok(info) => break info,
                Err(e)
                    if e.kind() == RequestErrorKind::TimedOut
                        && std::time::Instant::now() < deadline => {}
                Err(e) if e.kind() == RequestErrorKind::NoResponders => {
                    return Err(no_jetstream("no JetStream answers on this server".into()));
                }
                Err(e) => return Err(no_jetstream(e.to_string())),
            }
        };
        let answer: serde_json::Value = serde_json::from_slice(&info.payload)
            .map_err(|e| no_jetstream(format!("unreadable answer: {e}")))?;
        if let Some(error) = answer.get("error") {
            return Err(no_jetstream(error.to_string()));
        }
        Ok(NatsBroker { client, js })
    }
}

fn env_secret(var: &str) -> Result<String, LiveError> {
    std::env::var(var).map_err(|_| {
        LiveError::Credentials(format!(
            "the environment variable `{var}` is not set (or not UTF-8)"
        ))
    })
}

fn to_map(headers: &Headers) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        map.insert(name.as_str(), value.as_str());
    }
    map
}

fn from_map(map: Option<&HeaderMap>) -> Headers {
    let mut headers: Headers = map
        .map(|map| {
            map.iter()
                .filter_map(|(name, values)| {
                    values
                        .first()
                        .map(|v| (name.to_string(), v.as_str().to_string()))
                })
                .collect()
        })
        .unwrap_or_default();
    headers.sort();
    headers
}

fn unavailable(e: impl std::fmt::Display) -> BrokerError {
    BrokerError::Unavailable(e.to_string())
}

/// How long a standing pull request lives before the client renews it.
const PULL_EXPIRES: Duration = Duration::from_secs(10);

/// The server's sign of life on an idle pull request; two missed in a row
/// end the subscription with an error, and the run opens a new one.
const PULL_HEARTBEAT: Duration = Duration::from_secs(1);

/// A delivery read off a JetStream message (its reply subject carries the
/// stream sequence and JetStream's delivery count).
fn delivery(message: jetstream::Message) -> Result<Delivery<jetstream::Message>, BrokerError> {
    let (stream_sequence, delivered) = message
        .info()
        .map(|info| (info.stream_sequence, info.delivered.clamp(1, 255) as u32))
        .map_err(unavailable)?;
    Ok(Delivery {
        subject: message.subject.to_string(),
        headers: from_map(message.headers.as_ref()),
        payload: message.payload.clone(),
        stream_sequence,
        delivered,
        handle: message,
    })
}

impl Broker for NatsBroker {
    type Consumer = PullConsumer;
    type Handle = jetstream::Message;
    type Deliveries = jetstream::consumer::pull::Stream;
    type Subscription = async_nats::Subscriber;

    async fn reset_stream(&self, spec: &StreamSpec) -> Result<(), LiveError> {
        let refused = |e: &dyn std::fmt::Display| LiveError::JetStream {
            what: format!("stream {}", spec.name),
            reason: e.to_string(),
        };
        if self.js.get_stream(&spec.name).await.is_ok() {
            self.js
                .delete_stream(&spec.name)
                .await
                .map_err(|e| refused(&e))?;
        }
        let config = jetstream::stream::Config {
            name: spec.name.clone(),
            subjects: spec.subjects.clone(),
            num_replicas: spec.replicas.max(1),
            max_age: spec.max_age.unwrap_or_default(),
            storage: jetstream::stream::StorageType::File,
            duplicate_window: Duration::from_secs(120),
            ..Default::default()
        };
        self.js
            .create_stream(config)
            .await
            .map_err(|e| refused(&e))?;
        Ok(())
    }

    async fn consumer(&self, spec: &ConsumerSpec) -> Result<PullConsumer, LiveError> {
        let refused = |e: &dyn std::fmt::Display| LiveError::JetStream {
            what: format!("consumer {} on {}", spec.durable, spec.stream),
            reason: e.to_string(),
        };
        let config = jetstream::consumer::pull::Config {
            durable_name: Some(spec.durable.clone()),
            filter_subject: spec.filter_subject.clone(),
            ack_policy: jetstream::consumer::AckPolicy::Explicit,
            ack_wait: spec.ack_wait,
            max_ack_pending: spec.max_ack_pending,
            max_deliver: spec.max_deliver,
            num_replicas: spec.replicas,
            ..Default::default()
        };
        self.js
            .create_consumer_on_stream(config, spec.stream.as_str())
            .await
            .map_err(|e| refused(&e))
    }

    async fn publish(
        &self,
        subject: &str,
        headers: &Headers,
        payload: Bytes,
    ) -> Result<Published, BrokerError> {
        let ack = self
            .js
            .publish_with_headers(subject.to_string(), to_map(headers), payload)
            .await
            .map_err(unavailable)?
            .await
            .map_err(unavailable)?;
        Ok(Published {
            sequence: ack.sequence,
            duplicate: ack.duplicate,
        })
    }

    async fn deliveries(
        &self,
        consumer: &PullConsumer,
        batch: usize,
    ) -> Result<jetstream::consumer::pull::Stream, BrokerError> {
        consumer
            .stream()
            .max_messages_per_batch(batch.max(1))
            .expires(PULL_EXPIRES)
            .heartbeat(PULL_HEARTBEAT)
            .messages()
            .await
            .map_err(unavailable)
    }

    async fn next_delivery(
        &self,
        deliveries: &mut jetstream::consumer::pull::Stream,
    ) -> Result<Delivery<jetstream::Message>, BrokerError> {
        match deliveries.next().await {
            Some(Ok(message)) => delivery(message),
            Some(Err(e)) => Err(unavailable(e)),
            None => Err(BrokerError::Unavailable("the subscription ended".into())),
        }
    }

    async fn fetch(
        &self,
        consumer: &PullConsumer,
        wait: Duration,
    ) -> Result<Option<Delivery<jetstream::Message>>, BrokerError> {
        let mut batch = consumer
            .fetch()
            .max_messages(1)
            .expires(wait)
            .messages()
            .await
            .map_err(unavailable)?;
        let Some(next) = batch.next().await else {
            return Ok(None);
        };
        delivery(next.map_err(unavailable)?).map(Some)
    }

    async fn settle(&self, handle: &jetstream::Message, how: Settle) -> Result<(), BrokerError> {
        use jetstream::AckKind;
        match how {
            Settle::InProgress => handle.ack_with(AckKind::Progress).await,
            Settle::Ack => handle.ack().await,
            Settle::AckConfirmed => handle.double_ack().await,
            Settle::Nak(delay) => handle.ack_with(AckKind::Nak(Some(delay))).await,
            Settle::Term => handle.ack_with(AckKind::Term).await,
        }
        .map_err(unavailable)
    }

    async fn consumer_state(&self, consumer: &PullConsumer) -> Result<ConsumerState, BrokerError> {
        let mut consumer = consumer.clone();
        let info = consumer.info().await.map_err(unavailable)?;
        Ok(ConsumerState {
            pending: info.num_pending + info.num_ack_pending as u64,
            ack_floor: info.ack_floor.stream_sequence,
        })
    }

    async fn request(
        &self,
        subject: &str,
        headers: &Headers,
        payload: Bytes,
        timeout: Duration,
    ) -> Result<(Headers, Bytes), BrokerError> {
        let request = async_nats::Request::new()
            .headers(to_map(headers))
            .payload(payload)
            .timeout(Some(timeout));
        match self.client.send_request(subject.to_string(), request).await {
            Ok(message) => Ok((from_map(message.headers.as_ref()), message.payload)),
            Err(e) => Err(match e.kind() {
                RequestErrorKind::NoResponders => BrokerError::NoResponders,
                RequestErrorKind::TimedOut => BrokerError::TimedOut,
                _ => unavailable(e),
            }),
        }
    }

    async fn serve(&self, subject: &str) -> Result<async_nats::Subscriber, BrokerError> {
        let subscriber = self
            .client
            .queue_subscribe(subject.to_string(), "stormflow".to_string())
            .await
            .map_err(unavailable)?;
        // The subscription must reach the server before a caller can find it.
        self.client.flush().await.map_err(unavailable)?;
        Ok(subscriber)
    }

    async fn next_request(&self, subscription: &mut async_nats::Subscriber) -> Option<Incoming> {
        let message = subscription.next().await?;
        Some(Incoming {
            headers: from_map(message.headers.as_ref()),
            payload: message.payload,
            reply_to: message.reply.map(|r| r.to_string()),
        })
    }

    async fn reply(&self, to: &str, headers: &Headers, payload: Bytes) -> Result<(), BrokerError> {
        self.client
            .publish_with_headers(to.to_string(), to_map(headers), payload)
            .await
            .map_err(unavailable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_before_dialling() {
        assert!(check_url("nats://127.0.0.1:4222").is_ok());
        assert!(check_url("127.0.0.1:4222,nats://127.0.0.1:4223").is_ok());
        assert!(check_url("localhost").is_ok());
        for bad in [
            "",
            "http://x:1",
            "nats://:4222",
            "nats://h:notaport",
            "nats://h:0",
        ] {
            assert!(
                matches!(check_url(bad), Err(LiveError::BadUrl { .. })),
                "{bad}"
            );
        }
    }
}
