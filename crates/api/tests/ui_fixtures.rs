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

#[path = "ui_fixtures/recorder.rs"]
mod recorder;
#[path = "ui_fixtures/sync.rs"]
mod sync;

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

async fn first_run() -> Recording {
    let mut rec = Recorder::new();
    rec.mark("first run");
    rec.ok("app_status", json!({})).await;
    rec.ok("sync_status", json!({})).await;
    rec.ok("reference_problems", json!({})).await;
    rec.ok("assess_passphrase", json!({ "passphrase": "password1" }))
        .await;
    rec.ok(
        "assess_passphrase",
        json!({ "passphrase": OFFICER_PASSPHRASE }),
    )
    .await;
    rec.refused(
        "set_up",
        json!({ "officerName": OFFICER, "role": "officer", "passphrase": "password1" }),
    )
    .await;
    rec.refused(
        "set_up",
        json!({ "officerName": "", "role": "officer", "passphrase": OFFICER_PASSPHRASE }),
    )
    .await;
    rec.ok(
        "set_up",
        json!({ "officerName": OFFICER, "role": "officer", "passphrase": OFFICER_PASSPHRASE }),
    )
    .await;
    rec.mark("set up");
    rec.ok("app_status", json!({})).await;
    rec.ok("touch", json!({})).await;
    rec.ok("visits_for_day", json!({ "date": "2026-03-05" }))
        .await;
    rec.ok("load_demo_data", json!({})).await;
    rec.mark("demo loaded");
    rec.ok("visits_for_day", json!({ "date": "2026-03-05" }))
        .await;
    rec.ok("search", json!({ "query": "Acacia" })).await;
    rec.ok("search", json!({ "query": "zz no such street" }))
        .await;
    rec.ok("lock", json!({})).await;
    rec.mark("locked");
    rec.ok("app_status", json!({})).await;
    rec.refused(
        "unlock",
        json!({ "passphrase": "wrong words entirely here" }),
    )
    .await;
    rec.ok("unlock", json!({ "passphrase": OFFICER_PASSPHRASE }))
        .await;
    rec.ok("app_status", json!({})).await;
    rec.finish(
        "first-run",
        "First run: passphrase advice, a refused and an accepted set-up, the demo area, \
         search, lock, a wrong passphrase and unlock.",
        Vec::new(),
    )
}

async fn household_scenario() -> Recording {
    let mut rec = Recorder::new();
    set_up(&mut rec).await;
    boot(&mut rec).await;
    rec.refused(
        "create_household",
        json!({ "draft": household_draft("", "not a postcode") }),
    )
    .await;
    let h = rec
        .ok(
            "create_household",
            json!({ "draft": household_draft("12 Acacia Avenue", "ZY18 9ZA") }),
        )
        .await;
    let household = id(&h, "/id");
    rec.mark("created");
    rec.ok("get_household", json!({ "id": household })).await;
    rec.refused(
        "add_person",
        json!({ "draft": person_draft(&household, "", "2099-01-01") }),
    )
    .await;
    let p = rec
        .ok(
            "add_person",
            json!({ "draft": person_draft(&household, "Edith Sampleton", "1941-02-03") }),
        )
        .await;
    let person = id(&p, "/id");
    rec.ok(
        "update_person",
        json!({ "id": person, "draft": person_draft(&household, "Edith M Sampleton", "1941-02-03") }),
    )
    .await;
    rec.ok(
        "update_household",
        json!({ "id": household, "draft": household_draft("12A Acacia Avenue", "ZY18 9ZA") }),
    )
    .await;
    rec.ok(
        "create_visit",
        json!({ "draft": {
            "household_id": household, "kind": "burglary_victim", "visit_date": "2026-03-05",
            "outcome": "completed", "notes": "Back door forced overnight",
        } }),
    )
    .await;
    rec.mark("with resident and visit");
    rec.ok("get_household", json!({ "id": household })).await;
    rec.ok("visits_for_household", json!({ "householdId": household }))
        .await;
    rec.ok("surveys_for_household", json!({ "householdId": household }))
        .await;
    rec.ok("plans_for_household", json!({ "householdId": household }))
        .await;
    rec.ok("cocoons", json!({ "householdId": household })).await;
    rec.ok(
        "charlie_checks_for_household",
        json!({ "householdId": household }),
    )
    .await;
    rec.ok(
        "referrals_for_household",
        json!({ "householdId": household }),
    )
    .await;
    rec.ok("visits_for_day", json!({ "date": "2026-03-05" }))
        .await;
    rec.ok("search", json!({ "query": "Acacia" })).await;
    rec.finish(
        "household",
        "A household: a refused half-filled form, the household, a resident (refused, \
         added, changed), the address changed and a visit recorded.",
        Vec::new(),
    )
}

async fn survey_scenario() -> Recording {
    let mut rec = Recorder::new();
    set_up(&mut rec).await;
    let (household, _) = household(&mut rec, "12 Acacia Avenue", "ZY18 9ZA").await;
    boot(&mut rec).await;
    rec.ok("get_household", json!({ "id": household })).await;
    let page = rec
        .ok(
            "start_survey",
            json!({ "householdId": household, "visitId": null }),
        )
        .await;
    let survey = id(&page, "/state/survey/id");
    rec.mark("started");
    rec.ok("get_survey", json!({ "id": survey })).await;
    rec.refused(
        "save_answer",
        json!({ "surveyId": survey, "item": "survey_reason", "value": choice("no_such_reason") }),
    )
    .await;
    answer(&mut rec, &survey, survey_answers(), true).await;
    rec.ok(
        "save_answer",
        json!({ "surveyId": survey, "item": "crime_ref", "value": { "type": "text", "value": "ZY/1234/26" } }),
    )
    .await;
    rec.ok(
        "save_section_note",
        json!({ "surveyId": survey, "section": "doors", "note": "Back door faces an unlit alley" }),
    )
    .await;
    rec.mark("answered");
    rec.ok("get_survey", json!({ "id": survey })).await;
    rec.ok("draft_plan", json!({ "surveyId": survey })).await;
    rec.finish(
        "survey",
        "A home security survey: started, a refused answer, every answer a plan needs, a \
         section note, and the plan drafted from it.",
        Vec::new(),
    )
}

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

async fn charlie_and_referral() -> Recording {
    let mut rec = Recorder::new();
    set_up(&mut rec).await;
    let (household, person) = household(&mut rec, "9 Dale Road", "ZY18 9ZD").await;
    boot(&mut rec).await;
    rec.ok("get_household", json!({ "id": household })).await;
    rec.ok("charlie_template", json!({})).await;
    rec.ok("agencies", json!({})).await;
    rec.mark("charlie");
    let factors = |score: u32| {
        [
            "care_and_support",
            "hoarding",
            "alcohol_and_drugs",
            "reduced_mobility",
            "lives_alone",
            "inappropriate_smoking",
            "elderly",
        ]
        .iter()
        .map(|f| json!({ "factor": f, "score": score, "note": "" }))
        .collect::<Vec<_>>()
    };
    let draft = |factors: Vec<Value>| {
        json!({ "draft": {
            "id": null, "person_id": person, "household_id": household, "visit_id": null,
            "factors": factors, "clutter_image_rating": null,
            "alarms": [{ "floor": "ground", "present": true, "working": false, "fitted_today": false, "tested": true }],
            "escape_route": "clear", "flags": ["candles"],
        } })
    };
    rec.refused("save_charlie_check", draft(Vec::new())).await;
    let check = rec.ok("save_charlie_check", draft(factors(8))).await;
    let check_id = id(&check, "/assessment/check_id");
    rec.ok(
        "charlie_checks_for_household",
        json!({ "householdId": household }),
    )
    .await;
    rec.mark("referral");
    let referral = |consent: Value| {
        json!({ "draft": {
            "person_id": person, "household_id": household, "agency_id": "fire_safe_and_well",
            "reasons": ["High CHARLIE score"], "urgency": "soon", "charlie_check_id": check_id,
            "consent": consent, "lawful_basis": null,
        } })
    };
    rec.refused(
        "draft_referral",
        json!({ "draft": {
            "person_id": person, "household_id": household, "agency_id": "fire_safe_and_well",
            "reasons": [], "urgency": "soon", "charlie_check_id": null,
            "consent": null, "lawful_basis": null,
        } }),
    )
    .await;
    let page = rec.ok("draft_referral", referral(Value::Null)).await;
    let referral_id = id(&page, "/referral/id");
    rec.ok("get_referral", json!({ "id": referral_id })).await;
    rec.refused(
        "referral_step",
        json!({ "id": referral_id, "step": { "step": "send" } }),
    )
    .await;
    let officer = id(&rec.ok("list_users", json!({})).await, "/0/id");
    rec.ok(
        "record_referral_authority",
        json!({ "id": referral_id, "consent": {
            "given_by": "person", "given_by_name": "Edith Sampleton", "method": "verbal",
            "signature_ref": null, "purposes": ["share_with_fire", "visit"],
            "capacity_concerns": null, "recorded_by": officer, "at": "2026-03-05T09:30:00Z",
        }, "lawfulBasis": null }),
    )
    .await;
    rec.ok(
        "referral_step",
        json!({ "id": referral_id, "step": { "step": "send" } }),
    )
    .await;
    rec.ok(
        "referral_step",
        json!({ "id": referral_id, "step": { "step": "acknowledge", "agency_reference": "FSW-2026-0042" } }),
    )
    .await;
    rec.ok(
        "referral_step",
        json!({ "id": referral_id, "step": { "step": "book_visit", "visit_at": "2026-03-12T10:00:00Z" } }),
    )
    .await;
    rec.ok(
        "referral_step",
        json!({ "id": referral_id, "step": { "step": "complete", "outcome": "Alarms fitted and escape plan agreed" } }),
    )
    .await;
    rec.ok(
        "referrals_for_household",
        json!({ "householdId": household }),
    )
    .await;
    rec.ok("overdue_referral_list", json!({})).await;
    rec.finish(
        "fire",
        "Fire safety for one resident: a refused and a saved CHARLIE check, a referral refused \
         without reasons, drafted, refused to send without consent, consent recorded, and each \
         step to complete.",
        Vec::new(),
    )
}

async fn day_of_action() -> Recording {
    let mut rec = Recorder::new();
    set_up(&mut rec).await;
    boot(&mut rec).await;
    rec.quietly("load_demo_data", json!({})).await;
    rec.ok("days_of_action", json!({})).await;
    let draft = |name: &str| json!({ "draft": { "name": name, "date": "2026-03-07", "area": "Eastwick Vale", "crew": [OFFICER] } });
    rec.refused("create_day_of_action", draft("")).await;
    let day = rec
        .ok("create_day_of_action", draft("Spring doors, Eastwick Vale"))
        .await;
    let day_id = id(&day, "/id");
    rec.mark("created");
    rec.ok("get_day_of_action", json!({ "id": day_id })).await;
    rec.refused(
        "add_day_doors",
        json!({ "dayId": day_id, "streetOrPostcode": "Z" }),
    )
    .await;
    rec.ok(
        "add_day_doors",
        json!({ "dayId": day_id, "streetOrPostcode": "ZY1" }),
    )
    .await;
    let page = rec.ok("get_day_of_action", json!({ "id": day_id })).await;
    rec.mark("doors");
    let doors: Vec<String> = page
        .pointer("/doors")
        .and_then(Value::as_array)
        .map(|d| d.iter().take(2).map(|door| id(door, "/id")).collect())
        .unwrap_or_default();
    let knock = |outcomes: Value| json!({ "outcomes": outcomes, "alarms_fitted": 1, "referrals_made": 0, "higher_risk_people": 0 });
    if let Some(door) = doors.first() {
        rec.refused(
            "record_knock",
            json!({ "dayId": day_id, "doorId": door, "knock": knock(json!([])) }),
        )
        .await;
        rec.ok(
            "record_knock",
            json!({ "dayId": day_id, "doorId": door, "knock": knock(json!(["alarm_fitted", "advice_given"])) }),
        )
        .await;
    }
    if let Some(door) = doors.get(1) {
        rec.ok(
            "record_knock",
            json!({ "dayId": day_id, "doorId": door, "knock": { "outcomes": ["no_answer"], "alarms_fitted": 0, "referrals_made": 0, "higher_risk_people": 0 } }),
        )
        .await;
    }
    rec.ok("get_day_of_action", json!({ "id": day_id })).await;
    rec.ok("days_of_action", json!({})).await;
    rec.finish(
        "days",
        "A day of action on the demo area: refused and created, doors refused and added by \
         postcode, a refused knock, and two knocks recorded.",
        Vec::new(),
    )
}

async fn settings() -> Recording {
    let mut rec = Recorder::new();
    // A supervisor's laptop: only a supervisor adds people.
    rec.quietly(
        "set_up",
        json!({ "officerName": SUPERVISOR, "role": "supervisor", "passphrase": SUPERVISOR_PASSPHRASE }),
    )
    .await;
    boot(&mut rec).await;
    rec.ok("list_users", json!({})).await;
    rec.refused(
        "add_user",
        json!({ "name": "Sam Rivers", "role": "officer", "passphrase": "short" }),
    )
    .await;
    rec.ok(
        "add_user",
        json!({ "name": "Sam Rivers", "role": "warden", "passphrase": "meadow copper lantern gravel" }),
    )
    .await;
    rec.ok("list_users", json!({})).await;
    rec.refused("set_idle_lock_minutes", json!({ "minutes": 0 }))
        .await;
    rec.ok("set_idle_lock_minutes", json!({ "minutes": 10 }))
        .await;
    rec.refused(
        "change_passphrase",
        json!({ "current": "not my passphrase at all", "replacement": "orbit walnut saffron ledge" }),
    )
    .await;
    rec.ok(
        "change_passphrase",
        json!({ "current": SUPERVISOR_PASSPHRASE, "replacement": "orbit walnut saffron ledge" }),
    )
    .await;
    rec.ok(
        "backup",
        json!({ "path": format!("{}", rec.document("doorstep-backup.dsbackup")) }),
    )
    .await;
    rec.ok("sync_status", json!({})).await;
    rec.ok("conflicts", json!({})).await;
    rec.ok("set_aside_changes", json!({})).await;
    rec.finish(
        "settings",
        "Settings and people on a supervisor's laptop: a person refused and added, the idle time refused and changed, \
         a wrong current passphrase, a new passphrase, a backup, and sync not enrolled.",
        Vec::new(),
    )
}

#[tokio::test]
async fn ui_fixtures_are_what_the_commands_answer() {
    let started = std::time::Instant::now();
    // One after another: the pinned clock is the process's.
    let recordings = vec![
        first_run().await,
        household_scenario().await,
        survey_scenario().await,
        plan_scenario().await,
        charlie_and_referral().await,
        day_of_action().await,
        settings().await,
        sync::sync_scenario().await,
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
