//! Changes of scope: a household moved to another team with everything that refers to it
//! (planned by [`crate::transfer`]), and a user moved to another team or role, whose
//! devices must then start their pulls again.

use std::collections::HashMap;

use deadpool_postgres::{Pool, Transaction};
use doorstep_core::Role;

use super::accounts::resolve;
use super::audit::insert as insert_audit;
use super::log::{
    append_entries, entity_of, hub_clock, lock_counter, set_counter, set_hub_clock, write_records,
};
use crate::conflicts::HubIdentity;
use crate::model::{Refusal, StoreError};
use crate::push::RecordKey;
use crate::store::{StoredRecord, Transfer};
use crate::transfer::{plan_transfer, take_moving};

/// Moves a household and every record that refers to it to another team.
pub(super) async fn transfer_household(
    pool: &Pool,
    hub: HubIdentity,
    household_id: &str,
    team: &str,
    now: i64,
) -> Result<Transfer, StoreError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let counter = lock_counter(&tx).await?;
    let to_team = resolve(&tx, "teams", "team", team).await?;
    let from_team: String = tx
        .query_opt(
            "SELECT team_id FROM records WHERE entity = 'household' AND entity_id = $1",
            &[&household_id],
        )
        .await?
        .map(|r| r.get(0))
        .ok_or_else(|| Refusal::NotFound(format!("household {household_id:?}")))?;
    let same_org: bool = tx
        .query_one(
            "SELECT (SELECT org_id FROM teams WHERE id = $1) = (SELECT org_id FROM teams WHERE id = $2)",
            &[&from_team, &to_team],
        )
        .await?
        .get(0);
    crate::transfer::check_teams(household_id, &from_team, &to_team, same_org)?;
    let mut records: HashMap<RecordKey, StoredRecord> = HashMap::new();
    for r in tx
        .query(
            "SELECT entity, entity_id, fields, field_versions, tombstoned_at FROM records
             WHERE team_id = $1",
            &[&from_team],
        )
        .await?
    {
        records.insert(
            (entity_of(r.get(0))?, r.get(1)),
            StoredRecord::from_columns(from_team.clone(), r.get(2), r.get(3), r.get(4))?,
        );
    }
    let (moved, moving) = take_moving(household_id, &mut records);
    let last = hub_clock(&tx).await?;
    let plan = plan_transfer(moving, &to_team, hub, last, counter, now)?;
    write_records(&tx, plan.records.iter().map(|(k, r, seq)| (k, r, *seq))).await?;
    append_entries(&tx, &plan.entries).await?;
    set_counter(&tx, "change_log", plan.counter).await?;
    if let Some(last) = plan.clock {
        set_hub_clock(&tx, last).await?;
    }
    if !plan.attachments.is_empty() {
        tx.execute(
            "INSERT INTO attachment_teams (sha256, team_id, device_id, user_id, at)
             SELECT sha256, $2, NULL, NULL, $3 FROM attachments WHERE sha256 = ANY($1)
             ON CONFLICT (sha256, team_id) DO NOTHING",
            &[&plan.attachments, &to_team, &now],
        )
        .await?;
    }
    insert_audit(&tx, &plan.audit).await?;
    tx.commit().await?;
    Ok(Transfer {
        from_team,
        to_team,
        moved,
    })
}

/// Moves a user to another team; their devices start again.
pub(super) async fn move_user(
    pool: &Pool,
    user: &str,
    team: &str,
    now: i64,
) -> Result<String, StoreError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let user_id = resolve(&tx, "users", "user", user).await?;
    let team_id = resolve(&tx, "teams", "team", team).await?;
    let changed = tx
        .execute(
            "UPDATE users SET team_id = $2 WHERE id = $1 AND team_id <> $2",
            &[&user_id, &team_id],
        )
        .await?;
    if changed > 0 {
        flag_resync(&tx, &user_id, now).await?;
    }
    tx.commit().await?;
    Ok(user_id)
}

/// Gives a user another role; their devices start again.
pub(super) async fn set_role(
    pool: &Pool,
    user: &str,
    role: Role,
    now: i64,
) -> Result<String, StoreError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let user_id = resolve(&tx, "users", "user", user).await?;
    let changed = tx
        .execute(
            "UPDATE users SET role = $2 WHERE id = $1 AND role <> $2",
            &[&user_id, &role.as_str()],
        )
        .await?;
    if changed > 0 {
        flag_resync(&tx, &user_id, now).await?;
    }
    tx.commit().await?;
    Ok(user_id)
}

/// Flags every device of `user_id` to start again from 0 at its next pull.
async fn flag_resync(tx: &Transaction<'_>, user_id: &str, now: i64) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE device_cursors SET resync_needed = TRUE, updated_at = $2
         WHERE device_id IN (SELECT id FROM devices WHERE user_id = $1)",
        &[&user_id, &now],
    )
    .await?;
    Ok(())
}
