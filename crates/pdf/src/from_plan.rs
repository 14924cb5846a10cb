//! The resident's plan made from a stored plan: what was found in the resident's words, each
//! measure with why it helps and where, and the scheme's next steps. Nothing else from the
//! survey (no scores, no circumstances, no domestic abuse answer) reaches the document.

use chrono::{Days, NaiveDate};
use doorstep_core::Household;
use doorstep_core::fire::ResidentFireAdvice;
use doorstep_core::security::{
    Assessment, Catalogue, Plan, Policy, Template, in_words, item_places, resident_findings,
};
use doorstep_core::work_order::{WorkOrder, resident_next_steps};

use crate::contacts::Contacts;
use crate::resident_plan::{
    FireSafetyAdvice, NextSteps, PlanFinding, PlanMeasure, ResidentPlanDocument, Tier,
};

/// Everything a resident's plan is made from.
#[derive(Debug, Clone, Copy)]
pub struct PlanForResident<'a> {
    /// The plan as agreed (or drafted, for a preview).
    pub plan: &'a Plan,
    /// The survey's findings.
    pub assessment: &'a Assessment,
    /// The template the survey was answered on (for door and window names).
    pub template: &'a Template,
    /// The catalogue (for each measure's explanation).
    pub catalogue: &'a Catalogue,
    /// The scheme policy (next steps and advice).
    pub policy: &'a Policy,
    /// The home.
    pub household: &'a Household,
    /// The resident's name as they typed it when agreeing, or as recorded.
    pub resident_name: &'a str,
    /// The officer, as printed.
    pub officer: &'a str,
    /// The day of the visit.
    pub date: NaiveDate,
    /// Who to call.
    pub contacts: &'a Contacts,
    /// Fire-safety advice as core chose it, when the plan has a fire-safety section.
    pub fire_safety: Option<&'a ResidentFireAdvice>,
    /// The work orders raised for the plan (none before approval): who will really be in touch.
    pub work_orders: &'a [WorkOrder],
}

fn tier(t: doorstep_core::security::Tier) -> Tier {
    match t {
        doorstep_core::security::Tier::Bronze => Tier::Bronze,
        doorstep_core::security::Tier::Silver => Tier::Silver,
        doorstep_core::security::Tier::Gold => Tier::Gold,
    }
}

/// The resident's plan for a stored plan.
pub fn resident_plan(input: &PlanForResident<'_>) -> ResidentPlanDocument {
    let h = input.household;
    let mut address_lines = vec![h.address_line_1.clone()];
    address_lines.extend(h.address_line_2.clone());
    address_lines.extend(h.address_line_3.clone());
    address_lines.push(h.town.clone());
    let findings = resident_findings(input.template, &input.assessment.weaknesses)
        .into_iter()
        .map(|f| PlanFinding {
            place: f.place,
            text: f.text,
        })
        .collect();
    let measures = input
        .plan
        .items
        .iter()
        .map(|item| {
            let places = item_places(input.template, input.catalogue, item);
            PlanMeasure {
                name: item.name.clone(),
                explanation: input
                    .catalogue
                    .get(&item.measure_id)
                    .map(|m| m.explanation.clone()),
                location: in_words(&places),
                quantity: item.quantity,
            }
        })
        .collect();
    let from = input
        .plan
        .agreement
        .as_ref()
        .map_or(input.date, |a| a.at.date_naive());
    let rp = &input.policy.resident_plan;
    let next = resident_next_steps(
        input.plan,
        input.work_orders,
        input.policy.follow_up.months_after_fitting,
    );
    ResidentPlanDocument {
        resident_name: input.resident_name.to_owned(),
        address_lines,
        postcode: h.postcode.as_str().to_owned(),
        date: input.date,
        officer: Some(input.officer.to_owned()),
        tier: tier(input.plan.tier),
        findings,
        measures,
        next_steps: NextSteps {
            who: next.who,
            why: next.why,
            contact_by: from
                .checked_add_days(Days::new(u64::from(rp.contact_within_days)))
                .unwrap_or(from),
            phone: Some(rp.phone.clone()),
            details: next.details,
        },
        today: rp.things_to_do_today.clone(),
        fire_safety: input.fire_safety.map(FireSafetyAdvice::from),
        contacts: input.contacts.clone(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used)]
    use super::*;
    use doorstep_core::security::{
        AnswerMap, AnswerValue, PlanActor, PlanContext, SurveyId, YesNo, assess, propose_plan,
    };
    use doorstep_core::{HouseholdDraft, OfficerId, Role};

    const TEMPLATE: &str = include_str!("../../../assets/templates/home-security-survey.toml");
    const POLICY: &str = include_str!("../../../assets/policy.toml");
    const CATALOGUE: &str = include_str!("../../../assets/catalogue/measures.toml");

    fn choice(s: &str) -> AnswerValue {
        AnswerValue::Choice(s.into())
    }

    #[test]
    fn the_resident_reads_findings_measures_by_place_and_next_steps_and_nothing_about_them() {
        let template = Template::from_toml(TEMPLATE).expect("template");
        let policy = Policy::from_toml(POLICY).expect("policy");
        let catalogue = Catalogue::from_toml(CATALOGUE).expect("catalogue");
        let door = |pairs: &[(&str, AnswerValue)]| -> AnswerMap {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect()
        };
        let front = door(&[
            ("door_position", choice("front")),
            ("door_material", choice("composite")),
            ("door_condition", choice("sound")),
            ("door_multipoint", choice("working")),
            ("door_cylinder", choice("ts007_3star")),
            ("door_glazing", choice("none")),
        ]);
        let back = door(&[
            ("door_position", choice("back")),
            ("door_material", choice("upvc")),
            ("door_condition", choice("sound")),
            ("door_multipoint", choice("working")),
            ("door_cylinder", choice("unmarked")),
            ("door_glazing", choice("none")),
        ]);
        let answers = doorstep_core::security::Answers::new(&template)
            .with("survey_reason", choice("burglary_victim"))
            .with("doors", AnswerValue::Group(vec![front, back]))
            .with("da_concern", AnswerValue::YesNo(YesNo::Yes))
            .with("lives_alone", AnswerValue::YesNo(YesNo::Yes))
            .with("tenure", choice("owner"));
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
        let plan = propose_plan(&ctx, SurveyId::new(), by, chrono::Utc::now()).expect("plan");
        let assessment = assess(&template, &answers, &policy).expect("assess");
        let details = HouseholdDraft {
            address_line_1: "3 Quillon Row".into(),
            town: "Eastwick Vale".into(),
            postcode: "ZY4 7HT".into(),
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
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        };
        let date = NaiveDate::from_ymd_opt(2026, 11, 27).expect("date");
        let doc = resident_plan(&PlanForResident {
            plan: &plan,
            assessment: &assessment,
            template: &template,
            catalogue: &catalogue,
            policy: &policy,
            household: &household,
            resident_name: "Avery Quillon",
            officer: "Rowan Testwell",
            date,
            contacts: &crate::sample::contacts(),
            fire_safety: Some(&ResidentFireAdvice {
                points: vec!["Never smoke in bed.".into()],
                fire_service_visit: "We have asked the fire and rescue service to visit you."
                    .into(),
            }),
            work_orders: &[],
        });
        assert_eq!(
            doc.fire_safety.as_ref().map(|f| f.advice.len()),
            Some(1),
            "the CHARLIE advice, never the answers, reaches the plan"
        );
        assert!(!doc.findings.is_empty());
        assert!(
            doc.measures
                .iter()
                .any(|m| m.location.as_deref() == Some("Door 2")),
            "{:?}",
            doc.measures
        );
        assert_eq!(
            doc.next_steps.contact_by,
            date + Days::new(u64::from(policy.resident_plan.contact_within_days))
        );
        assert_eq!(doc.address_lines, ["3 Quillon Row", "Eastwick Vale"]);
        let text = format!("{doc:?}").to_lowercase();
        for secret in ["domestic abuse service", "lives alone", "risk", "vulnerab"] {
            assert!(!text.contains(secret), "the plan must not say {secret:?}");
        }
        let branding =
            crate::Branding::from_toml(include_str!("../../../assets/branding/council.toml"), None)
                .expect("branding");
        assert!(crate::render_resident_plan(&doc, &branding).is_ok());
    }
}
