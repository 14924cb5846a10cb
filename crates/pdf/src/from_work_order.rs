//! The contractor's work order printed from a stored work order.
//!
//! The stored [`WorkOrder`] already holds only what a contractor may see (core's
//! `orders_for_plan` is where a case is narrowed), so this copies it field by field and reads
//! nothing else: no survey, no plan, no resident record.

use doorstep_core::work_order::WorkOrder;

use crate::long_date;
use crate::work_order::{WorkItem, WorkOrderDocument, WorkPriority};

/// Printed in place of a phone number when the contact gave none.
pub const NO_PHONE: &str = "None given: ask the council office for a number";

/// The work order document for a stored work order. The priority is always routine: an order
/// never says why a job might be urgent.
pub fn from_work_order(order: &WorkOrder) -> WorkOrderDocument {
    WorkOrderDocument {
        order_number: order.number.clone(),
        firm: order.firm.name.clone(),
        issued: order.issued_on,
        due: order.due_date,
        priority: WorkPriority::Routine,
        appointment_window: order
            .appointment_date
            .map(|d| format!("Booked for {}", long_date(d))),
        address_lines: order.address_lines.clone(),
        postcode: order.postcode.clone(),
        contact_name: order.contact_name.clone(),
        contact_phone: order
            .contact_phone
            .clone()
            .unwrap_or_else(|| NO_PHONE.to_owned()),
        access_notes: order.access_notes.clone(),
        items: order
            .items
            .iter()
            .map(|i| WorkItem {
                name: i.name.clone(),
                specification: i.specification.clone(),
                location: i.location.clone(),
                quantity: i.quantity,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used, clippy::unwrap_used)]
    use super::*;
    use chrono::{NaiveDate, Utc};
    use doorstep_core::security::{
        AnswerMap, AnswerValue, Answers, Catalogue, PlanActor, PlanContext, PlanStatus, Policy,
        SurveyId, Template, YesNo, assess, propose_plan,
    };
    use doorstep_core::work_order::{
        Contractors, FirmChoices, OrderInputs, SiteContact, orders_for_plan,
    };
    use doorstep_core::{HouseholdDraft, OfficerId, Role};

    const TEMPLATE: &str = include_str!("../../../assets/templates/home-security-survey.toml");
    const POLICY: &str = include_str!("../../../assets/policy.toml");
    const CATALOGUE: &str = include_str!("../../../assets/catalogue/measures.toml");
    const CONTRACTORS: &str = include_str!("../../../assets/contractors.toml");
    const CRIME_REF: &str = "ZY/MARKER/0451";
    const NOTES: &str = "MARKER-NOTES daughter visits on Tuesdays";

    fn choice(s: &str) -> AnswerValue {
        AnswerValue::Choice(s.into())
    }

    fn yes_no(yes: bool) -> AnswerValue {
        AnswerValue::YesNo(if yes { YesNo::Yes } else { YesNo::No })
    }

    /// The text of a PDF, whitespace collapsed, by `pdftotext` (poppler-utils).
    fn pdf_text(bytes: &[u8]) -> String {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("order.pdf");
        std::fs::write(&file, bytes).expect("write");
        let out = std::process::Command::new("pdftotext")
            .args(["-enc", "UTF-8"])
            .arg(&file)
            .arg("-")
            .output()
            .expect("pdftotext runs (install poppler-utils)");
        assert!(out.status.success(), "pdftotext failed");
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn a_stored_work_order_prints_the_job_and_nothing_from_the_survey() {
        let template = Template::from_toml(TEMPLATE).expect("template");
        let policy = Policy::from_toml(POLICY).expect("policy");
        let catalogue = Catalogue::from_toml(CATALOGUE).expect("catalogue");
        let contractors = Contractors::from_toml(CONTRACTORS).expect("contractors");
        let back: AnswerMap = [
            ("door_position", choice("back")),
            ("door_material", choice("upvc")),
            ("door_condition", choice("sound")),
            ("door_multipoint", choice("working")),
            ("door_cylinder", choice("unmarked")),
            ("door_cylinder_projects", yes_no(true)),
            ("door_glazing", choice("none")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let answers = Answers::new(&template)
            .with("survey_reason", choice("burglary_victim"))
            .with("crime_ref", AnswerValue::Text(CRIME_REF.into()))
            .with("doors", AnswerValue::Group(vec![back]))
            .with("rear_light", choice("none"))
            .with("lives_alone", yes_no(true))
            .with("disability_or_mobility", yes_no(true))
            .with("da_concern", yes_no(true))
            .with("tenure", choice("owner"))
            .with("officer_notes", AnswerValue::Text(NOTES.into()));
        let ctx = PlanContext {
            template: &template,
            answers: &answers,
            policy: &policy,
            catalogue: &catalogue,
        };
        let by = PlanActor {
            officer_id: OfficerId::new(),
            role: Role::Officer,
        };
        let mut plan = propose_plan(&ctx, SurveyId::new(), by, Utc::now()).expect("plan");
        plan.status = PlanStatus::Approved;
        let assessment = assess(&template, &answers, &policy).expect("assess");
        let details = HouseholdDraft {
            address_line_1: "Flat 2, 7 Sample Court".into(),
            town: "Exampleton".into(),
            postcode: "ZY3 9QX".into(),
            ..Default::default()
        }
        .validate()
        .expect("household");
        let household = doorstep_core::Household {
            id: doorstep_core::HouseholdId::new(),
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
        let worker = SiteContact {
            name: "Pat Supportworker".into(),
            phone: None,
            is_resident: false,
        };
        let orders = orders_for_plan(&OrderInputs {
            plan: &plan,
            household: &household,
            catalogue: &catalogue,
            template: &template,
            contractors: &contractors,
            choices: &FirmChoices::default(),
            contact: &worker,
            access_notes: &["Ring the flat 2 buzzer".into()],
            approved_on: NaiveDate::from_ymd_opt(2026, 11, 27).expect("date"),
        })
        .expect("orders");
        assert!(!orders.is_empty());

        // Everything the survey knows about the resident and the crime.
        let mut secrets: Vec<String> = vec![
            CRIME_REF.into(),
            NOTES.into(),
            "MARKER".into(),
            "domestic".into(),
            "abuse".into(),
            "lives alone".into(),
            "vulnerab".into(),
            "risk".into(),
            "burglar".into(),
            "disab".into(),
        ];
        secrets.extend(plan.recommendation.reasons.iter().cloned());
        secrets.extend(plan.recommendation.refer_to_da_service.iter().cloned());
        secrets.extend(assessment.weaknesses.iter().map(|w| w.explanation.clone()));
        assert!(
            plan.recommendation.refer_to_da_service.is_some(),
            "the survey flags a concern"
        );

        assert!(
            orders
                .iter()
                .flat_map(|o| &o.items)
                .any(|i| i.location.as_deref().is_some_and(|l| l.starts_with("Door"))),
            "the survey's doors name where the locks go"
        );
        let branding =
            crate::Branding::from_toml(include_str!("../../../assets/branding/council.toml"), None)
                .expect("branding");
        for order in &orders {
            let doc = from_work_order(order);
            let bytes = crate::render_work_order(&doc, &branding).expect("renders");
            let text = pdf_text(&bytes);
            let mut wanted = vec![
                order.number.as_str(),
                order.firm.name.as_str(),
                "Flat 2, 7 Sample Court",
                "ZY3 9QX",
                "Pat Supportworker",
                NO_PHONE,
                "Ring the flat 2 buzzer",
                "Friday 25 December 2026",
            ];
            wanted.extend(order.items.iter().map(|i| i.name.as_str()));
            // Which door or window each item is for: the fitter's "Where" column.
            wanted.extend(order.items.iter().filter_map(|i| i.location.as_deref()));
            for needle in wanted {
                assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
            }
            let lower = text.to_lowercase();
            for secret in &secrets {
                assert!(
                    !lower.contains(&secret.to_lowercase()),
                    "{secret:?} printed on the work order:\n{text}"
                );
            }
        }
    }
}
