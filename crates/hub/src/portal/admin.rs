//! Setting up the portal from the command line (`doorstep-hub admin add-firm`,
//! `add-firm-user`, `add-agency`, `add-agency-user`, `disable-firm-user`, `set-totp`).

use std::io::BufRead;

use crate::model::{AuditEntry, StoreError};
use crate::portal::store::{NewFirmUser, OrganisationKind, SharedPortalStore};
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
    Ok(store
        .add_firm(id, name, OrganisationKind::Firm, now)
        .await?)
}

/// Adds a partner agency to the portal under its id in the agency directory, which every
/// referral to it carries; its name is the directory's unless one is given.
pub async fn add_agency(
    store: &SharedPortalStore,
    id: &str,
    name: Option<&str>,
    now: i64,
) -> Result<String, AdminError> {
    let id = id.trim();
    let directory = crate::referrals::directory()
        .ok_or_else(|| AdminError::Invalid("the agency directory cannot be read".into()))?;
    let agency = directory.agency(id).ok_or_else(|| {
        let known: Vec<&str> = directory.agencies.iter().map(|a| a.id.as_str()).collect();
        AdminError::Invalid(format!(
            "{id:?} is not in the agency directory: use one of {}",
            known.join(", ")
        ))
    })?;
    let name = name
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or(&agency.name);
    store
        .add_firm(id, name, OrganisationKind::Agency, now)
        .await?;
    Ok(id.to_owned())
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
    Ok(new_second_factor(store, user, remove).await?.1)
}

/// [`set_totp`], with the user's id.
async fn new_second_factor(
    store: &SharedPortalStore,
    user: &str,
    remove: bool,
) -> Result<(String, Option<String>), AdminError> {
    if remove {
        let found = store.set_totp_secret(user, None).await?;
        return Ok((found.id, None));
    }
    let secret = new_totp_secret()?;
    let found = store.set_totp_secret(user, Some(&secret)).await?;
    Ok((found.id, Some(totp_uri(&secret, &found.email)?)))
}

/// The code an audit line records for a failed action.
fn failure_code(error: &AdminError) -> &'static str {
    match error {
        AdminError::Invalid(_) => "invalid",
        AdminError::Store(error) => crate::admin::failure_code(error),
        AdminError::Auth(_) => "unavailable",
    }
}

/// The portal's store of the hub's database, or why there is none.
fn portal_of(hub: &SharedStore) -> Result<SharedPortalStore, AdminError> {
    hub.portal()
        .ok_or_else(|| AdminError::Invalid("this database has no contractor portal".into()))
}

/// Writes an action's audit line (`admin.<action>`, with `actor`: the console user who did
/// it, or none from the command line), `ok` or the failure's code, and hands the result
/// on. A success whose line cannot be written fails, as [`crate::admin`]'s do.
async fn audited<T>(
    hub: &SharedStore,
    actor: Option<&str>,
    now: i64,
    action: &str,
    record: (&str, &str),
    result: Result<T, AdminError>,
) -> Result<T, AdminError> {
    let entry = AuditEntry {
        at: now,
        user_id: actor.map(str::to_owned),
        device_id: None,
        action: format!("admin.{action}"),
        entity: Some(record.0.to_owned()),
        entity_id: Some(record.1.to_owned()),
        outcome: match &result {
            Ok(_) => "ok".to_owned(),
            Err(error) => failure_code(error).to_owned(),
        },
    };
    if let Err(error) = hub.append_audit(&[entry]).await {
        tracing::error!(%error, action, "could not write a portal admin action to the audit log");
        if result.is_ok() {
            return Err(error.into());
        }
    }
    result
}

/// `admin portal add-firm`, and the console's "Add a firm": [`add_firm`], audited as
/// `admin.add-firm`. Returns the firm's id as stored.
pub async fn add_firm_audited(
    hub: &SharedStore,
    actor: Option<&str>,
    id: &str,
    name: &str,
    now: i64,
) -> Result<String, AdminError> {
    let id = id.trim();
    let result = match portal_of(hub) {
        Ok(portal) => add_firm(&portal, id, name, now).await,
        Err(error) => Err(error),
    };
    audited(hub, actor, now, "add-firm", ("firm", id), result)
        .await
        .map(|()| id.to_owned())
}

/// `admin portal add-firm-user`, and the console's "Add a user" on a firm's page:
/// [`add_firm_user`], audited as `admin.add-firm-user` (about the new user, or the firm
/// when none was added).
pub async fn add_firm_user_audited(
    hub: &SharedStore,
    actor: Option<&str>,
    firm: &str,
    email: &str,
    name: &str,
    password: Option<&str>,
    now: i64,
) -> Result<AddedUser, AdminError> {
    let result = match portal_of(hub) {
        Ok(portal) => add_firm_user(&portal, firm, email, name, password, now).await,
        Err(error) => Err(error),
    };
    let id = result
        .as_ref()
        .map_or_else(|_| firm.trim().to_owned(), |a| a.id.clone());
    let entity = if result.is_ok() { "firm_user" } else { "firm" };
    audited(hub, actor, now, "add-firm-user", (entity, &id), result).await
}

/// `admin portal disable-firm-user` (and `--enable`), and the console's buttons: turns the
/// user with this email or id off (their sessions end) or on, audited as
/// `admin.disable-firm-user` or `admin.enable-firm-user`. Returns their id.
pub async fn set_firm_user_disabled(
    hub: &SharedStore,
    actor: Option<&str>,
    user: &str,
    disabled: bool,
    now: i64,
) -> Result<String, AdminError> {
    let result = match portal_of(hub) {
        Ok(portal) => portal
            .set_user_disabled(user, disabled, now)
            .await
            .map_err(AdminError::from),
        Err(error) => Err(error),
    };
    let action = if disabled {
        "disable-firm-user"
    } else {
        "enable-firm-user"
    };
    let id = result.as_ref().map_or(user, String::as_str).to_owned();
    audited(hub, actor, now, action, ("firm_user", &id), result).await
}

/// `admin portal set-totp`, and the console's "Reset the second factor": [`set_totp`],
/// audited as `admin.set-totp` about the user's id.
pub async fn set_totp_audited(
    hub: &SharedStore,
    actor: Option<&str>,
    user: &str,
    remove: bool,
    now: i64,
) -> Result<Option<String>, AdminError> {
    let result = match portal_of(hub) {
        Ok(portal) => new_second_factor(&portal, user, remove).await,
        Err(error) => Err(error),
    };
    let id = result
        .as_ref()
        .map_or(user, |(id, _)| id.as_str())
        .to_owned();
    audited(hub, actor, now, "set-totp", ("firm_user", &id), result)
        .await
        .map(|(_, uri)| uri)
}

/// `admin add-agency`, and the console's: [`add_agency`], audited as `admin.add-agency`.
pub async fn add_agency_audited(
    hub: &SharedStore,
    actor: Option<&str>,
    id: &str,
    name: Option<&str>,
    now: i64,
) -> Result<String, AdminError> {
    let result = match portal_of(hub) {
        Ok(portal) => add_agency(&portal, id, name, now).await,
        Err(error) => Err(error),
    };
    audited(hub, actor, now, "add-agency", ("agency", id.trim()), result).await
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
    /// Adds a partner agency to the portal under its id in the agency directory, so its
    /// people can answer the referrals sent to it.
    AddAgency {
        /// The agency's id, exactly as in the agency directory (e.g. fire_safe_and_well).
        #[arg(long)]
        id: String,
        /// Its name, if not the directory's.
        #[arg(long)]
        name: Option<String>,
    },
    /// Adds a user to a partner agency, as add-firm-user does to a firm.
    AddAgencyUser {
        /// The agency's id.
        #[arg(long)]
        agency: String,
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

/// Runs one of the portal's admin commands against the hub's store (audited with no user:
/// the command line's).
pub async fn run(command: &Command, store: &SharedStore, now: i64) -> Result<Output, AdminError> {
    portal_of(store)?;
    let mut out = Output::default();
    match command {
        Command::AddFirm { id, name } => {
            let id = add_firm_audited(store, None, id, name, now).await?;
            out.stdout.push(id);
        }
        Command::AddAgency { id, name } => {
            let id = add_agency_audited(store, None, id, name.as_deref(), now).await?;
            out.stdout.push(id);
        }
        Command::AddFirmUser {
            firm,
            email,
            name,
            password_stdin,
        }
        | Command::AddAgencyUser {
            agency: firm,
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
            let added =
                add_firm_user_audited(store, None, firm, email, name, typed.as_deref(), now)
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
            let id = set_firm_user_disabled(store, None, user, !enable, now).await?;
            out.stdout.push(if *enable {
                format!("enabled {id}")
            } else {
                format!("disabled {id}: they cannot sign in, and their sessions have ended")
            });
        }
        Command::SetTotp { user, remove } => {
            let uri = set_totp_audited(store, None, user, *remove, now).await?;
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
