//! The purge: tombstones older than the retention forgotten and the change log compacted
//! below the new horizon, as [`crate::purge`] plans it.

use std::collections::HashMap;

use rusqlite::{Transaction, params};

use super::log::{entity_of, named_counter, set_counter};
use crate::model::StoreError;
use crate::purge::{DAY_MS, EntryMeta, RecordMeta, plan_purge};
use crate::store::Purged;

/// Forgets old tombstones and compacts the change log below the new horizon.
pub(super) fn purge(
    tx: &Transaction<'_>,
    tombstone_days: u32,
    now: i64,
) -> Result<Purged, StoreError> {
    let cutoff = now.saturating_sub(i64::from(tombstone_days).saturating_mul(DAY_MS));
    let newest_old: Option<i64> = tx.query_row(
        "SELECT max(seq) FROM change_log WHERE at < ?1",
        [cutoff],
        |r| r.get(0),
    )?;
    let horizon = named_counter(tx, "horizon")?.max(newest_old.unwrap_or(0));
    let mut entries = Vec::new();
    {
        let mut stmt = tx.prepare(
            "SELECT seq, entity, entity_id, team_id, kind, change FROM change_log
             WHERE seq <= ?1 ORDER BY seq",
        )?;
        let mut rows = stmt.query([horizon])?;
        while let Some(r) = rows.next()? {
            let entity: String = r.get(1)?;
            let kind: String = r.get(4)?;
            let body: String = r.get(5)?;
            entries.push(EntryMeta::from_row(
                r.get(0)?,
                &entity,
                r.get(2)?,
                r.get(3)?,
                &kind,
                &body,
            )?);
        }
    }
    let mut records = HashMap::new();
    {
        let mut stmt = tx.prepare(
            "SELECT entity, entity_id, team_id, field_versions, tombstoned_at, updated_seq
             FROM records",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let entity: String = r.get(0)?;
            let versions: String = r.get(3)?;
            records.insert(
                (entity_of(&entity)?, r.get(1)?),
                RecordMeta {
                    team_id: r.get(2)?,
                    versions: serde_json::from_str(&versions)?,
                    tombstoned_at: r.get(4)?,
                    updated_seq: r.get(5)?,
                },
            );
        }
    }
    let plan = plan_purge(&records, &entries, horizon, cutoff);
    let mut forget =
        tx.prepare_cached("DELETE FROM records WHERE entity = ?1 AND entity_id = ?2")?;
    for (entity, entity_id) in &plan.records {
        forget.execute(params![entity.as_str(), entity_id])?;
    }
    let mut drop = tx.prepare_cached("DELETE FROM change_log WHERE seq = ?1")?;
    for seq in &plan.entries {
        drop.execute([seq])?;
    }
    set_counter(tx, "horizon", horizon)?;
    Ok(Purged {
        horizon,
        records: plan.records.len(),
        entries: plan.entries.len(),
    })
}
