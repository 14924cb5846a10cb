//! A per-device token bucket: a burst allowance that refills at a steady rate.

use std::collections::HashMap;
use std::sync::Mutex;

/// How many requests a device may make.
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// Requests a device may make at once after being idle.
    pub burst: u32,
    /// Requests per second a device may keep up.
    pub per_second: f64,
}

impl Default for RateLimit {
    fn default() -> Self {
        Self {
            burst: 120,
            per_second: 20.0,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at_ms: i64,
}

/// The buckets of every device that has made a request.
#[derive(Debug)]
pub struct RateLimiter {
    limit: RateLimit,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    /// Buckets that all follow `limit`.
    pub fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Whether `key`'s bucket holds a request now, without taking it; `Err` holds the
    /// seconds until one is back.
    pub fn peek(&self, key: &str, now_ms: i64) -> Result<(), u64> {
        self.take(key, now_ms, 0.0)
    }

    /// Takes one request from `device`'s bucket; `Err` holds the seconds until one is back.
    pub fn check(&self, device: &str, now_ms: i64) -> Result<(), u64> {
        self.take(device, now_ms, 1.0)
    }

    fn take(&self, device: &str, now_ms: i64, cost: f64) -> Result<(), u64> {
        let burst = f64::from(self.limit.burst.max(1));
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() > 100_000 {
            // Forget buckets that have refilled completely: they hold nothing.
            let rate = self.limit.per_second;
            buckets.retain(|_, b| b.tokens + (now_ms - b.at_ms) as f64 / 1000.0 * rate < burst);
        }
        let bucket = buckets.entry(device.to_owned()).or_insert(Bucket {
            tokens: burst,
            at_ms: now_ms,
        });
        let elapsed = (now_ms - bucket.at_ms).max(0) as f64 / 1000.0;
        bucket.tokens = (bucket.tokens + elapsed * self.limit.per_second).min(burst);
        bucket.at_ms = now_ms;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= cost;
            Ok(())
        } else if self.limit.per_second > 0.0 {
            Err(((1.0 - bucket.tokens) / self.limit.per_second).ceil() as u64)
        } else {
            Err(60)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_refusal_then_refill() {
        let limiter = RateLimiter::new(RateLimit {
            burst: 3,
            per_second: 1.0,
        });
        for _ in 0..3 {
            assert!(limiter.check("d", 0).is_ok());
        }
        assert_eq!(limiter.check("d", 0), Err(1));
        assert!(limiter.check("other", 0).is_ok());
        assert!(limiter.check("d", 1_000).is_ok());
        assert!(limiter.check("d", 1_000).is_err());
        assert!(limiter.peek("d", 1_000).is_err(), "peeking an empty bucket");
        assert!(limiter.peek("d", 2_000).is_ok());
        assert!(limiter.peek("d", 2_000).is_ok(), "peeking takes nothing");
        assert!(limiter.check("d", 2_000).is_ok());
    }
}
