//! Referrals reach their agencies (issue 13), every test run once on SQLite and once on
//! PostgreSQL: a referral an officer's laptop sends is delivered by the hub in the push
//! that brings it, the delivery and the agency's answers come back in the pull, an agency
//! sees only its own delivered referrals and only what the referral form holds, and forged
//! or impossible steps change nothing.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is a failed test
#![allow(
    clippy::print_stdout,
    reason = "the delivery time docs/performance.md quotes"
)]

#[macro_use]
mod support;

use std::time::Instant;

use chrono::{Duration, Utc};
use doorstep_core::fire::{
    AgencyDirectory, Consent, ConsentGiver, ConsentMethod, ConsentPurpose, Referral, ReferralDraft,
    ReferralStatus, ReferralStep, ReferralStepKind, Urgency,
};
use doorstep_core::{HouseholdId, PersonId, Role, built_in};
use doorstep_hub::portal::admin;
use doorstep_hub::{Clock, HubConfig, SharedStore};
use doorstep_sync::merge::{Record, apply_from_hub};
use doorstep_sync::protocol::EntityKind;
use serde_json::{Value, json};
use support::{Backend, Hub, Laptop, TestDb, enrol, org, user_with_code};

#[path = "support/browser.rs"]
mod browser;

use browser::Browser;

on_both_backends!(
    a_queued_referral_is_delivered_in_its_push_and_the_delivery_comes_back,
    a_referral_without_consent_or_basis_is_never_delivered,
    the_agency_accepts_and_books_and_the_officers_laptop_pulls_it,
    an_agency_sees_only_its_own_delivered_referrals,
    forged_and_impossible_steps_change_nothing,
    the_exports_hold_the_form_and_its_authority,
);

const FIRE: &str = "fire_safe_and_well";
const DEBT: &str = "debt_advice";
const FIRE_EMAIL: &str = "crew.manager@fire.example.org";
const DEBT_EMAIL: &str = "adviser@debt.example.org";
const FIRM_EMAIL: &str = "fitter@quillon.example";
const PASSWORD: &str = "correct horse battery staple";
/// The synthetic resident: none of it may appear in an email, a log or a file name.
const NAME: &str = "Ada Sampleton";
const STREET: &str = "7 Quarry Lane";
const POSTCODE: &str = "ZY1 7QL";
const REASON: &str = "Smokes in bed beside medical oxygen; no working smoke alarm";

struct World {
    _db: TestDb,
    store: SharedStore,
    hub: Hub,
    officer: Laptop,
}

fn directory() -> AgencyDirectory {
    AgencyDirectory::from_toml(built_in::AGENCIES.1).unwrap()
}

async fn world(backend: Backend) -> World {
    let db = TestDb::new(backend).await;
    let store = doorstep_hub::open(&db.url).await.unwrap();
    let teams = org(&store).await;
    let code = user_with_code(&store, &teams.north, "Olive Officer", Role::Officer).await;
    let clock = Clock::system();
    let mut config = HubConfig::default();
    config.rate_limit.burst = 100_000;
    config.rate_limit.per_second = 100_000.0;
    let hub = Hub::start(store.clone(), config, clock.clone()).await;
    let officer = enrol(&hub, &code).await;
    let portal = store.portal().unwrap();
    let now = clock.now_ms();
    admin::add_agency(&portal, FIRE, None, now).await.unwrap();
    admin::add_agency(&portal, DEBT, Some("Debt Advice (demo)"), now)
        .await
        .unwrap();
    admin::add_firm(&portal, "quillon_locks", "Quillon Locks Ltd", now)
        .await
        .unwrap();
    for (org, email, name) in [
        (FIRE, FIRE_EMAIL, "Cai Crew"),
        (DEBT, DEBT_EMAIL, "Dee Adviser"),
        ("quillon_locks", FIRM_EMAIL, "Fran Fitter"),
    ] {
        admin::add_firm_user(&portal, org, email, name, Some(PASSWORD), now)
            .await
            .unwrap();
    }
    World {
        _db: db,
        store,
        hub,
        officer,
    }
}

/// A household, its resident and a referral to `agency`, as the officer's laptop makes
/// them: the referral drafted and sent (so queued) by core's own rules; `consent: false`
/// forges one with neither consent nor a lawful basis, as no laptop would send.
fn referral(officer: &Laptop, agency: &str, consent: bool) -> (Referral, Value, Value) {
    let household = HouseholdId::new();
    let person = PersonId::new();
    let now = Utc::now();
    let mut referral = Referral::draft(
        &directory(),
        ReferralDraft {
            person_id: person,
            household_id: household,
            agency_id: agency.into(),
            reasons: vec![REASON.into()],
            urgency: Urgency::Soon,
            charlie_check_id: None,
            consent: Some(Consent {
                given_by: ConsentGiver::Person,
                given_by_name: NAME.into(),
                method: ConsentMethod::Verbal,
                signature_ref: None,
                purposes: ConsentPurpose::ALL.to_vec(),
                capacity_concerns: None,
                recorded_by: officer.officer_id,
                at: now,
            }),
            lawful_basis: None,
        },
        officer.officer_id,
        Role::Officer,
        now,
    )
    .unwrap();
    referral
        .apply(
            &directory(),
            ReferralStep::Send,
            officer.officer_id,
            Role::Officer,
            now,
        )
        .unwrap();
    if !consent {
        referral.consent = None;
    }
    let home = json!({
        "uprn": null, "address_line_1": STREET, "address_line_2": null,
        "address_line_3": null, "town": "Testville", "postcode": POSTCODE,
        "coordinates": null
    });
    let resident = json!({
        "household_id": household, "full_name": NAME, "phone": "01632 960777",
        "email": null, "date_of_birth": "1941-02-03", "age_band": null,
        "preferred_language": null,
        "contact_preferences": { "phone": true, "text": false, "email": false, "letter": false }
    });
    (referral, home, resident)
}

/// Pushes the referral with its household and resident; returns the referral's id.
async fn send(w: &mut World, agency: &str, consent: bool) -> (Referral, String) {
    let (r, home, resident) = referral(&w.officer, agency, consent);
    let changes = vec![
        w.officer
            .create(EntityKind::Household, &r.household_id.to_string(), home),
        w.officer
            .create(EntityKind::Person, &r.person_id.to_string(), resident),
        w.officer.create(
            EntityKind::Referral,
            &r.id.to_string(),
            serde_json::to_value(&r).unwrap(),
        ),
    ];
    let reply = w.officer.push(&w.hub, &changes).await;
    reply.ok();
    let id = r.id.to_string();
    (r, id)
}

/// The officer's copy after applying every pulled change to the referral.
async fn on_the_laptop(w: &World, sent: &Referral) -> Referral {
    let (entries, _) = w.officer.pull_all(&w.hub, 0).await;
    let mut record = Record::default();
    let id = sent.id.to_string();
    for entry in &entries {
        if let Some(change) = entry.change.as_ref().filter(|c| c.entity_id == id) {
            apply_from_hub(&mut record, change, |_| false);
        }
    }
    let mut fields = serde_json::Map::new();
    fields.insert("id".into(), json!(id));
    for (k, v) in &record.fields {
        fields.insert(k.clone(), v.clone());
    }
    serde_json::from_value(Value::Object(fields)).unwrap()
}

async fn agency_browser(w: &World, email: &str) -> Browser {
    let mut b = Browser::new(&w.hub);
    let form = b.get("/portal/sign-in").await;
    let csrf = form.hidden("csrf");
    b.post(
        "/portal/sign-in",
        &[("csrf", &csrf), ("email", email), ("password", PASSWORD)],
    )
    .await
    .redirects_to("/portal/orders");
    b
}

async fn a_queued_referral_is_delivered_in_its_push_and_the_delivery_comes_back(backend: Backend) {
    let mut w = world(backend).await;
    let started = Instant::now();
    let (sent, id) = send(&mut w, FIRE, true).await;
    assert_eq!(
        sent.status,
        ReferralStatus::Queued,
        "the laptop only queued it"
    );
    let listed = w
        .store
        .portal()
        .unwrap()
        .inbox(FIRE, None, 0, 25)
        .await
        .unwrap();
    // Measured, not asserted (docs/performance.md): the goal is 5 s.
    println!(
        "referral in the agency's inbox {} ms after the laptop's push began ({backend:?})",
        started.elapsed().as_millis()
    );
    assert_eq!(
        listed.iter().map(|l| l.id.as_str()).collect::<Vec<_>>(),
        [id.as_str()],
        "in the fire service's inbox as soon as the push is answered"
    );
    assert_eq!(listed[0].status, "sent");

    let laptop = on_the_laptop(&w, &sent).await;
    assert_eq!(laptop.status, ReferralStatus::Sent, "delivered");
    let delivered_at = laptop.sent_at.expect("the clock starts at delivery");
    assert!(delivered_at >= sent.history[0].at);
    assert_eq!(
        laptop.due_at,
        Some(directory().due_at(
            directory().agency(FIRE).unwrap(),
            Urgency::Soon,
            delivered_at
        )),
        "due from delivery, by the directory"
    );
    let kinds: Vec<ReferralStepKind> = laptop.history.iter().map(|e| e.step.kind()).collect();
    assert_eq!(kinds, [ReferralStepKind::Send, ReferralStepKind::Deliver]);
    assert_eq!(
        laptop.reasons, sent.reasons,
        "nothing the officer wrote changed"
    );

    // Delivery is audited, and the agency's mailbox is queued an email.
    let audit = w.store.audit(1000).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "referral.deliver"
        && e.entity_id.as_deref() == Some(id.as_str())
        && e.outcome == "delivered"));

    // A second push of the same record (a retry) delivers nothing twice.
    let again = w
        .store
        .portal()
        .unwrap()
        .deliver_waiting(w.store.hub_identity().device_id, Clock::system().now_ms())
        .await
        .unwrap();
    assert_eq!(again, 0);
}

async fn a_referral_without_consent_or_basis_is_never_delivered(backend: Backend) {
    let mut w = world(backend).await;
    let (_, id) = send(&mut w, FIRE, false).await;
    let portal = w.store.portal().unwrap();
    assert!(portal.inbox(FIRE, None, 0, 25).await.unwrap().is_empty());
    let held = portal
        .deliver_waiting(w.store.hub_identity().device_id, Clock::system().now_ms())
        .await
        .unwrap();
    assert_eq!(held, 0, "the sweep refuses it too");
    let audit = w.store.audit(1000).await.unwrap();
    assert!(
        audit.iter().any(|e| e.action == "referral.deliver"
            && e.entity_id.as_deref() == Some(id.as_str())
            && e.outcome == "held: not_authorised"),
        "the audit log says why"
    );
    let mut b = agency_browser(&w, FIRE_EMAIL).await;
    b.get(&format!("/portal/referrals/{id}")).await.expect(404);
}

async fn the_agency_accepts_and_books_and_the_officers_laptop_pulls_it(backend: Backend) {
    let mut w = world(backend).await;
    let (sent, id) = send(&mut w, FIRE, true).await;
    let mut b = agency_browser(&w, FIRE_EMAIL).await;
    b.get("/portal/orders")
        .await
        .redirects_to("/portal/referrals");
    let inbox = b.get("/portal/referrals").await;
    inbox.expect(200).says("New (1)").says(&id);
    let page = b.get(&format!("/portal/referrals/{id}")).await;
    page.expect(200)
        .says(NAME)
        .says(STREET)
        .says(POSTCODE)
        .says(REASON)
        .says("Consent given by")
        .says("Accept the referral");
    let (csrf, seq) = (page.hidden("csrf"), page.hidden("seq"));
    b.post(
        &format!("/portal/referrals/{id}/accept"),
        &[("csrf", &csrf), ("seq", &seq)],
    )
    .await
    .redirects_to(&format!("/portal/referrals/{id}?done=accept"));
    let form = b.get(&format!("/portal/referrals/{id}/visit")).await;
    form.expect(200).says("When is the visit?");
    let visit = Utc::now() + Duration::days(3);
    let day = visit.format("%-d").to_string();
    let month = visit.format("%-m").to_string();
    let year = visit.format("%Y").to_string();
    b.post(
        &format!("/portal/referrals/{id}/visit"),
        &[
            ("csrf", &form.hidden("csrf")),
            ("seq", &form.hidden("seq")),
            ("day", &day),
            ("month", &month),
            ("year", &year),
            ("time", "10:30"),
        ],
    )
    .await
    .redirects_to(&format!("/portal/referrals/{id}?done=visit"));
    b.get(&format!("/portal/referrals/{id}?done=visit"))
        .await
        .expect(200)
        .says("The visit is booked")
        .says("Visit booked");

    let laptop = on_the_laptop(&w, &sent).await;
    assert_eq!(laptop.status, ReferralStatus::VisitBooked);
    let agency_steps: Vec<(ReferralStepKind, Role)> = laptop
        .history
        .iter()
        .skip(2)
        .map(|e| (e.step.kind(), e.role))
        .collect();
    assert_eq!(
        agency_steps,
        [
            (ReferralStepKind::Accept, Role::Agency),
            (ReferralStepKind::BookVisit, Role::Agency)
        ],
        "the agency's own steps, in order"
    );
    let ReferralStep::BookVisit { visit_at } = &laptop.history[3].step else {
        panic!("a booking")
    };
    assert_eq!(visit_at.date_naive(), visit.date_naive());
    let audit = w.store.audit(1000).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "portal.write"
        && e.entity.as_deref() == Some("referral")
        && e.outcome == "applied: accept"));
}

async fn an_agency_sees_only_its_own_delivered_referrals(backend: Backend) {
    let mut w = world(backend).await;
    let (_, fire_id) = send(&mut w, FIRE, true).await;
    let (_, debt_id) = send(&mut w, DEBT, true).await;
    let mut debt = agency_browser(&w, DEBT_EMAIL).await;
    let inbox = debt.get("/portal/referrals").await;
    inbox.expect(200);
    assert!(!inbox.html().contains(&fire_id), "not another agency's");
    for path in [
        format!("/portal/referrals/{fire_id}"),
        format!("/portal/referrals/{fire_id}/visit"),
        format!("/portal/referrals/{fire_id}/referral.json"),
        format!("/portal/referrals/{fire_id}/referral.csv"),
        format!("/portal/referrals/{fire_id}/referral.pdf"),
        "/portal/orders/00000000-0000-0000-0000-000000000000".to_owned(),
    ] {
        debt.get(&path).await.expect(404);
    }
    // Not any other record kind either: a person's or a household's id is no referral.
    let own = debt.get(&format!("/portal/referrals/{debt_id}")).await;
    own.expect(200);
    let (csrf, seq) = (own.hidden("csrf"), own.hidden("seq"));
    debt.post(
        &format!("/portal/referrals/{fire_id}/accept"),
        &[("csrf", &csrf), ("seq", &seq)],
    )
    .await
    .expect(404);
    // A fitting firm's people see no referral at all.
    let mut firm = agency_browser(&w, FIRM_EMAIL).await;
    firm.get("/portal/referrals").await.expect(404);
    firm.get(&format!("/portal/referrals/{debt_id}"))
        .await
        .expect(404);
    // The page holds the form and nothing else a laptop keeps.
    let html = own.html();
    for absent in ["CHARLIE", "survey", "crime", "plan"] {
        assert!(
            !html.to_lowercase().contains(&absent.to_lowercase()),
            "{absent}"
        );
    }
}

async fn forged_and_impossible_steps_change_nothing(backend: Backend) {
    let mut w = world(backend).await;
    let (sent, id) = send(&mut w, FIRE, true).await;
    let mut b = agency_browser(&w, FIRE_EMAIL).await;
    let before = on_the_laptop(&w, &sent).await;
    // An outcome without acceptance.
    let form = b.get(&format!("/portal/referrals/{id}/outcome")).await;
    form.expect(200);
    b.post(
        &format!("/portal/referrals/{id}/outcome"),
        &[
            ("csrf", &form.hidden("csrf")),
            ("seq", &form.hidden("seq")),
            ("outcome", "Visited"),
        ],
    )
    .await
    .expect(409)
    .says("cannot be given the step");
    // Accept, then a visit in the past.
    let page = b.get(&format!("/portal/referrals/{id}")).await;
    b.post(
        &format!("/portal/referrals/{id}/accept"),
        &[("csrf", &page.hidden("csrf")), ("seq", &page.hidden("seq"))],
    )
    .await
    .expect(303);
    // The same form again: stale.
    b.post(
        &format!("/portal/referrals/{id}/accept"),
        &[("csrf", &page.hidden("csrf")), ("seq", &page.hidden("seq"))],
    )
    .await
    .expect(409);
    let accepted = on_the_laptop(&w, &sent).await;
    let form = b.get(&format!("/portal/referrals/{id}/visit")).await;
    let past = Utc::now() - Duration::days(2);
    b.post(
        &format!("/portal/referrals/{id}/visit"),
        &[
            ("csrf", &form.hidden("csrf")),
            ("seq", &form.hidden("seq")),
            ("day", &past.format("%-d").to_string()),
            ("month", &past.format("%-m").to_string()),
            ("year", &past.format("%Y").to_string()),
            ("time", "09:00"),
        ],
    )
    .await
    .expect(422)
    .says("not in the past");
    // Not a date; a blank decline reason; a missing CSRF token.
    b.post(
        &format!("/portal/referrals/{id}/visit"),
        &[
            ("csrf", &form.hidden("csrf")),
            ("seq", &form.hidden("seq")),
            ("day", "31"),
            ("month", "2"),
            ("year", "2030"),
            ("time", "09:00"),
        ],
    )
    .await
    .expect(422)
    .says("Enter a real date");
    b.post(
        &format!("/portal/referrals/{id}/decline"),
        &[
            ("csrf", &form.hidden("csrf")),
            ("seq", &form.hidden("seq")),
            ("reason", "   "),
        ],
    )
    .await
    .expect(422);
    b.post(
        &format!("/portal/referrals/{id}/decline"),
        &[("seq", &form.hidden("seq")), ("reason", "No capacity")],
    )
    .await
    .expect(403);
    let after = on_the_laptop(&w, &sent).await;
    assert_eq!(after, accepted, "nothing refused reached the record");
    assert_ne!(before, accepted);
    assert_eq!(after.status, ReferralStatus::Accepted);
}

async fn the_exports_hold_the_form_and_its_authority(backend: Backend) {
    let mut w = world(backend).await;
    let (_, id) = send(&mut w, FIRE, true).await;
    let mut b = agency_browser(&w, FIRE_EMAIL).await;
    let json_page = b
        .get(&format!("/portal/referrals/{id}/referral.json"))
        .await;
    json_page.expect(200);
    assert_eq!(
        json_page.header("content-disposition").unwrap(),
        format!("attachment; filename=\"referral-{id}.json\""),
        "named by id, never by the resident"
    );
    let export: Value = serde_json::from_slice(&json_page.body).unwrap();
    assert_eq!(export["format"], "doorstep-referral/1");
    assert_eq!(export["person"]["name"], NAME);
    assert_eq!(export["consent_status"], "given");
    assert_eq!(export["consent"]["given_by"], NAME);
    assert!(export["lawful_basis"].is_null());
    assert_eq!(export["reasons"][0], REASON);
    assert_eq!(export["status"], "sent");
    let csv_page = b.get(&format!("/portal/referrals/{id}/referral.csv")).await;
    csv_page.expect(200);
    let csv = csv_page.html();
    let mut lines = csv.split("\r\n");
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("format,reference,agency_id")
    );
    let row = lines.next().unwrap();
    assert!(row.contains(NAME) && row.contains("given"), "{row}");
    let pdf = b.get(&format!("/portal/referrals/{id}/referral.pdf")).await;
    pdf.expect(200);
    assert!(pdf.body.starts_with(b"%PDF"));
}
