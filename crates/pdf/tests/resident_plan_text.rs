//! The resident's plan as printed, for what a new officer's first visit turned up (issue 17):
//! fire advice given once per topic, findings that say where, and next steps that promise
//! only what will really happen. Needs `pdftotext` (poppler-utils).

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use doorstep_core::fire::CharlieTemplate;
use doorstep_pdf::{FireSafetyAdvice, render_resident_plan, sample};
use support::{branding, pdf_text};

const CHARLIE: &str = include_str!("../../../assets/templates/charlie.toml");

/// The sentences of `text` that mention every one of `words`.
fn sentences_about<'t>(text: &'t str, words: &[&str]) -> Vec<&'t str> {
    text.split(['.', ':', ';'])
        .filter(|s| {
            let s = s.to_lowercase();
            words.iter().all(|w| s.contains(w))
        })
        .collect()
}

#[test]
fn the_plan_gives_each_fire_safety_topic_once_and_adds_no_advice_of_its_own() {
    let charlie = CharlieTemplate::from_toml(CHARLIE).expect("charlie");
    let mut plan = sample::resident_plan();
    // Every topic core can give, as if the check had found everything.
    plan.fire_safety = Some(FireSafetyAdvice {
        advice: charlie.advice.iter().map(|a| a.text.clone()).collect(),
        fire_service_visit: charlie.fire_service_visit.offered.clone(),
    });
    let text = pdf_text(&render_resident_plan(&plan, &branding()).expect("renders"));
    for topic in &charlie.advice {
        let words = topic.text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(text.matches(&words).count(), 1, "{} once", topic.id);
    }
    let testing = sentences_about(&text, &["test", "smoke alarm"]);
    assert_eq!(testing.len(), 1, "one word on testing alarms: {testing:?}");
    assert!(!text.contains("once a month"), "{text}");
    assert_eq!(sentences_about(&text, &["stay out"]).len(), 1);
}

#[test]
fn the_sample_plan_never_repeats_a_topic_with_different_advice() {
    let text =
        pdf_text(&render_resident_plan(&sample::resident_plan(), &branding()).expect("renders"));
    for words in [
        &["test", "smoke alarm"][..],
        &["smoke in bed"],
        &["stay out"],
        &["keys", "bed"],
    ] {
        let about = sentences_about(&text, words);
        assert!(about.len() <= 1, "{words:?} is advised twice: {about:?}");
    }
}

mod from_core {
    use chrono::{NaiveDate, Utc};
    use doorstep_core::security::{
        AnswerMap, AnswerValue, Answers, Catalogue, Plan, PlanActor, PlanContext, Policy, SurveyId,
        Template, assess, propose_plan,
    };
    use doorstep_core::work_order::WorkOrder;
    use doorstep_core::{Household, HouseholdDraft, HouseholdId, OfficerId, Role};
    use doorstep_pdf::ResidentPlanDocument;
    use doorstep_pdf::from_plan::{PlanForResident, resident_plan};

    const TEMPLATE: &str = include_str!("../../../assets/templates/home-security-survey.toml");
    const POLICY: &str = include_str!("../../../assets/policy.toml");
    const CATALOGUE: &str = include_str!("../../../assets/catalogue/measures.toml");

    /// The loaded files, and a first-time victim's home with two snappable doors and no
    /// sensor lights at the front or the back.
    pub struct Visit {
        pub template: Template,
        pub policy: Policy,
        pub catalogue: Catalogue,
        pub answers: Answers,
        pub household: Household,
    }

    fn choice(s: &str) -> AnswerValue {
        AnswerValue::Choice(s.into())
    }

    fn door(position: &str) -> AnswerMap {
        [
            ("door_position", choice(position)),
            ("door_material", choice("upvc")),
            ("door_condition", choice("sound")),
            ("door_multipoint", choice("working")),
            ("door_cylinder", choice("unmarked")),
            ("door_glazing", choice("none")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    impl Visit {
        pub fn new() -> Self {
            let template = Template::from_toml(TEMPLATE).expect("template");
            let answers = Answers::new(&template)
                .with("survey_reason", choice("burglary_victim"))
                .with(
                    "doors",
                    AnswerValue::Group(vec![door("front"), door("back")]),
                )
                .with("front_light", choice("none"))
                .with("rear_light", choice("none"))
                .with("tenure", choice("owner"));
            let details = HouseholdDraft {
                address_line_1: "9 Sampleton Close".into(),
                town: "Eastwick Vale".into(),
                postcode: "ZY4 7HT".into(),
                ..Default::default()
            }
            .validate()
            .expect("household");
            Self {
                policy: Policy::from_toml(POLICY).expect("policy"),
                catalogue: Catalogue::from_toml(CATALOGUE).expect("catalogue"),
                household: Household {
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
                },
                template,
                answers,
            }
        }

        pub fn ctx(&self) -> PlanContext<'_> {
            PlanContext {
                template: &self.template,
                answers: &self.answers,
                policy: &self.policy,
                catalogue: &self.catalogue,
            }
        }

        pub fn plan(&self) -> Plan {
            let by = PlanActor {
                officer_id: OfficerId::new(),
                role: Role::Officer,
            };
            propose_plan(&self.ctx(), SurveyId::new(), by, Utc::now()).expect("plan")
        }

        pub fn document(&self, plan: &Plan, orders: &[WorkOrder]) -> ResidentPlanDocument {
            let assessment = assess(&self.template, &self.answers, &self.policy).expect("assess");
            resident_plan(&PlanForResident {
                plan,
                assessment: &assessment,
                template: &self.template,
                catalogue: &self.catalogue,
                policy: &self.policy,
                household: &self.household,
                resident_name: "Avery Sampleton",
                officer: "Rowan Testwell",
                date: NaiveDate::from_ymd_opt(2026, 11, 27).expect("date"),
                contacts: &doorstep_pdf::sample::contacts(),
                fire_safety: None,
                work_orders: orders,
            })
        }
    }
}

#[test]
fn what_we_found_says_which_door_and_which_side_as_the_screen_does() {
    let visit = from_core::Visit::new();
    let plan = visit.plan();
    let doc = visit.document(&plan, &[]);
    let text = pdf_text(&render_resident_plan(&doc, &branding()).expect("renders"));
    let cylinder = visit
        .template
        .weakness("cylinder_snappable")
        .expect("rule")
        .explanation
        .clone();
    let cylinder = cylinder.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        text.contains(&format!("Door 1 and Door 2: {cylinder}")),
        "{text}"
    );
    assert_eq!(text.matches(&cylinder).count(), 1, "both doors, one bullet");
    for (place, rule) in [
        ("Front of the home", "front_light_missing"),
        ("Back of the home", "rear_light_missing"),
    ] {
        let explanation = &visit.template.weakness(rule).expect("rule").explanation;
        assert!(
            text.contains(&format!("{place}: {explanation}")),
            "{place} is named: {text}"
        );
    }
    assert!(!text.contains("doors["), "no answer paths: {text}");
}

#[test]
fn one_sensor_light_per_place_and_the_plan_says_where() {
    let visit = from_core::Visit::new();
    let plan = visit.plan();
    let light = plan
        .items
        .iter()
        .find(|i| i.measure_id == "pir_light")
        .expect("a sensor light is proposed");
    assert_eq!(light.quantity, 2, "front and back");
    let doc = visit.document(&plan, &[]);
    let text = pdf_text(&render_resident_plan(&doc, &branding()).expect("renders"));
    assert!(
        text.contains(
            "Motion-sensor (PIR) external light (× 2) – Front of the home and Back of the home"
        ),
        "{text}"
    );
}

/// How the plan used to promise trades it had not arranged.
const TRADE_PROMISES: &[&str] = &["a locksmith", "an electrician", "a joiner", "a handyperson"];

#[test]
fn before_approval_the_plan_promises_no_firm() {
    let visit = from_core::Visit::new();
    let plan = visit.plan();
    let text =
        pdf_text(&render_resident_plan(&visit.document(&plan, &[]), &branding()).expect("renders"));
    assert!(
        text.contains("Once your plan is approved, we will contact you by"),
        "{text}"
    );
    let lower = text.to_lowercase();
    for promise in TRADE_PROMISES.iter().chain(&["work order", " ltd"]) {
        assert!(!lower.contains(promise), "promises {promise:?}: {text}");
    }
}

#[test]
fn after_approval_the_plan_names_the_firms_and_orders_really_raised() {
    use doorstep_core::security::PlanStatus;
    use doorstep_core::work_order::{
        Contractors, FirmChoices, OrderInputs, SiteContact, orders_for_plan,
    };
    let visit = from_core::Visit::new();
    let mut plan = visit.plan();
    plan.status = PlanStatus::Approved;
    let contractors = Contractors::from_toml(include_str!("../../../assets/contractors.toml"))
        .expect("contractors");
    let orders = orders_for_plan(&OrderInputs {
        plan: &plan,
        household: &visit.household,
        catalogue: &visit.catalogue,
        template: &visit.template,
        contractors: &contractors,
        choices: &FirmChoices::default(),
        contact: &SiteContact {
            name: "Avery Sampleton".into(),
            phone: Some("0115 496 0555".into()),
            is_resident: true,
        },
        access_notes: &[],
        approved_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 27).expect("date"),
    })
    .expect("orders");
    assert!(!orders.is_empty());
    let text = pdf_text(
        &render_resident_plan(&visit.document(&plan, &orders), &branding()).expect("renders"),
    );
    for order in &orders {
        assert!(
            text.contains(&format!(
                "{} (work order {}) will fit:",
                order.firm.name, order.number
            )),
            "{} is named with its order: {text}",
            order.firm.name
        );
    }
    let lower = text.to_lowercase();
    for promise in TRADE_PROMISES {
        assert!(!lower.contains(promise), "promises {promise:?}: {text}");
    }
}
