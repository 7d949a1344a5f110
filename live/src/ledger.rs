//! What a consumer remembers to recognise a redelivery: the deliveries whose
//! effect it applied (at-least-once counts a second application as a
//! duplicate) and the ids of the outputs each one produced (exactly-once
//! reuses them, so JetStream de-duplicates the re-publish). Entries are
//! keyed by stream sequence and forgotten once JetStream reports the
//! consumer's ack floor past them, or once the broker confirmed their ack:
//! such a message is never delivered again. A long run therefore remembers
//! only what JetStream has not yet acknowledged, not everything it handled.

use std::collections::{BTreeMap, BTreeSet};

use stormflow_core::sim::MsgId;

/// One consumer's memory of deliveries that may still come back.
#[derive(Debug, Default)]
pub struct Ledger {
    /// Stream sequences whose effect was applied.
    applied: BTreeSet<u64>,
    /// Exactly-once: per stream sequence, the ids of its outputs in order.
    outputs: BTreeMap<u64, Vec<MsgId>>,
    /// Everything at or below this stream sequence is acknowledged for good.
    floor: u64,
}

impl Ledger {
    /// Notes that the effect of the message at `sequence` is applied;
    /// false if it was already (this delivery is a duplicate).
    pub fn apply(&mut self, sequence: u64) -> bool {
        sequence <= self.floor || self.applied.insert(sequence)
    }

    /// The `i`-th output id an earlier delivery of `sequence` produced.
    pub fn output(&self, sequence: u64, i: usize) -> Option<MsgId> {
        self.outputs
            .get(&sequence)
            .and_then(|ids| ids.get(i).copied())
    }

    /// Notes the next output id of the message at `sequence`.
    pub fn add_output(&mut self, sequence: u64, id: MsgId) {
        if sequence > self.floor {
            self.outputs.entry(sequence).or_default().push(id);
        }
    }

    /// The broker confirmed the message at `sequence` settled for good.
    pub fn forget(&mut self, sequence: u64) {
        self.applied.remove(&sequence);
        self.outputs.remove(&sequence);
    }

    /// JetStream reports everything at or below `floor` acknowledged.
    pub fn forget_through(&mut self, floor: u64) {
        if floor <= self.floor {
            return;
        }
        self.floor = floor;
        let keep_from = floor.saturating_add(1);
        self.applied = self.applied.split_off(&keep_from);
        self.outputs = self.outputs.split_off(&keep_from);
    }

    /// Entries held (applied effects plus messages with outputs).
    pub fn len(&self) -> usize {
        self.applied.len() + self.outputs.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_application_of_one_sequence_is_a_duplicate() {
        let mut ledger = Ledger::default();
        assert!(ledger.apply(7));
        assert!(!ledger.apply(7));
        assert!(ledger.apply(8));
    }

    #[test]
    fn the_ack_floor_forgets_everything_at_or_below_it_and_nothing_above() {
        let mut ledger = Ledger::default();
        for sequence in 1..=100 {
            ledger.apply(sequence);
            ledger.add_output(sequence, sequence * 10);
            ledger.add_output(sequence, sequence * 10 + 1);
        }
        assert_eq!(ledger.len(), 200);
        ledger.forget_through(97);
        assert_eq!(ledger.len(), 6);
        assert_eq!(ledger.output(98, 1), Some(981));
        assert_eq!(ledger.output(97, 0), None);
        assert!(!ledger.apply(99), "still remembered above the floor");
        // An older floor (a stale answer) moves nothing back.
        ledger.forget_through(50);
        assert_eq!(ledger.len(), 6);
    }

    #[test]
    fn a_sequence_below_the_floor_is_not_remembered() {
        let mut ledger = Ledger::default();
        ledger.forget_through(10);
        assert!(ledger.apply(5));
        ledger.add_output(5, 1);
        assert_eq!(ledger.len(), 0);
    }

    #[test]
    fn a_confirmed_ack_forgets_one_sequence() {
        let mut ledger = Ledger::default();
        ledger.apply(3);
        ledger.add_output(3, 30);
        ledger.apply(4);
        ledger.forget(3);
        assert_eq!(ledger.output(3, 0), None);
        assert_eq!(ledger.len(), 1);
    }

    #[test]
    fn a_long_run_with_the_floor_following_holds_only_the_unacknowledged() {
        let mut ledger = Ledger::default();
        let mut peak = 0;
        for sequence in 1..=100_000u64 {
            ledger.apply(sequence);
            ledger.add_output(sequence, sequence);
            // JetStream's floor trails the newest delivery by a few.
            if sequence % 50 == 0 {
                ledger.forget_through(sequence - 5);
            }
            peak = peak.max(ledger.len());
        }
        assert!(peak <= 2 * 55, "peak {peak}");
    }
}
