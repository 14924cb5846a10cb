//! Doorstep's local store: one encrypted SQLCipher file per data folder.
//!
//! The database key is random and wrapped by the officer's passphrase
//! ([`keyfile`]); connections are opened only by [`connection::open`]; every change
//! to a record appends an outbox row in the same transaction ([`tracking`]).

pub mod attachments;
pub mod backup;
#[cfg(feature = "benchmarks")]
mod benchmarks;
pub mod charlie;
pub mod cocoon;
pub mod cocoons;
pub mod conflicts;
pub mod connection;
pub mod days;
pub mod demo;
pub mod error;
pub mod folder;
pub mod gazetteer;
pub mod households;
pub mod keyfile;
pub mod migrations;
pub mod openings;
pub mod persons;
pub mod plans;
pub mod referrals;
pub mod replication;
pub mod report;
mod rows;
pub mod search;
pub mod store;
pub mod surveys;
mod synced;
mod tracking;
pub mod users;
pub mod visits;
pub mod work_orders;

pub use conflicts::StoredConflict;
pub use error::{Result, StoreError};
pub use folder::{DataFolder, FolderState};
pub use keyfile::KdfParams;
pub use openings::HouseholdOpening;
pub use replication::{
    HubLink, OutgoingChange, RecordChange, SetAsideChange, SyncLog, SyncedRecord,
};
pub use store::Store;
pub use work_orders::{ApprovedPlan, PlanApproval, Settlement};
