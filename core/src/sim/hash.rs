//! The run's fingerprint, printed as `trace_hash`: every message, every
//! landing on a partition, every delivery attempt and every fan-in link of
//! a run folded in as it happens, whether or not the trace keeps it. Two
//! runs with the same model and seed have the same fingerprint, with the
//! trace on, off or truncated; a run that differs anywhere almost surely
//! has another.
//!
//! The hash is fixed and documented so that outputs can be compared across
//! builds and machines (std's hasher promises neither):
//!
//! - each record is a few 64-bit words, folded into its lane two at a time
//!   with wyhash's folded multiply: `h = mum(h ^ a ^ K1, b ^ K2)`, where
//!   `mum(x, y)` is the high half xor the low half of the 128-bit product;
//! - the four lanes (messages, positions, attempts, links) are kept apart,
//!   so the digest does not depend on how the engine interleaves them;
//! - the digest folds the lanes and their record counts into one word and
//!   runs it through SplitMix64's finaliser, written as 16 hex digits.
//!
//! It is not a cryptographic hash: it tells runs apart, it does not resist
//! an adversary.

use super::MsgId;
use super::trace::{AttemptRecord, MessageRecord};

const SEED: u64 = 0x5354_4f52_4d46_4c4f;
const K1: u64 = 0xa076_1d64_78bd_642f;
const K2: u64 = 0xe703_7ed1_a0b4_28db;

const MESSAGES: usize = 0;
const POSITIONS: usize = 1;
const ATTEMPTS: usize = 2;
const LINKS: usize = 3;

/// A running fingerprint of a run (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunHash {
    lanes: [u64; 4],
    counts: [u64; 4],
}

impl Default for RunHash {
    fn default() -> Self {
        Self {
            lanes: [SEED; 4],
            counts: [0; 4],
        }
    }
}

/// wyhash's folded multiply: the two halves of the 128-bit product, xored.
#[inline(always)]
fn mum(x: u64, y: u64) -> u64 {
    let product = u128::from(x) * u128::from(y);
    (product >> 64) as u64 ^ product as u64
}

/// Folds two words into a hash.
#[inline(always)]
fn fold2(hash: u64, a: u64, b: u64) -> u64 {
    mum(hash ^ a ^ K1, b ^ K2)
}

/// Folds one word into a hash.
#[inline(always)]
fn fold(hash: u64, word: u64) -> u64 {
    fold2(hash, word, 0)
}

impl RunHash {
    #[inline(always)]
    fn lane<const N: usize>(&mut self, lane: usize, words: [u64; N]) {
        let mut h = self.lanes[lane];
        let mut pairs = words.chunks_exact(2);
        for pair in &mut pairs {
            h = fold2(h, pair[0], pair[1]);
        }
        if let [last] = pairs.remainder() {
            h = fold(h, *last);
        }
        self.lanes[lane] = h;
        self.counts[lane] += 1;
    }

    /// Folds in a message as it is made.
    #[inline]
    pub fn message(&mut self, m: &MessageRecord) {
        // The id is the count of messages before it: no need to fold it.
        self.lane(
            MESSAGES,
            [
                u64::from(m.ty) | u64::from(m.kind as u8) << 32 | u64::from(m.flags) << 40,
                u64::from(m.key) | u64::from(m.payload_bytes) << 32,
                m.time,
                u64::from(m.source),
                m.causation,
                m.correlation,
            ],
        );
    }

    /// Folds in where a message landed on its first topic.
    #[inline]
    pub fn position(&mut self, id: MsgId, partition: u32, offset: u64) {
        self.lane(POSITIONS, [id, u64::from(partition) << 48 | offset]);
    }

    /// Folds in a delivery attempt as it ends.
    #[inline]
    pub fn attempt(&mut self, a: &AttemptRecord) {
        self.lane(
            ATTEMPTS,
            [
                a.msg,
                u64::from(a.consumer) | u64::from(a.attempt) << 32 | (a.outcome as u64) << 40,
                a.start,
                a.end,
            ],
        );
    }

    /// Folds in the extra causes of a fan-in result.
    pub fn links(&mut self, id: MsgId, causes: &[MsgId]) {
        let mut h = fold(self.lanes[LINKS], id);
        for cause in causes {
            h = fold(h, *cause);
        }
        self.lanes[LINKS] = fold(h, causes.len() as u64);
        self.counts[LINKS] += 1;
    }

    /// The fingerprint so far.
    pub fn finish(&self) -> u64 {
        let mut h = SEED;
        for lane in 0..4 {
            h = fold(h, self.lanes[lane]);
            h = fold(h, self.counts[lane]);
        }
        splitmix_finalize(h)
    }

    /// The fingerprint so far as 16 hex digits.
    pub fn hex(&self) -> String {
        format!("{:016x}", self.finish())
    }
}

/// SplitMix64's finaliser: every input bit reaches every output bit.
fn splitmix_finalize(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Folds a sequence of words with the same step, for content digests.
pub(crate) fn fold_words(words: impl IntoIterator<Item = u64>) -> u64 {
    splitmix_finalize(words.into_iter().fold(SEED, fold))
}

/// A time and a count as one digest word (helper for content digests).
pub(crate) fn pack(a: u32, b: u32) -> u64 {
    u64::from(a) | u64::from(b) << 32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::MsgKind;
    use crate::sim::trace::Outcome;

    fn message(id: MsgId) -> MessageRecord {
        MessageRecord {
            id,
            ty: 3,
            kind: MsgKind::Event,
            key: 7,
            time: 1_000 * id,
            source: 1,
            causation: crate::sim::NO_MSG,
            correlation: id,
            payload_bytes: 200,
            partition: u16::MAX,
            offset: 0,
            flags: 0,
        }
    }

    #[test]
    fn the_empty_fingerprint_is_fixed_across_builds() {
        // Pinned: a change here changes every recorded `trace_hash`.
        assert_eq!(RunHash::default().hex(), "b635999a3e8c23fc");
    }

    #[test]
    fn lanes_do_not_depend_on_their_interleaving() {
        let attempt = AttemptRecord {
            msg: 0,
            consumer: 2,
            attempt: 1,
            outcome: Outcome::Processed,
            start: 5,
            end: 9,
        };
        let mut a = RunHash::default();
        a.message(&message(0));
        a.position(0, 1, 0);
        a.attempt(&attempt);
        let mut b = RunHash::default();
        b.message(&message(0));
        b.attempt(&attempt);
        b.position(0, 1, 0);
        assert_eq!(a, b);
    }

    #[test]
    fn any_field_changes_the_fingerprint() {
        let mut base = RunHash::default();
        base.message(&message(0));
        let mut later = message(0);
        later.time += 1;
        let mut other = RunHash::default();
        other.message(&later);
        assert_ne!(base.finish(), other.finish());
        let mut keyed = message(0);
        keyed.key += 1;
        let mut third = RunHash::default();
        third.message(&keyed);
        assert_ne!(base.finish(), third.finish());
    }
}
