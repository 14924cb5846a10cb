//! Local changes on their way out: the outbox read in batches and marked as the hub takes
//! them, and the check that records and the outbox agree.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use doorstep_core::{DeviceId, Hlc, OfficerId};
use rusqlite::params;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::registry::{KINDS, Kind};
use crate::error::Result;
use crate::store::Store;

/// One unpushed outbox row, ready to become a wire `Change`.
#[derive(Debug, Clone, PartialEq)]
pub struct OutgoingChange {
    /// Its place in the outbox.
    pub seq: i64,
    /// The change's own id; the hub applies it once.
    pub change_id: uuid::Uuid,
    /// The kind of record.
    pub entity: String,
    /// The record's id.
    pub entity_id: String,
    /// `create`, `update` or `delete`.
    pub operation: String,
    /// The fields that changed, with their new values.
    pub fields: Map<String, Value>,
    /// Each changed field's version before the change.
    pub base_versions: BTreeMap<String, Option<Hlc>>,
    /// The change's clock reading.
    pub hlc: Hlc,
    /// Who made it.
    pub officer_id: OfficerId,
    /// On which laptop.
    pub device_id: DeviceId,
    /// When, by this laptop's clock.
    pub made_at: DateTime<Utc>,
}

/// An outbox row's payload, as `tracking` writes it.
#[derive(Deserialize)]
pub(super) struct Payload {
    /// The fields the change set, with their values.
    pub fields: Map<String, Value>,
    /// Each changed field's version before the change.
    #[serde(default)]
    pub base_versions: BTreeMap<String, Option<Hlc>>,
}

impl Store {
    /// Unpushed outbox rows, oldest first, at most `limit`.
    pub fn outbox_batch(&self, limit: usize) -> Result<Vec<OutgoingChange>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT seq, change_id, entity, entity_id, operation, payload, hlc, officer_id, device_id, created_at
             FROM outbox INDEXED BY outbox_unpushed WHERE pushed_at IS NULL ORDER BY seq LIMIT ?1",
        )?;
        let rows = stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                crate::rows::parsed::<uuid::Uuid>(r, 1, "bad change id")?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                crate::rows::parsed::<Hlc>(r, 6, "bad clock reading")?,
                crate::rows::parsed::<OfficerId>(r, 7, "bad officer id")?,
                crate::rows::parsed::<DeviceId>(r, 8, "bad device id")?,
                r.get::<_, DateTime<Utc>>(9)?,
            ))
        })?;
        let mut batch = Vec::new();
        for row in rows {
            let (
                seq,
                change_id,
                entity,
                entity_id,
                operation,
                payload,
                hlc,
                officer_id,
                device_id,
                made_at,
            ) = row?;
            let payload: Payload = serde_json::from_str(&payload)?;
            batch.push(OutgoingChange {
                seq,
                change_id,
                entity,
                entity_id,
                operation,
                fields: payload.fields,
                base_versions: payload.base_versions,
                hlc,
                officer_id,
                device_id,
                made_at,
            });
        }
        Ok(batch)
    }

    /// Marks these changes as accepted by the hub (sets `pushed_at`); unknown ids, and ids
    /// already marked, are ignored.
    pub fn mark_pushed(&mut self, change_ids: &[uuid::Uuid], at: DateTime<Utc>) -> Result<()> {
        if change_ids.is_empty() {
            return Ok(());
        }
        let wanted: HashSet<String> = change_ids.iter().map(ToString::to_string).collect();
        let tx = self.conn.transaction()?;
        {
            // The unpushed rows are few and indexed; `change_id` is not, so match them here.
            let unpushed: Vec<(i64, String)> = tx
                .prepare_cached(
                    "SELECT seq, change_id FROM outbox INDEXED BY outbox_unpushed WHERE pushed_at IS NULL",
                )?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            let mut mark = tx.prepare_cached("UPDATE outbox SET pushed_at = ?2 WHERE seq = ?1")?;
            for (seq, change_id) in unpushed {
                if wanted.contains(&change_id) {
                    mark.execute(params![seq, at])?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }
}

/// Test-only views of the store's internals; not for the app.
#[doc(hidden)]
impl Store {
    /// Where records and the outbox disagree, one line each; empty when they agree. They
    /// agree when every outbox row names a record that is at least as new as the row (a
    /// row written without its record, or a record rolled back under its row, shows), and
    /// every record this device wrote last has the outbox row of that write (a record
    /// written without its row shows). Records the hub removed leave their pushed rows
    /// behind, so this is for stores that were never told to remove a record.
    pub fn debug_outbox_disagreements(&self) -> Result<Vec<String>> {
        let conn = self.conn();
        let device = self.device().id.to_string();
        let mut found = Vec::new();
        for Kind { entity, table, .. } in &KINDS {
            let mut rows = conn.prepare(&format!(
                "SELECT o.seq, o.entity_id, o.hlc, t.hlc FROM outbox o
                 LEFT JOIN \"{table}\" t ON t.id = o.entity_id
                 WHERE o.entity = ?1 AND (t.id IS NULL OR t.hlc < o.hlc)"
            ))?;
            let rows = rows.query_map([entity], |r| {
                Ok(format!(
                    "outbox row {} ({entity} {} at {}) has {}",
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    match r.get::<_, Option<String>>(3)? {
                        Some(hlc) => format!("an older record, at {hlc}"),
                        None => "no record".to_owned(),
                    }
                ))
            })?;
            found.extend(rows.collect::<rusqlite::Result<Vec<_>>>()?);
            // A reading's device is its last 36 characters (the fixed-width format). The
            // outbox has no index on (entity_id, hlc): a list SQLite builds once beats a
            // correlated lookup that would scan the outbox for every record.
            let mut rows = conn.prepare(&format!(
                "SELECT t.id, t.hlc FROM \"{table}\" t
                 WHERE substr(t.hlc, -36) = ?2
                   AND (t.id, t.hlc) NOT IN (SELECT entity_id, hlc FROM outbox WHERE entity = ?1)"
            ))?;
            let rows = rows.query_map(params![entity, device], |r| {
                Ok(format!(
                    "{entity} {} was written here at {} without its outbox row",
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?
                ))
            })?;
            found.extend(rows.collect::<rusqlite::Result<Vec<_>>>()?);
        }
        Ok(found)
    }
}
