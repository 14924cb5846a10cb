//! The time Doorstep reads. Core's rules take `now` and `today` as arguments; the store and
//! the commands read them here. With the `pinned-clock` feature (tests only) a test can pin
//! the clock, so that the UI's fixtures, recorded from the real commands, carry the same
//! dates and times on every run and every weekday (a referral's due date counts working
//! days, so shifting dates afterwards would not give the same answers).

use chrono::{DateTime, NaiveDate, Utc};

/// Now, in UTC: the pinned time when a test has pinned one.
pub fn now() -> DateTime<Utc> {
    #[cfg(feature = "pinned-clock")]
    if let Some(at) = pinned::get() {
        return at;
    }
    Utc::now()
}

/// Today's date where the officer is: the pinned time's (UTC) date when a test has pinned one.
pub fn today() -> NaiveDate {
    #[cfg(feature = "pinned-clock")]
    if let Some(at) = pinned::get() {
        return at.date_naive();
    }
    chrono::Local::now().date_naive()
}

/// A process-wide pinned time, for tests that record the commands' answers.
#[cfg(feature = "pinned-clock")]
pub mod pinned {
    use std::sync::{Mutex, PoisonError};

    use chrono::{DateTime, Utc};

    static PINNED: Mutex<Option<DateTime<Utc>>> = Mutex::new(None);

    /// Pins the clock at `at`, or lets it run again with `None`.
    pub fn set(at: Option<DateTime<Utc>>) {
        *PINNED.lock().unwrap_or_else(PoisonError::into_inner) = at;
    }

    /// The pinned time, if any.
    pub fn get() -> Option<DateTime<Utc>> {
        *PINNED.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
