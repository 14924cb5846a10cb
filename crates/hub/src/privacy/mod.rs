//! The data protection officer's work on the hub (issue 16): the register of people's
//! requests about their data, legal holds, and erasure — a household's or one resident's
//! records removed from the hub and, at their next sync, from every laptop
//! ([`erasure`]). The rules (deadlines, exemptions, holds) are core's
//! [`doorstep_core::privacy::request`]; this module stores and carries them out. The
//! console's pages are in [`crate::console`].

pub mod answer;
pub mod bundle;
pub mod erasure;
pub mod restriction;
pub mod retention;

use std::sync::Arc;

use async_trait::async_trait;
use doorstep_core::privacy::request::{Decision, RequestDates, RequestKind};

use crate::model::{AuditEntry, StoreError};

/// A request as the register keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRow {
    /// Its id (UUIDv7).
    pub id: String,
    /// What was asked.
    pub kind: RequestKind,
    /// The council's own reference.
    pub reference: String,
    /// The household it is about.
    pub household_id: String,
    /// The resident it is about, when only one.
    pub person_id: Option<String>,
    /// Its dates.
    pub dates: RequestDates,
    /// The decision, once made.
    pub decision: Option<Decision>,
    /// Who decided (a hub user id).
    pub decided_by: Option<String>,
    /// When (Unix ms).
    pub decided_at: Option<i64>,
    /// How many records an erasure removed.
    pub erased: Option<i64>,
    /// When it was recorded (Unix ms).
    pub created_at: i64,
}

/// The register's columns, in the order [`RequestColumns`] reads them.
pub const REQUEST_COLUMNS: &str = "id, kind, reference, household_id, person_id, dates, decision, decided_by, decided_at, \
     erased, created_at";

/// A register row's columns as stored, before its JSON is read.
#[derive(Debug)]
#[allow(
    missing_docs,
    reason = "the columns of `privacy_requests`, named as there"
)]
pub struct RequestColumns {
    pub id: String,
    pub kind: String,
    pub reference: String,
    pub household_id: String,
    pub person_id: Option<String>,
    pub dates: String,
    pub decision: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub erased: Option<i64>,
    pub created_at: i64,
}

impl RequestColumns {
    /// The row, its JSON read.
    pub fn into_row(self) -> Result<RequestRow, StoreError> {
        Ok(RequestRow {
            kind: RequestKind::parse(&self.kind).ok_or_else(|| {
                StoreError::Backend(format!("unknown request kind {:?}", self.kind))
            })?,
            dates: serde_json::from_str(&self.dates)?,
            decision: self
                .decision
                .as_deref()
                .map(serde_json::from_str)
                .transpose()?,
            id: self.id,
            reference: self.reference,
            household_id: self.household_id,
            person_id: self.person_id,
            decided_by: self.decided_by,
            decided_at: self.decided_at,
            erased: self.erased,
            created_at: self.created_at,
        })
    }
}

/// A new request to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRequest {
    /// What was asked.
    pub kind: RequestKind,
    /// The council's own reference.
    pub reference: String,
    /// The household it is about (must be on the hub).
    pub household_id: String,
    /// One resident of it, or none.
    pub person_id: Option<String>,
    /// Its dates.
    pub dates: RequestDates,
    /// Who recorded it.
    pub created_by: String,
    /// When (Unix ms).
    pub created_at: i64,
}

/// A legal hold on a household.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hold {
    /// The household.
    pub household_id: String,
    /// Why (a claim, an inquiry).
    pub reason: String,
    /// Who placed it (a hub user id).
    pub placed_by: String,
    /// When (Unix ms).
    pub placed_at: i64,
}

/// Someone the erased data went to, who must be told of the erasure.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Recipient {
    /// `agency` (a referral was delivered to it) or `firm` (it had a work order).
    pub kind: &'static str,
    /// The agency's or firm's name.
    pub name: String,
    /// What went to them, without its content ("2 referrals", "1 work order").
    pub what: String,
    /// When someone recorded that they were told (Unix ms).
    pub told_at: Option<i64>,
}

/// What an erasure did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erased {
    /// Records removed from the hub (and sent to laptops as erased).
    pub records: usize,
    /// Photos and signatures whose bytes were deleted.
    pub attachments: usize,
    /// Who must be told.
    pub recipients: Vec<Recipient>,
}

/// What the subject of a request is, while their records exist: for the officer's eyes on
/// the request's page only, never stored in the register.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Subject {
    /// The household's address, one line.
    pub address: Option<String>,
    /// The residents: id and name.
    pub residents: Vec<(String, String)>,
    /// Whether the household is restricted at the resident's request.
    pub restricted: bool,
}

/// The register on one backend.
#[async_trait]
pub trait PrivacyStore: Send + Sync + std::fmt::Debug {
    /// Records a request; refused (`not_found`) when its household, or its resident in
    /// that household, is not on the hub.
    async fn add_request(&self, new: NewRequest, audit: AuditEntry) -> Result<String, StoreError>;

    /// Every request, newest first.
    async fn requests(&self) -> Result<Vec<RequestRow>, StoreError>;

    /// One request.
    async fn request(&self, id: &str) -> Result<Option<RequestRow>, StoreError>;

    /// Stores a request's new dates (a pause, a resumption, an extension).
    async fn save_dates(
        &self,
        id: &str,
        dates: &RequestDates,
        audit: AuditEntry,
    ) -> Result<(), StoreError>;

    /// Records a decision that erases nothing (a refusal; a granted access or restriction).
    async fn decide(
        &self,
        id: &str,
        decision: &Decision,
        by: &str,
        now: i64,
        audit: AuditEntry,
    ) -> Result<(), StoreError>;

    /// Carries out an erasure request: refused while its household is under a legal hold;
    /// otherwise, in one transaction, removes the records, tells every laptop of the team,
    /// lists who must be told and records the decision.
    async fn erase(&self, id: &str, by: &str, now: i64) -> Result<Erased, StoreError>;

    /// The holds in place, newest first.
    async fn holds(&self) -> Result<Vec<Hold>, StoreError>;

    /// Places a hold (replacing the reason of one already there).
    async fn place_hold(&self, hold: Hold, audit: AuditEntry) -> Result<(), StoreError>;

    /// Lifts a hold; `not_found` when there is none.
    async fn lift_hold(&self, household_id: &str, audit: AuditEntry) -> Result<(), StoreError>;

    /// Who must be told of an erasure.
    async fn recipients(&self, request_id: &str) -> Result<Vec<Recipient>, StoreError>;

    /// Records that a recipient was told.
    async fn mark_told(
        &self,
        request_id: &str,
        kind: &str,
        name: &str,
        by: &str,
        now: i64,
        audit: AuditEntry,
    ) -> Result<(), StoreError>;

    /// Restricts (`restrict`) the household of a granted restriction request, or lifts its
    /// restriction, in one transaction: the household's `restricted` field as a change the
    /// hub makes (so the team's laptops pull it), the ids of its records, and the audit line
    /// ([`restriction::plan_restriction`]). Refused with the reason otherwise.
    async fn restrict(
        &self,
        id: &str,
        restrict: bool,
        by: &str,
        now: i64,
    ) -> Result<(), StoreError>;

    /// The subject of a request while their records exist.
    async fn subject(
        &self,
        household_id: &str,
        person_id: Option<&str>,
    ) -> Result<Subject, StoreError>;

    /// The live photos of these surveys of team `team` (id and fields), for a subject
    /// access answer: photos name their survey, not their household, so the case index
    /// does not hold them.
    async fn survey_photos(
        &self,
        team: &str,
        survey_ids: &[String],
    ) -> Result<Vec<(String, serde_json::Map<String, serde_json::Value>)>, StoreError>;

    /// The bytes of those of these attachments (SHA-256, lowercase hex) the hub holds.
    async fn attachment_bytes(
        &self,
        sha256s: &[String],
    ) -> Result<Vec<(String, Vec<u8>)>, StoreError>;
}

/// A register shared by the console's handlers.
pub type SharedPrivacyStore = Arc<dyn PrivacyStore>;

/// The photos among `rows` (id, fields as JSON text) that belong to one of `surveys`.
pub fn photos_of(
    rows: Vec<(String, String)>,
    surveys: &std::collections::HashSet<String>,
    fields_of: fn(&str) -> serde_json::Map<String, serde_json::Value>,
) -> Vec<(String, serde_json::Map<String, serde_json::Value>)> {
    rows.into_iter()
        .map(|(id, fields)| (id, fields_of(&fields)))
        .filter(|(_, fields)| {
            fields
                .get("survey_id")
                .and_then(serde_json::Value::as_str)
                .is_some_and(|s| surveys.contains(s))
        })
        .collect()
}

/// The subject's address and residents from the records' field maps.
pub fn subject_of(
    household: Option<&serde_json::Map<String, serde_json::Value>>,
    residents: Vec<(String, serde_json::Map<String, serde_json::Value>)>,
) -> Subject {
    let text = |fields: &serde_json::Map<String, serde_json::Value>, name: &str| {
        fields
            .get(name)
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    Subject {
        address: household.map(|h| {
            ["address_line_1", "address_line_2", "town", "postcode"]
                .iter()
                .filter_map(|f| text(h, f))
                .collect::<Vec<_>>()
                .join(", ")
        }),
        residents: residents
            .into_iter()
            .map(|(id, fields)| (id, text(&fields, "full_name").unwrap_or_default()))
            .collect(),
        restricted: household.is_some_and(|h| {
            doorstep_core::privacy::restriction::is_restricted(
                h.get(doorstep_core::privacy::restriction::RESTRICTED_FIELD),
            )
        }),
    }
}
