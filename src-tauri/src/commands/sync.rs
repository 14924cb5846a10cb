//! Commands for the council hub: enrol, sync status, Sync now, the supervisor's
//! conflicts, and the changes the hub could no longer take.

use doorstep_core::sync_status::{ConflictChoice, ConflictView, SetAsideView, SyncStatus};
use doorstep_replica::conflicts;
use doorstep_replica::enrol;
use doorstep_replica::set_aside::{discard_set_aside, set_aside_views};
use doorstep_replica::{StoreAccess, SyncError};
use tauri::{AppHandle, State};

use crate::error::AppError;
use crate::session::Session;
use crate::sync::SyncService;

type Result<T> = std::result::Result<T, AppError>;

/// Connects this laptop to a council hub with an administrator's one-time code.
#[tauri::command(async)]
#[specta::specta]
pub async fn hub_enrol(
    session: State<'_, Session>,
    service: State<'_, SyncService>,
    hub_url: String,
    code: String,
) -> Result<SyncStatus> {
    let device_name = session.with_store(|s| Ok::<_, AppError>(s.device().name.clone()))?;
    enrol(&*session, &hub_url, &code, &device_name).await?;
    service.nudge();
    service.status(&session)
}

/// What sync is doing, for the indicator and the Sync screen.
#[tauri::command(async)]
#[specta::specta]
pub fn sync_status(
    session: State<'_, Session>,
    service: State<'_, SyncService>,
) -> Result<SyncStatus> {
    service.status(&session)
}

/// Syncs now and answers when it has finished; progress arrives as `sync-status` events.
#[tauri::command(async)]
#[specta::specta]
pub async fn sync_now(
    app: AppHandle,
    session: State<'_, Session>,
    service: State<'_, SyncService>,
) -> Result<SyncStatus> {
    if session.with_store(|s| Ok::<_, AppError>(s.hub_link()?.is_none()))? {
        return Err(SyncError::NotEnrolled.into());
    }
    service.sync_now(&app).await
}

/// Changes made here that the hub could no longer take because their record moved to
/// another team: the signed-in person's own, or every one for a supervisor.
#[tauri::command(async)]
#[specta::specta]
pub fn set_aside_changes(session: State<'_, Session>) -> Result<Vec<SetAsideView>> {
    session.with_store(|s| set_aside_views(s))
}

/// Removes a set-aside change its maker (or a supervisor) has passed on; answers with the
/// list as it now is.
#[tauri::command(async)]
#[specta::specta]
pub fn discard_set_aside_change(
    app: AppHandle,
    session: State<'_, Session>,
    service: State<'_, SyncService>,
    id: String,
) -> Result<Vec<SetAsideView>> {
    session.touch();
    let views = StoreAccess::with_store(&*session, |s| Ok(discard_set_aside(s, &id)))??;
    // The header and the Sync screen count them.
    service.emit(&app);
    Ok(views)
}

/// The conflicts the hub raised, open ones first (supervisors only).
#[tauri::command(async)]
#[specta::specta]
pub fn conflicts(session: State<'_, Session>) -> Result<Vec<ConflictView>> {
    Ok(StoreAccess::with_store(&*session, |s| {
        Ok(conflicts::conflict_views(s))
    })??)
}

/// A supervisor's decision on a conflict; it reaches the hub at the next sync.
#[tauri::command(async)]
#[specta::specta]
pub fn resolve_conflict(
    session: State<'_, Session>,
    service: State<'_, SyncService>,
    id: String,
    choice: ConflictChoice,
) -> Result<Vec<ConflictView>> {
    session.touch();
    let views = StoreAccess::with_store(&*session, |s| {
        Ok(conflicts::decide_conflict(s, &id, choice))
    })??;
    service.nudge();
    Ok(views)
}
