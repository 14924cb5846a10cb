//! The referral form, for partner agencies that take referrals as PDF by secure email.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::layout::{Layout, Span, b, r};
use crate::{Branding, PdfError, long_date};

/// The person or team making the referral.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referrer {
    /// Name.
    pub name: String,
    /// Organisation, e.g. the council.
    pub organisation: String,
    /// Role, e.g. "Home safety officer".
    pub role: String,
    /// Phone number.
    pub phone: String,
    /// Secure email address.
    #[serde(default)]
    pub email: Option<String>,
}

/// The person being referred.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferredPerson {
    /// Name.
    pub name: String,
    /// Date of birth, when known.
    #[serde(default)]
    pub date_of_birth: Option<NaiveDate>,
    /// Address lines, without the postcode.
    pub address_lines: Vec<String>,
    /// Postcode.
    pub postcode: String,
    /// Phone number.
    #[serde(default)]
    pub phone: Option<String>,
    /// Preferred language.
    #[serde(default)]
    pub language: Option<String>,
    /// Communication needs, e.g. "Hard of hearing: text first".
    #[serde(default)]
    pub communication_needs: Option<String>,
}

/// Why the information may be shared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SharingBasis {
    /// The person (or someone able to act for them) agreed to the referral.
    Consent {
        /// Who agreed, e.g. "Ayşe Sampleton (the person referred)".
        given_by: String,
        /// How, e.g. "In person, verbally, during the visit".
        method: String,
        /// When.
        given_on: NaiveDate,
        /// What the agreement covers, e.g. "Sharing with the fire service for a home fire safety visit".
        covers: String,
        /// Who recorded it.
        recorded_by: String,
    },
    /// Shared without consent, on a lawful basis.
    LawfulBasis {
        /// The basis, e.g. "Public task (UK GDPR Art. 6(1)(e)); safeguarding (DPA 2018 Sch. 1 para 18)".
        basis: String,
        /// Why sharing without consent is necessary and proportionate here.
        justification: String,
        /// Who authorised it.
        #[serde(default)]
        authorised_by: Option<String>,
    },
}

/// Everything printed on a referral form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferralDocument {
    /// Referral reference.
    pub reference: String,
    /// Date of the referral.
    pub date: NaiveDate,
    /// The agency referred to.
    pub agency: String,
    /// Urgency, in the agency's own terms, e.g. "Urgent: within 24 hours".
    pub urgency: String,
    /// Who is referring.
    pub referrer: Referrer,
    /// Who is being referred.
    pub person: ReferredPerson,
    /// Others in the household (children, pets, tenure), one point each.
    #[serde(default)]
    pub household: Vec<String>,
    /// Reasons for the referral.
    pub reasons: Vec<String>,
    /// Other things the agency should know (hazards, alarm status).
    #[serde(default)]
    pub other_information: Vec<String>,
    /// Access and staff-safety notes.
    #[serde(default)]
    pub access_and_safety: Vec<String>,
    /// Consent, or the lawful basis for sharing without it.
    pub basis: SharingBasis,
}

/// The protective marking printed on every page of a referral.
const MARKING: &str = "OFFICIAL-SENSITIVE";

/// Renders a referral form as PDF bytes.
pub fn render_referral(
    referral: &ReferralDocument,
    branding: &Branding,
) -> Result<Vec<u8>, PdfError> {
    let title = format!("Referral to {}", referral.agency);
    let mut page = Layout::new(&title, "Partner referral", branding, Some(MARKING))?;
    page.callout(&[
        b("This form has personal and sensitive information. "),
        r(format!(
            "Send it only by secure email to {}. Do not forward it, and keep it only as long as you need it.",
            referral.agency
        )),
    ]);
    page.key_values(&[
        ("Reference", vec![b(&referral.reference)]),
        ("Date", vec![r(long_date(referral.date))]),
        ("Urgency", vec![b(&referral.urgency)]),
    ]);

    page.heading("Who is referring");
    let who = &referral.referrer;
    let mut rows = vec![
        ("Name", vec![r(&who.name)]),
        ("Organisation", vec![r(&who.organisation)]),
        ("Role", vec![r(&who.role)]),
        ("Phone", vec![r(&who.phone)]),
    ];
    if let Some(email) = &who.email {
        rows.push(("Email", vec![r(email)]));
    }
    page.key_values(&rows);

    page.heading("The person");
    let person = &referral.person;
    let mut address = person.address_lines.join("\n");
    if !person.postcode.trim().is_empty() {
        address.push('\n');
        address.push_str(&person.postcode);
    }
    let mut rows = vec![("Name", vec![b(&person.name)])];
    if let Some(dob) = person.date_of_birth {
        let age = age_on(dob, referral.date);
        rows.push((
            "Date of birth",
            vec![r(format!("{} (age {age})", dob.format("%-d %B %Y")))],
        ));
    }
    rows.push(("Address", vec![r(address)]));
    let optional = [
        ("Phone", &person.phone),
        ("Language", &person.language),
        ("Communication", &person.communication_needs),
    ];
    for (label, value) in optional {
        if let Some(value) = value.as_deref().filter(|v| !v.trim().is_empty()) {
            rows.push((label, vec![r(value)]));
        }
    }
    page.key_values(&rows);
    list_section(&mut page, "Household", &referral.household);

    page.heading("Why we are referring");
    if referral.reasons.is_empty() {
        page.paragraph(&[r("No reason given.")]);
    } else {
        page.bullets(&as_items(&referral.reasons));
    }
    list_section(
        &mut page,
        "Other things you should know",
        &referral.other_information,
    );
    list_section(
        &mut page,
        "Access and staff safety",
        &referral.access_and_safety,
    );

    match &referral.basis {
        SharingBasis::Consent {
            given_by,
            method,
            given_on,
            covers,
            recorded_by,
        } => {
            page.heading("Consent");
            page.paragraph(&[r("The person agreed to this referral.")]);
            page.key_values(&[
                ("Agreed by", vec![r(given_by)]),
                ("How", vec![r(method)]),
                ("When", vec![r(long_date(*given_on))]),
                ("It covers", vec![r(covers)]),
                ("Recorded by", vec![r(recorded_by)]),
            ]);
        }
        SharingBasis::LawfulBasis {
            basis,
            justification,
            authorised_by,
        } => {
            page.heading("Shared without consent");
            page.paragraph(&[r(
                "The person has not agreed to this referral. We are sharing it because we believe it is \
                 needed to keep someone safe, on the lawful basis below.",
            )]);
            let mut rows = vec![
                ("Lawful basis", vec![r(basis)]),
                ("Why", vec![r(justification)]),
            ];
            if let Some(who) = authorised_by {
                rows.push(("Authorised by", vec![r(who)]));
            }
            page.key_values(&rows);
        }
    }
    page.finish()
}

fn as_items(points: &[String]) -> Vec<Vec<Span>> {
    points.iter().map(|p| vec![r(p)]).collect()
}

fn list_section(page: &mut Layout<'_>, heading: &str, points: &[String]) {
    if !points.is_empty() {
        page.heading(heading);
        page.bullets(&as_items(points));
    }
}

/// Age in whole years on `day`.
fn age_on(birth: NaiveDate, day: NaiveDate) -> u32 {
    day.years_since(birth).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_counts_whole_years() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).expect("date");
        assert_eq!(age_on(d(1950, 6, 15), d(2026, 6, 14)), 75);
        assert_eq!(age_on(d(1950, 6, 15), d(2026, 6, 15)), 76);
        assert_eq!(age_on(d(2030, 1, 1), d(2026, 1, 1)), 0);
    }
}
