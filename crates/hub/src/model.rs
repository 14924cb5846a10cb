//! What the hub stores about people and devices, and the refusals its store can give.

use doorstep_core::{DeviceId, OfficerId, Role};
use doorstep_sync::protocol::EntityKind;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Whether devices of `role` sync records (push and pull) at all. Contractors see work
/// orders through the portal, analysts see figures and admins run the hub: none of them
/// gets records from the sync tables (the table is [`crate::access`]).
pub fn syncs_records(role: Role) -> bool {
    crate::access::syncs(role)
}

/// Refuses a laptop enrolment code for a user whose role works only in the council
/// console (a data protection officer): no laptop of theirs should ever hold casework.
pub fn refuse_console_only(role: &str) -> Result<(), StoreError> {
    match Role::parse(role) {
        Some(role) if !role.may_use_laptop() => Err(Refusal::RoleForbidden(role).into()),
        _ => Ok(()),
    }
}

/// Parses a role as typed on the command line (`fire_crew`, `Fire-Crew`, `fire crew`).
pub fn parse_role(text: &str) -> Result<Role, String> {
    let word = text.trim().to_ascii_lowercase().replace(['-', ' '], "_");
    Role::parse(&word).ok_or_else(|| {
        let all: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
        format!("unknown role {text:?}: use one of {}", all.join(", "))
    })
}

/// Who is behind a request: the device its token belongs to, and that device's user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The user's id.
    pub user_id: OfficerId,
    /// The user's name.
    pub user_name: String,
    /// The user's role.
    pub role: Role,
    /// The device's id (the one the token was issued to).
    pub device_id: DeviceId,
    /// The user's team: records are scoped to it.
    pub team_id: String,
    /// The organisation the team belongs to.
    pub org_id: Uuid,
    /// Its name.
    pub org_name: String,
}

impl Principal {
    /// Reads the stored columns (ids are UUID text).
    pub fn from_columns(
        device_id: &str,
        user_id: &str,
        user_name: String,
        role: &str,
        team_id: String,
        org_id: &str,
        org_name: String,
    ) -> Result<Self, StoreError> {
        let damaged = |what: &str| StoreError::Backend(format!("stored {what} is damaged"));
        Ok(Self {
            user_id: user_id.parse().map_err(|_| damaged("user id"))?,
            user_name,
            role: Role::parse(role).ok_or_else(|| damaged("role"))?,
            device_id: device_id.parse().map_err(|_| damaged("device id"))?,
            team_id,
            org_id: org_id.parse().map_err(|_| damaged("organisation id"))?,
            org_name,
        })
    }
}

/// A pair of fresh tokens, as their digests and expiry times, ready to be stored.
#[derive(Debug, Clone)]
pub struct TokenDigests {
    /// SHA-256 of the access token.
    pub access: String,
    /// When the access token stops working (Unix ms).
    pub access_expires_at: i64,
    /// SHA-256 of the refresh token.
    pub refresh: String,
    /// When the refresh token stops working (Unix ms).
    pub refresh_expires_at: i64,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// When (Unix ms).
    pub at: i64,
    /// The user, when known.
    pub user_id: Option<String>,
    /// The device, when known.
    pub device_id: Option<String>,
    /// What was attempted: `enrol`, `refresh`, `push`, `pull`, `read`, `write`, `admin.…`.
    pub action: String,
    /// The record's entity type, for reads and writes.
    pub entity: Option<String>,
    /// The record's id, for reads and writes.
    pub entity_id: Option<String>,
    /// `ok`, `applied`, `already_applied`, `conflict`, or the error code of a refusal.
    pub outcome: String,
}

impl AuditEntry {
    /// An entry about a request as a whole (no record).
    pub fn request(
        at: i64,
        who: Option<&Principal>,
        action: &str,
        outcome: impl Into<String>,
    ) -> Self {
        Self {
            at,
            user_id: who.map(|p| p.user_id.to_string()),
            device_id: who.map(|p| p.device_id.to_string()),
            action: action.to_owned(),
            entity: None,
            entity_id: None,
            outcome: outcome.into(),
        }
    }
}

/// A device the hub knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceInfo {
    /// The device's id.
    pub id: String,
    /// Its owner.
    pub user_id: String,
    /// The name the app gave at enrolment.
    pub name: String,
    /// When it was revoked, if it was (Unix ms).
    pub revoked_at: Option<i64>,
}

/// Why the store refused: the caller's fault, each turned into its own 4xx.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// No enrolment code has this digest.
    #[error("this enrolment code is not known")]
    UnknownCode,
    /// The code was spent by an earlier enrolment.
    #[error("this enrolment code has already been used; ask an administrator for a new one")]
    CodeUsed,
    /// The code's time ran out.
    #[error("this enrolment code has expired; ask an administrator for a new one")]
    CodeExpired,
    /// No token has this digest (or it is of the wrong kind).
    #[error("the token is not known")]
    UnknownToken,
    /// The token's time ran out.
    #[error("the token has expired")]
    TokenExpired,
    /// A refresh token presented a second time.
    #[error("the refresh token was already used; the device's tokens are withdrawn, enrol again")]
    TokenReplayed,
    /// Every token of the device was withdrawn when one of its refresh tokens came back a
    /// second time: only enrolling again helps, so this is never `token_expired`.
    #[error(
        "this laptop's sign-in was withdrawn because a refresh token was used twice; enrol it again"
    )]
    TokenWithdrawn,
    /// The token belongs to another device than the one the request names.
    #[error("the token belongs to another device than the one named in the request")]
    ForgedDevice,
    /// The device was revoked: it must wipe its local data.
    #[error("this device has been revoked: wipe its local data and enrol again")]
    DeviceRevoked {
        /// The revoked device, so the audit log shows which laptop came back.
        device_id: String,
    },
    /// The role does not push records.
    #[error("the role {} does not sync records", .0.as_str())]
    RoleForbidden(Role),
    /// The role may not see or change this kind of record (`crate::access`).
    #[error("the role {} may not see or change {entity} records", .role.as_str())]
    EntityForbidden {
        /// The user's role.
        role: Role,
        /// The kind of record.
        entity: EntityKind,
    },
    /// A change to a conflict record that is not a supervisor's decision of it.
    #[error("{0}")]
    NotADecision(String),
    /// Well-formed, but breaks one of the hub's rules.
    #[error("{0}")]
    Invalid(String),
    /// A change for a record held by another team.
    #[error("record {entity}/{entity_id} is outside this user's team")]
    OutOfScope {
        /// The record's entity type.
        entity: String,
        /// The record's id.
        entity_id: String,
    },
    /// A change to a record of a household restricted at the resident's request: the
    /// sentence is core's.
    #[error(transparent)]
    Restricted(#[from] doorstep_core::privacy::restriction::Restricted),
    /// A change id seen before, from another device.
    #[error("change {0} was pushed by another device")]
    ChangeIdTaken(String),
    /// An admin command named something that is not there.
    #[error("{0} not found")]
    NotFound(String),
    /// An admin command named something that matches more than one row.
    #[error("{0} is ambiguous: give its id")]
    Ambiguous(String),
    /// An admin command would create a duplicate.
    #[error("{0} already exists")]
    Duplicate(String),
}

/// A failure of the store: a refusal (4xx) or the database itself (5xx).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The request was refused; nothing was stored.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The database failed.
    #[error("database error: {0}")]
    Backend(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Backend(e.to_string())
    }
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        // The driver's own text is only "db error"; the server's code and message say what
        // went wrong (the detail, which may quote a row's values, is left out of the log).
        match e.as_db_error() {
            Some(db) => {
                StoreError::Backend(format!("PostgreSQL {}: {}", db.code().code(), db.message()))
            }
            None => StoreError::Backend(e.to_string()),
        }
    }
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        StoreError::Backend(e.to_string())
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Backend(format!("stored JSON is damaged: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_as_typed() {
        for role in Role::ALL {
            assert_eq!(parse_role(role.as_str()).unwrap(), *role);
        }
        assert_eq!(parse_role("Fire-Crew").unwrap(), Role::FireCrew);
        assert!(parse_role("wizard").unwrap_err().contains("fire_crew"));
        assert!(!syncs_records(Role::Contractor));
        assert!(!syncs_records(Role::Analyst));
        assert!(!syncs_records(Role::Admin));
        assert!(!syncs_records(Role::Dpo));
        assert!(refuse_console_only("dpo").is_err());
        assert!(refuse_console_only("admin").is_ok() && refuse_console_only("officer").is_ok());
        assert!(syncs_records(Role::Officer));
    }
}
