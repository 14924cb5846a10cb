//! The storage trait both backends implement, and the backend-neutral parts of push and
//! pull: deciding what a change does to a record, and tallying the outcome.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use doorstep_sync::merge::{Record, hub_values, is_guarded, merge_into};
use doorstep_sync::protocol::DELETED_FIELD;
use doorstep_sync::protocol::{Change, Conflict, LogEntry, Operation, PullResponse, PushResponse};

use crate::model::{AuditEntry, DeviceInfo, Principal, Refusal, StoreError, TokenDigests};

/// The hub's storage: accounts, devices, tokens, records, the change log and the audit log.
///
/// Every method is one transaction. Refusals ([`StoreError::Refused`]) leave nothing
/// behind; the caller writes the attempt to the audit log separately.
#[async_trait]
pub trait Store: Send + Sync + fmt::Debug {
    /// The backend and where it keeps its data (no password), for the start-up log.
    fn backend(&self) -> String;

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

    /// Appends to the audit log.
    async fn append_audit(&self, entries: &[AuditEntry]) -> Result<(), StoreError>;

    /// The latest `limit` audit entries, oldest first.
    async fn audit(&self, limit: u32) -> Result<Vec<AuditEntry>, StoreError>;

    /// Row counts, for tests and `admin` checks.
    async fn stats(&self) -> Result<Stats, StoreError>;
}

/// A store shared by the server's handlers.
pub type SharedStore = Arc<dyn Store>;

/// Opens the backend a URL names: `sqlite:path` or `postgres://…` (`postgresql://` too).
pub async fn open(url: &str) -> Result<SharedStore, StoreError> {
    if let Some(path) = url.strip_prefix("sqlite:") {
        let path = path.strip_prefix("//").unwrap_or(path);
        if path.is_empty() {
            return Err(StoreError::Backend(
                "sqlite: needs a file path, e.g. sqlite:doorstep-hub.db".into(),
            ));
        }
        let path = std::path::PathBuf::from(path);
        let store = tokio::task::spawn_blocking(move || crate::sqlite::SqliteStore::open(&path))
            .await
            .map_err(|e| StoreError::Backend(e.to_string()))??;
        Ok(Arc::new(store))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(crate::postgres::PgStore::connect(url).await?))
    } else {
        Err(StoreError::Backend(format!(
            "unknown database URL {:?}: use sqlite:path or postgres://…",
            redact_url(url)
        )))
    }
}

/// A database URL without its password, for logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
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
}

/// The hub's copy of a record.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRecord {
    /// The team that holds it (the team of the user who first pushed it).
    pub team_id: String,
    /// Its fields and their versions, as the merge sees them.
    pub record: Record,
}

impl StoredRecord {
    /// Reads the stored columns.
    pub fn from_columns(team_id: String, fields: &str, versions: &str) -> Result<Self, StoreError> {
        Ok(Self {
            team_id,
            record: Record::new(
                serde_json::from_str(fields)?,
                serde_json::from_str(versions)?,
            ),
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

/// What one new change does, decided before anything is written.
#[derive(Debug, Clone)]
pub struct PlannedChange {
    /// The record after the merge.
    pub record: StoredRecord,
    /// The change as applied (only the fields that took effect), as JSON for the change
    /// log; None when no field took effect (nothing to log, nothing to write).
    pub logged: Option<String>,
    /// Guarded fields where the hub kept its value.
    pub conflicts: Vec<Conflict>,
}

/// Merges `change` into the hub's copy of its record (with `doorstep_sync::merge`),
/// refusing a record held by another team.
pub fn plan_change(
    who: &Principal,
    change: &Change,
    current: Option<StoredRecord>,
) -> Result<PlannedChange, StoreError> {
    let mut stored = match current {
        Some(current) if current.team_id != who.team_id => {
            return Err(Refusal::OutOfScope {
                entity: change.entity.as_str().to_owned(),
                entity_id: change.entity_id.clone(),
            }
            .into());
        }
        Some(current) => current,
        None => StoredRecord {
            team_id: who.team_id.clone(),
            record: Record::default(),
        },
    };
    let outcome = merge_into(&mut stored.record, change);
    let logged = outcome
        .logged_change(change)
        .map(|c| serde_json::to_string(&c))
        .transpose()?;
    Ok(PlannedChange {
        record: stored,
        logged,
        conflicts: outcome.conflicts,
    })
}

/// Whether `change` sets a guarded field, so the push answer must tell the device the
/// hub's value of it (`hub_values`).
pub fn sets_guarded_field(change: &Change) -> bool {
    match change.operation {
        Operation::Delete => is_guarded(change.entity, DELETED_FIELD),
        Operation::Create | Operation::Update => {
            change.fields.keys().any(|f| is_guarded(change.entity, f))
        }
    }
}

/// The outcome of a push as it is built, change by change.
#[derive(Debug)]
pub struct PushTally {
    who: Principal,
    now: i64,
    response: PushResponse,
    /// Audit entries to write in the push's own transaction.
    pub audit: Vec<AuditEntry>,
}

impl PushTally {
    /// An empty tally for `who`'s push.
    pub fn new(who: &Principal, now: i64) -> Self {
        Self {
            who: who.clone(),
            now,
            response: PushResponse::default(),
            audit: Vec::new(),
        }
    }

    fn write_entry(&self, change: &Change, outcome: &str) -> AuditEntry {
        AuditEntry {
            at: self.now,
            user_id: Some(self.who.user_id.to_string()),
            device_id: Some(self.who.device_id.to_string()),
            action: "write".into(),
            entity: Some(change.entity.as_str().to_owned()),
            entity_id: Some(change.entity_id.clone()),
            outcome: outcome.into(),
        }
    }

    /// A change whose id the hub has seen: from this device it is a retry; from another
    /// device the id is taken and the whole push is refused.
    pub fn seen(&mut self, change: &Change, by_device: &str) -> Result<(), StoreError> {
        if by_device != self.who.device_id.to_string() {
            return Err(Refusal::ChangeIdTaken(change.change_id.to_string()).into());
        }
        self.response.already_applied.push(change.change_id);
        let entry = self.write_entry(change, "already_applied");
        self.audit.push(entry);
        Ok(())
    }

    /// A change applied now.
    pub fn applied(&mut self, change: &Change, planned: PlannedChange) {
        let outcome = if planned.conflicts.is_empty() {
            "applied"
        } else {
            "conflict"
        };
        let entry = self.write_entry(change, outcome);
        self.audit.push(entry);
        self.response.applied.push(change.change_id);
        self.response.conflicts.extend(planned.conflicts);
    }

    /// The hub's values of the guarded fields `change` set, from `record` as it is after
    /// the whole batch (for every change of the batch, the already-applied ones too).
    pub fn hub_values(&mut self, record: &StoredRecord, change: &Change) {
        self.response
            .hub_values
            .extend(hub_values(&record.record, change));
    }

    /// The response, with the change-log position after the push, and the audit entries.
    pub fn finish(mut self, counter: i64) -> (PushResponse, Vec<AuditEntry>) {
        self.response.cursor = u64::try_from(counter).unwrap_or(0);
        let outcome = format!(
            "ok: {} applied, {} already applied, {} conflicts",
            self.response.applied.len(),
            self.response.already_applied.len(),
            self.response.conflicts.len()
        );
        self.audit.push(AuditEntry::request(
            self.now,
            Some(&self.who),
            "push",
            outcome,
        ));
        (self.response, self.audit)
    }
}

/// One change-log row as stored.
#[derive(Debug, Clone)]
pub struct LogRow {
    /// Its sequence number.
    pub seq: i64,
    /// The change as applied, JSON.
    pub change: String,
}

/// Builds a pull's answer from the log rows read (at most `limit + 1`, in seq order, all
/// at or below `head`, the counter read first) and the audit entries for it.
pub fn pull_page(
    who: &Principal,
    after: u64,
    head: i64,
    rows: Vec<LogRow>,
    limit: u32,
    now: i64,
) -> Result<(PullResponse, Vec<AuditEntry>), StoreError> {
    let head = u64::try_from(head).unwrap_or(0);
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let more = rows.len() > limit;
    let mut entries = Vec::with_capacity(rows.len().min(limit));
    let mut audit = Vec::with_capacity(rows.len().min(limit) + 1);
    for row in rows.into_iter().take(limit) {
        let change: Change = serde_json::from_str(&row.change)?;
        audit.push(AuditEntry {
            at: now,
            user_id: Some(who.user_id.to_string()),
            device_id: Some(who.device_id.to_string()),
            action: "read".into(),
            entity: Some(change.entity.as_str().to_owned()),
            entity_id: Some(change.entity_id.clone()),
            outcome: "ok".into(),
        });
        entries.push(LogEntry::of_change(
            u64::try_from(row.seq).unwrap_or(0),
            change,
        ));
    }
    // With more to come, the next page starts after the last entry; otherwise every entry
    // up to the head this user may see has been sent, so the cursor jumps to the head
    // (past other teams' entries, which would only be skipped again).
    let next = match (more, entries.last()) {
        (true, Some(last)) => last.seq,
        _ => head,
    };
    audit.push(AuditEntry::request(
        now,
        Some(who),
        "pull",
        format!("ok: {} entries after {after}", entries.len()),
    ));
    Ok((
        PullResponse {
            entries,
            next,
            more,
            // A cursor past the head comes from another hub's log (or a restored backup):
            // the device must start again from 0.
            full_resync_needed: after > head,
        },
        audit,
    ))
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
    }
}
