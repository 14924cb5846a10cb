//! What the mail sender and the console keep and read: the outbox of agency notification
//! emails (`referral_notifications`, migration 8) and the records the referral form is made
//! from. One trait, one implementation per backend over the sync store's own connection or
//! pool ([`crate::sqlite::mail`], [`crate::postgres::mail`]); every method is one
//! transaction.

use std::sync::Arc;

use async_trait::async_trait;

use crate::model::{AuditEntry, StoreError};

/// How long a claimed email is the claiming hub's alone: a hub that dies mid-send leaves
/// it to be claimed again after this, so none is lost and two hubs never send it at once.
pub const CLAIM_MS: i64 = 5 * 60 * 1000;

/// One email of the outbox, as the sender and the console see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The referral it tells of (a random UUID, no personal data).
    pub referral_id: String,
    /// The agency's id in the directory.
    pub agency_id: String,
    /// The agency's mailbox.
    pub address: String,
    /// Whether the form goes with it (the directory says the mailbox is secure).
    pub attach_form: bool,
    /// When it was written (Unix ms).
    pub created_at: i64,
    /// Attempts so far.
    pub attempts: i64,
    /// When it is next due (Unix ms); while claimed, when the claim runs out.
    pub next_attempt_at: i64,
    /// Why the last attempt failed, if it did.
    pub last_error: Option<String>,
    /// When the relay accepted it (Unix ms).
    pub sent_at: Option<i64>,
    /// Whether the form went with it.
    pub form_attached: bool,
}

/// The hub's copies of the records a referral form is made from, as stored JSON text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormRecordsText {
    /// The referral's fields.
    pub referral: String,
    /// The resident's fields, if the hub holds them (and they are not deleted).
    pub person: Option<String>,
    /// The household's fields, likewise.
    pub household: Option<String>,
    /// The referring officer: their name and role (`users`), if known.
    pub referrer: Option<(String, String)>,
}

/// How an attempt ended, recorded with its audit entry in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The relay accepted it.
    Sent {
        /// When.
        at: i64,
        /// Whether the form went with it.
        form_attached: bool,
    },
    /// It failed; try again at `next_attempt_at`.
    Failed {
        /// When.
        at: i64,
        /// Why, for the supervisor (no personal data).
        error: String,
        /// When to try again.
        next_attempt_at: i64,
    },
}

/// The outbox's counts for the console's home page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    /// Not sent yet.
    pub waiting: i64,
    /// Not sent, and the last attempt failed.
    pub failing: i64,
}

/// The outbox and the form's records on one backend.
#[async_trait]
pub trait MailStore: Send + Sync + std::fmt::Debug {
    /// Claims up to `limit` unsent emails due at `now` (oldest due first), moving their
    /// next attempt to `now + CLAIM_MS` so no other hub claims them meanwhile.
    async fn claim_due(&self, now: i64, limit: i64) -> Result<Vec<Notification>, StoreError>;

    /// Records how an attempt at `referral_id`'s email ended (one more attempt) and its
    /// audit entry. A second `Sent` for an email already sent changes nothing.
    async fn record_attempt(
        &self,
        referral_id: &str,
        attempt: &Attempt,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;

    /// The records `referral_id`'s form is made from; None when the hub has no live
    /// referral with that id.
    async fn form_records(&self, referral_id: &str) -> Result<Option<FormRecordsText>, StoreError>;

    /// Every unsent email (oldest first), then up to `sent_limit` sent ones (newest first).
    async fn outbox(&self, sent_limit: i64) -> Result<Vec<Notification>, StoreError>;

    /// How many emails wait, and how many of those failed last time.
    async fn counts(&self) -> Result<OutboxCounts, StoreError>;

    /// Writes one email into the outbox (tests, and a hub whose delivery code has no
    /// transaction of its own to write it in); an email for the referral already there is
    /// kept as it is.
    async fn enqueue(&self, notification: &NewNotification) -> Result<(), StoreError>;
}

/// An email to write into the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotification {
    /// The referral.
    pub referral_id: String,
    /// The agency's id.
    pub agency_id: String,
    /// The agency's notify address.
    pub address: String,
    /// Attach the form (the directory says the address is secure).
    pub attach_form: bool,
    /// Now (Unix ms): written and first due.
    pub now: i64,
}

/// A mail store shared by the sender and the console.
pub type SharedMailStore = Arc<dyn MailStore>;

/// The columns [`Notification`] is read from, in its field order.
pub const NOTIFICATION_COLUMNS: &str = "referral_id, agency_id, address, attach_form, \
     created_at, attempts, next_attempt_at, last_error, sent_at, form_attached";
