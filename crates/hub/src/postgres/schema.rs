//! The PostgreSQL schema: the embedded migrations (the sync tables, then the portal's),
//! applied forward only at connect under an advisory lock, and the hub's own identity,
//! made on first start.

use deadpool_postgres::Pool;

use crate::conflicts::HubIdentity;
use crate::model::StoreError;

/// The embedded migrations, applied in order; forward only. Numbers may have gaps: changes
/// made side by side each take their own number, and each is applied when it has not been
/// (see [`migrate`]), so one that lands after a higher number still runs.
const MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        include_str!("../../migrations/postgres/0001_initial.sql"),
    ),
    (
        2,
        include_str!("../../migrations/postgres/0002_sync_scope.sql"),
    ),
    (3, include_str!("../../migrations/postgres/0003_portal.sql")),
    (
        4,
        include_str!("../../migrations/postgres/0004_withdrawn_tokens.sql"),
    ),
    (
        5,
        include_str!("../../migrations/postgres/0005_console.sql"),
    ),
    (
        6,
        include_str!("../../migrations/postgres/0006_audit_indexes.sql"),
    ),
    (
        7,
        include_str!("../../migrations/postgres/0007_case_index.sql"),
    ),
    (
        8,
        include_str!("../../migrations/postgres/0008_referrals.sql"),
    ),
    (
        9,
        include_str!("../../migrations/postgres/0009_privacy.sql"),
    ),
    (
        10,
        include_str!("../../migrations/postgres/0010_household_openings.sql"),
    ),
    (
        11,
        include_str!("../../migrations/postgres/0011_restriction.sql"),
    ),
    (
        12,
        include_str!("../../migrations/postgres/0012_retention.sql"),
    ),
    (13, include_str!("../../migrations/postgres/0013_crime.sql")),
    (
        14,
        include_str!("../../migrations/postgres/0014_report_facts.sql"),
    ),
];

/// Taken while migrating, so two hubs starting together do not both migrate.
const MIGRATION_LOCK: i64 = 0x646f_6f72_7374_6570; // "doorstep"

/// Brings the schema up to date, in one transaction.
pub(super) async fn migrate(pool: &Pool) -> Result<(), StoreError> {
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
        // Every version not applied yet, not only those above the highest applied: a hub
        // that ran 0010 before 0009 was merged must still get 0009.
        let applied: Vec<i64> = tx
            .query("SELECT version FROM schema_migrations", &[])
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        for (version, sql) in MIGRATIONS {
            if !applied.contains(version) {
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
pub(super) async fn hub_identity(pool: &Pool) -> Result<HubIdentity, StoreError> {
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
