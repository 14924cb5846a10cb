//! The storage trait both backends implement, and what they share: opening one from a
//! URL, the stored record. The backend-neutral work of each operation is planned in its
//! own module ([`crate::push`], [`crate::pull`], [`crate::transfer`], [`crate::purge`]),
//! so the backends only read and write rows.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::NaiveDate;
use doorstep_core::Role;
use doorstep_reports::crime::CrimeImport;
use doorstep_reports::engine::Burglary;
use doorstep_sync::merge::Record;
use doorstep_sync::protocol::{
    AttachmentReceipt, Change, Opening, OpeningsResponse, Operation, PullResponse, PushResponse,
};

use crate::conflicts::HubIdentity;
use crate::crime::CrimeImportSummary;
use crate::model::{AuditEntry, DeviceInfo, Principal, Refusal, StoreError, TokenDigests};

/// The hub's storage: accounts, devices, tokens, records, the change log and the audit log.
///
/// Every method is one transaction. Refusals ([`StoreError::Refused`]) leave nothing
/// behind; the caller writes the attempt to the audit log separately. A new feature (the
/// contractor portal, say) adds its methods here, each one transaction, and implements
/// them in both backends; the shared test suite runs them on both.
/// How the backend's files are protected at rest (docs/hub.md, "Protecting the hub's data").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtRest {
    /// The SQLite file is encrypted under the hub's key.
    Encrypted,
    /// The SQLite file is plain: anyone with a copy of the disk or a backup can read it.
    Plain,
    /// PostgreSQL: its files are the database server's disk encryption's to protect.
    ServerDisk,
}

#[async_trait]
pub trait Store: Send + Sync + fmt::Debug {
    /// The backend and where it keeps its data (no password), for the start-up log.
    fn backend(&self) -> String;

    /// How its files are protected at rest; a backend that does not say is the server's.
    fn at_rest(&self) -> AtRest {
        AtRest::ServerDisk
    }

    /// The device and officer ids the hub's own changes carry (conflict records, moves).
    fn hub_identity(&self) -> HubIdentity;

    /// The contractor portal's tables over this backend's own connection or pool, so the
    /// portal's changes share the change-log counter with pushes; None for a store
    /// without them (a test double), and then the hub serves no portal.
    fn portal(&self) -> Option<crate::portal::SharedPortalStore> {
        None
    }

    /// The console's casework reads over the same database, when the backend has them
    /// (a test double may not).
    fn casework(&self) -> Option<crate::casework::SharedCaseworkStore> {
        None
    }

    /// The partnership's report facts over the same database, when the backend has them
    /// (a test double may not), and the dialect their queries are written in.
    fn reports(&self) -> Option<(crate::reports::SharedReportStore, crate::sql::Dialect)> {
        None
    }

    /// The council console's store over the same database, when the backend has one
    /// (a test double may not).
    fn console(&self) -> Option<crate::console::SharedConsoleStore> {
        None
    }

    /// The outbox of agency notification emails over the same database, when the backend
    /// has it (a test double may not).
    fn mail(&self) -> Option<crate::mail::SharedMailStore> {
        None
    }

    /// The data protection officer's register over the same database, when the backend
    /// has one (a test double may not).
    fn privacy(&self) -> Option<crate::privacy::SharedPrivacyStore> {
        None
    }

    /// The retention schedule's side of the same database, when the backend has one.
    fn retention(&self) -> Option<crate::privacy::retention::SharedRetentionStore> {
        None
    }

    /// Creates an organisation; its name must be new.
    async fn create_org(&self, name: &str, now: i64) -> Result<String, StoreError>;

    /// Adds a team to the organisation named (or with the id) `org`.
    async fn add_team(&self, org: &str, name: &str, now: i64) -> Result<String, StoreError>;

    /// Adds a user to the team named (or with the id) `team`.
    async fn add_user(
        &self,
        team: &str,
        name: &str,
        role: doorstep_core::Role,
        now: i64,
    ) -> Result<String, StoreError>;

    /// Stores the digest of a one-time enrolment code for the user named (or with the id)
    /// `user`; returns the user's id.
    async fn add_enrolment_code(
        &self,
        user: &str,
        code_digest: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<String, StoreError>;

    /// Revokes a device and withdraws its tokens; its next contact is told to wipe.
    async fn revoke_device(&self, device_id: &str, now: i64) -> Result<(), StoreError>;

    /// Every device, oldest first.
    async fn devices(&self) -> Result<Vec<DeviceInfo>, StoreError>;

    /// Spends an enrolment code: creates the device `device_id` and stores its first tokens.
    async fn enrol(
        &self,
        code_digest: &str,
        device_id: &str,
        device_name: &str,
        tokens: &TokenDigests,
        now: i64,
    ) -> Result<Principal, StoreError>;

    /// Spends a refresh token of device `device_id` and stores the new pair. The inner `Err` is a refusal whose
    /// side effect is kept: a replayed refresh token withdraws every token of its device.
    async fn refresh(
        &self,
        refresh_digest: &str,
        device_id: &str,
        tokens: &TokenDigests,
        now: i64,
    ) -> Result<Result<Principal, Refusal>, StoreError>;

    /// Who holds this access token, if it is valid now.
    async fn authenticate(&self, access_digest: &str, now: i64) -> Result<Principal, StoreError>;

    /// Records the version of Doorstep device `device_id` says it runs (shown on the
    /// console's laptops page). A store without the column (a test double) keeps nothing.
    async fn note_app_version(&self, device_id: &str, version: &str) -> Result<(), StoreError> {
        let _ = (device_id, version);
        Ok(())
    }

    /// Applies a batch of changes in one transaction: each change once (by id), merged
    /// field by field, one change-log entry per change that took effect, numbered from
    /// the counter row inside this transaction. Writes an audit entry per change.
    async fn push(
        &self,
        who: &Principal,
        changes: &[Change],
        now: i64,
    ) -> Result<PushResponse, StoreError>;

    /// The change log after `after`, as `who` may see it, at most `limit` entries; stores
    /// `after` as the device's cursor and writes an audit entry per record read.
    async fn pull(
        &self,
        who: &Principal,
        after: u64,
        limit: u32,
        now: i64,
    ) -> Result<PullResponse, StoreError>;

    /// Stores an attachment's bytes (already checked: digest, size, an image) once, and
    /// lets `who`'s team download them; `already_stored` when the bytes were there before.
    async fn put_attachment(
        &self,
        who: &Principal,
        sha256: &str,
        bytes: Vec<u8>,
        media_type: &str,
        now: i64,
    ) -> Result<AttachmentReceipt, StoreError>;

    /// An attachment's bytes, when `who`'s team may download them (None otherwise, or
    /// when there is no such attachment: the two are not told apart).
    async fn get_attachment(
        &self,
        who: &Principal,
        sha256: &str,
        now: i64,
    ) -> Result<Option<StoredAttachment>, StoreError>;

    /// Moves the household `household_id` and every record that refers to it to the team
    /// named (or with the id) `team`: the old team's devices pull a removal for each, the
    /// new team's the records whole (see [`crate::transfer`]).
    async fn transfer_household(
        &self,
        household_id: &str,
        team: &str,
        now: i64,
    ) -> Result<Transfer, StoreError>;

    /// Moves the user named (or with the id) `user` to the team `team`; their devices must
    /// start again from 0 at their next pull. Returns the user's id.
    async fn move_user(&self, user: &str, team: &str, now: i64) -> Result<String, StoreError>;

    /// Gives the user named (or with the id) `user` another role; their devices must start
    /// again from 0 at their next pull. Returns the user's id.
    async fn set_role(&self, user: &str, role: Role, now: i64) -> Result<String, StoreError>;

    /// Forgets tombstones older than `tombstone_days` and compacts the change log below
    /// the new horizon (see [`crate::purge`]).
    async fn purge(&self, tombstone_days: u32, now: i64) -> Result<Purged, StoreError>;

    /// Writes an `open` audit line for each of `openings` this device had not sent before
    /// (by id), and one line for the request, in one transaction; remembers the ids so a
    /// retried batch writes nothing again (see [`crate::openings`]).
    async fn record_openings(
        &self,
        who: &Principal,
        openings: &[Opening],
        now: i64,
    ) -> Result<OpeningsResponse, StoreError>;

    /// Appends to the audit log.
    async fn append_audit(&self, entries: &[AuditEntry]) -> Result<(), StoreError>;

    /// The latest `limit` audit entries, oldest first.
    async fn audit(&self, limit: u32) -> Result<Vec<AuditEntry>, StoreError>;

    /// Row counts, for tests and `admin` checks.
    async fn stats(&self) -> Result<Stats, StoreError>;

    /// Writes a crime file's burglaries in one transaction, each added or, when its key is
    /// held already, updated, and the `crime_imports` row saying so; `by` is who imported
    /// it and `label` the file's name. A store without the tables (a test double) refuses.
    async fn import_crime(
        &self,
        import: &CrimeImport,
        by: &str,
        label: &str,
        now: i64,
    ) -> Result<CrimeImportSummary, StoreError> {
        let _ = (import, by, label, now);
        Err(StoreError::Backend("this store keeps no crime data".into()))
    }

    /// The burglaries dated from `from` to `to`, both included, oldest first.
    async fn burglaries_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Burglary>, StoreError> {
        let _ = (from, to);
        Err(StoreError::Backend("this store keeps no crime data".into()))
    }

    /// The latest `limit` crime imports, newest first.
    async fn crime_imports(&self, limit: u32) -> Result<Vec<CrimeImportSummary>, StoreError> {
        let _ = limit;
        Err(StoreError::Backend("this store keeps no crime data".into()))
    }
}

/// A store shared by the server's handlers.
pub type SharedStore = Arc<dyn Store>;

/// The file of an `sqlite:` database URL; `None` for any other.
pub fn sqlite_path(url: &str) -> Option<std::path::PathBuf> {
    let path = url.strip_prefix("sqlite:")?;
    let path = path.strip_prefix("//").unwrap_or(path);
    (!path.is_empty()).then(|| std::path::PathBuf::from(path))
}

/// Opens the backend a URL names: `sqlite:path` or `postgres://…` (`postgresql://` too);
/// an SQLite file without a key.
pub async fn open(url: &str) -> Result<SharedStore, StoreError> {
    open_with(url, None).await
}

/// Opens the database at `url` as [`open`] does; an SQLite database under `key` when the
/// hub was given one (PostgreSQL ignores it: its data at rest is the server's disk
/// encryption's to protect, see docs/hub.md).
pub async fn open_with(
    url: &str,
    key: Option<std::sync::Arc<crate::hub_key::HubKey>>,
) -> Result<SharedStore, StoreError> {
    if url.starts_with("sqlite:") {
        let path = sqlite_path(url).ok_or_else(|| {
            StoreError::Backend("sqlite: needs a file path, e.g. sqlite:doorstep-hub.db".into())
        })?;
        let store = tokio::task::spawn_blocking(move || {
            crate::sqlite::SqliteStore::open_with(&path, key.as_deref())
        })
        .await
        .map_err(|e| StoreError::Backend(e.to_string()))??;
        Ok(Arc::new(store))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        if let Some(key) = key {
            tracing::warn!(
                "{} is set, but the database is PostgreSQL: the key is for the embedded \
                 SQLite database only; PostgreSQL's files are protected by the server's disk \
                 encryption",
                key.source()
            );
        }
        Ok(Arc::new(crate::postgres::PgStore::connect(url).await?))
    } else {
        Err(StoreError::Backend(format!(
            "unknown database URL {:?}: use sqlite:path or postgres://…",
            redact_url(url)
        )))
    }
}

/// A database URL without its password, for logs: the one in the user info and libpq's
/// `password=` query parameter alike.
pub fn redact_url(url: &str) -> String {
    let redacted = match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme + 3],
                    &userinfo[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    };
    match redacted.split_once('?') {
        Some((base, query)) if url.contains("://") => {
            let pairs: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((key, _)) if key.eq_ignore_ascii_case("password") => {
                        format!("{key}=***")
                    }
                    _ => pair.to_owned(),
                })
                .collect();
            format!("{base}?{}", pairs.join("&"))
        }
        _ => redacted,
    }
}

/// Row counts of the sync tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    /// Records held.
    pub records: i64,
    /// Change-log entries.
    pub change_log: i64,
    /// Change ids taken in.
    pub applied_changes: i64,
    /// Conflicts raised.
    pub conflicts: i64,
    /// The change-log counter.
    pub counter: i64,
    /// Audit entries.
    pub audit: i64,
    /// Attachments stored.
    pub attachments: i64,
    /// The compaction horizon: cursors below it must start again.
    pub horizon: i64,
}

/// An attachment as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAttachment {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// Their media type, found from the content at upload (e.g. `image/jpeg`).
    pub media_type: String,
}

/// What `transfer_household` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    /// The team the household left.
    pub from_team: String,
    /// The team it joined.
    pub to_team: String,
    /// Every record moved, the household first.
    pub moved: Vec<(doorstep_sync::protocol::EntityKind, String)>,
}

/// What `purge` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Purged {
    /// The compaction horizon now.
    pub horizon: i64,
    /// Tombstones forgotten.
    pub records: usize,
    /// Change-log entries dropped.
    pub entries: usize,
}

/// The hub's copy of a record.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRecord {
    /// The team that holds it (the team of the user who first pushed it, unless moved).
    pub team_id: String,
    /// Its fields and their versions, as the merge sees them.
    pub record: Record,
    /// When it became a tombstone (Unix ms), if it is one.
    pub tombstoned_at: Option<i64>,
}

impl StoredRecord {
    /// Reads the stored columns.
    pub fn from_columns(
        team_id: String,
        fields: &str,
        versions: &str,
        tombstoned_at: Option<i64>,
    ) -> Result<Self, StoreError> {
        Ok(Self {
            team_id,
            record: Record::new(
                serde_json::from_str(fields)?,
                serde_json::from_str(versions)?,
            ),
            tombstoned_at,
        })
    }

    /// The fields as stored JSON text.
    pub fn fields_json(&self) -> Result<String, StoreError> {
        Ok(serde_json::to_string(&self.record.fields)?)
    }

    /// The versions as stored JSON text.
    pub fn versions_json(&self) -> Result<String, StoreError> {
        Ok(serde_json::to_string(&self.record.versions)?)
    }

    /// Deleted (kept as a tombstone).
    pub fn tombstone(&self) -> bool {
        self.record.is_deleted()
    }
}

/// The stored name of an operation.
pub fn operation_str(op: Operation) -> &'static str {
    match op {
        Operation::Create => "create",
        Operation::Update => "update",
        Operation::Delete => "delete",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden_in_urls() {
        assert_eq!(
            redact_url("postgres://hub:s3cret@db.example/hub"),
            "postgres://hub:***@db.example/hub"
        );
        assert_eq!(
            redact_url("postgres://postgres@127.0.0.1/hub"),
            "postgres://postgres@127.0.0.1/hub"
        );
        assert_eq!(redact_url("sqlite:hub.db"), "sqlite:hub.db");
        assert_eq!(
            redact_url("postgres://hub@db.example/hub?sslmode=verify-full&password=s3cret"),
            "postgres://hub@db.example/hub?sslmode=verify-full&password=***"
        );
    }
}
