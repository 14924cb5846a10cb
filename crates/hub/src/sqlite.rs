//! The embedded backend: one SQLite file (WAL, foreign keys on), used from blocking threads.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use crate::store::sets_guarded_field;
use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use doorstep_core::Role;
use doorstep_sync::protocol::{Change, PullResponse, PushResponse};

use crate::model::{
    AuditEntry, DeviceInfo, Principal, Refusal, StoreError, TokenDigests, syncs_records,
};
use crate::store::{
    LogRow, PlannedChange, PushTally, Stats, Store, StoredRecord, plan_change, pull_page,
};

/// The embedded migrations, applied in order; forward only.
const MIGRATIONS: &[(i64, &str)] = &[(1, include_str!("../migrations/sqlite/0001_initial.sql"))];

/// The hub's SQLite database. One connection, serialised behind a mutex: SQLite takes one
/// writer at a time anyway, and every push is a single short transaction.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    path: PathBuf,
    conn: Arc<Mutex<Connection>>,
}

impl SqliteStore {
    /// Opens (creating if need be) the database at `path` and brings its schema up to date.
    #[allow(
        clippy::disallowed_methods,
        reason = "the hub's database is not the app's encrypted store: plain SQLite, no key \
                  (the server's disk encryption protects it at rest)"
    )]
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: an acknowledged push survives a power cut, not just a killed process.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrate(&mut conn)?;
        Ok(Self {
            path: path.to_owned(),
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `f` on the connection on a blocking thread.
    async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            // A panic mid-transaction rolls it back as the transaction drops, so the
            // connection behind a poisoned lock is still sound.
            let mut conn = conn.lock().unwrap_or_else(PoisonError::into_inner);
            f(&mut conn)
        })
        .await
        .map_err(|e| StoreError::Backend(format!("database task failed: {e}")))?
    }

    /// Runs `f` in one immediate (write-locking) transaction, committed when it returns Ok.
    async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        })
        .await
    }
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    INTEGER PRIMARY KEY,
             applied_at INTEGER NOT NULL
         )",
    )?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let current: i64 = tx.query_row(
        "SELECT coalesce(max(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )?;
    for (version, sql) in MIGRATIONS {
        if *version > current {
            tx.execute_batch(sql)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
                params![version, chrono::Utc::now().timestamp_millis()],
            )?;
        }
    }
    tx.commit()?;
    Ok(())
}

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Finds one row by id or by name; a name shared by several rows is ambiguous.
fn resolve(tx: &Transaction<'_>, table: &str, what: &str, key: &str) -> Result<String, StoreError> {
    let by_id: Option<String> = tx
        .query_row(
            &format!("SELECT id FROM {table} WHERE id = ?1"),
            [key],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(id) = by_id {
        return Ok(id);
    }
    let mut stmt = tx.prepare(&format!("SELECT id FROM {table} WHERE name = ?1 LIMIT 2"))?;
    let ids: Vec<String> = stmt
        .query_map([key], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    match ids.as_slice() {
        [id] => Ok(id.clone()),
        [] => Err(Refusal::NotFound(format!("{what} {key:?}")).into()),
        _ => Err(Refusal::Ambiguous(format!("{what} {key:?}")).into()),
    }
}

fn principal_of_device(tx: &Transaction<'_>, device_id: &str) -> Result<Principal, StoreError> {
    let row: (String, String, String, String, String, String) = tx
        .prepare_cached(
            "SELECT u.id, u.name, u.role, u.team_id, o.id, o.name
             FROM devices d JOIN users u ON u.id = d.user_id
             JOIN teams t ON t.id = u.team_id JOIN organisations o ON o.id = t.org_id
             WHERE d.id = ?1",
        )?
        .query_row([device_id], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?;
    let (user_id, user_name, role, team_id, org_id, org_name) = row;
    Principal::from_columns(
        device_id, &user_id, user_name, &role, team_id, &org_id, org_name,
    )
}

fn insert_tokens(
    tx: &Transaction<'_>,
    device_id: &str,
    tokens: &TokenDigests,
    now: i64,
) -> Result<(), StoreError> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO tokens (token_hash, device_id, kind, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    stmt.execute(params![
        tokens.access,
        device_id,
        "access",
        now,
        tokens.access_expires_at
    ])?;
    stmt.execute(params![
        tokens.refresh,
        device_id,
        "refresh",
        now,
        tokens.refresh_expires_at
    ])?;
    Ok(())
}

fn insert_audit(tx: &Transaction<'_>, entries: &[AuditEntry]) -> Result<(), StoreError> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO audit_log (at, user_id, device_id, action, entity, entity_id, outcome)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for e in entries {
        stmt.execute(params![
            e.at,
            e.user_id,
            e.device_id,
            e.action,
            e.entity,
            e.entity_id,
            e.outcome
        ])?;
    }
    Ok(())
}

fn load_record(
    tx: &Transaction<'_>,
    entity: &str,
    entity_id: &str,
) -> Result<Option<StoredRecord>, StoreError> {
    let row: Option<(String, String, String)> = tx
        .prepare_cached(
            "SELECT team_id, fields, field_versions FROM records
             WHERE entity = ?1 AND entity_id = ?2",
        )?
        .query_row([entity, entity_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    row.map(|(team_id, fields, versions)| StoredRecord::from_columns(team_id, &fields, &versions))
        .transpose()
}

/// Writes one planned change: conflicts, then (when a field took effect) the record and a
/// change-log entry numbered from the counter row. Returns the entry's seq.
fn apply_planned(
    tx: &Transaction<'_>,
    who: &Principal,
    change: &Change,
    planned: &PlannedChange,
    now: i64,
) -> Result<Option<i64>, StoreError> {
    let (entity, entity_id) = (change.entity.as_str(), change.entity_id.as_str());
    let (device_id, user_id) = (who.device_id.to_string(), who.user_id.to_string());
    let change_id = change.change_id.to_string();
    let mut conflict = tx.prepare_cached(
        "INSERT INTO conflicts (change_id, entity, entity_id, field, conflict, device_id,
                                user_id, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for c in &planned.conflicts {
        conflict.execute(params![
            change_id,
            entity,
            entity_id,
            c.field,
            serde_json::to_string(c)?,
            device_id,
            user_id,
            now
        ])?;
    }
    let Some(logged) = &planned.logged else {
        return Ok(None);
    };
    let seq: i64 = tx
        .prepare_cached(
            "UPDATE counters SET value = value + 1 WHERE name = 'change_log' RETURNING value",
        )?
        .query_row([], |r| r.get(0))?;
    let record = &planned.record;
    tx.prepare_cached(
        "INSERT INTO records (entity, entity_id, team_id, fields, field_versions, tombstone,
                              updated_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (entity, entity_id) DO UPDATE SET
             fields = excluded.fields, field_versions = excluded.field_versions,
             tombstone = excluded.tombstone, updated_seq = excluded.updated_seq",
    )?
    .execute(params![
        entity,
        entity_id,
        record.team_id,
        record.fields_json()?,
        record.versions_json()?,
        record.tombstone(),
        seq
    ])?;
    tx.prepare_cached(
        "INSERT INTO change_log (seq, change_id, entity, entity_id, team_id, operation, change,
                                 device_id, user_id, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        seq,
        change_id,
        entity,
        entity_id,
        record.team_id,
        crate::store::operation_str(change.operation),
        logged,
        device_id,
        user_id,
        now
    ])?;
    Ok(Some(seq))
}

fn counter(tx: &Transaction<'_>) -> Result<i64, StoreError> {
    Ok(tx
        .prepare_cached("SELECT value FROM counters WHERE name = 'change_log'")?
        .query_row([], |r| r.get(0))?)
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> String {
        format!("sqlite:{}", self.path.display())
    }

    async fn create_org(&self, name: &str, now: i64) -> Result<String, StoreError> {
        let name = name.to_owned();
        self.write(move |tx| {
            let exists: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM organisations WHERE name = ?1)",
                [&name],
                |r| r.get(0),
            )?;
            if exists {
                return Err(Refusal::Duplicate(format!("organisation {name:?}")).into());
            }
            let id = new_id();
            tx.execute(
                "INSERT INTO organisations (id, name, created_at) VALUES (?1, ?2, ?3)",
                params![id, name, now],
            )?;
            Ok(id)
        })
        .await
    }

    async fn add_team(&self, org: &str, name: &str, now: i64) -> Result<String, StoreError> {
        let (org, name) = (org.to_owned(), name.to_owned());
        self.write(move |tx| {
            let org_id = resolve(tx, "organisations", "organisation", &org)?;
            let exists: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM teams WHERE org_id = ?1 AND name = ?2)",
                [&org_id, &name],
                |r| r.get(0),
            )?;
            if exists {
                return Err(Refusal::Duplicate(format!("team {name:?}")).into());
            }
            let id = new_id();
            tx.execute(
                "INSERT INTO teams (id, org_id, name, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![id, org_id, name, now],
            )?;
            Ok(id)
        })
        .await
    }

    async fn add_user(
        &self,
        team: &str,
        name: &str,
        role: Role,
        now: i64,
    ) -> Result<String, StoreError> {
        let (team, name) = (team.to_owned(), name.to_owned());
        self.write(move |tx| {
            let team_id = resolve(tx, "teams", "team", &team)?;
            let id = new_id();
            tx.execute(
                "INSERT INTO users (id, team_id, name, role, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, team_id, name, role.as_str(), now],
            )?;
            Ok(id)
        })
        .await
    }

    async fn add_enrolment_code(
        &self,
        user: &str,
        code_digest: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<String, StoreError> {
        let (user, digest) = (user.to_owned(), code_digest.to_owned());
        self.write(move |tx| {
            let user_id = resolve(tx, "users", "user", &user)?;
            tx.execute(
                "INSERT INTO enrolment_codes (code_hash, user_id, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![digest, user_id, now, expires_at],
            )?;
            Ok(user_id)
        })
        .await
    }

    async fn revoke_device(&self, device_id: &str, now: i64) -> Result<(), StoreError> {
        let device_id = device_id.to_owned();
        self.write(move |tx| {
            let changed = tx.execute(
                "UPDATE devices SET revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1",
                params![device_id, now],
            )?;
            if changed == 0 {
                return Err(Refusal::NotFound(format!("device {device_id:?}")).into());
            }
            tx.execute(
                "UPDATE tokens SET expires_at = min(expires_at, ?2) WHERE device_id = ?1",
                params![device_id, now],
            )?;
            Ok(())
        })
        .await
    }

    async fn devices(&self) -> Result<Vec<DeviceInfo>, StoreError> {
        self.run(|conn| {
            let mut stmt = conn
                .prepare("SELECT id, user_id, name, revoked_at FROM devices ORDER BY created_at")?;
            let rows = stmt
                .query_map([], |r| {
                    Ok(DeviceInfo {
                        id: r.get(0)?,
                        user_id: r.get(1)?,
                        name: r.get(2)?,
                        revoked_at: r.get(3)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn enrol(
        &self,
        code_digest: &str,
        device_id: &str,
        device_name: &str,
        tokens: &TokenDigests,
        now: i64,
    ) -> Result<Principal, StoreError> {
        let (digest, device_id, name, tokens) = (
            code_digest.to_owned(),
            device_id.to_owned(),
            device_name.to_owned(),
            tokens.clone(),
        );
        self.write(move |tx| {
            let code: Option<(String, i64, Option<i64>)> = tx
                .query_row(
                    "SELECT user_id, expires_at, used_at FROM enrolment_codes WHERE code_hash = ?1",
                    [&digest],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let Some((user_id, expires_at, used_at)) = code else {
                return Err(Refusal::UnknownCode.into());
            };
            if used_at.is_some() {
                return Err(Refusal::CodeUsed.into());
            }
            if expires_at <= now {
                return Err(Refusal::CodeExpired.into());
            }
            let taken: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM devices WHERE id = ?1)",
                [&device_id],
                |r| r.get(0),
            )?;
            if taken {
                return Err(Refusal::Duplicate(format!("device {device_id}")).into());
            }
            tx.execute(
                "UPDATE enrolment_codes SET used_at = ?2, device_id = ?3 WHERE code_hash = ?1",
                params![digest, now, device_id],
            )?;
            tx.execute(
                "INSERT INTO devices (id, user_id, name, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![device_id, user_id, name, now],
            )?;
            tx.execute(
                "INSERT INTO device_cursors (device_id, pulled_seq, updated_at) VALUES (?1, 0, ?2)",
                params![device_id, now],
            )?;
            insert_tokens(tx, &device_id, &tokens, now)?;
            principal_of_device(tx, &device_id)
        })
        .await
    }

    async fn refresh(
        &self,
        refresh_digest: &str,
        claimed_device: &str,
        tokens: &TokenDigests,
        now: i64,
    ) -> Result<Result<Principal, Refusal>, StoreError> {
        let (digest, claimed, tokens) = (
            refresh_digest.to_owned(),
            claimed_device.to_owned(),
            tokens.clone(),
        );
        self.write(move |tx| {
            let found: Option<(String, i64, Option<i64>, Option<i64>)> = tx
                .query_row(
                    "SELECT t.device_id, t.expires_at, t.used_at, d.revoked_at
                     FROM tokens t JOIN devices d ON d.id = t.device_id
                     WHERE t.token_hash = ?1 AND t.kind = 'refresh'",
                    [&digest],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?;
            let Some((device_id, expires_at, used_at, revoked_at)) = found else {
                return Ok(Err(Refusal::UnknownToken));
            };
            if device_id != claimed {
                return Ok(Err(Refusal::ForgedDevice));
            }
            if revoked_at.is_some() {
                return Ok(Err(Refusal::DeviceRevoked { device_id }));
            }
            if used_at.is_some() {
                // A spent refresh token came back: someone holds a copy. Withdraw every
                // token of the device (committed: this is the point of the check).
                tx.execute(
                    "UPDATE tokens SET expires_at = min(expires_at, ?2) WHERE device_id = ?1",
                    params![device_id, now],
                )?;
                return Ok(Err(Refusal::TokenReplayed));
            }
            if expires_at <= now {
                return Ok(Err(Refusal::TokenExpired));
            }
            tx.execute(
                "UPDATE tokens SET used_at = ?2 WHERE token_hash = ?1",
                params![digest, now],
            )?;
            insert_tokens(tx, &device_id, &tokens, now)?;
            Ok(Ok(principal_of_device(tx, &device_id)?))
        })
        .await
    }

    async fn authenticate(&self, access_digest: &str, now: i64) -> Result<Principal, StoreError> {
        let digest = access_digest.to_owned();
        self.run(move |conn| {
            let tx = conn.transaction()?;
            let found: Option<(String, i64, Option<i64>)> = tx
                .prepare_cached(
                    "SELECT t.device_id, t.expires_at, d.revoked_at
                     FROM tokens t JOIN devices d ON d.id = t.device_id
                     WHERE t.token_hash = ?1 AND t.kind = 'access'",
                )?
                .query_row([&digest], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()?;
            let Some((device_id, expires_at, revoked_at)) = found else {
                return Err(Refusal::UnknownToken.into());
            };
            if revoked_at.is_some() {
                return Err(Refusal::DeviceRevoked { device_id }.into());
            }
            if expires_at <= now {
                return Err(Refusal::TokenExpired.into());
            }
            principal_of_device(&tx, &device_id)
        })
        .await
    }

    async fn push(
        &self,
        who: &Principal,
        changes: &[Change],
        now: i64,
    ) -> Result<PushResponse, StoreError> {
        let (who, changes) = (who.clone(), changes.to_vec());
        self.write(move |tx| {
            let device_id = who.device_id.to_string();
            let mut tally = PushTally::new(&who, now);
            for change in &changes {
                let change_id = change.change_id.to_string();
                let seen: Option<String> = tx
                    .prepare_cached("SELECT device_id FROM applied_changes WHERE change_id = ?1")?
                    .query_row([&change_id], |r| r.get(0))
                    .optional()?;
                if let Some(by_device) = seen {
                    tally.seen(change, &by_device)?;
                    continue;
                }
                let current = load_record(tx, change.entity.as_str(), &change.entity_id)?;
                let planned = plan_change(&who, change, current)?;
                let seq = apply_planned(tx, &who, change, &planned, now)?;
                tx.prepare_cached(
                    "INSERT INTO applied_changes (change_id, device_id, seq, applied_at)
                     VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![change_id, device_id, seq, now])?;
                tally.applied(change, planned);
            }
            for change in changes.iter().filter(|c| sets_guarded_field(c)) {
                if let Some(record) = load_record(tx, change.entity.as_str(), &change.entity_id)? {
                    tally.hub_values(&record, change);
                }
            }
            if let Some(last) = changes.last() {
                tx.execute(
                    "UPDATE device_cursors SET last_change_id = ?2, updated_at = ?3
                     WHERE device_id = ?1",
                    params![device_id, last.change_id.to_string(), now],
                )?;
            }
            let (response, audit) = tally.finish(counter(tx)?);
            insert_audit(tx, &audit)?;
            Ok(response)
        })
        .await
    }

    async fn pull(
        &self,
        who: &Principal,
        after: u64,
        limit: u32,
        now: i64,
    ) -> Result<PullResponse, StoreError> {
        let who = who.clone();
        self.write(move |tx| {
            let device_id = who.device_id.to_string();
            // The head first: every entry at or below it is committed.
            let head = counter(tx)?;
            let after_i = i64::try_from(after).unwrap_or(i64::MAX);
            let rows = if syncs_records(who.role) {
                let mut stmt = tx.prepare_cached(
                    "SELECT seq, change FROM change_log
                     WHERE team_id = ?1 AND seq > ?2 AND seq <= ?3 ORDER BY seq LIMIT ?4",
                )?;
                stmt.query_map(
                    params![who.team_id, after_i, head, i64::from(limit) + 1],
                    |r| {
                        Ok(LogRow {
                            seq: r.get(0)?,
                            change: r.get(1)?,
                        })
                    },
                )?
                .collect::<Result<Vec<_>, _>>()?
            } else {
                Vec::new()
            };
            let (response, audit) = pull_page(&who, after, head, rows, limit, now)?;
            tx.execute(
                "INSERT INTO device_cursors (device_id, pulled_seq, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (device_id) DO UPDATE SET pulled_seq = excluded.pulled_seq,
                     updated_at = excluded.updated_at",
                params![device_id, after_i, now],
            )?;
            insert_audit(tx, &audit)?;
            Ok(response)
        })
        .await
    }

    async fn append_audit(&self, entries: &[AuditEntry]) -> Result<(), StoreError> {
        let entries = entries.to_vec();
        self.write(move |tx| insert_audit(tx, &entries)).await
    }

    async fn audit(&self, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        self.run(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT at, user_id, device_id, action, entity, entity_id, outcome
                 FROM audit_log ORDER BY id DESC LIMIT ?1",
            )?;
            let mut rows = stmt
                .query_map([limit], |r| {
                    Ok(AuditEntry {
                        at: r.get(0)?,
                        user_id: r.get(1)?,
                        device_id: r.get(2)?,
                        action: r.get(3)?,
                        entity: r.get(4)?,
                        entity_id: r.get(5)?,
                        outcome: r.get(6)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            rows.reverse();
            Ok(rows)
        })
        .await
    }

    async fn stats(&self) -> Result<Stats, StoreError> {
        self.run(|conn| {
            let count = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0));
            Ok(Stats {
                records: count("SELECT count(*) FROM records")?,
                change_log: count("SELECT count(*) FROM change_log")?,
                applied_changes: count("SELECT count(*) FROM applied_changes")?,
                conflicts: count("SELECT count(*) FROM conflicts")?,
                counter: count("SELECT value FROM counters WHERE name = 'change_log'")?,
                audit: count("SELECT count(*) FROM audit_log")?,
            })
        })
        .await
    }
}
