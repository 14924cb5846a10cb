//! The store's side of sync with the council hub, in plain types (the store does not know
//! the wire protocol; the app's sync engine turns these into its `Change`s and `Record`s):
//!
//! - [`Store::outbox_batch`] and [`Store::mark_pushed`]: local changes on their way out;
//! - [`Store::apply_from_hub`]: records from the hub written in one transaction, without
//!   outbox rows, through the same column mapping the repositories use for local edits;
//! - [`Store::forget_synced_records`]: start again after a long absence;
//! - the hub link, the pull cursor and the sync log, kept inside the encrypted store;
//! - attachments sent and fetched by SHA-256.
//!
//! [`Store::outbox_batch`]: crate::Store::outbox_batch
//! [`Store::mark_pushed`]: crate::Store::mark_pushed
//! [`Store::apply_from_hub`]: crate::Store::apply_from_hub
//! [`Store::forget_synced_records`]: crate::Store::forget_synced_records
//!
//! Every kind of record is reached through one registry (`KINDS`), built from each kind's
//! `Synced` implementation in its repository: replication sits above the repositories and
//! they never reach up to it.

// One file per part of sync; each part's public types are re-exported here, where the app
// has always found them.
mod cascade;
mod hub;
mod incoming;
mod outgoing;
mod registry;
mod retention;
mod set_aside;
mod transfer;

pub use hub::{HubLink, SyncLog};
pub use incoming::{DELETED_FIELD, RecordChange};
pub use outgoing::OutgoingChange;
pub use registry::SyncedRecord;
pub use set_aside::SetAsideChange;

pub use crate::synced::SOMEONE_ELSE;

#[cfg(test)]
mod tests;
