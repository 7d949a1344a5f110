//! Seeded randomness and the samplers the engine draws from.
//!
//! Every component (a source, a service, a filter) owns its own ChaCha8
//! stream derived from the run's seed and the component's index, so a draw in
//! one component never shifts another's. Sampling uses only IEEE-754 basic
//! arithmetic (no libm), so the same seed gives the same run on every machine.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

use crate::model::{Micros, ServiceTime};

/// A component's random stream.
#[derive(Clone, Debug)]
pub struct Stream(ChaCha8Rng);

impl Stream {
    /// The stream of component `component` in a run seeded with `seed`.
    pub fn new(seed: u64, component: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(component);
        Self(rng)
    }

    /// A uniform draw in `[0, 1)` with 53 random bits.
    pub fn unit(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform integer in `[0, n)`; `n` must be positive.
    pub fn below(&mut self, n: u64) -> u64 {
        // Lemire's multiply-shift: unbiased enough for a simulation and branch-free.
        ((u128::from(self.0.next_u64()) * u128::from(n.max(1))) >> 64) as u64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && self.unit() < p
    }

    /// An exponential draw with the given mean, rounded to whole microseconds.
    pub fn exponential_us(&mut self, mean_us: f64) -> Micros {
        // 1 - unit() is in (0, 1], so the logarithm is finite.
        let draw = -ln(1.0 - self.unit()) * mean_us;
        round_us(draw)
    }

    /// A service time drawn from its distribution.
    pub fn service_time(&mut self, distribution: &ServiceTime) -> Micros {
        match *distribution {
            ServiceTime::Fixed { us } => us,
            ServiceTime::Uniform { min_us, max_us } => min_us + self.below(max_us - min_us + 1),
            ServiceTime::Exponential { mean_us } => self.exponential_us(mean_us as f64),
        }
    }
}

fn round_us(value: f64) -> Micros {
    if value.is_finite() && value > 0.0 {
        (value + 0.5).min(u64::MAX as f64 / 2.0) as Micros
    } else {
        0
    }
}

/// Natural logarithm from basic arithmetic only: `x = m * 2^e` with `m` in
/// `[sqrt(1/2), sqrt(2))`, then `ln(m) = 2 atanh((m-1)/(m+1))` by its series.
/// Accurate to about 1e-15 relative, identical on every IEEE-754 machine.
pub fn ln(x: f64) -> f64 {
    if x.is_nan() || x < 0.0 {
        return f64::NAN;
    }
    if x == 0.0 {
        return f64::NEG_INFINITY;
    }
    if x.is_infinite() {
        return f64::INFINITY;
    }
    let mut bits = x.to_bits();
    let mut exponent = ((bits >> 52) & 0x7ff) as i64;
    if exponent == 0 {
        // Subnormal: scale into the normal range first.
        let scaled = x * (1u64 << 54) as f64;
        bits = scaled.to_bits();
        exponent = ((bits >> 52) & 0x7ff) as i64 - 54;
    }
    let mut e = exponent - 1023;
    let mut m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    if m > std::f64::consts::SQRT_2 {
        m /= 2.0;
        e += 1;
    }
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let mut term = s;
    let mut sum = 0.0;
    let mut k = 1.0;
    while k < 60.0 {
        sum += term / k;
        term *= s2;
        k += 2.0;
    }
    2.0 * sum + e as f64 * std::f64::consts::LN_2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_matches_the_platform_closely() {
        for x in [
            1e-300, 1e-9, 0.001, 0.3, 0.5, 0.999_999, 1.0, 1.5, 2.0, 10.0, 12345.678, 1e300,
        ] {
            let ours = ln(x);
            let platform = x.ln();
            assert!(
                (ours - platform).abs() <= 4.0 * f64::EPSILON * platform.abs().max(1.0),
                "ln({x}) = {ours}, platform {platform}"
            );
        }
        assert_eq!(ln(1.0), 0.0);
        assert!(ln(-1.0).is_nan());
    }

    #[test]
    fn streams_are_independent_and_repeatable() {
        let a: Vec<u64> = (0..4)
            .map({
                let mut s = Stream::new(7, 1);
                move |_| s.below(1000)
            })
            .collect();
        let b: Vec<u64> = (0..4)
            .map({
                let mut s = Stream::new(7, 1);
                move |_| s.below(1000)
            })
            .collect();
        let c: Vec<u64> = (0..4)
            .map({
                let mut s = Stream::new(7, 2);
                move |_| s.below(1000)
            })
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn exponential_mean_is_close() {
        let mut stream = Stream::new(3, 0);
        let n = 200_000;
        let total: u64 = (0..n).map(|_| stream.exponential_us(1_000.0)).sum();
        let mean = total as f64 / n as f64;
        assert!((mean - 1_000.0).abs() < 15.0, "mean {mean}");
    }
}
