//! The v1 wire types: what the app and the hub send each other as JSON, the error body
//! every refusal carries, and the limits; [`crate::decode`] turns a request body into a
//! typed request or the exact 4xx it deserves.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use doorstep_core::{DeviceId, Hlc, OfficerId};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

/// A clock reading as it travels: 15-digit wall ms, '-', 8 hex counter, '-', device UUID;
/// text order is clock order.
#[cfg(feature = "openapi")]
#[derive(Debug, utoipa::ToSchema)]
#[schema(as = Hlc, pattern = "^[0-9]{15}-[0-9a-f]{8}-[0-9a-fA-F-]{36}$")]
pub struct HlcText(pub String);

/// The user a device was enrolled for.
#[cfg(feature = "openapi")]
#[derive(Debug, utoipa::ToSchema)]
#[schema(as = User)]
pub struct UserText {
    /// Their id.
    pub id: Uuid,
    /// Their name.
    pub name: String,
    /// Their role: officer, fire_crew, warden, supervisor, contractor, analyst or admin.
    pub role: String,
}

/// The protocol version this crate speaks; every request body carries it.
pub const PROTOCOL_VERSION: u32 = 1;

/// The header that carries the protocol version on requests without a JSON body (attachments).
pub const PROTOCOL_HEADER: &str = "doorstep-protocol";

/// The most changes one push may carry.
pub const MAX_BATCH: usize = 500;

/// The largest JSON request body the hub reads.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// The most log entries one pull returns; a larger `limit` is lowered to this.
pub const MAX_PULL_LIMIT: u32 = 1_000;

/// The largest attachment (photo, signature, document) the hub stores.
pub const MAX_ATTACHMENT_BYTES: usize = 16 * 1024 * 1024;

// An attachment the app accepts must fit through the hub.
const _: () =
    assert!(MAX_ATTACHMENT_BYTES as u64 >= doorstep_core::attachment::DEFAULT_MAX_PHOTO_BYTES);

/// The longest entity id the hub accepts (ids are UUIDs, or a UPRN-derived key).
pub const MAX_ENTITY_ID_LEN: usize = 128;

/// The longest field name the hub accepts (survey answers are `answers.<item id>`).
pub const MAX_FIELD_NAME_LEN: usize = 200;

/// Field names starting with this are the protocol's own, never a record's.
pub const RESERVED_PREFIX: char = '_';

/// The field a delete sets, so deletes merge like any other field (a tombstone).
pub const DELETED_FIELD: &str = "_deleted";

/// The kinds of record the app syncs; anything else is refused with `unknown_entity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum EntityKind {
    /// A home at an address.
    Household,
    /// A resident.
    Person,
    /// A visit to a household.
    Visit,
    /// A home security survey, one field per answer (`answers.<item>`).
    Survey,
    /// A photo attached to a survey item (the bytes go up by hash).
    SurveyPhoto,
    /// An improvement plan.
    Plan,
    /// A cocoon: the neighbours around a burglary.
    Cocoon,
    /// One door of a cocoon.
    CocoonTarget,
    /// A CHARLIE fire-risk check.
    CharlieCheck,
    /// A referral to a partner agency.
    Referral,
    /// A day of action.
    DayOfAction,
    /// One door on a day of action's list.
    DayDoor,
    /// One knock at a door on a day of action.
    DoorKnock,
    /// A guarded-field conflict the hub raised, for a supervisor to decide; the decision
    /// is a change to this record (and to the field it concerns), so it syncs like any edit.
    Conflict,
    /// A contractor's work order from an approved plan: only what the fitter needs.
    WorkOrder,
}

impl EntityKind {
    /// Every kind, in the order above.
    pub const ALL: &'static [Self] = &[
        Self::Household,
        Self::Person,
        Self::Visit,
        Self::Survey,
        Self::SurveyPhoto,
        Self::Plan,
        Self::Cocoon,
        Self::CocoonTarget,
        Self::CharlieCheck,
        Self::Referral,
        Self::DayOfAction,
        Self::DayDoor,
        Self::DoorKnock,
        Self::Conflict,
        Self::WorkOrder,
    ];

    /// The wire name, the same string the store passes to `track`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Household => "household",
            Self::Person => "person",
            Self::Visit => "visit",
            Self::Survey => "survey",
            Self::SurveyPhoto => "survey_photo",
            Self::Plan => "plan",
            Self::Cocoon => "cocoon",
            Self::CocoonTarget => "cocoon_target",
            Self::CharlieCheck => "charlie_check",
            Self::Referral => "referral",
            Self::DayOfAction => "day_of_action",
            Self::DayDoor => "day_door",
            Self::DoorKnock => "door_knock",
            Self::Conflict => "conflict",
            Self::WorkOrder => "work_order",
        }
    }

    /// Parses a wire name; None for a kind this version does not know.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not a kind of record this protocol syncs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a kind of record the hub syncs: {0}")]
pub struct UnknownEntity(pub String);

impl FromStr for EntityKind {
    type Err = UnknownEntity;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s).ok_or_else(|| UnknownEntity(s.to_owned()))
    }
}

/// What a change does to its record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Operation {
    /// Makes the record (merged field by field if it already exists).
    Create,
    /// Changes some fields.
    Update,
    /// Deletes the record: a tombstone, merged as the field [`DELETED_FIELD`].
    Delete,
}

/// One outbox row on the wire: some fields of one record, with the versions they were based on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Change {
    /// The change's own id (UUIDv7), so the hub applies it once.
    pub change_id: Uuid,
    /// The kind of record.
    pub entity: EntityKind,
    /// The record's id.
    // The bounds `Change::check` enforces, so generated requests (schemathesis) and
    // client writers learn them from the document rather than from a 422.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 128))]
    pub entity_id: String,
    /// Create, update or delete.
    pub operation: Operation,
    /// The fields that changed, with their new values (null clears a field).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub fields: Map<String, Value>,
    /// Each changed field's version before this change (null: the field had none).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub base_versions: BTreeMap<String, Option<Hlc>>,
    /// The change's clock reading: the new version of every field it sets.
    #[cfg_attr(feature = "openapi", schema(value_type = HlcText))]
    pub hlc: Hlc,
    /// Who made it.
    #[cfg_attr(feature = "openapi", schema(value_type = Uuid))]
    pub officer_id: OfficerId,
    /// On which laptop.
    #[cfg_attr(feature = "openapi", schema(value_type = Uuid))]
    pub device_id: DeviceId,
    /// When, by the laptop's wall clock (for people; ordering uses `hlc`).
    pub made_at: DateTime<Utc>,
}

/// The kind of record a reference field names, by the field's name (`household_id` names
/// a household); None for a field that names no record of one kind. These are the laptop
/// store's foreign keys between synced records: a record goes where what it belongs to goes.
pub fn referenced_kind(field: &str) -> Option<EntityKind> {
    Some(match field {
        "household_id" => EntityKind::Household,
        "person_id" => EntityKind::Person,
        "visit_id" => EntityKind::Visit,
        "survey_id" => EntityKind::Survey,
        "plan_id" => EntityKind::Plan,
        "cocoon_id" => EntityKind::Cocoon,
        "day_id" => EntityKind::DayOfAction,
        "door_id" => EntityKind::DayDoor,
        _ => return None,
    })
}

impl Change {
    /// The records this change makes its record belong to: each reference field it sets,
    /// with the record that field names.
    pub fn references(&self) -> Vec<(EntityKind, String)> {
        self.fields
            .iter()
            .filter_map(|(field, value)| {
                Some((referenced_kind(field)?, value.as_str()?.to_owned()))
            })
            .collect()
    }

    /// The version `field` was based on (None when the change names none).
    pub fn base_version(&self, field: &str) -> Option<Hlc> {
        self.base_versions.get(field).copied().flatten()
    }

    /// The same change narrowed to `fields` (what the hub logs after a merge), or None
    /// when none of them is left.
    pub fn only_fields<S: AsRef<str>>(&self, fields: &[S]) -> Option<Change> {
        if self.operation == Operation::Delete {
            return fields
                .iter()
                .any(|f| f.as_ref() == DELETED_FIELD)
                .then(|| self.clone());
        }
        let mut narrowed = self.clone();
        narrowed
            .fields
            .retain(|name, _| fields.iter().any(|f| f.as_ref() == name));
        narrowed
            .base_versions
            .retain(|name, _| narrowed.fields.contains_key(name));
        (!narrowed.fields.is_empty()).then_some(narrowed)
    }

    /// Checks the rules a well-formed change keeps; the message says which one it broke.
    pub fn check(&self) -> Result<(), String> {
        let id = self.change_id;
        if self.entity_id.is_empty() || self.entity_id.len() > MAX_ENTITY_ID_LEN {
            return Err(format!(
                "change {id}: the record id must be 1 to {MAX_ENTITY_ID_LEN} characters"
            ));
        }
        if self.hlc.device != self.device_id {
            return Err(format!(
                "change {id}: its clock reading belongs to another device"
            ));
        }
        match self.operation {
            Operation::Delete if !self.fields.is_empty() => {
                return Err(format!("change {id}: a delete carries no fields"));
            }
            Operation::Create | Operation::Update if self.fields.is_empty() => {
                return Err(format!("change {id}: it changes no field"));
            }
            _ => {}
        }
        for name in self.fields.keys() {
            if name.is_empty() || name.len() > MAX_FIELD_NAME_LEN {
                return Err(format!(
                    "change {id}: field names must be 1 to {MAX_FIELD_NAME_LEN} characters"
                ));
            }
            if name.starts_with(RESERVED_PREFIX) {
                return Err(format!(
                    "change {id}: field {name} starts with {RESERVED_PREFIX}, which is reserved"
                ));
            }
        }
        for (name, base) in &self.base_versions {
            let known = self.fields.contains_key(name)
                || (self.operation == Operation::Delete && name == DELETED_FIELD);
            if !known {
                return Err(format!(
                    "change {id}: a base version for {name}, which it does not change"
                ));
            }
            if base.is_some_and(|b| b >= self.hlc) {
                return Err(format!(
                    "change {id}: field {name} was based on a version no older than the change"
                ));
            }
        }
        Ok(())
    }
}

/// A bearer token or enrolment code: sent and stored, never printed (Debug shows no text).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret text, for the one place that sends or hashes it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// `POST /v1/push`: a batch of the device's outbox, oldest first, applied in one transaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushRequest {
    /// Always [`PROTOCOL_VERSION`].
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1))]
    pub protocol: u32,
    /// The pushing device (must be the token's device).
    #[cfg_attr(feature = "openapi", schema(value_type = Uuid))]
    pub device_id: DeviceId,
    /// At most [`MAX_BATCH`] changes, in outbox order.
    pub changes: Vec<Change>,
}

/// What the hub did with a push.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResponse {
    /// Changes applied now (even if some of their fields lost or conflicted).
    pub applied: Vec<Uuid>,
    /// Changes the hub had already applied (a retried batch): nothing was done again.
    pub already_applied: Vec<Uuid>,
    /// Conflicts raised by the changes applied now: a supervisor will decide.
    pub conflicts: Vec<Conflict>,
    /// Guarded fields of this batch's changes (applied now or before) that the hub holds at
    /// another version, with its value (`merge::hub_values`); the device adopts them.
    #[serde(default)]
    pub hub_values: Vec<HubValue>,
    /// The hub's change log position after this push.
    pub cursor: u64,
}

/// `POST /v1/pull`: the change log after a cursor, as this user may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PullRequest {
    /// Always [`PROTOCOL_VERSION`].
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1))]
    pub protocol: u32,
    /// The last sequence number the device has applied (0 for none).
    pub after: u64,
    /// The most entries wanted, at least 1 (the hub lowers it to [`MAX_PULL_LIMIT`]).
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub limit: u32,
}

/// A page of the change log.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PullResponse {
    /// Entries in sequence order.
    pub entries: Vec<LogEntry>,
    /// The cursor to pull after next time.
    pub next: u64,
    /// Whether more entries are waiting after `next`.
    pub more: bool,
    /// The device was away longer than tombstones are kept: push the outbox, drop synced
    /// records and pull again from 0.
    pub full_resync_needed: bool,
}

/// One entry of the hub's change log: exactly one of `change` and `remove` is set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogEntry {
    /// Its position in the log; strictly increasing, never reused.
    pub seq: u64,
    /// A change as the hub applied it (only the fields that took effect; redacted by role).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<Change>,
    /// A record that left this user's scope: delete the local copy, it still exists on the hub.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remove: Option<Removal>,
}

impl LogEntry {
    /// An entry carrying a change.
    pub fn of_change(seq: u64, change: Change) -> Self {
        Self {
            seq,
            change: Some(change),
            remove: None,
        }
    }

    /// An entry removing a record from the device.
    pub fn of_removal(seq: u64, removal: Removal) -> Self {
        Self {
            seq,
            change: None,
            remove: Some(removal),
        }
    }
}

/// A record to drop from a device: the user may no longer see it, or it was erased.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Removal {
    /// The kind of record.
    pub entity: EntityKind,
    /// Its id.
    pub entity_id: String,
    /// The data protection officer erased it: the device deletes it with its unsent
    /// changes, its photos and its search entry, and keeps nothing aside. Absent (false)
    /// when the record only moved to another team.
    #[serde(default, skip_serializing_if = "is_false")]
    pub erased: bool,
}

/// Whether a flag is off, so it is left out of the JSON.
fn is_false(flag: &bool) -> bool {
    !*flag
}

/// `POST /v1/enrol`: a new laptop joins the hub with a one-time code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrolRequest {
    /// Always [`PROTOCOL_VERSION`].
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1))]
    pub protocol: u32,
    /// The one-time enrolment code an admin gave the user: not blank.
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = String, min_length = 1, pattern = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$")
    )]
    pub code: Secret,
    /// A name people recognise, e.g. the laptop's host name: 1 to 100 characters once
    /// spaces around it are trimmed.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            pattern = "^\\s*([^\\s\\u0000]|[^\\s\\u0000][^\\u0000]{0,98}[^\\s\\u0000])\\s*$"
        )
    )]
    pub device_name: String,
}

/// The enrolled device's identity and tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrolResponse {
    /// The id the hub gave this laptop; its clock and changes use it.
    #[cfg_attr(feature = "openapi", schema(value_type = Uuid))]
    pub device_id: DeviceId,
    /// Short-lived bearer token for every other call.
    pub access_token: Secret,
    /// Longer-lived token to get a new access token; each use replaces it.
    pub refresh_token: Secret,
    /// When the access token stops working.
    pub access_expires_at: DateTime<Utc>,
    /// The council or force the hub belongs to.
    pub organisation: Organisation,
    /// The user the code was issued to.
    #[cfg_attr(feature = "openapi", schema(value_type = UserText))]
    pub user: User,
}

/// The organisation that runs a hub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Organisation {
    /// Its id.
    pub id: Uuid,
    /// Its name as shown in the app.
    pub name: String,
}

/// The signed-in user: id, name and role (the app's `Officer`).
pub type User = doorstep_core::Officer;

/// `POST /v1/token/refresh`: swaps a refresh token for new tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefreshRequest {
    /// Always [`PROTOCOL_VERSION`].
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1))]
    pub protocol: u32,
    /// The device asking (must be the refresh token's device).
    #[cfg_attr(feature = "openapi", schema(value_type = Uuid))]
    pub device_id: DeviceId,
    /// The refresh token from enrolment or the last refresh; it is used up by this call.
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 1))]
    pub refresh_token: Secret,
}

/// New tokens after a refresh.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefreshResponse {
    /// The new access token.
    pub access_token: Secret,
    /// The new refresh token; the old one no longer works.
    pub refresh_token: Secret,
    /// When the new access token stops working.
    pub access_expires_at: DateTime<Utc>,
}

/// `PUT /v1/attachments/{sha256}`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttachmentReceipt {
    /// The lowercase hex SHA-256 of the bytes, as checked by the hub.
    pub sha256: String,
    /// Their size.
    pub bytes: u64,
    /// The hub had them already (the upload was a no-op).
    pub already_stored: bool,
}

/// Whether `s` is a SHA-256 as attachments are named: 64 lowercase hex digits.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The most household openings one `POST /v1/audit/openings` may carry.
pub const MAX_OPENINGS: usize = 500;

/// The longest name of the person who opened a household the hub accepts, in characters.
pub const MAX_OPENED_BY_LEN: usize = 200;

/// `POST /v1/audit/openings`: who opened which household on the laptop, for the hub's
/// audit log. Each opening is recorded once by its id, so a retried batch is harmless.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpeningsRequest {
    /// Always [`PROTOCOL_VERSION`].
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1))]
    pub protocol: u32,
    /// At most [`MAX_OPENINGS`] openings, oldest first.
    pub openings: Vec<Opening>,
}

/// One opening of a household page on a laptop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Opening {
    /// The opening's own id (a UUIDv7 made on the laptop).
    pub id: Uuid,
    /// The household opened: 1 to [`MAX_ENTITY_ID_LEN`] characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 128))]
    pub household_id: String,
    /// The name of the person signed in on the laptop (several people may share one):
    /// 1 to [`MAX_OPENED_BY_LEN`] characters, not blank, no control characters.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 200,
            pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$"
        )
    )]
    pub opened_by: String,
    /// When it was opened; at most 5 minutes ahead of the hub's clock.
    pub opened_at: DateTime<Utc>,
}

impl Opening {
    /// Checks the rules a well-formed opening keeps; the message says which one it broke
    /// (naming the opening by its id, never by the person or the household).
    pub fn check(&self) -> Result<(), String> {
        let id = self.id;
        let household = self.household_id.chars().count();
        if household == 0 || household > MAX_ENTITY_ID_LEN {
            return Err(format!(
                "opening {id}: the household id must be 1 to {MAX_ENTITY_ID_LEN} characters"
            ));
        }
        let name = self.opened_by.chars().count();
        if name > MAX_OPENED_BY_LEN || self.opened_by.trim().is_empty() {
            return Err(format!(
                "opening {id}: the name of who opened it must be 1 to {MAX_OPENED_BY_LEN} characters, not blank"
            ));
        }
        if self.opened_by.chars().any(char::is_control) {
            return Err(format!(
                "opening {id}: the name of who opened it holds a control character"
            ));
        }
        Ok(())
    }

    /// Refuses an opening more than [`doorstep_core::hlc::MAX_DRIFT_MS`] ahead of `now`:
    /// the laptop's clock is wrong, and the audit log would carry a time yet to come.
    pub fn check_not_ahead(&self, now: DateTime<Utc>) -> Result<(), String> {
        let drift = i64::try_from(doorstep_core::hlc::MAX_DRIFT_MS).unwrap_or(i64::MAX);
        let ahead = self
            .opened_at
            .timestamp_millis()
            .saturating_sub(now.timestamp_millis());
        if ahead > drift {
            return Err(format!(
                "opening {}: its time is {} s ahead of the hub's clock; set the laptop's date and time",
                self.id,
                ahead / 1000
            ));
        }
        Ok(())
    }
}

/// What the hub did with a batch of openings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpeningsResponse {
    /// Openings written to the audit log now.
    pub accepted: u64,
    /// Openings the hub had recorded before (a retried batch): nothing was written again.
    #[serde(default)]
    pub already_recorded: u64,
}

/// A guarded field two people changed concurrently: the hub kept its value; a person decides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conflict {
    /// The kind of record.
    pub entity: EntityKind,
    /// The record's id.
    pub entity_id: String,
    /// The field.
    pub field: String,
    /// The value kept (the hub's, or the stored one on the replica that merged).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub hub_value: Value,
    /// Its version.
    #[cfg_attr(feature = "openapi", schema(value_type = HlcText))]
    pub hub_hlc: Hlc,
    /// The value the device sent, which was not applied.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub device_value: Value,
    /// The device's version of it (its wall time says when it was made).
    #[cfg_attr(feature = "openapi", schema(value_type = HlcText))]
    pub device_hlc: Hlc,
    /// The change that carried it.
    pub change_id: Uuid,
    /// The device that sent it.
    #[cfg_attr(feature = "openapi", schema(value_type = Uuid))]
    pub device_id: DeviceId,
    /// The officer who made it.
    #[cfg_attr(feature = "openapi", schema(value_type = Uuid))]
    pub officer_id: OfficerId,
}

/// The hub's value of a guarded field a pushed change set: the device takes it in place of
/// its own (conflict, agreement, or a later change it has not pulled).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HubValue {
    /// The kind of record.
    pub entity: EntityKind,
    /// The record's id.
    pub entity_id: String,
    /// The field.
    pub field: String,
    /// The hub's value: any JSON a field can hold (text, a number, a list, a whole record).
    #[cfg_attr(feature = "openapi", schema(value_type = Value))]
    pub value: Value,
    /// The hub's version of it.
    #[cfg_attr(feature = "openapi", schema(value_type = HlcText))]
    pub hlc: Hlc,
    /// The pushed change's version of the field, which the device holds unless it changed
    /// the field again (then it keeps its own).
    #[cfg_attr(feature = "openapi", schema(value_type = HlcText))]
    pub change_hlc: Hlc,
}

/// Why a request was refused; each code has one HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ErrorCode {
    /// The body is not JSON, or not the shape the endpoint expects.
    Malformed,
    /// The body's `protocol` is not one the hub speaks.
    WrongProtocol,
    /// The body or the batch is over the limit.
    TooLarge,
    /// A change names a kind of record the hub does not sync.
    UnknownEntity,
    /// A change touches a record outside the user's role or team.
    OutOfScope,
    /// No token, a bad or replayed token, a used or unknown enrolment code, or a token
    /// for another device than the one named (a forged device id).
    Unauthorised,
    /// The access token is past its time: refresh it.
    TokenExpired,
    /// The device was revoked: it must wipe its local data.
    DeviceRevoked,
    /// Too many requests from this device: slow down.
    RateLimited,
    /// No such thing (an attachment, an endpoint).
    NotFound,
    /// The request clashes with the hub's current state.
    Conflict,
    /// Well-formed but breaks a rule (a change's own rules, a hash that does not match).
    Invalid,
}

impl ErrorCode {
    /// Every code.
    pub const ALL: &'static [Self] = &[
        Self::Malformed,
        Self::WrongProtocol,
        Self::TooLarge,
        Self::UnknownEntity,
        Self::OutOfScope,
        Self::Unauthorised,
        Self::TokenExpired,
        Self::DeviceRevoked,
        Self::RateLimited,
        Self::NotFound,
        Self::Conflict,
        Self::Invalid,
    ];

    /// The HTTP status the hub answers with.
    pub fn status(self) -> u16 {
        match self {
            Self::Malformed | Self::WrongProtocol => 400,
            Self::Unauthorised | Self::TokenExpired => 401,
            Self::OutOfScope => 403,
            Self::NotFound => 404,
            Self::Conflict => 409,
            Self::DeviceRevoked => 410,
            Self::TooLarge => 413,
            Self::UnknownEntity | Self::Invalid => 422,
            Self::RateLimited => 429,
        }
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::WrongProtocol => "wrong_protocol",
            Self::TooLarge => "too_large",
            Self::UnknownEntity => "unknown_entity",
            Self::OutOfScope => "out_of_scope",
            Self::Unauthorised => "unauthorised",
            Self::TokenExpired => "token_expired",
            Self::DeviceRevoked => "device_revoked",
            Self::RateLimited => "rate_limited",
            Self::NotFound => "not_found",
            Self::Conflict => "conflict",
            Self::Invalid => "invalid",
        }
    }

    /// A plain-words message for when there is nothing more specific to say.
    pub fn default_message(self) -> &'static str {
        match self {
            Self::Malformed => "The hub could not read the request",
            Self::WrongProtocol => {
                "This version of Doorstep cannot sync with the hub: update the app"
            }
            Self::TooLarge => "The request is too large: send fewer changes at a time",
            Self::UnknownEntity => "The request names a kind of record the hub does not sync",
            Self::OutOfScope => "You may not see or change that record",
            Self::Unauthorised => "The hub did not accept this laptop's sign-in",
            Self::TokenExpired => "The hub session has expired: refresh it",
            Self::DeviceRevoked => {
                "This laptop was removed from the hub: its local data must be wiped"
            }
            Self::RateLimited => "Too many requests: try again shortly",
            Self::NotFound => "Not found",
            Self::Conflict => "The request clashes with what the hub holds",
            Self::Invalid => "The request breaks a rule of the sync protocol",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The JSON body of every 4xx: a code the app branches on and a message in plain words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{code}: {message}")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// What went wrong.
    pub code: ErrorCode,
    /// In plain words, for the person at the screen.
    pub message: String,
}

impl ErrorBody {
    /// An error with its own message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// An error with the code's default message.
    pub fn of(code: ErrorCode) -> Self {
        Self::new(code, code.default_message())
    }

    /// The HTTP status to answer with.
    pub fn status(&self) -> u16 {
        self.code.status()
    }
}

pub use crate::decode::{Request, check_storable_json, decode_request};
