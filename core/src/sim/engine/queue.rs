//! The event queue: what happens next, in (time, class, insertion) order.
//!
//! A discrete-event run schedules almost everything a few microseconds
//! ahead (the end of a service time, a wake-up) and a little far ahead (a
//! sample, a timeout, a backoff). The queue is a calendar of one-microsecond
//! buckets over a sliding window of [`WINDOW_US`] microseconds, with a
//! binary heap for what lies beyond it:
//!
//! - an event inside the window is appended to its bucket in O(1);
//! - the next non-empty bucket is found through a two-level bitmap in O(1);
//! - when the clock reaches a time, that time's events (from the heap
//!   first, then the bucket; see `Queue::advance` for why that is the
//!   insertion order) are spread into one FIFO per class, and popping takes
//!   the lowest class that has any. An event scheduled for the current time
//!   while it is being processed joins its class's FIFO at the back.
//!
//! The order is exactly a binary heap's on the key (time, class, sequence),
//! which the tests check against one, so a run is the same event for event
//! whichever queue carries it.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use super::super::Time;

/// Width of the calendar window in microseconds (a power of two).
pub const WINDOW_US: u64 = 1 << 12;
const MASK: u64 = WINDOW_US - 1;
const WORDS: usize = (WINDOW_US / 64) as usize;

/// Classes order events that fall on the same microsecond (0 first).
pub const CLASSES: usize = 8;

/// Something the queue carries: it says which class it runs in.
pub trait Classed: Copy {
    /// The class, below [`CLASSES`].
    fn class(&self) -> u8;
}

/// An event beyond the window: ordered by (time, sequence).
#[derive(Clone, Copy, Debug)]
struct Far<A> {
    time: Time,
    seq: u64,
    action: A,
}

impl<A> PartialEq for Far<A> {
    fn eq(&self, other: &Self) -> bool {
        (self.time, self.seq) == (other.time, other.seq)
    }
}
impl<A> Eq for Far<A> {}
impl<A> PartialOrd for Far<A> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<A> Ord for Far<A> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.time, self.seq).cmp(&(other.time, other.seq))
    }
}

/// The event queue (see the module documentation).
#[derive(Debug)]
pub struct Queue<A: Classed> {
    /// The time being processed: every event is at or after it.
    now: Time,
    /// Events at `now`, one FIFO per class.
    current: [VecDeque<A>; CLASSES],
    /// Bit c set: `current[c]` is not empty.
    current_mask: u8,
    /// Buckets of the window: the events of time `t` are in `t & MASK`,
    /// for `now < t < now + WINDOW_US`, in insertion order.
    buckets: Vec<Vec<A>>,
    /// Bit b of word w: bucket `64 w + b` is not empty.
    occupied: [u64; WORDS],
    /// Bit w: word w of `occupied` is not zero.
    summary: u64,
    /// Events at `now + WINDOW_US` or later.
    far: BinaryHeap<Reverse<Far<A>>>,
    /// Insertion counter, for the heap's tie-break.
    seq: u64,
    len: usize,
}

impl<A: Classed> Default for Queue<A> {
    fn default() -> Self {
        Self {
            now: 0,
            current: std::array::from_fn(|_| VecDeque::new()),
            current_mask: 0,
            buckets: (0..WINDOW_US).map(|_| Vec::new()).collect(),
            occupied: [0; WORDS],
            summary: 0,
            far: BinaryHeap::new(),
            seq: 0,
            len: 0,
        }
    }
}

impl<A: Classed> Queue<A> {
    /// Events waiting.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Schedules `action` at `at` (an earlier time than the current one is
    /// taken as the current one).
    #[inline]
    pub fn push(&mut self, at: Time, action: A) {
        let at = at.max(self.now);
        self.len += 1;
        if at == self.now {
            let class = action.class() as usize;
            self.current[class].push_back(action);
            self.current_mask |= 1 << class;
        } else if at - self.now < WINDOW_US {
            let bucket = (at & MASK) as usize;
            self.buckets[bucket].push(action);
            let word = bucket / 64;
            self.occupied[word] |= 1 << (bucket % 64);
            self.summary |= 1 << word;
        } else {
            self.seq += 1;
            self.far.push(Reverse(Far {
                time: at,
                seq: self.seq,
                action,
            }));
        }
    }

    /// The time of the next event, if any.
    pub fn peek_time(&self) -> Option<Time> {
        if self.current_mask != 0 {
            return Some(self.now);
        }
        let bucket = self.next_bucket_time();
        let far = self.far.peek().map(|Reverse(f)| f.time);
        match (bucket, far) {
            (Some(b), Some(f)) => Some(b.min(f)),
            (b, f) => b.or(f),
        }
    }

    /// Takes the next event and its time.
    #[inline]
    pub fn pop(&mut self) -> Option<(Time, A)> {
        if self.current_mask == 0 && !self.advance() {
            return None;
        }
        let class = self.current_mask.trailing_zeros() as usize;
        let action = self.current[class].pop_front()?;
        if self.current[class].is_empty() {
            self.current_mask &= !(1 << class);
        }
        self.len -= 1;
        Some((self.now, action))
    }

    /// The time of the earliest non-empty bucket after `now`.
    fn next_bucket_time(&self) -> Option<Time> {
        if self.summary == 0 {
            return None;
        }
        // Buckets are scanned circularly from the one after `now`: the first
        // occupied one holds the earliest time in the window.
        let start = ((self.now + 1) & MASK) as usize;
        let bucket = self.first_occupied_from(start)?;
        let distance = (bucket as u64).wrapping_sub(start as u64) & MASK;
        Some(self.now + 1 + distance)
    }

    fn first_occupied_from(&self, start: usize) -> Option<usize> {
        let word = start / 64;
        // The rest of the starting word.
        let head = self.occupied[word] & (!0u64 << (start % 64));
        if head != 0 {
            return Some(word * 64 + head.trailing_zeros() as usize);
        }
        // Later words, then from the beginning (wrapping), then the part of
        // the starting word before `start`.
        let later = self.summary & (!0u64).checked_shl(word as u32 + 1).unwrap_or(0);
        let pick = if later != 0 {
            later.trailing_zeros() as usize
        } else if self.summary & !(!0u64 << word) != 0 {
            (self.summary & !(!0u64 << word)).trailing_zeros() as usize
        } else {
            word
        };
        let bits = self.occupied[pick];
        if bits == 0 {
            return None;
        }
        Some(pick * 64 + bits.trailing_zeros() as usize)
    }

    /// Moves the clock to the next time that has events and spreads them
    /// into the class FIFOs. Events of one time from the heap were all
    /// scheduled before those in its bucket (a time reaches the bucket only
    /// once the clock is within a window of it, which is later than any
    /// moment it was still beyond the window), so heap first, then bucket,
    /// is insertion order.
    fn advance(&mut self) -> bool {
        let next = match (
            self.next_bucket_time(),
            self.far.peek().map(|Reverse(f)| f.time),
        ) {
            (Some(b), Some(f)) => b.min(f),
            (Some(b), None) => b,
            (None, Some(f)) => f,
            (None, None) => return false,
        };
        self.now = next;
        while let Some(Reverse(far)) = self.far.peek() {
            if far.time != next {
                break;
            }
            let action = far.action;
            self.far.pop();
            let class = action.class() as usize;
            self.current[class].push_back(action);
            self.current_mask |= 1 << class;
        }
        let bucket = (next & MASK) as usize;
        let word = bucket / 64;
        if self.occupied[word] & (1 << (bucket % 64)) != 0 {
            let mut events = std::mem::take(&mut self.buckets[bucket]);
            for action in events.drain(..) {
                let class = action.class() as usize;
                self.current[class].push_back(action);
                self.current_mask |= 1 << class;
            }
            self.buckets[bucket] = events;
            self.occupied[word] &= !(1 << (bucket % 64));
            if self.occupied[word] == 0 {
                self.summary &= !(1 << word);
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    struct Ev {
        class: u8,
        tag: u32,
    }

    impl Classed for Ev {
        fn class(&self) -> u8 {
            self.class
        }
    }

    /// The reference: a binary heap on (time, class, sequence).
    #[derive(Default)]
    struct Reference {
        heap: BinaryHeap<Reverse<(Time, u8, u64, u32)>>,
        seq: u64,
        now: Time,
    }

    impl Reference {
        fn push(&mut self, at: Time, ev: Ev) {
            self.seq += 1;
            self.heap
                .push(Reverse((at.max(self.now), ev.class, self.seq, ev.tag)));
        }
        fn pop(&mut self) -> Option<(Time, Ev)> {
            let Reverse((time, class, _, tag)) = self.heap.pop()?;
            self.now = time;
            Some((time, Ev { class, tag }))
        }
    }

    #[test]
    fn same_time_events_come_out_by_class_then_insertion() {
        let mut q = Queue::default();
        q.push(5, Ev { class: 3, tag: 1 });
        q.push(5, Ev { class: 1, tag: 2 });
        q.push(5, Ev { class: 3, tag: 3 });
        q.push(2, Ev { class: 6, tag: 4 });
        let order: Vec<u32> = std::iter::from_fn(|| q.pop()).map(|(_, e)| e.tag).collect();
        assert_eq!(order, [4, 2, 1, 3]);
    }

    #[test]
    fn an_event_for_now_with_a_lower_class_runs_next() {
        let mut q = Queue::default();
        q.push(10, Ev { class: 3, tag: 1 });
        q.push(10, Ev { class: 3, tag: 2 });
        assert_eq!(q.pop().map(|(_, e)| e.tag), Some(1));
        q.push(10, Ev { class: 1, tag: 3 });
        q.push(10, Ev { class: 3, tag: 4 });
        let rest: Vec<u32> = std::iter::from_fn(|| q.pop()).map(|(_, e)| e.tag).collect();
        assert_eq!(rest, [3, 2, 4]);
    }

    #[test]
    fn far_events_and_window_events_of_one_time_keep_insertion_order() {
        let mut q = Queue::default();
        let t = WINDOW_US * 3 + 7;
        q.push(t, Ev { class: 2, tag: 1 }); // beyond the window: the heap
        q.push(WINDOW_US * 3, Ev { class: 0, tag: 2 });
        assert_eq!(q.pop().map(|(_, e)| e.tag), Some(2));
        q.push(t, Ev { class: 2, tag: 3 }); // now in the window: a bucket
        let rest: Vec<u32> = std::iter::from_fn(|| q.pop()).map(|(_, e)| e.tag).collect();
        assert_eq!(rest, [1, 3]);
        assert!(q.is_empty());
    }

    #[test]
    fn peek_time_sees_the_earliest_of_bucket_and_heap() {
        let mut q = Queue::default();
        q.push(WINDOW_US * 10, Ev { class: 0, tag: 1 });
        q.push(100, Ev { class: 0, tag: 2 });
        assert_eq!(q.peek_time(), Some(100));
        q.pop();
        assert_eq!(q.peek_time(), Some(WINDOW_US * 10));
        q.pop();
        assert_eq!(q.peek_time(), None);
    }

    #[test]
    fn times_near_the_end_of_time_do_not_overflow() {
        let mut q = Queue::default();
        q.push(u64::MAX, Ev { class: 0, tag: 1 });
        q.push(u64::MAX - 1, Ev { class: 0, tag: 2 });
        assert_eq!(q.pop(), Some((u64::MAX - 1, Ev { class: 0, tag: 2 })));
        q.push(u64::MAX, Ev { class: 1, tag: 3 });
        assert_eq!(q.pop(), Some((u64::MAX, Ev { class: 0, tag: 1 })));
        assert_eq!(q.pop(), Some((u64::MAX, Ev { class: 1, tag: 3 })));
    }

    proptest! {
        /// Any interleaving of pushes (near, far, at the current time) and
        /// pops gives exactly the reference heap's order.
        #[test]
        fn the_order_is_the_reference_heaps(
            ops in proptest::collection::vec(
                (0u8..4, 0u64..3 * WINDOW_US, 0u8..7), 1..400)
        ) {
            let mut q = Queue::default();
            let mut r = Reference::default();
            let mut tag = 0;
            for (op, delay, class) in ops {
                if op == 0 {
                    prop_assert_eq!(q.pop(), r.pop());
                } else {
                    tag += 1;
                    // Mostly near, sometimes far, sometimes now.
                    let delay = match op { 1 => delay % 16, 2 => delay, _ => 0 };
                    let at = r.now + delay;
                    q.push(at, Ev { class, tag });
                    r.push(at, Ev { class, tag });
                }
                prop_assert_eq!(q.len(), r.heap.len());
                prop_assert_eq!(q.peek_time(), r.heap.peek().map(|Reverse(e)| e.0));
            }
            loop {
                let (a, b) = (q.pop(), r.pop());
                prop_assert_eq!(a, b);
                if a.is_none() { break; }
            }
        }
    }
}
