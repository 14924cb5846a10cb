//! Opening a household page records who opened it, for the hub's audit log (issue 16,
//! item 5), through the command the window calls.

#![allow(clippy::expect_used, clippy::panic)] // a failed expectation is a failed test

mod support;

use doorstep_api::{ErrorCode, dispatch::dispatch};
use serde_json::json;
use support::{OFFICER, TestApp, ok};

#[tokio::test]
async fn the_household_page_records_who_opened_it_once_while_it_is_drawn_again() {
    let app = TestApp::officer().await;
    let api = &app.api;
    let household = ok(
        api,
        "create_household",
        json!({ "draft": {
            "uprn": "", "address_line_1": "7 Quillon Row", "address_line_2": "",
            "address_line_3": "", "town": "Eastwick Vale", "postcode": "ZY4 7HT", "coordinates": null,
        } }),
    )
    .await["id"]
        .as_str()
        .expect("household id")
        .to_owned();
    let page = ok(api, "get_household", json!({ "id": household })).await;
    assert_eq!(
        page["household"]["id"],
        household.as_str(),
        "the page opens"
    );
    // Saving a visit draws the page again: the same opening, not a second one.
    ok(api, "get_household", json!({ "id": household })).await;

    let openings = api
        .session
        .with_store(|s| s.unsent_household_openings(10))
        .expect("openings");
    assert_eq!(openings.len(), 1, "{openings:?}");
    assert_eq!(openings[0].household_id, household);
    assert_eq!(openings[0].opened_by, OFFICER, "the person signed in");

    // A household that is not there opens nothing and records nothing.
    let missing = doorstep_core::HouseholdId::new().to_string();
    let refused = dispatch(api, "get_household", json!({ "id": missing }))
        .await
        .expect_err("no such household");
    assert_eq!(refused.code, ErrorCode::NotFound, "{refused:?}");
    let count = api
        .session
        .with_store(|s| s.unsent_household_opening_count())
        .expect("count");
    assert_eq!(count, 1);
}
