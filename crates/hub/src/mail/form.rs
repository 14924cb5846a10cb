//! The referral form made from the hub's copies of the records: the referral, its resident
//! and household (synced fields, read as the core's types), the referring officer (the hub's
//! `users` row of the referral's `created_by`), the council (the portal's branding) and the
//! scheme's phone number (the built-in policy). The same document the laptop prints; the
//! agency's inbox may make it here too ([`referral_document`], [`referral_pdf`]).

use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, Utc};
use doorstep_core::fire::{AgencyDirectory, Referral};
use doorstep_core::household::{Household, HouseholdDetails};
use doorstep_core::person::{Person, PersonDetails};
use doorstep_core::security::Policy;
use doorstep_core::{Role, built_in};
use doorstep_pdf::from_records::{ReferralRecords, referral_document as document_of};
use doorstep_pdf::{Branding, ReferralDocument, Referrer};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::store::FormRecordsText;

/// Why a referral's form could not be made; names a record kind, never its content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    /// A record the form needs is not on the hub (or is deleted).
    #[error("the hub holds no {0} for this referral")]
    Missing(&'static str),
    /// A record is on the hub but does not read as the core's type.
    #[error("the hub's copy of the {0} cannot be read")]
    Unreadable(&'static str),
    /// The built-in data files do not load (a broken build).
    #[error("the built-in {0} cannot be read")]
    BuiltIn(&'static str),
    /// The PDF could not be drawn.
    #[error("the referral form could not be drawn: {0}")]
    Render(String),
}

/// The built-in agency directory, parsed once.
static DIRECTORY: LazyLock<Result<AgencyDirectory, String>> =
    LazyLock::new(|| AgencyDirectory::from_toml(built_in::AGENCIES.1).map_err(|e| e.to_string()));

/// The built-in policy (for the scheme's phone number), parsed once.
static POLICY: LazyLock<Result<Policy, String>> =
    LazyLock::new(|| Policy::from_toml(built_in::POLICY.1).map_err(|e| e.to_string()));

/// The agency directory the hub delivers referrals by.
pub fn directory() -> Result<&'static AgencyDirectory, FormError> {
    DIRECTORY
        .as_ref()
        .map_err(|_| FormError::BuiltIn("agency directory"))
}

/// A record's synced fields as `T`, with `id` added when the fields do not carry it.
fn read<T: DeserializeOwned>(json: &str, id: Option<&str>) -> Option<T> {
    let Value::Object(fields) = serde_json::from_str::<Value>(json).ok()? else {
        return None;
    };
    let mut map: Map<String, Value> = fields
        .into_iter()
        .filter(|(k, _)| !k.starts_with('_'))
        .collect();
    if let Some(id) = id {
        map.entry("id")
            .or_insert_with(|| Value::String(id.to_owned()));
    }
    serde_json::from_value(Value::Object(map)).ok()
}

/// The referral, resident and household as the core's types.
pub fn read_records(
    referral_id: &str,
    records: &FormRecordsText,
    now: DateTime<Utc>,
) -> Result<(Referral, Person, Household), FormError> {
    let referral: Referral =
        read(&records.referral, Some(referral_id)).ok_or(FormError::Unreadable("referral"))?;
    let person_json = records
        .person
        .as_deref()
        .ok_or(FormError::Missing("resident"))?;
    let details: PersonDetails =
        read(person_json, None).ok_or(FormError::Unreadable("resident"))?;
    let person = Person {
        id: referral.person_id,
        household_id: details.household_id,
        full_name: details.full_name,
        phone: details.phone,
        email: details.email,
        date_of_birth: details.date_of_birth,
        age_band: details.age_band,
        preferred_language: details.preferred_language,
        contact_preferences: details.contact_preferences,
        created_at: now,
        updated_at: now,
    };
    let household_json = records
        .household
        .as_deref()
        .ok_or(FormError::Missing("household"))?;
    let h: HouseholdDetails =
        read(household_json, None).ok_or(FormError::Unreadable("household"))?;
    let household = Household {
        id: referral.household_id,
        uprn: h.uprn,
        address_line_1: h.address_line_1,
        address_line_2: h.address_line_2,
        address_line_3: h.address_line_3,
        town: h.town,
        postcode: h.postcode,
        coordinates: h.coordinates,
        created_at: now,
        updated_at: now,
    };
    Ok((referral, person, household))
}

/// The referral form's document, dated `today`, from the hub's records.
pub fn referral_document(
    referral_id: &str,
    records: &FormRecordsText,
    branding: &Branding,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<ReferralDocument, FormError> {
    let (referral, person, household) = read_records(referral_id, records, now)?;
    let agency = directory()?
        .agency(&referral.agency_id)
        .ok_or(FormError::Missing("agency in the directory"))?;
    let policy = POLICY.as_ref().map_err(|_| FormError::BuiltIn("policy"))?;
    let (name, role) = records
        .referrer
        .clone()
        .ok_or(FormError::Missing("referring officer"))?;
    let referrer = Referrer {
        name,
        organisation: branding.council_name.clone(),
        role: Role::parse(&role).map_or(role, |r| r.label().to_owned()),
        phone: policy.resident_plan.phone.clone(),
        email: None,
    };
    Ok(document_of(&ReferralRecords {
        referral: &referral,
        agency,
        person: &person,
        household: &household,
        referrer: &referrer,
        date: today,
    }))
}

/// The referral form as PDF bytes (held in memory only: no temporary file).
pub fn referral_pdf(
    referral_id: &str,
    records: &FormRecordsText,
    branding: &Branding,
    now: DateTime<Utc>,
) -> Result<Vec<u8>, FormError> {
    let document = referral_document(referral_id, records, branding, now, now.date_naive())?;
    doorstep_pdf::render_referral(&document, branding).map_err(|e| FormError::Render(e.to_string()))
}
