//! The trace: every message and every delivery attempt of a run, stored
//! column-wise so a message costs about 40 bytes and an attempt about 24.
//!
//! Message ids are dense (`0, 1, 2, ...` in creation order), so a message's
//! row is its id, creation times are sorted, and a causation chain is walked
//! in O(depth). Past `limit` messages the trace stops recording and says so.

use std::collections::BTreeMap;

use super::hash::{RunHash, fold_words, pack};
use super::{MsgId, MsgKind, NO_MSG, Time};

/// Attempts kept per message kept, on average: past `limit` times this the
/// trace stops recording attempts too, so a message retried without end
/// cannot grow it.
const ATTEMPTS_PER_MESSAGE: usize = 8;

/// How a delivery attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Processed and committed.
    Processed,
    /// Failed before its effect; it will be retried after a backoff.
    Retried,
    /// Failed after its effect and before the commit; it will be delivered
    /// again (an at-least-once duplicate) or rolled back (exactly-once).
    Redelivered,
    /// Retries used up: moved to the dead-letter topic.
    DeadLettered,
    /// Lost, with a reason (at-most-once failure, expiry, exhausted retries).
    Dropped,
    /// Retries used up: the partition stops here (a poison message).
    Stopped,
    /// The consumer went down during the attempt; the message goes back.
    Aborted,
}

impl Outcome {
    /// Every outcome.
    pub const ALL: [Outcome; 7] = [
        Outcome::Processed,
        Outcome::Retried,
        Outcome::Redelivered,
        Outcome::DeadLettered,
        Outcome::Dropped,
        Outcome::Stopped,
        Outcome::Aborted,
    ];

    /// The outcome's name as shown and exported.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Processed => "processed",
            Outcome::Retried => "retried",
            Outcome::Redelivered => "redelivered",
            Outcome::DeadLettered => "dead-lettered",
            Outcome::Dropped => "dropped",
            Outcome::Stopped => "stopped",
            Outcome::Aborted => "aborted",
        }
    }

    fn code(self) -> u8 {
        self as u8
    }

    fn from_code(code: u8) -> Outcome {
        Outcome::ALL
            .get(usize::from(code))
            .copied()
            .unwrap_or(Outcome::Processed)
    }
}

/// One message as the trace holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MessageRecord {
    /// Dense id.
    pub id: MsgId,
    /// Element index of its type.
    pub ty: u32,
    /// Event, command, query or reply.
    pub kind: MsgKind,
    /// Key index (see [`super::Sim::key_name`]).
    pub key: u32,
    /// Virtual creation time.
    pub time: Time,
    /// Element index of the producer.
    pub source: u32,
    /// The message that directly caused it ([`NO_MSG`] for a root).
    pub causation: MsgId,
    /// The root of its chain.
    pub correlation: MsgId,
    /// Payload size in bytes.
    pub payload_bytes: u32,
    /// Partition of the first topic it was appended to (`u16::MAX`: none).
    pub partition: u16,
    /// Offset in that partition.
    pub offset: u32,
    /// Header bits ([`super::FLAG_POISON`], [`super::FLAG_SYNC`], ...).
    pub flags: u8,
}

/// One delivery attempt as the trace holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttemptRecord {
    /// The message delivered.
    pub msg: MsgId,
    /// Element index of the consumer.
    pub consumer: u32,
    /// Attempt number, from 1.
    pub attempt: u8,
    /// How it ended.
    pub outcome: Outcome,
    /// Start, virtual time.
    pub start: Time,
    /// End, virtual time.
    pub end: Time,
}

/// What a dead-lettered message's headers carry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadLetter {
    /// The original message.
    pub original: MsgId,
    /// The last error.
    pub error: String,
    /// Element index of the topic it was read from (`u32::MAX`: a queue).
    pub topic: u32,
    /// Partition it was read from.
    pub partition: u32,
    /// Offset it was read from.
    pub offset: u64,
}

/// What a trace recorded after a given point: the rows a mirror of it (the
/// UI's, on another thread) needs to catch up, in order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TraceDelta {
    /// Id of the first message in `messages`.
    pub first_message: MsgId,
    /// New messages, in id order.
    pub messages: Vec<MessageRecord>,
    /// Row of the first attempt in `attempts`.
    pub first_attempt: usize,
    /// New attempts, in row order, with their errors.
    pub attempts: Vec<(AttemptRecord, Option<String>)>,
    /// Fan-in links of the new messages.
    pub links: Vec<(MsgId, Vec<MsgId>)>,
    /// Dead-letter headers of the new messages.
    pub dead_letters: Vec<(MsgId, DeadLetter)>,
    /// The truncation marker, if set.
    pub truncated_at: Option<u64>,
}

impl TraceDelta {
    /// Whether nothing new is in it.
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty() && self.attempts.is_empty()
    }
}

/// The run's trace.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    limit: u32,
    truncated_after: Option<u64>,
    ty: Vec<u32>,
    kind: Vec<u8>,
    key: Vec<u32>,
    time: Vec<Time>,
    source: Vec<u32>,
    causation: Vec<u32>,
    correlation: Vec<u32>,
    payload: Vec<u32>,
    partition: Vec<u16>,
    offset: Vec<u32>,
    flags: Vec<u8>,
    att_msg: Vec<u32>,
    att_consumer: Vec<u32>,
    att_no: Vec<u8>,
    att_outcome: Vec<u8>,
    att_start: Vec<Time>,
    att_duration: Vec<u32>,
    /// Extra causes of fan-in results (a windowed aggregate, a join), by message.
    links: BTreeMap<u32, Vec<u32>>,
    /// Errors of failed attempts, by attempt row.
    errors: BTreeMap<u32, String>,
    /// Headers of dead letters, by the dead-letter message.
    dead_letters: BTreeMap<u32, DeadLetter>,
    /// The fingerprint of everything offered, kept or not.
    run: RunHash,
}

const NONE32: u32 = u32::MAX;

fn narrow(id: MsgId) -> u32 {
    if id == NO_MSG { NONE32 } else { id as u32 }
}

fn widen(id: u32) -> MsgId {
    if id == NONE32 {
        NO_MSG
    } else {
        MsgId::from(id)
    }
}

impl Trace {
    /// An empty trace that keeps at most `limit` messages; space for
    /// `expected` messages is reserved up front.
    pub fn new(limit: u32, expected: usize) -> Self {
        let reserve = expected.min(limit as usize);
        let mut trace = Trace {
            limit: limit.min(NONE32 - 1),
            ..Trace::default()
        };
        trace.ty.reserve(reserve);
        trace.kind.reserve(reserve);
        trace.key.reserve(reserve);
        trace.time.reserve(reserve);
        trace.source.reserve(reserve);
        trace.causation.reserve(reserve);
        trace.correlation.reserve(reserve);
        trace.payload.reserve(reserve);
        trace.partition.reserve(reserve);
        trace.offset.reserve(reserve);
        trace.flags.reserve(reserve);
        trace
    }

    /// Most messages kept.
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// Messages recorded.
    pub fn len(&self) -> usize {
        self.ty.len()
    }

    /// Whether nothing is recorded.
    pub fn is_empty(&self) -> bool {
        self.ty.is_empty()
    }

    /// Attempts recorded.
    pub fn attempt_count(&self) -> usize {
        self.att_msg.len()
    }

    /// When the limit was reached, the message count at that point: the
    /// "trace truncated at N messages" marker.
    pub fn truncated_at(&self) -> Option<u64> {
        self.truncated_after
    }

    /// Whether message `id` is recorded.
    pub fn contains(&self, id: MsgId) -> bool {
        id < self.ty.len() as u64
    }

    /// Records a new message; ids must arrive in order. Beyond the limit the
    /// message is not recorded and the truncation marker is set; the run's
    /// fingerprint takes it in either way.
    pub(crate) fn push_message(&mut self, record: &MessageRecord) {
        self.run.message(record);
        // A trace that is off keeps nothing and is not "truncated".
        if self.limit == 0 || record.id != self.ty.len() as u64 {
            return;
        }
        if self.ty.len() >= self.limit as usize {
            self.truncated_after.get_or_insert(self.limit.into());
            return;
        }
        self.ty.push(record.ty);
        self.kind.push(record.kind as u8);
        self.key.push(record.key);
        self.time.push(record.time);
        self.source.push(record.source);
        self.causation.push(narrow(record.causation));
        self.correlation.push(narrow(record.correlation));
        self.payload.push(record.payload_bytes);
        self.partition.push(record.partition);
        self.offset.push(record.offset);
        self.flags.push(record.flags);
    }

    /// Sets where a recorded message landed on its first topic.
    pub(crate) fn set_position(&mut self, id: MsgId, partition: u32, offset: u64) {
        self.run.position(id, partition, offset);
        if self.limit == 0 {
            return;
        }
        if let Some(slot) = self.partition.get_mut(id as usize)
            && *slot == u16::MAX
        {
            *slot = partition.min(u32::from(u16::MAX - 1)) as u16;
            self.offset[id as usize] = offset.min(u64::from(u32::MAX)) as u32;
        }
    }

    /// Records an attempt of a recorded message; returns its row.
    pub(crate) fn push_attempt(
        &mut self,
        record: &AttemptRecord,
        error: Option<&str>,
    ) -> Option<u32> {
        self.run.attempt(record);
        if self.limit == 0 || !self.contains(record.msg) {
            return None;
        }
        if self.att_msg.len() >= (self.limit as usize).saturating_mul(ATTEMPTS_PER_MESSAGE) {
            self.truncated_after.get_or_insert(self.ty.len() as u64);
            return None;
        }
        let row = self.att_msg.len() as u32;
        self.att_msg.push(record.msg as u32);
        self.att_consumer.push(record.consumer);
        self.att_no.push(record.attempt);
        self.att_outcome.push(record.outcome.code());
        self.att_start.push(record.start);
        self.att_duration.push(
            record
                .end
                .saturating_sub(record.start)
                .min(u64::from(u32::MAX)) as u32,
        );
        if let Some(error) = error {
            self.errors.insert(row, error.to_string());
        }
        Some(row)
    }

    /// Records extra causes of a fan-in result.
    pub(crate) fn push_links(&mut self, id: MsgId, causes: &[MsgId]) {
        self.run.links(id, causes);
        if self.contains(id) {
            let kept: Vec<u32> = causes
                .iter()
                .filter(|c| self.contains(**c))
                .map(|c| *c as u32)
                .collect();
            if !kept.is_empty() {
                self.links.insert(id as u32, kept);
            }
        }
    }

    /// Records a dead letter's headers.
    pub(crate) fn push_dead_letter(&mut self, id: MsgId, header: DeadLetter) {
        if self.contains(id) {
            self.dead_letters.insert(id as u32, header);
        }
    }

    /// The message with this id.
    pub fn message(&self, id: MsgId) -> Option<MessageRecord> {
        let i = usize::try_from(id).ok().filter(|i| *i < self.ty.len())?;
        Some(MessageRecord {
            id,
            ty: self.ty[i],
            kind: MsgKind::from_code(self.kind[i]),
            key: self.key[i],
            time: self.time[i],
            source: self.source[i],
            causation: widen(self.causation[i]),
            correlation: widen(self.correlation[i]),
            payload_bytes: self.payload[i],
            partition: self.partition[i],
            offset: self.offset[i],
            flags: self.flags[i],
        })
    }

    /// Attempt row `row`.
    pub fn attempt(&self, row: usize) -> Option<AttemptRecord> {
        if row >= self.att_msg.len() {
            return None;
        }
        Some(AttemptRecord {
            msg: MsgId::from(self.att_msg[row]),
            consumer: self.att_consumer[row],
            attempt: self.att_no[row],
            outcome: Outcome::from_code(self.att_outcome[row]),
            start: self.att_start[row],
            end: self.att_start[row] + u64::from(self.att_duration[row]),
        })
    }

    /// The error of a failed attempt.
    pub fn attempt_error(&self, row: usize) -> Option<&str> {
        self.errors.get(&(row as u32)).map(String::as_str)
    }

    /// Attempts of one message, in order.
    pub fn attempts_of(&self, id: MsgId) -> Vec<(usize, AttemptRecord)> {
        // Attempts are appended as they end, so a message's attempts are
        // spread; a linear scan from its creation onward is bounded by the
        // attempts that ended after it was made.
        let start = self.first_attempt_after(self.time.get(id as usize).copied().unwrap_or(0));
        (start..self.att_msg.len())
            .filter(|row| MsgId::from(self.att_msg[*row]) == id)
            .filter_map(|row| self.attempt(row).map(|a| (row, a)))
            .collect()
    }

    /// Attempts of several messages in one pass over the attempts recorded
    /// since the earliest of them was made: by message, each in order.
    pub fn attempts_of_each(
        &self,
        ids: &std::collections::BTreeSet<MsgId>,
    ) -> BTreeMap<MsgId, Vec<(usize, AttemptRecord)>> {
        let mut found: BTreeMap<MsgId, Vec<(usize, AttemptRecord)>> = BTreeMap::new();
        // Ids are in creation order, so the first is the earliest.
        let Some(first) = ids.first() else {
            return found;
        };
        let start = self.first_attempt_after(self.time.get(*first as usize).copied().unwrap_or(0));
        for row in start..self.att_msg.len() {
            let id = MsgId::from(self.att_msg[row]);
            if ids.contains(&id)
                && let Some(attempt) = self.attempt(row)
            {
                found.entry(id).or_default().push((row, attempt));
            }
        }
        found
    }

    fn first_attempt_after(&self, time: Time) -> usize {
        // Attempts are recorded when they end; an attempt that ended at or
        // after `time` started no earlier than the earliest start still open,
        // so search by end time, which is nondecreasing.
        let ends = |row: usize| self.att_start[row] + u64::from(self.att_duration[row]);
        let (mut lo, mut hi) = (0, self.att_msg.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            if ends(mid) < time {
                lo = mid + 1
            } else {
                hi = mid
            }
        }
        lo
    }

    /// Extra causes of a fan-in result.
    pub fn links(&self, id: MsgId) -> Vec<MsgId> {
        self.links
            .get(&(id as u32))
            .map(|links| links.iter().map(|l| MsgId::from(*l)).collect())
            .unwrap_or_default()
    }

    /// The headers of a dead letter.
    pub fn dead_letter(&self, id: MsgId) -> Option<&DeadLetter> {
        self.dead_letters.get(&(id as u32))
    }

    /// The causation chain of `id`: the message itself, its cause, its
    /// cause's cause, ... up to the root. O(depth).
    pub fn ancestors(&self, id: MsgId) -> Vec<MsgId> {
        let mut chain = Vec::new();
        let mut current = id;
        while self.contains(current) && chain.len() <= self.ty.len() {
            chain.push(current);
            let cause = widen(self.causation[current as usize]);
            if cause == NO_MSG || cause >= current {
                break;
            }
            current = cause;
        }
        chain
    }

    /// Every message caused directly or indirectly by `id`, in id order.
    pub fn descendants(&self, id: MsgId) -> Vec<MsgId> {
        let Some(root) = self.message(id) else {
            return Vec::new();
        };
        // Descendants share the correlation and come later, so only the
        // correlation's later members need looking at.
        let mut inside = std::collections::BTreeSet::from([id]);
        let mut found = Vec::new();
        for member in self.correlation_members(root.correlation) {
            if member <= id {
                continue;
            }
            let cause = widen(self.causation[member as usize]);
            if inside.contains(&cause) {
                inside.insert(member);
                found.push(member);
            }
        }
        found
    }

    /// Every message whose correlation is `correlation`, in id order.
    pub fn correlation_members(&self, correlation: MsgId) -> Vec<MsgId> {
        if !self.contains(correlation) {
            return Vec::new();
        }
        let wanted = correlation as u32;
        (correlation as usize..self.ty.len())
            .filter(|i| self.correlation[*i] == wanted)
            .map(|i| i as MsgId)
            .collect()
    }

    /// The whole tree of `id`'s correlation, as (message, depth) in
    /// depth-first order from the root.
    pub fn correlation_tree(&self, id: MsgId) -> Vec<(MsgId, usize)> {
        let Some(message) = self.message(id) else {
            return Vec::new();
        };
        let members = self.correlation_members(message.correlation);
        let mut children: BTreeMap<MsgId, Vec<MsgId>> = BTreeMap::new();
        for member in &members {
            let cause = widen(self.causation[*member as usize]);
            if cause != NO_MSG {
                children.entry(cause).or_default().push(*member);
            }
        }
        let mut tree = Vec::with_capacity(members.len());
        let mut stack = vec![(message.correlation, 0usize)];
        while let Some((node, depth)) = stack.pop() {
            tree.push((node, depth));
            if let Some(kids) = children.get(&node) {
                for kid in kids.iter().rev() {
                    stack.push((*kid, depth + 1));
                }
            }
        }
        tree
    }

    /// Messages with key index `key`, in id order.
    pub fn by_key(&self, key: u32) -> Vec<MsgId> {
        self.filter_ids(|i| self.key[i] == key)
    }

    /// Messages of type or produced by element index `element`, in id order.
    pub fn by_element(&self, element: u32) -> Vec<MsgId> {
        self.filter_ids(|i| self.ty[i] == element || self.source[i] == element)
    }

    /// Messages created in `[from, to)`, by binary search on the sorted times.
    pub fn by_time(&self, from: Time, to: Time) -> std::ops::Range<MsgId> {
        let start = self.time.partition_point(|t| *t < from);
        let end = self.time.partition_point(|t| *t < to);
        start as MsgId..end.max(start) as MsgId
    }

    fn filter_ids(&self, keep: impl Fn(usize) -> bool) -> Vec<MsgId> {
        (0..self.ty.len())
            .filter(|i| keep(*i))
            .map(|i| i as MsgId)
            .collect()
    }

    /// Everything recorded from message `messages` and attempt row `attempts` on.
    pub fn delta_since(&self, messages: MsgId, attempts: usize) -> TraceDelta {
        let first_message = messages.min(self.ty.len() as MsgId);
        let first_attempt = attempts.min(self.att_msg.len());
        let new_messages: Vec<MessageRecord> = (first_message..self.ty.len() as MsgId)
            .filter_map(|id| self.message(id))
            .collect();
        let new_attempts = (first_attempt..self.att_msg.len())
            .filter_map(|row| {
                self.attempt(row)
                    .map(|a| (a, self.attempt_error(row).map(str::to_string)))
            })
            .collect();
        let from = u32::try_from(first_message).unwrap_or(u32::MAX);
        TraceDelta {
            first_message,
            messages: new_messages,
            first_attempt,
            attempts: new_attempts,
            links: self
                .links
                .range(from..)
                .map(|(id, links)| {
                    (
                        MsgId::from(*id),
                        links.iter().map(|l| MsgId::from(*l)).collect(),
                    )
                })
                .collect(),
            dead_letters: self
                .dead_letters
                .range(from..)
                .map(|(id, header)| (MsgId::from(*id), header.clone()))
                .collect(),
            truncated_at: self.truncated_after,
        }
    }

    /// Appends a delta taken from another trace. A delta that does not start
    /// where this trace ends is refused (returns false) and changes nothing.
    pub fn apply(&mut self, delta: &TraceDelta) -> bool {
        if delta.first_message != self.ty.len() as MsgId
            || delta.first_attempt != self.att_msg.len()
        {
            return false;
        }
        if self.limit == 0 {
            self.limit = NONE32 - 1;
        }
        for message in &delta.messages {
            self.push_message(message);
        }
        for (attempt, error) in &delta.attempts {
            if self.push_attempt(attempt, error.as_deref()).is_none() {
                // Attempts of messages this mirror did not record keep the
                // row numbering anyway.
                self.att_msg.push(attempt.msg as u32);
                self.att_consumer.push(attempt.consumer);
                self.att_no.push(attempt.attempt);
                self.att_outcome.push(attempt.outcome.code());
                self.att_start.push(attempt.start);
                self.att_duration.push(
                    attempt
                        .end
                        .saturating_sub(attempt.start)
                        .min(u64::from(u32::MAX)) as u32,
                );
            }
        }
        for (id, links) in &delta.links {
            self.push_links(*id, links);
        }
        for (id, header) in &delta.dead_letters {
            self.push_dead_letter(*id, header.clone());
        }
        if delta.truncated_at.is_some() {
            self.truncated_after = delta.truncated_at;
        }
        true
    }

    /// Bytes the trace holds for its columns (not counting spare capacity).
    pub fn resident_bytes(&self) -> usize {
        let per_message = 4 + 1 + 4 + 8 + 4 + 4 + 4 + 4 + 2 + 4 + 1;
        let per_attempt = 4 + 4 + 1 + 1 + 8 + 4;
        self.ty.len() * per_message + self.att_msg.len() * per_attempt
    }

    /// A digest of everything this trace holds, as 16 hex digits: two
    /// traces with the same contents (a run's and the UI's mirror of it)
    /// have the same digest. The report's `trace_hash` is [`Trace::run_hash`].
    pub fn digest(&self) -> String {
        let messages = (0..self.ty.len()).flat_map(|i| {
            [
                pack(
                    self.ty[i],
                    u32::from(self.kind[i]) | u32::from(self.flags[i]) << 8,
                ),
                pack(self.key[i], self.payload[i]),
                self.time[i],
                pack(self.source[i], self.causation[i]),
                pack(self.correlation[i], u32::from(self.partition[i])),
                u64::from(self.offset[i]),
            ]
        });
        let attempts = (0..self.att_msg.len()).flat_map(|row| {
            [
                pack(self.att_msg[row], self.att_consumer[row]),
                pack(
                    u32::from(self.att_no[row]),
                    u32::from(self.att_outcome[row]),
                ),
                self.att_start[row],
                u64::from(self.att_duration[row]),
            ]
        });
        let links = self.links.iter().flat_map(|(id, links)| {
            std::iter::once(u64::from(*id)).chain(links.iter().map(|l| u64::from(*l)))
        });
        let counts = [self.ty.len() as u64, self.att_msg.len() as u64];
        format!(
            "{:016x}",
            fold_words(
                counts
                    .into_iter()
                    .chain(messages)
                    .chain(attempts)
                    .chain(links)
            )
        )
    }

    /// The fingerprint of the run this trace recorded: every message,
    /// position, attempt and link offered to it, kept or not (see
    /// [`super::hash`]). What `stormflow run` prints as `trace_hash`.
    pub fn run_hash(&self) -> String {
        self.run.hex()
    }
}
