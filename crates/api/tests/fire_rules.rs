//! Fire safety rules the UI's CHARLIE and referral tests used to check against the fake's own
//! store. With recorded answers a screen can only show what Rust sent, so the rules behind
//! those answers are checked here, through the same commands the window calls.

#![allow(clippy::expect_used, clippy::panic)] // a failed expectation is a failed test

mod support;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use doorstep_api::{Api, ErrorCode, dispatch::dispatch};
use doorstep_core::clock::pinned;
use serde_json::{Value, json};
use support::{TestApp, ok, pull_from_hub, text};

/// A set-up app with one household and its resident: the app, the household's and the
/// resident's ids, and the temporary folder that holds it.
async fn one_resident() -> (Arc<Api>, String, String, tempfile::TempDir) {
    let app = TestApp::officer().await;
    let (api, dir) = (app.api, app.folder);
    let household = text(
        &ok(
            &api,
            "create_household",
            json!({ "draft": {
                "uprn": "", "address_line_1": "9 Dale Road", "address_line_2": "",
                "address_line_3": "", "town": "Eastwick Vale", "postcode": "ZY18 9ZD", "coordinates": null,
            } }),
        )
        .await,
        "/id",
    );
    let person = text(
        &ok(
            &api,
            "add_person",
            json!({ "draft": {
                "household_id": household, "full_name": "Edith Sampleton", "phone": "", "email": "",
                "date_of_birth": "", "age_band": null, "preferred_language": "",
                "contact_preferences": { "phone": false, "text": false, "email": false, "letter": true },
            } }),
        )
        .await,
        "/id",
    );
    (api, household, person, dir)
}

fn check(id: Option<&str>, household: &str, person: &str, smoking: u8) -> Value {
    let factors: Vec<Value> = [
        "care_and_support",
        "hoarding",
        "alcohol_and_drugs",
        "reduced_mobility",
        "lives_alone",
        "inappropriate_smoking",
        "elderly",
    ]
    .iter()
    .map(|f| {
        let score = if *f == "inappropriate_smoking" {
            smoking
        } else {
            1
        };
        json!({ "factor": f, "score": score, "note": "" })
    })
    .collect();
    json!({ "draft": {
        "id": id, "person_id": person, "household_id": household, "visit_id": null,
        "factors": factors, "clutter_image_rating": null,
        "alarms": [{ "floor": "Ground floor", "present": true, "working": true, "fitted_today": false, "tested": true }],
        "escape_route": "clear", "flags": [],
    } })
}

/// A referral to the fire service with the resident's consent to share with it.
fn referral(household: &str, person: &str, urgency: &str) -> Value {
    json!({ "draft": {
        "person_id": person, "household_id": household, "agency_id": "fire_safe_and_well",
        "reasons": ["Smokes in bed"], "urgency": urgency, "charlie_check_id": null,
        "consent": {
            "given_by": "person", "given_by_name": "Edith Sampleton", "method": "verbal",
            "signature_ref": null, "purposes": ["share_with_fire"], "capacity_concerns": null,
            "recorded_by": "00000000-0000-0000-0000-000000000000", "at": "2026-03-05T09:00:00Z",
        },
        "lawful_basis": null,
    } })
}

#[tokio::test]
async fn saving_a_check_with_its_id_corrects_it_rather_than_adding_another() {
    let (api, household, person, _dir) = one_resident().await;
    let first = ok(
        &api,
        "save_charlie_check",
        check(None, &household, &person, 10),
    )
    .await;
    let id = text(&first, "/check/id");
    assert_eq!(first["assessment"]["total"], 16, "smoking 10 and six 1s");

    let again = ok(
        &api,
        "save_charlie_check",
        check(Some(&id), &household, &person, 1),
    )
    .await;
    assert_eq!(text(&again, "/check/id"), id, "the same check");
    assert_eq!(again["assessment"]["total"], 7, "scored again: seven 1s");

    let listed = ok(
        &api,
        "charlie_checks_for_household",
        json!({ "householdId": household }),
    )
    .await;
    let listed = listed.as_array().expect("a list");
    assert_eq!(listed.len(), 1, "corrected, not added: {listed:?}");
    assert_eq!(listed[0]["assessment"]["total"], 7, "listed as corrected");
}

#[tokio::test]
async fn a_step_the_referral_is_not_at_is_refused_as_the_wrong_step_and_changes_nothing() {
    let (api, household, person, _dir) = one_resident().await;
    let page = ok(
        &api,
        "draft_referral",
        referral(&household, &person, "routine"),
    )
    .await;
    let id = text(&page, "/referral/id");
    let before = ok(&api, "get_referral", json!({ "id": id })).await;
    // Completing a draft, and acknowledging twice: the screen reloads on `wrong_step`.
    let early = dispatch(
        &api,
        "referral_step",
        json!({ "id": id, "step": { "step": "complete", "outcome": "Visited" } }),
    )
    .await
    .expect_err("a draft cannot be completed");
    assert_eq!(early.code, ErrorCode::WrongStep, "{early:?}");
    assert_eq!(
        ok(&api, "get_referral", json!({ "id": id })).await,
        before,
        "a refused step changes nothing"
    );

    let send = json!({ "id": id, "step": { "step": "send" } });
    ok(&api, "referral_step", send.clone()).await;
    let twice = dispatch(&api, "referral_step", send)
        .await
        .expect_err("queued already");
    assert_eq!(twice.code, ErrorCode::WrongStep, "{twice:?}");
    assert_eq!(
        twice.message,
        "A referral that is queued cannot be given the step \"send\""
    );
}

/// The agency's steps are the agency's: an officer cannot type in an answer it never gave,
/// and the refusal says so, with the stable code the screen maps.
#[tokio::test]
async fn the_officer_cannot_take_the_agencys_steps_or_the_hubs() {
    let (api, household, person, _dir) = one_resident().await;
    let page = ok(
        &api,
        "draft_referral",
        referral(&household, &person, "routine"),
    )
    .await;
    let id = text(&page, "/referral/id");
    for step in [json!({ "step": "deliver" }), json!({ "step": "accept" })] {
        let refused = dispatch(&api, "referral_step", json!({ "id": id, "step": step }))
            .await
            .expect_err("not the officer's step");
        assert_eq!(refused.code, ErrorCode::WrongStep, "{refused:?}");
    }
}

/// The referral's page and Today's list count the hours from the same clock (the page once
/// read the system's, so a recording said "275 days" where the list said "3 days").
#[tokio::test]
async fn a_referral_page_counts_its_hours_overdue_from_the_app_clock() {
    let (api, household, person, _dir) = one_resident().await;
    let sent_at: DateTime<Utc> = "2026-03-05T09:00:00Z".parse().expect("a time");
    pinned::set(Some(sent_at));
    let page = ok(
        &api,
        "draft_referral",
        referral(&household, &person, "urgent"),
    )
    .await;
    let id = text(&page, "/referral/id");
    ok(
        &api,
        "referral_step",
        json!({ "id": id, "step": { "step": "send" } }),
    )
    .await;
    // The clock starts when the hub delivers it, here at once.
    let directory = api.reference.get().agencies.clone();
    pull_from_hub(&api, &id, |r| {
        r.deliver(&directory, sent_at).expect("delivered");
    });
    // Urgent: due in 24 hours, so 50 hours after delivery it is 26 hours late.
    pinned::set(Some(sent_at + Duration::hours(50)));
    let page = ok(&api, "get_referral", json!({ "id": id })).await;
    let list = ok(&api, "overdue_referral_list", json!({})).await;
    pinned::set(None);
    assert_eq!(page["hours_overdue"], 26, "{page}");
    assert_eq!(list[0]["hours_overdue"], 26, "{list}");
}
