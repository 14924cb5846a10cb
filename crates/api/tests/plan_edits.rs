//! A refused plan edit changes nothing. The UI's plan tests used to check this against the
//! fake's own store; with recorded answers the screen can only show what Rust sent, so the
//! rule is checked here, through the same commands the window calls.

#![allow(clippy::expect_used, clippy::panic)] // a failed expectation is a failed test

mod support;

use std::sync::Arc;

use doorstep_api::{Api, ErrorCode, dispatch::dispatch};
use serde_json::json;
use support::{TestApp, choice, ok, yes_no};

/// A drafted plan with two window locks on one line (for windows 1 and 2); the app, the
/// plan's id, the window lock line's id, and the temporary folder that holds it.
async fn drafted_plan() -> (Arc<Api>, String, String, tempfile::TempDir) {
    let app = TestApp::officer().await;
    let (api, dir) = (app.api, app.folder);
    let household = ok(
        &api,
        "create_household",
        json!({ "draft": {
            "uprn": "", "address_line_1": "3 Quillon Row", "address_line_2": "",
            "address_line_3": "", "town": "Eastwick Vale", "postcode": "ZY4 7HT", "coordinates": null,
        } }),
    )
    .await["id"]
        .clone();
    let survey = ok(
        &api,
        "start_survey",
        json!({ "householdId": household, "visitId": null }),
    )
    .await["state"]["survey"]["id"]
        .clone();
    let window = json!({
        "window_location": choice("ground_rear"),
        "window_escape": yes_no("no"),
        "window_key_lock": choice("none"),
    });
    for (item, value) in [
        ("survey_reason", choice("burglary_victim")),
        (
            "windows",
            json!({ "type": "group", "value": [window.clone(), window] }),
        ),
        ("lives_alone", yes_no("yes")),
        ("tenure", choice("owner")),
    ] {
        ok(
            &api,
            "save_answer",
            json!({ "surveyId": survey, "item": item, "value": value }),
        )
        .await;
    }
    let page = ok(&api, "draft_plan", json!({ "surveyId": survey })).await;
    let plan = page["plan"]["id"].as_str().expect("plan id").to_owned();
    let locks = page["plan"]["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["measure_id"] == "window_lock")
        .expect("a window lock line")["id"]
        .as_str()
        .expect("item id")
        .to_owned();
    (api, plan, locks, dir)
}

#[tokio::test]
async fn a_refused_plan_edit_leaves_the_plan_as_it_was() {
    let (api, plan, locks, _dir) = drafted_plan().await;
    let before = ok(&api, "get_plan", json!({ "id": plan })).await;
    let refused = [
        (
            json!({ "edit": "set_quantity", "item": locks, "quantity": 0 }),
            "must be between 1 and",
        ),
        (
            json!({ "edit": "set_quantity", "item": locks, "quantity": 51 }),
            "must be between 1 and",
        ),
        (
            json!({ "edit": "add_measure", "measure_id": "window_lock", "quantity": 1, "applies_to": [] }),
            "choose which windows",
        ),
        (
            json!({ "edit": "choose_tier", "tier": "bronze", "reason": null, "da_service_decision": null }),
            "record why you chose Bronze",
        ),
    ];
    for (edit, says) in refused {
        let err = dispatch(&api, "edit_plan", json!({ "id": plan, "edit": edit }))
            .await
            .expect_err("the edit is refused");
        assert!(
            matches!(err.code, ErrorCode::PlanRule | ErrorCode::Validation),
            "{edit}: {err:?}"
        );
        assert!(err.message.contains(says), "{edit}: {}", err.message);
        let after = ok(&api, "get_plan", json!({ "id": plan })).await;
        assert_eq!(after, before, "{edit} changed the plan");
    }
}
