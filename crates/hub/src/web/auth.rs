//! Signing in, written once for every web app of the hub (the contractor portal, the
//! council console): the steps from a typed password to a session, from a TOTP code to
//! a full session, and from a cookie to a session that may see a page. Each app brings
//! its own accounts and session table (an [`AuthStore`]), its own cookie names and its
//! own pages; what a step decides is here, so both apps decide it the same way.

use async_trait::async_trait;

use super::AuthError;
use super::password::{decoy_hash, matches};
use super::session::{
    Account, Allow, Detour, NewSession, Session, Stage, Verdict, judge, new_session,
};
use super::throttle::{Failure, Keys, minutes_until};
use super::totp::check_totp;
use crate::model::StoreError;

/// What a web app keeps for signing in: its accounts, its sessions, spent TOTP steps and
/// the throttle's counts. Every method is one transaction.
#[async_trait]
pub trait AuthStore: Send + Sync {
    /// The app's account.
    type User: Account + Clone + Send + Sync + 'static;

    /// The user who signs in with this email.
    async fn user_by_email(&self, email: &str) -> Result<Option<Self::User>, StoreError>;

    /// Records TOTP step `step` as used by the user; false when it (or a later one) was
    /// used already, so a code works once.
    async fn spend_totp_step(&self, user_id: &str, step: i64) -> Result<bool, StoreError>;

    /// The latest time any of `keys` is locked until, if one is locked at `now`.
    async fn locked_until(&self, keys: &[String], now: i64) -> Result<Option<i64>, StoreError>;

    /// Counts a failed sign-in under each key, locking a key that reaches its limit.
    async fn note_failures(&self, failures: &[Failure], now: i64) -> Result<(), StoreError>;

    /// Forgets the failures counted under `key` (after a successful sign-in).
    async fn clear_failures(&self, key: &str) -> Result<(), StoreError>;

    /// Stores a new session; with `replaces`, ends that one in the same transaction.
    async fn create_session(
        &self,
        session: &NewSession,
        replaces: Option<&str>,
    ) -> Result<(), StoreError>;

    /// The session with this id hash, with its user.
    async fn session(&self, id_hash: &str) -> Result<Option<Session<Self::User>>, StoreError>;

    /// Records that the session was used at `now`.
    async fn touch_session(&self, id_hash: &str, now: i64) -> Result<(), StoreError>;

    /// Ends a session.
    async fn end_session(&self, id_hash: &str) -> Result<(), StoreError>;
}

/// What a password check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordCheck<U> {
    /// The account or the address is locked for this many more minutes; nothing was
    /// checked.
    Locked {
        /// Whole minutes, rounded up.
        minutes: i64,
    },
    /// No such account, no password yet, or the wrong one (counted by the throttle).
    Wrong,
    /// The right password for an account that may not sign in.
    Disabled(U),
    /// The right password: go on to [`first_stage`].
    Passed(U),
}

/// Checks an email and password under the throttle's `keys`. An unknown email is checked
/// against a decoy hash, so it takes as long as a wrong password.
pub async fn check_password<S: AuthStore + ?Sized>(
    store: &S,
    keys: &Keys,
    email: &str,
    password: String,
    now: i64,
) -> Result<PasswordCheck<S::User>, StoreError> {
    if let Some(until) = store.locked_until(&keys.both(), now).await? {
        return Ok(PasswordCheck::Locked {
            minutes: minutes_until(now, until),
        });
    }
    let user = store.user_by_email(email).await?;
    let stored = user.as_ref().and_then(|u| u.password_hash());
    let hash = stored.map_or_else(|| decoy_hash().to_owned(), str::to_owned);
    let verified = matches(password, hash).await;
    let user = match user {
        Some(user) if verified && user.password_hash().is_some() => user,
        _ => {
            store.note_failures(&keys.failures(), now).await?;
            return Ok(PasswordCheck::Wrong);
        }
    };
    if user.disabled() {
        return Ok(PasswordCheck::Disabled(user));
    }
    store.clear_failures(&keys.account).await?;
    Ok(PasswordCheck::Passed(user))
}

/// Where a right password leads: the code step when the user has a second factor.
pub fn first_stage<U: Account>(user: &U) -> Stage {
    if user.totp_secret().is_some() {
        Stage::Code
    } else {
        Stage::Full
    }
}

/// What a TOTP code check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    /// Locked for this many more minutes; nothing was checked.
    Locked {
        /// Whole minutes, rounded up.
        minutes: i64,
    },
    /// No code was typed.
    Empty,
    /// The user has no second factor (nothing to check).
    NoSecret,
    /// Wrong, or used already (counted by the throttle).
    Wrong,
    /// Right, and now spent.
    Passed,
}

/// Checks a TOTP code for `user` under the throttle's `keys`; each code is good once.
pub async fn check_code<S: AuthStore + ?Sized>(
    store: &S,
    user: &S::User,
    keys: &Keys,
    code: &str,
    now: i64,
) -> Result<CodeCheck, StoreError> {
    if let Some(until) = store.locked_until(&keys.both(), now).await? {
        return Ok(CodeCheck::Locked {
            minutes: minutes_until(now, until),
        });
    }
    if code.trim().is_empty() {
        return Ok(CodeCheck::Empty);
    }
    let Some(secret) = user.totp_secret() else {
        return Ok(CodeCheck::NoSecret);
    };
    let step = check_totp(secret, code, now).unwrap_or_else(|error| {
        tracing::error!(%error, user = %user.id(), "a damaged TOTP secret");
        None
    });
    let spent = match step {
        Some(step) => store.spend_totp_step(user.id(), step).await?,
        None => false,
    };
    if spent {
        Ok(CodeCheck::Passed)
    } else {
        store.note_failures(&keys.failures(), now).await?;
        Ok(CodeCheck::Wrong)
    }
}

/// Why a session could not be started.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// No random token could be had.
    #[error(transparent)]
    Token(#[from] AuthError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Stores a new session for `user_id` at `stage` (ending `replaces`) and returns the
/// token its cookie carries.
pub async fn start_session<S: AuthStore + ?Sized>(
    store: &S,
    user_id: &str,
    stage: Stage,
    replaces: Option<&str>,
    now: i64,
) -> Result<String, StartError> {
    let (token, session) = new_session(user_id, stage, now)?;
    store.create_session(&session, replaces).await?;
    Ok(token)
}

/// Why a request's session may not see a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turned {
    /// No session cookie: sign in.
    SignIn,
    /// The session is over (and now ended): clear the cookie, sign in again.
    Ended,
    /// Signed in, but this page is not for this stage: go elsewhere.
    Elsewhere(Detour),
}

/// The session of a request's cookie `token` if it may see a page open to `allow` at
/// `now`, or why not. An ended session is removed; a busy one's last use is written.
pub async fn admit<S: AuthStore + ?Sized>(
    store: &S,
    token: Option<&str>,
    allow: Allow,
    now: i64,
) -> Result<Result<Session<S::User>, Turned>, StoreError> {
    let Some(token) = token else {
        return Ok(Err(Turned::SignIn));
    };
    let id_hash = super::session::token_hash(token);
    let Some(session) = store.session(&id_hash).await? else {
        return Ok(Err(Turned::Ended));
    };
    match judge(&session, allow, now) {
        Verdict::Ended => {
            store.end_session(&id_hash).await?;
            Ok(Err(Turned::Ended))
        }
        Verdict::Elsewhere(detour) => Ok(Err(Turned::Elsewhere(detour))),
        Verdict::Admit { touch } => {
            if touch {
                store.touch_session(&id_hash, now).await?;
            }
            Ok(Ok(session))
        }
    }
}
