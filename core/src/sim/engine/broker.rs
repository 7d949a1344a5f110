//! The broker: topics of partitioned, append-only logs, consumer groups
//! with an offset per partition, retention and the trimming of what every
//! group has read.

use std::collections::{BTreeSet, VecDeque};

use super::super::Time;
use super::Sim;
use super::ids::{NodeIx, SubIx, TopicIx};
use super::runtime::Msg;
use crate::model::Retention;

/// A partition forgets what every group has read once per this many commits.
pub(crate) const TRIM_EVERY: u32 = 32;
/// Keys whose partition hash is cached (beyond this they are hashed each time).
pub(crate) const KEY_HASH_CACHE: usize = 1 << 22;

/// A message in a partition's log.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Entry {
    pub(crate) msg: Msg,
    pub(crate) appended: Time,
}

/// One partition: its log from offset `base` on.
#[derive(Debug, Default)]
pub(crate) struct Partition {
    /// Offset of the first entry still held.
    pub(crate) base: u64,
    pub(crate) log: VecDeque<Entry>,
    /// Commits since the read part of the log was last forgotten.
    pub(crate) commits_since_trim: u32,
}

impl Partition {
    /// The end offset: where the next message goes.
    pub(crate) fn end(&self) -> u64 {
        self.base + self.log.len() as u64
    }

    pub(crate) fn get(&self, offset: u64) -> Option<&Entry> {
        offset
            .checked_sub(self.base)
            .and_then(|i| self.log.get(i as usize))
    }
}

/// A topic at run time.
#[derive(Debug)]
pub(crate) struct TopicRt {
    pub(crate) node: NodeIx,
    pub(crate) partitions: Vec<Partition>,
    pub(crate) subs: Vec<SubIx>,
    pub(crate) retention: Retention,
    /// Keep read entries (a compacted topic, or one a replay reads again).
    pub(crate) keep_all: bool,
}

/// A subscription's position on one partition.
#[derive(Clone, Debug, Default)]
pub(crate) struct SubPart {
    /// The next offset to read.
    pub(crate) next: u64,
    /// The offset being processed.
    pub(crate) inflight: Option<u64>,
    /// No fetch before this time (a retry's backoff).
    pub(crate) blocked_until: Time,
    /// Stopped on a poison message.
    pub(crate) stopped: bool,
    /// Of the delivery at `next` when it is retried.
    pub(crate) failures: u32,
    pub(crate) effected: bool,
    pub(crate) attempt: u32,
    /// Offsets a replay of a compacted topic passes over.
    pub(crate) skip: BTreeSet<u64>,
}

/// One consumer group of one consumer on one topic.
#[derive(Debug)]
pub(crate) struct Sub {
    pub(crate) topic: TopicIx,
    pub(crate) node: NodeIx,
    pub(crate) group: String,
    pub(crate) parts: Vec<SubPart>,
}

/// Deliveries of one subscription partition that wait to be read.
pub(crate) fn part_queued(part: &SubPart, partition: &Partition) -> u64 {
    let next = part.next.max(partition.base);
    let ahead = partition.end().saturating_sub(next);
    ahead.saturating_sub(part.skip.range(next..).count() as u64)
}

/// The first entry at or after `from` that a replay does not skip.
pub(crate) fn first_unskipped<'p>(
    partition: &'p Partition,
    part: &SubPart,
    from: u64,
) -> Option<&'p Entry> {
    let mut offset = from;
    while part.skip.contains(&offset) {
        offset += 1;
    }
    partition.get(offset)
}

impl Sim {
    /// Appends a message to a topic: the partition is Kafka's, every
    /// subscribed group is owed a delivery.
    pub(crate) fn append(&mut self, topic: TopicIx, msg: Msg) {
        let partitions = self.topics[topic].partitions.len() as u32;
        let part = self.partition_of(msg.key, partitions);
        let now = self.now;
        let t = &mut self.topics[topic];
        let partition = &mut t.partitions[part as usize];
        let offset = partition.end();
        partition.log.push_back(Entry { msg, appended: now });
        let subs = t.subs.len() as u64;
        self.totals.deliveries_expected += subs;
        self.trace.set_position(msg.id, part, offset);
        for s in 0..self.topics[topic].subs.len() {
            let sub = self.topics[topic].subs[s];
            let consumer = self.subs[sub].node;
            self.nodes[consumer].metrics.counters.received += 1;
            self.mark_dirty(consumer);
        }
        if let Retention::Time { max_age_us } = self.topics[topic].retention {
            self.expire(topic, part, max_age_us);
        }
        if subs == 0 {
            // Nobody reads it: the log need not keep it.
            self.trim(topic, part);
        }
    }

    /// Kafka's partitioner: murmur2 of the key's name, modulo the partitions.
    pub(crate) fn partition_of(&mut self, key: u32, partitions: u32) -> u32 {
        let hash = match self.key_hash.get(key as usize) {
            Some(&cached) if cached != u32::MAX => cached,
            _ => {
                let hash =
                    (super::super::murmur2(self.key_name(key).as_bytes()) & 0x7fff_ffff) as u32;
                if let Some(slot) = self.key_hash.get_mut(key as usize) {
                    *slot = hash;
                }
                hash
            }
        };
        hash % partitions.max(1)
    }

    /// Deletes entries older than the retention; unread ones are dropped.
    pub(crate) fn expire(&mut self, topic: TopicIx, part: u32, max_age_us: Time) {
        let now = self.now;
        let partition = &mut self.topics[topic].partitions[part as usize];
        let mut moved = false;
        while let Some(front) = partition.log.front() {
            if front.appended.saturating_add(max_age_us) >= now {
                break;
            }
            partition.log.pop_front();
            partition.base += 1;
            moved = true;
        }
        if !moved {
            return;
        }
        let base = self.topics[topic].partitions[part as usize].base;
        for s in 0..self.topics[topic].subs.len() {
            let sub = self.topics[topic].subs[s];
            let sp = &mut self.subs[sub].parts[part as usize];
            if sp.next < base {
                let lost = base - sp.next - sp.skip.range(sp.next..base).count() as u64;
                sp.skip = sp.skip.split_off(&base);
                sp.next = base;
                if sp.inflight.is_none() {
                    sp.failures = 0;
                    sp.effected = false;
                    sp.attempt = 0;
                }
                let consumer = self.subs[sub].node;
                let reason = format!(
                    "expired by `{}`'s retention before it was read",
                    self.nodes[self.topics[topic].node].id
                );
                if lost > 0 {
                    self.count_drop(consumer, &reason, lost, false);
                }
            }
        }
    }

    /// Forgets the part of a partition every group has read (unless the
    /// topic keeps everything for replays).
    pub(crate) fn trim(&mut self, topic: TopicIx, part: u32) {
        let t = &self.topics[topic];
        if t.keep_all {
            return;
        }
        let mut low = t.partitions[part as usize].end();
        for sub in &t.subs {
            let sp = &self.subs[*sub].parts[part as usize];
            low = low.min(sp.inflight.unwrap_or(sp.next)).min(sp.next);
        }
        let partition = &mut self.topics[topic].partitions[part as usize];
        while partition.base < low && !partition.log.is_empty() {
            partition.log.pop_front();
            partition.base += 1;
        }
    }

    /// Lag per partition of a subscription: end offset minus committed offset.
    pub(crate) fn sub_lag(&self, sub: SubIx) -> Vec<u64> {
        let s = &self.subs[sub];
        let topic = &self.topics[s.topic];
        s.parts
            .iter()
            .enumerate()
            .map(|(p, part)| {
                let partition = &topic.partitions[p];
                let committed = part.inflight.unwrap_or(part.next).max(partition.base);
                partition.end().saturating_sub(committed)
            })
            .collect()
    }
}
