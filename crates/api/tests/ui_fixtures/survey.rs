//! The survey scenario: a home security survey on the real template, answered as the
//! survey screen's tests answer it. Each branch goes on from the survey just started, so a
//! test sees only its own answers; every question shown, saved answer and refusal is Rust's.

use base64::Engine as _;
use serde_json::{Value, json};

use super::recorder::{Branch, Recorder, Recording};
use super::{
    OFFICER_PASSPHRASE, SIGNATURE_PNG, answer, boot, choice, household, id, set_up, survey_answers,
    yes_no,
};

/// The start of a PDF: a file the officer might pick by mistake for a photo.
const NOT_A_PHOTO: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n";

fn save(survey: &str, item: &str, value: Value) -> Value {
    json!({ "surveyId": survey, "item": item, "value": value })
}

/// The doors group's answer: one map of answers per door.
fn doors(instances: Vec<Value>) -> Value {
    json!({ "type": "group", "value": instances })
}

/// A branch from the survey as started, reading it first as the screen does on opening.
async fn from_started(rec: &mut Recorder, survey: &str) -> Recorder {
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    b.ok("get_survey", json!({ "id": survey })).await;
    b
}

/// Doors added, a question shown by another answer, a door removed.
async fn doors_branch(rec: &mut Recorder, survey: &str) -> Branch {
    let mut b = from_started(rec, survey).await;
    let upvc = json!({ "door_material": choice("upvc") });
    let timber = json!({ "door_material": choice("solid_timber") });
    // A door added is saved at once, with nothing answered yet.
    for instances in [
        vec![json!({})],
        vec![upvc.clone()],
        vec![upvc.clone(), json!({})],
        vec![upvc, timber.clone()],
    ] {
        b.ok("save_answer", save(survey, "doors", doors(instances)))
            .await;
    }
    b.ok("save_answer", save(survey, "doors", doors(vec![timber])))
        .await;
    b.into_branch("doors")
}

/// Answered from the keyboard: section A, then a door question by question, copied.
async fn keyboard_branch(rec: &mut Recorder, survey: &str) -> Branch {
    let mut b = from_started(rec, survey).await;
    b.ok(
        "save_answer",
        save(survey, "survey_reason", choice("cocoon_neighbour")),
    )
    .await;
    b.ok("save_answer", save(survey, "repeat_victim", yes_no("no")))
        .await;
    b.ok("save_answer", save(survey, "doors", doors(vec![json!({})])))
        .await;
    let mut door = serde_json::Map::new();
    for (item, value) in [
        ("door_position", "back"),
        ("door_material", "solid_timber"),
        ("door_condition", "sound"),
        ("door_lock_timber", "bs3621_both"),
        ("door_glazing", "none"),
    ] {
        door.insert(item.to_owned(), choice(value));
        b.ok(
            "save_answer",
            save(survey, "doors", doors(vec![Value::Object(door.clone())])),
        )
        .await;
    }
    let door = Value::Object(door);
    b.ok(
        "save_answer",
        save(survey, "doors", doors(vec![door.clone(), door])),
    )
    .await;
    b.into_branch("keyboard")
}

/// How safe the resident feels: a number out of range refused, then one in range.
async fn resident_branch(rec: &mut Recorder, survey: &str) -> Branch {
    let mut b = from_started(rec, survey).await;
    let number = |n: u32| save(survey, "feel_safe", json!({ "type": "number", "value": n }));
    b.refused("save_answer", number(7)).await;
    b.ok("save_answer", number(2)).await;
    b.into_branch("resident")
}

/// A photo of an answer, and a file that is not a photo refused.
async fn photo_branch(rec: &mut Recorder, survey: &str) -> Branch {
    let mut b = from_started(rec, survey).await;
    let photo = b.document("back-door.png");
    let png = base64::engine::general_purpose::STANDARD
        .decode(SIGNATURE_PNG)
        .expect("the PNG decodes");
    std::fs::write(&photo, png).expect("write the photo");
    let letter = b.document("letter.pdf");
    std::fs::write(&letter, NOT_A_PHOTO).expect("write the letter");
    let added = b
        .ok(
            "add_survey_photo",
            json!({ "surveyId": survey, "item": "repeat_victim", "path": photo }),
        )
        .await;
    b.ok(
        "attachment_data_url",
        json!({ "sha256": id(&added, "/sha256") }),
    )
    .await;
    b.refused(
        "add_survey_photo",
        json!({ "surveyId": survey, "item": "section:incident", "path": letter }),
    )
    .await;
    b.into_branch("photo")
}

/// Doorstep locked itself as an answer was sent: Rust refuses it until unlocked.
async fn locked_branch(rec: &mut Recorder, survey: &str) -> Branch {
    let mut b = from_started(rec, survey).await;
    let no = save(survey, "repeat_victim", yes_no("no"));
    b.quietly("lock", json!({})).await;
    b.refused("save_answer", no.clone()).await;
    b.ok("app_status", json!({})).await;
    b.ok("unlock", json!({ "passphrase": OFFICER_PASSPHRASE }))
        .await;
    b.ok("app_status", json!({})).await;
    b.ok("save_answer", no).await;
    b.into_branch("locked")
}

/// A survey that does not exist (a link to one deleted, or mistyped).
async fn missing_branch(rec: &mut Recorder) -> Branch {
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    b.refused(
        "get_survey",
        json!({ "id": "019a0000-0000-7000-8000-00000000beef" }),
    )
    .await;
    b.into_branch("missing")
}

pub(super) async fn survey_scenario() -> Recording {
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
    let branches = vec![
        doors_branch(&mut rec, &survey).await,
        keyboard_branch(&mut rec, &survey).await,
        resident_branch(&mut rec, &survey).await,
        photo_branch(&mut rec, &survey).await,
        locked_branch(&mut rec, &survey).await,
        missing_branch(&mut rec).await,
    ];
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
         section note, and the plan drafted from it. Branches from the survey as started: \
         doors (added, shown by an answer, removed), keyboard, resident (how safe), photo \
         (added, and a file refused), locked (an answer refused while locked, then saved) \
         and missing (no such survey).",
        branches,
    )
}
