//! Plans, cocoons, photos and section notes on a real SQLCipher store.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is a failed test

mod support;

use chrono::Utc;
use doorstep_core::cocoon::{CocoonOutcome, CocoonPolicy, CocoonState};
use doorstep_core::security::{
    AnswerMap, AnswerValue, FollowUpPolicy, PlanActor, PlanContext, PlanStatus, PlanStep, YesNo,
    propose_plan,
};
use doorstep_core::{ChangeSource, HouseholdDraft, OfficerId, Role, Uprn};
use doorstep_store::{Store, StoreError};
use support::{Files, PNG, choice, files, lantern_walk, new_store, refused, today};

/// A burglary victim's home with a weak back door, answered one question at a time.
fn surveyed_home(store: &mut Store, f: &Files) -> doorstep_core::security::Survey {
    let h = store
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
    let survey = store
        .start_survey(h.id, None, &f.template, ChangeSource::Ui)
        .expect("start");
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
        ("door_cylinder_projects", AnswerValue::YesNo(YesNo::No)),
        ("door_glazing", choice("none")),
        ("door_letterbox", choice("guarded")),
        ("door_viewer", AnswerValue::YesNo(YesNo::Yes)),
        ("door_chain", AnswerValue::YesNo(YesNo::Yes)),
    ]);
    let back = door(&[
        ("door_position", choice("back")),
        ("door_material", choice("upvc")),
        ("door_condition", choice("sound")),
        ("door_multipoint", choice("working")),
        ("door_cylinder", choice("unmarked")),
        ("door_cylinder_projects", AnswerValue::YesNo(YesNo::Yes)),
        ("door_glazing", choice("none")),
    ]);
    let answers = [
        ("survey_reason", choice("burglary_victim")),
        ("repeat_victim", AnswerValue::YesNo(YesNo::No)),
        ("doors", AnswerValue::Group(vec![front, back])),
        ("tenure", choice("owner")),
        ("da_concern", AnswerValue::YesNo(YesNo::No)),
        ("feel_safe", AnswerValue::Number(2.0)),
    ];
    for (item, value) in answers {
        store
            .save_answer(survey.id, &f.template, item, Some(value), ChangeSource::Ui)
            .unwrap_or_else(|e| panic!("{item}: {e:?}"));
    }
    store.survey(survey.id).expect("survey")
}

#[test]
fn a_plan_is_stored_changed_only_by_core_rules_and_walks_its_lifecycle() {
    let (_dir, _folder, mut store) = new_store();
    let f = files();
    let survey = surveyed_home(&mut store, &f);
    let ctx = PlanContext {
        template: &f.template,
        answers: &survey.answers,
        policy: &f.policy,
        catalogue: &f.catalogue,
    };
    let officer = PlanActor {
        officer_id: store.officer().id,
        role: Role::Officer,
    };
    let plan = propose_plan(&ctx, survey.id, officer, Utc::now()).expect("plan");
    assert!(!plan.items.is_empty(), "a weak back door gets measures");
    store
        .save_new_plan(&plan, ChangeSource::Ui)
        .expect("save plan");
    let pending_before = store.outbox_pending().expect("outbox");

    // A refused change saves nothing and sends nothing.
    let line = plan.items[0].id;
    let zero = store.change_plan(plan.id, ChangeSource::Ui, |p| {
        p.set_quantity(line, 0).map_err(refused)
    });
    assert!(zero.is_err());
    assert_eq!(store.plan(plan.id).expect("plan"), plan);
    assert_eq!(store.outbox_pending().expect("outbox"), pending_before);

    // The resident signs: the drawn signature is an attachment by hash.
    let signature = store
        .add_image(PNG, 1024, "signature", ChangeSource::Ui)
        .expect("signature");
    assert!(signature.starts_with("sha256:"));
    let agreed = store
        .change_plan(plan.id, ChangeSource::Ui, |p| {
            p.apply(
                &ctx,
                PlanStep::Agree {
                    resident_name: "Avery Quillon".into(),
                    signature_ref: signature.clone(),
                    disclaimer_version: f.policy.disclaimer_version.clone(),
                },
                officer,
                Utc::now(),
            )
            .map_err(refused)
        })
        .expect("agree");
    assert_eq!(agreed.status, PlanStatus::Agreed);
    let queue = store
        .plans_with_status(PlanStatus::Agreed, &FollowUpPolicy::default())
        .expect("queue");
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].address, "3 Quillon Row, Eastwick Vale");

    let supervisor = PlanActor {
        officer_id: OfficerId::new(),
        role: Role::Supervisor,
    };
    for (step, by) in [
        (
            PlanStep::Approve {
                over_cap_reason: None,
            },
            supervisor,
        ),
        (
            PlanStep::Order {
                order_ref: "WO-1".into(),
            },
            officer,
        ),
        (PlanStep::Fit, officer),
    ] {
        store
            .change_plan(plan.id, ChangeSource::Ui, |p| {
                p.apply(&ctx, step, by, Utc::now()).map_err(refused)
            })
            .expect("step");
    }
    let fitted = store
        .plans_with_status(PlanStatus::Fitted, &FollowUpPolicy::default())
        .expect("fitted");
    let due = fitted[0]
        .follow_up_due
        .expect("a fitted plan has a follow-up date");
    assert!(due > Utc::now().date_naive(), "three months after fitting");

    // The attachment is the same bytes back.
    let (media, bytes) = store.attachment(&signature).expect("attachment");
    assert_eq!((media.as_str(), bytes.as_slice()), ("image/png", PNG));
    let payloads = store.debug_outbox().expect("outbox");
    let plan_changes: Vec<_> = payloads.iter().filter(|r| r.0 == "plan").collect();
    assert_eq!(plan_changes.len(), 5, "draft, agree, approve, order, fit");
}

#[test]
fn photos_must_be_images_within_the_limit_and_are_kept_once_by_hash() {
    let (_dir, _folder, mut store) = new_store();
    let f = files();
    let survey = surveyed_home(&mut store, &f);
    let first = store
        .add_survey_photo(
            survey.id,
            "doors[1].door_cylinder",
            "back.png",
            PNG,
            1024,
            ChangeSource::Ui,
        )
        .expect("photo");
    let again = store
        .add_survey_photo(
            survey.id,
            "section:doors",
            "same.png",
            PNG,
            1024,
            ChangeSource::Ui,
        )
        .expect("same bytes again");
    assert_eq!(first.sha256, again.sha256);
    assert_eq!(store.survey_photos(survey.id).expect("photos").len(), 2);
    for (bytes, limit, words) in [
        (b"%PDF-1.7 not a photo".as_slice(), 1024, "not a photo"),
        (PNG, 4, "largest allowed"),
    ] {
        match store.add_survey_photo(survey.id, "doors", "x", bytes, limit, ChangeSource::Ui) {
            Err(StoreError::Invalid(e)) => {
                assert_eq!(e.errors()[0].field, "photo");
                assert!(e.errors()[0].message.contains(words), "{e:?}");
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
    assert_eq!(store.survey_photos(survey.id).expect("photos").len(), 2);
}

#[test]
fn section_notes_are_saved_cleared_and_refused_for_unknown_sections() {
    let (_dir, _folder, mut store) = new_store();
    let f = files();
    let survey = surveyed_home(&mut store, &f);
    let section = f.template.sections[0].id.clone();
    let saved = store
        .save_section_note(
            survey.id,
            &f.template,
            &section,
            "Rear access via alley",
            ChangeSource::Ui,
        )
        .expect("note");
    assert_eq!(
        saved.section_notes.get(&section).map(String::as_str),
        Some("Rear access via alley")
    );
    let cleared = store
        .save_section_note(survey.id, &f.template, &section, "  ", ChangeSource::Ui)
        .expect("clear");
    assert!(cleared.section_notes.is_empty());
    let last = store.debug_outbox().expect("outbox").pop().expect("a row");
    assert!(
        last.1
            .contains(&format!("\"section_notes.{section}\":\"\"")),
        "{}",
        last.1
    );
    assert!(matches!(
        store.save_section_note(survey.id, &f.template, "nope", "x", ChangeSource::Ui),
        Err(StoreError::Invalid(_))
    ));
}

#[test]
fn a_cocoon_records_outcomes_and_shows_its_dosage() {
    let (_dir, _folder, mut store) = new_store();
    lantern_walk(&mut store, 12);
    let victim = store
        .create_household_from_gazetteer(
            &Uprn::parse("990000000006").expect("uprn"),
            ChangeSource::Ui,
        )
        .expect("victim");
    let policy = CocoonPolicy::default();
    let cocoon = store
        .open_cocoon(victim.id, &policy, today(), ChangeSource::Ui)
        .expect("open");
    assert_eq!(
        cocoon.doors.len(),
        11,
        "every other address on the short street"
    );
    assert_eq!(cocoon.doors[0].target.address_line_1, "4 Lantern Walk");
    assert_eq!(cocoon.doors[0].postcode.as_deref(), Some("ZY4 7HT"));
    assert_eq!(cocoon.state, CocoonState::InProgress);
    assert_eq!(
        store
            .open_cocoon(victim.id, &policy, today(), ChangeSource::Ui)
            .expect("again")
            .id,
        cocoon.id,
        "opening again returns the open cocoon"
    );
    let first = cocoon.doors[0].id.clone();
    let second = cocoon.doors[1].id.clone();
    store
        .record_cocoon_outcome(&first, CocoonOutcome::Visited, today(), ChangeSource::Ui)
        .expect("outcome");
    let page = store
        .record_cocoon_outcome(&second, CocoonOutcome::NoAnswer, today(), ChangeSource::Ui)
        .expect("outcome");
    assert_eq!(
        (
            page.dosage.targets,
            page.dosage.attempted,
            page.dosage.reached
        ),
        (11, 2, 1)
    );
    let late = today() + chrono::Days::new(8);
    let list = store.cocoons(None, late).expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!(
        list[0].state,
        CocoonState::Overdue,
        "doors left after the visiting week"
    );
    assert_eq!(list[0].dosage, page.dosage);
    assert!(matches!(
        store.record_cocoon_outcome(
            "no-such-door",
            CocoonOutcome::Visited,
            today(),
            ChangeSource::Ui
        ),
        Err(StoreError::NotFound { .. })
    ));
}

#[test]
fn taking_a_door_out_moves_its_photos_to_the_section_and_the_next_doors_photos_up() {
    let (_dir, _folder, mut store) = new_store();
    let f = files();
    let survey = surveyed_home(&mut store, &f);
    let png = |n: u8| {
        let mut bytes = PNG.to_vec();
        bytes.push(n);
        bytes
    };
    for (i, path) in ["doors[0].door_cylinder", "doors[1].door_cylinder"]
        .iter()
        .enumerate()
    {
        store
            .add_survey_photo(
                survey.id,
                path,
                "door.png",
                &png(i as u8),
                1024,
                ChangeSource::Ui,
            )
            .expect("photo");
    }
    let Some(AnswerValue::Group(doors)) = survey.answers.get("doors").cloned() else {
        panic!("the fixture has doors")
    };
    store
        .save_answer(
            survey.id,
            &f.template,
            "doors",
            Some(AnswerValue::Group(doors[1..].to_vec())),
            ChangeSource::Ui,
        )
        .expect("take the front door out");
    let items: Vec<String> = store
        .survey_photos(survey.id)
        .expect("photos")
        .into_iter()
        .map(|p| p.item)
        .collect();
    assert_eq!(items, ["section:doors", "doors[0].door_cylinder"]);
}
