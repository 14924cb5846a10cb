//! The visit's commands on a real store: approval with firm choices, refusals that save nothing.

#![allow(clippy::expect_used)] // a failed expectation is a failed test

use chrono::{NaiveDate, Utc};
use doorstep_core::security::{AnswerMap, Trade, YesNo};
use doorstep_core::work_order::WorkOrderStatus;
use doorstep_core::{HouseholdDraft, OfficerId, PersonDraft, Role};
use doorstep_store::{DataFolder, KdfParams};

use super::*;

fn choice(s: &str) -> AnswerValue {
    AnswerValue::Choice(s.into())
}

/// A supervisor's store holding a plan another officer drafted and the resident agreed:
/// a weak back door (a locksmith's job) and no rear light (an electrician's) at a ZY4 home.
fn agreed_plan(data: &ReferenceData) -> (tempfile::TempDir, Store, PlanId) {
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = DataFolder::open(dir.path().join("data")).expect("folder");
    let mut s = Store::set_up(
        &folder,
        "Morgan Checkley",
        Role::Supervisor,
        "kettle harbour violet sprocket",
        KdfParams::INSECURE_FOR_TESTS,
    )
    .expect("store");
    let h = s
        .create_household(
            &HouseholdDraft {
                address_line_1: "3 Quillon Row".into(),
                town: "Eastwick Vale".into(),
                postcode: "ZY4 7HT".into(),
                ..Default::default()
            },
            ChangeSource::Ui,
        )
        .expect("household");
    s.add_person(
        &PersonDraft {
            household_id: h.id,
            full_name: "Avery Quillon".into(),
            phone: "0115 496 0555".into(),
            email: String::new(),
            date_of_birth: "1941-02-03".into(),
            age_band: None,
            preferred_language: String::new(),
            contact_preferences: Default::default(),
        },
        NaiveDate::from_ymd_opt(2026, 11, 27).expect("date"),
        ChangeSource::Ui,
    )
    .expect("resident");
    let template = data.survey_template().expect("template");
    let survey = s
        .start_survey(h.id, None, template, ChangeSource::Ui)
        .expect("survey");
    let back: AnswerMap = [
        ("door_position", choice("back")),
        ("door_material", choice("upvc")),
        ("door_condition", choice("sound")),
        ("door_multipoint", choice("working")),
        ("door_cylinder", choice("unmarked")),
        ("door_cylinder_projects", AnswerValue::YesNo(YesNo::Yes)),
        ("door_glazing", choice("none")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let answers = [
        ("survey_reason", choice("burglary_victim")),
        ("repeat_victim", AnswerValue::YesNo(YesNo::No)),
        ("doors", AnswerValue::Group(vec![back])),
        ("rear_light", choice("none")),
        ("front_light", choice("pir")),
        ("lives_alone", AnswerValue::YesNo(YesNo::Yes)),
        ("tenure", choice("owner")),
        ("da_concern", AnswerValue::YesNo(YesNo::No)),
    ];
    for (item, value) in answers {
        s.save_answer(survey.id, template, item, Some(value), ChangeSource::Ui)
            .expect(item);
    }
    let survey = s.survey(survey.id).expect("survey");
    let ctx = data.plan_context(&survey.answers).expect("context");
    let officer = PlanActor {
        officer_id: OfficerId::new(),
        role: Role::Officer,
    };
    let plan = propose_plan(&ctx, survey.id, officer, Utc::now()).expect("plan");
    s.save_new_plan(&plan, ChangeSource::Ui).expect("save");
    s.change_plan(plan.id, ChangeSource::Ui, |p| -> Result<()> {
        if p.totals().over_cap_by_pence > 0 {
            p.record_over_cap_reason("Repeat risk on this street")?;
        }
        Ok(p.apply(
            &ctx,
            PlanStep::Agree {
                resident_name: "Avery Quillon".into(),
                signature_ref: "sha256:5160".into(),
                disclaimer_version: data.policy.disclaimer_version.clone(),
            },
            officer,
            Utc::now(),
        )?)
    })
    .expect("agree");
    (dir, s, plan.id)
}

#[test]
fn approving_raises_work_orders_by_trade_and_the_plan_page_shows_them() {
    let data = ReferenceData::built_in().expect("built-in files");
    let (_dir, mut s, id) = agreed_plan(&data);
    let before = plan_page(&data, &s, id).expect("page");
    assert!(before.work_orders.is_none(), "no orders before approval");
    let locks = before
        .plan
        .items
        .iter()
        .find(|i| i.trade == Trade::Locksmith)
        .expect("a locksmith's measure");
    assert_eq!(
        before.firm_options[&locks.measure_id]
            .first()
            .map(|f| f.id.as_str()),
        Some("quillon_locks"),
        "the firm chosen by trade comes first: {:?}",
        before.firm_options
    );

    let page = take_step(
        &data,
        &mut s,
        id,
        PlanStep::Approve {
            over_cap_reason: None,
        },
    )
    .expect("approved");
    assert_eq!(
        page.plan.status,
        PlanStatus::Ordered,
        "orders were raised with the approval"
    );
    assert!(page.firm_options.is_empty(), "nothing left to choose");
    let orders = page.work_orders.expect("the page lists the orders");
    let locksmith = orders
        .orders
        .iter()
        .find(|o| o.items.iter().any(|i| i.measure_id == locks.measure_id))
        .expect("an order for the locks");
    assert_eq!(locksmith.firm_name, "Quillon Locks Ltd");
    assert!(locksmith.number.ends_with("-QLK"), "{}", locksmith.number);
    assert_eq!(locksmith.status, WorkOrderStatus::New);
    assert_eq!(
        (locksmith.due_date - Utc::now().date_naive()).num_days(),
        28,
        "due in the contractors list's due_days"
    );
    assert!(!orders.all_fitted);
}

#[test]
fn the_supervisor_chooses_a_firm_and_an_unknown_or_unfit_firm_is_refused() {
    let data = ReferenceData::built_in().expect("built-in files");
    let (_dir, mut s, id) = agreed_plan(&data);
    let plan = s.plan(id).expect("plan");
    let locks = plan
        .items
        .iter()
        .find(|i| i.trade == Trade::Locksmith)
        .expect("a locksmith's measure")
        .measure_id
        .clone();

    let err = approve(
        &data,
        &mut s,
        id,
        None,
        OrderChoices {
            firms: FirmChoices::default().choose(&locks, "no_such_firm"),
            ..OrderChoices::default()
        },
    )
    .expect_err("an unknown firm is refused");
    assert_eq!(err.code, ErrorCode::Validation, "{err:?}");
    assert_eq!(err.field.as_deref(), Some("firm_choices"), "{err:?}");
    assert_eq!(
        s.plan(id).expect("plan").status,
        PlanStatus::Agreed,
        "nothing was saved"
    );

    // The handyperson firm works at this address but is no locksmith: refused here, with
    // no screen involved, not only left out of the screen's list.
    let err = approve(
        &data,
        &mut s,
        id,
        None,
        OrderChoices {
            firms: FirmChoices::default().choose(&locks, "demo_handyfolk"),
            ..OrderChoices::default()
        },
    )
    .expect_err("a firm that cannot take the measure is refused");
    assert_eq!(err.field.as_deref(), Some("firm_choices"), "{err:?}");
    assert!(
        err.message.contains("Demo Handyfolk CIC cannot take"),
        "{err:?}"
    );
    assert_eq!(s.plan(id).expect("plan").status, PlanStatus::Agreed);

    let page = approve(
        &data,
        &mut s,
        id,
        None,
        OrderChoices {
            firms: FirmChoices::default().choose(&locks, "quillon_locks"),
            contact: Some(SiteContact {
                name: "Sam Quillon".into(),
                phone: Some("0115 496 0999".into()),
                is_resident: false,
            }),
            access_notes: vec!["Ring the side bell".into()],
        },
    )
    .expect("approved with the supervisor's choice");
    let orders = page.work_orders.expect("orders");
    let handy = orders
        .orders
        .iter()
        .find(|o| o.items.iter().any(|i| i.measure_id == locks))
        .expect("an order for the locks");
    assert_eq!(
        handy.firm_name, "Quillon Locks Ltd",
        "the supervisor's choice"
    );
    let stored = s.work_order(handy.id).expect("order");
    assert_eq!(stored.contact_name, "Sam Quillon");
    assert_eq!(stored.access_notes, ["Ring the side bell"]);
}
