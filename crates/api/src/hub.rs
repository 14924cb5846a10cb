//! Commands for the council hub: enrol, sync status, Sync now, the supervisor's
//! conflicts, and the changes the hub could no longer take.

use doorstep_core::sync_status::{ConflictChoice, ConflictView, SetAsideView, SyncStatus};
use doorstep_replica::conflicts;
use doorstep_replica::enrol;
use doorstep_replica::set_aside::{discard_set_aside, set_aside_views};
use doorstep_replica::{StoreAccess, SyncError};

use crate::Api;
use crate::error::AppError;

type Result<T> = std::result::Result<T, AppError>;

/// Connects this laptop to a council hub with an administrator's one-time code.
pub async fn hub_enrol(api: &Api, hub_url: String, code: String) -> Result<SyncStatus> {
    let device_name = api
        .session
        .with_store(|s| Ok::<_, AppError>(s.device().name.clone()))?;
    enrol(&api.session, &hub_url, &code, &device_name).await?;
    api.sync.nudge();
    api.sync.status(&api.session)
}

/// What sync is doing, for the indicator and the Sync screen.
pub fn sync_status(api: &Api) -> Result<SyncStatus> {
    api.sync.status(&api.session)
}

/// Syncs now and answers when it has finished; progress arrives as `sync-status` events.
pub async fn sync_now(api: &Api) -> Result<SyncStatus> {
    if api
        .session
        .with_store(|s| Ok::<_, AppError>(s.hub_link()?.is_none()))?
    {
        return Err(SyncError::NotEnrolled.into());
    }
    api.sync.sync_now(api).await
}

/// Changes made here that the hub could no longer take because their record moved to
/// another team: the signed-in person's own, or every one for a supervisor.
pub fn set_aside_changes(api: &Api) -> Result<Vec<SetAsideView>> {
    api.session.with_store(|s| set_aside_views(s))
}

/// Removes a set-aside change its maker (or a supervisor) has passed on; answers with the
/// list as it now is.
pub fn discard_set_aside_change(api: &Api, id: String) -> Result<Vec<SetAsideView>> {
    api.session.touch();
    let views = StoreAccess::with_store(&api.session, |s| Ok(discard_set_aside(s, &id)))??;
    // The header and the Sync screen count them.
    api.sync.emit(api);
    Ok(views)
}

/// The conflicts the hub raised, open ones first (supervisors only).
pub fn conflicts(api: &Api) -> Result<Vec<ConflictView>> {
    Ok(StoreAccess::with_store(&api.session, |s| {
        Ok(conflicts::conflict_views(s))
    })??)
}

/// A supervisor's decision on a conflict; it reaches the hub at the next sync.
pub fn resolve_conflict(
    api: &Api,
    id: String,
    choice: ConflictChoice,
) -> Result<Vec<ConflictView>> {
    api.session.touch();
    let views = StoreAccess::with_store(&api.session, |s| {
        Ok(conflicts::decide_conflict(s, &id, choice))
    })??;
    api.sync.nudge();
    Ok(views)
}
