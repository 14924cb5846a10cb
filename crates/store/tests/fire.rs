//! CHARLIE checks, referrals and days of action on a real SQLCipher store.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is a failed test

mod support;

use chrono::{NaiveDate, Utc};
use doorstep_core::fire::{
    AgencyDirectory, CharlieDraft, CharlieTemplate, Consent, ConsentGiver, ConsentMethod,
    ConsentPurpose, DoorOutcomeCode, EscapeRoute, FactorAnswer, Referral, ReferralDraft,
    ReferralStatus, ReferralStep, Urgency,
};
use doorstep_core::views::{DayOfActionDraft, KnockDraft};
use doorstep_core::{ChangeSource, HouseholdDraft, PersonDraft, Role};
use doorstep_store::{Store, StoreError};
use support::{AGENCIES, CHARLIE, import_street, new_store_as};

/// Twelve doors on one street, from the gazetteer.
fn twelve_doors(store: &mut Store) {
    import_street(store, "Ember Row", 12, |n| {
        (if n <= 6 { "ZY5 2AB" } else { "ZY5 2AD" }, 361_000)
    });
}

fn resident(store: &mut Store) -> (doorstep_core::HouseholdId, doorstep_core::PersonId) {
    let h = store
        .create_household(
            &HouseholdDraft {
                address_line_1: "7 Ember Row".into(),
                town: "Eastwick Vale".into(),
                postcode: "ZY5 2AD".into(),
                ..Default::default()
            },
            ChangeSource::Ui,
        )
        .expect("household");
    let p = store
        .add_person(
            &PersonDraft {
                household_id: h.id,
                full_name: "Ellis Kindleworth".into(),
                phone: String::new(),
                email: String::new(),
                date_of_birth: String::new(),
                age_band: None,
                preferred_language: String::new(),
                contact_preferences: Default::default(),
            },
            NaiveDate::from_ymd_opt(2026, 11, 27).expect("date"),
            ChangeSource::Ui,
        )
        .expect("person");
    (h.id, p.id)
}

#[test]
fn a_charlie_check_is_scored_saved_and_refused_when_invalid() {
    let (_dir, _folder, mut store) = new_store_as("Rowan Testwell", Role::FireCrew);
    let template = CharlieTemplate::from_toml(CHARLIE).expect("template");
    let (household, person) = resident(&mut store);
    let draft = |score: u8| CharlieDraft {
        id: None,
        person_id: Some(person),
        household_id: Some(household),
        visit_id: None,
        factors: template
            .factors
            .iter()
            .map(|f| FactorAnswer {
                factor: f.id.clone(),
                score: if f.id == "inappropriate_smoking" {
                    score
                } else {
                    1
                },
                note: String::new(),
            })
            .collect(),
        clutter_image_rating: None,
        alarms: vec![],
        escape_route: EscapeRoute::Clear,
        flags: vec!["medical_oxygen".into()],
    };
    let check = draft(10).into_check(&template, store.officer().id, Utc::now());
    let assessment = store
        .save_charlie_check(&check, &template, ChangeSource::Ui)
        .expect("save");
    assert!(assessment.total >= 10, "{assessment:?}");
    assert_eq!(
        store.charlie_checks_for_household(household).expect("list"),
        std::slice::from_ref(&check)
    );

    let bad = draft(3).into_check(&template, store.officer().id, Utc::now());
    match store.save_charlie_check(&bad, &template, ChangeSource::Ui) {
        Err(StoreError::Invalid(e)) => {
            assert_eq!(e.errors()[0].field, "factors.inappropriate_smoking.score")
        }
        other => panic!("a score off the scale must be refused: {other:?}"),
    }
    assert_eq!(
        store
            .charlie_checks_for_household(household)
            .expect("list")
            .len(),
        1
    );
}

#[test]
fn a_referral_is_never_sent_without_consent_or_a_basis_and_keeps_its_history() {
    let (_dir, _folder, mut store) = new_store_as("Rowan Testwell", Role::FireCrew);
    let directory = AgencyDirectory::from_toml(AGENCIES).expect("agencies");
    let (household, person) = resident(&mut store);
    let by = store.officer().id;
    let referral = Referral::draft(
        &directory,
        ReferralDraft {
            person_id: person,
            household_id: household,
            agency_id: "fire_safe_and_well".into(),
            reasons: vec!["Smokes in bed; uses medical oxygen".into()],
            urgency: Urgency::Soon,
            charlie_check_id: None,
            consent: None,
            lawful_basis: None,
        },
        by,
        Role::FireCrew,
        Utc::now(),
    )
    .expect("draft");
    store
        .save_new_referral(&referral, ChangeSource::Ui)
        .expect("save");
    let send = |store: &mut Store| {
        store.change_referral(referral.id, ChangeSource::Ui, |r| {
            r.apply(
                &directory,
                ReferralStep::Send,
                by,
                Role::FireCrew,
                Utc::now(),
            )
            .map_err(|e| {
                let mut errors = doorstep_core::ValidationErrors::default();
                errors.add("consent", e.to_string());
                StoreError::Invalid(errors)
            })
        })
    };
    match send(&mut store) {
        Err(StoreError::Invalid(e)) => assert!(e.errors()[0].message.contains("consent"), "{e:?}"),
        other => panic!("sending without consent must be refused: {other:?}"),
    }
    assert_eq!(
        store.referral(referral.id).expect("r").status,
        ReferralStatus::Draft
    );

    store
        .change_referral(referral.id, ChangeSource::Ui, |r| {
            r.record_consent(Consent {
                given_by: ConsentGiver::Person,
                given_by_name: "Ellis Kindleworth".into(),
                method: ConsentMethod::Verbal,
                signature_ref: None,
                purposes: vec![ConsentPurpose::ShareWithFire],
                capacity_concerns: None,
                recorded_by: by,
                at: Utc::now(),
            })
            .map_err(|e| StoreError::Corrupt {
                path: "n/a".into(),
                reason: e.to_string(),
            })
        })
        .expect("consent");
    let sent = send(&mut store).expect("sent with consent");
    // Sending only queues it: the hub delivers it and starts the agency's clock.
    assert_eq!(sent.status, ReferralStatus::Queued);
    assert_eq!((sent.sent_at, sent.due_at), (None, None));
    assert_eq!(
        store
            .referrals_with_status(ReferralStatus::Queued)
            .expect("queued")
            .len(),
        1
    );
    assert_eq!(
        store.referrals_for_household(household).expect("list")[0]
            .history
            .len(),
        1
    );
}

#[test]
fn a_day_of_action_lists_doors_once_records_knocks_and_counts_them() {
    let (_dir, _folder, mut store) = new_store_as("Rowan Testwell", Role::FireCrew);
    twelve_doors(&mut store);
    let day = store
        .create_day_of_action(
            &DayOfActionDraft {
                name: "Ember Row day of action".into(),
                date: "2026-11-27".into(),
                area: "ZY5 2".into(),
                crew: vec!["Blue Watch".into()],
            },
            ChangeSource::Ui,
        )
        .expect("day");
    let added = store
        .add_day_doors_from_gazetteer(&day.id, "ember row", ChangeSource::Ui)
        .expect("street");
    assert_eq!((added.added, added.duplicates), (12, 0));
    let again = store
        .add_day_doors_from_gazetteer(&day.id, "ZY5 2AB", ChangeSource::Ui)
        .expect("postcode");
    assert_eq!(
        (again.added, again.duplicates),
        (0, 6),
        "duplicates are merged"
    );

    let csv = "uprn,note\n990000000003,x\n12x,y\n990000000099,z\n";
    let imported = store
        .import_day_doors(&day.id, csv.as_bytes(), ChangeSource::Ui)
        .expect("csv");
    assert_eq!((imported.added, imported.duplicates), (0, 1));
    let lines: Vec<u32> = imported.rejected.iter().map(|r| r.line).collect();
    assert_eq!(
        lines,
        [3, 4],
        "bad and unknown UPRNs by line: {:?}",
        imported.rejected
    );
    assert!(matches!(
        store.import_day_doors(
            &day.id,
            "address\n1 Ember Row\n".as_bytes(),
            ChangeSource::Ui
        ),
        Err(StoreError::ImportHeader(_))
    ));

    let page = store.day_of_action_page(&day.id).expect("page");
    let doors: Vec<String> = page.doors.iter().map(|d| d.id.clone()).collect();
    let knock = |outcomes: &[DoorOutcomeCode], alarms: u32| KnockDraft {
        outcomes: outcomes.to_vec(),
        alarms_fitted: alarms,
        referrals_made: 0,
        higher_risk_people: 0,
    };
    store
        .record_knock(
            &day.id,
            &doors[0],
            &knock(&[DoorOutcomeCode::NoAnswer], 0),
            ChangeSource::Ui,
        )
        .expect("knock");
    store
        .record_knock(
            &day.id,
            &doors[1],
            &knock(
                &[DoorOutcomeCode::AdviceGiven, DoorOutcomeCode::AlarmFitted],
                2,
            ),
            ChangeSource::Ui,
        )
        .expect("knock");
    match store.record_knock(
        &day.id,
        &doors[2],
        &knock(&[DoorOutcomeCode::AlarmFitted], 0),
        ChangeSource::Ui,
    ) {
        Err(StoreError::Invalid(e)) => assert_eq!(e.errors()[0].field, "alarms_fitted"),
        other => panic!("codes and counts must agree: {other:?}"),
    }
    let page = store.day_of_action_page(&day.id).expect("page");
    assert_eq!(
        (
            page.summary.doors_knocked,
            page.summary.doors_answered,
            page.summary.alarms_fitted
        ),
        (2, 1, 2)
    );
    assert_eq!(page.revisit, [doors[0].clone()]);
    assert_eq!(page.doors[1].outcomes.len(), 2);
    assert!(
        store
            .day_of_action_csv(&day.id)
            .expect("csv")
            .contains(",2,1,2,")
    );
    assert_eq!(store.days_of_action().expect("days")[0].knocked, 2);
}
