//! Embedded, forward-only schema migrations, tracked with `PRAGMA user_version`.
//!
//! Each change is one `.sql` file, applied in its own transaction and never edited
//! once shipped. A file from a newer Doorstep (higher user_version) is refused rather
//! than guessed at.

use rusqlite::Connection;

use crate::connection::APPLICATION_ID;
use crate::error::{Result, StoreError};

/// Every migration, in order; the schema version is the number applied.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_initial.sql"),
    include_str!("../migrations/0002_surveys.sql"),
    include_str!("../migrations/0003_plans_cocoons.sql"),
    include_str!("../migrations/0004_fire.sql"),
    include_str!("../migrations/0005_sync.sql"),
    include_str!("../migrations/0006_work_orders.sql"),
    include_str!("../migrations/0007_synced_duplicates.sql"),
    include_str!("../migrations/0008_set_aside.sql"),
    include_str!("../migrations/0009_household_openings.sql"),
    include_str!("../migrations/0010_restriction.sql"),
];

/// The schema version this build writes.
pub fn latest() -> i64 {
    i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX)
}

/// Brings the schema up to date, refusing a newer one.
pub fn migrate(conn: &mut Connection) -> Result<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > latest() {
        return Err(StoreError::SchemaTooNew {
            found: current,
            known: latest(),
        });
    }
    for (index, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(current).unwrap_or(0))
    {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.execute_batch(&format!(
            "PRAGMA user_version = {}; PRAGMA application_id = {APPLICATION_ID};",
            index + 1
        ))?;
        tx.commit()?;
    }
    Ok(())
}
