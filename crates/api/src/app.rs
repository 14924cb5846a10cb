//! The app's own commands: where it is, first run, unlock and lock, the idle time, the demo
//! area and backups.

use std::path::PathBuf;

use doorstep_core::Role;
use doorstep_core::passphrase::{self, PassphraseAssessment};
use doorstep_core::views::{BackupReport, DemoReport};

use crate::Api;
use crate::error::AppError;
use crate::session::{AppStatus, today};

type Result<T> = std::result::Result<T, AppError>;

/// Where the app is: first run, locked or unlocked.
pub fn app_status(api: &Api) -> Result<AppStatus> {
    api.session.status()
}

/// Advice on a passphrase while it is typed.
pub fn assess_passphrase(_api: &Api, passphrase: String) -> PassphraseAssessment {
    passphrase::assess(&passphrase, &[])
}

/// First run: creates the encrypted store for its first user, in their role.
pub fn set_up(
    api: &Api,
    officer_name: String,
    role: Role,
    passphrase: String,
) -> Result<AppStatus> {
    api.session.set_up(&officer_name, role, &passphrase)
}

/// Unlocks the store.
pub fn unlock(api: &Api, passphrase: String) -> Result<AppStatus> {
    let status = api.session.unlock(&passphrase)?;
    apply_retention(api);
    // Whatever waited while locked can go now.
    api.sync.nudge();
    Ok(status)
}

/// Applies the council's retention schedule to what this laptop holds, once a day, even
/// offline (the hub does the same to what it holds). A failure is logged and tried again
/// at the next unlock: it must never keep an officer out of their work.
fn apply_retention(api: &Api) {
    let reference = api.reference.get();
    let applied = api
        .session
        .with_store(|s| s.apply_retention(&reference.retention, &reference.data_map, today()));
    match applied {
        Ok(0) => {}
        Ok(removed) => tracing::info!(removed, "retention: records past their date removed"),
        Err(e) => {
            tracing::warn!(error = %e, "retention could not be applied; trying at the next unlock")
        }
    }
}

/// Locks the store and forgets the key.
pub fn lock(api: &Api) -> Result<AppStatus> {
    api.session.lock()
}

/// Re-wraps the key under a new passphrase.
pub fn change_passphrase(api: &Api, current: String, replacement: String) -> Result<()> {
    api.session.change_passphrase(&current, &replacement)
}

/// The officer is using the app (keeps the idle lock away).
pub fn touch(api: &Api) {
    api.session.touch();
}

/// Sets the idle lock time.
pub fn set_idle_lock_minutes(api: &Api, minutes: u32) -> Result<AppStatus> {
    api.session.set_idle_lock_minutes(minutes)
}

/// Loads the synthetic demo area.
pub fn load_demo_data(api: &Api) -> Result<DemoReport> {
    api.session.with_store(|s| s.load_demo(today()))
}

/// Writes an encrypted backup and its key file.
pub fn backup(api: &Api, path: PathBuf) -> Result<BackupReport> {
    api.session.with_store(|s| s.backup_to(&path))
}
