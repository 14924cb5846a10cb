//! What the portal keeps: firms, their users, sessions, the sign-in throttle and photos,
//! and how it reads and changes work orders in the sync tables. One trait, one
//! implementation per backend over the sync store's own connection or pool
//! ([`crate::sqlite::portal`], [`crate::postgres::portal`]), so a contractor's change
//! shares the change-log counter with pushes.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use doorstep_core::Hlc;

use crate::model::{AuditEntry, StoreError};
use crate::portal::orders::{PlannedStep, StepRefusal, StoredOrder};
use crate::web::auth::AuthStore;
use crate::web::session::Account;

/// A firm user as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct FirmUser {
    /// The user's id (UUID), the officer id of the changes they make.
    pub id: String,
    /// Their firm's id.
    pub firm_id: String,
    /// Their firm's name.
    pub firm_name: String,
    /// Whether their organisation is a fitting firm or a partner agency.
    pub kind: OrganisationKind,
    /// How they sign in (lower case).
    pub email: String,
    /// Their name.
    pub name: String,
    /// The Argon2id PHC string.
    pub password_hash: String,
    /// Their TOTP secret (base32), when they have a second factor.
    pub totp_secret: Option<String>,
    /// They must choose a new password before anything else (set by an initial password).
    pub must_change_password: bool,
    /// Disabled by an administrator: no sign-in, no session.
    pub disabled: bool,
}

impl fmt::Debug for FirmUser {
    /// The hash and the TOTP secret stay out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FirmUser")
            .field("id", &self.id)
            .field("firm_id", &self.firm_id)
            .field("kind", &self.kind)
            .field("email", &self.email)
            .field("has_totp", &self.totp_secret.is_some())
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

/// What a portal organisation is: a fitting firm sees work orders, a partner agency its
/// referrals; each sees nothing of the other's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrganisationKind {
    /// A fitting firm (`assets/contractors.toml`).
    Firm,
    /// A partner agency (the agency directory).
    Agency,
}

impl OrganisationKind {
    /// As stored in `portal_firms.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Firm => "firm",
            Self::Agency => "agency",
        }
    }

    /// From `portal_firms.kind`; anything else is a firm, the column's default.
    pub fn parse(text: &str) -> Self {
        if text == "agency" {
            Self::Agency
        } else {
            Self::Firm
        }
    }
}

/// A new firm user, ready to store.
#[derive(Debug, Clone)]
pub struct NewFirmUser {
    /// The firm's id.
    pub firm_id: String,
    /// Sign-in email (lower case).
    pub email: String,
    /// Name.
    pub name: String,
    /// The Argon2id hash of the initial password.
    pub password_hash: String,
    /// Whether they must replace the password at first sign-in.
    pub must_change_password: bool,
}

impl Account for FirmUser {
    fn id(&self) -> &str {
        &self.id
    }

    fn email(&self) -> &str {
        &self.email
    }

    fn password_hash(&self) -> Option<&str> {
        Some(&self.password_hash)
    }

    fn totp_secret(&self) -> Option<&str> {
        self.totp_secret.as_deref()
    }

    fn disabled(&self) -> bool {
        self.disabled
    }

    fn must_change_password(&self) -> bool {
        self.must_change_password
    }
}

/// A portal session as stored, with its firm user.
pub type Session = crate::web::session::Session<FirmUser>;

/// A photo of a fitted item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Photo {
    /// SHA-256 of the bytes, lowercase hex.
    pub sha256: String,
    /// e.g. `image/jpeg`.
    pub media_type: String,
    /// The image.
    pub bytes: Vec<u8>,
}

/// A contractor's step to write, planned against the order the store reads in the same
/// transaction and the hub clock's last reading (kept with the hub's identity).
pub type StepPlanner =
    Box<dyn FnOnce(&StoredOrder, Option<Hlc>) -> Result<Option<PlannedStep>, StepRefusal> + Send>;

/// What a contractor's step did.
#[derive(Debug, Clone, PartialEq)]
pub enum StepDone {
    /// Written, as change-log entry `seq`.
    Written {
        /// The change-log entry.
        seq: i64,
    },
    /// Nothing to write (the order already says so).
    Unchanged,
}

/// One step to take on a work order, in one transaction with its audit entry.
pub struct StepRequest {
    /// The contractor's firm: an order of another firm is not found.
    pub firm_id: String,
    /// The order.
    pub order_id: String,
    /// The `updated_seq` the form was made from: another one means the order changed.
    pub seen_seq: i64,
    /// Plans the change from the order as read.
    pub plan: StepPlanner,
    /// A photo to keep with the order (stored only when the step is written).
    pub photo: Option<Photo>,
    /// The audit entry of the write; its outcome names the step, and the store puts
    /// `applied: ` or `unchanged: ` in front.
    pub audit: AuditEntry,
    /// Now (Unix ms).
    pub now: i64,
}

impl fmt::Debug for StepRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StepRequest")
            .field("firm_id", &self.firm_id)
            .field("order_id", &self.order_id)
            .field("seen_seq", &self.seen_seq)
            .finish_non_exhaustive()
    }
}

/// One row of a firm's list of orders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedOrder {
    /// The order's id.
    pub id: String,
    /// Its fields as stored JSON text.
    pub fields: String,
}

/// The portal's storage: its accounts and sessions (an [`AuthStore`] of firm users), and
/// its firms, orders and steps. Every method is one transaction.
#[async_trait]
pub trait PortalStore:
    AuthStore<User = FirmUser> + crate::referrals::ReferralStore + fmt::Debug
{
    /// Adds a firm (its id as in `contractors.toml`) or an agency (its id as in the agency
    /// directory); the id must be new.
    async fn add_firm(
        &self,
        id: &str,
        name: &str,
        kind: OrganisationKind,
        now: i64,
    ) -> Result<(), StoreError>;

    /// Adds a user to a firm; the email must be new. Returns the user's id.
    async fn add_firm_user(&self, user: &NewFirmUser, now: i64) -> Result<String, StoreError>;

    /// Disables (or enables again) the user with this email or id and ends their sessions.
    /// Returns the user's id.
    async fn set_user_disabled(
        &self,
        user: &str,
        disabled: bool,
        now: i64,
    ) -> Result<String, StoreError>;

    /// Sets (or, with None, removes) the user's TOTP secret. Returns the user.
    async fn set_totp_secret(
        &self,
        user: &str,
        secret: Option<&str>,
    ) -> Result<FirmUser, StoreError>;

    /// Replaces the user's password hash and ends their other sessions.
    async fn set_password(
        &self,
        user_id: &str,
        password_hash: &str,
        keep_session: &str,
    ) -> Result<(), StoreError>;

    /// How many of the firm's orders are in each status.
    async fn order_counts(&self, firm_id: &str) -> Result<Vec<(String, i64)>, StoreError>;

    /// One page of the firm's orders (all, or of one status), soonest due first.
    async fn orders(
        &self,
        firm_id: &str,
        status: Option<&str>,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<ListedOrder>, StoreError>;

    /// The work order `order_id` if it is the firm's and not deleted.
    async fn order(&self, firm_id: &str, order_id: &str)
    -> Result<Option<StoredOrder>, StoreError>;

    /// Takes a contractor's step: reads the order, plans the change with `request.plan`,
    /// and writes the record, its change-log entry (numbered from the counter, for the
    /// record's team), the photo and the audit entry in one transaction. The inner `Err`
    /// is a refusal; then nothing was written.
    async fn take_step(
        &self,
        request: StepRequest,
    ) -> Result<Result<StepDone, StepRefusal>, StoreError>;

    /// Appends to the audit log.
    async fn append_audit(&self, entries: &[AuditEntry]) -> Result<(), StoreError>;
}

/// A portal store shared by the handlers.
pub type SharedPortalStore = Arc<dyn PortalStore>;

/// Builds the stored order from a `records` row, or None when it is deleted or not the
/// firm's (the same answer as a missing order: another firm's order does not exist for you).
pub fn firm_order(
    id: &str,
    firm_id: &str,
    row: OrderRow,
) -> Result<Option<StoredOrder>, StoreError> {
    if row.tombstone {
        return Ok(None);
    }
    let record = doorstep_sync::merge::Record::new(
        serde_json::from_str(&row.fields)?,
        serde_json::from_str(&row.versions)?,
    );
    let firm = record
        .fields
        .get("firm")
        .and_then(|f| f.get("id"))
        .and_then(serde_json::Value::as_str);
    if firm != Some(firm_id) || record.is_deleted() {
        return Ok(None);
    }
    Ok(Some(StoredOrder {
        id: id.to_owned(),
        team_id: row.team_id,
        record,
        updated_seq: row.updated_seq,
    }))
}

/// The columns of a work order's `records` row.
#[derive(Debug, Clone)]
pub struct OrderRow {
    /// The team holding it.
    pub team_id: String,
    /// Fields, JSON text.
    pub fields: String,
    /// Field versions, JSON text.
    pub versions: String,
    /// Deleted.
    pub tombstone: bool,
    /// The change-log position of its last change.
    pub updated_seq: i64,
}
