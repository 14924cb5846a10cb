//! An agency's inbox: which referrals it sees (those delivered to it, never a draft or
//! one still waiting to go, never another agency's), its status tabs, and the steps its
//! people take, each judged by the core's [`Referral::apply`] as [`Role::Agency`] and
//! written as the hub's change to the referral's lifecycle fields alone.

use chrono::{DateTime, Utc};
use doorstep_core::fire::{AgencyDirectory, Referral, ReferralError, ReferralStatus, ReferralStep};
use doorstep_core::{Hlc, Role};
use doorstep_sync::protocol::EntityKind;
use serde_json::Value;

use super::deliver::{LIFECYCLE_FIELDS, read_referral};
use crate::hub_change::{Applied, HubActor, update};
use crate::store::StoredRecord;

/// The inbox's tabs, in order: each a status, with the words on the tab.
pub const TABS: &[(ReferralStatus, &str)] = &[
    (ReferralStatus::Sent, "New"),
    (ReferralStatus::Acknowledged, "Acknowledged"),
    (ReferralStatus::Accepted, "Accepted"),
    (ReferralStatus::VisitBooked, "Visit booked"),
    (ReferralStatus::Completed, "Completed"),
    (ReferralStatus::Declined, "Declined"),
    (ReferralStatus::NoContact, "No contact"),
];

/// Whether an agency may see a referral in this status: only once delivered to it.
pub fn delivered(status: ReferralStatus) -> bool {
    !matches!(status, ReferralStatus::Draft | ReferralStatus::Queued)
}

/// The statuses an agency's inbox lists, as stored.
pub fn delivered_statuses() -> Vec<&'static str> {
    TABS.iter().map(|(s, _)| s.as_str()).collect()
}

/// A status in the agency's words.
pub fn status_words(status: ReferralStatus) -> &'static str {
    TABS.iter()
        .find(|(s, _)| *s == status)
        .map_or("Not yet received", |(_, words)| words)
}

/// Why an agency's step was refused; nothing was written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AgencyRefusal {
    /// Not this agency's referral, not delivered, deleted, or no such record.
    #[error("no such referral for this agency")]
    NotFound,
    /// The referral changed since the form was made.
    #[error("the referral changed since the page was shown")]
    Stale,
    /// The stored record could not be read.
    #[error("the referral could not be read")]
    Unreadable,
    /// A field holds a version the hub's clock cannot pass.
    #[error("the referral holds a change dated in the future")]
    NotApplied,
    /// The core refused the step.
    #[error(transparent)]
    Step(#[from] ReferralError),
}

impl AgencyRefusal {
    /// The audit log's word for it.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::Stale => "stale",
            Self::Unreadable => "unreadable",
            Self::NotApplied => "not_applied",
            Self::Step(_) => "invalid",
        }
    }
}

/// The referral `id` as the agency `agency_id` may see it, or `NotFound`.
pub fn agency_referral(
    id: &str,
    stored: &StoredRecord,
    agency_id: &str,
) -> Result<Referral, AgencyRefusal> {
    if stored.record.is_deleted() {
        return Err(AgencyRefusal::NotFound);
    }
    let fields = &stored.record.fields;
    // Judged before reading the whole record, so a damaged record of another agency's is
    // still "not found" rather than "unreadable".
    if fields.get("agency_id").and_then(Value::as_str) != Some(agency_id) {
        return Err(AgencyRefusal::NotFound);
    }
    let referral = read_referral(id, fields).ok_or(AgencyRefusal::Unreadable)?;
    if !delivered(referral.status) {
        return Err(AgencyRefusal::NotFound);
    }
    Ok(referral)
}

/// Takes the agency's `step` on the referral at `now`: the record after it and the
/// change to log, and the referral after it.
#[allow(
    clippy::too_many_arguments,
    reason = "which referral, whose, by which rules, the step, and what stamps the change"
)]
pub fn plan_agency_step(
    id: &str,
    stored: &StoredRecord,
    agency_id: &str,
    directory: &AgencyDirectory,
    step: ReferralStep,
    actor: HubActor,
    hub_last: Option<Hlc>,
    now: DateTime<Utc>,
) -> Result<(Applied, Referral), AgencyRefusal> {
    let mut referral = agency_referral(id, stored, agency_id)?;
    referral.apply(directory, step, actor.user, Role::Agency, now)?;
    let Ok(Value::Object(after)) = serde_json::to_value(&referral) else {
        return Err(AgencyRefusal::Unreadable);
    };
    let applied = update(
        EntityKind::Referral,
        id,
        &stored.record,
        &after,
        Some(LIFECYCLE_FIELDS),
        actor,
        hub_last,
        now,
    )
    .map_err(|_| AgencyRefusal::NotApplied)?
    // Every step adds to the history, so something always changes.
    .ok_or(AgencyRefusal::NotApplied)?;
    Ok((applied, referral))
}
