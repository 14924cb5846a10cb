//! Scenarios for the screens around the home: first run, unlock, finding and adding
//! households, residents and visits, the people who use the laptop, and settings.

use serde_json::{Value, json};

use super::recorder::{Recorder, Recording};
use super::{
    OFFICER, OFFICER_PASSPHRASE, SIGNATURE_PNG, SUPERVISOR, SUPERVISOR_PASSPHRASE, answer, boot,
    household_draft, id, set_up, survey_answers,
};

const TODAY: &str = "2026-03-05";
/// A warden's passphrase, for the person a supervisor adds.
const WARDEN: &str = "Sam Rivers";
const WARDEN_PASSPHRASE: &str = "meadow copper lantern gravel";
/// The supervisor's passphrase after they change it in Settings.
const NEW_PASSPHRASE: &str = "orbit walnut saffron ledge";

/// What the household page reads: the household, then each of its lists.
async fn household_page(rec: &mut Recorder, household: &str) {
    rec.ok("get_household", json!({ "id": household })).await;
    for command in [
        "surveys_for_household",
        "plans_for_household",
        "charlie_checks_for_household",
        "referrals_for_household",
    ] {
        rec.ok(command, json!({ "householdId": household })).await;
    }
    rec.ok("cocoons", json!({ "householdId": household })).await;
}

/// What a supervisor's Today and the approvals screen read: the work waiting for them.
async fn waiting_work(rec: &mut Recorder) {
    rec.ok("plans_with_status", json!({ "status": "agreed" }))
        .await;
    rec.ok("plans_with_status", json!({ "status": "fitted" }))
        .await;
    rec.ok("cocoons", json!({ "householdId": null })).await;
    rec.ok("overdue_referral_list", json!({})).await;
    rec.ok("queued_referral_list", json!({})).await;
}

/// A person draft as the resident form sends it (blank fields are empty strings), to be
/// contacted by phone.
fn resident(household: &str, name: &str, phone: &str, email: &str, age_band: Value) -> Value {
    json!({
        "household_id": household,
        "full_name": name,
        "phone": phone,
        "email": email,
        "date_of_birth": "",
        "age_band": age_band,
        "preferred_language": "",
        "contact_preferences": { "phone": true, "text": false, "email": false, "letter": false },
    })
}

/// The draft the resident form sends to change `person` (as Rust returned it), renamed.
fn renamed(person: &Value, name: &str) -> Value {
    let text = |key: &str| {
        person
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    json!({
        "household_id": text("household_id"),
        "full_name": name,
        "phone": text("phone"),
        "email": text("email"),
        "date_of_birth": text("date_of_birth"),
        "age_band": person.get("age_band").cloned().unwrap_or(Value::Null),
        "preferred_language": text("preferred_language"),
        "contact_preferences": person.get("contact_preferences").cloned().unwrap_or(Value::Null),
    })
}

/// The draft the address form sends for `household` (as Rust returned it), with a new first line.
fn readdressed(household: &Value, line_1: &str) -> Value {
    let text = |key: &str| {
        household
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    json!({
        "uprn": text("uprn"),
        "address_line_1": line_1,
        "address_line_2": text("address_line_2"),
        "address_line_3": text("address_line_3"),
        "town": text("town"),
        "postcode": text("postcode"),
        "coordinates": household.get("coordinates").cloned().unwrap_or(Value::Null),
    })
}

fn visit(household: &str, kind: &str, date: &str, outcome: Value, notes: &str) -> Value {
    json!({ "draft": {
        "household_id": household, "kind": kind, "visit_date": date, "outcome": outcome, "notes": notes,
    } })
}

/// The first hit of `kind` ("household" or "gazetteer") in a search's answer.
fn first_hit<'a>(hits: &'a Value, kind: &str) -> &'a Value {
    hits.as_array()
        .and_then(|h| {
            h.iter()
                .find(|hit| hit.get("kind").and_then(Value::as_str) == Some(kind))
        })
        .unwrap_or_else(|| panic!("no {kind} hit in {hits}"))
}

/// First run on an empty laptop: passphrase advice, refused and accepted set-up, the demo
/// area, a search, locking by hand, a command that finds the store locked, and unlocking.
pub async fn first_run() -> Recording {
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
    rec.ok("visits_for_day", json!({ "date": TODAY })).await;
    rec.ok("load_demo_data", json!({})).await;
    rec.mark("demo loaded");
    rec.ok("visits_for_day", json!({ "date": TODAY })).await;
    waiting_work(&mut rec).await;
    rec.ok("list_users", json!({})).await;
    rec.ok("search", json!({ "query": "Lantern Walk" })).await;
    rec.ok("lock", json!({})).await;
    rec.mark("locked");
    rec.ok("app_status", json!({})).await;
    // A search that reaches the store after it locked itself, before the window knew.
    rec.refused("search", json!({ "query": "Bramble" })).await;
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
        "First run: passphrase advice, a refused and an accepted set-up, the demo area, a \
         search, lock, a search refused while locked, a wrong passphrase and unlock.",
        Vec::new(),
    )
}

/// Households, residents and visits. The trunk adds a household through the form (refused
/// once); branches work on an empty household at 12 Acacia Avenue, and on demo addresses.
pub async fn household() -> Recording {
    let mut rec = Recorder::new();
    set_up(&mut rec).await;
    // The demo area gives addresses with a location and neighbours, for cocoons.
    rec.quietly("load_demo_data", json!({})).await;
    boot(&mut rec).await;
    let quarry = |town: &str, postcode: &str| {
        json!({ "draft": {
            "uprn": "", "address_line_1": "7 Quarry Lane", "address_line_2": "Flat 2",
            "address_line_3": "", "town": town, "postcode": postcode, "coordinates": null,
        } })
    };
    rec.refused("create_household", quarry("", "not a postcode"))
        .await;
    let h = rec
        .ok("create_household", quarry("Eastwick Vale", "zy18 9zz"))
        .await;
    household_page(&mut rec, &id(&h, "/id")).await;

    let h = rec
        .quietly(
            "create_household",
            json!({ "draft": household_draft("12 Acacia Avenue", "ZY18 9ZA") }),
        )
        .await;
    let acacia = id(&h, "/id");
    rec.mark("acacia");
    household_page(&mut rec, &acacia).await;
    let mut branches = Vec::new();

    // A colleague's visit arrives by sync while the page is open.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    b.ok(
        "create_visit",
        visit(
            &acacia,
            "cocoon_neighbour",
            TODAY,
            json!("completed"),
            "Fitted door chain",
        ),
    )
    .await;
    b.mark("synced");
    household_page(&mut b, &acacia).await;
    branches.push(b.into_branch("sync"));

    // A resident refused (a name missing, a bad email, phone contact without a number), then added.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    b.refused(
        "add_person",
        json!({ "draft": resident(&acacia, "", "", "not-an-email", Value::Null) }),
    )
    .await;
    b.ok(
        "add_person",
        json!({ "draft": resident(&acacia, "Edith Marsh", "01623 463463", "", json!("75_to_84")) }),
    )
    .await;
    branches.push(b.into_branch("resident"));

    // A resident added, then renamed.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    let mut owen = resident(&acacia, "Owen Lomas", "", "", Value::Null);
    owen["contact_preferences"]["phone"] = json!(false);
    let person = b.ok("add_person", json!({ "draft": owen })).await;
    b.ok(
        "update_person",
        json!({ "id": id(&person, "/id"), "draft": renamed(&person, "Owen J Lomas") }),
    )
    .await;
    branches.push(b.into_branch("edit-resident"));

    // Visits: one recorded; one refused for an outcome on a future day.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    b.ok(
        "create_visit",
        visit(
            &acacia,
            "cocoon_neighbour",
            TODAY,
            json!("no_answer"),
            "Card left through the door.",
        ),
    )
    .await;
    branches.push(b.into_branch("visit"));
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    b.refused(
        "create_visit",
        visit(
            &acacia,
            "burglary_victim",
            "2026-12-24",
            json!("completed"),
            "Fit window locks",
        ),
    )
    .await;
    branches.push(b.into_branch("future-visit"));

    // No household has this id.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    b.refused(
        "get_household",
        json!({ "id": "019a0000-0000-7000-8000-0000000000ff" }),
    )
    .await;
    branches.push(b.into_branch("not-found"));

    // A household with grid coordinates has its address changed.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    let mut draft = household_draft("3 Larch Grove", "ZY18 9ZB");
    draft["coordinates"] = json!({ "kind": "grid", "easting": 453000.0, "northing": 360500.0 });
    let larch = b
        .quietly("create_household", json!({ "draft": draft }))
        .await;
    let larch_id = id(&larch, "/id");
    household_page(&mut b, &larch_id).await;
    b.ok(
        "update_household",
        json!({ "id": larch_id, "draft": readdressed(&larch, "3A Larch Grove") }),
    )
    .await;
    household_page(&mut b, &larch_id).await;
    branches.push(b.into_branch("change-address"));

    // A survey on the visit made so far, not the one planned for next week.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    let made = b
        .quietly(
            "create_visit",
            visit(&acacia, "follow_up", TODAY, json!("completed"), ""),
        )
        .await;
    b.quietly(
        "create_visit",
        visit(&acacia, "follow_up", "2026-03-12", Value::Null, ""),
    )
    .await;
    household_page(&mut b, &acacia).await;
    let page = b
        .ok(
            "start_survey",
            json!({ "householdId": acacia, "visitId": id(&made, "/id") }),
        )
        .await;
    b.ok("get_survey", json!({ "id": id(&page, "/state/survey/id") }))
        .await;
    household_page(&mut b, &acacia).await;
    branches.push(b.into_branch("survey"));

    // A cocoon cannot be opened around a home with no location.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    b.refused("open_cocoon", json!({ "householdId": acacia }))
        .await;
    branches.push(b.into_branch("no-location"));

    // A demo address made a household: a burglary visit opens a cocoon around it.
    let hits = rec.quietly("search", json!({ "query": "Lantern" })).await;
    let uprn = |hits: &Value| {
        first_hit(hits, "gazetteer")
            .get("uprn")
            .and_then(Value::as_str)
            .expect("a gazetteer hit has a UPRN")
            .to_owned()
    };
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    let home = b
        .quietly(
            "create_household_from_gazetteer",
            json!({ "uprn": uprn(&hits) }),
        )
        .await;
    let home = id(&home, "/id");
    household_page(&mut b, &home).await;
    b.ok(
        "create_visit",
        visit(&home, "burglary_victim", TODAY, json!("completed"), ""),
    )
    .await;
    b.ok("cocoons", json!({ "householdId": home })).await;
    branches.push(b.into_branch("cocoon"));

    // A demo household with a fitted plan, and a cocoon whose visits are overdue.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    let home = b
        .quietly(
            "create_household_from_gazetteer",
            json!({ "uprn": uprn(&hits) }),
        )
        .await;
    let home = id(&home, "/id");
    b.quietly(
        "create_visit",
        visit(&home, "burglary_victim", TODAY, json!("completed"), ""),
    )
    .await;
    let page = b
        .quietly(
            "start_survey",
            json!({ "householdId": home, "visitId": null }),
        )
        .await;
    let survey = id(&page, "/state/survey/id");
    answer(&mut b, &survey, survey_answers(), false).await;
    let plan = id(
        &b.quietly("draft_plan", json!({ "surveyId": survey })).await,
        "/plan/id",
    );
    // Agreed, approved by the supervisor and fitted, so it has a follow-up due.
    b.quietly(
        "agree_plan",
        json!({ "id": plan, "residentName": "Ada Sampleton", "signaturePngBase64": SIGNATURE_PNG, "disclaimerVersion": "2026-01" }),
    )
    .await;
    b.quietly("lock", json!({})).await;
    b.quietly("unlock", json!({ "passphrase": SUPERVISOR_PASSPHRASE }))
        .await;
    b.quietly(
        "edit_plan",
        json!({ "id": plan, "edit": {
            "edit": "approve", "over_cap_reason": null, "firm_choices": { "by_measure": {} },
            "contact": null, "access_notes": [],
        } }),
    )
    .await;
    b.quietly(
        "plan_step",
        json!({ "id": plan, "step": { "step": "fit" } }),
    )
    .await;
    b.days_pass(10);
    household_page(&mut b, &home).await;
    branches.push(b.into_branch("plans"));

    rec.finish(
        "household",
        "Households: one added through the form after a refusal; then, at 12 Acacia Avenue, \
         branches for a visit by sync, residents, visits, a missing household, an address \
         change, a survey, and cocoons (refused without a location, opened by a burglary \
         visit, listed with a plan).",
        branches,
    )
}

/// Finding households in the demo area, and making one of a gazetteer address.
pub async fn find() -> Recording {
    let mut rec = Recorder::new();
    set_up(&mut rec).await;
    rec.quietly("load_demo_data", json!({})).await;
    boot(&mut rec).await;
    rec.ok("visits_for_day", json!({ "date": TODAY })).await;
    let hits = rec.ok("search", json!({ "query": "Lantern" })).await;
    rec.ok("search", json!({ "query": "zzzz" })).await;
    rec.ok("search", json!({ "query": "1 Lantern" })).await;
    let household = id(first_hit(&hits, "household"), "/household_id");
    household_page(&mut rec, &household).await;
    // What the other screens read, for the checks over every screen.
    waiting_work(&mut rec).await;
    // Not an officer's to see: recorded whatever the answer, for the screens that ask.
    let _ = rec.call("set_aside_changes", json!({})).await;
    let place = first_hit(&hits, "gazetteer");
    let uprn = place
        .get("uprn")
        .and_then(Value::as_str)
        .expect("a gazetteer hit has a UPRN")
        .to_owned();
    // Search does not look at UPRNs: the officer types the address.
    let street = place
        .get("address")
        .and_then(Value::as_str)
        .and_then(|a| a.split(',').next())
        .expect("a gazetteer hit has an address")
        .to_owned();
    rec.ok("search", json!({ "query": street })).await;
    rec.mark("gazetteer");
    let made = rec
        .ok("create_household_from_gazetteer", json!({ "uprn": uprn }))
        .await;
    household_page(&mut rec, &id(&made, "/id")).await;
    rec.finish(
        "find",
        "Search in the demo area: a street, nothing, a number and street, a household's page, \
         and a gazetteer address made a household.",
        Vec::new(),
    )
}

/// The people who use an officer's laptop: a refused and an added supervisor.
pub async fn people() -> Recording {
    let mut rec = Recorder::new();
    rec.quietly(
        "set_up",
        json!({ "officerName": OFFICER, "role": "officer", "passphrase": OFFICER_PASSPHRASE }),
    )
    .await;
    boot(&mut rec).await;
    // The name already on the laptop, and the passphrase the officer uses.
    rec.ok(
        "assess_passphrase",
        json!({ "passphrase": OFFICER_PASSPHRASE }),
    )
    .await;
    rec.refused(
        "add_user",
        json!({ "name": "alex doorley", "role": "officer", "passphrase": OFFICER_PASSPHRASE }),
    )
    .await;
    rec.ok(
        "assess_passphrase",
        json!({ "passphrase": SUPERVISOR_PASSPHRASE }),
    )
    .await;
    rec.ok(
        "add_user",
        json!({ "name": SUPERVISOR, "role": "supervisor", "passphrase": SUPERVISOR_PASSPHRASE }),
    )
    .await;
    rec.mark("supervisor added");
    rec.ok("list_users", json!({})).await;
    rec.ok("app_status", json!({})).await;
    rec.finish(
        "people",
        "People on an officer's laptop: a person refused (a name and a passphrase already in \
         use), and a supervisor added, who from then on is the one who adds people.",
        Vec::new(),
    )
}

/// A supervisor's laptop from first run: a warden added, the idle time, the passphrase,
/// a backup and sync not enrolled; branches for the warden, data files and the gazetteer.
pub async fn settings() -> Recording {
    let mut rec = Recorder::new();
    rec.mark("first run");
    rec.ok("app_status", json!({})).await;
    rec.ok(
        "assess_passphrase",
        json!({ "passphrase": SUPERVISOR_PASSPHRASE }),
    )
    .await;
    rec.ok(
        "set_up",
        json!({ "officerName": SUPERVISOR, "role": "supervisor", "passphrase": SUPERVISOR_PASSPHRASE }),
    )
    .await;
    rec.ok("touch", json!({})).await;
    rec.ok("visits_for_day", json!({ "date": TODAY })).await;
    waiting_work(&mut rec).await;
    rec.mark("settings");
    boot(&mut rec).await;
    rec.ok(
        "assess_passphrase",
        json!({ "passphrase": WARDEN_PASSPHRASE }),
    )
    .await;
    rec.ok(
        "add_user",
        json!({ "name": WARDEN, "role": "warden", "passphrase": WARDEN_PASSPHRASE }),
    )
    .await;
    rec.ok("list_users", json!({})).await;
    rec.ok("app_status", json!({})).await;
    rec.refused("set_idle_lock_minutes", json!({ "minutes": 0 }))
        .await;
    rec.ok("set_idle_lock_minutes", json!({ "minutes": 15 }))
        .await;
    rec.ok("assess_passphrase", json!({ "passphrase": NEW_PASSPHRASE }))
        .await;
    rec.refused(
        "change_passphrase",
        json!({ "current": "not my passphrase at all", "replacement": NEW_PASSPHRASE }),
    )
    .await;
    rec.ok(
        "change_passphrase",
        json!({ "current": SUPERVISOR_PASSPHRASE, "replacement": NEW_PASSPHRASE }),
    )
    .await;
    rec.ok(
        "backup",
        json!({ "path": rec.document("doorstep-backup-2026-03-05.db") }),
    )
    .await;
    rec.ok("sync_status", json!({})).await;
    rec.ok("conflicts", json!({})).await;
    rec.ok("set_aside_changes", json!({})).await;
    let mut branches = Vec::new();

    // The warden signed in: they may not add people.
    let mut b = rec.branch(WARDEN_PASSPHRASE).await;
    boot(&mut b).await;
    branches.push(b.into_branch("warden"));

    // A council's policy file that does not parse, then mended and read again.
    let mut b = rec
        .branch_with(NEW_PASSPHRASE, |data| {
            let reference = data.join("reference");
            std::fs::create_dir_all(&reference).expect("reference folder");
            std::fs::write(reference.join("policy.toml"), "caps = [1,\n").expect("policy file");
        })
        .await;
    boot(&mut b).await;
    std::fs::remove_file(b.data_dir().join("reference").join("policy.toml"))
        .expect("mend the policy file");
    b.ok("reload_reference_data", json!({})).await;
    branches.push(b.into_branch("data-files"));

    // A gazetteer with rows that have no postcode, and a file with the wrong columns.
    let mut b = rec.branch(NEW_PASSPHRASE).await;
    let mut csv = String::from(
        "uprn,address_line_1,address_line_2,address_line_3,town,postcode,easting,northing\n",
    );
    for row in 0..1250 {
        let postcode = if row < 1005 { "" } else { "ZY18 9ZA" };
        csv.push_str(&format!(
            "{},{} Gazetteer Row,,,Eastwick Vale,{postcode},453000,360500\n",
            991_000_000_000_u64 + row,
            row + 1
        ));
    }
    let good = b.document("gazetteer.csv");
    std::fs::write(&good, csv).expect("gazetteer file");
    let bad = b.document("bad-header.csv");
    std::fs::write(&bad, "address,postcode\n1 Lantern Walk,ZY1 0AA\n").expect("bad file");
    b.ok("import_gazetteer", json!({ "path": good })).await;
    b.refused("import_gazetteer", json!({ "path": bad })).await;
    branches.push(b.into_branch("gazetteer"));

    rec.finish(
        "settings",
        "A supervisor's laptop from first run: a warden added, the idle time refused and \
         changed, a wrong current passphrase, a new passphrase, a backup, and sync not \
         enrolled. Branches: the warden signed in, a policy file refused then mended, and a \
         gazetteer import (rows refused, and a file with the wrong columns).",
        branches,
    )
}
