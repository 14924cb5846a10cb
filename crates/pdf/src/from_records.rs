//! Referral forms and day-of-action summaries made from stored records. The referral carries
//! only what the agency needs (never the CHARLIE answers themselves); the summary holds
//! totals only, never a household.

use chrono::NaiveDate;
use doorstep_core::Household;
use doorstep_core::Person;
use doorstep_core::fire::{Agency, ConsentGiver, ConsentMethod, LawfulBasis, Referral, Urgency};
use doorstep_core::views::DayOfActionPage;

use crate::day_of_action::{DayOfActionCounts, DayOfActionSummaryDocument};
use crate::referral::{ReferralDocument, ReferredPerson, Referrer, SharingBasis};

/// Everything a referral form is made from.
#[derive(Debug, Clone, Copy)]
pub struct ReferralRecords<'a> {
    /// The referral.
    pub referral: &'a Referral,
    /// The agency it goes to.
    pub agency: &'a Agency,
    /// The resident referred.
    pub person: &'a Person,
    /// Their home.
    pub household: &'a Household,
    /// Who is referring.
    pub referrer: &'a Referrer,
    /// The day the form is made.
    pub date: NaiveDate,
}

fn urgency(u: Urgency) -> &'static str {
    match u {
        Urgency::Routine => "Routine",
        Urgency::Soon => "Soon",
        Urgency::Urgent => "Urgent",
    }
}

fn basis(b: LawfulBasis) -> &'static str {
    match b {
        LawfulBasis::PublicTask => "Public task (UK GDPR Article 6(1)(e))",
        LawfulBasis::VitalInterests => "Vital interests (UK GDPR Article 6(1)(d))",
        LawfulBasis::SafeguardingIndividualsAtRisk => {
            "Safeguarding of individuals at risk (DPA 2018 Schedule 1, paragraph 18)"
        }
        LawfulBasis::StatutoryPurposes => "Statutory purposes (DPA 2018 Schedule 1, paragraph 6)",
        LawfulBasis::LegalObligation => "Legal obligation (UK GDPR Article 6(1)(c))",
    }
}

/// The referral form for an agency that takes referrals by secure email.
pub fn referral_document(r: &ReferralRecords<'_>) -> ReferralDocument {
    let h = r.household;
    let mut address_lines = vec![h.address_line_1.clone()];
    address_lines.extend(h.address_line_2.clone());
    address_lines.extend(h.address_line_3.clone());
    address_lines.push(h.town.clone());
    let sharing = match (&r.referral.lawful_basis, &r.referral.consent) {
        (Some(b), _) => SharingBasis::LawfulBasis {
            basis: basis(b.basis).to_owned(),
            justification: b.justification.clone(),
            authorised_by: None,
        },
        (None, Some(c)) => SharingBasis::Consent {
            given_by: match c.given_by {
                ConsentGiver::Person => c.given_by_name.clone(),
                _ => format!("{} (on the resident's behalf)", c.given_by_name),
            },
            method: match c.method {
                ConsentMethod::Verbal => "Verbally, in person".to_owned(),
                ConsentMethod::Signed => "Signed".to_owned(),
            },
            given_on: c.at.date_naive(),
            covers: c
                .purposes
                .iter()
                .map(|p| p.label())
                .collect::<Vec<_>>()
                .join(", "),
            recorded_by: r.referrer.name.clone(),
        },
        // Core never sends without one of the two; a draft prints what is missing.
        (None, None) => SharingBasis::LawfulBasis {
            basis: "Not recorded yet".to_owned(),
            justification: "Record consent or a lawful basis before sending this form.".to_owned(),
            authorised_by: None,
        },
    };
    ReferralDocument {
        reference: r.referral.id.to_string(),
        date: r.date,
        agency: r.agency.name.clone(),
        urgency: urgency(r.referral.urgency).to_owned(),
        referrer: r.referrer.clone(),
        person: ReferredPerson {
            name: r.person.full_name.clone(),
            date_of_birth: r.person.date_of_birth,
            address_lines,
            postcode: h.postcode.as_str().to_owned(),
            phone: r.person.phone.clone(),
            language: r.person.preferred_language.clone(),
            communication_needs: None,
        },
        household: Vec::new(),
        reasons: r.referral.reasons.clone(),
        other_information: Vec::new(),
        access_and_safety: Vec::new(),
        basis: sharing,
    }
}

/// The end-of-day summary of a day of action: totals only.
pub fn day_summary_document(page: &DayOfActionPage) -> DayOfActionSummaryDocument {
    let s = &page.summary;
    let mut notes = Vec::new();
    if s.revisits_outstanding > 0 {
        notes.push(format!(
            "{} doors were not answered and are on the revisit list.",
            s.revisits_outstanding
        ));
    }
    if s.alarms_tested_ok > 0 {
        notes.push(format!(
            "{} existing smoke alarms were tested and work.",
            s.alarms_tested_ok
        ));
    }
    if s.charlie_checks > 0 {
        notes.push(format!(
            "{} CHARLIE fire risk checks were done.",
            s.charlie_checks
        ));
    }
    DayOfActionSummaryDocument {
        event_name: page.day.name.clone(),
        date: page.day.date,
        area: page.day.area.clone(),
        crew: page.day.crew.clone(),
        counts: DayOfActionCounts {
            doors_knocked: s.doors_knocked,
            answered: s.doors_answered,
            alarms_fitted: s.alarms_fitted,
            higher_risk_found: s.higher_risk_people,
            referrals_made: s.referrals_made,
        },
        notes,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used)]
    use super::*;
    use chrono::Utc;
    use doorstep_core::fire::{
        AgencyDirectory, Consent, ConsentPurpose, DaySummary, ReferralDraft,
    };
    use doorstep_core::views::DayOfAction;
    use doorstep_core::{HouseholdDraft, HouseholdId, OfficerId, PersonId, Role};

    const AGENCIES: &str = include_str!("../../../assets/agencies.toml");

    fn branding() -> crate::Branding {
        crate::Branding::from_toml(include_str!("../../../assets/branding/council.toml"), None)
            .expect("branding")
    }

    #[test]
    fn a_referral_form_states_the_consent_it_rests_on_and_renders() {
        let directory = AgencyDirectory::from_toml(AGENCIES).expect("agencies");
        let agency = directory.agency("fire_safe_and_well").expect("agency");
        let details = HouseholdDraft {
            address_line_1: "7 Ember Row".into(),
            town: "Eastwick Vale".into(),
            postcode: "ZY5 2AD".into(),
            ..Default::default()
        }
        .validate()
        .expect("household");
        let household = Household {
            id: HouseholdId::new(),
            uprn: None,
            address_line_1: details.address_line_1,
            address_line_2: None,
            address_line_3: None,
            town: details.town,
            postcode: details.postcode,
            coordinates: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        };
        let person = Person {
            id: PersonId::new(),
            household_id: household.id,
            full_name: "Ellis Kindleworth".into(),
            phone: Some("07700 900123".into()),
            email: None,
            date_of_birth: None,
            age_band: None,
            preferred_language: None,
            contact_preferences: Default::default(),
            created_at: Utc::now(),
            updated_at: Utc::now(),
        };
        let by = OfficerId::new();
        let referral = Referral::draft(
            &directory,
            ReferralDraft {
                person_id: person.id,
                household_id: household.id,
                agency_id: agency.id.clone(),
                reasons: vec!["Smokes in bed".into()],
                urgency: Urgency::Soon,
                charlie_check_id: None,
                consent: Some(Consent {
                    given_by: ConsentGiver::Person,
                    given_by_name: "Ellis Kindleworth".into(),
                    method: ConsentMethod::Verbal,
                    signature_ref: None,
                    purposes: vec![ConsentPurpose::ShareWithFire],
                    capacity_concerns: None,
                    recorded_by: by,
                    at: Utc::now(),
                }),
                lawful_basis: None,
            },
            by,
            Role::FireCrew,
            Utc::now(),
        )
        .expect("referral");
        let referrer = Referrer {
            name: "Rowan Testwell".into(),
            organisation: "Example council".into(),
            role: "Fire crew".into(),
            phone: "0115 496 0000".into(),
            email: None,
        };
        let date = NaiveDate::from_ymd_opt(2026, 11, 27).expect("date");
        let doc = referral_document(&ReferralRecords {
            referral: &referral,
            agency,
            person: &person,
            household: &household,
            referrer: &referrer,
            date,
        });
        match &doc.basis {
            SharingBasis::Consent {
                given_by, method, ..
            } => {
                assert_eq!(
                    (given_by.as_str(), method.as_str()),
                    ("Ellis Kindleworth", "Verbally, in person")
                );
            }
            other => panic!("consent expected: {other:?}"),
        }
        assert_eq!(doc.person.address_lines, ["7 Ember Row", "Eastwick Vale"]);
        assert!(crate::render_referral(&doc, &branding()).is_ok());
    }

    #[test]
    fn a_day_summary_carries_totals_only_and_renders() {
        let page = DayOfActionPage {
            day: DayOfAction {
                id: "d".into(),
                name: "Ember Row day of action".into(),
                date: NaiveDate::from_ymd_opt(2026, 11, 27).expect("date"),
                area: "ZY5".into(),
                crew: vec!["Blue Watch".into()],
            },
            doors: Vec::new(),
            summary: DaySummary {
                doors_knocked: 50,
                doors_answered: 31,
                alarms_fitted: 6,
                alarms_tested_ok: 9,
                full_visits: 0,
                charlie_checks: 1,
                higher_risk_people: 1,
                referrals_made: 1,
                revisits_outstanding: 12,
            },
            revisit: Vec::new(),
        };
        let doc = day_summary_document(&page);
        assert_eq!((doc.counts.doors_knocked, doc.counts.answered), (50, 31));
        assert!(doc.notes.iter().any(|n| n.contains("12 doors")));
        assert!(crate::render_day_of_action(&doc, &branding()).is_ok());
    }
}
