//! Setting up the portal from the command line (`doorstep-hub admin add-firm`,
//! `add-firm-user`, `disable-firm-user`, `set-totp`).

use std::io::BufRead;

use crate::model::{AuditEntry, StoreError};
use crate::portal::store::{NewFirmUser, SharedPortalStore};
use crate::store::SharedStore;
use crate::web::password::{hash_password, new_initial_password, password_problem};
use crate::web::totp::{new_totp_secret, totp_uri};
use crate::web::{AuthError, normalise_email};

/// Why an admin command did nothing.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// What was typed cannot be used.
    #[error("{0}")]
    Invalid(String),
    /// The database refused or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Hashing or randomness failed.
    #[error(transparent)]
    Auth(#[from] AuthError),
}

/// Whether `id` is a firm id as `contractors.toml` writes them: lower-case letters,
/// digits and `_`, starting with a letter.
pub fn is_firm_id(id: &str) -> bool {
    id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Adds a firm under the id its work orders carry.
pub async fn add_firm(
    store: &SharedPortalStore,
    id: &str,
    name: &str,
    now: i64,
) -> Result<(), AdminError> {
    let id = id.trim();
    if !is_firm_id(id) {
        return Err(AdminError::Invalid(format!(
            "{id:?} is not a firm id: use the id from contractors.toml (lower-case letters, digits and _)"
        )));
    }
    let name = name.trim();
    if name.is_empty() {
        return Err(AdminError::Invalid("give the firm's name".into()));
    }
    Ok(store.add_firm(id, name, now).await?)
}

/// A firm user just added.
#[derive(Debug)]
pub struct AddedUser {
    /// Their id.
    pub id: String,
    /// The initial password the hub made up, when none was given: shown once.
    pub initial_password: Option<String>,
}

/// Adds a user to a firm. With no `password`, makes up an initial one that must be
/// replaced at first sign-in; a given one (read from stdin) is theirs to keep.
pub async fn add_firm_user(
    store: &SharedPortalStore,
    firm: &str,
    email: &str,
    name: &str,
    password: Option<&str>,
    now: i64,
) -> Result<AddedUser, AdminError> {
    let email =
        doorstep_core::validation::email(email).map_err(|m| AdminError::Invalid(m.to_owned()))?;
    let name = name.trim();
    if name.is_empty() {
        return Err(AdminError::Invalid("give the user's name".into()));
    }
    let (password, initial) = match password {
        Some(p) => {
            if let Some(problem) = password_problem(p) {
                return Err(AdminError::Invalid(problem));
            }
            (p.to_owned(), None)
        }
        None => {
            let made = new_initial_password()?;
            (made.clone(), Some(made))
        }
    };
    let password_hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AdminError::Invalid(e.to_string()))??;
    let user = NewFirmUser {
        firm_id: firm.trim().to_owned(),
        email: normalise_email(&email),
        name: name.to_owned(),
        password_hash,
        must_change_password: initial.is_some(),
    };
    let id = store.add_firm_user(&user, now).await?;
    Ok(AddedUser {
        id,
        initial_password: initial,
    })
}

/// Turns on TOTP for a user (returns the `otpauth://` URI to show once) or, with
/// `remove`, turns it off (returns None).
pub async fn set_totp(
    store: &SharedPortalStore,
    user: &str,
    remove: bool,
) -> Result<Option<String>, AdminError> {
    if remove {
        store.set_totp_secret(user, None).await?;
        return Ok(None);
    }
    let secret = new_totp_secret()?;
    let found = store.set_totp_secret(user, Some(&secret)).await?;
    Ok(Some(totp_uri(&secret, &found.email)?))
}

/// The portal's admin commands, part of `doorstep-hub admin`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Adds a fitting firm to the contractor portal, under the id its work orders carry.
    AddFirm {
        /// The firm's id, exactly as in assets/contractors.toml (e.g. quillon_locks).
        #[arg(long)]
        id: String,
        /// The firm's name.
        #[arg(long)]
        name: String,
    },
    /// Adds a user to a firm. Prints a one-time initial password (they choose their own at
    /// first sign-in), unless --password-stdin reads theirs from the first line of stdin.
    AddFirmUser {
        /// The firm's id.
        #[arg(long)]
        firm: String,
        /// The email address they sign in with.
        #[arg(long)]
        email: String,
        /// Their name.
        #[arg(long)]
        name: String,
        /// Read the password from stdin instead of making one up.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Turns a firm user off (or, with --enable, on again): they cannot sign in, and their
    /// sessions end at once.
    DisableFirmUser {
        /// Their email address or id.
        user: String,
        /// Turn the user back on instead.
        #[arg(long)]
        enable: bool,
    },
    /// Gives a firm user a second factor: prints the otpauth:// URI to add to their
    /// authenticator app (shown once). With --remove, takes it away.
    SetTotp {
        /// Their email address or id.
        user: String,
        /// Remove the second factor instead.
        #[arg(long)]
        remove: bool,
    },
}

/// What a command has to say: lines for stdout (what scripts capture) and for stderr.
#[derive(Debug, Default)]
pub struct Output {
    /// For stdout.
    pub stdout: Vec<String>,
    /// For stderr.
    pub stderr: Vec<String>,
}

/// Runs one of the portal's admin commands against the hub's store.
pub async fn run(command: &Command, store: &SharedStore, now: i64) -> Result<Output, AdminError> {
    let Some(portal) = store.portal() else {
        return Err(AdminError::Invalid(
            "this database has no contractor portal".into(),
        ));
    };
    let audit = |action: &str, entity: &str, id: &str| AuditEntry {
        at: now,
        user_id: None,
        device_id: None,
        action: format!("admin.{action}"),
        entity: Some(entity.to_owned()),
        entity_id: Some(id.to_owned()),
        outcome: "ok".into(),
    };
    let mut out = Output::default();
    match command {
        Command::AddFirm { id, name } => {
            add_firm(&portal, id, name, now).await?;
            store
                .append_audit(&[audit("add-firm", "firm", id.trim())])
                .await?;
            out.stdout.push(id.trim().to_owned());
        }
        Command::AddFirmUser {
            firm,
            email,
            name,
            password_stdin,
        } => {
            let typed = if *password_stdin {
                let mut line = String::new();
                std::io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .map_err(|e| AdminError::Invalid(format!("cannot read stdin: {e}")))?;
                Some(line.trim_end_matches(['\r', '\n']).to_owned())
            } else {
                None
            };
            let added = add_firm_user(&portal, firm, email, name, typed.as_deref(), now).await?;
            store
                .append_audit(&[audit("add-firm-user", "firm_user", &added.id)])
                .await?;
            out.stdout.push(added.id.clone());
            if let Some(password) = added.initial_password {
                out.stderr.push(format!(
                    "One-time initial password for {} (shown only now; they choose their own at first sign-in):",
                    email.trim()
                ));
                out.stdout.push(password);
            }
        }
        Command::DisableFirmUser { user, enable } => {
            let id = portal.set_user_disabled(user, !enable, now).await?;
            let action = if *enable {
                "enable-firm-user"
            } else {
                "disable-firm-user"
            };
            store
                .append_audit(&[audit(action, "firm_user", &id)])
                .await?;
            out.stdout.push(if *enable {
                format!("enabled {id}")
            } else {
                format!("disabled {id}: they cannot sign in, and their sessions have ended")
            });
        }
        Command::SetTotp { user, remove } => {
            let uri = set_totp(&portal, user, *remove).await?;
            store
                .append_audit(&[audit("set-totp", "firm_user", user)])
                .await?;
            match uri {
                Some(uri) => {
                    out.stderr.push(
                        "Add this to the user's authenticator app (as a QR code or typed in); shown only now:"
                            .into(),
                    );
                    out.stdout.push(uri);
                }
                None => out
                    .stdout
                    .push(format!("removed the second factor of {user}")),
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn firm_ids_are_as_contractors_toml_writes_them() {
        assert!(is_firm_id("quillon_locks"));
        assert!(!is_firm_id("Quillon"));
        assert!(!is_firm_id("1abc"));
        assert!(!is_firm_id("a b"));
        assert!(!is_firm_id(""));
    }
}
