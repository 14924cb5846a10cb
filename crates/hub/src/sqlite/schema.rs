//! The SQLite schema: the embedded migrations (the sync tables, then the portal's), applied
//! forward only at open, and the hub's own identity, made on first start.

use rusqlite::{Connection, TransactionBehavior, params};

use crate::conflicts::HubIdentity;
use crate::model::StoreError;

/// The embedded migrations, applied in order; forward only.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/sqlite/0001_initial.sql")),
    (
        2,
        include_str!("../../migrations/sqlite/0002_sync_scope.sql"),
    ),
    (3, include_str!("../../migrations/sqlite/0003_portal.sql")),
    (
        4,
        include_str!("../../migrations/sqlite/0004_withdrawn_tokens.sql"),
    ),
    (5, include_str!("../../migrations/sqlite/0005_console.sql")),
    (
        6,
        include_str!("../../migrations/sqlite/0006_audit_indexes.sql"),
    ),
    (
        7,
        include_str!("../../migrations/sqlite/0007_case_index.sql"),
    ),
    (
        8,
        include_str!("../../migrations/sqlite/0008_referrals.sql"),
    ),
    (9, include_str!("../../migrations/sqlite/0009_privacy.sql")),
];

/// Brings the schema up to date, in one transaction.
pub(super) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    INTEGER PRIMARY KEY,
             applied_at INTEGER NOT NULL
         )",
    )?;
    // A migration that rebuilds a table (SQLite cannot alter a constraint) drops a table
    // others refer to: foreign keys are off while migrating (the pragma is a no-op inside
    // a transaction, so it comes first) and every reference is checked before committing.
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    let migrated = apply(conn);
    conn.pragma_update(None, "foreign_keys", "ON")?;
    migrated
}

fn apply(conn: &mut Connection) -> Result<(), StoreError> {
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
    let broken: i64 = tx.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
        r.get(0)
    })?;
    if broken > 0 {
        // Dropping the transaction rolls every migration of this run back.
        return Err(StoreError::Backend(format!(
            "a migration would leave {broken} broken references; nothing was changed"
        )));
    }
    tx.commit()?;
    Ok(())
}

/// The hub's identity, made on first start and kept for ever.
pub(super) fn hub_identity(conn: &mut Connection) -> Result<HubIdentity, StoreError> {
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
