//! How long to wait between tries: exponential, capped, with jitter drawn from a seed.

use std::hash::{BuildHasher, RandomState};
use std::time::Duration;

/// How long to wait before each retry: exponential, capped, with jitter so a hundred
/// laptops coming back online do not all knock at the same instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The ceiling of the first wait.
    pub initial: Duration,
    /// Each wait's ceiling is this many times the last.
    pub factor: u32,
    /// No wait is longer than this.
    pub max_delay: Duration,
    /// Attempts in all, the first included (1 = never retry).
    pub max_attempts: u32,
}

impl Default for Backoff {
    /// 0.5 s, 1 s, 2 s, 4 s, 8 s (each with jitter): six attempts over about 15 s at most.
    fn default() -> Self {
        Self {
            initial: Duration::from_millis(500),
            factor: 2,
            max_delay: Duration::from_secs(30),
            max_attempts: 6,
        }
    }
}

impl Backoff {
    /// Retries at once, `attempts` times in all: for tests, which must never sleep.
    pub fn immediate(attempts: u32) -> Self {
        Self {
            initial: Duration::ZERO,
            factor: 2,
            max_delay: Duration::ZERO,
            max_attempts: attempts.max(1),
        }
    }

    /// The longest wait before retry number `retry` (0 for the first retry).
    pub fn ceiling(&self, retry: u32) -> Duration {
        let growth = self.factor.max(1).checked_pow(retry).unwrap_or(u32::MAX);
        self.initial
            .checked_mul(growth)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }

    /// The wait before retry number `retry`, given a random number: "equal jitter", at
    /// least half the ceiling and at most all of it.
    pub fn delay(&self, retry: u32, random: u64) -> Duration {
        let ceiling = u64::try_from(self.ceiling(retry).as_millis()).unwrap_or(u64::MAX);
        let half = ceiling / 2;
        let spread = ceiling - half;
        let extra = random % spread.saturating_add(1);
        Duration::from_millis(half + extra)
    }

    /// The waits between all attempts, drawn from `seed` (the same seed, the same waits).
    pub fn delays(&self, seed: u64) -> impl Iterator<Item = Duration> + '_ {
        let mut state = seed;
        (0..self.max_attempts.saturating_sub(1)).map(move |retry| {
            state = splitmix64(state);
            self.delay(retry, state)
        })
    }
}

/// One step of SplitMix64: good enough spread for jitter, no dependency.
fn splitmix64(state: u64) -> u64 {
    let mut z = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A seed for jitter: std's per-process random hash keys, mixed with the time.
pub fn random_seed() -> u64 {
    RandomState::new().hash_one(std::time::SystemTime::now())
}
