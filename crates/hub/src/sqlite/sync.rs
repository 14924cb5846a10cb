//! Sync: a device's push, planned by [`crate::push`] and written here in one transaction,
//! and its pull, paged by [`crate::pull`] from the change log.

use std::collections::HashMap;

use doorstep_sync::protocol::{Change, PullResponse, PushResponse};
use rusqlite::{OptionalExtension, Transaction, params};

use super::audit::insert as insert_audit;
use super::log::{
    append_entries, counter, hub_clock, named_counter, read_records, set_counter, set_hub_clock,
    user_names, write_records,
};
use crate::access;
use crate::conflicts::HubIdentity;
use crate::model::{Principal, StoreError};
use crate::pull::{LogRow, needs_full_resync, pull_page, start_again};
use crate::push::{PushInputs, PushPlan, keys_of};

/// Applies a batch of changes: each once, merged, logged and audited.
pub(super) fn push(
    tx: &Transaction<'_>,
    hub: HubIdentity,
    who: &Principal,
    changes: &[Change],
    now: i64,
) -> Result<PushResponse, StoreError> {
    let device_id = who.device_id.to_string();
    let mut seen = HashMap::new();
    {
        let mut stmt =
            tx.prepare_cached("SELECT device_id FROM applied_changes WHERE change_id = ?1")?;
        for change in changes {
            if let Some(by) = stmt
                .query_row([change.change_id.to_string()], |r| r.get::<_, String>(0))
                .optional()?
            {
                seen.insert(change.change_id, by);
            }
        }
    }
    let mut erased = std::collections::HashSet::new();
    {
        let mut stmt = tx.prepare_cached("SELECT 1 FROM erased_records WHERE entity_id = ?1")?;
        for id in crate::privacy::erasure::ids_named(changes) {
            if stmt.exists([&id])? {
                erased.insert(id);
            }
        }
    }
    let mut restricted = HashMap::new();
    {
        let mut stmt =
            tx.prepare_cached("SELECT household_id FROM restricted_records WHERE entity_id = ?1")?;
        for id in crate::privacy::erasure::ids_named(changes) {
            if let Some(household) = stmt
                .query_row([&id], |r| r.get::<_, String>(0))
                .optional()?
            {
                restricted.insert(id, household);
            }
        }
    }
    let inputs = PushInputs {
        seen,
        records: read_records(tx, &keys_of(changes))?,
        counter: counter(tx)?,
        erased,
        restricted,
    };
    let mut plan = PushPlan::new(who, changes, inputs, now)?;
    if plan.raised_conflicts() {
        let names = user_names(tx, &plan.kept_devices())?;
        if let Some(last) = plan.raise_conflict_records(hub, hub_clock(tx)?, &names)? {
            set_hub_clock(tx, last)?;
        }
    }
    write_records(tx, plan.records_to_write())?;
    append_entries(tx, &plan.entries)?;
    {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO applied_changes (change_id, device_id, seq, applied_at)
             VALUES (?1, ?2, ?3, ?4)",
        )?;
        for row in &plan.applied {
            stmt.execute(params![row.change_id, device_id, row.seq, now])?;
        }
        let mut stmt = tx.prepare_cached(
            "INSERT INTO conflicts (change_id, entity, entity_id, field, conflict,
                                    device_id, user_id, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?;
        let user_id = who.user_id.to_string();
        for c in &plan.conflict_rows {
            stmt.execute(params![
                c.change_id,
                c.entity,
                c.entity_id,
                c.field,
                c.body,
                device_id,
                user_id,
                now
            ])?;
        }
    }
    set_counter(tx, "change_log", plan.counter())?;
    // Delivered in the push's own transaction, so a referral the hub has is never left
    // undelivered by a crash, and the laptop's pull that follows brings the delivery back.
    super::referrals::deliver(tx, hub.device_id, &crate::push::referral_ids(changes), now)?;
    if let Some(last) = changes.last() {
        tx.prepare_cached(
            "UPDATE device_cursors SET last_change_id = ?2, updated_at = ?3
             WHERE device_id = ?1",
        )?
        .execute(params![device_id, last.change_id.to_string(), now])?;
    }
    let (response, audit) = plan.finish(changes);
    insert_audit(tx, &audit)?;
    Ok(response)
}

/// The change log after `after` as `who` may see it; stores the device's cursor.
pub(super) fn pull(
    tx: &Transaction<'_>,
    who: &Principal,
    after: u64,
    limit: u32,
    now: i64,
) -> Result<PullResponse, StoreError> {
    let device_id = who.device_id.to_string();
    // The head first: every entry at or below it is committed.
    let head = counter(tx)?;
    let horizon = named_counter(tx, "horizon")?;
    let flagged: bool = tx
        .prepare_cached("SELECT resync_needed FROM device_cursors WHERE device_id = ?1")?
        .query_row([&device_id], |r| r.get(0))
        .optional()?
        .unwrap_or(false);
    let after_i = i64::try_from(after).unwrap_or(i64::MAX);
    let (response, audit) = if needs_full_resync(after, head, horizon, flagged) {
        start_again(who, after, now)
    } else {
        let entities: Vec<String> = access::entities_for(who.role)
            .iter()
            .map(|e| format!("'{}'", e.as_str()))
            .collect();
        let rows = if entities.is_empty() {
            Vec::new()
        } else {
            // The names are the protocol's own constants, never the caller's text.
            let sql = format!(
                "SELECT seq, kind, change FROM change_log
                 WHERE team_id = ?1 AND seq > ?2 AND seq <= ?3
                   AND entity IN ({})
                 ORDER BY seq LIMIT ?4",
                entities.join(", ")
            );
            let mut stmt = tx.prepare_cached(&sql)?;
            stmt.query_map(
                params![who.team_id, after_i, head, i64::from(limit) + 1],
                |r| {
                    Ok(LogRow {
                        seq: r.get(0)?,
                        kind: r.get(1)?,
                        body: r.get(2)?,
                    })
                },
            )?
            .collect::<Result<Vec<_>, _>>()?
        };
        pull_page(who, after, head, rows, limit, now)?
    };
    let clear = if after == 0 {
        ", resync_needed = 0"
    } else {
        ""
    };
    tx.execute(
        &format!(
            "INSERT INTO device_cursors (device_id, pulled_seq, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (device_id) DO UPDATE SET pulled_seq = excluded.pulled_seq,
                 updated_at = excluded.updated_at{clear}"
        ),
        params![device_id, after_i, now],
    )?;
    insert_audit(tx, &audit)?;
    Ok(response)
}
