//! Commands for the people who use this laptop, each with their own passphrase and role.

use doorstep_core::{Officer, Role};

use crate::Api;
use crate::error::AppError;

type Result<T> = std::result::Result<T, AppError>;

/// Adds a person who unlocks this laptop with their own passphrase (supervisors, or the
/// first user until there is one).
pub fn add_user(api: &Api, name: String, role: Role, passphrase: String) -> Result<Officer> {
    api.session.add_user(&name, role, &passphrase)
}

/// The people who can unlock this laptop, by name.
pub fn list_users(api: &Api) -> Result<Vec<Officer>> {
    api.session.users()
}
