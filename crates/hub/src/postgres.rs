//! The PostgreSQL backend: tokio-postgres behind a small deadpool pool.
//!
//! Pushes serialise on the change-log counter row (`SELECT … FOR UPDATE` first thing in
//! the transaction), so change-log entries commit in seq order and a pull that reads the
//! counter first never misses one.

use std::str::FromStr;

use crate::store::sets_guarded_field;
use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Transaction};
use doorstep_core::Role;
use doorstep_sync::protocol::{Change, PullResponse, PushResponse};
use tokio_postgres::NoTls;
use tokio_postgres::types::ToSql;

use crate::model::{
    AuditEntry, DeviceInfo, Principal, Refusal, StoreError, TokenDigests, syncs_records,
};
use crate::store::{
    LogRow, PlannedChange, PushTally, Stats, Store, StoredRecord, operation_str, plan_change,
    pull_page, redact_url,
};

/// The embedded migrations, applied in order; forward only.
const MIGRATIONS: &[(i64, &str)] = &[(1, include_str!("../migrations/postgres/0001_initial.sql"))];

/// Taken while migrating, so two hubs starting together do not both migrate.
const MIGRATION_LOCK: i64 = 0x646f_6f72_7374_6570; // "doorstep"

/// The hub's PostgreSQL database.
#[derive(Clone)]
pub struct PgStore {
    url: String,
    pool: Pool,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("url", &redact_url(&self.url))
            .finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connects to `url` (`postgres://user[:password]@host[:port]/database`) and brings the
    /// schema up to date.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let config = tokio_postgres::Config::from_str(url).map_err(|e| {
            StoreError::Backend(format!("bad PostgreSQL URL {}: {e}", redact_url(url)))
        })?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(16)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(std::time::Duration::from_secs(10)))
            .create_timeout(Some(std::time::Duration::from_secs(10)))
            .build()
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        let store = Self {
            url: url.to_owned(),
            pool,
        };
        store.migrate().await.map_err(|e| match e {
            StoreError::Backend(m) => {
                StoreError::Backend(format!("PostgreSQL at {}: {m}", redact_url(url)))
            }
            other => other,
        })?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version    BIGINT PRIMARY KEY,
                 applied_at BIGINT NOT NULL
             )",
        )
        .await?;
        let current: i64 = tx
            .query_one(
                "SELECT coalesce(max(version), 0)::BIGINT FROM schema_migrations",
                &[],
            )
            .await?
            .get(0);
        for (version, sql) in MIGRATIONS {
            if *version > current {
                tx.batch_execute(sql).await?;
                tx.execute(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                    &[version, &chrono::Utc::now().timestamp_millis()],
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Finds one row by id or by name; a name shared by several rows is ambiguous.
async fn resolve(
    tx: &Transaction<'_>,
    table: &str,
    what: &str,
    key: &str,
) -> Result<String, StoreError> {
    if let Some(row) = tx
        .query_opt(&format!("SELECT id FROM {table} WHERE id = $1"), &[&key])
        .await?
    {
        return Ok(row.get(0));
    }
    let rows = tx
        .query(
            &format!("SELECT id FROM {table} WHERE name = $1 LIMIT 2"),
            &[&key],
        )
        .await?;
    match rows.as_slice() {
        [row] => Ok(row.get(0)),
        [] => Err(Refusal::NotFound(format!("{what} {key:?}")).into()),
        _ => Err(Refusal::Ambiguous(format!("{what} {key:?}")).into()),
    }
}

async fn principal_of_device(
    tx: &Transaction<'_>,
    device_id: &str,
) -> Result<Principal, StoreError> {
    let row = tx
        .query_one(
            "SELECT u.id, u.name, u.role, u.team_id, o.id, o.name
             FROM devices d JOIN users u ON u.id = d.user_id
             JOIN teams t ON t.id = u.team_id JOIN organisations o ON o.id = t.org_id
             WHERE d.id = $1",
            &[&device_id],
        )
        .await?;
    Principal::from_columns(
        device_id,
        row.get(0),
        row.get(1),
        row.get(2),
        row.get(3),
        row.get(4),
        row.get(5),
    )
}

async fn insert_tokens(
    tx: &Transaction<'_>,
    device_id: &str,
    tokens: &TokenDigests,
    now: i64,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO tokens (token_hash, device_id, kind, created_at, expires_at)
         VALUES ($1, $2, 'access', $3, $4), ($5, $2, 'refresh', $3, $6)",
        &[
            &tokens.access,
            &device_id,
            &now,
            &tokens.access_expires_at,
            &tokens.refresh,
            &tokens.refresh_expires_at,
        ],
    )
    .await?;
    Ok(())
}

async fn insert_audit(tx: &Transaction<'_>, entries: &[AuditEntry]) -> Result<(), StoreError> {
    if entries.is_empty() {
        return Ok(());
    }
    let at: Vec<i64> = entries.iter().map(|e| e.at).collect();
    let user: Vec<Option<&str>> = entries.iter().map(|e| e.user_id.as_deref()).collect();
    let device: Vec<Option<&str>> = entries.iter().map(|e| e.device_id.as_deref()).collect();
    let action: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    let entity: Vec<Option<&str>> = entries.iter().map(|e| e.entity.as_deref()).collect();
    let entity_id: Vec<Option<&str>> = entries.iter().map(|e| e.entity_id.as_deref()).collect();
    let outcome: Vec<&str> = entries.iter().map(|e| e.outcome.as_str()).collect();
    let stmt = tx
        .prepare_cached(
            "INSERT INTO audit_log (at, user_id, device_id, action, entity, entity_id, outcome)
             SELECT * FROM unnest($1::BIGINT[], $2::TEXT[], $3::TEXT[], $4::TEXT[],
                                  $5::TEXT[], $6::TEXT[], $7::TEXT[])",
        )
        .await?;
    tx.execute(
        &stmt,
        &[&at, &user, &device, &action, &entity, &entity_id, &outcome],
    )
    .await?;
    Ok(())
}

async fn load_record(
    tx: &Transaction<'_>,
    entity: &str,
    entity_id: &str,
) -> Result<Option<StoredRecord>, StoreError> {
    let stmt = tx
        .prepare_cached(
            "SELECT team_id, fields, field_versions FROM records
             WHERE entity = $1 AND entity_id = $2",
        )
        .await?;
    tx.query_opt(&stmt, &[&entity, &entity_id])
        .await?
        .map(|row| {
            StoredRecord::from_columns(row.get(0), row.get::<_, &str>(1), row.get::<_, &str>(2))
        })
        .transpose()
}

/// Writes one planned change: conflicts, then (when a field took effect) the record and a
/// change-log entry numbered from the counter row. Returns the entry's seq.
async fn apply_planned(
    tx: &Transaction<'_>,
    who: &Principal,
    change: &Change,
    planned: &PlannedChange,
    now: i64,
) -> Result<Option<i64>, StoreError> {
    let (entity, entity_id) = (change.entity.as_str(), change.entity_id.as_str());
    let (device_id, user_id) = (who.device_id.to_string(), who.user_id.to_string());
    let change_id = change.change_id.to_string();
    for c in &planned.conflicts {
        let stmt = tx
            .prepare_cached(
                "INSERT INTO conflicts (change_id, entity, entity_id, field, conflict,
                                        device_id, user_id, at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .await?;
        let body = serde_json::to_string(c)?;
        tx.execute(
            &stmt,
            &[
                &change_id, &entity, &entity_id, &c.field, &body, &device_id, &user_id, &now,
            ],
        )
        .await?;
    }
    let Some(logged) = &planned.logged else {
        return Ok(None);
    };
    let stmt = tx
        .prepare_cached(
            "UPDATE counters SET value = value + 1 WHERE name = 'change_log' RETURNING value",
        )
        .await?;
    let seq: i64 = tx.query_one(&stmt, &[]).await?.get(0);
    let record = &planned.record;
    let (fields, versions) = (record.fields_json()?, record.versions_json()?);
    let stmt = tx
        .prepare_cached(
            "INSERT INTO records (entity, entity_id, team_id, fields, field_versions, tombstone,
                                  updated_seq)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (entity, entity_id) DO UPDATE SET
                 fields = excluded.fields, field_versions = excluded.field_versions,
                 tombstone = excluded.tombstone, updated_seq = excluded.updated_seq",
        )
        .await?;
    tx.execute(
        &stmt,
        &[
            &entity,
            &entity_id,
            &record.team_id,
            &fields,
            &versions,
            &record.tombstone(),
            &seq,
        ],
    )
    .await?;
    let stmt = tx
        .prepare_cached(
            "INSERT INTO change_log (seq, change_id, entity, entity_id, team_id, operation,
                                     change, device_id, user_id, at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .await?;
    let params: [&(dyn ToSql + Sync); 10] = [
        &seq,
        &change_id,
        &entity,
        &entity_id,
        &record.team_id,
        &operation_str(change.operation),
        logged,
        &device_id,
        &user_id,
        &now,
    ];
    tx.execute(&stmt, &params).await?;
    Ok(Some(seq))
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> String {
        redact_url(&self.url)
    }

    async fn create_org(&self, name: &str, now: i64) -> Result<String, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        if tx
            .query_opt("SELECT 1 FROM organisations WHERE name = $1", &[&name])
            .await?
            .is_some()
        {
            return Err(Refusal::Duplicate(format!("organisation {name:?}")).into());
        }
        let id = new_id();
        tx.execute(
            "INSERT INTO organisations (id, name, created_at) VALUES ($1, $2, $3)",
            &[&id, &name, &now],
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn add_team(&self, org: &str, name: &str, now: i64) -> Result<String, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let org_id = resolve(&tx, "organisations", "organisation", org).await?;
        if tx
            .query_opt(
                "SELECT 1 FROM teams WHERE org_id = $1 AND name = $2",
                &[&org_id, &name],
            )
            .await?
            .is_some()
        {
            return Err(Refusal::Duplicate(format!("team {name:?}")).into());
        }
        let id = new_id();
        tx.execute(
            "INSERT INTO teams (id, org_id, name, created_at) VALUES ($1, $2, $3, $4)",
            &[&id, &org_id, &name, &now],
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn add_user(
        &self,
        team: &str,
        name: &str,
        role: Role,
        now: i64,
    ) -> Result<String, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let team_id = resolve(&tx, "teams", "team", team).await?;
        let id = new_id();
        tx.execute(
            "INSERT INTO users (id, team_id, name, role, created_at) VALUES ($1, $2, $3, $4, $5)",
            &[&id, &team_id, &name, &role.as_str(), &now],
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn add_enrolment_code(
        &self,
        user: &str,
        code_digest: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<String, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let user_id = resolve(&tx, "users", "user", user).await?;
        tx.execute(
            "INSERT INTO enrolment_codes (code_hash, user_id, created_at, expires_at)
             VALUES ($1, $2, $3, $4)",
            &[&code_digest, &user_id, &now, &expires_at],
        )
        .await?;
        tx.commit().await?;
        Ok(user_id)
    }

    async fn revoke_device(&self, device_id: &str, now: i64) -> Result<(), StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let changed = tx
            .execute(
                "UPDATE devices SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1",
                &[&device_id, &now],
            )
            .await?;
        if changed == 0 {
            return Err(Refusal::NotFound(format!("device {device_id:?}")).into());
        }
        tx.execute(
            "UPDATE tokens SET expires_at = least(expires_at, $2) WHERE device_id = $1",
            &[&device_id, &now],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn devices(&self) -> Result<Vec<DeviceInfo>, StoreError> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                "SELECT id, user_id, name, revoked_at FROM devices ORDER BY created_at",
                &[],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| DeviceInfo {
                id: r.get(0),
                user_id: r.get(1),
                name: r.get(2),
                revoked_at: r.get(3),
            })
            .collect())
    }

    async fn enrol(
        &self,
        code_digest: &str,
        device_id: &str,
        device_name: &str,
        tokens: &TokenDigests,
        now: i64,
    ) -> Result<Principal, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        // FOR UPDATE: two enrolments racing on one code take turns, and the second sees it used.
        let Some(code) = tx
            .query_opt(
                "SELECT user_id, expires_at, used_at FROM enrolment_codes
                 WHERE code_hash = $1 FOR UPDATE",
                &[&code_digest],
            )
            .await?
        else {
            return Err(Refusal::UnknownCode.into());
        };
        let (user_id, expires_at, used_at): (String, i64, Option<i64>) =
            (code.get(0), code.get(1), code.get(2));
        if used_at.is_some() {
            return Err(Refusal::CodeUsed.into());
        }
        if expires_at <= now {
            return Err(Refusal::CodeExpired.into());
        }
        if tx
            .query_opt("SELECT 1 FROM devices WHERE id = $1", &[&device_id])
            .await?
            .is_some()
        {
            return Err(Refusal::Duplicate(format!("device {device_id}")).into());
        }
        tx.execute(
            "UPDATE enrolment_codes SET used_at = $2, device_id = $3 WHERE code_hash = $1",
            &[&code_digest, &now, &device_id],
        )
        .await?;
        tx.execute(
            "INSERT INTO devices (id, user_id, name, created_at) VALUES ($1, $2, $3, $4)",
            &[&device_id, &user_id, &device_name, &now],
        )
        .await?;
        tx.execute(
            "INSERT INTO device_cursors (device_id, pulled_seq, updated_at) VALUES ($1, 0, $2)",
            &[&device_id, &now],
        )
        .await?;
        insert_tokens(&tx, device_id, tokens, now).await?;
        let principal = principal_of_device(&tx, device_id).await?;
        tx.commit().await?;
        Ok(principal)
    }

    async fn refresh(
        &self,
        refresh_digest: &str,
        claimed_device: &str,
        tokens: &TokenDigests,
        now: i64,
    ) -> Result<Result<Principal, Refusal>, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let Some(row) = tx
            .query_opt(
                "SELECT t.device_id, t.expires_at, t.used_at, d.revoked_at
                 FROM tokens t JOIN devices d ON d.id = t.device_id
                 WHERE t.token_hash = $1 AND t.kind = 'refresh' FOR UPDATE OF t",
                &[&refresh_digest],
            )
            .await?
        else {
            return Ok(Err(Refusal::UnknownToken));
        };
        let (device_id, expires_at, used_at, revoked_at): (String, i64, Option<i64>, Option<i64>) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        if device_id != claimed_device {
            return Ok(Err(Refusal::ForgedDevice));
        }
        if revoked_at.is_some() {
            return Ok(Err(Refusal::DeviceRevoked { device_id }));
        }
        if used_at.is_some() {
            // A spent refresh token came back: someone holds a copy. Withdraw every token
            // of the device (committed: this is the point of the check).
            tx.execute(
                "UPDATE tokens SET expires_at = least(expires_at, $2) WHERE device_id = $1",
                &[&device_id, &now],
            )
            .await?;
            tx.commit().await?;
            return Ok(Err(Refusal::TokenReplayed));
        }
        if expires_at <= now {
            return Ok(Err(Refusal::TokenExpired));
        }
        tx.execute(
            "UPDATE tokens SET used_at = $2 WHERE token_hash = $1",
            &[&refresh_digest, &now],
        )
        .await?;
        insert_tokens(&tx, &device_id, tokens, now).await?;
        let principal = principal_of_device(&tx, &device_id).await?;
        tx.commit().await?;
        Ok(Ok(principal))
    }

    async fn authenticate(&self, access_digest: &str, now: i64) -> Result<Principal, StoreError> {
        let client = self.pool.get().await?;
        let stmt = client
            .prepare_cached(
                "SELECT t.device_id, t.expires_at, d.revoked_at,
                        u.id, u.name, u.role, u.team_id, o.id, o.name
                 FROM tokens t JOIN devices d ON d.id = t.device_id
                 JOIN users u ON u.id = d.user_id JOIN teams tm ON tm.id = u.team_id
                 JOIN organisations o ON o.id = tm.org_id
                 WHERE t.token_hash = $1 AND t.kind = 'access'",
            )
            .await?;
        let Some(row) = client.query_opt(&stmt, &[&access_digest]).await? else {
            return Err(Refusal::UnknownToken.into());
        };
        if row.get::<_, Option<i64>>(2).is_some() {
            let device_id = row.get::<_, String>(0);
            return Err(Refusal::DeviceRevoked { device_id }.into());
        }
        if row.get::<_, i64>(1) <= now {
            return Err(Refusal::TokenExpired.into());
        }
        Principal::from_columns(
            row.get(0),
            row.get(3),
            row.get(4),
            row.get(5),
            row.get(6),
            row.get(7),
            row.get(8),
        )
    }

    async fn push(
        &self,
        who: &Principal,
        changes: &[Change],
        now: i64,
    ) -> Result<PushResponse, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        // Pushes take turns on the counter row: seqs commit in order, and two pushes never
        // merge into the same record at once.
        tx.query_one(
            "SELECT value FROM counters WHERE name = 'change_log' FOR UPDATE",
            &[],
        )
        .await?;
        let device_id = who.device_id.to_string();
        let mut tally = PushTally::new(who, now);
        for change in changes {
            let change_id = change.change_id.to_string();
            let stmt = tx
                .prepare_cached("SELECT device_id FROM applied_changes WHERE change_id = $1")
                .await?;
            if let Some(row) = tx.query_opt(&stmt, &[&change_id]).await? {
                tally.seen(change, row.get::<_, &str>(0))?;
                continue;
            }
            let current = load_record(&tx, change.entity.as_str(), &change.entity_id).await?;
            let planned = plan_change(who, change, current)?;
            let seq = apply_planned(&tx, who, change, &planned, now).await?;
            let stmt = tx
                .prepare_cached(
                    "INSERT INTO applied_changes (change_id, device_id, seq, applied_at)
                     VALUES ($1, $2, $3, $4)",
                )
                .await?;
            tx.execute(&stmt, &[&change_id, &device_id, &seq, &now])
                .await?;
            tally.applied(change, planned);
        }
        for change in changes.iter().filter(|c| sets_guarded_field(c)) {
            if let Some(record) =
                load_record(&tx, change.entity.as_str(), &change.entity_id).await?
            {
                tally.hub_values(&record, change);
            }
        }
        if let Some(last) = changes.last() {
            tx.execute(
                "UPDATE device_cursors SET last_change_id = $2, updated_at = $3
                 WHERE device_id = $1",
                &[&device_id, &last.change_id.to_string(), &now],
            )
            .await?;
        }
        let counter: i64 = tx
            .query_one("SELECT value FROM counters WHERE name = 'change_log'", &[])
            .await?
            .get(0);
        let (response, audit) = tally.finish(counter);
        insert_audit(&tx, &audit).await?;
        tx.commit().await?;
        Ok(response)
    }

    async fn pull(
        &self,
        who: &Principal,
        after: u64,
        limit: u32,
        now: i64,
    ) -> Result<PullResponse, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let device_id = who.device_id.to_string();
        // The head first: the counter is bumped inside each push transaction, so every
        // entry at or below the committed head is committed too.
        let head: i64 = tx
            .query_one("SELECT value FROM counters WHERE name = 'change_log'", &[])
            .await?
            .get(0);
        let after_i = i64::try_from(after).unwrap_or(i64::MAX);
        let rows = if syncs_records(who.role) {
            let stmt = tx
                .prepare_cached(
                    "SELECT seq, change FROM change_log
                     WHERE team_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4",
                )
                .await?;
            tx.query(
                &stmt,
                &[&who.team_id, &after_i, &head, &(i64::from(limit) + 1)],
            )
            .await?
            .iter()
            .map(|r| LogRow {
                seq: r.get(0),
                change: r.get(1),
            })
            .collect()
        } else {
            Vec::new()
        };
        let (response, audit) = pull_page(who, after, head, rows, limit, now)?;
        tx.execute(
            "INSERT INTO device_cursors (device_id, pulled_seq, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (device_id) DO UPDATE SET pulled_seq = excluded.pulled_seq,
                 updated_at = excluded.updated_at",
            &[&device_id, &after_i, &now],
        )
        .await?;
        insert_audit(&tx, &audit).await?;
        tx.commit().await?;
        Ok(response)
    }

    async fn append_audit(&self, entries: &[AuditEntry]) -> Result<(), StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        insert_audit(&tx, entries).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn audit(&self, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                "SELECT at, user_id, device_id, action, entity, entity_id, outcome
                 FROM audit_log ORDER BY id DESC LIMIT $1",
                &[&i64::from(limit)],
            )
            .await?;
        let mut entries: Vec<AuditEntry> = rows
            .iter()
            .map(|r| AuditEntry {
                at: r.get(0),
                user_id: r.get(1),
                device_id: r.get(2),
                action: r.get(3),
                entity: r.get(4),
                entity_id: r.get(5),
                outcome: r.get(6),
            })
            .collect();
        entries.reverse();
        Ok(entries)
    }

    async fn stats(&self) -> Result<Stats, StoreError> {
        let client = self.pool.get().await?;
        let row = client
            .query_one(
                "SELECT (SELECT count(*) FROM records),
                        (SELECT count(*) FROM change_log),
                        (SELECT count(*) FROM applied_changes),
                        (SELECT count(*) FROM conflicts),
                        (SELECT value FROM counters WHERE name = 'change_log'),
                        (SELECT count(*) FROM audit_log)",
                &[],
            )
            .await?;
        Ok(Stats {
            records: row.get(0),
            change_log: row.get(1),
            applied_changes: row.get(2),
            conflicts: row.get(3),
            counter: row.get(4),
            audit: row.get(5),
        })
    }
}
