//! When a failed email is tried again: a minute after the first failure, doubling, never
//! more than an hour apart, and never given up (an email that is never sent would leave an
//! agency unaware of a referral; the console shows every failing one instead).

/// The wait after the first failure.
pub const FIRST_RETRY_MS: i64 = 60 * 1000;

/// The longest wait between attempts.
pub const MAX_RETRY_MS: i64 = 60 * 60 * 1000;

/// The wait after the `attempts`th failed attempt (1 for the first).
pub fn delay_ms(attempts: i64) -> i64 {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
    FIRST_RETRY_MS
        .saturating_mul(1_i64 << doublings)
        .min(MAX_RETRY_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_from_a_minute_up_to_an_hour() {
        assert_eq!(delay_ms(1), 60_000);
        assert_eq!(delay_ms(2), 120_000);
        assert_eq!(delay_ms(3), 240_000);
        assert_eq!(delay_ms(7), MAX_RETRY_MS);
        assert_eq!(delay_ms(1_000), MAX_RETRY_MS);
        assert_eq!(delay_ms(0), 60_000);
        assert_eq!(delay_ms(i64::MAX), MAX_RETRY_MS);
    }
}
