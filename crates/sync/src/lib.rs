//! Doorstep's sync protocol, version 1: what a laptop and the council hub send each other,
//! and the one merge function both sides use so every replica ends up the same.
//!
//! - Every local edit is an outbox row; on the wire it is a [`Change`]: some fields of one
//!   record, the version (HLC) each field had before, and the change's own HLC and UUID.
//! - `POST /v1/push` sends the outbox oldest first, at most [`MAX_BATCH`] changes; the hub
//!   applies a batch in one transaction and each `change_id` once, so retrying is safe.
//! - The hub merges with [`merge::merge_into`]: a field based on the hub's version applies;
//!   otherwise ordinary fields go to the later HLC and guarded fields ([`merge::is_guarded`])
//!   keep the hub's value and raise a [`Conflict`] for a supervisor.
//! - What took effect goes into the hub's change log, numbered by a counter in the push
//!   transaction; `POST /v1/pull` pages through it after the device's cursor, filtered and
//!   redacted by role and team, with "remove" entries when a record leaves the user's scope.
//! - A laptop pushes (taking the hub's [`HubValue`]s of guarded fields it kept), then pulls
//!   and replays entries with [`merge::apply_from_hub`].
//! - `POST /v1/audit/openings` sends who opened which household on the laptop, at most
//!   [`MAX_OPENINGS`] at a time, for the hub's audit log; each opening is recorded once.
//! - Every refusal is a 4xx with an [`ErrorBody`] `{code, message}`; [`HubClient`] retries
//!   what is safe with [`Backoff`] and maps the rest to a [`ClientError`] saying what to do.
//!
//! The full description is `docs/sync-protocol.md`.

pub mod client;
pub mod decode;
pub mod merge;
pub mod protocol;

pub use client::{Action, Backoff, ClientError, HubClient};
pub use merge::{
    FieldOutcome, Merged, Outcome, Record, apply_from_hub, hub_values, is_guarded, merge,
    merge_into,
};
pub use protocol::{
    AttachmentReceipt, Change, Conflict, EnrolRequest, EnrolResponse, EntityKind, ErrorBody,
    ErrorCode, HubValue, LogEntry, MAX_BATCH, MAX_BODY_BYTES, MAX_OPENINGS, Opening,
    OpeningsRequest, OpeningsResponse, Operation, Organisation, PROTOCOL_VERSION, PullRequest,
    PullResponse, PushRequest, PushResponse, RefreshRequest, RefreshResponse, Removal, Request,
    Secret, User, decode_request,
};
