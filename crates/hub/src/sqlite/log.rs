//! The change log and the records it numbers: reading and writing records, appending
//! entries under the counter, and the hub's own clock for the changes it makes itself.
//! Pushes, transfers, purges and the portal's steps all write through these.

use std::collections::HashMap;

use doorstep_core::Hlc;
use doorstep_sync::protocol::{Change, EntityKind};
use rusqlite::{OptionalExtension, Transaction, params};

use crate::model::StoreError;
use crate::push::{NewEntry, RecordKey};
use crate::store::StoredRecord;

/// The last reading of the hub's clock.
pub(super) fn hub_clock(tx: &Transaction<'_>) -> Result<Option<Hlc>, StoreError> {
    let text: Option<String> = tx
        .query_row(
            "SELECT value FROM hub_settings WHERE name = 'hub_hlc'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    text.map(|t| {
        t.parse()
            .map_err(|_| StoreError::Backend("the hub's stored clock is damaged".into()))
    })
    .transpose()
}

/// Writes a change the hub made to one record: the record, its log entry under the next
/// counter value, and the hub's clock. Returns the entry's seq. Every change the hub makes
/// itself passes here, so a record of a restricted household is refused here.
pub(super) fn write_hub_change(
    tx: &Transaction<'_>,
    record: &StoredRecord,
    change: &Change,
    now: i64,
) -> Result<i64, StoreError> {
    crate::privacy::restriction::check_hub_change(
        change,
        restricted_household(tx, &change.entity_id)?.as_deref(),
    )?;
    let seq = counter(tx)? + 1;
    let key = (change.entity, change.entity_id.clone());
    write_records(tx, [(&key, record, seq)])?;
    append_entries(
        tx,
        &[NewEntry::of_hub_change(seq, change, &record.team_id, now)?],
    )?;
    set_counter(tx, "change_log", seq)?;
    set_hub_clock(tx, change.hlc)?;
    Ok(seq)
}

/// The restricted household record `id` belongs to, if it does (`restricted_records`).
pub(super) fn restricted_household(
    tx: &Transaction<'_>,
    id: &str,
) -> Result<Option<String>, StoreError> {
    Ok(tx
        .prepare_cached("SELECT household_id FROM restricted_records WHERE entity_id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?)
}

/// Keeps the hub clock's last reading.
pub(super) fn set_hub_clock(tx: &Transaction<'_>, hlc: Hlc) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO hub_settings (name, value) VALUES ('hub_hlc', ?1)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        [hlc.to_string()],
    )?;
    Ok(())
}

/// Reads a stored entity name.
pub(super) fn entity_of(text: &str) -> Result<EntityKind, StoreError> {
    EntityKind::parse(text)
        .ok_or_else(|| StoreError::Backend(format!("stored entity {text:?} is damaged")))
}

/// The hub's copies of these records, those that exist.
pub(super) fn read_records(
    tx: &Transaction<'_>,
    keys: &[RecordKey],
) -> Result<HashMap<RecordKey, StoredRecord>, StoreError> {
    let mut stmt = tx.prepare_cached(
        "SELECT team_id, fields, field_versions, tombstoned_at FROM records
         WHERE entity = ?1 AND entity_id = ?2",
    )?;
    let mut found = HashMap::with_capacity(keys.len());
    for key in keys {
        let row: Option<(String, String, String, Option<i64>)> = stmt
            .query_row(params![key.0.as_str(), key.1], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()?;
        if let Some((team, fields, versions, tombstoned_at)) = row {
            found.insert(
                key.clone(),
                StoredRecord::from_columns(team, &fields, &versions, tombstoned_at)?,
            );
        }
    }
    Ok(found)
}

/// Inserts or updates records, each at its change-log seq.
pub(super) fn write_records<'a>(
    tx: &Transaction<'_>,
    rows: impl IntoIterator<Item = (&'a RecordKey, &'a StoredRecord, i64)>,
) -> Result<(), StoreError> {
    let rows: Vec<_> = rows.into_iter().collect();
    let mut stmt = tx.prepare_cached(
        "INSERT INTO records (entity, entity_id, team_id, fields, field_versions, tombstone,
                              updated_seq, tombstoned_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (entity, entity_id) DO UPDATE SET
             team_id = excluded.team_id, fields = excluded.fields,
             field_versions = excluded.field_versions, tombstone = excluded.tombstone,
             updated_seq = excluded.updated_seq, tombstoned_at = excluded.tombstoned_at",
    )?;
    for ((entity, entity_id), record, seq) in rows.iter().copied() {
        stmt.execute(params![
            entity.as_str(),
            entity_id,
            record.team_id,
            record.fields_json()?,
            record.versions_json()?,
            record.tombstone(),
            seq,
            record.tombstoned_at
        ])?;
    }
    super::casework::index(tx, rows.iter().map(|(k, r, _)| (*k, *r)))
}

/// Appends change-log entries.
pub(super) fn append_entries(tx: &Transaction<'_>, entries: &[NewEntry]) -> Result<(), StoreError> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO change_log (seq, change_id, entity, entity_id, team_id, operation, change,
                                 device_id, user_id, at, kind)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    for e in entries {
        stmt.execute(params![
            e.seq,
            e.change_id,
            e.entity.as_str(),
            e.entity_id,
            e.team_id,
            e.operation,
            e.body,
            e.device_id,
            e.user_id,
            e.at,
            e.kind.as_str()
        ])?;
    }
    Ok(())
}

/// Sets a counter (`change_log` or `horizon`).
pub(super) fn set_counter(tx: &Transaction<'_>, name: &str, value: i64) -> Result<(), StoreError> {
    tx.prepare_cached("UPDATE counters SET value = ?2 WHERE name = ?1")?
        .execute(params![name, value])?;
    Ok(())
}

/// Reads a counter (`change_log` or `horizon`).
pub(super) fn named_counter(tx: &Transaction<'_>, name: &str) -> Result<i64, StoreError> {
    Ok(tx
        .prepare_cached("SELECT value FROM counters WHERE name = ?1")?
        .query_row([name], |r| r.get(0))?)
}

/// The names of the users of these devices.
pub(super) fn user_names(
    tx: &Transaction<'_>,
    devices: &[String],
) -> Result<HashMap<String, String>, StoreError> {
    let mut stmt = tx.prepare_cached(
        "SELECT u.name FROM devices d JOIN users u ON u.id = d.user_id WHERE d.id = ?1",
    )?;
    let mut names = HashMap::new();
    for device in devices {
        if let Some(name) = stmt
            .query_row([device], |r| r.get::<_, String>(0))
            .optional()?
        {
            names.insert(device.clone(), name);
        }
    }
    Ok(names)
}

/// The change-log counter: the seq of the latest entry.
pub(super) fn counter(tx: &Transaction<'_>) -> Result<i64, StoreError> {
    Ok(tx
        .prepare_cached("SELECT value FROM counters WHERE name = 'change_log'")?
        .query_row([], |r| r.get(0))?)
}
