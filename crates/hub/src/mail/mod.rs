//! Emails to partner agencies that work from a mailbox (issue 13): when the hub delivers a
//! referral to an agency whose directory entry has a `notify` address, the delivery writes
//! one row into the outbox (`referral_notifications`); the [`sender`] sends it through the
//! council's mail relay, saying only that a referral is waiting and where to open it
//! ([`message`]), with the referral form attached ([`form`]) only for a secure mailbox.
//! Failures are retried with backoff ([`retry`]), never dropped, and shown to supervisors in
//! the console (`/console/referral-emails`). Settings are [`settings`]; the outbox is
//! [`store`], one implementation per backend.

pub mod form;
pub mod message;
pub mod retry;
pub mod sender;
pub mod settings;
pub mod store;

pub use sender::{Mailer, run, send_due};
pub use settings::MailSettings;
pub use store::{MailStore, NewNotification, Notification, SharedMailStore};
