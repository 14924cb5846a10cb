//! The sign-in throttle: failed sign-ins counted per account and per address in windows,
//! and a key that reaches its limit locked for a while. The app stores the counts; the
//! rules are here.

use std::net::SocketAddr;

use super::normalise_email;

/// Failed sign-ins are counted in windows of this length.
pub const FAILURE_WINDOW_MS: i64 = 15 * 60 * 1000;
/// After this many failures for one account within a window, the account is locked.
pub const ACCOUNT_FAILURES: u32 = 5;
/// After this many failures from one address within a window, the address is locked.
pub const ADDRESS_FAILURES: u32 = 20;
/// How long a lock lasts.
pub const LOCK_MS: i64 = 15 * 60 * 1000;

/// One failed sign-in to count, under a key with its own limit.
#[derive(Debug, Clone)]
pub struct Failure {
    /// `account:<email>` or `address:<ip>`.
    pub key: String,
    /// Failures within a window that lock the key.
    pub limit: u32,
}

/// The keys the throttle counts one sign-in's failures under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys {
    /// The account's key.
    pub account: String,
    /// The address's key.
    pub address: String,
}

impl Keys {
    /// The keys for signing in to the portal as `email` from `peer`.
    pub fn new(email: &str, peer: SocketAddr) -> Self {
        Self::in_app("", email, peer)
    }

    /// The keys for signing in to the app whose account keys start with `app` (the
    /// portal's with nothing, as before there were two apps). The address's key is the
    /// same in every app: one address has one budget of guesses, whichever app it tries.
    pub fn in_app(app: &str, email: &str, peer: SocketAddr) -> Self {
        Self {
            account: format!("{app}account:{}", normalise_email(email)),
            address: format!("address:{}", peer.ip()),
        }
    }

    /// Both keys, to ask whether either is locked.
    pub fn both(&self) -> [String; 2] {
        [self.account.clone(), self.address.clone()]
    }

    /// One failure under each key, each with its own limit.
    pub fn failures(&self) -> [Failure; 2] {
        [
            Failure {
                key: self.account.clone(),
                limit: ACCOUNT_FAILURES,
            },
            Failure {
                key: self.address.clone(),
                limit: ADDRESS_FAILURES,
            },
        ]
    }
}

/// A throttle key's state after one more failed sign-in at `now`, from its stored state
/// `(failures, window_start, locked_until)`: failures count within a window, and reaching
/// `limit` locks the key for [`LOCK_MS`] and starts counting again.
pub fn after_failure(
    current: Option<(i64, i64, Option<i64>)>,
    limit: u32,
    now: i64,
) -> (i64, i64, Option<i64>) {
    let (failures, start, locked) = match current {
        Some((failures, start, locked)) if now.saturating_sub(start) < FAILURE_WINDOW_MS => {
            (failures.saturating_add(1), start, locked)
        }
        Some((_, _, locked)) => (1, now, locked),
        None => (1, now, None),
    };
    if failures >= i64::from(limit) {
        (0, now, Some(now.saturating_add(LOCK_MS)))
    } else {
        (failures, start, locked)
    }
}

/// Whole minutes until a lock ends, rounded up, to tell the person waiting.
pub fn minutes_until(now: i64, until: i64) -> i64 {
    (until.saturating_sub(now) + 59_999) / 60_000
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn failures_lock_a_key_at_its_limit_within_a_window() {
        let mut state = None;
        for _ in 0..4 {
            let next = after_failure(state, 5, 1_000);
            assert_eq!(next.2, None, "not locked before the limit");
            state = Some(next);
        }
        let locked = after_failure(state, 5, 1_000);
        assert_eq!(locked, (0, 1_000, Some(1_000 + LOCK_MS)));
        // Failures spread wider than the window never add up to a lock.
        let mut state = None;
        for i in 0..10 {
            let next = after_failure(state, 5, i * FAILURE_WINDOW_MS / 2);
            assert!(next.0 <= 2 && next.2.is_none(), "{next:?}");
            state = Some(next);
        }
    }

    #[test]
    fn keys_name_the_account_and_the_address() {
        let keys = Keys::new(
            " Someone@Council.example ",
            "10.0.0.9:5000".parse().unwrap(),
        );
        assert_eq!(keys.account, "account:someone@council.example");
        assert_eq!(keys.address, "address:10.0.0.9");
        let [account, address] = keys.failures();
        assert_eq!(
            (account.limit, address.limit),
            (ACCOUNT_FAILURES, ADDRESS_FAILURES)
        );
        let console = Keys::in_app("console:", "A@B.example", "10.0.0.9:5000".parse().unwrap());
        assert_eq!(console.account, "console:account:a@b.example");
        assert_eq!(console.address, keys.address);
        assert_eq!(minutes_until(0, 1), 1);
        assert_eq!(minutes_until(0, LOCK_MS), 15);
    }
}
