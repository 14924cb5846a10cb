//! The contractor portal over HTTP, as a browser without JavaScript uses it, every test run
//! once on SQLite and once on PostgreSQL: signing in and out, the throttle, TOTP, CSRF,
//! another firm's orders, double submissions, bad dates and uploads, disabled users,
//! sessions ending, the contractor's changes reaching the officer's laptop, and a route ×
//! role matrix over every route of the hub.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is a failed test

#[macro_use]
mod support;

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate, Utc};
use doorstep_core::Role;
use doorstep_core::security::ids::PlanId;
use doorstep_core::work_order::{
    FirmRef, ItemStatus, WorkOrder, WorkOrderId, WorkOrderItem, WorkOrderStatus,
};
use doorstep_core::{HouseholdId, OfficerId};
use doorstep_hub::portal::admin;
use doorstep_hub::web::{session, throttle, totp};
use doorstep_hub::{Clock, HubConfig, SharedStore};
use doorstep_sync::merge::{Record, apply_from_hub};
use doorstep_sync::protocol::{EntityKind, LogEntry};
use serde_json::{Value, json};
use support::photo::{PNG_1X1, sha256_hex};
use support::{Backend, Hub, Laptop, TestDb, enrol, org, stats, user_with_code};

on_both_backends!(
    signing_in_and_out,
    cookies_are_secure_behind_a_proxy,
    wrong_passwords_are_throttled_per_account_and_address,
    a_totp_code_is_needed_and_works_once,
    an_initial_password_must_be_replaced,
    a_missing_or_forged_csrf_token_changes_nothing,
    another_firms_orders_and_other_records_are_not_found,
    a_double_submission_changes_nothing,
    an_appointment_in_the_past_or_not_a_date_is_refused,
    uploads_must_be_images_within_the_limit,
    a_disabled_user_is_refused_and_signed_out,
    sessions_end_when_idle_or_old,
    the_contractors_update_reaches_the_officers_laptop,
    pages_show_only_what_a_contractor_may_see,
    every_route_answers_every_role_as_expected,
);

#[path = "portal/hardening.rs"]
mod hardening;

const FIRM_A: &str = "quillon_locks";
const FIRM_B: &str = "eastwick_glazing";
const PASSWORD_A: &str = "correct horse battery staple";
const PASSWORD_B: &str = "another long pass phrase";
const EMAIL_A: &str = "fitter@quillon.example";
const EMAIL_B: &str = "glazier@eastwick.example";

#[path = "support/browser.rs"]
mod browser;

use browser::{Browser, Page, exchange};

/// The portal's own steps.
impl Browser {
    /// Signs in with the sign-in form; answers the form's answer.
    async fn sign_in(&mut self, email: &str, password: &str) -> Page {
        let form = self.get("/portal/sign-in").await;
        form.expect(200);
        let csrf = form.hidden("csrf");
        self.post(
            "/portal/sign-in",
            &[("csrf", &csrf), ("email", email), ("password", password)],
        )
        .await
    }

    /// The CSRF token and the order's `seq` from the order's page (a new order's, which
    /// has the accept form).
    async fn order_form(&mut self, order: &str) -> (String, String) {
        self.form(&format!("/portal/orders/{order}")).await
    }

    /// The CSRF token and the order's `seq` from the page of a form.
    async fn form(&mut self, path: &str) -> (String, String) {
        let page = self.get(path).await;
        page.expect(200);
        (page.hidden("csrf"), page.hidden("seq"))
    }
}

// ---- The world the tests run in --------------------------------------------------------------

fn item(id: &str, name: &str) -> WorkOrderItem {
    WorkOrderItem {
        measure_id: id.into(),
        name: name.into(),
        specification: format!("{name} to BS 3621"),
        location: Some("Door 1, Window 2".into()),
        quantity: 1,
        status: ItemStatus::Pending,
        fitted_at: None,
        product_standard: None,
        not_fitted_reason: None,
        photo_sha256: None,
    }
}

fn work_order(firm: &str, firm_name: &str, number: &str, street: &str) -> WorkOrder {
    let today = Utc::now().date_naive();
    WorkOrder {
        id: WorkOrderId::new(),
        number: number.into(),
        plan_id: PlanId::new(),
        household_id: HouseholdId::new(),
        firm: FirmRef {
            id: firm.into(),
            name: firm_name.into(),
        },
        address_lines: vec![street.into(), "Testville".into()],
        postcode: "ZY1 1AA".into(),
        contact_name: "Sam Example".into(),
        contact_phone: Some("01632 960000".into()),
        access_notes: vec!["Key safe by the back door".into()],
        items: vec![
            item("door_chain", "Door chain"),
            item("letterbox_guard", "Letterbox guard"),
        ],
        issued_on: today,
        due_date: today.checked_add_days(Days::new(28)).unwrap(),
        status: WorkOrderStatus::New,
        decline_reason: None,
        appointment_date: None,
    }
}

struct World {
    _db: TestDb,
    store: SharedStore,
    hub: Hub,
    clock: Clock,
    officer: Laptop,
    /// Firm A's orders.
    a1: WorkOrder,
    a2: WorkOrder,
    /// Firm B's order.
    b1: WorkOrder,
    /// Ids of records that are not work orders.
    others: Vec<(EntityKind, String)>,
    user_a: String,
    /// The officer's team.
    north: String,
}

fn test_config() -> HubConfig {
    let mut config = HubConfig::default();
    // The matrix sends many requests from one laptop; the rate limit is not under test here.
    config.rate_limit.burst = 100_000;
    config.rate_limit.per_second = 100_000.0;
    config
}

/// Extra fields a laptop might hold on a work order record that no contractor may see.
fn secrets() -> Vec<(&'static str, Value)> {
    vec![
        ("crime_ref", json!("SECRET-CRIME-REF-123")),
        ("vulnerability", json!("SECRET-VULNERABLE-RESIDENT")),
        ("health", json!("SECRET-HEALTH-CONDITION")),
    ]
}

fn order_fields(order: &WorkOrder, extra: &[(&str, Value)]) -> Value {
    let mut fields = serde_json::to_value(order).unwrap();
    for (k, v) in extra {
        fields[*k] = v.clone();
    }
    fields
}

async fn world(backend: Backend) -> World {
    let db = TestDb::new(backend).await;
    let store = doorstep_hub::open(&db.url).await.unwrap();
    let teams = org(&store).await;
    let code = user_with_code(&store, &teams.north, "Olive Officer", Role::Officer).await;
    let clock = Clock::system();
    let hub = Hub::start(store.clone(), test_config(), clock.clone()).await;
    let mut officer = enrol(&hub, &code).await;

    let portal = store.portal().expect("both backends have the portal");
    let now = clock.now_ms();
    admin::add_firm(&portal, FIRM_A, "Quillon Locks Ltd", now)
        .await
        .unwrap();
    admin::add_firm(&portal, FIRM_B, "Eastwick Glass and Glazing", now)
        .await
        .unwrap();
    let user_a = admin::add_firm_user(
        &portal,
        FIRM_A,
        EMAIL_A,
        "Fran Fitter",
        Some(PASSWORD_A),
        now,
    )
    .await
    .unwrap()
    .id;
    admin::add_firm_user(
        &portal,
        FIRM_B,
        EMAIL_B,
        "Gil Glazier",
        Some(PASSWORD_B),
        now,
    )
    .await
    .unwrap();

    let a1 = work_order(
        FIRM_A,
        "Quillon Locks Ltd",
        "WO-00000001-QLK",
        "1 High Street",
    );
    let a2 = work_order(
        FIRM_A,
        "Quillon Locks Ltd",
        "WO-00000002-QLK",
        "2 High Street",
    );
    let b1 = work_order(
        FIRM_B,
        "Eastwick Glass and Glazing",
        "WO-00000003-EWG",
        "3 High Street",
    );
    let mut changes = Vec::new();
    for order in [&a1, &a2, &b1] {
        changes.push(officer.create(
            EntityKind::WorkOrder,
            &order.id.to_string(),
            order_fields(order, &secrets()),
        ));
    }
    let mut others = Vec::new();
    for (entity, fields) in [
        (
            EntityKind::Household,
            json!({ "address_line_1": "1 High Street" }),
        ),
        (
            EntityKind::Person,
            json!({ "full_name": "SECRET-PERSON-NAME" }),
        ),
        (
            EntityKind::Survey,
            json!({ "answers.crime_ref": "SECRET-CRIME" }),
        ),
        (EntityKind::CharlieCheck, json!({ "answers.smoker": true })),
        (EntityKind::Referral, json!({ "agency": "SECRET-AGENCY" })),
    ] {
        let id = uuid::Uuid::now_v7().to_string();
        changes.push(officer.create(entity, &id, fields));
        others.push((entity, id));
    }
    officer.push(&hub, &changes).await.ok();
    World {
        _db: db,
        store,
        hub,
        clock,
        officer,
        a1,
        a2,
        b1,
        others,
        user_a,
        north: teams.north,
    }
}

/// The hub's copy of an order, read back through the portal store.
async fn order_on_hub(w: &World, order: &WorkOrder) -> WorkOrder {
    let stored = w
        .store
        .portal()
        .unwrap()
        .order(&order.firm.id, &order.id.to_string())
        .await
        .unwrap()
        .unwrap();
    doorstep_hub::portal::orders::read_order(&stored.id, &stored.record.fields).unwrap()
}

async fn signed_in(w: &World, email: &str, password: &str) -> Browser {
    let mut b = Browser::new(&w.hub);
    b.sign_in(email, password)
        .await
        .redirects_to("/portal/orders");
    b
}

// ---- Tests ---------------------------------------------------------------------------------

async fn signing_in_and_out(backend: Backend) {
    let w = world(backend).await;
    let mut b = Browser::new(&w.hub);
    // Not signed in: every page sends the browser to sign in.
    b.get("/portal/orders")
        .await
        .redirects_to("/portal/sign-in");
    let form = b.get("/portal/sign-in").await;
    form.expect(200).says("Sign in");
    assert_eq!(
        form.title(),
        format!("Sign in – Contractor portal – {}", council())
    );
    let set = form.set_cookies().join("\n");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );

    let answer = b
        .post(
            "/portal/sign-in",
            &[
                ("csrf", &form.hidden("csrf")),
                ("email", "Fitter@Quillon.example "),
                ("password", PASSWORD_A),
            ],
        )
        .await;
    answer.redirects_to("/portal/orders");
    let session = answer
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("doorstep_portal="))
        .expect("a session cookie");
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(session.contains(flag), "{flag} in {session}");
    }

    let list = b.get("/portal/orders").await;
    list.expect(200)
        .says(&w.a1.number)
        .says(&w.a2.number)
        .says("All (2)")
        .says("New (2)")
        .says("Signed in as Fran Fitter, Quillon Locks Ltd");
    assert!(
        !list.html().contains(&w.b1.number),
        "firm B's order is not listed"
    );
    assert_eq!(list.header("cache-control").as_deref(), Some("no-store"));
    assert!(
        list.header("content-security-policy")
            .unwrap()
            .contains("default-src 'none'")
    );
    b.get("/portal/orders?status=new")
        .await
        .expect(200)
        .says(&w.a1.number);
    b.get("/portal/orders?status=fitted")
        .await
        .expect(200)
        .says("Your firm has no fitted work orders.");
    b.get(&format!("/portal/orders/{}", w.a1.id))
        .await
        .expect(200)
        .says("Work order WO-00000001-QLK");

    let stolen = b.clone();
    let csrf = b.get("/portal/orders").await.hidden("csrf");
    b.post("/portal/sign-out", &[("csrf", &csrf)])
        .await
        .redirects_to("/portal/sign-in");
    b.get("/portal/sign-in?signed_out=1")
        .await
        .says("You have signed out.");
    b.get("/portal/orders")
        .await
        .redirects_to("/portal/sign-in");
    // The old cookie is worth nothing once signed out.
    let mut stolen = stolen;
    stolen
        .get("/portal/orders")
        .await
        .redirects_to("/portal/sign-in");

    let audit = w.store.audit(1000).await.unwrap();
    let did = |action: &str| {
        audit
            .iter()
            .any(|e| e.action == action && e.outcome.starts_with("ok"))
    };
    for action in [
        "portal.sign-in",
        "portal.list",
        "portal.read",
        "portal.sign-out",
    ] {
        assert!(did(action), "{action} is audited");
    }
    w.hub.stop().await;
}

fn council() -> String {
    doorstep_pdf::Branding::from_toml(include_str!("../../../assets/branding/council.toml"), None)
        .unwrap()
        .council_name
}

async fn cookies_are_secure_behind_a_proxy(backend: Backend) {
    let w = world(backend).await;
    let mut b = Browser::new(&w.hub);
    // Behind a TLS proxy the browser asked for the public name.
    b.host = "portal.council.example".into();
    b.extra.push(("X-Forwarded-Proto".into(), "https".into()));
    let page = b.sign_in(EMAIL_A, PASSWORD_A).await;
    page.redirects_to("/portal/orders");
    let session = page
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("__Host-doorstep_portal="))
        .expect("a __Host- session cookie");
    for flag in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(session.contains(flag), "{flag} in {session}");
    }
    b.get("/portal/orders").await.expect(200);
    w.hub.stop().await;
}

async fn wrong_passwords_are_throttled_per_account_and_address(backend: Backend) {
    let w = world(backend).await;
    let mut b = Browser::new(&w.hub);
    for _ in 0..throttle::ACCOUNT_FAILURES {
        let page = b.sign_in(EMAIL_A, "not the password at all").await;
        page.expect(401)
            .says("Enter a correct email address and password");
        assert!(
            page.title().starts_with("Error: Sign in"),
            "{}",
            page.title()
        );
    }
    // Locked: even the right password is refused, and not even checked.
    let locked = b.sign_in(EMAIL_A, PASSWORD_A).await;
    locked.expect(429).says("too many attempts to sign in");
    assert!(locked.header("retry-after").is_some());
    // Another firm's account from the same address is not locked by that.
    signed_in(&w, EMAIL_B, PASSWORD_B).await;

    // Unknown accounts count against the address too.
    for i in 0..throttle::ADDRESS_FAILURES {
        let page = b
            .sign_in(&format!("nobody{i}@example.com"), "wrong wrong wrong")
            .await;
        assert!([401, 429].contains(&page.status), "{}", page.status);
    }
    b.sign_in(EMAIL_B, PASSWORD_B).await.expect(429);

    // After the lock, the right password works again.
    w.clock.advance(throttle::LOCK_MS + 1000);
    signed_in(&w, EMAIL_A, PASSWORD_A).await;
    let audit = w.store.audit(1000).await.unwrap();
    assert!(audit.iter().any(|e| e.outcome == "refused: throttled"));
    w.hub.stop().await;
}

async fn a_totp_code_is_needed_and_works_once(backend: Backend) {
    let w = world(backend).await;
    let portal = w.store.portal().unwrap();
    let uri = admin::set_totp(&portal, EMAIL_A, false)
        .await
        .unwrap()
        .unwrap();
    let secret = uri
        .split("secret=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let mut b = Browser::new(&w.hub);
    b.sign_in(EMAIL_A, PASSWORD_A)
        .await
        .redirects_to("/portal/sign-in/code");
    // Half signed in: nothing else is open yet.
    b.get("/portal/orders")
        .await
        .redirects_to("/portal/sign-in/code");
    let form = b.get("/portal/sign-in/code").await;
    form.expect(200).says("Enter your security code");
    let csrf = form.hidden("csrf");
    let wrong = b
        .post(
            "/portal/sign-in/code",
            &[("csrf", &csrf), ("code", "000000")],
        )
        .await;
    wrong.expect(401).says("that code was wrong");
    let code = totp::totp_code(&secret, w.clock.now_ms()).unwrap();
    b.post("/portal/sign-in/code", &[("csrf", &csrf), ("code", &code)])
        .await
        .redirects_to("/portal/orders");
    b.get("/portal/orders").await.expect(200);

    // The same code again (a second sign-in in the same 30 seconds, or someone who saw it).
    let mut other = Browser::new(&w.hub);
    other
        .sign_in(EMAIL_A, PASSWORD_A)
        .await
        .redirects_to("/portal/sign-in/code");
    let csrf = other.get("/portal/sign-in/code").await.hidden("csrf");
    other
        .post("/portal/sign-in/code", &[("csrf", &csrf), ("code", &code)])
        .await
        .expect(401);
    w.hub.stop().await;
}

async fn an_initial_password_must_be_replaced(backend: Backend) {
    let w = world(backend).await;
    let portal = w.store.portal().unwrap();
    let added = admin::add_firm_user(
        &portal,
        FIRM_A,
        "new@quillon.example",
        "Nia New",
        None,
        w.clock.now_ms(),
    )
    .await
    .unwrap();
    let initial = added.initial_password.expect("made up");
    let mut b = Browser::new(&w.hub);
    b.sign_in("new@quillon.example", &initial)
        .await
        .redirects_to("/portal/password");
    b.get("/portal/orders")
        .await
        .redirects_to("/portal/password");
    let form = b.get("/portal/password").await;
    let csrf = form.hidden("csrf");
    b.post(
        "/portal/password",
        &[("csrf", &csrf), ("password", "short"), ("confirm", "short")],
    )
    .await
    .expect(400)
    .says("12 characters or more");
    b.post(
        "/portal/password",
        &[
            ("csrf", &csrf),
            ("password", &initial),
            ("confirm", &initial),
        ],
    )
    .await
    .expect(400)
    .says("different from the one you were given");
    b.post(
        "/portal/password",
        &[
            ("csrf", &csrf),
            ("password", "my own long passphrase"),
            ("confirm", "my own long passphrase"),
        ],
    )
    .await
    .redirects_to("/portal/orders");
    b.get("/portal/orders").await.expect(200);
    Browser::new(&w.hub)
        .sign_in("new@quillon.example", &initial)
        .await
        .expect(401);
    signed_in(&w, "new@quillon.example", "my own long passphrase").await;
    w.hub.stop().await;
}

async fn a_missing_or_forged_csrf_token_changes_nothing(backend: Backend) {
    let w = world(backend).await;
    let before = stats(&w.store).await;
    // The sign-in form: no token, a made-up one, or one without its cookie.
    let mut b = Browser::new(&w.hub);
    b.post(
        "/portal/sign-in",
        &[("email", EMAIL_A), ("password", PASSWORD_A)],
    )
    .await
    .expect(403)
    .says("The form could not be accepted");
    let token = b.get("/portal/sign-in").await.hidden("csrf");
    b.post(
        "/portal/sign-in",
        &[
            ("csrf", &"f".repeat(64)),
            ("email", EMAIL_A),
            ("password", PASSWORD_A),
        ],
    )
    .await
    .expect(403);
    let mut cookieless = Browser::new(&w.hub);
    cookieless
        .post(
            "/portal/sign-in",
            &[
                ("csrf", &token),
                ("email", EMAIL_A),
                ("password", PASSWORD_A),
            ],
        )
        .await
        .expect(403);

    let mut b = signed_in(&w, EMAIL_A, PASSWORD_A).await;
    let (_, seq) = b.order_form(&w.a1.id.to_string()).await;
    let accept = format!("/portal/orders/{}/accept", w.a1.id);
    b.post(&accept, &[("seq", &seq)]).await.expect(403);
    b.post(&accept, &[("seq", &seq), ("csrf", &"0".repeat(64))])
        .await
        .expect(403);
    // Another session's token is no good either.
    let other = signed_in(&w, EMAIL_A, PASSWORD_A).await;
    let mut other = other;
    let (their_csrf, _) = other.order_form(&w.a1.id.to_string()).await;
    b.post(&accept, &[("seq", &seq), ("csrf", &their_csrf)])
        .await
        .expect(403);
    // A browser telling us the form came from another site.
    let (csrf, _) = b.order_form(&w.a1.id.to_string()).await;
    let mut cross = b.clone();
    cross
        .extra
        .push(("Sec-Fetch-Site".into(), "cross-site".into()));
    cross
        .post(&accept, &[("seq", &seq), ("csrf", &csrf)])
        .await
        .expect(403);
    // Sign-out needs the token too.
    b.post("/portal/sign-out", &[]).await.expect(403);
    b.get("/portal/orders").await.expect(200);

    let after = stats(&w.store).await;
    assert_eq!(
        (after.records, after.change_log),
        (before.records, before.change_log)
    );
    assert_eq!(order_on_hub(&w, &w.a1).await.status, WorkOrderStatus::New);
    // Refusals of people not signed in are tallied (a line may stand for several).
    w.hub.state.flush_refusal_tallies(true).await;
    let refusals: u64 = w
        .store
        .audit(1000)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.outcome.starts_with("refused: csrf"))
        .map(doorstep_hub::refusals::occurrences)
        .sum();
    assert!(refusals >= 7, "every forged form is audited ({refusals})");
    w.hub.stop().await;
}

async fn another_firms_orders_and_other_records_are_not_found(backend: Backend) {
    let w = world(backend).await;
    let before = stats(&w.store).await;
    let mut b = signed_in(&w, EMAIL_A, PASSWORD_A).await;
    let (csrf, _) = b.order_form(&w.a1.id.to_string()).await;
    let mut ids: Vec<String> = vec![w.b1.id.to_string(), "no-such-order".into()];
    ids.extend(w.others.iter().map(|(_, id)| id.clone()));
    for id in &ids {
        for path in [
            format!("/portal/orders/{id}"),
            format!("/portal/orders/{id}/decline"),
            format!("/portal/orders/{id}/appointment"),
            format!("/portal/orders/{id}/items/door_chain"),
            format!("/portal/orders/{id}/work-order.pdf"),
        ] {
            let page = b.get(&path).await;
            page.expect(404).says("Page not found");
            assert!(!page.html().contains("SECRET"), "{path}");
        }
        for (path, fields) in [
            (format!("/portal/orders/{id}/accept"), vec![]),
            (
                format!("/portal/orders/{id}/decline"),
                vec![("reason", "No capacity")],
            ),
            (
                format!("/portal/orders/{id}/appointment"),
                vec![("day", "1"), ("month", "1"), ("year", "2099")],
            ),
            (
                format!("/portal/orders/{id}/items/door_chain/not-fitted"),
                vec![("reason", "Door too thin")],
            ),
        ] {
            let mut form = vec![("csrf", csrf.as_str()), ("seq", "1")];
            form.extend(fields);
            b.post(&path, &form).await.expect(404);
        }
        b.post_multipart(
            &format!("/portal/orders/{id}/items/door_chain/fitted"),
            &[("csrf", &csrf), ("seq", "1"), ("standard", "PAS 24")],
            None,
        )
        .await
        .expect(404);
    }
    let after = stats(&w.store).await;
    assert_eq!(
        (after.records, after.change_log),
        (before.records, before.change_log)
    );
    assert_eq!(order_on_hub(&w, &w.b1).await.status, WorkOrderStatus::New);
    w.hub.stop().await;
}

async fn a_double_submission_changes_nothing(backend: Backend) {
    let w = world(backend).await;
    let mut b = signed_in(&w, EMAIL_A, PASSWORD_A).await;
    let id = w.a1.id.to_string();
    let (csrf, seq) = b.order_form(&id).await;
    let accept = format!("/portal/orders/{id}/accept");
    b.post(&accept, &[("csrf", &csrf), ("seq", &seq)])
        .await
        .redirects_to(&format!("/portal/orders/{id}?done=accepted"));
    let after_one = stats(&w.store).await;
    // The same form again (a double click, or the back button and submit).
    b.post(&accept, &[("csrf", &csrf), ("seq", &seq)])
        .await
        .expect(409)
        .says("This work order has changed");
    // Even with the fresh seq, accepting twice is not a step the rules allow.
    let (_, fresh) = b.form(&format!("/portal/orders/{id}/decline")).await;
    b.post(&accept, &[("csrf", &csrf), ("seq", &fresh)])
        .await
        .expect(409)
        .says("it cannot be accepted");
    // Booking the same day twice writes it once.
    let day = Utc::now().date_naive() + Days::new(3);
    let booking = [
        ("csrf", csrf.clone()),
        ("day", day.format("%d").to_string()),
        ("month", day.format("%m").to_string()),
        ("year", day.format("%Y").to_string()),
    ];
    let path = format!("/portal/orders/{id}/appointment");
    let (_, seq) = b.form(&path).await;
    let mut form: Vec<(&str, &str)> = booking.iter().map(|(k, v)| (*k, v.as_str())).collect();
    form.push(("seq", &seq));
    b.post(&path, &form)
        .await
        .redirects_to(&format!("/portal/orders/{id}?done=booked"));
    let after_booking = stats(&w.store).await;
    b.post(&path, &form).await.expect(409);
    assert_eq!(stats(&w.store).await.change_log, after_booking.change_log);
    assert_eq!(after_booking.change_log, after_one.change_log + 1);
    let order = order_on_hub(&w, &w.a1).await;
    assert_eq!(order.status, WorkOrderStatus::Scheduled);
    assert_eq!(order.appointment_date, Some(day));
    w.hub.stop().await;
}

async fn an_appointment_in_the_past_or_not_a_date_is_refused(backend: Backend) {
    let w = world(backend).await;
    let mut b = signed_in(&w, EMAIL_A, PASSWORD_A).await;
    let id = w.a1.id.to_string();
    let (csrf, seq) = b.order_form(&id).await;
    b.post(
        &format!("/portal/orders/{id}/accept"),
        &[("csrf", &csrf), ("seq", &seq)],
    )
    .await
    .expect(303);
    let before = stats(&w.store).await;
    let yesterday = Utc::now().date_naive() - Days::new(1);
    let path = format!("/portal/orders/{id}/appointment");
    let form = b.get(&path).await;
    form.expect(200).says("When is the appointment");
    let seq = form.hidden("seq");
    let cases: Vec<([String; 3], &str)> = vec![
        (
            [
                yesterday.format("%d").to_string(),
                yesterday.format("%m").to_string(),
                yesterday.format("%Y").to_string(),
            ],
            "must be today or in the future",
        ),
        (
            ["31".into(), "2".into(), "2030".into()],
            "must be a real date",
        ),
        (
            ["".into(), "".into(), "".into()],
            "Enter the date of the appointment",
        ),
        (
            ["1".into(), "".into(), "2030".into()],
            "must include a month",
        ),
        (["a".into(), "b".into(), "c".into()], "must be a real date"),
        (["1".into(), "2".into(), "30".into()], "4 numbers"),
    ];
    for ([day, month, year], words) in cases {
        let page = b
            .post(
                &path,
                &[
                    ("csrf", &csrf),
                    ("seq", &seq),
                    ("day", &day),
                    ("month", &month),
                    ("year", &year),
                ],
            )
            .await;
        page.expect(400).says(words).says("There is a problem");
        assert!(page.title().starts_with("Error: "), "{}", page.title());
        // What was typed is kept.
        page.says(&format!("value=\"{day}\""));
    }
    let after = stats(&w.store).await;
    assert_eq!(after.change_log, before.change_log);
    assert_eq!(order_on_hub(&w, &w.a1).await.appointment_date, None);
    w.hub.stop().await;
}

async fn uploads_must_be_images_within_the_limit(backend: Backend) {
    let w = world(backend).await;
    let mut b = signed_in(&w, EMAIL_A, PASSWORD_A).await;
    let id = w.a1.id.to_string();
    let (csrf, seq) = b.order_form(&id).await;
    b.post(
        &format!("/portal/orders/{id}/accept"),
        &[("csrf", &csrf), ("seq", &seq)],
    )
    .await
    .expect(303);
    let item_page = b
        .get(&format!("/portal/orders/{id}/items/door_chain"))
        .await;
    item_page.expect(200).says("Door chain");
    let seq = item_page.hidden("seq");
    let path = format!("/portal/orders/{id}/items/door_chain/fitted");
    let before = stats(&w.store).await;
    let fields = [
        ("csrf", csrf.as_str()),
        ("seq", seq.as_str()),
        ("standard", "PAS 24"),
    ];

    let pdf = b"%PDF-1.7\n1 0 obj\n".to_vec();
    b.post_multipart(&path, &fields, Some(("door.jpg", "image/jpeg", &pdf)))
        .await
        .expect(400)
        .says("The file is not a photo");
    let max = usize::try_from(doorstep_core::attachment::DEFAULT_MAX_PHOTO_BYTES).unwrap();
    let mut just_over = PNG_1X1.to_vec();
    just_over.resize(max + 1, 0);
    b.post_multipart(&path, &fields, Some(("door.png", "image/png", &just_over)))
        .await
        .expect(413)
        .says("largest allowed");
    let mut far_over = PNG_1X1.to_vec();
    far_over.resize(max + 2 * 1024 * 1024, 0);
    b.post_multipart(&path, &fields, Some(("door.png", "image/png", &far_over)))
        .await
        .expect(413)
        .says("The photo must be smaller than");
    b.post_multipart(
        &path,
        &[("csrf", &csrf), ("seq", &seq), ("standard", " ")],
        Some(("door.png", "image/png", PNG_1X1)),
    )
    .await
    .expect(400)
    .says("Enter the standard marked on the product");
    let after = stats(&w.store).await;
    assert_eq!(after.change_log, before.change_log, "nothing was stored");
    assert_eq!(
        order_on_hub(&w, &w.a1).await.items[0].status,
        ItemStatus::Pending
    );

    // A real image is taken, by its content, with its digest on the item.
    b.post_multipart(&path, &fields, Some(("door.png", "image/png", PNG_1X1)))
        .await
        .redirects_to(&format!("/portal/orders/{id}?done=fitted"));
    let order = order_on_hub(&w, &w.a1).await;
    let digest = sha256_hex(PNG_1X1);
    assert_eq!(
        order.items[0].photo_sha256,
        Some(format!("sha256:{digest}"))
    );
    assert_eq!(order.items[0].product_standard.as_deref(), Some("PAS 24"));
    w.hub.stop().await;
}

async fn a_disabled_user_is_refused_and_signed_out(backend: Backend) {
    let w = world(backend).await;
    let mut b = signed_in(&w, EMAIL_A, PASSWORD_A).await;
    let portal = w.store.portal().unwrap();
    portal
        .set_user_disabled(EMAIL_A, true, w.clock.now_ms())
        .await
        .unwrap();
    b.get("/portal/orders")
        .await
        .redirects_to("/portal/sign-in");
    Browser::new(&w.hub)
        .sign_in(EMAIL_A, PASSWORD_A)
        .await
        .expect(403)
        .says("Your account has been turned off");
    // A wrong password for a disabled account says only that it is wrong.
    Browser::new(&w.hub)
        .sign_in(EMAIL_A, "not the password at all")
        .await
        .expect(401);
    portal
        .set_user_disabled(&w.user_a, false, w.clock.now_ms())
        .await
        .unwrap();
    signed_in(&w, EMAIL_A, PASSWORD_A).await;
    w.hub.stop().await;
}

async fn sessions_end_when_idle_or_old(backend: Backend) {
    let w = world(backend).await;
    let mut b = signed_in(&w, EMAIL_A, PASSWORD_A).await;
    w.clock.advance(session::IDLE_MS - 60_000);
    b.get("/portal/orders").await.expect(200);
    w.clock.advance(session::IDLE_MS + 1);
    b.get("/portal/orders")
        .await
        .redirects_to("/portal/sign-in?ended=1");
    b.get("/portal/sign-in?ended=1")
        .await
        .says("You were signed out");

    // Busy all day: still signed out after 12 hours.
    let mut b = signed_in(&w, EMAIL_A, PASSWORD_A).await;
    let mut elapsed = 0;
    while elapsed + 20 * 60_000 < session::ABSOLUTE_MS {
        w.clock.advance(20 * 60_000);
        elapsed += 20 * 60_000;
        b.get("/portal/orders").await.expect(200);
    }
    w.clock.advance(session::ABSOLUTE_MS - elapsed);
    b.get("/portal/orders")
        .await
        .redirects_to("/portal/sign-in?ended=1");
    w.hub.stop().await;
}

async fn the_contractors_update_reaches_the_officers_laptop(backend: Backend) {
    let w = world(backend).await;
    let (_, cursor) = w.officer.pull_all(&w.hub, 0).await;
    let mut b = signed_in(&w, EMAIL_A, PASSWORD_A).await;
    let id = w.a1.id.to_string();
    let (csrf, seq) = b.order_form(&id).await;
    b.post(
        &format!("/portal/orders/{id}/accept"),
        &[("csrf", &csrf), ("seq", &seq)],
    )
    .await
    .expect(303);
    let day = Utc::now().date_naive() + Days::new(2);
    let (_, seq) = b.form(&format!("/portal/orders/{id}/appointment")).await;
    b.post(
        &format!("/portal/orders/{id}/appointment"),
        &[
            ("csrf", &csrf),
            ("seq", &seq),
            ("day", &day.format("%-d").to_string()),
            ("month", &day.format("%-m").to_string()),
            ("year", &day.format("%Y").to_string()),
        ],
    )
    .await
    .expect(303);
    let (_, seq) = b
        .form(&format!("/portal/orders/{id}/items/door_chain"))
        .await;
    b.post_multipart(
        &format!("/portal/orders/{id}/items/door_chain/fitted"),
        &[("csrf", &csrf), ("seq", &seq), ("standard", "TS007 3*")],
        Some(("chain.png", "image/png", PNG_1X1)),
    )
    .await
    .expect(303);
    let (_, seq) = b
        .form(&format!("/portal/orders/{id}/items/letterbox_guard"))
        .await;
    b.post_multipart(
        &format!("/portal/orders/{id}/items/letterbox_guard/fitted"),
        &[("csrf", &csrf), ("seq", &seq), ("standard", "PAS 24")],
        None,
    )
    .await
    .expect(303);
    let page = b.get(&format!("/portal/orders/{id}?done=fitted")).await;
    page.expect(200)
        .says("The item is recorded as fitted")
        .says("Fitted");

    // The officer's laptop pulls the contractor's changes, in order, as the hub made them.
    let (entries, _) = w.officer.pull_all(&w.hub, cursor).await;
    let mine: Vec<&LogEntry> = entries
        .iter()
        .filter(|e| e.change.as_ref().is_some_and(|c| c.entity_id == id))
        .collect();
    assert_eq!(mine.len(), 4, "accept, book, two items");
    let hub = w.store.hub_identity();
    let user: OfficerId = w.user_a.parse().unwrap();
    let mut laptop = Record::default();
    // The laptop's copy as first pushed.
    let first = serde_json::to_value(&w.a1).unwrap();
    for (k, v) in first.as_object().unwrap() {
        laptop.fields.insert(k.clone(), v.clone());
    }
    for entry in &mine {
        let change = entry.change.as_ref().unwrap();
        assert_eq!(change.device_id, hub.device_id, "made by the hub");
        assert_eq!(change.officer_id, user, "on behalf of the contractor");
        assert!(change.fields.keys().all(|f| {
            ["status", "decline_reason", "appointment_date", "items"].contains(&f.as_str())
        }));
        apply_from_hub(&mut laptop, change, |_| false);
    }
    let on_laptop: WorkOrder = serde_json::from_value(json!(laptop.fields)).unwrap();
    assert_eq!(on_laptop.status, WorkOrderStatus::Fitted);
    assert_eq!(on_laptop.appointment_date, Some(day));
    assert_eq!(
        on_laptop.items[0].product_standard.as_deref(),
        Some("TS007 3*")
    );
    let photo = on_laptop.items[0].photo_sha256.clone().unwrap();
    // The officer's laptop fetches the fitter's photo like any other attachment.
    let sha = photo.trim_start_matches("sha256:");
    let fetched = w
        .hub
        .get(&format!("/v1/attachments/{sha}"), Some(&w.officer.access))
        .await;
    assert_eq!(fetched.status, 200, "{}", fetched.body);
    assert!(on_laptop.items.iter().all(|i| i.fitted_at.is_some()));
    assert_eq!(on_laptop, order_on_hub(&w, &w.a1).await);

    // The contractor's writes are in the audit log under their id.
    let writes = w
        .store
        .audit(1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "portal.write" && e.outcome.starts_with("applied: "))
        .filter(|e| e.user_id.as_deref() == Some(w.user_a.as_str()))
        .count();
    assert_eq!(writes, 4);
    w.hub.stop().await;
}

async fn pages_show_only_what_a_contractor_may_see(backend: Backend) {
    let w = world(backend).await;
    let mut b = signed_in(&w, EMAIL_A, PASSWORD_A).await;
    let id = w.a1.id.to_string();
    let detail = b.get(&format!("/portal/orders/{id}")).await;
    detail
        .expect(200)
        .says("1 High Street")
        .says("ZY1 1AA")
        .says("Sam Example")
        .says("01632 960000")
        .says("Key safe by the back door")
        .says("Door chain to BS 3621")
        .says("Door 1, Window 2")
        .says(&pages_date(w.a1.due_date));
    let html = detail.html();
    for secret in [
        "SECRET",
        &w.a1.household_id.to_string(),
        &w.a1.plan_id.to_string(),
    ] {
        assert!(!html.contains(secret), "{secret} must not reach the page");
    }
    let list = b.get("/portal/orders").await.html();
    assert!(!list.contains("SECRET"));
    let pdf = b.get(&format!("/portal/orders/{id}/work-order.pdf")).await;
    pdf.expect(200);
    assert_eq!(
        pdf.header("content-type").as_deref(),
        Some("application/pdf")
    );
    assert!(pdf.body.starts_with(b"%PDF"), "a PDF");
    assert!(
        pdf.header("content-disposition")
            .unwrap()
            .contains("WO-00000001-QLK.pdf")
    );
    for page in [
        b.get(&format!("/portal/orders/{id}/decline")).await,
        b.get(&format!("/portal/orders/{id}/appointment")).await,
    ] {
        assert!(!page.html().contains("SECRET"));
    }
    w.hub.stop().await;
}

fn pages_date(date: NaiveDate) -> String {
    date.format("%-d %B %Y").to_string()
}

// ---- The route × role matrix ----------------------------------------------------------------

/// Who makes a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    /// No credentials.
    Anonymous,
    /// A laptop of a user with this role (bearer token; no portal account).
    Device(Role),
    /// A firm A user signed in to the portal.
    Contractor,
}

impl Who {
    fn all() -> Vec<Who> {
        let mut all = vec![Who::Anonymous];
        // A role that never has a laptop (dpo) has no device to ask with.
        all.extend(laptop_roles().map(Who::Device));
        all.push(Who::Contractor);
        all
    }
}

/// The roles that may enrol a laptop.
fn laptop_roles() -> impl Iterator<Item = Role> {
    Role::ALL.iter().copied().filter(|r| r.may_use_laptop())
}

/// What a role may do with the sync API, per B's visibility table: only roles that sync
/// records push and pull them.
fn syncs(role: Role) -> bool {
    doorstep_hub::model::syncs_records(role)
}

async fn every_route_answers_every_role_as_expected(backend: Backend) {
    let w = world(backend).await;
    // A laptop per role, all in the officer's team; the contractor signs in to the portal.
    let mut devices: BTreeMap<&'static str, Laptop> = BTreeMap::new();
    for role in laptop_roles() {
        let code = user_with_code(
            &w.store,
            &w.north,
            &format!("Matrix {}", role.as_str()),
            role,
        )
        .await;
        devices.insert(role.as_str(), enrol(&w.hub, &code).await);
    }
    let mut contractor = signed_in(&w, EMAIL_A, PASSWORD_A).await;
    let csrf = contractor.order_form(&w.a1.id.to_string()).await.0;

    let own = w.a1.id.to_string();
    let own2 = w.a2.id.to_string();
    let other = w.b1.id.to_string();
    let png_sha = sha256_hex(PNG_1X1);
    let mut uploaded = false;

    let mut covered: Vec<(String, String)> = Vec::new();
    let before = stats(&w.store).await;

    for who in Who::all() {
        let label = format!("{who:?}");
        let mut browser = match who {
            Who::Anonymous => Browser::new(&w.hub),
            Who::Device(role) => Browser::with_bearer(&w.hub, &devices[role.as_str()].access),
            Who::Contractor => contractor.clone(),
        };
        let device = match who {
            Who::Device(role) => Some(role),
            _ => None,
        };
        let is_contractor = who == Who::Contractor;
        // (method, route, concrete path, body, expected status)
        let mut rows: Vec<(&str, &str, String, Body, u16)> = Vec::new();

        // The sync API: the bearer token decides.
        let signed = |ok: u16, forbidden: u16| match device {
            None => 401,
            Some(role) if syncs(role) => ok,
            Some(_) => forbidden,
        };
        rows.push(("get", "/v1/health", "/v1/health".into(), Body::None, 200));
        rows.push((
            "get",
            "/v1/openapi.json",
            "/v1/openapi.json".into(),
            Body::None,
            200,
        ));
        rows.push((
            "post",
            "/v1/enrol",
            "/v1/enrol".into(),
            Body::Json(json!({ "protocol": 1, "code": "NOPE1-NOPE2-NOPE3", "device_name": "x" })),
            401,
        ));
        rows.push((
            "post",
            "/v1/token/refresh",
            "/v1/token/refresh".into(),
            Body::Json(json!({
                "protocol": 1,
                "device_id": uuid::Uuid::now_v7(),
                "refresh_token": "dsr_0000"
            })),
            401,
        ));
        rows.push((
            "get",
            "/v1/pull",
            "/v1/pull?after=0&limit=10".into(),
            Body::None,
            signed(200, 200),
        ));
        rows.push((
            "post",
            "/v1/pull",
            "/v1/pull".into(),
            Body::Json(json!({ "protocol": 1, "after": 0, "limit": 10 })),
            signed(200, 200),
        ));
        // Pushes of every kind a contractor must never touch, and of work orders.
        for entity in [
            EntityKind::Household,
            EntityKind::Person,
            EntityKind::Survey,
            EntityKind::CharlieCheck,
            EntityKind::Referral,
            EntityKind::WorkOrder,
        ] {
            let status = match device {
                None => 401,
                Some(role) if doorstep_hub::access::may_see(role, entity) => 200,
                Some(_) => 403,
            };
            let body = match device {
                Some(role) => {
                    let laptop = devices.get_mut(role.as_str()).unwrap();
                    let change = laptop.create(
                        entity,
                        &uuid::Uuid::now_v7().to_string(),
                        json!({ "note": "matrix" }),
                    );
                    Body::Json(laptop.push_body(&[change]))
                }
                None => Body::Json(json!({
                    "protocol": 1,
                    "device_id": uuid::Uuid::now_v7(),
                    "changes": []
                })),
            };
            rows.push(("post", "/v1/push", "/v1/push".into(), body, status));
        }
        // Household openings for the audit log: laptops of roles that sync send them.
        rows.push((
            "post",
            "/v1/audit/openings",
            "/v1/audit/openings".into(),
            Body::Json(json!({ "protocol": 1, "openings": [{
                "id": uuid::Uuid::now_v7(),
                "household_id": uuid::Uuid::now_v7(),
                "opened_by": "Matrix Person",
                "opened_at": "2026-01-01T09:00:00Z",
            }] })),
            signed(200, 403),
        ));
        // Attachments: laptops of roles that sync upload and fetch by digest.
        let first_upload = device.is_some_and(syncs) && !uploaded;
        uploaded |= first_upload;
        rows.push((
            "put",
            "/v1/attachments/{sha256}",
            format!("/v1/attachments/{png_sha}"),
            Body::Bytes(PNG_1X1.to_vec()),
            signed(if first_upload { 201 } else { 200 }, 403),
        ));
        rows.push((
            "get",
            "/v1/attachments/{sha256}",
            format!("/v1/attachments/{png_sha}"),
            Body::None,
            signed(200, 403),
        ));

        // The portal: only a signed-in firm user gets past the sign-in page.
        let page = |ok: u16| if is_contractor { ok } else { 303 };
        rows.push(("get", "/portal", "/portal".into(), Body::None, 303));
        rows.push((
            "get",
            "/portal/assets/portal.css",
            "/portal/assets/portal.css".into(),
            Body::None,
            200,
        ));
        rows.push((
            "get",
            "/portal/assets/logo.png",
            "/portal/assets/logo.png".into(),
            Body::None,
            200,
        ));
        rows.push((
            "get",
            "/portal/sign-in",
            "/portal/sign-in".into(),
            Body::None,
            200,
        ));
        rows.push((
            "post",
            "/portal/sign-in",
            "/portal/sign-in".into(),
            Body::Form(vec![
                ("email", EMAIL_A.into()),
                ("password", PASSWORD_A.into()),
            ]),
            403,
        ));
        rows.push((
            "get",
            "/portal/sign-in/code",
            "/portal/sign-in/code".into(),
            Body::None,
            303,
        ));
        rows.push((
            "post",
            "/portal/sign-in/code",
            "/portal/sign-in/code".into(),
            Body::Form(vec![("code", "123456".into())]),
            303,
        ));
        rows.push((
            "get",
            "/portal/password",
            "/portal/password".into(),
            Body::None,
            page(200),
        ));
        rows.push((
            "post",
            "/portal/password",
            "/portal/password".into(),
            Body::Form(vec![
                ("csrf", csrf.clone()),
                ("password", "x".into()),
                ("confirm", "y".into()),
            ]),
            page(400),
        ));
        rows.push((
            "get",
            "/portal/orders",
            "/portal/orders".into(),
            Body::None,
            page(200),
        ));
        for (target, ok) in [(&own, 200), (&other, 404)] {
            rows.push((
                "get",
                "/portal/orders/{id}",
                format!("/portal/orders/{target}"),
                Body::None,
                page(ok),
            ));
            rows.push((
                "get",
                "/portal/orders/{id}/work-order.pdf",
                format!("/portal/orders/{target}/work-order.pdf"),
                Body::None,
                page(ok),
            ));
            rows.push((
                "get",
                "/portal/orders/{id}/decline",
                format!("/portal/orders/{target}/decline"),
                Body::None,
                page(ok),
            ));
            rows.push((
                "get",
                "/portal/orders/{id}/appointment",
                format!("/portal/orders/{target}/appointment"),
                Body::None,
                page(ok),
            ));
        }
        // Another firm's order: never found, whatever is sent.
        for (route, path, body) in [
            (
                "/portal/orders/{id}/accept",
                format!("/portal/orders/{other}/accept"),
                vec![],
            ),
            (
                "/portal/orders/{id}/decline",
                format!("/portal/orders/{other}/decline"),
                vec![("reason", "x".to_owned())],
            ),
            (
                "/portal/orders/{id}/appointment",
                format!("/portal/orders/{other}/appointment"),
                vec![
                    ("day", "1".into()),
                    ("month", "1".into()),
                    ("year", "2099".into()),
                ],
            ),
            (
                "/portal/orders/{id}/items/{measure}/not-fitted",
                format!("/portal/orders/{other}/items/door_chain/not-fitted"),
                vec![("reason", "x".into())],
            ),
        ] {
            let mut form = vec![("csrf", csrf.clone()), ("seq", "1".into())];
            form.extend(body);
            rows.push(("post", route, path, Body::Form(form), page(404)));
        }
        rows.push((
            "get",
            "/portal/orders/{id}/items/{measure}",
            format!("/portal/orders/{other}/items/door_chain"),
            Body::None,
            page(404),
        ));
        rows.push((
            "post",
            "/portal/orders/{id}/items/{measure}/fitted",
            format!("/portal/orders/{other}/items/door_chain/fitted"),
            Body::Multipart(vec![
                ("csrf", csrf.clone()),
                ("seq", "1".into()),
                ("standard", "PAS 24".into()),
            ]),
            page(404),
        ));
        // The agencies' inbox: a firm's people find nothing there (tests/referrals.rs
        // walks it as an agency).
        let referral = uuid::Uuid::now_v7().to_string();
        for (route, suffix) in [
            ("/portal/referrals", String::new()),
            ("/portal/referrals/{id}", format!("/{referral}")),
            (
                "/portal/referrals/{id}/acknowledge",
                format!("/{referral}/acknowledge"),
            ),
            ("/portal/referrals/{id}/visit", format!("/{referral}/visit")),
            (
                "/portal/referrals/{id}/outcome",
                format!("/{referral}/outcome"),
            ),
            (
                "/portal/referrals/{id}/decline",
                format!("/{referral}/decline"),
            ),
            (
                "/portal/referrals/{id}/no-contact",
                format!("/{referral}/no-contact"),
            ),
            (
                "/portal/referrals/{id}/referral.pdf",
                format!("/{referral}/referral.pdf"),
            ),
            (
                "/portal/referrals/{id}/referral.json",
                format!("/{referral}/referral.json"),
            ),
            (
                "/portal/referrals/{id}/referral.csv",
                format!("/{referral}/referral.csv"),
            ),
        ] {
            let path = format!("/portal/referrals{suffix}");
            rows.push(("get", route, path, Body::None, page(404)));
        }
        for step in [
            "accept",
            "acknowledge",
            "visit",
            "outcome",
            "decline",
            "no-contact",
        ] {
            let route = match step {
                "accept" => "/portal/referrals/{id}/accept",
                "acknowledge" => "/portal/referrals/{id}/acknowledge",
                "visit" => "/portal/referrals/{id}/visit",
                "outcome" => "/portal/referrals/{id}/outcome",
                "decline" => "/portal/referrals/{id}/decline",
                _ => "/portal/referrals/{id}/no-contact",
            };
            rows.push((
                "post",
                route,
                format!("/portal/referrals/{referral}/{step}"),
                Body::Form(vec![
                    ("csrf", csrf.clone()),
                    ("seq", "1".into()),
                    ("reason", "x".into()),
                    ("outcome", "x".into()),
                    ("attempts", "x".into()),
                ]),
                page(404),
            ));
        }
        // The firm's own orders, in an order the rules allow: only the contractor's run
        // changes anything (everyone else is sent to sign in first).
        rows.push((
            "post",
            "/portal/orders/{id}/accept",
            format!("/portal/orders/{own}/accept"),
            Body::Step(vec![]),
            303,
        ));
        rows.push((
            "get",
            "/portal/orders/{id}/items/{measure}",
            format!("/portal/orders/{own}/items/door_chain"),
            Body::None,
            page(200),
        ));
        let soon = Utc::now().date_naive() + Days::new(5);
        rows.push((
            "post",
            "/portal/orders/{id}/appointment",
            format!("/portal/orders/{own}/appointment"),
            Body::Step(vec![
                ("day", soon.format("%-d").to_string()),
                ("month", soon.format("%-m").to_string()),
                ("year", soon.format("%Y").to_string()),
            ]),
            303,
        ));
        rows.push((
            "post",
            "/portal/orders/{id}/items/{measure}/not-fitted",
            format!("/portal/orders/{own}/items/letterbox_guard/not-fitted"),
            Body::Step(vec![("reason", "Door too thin".into())]),
            303,
        ));
        rows.push((
            "post",
            "/portal/orders/{id}/items/{measure}/fitted",
            format!("/portal/orders/{own}/items/door_chain/fitted"),
            Body::StepMultipart(vec![("standard", "PAS 24".into())]),
            303,
        ));
        rows.push((
            "post",
            "/portal/orders/{id}/decline",
            format!("/portal/orders/{own2}/decline"),
            Body::Step(vec![("reason", "No locksmith free".into())]),
            303,
        ));
        // Signing out last.
        rows.push((
            "post",
            "/portal/sign-out",
            "/portal/sign-out".into(),
            Body::Form(vec![("csrf", csrf.clone())]),
            303,
        ));

        for (method, route, path, body, expected) in rows {
            covered.push((route.to_owned(), method.to_owned()));
            let answer = send(&mut browser, method, &path, body, &csrf).await;
            assert_eq!(
                answer.status,
                expected,
                "{label} {} {path}: {}",
                method.to_uppercase(),
                answer.html().chars().take(500).collect::<String>()
            );
            if answer.status == 303
                && !is_contractor
                && path.starts_with("/portal/")
                && path != "/portal"
            {
                assert!(
                    answer.location().starts_with("/portal/sign-in"),
                    "{label} {path} is sent to sign in, not {}",
                    answer.location()
                );
            }
            if device.is_some_and(|r| !syncs(r)) && path.starts_with("/v1/pull") {
                let body: Value = serde_json::from_slice(&answer.body).unwrap();
                assert_eq!(body["entries"], json!([]), "{label} pulls no records");
            }
        }
        if is_contractor {
            contractor = browser;
        }
    }

    // Every route of the hub was asked by every role: the sync API's (from its OpenAPI
    // document) and the portal's.
    let doc: Value = serde_json::from_str(doorstep_hub::openapi::document()).unwrap();
    let mut routes: Vec<(String, String)> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            routes.push((path.clone(), method.clone()));
        }
    }
    for (path, methods) in doorstep_hub::portal::ROUTES {
        for method in *methods {
            routes.push(((*path).to_owned(), (*method).to_owned()));
        }
    }
    for route in &routes {
        let asked = covered.iter().filter(|c| *c == route).count();
        assert!(
            asked >= Who::all().len(),
            "{} {} was asked by {asked} principals, not all",
            route.1,
            route.0
        );
    }
    // Only the contractor's own steps (and the laptops' allowed pushes) changed anything.
    let order = order_on_hub(&w, &w.a1).await;
    assert_eq!(order.status, WorkOrderStatus::Scheduled);
    assert_eq!(order.items[0].status, ItemStatus::Fitted);
    assert_eq!(order.items[1].status, ItemStatus::NotFitted);
    assert_eq!(
        order_on_hub(&w, &w.a2).await.status,
        WorkOrderStatus::Declined
    );
    assert_eq!(order_on_hub(&w, &w.b1).await.status, WorkOrderStatus::New);
    let after = stats(&w.store).await;
    assert!(after.change_log > before.change_log);
    w.hub.stop().await;
}

/// A request body in the matrix.
#[derive(Debug, Clone)]
enum Body {
    None,
    Json(Value),
    Bytes(Vec<u8>),
    /// A form as given.
    Form(Vec<(&'static str, String)>),
    /// A multipart form as given, no file.
    Multipart(Vec<(&'static str, String)>),
    /// A step on the firm's own order: the fields plus the session's CSRF token and the
    /// order's current `seq` (read from its page when the browser can see it).
    Step(Vec<(&'static str, String)>),
    /// The same as a multipart form.
    StepMultipart(Vec<(&'static str, String)>),
}

async fn send(browser: &mut Browser, method: &str, path: &str, body: Body, csrf: &str) -> Page {
    let current_seq = |page: &Page| {
        if page.status == 200 {
            page.hidden("seq")
        } else {
            "1".to_owned()
        }
    };
    // The page whose form the step is sent from.
    let order_page = |path: &str| {
        let (head, last) = path.rsplit_once('/').unwrap();
        match last {
            "accept" => head.to_owned(),
            "fitted" | "not-fitted" => head.to_owned(),
            _ => path.to_owned(),
        }
    };
    match (method, body) {
        ("get", Body::None) => browser.get(path).await,
        ("post", Body::Json(v)) => {
            browser
                .send(
                    "POST",
                    path,
                    Some("application/json"),
                    serde_json::to_vec(&v).unwrap(),
                )
                .await
        }
        ("put", Body::Bytes(b)) => {
            browser
                .send("PUT", path, Some("application/octet-stream"), b)
                .await
        }
        ("post", Body::Form(fields)) => {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            browser.post(path, &fields).await
        }
        ("post", Body::Multipart(fields)) => {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            browser.post_multipart(path, &fields, None).await
        }
        ("post", Body::Step(mut fields)) => {
            let seq = current_seq(&browser.get(&order_page(path)).await);
            fields.push(("seq", seq));
            fields.push(("csrf", csrf.to_owned()));
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            browser.post(path, &fields).await
        }
        ("post", Body::StepMultipart(mut fields)) => {
            let seq = current_seq(&browser.get(&order_page(path)).await);
            fields.push(("seq", seq));
            fields.push(("csrf", csrf.to_owned()));
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            browser.post_multipart(path, &fields, None).await
        }
        (method, body) => panic!("no way to send {method} {body:?}"),
    }
}
