//! Today's screen (ui/src/test/today.test.ts) and the cocoon screen
//! (ui/src/test/cocoon.test.ts): the visits of a day, the counts of work waiting, and a
//! cocoon round a burgled home as the days pass.

use serde_json::{Value, json};

use super::recorder::{Recorder, Recording};
use super::{
    OFFICER_PASSPHRASE, SIGNATURE_PNG, SUPERVISOR_PASSPHRASE, answer, boot, household_draft, id,
    person_draft, set_up, survey_answers,
};

/// A household with one resident, made out of the screens' sight.
async fn household(rec: &mut Recorder, line_1: &str, postcode: &str) -> String {
    let h = rec
        .quietly(
            "create_household",
            json!({ "draft": household_draft(line_1, postcode) }),
        )
        .await;
    let household = id(&h, "/id");
    rec.quietly(
        "add_person",
        json!({ "draft": person_draft(&household, "Edith Sampleton", "1941-02-03") }),
    )
    .await;
    household
}

/// The reads Today makes: the day's visits and the counts of work waiting.
async fn today_screen(rec: &mut Recorder, date: &str) {
    rec.ok("visits_for_day", json!({ "date": date })).await;
    rec.ok("plans_with_status", json!({ "status": "agreed" }))
        .await;
    rec.ok("plans_with_status", json!({ "status": "fitted" }))
        .await;
    rec.ok("cocoons", json!({ "householdId": null })).await;
    rec.ok("overdue_referral_list", json!({})).await;
    rec.ok("queued_referral_list", json!({})).await;
}

/// A plan drafted from a burglary victim's survey at `line_1` (in ZY4, where the council's
/// firms fit every measure) and agreed with the resident; returns the plan's id.
pub(super) async fn agreed_plan(rec: &mut Recorder, line_1: &str) -> String {
    let household = household(rec, line_1, "ZY4 7HT").await;
    let page = rec
        .quietly(
            "start_survey",
            json!({ "householdId": household, "visitId": null }),
        )
        .await;
    let survey = id(&page, "/state/survey/id");
    answer(rec, &survey, survey_answers(), false).await;
    let plan = id(
        &rec.quietly("draft_plan", json!({ "surveyId": survey }))
            .await,
        "/plan/id",
    );
    rec.quietly(
        "agree_plan",
        json!({ "id": plan, "residentName": "Edith Sampleton", "signaturePngBase64": SIGNATURE_PNG, "disclaimerVersion": "2026-01" }),
    )
    .await;
    plan
}

/// Approves and fits an agreed plan, as the supervisor, today.
pub(super) async fn fit(rec: &mut Recorder, plan: &str) {
    rec.quietly("lock", json!({})).await;
    rec.quietly("unlock", json!({ "passphrase": SUPERVISOR_PASSPHRASE }))
        .await;
    rec.quietly(
        "edit_plan",
        json!({ "id": plan, "edit": {
            "edit": "approve", "over_cap_reason": null, "firm_choices": { "by_measure": {} },
            "contact": null, "access_notes": [],
        } }),
    )
    .await;
    rec.quietly(
        "plan_step",
        json!({ "id": plan, "step": { "step": "fit" } }),
    )
    .await;
    rec.quietly("lock", json!({})).await;
    rec.quietly("unlock", json!({ "passphrase": OFFICER_PASSPHRASE }))
        .await;
}

/// A household at a demo address, so the gazetteer knows its neighbours.
async fn demo_household(rec: &mut Recorder, uprn: &str) -> String {
    let h = rec
        .quietly("create_household_from_gazetteer", json!({ "uprn": uprn }))
        .await;
    id(&h, "/id")
}

async fn visit(rec: &mut Recorder, household: &str, kind: &str, date: &str, outcome: Value) {
    rec.quietly(
        "create_visit",
        json!({ "draft": {
            "household_id": household, "kind": kind, "visit_date": date,
            "outcome": outcome, "notes": "",
        } }),
    )
    .await;
}

pub async fn today() -> Recording {
    let mut rec = Recorder::new();
    set_up(&mut rec).await;
    let mut branches = Vec::new();

    // A laptop with nothing to do.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    boot(&mut b).await;
    today_screen(&mut b, "2026-03-05").await;
    branches.push(b.into_branch("empty"));

    // Four months on: three plans waiting for approval, three fitted (one follow-up due
    // weeks ago, one due today, one not yet), a cocoon overdue and one in progress, and
    // today's visits.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    b.quietly("load_demo_data", json!({})).await;
    for line_1 in ["2 Quillon Row", "4 Quillon Row", "6 Quillon Row"] {
        agreed_plan(&mut b, line_1).await;
    }
    let plan = agreed_plan(&mut b, "8 Quillon Row").await;
    fit(&mut b, &plan).await; // 5 March: due 5 June
    b.days_pass(31);
    let plan = agreed_plan(&mut b, "10 Quillon Row").await;
    fit(&mut b, &plan).await; // 5 April: due 5 July, today
    b.days_pass(57);
    let plan = agreed_plan(&mut b, "12 Quillon Row").await;
    fit(&mut b, &plan).await; // 1 June: due 1 September
    b.days_pass(23);
    let burgled = demo_household(&mut b, "990000000011").await;
    b.quietly("open_cocoon", json!({ "householdId": burgled }))
        .await; // 24 June: visit by 1 July, overdue
    b.days_pass(10);
    let burgled = demo_household(&mut b, "990000000911").await;
    b.quietly("open_cocoon", json!({ "householdId": burgled }))
        .await; // 4 July: in progress
    b.days_pass(1);
    let beech = household(&mut b, "4 Beech Close", "ZY18 9ZB").await;
    let dale = household(&mut b, "9 Dale Road", "ZY18 9ZD").await;
    let ivy = household(&mut b, "1 Ivy Row", "ZY18 9ZL").await;
    visit(&mut b, &beech, "burglary_victim", "2026-07-05", Value::Null).await;
    visit(
        &mut b,
        &dale,
        "cocoon_neighbour",
        "2026-07-05",
        json!("no_answer"),
    )
    .await;
    visit(&mut b, &ivy, "follow_up", "2026-07-05", json!("completed")).await;
    visit(&mut b, &ivy, "follow_up", "2026-07-04", Value::Null).await;
    boot(&mut b).await;
    today_screen(&mut b, "2026-07-05").await;
    branches.push(b.into_branch("busy"));

    rec.finish(
        "today",
        "Today on a new laptop (branch empty), and four months on (branch busy): plans \
         waiting for approval, follow-ups due and not yet due, an overdue and an open cocoon, \
         and the day's visits, planned and done.",
        branches,
    )
}

pub async fn cocoon() -> Recording {
    let mut rec = Recorder::new();
    set_up(&mut rec).await;
    rec.quietly("load_demo_data", json!({})).await;
    // 12 Lantern Walk, in the middle of a street of the demo gazetteer.
    let burgled = demo_household(&mut rec, "990000000011").await;
    let page = rec
        .quietly("open_cocoon", json!({ "householdId": burgled }))
        .await;
    let cocoon = id(&page, "/id");
    let doors: Vec<String> = page
        .pointer("/doors")
        .and_then(Value::as_array)
        .expect("a cocoon lists its doors")
        .iter()
        .map(|d| id(d, "/id"))
        .collect();
    rec.days_pass(2);
    boot(&mut rec).await;
    rec.mark("opened");
    rec.ok("get_cocoon", json!({ "id": cocoon })).await;
    rec.refused("get_cocoon", json!({ "id": "cocoon-9999" }))
        .await;
    for (door, outcome) in doors.iter().zip(["visited", "no_answer"]) {
        rec.ok(
            "record_cocoon_outcome",
            json!({ "doorId": door, "outcome": outcome }),
        )
        .await;
    }

    // Past the day it closes.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    b.days_pass(40);
    boot(&mut b).await;
    b.ok("get_cocoon", json!({ "id": cocoon })).await;
    let branches = vec![b.into_branch("closed")];

    rec.finish(
        "cocoon",
        "A cocoon round a burgled demo address, two days after it opened: the doors in \
         priority order, a visit and a no answer recorded; branch closed, 40 days on.",
        branches,
    )
}
