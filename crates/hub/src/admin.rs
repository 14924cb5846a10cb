//! The administrators' actions: setting up teams, people and laptops (`add-team`,
//! `add-user`, `enrolment-code`, `revoke-device`, turning a console account off), the
//! ones that change who sees what (`transfer-household`, `move-user`, `set-role`) and
//! `purge`, each audited whether it worked or not (with the console user who did it, or
//! none from the command line), and the daily purge `serve` runs. The command line
//! (`main.rs`) and the council console both call these, so an action is the same
//! whichever way it is taken.

use std::time::Duration;

use doorstep_core::Role;

use crate::clock::Clock;
use crate::model::{AuditEntry, Refusal, StoreError};
use crate::secret;
use crate::server::ApiError;
use crate::store::{Purged, SharedStore, Transfer};
use crate::web::csrf::new_token;
use crate::web::session::token_hash;

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
    actor: Option<&str>,
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
        user_id: actor.map(str::to_owned),
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
    actor: Option<&str>,
    household: &str,
    team: &str,
    now: i64,
) -> Result<Transfer, StoreError> {
    let result = store.transfer_household(household.trim(), team, now).await;
    audited(
        store,
        actor,
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
    actor: Option<&str>,
    user: &str,
    team: &str,
    now: i64,
) -> Result<String, StoreError> {
    let result = store.move_user(user, team, now).await;
    audited(
        store,
        actor,
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
    actor: Option<&str>,
    user: &str,
    role: Role,
    now: i64,
) -> Result<String, StoreError> {
    let result = store.set_role(user, role, now).await;
    audited(
        store,
        actor,
        now,
        "admin.set-role",
        Some(("user", user)),
        result,
        |id| format!("user {id} is now {}", role.as_str()),
    )
    .await
}

/// `admin add-team`: a team in an organisation (its name new there).
pub async fn add_team(
    store: &SharedStore,
    actor: Option<&str>,
    org: &str,
    name: &str,
    now: i64,
) -> Result<String, StoreError> {
    let result = store.add_team(org, name, now).await;
    let id = result.as_ref().ok().cloned();
    let record = id.as_deref().map(|id| ("team", id));
    audited(store, actor, now, "admin.add-team", record, result, |_| {
        format!("team {name:?}")
    })
    .await
}

/// A person to add: a hub user, and with an email a console account too.
#[derive(Debug, Clone)]
pub struct NewPerson {
    /// The team's name or id.
    pub team: String,
    /// Their name.
    pub name: String,
    /// Their role.
    pub role: Role,
    /// Their console email; without one they have no console account.
    pub email: Option<String>,
}

/// A person added, and the token of their one-time console set-up link (shown once).
#[derive(Debug, Clone)]
pub struct AddedPerson {
    /// The new user's id.
    pub id: String,
    /// The token of `/console/set-up/<token>`, when they have a console account.
    pub setup_token: Option<String>,
}

/// The console path of a set-up link.
pub fn setup_path(token: &str) -> String {
    format!("/console/set-up/{token}")
}

/// `admin add-user`: a hub user and, given an email, their console account with a
/// one-time set-up link good for `link_secs` (only its hash is kept). The email is
/// checked free first, so a taken one adds no one.
pub async fn add_user(
    store: &SharedStore,
    actor: Option<&str>,
    person: &NewPerson,
    link_secs: i64,
    now: i64,
) -> Result<AddedPerson, StoreError> {
    let result = add_person(store, person, link_secs, now).await;
    let id = result.as_ref().ok().map(|p| p.id.clone());
    let record = id.as_deref().map(|id| ("user", id));
    audited(store, actor, now, "admin.add-user", record, result, |p| {
        let access = if p.setup_token.is_some() {
            ", with a console set-up link"
        } else {
            ""
        };
        format!("{} in team {:?}{access}", person.role.as_str(), person.team)
    })
    .await
}

async fn add_person(
    store: &SharedStore,
    person: &NewPerson,
    link_secs: i64,
    now: i64,
) -> Result<AddedPerson, StoreError> {
    let console = match &person.email {
        Some(email) => {
            let console = store
                .console()
                .ok_or_else(|| StoreError::Backend("this database has no console tables".into()))?;
            if console.user_by_email(email).await?.is_some() {
                return Err(Refusal::Duplicate(format!("console account {email:?}")).into());
            }
            Some((console, email))
        }
        None => None,
    };
    let id = store
        .add_user(&person.team, &person.name, person.role, now)
        .await?;
    let Some((console, email)) = console else {
        return Ok(AddedPerson {
            id,
            setup_token: None,
        });
    };
    let token = new_token().map_err(|e| StoreError::Backend(e.to_string()))?;
    let expires_at = now.saturating_add(link_secs.saturating_mul(1000));
    console
        .add_account(&id, email, &token_hash(&token), expires_at, now)
        .await?;
    Ok(AddedPerson {
        id,
        setup_token: Some(token),
    })
}

/// `admin add-console-account`: a console account for a hub user who has none (added
/// without an email, or only for a laptop), with a one-time set-up link good for
/// `link_secs` (only its hash is kept), as `add-user --email` gives. Refused, with nothing
/// changed: a user who is not there, a contractor (they work in the portal), a user who
/// already has an account, an email that is not one or that someone already signs in
/// with. Returns the link's token (shown once).
pub async fn add_console_account(
    store: &SharedStore,
    actor: Option<&str>,
    user_id: &str,
    email: &str,
    link_secs: i64,
    now: i64,
) -> Result<String, StoreError> {
    let result = console_account(store, user_id, email, link_secs, now).await;
    audited(
        store,
        actor,
        now,
        "admin.add-console-account",
        Some(("user", user_id)),
        result,
        |_| "console account, with a set-up link".to_owned(),
    )
    .await
}

async fn console_account(
    store: &SharedStore,
    user_id: &str,
    email: &str,
    link_secs: i64,
    now: i64,
) -> Result<String, StoreError> {
    let console = store
        .console()
        .ok_or_else(|| StoreError::Backend("this database has no console tables".into()))?;
    let email = doorstep_core::validation::email(email)
        .map_err(|message| Refusal::Invalid(message.to_owned()))?
        .to_lowercase();
    let person = console
        .person(user_id)
        .await?
        .ok_or_else(|| Refusal::NotFound(format!("user {user_id}")))?;
    if !crate::console::access::may_sign_in(person.role) {
        return Err(Refusal::Invalid(
            "a contractor signs in to the contractor portal, not the council console".into(),
        )
        .into());
    }
    if person.email.is_some() {
        return Err(Refusal::Invalid("this person already has a console account".into()).into());
    }
    if console.user_by_email(&email).await?.is_some() {
        return Err(Refusal::Duplicate(format!("console account {email:?}")).into());
    }
    let token = new_token().map_err(|e| StoreError::Backend(e.to_string()))?;
    let expires_at = now.saturating_add(link_secs.saturating_mul(1000));
    console
        .add_account(user_id, &email, &token_hash(&token), expires_at, now)
        .await?;
    Ok(token)
}

/// `admin enrolment-code`: a one-time code for a user's laptop, good for `code_secs`
/// (only its digest is kept). Returns the user's id and the code.
pub async fn enrolment_code(
    store: &SharedStore,
    actor: Option<&str>,
    user: &str,
    code_secs: i64,
    now: i64,
) -> Result<(String, String), StoreError> {
    let result = match secret::new_enrolment_code() {
        Ok(code) => {
            let expires_at = now.saturating_add(code_secs.saturating_mul(1000));
            store
                .add_enrolment_code(user, &secret::code_digest(&code), now, expires_at)
                .await
                .map(|user_id| (user_id, code))
        }
        Err(error) => Err(StoreError::Backend(error.to_string())),
    };
    let user_id = match &result {
        Ok((user_id, _)) => user_id.clone(),
        Err(_) => user.to_owned(),
    };
    let record = Some(("user", user_id.as_str()));
    audited(
        store,
        actor,
        now,
        "admin.enrolment-code",
        record,
        result,
        |_| "code issued".to_owned(),
    )
    .await
}

/// `admin revoke-device`: the laptop's next contact is refused and told to erase itself.
pub async fn revoke_device(
    store: &SharedStore,
    actor: Option<&str>,
    device: &str,
    now: i64,
) -> Result<(), StoreError> {
    let result = store.revoke_device(device, now).await;
    audited(
        store,
        actor,
        now,
        "admin.revoke-device",
        Some(("device", device)),
        result,
        |()| "revoked".to_owned(),
    )
    .await
}

/// A new one-time set-up link for a user's console account (an expired link, a lost
/// password, or a role that now needs a security code): their password and TOTP secret
/// are cleared and their sessions end. Returns the link's token (shown once).
pub async fn renew_set_up_link(
    store: &SharedStore,
    actor: Option<&str>,
    user_id: &str,
    link_secs: i64,
    now: i64,
) -> Result<String, StoreError> {
    let result = match (store.console(), new_token()) {
        (Some(console), Ok(token)) => {
            let expires_at = now.saturating_add(link_secs.saturating_mul(1000));
            console
                .renew_set_up(user_id, &token_hash(&token), expires_at)
                .await
                .map(|()| token)
        }
        (None, _) => Err(StoreError::Backend(
            "this database has no console tables".into(),
        )),
        (_, Err(error)) => Err(StoreError::Backend(error.to_string())),
    };
    audited(
        store,
        actor,
        now,
        "admin.set-up-link",
        Some(("user", user_id)),
        result,
        |_| "new console set-up link".to_owned(),
    )
    .await
}

/// Turns a user's console account off (ending their sessions) or on again.
pub async fn set_console_disabled(
    store: &SharedStore,
    actor: Option<&str>,
    user_id: &str,
    disabled: bool,
    now: i64,
) -> Result<(), StoreError> {
    let result = match store.console() {
        Some(console) => console.set_account_disabled(user_id, disabled, now).await,
        None => Err(StoreError::Backend(
            "this database has no console tables".into(),
        )),
    };
    let action = if disabled {
        "admin.disable-user"
    } else {
        "admin.enable-user"
    };
    audited(
        store,
        actor,
        now,
        action,
        Some(("user", user_id)),
        result,
        |()| {
            (if disabled {
                "console access off"
            } else {
                "console access on"
            })
            .to_owned()
        },
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
    audited(store, None, now, action, None, result, |p| {
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
