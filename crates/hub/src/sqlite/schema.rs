//! The SQLite schema: the embedded migrations (the sync tables, then the portal's), applied
//! forward only at open, and the hub's own identity, made on first start.

use rusqlite::{Connection, TransactionBehavior, params};

use crate::conflicts::HubIdentity;
use crate::model::StoreError;

/// The embedded migrations, applied in order; forward only. Numbers may have gaps: changes
/// made side by side each take their own number, and each is applied when it has not been
/// (see [`apply`]), so one that lands after a higher number still runs.
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
    (
        10,
        include_str!("../../migrations/sqlite/0010_household_openings.sql"),
    ),
    (
        11,
        include_str!("../../migrations/sqlite/0011_restriction.sql"),
    ),
    (
        12,
        include_str!("../../migrations/sqlite/0012_retention.sql"),
    ),
    (13, include_str!("../../migrations/sqlite/0013_crime.sql")),
    (
        14,
        include_str!("../../migrations/sqlite/0014_report_facts.sql"),
    ),
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
    apply_listed(conn, MIGRATIONS)
}

/// Applies each of `migrations` not recorded in `schema_migrations` yet, in order.
fn apply_listed(conn: &mut Connection, migrations: &[(i64, &str)]) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Every version not applied yet, not only those above the highest applied: a hub that
    // ran 0010 before 0009 was merged must still get 0009.
    let applied: Vec<i64> = tx
        .prepare("SELECT version FROM schema_migrations")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for (version, sql) in migrations {
        if !applied.contains(version) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn tables(conn: &Connection) -> Vec<String> {
        conn.prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 't_' ORDER BY name",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
    }

    /// Two changes made side by side: the hub ran 3 before 2 was merged, and must still
    /// get 2 (with max(version) it never would); none is applied twice.
    #[test]
    fn a_migration_numbered_below_one_applied_is_still_applied() {
        #[allow(
            clippy::disallowed_methods,
            reason = "a throw-away in-memory database for the hub's schema code, not the app's store"
        )]
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
        )
        .unwrap();
        let one = (1, "CREATE TABLE t1 (x)");
        let two = (2, "CREATE TABLE t2 (x)");
        let three = (3, "CREATE TABLE t3 (x)");
        apply_listed(&mut conn, &[one, three]).unwrap();
        assert_eq!(tables(&conn), ["t1", "t3"]);
        apply_listed(&mut conn, &[one, two, three]).unwrap();
        assert_eq!(
            tables(&conn),
            ["t1", "t2", "t3"],
            "2 applied, 1 and 3 not again"
        );
        apply_listed(&mut conn, &[one, two, three]).unwrap();
    }
}
