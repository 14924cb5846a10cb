//! The UI's screen tests replay what the real commands answered, so every score, refusal
//! and sentence they see is one the Rust engine produced. This test drives the commands
//! through `dispatch` (the names and camelCase arguments the window sends) in scenarios,
//! and writes each as `ui/src/test/fixtures/<scenario>.json`.
//!
//! The clock is pinned (09:00 UTC on 5 March 2026, one minute more for each call) and ids
//! are replaced by placeholders in order of first appearance, so a run gives the same files.
//! The committed files are checked like the bindings: this test fails when they differ.
//!
//! To rewrite them after a change: `UPDATE_FIXTURES=1 cargo test -p doorstep-api --test ui_fixtures`.

#![allow(clippy::expect_used, clippy::panic)] // a failed expectation is a failed test

#[path = "ui_fixtures/plan.rs"]
mod plan;
// The hub's side of a referral (delivery, the agency's answers), shared with the command tests.
#[path = "ui_fixtures/recorder.rs"]
mod recorder;
#[path = "support/mod.rs"]
mod support;
#[path = "ui_fixtures/survey.rs"]
mod survey;

#[path = "ui_fixtures/home.rs"]
mod home;

#[path = "ui_fixtures/fire.rs"]
mod fire;

#[path = "ui_fixtures/days.rs"]
mod days;

#[path = "ui_fixtures/today.rs"]
mod today;

#[path = "ui_fixtures/sync.rs"]
mod sync;

#[path = "ui_fixtures/team.rs"]
mod team;

use std::path::{Path, PathBuf};

use recorder::{Recorder, Recording};
use serde_json::{Value, json};

const OFFICER: &str = "Alex Doorley";
const OFFICER_PASSPHRASE: &str = "kettle harbour violet sprocket";
const SUPERVISOR: &str = "Morgan Checkley";
const SUPERVISOR_PASSPHRASE: &str = "lantern orchard pebble quartz";
/// A 1×1 PNG, as the signature pad sends it.
const SIGNATURE_PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/test/fixtures")
}

fn id(v: &Value, path: &str) -> String {
    v.pointer(path)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no id at {path} in {v}"))
        .to_owned()
}

fn choice(value: &str) -> Value {
    json!({ "type": "choice", "value": value })
}

fn yes_no(value: &str) -> Value {
    json!({ "type": "yes_no", "value": value })
}

/// What every screen asks as the app starts, recorded once the store is unlocked.
async fn boot(rec: &mut Recorder) {
    rec.ok("app_status", json!({})).await;
    rec.ok("sync_status", json!({})).await;
    rec.ok("reference_problems", json!({})).await;
    rec.ok("list_users", json!({})).await;
    rec.ok("touch", json!({})).await;
}

/// A set-up laptop: the officer signed in, and a supervisor who can also unlock it.
async fn set_up(rec: &mut Recorder) {
    rec.quietly(
        "set_up",
        json!({ "officerName": OFFICER, "role": "officer", "passphrase": OFFICER_PASSPHRASE }),
    )
    .await;
    rec.quietly(
        "add_user",
        json!({ "name": SUPERVISOR, "role": "supervisor", "passphrase": SUPERVISOR_PASSPHRASE }),
    )
    .await;
}

fn household_draft(line_1: &str, postcode: &str) -> Value {
    json!({
        "uprn": "",
        "address_line_1": line_1,
        "address_line_2": "",
        "address_line_3": "",
        "town": "Eastwick Vale",
        "postcode": postcode,
        "coordinates": null,
    })
}

fn person_draft(household: &str, name: &str, born: &str) -> Value {
    json!({
        "household_id": household,
        "full_name": name,
        "phone": "01623 496 000",
        "email": "",
        "date_of_birth": born,
        "age_band": null,
        "preferred_language": "",
        "contact_preferences": { "phone": true, "text": false, "email": false, "letter": true },
    })
}

/// A household with one resident; returns the household's and the resident's ids.
async fn household(rec: &mut Recorder, line_1: &str, postcode: &str) -> (String, String) {
    let h = rec
        .ok(
            "create_household",
            json!({ "draft": household_draft(line_1, postcode) }),
        )
        .await;
    let household = id(&h, "/id");
    let p = rec
        .ok(
            "add_person",
            json!({ "draft": person_draft(&household, "Edith Sampleton", "1941-02-03") }),
        )
        .await;
    (household, id(&p, "/id"))
}

/// The answers of a burglary victim's survey: a snappable back-door cylinder, two ground
/// floor windows without locks, open rear access and no rear light.
fn survey_answers() -> Vec<(&'static str, Value)> {
    let back = json!({
        "door_position": choice("back"),
        "door_material": choice("upvc"),
        "door_condition": choice("sound"),
        "door_multipoint": choice("working"),
        "door_cylinder": choice("unmarked"),
        "door_cylinder_projects": yes_no("yes"),
        "door_glazing": choice("none"),
    });
    let window = |location: &str| {
        json!({
            "window_location": choice(location),
            "window_escape": yes_no("no"),
            "window_key_lock": choice("none"),
        })
    };
    vec![
        ("survey_reason", choice("burglary_victim")),
        ("repeat_victim", yes_no("no")),
        ("doors", json!({ "type": "group", "value": [back] })),
        (
            "windows",
            json!({ "type": "group", "value": [window("ground_rear"), window("ground_side")] }),
        ),
        ("side_gate", choice("none_open_access")),
        ("front_light", choice("pir")),
        ("rear_light", choice("none")),
        ("lives_alone", yes_no("yes")),
        ("tenure", choice("owner")),
        ("da_concern", yes_no("no")),
        ("feel_safe", json!({ "type": "number", "value": 2 })),
    ]
}

/// Answers `answers` on `survey`, recorded or not.
async fn answer(rec: &mut Recorder, survey: &str, answers: Vec<(&str, Value)>, record: bool) {
    for (item, value) in answers {
        let args = json!({ "surveyId": survey, "item": item, "value": value });
        if record {
            rec.ok("save_answer", args).await;
        } else {
            rec.quietly("save_answer", args).await;
        }
    }
}

// ------------------------------------------------------------------------------ Scenarios

/// A drafted plan for a burglary victim's survey (at a ZY4 home, where two firms can fit locks), and branches for each thing the plan,
/// sign and follow-up screens do with it.
async fn plan_scenario() -> Recording {
    let mut rec = Recorder::new();
    set_up(&mut rec).await;
    let (household, _) = household(&mut rec, "12 Acacia Avenue", "ZY4 7HT").await;
    let page = rec
        .quietly(
            "start_survey",
            json!({ "householdId": household, "visitId": null }),
        )
        .await;
    let survey = id(&page, "/state/survey/id");
    answer(&mut rec, &survey, survey_answers(), false).await;
    boot(&mut rec).await;
    rec.ok("get_household", json!({ "id": household })).await;
    rec.mark("drafted");
    let drafted = rec.ok("draft_plan", json!({ "surveyId": survey })).await;
    let plan = id(&drafted, "/plan/id");
    rec.ok("get_plan", json!({ "id": plan })).await;
    let items: Vec<(String, String, u64)> = drafted
        .pointer("/plan/items")
        .and_then(Value::as_array)
        .expect("the plan has items")
        .iter()
        .map(|i| {
            (
                id(i, "/id"),
                id(i, "/measure_id"),
                i.get("quantity").and_then(Value::as_u64).unwrap_or(1),
            )
        })
        .collect();
    let first = items.first().expect("a measure").0.clone();
    let edit = |edit: Value| json!({ "id": plan, "edit": edit });
    let mut branches = Vec::new();

    // Quantities: one refused, one saved.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    b.refused(
        "edit_plan",
        edit(json!({ "edit": "set_quantity", "item": first, "quantity": 0 })),
    )
    .await;
    b.ok(
        "edit_plan",
        edit(json!({ "edit": "set_quantity", "item": first, "quantity": 3 })),
    )
    .await;
    b.ok("get_plan", json!({ "id": plan })).await;
    branches.push(b.into_branch("quantity"));

    // A measure removed.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    b.ok(
        "edit_plan",
        edit(json!({ "edit": "remove_item", "item": first })),
    )
    .await;
    b.ok("get_plan", json!({ "id": plan })).await;
    branches.push(b.into_branch("remove"));

    // Measures added: a window lock without its windows is refused; an alarm for one is not.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    b.refused(
        "edit_plan",
        edit(json!({ "edit": "add_measure", "measure_id": "window_lock", "quantity": 1, "applies_to": [] })),
    )
    .await;
    b.ok(
        "edit_plan",
        edit(json!({ "edit": "add_measure", "measure_id": "window_alarm", "quantity": 1, "applies_to": ["windows[1]"] })),
    )
    .await;
    b.ok("get_plan", json!({ "id": plan })).await;
    branches.push(b.into_branch("add"));

    // A video doorbell (for a repeat victim with no camera) needs the resident's
    // acknowledgement of the CCTV guidance.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    for (item, value) in [
        ("repeat_victim", yes_no("yes")),
        ("cctv_type", choice("none")),
    ] {
        b.quietly(
            "save_answer",
            json!({ "surveyId": survey, "item": item, "value": value }),
        )
        .await;
    }
    b.mark("repeat victim");
    b.ok("get_plan", json!({ "id": plan })).await;
    b.ok(
        "edit_plan",
        edit(json!({ "edit": "add_measure", "measure_id": "video_doorbell", "quantity": 1, "applies_to": [] })),
    )
    .await;
    b.refused(
        "edit_plan",
        edit(json!({ "edit": "cctv_acknowledgement", "resident_name": "" })),
    )
    .await;
    b.ok(
        "edit_plan",
        edit(json!({ "edit": "cctv_acknowledgement", "resident_name": "Edith Sampleton" })),
    )
    .await;
    branches.push(b.into_branch("cctv"));

    // Over the cap: a new doorset on top of the proposed measures, then the reason.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    b.ok(
        "edit_plan",
        edit(json!({ "edit": "add_measure", "measure_id": "pas24_doorset", "quantity": 1, "applies_to": ["doors[0]"] })),
    )
    .await;
    b.mark("over cap");
    b.ok("get_plan", json!({ "id": plan })).await;
    b.refused(
        "edit_plan",
        edit(json!({ "edit": "over_cap_reason", "reason": "" })),
    )
    .await;
    b.ok(
        "edit_plan",
        edit(
            json!({ "edit": "over_cap_reason", "reason": "Two rear windows face an unlit alley" }),
        ),
    )
    .await;
    branches.push(b.into_branch("over-cap"));

    // A tenant's plan needs the landlord's consent.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    b.quietly(
        "save_answer",
        json!({ "surveyId": survey, "item": "tenure", "value": choice("tenant_private") }),
    )
    .await;
    b.mark("tenant");
    b.ok("get_plan", json!({ "id": plan })).await;
    b.refused(
        "edit_plan",
        edit(json!({ "edit": "landlord_consent", "landlord": "", "reference": "" })),
    )
    .await;
    b.ok(
        "edit_plan",
        edit(json!({ "edit": "landlord_consent", "landlord": "Sampleton Lettings", "reference": "Email 3 Mar 2026" })),
    )
    .await;
    branches.push(b.into_branch("tenant"));

    // A tier other than the recommended one, refused without a reason.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    b.refused(
        "edit_plan",
        edit(json!({ "edit": "choose_tier", "tier": "silver", "reason": null, "da_service_decision": null })),
    )
    .await;
    b.ok(
        "edit_plan",
        edit(json!({ "edit": "choose_tier", "tier": "silver", "reason": "The resident wants only the locks and the light", "da_service_decision": null })),
    )
    .await;
    branches.push(b.into_branch("tier"));

    // Refused by the officer: a reason is needed.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    b.refused(
        "plan_step",
        json!({ "id": plan, "step": { "step": "refuse", "reason": "" } }),
    )
    .await;
    b.ok(
        "plan_step",
        json!({ "id": plan, "step": { "step": "refuse", "reason": "Resident does not want the work" } }),
    )
    .await;
    branches.push(b.into_branch("refuse"));

    // Agreed, then returned by a supervisor to the officer: what to change is needed.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    b.quietly(
        "agree_plan",
        json!({ "id": plan, "residentName": "Edith Sampleton", "signaturePngBase64": SIGNATURE_PNG, "disclaimerVersion": "2026-01" }),
    )
    .await;
    b.quietly("lock", json!({})).await;
    b.quietly("unlock", json!({ "passphrase": SUPERVISOR_PASSPHRASE }))
        .await;
    b.mark("supervisor");
    b.ok("app_status", json!({})).await;
    b.ok("get_plan", json!({ "id": plan })).await;
    b.refused(
        "plan_step",
        json!({ "id": plan, "step": { "step": "return", "reason": "" } }),
    )
    .await;
    b.ok(
        "plan_step",
        json!({ "id": plan, "step": { "step": "return", "reason": "Price the side gate again" } }),
    )
    .await;
    branches.push(b.into_branch("return"));

    // The resident's copy as a PDF, and a place it cannot be saved.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    let name = drafted
        .pointer("/resident_plan_file_name")
        .and_then(Value::as_str)
        .map_or_else(|| "home-safety-plan.pdf".to_owned(), str::to_owned);
    let path = b.document(&name);
    b.ok(
        "save_resident_plan",
        json!({ "planId": plan, "path": path }),
    )
    .await;
    b.ok("open_document", json!({ "path": path })).await;
    b.refused(
        "save_resident_plan",
        json!({ "planId": plan, "path": "/proc/doorstep/plan.pdf" }),
    )
    .await;
    branches.push(b.into_branch("pdf"));

    // Agreed, then the officer may not approve; the supervisor approves (over the cap
    // first without a reason), and the plan goes on to be fitted and followed up.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    b.ok(
        "edit_plan",
        edit(json!({ "edit": "add_measure", "measure_id": "pas24_doorset", "quantity": 1, "applies_to": ["doors[0]"] })),
    )
    .await;
    b.ok(
        "agree_plan",
        json!({ "id": plan, "residentName": "Edith Sampleton", "signaturePngBase64": SIGNATURE_PNG, "disclaimerVersion": "2026-01" }),
    )
    .await;
    b.mark("agreed");
    b.ok("get_plan", json!({ "id": plan })).await;
    let approve = |reason: Value| {
        edit(json!({
            "edit": "approve", "over_cap_reason": reason, "firm_choices": { "by_measure": {} },
            "contact": null, "access_notes": [],
        }))
    };
    b.refused("edit_plan", approve(Value::Null)).await;
    b.quietly("lock", json!({})).await;
    b.quietly("unlock", json!({ "passphrase": SUPERVISOR_PASSPHRASE }))
        .await;
    b.mark("supervisor");
    b.ok("app_status", json!({})).await;
    b.ok("get_plan", json!({ "id": plan })).await;
    b.ok("plans_with_status", json!({ "status": "agreed" }))
        .await;
    b.ok("plans_with_status", json!({ "status": "fitted" }))
        .await;
    b.ok("cocoons", json!({ "householdId": null })).await;
    b.refused("edit_plan", approve(Value::Null)).await;
    b.ok(
        "edit_plan",
        approve(json!("Repeat victim; rear windows unlit")),
    )
    .await;
    b.mark("ordered");
    b.ok("get_plan", json!({ "id": plan })).await;
    let cylinder = items
        .iter()
        .find(|(_, measure, _)| measure == "anti_snap_cylinder")
        .expect("an anti-snap cylinder in the plan")
        .0
        .clone();
    b.ok(
        "edit_plan",
        edit(json!({ "edit": "actual_cost", "item": cylinder, "pence": 11250 })),
    )
    .await;
    b.ok(
        "plan_step",
        json!({ "id": plan, "step": { "step": "fit" } }),
    )
    .await;
    b.days_pass(91);
    b.mark("fitted");
    b.ok("app_status", json!({})).await;
    b.ok("get_plan", json!({ "id": plan })).await;
    b.ok("plans_with_status", json!({ "status": "fitted" }))
        .await;
    let findings = |fitted: &str| {
        json!({ "id": plan, "findings": {
            "measures_fitted": fitted, "measures_used": "yes", "feeling_safe": 4,
            "repeat_burglary": "no", "notes": "",
        } })
    };
    b.refused("record_follow_up", findings("unknown")).await;
    b.ok("record_follow_up", findings("yes")).await;
    b.ok("get_plan", json!({ "id": plan })).await;
    branches.push(b.into_branch("approval"));

    // The supervisor approves with a contact and access notes for the work orders (each
    // measure has one firm by trade here, so there is no firm to choose).
    let agree = json!({ "id": plan, "residentName": "Edith Sampleton", "signaturePngBase64": SIGNATURE_PNG, "disclaimerVersion": "2026-01" });
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    b.quietly("agree_plan", agree.clone()).await;
    // An officer may not approve: what Rust says when the person signed in changes under
    // an open page.
    b.refused(
        "edit_plan",
        edit(json!({
            "edit": "approve", "over_cap_reason": null, "firm_choices": { "by_measure": {} },
            "contact": null, "access_notes": [],
        })),
    )
    .await;
    b.quietly("lock", json!({})).await;
    b.quietly("unlock", json!({ "passphrase": SUPERVISOR_PASSPHRASE }))
        .await;
    b.mark("agreed");
    b.ok("app_status", json!({})).await;
    b.ok("get_plan", json!({ "id": plan })).await;
    b.ok(
        "edit_plan",
        edit(json!({
            "edit": "approve", "over_cap_reason": null,
            "firm_choices": { "by_measure": {} },
            "contact": { "name": "Dee Sampleton", "phone": "01623 496 000", "is_resident": false },
            "access_notes": ["Key safe by the back door", "Dog in the kitchen"],
        })),
    )
    .await;
    branches.push(b.into_branch("firms"));

    // No firm in the council's contractors list does locksmith (or handyperson) work at
    // this postcode.
    let contractors = include_str!("../../../assets/contractors.toml")
        .replace("areas = [\"ZY3\", \"ZY4\"]", "areas = [\"ZY3\"]")
        .replace(
            "trades = [\"locksmith\", \"handyperson\"]\nareas = [\"ZY\"]",
            "trades = [\"locksmith\", \"handyperson\"]\nareas = [\"ZY3\"]",
        );
    let mut b = rec
        .branch_with(OFFICER_PASSPHRASE, |data| {
            let reference = data.join("reference");
            std::fs::create_dir_all(&reference).expect("reference folder");
            std::fs::write(reference.join("contractors.toml"), &contractors)
                .expect("contractors file");
        })
        .await;
    b.quietly("agree_plan", agree.clone()).await;
    b.quietly("lock", json!({})).await;
    b.quietly("unlock", json!({ "passphrase": SUPERVISOR_PASSPHRASE }))
        .await;
    b.mark("agreed");
    b.ok("app_status", json!({})).await;
    b.ok("reference_problems", json!({})).await;
    b.ok("get_plan", json!({ "id": plan })).await;
    b.refused(
        "edit_plan",
        edit(json!({
            "edit": "approve", "over_cap_reason": null, "firm_choices": { "by_measure": {} },
            "contact": null, "access_notes": [],
        })),
    )
    .await;
    branches.push(b.into_branch("no-locksmith"));

    // A domestic abuse concern, known when the plan is drafted: the fitters must phone
    // someone other than the resident.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    let page = b
        .quietly(
            "start_survey",
            json!({ "householdId": household, "visitId": null }),
        )
        .await;
    let da_survey = id(&page, "/state/survey/id");
    let mut answers = survey_answers();
    answers.push(("da_concern", yes_no("yes")));
    answer(&mut b, &da_survey, answers, false).await;
    let da_plan = id(
        &b.quietly("draft_plan", json!({ "surveyId": da_survey }))
            .await,
        "/plan/id",
    );
    b.quietly(
        "agree_plan",
        json!({ "id": da_plan, "residentName": "Edith Sampleton", "signaturePngBase64": SIGNATURE_PNG, "disclaimerVersion": "2026-01" }),
    )
    .await;
    b.quietly("lock", json!({})).await;
    b.quietly("unlock", json!({ "passphrase": SUPERVISOR_PASSPHRASE }))
        .await;
    b.mark("agreed");
    b.ok("app_status", json!({})).await;
    b.ok("get_plan", json!({ "id": da_plan })).await;
    let approve = |contact: Value| {
        json!({ "id": da_plan, "edit": {
            "edit": "approve", "over_cap_reason": null, "firm_choices": { "by_measure": {} },
            "contact": contact, "access_notes": [],
        } })
    };
    b.refused("edit_plan", approve(Value::Null)).await;
    b.ok(
        "edit_plan",
        approve(
            json!({ "name": "Jo Harbour (support worker)", "phone": null, "is_resident": false }),
        ),
    )
    .await;
    branches.push(b.into_branch("da-concern"));

    rec.finish(
        "plan",
        "An improvement plan drafted from a burglary victim's survey. Branches from the draft: \
         quantity, remove, add, cctv, over-cap, tenant, tier, refuse, pdf, approval (agreed, \
         refused to the officer, approved by the supervisor, fitted, followed up), firms, \
         no-locksmith (a council contractors list without one) and da-concern.",
        branches,
    )
}

#[tokio::test]
async fn ui_fixtures_are_what_the_commands_answer() {
    let started = std::time::Instant::now();
    // One after another: the pinned clock is the process's.
    let recordings = vec![
        home::first_run().await,
        home::household().await,
        home::find().await,
        home::people().await,
        survey::survey_scenario().await,
        plan_scenario().await,
        plan::firm_reports().await,
        fire::fire().await,
        days::days().await,
        today::today().await,
        today::cocoon().await,
        home::settings().await,
        sync::sync_scenario().await,
        team::team().await,
    ];
    doorstep_core::clock::pinned::set(None);
    let dir = fixtures_dir();
    let update = std::env::var_os("UPDATE_FIXTURES").is_some();
    let mut stale = Vec::new();
    for recording in &recordings {
        let path = dir.join(format!("{}.json", recording.name));
        let fresh = recording.to_json();
        if update {
            std::fs::create_dir_all(&dir).expect("fixtures folder");
            std::fs::write(&path, &fresh).expect("write a fixture");
        } else if std::fs::read_to_string(&path).unwrap_or_default() != fresh {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "the UI fixtures differ from what the commands answer now: {stale:?}; run \
         UPDATE_FIXTURES=1 cargo test -p doorstep-api --test ui_fixtures, read the diff, \
         and fix the UI tests it breaks"
    );
    eprintln!(
        "recorded {} scenarios in {:?}",
        recordings.len(),
        started.elapsed()
    );
}
