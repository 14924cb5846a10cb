//! Issue 13 on a real SQLCipher store: pressing Send on a laptop with no hub only queues the
//! referral, Today says it is still on the laptop, and only the hub's delivery (pulled as a
//! change to the referral record) makes it sent, with the agency's answer after it shown as
//! the agency's. Its own test binary: other tests pin the process-wide clock to dates the
//! hub's clock readings here would be refused against.

#![allow(clippy::expect_used, clippy::panic)] // a failed expectation is a failed test

mod support;

use std::sync::Arc;

use chrono::{Duration, Utc};
use doorstep_api::Api;
use doorstep_core::fire::ReferralStep;
use doorstep_core::{OfficerId, Role};
use serde_json::json;
use support::{TestApp, ok, pull_from_hub, text};

/// A set-up app with one household and its resident, and a referral to the fire service
/// drafted with the resident's consent: the app, the referral's id and the folder.
async fn drafted() -> (Arc<Api>, String, tempfile::TempDir) {
    let app = TestApp::officer().await;
    let (api, dir) = (app.api, app.folder);
    let household = text(
        &ok(
            &api,
            "create_household",
            json!({ "draft": {
                "uprn": "", "address_line_1": "4 Quill Lane", "address_line_2": "",
                "address_line_3": "", "town": "Eastwick Vale", "postcode": "ZY18 4QL", "coordinates": null,
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
                "household_id": household, "full_name": "Ida Placeworth", "phone": "", "email": "",
                "date_of_birth": "", "age_band": null, "preferred_language": "",
                "contact_preferences": { "phone": false, "text": false, "email": false, "letter": true },
            } }),
        )
        .await,
        "/id",
    );
    let page = ok(
        &api,
        "draft_referral",
        json!({ "draft": {
            "person_id": person, "household_id": household, "agency_id": "fire_safe_and_well",
            "reasons": ["Smokes in bed"], "urgency": "routine", "charlie_check_id": null,
            "consent": {
                "given_by": "person", "given_by_name": "Ida Placeworth", "method": "verbal",
                "signature_ref": null, "purposes": ["share_with_fire"], "capacity_concerns": null,
                "recorded_by": "00000000-0000-0000-0000-000000000000", "at": "2026-03-05T09:00:00Z",
            },
            "lawful_basis": null,
        } }),
    )
    .await;
    (api, text(&page, "/referral/id"), dir)
}

#[tokio::test]
async fn send_queues_the_referral_on_the_laptop_until_the_hub_delivers_it_and_the_agency_answers() {
    let (api, id, _dir) = drafted().await;
    let sent = ok(
        &api,
        "referral_step",
        json!({ "id": id, "step": { "step": "send" } }),
    )
    .await;
    assert_eq!(sent["referral"]["status"], "queued", "{sent}");
    assert!(
        sent["referral"]["sent_at"].is_null() && sent["referral"]["due_at"].is_null(),
        "no response clock runs while it is on the laptop: {sent}"
    );
    let progress = text(&sent, "/progress");
    assert!(
        progress.starts_with("Waiting to go — it goes to the agency when Doorstep next syncs. ")
            && progress.ends_with("changes are waiting to sync on this laptop."),
        "{progress}"
    );
    assert!(!progress.contains("Referral sent"), "{progress}");
    assert_eq!(
        sent["steps"],
        json!([]),
        "the officer has no step to take now"
    );

    let on_laptop = ok(&api, "queued_referral_list", json!({})).await;
    assert_eq!(on_laptop.as_array().map(Vec::len), Some(1), "{on_laptop}");
    assert_eq!(on_laptop[0]["referral"]["id"], id.as_str());
    assert_eq!(on_laptop[0]["person_name"], "Ida Placeworth");
    assert!(
        text(&on_laptop[0], "/progress").starts_with("Waiting to go"),
        "{on_laptop}"
    );
    assert_eq!(
        ok(&api, "overdue_referral_list", json!({})).await,
        json!([]),
        "nothing is overdue before the agency has it"
    );

    // The officer still cannot take the agency's step on the laptop.
    let refused = doorstep_api::dispatch::dispatch(
        &api,
        "referral_step",
        json!({ "id": id, "step": { "step": "accept" } }),
    )
    .await
    .expect_err("the agency's step");
    assert_eq!(
        refused.code,
        doorstep_api::ErrorCode::WrongStep,
        "{refused:?}"
    );

    // The hub delivers it.
    let directory = api.reference.get().agencies.clone();
    let delivered_at = Utc::now() - Duration::minutes(5);
    pull_from_hub(&api, &id, |r| {
        r.deliver(&directory, delivered_at)
            .expect("queued, with consent");
    });
    let page = ok(&api, "get_referral", json!({ "id": id })).await;
    assert_eq!(page["referral"]["status"], "sent", "{page}");
    let due = page["referral"]["due_at"]
        .as_str()
        .expect("due once delivered");
    let due: chrono::DateTime<Utc> = due.parse().expect("a time");
    assert_eq!(
        text(&page, "/progress"),
        format!(
            "Sent to the agency on {}; they should respond by {}.",
            delivered_at.format("%-d %B %Y"),
            due.format("%-d %B %Y")
        )
    );
    assert_eq!(
        ok(&api, "queued_referral_list", json!({})).await,
        json!([]),
        "no longer on the laptop"
    );
    let deliver = &page["referral"]["history"][1];
    assert_eq!(deliver["step"]["step"], "deliver", "{page}");
    let refused = doorstep_api::dispatch::dispatch(
        &api,
        "referral_step",
        json!({ "id": id, "step": { "step": "acknowledge", "agency_reference": "SW-9" } }),
    )
    .await
    .expect_err("the agency's step, though it is open now");
    assert_eq!(
        refused.code,
        doorstep_api::ErrorCode::NotAllowed,
        "{refused:?}"
    );
    assert!(
        refused.message.starts_with("Only the agency can record"),
        "{refused:?}"
    );

    // The agency takes it on in its inbox on the hub.
    let accepted_at = Utc::now() - Duration::minutes(1);
    pull_from_hub(&api, &id, |r| {
        r.apply(
            &directory,
            ReferralStep::Accept,
            OfficerId::new(),
            Role::Agency,
            accepted_at,
        )
        .expect("the agency's step");
    });
    let page = ok(&api, "get_referral", json!({ "id": id })).await;
    assert_eq!(page["referral"]["status"], "accepted", "{page}");
    assert_eq!(
        text(&page, "/progress"),
        format!(
            "{} accepted it on {}.",
            text(&page, "/agency/name"),
            accepted_at.format("%-d %B %Y")
        )
    );
    let history = page["referral"]["history"].as_array().expect("history");
    let steps: Vec<_> = history
        .iter()
        .map(|e| (e["step"]["step"].clone(), e["role"].clone()))
        .collect();
    assert_eq!(
        steps,
        [
            (json!("send"), json!("officer")),
            (json!("deliver"), json!("officer")),
            (json!("accept"), json!("agency")),
        ],
        "send, the hub's delivery completing it, and the agency's acceptance as the agency's"
    );
    assert_eq!(
        page["steps"],
        json!([]),
        "still nothing for the officer to do"
    );
}
