//! The administrators' commands that change who sees what (`transfer-household`,
//! `move-user`, `set-role`) and `purge`, each audited whether it worked or not, and the
//! daily purge `serve` runs. `main.rs` parses the command line and prints the outcome.

use std::time::Duration;

use doorstep_core::Role;

use crate::clock::Clock;
use crate::model::{AuditEntry, StoreError};
use crate::server::ApiError;
use crate::store::{Purged, SharedStore, Transfer};

/// The code an audit line records for a failed command: the protocol's code for a
/// refusal (`not_found`, `invalid`, `conflict`, …) or `unavailable` for the database.
pub fn failure_code(error: &StoreError) -> &'static str {
    match error {
        StoreError::Refused(refusal) => ApiError::from(refusal.clone()).code(),
        StoreError::Backend(_) => "unavailable",
    }
}

/// Writes the command's audit line, `ok: …` or the failure's code, and hands the result on.
async fn audited<T>(
    store: &SharedStore,
    now: i64,
    action: &str,
    record: Option<(&str, &str)>,
    result: Result<T, StoreError>,
    describe: impl FnOnce(&T) -> String,
) -> Result<T, StoreError> {
    let outcome = match &result {
        Ok(value) => format!("ok: {}", describe(value)),
        Err(error) => failure_code(error).to_owned(),
    };
    let entry = AuditEntry {
        at: now,
        user_id: None,
        device_id: None,
        action: action.to_owned(),
        entity: record.map(|(entity, _)| entity.to_owned()),
        entity_id: record.map(|(_, id)| id.to_owned()),
        outcome,
    };
    if let Err(e) = store.append_audit(&[entry]).await {
        tracing::error!(error = %e, action, "could not write an admin command to the audit log");
        if result.is_ok() {
            return Err(e);
        }
    }
    result
}

/// `admin transfer-household`: moves a household and every record that refers to it to
/// another team (see [`crate::transfer`]).
pub async fn transfer_household(
    store: &SharedStore,
    household: &str,
    team: &str,
    now: i64,
) -> Result<Transfer, StoreError> {
    let result = store.transfer_household(household.trim(), team, now).await;
    audited(
        store,
        now,
        "admin.transfer-household",
        Some(("household", household)),
        result,
        |t| {
            format!(
                "{} records from team {} to team {}",
                t.moved.len(),
                t.from_team,
                t.to_team
            )
        },
    )
    .await
}

/// `admin move-user`: another team for a user; their laptops start again from 0.
pub async fn move_user(
    store: &SharedStore,
    user: &str,
    team: &str,
    now: i64,
) -> Result<String, StoreError> {
    let result = store.move_user(user, team, now).await;
    audited(
        store,
        now,
        "admin.move-user",
        Some(("user", user)),
        result,
        |id| format!("user {id} to team {team}"),
    )
    .await
}

/// `admin set-role`: another role for a user; their laptops start again from 0.
pub async fn set_role(
    store: &SharedStore,
    user: &str,
    role: Role,
    now: i64,
) -> Result<String, StoreError> {
    let result = store.set_role(user, role, now).await;
    audited(
        store,
        now,
        "admin.set-role",
        Some(("user", user)),
        result,
        |id| format!("user {id} is now {}", role.as_str()),
    )
    .await
}

/// `admin purge` (`action` "admin.purge") or the daily purge (`action` "purge").
pub async fn purge(
    store: &SharedStore,
    tombstone_days: u32,
    now: i64,
    action: &str,
) -> Result<Purged, StoreError> {
    let result = store.purge(tombstone_days, now).await;
    audited(store, now, action, None, result, |p| {
        format!(
            "{} tombstones forgotten, {} log entries compacted, horizon {}",
            p.records, p.entries, p.horizon
        )
    })
    .await
}

/// Purges once at start and then once a day, for as long as `serve` runs. A failed purge
/// is logged and tried again the next day: nothing depends on it but disk space.
pub async fn purge_daily(store: SharedStore, tombstone_days: u32, clock: Clock) {
    let mut every_day = tokio::time::interval(Duration::from_secs(24 * 60 * 60));
    every_day.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every_day.tick().await;
        match purge(&store, tombstone_days, clock.now_ms(), "purge").await {
            Ok(p) => tracing::info!(
                tombstones = p.records,
                entries = p.entries,
                horizon = p.horizon,
                "daily purge done"
            ),
            Err(e) => tracing::error!(error = %e, "daily purge failed; trying again tomorrow"),
        }
    }
}
