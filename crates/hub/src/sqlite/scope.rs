//! Changes of scope: a household moved to another team with everything that refers to it
//! (planned by [`crate::transfer`]), and a user moved to another team or role, whose
//! devices must then start their pulls again.

use std::collections::HashMap;

use doorstep_core::Role;
use rusqlite::{OptionalExtension, Transaction, params};

use super::accounts::resolve;
use super::audit::insert as insert_audit;
use super::log::{
    append_entries, counter, entity_of, hub_clock, set_counter, set_hub_clock, write_records,
};
use crate::conflicts::HubIdentity;
use crate::model::{Refusal, StoreError};
use crate::push::RecordKey;
use crate::store::{StoredRecord, Transfer};
use crate::transfer::{plan_transfer, take_moving};

/// Moves a household and every record that refers to it to another team.
pub(super) fn transfer_household(
    tx: &Transaction<'_>,
    hub: HubIdentity,
    household_id: &str,
    team: &str,
    now: i64,
) -> Result<Transfer, StoreError> {
    let to_team = resolve(tx, "teams", "team", team)?;
    let from_team: String = tx
        .query_row(
            "SELECT team_id FROM records WHERE entity = 'household' AND entity_id = ?1",
            [household_id],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| Refusal::NotFound(format!("household {household_id:?}")))?;
    let same_org: bool = tx.query_row(
        "SELECT (SELECT org_id FROM teams WHERE id = ?1) = (SELECT org_id FROM teams WHERE id = ?2)",
        params![from_team, to_team],
        |r| r.get(0),
    )?;
    crate::transfer::check_teams(household_id, &from_team, &to_team, same_org)?;
    let mut records: HashMap<RecordKey, StoredRecord> = HashMap::new();
    {
        let mut stmt = tx.prepare(
            "SELECT entity, entity_id, fields, field_versions, tombstoned_at FROM records
             WHERE team_id = ?1",
        )?;
        let mut rows = stmt.query([&from_team])?;
        while let Some(r) = rows.next()? {
            let entity: String = r.get(0)?;
            let fields: String = r.get(2)?;
            let versions: String = r.get(3)?;
            records.insert(
                (entity_of(&entity)?, r.get(1)?),
                StoredRecord::from_columns(from_team.clone(), &fields, &versions, r.get(4)?)?,
            );
        }
    }
    let (moved, moving) = take_moving(household_id, &mut records);
    let plan = plan_transfer(moving, &to_team, hub, hub_clock(tx)?, counter(tx)?, now)?;
    write_records(tx, plan.records.iter().map(|(k, r, seq)| (k, r, *seq)))?;
    append_entries(tx, &plan.entries)?;
    set_counter(tx, "change_log", plan.counter)?;
    if let Some(last) = plan.clock {
        set_hub_clock(tx, last)?;
    }
    let mut grant = tx.prepare_cached(
        "INSERT INTO attachment_teams (sha256, team_id, device_id, user_id, at)
         SELECT sha256, ?2, NULL, NULL, ?3 FROM attachments WHERE sha256 = ?1
         ON CONFLICT (sha256, team_id) DO NOTHING",
    )?;
    for sha in &plan.attachments {
        grant.execute(params![sha, to_team, now])?;
    }
    insert_audit(tx, &plan.audit)?;
    Ok(Transfer {
        from_team,
        to_team,
        moved,
    })
}

/// Moves a user to another team; their devices start again.
pub(super) fn move_user(
    tx: &Transaction<'_>,
    user: &str,
    team: &str,
    now: i64,
) -> Result<String, StoreError> {
    let user_id = resolve(tx, "users", "user", user)?;
    let team_id = resolve(tx, "teams", "team", team)?;
    let changed = tx.execute(
        "UPDATE users SET team_id = ?2 WHERE id = ?1 AND team_id <> ?2",
        params![user_id, team_id],
    )?;
    if changed > 0 {
        flag_resync(tx, &user_id, now)?;
    }
    Ok(user_id)
}

/// Gives a user another role; their devices start again.
pub(super) fn set_role(
    tx: &Transaction<'_>,
    user: &str,
    role: Role,
    now: i64,
) -> Result<String, StoreError> {
    let user_id = resolve(tx, "users", "user", user)?;
    let changed = tx.execute(
        "UPDATE users SET role = ?2 WHERE id = ?1 AND role <> ?2",
        params![user_id, role.as_str()],
    )?;
    if changed > 0 {
        flag_resync(tx, &user_id, now)?;
    }
    Ok(user_id)
}

/// Flags every device of `user_id` to start again from 0 at its next pull.
fn flag_resync(tx: &Transaction<'_>, user_id: &str, now: i64) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE device_cursors SET resync_needed = 1, updated_at = ?2
         WHERE device_id IN (SELECT id FROM devices WHERE user_id = ?1)",
        params![user_id, now],
    )?;
    Ok(())
}
