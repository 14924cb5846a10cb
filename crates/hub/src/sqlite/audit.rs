//! The audit log, and the row counts administrators and tests check.

use std::collections::HashSet;

use doorstep_sync::protocol::{Opening, OpeningsResponse};
use rusqlite::{Connection, Transaction, params};

use crate::model::{AuditEntry, Principal, StoreError};
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

/// Records a batch of household openings: the ids this device had not sent before get
/// their `open` lines (see [`crate::openings`]).
pub(super) fn record_openings(
    tx: &Transaction<'_>,
    who: &Principal,
    openings: &[Opening],
    now: i64,
) -> Result<OpeningsResponse, StoreError> {
    let device = who.device_id.to_string();
    let mut remember = tx.prepare_cached(
        "INSERT INTO audit_openings (device_id, opening_id, received_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (device_id, opening_id) DO NOTHING",
    )?;
    let mut new = HashSet::new();
    for opening in openings {
        if remember.execute(params![device, opening.id.to_string(), now])? == 1 {
            new.insert(opening.id);
        }
    }
    // An id twice in the batch was inserted once: its first place gets the line.
    let (response, lines) =
        crate::openings::audit_lines(who, openings, |opening| new.remove(&opening.id), now);
    insert(tx, &lines)?;
    Ok(response)
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
