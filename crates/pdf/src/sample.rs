//! Synthetic sample documents (ZY postcodes, invented people) for previews, tests and
//! benchmarks. Nothing here describes a real person.

use chrono::{NaiveDate, NaiveTime};
use doorstep_core::OfficerId;
use doorstep_core::fire::{
    AlarmCheck, CharlieDraft, CharlieTemplate, EscapeRoute, FactorAnswer, assess,
    resident_fire_advice,
};

use crate::work_order::{CaseForWorkOrder, CaseMeasure, PersonContact};
use crate::{
    AccessField, AccessRecord, AccessSection, Contact, Contacts, DayOfActionCounts,
    DayOfActionSummaryDocument, FireSafetyAdvice, NextSteps, PlanFinding, PlanMeasure,
    ReferralDocument, ReferredPerson, Referrer, ResidentPlanDocument, SharingBasis,
    SubjectAccessDocument, Tier, WorkItem, WorkOrderDocument, WorkPriority,
};

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or_default()
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// The demo council's "who to call" list (the same entries as `assets/contacts.toml`).
pub fn contacts() -> Contacts {
    let entry = |name: &str, number: &str, when: &str| Contact {
        name: name.to_owned(),
        number: number.to_owned(),
        when: when.to_owned(),
    };
    Contacts {
        contacts: vec![
            entry(
                "Police, fire or ambulance",
                "999",
                "Someone is in danger, a crime is happening now, or there is a fire.",
            ),
            entry(
                "Police (not an emergency)",
                "101",
                "To report a crime that has already happened, or to ask the police for advice.",
            ),
            entry(
                "Crimestoppers",
                "0800 555 111",
                "To tell someone about a crime without giving your name. Free to call.",
            ),
            entry(
                "Victim Care (demo)",
                "0115 496 0123",
                "If a crime has affected you and you would like support. Free and private.",
            ),
            entry(
                "National Domestic Abuse Helpline",
                "0808 2000 247",
                "If someone close to you hurts, scares or controls you. Free, private, day and night.",
            ),
            entry(
                "Fire and rescue service (demo)",
                "0115 496 0456",
                "To ask for a free home fire safety visit. In a fire, always call 999.",
            ),
            entry(
                "The council (demo)",
                "0115 496 0000",
                "Questions about your plan, or if nobody has contacted you by the date in this plan.",
            ),
        ],
    }
}

fn finding(place: Option<&str>, text: &str) -> PlanFinding {
    PlanFinding {
        place: place.map(str::to_owned),
        text: text.to_owned(),
    }
}

fn measure(name: &str, explanation: &str, location: Option<&str>, quantity: u32) -> PlanMeasure {
    PlanMeasure {
        name: name.to_owned(),
        explanation: Some(explanation.to_owned()),
        location: location.map(str::to_owned),
        quantity,
    }
}

/// A typical silver plan with fire-safety advice, for Ayşe Sampleton.
pub fn resident_plan() -> ResidentPlanDocument {
    ResidentPlanDocument {
        resident_name: "Ayşe Sampleton".into(),
        address_lines: strings(&["14 Exampleby Road", "Sampleford"]),
        postcode: "ZY1 4AB".into(),
        date: date(2026, 3, 12),
        officer: Some("Łukasz Exampleby, home safety officer".into()),
        tier: Tier::Silver,
        findings: vec![
            finding(Some("Door 2"), "The lock can be snapped in under a minute."),
            finding(
                Some("Door 1"),
                "You can't see who is at the door before you open it.",
            ),
            finding(
                Some("Side of the home"),
                "The side gate is often left open and the bins are next to the back fence, so someone could climb over.",
            ),
            finding(None, "Your car keys are kept in a bowl by the front door."),
        ],
        measures: vec![
            measure(
                "Anti-snap lock cylinder",
                "A cylinder tested against snapping, fitted flush with the handle, closes the most common way into uPVC and composite doors.",
                Some("Door 2"),
                1,
            ),
            measure(
                "Door viewer",
                "A wide-angle spy hole so you can see who is at the door before opening it.",
                Some("Door 1"),
                1,
            ),
            measure(
                "Motion-sensor (PIR) external light",
                "A light that comes on when someone approaches: one of the most protective measures there is.",
                Some("Back of the home"),
                1,
            ),
            measure(
                "Signal-blocking key pouch",
                "Keep your car key in it at home so its signal cannot be relayed to steal the car.",
                None,
                1,
            ),
            PlanMeasure {
                name: "Shed padlock and bolted hasp".into(),
                explanation: None,
                location: Some("Shed".into()),
                quantity: 1,
            },
        ],
        next_steps: NextSteps {
            who: "Demo Locks Ltd and Demo Sparks Ltd".into(),
            why: "to arrange a time that suits you".into(),
            contact_by: date(2026, 3, 27),
            phone: Some("0115 496 0000".into()),
            details: strings(&[
                "Demo Locks Ltd (work order WO-0000A1B2-DLK) will fit: Anti-snap lock cylinder, Door viewer and Shed padlock and bolted hasp.",
                "Demo Sparks Ltd (work order WO-0000A1B2-DSP) will fit: Motion-sensor (PIR) external light.",
                "Your home safety officer will give you: Signal-blocking key pouch.",
                "They will arrange a time that suits you and show you how each measure works.",
                "About 3 months after the work we will be in touch to check everything is working.",
            ]),
        },
        today: strings(&[
            "Lock the back door with the key every time, even when you are at home.",
            "Keep your car keys in the pouch, away from the front door.",
            "Move the bins away from the back fence.",
            "Close and bolt the side gate at night.",
        ]),
        fire_safety: Some(fire_safety()),
        contacts: contacts(),
    }
}

/// The fire-safety section core gives a resident who lives alone, smokes and has no working
/// smoke alarm, with a visit asked for. The sample only makes up the check: which advice
/// follows from it is core's rule (`resident_fire_advice`), so the sample can never drift
/// from what a real plan would print.
pub fn fire_safety() -> FireSafetyAdvice {
    let Ok(template) =
        CharlieTemplate::from_toml(include_str!("../../../assets/templates/charlie.toml"))
    else {
        return FireSafetyAdvice::default();
    };
    let found = ["lives_alone", "inappropriate_smoking"];
    let check = CharlieDraft {
        id: None,
        person_id: None,
        household_id: None,
        visit_id: None,
        factors: template
            .factors
            .iter()
            .map(|f| FactorAnswer {
                factor: f.id.clone(),
                score: if found.contains(&f.id.as_str()) {
                    8
                } else {
                    template.lowest_score()
                },
                note: String::new(),
            })
            .collect(),
        clutter_image_rating: None,
        alarms: vec![AlarmCheck {
            floor: "Hall".into(),
            present: true,
            working: false,
            fitted_today: false,
            tested: true,
        }],
        escape_route: EscapeRoute::Clear,
        flags: Vec::new(),
    }
    .into_check(
        &template,
        OfficerId::new(),
        date(2026, 3, 12).and_time(NaiveTime::MIN).and_utc(),
    );
    assess(&template, &check)
        .ok()
        .and_then(|scored| resident_fire_advice(&template, &scored, true))
        .map_or_else(FireSafetyAdvice::default, |section| {
            FireSafetyAdvice::from(&section)
        })
}

/// A resident plan long enough to run to three pages (for benchmarks).
pub fn long_resident_plan() -> ResidentPlanDocument {
    let mut plan = resident_plan();
    let more = plan.measures.clone();
    for (i, m) in more.iter().enumerate() {
        let mut copy = m.clone();
        copy.location = Some(format!("Window {}", i + 1));
        plan.measures.push(copy);
    }
    plan.findings.extend(plan.findings.clone());
    plan.today.extend(plan.today.clone());
    plan
}

/// A full case with a contractor job for Łukasz Exampleby (sensitive fields filled with
/// plausible synthetic text).
pub fn case_for_work_order() -> CaseForWorkOrder {
    CaseForWorkOrder {
        order_number: "WO-2026-00042".into(),
        case_reference: "CASE-2026-0117".into(),
        firm: "Demo Locks Ltd".into(),
        issued: date(2026, 3, 12),
        due: date(2026, 4, 9),
        urgent: true,
        priority_reason: Some("Near-repeat burglary area".into()),
        appointment_window: Some("Weekday mornings, 9am to 12pm".into()),
        resident_name: "Łukasz Exampleby".into(),
        resident_phone: "0115 496 0871".into(),
        date_of_birth: Some("3 May 1948".into()),
        ethnicity: Some("White: other".into()),
        address_lines: strings(&["Flat 2, 7 Sample Court", "Exampleton"]),
        postcode: "ZY3 9QX".into(),
        access_contact: Some(PersonContact { name: "Zofia Exampleby (daughter)".into(), phone: "0115 496 0872".into() }),
        access_notes: strings(&[
            "Ring the flat 2 buzzer; the communal door is opened from the flat.",
            "Parking in the bays behind the block.",
            "Small friendly dog: the contact will put it in the kitchen.",
        ]),
        measures: vec![
            CaseMeasure {
                name: "Anti-snap lock cylinder".into(),
                specification: "Euro cylinder to TS 007 3 star or Sold Secure SS312 Diamond, sized to project no more than 3 mm beyond the handle; supply and fit.".into(),
                location: Some("Front door".into()),
                quantity: 1,
                resident_explanation: Some("Stops the lock being snapped.".into()),
                unit_cost_pence: 6500,
            },
            CaseMeasure {
                name: "Door chain or limiter".into(),
                specification: "Steel door chain or restrictor, fixed with long screws into the frame (Approved Document Q main-door baseline).".into(),
                location: Some("Front door".into()),
                quantity: 1,
                resident_explanation: Some("Talk to callers without letting them in.".into()),
                unit_cost_pence: 2500,
            },
            CaseMeasure {
                name: "Key-operated window lock".into(),
                specification: "Key-operated window lock suited to the frame material. NEVER on an escape window.".into(),
                location: Some("Kitchen and bathroom windows".into()),
                quantity: 2,
                resident_explanation: None,
                unit_cost_pence: 1800,
            },
        ],
        crime_references: strings(&["ZY/012345/26"]),
        crime_details: Some("Shed broken into in February".into()),
        vulnerabilities: strings(&["Lives alone"]),
        health_notes: strings(&["Uses a walking frame"]),
        charlie_answers: strings(&["L: lives alone, 8", "E: 77, 10"]),
        referrals: strings(&["Fire service home fire safety visit"]),
        domestic_abuse: false,
        domestic_abuse_notes: None,
        eligibility_reasons: strings(&["Over 65"]),
        survey_narrative: Some("Rear access via unlit alley.".into()),
        officer_notes: Some("Daughter visits on Tuesdays.".into()),
    }
}

/// A work order for Łukasz Exampleby's flat.
pub fn work_order() -> WorkOrderDocument {
    WorkOrderDocument {
        order_number: "WO-2026-00042".into(),
        firm: "Demo Locks Ltd".into(),
        issued: date(2026, 3, 12),
        due: date(2026, 4, 9),
        priority: WorkPriority::Priority,
        appointment_window: Some("Weekday mornings, 9am to 12pm".into()),
        address_lines: strings(&["Flat 2, 7 Sample Court", "Exampleton"]),
        postcode: "ZY3 9QX".into(),
        contact_name: "Łukasz Exampleby".into(),
        contact_phone: "0115 496 0871".into(),
        access_notes: strings(&["Ring the flat 2 buzzer; the communal door is opened from the flat."]),
        items: vec![
            WorkItem {
                name: "Anti-snap lock cylinder".into(),
                specification: "Euro cylinder to TS 007 3 star or Sold Secure SS312 Diamond, sized to project no more than 3 mm beyond the handle; supply and fit.".into(),
                location: Some("Front door".into()),
                quantity: 1,
            },
            WorkItem {
                name: "Door viewer".into(),
                specification: "180 degree wide-angle door viewer sized to the door thickness, fitted at the resident's eye height.".into(),
                location: Some("Front door".into()),
                quantity: 1,
            },
        ],
    }
}

/// A referral to the fire service with recorded consent, for Ayşe Sampleton.
pub fn referral() -> ReferralDocument {
    ReferralDocument {
        reference: "REF-2026-0009".into(),
        date: date(2026, 3, 12),
        agency: "Demo Fire and Rescue Service".into(),
        urgency: "Soon: within 7 days".into(),
        referrer: Referrer {
            name: "Łukasz Exampleby".into(),
            organisation: "Eastwick Vale District Council (demo)".into(),
            role: "Home safety officer".into(),
            phone: "0115 496 0000".into(),
            email: Some("homesafety@example.gov.uk".into()),
        },
        person: ReferredPerson {
            name: "Ayşe Sampleton".into(),
            date_of_birth: Some(date(1949, 11, 2)),
            address_lines: strings(&["14 Exampleby Road", "Sampleford"]),
            postcode: "ZY1 4AB".into(),
            phone: Some("0115 496 0555".into()),
            language: Some("Turkish; good spoken English".into()),
            communication_needs: Some("Hard of hearing: knock loudly and wait.".into()),
        },
        household: strings(&["Lives alone", "One cat"]),
        reasons: strings(&[
            "Only one smoke alarm, in the hall, and it did not sound when tested.",
            "Uses a plug-in heater in the bedroom overnight.",
        ]),
        other_information: strings(&["Owner-occupier. Stairs to the bedroom."]),
        access_and_safety: strings(&["Key safe by the front door; the code is with the council team."]),
        basis: SharingBasis::Consent {
            given_by: "Ayşe Sampleton (the person referred)".into(),
            method: "In person, verbally, during the home visit".into(),
            given_on: date(2026, 3, 12),
            covers: "Sharing her name, address, phone and these fire risks with the fire service for a home fire safety visit.".into(),
            recorded_by: "Łukasz Exampleby".into(),
        },
    }
}

/// A day-of-action summary for the Oak Tree Lane estate.
pub fn day_of_action() -> DayOfActionSummaryDocument {
    DayOfActionSummaryDocument {
        event_name: "Oak Tree Lane safer homes day".into(),
        date: date(2026, 4, 18),
        area: "Oak Tree Lane estate, ZY2".into(),
        crew: strings(&[
            "Demo Fire and Rescue Service: Blue Watch, Sampleford station",
            "Council home safety team (3 officers)",
            "Neighbourhood policing team",
        ]),
        counts: DayOfActionCounts {
            doors_knocked: 300,
            answered: 171,
            alarms_fitted: 64,
            higher_risk_found: 23,
            referrals_made: 9,
        },
        notes: strings(&["Cards left at every door with no answer; revisits booked for Saturday."]),
    }
}

fn fields(pairs: &[(&str, &str)]) -> Vec<AccessField> {
    pairs
        .iter()
        .map(|(label, value)| AccessField {
            label: (*label).to_owned(),
            value: (*value).to_owned(),
        })
        .collect()
}

/// The answer to a subject access request from Rowan Testwell, whose household mate was
/// left out.
pub fn subject_access() -> SubjectAccessDocument {
    SubjectAccessDocument {
        reference: "SAR-2026-017".into(),
        produced: "7 December 2026, 10:00".into(),
        sections: vec![
            AccessSection {
                kind: "Household".into(),
                records: vec![AccessRecord {
                    id: "0190a1b2-0000-7000-8000-000000000001".into(),
                    fields: fields(&[
                        ("First line of the address", "12 Lantern Walk"),
                        ("Postcode", "ZY5 2AB"),
                    ]),
                }],
            },
            AccessSection {
                kind: "Resident".into(),
                records: vec![AccessRecord {
                    id: "0190a1b2-0000-7000-8000-000000000002".into(),
                    fields: fields(&[
                        ("The resident's name", "Rowan Testwell"),
                        ("Their date of birth", "1951-03-14"),
                        ("Their phone number", "07700 900123"),
                    ]),
                }],
            },
            AccessSection {
                kind: "Visit".into(),
                records: vec![AccessRecord {
                    id: "0190a1b2-0000-7000-8000-000000000003".into(),
                    fields: fields(&[
                        ("When the visit was", "2026-11-02"),
                        (
                            "The officer's notes",
                            "Spoke to Rowan and [redacted] about the back door.",
                        ),
                    ]),
                }],
            },
        ],
        left_out: strings(&[
            "1 Resident record about someone else",
            "Other people's names and contact details replaced by [redacted]",
        ]),
        recipients: strings(&["Demo Locks Ltd (firm: 1 work order)"]),
        attachments: strings(&[
            "attachments/4f2c9a0d1e6b7a8c3d5e9f0a1b2c3d4e5f60718293a4b5c6d7e8f9012a3b4c5d.jpg",
        ]),
        notice: strings(&[
            "Purpose: to protect residents from burglary and fire (a task in the public interest).",
            "You may complain to the Information Commissioner's Office (ico.org.uk).",
        ]),
    }
}

/// A board report from the reports crate's made-up quarter.
pub fn board_report() -> crate::BoardReport {
    crate::board_report::from_report(
        &doorstep_reports::sample::report(),
        "Exampleby Safer Homes",
        doorstep_reports::figure::Threshold::default(),
        &doorstep_reports::sample::agency_name,
    )
}
