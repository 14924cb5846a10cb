//! The referral form an email to a secure mailbox carries: the hub's copies of the
//! referral, its resident and household, made into the same document the agency's inbox
//! shows and the laptop prints ([`crate::referrals::form::referral_form`]), so the emailed
//! form and the inbox's never differ.

use doorstep_core::fire::AgencyDirectory;
use doorstep_pdf::{Branding, ReferralDocument};

use super::store::FormRecordsText;
use crate::casework::Fields;
use crate::referrals::deliver::read_referral;
use crate::referrals::form::{AgencyCase, referral_form};

/// Why a referral's form could not be made; names a record kind, never its content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    /// A record the form needs is not on the hub (or is deleted).
    #[error("the hub holds no {0} for this referral")]
    Missing(&'static str),
    /// A record is on the hub but does not read as the core's type.
    #[error("the hub's copy of the {0} cannot be read")]
    Unreadable(&'static str),
    /// The agency directory does not load (a broken build or file).
    #[error("the {0} cannot be read")]
    BuiltIn(&'static str),
    /// The PDF could not be drawn.
    #[error("the referral form could not be drawn: {0}")]
    Render(String),
}

/// The agency directory the hub delivers referrals by (the council's, else the built-in).
pub fn directory() -> Result<&'static AgencyDirectory, FormError> {
    crate::referrals::directory().ok_or(FormError::BuiltIn("agency directory"))
}

fn fields(json: Option<&str>, what: &'static str) -> Result<Option<Fields>, FormError> {
    json.map(serde_json::from_str)
        .transpose()
        .map_err(|_| FormError::Unreadable(what))
}

/// The referral form's document from the hub's records.
pub fn referral_document(
    referral_id: &str,
    records: &FormRecordsText,
    branding: &Branding,
) -> Result<ReferralDocument, FormError> {
    let held = fields(Some(&records.referral), "referral")?.unwrap_or_default();
    let referral = read_referral(referral_id, &held).ok_or(FormError::Unreadable("referral"))?;
    let agency = directory()?
        .agency(&referral.agency_id)
        .ok_or(FormError::Missing("agency in the directory"))?;
    let case = AgencyCase {
        referral,
        updated_seq: 0,
        person: fields(records.person.as_deref(), "resident")?,
        household: fields(records.household.as_deref(), "household")?,
        referrer_name: records.referrer.as_ref().map(|(name, _)| name.clone()),
    };
    referral_form(&case, agency, &branding.council_name)
        .ok_or(FormError::Missing("resident or household"))
}

/// The referral form as PDF bytes (held in memory only: no temporary file).
pub fn referral_pdf(
    referral_id: &str,
    records: &FormRecordsText,
    branding: &Branding,
) -> Result<Vec<u8>, FormError> {
    let document = referral_document(referral_id, records, branding)?;
    doorstep_pdf::render_referral(&document, branding).map_err(|e| FormError::Render(e.to_string()))
}
