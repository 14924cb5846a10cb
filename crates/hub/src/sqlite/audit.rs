//! The audit log, and the row counts administrators and tests check.

use rusqlite::{Connection, Transaction, params};

use crate::model::{AuditEntry, StoreError};
use crate::store::Stats;

/// Appends audit lines (the portal writes its own through this too).
pub(super) fn insert(tx: &Transaction<'_>, entries: &[AuditEntry]) -> Result<(), StoreError> {
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

/// The latest `limit` audit entries, oldest first.
pub(super) fn latest(conn: &Connection, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
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
}

/// Row counts of the sync tables.
pub(super) fn stats(conn: &Connection) -> Result<Stats, StoreError> {
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
}
