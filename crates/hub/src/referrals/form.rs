//! What an agency receives: the referral form, made from the hub's copies of the referral,
//! its resident and their home by the same function the laptop prints it with
//! ([`doorstep_pdf::from_records::referral_document`]). The form is what the resident's
//! consent or the recorded lawful basis covers — who is referred, where, why, how soon
//! and on what authority — so the inbox page, the exports, the PDF and the email
//! attachment all show exactly it and nothing more.

use doorstep_core::Role;
use doorstep_core::fire::{Agency, Referral, ReferralStep};
use doorstep_pdf::from_records::{ReferralRecords, referral_document};
use doorstep_pdf::{ReferralDocument, Referrer};

use crate::casework::Fields;
use crate::casework::decide::{household, reference, resident};

/// A referral delivered to an agency, with the records its form is made from.
#[derive(Debug, Clone, PartialEq)]
pub struct AgencyCase {
    /// The referral.
    pub referral: Referral,
    /// Its change-log position when read: a step's form carries it.
    pub updated_seq: i64,
    /// The resident's record, when the hub holds it.
    pub person: Option<Fields>,
    /// Their household's record, when the hub holds it.
    pub household: Option<Fields>,
    /// The name of the person who sent it, from the hub's users.
    pub referrer_name: Option<String>,
}

/// The referral form for the agency, or `None` when the hub lacks the resident's or the
/// household's record (a laptop pushes them before the referral, so only damage does).
pub fn referral_form(
    case: &AgencyCase,
    agency: &Agency,
    council: &str,
) -> Option<ReferralDocument> {
    let referral = &case.referral;
    let at = referral.sent_at.unwrap_or(referral.created_at);
    let person = resident(&referral.person_id.to_string(), case.person.as_ref()?, at)?;
    let home = household(
        &referral.household_id.to_string(),
        case.household.as_ref()?,
        at,
    )?;
    let role = referral
        .history
        .iter()
        .find(|e| e.step == ReferralStep::Send)
        .map_or(Role::Officer, |e| e.role);
    let referrer = Referrer {
        name: case
            .referrer_name
            .clone()
            .unwrap_or_else(|| "The council's home safety team".to_owned()),
        organisation: council.to_owned(),
        role: role.label().to_owned(),
        phone: reference()
            .map(|r| r.policy().resident_plan.phone.clone())
            .unwrap_or_default(),
        email: None,
    };
    Some(referral_document(&ReferralRecords {
        referral,
        agency,
        person: &person,
        household: &home,
        referrer: &referrer,
        date: at.date_naive(),
    }))
}
