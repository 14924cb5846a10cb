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
pub use crate::sql::{Dialect, Param};
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
    /// The version of Doorstep it last said it runs, if it has said.
    pub app_version: Option<String>,
    /// Change-log entries of its user's team after its pull cursor (all of them when it
    /// has never pulled).
    pub changes_waiting: i64,
}

/// A contractor firm, for the administrator's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirmRow {
    /// Its id, as in `contractors.toml`.
    pub id: String,
    /// Its name.
    pub name: String,
    /// How many portal users it has.
    pub users: i64,
    /// A partner agency (its referrals inbox), not a fitting firm.
    pub agency: bool,
}

/// A firm's portal user, for the administrator's list (no hash, no secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirmUserRow {
    /// Their id.
    pub id: String,
    /// Their name.
    pub name: String,
    /// How they sign in.
    pub email: String,
    /// Whether they have a second factor.
    pub has_totp: bool,
    /// Whether they still have to replace an initial password.
    pub must_change_password: bool,
    /// Whether they are turned off.
    pub disabled: bool,
}

/// What the audit log page and its CSV export are narrowed to; every part is optional and
/// the parts combine (AND).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// A user's id, or part of a council user's or firm user's name (any case).
    pub person: Option<String>,
    /// A device's id.
    pub device: Option<String>,
    /// The kind of record (`household`, `user`, `firm`, …).
    pub entity: Option<String>,
    /// The record's id.
    pub entity_id: Option<String>,
    /// The start of the action (`console.`, `push`, `admin.add-user`).
    pub action: Option<String>,
    /// From this time (Unix ms), inclusive.
    pub from: Option<i64>,
    /// Before this time (Unix ms), exclusive.
    pub before: Option<i64>,
    /// Only entries older than this one (its time and id): the next batch of an export.
    pub older_than: Option<(i64, i64)>,
}

/// One audit log entry as the console shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    /// Its id (the order it was written in).
    pub id: i64,
    /// When (Unix ms).
    pub at: i64,
    /// Who, if anyone.
    pub user_id: Option<String>,
    /// Their name, when they are a council user or a firm user.
    pub user_name: Option<String>,
    /// Which laptop, if one.
    pub device_id: Option<String>,
    /// What.
    pub action: String,
    /// The kind of record, if about one.
    pub entity: Option<String>,
    /// The record's id.
    pub entity_id: Option<String>,
    /// How it ended.
    pub outcome: String,
}

/// The `FROM` of the audit log's query: the entry, and the name of who did it.
pub const AUDIT_FROM: &str = "audit_log a LEFT JOIN users u ON u.id = a.user_id \
     LEFT JOIN portal_users p ON p.id = a.user_id";

/// The columns of an [`AuditRow`], in order.
pub const AUDIT_COLUMNS: &str = "a.id, a.at, a.user_id, coalesce(u.name, p.name), a.device_id, \
     a.action, a.entity, a.entity_id, a.outcome";

/// The `WHERE` clause (empty, or starting with ` WHERE`) of `filter` and its parameters,
/// numbered from 1. Only fixed SQL text is written: every value is a parameter.
pub fn audit_where(filter: &AuditFilter, dialect: Dialect) -> (String, Vec<Param>) {
    let mut clauses: Vec<String> = Vec::new();
    let mut params: Vec<Param> = Vec::new();
    let next = |params: &mut Vec<Param>, value: Param| {
        params.push(value);
        dialect.mark(params.len())
    };
    if let Some(person) = &filter.person {
        let p = next(&mut params, Param::Text(person.clone()));
        clauses.push(match dialect {
            Dialect::Sqlite => format!(
                "(a.user_id = {p} OR instr(lower(coalesce(u.name, p.name, '')), lower({p})) > 0)"
            ),
            Dialect::Postgres => format!(
                "(a.user_id = {p}::text OR strpos(lower(coalesce(u.name, p.name, '')), lower({p}::text)) > 0)"
            ),
        });
    }
    if let Some(device) = &filter.device {
        let p = next(&mut params, Param::Text(device.clone()));
        clauses.push(format!("a.device_id = {p}"));
    }
    if let Some(entity) = &filter.entity {
        let p = next(&mut params, Param::Text(entity.clone()));
        clauses.push(format!("a.entity = {p}"));
    }
    if let Some(entity_id) = &filter.entity_id {
        let p = next(&mut params, Param::Text(entity_id.clone()));
        clauses.push(format!("a.entity_id = {p}"));
    }
    if let Some(action) = &filter.action {
        let p = next(&mut params, Param::Text(action.clone()));
        clauses.push(match dialect {
            Dialect::Sqlite => format!("substr(a.action, 1, length({p})) = {p}"),
            Dialect::Postgres => format!("left(a.action, char_length({p}::text)) = {p}::text"),
        });
    }
    if let Some(from) = filter.from {
        let p = next(&mut params, Param::Int(from));
        clauses.push(format!("a.at >= {p}"));
    }
    if let Some(before) = filter.before {
        let p = next(&mut params, Param::Int(before));
        clauses.push(format!("a.at < {p}"));
    }
    if let Some((at, id)) = filter.older_than {
        let p_at = next(&mut params, Param::Int(at));
        let p_id = next(&mut params, Param::Int(id));
        clauses.push(format!(
            "(a.at < {p_at} OR (a.at = {p_at} AND a.id < {p_id}))"
        ));
    }
    if clauses.is_empty() {
        (String::new(), params)
    } else {
        (format!(" WHERE {}", clauses.join(" AND ")), params)
    }
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

    /// Audit log entries matching `filter`, newest first: `limit` of them after skipping
    /// `offset`.
    async fn audit_entries(
        &self,
        filter: &AuditFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<AuditRow>, StoreError>;

    /// How many audit log entries match `filter`.
    async fn count_audit(&self, filter: &AuditFilter) -> Result<i64, StoreError>;

    /// Every contractor firm, by name, with how many users it has.
    async fn firms(&self) -> Result<Vec<FirmRow>, StoreError>;

    /// One firm.
    async fn firm(&self, id: &str) -> Result<Option<FirmRow>, StoreError>;

    /// A firm's portal users, by name.
    async fn firm_users(&self, firm_id: &str) -> Result<Vec<FirmUserRow>, StoreError>;
}

/// A console store shared by the handlers.
pub type SharedConsoleStore = Arc<dyn ConsoleStore>;
