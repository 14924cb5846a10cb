//! The laptop's side of sync with the council hub.
//!
//! - [`enrol`] joins a hub with an administrator's one-time code and keeps the device's
//!   refresh token inside the encrypted store.
//! - [`Syncer::sync`] sends the outbox oldest first in batches, takes the hub's value of
//!   guarded fields it kept, uploads photos by SHA-256, then receives the hub's log after
//!   this laptop's cursor and applies it with the same merge rule the hub uses
//!   (`doorstep_sync::apply_from_hub`), and downloads the photos it lacks.
//! - [`conflicts`] turns the conflict records the hub raises into what a supervisor reads,
//!   and records their decision as an ordinary edit that syncs.
//! - [`set_aside`] lists, in words, the changes the hub could no longer take because their
//!   record moved to another team first.
//!
//! It reaches the store through [`StoreAccess`], one short visit at a time, so the
//! officer's screens never wait on the network. Why this is a crate of its own:
//! docs/decisions/013-the-laptops-sync-engine.md.

pub mod access;
pub mod conflicts;
pub mod engine;
pub mod error;
pub mod set_aside;
pub mod wire;

pub use access::StoreAccess;
pub use engine::{Progress, SyncReport, Syncer, enrol};
pub use error::SyncError;
