//! The change log and the records it numbers: reading and writing records, appending
//! entries under the locked counter row, and the hub's own clock for the changes it makes
//! itself. Pushes, transfers, purges and the portal's steps all write through these.

use std::collections::HashMap;

use deadpool_postgres::Transaction;
use doorstep_core::Hlc;
use doorstep_sync::protocol::{Change, EntityKind};
use tokio_postgres::types::ToSql;

use crate::model::StoreError;
use crate::push::{NewEntry, RecordKey};
use crate::store::StoredRecord;

/// The last reading of the hub's clock.
pub(super) async fn hub_clock(tx: &Transaction<'_>) -> Result<Option<Hlc>, StoreError> {
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
/// Every change the hub makes itself passes here, so a record of a restricted household is
/// refused here.
pub(super) async fn write_hub_change(
    tx: &Transaction<'_>,
    record: &StoredRecord,
    change: &Change,
    now: i64,
) -> Result<i64, StoreError> {
    crate::privacy::restriction::check_hub_change(
        change,
        restricted_household(tx, &change.entity_id)
            .await?
            .as_deref(),
    )?;
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

/// The restricted household record `id` belongs to, if it does (`restricted_records`).
pub(super) async fn restricted_household(
    tx: &Transaction<'_>,
    id: &str,
) -> Result<Option<String>, StoreError> {
    let stmt = tx
        .prepare_cached("SELECT household_id FROM restricted_records WHERE entity_id = $1")
        .await?;
    Ok(tx
        .query_opt(&stmt, &[&id])
        .await?
        .map(|row| row.get::<_, String>(0)))
}

/// Keeps the hub clock's last reading.
pub(super) async fn set_hub_clock(tx: &Transaction<'_>, hlc: Hlc) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO hub_settings (name, value) VALUES ('hub_hlc', $1)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        &[&hlc.to_string()],
    )
    .await?;
    Ok(())
}

/// Reads a stored entity name.
pub(super) fn entity_of(text: &str) -> Result<EntityKind, StoreError> {
    EntityKind::parse(text)
        .ok_or_else(|| StoreError::Backend(format!("stored entity {text:?} is damaged")))
}

/// Locks the change-log counter row and reads it: pushes, transfers and purges take
/// turns on it, so log entries commit in seq order.
pub(super) async fn lock_counter(tx: &Transaction<'_>) -> Result<i64, StoreError> {
    let stmt = tx
        .prepare_cached("SELECT value FROM counters WHERE name = 'change_log' FOR UPDATE")
        .await?;
    Ok(tx.query_one(&stmt, &[]).await?.get(0))
}

/// Sets a counter (`change_log` or `horizon`).
pub(super) async fn set_counter(
    tx: &Transaction<'_>,
    name: &str,
    value: i64,
) -> Result<(), StoreError> {
    let stmt = tx
        .prepare_cached("UPDATE counters SET value = $2 WHERE name = $1")
        .await?;
    tx.execute(&stmt, &[&name, &value]).await?;
    Ok(())
}

/// The hub's copies of these records, those that exist, in one query.
pub(super) async fn read_records(
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
pub(super) async fn write_records<'a>(
    tx: &Transaction<'_>,
    rows: impl IntoIterator<Item = (&'a RecordKey, &'a StoredRecord, i64)>,
) -> Result<(), StoreError> {
    let (mut entity, mut id, mut team, mut fields, mut versions) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut tombstone, mut seq, mut tombstoned_at) = (Vec::new(), Vec::new(), Vec::new());
    let rows: Vec<_> = rows.into_iter().collect();
    for ((e, i), record, s) in rows.iter().copied() {
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
    super::casework::index(tx, rows.iter().map(|(k, r, _)| (*k, *r))).await
}

/// Appends change-log entries, in one statement.
pub(super) async fn append_entries(
    tx: &Transaction<'_>,
    entries: &[NewEntry],
) -> Result<(), StoreError> {
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
pub(super) async fn user_names(
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
