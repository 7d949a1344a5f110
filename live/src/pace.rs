//! Service times shorter than tokio's timer tick (1 ms), kept right on
//! average. Each element keeps a balance of the real time it owes: what its
//! service times asked for, minus what it slept. It sleeps only in whole
//! milliseconds and carries the rest over to the next attempt. An
//! oversleep (the timer wakes at the next tick or later) is a credit, so the
//! next attempts sleep less. Over a run, the mean sleep matches the model to
//! within a millisecond in total, not a millisecond per attempt.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The timer's resolution: sleeps are whole multiples of it.
const TICK_NS: i64 = 1_000_000;

/// The largest credit carried over. A longer oversleep is the machine being
/// busy, not the timer's rounding; it is not paid back by skipping work.
const MAX_CREDIT_NS: i64 = 20 * TICK_NS;

/// One element's balance of service time owed, in real nanoseconds
/// (negative: it has slept more than it was asked to).
#[derive(Debug, Default)]
pub struct Pace {
    owed_ns: Mutex<i64>,
}

impl Pace {
    /// Sleeps for `want` on average: a whole number of milliseconds now,
    /// the remainder carried over in the balance.
    pub async fn sleep(&self, want: Duration) {
        let chunk = self.take(want);
        if chunk.is_zero() {
            return;
        }
        // Settles on drop, so an attempt cut short (element taken down)
        // still books what it really slept.
        let guard = Slept {
            pace: self,
            chunk,
            started: Instant::now(),
        };
        tokio::time::sleep(guard.chunk).await;
    }

    /// Adds `want` to the balance and takes the whole milliseconds of it.
    fn take(&self, want: Duration) -> Duration {
        let mut owed = self.owed();
        let want_ns = i64::try_from(want.as_nanos()).unwrap_or(i64::MAX);
        *owed = owed.saturating_add(want_ns);
        let chunk_ns = (*owed / TICK_NS).max(0) * TICK_NS;
        *owed -= chunk_ns;
        Duration::from_nanos(chunk_ns as u64)
    }

    /// Books a sleep of `chunk` that took `took`: the difference is owed
    /// (woke early) or credited (woke late, up to [`MAX_CREDIT_NS`]).
    fn settle(&self, chunk: Duration, took: Duration) {
        let mut owed = self.owed();
        let chunk_ns = i64::try_from(chunk.as_nanos()).unwrap_or(i64::MAX);
        let took_ns = i64::try_from(took.as_nanos()).unwrap_or(i64::MAX);
        *owed = owed
            .saturating_add(chunk_ns)
            .saturating_sub(took_ns)
            .max(-MAX_CREDIT_NS);
    }

    /// The balance now, in nanoseconds.
    #[cfg(test)]
    fn balance_ns(&self) -> i64 {
        *self.owed()
    }

    fn owed(&self) -> std::sync::MutexGuard<'_, i64> {
        self.owed_ns.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A sleep in progress; its real length is booked when it ends or is cut.
struct Slept<'a> {
    pace: &'a Pace,
    chunk: Duration,
    started: Instant,
}

impl Drop for Slept<'_> {
    fn drop(&mut self) {
        self.pace.settle(self.chunk, self.started.elapsed());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const US: Duration = Duration::from_micros(1);

    #[test]
    fn sub_millisecond_asks_add_up_to_whole_millisecond_sleeps() {
        let pace = Pace::default();
        let chunks: Vec<u128> = (0..10).map(|_| pace.take(300 * US).as_micros()).collect();
        // 300 µs ten times: a 1 ms sleep at the 4th, 7th and 10th ask.
        assert_eq!(chunks, [0, 0, 0, 1000, 0, 0, 1000, 0, 0, 1000]);
        assert_eq!(pace.balance_ns(), 0);
    }

    #[test]
    fn an_oversleep_is_credited_to_the_next_asks_and_an_undersleep_owed() {
        let pace = Pace::default();
        let chunk = pace.take(2_500 * US);
        assert_eq!(chunk, 2_000 * US);
        // Woke 700 µs late: 500 µs still owed minus 700 µs overslept.
        pace.settle(chunk, 2_700 * US);
        assert_eq!(pace.balance_ns(), -200_000);
        assert!(pace.take(1_100 * US).is_zero());
        assert_eq!(pace.balance_ns(), 900_000);
        // Woke early (never with tokio, but booked all the same).
        let chunk = pace.take(200 * US);
        pace.settle(chunk, 600 * US);
        assert_eq!(pace.balance_ns(), 500_000);
    }

    #[test]
    fn a_stall_longer_than_the_timer_rounding_is_not_paid_back() {
        let pace = Pace::default();
        let chunk = pace.take(1_000 * US);
        pace.settle(chunk, Duration::from_millis(400));
        assert_eq!(pace.balance_ns(), -MAX_CREDIT_NS);
    }

    #[tokio::test]
    async fn the_mean_sleep_of_sub_millisecond_service_times_matches_the_ask() {
        let pace = Pace::default();
        let asks = 1_000u32;
        let want = 200 * US;
        let started = Instant::now();
        for _ in 0..asks {
            pace.sleep(want).await;
        }
        let took = started.elapsed();
        let asked = want * asks;
        // Never less than asked, bar the remainder still owed (< 1 ms).
        assert!(
            took + Duration::from_millis(1) >= asked,
            "{took:?} < {asked:?}"
        );
        // A sleep rounded up to the 1 ms tick per attempt would take at
        // least 1 s; the balance keeps it near the 200 ms asked (with slack
        // for a busy machine).
        assert!(took < asked * 3, "{took:?} for {asked:?} asked");
    }
}
