//! The embedded backend: one SQLite file (WAL, foreign keys on), used from blocking threads.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use doorstep_core::{Hlc, Role};
use doorstep_sync::protocol::{AttachmentReceipt, Change, EntityKind, PullResponse, PushResponse};

use crate::access;
use crate::conflicts::HubIdentity;
use crate::credentials::{
    CodeRow, RefreshVerdict, TokenRow, judge_access, judge_enrol, judge_refresh,
};
use crate::model::{AuditEntry, DeviceInfo, Principal, Refusal, StoreError, TokenDigests};
use crate::pull::{LogRow, needs_full_resync, pull_page, start_again};
use crate::purge::{DAY_MS, EntryMeta, RecordMeta, plan_purge};
use crate::push::{NewEntry, PushInputs, PushPlan, RecordKey, keys_of};
use crate::store::{Purged, Stats, Store, StoredAttachment, StoredRecord, Transfer};
use crate::transfer::{plan_transfer, records_to_move};

/// The embedded migrations, applied in order; forward only.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/sqlite/0001_initial.sql")),
    (2, include_str!("../migrations/sqlite/0002_sync_scope.sql")),
    (3, include_str!("../migrations/sqlite/0003_portal.sql")),
    (
        4,
        include_str!("../migrations/sqlite/0004_withdrawn_tokens.sql"),
    ),
];

/// The hub's SQLite database. One connection, serialised behind a mutex: SQLite takes one
/// writer at a time anyway, and every push is a single short transaction.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    path: PathBuf,
    conn: Arc<Mutex<Connection>>,
    hub: HubIdentity,
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
        let hub = hub_identity(&mut conn)?;
        Ok(Self {
            path: path.to_owned(),
            conn: Arc::new(Mutex::new(conn)),
            hub,
        })
    }

    /// Runs `f` on the connection on a blocking thread.
    async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        run_on(&self.conn, f).await
    }

    /// Runs `f` in one immediate (write-locking) transaction, committed when it returns Ok.
    async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        write_on(&self.conn, f).await
    }
}

/// Runs `f` on the shared connection on a blocking thread (the sync store and the portal
/// share it).
pub(crate) async fn run_on<T, F>(conn: &Arc<Mutex<Connection>>, f: F) -> Result<T, StoreError>
where
    T: Send + 'static,
    F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
{
    let conn = Arc::clone(conn);
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
pub(crate) async fn write_on<T, F>(conn: &Arc<Mutex<Connection>>, f: F) -> Result<T, StoreError>
where
    T: Send + 'static,
    F: FnOnce(&Transaction<'_>) -> Result<T, StoreError> + Send + 'static,
{
    run_on(conn, move |conn| {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    })
    .await
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

/// A token's row as the refresh and access queries select it: device, expiry, spent,
/// revoked, withdrawn.
fn token_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TokenRow> {
    Ok(TokenRow {
        device_id: r.get(0)?,
        expires_at: r.get(1)?,
        used_at: r.get(2)?,
        revoked_at: r.get(3)?,
        withdrawn_at: r.get(4)?,
    })
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

/// Appends audit lines (the portal writes its own through this too).
pub(crate) fn insert_audit(tx: &Transaction<'_>, entries: &[AuditEntry]) -> Result<(), StoreError> {
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

/// The hub's identity, made on first start and kept for ever.
fn hub_identity(conn: &mut Connection) -> Result<HubIdentity, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    for name in ["hub_device_id", "hub_officer_id"] {
        tx.execute(
            "INSERT INTO hub_settings (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING",
            params![name, uuid::Uuid::now_v7().to_string()],
        )?;
    }
    let read = |name: &str| -> Result<String, StoreError> {
        Ok(tx.query_row(
            "SELECT value FROM hub_settings WHERE name = ?1",
            [name],
            |r| r.get(0),
        )?)
    };
    let damaged = |_| StoreError::Backend("the hub's stored identity is damaged".into());
    let hub = HubIdentity {
        device_id: read("hub_device_id")?.parse().map_err(damaged)?,
        officer_id: read("hub_officer_id")?.parse().map_err(damaged)?,
    };
    tx.commit()?;
    Ok(hub)
}

/// The last reading of the hub's clock.
fn hub_clock(tx: &Transaction<'_>) -> Result<Option<Hlc>, StoreError> {
    let text: Option<String> = tx
        .query_row(
            "SELECT value FROM hub_settings WHERE name = 'hub_hlc'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    text.map(|t| {
        t.parse()
            .map_err(|_| StoreError::Backend("the hub's stored clock is damaged".into()))
    })
    .transpose()
}

/// Writes a change the hub made to one record: the record, its log entry under the next
/// counter value, and the hub's clock. Returns the entry's seq.
pub(crate) fn write_hub_change(
    tx: &Transaction<'_>,
    record: &StoredRecord,
    change: &Change,
    now: i64,
) -> Result<i64, StoreError> {
    let seq = counter(tx)? + 1;
    let key = (change.entity, change.entity_id.clone());
    write_records(tx, [(&key, record, seq)])?;
    append_entries(
        tx,
        &[NewEntry::of_hub_change(seq, change, &record.team_id, now)?],
    )?;
    set_counter(tx, "change_log", seq)?;
    set_hub_clock(tx, change.hlc)?;
    Ok(seq)
}

fn set_hub_clock(tx: &Transaction<'_>, hlc: Hlc) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO hub_settings (name, value) VALUES ('hub_hlc', ?1)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        [hlc.to_string()],
    )?;
    Ok(())
}

fn entity_of(text: &str) -> Result<EntityKind, StoreError> {
    EntityKind::parse(text)
        .ok_or_else(|| StoreError::Backend(format!("stored entity {text:?} is damaged")))
}

/// The hub's copies of these records, those that exist.
fn read_records(
    tx: &Transaction<'_>,
    keys: &[RecordKey],
) -> Result<HashMap<RecordKey, StoredRecord>, StoreError> {
    let mut stmt = tx.prepare_cached(
        "SELECT team_id, fields, field_versions, tombstoned_at FROM records
         WHERE entity = ?1 AND entity_id = ?2",
    )?;
    let mut found = HashMap::with_capacity(keys.len());
    for key in keys {
        let row: Option<(String, String, String, Option<i64>)> = stmt
            .query_row(params![key.0.as_str(), key.1], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()?;
        if let Some((team, fields, versions, tombstoned_at)) = row {
            found.insert(
                key.clone(),
                StoredRecord::from_columns(team, &fields, &versions, tombstoned_at)?,
            );
        }
    }
    Ok(found)
}

fn write_records<'a>(
    tx: &Transaction<'_>,
    rows: impl IntoIterator<Item = (&'a RecordKey, &'a StoredRecord, i64)>,
) -> Result<(), StoreError> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO records (entity, entity_id, team_id, fields, field_versions, tombstone,
                              updated_seq, tombstoned_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (entity, entity_id) DO UPDATE SET
             team_id = excluded.team_id, fields = excluded.fields,
             field_versions = excluded.field_versions, tombstone = excluded.tombstone,
             updated_seq = excluded.updated_seq, tombstoned_at = excluded.tombstoned_at",
    )?;
    for ((entity, entity_id), record, seq) in rows {
        stmt.execute(params![
            entity.as_str(),
            entity_id,
            record.team_id,
            record.fields_json()?,
            record.versions_json()?,
            record.tombstone(),
            seq,
            record.tombstoned_at
        ])?;
    }
    Ok(())
}

fn append_entries(tx: &Transaction<'_>, entries: &[NewEntry]) -> Result<(), StoreError> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO change_log (seq, change_id, entity, entity_id, team_id, operation, change,
                                 device_id, user_id, at, kind)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    for e in entries {
        stmt.execute(params![
            e.seq,
            e.change_id,
            e.entity.as_str(),
            e.entity_id,
            e.team_id,
            e.operation,
            e.body,
            e.device_id,
            e.user_id,
            e.at,
            e.kind.as_str()
        ])?;
    }
    Ok(())
}

fn set_counter(tx: &Transaction<'_>, name: &str, value: i64) -> Result<(), StoreError> {
    tx.prepare_cached("UPDATE counters SET value = ?2 WHERE name = ?1")?
        .execute(params![name, value])?;
    Ok(())
}

fn named_counter(tx: &Transaction<'_>, name: &str) -> Result<i64, StoreError> {
    Ok(tx
        .prepare_cached("SELECT value FROM counters WHERE name = ?1")?
        .query_row([name], |r| r.get(0))?)
}

/// The names of the users of these devices.
fn user_names(
    tx: &Transaction<'_>,
    devices: &[String],
) -> Result<HashMap<String, String>, StoreError> {
    let mut stmt = tx.prepare_cached(
        "SELECT u.name FROM devices d JOIN users u ON u.id = d.user_id WHERE d.id = ?1",
    )?;
    let mut names = HashMap::new();
    for device in devices {
        if let Some(name) = stmt
            .query_row([device], |r| r.get::<_, String>(0))
            .optional()?
        {
            names.insert(device.clone(), name);
        }
    }
    Ok(names)
}

/// Flags every device of `user_id` to start again from 0 at its next pull.
fn flag_resync(tx: &Transaction<'_>, user_id: &str, now: i64) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE device_cursors SET resync_needed = 1, updated_at = ?2
         WHERE device_id IN (SELECT id FROM devices WHERE user_id = ?1)",
        params![user_id, now],
    )?;
    Ok(())
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

    fn hub_identity(&self) -> HubIdentity {
        self.hub
    }

    fn portal(&self) -> Option<crate::portal::SharedPortalStore> {
        Some(Arc::new(crate::portal::sqlite::SqlitePortal::new(
            Arc::clone(&self.conn),
        )))
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
            let code = tx
                .query_row(
                    "SELECT user_id, expires_at, used_at FROM enrolment_codes WHERE code_hash = ?1",
                    [&digest],
                    |r| {
                        Ok(CodeRow {
                            user_id: r.get(0)?,
                            expires_at: r.get(1)?,
                            used_at: r.get(2)?,
                        })
                    },
                )
                .optional()?;
            let taken: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM devices WHERE id = ?1)",
                [&device_id],
                |r| r.get(0),
            )?;
            let user_id = judge_enrol(code, taken, &device_id, now)?;
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
            let found = tx
                .query_row(
                    "SELECT t.device_id, t.expires_at, t.used_at, d.revoked_at, t.withdrawn_at
                     FROM tokens t JOIN devices d ON d.id = t.device_id
                     WHERE t.token_hash = ?1 AND t.kind = 'refresh'",
                    [&digest],
                    token_row,
                )
                .optional()?;
            let device_id = match judge_refresh(found, &claimed, now) {
                RefreshVerdict::Grant { device_id } => device_id,
                RefreshVerdict::Refuse(refusal) => return Ok(Err(refusal)),
                RefreshVerdict::WithdrawAndRefuse { device_id } => {
                    tx.execute(
                        "UPDATE tokens SET withdrawn_at = coalesce(withdrawn_at, ?2) WHERE device_id = ?1",
                        params![device_id, now],
                    )?;
                    return Ok(Err(Refusal::TokenReplayed));
                }
            };
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
            let found = tx
                .prepare_cached(
                    "SELECT t.device_id, t.expires_at, NULL, d.revoked_at, t.withdrawn_at
                     FROM tokens t JOIN devices d ON d.id = t.device_id
                     WHERE t.token_hash = ?1 AND t.kind = 'access'",
                )?
                .query_row([&digest], token_row)
                .optional()?;
            let device_id = judge_access(found, now)?;
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
        let (who, changes, hub) = (who.clone(), changes.to_vec(), self.hub);
        self.write(move |tx| {
            let device_id = who.device_id.to_string();
            let mut seen = HashMap::new();
            {
                let mut stmt = tx
                    .prepare_cached("SELECT device_id FROM applied_changes WHERE change_id = ?1")?;
                for change in &changes {
                    if let Some(by) = stmt
                        .query_row([change.change_id.to_string()], |r| r.get::<_, String>(0))
                        .optional()?
                    {
                        seen.insert(change.change_id, by);
                    }
                }
            }
            let inputs = PushInputs {
                seen,
                records: read_records(tx, &keys_of(&changes))?,
                counter: counter(tx)?,
            };
            let mut plan = PushPlan::new(&who, &changes, inputs, now)?;
            if plan.raised_conflicts() {
                let names = user_names(tx, &plan.kept_devices())?;
                if let Some(last) = plan.raise_conflict_records(hub, hub_clock(tx)?, &names)? {
                    set_hub_clock(tx, last)?;
                }
            }
            write_records(tx, plan.records_to_write())?;
            append_entries(tx, &plan.entries)?;
            {
                let mut stmt = tx.prepare_cached(
                    "INSERT INTO applied_changes (change_id, device_id, seq, applied_at)
                     VALUES (?1, ?2, ?3, ?4)",
                )?;
                for row in &plan.applied {
                    stmt.execute(params![row.change_id, device_id, row.seq, now])?;
                }
                let mut stmt = tx.prepare_cached(
                    "INSERT INTO conflicts (change_id, entity, entity_id, field, conflict,
                                            device_id, user_id, at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )?;
                let user_id = who.user_id.to_string();
                for c in &plan.conflict_rows {
                    stmt.execute(params![
                        c.change_id,
                        c.entity,
                        c.entity_id,
                        c.field,
                        c.body,
                        device_id,
                        user_id,
                        now
                    ])?;
                }
            }
            set_counter(tx, "change_log", plan.counter())?;
            if let Some(last) = changes.last() {
                tx.prepare_cached(
                    "UPDATE device_cursors SET last_change_id = ?2, updated_at = ?3
                     WHERE device_id = ?1",
                )?
                .execute(params![device_id, last.change_id.to_string(), now])?;
            }
            let (response, audit) = plan.finish(&changes);
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
            let horizon = named_counter(tx, "horizon")?;
            let flagged: bool = tx
                .prepare_cached("SELECT resync_needed FROM device_cursors WHERE device_id = ?1")?
                .query_row([&device_id], |r| r.get(0))
                .optional()?
                .unwrap_or(false);
            let after_i = i64::try_from(after).unwrap_or(i64::MAX);
            let (response, audit) = if needs_full_resync(after, head, horizon, flagged) {
                start_again(&who, after, now)
            } else {
                let entities: Vec<String> = access::entities_for(who.role)
                    .iter()
                    .map(|e| format!("'{}'", e.as_str()))
                    .collect();
                let rows = if entities.is_empty() {
                    Vec::new()
                } else {
                    // The names are the protocol's own constants, never the caller's text.
                    let sql = format!(
                        "SELECT seq, kind, change FROM change_log
                         WHERE team_id = ?1 AND seq > ?2 AND seq <= ?3
                           AND entity IN ({})
                         ORDER BY seq LIMIT ?4",
                        entities.join(", ")
                    );
                    let mut stmt = tx.prepare_cached(&sql)?;
                    stmt.query_map(
                        params![who.team_id, after_i, head, i64::from(limit) + 1],
                        |r| {
                            Ok(LogRow {
                                seq: r.get(0)?,
                                kind: r.get(1)?,
                                body: r.get(2)?,
                            })
                        },
                    )?
                    .collect::<Result<Vec<_>, _>>()?
                };
                pull_page(&who, after, head, rows, limit, now)?
            };
            let clear = if after == 0 {
                ", resync_needed = 0"
            } else {
                ""
            };
            tx.execute(
                &format!(
                    "INSERT INTO device_cursors (device_id, pulled_seq, updated_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT (device_id) DO UPDATE SET pulled_seq = excluded.pulled_seq,
                         updated_at = excluded.updated_at{clear}"
                ),
                params![device_id, after_i, now],
            )?;
            insert_audit(tx, &audit)?;
            Ok(response)
        })
        .await
    }

    async fn put_attachment(
        &self,
        who: &Principal,
        sha256: &str,
        bytes: Vec<u8>,
        media_type: &str,
        now: i64,
    ) -> Result<AttachmentReceipt, StoreError> {
        let (who, sha256, media_type) = (who.clone(), sha256.to_owned(), media_type.to_owned());
        self.write(move |tx| {
            let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
            let already_stored: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM attachments WHERE sha256 = ?1)",
                [&sha256],
                |r| r.get(0),
            )?;
            if !already_stored {
                tx.execute(
                    "INSERT INTO attachments (sha256, bytes, size, media_type, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![sha256, bytes, size, media_type, now],
                )?;
            }
            tx.execute(
                "INSERT INTO attachment_teams (sha256, team_id, device_id, user_id, at)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (sha256, team_id) DO NOTHING",
                params![
                    sha256,
                    who.team_id,
                    who.device_id.to_string(),
                    who.user_id.to_string(),
                    now
                ],
            )?;
            let receipt = AttachmentReceipt {
                sha256,
                bytes: u64::try_from(size).unwrap_or(0),
                already_stored,
            };
            insert_audit(tx, &[crate::attachments::upload_audit(&who, &receipt, now)])?;
            Ok(receipt)
        })
        .await
    }

    async fn get_attachment(
        &self,
        who: &Principal,
        sha256: &str,
        now: i64,
    ) -> Result<Option<StoredAttachment>, StoreError> {
        let (who, sha256) = (who.clone(), sha256.to_owned());
        self.write(move |tx| {
            let found = tx
                .query_row(
                    "SELECT a.bytes, a.media_type FROM attachments a
                     JOIN attachment_teams t ON t.sha256 = a.sha256
                     WHERE a.sha256 = ?1 AND t.team_id = ?2",
                    params![sha256, who.team_id],
                    |r| {
                        Ok(StoredAttachment {
                            bytes: r.get(0)?,
                            media_type: r.get(1)?,
                        })
                    },
                )
                .optional()?;
            if found.is_some() {
                insert_audit(
                    tx,
                    &[crate::attachments::download_audit(&who, &sha256, now)],
                )?;
            }
            Ok(found)
        })
        .await
    }

    async fn transfer_household(
        &self,
        household_id: &str,
        team: &str,
        now: i64,
    ) -> Result<Transfer, StoreError> {
        let (household_id, team, hub) = (household_id.to_owned(), team.to_owned(), self.hub);
        self.write(move |tx| {
            let to_team = resolve(tx, "teams", "team", &team)?;
            let from_team: String = tx
                .query_row(
                    "SELECT team_id FROM records WHERE entity = 'household' AND entity_id = ?1",
                    [&household_id],
                    |r| r.get(0),
                )
                .optional()?
                .ok_or_else(|| Refusal::NotFound(format!("household {household_id:?}")))?;
            let same_org: bool = tx.query_row(
                "SELECT (SELECT org_id FROM teams WHERE id = ?1) = (SELECT org_id FROM teams WHERE id = ?2)",
                params![from_team, to_team],
                |r| r.get(0),
            )?;
            crate::transfer::check_teams(&household_id, &from_team, &to_team, same_org)?;
            let mut records: HashMap<RecordKey, StoredRecord> = HashMap::new();
            {
                let mut stmt = tx.prepare(
                    "SELECT entity, entity_id, fields, field_versions, tombstoned_at FROM records
                     WHERE team_id = ?1",
                )?;
                let mut rows = stmt.query([&from_team])?;
                while let Some(r) = rows.next()? {
                    let entity: String = r.get(0)?;
                    let fields: String = r.get(2)?;
                    let versions: String = r.get(3)?;
                    records.insert(
                        (entity_of(&entity)?, r.get(1)?),
                        StoredRecord::from_columns(
                            from_team.clone(),
                            &fields,
                            &versions,
                            r.get(4)?,
                        )?,
                    );
                }
            }
            let refs: Vec<(RecordKey, &doorstep_sync::merge::Record)> =
                records.iter().map(|(k, r)| (k.clone(), &r.record)).collect();
            let moved = records_to_move(&household_id, &refs);
            let moving: Vec<(RecordKey, StoredRecord)> = moved
                .iter()
                .filter_map(|k| records.remove(k).map(|r| (k.clone(), r)))
                .collect();
            let plan = plan_transfer(moving, &to_team, hub, hub_clock(tx)?, counter(tx)?, now)?;
            write_records(tx, plan.records.iter().map(|(k, r, seq)| (k, r, *seq)))?;
            append_entries(tx, &plan.entries)?;
            set_counter(tx, "change_log", plan.counter)?;
            if let Some(last) = plan.clock {
                set_hub_clock(tx, last)?;
            }
            let mut grant = tx.prepare_cached(
                "INSERT INTO attachment_teams (sha256, team_id, device_id, user_id, at)
                 SELECT sha256, ?2, NULL, NULL, ?3 FROM attachments WHERE sha256 = ?1
                 ON CONFLICT (sha256, team_id) DO NOTHING",
            )?;
            for sha in &plan.attachments {
                grant.execute(params![sha, to_team, now])?;
            }
            insert_audit(tx, &plan.audit)?;
            Ok(Transfer {
                from_team,
                to_team,
                moved,
            })
        })
        .await
    }

    async fn move_user(&self, user: &str, team: &str, now: i64) -> Result<String, StoreError> {
        let (user, team) = (user.to_owned(), team.to_owned());
        self.write(move |tx| {
            let user_id = resolve(tx, "users", "user", &user)?;
            let team_id = resolve(tx, "teams", "team", &team)?;
            let changed = tx.execute(
                "UPDATE users SET team_id = ?2 WHERE id = ?1 AND team_id <> ?2",
                params![user_id, team_id],
            )?;
            if changed > 0 {
                flag_resync(tx, &user_id, now)?;
            }
            Ok(user_id)
        })
        .await
    }

    async fn set_role(&self, user: &str, role: Role, now: i64) -> Result<String, StoreError> {
        let user = user.to_owned();
        self.write(move |tx| {
            let user_id = resolve(tx, "users", "user", &user)?;
            let changed = tx.execute(
                "UPDATE users SET role = ?2 WHERE id = ?1 AND role <> ?2",
                params![user_id, role.as_str()],
            )?;
            if changed > 0 {
                flag_resync(tx, &user_id, now)?;
            }
            Ok(user_id)
        })
        .await
    }

    async fn purge(&self, tombstone_days: u32, now: i64) -> Result<Purged, StoreError> {
        self.write(move |tx| {
            let cutoff = now.saturating_sub(i64::from(tombstone_days).saturating_mul(DAY_MS));
            let newest_old: Option<i64> = tx.query_row(
                "SELECT max(seq) FROM change_log WHERE at < ?1",
                [cutoff],
                |r| r.get(0),
            )?;
            let horizon = named_counter(tx, "horizon")?.max(newest_old.unwrap_or(0));
            let mut entries = Vec::new();
            {
                let mut stmt = tx.prepare(
                    "SELECT seq, entity, entity_id, team_id, kind, change FROM change_log
                     WHERE seq <= ?1 ORDER BY seq",
                )?;
                let mut rows = stmt.query([horizon])?;
                while let Some(r) = rows.next()? {
                    let entity: String = r.get(1)?;
                    let kind: String = r.get(4)?;
                    let body: String = r.get(5)?;
                    entries.push(EntryMeta::from_row(
                        r.get(0)?,
                        &entity,
                        r.get(2)?,
                        r.get(3)?,
                        &kind,
                        &body,
                    )?);
                }
            }
            let mut records = HashMap::new();
            {
                let mut stmt = tx.prepare(
                    "SELECT entity, entity_id, team_id, field_versions, tombstoned_at, updated_seq
                     FROM records",
                )?;
                let mut rows = stmt.query([])?;
                while let Some(r) = rows.next()? {
                    let entity: String = r.get(0)?;
                    let versions: String = r.get(3)?;
                    records.insert(
                        (entity_of(&entity)?, r.get(1)?),
                        RecordMeta {
                            team_id: r.get(2)?,
                            versions: serde_json::from_str(&versions)?,
                            tombstoned_at: r.get(4)?,
                            updated_seq: r.get(5)?,
                        },
                    );
                }
            }
            let plan = plan_purge(&records, &entries, horizon, cutoff);
            let mut forget =
                tx.prepare_cached("DELETE FROM records WHERE entity = ?1 AND entity_id = ?2")?;
            for (entity, entity_id) in &plan.records {
                forget.execute(params![entity.as_str(), entity_id])?;
            }
            let mut drop = tx.prepare_cached("DELETE FROM change_log WHERE seq = ?1")?;
            for seq in &plan.entries {
                drop.execute([seq])?;
            }
            set_counter(tx, "horizon", horizon)?;
            Ok(Purged {
                horizon,
                records: plan.records.len(),
                entries: plan.entries.len(),
            })
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
                attachments: count("SELECT count(*) FROM attachments")?,
                horizon: count("SELECT value FROM counters WHERE name = 'horizon'")?,
            })
        })
        .await
    }
}
