//! Partner referrals: who, to which agency, why, how urgently, and on what authority, with a
//! lifecycle that records who did what and when.
//!
//! Consent and lawful basis are kept apart (docs/domain.md#consent-and-lawful-basis): consent is the resident's agreement,
//! recorded per purpose; a lawful basis is the organisation's legal footing to share without
//! it. Either may authorise a send, but neither is ever inferred from the other.
//!
//! One idea per module: `consent` is what authorises a send (consent or a lawful basis),
//! `lifecycle` is who may take which step from which status, `clock` is the agency's
//! response clock, and `suggest` is which agencies a CHARLIE result points to.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::identity::Role;
use crate::ids::{HouseholdId, OfficerId, PersonId};
use crate::validation::ValidationErrors;

use super::agency::{AgencyDirectory, Urgency};
use super::ids::{CharlieCheckId, ReferralId};

mod clock;
mod consent;
mod lifecycle;
mod progress;
mod suggest;

#[cfg(test)]
mod tests;

pub use clock::{OverdueReferral, overdue_referrals};
pub use consent::{
    BasisRecord, Consent, ConsentGiver, ConsentMethod, JUSTIFICATION_MIN, LawfulBasis, SendRefused,
};
pub use lifecycle::{
    REFERRAL_ROLES, ReferralEvent, ReferralStatus, ReferralStep, ReferralStepKind,
};
pub use progress::WAITING_TO_GO;
pub use suggest::{SuggestedReferral, suggest_referrals};

use consent::{validate_basis, validate_consent};
use lifecycle::check_role;

/// Longest free text on a referral.
pub const TEXT_MAX: usize = 2_000;

/// What the officer fills in to start a referral.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ReferralDraft {
    /// The resident referred.
    pub person_id: PersonId,
    /// Their household.
    pub household_id: HouseholdId,
    /// The agency id from the directory.
    pub agency_id: String,
    /// Why, in plain words (pre-filled from suggestions, editable).
    pub reasons: Vec<String>,
    /// How soon.
    pub urgency: Urgency,
    /// The CHARLIE check behind it, if any.
    pub charlie_check_id: Option<CharlieCheckId>,
    /// The resident's consent, if given.
    pub consent: Option<Consent>,
    /// The lawful basis, if sharing without (adequate) consent.
    pub lawful_basis: Option<BasisRecord>,
}

/// A referral to a partner agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Referral {
    /// Id.
    pub id: ReferralId,
    /// The resident referred.
    pub person_id: PersonId,
    /// Their household.
    pub household_id: HouseholdId,
    /// The agency id.
    pub agency_id: String,
    /// Why.
    pub reasons: Vec<String>,
    /// How soon.
    pub urgency: Urgency,
    /// The CHARLIE check behind it, if any.
    pub charlie_check_id: Option<CharlieCheckId>,
    /// The resident's consent, if given.
    pub consent: Option<Consent>,
    /// The lawful basis, if any; kept apart from consent.
    pub lawful_basis: Option<BasisRecord>,
    /// Where it is.
    pub status: ReferralStatus,
    /// Who drafted it.
    pub created_by: OfficerId,
    /// When.
    pub created_at: DateTime<Utc>,
    /// When the hub delivered it to the agency (the response clock starts here).
    pub sent_at: Option<DateTime<Utc>>,
    /// When the agency should have acknowledged it, fixed at delivery so later directory edits
    /// do not rewrite what was expected.
    pub due_at: Option<DateTime<Utc>>,
    /// Every step so far.
    pub history: Vec<ReferralEvent>,
}

/// Why a referral step was refused; the referral is left unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReferralError {
    /// Not allowed from this status.
    #[error("A referral that is {status} cannot be given the step \"{step}\"")]
    NotFromStatus {
        /// Step.
        step: &'static str,
        /// Current status.
        status: &'static str,
    },
    /// The role may not handle referrals.
    #[error("Signed in as {0}, you cannot work on referrals")]
    RoleNotAllowed(&'static str),
    /// The agency is not in the directory.
    #[error("The agency \"{0}\" is not in the directory; choose another")]
    UnknownAgency(String),
    /// Sending is not authorised.
    #[error(transparent)]
    NotAuthorised(#[from] SendRefused),
    /// A required field was blank.
    #[error(transparent)]
    Blank(#[from] crate::validation::Blank),
    /// A free-text field is too long.
    #[error("Shorten {what} to {TEXT_MAX} characters or fewer")]
    TooLong {
        /// The form field's name.
        field: &'static str,
        /// What the field holds, e.g. "what happened".
        what: &'static str,
    },
    /// Delivery is the hub's step.
    #[error("Only Doorstep's hub delivers a referral; it goes when the laptop next syncs")]
    OnlyTheHubDelivers,
    /// The step is the agency's to take.
    #[error(
        "Only the agency can record the step \"{0}\"; its answer reaches the laptop when it syncs"
    )]
    OnlyTheAgency(&'static str),
    /// A visit booked before now.
    #[error("Choose a visit date and time that is not in the past")]
    VisitInThePast,
    /// Only a draft can be edited.
    #[error("This referral has been sent, so its consent and basis can no longer be changed")]
    NotDraft,
    /// The draft has field errors.
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
}

impl Referral {
    /// Starts a draft; every problem is reported against its field.
    pub fn draft(
        directory: &AgencyDirectory,
        draft: ReferralDraft,
        by: OfficerId,
        role: Role,
        at: DateTime<Utc>,
    ) -> Result<Self, ReferralError> {
        check_role(role)?;
        let mut errors = ValidationErrors::default();
        if directory.agency(&draft.agency_id).is_none() {
            errors.add("agency_id", "Choose an agency from the directory");
        }
        let reasons: Vec<String> = draft
            .reasons
            .iter()
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty())
            .collect();
        if reasons.is_empty() {
            errors.add("reasons", "Give at least one reason for the referral");
        }
        if reasons.iter().any(|r| r.chars().count() > TEXT_MAX) {
            errors.add(
                "reasons",
                format!("Use {TEXT_MAX} characters or fewer for each reason"),
            );
        }
        if let Some(c) = &draft.consent {
            validate_consent(c, &mut errors);
        }
        if let Some(b) = &draft.lawful_basis {
            validate_basis(b, &mut errors);
        }
        if !errors.is_empty() {
            return Err(errors.into());
        }
        Ok(Self {
            id: ReferralId::new(),
            person_id: draft.person_id,
            household_id: draft.household_id,
            agency_id: draft.agency_id,
            reasons,
            urgency: draft.urgency,
            charlie_check_id: draft.charlie_check_id,
            consent: draft.consent,
            lawful_basis: draft.lawful_basis,
            status: ReferralStatus::Draft,
            created_by: by,
            created_at: at,
            sent_at: None,
            due_at: None,
            history: Vec::new(),
        })
    }
}
