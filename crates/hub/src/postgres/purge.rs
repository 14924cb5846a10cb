//! The purge: tombstones older than the retention forgotten and the change log compacted
//! below the new horizon, as [`crate::purge`] plans it.

use std::collections::HashMap;

use deadpool_postgres::Pool;

use super::log::{entity_of, lock_counter, set_counter};
use crate::model::StoreError;
use crate::purge::{DAY_MS, EntryMeta, RecordMeta, plan_purge};
use crate::store::Purged;

/// Forgets old tombstones and compacts the change log below the new horizon.
pub(super) async fn purge(
    pool: &Pool,
    tombstone_days: u32,
    now: i64,
) -> Result<Purged, StoreError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    lock_counter(&tx).await?;
    let cutoff = now.saturating_sub(i64::from(tombstone_days).saturating_mul(DAY_MS));
    let row = tx
        .query_one(
            "SELECT (SELECT value FROM counters WHERE name = 'horizon'),
                    (SELECT max(seq) FROM change_log WHERE at < $1)",
            &[&cutoff],
        )
        .await?;
    let horizon = row
        .get::<_, i64>(0)
        .max(row.get::<_, Option<i64>>(1).unwrap_or(0));
    let mut entries = Vec::new();
    for r in tx
        .query(
            "SELECT seq, entity, entity_id, team_id, kind, change FROM change_log
             WHERE seq <= $1 ORDER BY seq",
            &[&horizon],
        )
        .await?
    {
        entries.push(EntryMeta::from_row(
            r.get(0),
            r.get(1),
            r.get(2),
            r.get(3),
            r.get(4),
            r.get(5),
        )?);
    }
    let mut records = HashMap::new();
    for r in tx
        .query(
            "SELECT entity, entity_id, team_id, field_versions, tombstoned_at, updated_seq
             FROM records",
            &[],
        )
        .await?
    {
        records.insert(
            (entity_of(r.get(0))?, r.get(1)),
            RecordMeta {
                team_id: r.get(2),
                versions: serde_json::from_str(r.get(3))?,
                tombstoned_at: r.get(4),
                updated_seq: r.get(5),
            },
        );
    }
    let plan = plan_purge(&records, &entries, horizon, cutoff);
    let entities: Vec<&str> = plan.records.iter().map(|k| k.0.as_str()).collect();
    let ids: Vec<&str> = plan.records.iter().map(|k| k.1.as_str()).collect();
    tx.execute(
        "DELETE FROM records r USING unnest($1::TEXT[], $2::TEXT[]) AS k (entity, entity_id)
         WHERE r.entity = k.entity AND r.entity_id = k.entity_id",
        &[&entities, &ids],
    )
    .await?;
    tx.execute(
        "DELETE FROM change_log WHERE seq = ANY($1)",
        &[&plan.entries],
    )
    .await?;
    set_counter(&tx, "horizon", horizon).await?;
    tx.commit().await?;
    Ok(Purged {
        horizon,
        records: plan.records.len(),
        entries: plan.entries.len(),
    })
}
