//! The audit log, and the row counts administrators and tests check.

use std::collections::HashSet;

use deadpool_postgres::{Pool, Transaction};
use doorstep_sync::protocol::{Opening, OpeningsResponse};

use crate::model::{AuditEntry, Principal, StoreError};
use crate::store::Stats;

/// Appends audit lines, in one statement (the portal writes its own through this too).
pub(super) async fn insert(tx: &Transaction<'_>, entries: &[AuditEntry]) -> Result<(), StoreError> {
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

/// Appends to the audit log, in its own transaction.
pub(super) async fn append(pool: &Pool, entries: &[AuditEntry]) -> Result<(), StoreError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    insert(&tx, entries).await?;
    tx.commit().await?;
    Ok(())
}

/// Records a batch of household openings in one transaction: the ids this device had not
/// sent before get their `open` lines (see [`crate::openings`]).
pub(super) async fn record_openings(
    pool: &Pool,
    who: &Principal,
    openings: &[Opening],
    now: i64,
) -> Result<OpeningsResponse, StoreError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let ids: Vec<String> = openings.iter().map(|o| o.id.to_string()).collect();
    // One statement for the batch; an id twice in it is inserted once, and returned once.
    let rows = tx
        .query(
            "INSERT INTO audit_openings (device_id, opening_id, received_at)
             SELECT $1, id, $3 FROM unnest($2::TEXT[]) AS id
             ON CONFLICT (device_id, opening_id) DO NOTHING
             RETURNING opening_id",
            &[&who.device_id.to_string(), &ids, &now],
        )
        .await?;
    let mut new: HashSet<String> = rows.iter().map(|r| r.get(0)).collect();
    let (response, lines) = crate::openings::audit_lines(
        who,
        openings,
        |opening| new.remove(&opening.id.to_string()),
        now,
    );
    insert(&tx, &lines).await?;
    tx.commit().await?;
    Ok(response)
}

/// The latest `limit` audit entries, oldest first.
pub(super) async fn latest(pool: &Pool, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
    let client = pool.get().await?;
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

/// Row counts of the sync tables.
pub(super) async fn stats(pool: &Pool) -> Result<Stats, StoreError> {
    let client = pool.get().await?;
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
