//! Sync: a device's push, planned by [`crate::push`] and written here in one transaction
//! that holds the counter row, and its pull, paged by [`crate::pull`] from one snapshot.

use std::collections::HashMap;

use deadpool_postgres::Pool;
use doorstep_sync::protocol::{Change, PullResponse, PushResponse};

use super::audit::insert as insert_audit;
use super::log::{
    append_entries, hub_clock, lock_counter, read_records, set_counter, set_hub_clock, user_names,
    write_records,
};
use crate::access;
use crate::conflicts::HubIdentity;
use crate::model::{Principal, StoreError};
use crate::pull::{LogRow, needs_full_resync, pull_page, start_again};
use crate::push::{PushInputs, PushPlan, keys_of};

/// Applies a batch of changes: each once, merged, logged and audited.
pub(super) async fn push(
    pool: &Pool,
    hub: HubIdentity,
    who: &Principal,
    changes: &[Change],
    now: i64,
) -> Result<PushResponse, StoreError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    // Pushes take turns on the counter row: seqs commit in order, and two pushes never
    // merge into the same record at once.
    let counter = lock_counter(&tx).await?;
    let device_id = who.device_id.to_string();
    let ids: Vec<String> = changes.iter().map(|c| c.change_id.to_string()).collect();
    let stmt = tx
        .prepare_cached(
            "SELECT change_id, device_id FROM applied_changes WHERE change_id = ANY($1)",
        )
        .await?;
    let mut seen = HashMap::new();
    for row in tx.query(&stmt, &[&ids]).await? {
        if let Ok(id) = row.get::<_, &str>(0).parse() {
            seen.insert(id, row.get::<_, String>(1));
        }
    }
    let named = crate::privacy::erasure::ids_named(changes);
    let stmt = tx
        .prepare_cached("SELECT entity_id FROM erased_records WHERE entity_id = ANY($1)")
        .await?;
    let erased = tx
        .query(&stmt, &[&named])
        .await?
        .iter()
        .map(|row| row.get::<_, String>(0))
        .collect();
    let stmt = tx
        .prepare_cached(
            "SELECT entity_id, household_id FROM restricted_records WHERE entity_id = ANY($1)",
        )
        .await?;
    let restricted = tx
        .query(&stmt, &[&named])
        .await?
        .iter()
        .map(|row| (row.get::<_, String>(0), row.get::<_, String>(1)))
        .collect();
    let inputs = PushInputs {
        seen,
        records: read_records(&tx, &keys_of(changes)).await?,
        counter,
        erased,
        restricted,
    };
    let mut plan = PushPlan::new(who, changes, inputs, now)?;
    if plan.raised_conflicts() {
        let names = user_names(&tx, &plan.kept_devices()).await?;
        let last = hub_clock(&tx).await?;
        if let Some(last) = plan.raise_conflict_records(hub, last, &names)? {
            set_hub_clock(&tx, last).await?;
        }
    }
    write_records(&tx, plan.records_to_write()).await?;
    append_entries(&tx, &plan.entries).await?;
    if !plan.applied.is_empty() {
        let applied: Vec<&str> = plan.applied.iter().map(|a| a.change_id.as_str()).collect();
        let seqs: Vec<Option<i64>> = plan.applied.iter().map(|a| a.seq).collect();
        let stmt = tx
            .prepare_cached(
                "INSERT INTO applied_changes (change_id, device_id, seq, applied_at)
                 SELECT c, $2, s, $3 FROM unnest($1::TEXT[], $4::BIGINT[]) AS t (c, s)",
            )
            .await?;
        tx.execute(&stmt, &[&applied, &device_id, &now, &seqs])
            .await?;
    }
    if !plan.conflict_rows.is_empty() {
        let rows = &plan.conflict_rows;
        let change_id: Vec<&str> = rows.iter().map(|c| c.change_id.as_str()).collect();
        let entity: Vec<&str> = rows.iter().map(|c| c.entity).collect();
        let entity_id: Vec<&str> = rows.iter().map(|c| c.entity_id.as_str()).collect();
        let field: Vec<&str> = rows.iter().map(|c| c.field.as_str()).collect();
        let body: Vec<&str> = rows.iter().map(|c| c.body.as_str()).collect();
        let user_id = who.user_id.to_string();
        tx.execute(
            "INSERT INTO conflicts (change_id, entity, entity_id, field, conflict, device_id,
                                    user_id, at)
             SELECT c, e, i, f, b, $6, $7, $8
             FROM unnest($1::TEXT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::TEXT[])
                  AS t (c, e, i, f, b)",
            &[
                &change_id, &entity, &entity_id, &field, &body, &device_id, &user_id, &now,
            ],
        )
        .await?;
    }
    set_counter(&tx, "change_log", plan.counter()).await?;
    // Delivered in the push's own transaction, so a referral the hub has is never left
    // undelivered by a crash, and the laptop's pull that follows brings the delivery back.
    super::referrals::deliver(&tx, hub.device_id, &crate::push::referral_ids(changes), now).await?;
    if let Some(last) = changes.last() {
        let stmt = tx
            .prepare_cached(
                "UPDATE device_cursors SET last_change_id = $2, updated_at = $3
                 WHERE device_id = $1",
            )
            .await?;
        tx.execute(&stmt, &[&device_id, &last.change_id.to_string(), &now])
            .await?;
    }
    let (response, audit) = plan.finish(changes);
    insert_audit(&tx, &audit).await?;
    tx.commit().await?;
    Ok(response)
}

/// The change log after `after` as `who` may see it; stores the device's cursor.
pub(super) async fn pull(
    pool: &Pool,
    who: &Principal,
    after: u64,
    limit: u32,
    now: i64,
) -> Result<PullResponse, StoreError> {
    let mut client = pool.get().await?;
    // One snapshot for the whole pull: the head, the horizon and the entries read all
    // belong together, even if a purge compacts the log meanwhile.
    let tx = client
        .build_transaction()
        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await?;
    let device_id = who.device_id.to_string();
    // The head first: the counter is bumped inside each push transaction, so every
    // entry at or below the committed head is committed too.
    let stmt = tx
        .prepare_cached(
            "SELECT (SELECT value FROM counters WHERE name = 'change_log'),
                    (SELECT value FROM counters WHERE name = 'horizon'),
                    (SELECT resync_needed FROM device_cursors WHERE device_id = $1)",
        )
        .await?;
    let row = tx.query_one(&stmt, &[&device_id]).await?;
    let (head, horizon, flagged): (i64, i64, Option<bool>) = (row.get(0), row.get(1), row.get(2));
    let after_i = i64::try_from(after).unwrap_or(i64::MAX);
    let (response, audit) = if needs_full_resync(after, head, horizon, flagged == Some(true)) {
        start_again(who, after, now)
    } else {
        let entities: Vec<&str> = access::entities_for(who.role)
            .iter()
            .map(|e| e.as_str())
            .collect();
        let rows = if entities.is_empty() {
            Vec::new()
        } else {
            let stmt = tx
                .prepare_cached(
                    "SELECT seq, kind, change FROM change_log
                     WHERE team_id = $1 AND seq > $2 AND seq <= $3 AND entity = ANY($5)
                     ORDER BY seq LIMIT $4",
                )
                .await?;
            tx.query(
                &stmt,
                &[
                    &who.team_id,
                    &after_i,
                    &head,
                    &(i64::from(limit) + 1),
                    &entities,
                ],
            )
            .await?
            .iter()
            .map(|r| LogRow {
                seq: r.get(0),
                kind: r.get(1),
                body: r.get(2),
            })
            .collect()
        };
        pull_page(who, after, head, rows, limit, now)?
    };
    // The snapshot was only for reading. The cursor and the audit row are written in a
    // transaction of their own at READ COMMITTED: an upsert there waits for a concurrent
    // pull of the same device instead of failing it with a serialisation error (40001),
    // which inside the snapshot it would.
    tx.commit().await?;
    let tx = client.transaction().await?;
    let stmt = tx
        .prepare_cached(
            "INSERT INTO device_cursors (device_id, pulled_seq, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (device_id) DO UPDATE SET pulled_seq = excluded.pulled_seq,
                 updated_at = excluded.updated_at,
                 resync_needed = device_cursors.resync_needed AND NOT $4",
        )
        .await?;
    tx.execute(&stmt, &[&device_id, &after_i, &now, &(after == 0)])
        .await?;
    insert_audit(&tx, &audit).await?;
    tx.commit().await?;
    Ok(response)
}
