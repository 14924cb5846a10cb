//! The PostgreSQL backend: tokio-postgres behind a small deadpool pool.
//!
//! Pushes serialise on the change-log counter row (`SELECT … FOR UPDATE` first thing in
//! the transaction), so change-log entries commit in seq order and a pull that reads the
//! counter first never misses one.

use std::collections::HashMap;
use std::str::FromStr;

use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Transaction};
use doorstep_core::{Hlc, Role};
use doorstep_sync::protocol::{AttachmentReceipt, Change, EntityKind, PullResponse, PushResponse};
use tokio_postgres::NoTls;
use tokio_postgres::types::ToSql;

use crate::access;
use crate::conflicts::HubIdentity;
use crate::credentials::{
    CodeRow, RefreshVerdict, TokenRow, judge_access, judge_enrol, judge_refresh,
};
use crate::model::{AuditEntry, DeviceInfo, Principal, Refusal, StoreError, TokenDigests};
use crate::pull::{LogRow, needs_full_resync, pull_page, start_again};
use crate::purge::{DAY_MS, EntryMeta, RecordMeta, plan_purge};
use crate::push::{NewEntry, PushInputs, PushPlan, RecordKey, keys_of};
use crate::store::{Purged, Stats, Store, StoredAttachment, StoredRecord, Transfer, redact_url};
use crate::transfer::{plan_transfer, records_to_move};

/// The embedded migrations, applied in order; forward only.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/postgres/0001_initial.sql")),
    (
        2,
        include_str!("../migrations/postgres/0002_sync_scope.sql"),
    ),
    (3, include_str!("../migrations/postgres/0003_portal.sql")),
    (
        4,
        include_str!("../migrations/postgres/0004_withdrawn_tokens.sql"),
    ),
];

/// Taken while migrating, so two hubs starting together do not both migrate.
const MIGRATION_LOCK: i64 = 0x646f_6f72_7374_6570; // "doorstep"

/// The hub's PostgreSQL database.
#[derive(Clone)]
pub struct PgStore {
    url: String,
    pool: Pool,
    hub: HubIdentity,
    /// Writers to the change log (pushes, transfers, purges) take turns on its counter row
    /// anyway; taking turns here first keeps the waiting ones from holding pool
    /// connections that pulls need. The row lock still orders writers across processes.
    log_writers: std::sync::Arc<tokio::sync::Mutex<()>>,
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
        let in_context = |e| match e {
            StoreError::Backend(m) => {
                StoreError::Backend(format!("PostgreSQL at {}: {m}", redact_url(url)))
            }
            other => other,
        };
        migrate(&pool).await.map_err(in_context)?;
        let hub = hub_identity(&pool).await.map_err(in_context)?;
        Ok(Self {
            url: url.to_owned(),
            pool,
            hub,
            log_writers: std::sync::Arc::default(),
        })
    }
}

async fn migrate(pool: &Pool) -> Result<(), StoreError> {
    let mut client = pool.get().await?;
    {
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
    }
    Ok(())
}

/// The hub's identity, made on first start and kept for ever.
async fn hub_identity(pool: &Pool) -> Result<HubIdentity, StoreError> {
    let client = pool.get().await?;
    for name in ["hub_device_id", "hub_officer_id"] {
        client
            .execute(
                "INSERT INTO hub_settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
                &[&name, &uuid::Uuid::now_v7().to_string()],
            )
            .await?;
    }
    let row = client
        .query_one(
            "SELECT (SELECT value FROM hub_settings WHERE name = 'hub_device_id'),
                    (SELECT value FROM hub_settings WHERE name = 'hub_officer_id')",
            &[],
        )
        .await?;
    let damaged = |_| StoreError::Backend("the hub's stored identity is damaged".into());
    Ok(HubIdentity {
        device_id: row.get::<_, &str>(0).parse().map_err(damaged)?,
        officer_id: row.get::<_, &str>(1).parse().map_err(damaged)?,
    })
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

/// A token's row from column `at` on: device, expiry, spent, revoked, withdrawn.
fn token_row(r: &tokio_postgres::Row, at: usize) -> TokenRow {
    TokenRow {
        device_id: r.get(at),
        expires_at: r.get(at + 1),
        used_at: r.get(at + 2),
        revoked_at: r.get(at + 3),
        withdrawn_at: r.get(at + 4),
    }
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

/// Appends audit lines, in one statement (the portal writes its own through this too).
pub(crate) async fn insert_audit(
    tx: &Transaction<'_>,
    entries: &[AuditEntry],
) -> Result<(), StoreError> {
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

/// The last reading of the hub's clock.
async fn hub_clock(tx: &Transaction<'_>) -> Result<Option<Hlc>, StoreError> {
    let row = tx
        .query_opt("SELECT value FROM hub_settings WHERE name = 'hub_hlc'", &[])
        .await?;
    row.map(|r| {
        r.get::<_, &str>(0)
            .parse()
            .map_err(|_| StoreError::Backend("the hub's stored clock is damaged".into()))
    })
    .transpose()
}

/// Writes a change the hub made to one record: the record, its log entry under the next
/// counter value (the counter row locked), and the hub's clock. Returns the entry's seq.
pub(crate) async fn write_hub_change(
    tx: &Transaction<'_>,
    record: &StoredRecord,
    change: &Change,
    now: i64,
) -> Result<i64, StoreError> {
    let seq = lock_counter(tx).await? + 1;
    let key = (change.entity, change.entity_id.clone());
    write_records(tx, [(&key, record, seq)]).await?;
    append_entries(
        tx,
        &[NewEntry::of_hub_change(seq, change, &record.team_id, now)?],
    )
    .await?;
    set_counter(tx, "change_log", seq).await?;
    set_hub_clock(tx, change.hlc).await?;
    Ok(seq)
}

async fn set_hub_clock(tx: &Transaction<'_>, hlc: Hlc) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO hub_settings (name, value) VALUES ('hub_hlc', $1)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        &[&hlc.to_string()],
    )
    .await?;
    Ok(())
}

fn entity_of(text: &str) -> Result<EntityKind, StoreError> {
    EntityKind::parse(text)
        .ok_or_else(|| StoreError::Backend(format!("stored entity {text:?} is damaged")))
}

/// Locks the change-log counter row and reads it: pushes, transfers and purges take
/// turns on it, so log entries commit in seq order.
async fn lock_counter(tx: &Transaction<'_>) -> Result<i64, StoreError> {
    let stmt = tx
        .prepare_cached("SELECT value FROM counters WHERE name = 'change_log' FOR UPDATE")
        .await?;
    Ok(tx.query_one(&stmt, &[]).await?.get(0))
}

async fn set_counter(tx: &Transaction<'_>, name: &str, value: i64) -> Result<(), StoreError> {
    let stmt = tx
        .prepare_cached("UPDATE counters SET value = $2 WHERE name = $1")
        .await?;
    tx.execute(&stmt, &[&name, &value]).await?;
    Ok(())
}

/// The hub's copies of these records, those that exist, in one query.
async fn read_records(
    tx: &Transaction<'_>,
    keys: &[RecordKey],
) -> Result<HashMap<RecordKey, StoredRecord>, StoreError> {
    let entities: Vec<&str> = keys.iter().map(|k| k.0.as_str()).collect();
    let ids: Vec<&str> = keys.iter().map(|k| k.1.as_str()).collect();
    let stmt = tx
        .prepare_cached(
            "SELECT r.entity, r.entity_id, r.team_id, r.fields, r.field_versions, r.tombstoned_at
             FROM records r
             JOIN unnest($1::TEXT[], $2::TEXT[]) AS k (entity, entity_id)
               ON r.entity = k.entity AND r.entity_id = k.entity_id",
        )
        .await?;
    let mut found = HashMap::with_capacity(keys.len());
    for row in tx.query(&stmt, &[&entities, &ids]).await? {
        found.insert(
            (entity_of(row.get(0))?, row.get(1)),
            StoredRecord::from_columns(row.get(2), row.get(3), row.get(4), row.get(5))?,
        );
    }
    Ok(found)
}

/// Inserts or updates records, in one statement.
async fn write_records<'a>(
    tx: &Transaction<'_>,
    rows: impl IntoIterator<Item = (&'a RecordKey, &'a StoredRecord, i64)>,
) -> Result<(), StoreError> {
    let (mut entity, mut id, mut team, mut fields, mut versions) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut tombstone, mut seq, mut tombstoned_at) = (Vec::new(), Vec::new(), Vec::new());
    for ((e, i), record, s) in rows {
        entity.push(e.as_str());
        id.push(i.as_str());
        team.push(record.team_id.as_str());
        fields.push(record.fields_json()?);
        versions.push(record.versions_json()?);
        tombstone.push(record.tombstone());
        seq.push(s);
        tombstoned_at.push(record.tombstoned_at);
    }
    if entity.is_empty() {
        return Ok(());
    }
    let stmt = tx
        .prepare_cached(
            "INSERT INTO records (entity, entity_id, team_id, fields, field_versions, tombstone,
                                  updated_seq, tombstoned_at)
             SELECT * FROM unnest($1::TEXT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::TEXT[],
                                  $6::BOOLEAN[], $7::BIGINT[], $8::BIGINT[])
             ON CONFLICT (entity, entity_id) DO UPDATE SET
                 team_id = excluded.team_id, fields = excluded.fields,
                 field_versions = excluded.field_versions, tombstone = excluded.tombstone,
                 updated_seq = excluded.updated_seq, tombstoned_at = excluded.tombstoned_at",
        )
        .await?;
    tx.execute(
        &stmt,
        &[
            &entity,
            &id,
            &team,
            &fields,
            &versions,
            &tombstone,
            &seq,
            &tombstoned_at,
        ],
    )
    .await?;
    Ok(())
}

/// Appends change-log entries, in one statement.
async fn append_entries(tx: &Transaction<'_>, entries: &[NewEntry]) -> Result<(), StoreError> {
    if entries.is_empty() {
        return Ok(());
    }
    let seq: Vec<i64> = entries.iter().map(|e| e.seq).collect();
    let change_id: Vec<&str> = entries.iter().map(|e| e.change_id.as_str()).collect();
    let entity: Vec<&str> = entries.iter().map(|e| e.entity.as_str()).collect();
    let entity_id: Vec<&str> = entries.iter().map(|e| e.entity_id.as_str()).collect();
    let team: Vec<&str> = entries.iter().map(|e| e.team_id.as_str()).collect();
    let operation: Vec<&str> = entries.iter().map(|e| e.operation).collect();
    let body: Vec<&str> = entries.iter().map(|e| e.body.as_str()).collect();
    let device: Vec<&str> = entries.iter().map(|e| e.device_id.as_str()).collect();
    let user: Vec<&str> = entries.iter().map(|e| e.user_id.as_str()).collect();
    let at: Vec<i64> = entries.iter().map(|e| e.at).collect();
    let kind: Vec<&str> = entries.iter().map(|e| e.kind.as_str()).collect();
    let stmt = tx
        .prepare_cached(
            "INSERT INTO change_log (seq, change_id, entity, entity_id, team_id, operation,
                                     change, device_id, user_id, at, kind)
             SELECT * FROM unnest($1::BIGINT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::TEXT[],
                                  $6::TEXT[], $7::TEXT[], $8::TEXT[], $9::TEXT[], $10::BIGINT[],
                                  $11::TEXT[])",
        )
        .await?;
    let params: [&(dyn ToSql + Sync); 11] = [
        &seq, &change_id, &entity, &entity_id, &team, &operation, &body, &device, &user, &at, &kind,
    ];
    tx.execute(&stmt, &params).await?;
    Ok(())
}

/// The names of the users of these devices.
async fn user_names(
    tx: &Transaction<'_>,
    devices: &[String],
) -> Result<HashMap<String, String>, StoreError> {
    let rows = tx
        .query(
            "SELECT d.id, u.name FROM devices d JOIN users u ON u.id = d.user_id
             WHERE d.id = ANY($1)",
            &[&devices],
        )
        .await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// Flags every device of `user_id` to start again from 0 at its next pull.
async fn flag_resync(tx: &Transaction<'_>, user_id: &str, now: i64) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE device_cursors SET resync_needed = TRUE, updated_at = $2
         WHERE device_id IN (SELECT id FROM devices WHERE user_id = $1)",
        &[&user_id, &now],
    )
    .await?;
    Ok(())
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> String {
        redact_url(&self.url)
    }

    fn hub_identity(&self) -> HubIdentity {
        self.hub
    }

    fn portal(&self) -> Option<crate::portal::SharedPortalStore> {
        Some(std::sync::Arc::new(crate::portal::postgres::PgPortal::new(
            self.pool.clone(),
        )))
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
        let code = tx
            .query_opt(
                "SELECT user_id, expires_at, used_at FROM enrolment_codes
                 WHERE code_hash = $1 FOR UPDATE",
                &[&code_digest],
            )
            .await?
            .map(|r| CodeRow {
                user_id: r.get(0),
                expires_at: r.get(1),
                used_at: r.get(2),
            });
        let taken = tx
            .query_opt("SELECT 1 FROM devices WHERE id = $1", &[&device_id])
            .await?
            .is_some();
        let user_id = judge_enrol(code, taken, device_id, now)?;
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
        let found = tx
            .query_opt(
                "SELECT t.device_id, t.expires_at, t.used_at, d.revoked_at, t.withdrawn_at
                 FROM tokens t JOIN devices d ON d.id = t.device_id
                 WHERE t.token_hash = $1 AND t.kind = 'refresh' FOR UPDATE OF t",
                &[&refresh_digest],
            )
            .await?
            .map(|r| token_row(&r, 0));
        let device_id = match judge_refresh(found, claimed_device, now) {
            RefreshVerdict::Grant { device_id } => device_id,
            RefreshVerdict::Refuse(refusal) => return Ok(Err(refusal)),
            RefreshVerdict::WithdrawAndRefuse { device_id } => {
                tx.execute(
                    "UPDATE tokens SET withdrawn_at = coalesce(withdrawn_at, $2) WHERE device_id = $1",
                    &[&device_id, &now],
                )
                .await?;
                tx.commit().await?;
                return Ok(Err(Refusal::TokenReplayed));
            }
        };
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
                "SELECT t.device_id, t.expires_at, NULL::BIGINT, d.revoked_at, t.withdrawn_at,
                        u.id, u.name, u.role, u.team_id, o.id, o.name
                 FROM tokens t JOIN devices d ON d.id = t.device_id
                 JOIN users u ON u.id = d.user_id JOIN teams tm ON tm.id = u.team_id
                 JOIN organisations o ON o.id = tm.org_id
                 WHERE t.token_hash = $1 AND t.kind = 'access'",
            )
            .await?;
        let row = client.query_opt(&stmt, &[&access_digest]).await?;
        let device_id = judge_access(row.as_ref().map(|r| token_row(r, 0)), now)?;
        // The judge lets in no token it was not given, so the row is there.
        let Some(row) = row else {
            return Err(Refusal::UnknownToken.into());
        };
        Principal::from_columns(
            &device_id,
            row.get(5),
            row.get(6),
            row.get(7),
            row.get(8),
            row.get(9),
            row.get(10),
        )
    }

    async fn push(
        &self,
        who: &Principal,
        changes: &[Change],
        now: i64,
    ) -> Result<PushResponse, StoreError> {
        let _turn = self.log_writers.lock().await;
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        // Pushes take turns on the counter row: seqs commit in order, and two pushes never
        // merge into the same record at once.
        let counter = lock_counter(&tx).await?;
        let device_id = who.device_id.to_string();
        let ids: Vec<String> = changes.iter().map(|c| c.change_id.to_string()).collect();
        let stmt = tx
            .prepare_cached(
                "SELECT change_id, device_id FROM applied_changes WHERE change_id = ANY($1)",
            )
            .await?;
        let mut seen = HashMap::new();
        for row in tx.query(&stmt, &[&ids]).await? {
            if let Ok(id) = row.get::<_, &str>(0).parse() {
                seen.insert(id, row.get::<_, String>(1));
            }
        }
        let inputs = PushInputs {
            seen,
            records: read_records(&tx, &keys_of(changes)).await?,
            counter,
        };
        let mut plan = PushPlan::new(who, changes, inputs, now)?;
        if plan.raised_conflicts() {
            let names = user_names(&tx, &plan.kept_devices()).await?;
            let last = hub_clock(&tx).await?;
            if let Some(last) = plan.raise_conflict_records(self.hub, last, &names)? {
                set_hub_clock(&tx, last).await?;
            }
        }
        write_records(&tx, plan.records_to_write()).await?;
        append_entries(&tx, &plan.entries).await?;
        if !plan.applied.is_empty() {
            let applied: Vec<&str> = plan.applied.iter().map(|a| a.change_id.as_str()).collect();
            let seqs: Vec<Option<i64>> = plan.applied.iter().map(|a| a.seq).collect();
            let stmt = tx
                .prepare_cached(
                    "INSERT INTO applied_changes (change_id, device_id, seq, applied_at)
                     SELECT c, $2, s, $3 FROM unnest($1::TEXT[], $4::BIGINT[]) AS t (c, s)",
                )
                .await?;
            tx.execute(&stmt, &[&applied, &device_id, &now, &seqs])
                .await?;
        }
        if !plan.conflict_rows.is_empty() {
            let rows = &plan.conflict_rows;
            let change_id: Vec<&str> = rows.iter().map(|c| c.change_id.as_str()).collect();
            let entity: Vec<&str> = rows.iter().map(|c| c.entity).collect();
            let entity_id: Vec<&str> = rows.iter().map(|c| c.entity_id.as_str()).collect();
            let field: Vec<&str> = rows.iter().map(|c| c.field.as_str()).collect();
            let body: Vec<&str> = rows.iter().map(|c| c.body.as_str()).collect();
            let user_id = who.user_id.to_string();
            tx.execute(
                "INSERT INTO conflicts (change_id, entity, entity_id, field, conflict, device_id,
                                        user_id, at)
                 SELECT c, e, i, f, b, $6, $7, $8
                 FROM unnest($1::TEXT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::TEXT[])
                      AS t (c, e, i, f, b)",
                &[
                    &change_id, &entity, &entity_id, &field, &body, &device_id, &user_id, &now,
                ],
            )
            .await?;
        }
        set_counter(&tx, "change_log", plan.counter()).await?;
        if let Some(last) = changes.last() {
            let stmt = tx
                .prepare_cached(
                    "UPDATE device_cursors SET last_change_id = $2, updated_at = $3
                     WHERE device_id = $1",
                )
                .await?;
            tx.execute(&stmt, &[&device_id, &last.change_id.to_string(), &now])
                .await?;
        }
        let (response, audit) = plan.finish(changes);
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
        // One snapshot for the whole pull: the head, the horizon and the entries read all
        // belong together, even if a purge compacts the log meanwhile.
        let tx = client
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .start()
            .await?;
        let device_id = who.device_id.to_string();
        // The head first: the counter is bumped inside each push transaction, so every
        // entry at or below the committed head is committed too.
        let stmt = tx
            .prepare_cached(
                "SELECT (SELECT value FROM counters WHERE name = 'change_log'),
                        (SELECT value FROM counters WHERE name = 'horizon'),
                        (SELECT resync_needed FROM device_cursors WHERE device_id = $1)",
            )
            .await?;
        let row = tx.query_one(&stmt, &[&device_id]).await?;
        let (head, horizon, flagged): (i64, i64, Option<bool>) =
            (row.get(0), row.get(1), row.get(2));
        let after_i = i64::try_from(after).unwrap_or(i64::MAX);
        let (response, audit) = if needs_full_resync(after, head, horizon, flagged == Some(true)) {
            start_again(who, after, now)
        } else {
            let entities: Vec<&str> = access::entities_for(who.role)
                .iter()
                .map(|e| e.as_str())
                .collect();
            let rows = if entities.is_empty() {
                Vec::new()
            } else {
                let stmt = tx
                    .prepare_cached(
                        "SELECT seq, kind, change FROM change_log
                         WHERE team_id = $1 AND seq > $2 AND seq <= $3 AND entity = ANY($5)
                         ORDER BY seq LIMIT $4",
                    )
                    .await?;
                tx.query(
                    &stmt,
                    &[
                        &who.team_id,
                        &after_i,
                        &head,
                        &(i64::from(limit) + 1),
                        &entities,
                    ],
                )
                .await?
                .iter()
                .map(|r| LogRow {
                    seq: r.get(0),
                    kind: r.get(1),
                    body: r.get(2),
                })
                .collect()
            };
            pull_page(who, after, head, rows, limit, now)?
        };
        let stmt = tx
            .prepare_cached(
                "INSERT INTO device_cursors (device_id, pulled_seq, updated_at) VALUES ($1, $2, $3)
                 ON CONFLICT (device_id) DO UPDATE SET pulled_seq = excluded.pulled_seq,
                     updated_at = excluded.updated_at,
                     resync_needed = device_cursors.resync_needed AND NOT $4",
            )
            .await?;
        tx.execute(&stmt, &[&device_id, &after_i, &now, &(after == 0)])
            .await?;
        insert_audit(&tx, &audit).await?;
        tx.commit().await?;
        Ok(response)
    }

    async fn put_attachment(
        &self,
        who: &Principal,
        sha256: &str,
        bytes: Vec<u8>,
        media_type: &str,
        now: i64,
    ) -> Result<AttachmentReceipt, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
        // Two uploads of the same bytes at once: the second waits, then finds the row.
        let inserted = tx
            .execute(
                "INSERT INTO attachments (sha256, bytes, size, media_type, created_at)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) DO NOTHING",
                &[&sha256, &bytes, &size, &media_type, &now],
            )
            .await?;
        tx.execute(
            "INSERT INTO attachment_teams (sha256, team_id, device_id, user_id, at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256, team_id) DO NOTHING",
            &[
                &sha256,
                &who.team_id,
                &who.device_id.to_string(),
                &who.user_id.to_string(),
                &now,
            ],
        )
        .await?;
        let receipt = AttachmentReceipt {
            sha256: sha256.to_owned(),
            bytes: u64::try_from(size).unwrap_or(0),
            already_stored: inserted == 0,
        };
        insert_audit(&tx, &[crate::attachments::upload_audit(who, &receipt, now)]).await?;
        tx.commit().await?;
        Ok(receipt)
    }

    async fn get_attachment(
        &self,
        who: &Principal,
        sha256: &str,
        now: i64,
    ) -> Result<Option<StoredAttachment>, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let found = tx
            .query_opt(
                "SELECT a.bytes, a.media_type FROM attachments a
                 JOIN attachment_teams t ON t.sha256 = a.sha256
                 WHERE a.sha256 = $1 AND t.team_id = $2",
                &[&sha256, &who.team_id],
            )
            .await?
            .map(|r| StoredAttachment {
                bytes: r.get(0),
                media_type: r.get(1),
            });
        if found.is_some() {
            insert_audit(&tx, &[crate::attachments::download_audit(who, sha256, now)]).await?;
        }
        tx.commit().await?;
        Ok(found)
    }

    async fn transfer_household(
        &self,
        household_id: &str,
        team: &str,
        now: i64,
    ) -> Result<Transfer, StoreError> {
        let _turn = self.log_writers.lock().await;
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let counter = lock_counter(&tx).await?;
        let to_team = resolve(&tx, "teams", "team", team).await?;
        let from_team: String = tx
            .query_opt(
                "SELECT team_id FROM records WHERE entity = 'household' AND entity_id = $1",
                &[&household_id],
            )
            .await?
            .map(|r| r.get(0))
            .ok_or_else(|| Refusal::NotFound(format!("household {household_id:?}")))?;
        let same_org: bool = tx
            .query_one(
                "SELECT (SELECT org_id FROM teams WHERE id = $1) = (SELECT org_id FROM teams WHERE id = $2)",
                &[&from_team, &to_team],
            )
            .await?
            .get(0);
        crate::transfer::check_teams(household_id, &from_team, &to_team, same_org)?;
        let mut records: HashMap<RecordKey, StoredRecord> = HashMap::new();
        for r in tx
            .query(
                "SELECT entity, entity_id, fields, field_versions, tombstoned_at FROM records
                 WHERE team_id = $1",
                &[&from_team],
            )
            .await?
        {
            records.insert(
                (entity_of(r.get(0))?, r.get(1)),
                StoredRecord::from_columns(from_team.clone(), r.get(2), r.get(3), r.get(4))?,
            );
        }
        let refs: Vec<(RecordKey, &doorstep_sync::merge::Record)> = records
            .iter()
            .map(|(k, r)| (k.clone(), &r.record))
            .collect();
        let moved = records_to_move(household_id, &refs);
        let moving: Vec<(RecordKey, StoredRecord)> = moved
            .iter()
            .filter_map(|k| records.remove(k).map(|r| (k.clone(), r)))
            .collect();
        let last = hub_clock(&tx).await?;
        let plan = plan_transfer(moving, &to_team, self.hub, last, counter, now)?;
        write_records(&tx, plan.records.iter().map(|(k, r, seq)| (k, r, *seq))).await?;
        append_entries(&tx, &plan.entries).await?;
        set_counter(&tx, "change_log", plan.counter).await?;
        if let Some(last) = plan.clock {
            set_hub_clock(&tx, last).await?;
        }
        if !plan.attachments.is_empty() {
            tx.execute(
                "INSERT INTO attachment_teams (sha256, team_id, device_id, user_id, at)
                 SELECT sha256, $2, NULL, NULL, $3 FROM attachments WHERE sha256 = ANY($1)
                 ON CONFLICT (sha256, team_id) DO NOTHING",
                &[&plan.attachments, &to_team, &now],
            )
            .await?;
        }
        insert_audit(&tx, &plan.audit).await?;
        tx.commit().await?;
        Ok(Transfer {
            from_team,
            to_team,
            moved,
        })
    }

    async fn move_user(&self, user: &str, team: &str, now: i64) -> Result<String, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let user_id = resolve(&tx, "users", "user", user).await?;
        let team_id = resolve(&tx, "teams", "team", team).await?;
        let changed = tx
            .execute(
                "UPDATE users SET team_id = $2 WHERE id = $1 AND team_id <> $2",
                &[&user_id, &team_id],
            )
            .await?;
        if changed > 0 {
            flag_resync(&tx, &user_id, now).await?;
        }
        tx.commit().await?;
        Ok(user_id)
    }

    async fn set_role(&self, user: &str, role: Role, now: i64) -> Result<String, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let user_id = resolve(&tx, "users", "user", user).await?;
        let changed = tx
            .execute(
                "UPDATE users SET role = $2 WHERE id = $1 AND role <> $2",
                &[&user_id, &role.as_str()],
            )
            .await?;
        if changed > 0 {
            flag_resync(&tx, &user_id, now).await?;
        }
        tx.commit().await?;
        Ok(user_id)
    }

    async fn purge(&self, tombstone_days: u32, now: i64) -> Result<Purged, StoreError> {
        let _turn = self.log_writers.lock().await;
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        lock_counter(&tx).await?;
        let cutoff = now.saturating_sub(i64::from(tombstone_days).saturating_mul(DAY_MS));
        let row = tx
            .query_one(
                "SELECT (SELECT value FROM counters WHERE name = 'horizon'),
                        (SELECT max(seq) FROM change_log WHERE at < $1)",
                &[&cutoff],
            )
            .await?;
        let horizon = row
            .get::<_, i64>(0)
            .max(row.get::<_, Option<i64>>(1).unwrap_or(0));
        let mut entries = Vec::new();
        for r in tx
            .query(
                "SELECT seq, entity, entity_id, team_id, kind, change FROM change_log
                 WHERE seq <= $1 ORDER BY seq",
                &[&horizon],
            )
            .await?
        {
            entries.push(EntryMeta::from_row(
                r.get(0),
                r.get(1),
                r.get(2),
                r.get(3),
                r.get(4),
                r.get(5),
            )?);
        }
        let mut records = HashMap::new();
        for r in tx
            .query(
                "SELECT entity, entity_id, team_id, field_versions, tombstoned_at, updated_seq
                 FROM records",
                &[],
            )
            .await?
        {
            records.insert(
                (entity_of(r.get(0))?, r.get(1)),
                RecordMeta {
                    team_id: r.get(2),
                    versions: serde_json::from_str(r.get(3))?,
                    tombstoned_at: r.get(4),
                    updated_seq: r.get(5),
                },
            );
        }
        let plan = plan_purge(&records, &entries, horizon, cutoff);
        let entities: Vec<&str> = plan.records.iter().map(|k| k.0.as_str()).collect();
        let ids: Vec<&str> = plan.records.iter().map(|k| k.1.as_str()).collect();
        tx.execute(
            "DELETE FROM records r USING unnest($1::TEXT[], $2::TEXT[]) AS k (entity, entity_id)
             WHERE r.entity = k.entity AND r.entity_id = k.entity_id",
            &[&entities, &ids],
        )
        .await?;
        tx.execute(
            "DELETE FROM change_log WHERE seq = ANY($1)",
            &[&plan.entries],
        )
        .await?;
        set_counter(&tx, "horizon", horizon).await?;
        tx.commit().await?;
        Ok(Purged {
            horizon,
            records: plan.records.len(),
            entries: plan.entries.len(),
        })
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
                        (SELECT count(*) FROM audit_log),
                        (SELECT count(*) FROM attachments),
                        (SELECT value FROM counters WHERE name = 'horizon')",
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
            attachments: row.get(6),
            horizon: row.get(7),
        })
    }
}
