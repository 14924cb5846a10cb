//! What the console keeps: council staff's accounts (a hub user with an email, a password
//! chosen through a one-time set-up link, and a TOTP secret), their sessions, and the
//! lists an administrator works from (teams, people, laptops). One trait, one
//! implementation per backend over the sync store's own connection or pool
//! ([`crate::sqlite::console`], [`crate::postgres::console`]); the sign-in throttle's
//! counts are the portal's table, under the console's own account keys.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use doorstep_core::Role;

use crate::model::StoreError;
use crate::web::auth::AuthStore;
use crate::web::session::Account;

/// A council user who signs in to the console.
#[derive(Clone, PartialEq, Eq)]
pub struct StaffUser {
    /// The hub user's id.
    pub id: String,
    /// Their name.
    pub name: String,
    /// Their role.
    pub role: Role,
    /// Their team's id.
    pub team_id: String,
    /// Their team's name.
    pub team_name: String,
    /// How they sign in (lower case).
    pub email: String,
    /// The Argon2id PHC string, once they have chosen a password.
    pub password_hash: Option<String>,
    /// Their TOTP secret (base32); counts only once set-up is complete.
    pub totp_secret: Option<String>,
    /// Turned off by an administrator.
    pub disabled: bool,
}

impl fmt::Debug for StaffUser {
    /// The hash and the TOTP secret stay out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaffUser")
            .field("id", &self.id)
            .field("role", &self.role)
            .field("team_id", &self.team_id)
            .field("has_password", &self.password_hash.is_some())
            .field("has_totp", &self.totp_secret.is_some())
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

impl Account for StaffUser {
    fn id(&self) -> &str {
        &self.id
    }

    fn email(&self) -> &str {
        &self.email
    }

    fn password_hash(&self) -> Option<&str> {
        self.password_hash.as_deref()
    }

    fn totp_secret(&self) -> Option<&str> {
        self.totp_secret.as_deref()
    }

    /// Turned off, a contractor (who belongs in the portal), or a role that needs a second
    /// factor without one (its role changed since set-up): no sign-in, no session.
    fn disabled(&self) -> bool {
        self.disabled
            || !super::access::may_sign_in(self.role)
            || (super::access::needs_totp(self.role) && self.totp_secret.is_none())
    }

    /// A console password is chosen by its user through the set-up link, never handed out.
    fn must_change_password(&self) -> bool {
        false
    }
}

/// A console session as stored, with its user.
pub type Session = crate::web::session::Session<StaffUser>;

/// A team, for the administrator's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamRow {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its organisation's name.
    pub org_name: String,
    /// How many users it has.
    pub people: i64,
}

/// A hub user, for the administrator's list and page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRow {
    /// Their id.
    pub id: String,
    /// Their name.
    pub name: String,
    /// Their role.
    pub role: Role,
    /// Their team's id.
    pub team_id: String,
    /// Their team's name.
    pub team_name: String,
    /// Their console email, if they have a console account.
    pub email: Option<String>,
    /// Whether they have chosen a console password.
    pub set_up: bool,
    /// Whether their console account is turned off.
    pub disabled: bool,
}

/// An enrolled laptop, for the administrator's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRow {
    /// Its id.
    pub id: String,
    /// The name the app gave at enrolment.
    pub name: String,
    /// Its user's id.
    pub user_id: String,
    /// Its user's name.
    pub user_name: String,
    /// Its user's team.
    pub team_name: String,
    /// When it enrolled (Unix ms).
    pub enrolled_at: i64,
    /// When it last pushed or pulled (Unix ms), if it has.
    pub last_sync: Option<i64>,
    /// When it was revoked (Unix ms), if it was.
    pub revoked_at: Option<i64>,
}

/// The console's storage. Every method is one transaction.
#[async_trait]
pub trait ConsoleStore: AuthStore<User = StaffUser> + fmt::Debug {
    /// Gives hub user `user_id` a console account signing in as `email` (lower case, new),
    /// with a set-up link (`setup_hash`, the SHA-256 of its token) good until `expires_at`.
    async fn add_account(
        &self,
        user_id: &str,
        email: &str,
        setup_hash: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<(), StoreError>;

    /// The account a set-up link is for, if the link is still good at `now`.
    async fn account_to_set_up(
        &self,
        setup_hash: &str,
        now: i64,
    ) -> Result<Option<StaffUser>, StoreError>;

    /// Keeps the TOTP secret shown on the set-up page (made when it is first shown), if
    /// the link is still good. Returns the account's secret as now stored.
    async fn offer_totp_secret(
        &self,
        setup_hash: &str,
        secret: &str,
        now: i64,
    ) -> Result<Option<String>, StoreError>;

    /// Completes set-up: the chosen password's hash replaces any, the link is spent and
    /// the account's sessions end. False when the link is no longer good.
    async fn finish_set_up(
        &self,
        setup_hash: &str,
        password_hash: &str,
        now: i64,
    ) -> Result<bool, StoreError>;

    /// A new set-up link for user `user_id`'s console account: their password and TOTP
    /// secret are cleared (they choose both again), their sessions end, and the link
    /// (`setup_hash`) is good until `expires_at`. Not found when they have no account.
    async fn renew_set_up(
        &self,
        user_id: &str,
        setup_hash: &str,
        expires_at: i64,
    ) -> Result<(), StoreError>;

    /// Turns a console account off (ending its sessions) or on again. Not found when the
    /// user has no console account.
    async fn set_account_disabled(
        &self,
        user_id: &str,
        disabled: bool,
        now: i64,
    ) -> Result<(), StoreError>;

    /// Every team, by organisation and name.
    async fn teams(&self) -> Result<Vec<TeamRow>, StoreError>;

    /// The organisations, by name: (id, name).
    async fn organisations(&self) -> Result<Vec<(String, String)>, StoreError>;

    /// Every hub user, by team and name.
    async fn people(&self) -> Result<Vec<PersonRow>, StoreError>;

    /// One hub user.
    async fn person(&self, user_id: &str) -> Result<Option<PersonRow>, StoreError>;

    /// Every enrolled laptop, the most recently enrolled first.
    async fn laptops(&self) -> Result<Vec<DeviceRow>, StoreError>;
}

/// A console store shared by the handlers.
pub type SharedConsoleStore = Arc<dyn ConsoleStore>;
