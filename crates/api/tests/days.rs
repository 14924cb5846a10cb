//! What a day of action's end-of-day commands write. The UI's tests used to read the fake's
//! own CSV and progress events; with recorded answers the screen only sees the path Rust
//! saved to, so the file and the events are checked here, through the commands the window
//! calls.

#![allow(clippy::expect_used, clippy::panic)] // a failed expectation is a failed test

mod support;

use std::sync::{Arc, Mutex};

use doorstep_api::events::{AppEvent, DocumentProgress, EventSink};
use doorstep_api::{Api, ErrorCode, dispatch::dispatch};
use doorstep_core::fire::SUMMARY_CSV_HEADER;
use serde_json::{Value, json};
use support::{TestApp, ok};

/// Keeps every event, as the window would receive them.
#[derive(Debug, Clone, Default)]
struct Events(Arc<Mutex<Vec<AppEvent>>>);

impl EventSink for Events {
    fn send(&self, event: AppEvent) {
        self.0.lock().expect("the events lock").push(event);
    }
}

impl Events {
    fn progress(&self) -> Vec<DocumentProgress> {
        self.0
            .lock()
            .expect("the events lock")
            .iter()
            .filter_map(|e| match e {
                AppEvent::DocumentProgress(p) => Some(p.clone()),
                _ => None,
            })
            .collect()
    }
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_owned()
}

struct Day {
    api: Arc<Api>,
    events: Events,
    id: String,
    doors: Vec<String>,
    folder: tempfile::TempDir,
}

/// A day of action today on the demo area's first twelve doors (1 to 12 Lantern Walk): an
/// alarm-fitting visit at door 1 with two alarms, and no answer at door 2.
async fn knocked_day() -> Day {
    let events = Events::default();
    let app = TestApp::officer_with(Box::new(events.clone())).await;
    let (api, folder) = (app.api, app.folder);
    ok(&api, "load_demo_data", json!({})).await;
    let day = id(&ok(
        &api,
        "create_day_of_action",
        json!({ "draft": {
            "name": "Lantern estate day of action", "date": doorstep_api::session::today().to_string(),
            "area": "", "crew": ["Alex Doorley"],
        } }),
    )
    .await);
    ok(
        &api,
        "add_day_doors",
        json!({ "dayId": day, "streetOrPostcode": "ZY1 0AA" }),
    )
    .await;
    let page = ok(&api, "get_day_of_action", json!({ "id": day })).await;
    let doors: Vec<String> = page["doors"]
        .as_array()
        .expect("doors")
        .iter()
        .map(id)
        .collect();
    for (door, outcomes, alarms) in [
        (&doors[0], json!(["advice_given", "alarm_fitted"]), 2),
        (&doors[1], json!(["no_answer"]), 0),
    ] {
        ok(
            &api,
            "record_knock",
            json!({ "dayId": day, "doorId": door, "knock": {
                "outcomes": outcomes, "alarms_fitted": alarms, "referrals_made": 0, "higher_risk_people": 0,
            } }),
        )
        .await;
    }
    Day {
        api,
        events,
        id: day,
        doors,
        folder,
    }
}

#[tokio::test]
async fn the_summary_csv_has_the_fixed_header_and_the_days_counts() {
    let day = knocked_day().await;
    let path = day.folder.path().join("summary.csv");
    let saved = ok(
        &day.api,
        "save_day_summary_csv",
        json!({ "dayId": day.id, "path": path }),
    )
    .await;
    assert_eq!(
        saved,
        json!(path.display().to_string()),
        "the path it saved to"
    );
    let csv = std::fs::read_to_string(&path).expect("the CSV was written");
    let today = doorstep_api::session::today();
    // Two doors knocked, one answered, two alarms fitted, one door to revisit.
    assert_eq!(
        csv,
        format!(
            "{SUMMARY_CSV_HEADER}\r\nLantern estate day of action,{today},2,1,2,0,0,0,0,0,1\r\n"
        )
    );

    let nowhere = day.folder.path().join("no such folder").join("summary.csv");
    let refused = dispatch(
        &day.api,
        "save_day_summary_csv",
        json!({ "dayId": day.id, "path": nowhere }),
    )
    .await
    .expect_err("a folder that is not there");
    assert_eq!(refused.code, ErrorCode::Io, "{refused:?}");
    assert!(
        refused.message.contains(&nowhere.display().to_string()),
        "the message names the place: {}",
        refused.message
    );
}

#[tokio::test]
async fn the_days_documents_report_their_progress_and_hold_the_referrals_made_at_its_doors() {
    let day = knocked_day().await;
    // 5 Lantern Walk, with a resident referred twice today.
    let page = ok(&day.api, "get_day_of_action", json!({ "id": day.id })).await;
    let uprn = page["doors"][4]["uprn"]
        .as_str()
        .expect("a uprn")
        .to_owned();
    let household = id(&ok(
        &day.api,
        "create_household_from_gazetteer",
        json!({ "uprn": uprn }),
    )
    .await);
    let person = id(&ok(
        &day.api,
        "add_person",
        json!({ "draft": {
            "household_id": household, "full_name": "Edith Sampleton", "phone": "", "email": "",
            "date_of_birth": "1941-02-03", "age_band": null, "preferred_language": "",
            "contact_preferences": { "phone": false, "text": false, "email": false, "letter": true },
        } }),
    )
    .await);
    for reason in ["High CHARLIE score", "Candles near curtains"] {
        ok(
            &day.api,
            "draft_referral",
            json!({ "draft": {
                "person_id": person, "household_id": household, "agency_id": "fire_safe_and_well",
                "reasons": [reason], "urgency": "soon", "charlie_check_id": null,
                "consent": null, "lawful_basis": null,
            } }),
        )
        .await;
    }
    assert_eq!(day.doors.len(), 12, "the postcode unit's twelve doors");

    let folder = day.folder.path().join("documents");
    std::fs::create_dir_all(&folder).expect("the folder");
    let report = ok(
        &day.api,
        "save_day_documents",
        json!({ "dayId": day.id, "folder": folder }),
    )
    .await;
    assert_eq!(report["failed"], json!([]), "{report}");
    let saved: Vec<&str> = report["saved"]
        .as_array()
        .expect("saved")
        .iter()
        .map(|s| s["path"].as_str().expect("a path"))
        .collect();
    assert_eq!(
        saved.len(),
        3,
        "the summary and two referral forms: {saved:?}"
    );
    for path in &saved {
        assert!(std::path::Path::new(path).is_file(), "{path} was written");
    }
    let done: Vec<(u32, u32)> = day
        .events
        .progress()
        .iter()
        .map(|p| (p.done, p.total))
        .collect();
    assert_eq!(
        done,
        [(0, 3), (1, 3), (2, 3), (3, 3)],
        "one event before the first document and one after each"
    );
}

#[tokio::test]
async fn days_are_listed_newest_first_and_count_a_door_knocked_twice_once() {
    let day = knocked_day().await;
    ok(
        &day.api,
        "record_knock",
        json!({ "dayId": day.id, "doorId": day.doors[1], "knock": {
            "outcomes": ["advice_given"], "alarms_fitted": 0, "referrals_made": 0, "higher_risk_people": 0,
        } }),
    )
    .await;
    // Set up after today's day, but one earlier and one later than it.
    let today = doorstep_api::session::today();
    for (name, date) in [
        ("Earlier", today - chrono::Days::new(30)),
        ("Later", today + chrono::Days::new(7)),
    ] {
        ok(
            &day.api,
            "create_day_of_action",
            json!({ "draft": { "name": name, "date": date.to_string(), "area": "", "crew": ["Alex Doorley"] } }),
        )
        .await;
    }
    let list = ok(&day.api, "days_of_action", json!({})).await;
    let rows: Vec<(&str, u64, u64)> = list
        .as_array()
        .expect("a list")
        .iter()
        .map(|r| {
            (
                r["day"]["name"].as_str().expect("a name"),
                r["doors"].as_u64().expect("doors"),
                r["knocked"].as_u64().expect("knocked"),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("Later", 0, 0),
            ("Lantern estate day of action", 12, 2),
            ("Earlier", 0, 0)
        ],
        "by date, newest first; three knocks at two doors"
    );
}
