//! A referral as structured data an agency can load into its own case system (ECINS, for
//! the Nottinghamshire partners): the referral form's content with its status, dates,
//! consent status and lawful basis, as JSON and as a one-row CSV.

use chrono::{DateTime, NaiveDate, Utc};
use doorstep_core::fire::{Referral, ReferralStep};
use doorstep_core::text::spreadsheet_safe;
use doorstep_pdf::{ReferralDocument, SharingBasis};
use serde::Serialize;

/// The format's name and version, so a loader can tell what it reads.
pub const FORMAT: &str = "doorstep-referral/1";

/// A referral as an agency exports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReferralExport {
    /// [`FORMAT`].
    pub format: &'static str,
    /// The referral's reference.
    pub reference: String,
    /// The agency's id in the directory.
    pub agency_id: String,
    /// The agency's name.
    pub agency: String,
    /// Where it is, as stored (`sent`, `accepted`, …).
    pub status: String,
    /// How soon it needs a response (`routine`, `soon`, `urgent`).
    pub urgency: String,
    /// When it reached the agency.
    pub received_at: Option<DateTime<Utc>>,
    /// When the agency should have answered by.
    pub respond_by: Option<DateTime<Utc>>,
    /// Who referred.
    pub referrer: doorstep_pdf::Referrer,
    /// Who is referred.
    pub person: doorstep_pdf::ReferredPerson,
    /// Why.
    pub reasons: Vec<String>,
    /// `given` when the resident's consent covers sharing with this agency, else
    /// `not_given` (shared on the lawful basis below).
    pub consent_status: &'static str,
    /// The consent, when that is what the referral rests on.
    pub consent: Option<ConsentExport>,
    /// The lawful basis, when the referral rests on one.
    pub lawful_basis: Option<BasisExport>,
    /// The referral's steps so far, oldest first.
    pub history: Vec<StepExport>,
}

/// The consent a referral rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsentExport {
    /// Who agreed.
    pub given_by: String,
    /// How.
    pub method: String,
    /// When.
    pub given_on: NaiveDate,
    /// What it covers.
    pub covers: String,
}

/// The lawful basis a referral rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BasisExport {
    /// The basis in law.
    pub basis: String,
    /// Why sharing without consent is necessary.
    pub justification: String,
}

/// One step of the referral's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepExport {
    /// The step (`send`, `deliver`, `accept`, …).
    pub step: String,
    /// The status after it.
    pub status: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// The export of `referral`, whose form (see [`super::form`]) is `form`.
pub fn export(referral: &Referral, form: &ReferralDocument) -> ReferralExport {
    let (consent, lawful_basis) = match &form.basis {
        SharingBasis::Consent {
            given_by,
            method,
            given_on,
            covers,
            ..
        } => (
            Some(ConsentExport {
                given_by: given_by.clone(),
                method: method.clone(),
                given_on: *given_on,
                covers: covers.clone(),
            }),
            None,
        ),
        SharingBasis::LawfulBasis {
            basis,
            justification,
            ..
        } => (
            None,
            Some(BasisExport {
                basis: basis.clone(),
                justification: justification.clone(),
            }),
        ),
    };
    ReferralExport {
        format: FORMAT,
        reference: form.reference.clone(),
        agency_id: referral.agency_id.clone(),
        agency: form.agency.clone(),
        status: referral.status.as_str().to_owned(),
        urgency: referral.urgency.as_str().to_owned(),
        received_at: referral.sent_at,
        respond_by: referral.due_at,
        referrer: form.referrer.clone(),
        person: form.person.clone(),
        reasons: form.reasons.clone(),
        consent_status: if consent.is_some() {
            "given"
        } else {
            "not_given"
        },
        consent,
        lawful_basis,
        history: referral
            .history
            .iter()
            .map(|e| StepExport {
                step: step_name(&e.step).to_owned(),
                status: e.to.as_str().to_owned(),
                at: e.at,
            })
            .collect(),
    }
}

fn step_name(step: &ReferralStep) -> &'static str {
    step.kind().as_str()
}

/// The CSV's columns, fixed so every export lines up in a spreadsheet or an importer.
pub const CSV_HEADER: &[&str] = &[
    "format",
    "reference",
    "agency_id",
    "agency",
    "status",
    "urgency",
    "received_at",
    "respond_by",
    "name",
    "date_of_birth",
    "address",
    "postcode",
    "phone",
    "language",
    "reasons",
    "consent_status",
    "consent_given_by",
    "consent_method",
    "consent_given_on",
    "consent_covers",
    "lawful_basis",
    "lawful_basis_justification",
    "referrer_name",
    "referrer_organisation",
    "referrer_role",
    "referrer_phone",
];

/// The export as CSV: the header and one row, CRLF line ends, every cell safe to open in
/// a spreadsheet (a leading `=`, `+`, `-` or `@` gets a `'`).
pub fn to_csv(e: &ReferralExport) -> Result<Vec<u8>, csv::Error> {
    let time = |t: Option<DateTime<Utc>>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
    let consent = e.consent.as_ref();
    let basis = e.lawful_basis.as_ref();
    let row = [
        e.format.to_owned(),
        e.reference.clone(),
        e.agency_id.clone(),
        e.agency.clone(),
        e.status.clone(),
        e.urgency.clone(),
        time(e.received_at),
        time(e.respond_by),
        e.person.name.clone(),
        e.person
            .date_of_birth
            .map(|d| d.to_string())
            .unwrap_or_default(),
        e.person.address_lines.join(", "),
        e.person.postcode.clone(),
        e.person.phone.clone().unwrap_or_default(),
        e.person.language.clone().unwrap_or_default(),
        e.reasons.join("; "),
        e.consent_status.to_owned(),
        consent.map(|c| c.given_by.clone()).unwrap_or_default(),
        consent.map(|c| c.method.clone()).unwrap_or_default(),
        consent.map(|c| c.given_on.to_string()).unwrap_or_default(),
        consent.map(|c| c.covers.clone()).unwrap_or_default(),
        basis.map(|b| b.basis.clone()).unwrap_or_default(),
        basis.map(|b| b.justification.clone()).unwrap_or_default(),
        e.referrer.name.clone(),
        e.referrer.organisation.clone(),
        e.referrer.role.clone(),
        e.referrer.phone.clone(),
    ];
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    out.write_record(CSV_HEADER)?;
    out.write_record(row.iter().map(|c| spreadsheet_safe(c).into_owned()))?;
    out.into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}
