//! Fire safety: CHARLIE checks and partner referrals, for `ui/src/test/charlie.test.ts` and
//! `referral.test.ts`. Three homes on Dale Road (one resident, two, none) are read by the
//! screens in the trunk; each branch takes one of them on its own path.
//!
//! The drafts below are what the forms send, key for key, because the stub answers a change
//! only when its arguments are the same: factors in template order with their notes, and
//! consent stamped with the UI's placeholder officer and the time the tests pin `Date` to
//! (Rust replaces both with the person signed in and its own clock).

use doorstep_core::clock;
use doorstep_core::fire::{AgencyDirectory, Referral as CoreReferral, ReferralStep};
use doorstep_core::{OfficerId, Role};
use serde_json::{Value, json};

use super::recorder::{Recorder, Recording};
use super::{OFFICER_PASSPHRASE, boot, household_draft, id, person_draft, set_up};

/// What the UI's consent and basis say until Rust stamps them (`components/fire/authority.ts`).
const NOBODY: &str = "00000000-0000-0000-0000-000000000000";
/// The instant the screen tests pin `Date` to: the recordings' anchor, as `toISOString` writes it.
const UI_NOW: &str = "2026-03-05T09:00:00.000Z";

/// The template's factors in its order, as the form lists them.
const FACTORS: [&str; 7] = [
    "care_and_support",
    "hoarding",
    "alcohol_and_drugs",
    "reduced_mobility",
    "lives_alone",
    "inappropriate_smoking",
    "elderly",
];

/// The three homes and their residents' ids.
struct Homes {
    /// 9 Dale Road: Edith Sampleton.
    one: String,
    edith: String,
    /// 11 Dale Road: Edith and Ray Sampleton.
    two: String,
    two_edith: String,
    ray: String,
    /// 13 Dale Road: nobody recorded.
    none: String,
}

async fn homes(rec: &mut Recorder) -> Homes {
    let new_home = |line: &str| json!({ "draft": household_draft(line, "ZY18 9ZD") });
    let one = id(
        &rec.quietly("create_household", new_home("9 Dale Road"))
            .await,
        "/id",
    );
    let resident = |household: &str, name: &str| json!({ "draft": person_draft(household, name, "1941-02-03") });
    let edith = id(
        &rec.quietly("add_person", resident(&one, "Edith Sampleton"))
            .await,
        "/id",
    );
    let two = id(
        &rec.quietly("create_household", new_home("11 Dale Road"))
            .await,
        "/id",
    );
    let two_edith = id(
        &rec.quietly("add_person", resident(&two, "Edith Sampleton"))
            .await,
        "/id",
    );
    let ray = id(
        &rec.quietly("add_person", resident(&two, "Ray Sampleton"))
            .await,
        "/id",
    );
    let none = id(
        &rec.quietly("create_household", new_home("13 Dale Road"))
            .await,
        "/id",
    );
    Homes {
        one,
        edith,
        two,
        two_edith,
        ray,
        none,
    }
}

/// What the CHARLIE and referral screens read for a household on first opening it (the
/// template and the agencies never change, so once is enough).
async fn first_look(rec: &mut Recorder, household: &str) {
    rec.ok("get_household", json!({ "id": household })).await;
    checks(rec, household).await;
}

/// A household's checks as they are now: all that changes on those screens.
async fn checks(rec: &mut Recorder, household: &str) {
    rec.ok(
        "charlie_checks_for_household",
        json!({ "householdId": household }),
    )
    .await;
}

/// What the household page reads.
async fn household_page(rec: &mut Recorder, household: &str) {
    let of = json!({ "householdId": household });
    rec.ok("get_household", json!({ "id": household })).await;
    rec.ok("visits_for_household", of.clone()).await;
    rec.ok("surveys_for_household", of.clone()).await;
    rec.ok("plans_for_household", of.clone()).await;
    rec.ok("cocoons", of.clone()).await;
    rec.ok("charlie_checks_for_household", of.clone()).await;
    rec.ok("referrals_for_household", of).await;
}

/// What Today reads, on the day the app says it is.
async fn today(rec: &mut Recorder) {
    let status = rec.ok("app_status", json!({})).await;
    rec.ok("visits_for_day", json!({ "date": id(&status, "/today") }))
        .await;
    rec.ok("plans_with_status", json!({ "status": "agreed" }))
        .await;
    rec.ok("plans_with_status", json!({ "status": "fitted" }))
        .await;
    rec.ok("cocoons", json!({ "householdId": null })).await;
    rec.ok("overdue_referral_list", json!({})).await;
    rec.ok("queued_referral_list", json!({})).await;
}

/// What a referral's page reads.
async fn referral_page(rec: &mut Recorder, referral: &str) {
    rec.ok("get_referral", json!({ "id": referral })).await;
    rec.ok("list_users", json!({})).await;
}

fn alarm(floor: &str, present: bool, tested: bool, working: bool) -> Value {
    json!({ "floor": floor, "present": present, "working": working, "fitted_today": false, "tested": tested })
}

/// A CHARLIE check as the form sends it. `scores` and `notes` are in template order.
struct Check<'a> {
    id: Option<&'a str>,
    person: &'a str,
    household: &'a str,
    scores: [u8; 7],
    notes: [&'a str; 7],
    clutter_image_rating: Option<u8>,
    alarms: Vec<Value>,
    escape_route: &'a str,
    flags: &'a [&'a str],
}

impl Check<'_> {
    fn args(&self) -> Value {
        let factors: Vec<Value> = FACTORS
            .iter()
            .zip(self.scores)
            .zip(self.notes)
            .map(
                |((factor, score), note)| json!({ "factor": factor, "score": score, "note": note }),
            )
            .collect();
        json!({ "draft": {
            "id": self.id, "person_id": self.person, "household_id": self.household,
            "visit_id": null, "factors": factors,
            "clutter_image_rating": self.clutter_image_rating, "alarms": self.alarms,
            "escape_route": self.escape_route, "flags": self.flags,
        } })
    }
}

/// The tests' very high check: smoking 10, hoarding 8 (from a Clutter Image Rating of 6),
/// lives alone 8, elderly 4, oxygen in the home, and no alarm on the first floor.
fn very_high<'a>(household: &'a str, person: &'a str) -> Check<'a> {
    Check {
        id: None,
        person,
        household,
        scores: [1, 8, 1, 1, 8, 10, 4],
        notes: [""; 7],
        clutter_image_rating: Some(6),
        alarms: vec![
            alarm("Ground floor", true, true, true),
            alarm("First floor", false, false, false),
        ],
        escape_route: "clear",
        flags: &["medical_oxygen"],
    }
}

/// A check with one factor raised and every other at 1, the alarm working and exits clear.
fn one_factor<'a>(household: &'a str, person: &'a str, factor: &str, score: u8) -> Check<'a> {
    let mut scores = [1; 7];
    if let Some(at) = FACTORS.iter().position(|f| *f == factor) {
        scores[at] = score;
    }
    Check {
        id: None,
        person,
        household,
        scores,
        notes: [""; 7],
        clutter_image_rating: None,
        alarms: vec![alarm("Ground floor", true, true, true)],
        escape_route: "clear",
        flags: &[],
    }
}

fn consent(name: &str, purposes: &[&str]) -> Value {
    json!({
        "given_by": "person", "given_by_name": name, "method": "verbal", "signature_ref": null,
        "purposes": purposes, "capacity_concerns": null, "recorded_by": NOBODY, "at": UI_NOW,
    })
}

fn public_task(justification: &str) -> Value {
    json!({ "basis": "public_task", "justification": justification, "recorded_by": NOBODY, "at": UI_NOW })
}

/// A referral as the form sends it.
struct Referral<'a> {
    person: &'a str,
    household: &'a str,
    agency: &'a str,
    reasons: Vec<String>,
    urgency: &'a str,
    check: Option<String>,
    consent: Value,
    basis: Value,
}

impl Referral<'_> {
    fn args(&self) -> Value {
        json!({ "draft": {
            "person_id": self.person, "household_id": self.household, "agency_id": self.agency,
            "reasons": self.reasons, "urgency": self.urgency, "charlie_check_id": self.check,
            "consent": self.consent, "lawful_basis": self.basis,
        } })
    }
}

/// The officer's own referral to the fire service, with the resident's consent to share.
fn to_the_fire_service<'a>(household: &'a str, person: &'a str, urgency: &'a str) -> Referral<'a> {
    Referral {
        person,
        household,
        agency: "fire_safe_and_well",
        reasons: vec![
            "No working smoke alarm upstairs".into(),
            "Smokes in bed".into(),
        ],
        urgency,
        check: None,
        consent: consent("Edith Sampleton", &["share_with_fire"]),
        basis: Value::Null,
    }
}

fn step(referral: &str, step: Value) -> Value {
    json!({ "id": referral, "step": step })
}

/// Drafts and sends a referral unseen, so it waits on the laptop; returns its id.
async fn sent_quietly(rec: &mut Recorder, referral: &Referral<'_>) -> String {
    let page = rec.quietly("draft_referral", referral.args()).await;
    let id = id(&page, "/referral/id");
    rec.quietly("referral_step", step(&id, json!({ "step": "send" })))
        .await;
    id
}

/// Drafts and sends a referral unseen, and the hub delivers it at the next sync, which
/// starts the agency's response clock; returns its id.
async fn delivered_quietly(rec: &mut Recorder, referral: &Referral<'_>) -> String {
    let id = sent_quietly(rec, referral).await;
    let directory = agencies();
    rec.hub(&id, |r| {
        r.deliver(&directory, clock::now())
            .expect("queued with consent");
    });
    id
}

/// The agency's step, taken in its inbox on the hub by someone at the agency.
fn agency_step(step: ReferralStep) -> impl FnOnce(&mut CoreReferral) {
    move |r| {
        r.apply(
            &agencies(),
            step,
            OfficerId::new(),
            Role::Agency,
            clock::now(),
        )
        .expect("the agency's step");
    }
}

/// The agencies the app loads (the demo directory in `assets/`).
fn agencies() -> AgencyDirectory {
    AgencyDirectory::from_toml(include_str!("../../../../assets/agencies.toml"))
        .expect("the demo agencies")
}

pub async fn fire() -> Recording {
    let mut rec = Recorder::new();
    set_up(&mut rec).await;
    let h = homes(&mut rec).await;
    boot(&mut rec).await;
    // Every screen's first look at each home: no checks, no referrals.
    rec.ok("charlie_template", json!({})).await;
    rec.ok("agencies", json!({})).await;
    for household in [&h.one, &h.two, &h.none] {
        first_look(&mut rec, household).await;
    }
    let mut branches = Vec::new();

    // A very high check scored, then corrected: smoking 1, saved again as the same check.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    let first = very_high(&h.one, &h.edith);
    let saved = b.ok("save_charlie_check", first.args()).await;
    let check = id(&saved, "/check/id");
    checks(&mut b, &h.one).await;
    let mut again = very_high(&h.one, &h.edith);
    again.id = Some(&check);
    again.scores[5] = 1;
    b.ok("save_charlie_check", again.args()).await;
    checks(&mut b, &h.one).await;
    branches.push(b.into_branch("charlie"));

    // Refused: hoarding scored 2 against a Clutter Image Rating of 7 without a note, and an
    // alarm tested but not there; then saved with the note and the alarm present.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    let refused = Check {
        id: None,
        person: &h.edith,
        household: &h.one,
        scores: [2, 2, 1, 1, 1, 1, 1],
        notes: ["Carers twice a day", "", "", "", "", "", ""],
        clutter_image_rating: Some(7),
        alarms: vec![alarm("Ground floor", false, true, false)],
        escape_route: "not_checked",
        flags: &[],
    };
    b.refused("save_charlie_check", refused.args()).await;
    let explained = Check {
        notes: [
            "Carers twice a day",
            "Clutter is in the loft only; exits clear",
            "",
            "",
            "",
            "",
            "",
        ],
        alarms: vec![alarm("Ground floor", true, true, false)],
        ..refused
    };
    b.ok("save_charlie_check", explained.args()).await;
    checks(&mut b, &h.one).await;
    branches.push(b.into_branch("charlie-refused"));

    // Two residents: the check is for Ray, and its suggestion becomes his referral.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    let saved = b
        .ok("save_charlie_check", very_high(&h.two, &h.ray).args())
        .await;
    let check = id(&saved, "/check/id");
    checks(&mut b, &h.two).await;
    let suggested = saved
        .pointer("/suggestions")
        .and_then(Value::as_array)
        .and_then(|s| {
            s.iter()
                .find(|s| s.get("agency_id") == Some(&json!("fire_safe_and_well")))
        })
        .expect("the very high check suggests the fire service")
        .clone();
    let reasons: Vec<String> = suggested
        .get("reasons")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let urgency = id(&suggested, "/urgency");
    let page = b
        .ok(
            "draft_referral",
            Referral {
                person: &h.ray,
                household: &h.two,
                agency: "fire_safe_and_well",
                reasons,
                urgency: &urgency,
                check: Some(check),
                consent: consent("Ray Sampleton", &["share_with_fire"]),
                basis: Value::Null,
            }
            .args(),
        )
        .await;
    referral_page(&mut b, &id(&page, "/referral/id")).await;
    branches.push(b.into_branch("suggestion"));

    // The latest check at the two-resident home suggests the recovery service.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    b.quietly(
        "save_charlie_check",
        one_factor(&h.two, &h.two_edith, "alcohol_and_drugs", 8).args(),
    )
    .await;
    checks(&mut b, &h.two).await;
    branches.push(b.into_branch("latest-check"));

    // A referral with consent, drafted and sent, so it waits on the laptop; then Today lists
    // it as still on this laptop, and nothing overdue.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    let mut referral = to_the_fire_service(&h.one, &h.edith, "routine");
    referral.consent = consent("Edith Sampleton", &["share_with_fire", "follow_up"]);
    let page = b.ok("draft_referral", referral.args()).await;
    let referral_id = id(&page, "/referral/id");
    referral_page(&mut b, &referral_id).await;
    b.ok(
        "referral_step",
        step(&referral_id, json!({ "step": "send" })),
    )
    .await;
    b.mark("sent");
    today(&mut b).await;
    branches.push(b.into_branch("referral"));

    // Not asked for consent: it cannot be sent until a lawful basis is recorded, and a
    // basis with too short a justification is refused.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    let mut referral = to_the_fire_service(&h.one, &h.edith, "routine");
    referral.consent = Value::Null;
    let page = b.ok("draft_referral", referral.args()).await;
    let referral_id = id(&page, "/referral/id");
    referral_page(&mut b, &referral_id).await;
    let authority =
        |basis: Value| json!({ "id": referral_id, "consent": null, "lawfulBasis": basis });
    b.refused(
        "record_referral_authority",
        authority(public_task("Fire risk")),
    )
    .await;
    b.ok(
        "record_referral_authority",
        authority(public_task(
            "Fire risk: Smokes in bed beside medical oxygen; burn marks on the bedding and no working alarm upstairs",
        )),
    )
    .await;
    b.ok(
        "referral_step",
        step(&referral_id, json!({ "step": "send" })),
    )
    .await;
    branches.push(b.into_branch("no-consent"));

    // Consent to the visit only, which does not cover sharing with the fire service.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    let mut referral = to_the_fire_service(&h.one, &h.edith, "routine");
    referral.consent = consent("Edith Sampleton", &["visit"]);
    let page = b.ok("draft_referral", referral.args()).await;
    let referral_id = id(&page, "/referral/id");
    b.mark("drafted");
    referral_page(&mut b, &referral_id).await;
    b.refused(
        "referral_step",
        step(&referral_id, json!({ "step": "send" })),
    )
    .await;
    branches.push(b.into_branch("consent-visit"));

    // A referral waiting to go: its form as a PDF, as the officer can still save it.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    let referral_id = sent_quietly(&mut b, &to_the_fire_service(&h.one, &h.edith, "routine")).await;
    referral_page(&mut b, &referral_id).await;
    let path = b.document(&format!("referral-{referral_id}.pdf"));
    b.ok_saved(
        "save_referral_pdf",
        json!({ "referralId": referral_id, "path": path }),
    )
    .await;
    b.ok("open_document", json!({ "path": path })).await;
    branches.push(b.into_branch("pdf"));

    // Sent on another laptop while this page still shows the draft: Send is refused and the
    // page shows where it is now.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    let page = b
        .quietly(
            "draft_referral",
            to_the_fire_service(&h.one, &h.edith, "routine").args(),
        )
        .await;
    let referral_id = id(&page, "/referral/id");
    referral_page(&mut b, &referral_id).await;
    b.quietly(
        "referral_step",
        step(&referral_id, json!({ "step": "send" })),
    )
    .await;
    b.refused(
        "referral_step",
        step(&referral_id, json!({ "step": "send" })),
    )
    .await;
    referral_page(&mut b, &referral_id).await;
    branches.push(b.into_branch("moved-on"));

    // The hub delivered it at the next sync: the agency's clock runs from then.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    let referral_id =
        delivered_quietly(&mut b, &to_the_fire_service(&h.one, &h.edith, "routine")).await;
    referral_page(&mut b, &referral_id).await;
    branches.push(b.into_branch("delivered"));

    // Delivered, then the agency acknowledged it (SW-77) and took it on, in its inbox.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    let referral_id =
        delivered_quietly(&mut b, &to_the_fire_service(&h.one, &h.edith, "routine")).await;
    b.hub(
        &referral_id,
        agency_step(ReferralStep::Acknowledge {
            agency_reference: Some("SW-77".into()),
        }),
    );
    b.hub(&referral_id, agency_step(ReferralStep::Accept));
    referral_page(&mut b, &referral_id).await;
    branches.push(b.into_branch("accepted"));

    // The agency takes it on, books a visit for 10:30 on 12 March (GMT, so the same in UTC)
    // and completes it, all on the hub; the officer sees it on the referral's page.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    let referral_id =
        delivered_quietly(&mut b, &to_the_fire_service(&h.one, &h.edith, "routine")).await;
    b.hub(&referral_id, agency_step(ReferralStep::Accept));
    b.hub(
        &referral_id,
        agency_step(ReferralStep::BookVisit {
            visit_at: "2026-03-12T10:30:00Z".parse().expect("a time"),
        }),
    );
    b.hub(
        &referral_id,
        agency_step(ReferralStep::Complete {
            outcome: "Visited; fitted two alarms".into(),
        }),
    );
    referral_page(&mut b, &referral_id).await;
    branches.push(b.into_branch("visit"));

    // Days later: two urgent referrals delivered and past their 24 hours (one three days, one
    // one day), one delivered in time, one acknowledged, one still on the laptop, and a draft
    // to the recovery service.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    b.quietly(
        "save_charlie_check",
        one_factor(&h.one, &h.edith, "inappropriate_smoking", 10).args(),
    )
    .await;
    let worst =
        delivered_quietly(&mut b, &to_the_fire_service(&h.two, &h.two_edith, "urgent")).await;
    b.days_pass(2);
    let late = delivered_quietly(&mut b, &to_the_fire_service(&h.one, &h.edith, "urgent")).await;
    b.days_pass(2);
    delivered_quietly(&mut b, &to_the_fire_service(&h.two, &h.ray, "routine")).await;
    let acknowledged =
        delivered_quietly(&mut b, &to_the_fire_service(&h.two, &h.ray, "routine")).await;
    b.hub(
        &acknowledged,
        agency_step(ReferralStep::Acknowledge {
            agency_reference: None,
        }),
    );
    sent_quietly(&mut b, &to_the_fire_service(&h.two, &h.ray, "soon")).await;
    b.quietly(
        "draft_referral",
        Referral {
            agency: "substance_misuse",
            reasons: vec!["Drinks heavily and smokes in bed".into()],
            consent: Value::Null,
            ..to_the_fire_service(&h.one, &h.edith, "routine")
        }
        .args(),
    )
    .await;
    today(&mut b).await;
    household_page(&mut b, &h.one).await;
    referral_page(&mut b, &worst).await;
    referral_page(&mut b, &late).await;
    branches.push(b.into_branch("overdue"));

    rec.finish(
        "fire",
        "Fire safety at three homes on Dale Road (one resident, two, none). Branches: charlie \
         (a very high check, then corrected), charlie-refused, suggestion (a check for one of \
         two residents referred from its suggestion), latest-check, referral (drafted with \
         consent and sent), no-consent (a lawful basis refused, then recorded, then sent), \
         consent-visit, pdf, moved-on (sent elsewhere), delivered (by the hub), accepted \
         (acknowledged and taken on by the agency), visit (accepted, booked and completed by the agency) and overdue (days \
         later, with Today's count and one still on the laptop).",
        branches,
    )
}
