//! Commands for the people who use this laptop, each with their own passphrase and role.

use doorstep_core::{Officer, Role};
use tauri::State;

use crate::error::AppError;
use crate::session::Session;

type Result<T> = std::result::Result<T, AppError>;

/// Adds a person who unlocks this laptop with their own passphrase (supervisors, or the
/// first user until there is one).
#[tauri::command(async)]
#[specta::specta]
pub fn add_user(
    session: State<'_, Session>,
    name: String,
    role: Role,
    passphrase: String,
) -> Result<Officer> {
    session.add_user(&name, role, &passphrase)
}

/// The people who can unlock this laptop, by name.
#[tauri::command(async)]
#[specta::specta]
pub fn list_users(session: State<'_, Session>) -> Result<Vec<Officer>> {
    session.users()
}
