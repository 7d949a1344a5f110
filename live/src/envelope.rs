//! A message's identity as it travels in real broker headers: the Stormflow
//! fields (type, kind, key, times, causation) plus CloudEvents, W3C
//! `traceparent` and `Nats-Msg-Id`. Consumers rebuild everything they need
//! from these headers alone.

use std::time::{SystemTime, UNIX_EPOCH};

use stormflow_core::sim::export::{send_span_id, trace_id};
use stormflow_core::sim::{MsgId, MsgKind, NO_MSG, Time};

/// Broker-neutral headers: (name, value) pairs in a fixed order.
pub type Headers = Vec<(String, String)>;

/// The header a broker de-duplicates publishes by.
pub const MSG_ID: &str = "Nats-Msg-Id";
/// Stormflow header: the last error of a dead letter.
pub const DLQ_ERROR: &str = "sf-dlq-error";
/// Stormflow header: the subject a dead letter was read from.
pub const DLQ_SUBJECT: &str = "sf-dlq-subject";
/// Stormflow header: the stream sequence a dead letter was read from.
pub const DLQ_SEQUENCE: &str = "sf-dlq-sequence";
/// Stormflow header: the id of the message that was dead-lettered.
pub const DLQ_ORIGINAL: &str = "sf-dlq-original";
/// Stormflow header on a reply: the error the callee answered with.
pub const REPLY_ERROR: &str = "sf-error";

/// Everything a run knows of one message, carried in its headers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope {
    /// Dense message id within the run.
    pub id: MsgId,
    /// Element index of its type.
    pub ty: u32,
    /// Event, command, query or reply.
    pub kind: MsgKind,
    /// Key index.
    pub key: u32,
    /// Model time it was created at.
    pub time: Time,
    /// Model time its chain's root was created at.
    pub root_time: Time,
    /// Element index of its producer.
    pub source: u32,
    /// The message that caused it ([`NO_MSG`] for a root).
    pub causation: MsgId,
    /// The root of its chain.
    pub correlation: MsgId,
    /// Header bits (`FLAG_*` of the simulation).
    pub flags: u8,
    /// Payload size.
    pub payload_bytes: u32,
}

/// What headers need beyond the envelope: names of elements and keys.
pub struct Naming<'a> {
    /// The board's broker name.
    pub board: &'a str,
    /// Element ids by index.
    pub ids: &'a [String],
    /// The run's seed (trace ids are derived from it, as in exports).
    pub seed: u64,
    /// A per-run nonce so de-duplication never confuses two runs.
    pub run: u64,
}

impl Envelope {
    /// The headers of a message; `key_name` is the key as the simulator names it.
    pub fn to_headers(&self, naming: &Naming<'_>, key_name: &str) -> Headers {
        let id_of = |i: u32| naming.ids.get(i as usize).map_or("?", String::as_str);
        let causation = if self.causation == NO_MSG {
            self.id
        } else {
            self.causation
        };
        vec![
            (MSG_ID.into(), msg_id(naming, self.id)),
            ("ce-specversion".into(), "1.0".into()),
            ("ce-id".into(), self.id.to_string()),
            (
                "ce-source".into(),
                format!("/stormflow/{}/{}", naming.board, id_of(self.source)),
            ),
            ("ce-type".into(), id_of(self.ty).to_string()),
            ("ce-time".into(), rfc3339_now()),
            ("ce-subject".into(), key_name.to_string()),
            ("causationid".into(), causation.to_string()),
            ("correlationid".into(), self.correlation.to_string()),
            (
                "traceparent".into(),
                format!(
                    "00-{}-{}-01",
                    trace_id(naming.seed, self.correlation),
                    send_span_id(self.id)
                ),
            ),
            ("sf-kind".into(), self.kind.label().into()),
            ("sf-key".into(), self.key.to_string()),
            ("sf-time-us".into(), self.time.to_string()),
            ("sf-root-us".into(), self.root_time.to_string()),
            ("sf-flags".into(), self.flags.to_string()),
            ("sf-bytes".into(), self.payload_bytes.to_string()),
        ]
    }

    /// Reads an envelope back from headers; `index_of` maps element ids to
    /// indices. None when a header is missing or malformed.
    pub fn from_headers(headers: &Headers, index_of: impl Fn(&str) -> Option<u32>) -> Option<Self> {
        let get = |name: &str| header(headers, name);
        let num = |name: &str| get(name)?.parse::<u64>().ok();
        let id = num("ce-id")?;
        let source_id = get("ce-source")?.rsplit('/').next()?;
        let causation = num("causationid")?;
        Some(Envelope {
            id,
            ty: index_of(get("ce-type")?)?,
            kind: match get("sf-kind")? {
                "event" => MsgKind::Event,
                "command" => MsgKind::Command,
                "query" => MsgKind::Query,
                "reply" => MsgKind::Reply,
                _ => return None,
            },
            key: u32::try_from(num("sf-key")?).ok()?,
            time: num("sf-time-us")?,
            root_time: num("sf-root-us")?,
            source: index_of(source_id)?,
            causation: if causation == id { NO_MSG } else { causation },
            correlation: num("correlationid")?,
            flags: u8::try_from(num("sf-flags")?).ok()?,
            payload_bytes: u32::try_from(num("sf-bytes")?).ok()?,
        })
    }
}

/// The de-duplication id of message `id` in this run.
pub fn msg_id(naming: &Naming<'_>, id: MsgId) -> String {
    format!("sf-{}-{:x}-{id}", naming.board, naming.run)
}

/// The value of a header, if present.
pub fn header<'h>(headers: &'h Headers, name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The wall-clock time now as RFC 3339 UTC with microseconds (CloudEvents `time`).
pub fn rfc3339_now() -> String {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    rfc3339(since.as_secs(), since.subsec_micros())
}

/// Unix seconds and microseconds as RFC 3339 UTC.
pub fn rfc3339(secs: u64, micros: u32) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{micros:06}Z",
        rem / 3_600,
        rem / 60 % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_of_known_instants() {
        assert_eq!(rfc3339(0, 0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(rfc3339(1_767_225_600, 5), "2026-01-01T00:00:00.000005Z");
        assert_eq!(rfc3339(951_782_400, 0), "2000-02-29T00:00:00.000000Z");
    }

    #[test]
    fn envelope_round_trips_through_headers() {
        let ids = vec!["customer".to_string(), "place-order".to_string()];
        let naming = Naming {
            board: "shop",
            ids: &ids,
            seed: 7,
            run: 1,
        };
        let envelope = Envelope {
            id: 12,
            ty: 1,
            kind: MsgKind::Command,
            key: 3,
            time: 1_000,
            root_time: 900,
            source: 0,
            causation: 4,
            correlation: 2,
            flags: 1,
            payload_bytes: 300,
        };
        let headers = envelope.to_headers(&naming, "customer-3");
        let back = Envelope::from_headers(&headers, |id| {
            ids.iter().position(|i| i == id).map(|i| i as u32)
        });
        assert_eq!(back, Some(envelope));
        let traceparent = header(&headers, "traceparent").unwrap();
        assert!(traceparent.starts_with("00-") && traceparent.ends_with("-01"));
        assert_eq!(traceparent.len(), 55, "{traceparent}");
    }

    #[test]
    fn a_root_names_itself_as_its_cause_and_reads_back_as_a_root() {
        let ids = vec!["a".to_string()];
        let naming = Naming {
            board: "b",
            ids: &ids,
            seed: 1,
            run: 1,
        };
        let root = Envelope {
            id: 5,
            ty: 0,
            kind: MsgKind::Event,
            key: 0,
            time: 0,
            root_time: 0,
            source: 0,
            causation: NO_MSG,
            correlation: 5,
            flags: 0,
            payload_bytes: 1,
        };
        let headers = root.to_headers(&naming, "a-0");
        assert_eq!(header(&headers, "causationid"), Some("5"));
        let back = Envelope::from_headers(&headers, |_| Some(0)).unwrap();
        assert_eq!(back.causation, NO_MSG);
    }
}
