//! The council console over HTTP, as a browser without JavaScript uses it, every test run
//! once on SQLite and once on PostgreSQL: the set-up link, signing in, TOTP for admin and
//! dpo, the throttle, CSRF, portal and console sessions kept apart, each administrator's
//! action (audited with their id, bad input changing nothing), and a route × role matrix
//! over every console route.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is a failed test

#[macro_use]
mod support;

#[path = "support/browser.rs"]
mod browser;

use browser::{Browser, Page};
use doorstep_core::Role;
use doorstep_hub::admin::{self, NewPerson};
use doorstep_hub::console::ROUTES;
use doorstep_hub::model::{AuditEntry, Refusal, StoreError};
use doorstep_hub::web::totp;
use doorstep_hub::{Clock, HubConfig, SharedStore};
use support::{Backend, Hub, TestDb, enrol, org, request, user_with_code};

on_both_backends!(
    a_set_up_link_works_once_and_signs_in,
    admin_and_dpo_need_a_security_code,
    wrong_passwords_lock_the_account,
    a_missing_or_forged_csrf_token_changes_nothing,
    portal_and_console_sessions_are_kept_apart,
    an_admin_looks_after_teams_and_people,
    an_admin_looks_after_laptops,
    a_data_protection_officer_gets_no_laptop,
    every_route_answers_every_role_as_expected,
    casework_is_found_and_listed_within_each_readers_scope,
    a_supervisor_approves_a_plan_and_the_laptop_pulls_it_with_its_orders,
    a_supervisor_returns_a_plan_and_the_laptop_pulls_it_as_a_draft,
    an_admin_moves_a_household_to_another_team,
    an_admin_and_a_dpo_read_and_export_the_audit_log,
    the_audit_log_is_theirs_alone,
    an_admin_looks_after_contractor_firms,
    the_laptops_page_shows_app_version_and_changes_waiting,
    the_enrolment_code_page_has_a_qr_code,
    an_admin_gives_an_existing_person_console_access,
    turning_console_access_off_leaves_the_laptop_syncing,
    the_council_logo_is_in_the_header,
    a_dpo_works_requests_and_erases_a_household_everywhere,
    a_dpo_finds_a_person_by_date_of_birth_or_phone_and_downloads_everything,
    a_dpo_restricts_a_household_and_no_laptop_or_console_can_change_it,
    a_supervisor_cannot_decide_the_plan_of_a_restricted_household,
    a_dpo_reads_the_record_of_processing_and_an_officer_cannot,
    the_disposal_report_counts_what_each_run_disposed_of,
    reports_count_each_readers_records_and_hide_small_numbers,
);

const PASSWORD: &str = "a long and memorable pass phrase";

struct World {
    _db: TestDb,
    store: SharedStore,
    hub: Hub,
    clock: Clock,
    north: String,
    south: String,
}

fn test_config() -> HubConfig {
    let mut config = HubConfig::default();
    // The matrix sends many requests from one address; the rate limit is not under test.
    config.rate_limit.burst = 100_000;
    config.rate_limit.per_second = 100_000.0;
    config
}

async fn world(backend: Backend) -> World {
    let db = TestDb::new(backend).await;
    let store = doorstep_hub::open(&db.url).await.unwrap();
    let teams = org(&store).await;
    let clock = Clock::system();
    let hub = Hub::start(store.clone(), test_config(), clock.clone()).await;
    World {
        _db: db,
        store,
        hub,
        clock,
        north: teams.north,
        south: teams.south,
    }
}

impl World {
    /// Adds a person with a console account; returns their id and set-up link's path.
    async fn person(&self, name: &str, role: Role, team: &str, email: &str) -> (String, String) {
        let person = NewPerson {
            team: team.to_owned(),
            name: name.to_owned(),
            role,
            email: Some(email.to_owned()),
        };
        let added = admin::add_user(&self.store, None, &person, 3600, self.clock.now_ms())
            .await
            .unwrap();
        let token = added.setup_token.expect("an email gives a set-up link");
        (added.id, admin::setup_path(&token))
    }

    /// The TOTP secret the set-up page gave `email`.
    async fn secret(&self, email: &str) -> String {
        let console = self.store.console().unwrap();
        console
            .user_by_email(email)
            .await
            .unwrap()
            .unwrap()
            .totp_secret
            .expect("a secret was offered")
    }

    fn code(&self, secret: &str) -> String {
        totp::totp_code(secret, self.clock.now_ms()).unwrap()
    }

    /// The code of the next 30-second step (accepted: one step of clock skew).
    fn next_code(&self, secret: &str) -> String {
        totp::totp_code(secret, self.clock.now_ms() + 30_000).unwrap()
    }

    /// A browser signed in as a new person with `role` in `team`.
    async fn signed_in(&self, name: &str, role: Role, team: &str) -> (Browser, String) {
        let email = format!("{}@council.example", name.to_lowercase().replace(' ', "."));
        let (id, link) = self.person(name, role, team, &email).await;
        let mut browser = Browser::new(&self.hub);
        let form = browser.get(&link).await;
        form.expect(200);
        let csrf = form.hidden("csrf");
        let mut fields = vec![
            ("csrf", csrf.as_str()),
            ("password", PASSWORD),
            ("confirm", PASSWORD),
        ];
        let code;
        if matches!(role, Role::Admin | Role::Dpo) {
            code = self.code(&self.secret(&email).await);
            fields.push(("code", code.as_str()));
        }
        browser
            .post(&link, &fields)
            .await
            .redirects_to("/console/sign-in");
        let signed = browser.sign_in(&email, PASSWORD).await;
        if matches!(role, Role::Admin | Role::Dpo) {
            signed.redirects_to("/console/sign-in/code");
            let page = browser.get("/console/sign-in/code").await;
            let csrf = page.hidden("csrf");
            // The set-up spent its code's step: the next step's code (one step of skew is
            // allowed) signs in without waiting for the clock.
            let code = self.next_code(&self.secret(&email).await);
            browser
                .post("/console/sign-in/code", &[("csrf", &csrf), ("code", &code)])
                .await
                .redirects_to("/console/home");
        } else {
            signed.redirects_to("/console/home");
        }
        (browser, id)
    }
}

/// The console's own steps.
impl Browser {
    /// Signs in with the console's sign-in form; answers the form's answer.
    async fn sign_in(&mut self, email: &str, password: &str) -> Page {
        let form = self.get("/console/sign-in").await;
        form.expect(200);
        let csrf = form.hidden("csrf");
        self.post(
            "/console/sign-in",
            &[("csrf", &csrf), ("email", email), ("password", password)],
        )
        .await
    }

    /// The session's CSRF token, from the home page.
    async fn csrf(&mut self) -> String {
        let home = self.get("/console/home").await;
        home.expect(200);
        home.hidden("csrf")
    }
}

async fn a_set_up_link_works_once_and_signs_in(backend: Backend) {
    let w = world(backend).await;
    let email = "sam.checkley@council.example";
    let (id, link) = w
        .person("Sam Checkley", Role::Supervisor, &w.north, email)
        .await;
    let mut b = Browser::new(&w.hub);

    // No password yet: nothing signs in.
    b.sign_in(email, PASSWORD).await.expect(401);

    let form = b.get(&link).await;
    form.expect(200).says("Set up your account").says(email);
    assert!(
        !form.html().contains("security code"),
        "no TOTP for a supervisor"
    );
    let csrf = form.hidden("csrf");
    // Bad input: a short password, then two that differ. Nothing changes.
    b.post(
        &link,
        &[("csrf", &csrf), ("password", "short"), ("confirm", "short")],
    )
    .await
    .expect(400)
    .says("There is a problem")
    .says("12 characters or more");
    let csrf = b.get(&link).await.hidden("csrf");
    b.post(
        &link,
        &[
            ("csrf", &csrf),
            ("password", PASSWORD),
            ("confirm", "something else entirely"),
        ],
    )
    .await
    .expect(400)
    .says("Type the same password again");
    let person = w
        .store
        .console()
        .unwrap()
        .person(&id)
        .await
        .unwrap()
        .unwrap();
    assert!(!person.set_up, "a refused form set nothing");

    let csrf = b.get(&link).await.hidden("csrf");
    b.post(
        &link,
        &[
            ("csrf", &csrf),
            ("password", PASSWORD),
            ("confirm", PASSWORD),
        ],
    )
    .await
    .redirects_to("/console/sign-in?set_up=1");
    // Used once: gone.
    b.get(&link).await.expect(404).says("cannot be used");
    b.get("/console/set-up/not-a-token").await.expect(404);

    b.sign_in(email, "not the password at all")
        .await
        .expect(401);
    b.sign_in(email, PASSWORD)
        .await
        .redirects_to("/console/home");
    let home = b.get("/console/home").await;
    home.expect(200)
        .says("Sam Checkley")
        .says("Supervisor")
        .says("North");
    assert!(!home.html().contains("/console/people"), "no admin links");
    let csrf = home.hidden("csrf");
    b.post("/console/sign-out", &[("csrf", &csrf)])
        .await
        .redirects_to("/console/sign-in?signed_out=1");
    b.get("/console/home")
        .await
        .redirects_to("/console/sign-in");
}

async fn admin_and_dpo_need_a_security_code(backend: Backend) {
    let w = world(backend).await;
    for (role, email) in [
        (Role::Admin, "ada.admin@council.example"),
        (Role::Dpo, "dee.dpo@council.example"),
    ] {
        let (_, link) = w.person("Someone", role, &w.north, email).await;
        let mut b = Browser::new(&w.hub);
        let form = b.get(&link).await;
        form.expect(200).says("Set up your security code");
        let secret = w.secret(email).await;
        // Reloading the page keeps the same secret (the app was given it once).
        b.get(&link).await.expect(200);
        assert_eq!(w.secret(email).await, secret);
        let csrf = b.get(&link).await.hidden("csrf");
        b.post(
            &link,
            &[
                ("csrf", &csrf),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
            ],
        )
        .await
        .expect(400)
        .says("Enter the 6-digit code");
        let csrf = b.get(&link).await.hidden("csrf");
        b.post(
            &link,
            &[
                ("csrf", &csrf),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
                ("code", "000000"),
            ],
        )
        .await
        .expect(400);
        let csrf = b.get(&link).await.hidden("csrf");
        let code = w.code(&secret);
        b.post(
            &link,
            &[
                ("csrf", &csrf),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
                ("code", &code),
            ],
        )
        .await
        .redirects_to("/console/sign-in");

        b.sign_in(email, PASSWORD)
            .await
            .redirects_to("/console/sign-in/code");
        // Half signed in: every page sends back to the code.
        b.get("/console/home")
            .await
            .redirects_to("/console/sign-in/code");
        let csrf = b.get("/console/sign-in/code").await.hidden("csrf");
        b.post("/console/sign-in/code", &[("csrf", &csrf), ("code", "12")])
            .await
            .expect(401);
        b.post("/console/sign-in/code", &[("csrf", &csrf), ("code", "")])
            .await
            .expect(400);
        // The set-up's code was spent there: it does not sign in again.
        b.post("/console/sign-in/code", &[("csrf", &csrf), ("code", &code)])
            .await
            .expect(401);
        let code = w.next_code(&secret);
        b.post("/console/sign-in/code", &[("csrf", &csrf), ("code", &code)])
            .await
            .redirects_to("/console/home");
        b.get("/console/home").await.expect(200).says(role.label());

        // The same code again, in a new sign-in: spent.
        let mut again = Browser::new(&w.hub);
        again.sign_in(email, PASSWORD).await;
        let csrf = again.get("/console/sign-in/code").await.hidden("csrf");
        again
            .post("/console/sign-in/code", &[("csrf", &csrf), ("code", &code)])
            .await
            .expect(401);
    }

    // A supervisor made admin has no second factor: no sign-in until they have one.
    let email = "sam.s@council.example";
    let (id, link) = w.person("Sam", Role::Supervisor, &w.north, email).await;
    let mut b = Browser::new(&w.hub);
    let csrf = b.get(&link).await.hidden("csrf");
    b.post(
        &link,
        &[
            ("csrf", &csrf),
            ("password", PASSWORD),
            ("confirm", PASSWORD),
        ],
    )
    .await
    .redirects_to("/console/sign-in");
    b.sign_in(email, PASSWORD)
        .await
        .redirects_to("/console/home");
    admin::set_role(&w.store, None, &id, Role::Admin, w.clock.now_ms())
        .await
        .unwrap();
    b.get("/console/home")
        .await
        .redirects_to("/console/sign-in?ended=1");
    b.sign_in(email, PASSWORD)
        .await
        .expect(403)
        .says("cannot be used");
}

async fn wrong_passwords_lock_the_account(backend: Backend) {
    let w = world(backend).await;
    let (mut b, _) = w.signed_in("Sam Lock", Role::Supervisor, &w.north).await;
    let email = "sam.lock@council.example";
    for _ in 0..5 {
        b.sign_in(email, "wrong wrong wrong wrong")
            .await
            .expect(401);
    }
    let locked = b.sign_in(email, PASSWORD).await;
    locked.expect(429).says("too many attempts");
    assert!(locked.header("retry-after").is_some());
    // The portal's throttle counts its own accounts: the console's lock is not theirs.
    let portal_keys = doorstep_hub::web::throttle::Keys::new(email, w.hub.addr);
    assert_ne!(
        portal_keys.account,
        doorstep_hub::web::throttle::Keys::in_app("console:", email, w.hub.addr).account
    );
}

async fn a_missing_or_forged_csrf_token_changes_nothing(backend: Backend) {
    let w = world(backend).await;
    let (mut b, _) = w.signed_in("Ada Admin", Role::Admin, &w.north).await;
    let console = w.store.console().unwrap();
    let before = console.teams().await.unwrap().len();
    let orgs = console.organisations().await.unwrap();
    let org = orgs[0].0.clone();
    b.post("/console/teams", &[("name", "East"), ("org", &org)])
        .await
        .expect(403);
    b.post(
        "/console/teams",
        &[("csrf", &"0".repeat(64)), ("name", "East"), ("org", &org)],
    )
    .await
    .expect(403);
    assert_eq!(console.teams().await.unwrap().len(), before);
    // A sign-in form without the cookie it was bound to.
    let mut fresh = Browser::new(&w.hub);
    fresh
        .post(
            "/console/sign-in",
            &[
                ("csrf", &"a".repeat(64)),
                ("email", "x@y.example"),
                ("password", PASSWORD),
            ],
        )
        .await
        .expect(403);
}

async fn portal_and_console_sessions_are_kept_apart(backend: Backend) {
    let w = world(backend).await;
    let portal = w.store.portal().unwrap();
    let now = w.clock.now_ms();
    doorstep_hub::portal::admin::add_firm(&portal, "quillon_locks", "Quillon Locks", now)
        .await
        .unwrap();
    doorstep_hub::portal::admin::add_firm_user(
        &portal,
        "quillon_locks",
        "fitter@quillon.example",
        "Fitter",
        Some(PASSWORD),
        now,
    )
    .await
    .unwrap();
    let mut contractor = Browser::new(&w.hub);
    let form = contractor.get("/portal/sign-in").await;
    let csrf = form.hidden("csrf");
    contractor
        .post(
            "/portal/sign-in",
            &[
                ("csrf", &csrf),
                ("email", "fitter@quillon.example"),
                ("password", PASSWORD),
            ],
        )
        .await
        .expect(303);
    contractor.get("/portal/orders").await.expect(200);
    // The portal's cookie is no console session.
    contractor
        .get("/console/home")
        .await
        .redirects_to("/console/sign-in");
    contractor
        .get("/console/people")
        .await
        .redirects_to("/console/sign-in");
    // A contractor's email and password do not sign in to the console.
    contractor
        .sign_in("fitter@quillon.example", PASSWORD)
        .await
        .expect(401);

    let (mut staff, _) = w.signed_in("Sam Apart", Role::Supervisor, &w.north).await;
    staff.get("/console/home").await.expect(200);
    staff
        .get("/portal/orders")
        .await
        .redirects_to("/portal/sign-in");
}

async fn an_admin_looks_after_teams_and_people(backend: Backend) {
    let w = world(backend).await;
    let (mut b, admin_id) = w.signed_in("Ada Admin", Role::Admin, &w.north).await;
    let console = w.store.console().unwrap();
    let org = console.organisations().await.unwrap()[0].0.clone();

    // Teams: bad input shows an error summary and adds nothing.
    b.get("/console/teams").await.expect(200).says("North");
    let csrf = b.csrf().await;
    let before = console.teams().await.unwrap().len();
    for (name, org) in [
        ("", org.as_str()),
        ("East", "no-such-org"),
        ("North", org.as_str()),
    ] {
        b.post(
            "/console/teams",
            &[("csrf", &csrf), ("name", name), ("org", org)],
        )
        .await
        .expect(400)
        .says("There is a problem");
    }
    assert_eq!(console.teams().await.unwrap().len(), before);
    b.post(
        "/console/teams",
        &[("csrf", &csrf), ("name", "East"), ("org", &org)],
    )
    .await
    .redirects_to("/console/teams");
    assert!(
        console
            .teams()
            .await
            .unwrap()
            .iter()
            .any(|t| t.name == "East")
    );

    // People: bad input adds no one.
    let people = console.people().await.unwrap().len();
    for fields in [
        [
            ("name", ""),
            ("team", w.north.as_str()),
            ("role", "officer"),
            ("email", ""),
        ],
        [
            ("name", "Olive"),
            ("team", "no-team"),
            ("role", "officer"),
            ("email", ""),
        ],
        [
            ("name", "Olive"),
            ("team", w.north.as_str()),
            ("role", "contractor"),
            ("email", ""),
        ],
        [
            ("name", "Olive"),
            ("team", w.north.as_str()),
            ("role", "officer"),
            ("email", "not an email"),
        ],
        [
            ("name", "Olive"),
            ("team", w.north.as_str()),
            ("role", "dpo"),
            ("email", ""),
        ],
        [
            ("name", "Olive"),
            ("team", w.north.as_str()),
            ("role", "officer"),
            ("email", "ada.admin@council.example"),
        ],
    ] {
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend(fields);
        b.post("/console/people/new", &form)
            .await
            .expect(400)
            .says("There is a problem");
    }
    assert_eq!(console.people().await.unwrap().len(), people);

    // An officer with no console access: straight to their page.
    let added = b
        .post(
            "/console/people/new",
            &[
                ("csrf", &csrf),
                ("name", "Olive Officer"),
                ("team", &w.north),
                ("role", "officer"),
                ("email", ""),
            ],
        )
        .await;
    added.redirects_to("/console/people/");
    let olive = added
        .location()
        .trim_start_matches("/console/people/")
        .to_owned();
    b.get(&format!("/console/people/{olive}"))
        .await
        .expect(200)
        .says("Olive Officer")
        .says("Burglary reduction officer");
    // A supervisor with an email: the set-up link is shown once.
    b.post(
        "/console/people/new",
        &[
            ("csrf", &csrf),
            ("name", "Sue Super"),
            ("team", &w.south),
            ("role", "supervisor"),
            ("email", "Sue@Council.Example"),
        ],
    )
    .await
    .expect(200)
    .says("/console/set-up/")
    .says("shown only now");

    // Change role and team; bad values change nothing.
    let path = format!("/console/people/{olive}");
    b.post(
        &format!("{path}/role"),
        &[("csrf", &csrf), ("role", "emperor")],
    )
    .await
    .expect(400);
    b.post(
        &format!("{path}/team"),
        &[("csrf", &csrf), ("team", "nowhere")],
    )
    .await
    .expect(400);
    let olive_row = console.person(&olive).await.unwrap().unwrap();
    assert_eq!(
        (olive_row.role, olive_row.team_id.as_str()),
        (Role::Officer, w.north.as_str())
    );
    b.post(
        &format!("{path}/role"),
        &[("csrf", &csrf), ("role", "warden")],
    )
    .await
    .redirects_to(&path);
    b.post(
        &format!("{path}/team"),
        &[("csrf", &csrf), ("team", &w.south)],
    )
    .await
    .redirects_to(&path);
    let olive_row = console.person(&olive).await.unwrap().unwrap();
    assert_eq!(
        (olive_row.role, olive_row.team_id.as_str()),
        (Role::Warden, w.south.as_str())
    );
    // Someone who is not there: 404, for every action.
    for action in ["role", "team", "access", "enrolment-code"] {
        b.post(
            &format!("/console/people/nobody/{action}"),
            &[("csrf", &csrf), ("role", "warden"), ("team", &w.south)],
        )
        .await
        .expect(404);
    }
    b.get("/console/people/nobody").await.expect(404);

    // Console access off: their session ends, they cannot sign in; on again: they can.
    let (mut sam, sam_id) = w.signed_in("Sam Off", Role::Supervisor, &w.north).await;
    let sam_path = format!("/console/people/{sam_id}");
    b.post(
        &format!("{sam_path}/access"),
        &[("csrf", &csrf), ("access", "sideways")],
    )
    .await
    .expect(400);
    sam.get("/console/home").await.expect(200);
    b.post(
        &format!("{sam_path}/access"),
        &[("csrf", &csrf), ("access", "off")],
    )
    .await
    .redirects_to(&sam_path);
    sam.get("/console/home")
        .await
        .redirects_to("/console/sign-in");
    sam.sign_in("sam.off@council.example", PASSWORD)
        .await
        .expect(403);
    b.post(
        &format!("{sam_path}/access"),
        &[("csrf", &csrf), ("access", "on")],
    )
    .await
    .redirects_to(&sam_path);
    sam.sign_in("sam.off@council.example", PASSWORD)
        .await
        .redirects_to("/console/home");

    // A new set-up link: the old password stops working, the new link sets a new one.
    b.post(
        &format!("/console/people/{olive}/set-up-link"),
        &[("csrf", &csrf)],
    )
    .await
    .expect(400)
    .says("no console account");
    let renewed = b
        .post(&format!("{sam_path}/set-up-link"), &[("csrf", &csrf)])
        .await;
    renewed.expect(200).says("/console/set-up/");
    let html = renewed.html();
    let start = html.find("/console/set-up/").unwrap();
    let link = html[start..].split('<').next().unwrap().to_owned();
    sam.get("/console/home")
        .await
        .redirects_to("/console/sign-in");
    sam.sign_in("sam.off@council.example", PASSWORD)
        .await
        .expect(401);
    let new_password = "another long and memorable phrase";
    let csrf_link = sam.get(&link).await.hidden("csrf");
    sam.post(
        &link,
        &[
            ("csrf", &csrf_link),
            ("password", new_password),
            ("confirm", new_password),
        ],
    )
    .await
    .redirects_to("/console/sign-in");
    sam.sign_in("sam.off@council.example", new_password)
        .await
        .redirects_to("/console/home");

    // Every change is audited with the administrator's id, as the command line's are.
    let audit = w.store.audit(500).await.unwrap();
    for action in [
        "admin.add-team",
        "admin.add-user",
        "admin.set-role",
        "admin.move-user",
        "admin.disable-user",
        "admin.enable-user",
        "admin.set-up-link",
    ] {
        assert!(
            audit.iter().any(|e| e.action == action
                && e.user_id.as_deref() == Some(admin_id.as_str())
                && e.outcome.starts_with("ok")),
            "{action} audited with the admin's id: {audit:#?}"
        );
    }
}

async fn an_admin_looks_after_laptops(backend: Backend) {
    let w = world(backend).await;
    let (mut b, admin_id) = w.signed_in("Ada Admin", Role::Admin, &w.north).await;
    let console = w.store.console().unwrap();
    let csrf = b.csrf().await;
    let olive = w
        .store
        .add_user(&w.north, "Olive Officer", Role::Officer, w.clock.now_ms())
        .await
        .unwrap();
    let shown = b
        .post(
            &format!("/console/people/{olive}/enrolment-code"),
            &[("csrf", &csrf)],
        )
        .await;
    shown.expect(200).says("Enrolment code for Olive Officer");
    let html = shown.html();
    let start = html.find("id=\"secret\">").unwrap() + "id=\"secret\">".len();
    let code = html[start..].split('<').next().unwrap().to_owned();
    let laptop = enrol(&w.hub, &code).await;
    laptop.pull(&w.hub, 0, 10).await;

    let list = b.get("/console/laptops").await;
    list.expect(200)
        .says("Test laptop")
        .says("Olive Officer")
        .says("Active");
    let device = laptop.device_id.to_string();
    b.get(&format!("/console/laptops/{device}/revoke"))
        .await
        .expect(200)
        .says("erase everything Doorstep holds on it");
    b.get("/console/laptops/no-such-laptop/revoke")
        .await
        .expect(404);
    b.post("/console/laptops/no-such-laptop/revoke", &[("csrf", &csrf)])
        .await
        .expect(404);
    b.post(
        &format!("/console/laptops/{device}/revoke"),
        &[("csrf", &csrf)],
    )
    .await
    .redirects_to("/console/laptops");
    assert!(console.laptops().await.unwrap()[0].revoked_at.is_some());
    laptop
        .pull(&w.hub, 0, 10)
        .await
        .expect(410, "device_revoked");
    b.get(&format!("/console/laptops/{device}/revoke"))
        .await
        .expect(200)
        .says("already revoked");

    let audit = w.store.audit(500).await.unwrap();
    for action in ["admin.enrolment-code", "admin.revoke-device"] {
        assert!(
            audit
                .iter()
                .any(|e| e.action == action && e.user_id.as_deref() == Some(admin_id.as_str())),
            "{action} audited with the admin's id"
        );
    }
}

async fn a_data_protection_officer_gets_no_laptop(backend: Backend) {
    let w = world(backend).await;
    let (dpo, _) = w
        .person("Dee Dpo", Role::Dpo, &w.north, "dee@council.example")
        .await;
    let refused = admin::enrolment_code(&w.store, None, &dpo, 3600, w.clock.now_ms()).await;
    assert!(
        matches!(
            refused,
            Err(StoreError::Refused(Refusal::RoleForbidden(Role::Dpo)))
        ),
        "{refused:?}"
    );
    let (mut b, _) = w.signed_in("Ada Admin", Role::Admin, &w.north).await;
    let csrf = b.csrf().await;
    let page = b.get(&format!("/console/people/{dpo}")).await;
    page.expect(200);
    assert!(!page.html().contains("enrolment-code"), "no code offered");
    b.post(
        &format!("/console/people/{dpo}/enrolment-code"),
        &[("csrf", &csrf)],
    )
    .await
    .expect(400)
    .says("not on a laptop");
}

/// What a route answers a browser that may use it: anything but not-found, a sign-in
/// redirect or a server error.
fn allowed(page: &Page) -> bool {
    page.status < 500 && page.status != 404 && !page.location().starts_with("/console/sign-in")
}

/// Who may use the routes under each prefix; everyone else signed in gets 404. A route
/// under none of these is any signed-in person's (or public).
const WHO_MAY: &[(&str, &[Role])] = &[
    ("/console/teams", &[Role::Admin]),
    ("/console/people", &[Role::Admin]),
    ("/console/laptops", &[Role::Admin]),
    ("/console/firms", &[Role::Admin]),
    ("/console/agencies", &[Role::Admin]),
    ("/console/audit", &[Role::Admin, Role::Dpo]),
    ("/console/privacy/data-map", &[Role::Admin, Role::Dpo]),
    ("/console/privacy/retention", &[Role::Admin, Role::Dpo]),
    // No request has the id the matrix tries: not found for everyone, never a 5xx.
    ("/console/privacy/requests/", &[]),
    ("/console/privacy/people", &[Role::Dpo]),
    ("/console/privacy", &[Role::Dpo]),
    ("/console/referral-emails", &[Role::Supervisor, Role::Admin]),
    ("/console/reports/export", &[Role::Analyst, Role::Admin]),
    (
        "/console/reports",
        &[Role::Supervisor, Role::Analyst, Role::Admin],
    ),
    // No household has the id the matrix tries: not found for everyone, never a 5xx.
    ("/console/households/", &[]),
    ("/console/plans/", &[]),
    ("/console/households", CASEWORK),
    ("/console/lists", CASEWORK),
];

/// The roles that read casework: those who work cases (their own team's) and the data
/// protection officer (every team's). The matrix's list is one every one of them reads.
const CASEWORK: &[Role] = &[
    Role::Officer,
    Role::Warden,
    Role::FireCrew,
    Role::Supervisor,
    Role::Dpo,
];

/// The roles that may use `route`, when it is not everyone's.
fn who_may(route: &str) -> Option<&'static [Role]> {
    WHO_MAY
        .iter()
        .find(|(prefix, _)| route.starts_with(prefix))
        .map(|(_, roles)| *roles)
}

async fn every_route_answers_every_role_as_expected(backend: Backend) {
    let w = world(backend).await;
    let (mut admin_b, _) = w.signed_in("Ada Admin", Role::Admin, &w.north).await;
    let target = w
        .store
        .add_user(&w.south, "Target", Role::Officer, w.clock.now_ms())
        .await
        .unwrap();
    let code = admin::enrolment_code(&w.store, None, &target, 3600, w.clock.now_ms())
        .await
        .unwrap()
        .1;
    let device = enrol(&w.hub, &code).await.device_id.to_string();
    let now = w.clock.now_ms();
    let firm = doorstep_hub::portal::admin::add_firm_audited(
        &w.store,
        None,
        "quillon_locks",
        "Quillon Locks",
        now,
    )
    .await
    .unwrap();
    let fitter = doorstep_hub::portal::admin::add_firm_user_audited(
        &w.store,
        None,
        &firm,
        "fitter@quillon.example",
        "Fitter",
        None,
        now,
    )
    .await
    .unwrap()
    .id;
    let mut sessions: Vec<(String, Option<Role>, Option<Browser>)> =
        vec![("no session".into(), None, None)];
    for (name, role, team) in [
        ("Olive Officer", Role::Officer, &w.north),
        ("Other Officer", Role::Officer, &w.south),
        ("Wendy Warden", Role::Warden, &w.north),
        ("Fred Crew", Role::FireCrew, &w.north),
        ("Sue Super", Role::Supervisor, &w.north),
        ("Ann Analyst", Role::Analyst, &w.north),
        ("Dee Dpo", Role::Dpo, &w.north),
    ] {
        let (browser, _) = w.signed_in(name, role, team).await;
        sessions.push((format!("{role:?} of {team}"), Some(role), Some(browser)));
    }
    let admin_csrf = admin_b.csrf().await;
    for (route, methods) in ROUTES {
        let id = if route.starts_with("/console/laptops") {
            &device
        } else if route.starts_with("/console/firms") {
            &firm
        } else {
            &target
        };
        let path = route
            .replace("{id}", id)
            .replace("{slug}", "referrals-overdue")
            .replace("{user}", &fitter)
            .replace("{token}", &"ab".repeat(32))
            .replace(
                "{file}",
                if route.contains("/returns/") {
                    "safer-streets-quarterly.xlsx"
                } else {
                    "items-by-category.csv"
                },
            );
        for method in *methods {
            // Open to anyone (or only a redirect onwards); signing out is tried last.
            let public = *route == "/console"
                || route.starts_with("/console/sign-in")
                || route.starts_with("/console/set-up")
                || route.ends_with(".css")
                || route.ends_with(".png");
            if *route == "/console/sign-out" {
                continue;
            }
            let only = who_may(route);
            for (who, role, browser) in &mut sessions {
                let page = match (browser.as_mut(), *method) {
                    (None, "get") => Browser::new(&w.hub).get(&path).await,
                    (None, _) => Browser::new(&w.hub).post(&path, &[("csrf", "x")]).await,
                    (Some(b), "get") => b.get(&path).await,
                    (Some(b), _) => {
                        let csrf = b.csrf().await;
                        b.post(&path, &[("csrf", &csrf)]).await
                    }
                };
                assert!(
                    page.status < 500,
                    "{method} {route} as {who}: {}",
                    page.status
                );
                if public {
                    continue;
                }
                match (role, only) {
                    (None, _) => assert!(
                        page.status == 303 && page.location().starts_with("/console/sign-in")
                            || page.status == 403,
                        "{method} {route} with no session: {} {}",
                        page.status,
                        page.location()
                    ),
                    (Some(role), Some(roles)) if !roles.contains(role) => {
                        assert_eq!(page.status, 404, "{method} {route} as {who} is not theirs")
                    }
                    (Some(_), _) => assert!(
                        allowed(&page),
                        "{method} {route} as {who}: {} {}",
                        page.status,
                        page.location()
                    ),
                }
            }
            // The administrator may use it (a bare form is a bad form, never a 5xx).
            let page = if *method == "get" {
                admin_b.get(&path).await
            } else {
                admin_b.post(&path, &[("csrf", &admin_csrf)]).await
            };
            if only.is_some_and(|roles| !roles.contains(&Role::Admin)) {
                assert_eq!(
                    page.status, 404,
                    "{method} {route} is not the administrator's"
                );
            } else if !public {
                assert!(
                    allowed(&page),
                    "{method} {route} as admin: {} {}",
                    page.status,
                    page.location()
                );
            }
        }
    }
    // Signing out, last: every session may, none without its token.
    for (who, _, browser) in &mut sessions {
        let Some(b) = browser.as_mut() else { continue };
        b.post("/console/sign-out", &[("csrf", "x")])
            .await
            .expect(403);
        let csrf = b.csrf().await;
        let page = b.post("/console/sign-out", &[("csrf", &csrf)]).await;
        assert_eq!(page.location(), "/console/sign-in?signed_out=1", "{who}");
    }
}

/// A council's data map that cannot be used stops the hub before it does anything,
/// naming the file, the line and the reason; a good one lets it run.
#[test]
fn a_faulty_data_map_stops_the_hub_naming_its_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("hub.db").display());
    let path = dir.path().join("data-map.toml");
    let run = |text: &str| {
        std::fs::write(&path, text).unwrap();
        std::process::Command::new(env!("CARGO_BIN_EXE_doorstep-hub"))
            .env("DOORSTEP_HUB_DATA_MAP", &path)
            .args([
                "--database",
                &url,
                "admin",
                "create-org",
                "Northshire Council",
            ])
            .output()
            .unwrap()
    };
    let shipped = doorstep_core::built_in::DATA_MAP.1;
    let bad = shipped.replacen("roles = [\"supervisor\"]", "roles = [\"caretaker\"]", 1);
    let line = bad
        .lines()
        .position(|l| l.contains("caretaker"))
        .map(|n| n + 1)
        .unwrap();
    let out = run(&bad);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "refused: {said}");
    for words in [
        path.display().to_string(),
        format!("line {line}:"),
        "caretaker".to_owned(),
    ] {
        assert!(said.contains(&words), "{words} in {said}");
    }
    assert!(!dir.path().join("hub.db").exists(), "nothing was done");
    let out = run(shipped);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn the_command_line_prints_a_set_up_link() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("hub.db").display());
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_doorstep-hub"))
            .args(["--database", &url, "admin"])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    run(&["create-org", "Northshire Council"]);
    run(&["add-team", "Northshire Council", "North"]);
    let out = run(&[
        "add-user",
        "--team",
        "North",
        "--name",
        "Ada Admin",
        "--role",
        "admin",
        "--email",
        "ada@council.example",
    ]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[1].contains("/console/set-up/"), "{out}");
    let ada = lines[0].to_owned();
    let renewed = run(&["set-up-link", "--user", &ada]);
    assert!(renewed.trim().contains("/console/set-up/"), "{renewed}");
    assert_ne!(renewed.trim(), lines[1], "a new link");
    let out = run(&[
        "add-user", "--team", "North", "--name", "Olive", "--role", "officer",
    ]);
    assert_eq!(out.lines().count(), 1, "no link without an email: {out}");
    // Console access later, for a user added without an email: a link, printed once.
    let olive = out.trim().to_owned();
    let given = run(&[
        "add-console-account",
        "--user",
        &olive,
        "--email",
        "olive@council.example",
    ]);
    assert_eq!(given.lines().count(), 1, "{given}");
    assert!(given.contains("/console/set-up/"), "{given}");
    // A second account, or an email someone has: refused, with a reason.
    for (user, email) in [
        (olive.as_str(), "olive.two@council.example"),
        (ada.as_str(), "ada.two@council.example"),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_doorstep-hub"))
            .args(["--database", &url, "admin", "add-console-account"])
            .args(["--user", user, "--email", email])
            .output()
            .unwrap();
        assert!(!out.status.success(), "{user} has an account already");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("already has a console account"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let audit = run(&["audit"]);
    assert_eq!(audit.matches("admin.add-user").count(), 2, "{audit}");
    assert_eq!(audit.matches("admin.set-up-link").count(), 1, "{audit}");
    assert_eq!(
        audit.matches("admin.add-console-account").count(),
        3,
        "one given, two refused: {audit}"
    );
}

/// A day `days` from today (negative: in the past), as records store dates.
fn day(days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(days))
        .date_naive()
        .to_string()
}

/// A time `days` from now, as records store times.
fn time(days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(days)).to_rfc3339()
}

async fn casework_is_found_and_listed_within_each_readers_scope(backend: Backend) {
    use doorstep_sync::protocol::{EntityKind as K, Operation};
    use serde_json::json;

    let w = world(backend).await;
    let code = user_with_code(&w.store, &w.north, "North Laptop", Role::Officer).await;
    let mut north = enrol(&w.hub, &code).await;
    let code = user_with_code(&w.store, &w.south, "South Laptop", Role::Officer).await;
    let mut south = enrol(&w.hub, &code).await;
    let firm = json!({"id": "lockfast", "name": "Lockfast Ltd"});
    // The plans come before their survey: the index finds their household once it arrives.
    let changes = vec![
        north.create(
            K::Plan,
            "plan-agreed",
            json!({"survey_id": "survey-1", "tier": "silver", "status": "agreed",
                   "created_at": time(-12),
                   "history": [{"from": "draft", "to": "agreed", "step": {"step": "agree"},
                                "by": {"role": "officer"}, "at": time(-10)}]}),
        ),
        north.create(
            K::Plan,
            "plan-fitted",
            json!({"survey_id": "survey-1", "tier": "bronze", "status": "fitted",
                   "created_at": time(-200),
                   "history": [{"from": "ordered", "to": "fitted", "step": {"step": "fit"},
                                "by": {"role": "officer"}, "at": time(-120)}]}),
        ),
        north.create(
            K::Household,
            "house-north",
            json!({"address_line_1": "12 Lantern Walk", "town": "Northbridge",
                   "postcode": "ZY5 2AB", "uprn": "100012345678"}),
        ),
        north.create(
            K::Person,
            "person-1",
            json!({"household_id": "house-north", "full_name": "Ada Example"}),
        ),
        north.create(
            K::Survey,
            "survey-1",
            json!({"household_id": "house-north", "created_at": time(-13)}),
        ),
        north.create(
            K::Visit,
            "visit-1",
            json!({"household_id": "house-north", "kind": "security_survey",
                   "visit_date": day(-13), "outcome": "completed"}),
        ),
        north.create(
            K::WorkOrder,
            "order-1",
            json!({"household_id": "house-north", "plan_id": "plan-agreed", "number": "WO-0001",
                   "firm": firm, "status": "accepted", "issued_on": day(-30), "due_date": day(-5)}),
        ),
        north.create(
            K::WorkOrder,
            "order-2",
            json!({"household_id": "house-north", "plan_id": "plan-agreed", "number": "WO-0002",
                   "firm": firm, "status": "fitted", "issued_on": day(-30), "due_date": day(-5)}),
        ),
        north.create(
            K::Referral,
            "referral-1",
            json!({"household_id": "house-north", "agency_id": "fire-safe-and-well",
                   "status": "sent", "sent_at": time(-4), "due_at": time(-1)}),
        ),
        north.create(
            K::Cocoon,
            "cocoon-1",
            json!({"household_id": "house-north", "opened_on": day(-20),
                   "visit_by": day(-13), "closes_on": day(10)}),
        ),
        north.create(
            K::CocoonTarget,
            "door-1",
            json!({"cocoon_id": "cocoon-1", "outcome": null}),
        ),
        north.create(
            K::CocoonTarget,
            "door-2",
            json!({"cocoon_id": "cocoon-1", "outcome": "visited"}),
        ),
    ];
    north.push(&w.hub, &changes).await.ok();
    let other = south.create(
        K::Household,
        "house-south",
        json!({"address_line_1": "3 Lantern Close", "town": "Southford", "postcode": "ZY9 1AA"}),
    );
    south.push(&w.hub, &[other]).await.ok();

    let (mut officer, officer_id) = w.signed_in("Olive Officer", Role::Officer, &w.north).await;
    // Found by a word of the address, the postcode's start, the UPRN's start, a resident.
    for q in [
        "lantern",
        "12+lantern+walk",
        "ZY5+2",
        "zy5",
        "1000123",
        "ada+exa",
    ] {
        officer
            .get(&format!("/console/households?q={q}"))
            .await
            .expect(200)
            .says("12 Lantern Walk, Northbridge");
    }
    // Another team's household is not found, nor opened.
    let page = officer.get("/console/households?q=lantern").await;
    assert!(
        !page.html().contains("Lantern Close"),
        "another team's household was listed"
    );
    officer
        .get("/console/households?q=southford")
        .await
        .says("No household");
    officer
        .get("/console/households/house-south")
        .await
        .expect(404);
    officer
        .get("/console/households/no-such-house")
        .await
        .expect(404);
    // What cannot be searched for is refused, with nothing found.
    officer
        .get("/console/households?q=%21%21%21")
        .await
        .expect(400)
        .says("There is a problem")
        .says("Enter an address, postcode or UPRN");
    let long = "a".repeat(300);
    officer
        .get(&format!("/console/households?q={long}"))
        .await
        .expect(400)
        .says("Type at most 200 characters");

    // The household's page: who and where, and its timeline with each record's steps.
    let page = officer.get("/console/households/house-north").await;
    page.expect(200)
        .says("12 Lantern Walk, ZY5 2AB")
        .says("Ada Example")
        .says("100012345678")
        .says("Plan (silver): agreed")
        .says("Work order WO-0001: accepted")
        .says("Referral to fire-safe-and-well: sent")
        .says("1 of 2 neighbours&#39; doors tried, 1 reached")
        .says("Visit: security survey");
    let audit = w.store.audit(500).await.unwrap();
    let viewed = |outcome: &str, id: &str| {
        audit.iter().any(|e| {
            e.action == "console.household-view"
                && e.user_id.as_deref() == Some(officer_id.as_str())
                && e.entity_id.as_deref() == Some(id)
                && e.outcome.starts_with(outcome)
        })
    };
    assert!(viewed("ok", "house-north"), "the view was not audited");
    assert!(
        viewed("refused", "house-south"),
        "the refusal was not audited"
    );

    // The coordinators' lists, each cut by the core's rule.
    let lists = officer.get("/console/lists").await;
    lists.expect(200).says("Plans waiting for approval");
    for (slug, words) in [
        ("awaiting-approval", "Plan (silver), agreed"),
        ("approved-not-fitted", "Nothing is on this list today"),
        (
            "work-orders-overdue",
            "Work order WO-0001 with Lockfast Ltd",
        ),
        ("follow-ups-due", "Plan (bronze), fitted"),
        ("cocoons-behind", "1 door not tried yet"),
        ("referrals-overdue", "Referral to fire-safe-and-well"),
    ] {
        let page = officer.get(&format!("/console/lists/{slug}")).await;
        page.expect(200).says(words);
        assert!(
            !page.html().contains("WO-0002"),
            "{slug}: a fitted order is not overdue"
        );
    }
    officer.get("/console/lists/nothing").await.expect(404);
    officer
        .get("/console/lists/awaiting-approval?page=banana")
        .await
        .expect(200)
        .says("12 Lantern Walk, ZY5 2AB");

    // A fire crew reads referrals, not plans; an analyst and an administrator read no
    // casework; the data protection officer reads every team's.
    let (mut crew, _) = w.signed_in("Fred Crew", Role::FireCrew, &w.north).await;
    crew.get("/console/lists/referrals-overdue")
        .await
        .expect(200);
    crew.get("/console/lists/awaiting-approval")
        .await
        .expect(404);
    let timeline = crew.get("/console/households/house-north").await;
    timeline.expect(200).says("Referral to fire-safe-and-well");
    assert!(
        !timeline.html().contains("Plan (silver)"),
        "a fire crew read a plan"
    );
    let (mut analyst, _) = w.signed_in("Ann Analyst", Role::Analyst, &w.north).await;
    analyst
        .get("/console/households?q=lantern")
        .await
        .expect(404);
    analyst.get("/console/lists").await.expect(404);
    let (mut dpo, _) = w.signed_in("Dee Dpo", Role::Dpo, &w.north).await;
    dpo.get("/console/households?q=lantern")
        .await
        .says("12 Lantern Walk")
        .says("3 Lantern Close");
    dpo.get("/console/households/house-south")
        .await
        .expect(200)
        .says("South");

    // A deleted household leaves the index with its record.
    let gone = north.change(
        K::Household,
        "house-north",
        Operation::Delete,
        json!({}),
        &[],
    );
    north.push(&w.hub, &[gone]).await.ok();
    officer
        .get("/console/households?q=lantern")
        .await
        .says("No household");
    officer
        .get("/console/households/house-north")
        .await
        .expect(404);
}

/// Unix ms of `day` (YYYY-MM-DD) at `hour`:00 UTC.
fn at(day: &str, hour: u32) -> i64 {
    chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .unwrap()
        .and_hms_opt(hour, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis()
}

fn entry(
    at: i64,
    user: Option<&str>,
    device: Option<&str>,
    action: &str,
    record: Option<(&str, &str)>,
    outcome: &str,
) -> AuditEntry {
    AuditEntry {
        at,
        user_id: user.map(str::to_owned),
        device_id: device.map(str::to_owned),
        action: action.to_owned(),
        entity: record.map(|(e, _)| e.to_owned()),
        entity_id: record.map(|(_, id)| id.to_owned()),
        outcome: outcome.to_owned(),
    }
}

/// The table rows of an audit page.
fn audit_rows(page: &Page) -> usize {
    let html = page.html();
    let Some(body) = html.split("<tbody").nth(1) else {
        return 0;
    };
    body.split("</tbody>")
        .next()
        .unwrap()
        .matches("<tr")
        .count()
}

async fn an_admin_and_a_dpo_read_and_export_the_audit_log(backend: Backend) {
    let w = world(backend).await;
    let olive = w
        .store
        .add_user(&w.north, "Olive Officer", Role::Officer, w.clock.now_ms())
        .await
        .unwrap();
    // Three entries in January 2026, whose text a spreadsheet would run as formulas.
    w.store
        .append_audit(&[
            entry(
                at("2026-01-10", 12),
                Some(&olive),
                Some("dev-1"),
                "push",
                Some(("household", "HH001")),
                "=cmd|' /C calc'!A0",
            ),
            entry(
                at("2026-01-11", 23),
                None,
                Some("dev-2"),
                "pull",
                Some(("household", "HH002")),
                "-2+3",
            ),
            entry(
                at("2026-01-12", 0),
                Some(&olive),
                None,
                "console.sign-in",
                None,
                "@SUM(1)",
            ),
        ])
        .await
        .unwrap();
    let (mut admin_b, admin_id) = w.signed_in("Ada Admin", Role::Admin, &w.north).await;
    let (mut dpo_b, dpo_id) = w.signed_in("Dee Dpo", Role::Dpo, &w.north).await;

    let home = admin_b.get("/console/home").await;
    home.expect(200).says("href=\"/console/audit\"");
    let home = dpo_b.get("/console/home").await;
    home.expect(200).says("href=\"/console/audit\"");
    assert!(
        !home.html().contains("/console/people"),
        "a dpo does not administer"
    );

    for b in [&mut admin_b, &mut dpo_b] {
        let all = b.get("/console/audit").await;
        all.expect(200)
            .says("Audit log")
            .says("HH001")
            .says("HH002")
            .says("console.sign-in")
            .says("Olive Officer");
        // Each filter narrows the entries.
        let cases: &[(&str, &[&str], &[&str])] = &[
            ("device=dev-1&to=2026-06-30", &["HH001"], &["HH002", "@SUM"]),
            ("action=pu&to=2026-06-30", &["HH001", "HH002"], &["@SUM"]),
            ("action=push&to=2026-06-30", &["HH001"], &["HH002"]),
            (
                "action=console.sign&to=2026-06-30",
                &["@SUM"],
                &["HH001", "HH002"],
            ),
            (
                "person=olive+off&to=2026-06-30",
                &["HH001", "@SUM"],
                &["HH002"],
            ),
            (
                "entity=household&entity_id=HH002&to=2026-06-30",
                &["HH002"],
                &["HH001", "@SUM"],
            ),
            (
                "from=2026-01-11&to=2026-01-11",
                &["HH002"],
                &["HH001", "@SUM"],
            ),
            (
                "from=2026-01-12&to=2026-01-12",
                &["@SUM"],
                &["HH001", "HH002"],
            ),
        ];
        for (query, shown, hidden) in cases {
            let page = b.get(&format!("/console/audit?{query}")).await;
            page.expect(200);
            for words in *shown {
                page.says(words);
            }
            for words in *hidden {
                assert!(
                    !page.html().contains(words),
                    "{query} shows {words}: {}",
                    page.html()
                );
            }
            assert_eq!(audit_rows(&page), shown.len(), "{query}");
        }
        let by_id = b
            .get(&format!(
                "/console/audit?person={olive}&action=p&to=2026-06-30"
            ))
            .await;
        by_id.expect(200).says("HH001");
        assert_eq!(audit_rows(&by_id), 1);

        // Filters that cannot be used: 400, an error summary, no entries.
        for query in [
            "from=2026-13-01",
            "to=yesterday",
            "from=2026-01-12&to=2026-01-10",
            "page=0",
            "page=lots",
            "device=a%07b",
            "person=a&person=b",
        ] {
            let page = b.get(&format!("/console/audit?{query}")).await;
            page.expect(400).says("There is a problem");
            assert!(page.title().starts_with("Error: "), "{query}");
            assert!(!page.html().contains("HH001"), "{query} shows no entries");
            let csv = b.get(&format!("/console/audit.csv?{query}")).await;
            csv.expect(400).says("There is a problem");
        }

        // The export: a header and every matching row, formulas neutralised.
        let csv = b.get("/console/audit.csv?entity=household").await;
        csv.expect(200);
        assert_eq!(
            csv.header("content-type").as_deref(),
            Some("text/csv; charset=utf-8")
        );
        assert_eq!(
            csv.header("content-disposition").as_deref(),
            Some("attachment; filename=\"audit-log.csv\"")
        );
        let text = csv.html();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "time_utc,user_id,user_name,device_id,action,entity,entity_id,outcome,entry_id"
        );
        assert_eq!(lines.len(), 3, "{text}");
        assert!(
            lines[1].starts_with("2026-01-11T23:00:00.000Z,,,dev-2,pull,household,HH002,'-2+3,"),
            "{text}"
        );
        assert!(
            lines[2].contains(&format!(
                "{olive},Olive Officer,dev-1,push,household,HH001,"
            )),
            "{text}"
        );
        assert!(lines[2].contains("'=cmd|' /C calc'!A0"), "{text}");
        let all = b.get("/console/audit.csv").await.html();
        assert!(all.contains(",'@SUM(1),"), "{all}");
        assert!(
            !all.contains(",=") && !all.contains(",@") && !all.contains(",-2"),
            "{all}"
        );
    }

    // Pages of 50, newest first, the filters kept in the links.
    let bulk: Vec<AuditEntry> = (0..60)
        .map(|i| {
            entry(
                at("2026-02-01", 0) + i,
                None,
                None,
                "bulk.entry",
                None,
                &format!("n{i:02}"),
            )
        })
        .collect();
    w.store.append_audit(&bulk).await.unwrap();
    let first = admin_b.get("/console/audit?action=bulk.").await;
    first
        .expect(200)
        .says("60 entries, newest first: page 1 of 2")
        .says("href=\"/console/audit?action=bulk%2E&#38;page=2\"")
        .says("n59");
    assert_eq!(audit_rows(&first), 50);
    assert!(!first.html().contains("n09"), "the oldest are on page 2");
    let second = admin_b.get("/console/audit?action=bulk.&page=2").await;
    second.expect(200).says("n09").says("rel=\"prev\"");
    assert_eq!(audit_rows(&second), 10);
    let beyond = admin_b.get("/console/audit?action=bulk.&page=9").await;
    beyond.expect(200);
    assert_eq!(audit_rows(&beyond), 0);
    let csv = admin_b.get("/console/audit.csv?action=bulk.").await.html();
    assert_eq!(csv.lines().count(), 61, "the export is not paged");

    // Reading and exporting are audited, with who did it.
    let audit = w.store.audit(1000).await.unwrap();
    for (action, who) in [
        ("console.audit-view", &admin_id),
        ("console.audit-export", &admin_id),
        ("console.audit-view", &dpo_id),
        ("console.audit-export", &dpo_id),
    ] {
        assert!(
            audit.iter().any(|e| e.action == action
                && e.user_id.as_deref() == Some(who.as_str())
                && e.outcome.starts_with("ok")),
            "{action} by {who}"
        );
        assert!(
            audit.iter().any(|e| e.action == action
                && e.user_id.as_deref() == Some(who.as_str())
                && e.outcome.starts_with("refused")),
            "a refused {action} by {who}"
        );
    }
}

async fn the_audit_log_is_theirs_alone(backend: Backend) {
    let w = world(backend).await;
    for (name, role) in [
        ("Olive Officer", Role::Officer),
        ("Ann Analyst", Role::Analyst),
        ("Sue Super", Role::Supervisor),
    ] {
        let (mut b, _) = w.signed_in(name, role, &w.north).await;
        b.get("/console/audit").await.expect(404);
        b.get("/console/audit.csv").await.expect(404);
        b.get("/console/audit?from=2026-13-01").await.expect(404);
        let home = b.get("/console/home").await;
        home.expect(200);
        assert!(
            !home.html().contains("/console/audit"),
            "{role:?} sees no link"
        );
    }
    Browser::new(&w.hub)
        .get("/console/audit.csv")
        .await
        .redirects_to("/console/sign-in");
}

async fn the_disposal_report_counts_what_each_run_disposed_of(backend: Backend) {
    let w = world(backend).await;
    let (mut dpo, _) = w.signed_in("Dee Dpo", Role::Dpo, &w.north).await;
    let page = dpo.get("/console/privacy/retention").await;
    page.expect(200).says("Retention and disposal");
    let html = page.html();
    assert!(html.contains("The schedule has not run yet"), "{html}");
    let plans = html
        .split("<tr class=\"govuk-table__row\">")
        .find(|r| r.contains("Plans and signatures"))
        .expect("the schedule lists plans");
    assert!(
        plans.contains("6 years") && plans.contains("plan was fitted"),
        "{plans}"
    );

    // A household and its visit, then a run far in the future: both go, by class.
    let code = user_with_code(&w.store, &w.north, "North Laptop", Role::Officer).await;
    let mut laptop = enrol(&w.hub, &code).await;
    let changes = vec![
        laptop.create(
            doorstep_sync::protocol::EntityKind::Household,
            "house-old",
            serde_json::json!({"address_line_1": "7 Bygone Lane", "postcode": "ZY5 7BL"}),
        ),
        laptop.create(
            doorstep_sync::protocol::EntityKind::Visit,
            "visit-old",
            serde_json::json!({"household_id": "house-old", "visit_date": "2026-01-05", "kind": "survey"}),
        ),
    ];
    assert_eq!(laptop.push(&w.hub, &changes).await.status, 200);
    let retention = w.store.retention().unwrap();
    let done = doorstep_hub::privacy::retention::run(
        retention.as_ref(),
        doorstep_hub::privacy::retention::schedule().unwrap(),
        doorstep_hub::data_map::data_map().unwrap(),
        "2099-01-01".parse().unwrap(),
        "schedule",
        || Clock::system().now_ms(),
    )
    .await
    .unwrap();
    assert_eq!(done.total(), 2, "{done:?}");
    let page = dpo.get("/console/privacy/retention").await;
    page.expect(200).says("The daily job").says("Done");
    let html = page.html();
    assert!(html.contains("Households: 1 deleted"), "{html}");
    assert!(html.contains("Visits: 1 anonymised"), "{html}");
    assert!(!html.contains("Bygone"), "the report names no record");
    let figures = html.split("id=\"figures\"").nth(1).unwrap_or_default();
    assert!(
        figures.contains("Visits") && figures.contains(">1<"),
        "{figures}"
    );
    // An administrator reads it too; an officer does not.
    let (mut admin, _) = w.signed_in("Ada Admin", Role::Admin, &w.north).await;
    admin.get("/console/privacy/retention").await.expect(200);
    let (mut officer, _) = w.signed_in("Olive Officer", Role::Officer, &w.north).await;
    officer.get("/console/privacy/retention").await.expect(404);
}

async fn a_dpo_reads_the_record_of_processing_and_an_officer_cannot(backend: Backend) {
    let w = world(backend).await;
    let (mut dpo, dpo_id) = w.signed_in("Dee Dpo", Role::Dpo, &w.north).await;
    let home = dpo.get("/console/home").await;
    home.expect(200);
    assert!(
        home.html().contains("href=\"/console/privacy/data-map\""),
        "the DPO's home links to it"
    );
    // The tests' SQLite hub has no key: the DPO is told its database is readable by anyone
    // with a copy; PostgreSQL's files are the server's to protect, so nothing is said.
    assert_eq!(
        home.html().contains("not encrypted at rest"),
        matches!(backend, Backend::Sqlite),
        "the unencrypted-database warning on {backend:?}"
    );
    let (mut supervisor, _) = w.signed_in("Sam Super", Role::Supervisor, &w.north).await;
    let home = supervisor.get("/console/home").await;
    assert!(
        !home.html().contains("not encrypted at rest"),
        "only for admin and DPO"
    );
    let page = dpo.get("/console/privacy/data-map").await;
    page.expect(200).says("Record of processing");
    let html = page.html();
    // A known row: the crime reference, criminal offence data that only caseworkers see.
    let row = html
        .split("<tr class=\"govuk-table__row\">")
        .find(|r| r.contains("<code>answers.crime_ref</code>"))
        .expect("the crime reference has a row");
    for words in [
        "The police crime reference",
        "Criminal offence data",
        "Burglary reduction officer, Supervisor",
        "Article 10",
        "Home security surveys",
    ] {
        assert!(row.contains(words), "{words} in {row}");
    }
    assert!(
        !row.contains("Neighbourhood warden"),
        "wardens do not see it"
    );
    assert!(
        html.contains("<caption class=\"govuk-table__caption"),
        "tables have captions"
    );
    assert!(
        html.contains("<th scope=\"row\""),
        "each row is headed by its field"
    );
    let csv = dpo.get("/console/privacy/data-map.csv").await;
    csv.expect(200);
    assert!(
        csv.header("content-type")
            .is_some_and(|t| t.starts_with("text/csv")),
        "{:?}",
        csv.header("content-type")
    );
    let text = csv.html();
    assert!(
        text.starts_with("record_kind,field,what,classification,roles,"),
        "{text}"
    );
    assert!(
        text.lines().any(|l| l.starts_with(
            "survey,answers.crime_ref,The police crime reference,criminal_offence,officer supervisor,criminal_offence_unlawful_acts,survey,"
        )),
        "{text}"
    );
    // Reading and exporting it are on record, by the DPO.
    let console = w.store.console().unwrap();
    let filter = doorstep_hub::console::store::AuditFilter {
        person: Some(dpo_id.clone()),
        ..Default::default()
    };
    let actions: Vec<String> = console
        .audit_entries(&filter, 100, 0)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.action)
        .collect();
    for action in ["console.data-map-view", "console.data-map-export"] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }

    let (mut officer, _) = w.signed_in("Olive Officer", Role::Officer, &w.north).await;
    officer.get("/console/privacy/data-map").await.expect(404);
    officer
        .get("/console/privacy/data-map.csv")
        .await
        .expect(404);
    let home = officer.get("/console/home").await;
    home.expect(200);
    assert!(
        !home.html().contains("/console/privacy"),
        "an officer sees no link"
    );
    Browser::new(&w.hub)
        .get("/console/privacy/data-map")
        .await
        .redirects_to("/console/sign-in");
}

async fn an_admin_looks_after_contractor_firms(backend: Backend) {
    let w = world(backend).await;
    let (mut b, admin_id) = w.signed_in("Ada Admin", Role::Admin, &w.north).await;
    let console = w.store.console().unwrap();
    let csrf = b.csrf().await;
    b.get("/console/home").await.says("href=\"/console/firms\"");
    b.get("/console/firms")
        .await
        .expect(200)
        .says("There are no firms yet");

    // Bad input: nothing is added.
    for (id, name) in [
        ("", "Quillon Locks"),
        ("Quillon Locks", "Quillon Locks"),
        ("quillon_locks", ""),
        ("quillon_locks", &"x".repeat(81)),
        ("quillon_locks", "a\u{7}b"),
    ] {
        b.post(
            "/console/firms",
            &[("csrf", &csrf), ("id", id), ("name", name)],
        )
        .await
        .expect(400)
        .says("There is a problem");
    }
    assert!(console.firms().await.unwrap().is_empty());
    b.post(
        "/console/firms",
        &[
            ("csrf", &csrf),
            ("id", " quillon_locks "),
            ("name", "Quillon Locks"),
        ],
    )
    .await
    .redirects_to("/console/firms/quillon_locks");
    b.post(
        "/console/firms",
        &[
            ("csrf", &csrf),
            ("id", "quillon_locks"),
            ("name", "Another"),
        ],
    )
    .await
    .expect(400)
    .says("already a firm with this id");
    let firms = console.firms().await.unwrap();
    assert_eq!(firms.len(), 1);
    assert_eq!(firms[0].name, "Quillon Locks");
    b.get("/console/firms")
        .await
        .expect(200)
        .says("Quillon Locks");
    b.get("/console/firms/nope").await.expect(404);

    // A partner agency from the directory gets its inbox; nothing else does.
    for (agency, says) in [
        ("", "Choose the agency to add"),
        ("nobody", "is not in the agency directory"),
    ] {
        b.post("/console/agencies", &[("csrf", &csrf), ("agency", agency)])
            .await
            .expect(400)
            .says(says);
    }
    b.get("/console/firms")
        .await
        .says("Add a partner agency")
        .says("Fire and Rescue Service: Safe and Well (demo)");
    b.post(
        "/console/agencies",
        &[("csrf", &csrf), ("agency", "fire_safe_and_well")],
    )
    .await
    .redirects_to("/console/firms/fire_safe_and_well");
    b.post(
        "/console/agencies",
        &[("csrf", &csrf), ("agency", "fire_safe_and_well")],
    )
    .await
    .expect(400)
    .says("already has its inbox");
    b.get("/console/firms").await.says("Partner agency");
    let firms = console.firms().await.unwrap();
    assert_eq!(
        firms
            .iter()
            .map(|f| (f.id.as_str(), f.agency))
            .collect::<Vec<_>>(),
        [("fire_safe_and_well", true), ("quillon_locks", false)]
    );
    b.post(
        "/console/firms/nope/users",
        &[("csrf", &csrf), ("name", "X"), ("email", "x@y.example")],
    )
    .await
    .expect(404);

    // A firm user: bad input first, then one whose initial password is shown once.
    let firm = "/console/firms/quillon_locks";
    b.get(firm).await.expect(200).says("Nobody at this firm");
    for (name, email) in [
        ("", "fitter@quillon.example"),
        ("Fitter", ""),
        ("Fitter", "not an email"),
    ] {
        b.post(
            &format!("{firm}/users"),
            &[("csrf", &csrf), ("name", name), ("email", email)],
        )
        .await
        .expect(400)
        .says("There is a problem");
    }
    assert!(
        console
            .firm_users("quillon_locks")
            .await
            .unwrap()
            .is_empty()
    );
    let shown = b
        .post(
            &format!("{firm}/users"),
            &[
                ("csrf", &csrf),
                ("name", "Fred Fitter"),
                ("email", "Fred@Quillon.Example"),
            ],
        )
        .await;
    shown
        .expect(200)
        .says("Initial password for Fred Fitter")
        .says("shown only now");
    let html = shown.html();
    let start = html.find("id=\"secret\">").unwrap() + "id=\"secret\">".len();
    let password = html[start..].split('<').next().unwrap().to_owned();
    b.post(
        &format!("{firm}/users"),
        &[
            ("csrf", &csrf),
            ("name", "Fred Again"),
            ("email", "fred@quillon.example"),
        ],
    )
    .await
    .expect(400)
    .says("already signs in to the portal");
    let users = console.firm_users("quillon_locks").await.unwrap();
    assert_eq!(users.len(), 1);
    let fred = users[0].clone();
    assert_eq!(fred.email, "fred@quillon.example");
    assert!(fred.must_change_password && !fred.disabled && !fred.has_totp);
    // The password shown is the one the portal takes (it must then be replaced).
    let portal = w.store.portal().unwrap();
    let stored = portal
        .user_by_email("fred@quillon.example")
        .await
        .unwrap()
        .unwrap();
    assert!(
        doorstep_hub::web::password::verify_password(&password, &stored.password_hash).unwrap()
    );
    b.get(firm)
        .await
        .expect(200)
        .says("Fred Fitter")
        .says("Initial password not used yet");

    // Off, on, a new second factor (shown once, with a QR code), none.
    let user = format!("{firm}/users/{}", fred.id);
    b.post(
        &format!("{user}/access"),
        &[("csrf", &csrf), ("access", "sideways")],
    )
    .await
    .expect(400);
    b.post(
        &format!("{user}/access"),
        &[("csrf", &csrf), ("access", "off")],
    )
    .await
    .redirects_to(firm);
    assert!(console.firm_users("quillon_locks").await.unwrap()[0].disabled);
    b.post(
        &format!("{user}/access"),
        &[("csrf", &csrf), ("access", "on")],
    )
    .await
    .redirects_to(firm);
    assert!(!console.firm_users("quillon_locks").await.unwrap()[0].disabled);
    b.post(
        &format!("{user}/second-factor"),
        &[("csrf", &csrf), ("second_factor", "maybe")],
    )
    .await
    .expect(400);
    b.post(
        &format!("{user}/second-factor"),
        &[("csrf", &csrf), ("second_factor", "new")],
    )
    .await
    .expect(200)
    .says("otpauth://")
    .says("role=\"img\"");
    assert!(console.firm_users("quillon_locks").await.unwrap()[0].has_totp);
    b.post(
        &format!("{user}/second-factor"),
        &[("csrf", &csrf), ("second_factor", "remove")],
    )
    .await
    .redirects_to(firm);
    assert!(!console.firm_users("quillon_locks").await.unwrap()[0].has_totp);
    // Someone not of this firm: 404.
    for action in ["access", "second-factor"] {
        b.post(
            &format!("{firm}/users/nobody/{action}"),
            &[("csrf", &csrf), ("access", "off"), ("second_factor", "new")],
        )
        .await
        .expect(404);
    }

    // Every change is audited with the administrator's id, as the command line's are.
    let audit = w.store.audit(500).await.unwrap();
    for action in [
        "admin.add-firm",
        "admin.add-firm-user",
        "admin.disable-firm-user",
        "admin.enable-firm-user",
        "admin.set-totp",
    ] {
        assert!(
            audit.iter().any(|e| e.action == action
                && e.user_id.as_deref() == Some(admin_id.as_str())
                && e.outcome == "ok"),
            "{action} audited with the admin's id: {audit:#?}"
        );
    }
}

async fn the_laptops_page_shows_app_version_and_changes_waiting(backend: Backend) {
    let w = world(backend).await;
    let (mut b, _) = w.signed_in("Ada Admin", Role::Admin, &w.north).await;
    let console = w.store.console().unwrap();
    let olive = w
        .store
        .add_user(&w.north, "Olive Officer", Role::Officer, w.clock.now_ms())
        .await
        .unwrap();
    let code = admin::enrolment_code(&w.store, None, &olive, 3600, w.clock.now_ms())
        .await
        .unwrap()
        .1;
    let mut laptop = enrol(&w.hub, &code).await;
    let list = b.get("/console/laptops").await;
    list.expect(200)
        .says("App version")
        .says("Changes waiting")
        .says("Unknown");
    let row = &console.laptops().await.unwrap()[0];
    assert_eq!((row.app_version.as_deref(), row.changes_waiting), (None, 0));

    // The laptop pushes two records, as the sync client does (its User-Agent).
    let changes = [
        laptop.new_household("h-1", "1 High Street"),
        laptop.new_household("h-2", "2 High Street"),
    ];
    let auth = format!("Bearer {}", laptop.access);
    let synced = |path: &'static str, body: serde_json::Value, agent: &'static str| {
        let auth = auth.clone();
        let addr = w.hub.addr;
        async move {
            let body = serde_json::to_vec(&body).unwrap();
            request(
                addr,
                "POST",
                path,
                &[
                    ("Authorization", auth.as_str()),
                    ("Content-Type", "application/json"),
                    ("User-Agent", agent),
                ],
                Some(&body),
            )
            .await
        }
    };
    let pushed = synced("/v1/push", laptop.push_body(&changes), "doorstep/9.8.7").await;
    pushed.ok();
    let list = b.get("/console/laptops").await;
    list.expect(200).says("9.8.7");
    assert!(!list.html().contains("Unknown"));
    let row = &console.laptops().await.unwrap()[0];
    assert_eq!(
        (row.app_version.as_deref(), row.changes_waiting),
        (Some("9.8.7"), 2)
    );

    // Another version is recorded; a User-Agent that is not the app's changes nothing.
    let pull = |after: u64| serde_json::json!({ "protocol": doorstep_sync::protocol::PROTOCOL_VERSION, "after": after, "limit": 100 });
    let page = synced("/v1/pull", pull(0), "doorstep/9.9.0").await;
    let next = page.ok()["next"].as_u64().unwrap();
    let row = &console.laptops().await.unwrap()[0];
    assert_eq!(
        (row.app_version.as_deref(), row.changes_waiting),
        (Some("9.9.0"), 2)
    );
    synced("/v1/pull", pull(next), "Mozilla/5.0 <script>")
        .await
        .ok();
    let row = &console.laptops().await.unwrap()[0];
    assert_eq!(
        (row.app_version.as_deref(), row.changes_waiting),
        (Some("9.9.0"), 0)
    );
    b.get("/console/laptops").await.expect(200).says("9.9.0");
}

async fn the_enrolment_code_page_has_a_qr_code(backend: Backend) {
    let w = world(backend).await;
    let (mut b, _) = w.signed_in("Ada Admin", Role::Admin, &w.north).await;
    let csrf = b.csrf().await;
    let olive = w
        .store
        .add_user(&w.north, "Olive Officer", Role::Officer, w.clock.now_ms())
        .await
        .unwrap();
    let shown = b
        .post(
            &format!("/console/people/{olive}/enrolment-code"),
            &[("csrf", &csrf)],
        )
        .await;
    shown
        .expect(200)
        .says("<svg role=\"img\" aria-label=\"QR code holding the hub's address")
        .says("<title>QR code holding")
        .says("Hub address")
        .says(&format!("http://{}", w.hub.addr));
    let html = shown.html();
    assert!(!html.contains("<?xml"), "the SVG is inline");
    let start = html.find("id=\"secret\">").unwrap() + "id=\"secret\">".len();
    let code = html[start..].split('<').next().unwrap().to_owned();
    assert_eq!(
        html.matches(&code).count(),
        2,
        "the code beside the QR code too"
    );
    // The code still enrols, once.
    enrol(&w.hub, &code).await;
}

/// An answer as the survey stores it.
fn answer(kind: &str, value: serde_json::Value) -> serde_json::Value {
    serde_json::json!({ "type": kind, "value": value })
}

async fn a_supervisor_approves_a_plan_and_the_laptop_pulls_it_with_its_orders(backend: Backend) {
    use doorstep_core::household::HouseholdDetails;
    use doorstep_core::person::PersonDetails;
    use doorstep_core::postcode::Postcode;
    use doorstep_core::security::plan::propose_plan;
    use doorstep_core::security::{
        Answers, Catalogue, PlanActor, PlanContext, PlanStep, Policy, SurveyId, Template,
    };
    use doorstep_core::{HouseholdId, built_in};
    use doorstep_sync::protocol::EntityKind as K;
    use serde_json::{Value, json};

    let w = world(backend).await;
    let code = user_with_code(&w.store, &w.north, "North Laptop", Role::Officer).await;
    let mut laptop = enrol(&w.hub, &code).await;
    let template = Template::from_toml(built_in::SURVEY_TEMPLATE.1).unwrap();
    let policy = Policy::from_toml(built_in::POLICY.1).unwrap();
    let catalogue = Catalogue::from_toml(built_in::CATALOGUE.1).unwrap();
    let choice = |v: &str| answer("choice", json!(v));
    let yes_no = |v: &str| answer("yes_no", json!(v));
    let back_door = json!({
        "door_position": choice("back"), "door_material": choice("upvc"),
        "door_condition": choice("sound"), "door_multipoint": choice("working"),
        "door_cylinder": choice("unmarked"), "door_cylinder_projects": yes_no("yes"),
        "door_glazing": choice("none"),
    });
    let window = json!({
        "window_location": choice("ground_rear"), "window_escape": yes_no("no"),
        "window_key_lock": choice("none"),
    });
    let given: Vec<(&str, Value)> = vec![
        ("survey_reason", choice("burglary_victim")),
        ("repeat_victim", yes_no("no")),
        ("doors", answer("group", json!([back_door]))),
        ("windows", answer("group", json!([window]))),
        ("side_gate", choice("none_open_access")),
        ("front_light", choice("pir")),
        ("rear_light", choice("none")),
        ("lives_alone", yes_no("yes")),
        ("tenure", choice("owner")),
        ("da_concern", yes_no("no")),
        ("feel_safe", answer("number", json!(2))),
    ];
    let answers = Answers {
        template_id: template.id.clone(),
        template_version: template.version,
        values: given
            .iter()
            .map(|(k, v)| ((*k).to_owned(), serde_json::from_value(v.clone()).unwrap()))
            .collect(),
    };
    let ctx = PlanContext {
        template: &template,
        answers: &answers,
        policy: &policy,
        catalogue: &catalogue,
    };
    let officer = PlanActor {
        officer_id: laptop.officer_id,
        role: Role::Officer,
    };
    let (household, survey) = (HouseholdId::new(), SurveyId::new());
    let mut plan = propose_plan(&ctx, survey, officer, chrono::Utc::now()).unwrap();
    plan.apply(
        &ctx,
        PlanStep::Agree {
            resident_name: "Ada Example".into(),
            signature_ref: format!("sha256:{}", "ab".repeat(32)),
            disclaimer_version: policy.disclaimer_version.clone(),
        },
        officer,
        chrono::Utc::now(),
    )
    .unwrap();
    let mut survey_fields = json!({
        "household_id": household.to_string(), "template_id": template.id,
        "template_version": template.version,
    });
    for (k, v) in &given {
        survey_fields[format!("answers.{k}")] = v.clone();
    }
    let details = HouseholdDetails {
        uprn: None,
        address_line_1: "14 Lantern Walk".into(),
        address_line_2: None,
        address_line_3: None,
        town: "Northbridge".into(),
        postcode: Postcode::parse("ZY5 2AB").unwrap(),
        coordinates: None,
        restricted: false,
    };
    let plan_id = plan.id.to_string();
    let changes = vec![
        laptop.create(
            K::Household,
            &household.to_string(),
            serde_json::to_value(&details).unwrap(),
        ),
        laptop.create(
            K::Person,
            &doorstep_core::PersonId::new().to_string(),
            serde_json::to_value(PersonDetails {
                household_id: household,
                full_name: "Ada Example".into(),
                phone: Some("01632 960001".into()),
                email: None,
                date_of_birth: None,
                age_band: None,
                preferred_language: None,
                contact_preferences: Default::default(),
            })
            .unwrap(),
        ),
        laptop.create(K::Survey, &survey.to_string(), survey_fields),
        laptop.create(K::Plan, &plan_id, serde_json::to_value(&plan).unwrap()),
    ];
    laptop.push(&w.hub, &changes).await.ok();
    let (_, cursor) = laptop.pull_all(&w.hub, 0).await;
    agreed_plan_fixture(&changes);

    // The household links to its plan; an officer reads it but is offered no approval.
    let (mut officer_b, _) = w.signed_in("Olive Officer", Role::Officer, &w.north).await;
    officer_b
        .get(&format!("/console/households/{household}"))
        .await
        .expect(200)
        .says(&format!("href=\"/console/plans/{plan_id}\""));
    let page = officer_b.get(&format!("/console/plans/{plan_id}")).await;
    page.expect(200).says("14 Lantern Walk");
    assert!(
        !page.html().contains("Approve the plan"),
        "an officer was offered approval"
    );
    let csrf = officer_b.csrf().await;
    officer_b
        .post(
            &format!("/console/plans/{plan_id}/approve"),
            &[("csrf", &csrf), ("seen", "0")],
        )
        .await
        .expect(400)
        .says("you cannot approve a plan");
    // Another team's supervisor finds no such plan.
    let (mut other, _) = w.signed_in("Sid South", Role::Supervisor, &w.south).await;
    other
        .get(&format!("/console/plans/{plan_id}"))
        .await
        .expect(404);
    let csrf = other.csrf().await;
    other
        .post(
            &format!("/console/plans/{plan_id}/approve"),
            &[("csrf", &csrf), ("seen", "1")],
        )
        .await
        .expect(404);

    // The team's supervisor approves; a form from before a change is refused.
    let (mut supervisor, supervisor_id) =
        w.signed_in("Sue Super", Role::Supervisor, &w.north).await;
    let page = supervisor.get(&format!("/console/plans/{plan_id}")).await;
    page.expect(200).says("Approve the plan");
    let seen = page.hidden("seen");
    let csrf = page.hidden("csrf");
    let reason = "Repeat burglary risk: the panel agreed the extra spend";
    supervisor
        .post(
            &format!("/console/plans/{plan_id}/approve"),
            &[("csrf", &csrf), ("seen", "1"), ("reason", reason)],
        )
        .await
        .expect(409)
        .says("has changed since you opened the page");
    supervisor
        .post(
            &format!("/console/plans/{plan_id}/approve"),
            &[("csrf", &csrf), ("seen", &seen), ("reason", reason)],
        )
        .await
        .redirects_to(&format!("/console/plans/{plan_id}?approved=1"));
    let page = supervisor
        .get(&format!("/console/plans/{plan_id}?approved=1"))
        .await;
    page.expect(200).says("Plan approved").says("Plan (");
    page.says(": ordered");
    assert!(!page.html().contains("Approve the plan"), "approved twice");
    // Sent again, the same form is refused by the lifecycle and changes nothing.
    supervisor
        .post(
            &format!("/console/plans/{plan_id}/approve"),
            &[("csrf", &csrf), ("seen", &seen), ("reason", reason)],
        )
        .await
        .expect(400)
        .says("cannot be given the step");

    // The officer's laptop pulls the approval and one work order per firm, made by the hub.
    let (entries, _) = laptop.pull_all(&w.hub, cursor).await;
    let hub_device = w.store.hub_identity().device_id;
    let approved = entries
        .iter()
        .find(|e| e.change.as_ref().is_some_and(|c| c.entity_id == plan_id))
        .expect("the laptop pulls the approved plan");
    let body = serde_json::to_value(approved).unwrap();
    let status = body
        .pointer("/change/fields/status")
        .and_then(Value::as_str);
    // These answers call for measures the council's firms fit: the plan is ordered.
    assert_eq!(status, Some("ordered"), "{body}");
    assert_eq!(
        body.pointer("/change/device_id").and_then(Value::as_str),
        Some(hub_device.to_string().as_str())
    );
    let history = body.pointer("/change/fields/history").unwrap().to_string();
    assert!(
        history.contains(&supervisor_id),
        "the supervisor is the approver: {history}"
    );
    let orders: Vec<_> = entries
        .iter()
        .filter(|e| serde_json::to_value(e).unwrap()["change"]["entity"] == "work_order")
        .collect();
    assert!(!orders.is_empty(), "an ordered plan has work orders");
    for order in &orders {
        let change = order.change.as_ref().unwrap();
        assert_eq!(change.device_id, hub_device, "the hub raised the order");
        assert_eq!(change.fields["plan_id"], plan_id.as_str());
    }
    let audit = w.store.audit(500).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "console.plan-approve"
        && e.user_id.as_deref() == Some(supervisor_id.as_str())
        && e.outcome.starts_with("applied")));
    assert!(
        audit
            .iter()
            .any(|e| e.action == "console.plan-approve" && e.outcome.starts_with("refused"))
    );

    // The lists follow: no longer waiting for approval, now waiting to be fitted.
    supervisor
        .get("/console/lists/awaiting-approval")
        .await
        .says("Nothing is on this list today");
    supervisor
        .get("/console/lists/approved-not-fitted")
        .await
        .says("14 Lantern Walk");
}

/// The records of an agreed plan the browser test pushes (`tests/portal/fixtures/
/// agreed-plan.json`): written from this test's records with `UPDATE_FIXTURES=1`, and
/// otherwise checked to still be a plan the hub reads and would approve, so a change to
/// the plan's shape cannot leave the browser test pushing something stale.
fn agreed_plan_fixture(changes: &[doorstep_sync::protocol::Change]) {
    use doorstep_hub::casework::decide::{Approver, Decision, PlanRecords, plan_decision};
    use doorstep_hub::store::StoredRecord;
    use doorstep_sync::merge::Record;

    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/portal/fixtures/agreed-plan.json");
    if std::env::var_os("UPDATE_FIXTURES").is_some() {
        let records: Vec<serde_json::Value> = changes
            .iter()
            .map(|c| serde_json::json!({ "entity": c.entity, "id": c.entity_id, "fields": c.fields }))
            .collect();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(
            &path,
            serde_json::to_string_pretty(&records).unwrap() + "\n",
        )
        .unwrap();
    }
    let text = std::fs::read_to_string(&path).expect("run with UPDATE_FIXTURES=1 to write it");
    let records: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    let of = |entity: &str| -> (String, doorstep_hub::casework::Fields) {
        let r = records.iter().find(|r| r["entity"] == entity).unwrap();
        (
            r["id"].as_str().unwrap().to_owned(),
            serde_json::from_value(r["fields"].clone()).unwrap(),
        )
    };
    let (plan_id, plan) = of("plan");
    let held = PlanRecords {
        plan_id,
        plan: StoredRecord {
            team_id: "north".into(),
            record: Record::new(plan, Default::default()),
            tombstoned_at: None,
        },
        updated_seq: 1,
        survey: Some(of("survey").1),
        household: Some(of("household")),
        residents: vec![of("person")],
    };
    let supervisor = Approver {
        user: doorstep_core::OfficerId::new(),
        role: Role::Supervisor,
        hub_device: doorstep_core::DeviceId::new(),
    };
    let approved = plan_decision(
        &held,
        supervisor,
        Decision::Approve {
            over_cap_reason: Some("The panel agreed the extra spend".into()),
        },
        None,
        chrono::Utc::now(),
    );
    assert!(
        approved.is_ok_and(|a| !a.orders.is_empty()),
        "the browser test's plan is no longer one the hub approves: run with UPDATE_FIXTURES=1"
    );
}
async fn an_admin_gives_an_existing_person_console_access(backend: Backend) {
    let w = world(backend).await;
    let (mut b, admin_id) = w.signed_in("Ada Admin", Role::Admin, &w.north).await;
    let console = w.store.console().unwrap();
    let csrf = b.csrf().await;
    // Added without an email (as `admin add-user` without --email does): no account.
    let now = w.clock.now_ms();
    let olive = w
        .store
        .add_user(&w.north, "Olive Officer", Role::Officer, now)
        .await
        .unwrap();
    let path = format!("/console/people/{olive}");
    b.get(&path)
        .await
        .expect(200)
        .says("Give console access")
        .says("/console-account");

    // Bad input: a clear sentence, and still no account.
    for (email, says) in [
        ("", "Enter an email address"),
        ("not an email", "Enter an email address"),
        (
            "Ada.Admin@council.example",
            "Someone already signs in with this email",
        ),
    ] {
        b.post(
            &format!("{path}/console-account"),
            &[("csrf", &csrf), ("email", email)],
        )
        .await
        .expect(400)
        .says("There is a problem")
        .says(says);
        assert_eq!(console.person(&olive).await.unwrap().unwrap().email, None);
    }
    // A contractor belongs in the portal: no form, and a post is refused.
    let carl = w
        .store
        .add_user(&w.north, "Carl Contractor", Role::Contractor, now)
        .await
        .unwrap();
    let carl_page = b.get(&format!("/console/people/{carl}")).await;
    carl_page.expect(200).says("contractor portal");
    assert!(!carl_page.html().contains("/console-account"), "no form");
    b.post(
        &format!("/console/people/{carl}/console-account"),
        &[("csrf", &csrf), ("email", "carl@council.example")],
    )
    .await
    .expect(400)
    .says("contractor portal");
    assert_eq!(console.person(&carl).await.unwrap().unwrap().email, None);
    // Someone who is not there: 404; a forged form: nothing.
    b.post(
        "/console/people/nobody/console-account",
        &[("csrf", &csrf), ("email", "nobody@council.example")],
    )
    .await
    .expect(404);
    b.post(
        &format!("{path}/console-account"),
        &[("csrf", "forged"), ("email", "olive@council.example")],
    )
    .await
    .expect(403);
    assert_eq!(console.person(&olive).await.unwrap().unwrap().email, None);

    // The account, and its set-up link shown once, as adding a person with an email.
    let shown = b
        .post(
            &format!("{path}/console-account"),
            &[("csrf", &csrf), ("email", "Olive@Council.Example")],
        )
        .await;
    shown
        .expect(200)
        .says("/console/set-up/")
        .says("shown only now")
        .says("olive@council.example");
    let row = console.person(&olive).await.unwrap().unwrap();
    assert_eq!(row.email.as_deref(), Some("olive@council.example"));
    let html = shown.html();
    let start = html.find("/console/set-up/").unwrap();
    let link = html[start..].split('<').next().unwrap().to_owned();
    b.get(&path)
        .await
        .expect(200)
        .says("Set-up link sent")
        .says("Turn console access off");
    // Now they have one: no second.
    b.post(
        &format!("{path}/console-account"),
        &[("csrf", &csrf), ("email", "olive.two@council.example")],
    )
    .await
    .expect(400)
    .says("already has a console account");
    let row = console.person(&olive).await.unwrap().unwrap();
    assert_eq!(row.email.as_deref(), Some("olive@council.example"));

    // The link works: Olive chooses a password and signs in.
    let mut olive_b = Browser::new(&w.hub);
    let form = olive_b.get(&link).await;
    form.expect(200);
    let csrf_link = form.hidden("csrf");
    olive_b
        .post(
            &link,
            &[
                ("csrf", &csrf_link),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
            ],
        )
        .await
        .redirects_to("/console/sign-in");
    olive_b
        .sign_in("olive@council.example", PASSWORD)
        .await
        .redirects_to("/console/home");

    // Audited with the administrator's id: the account, and each refusal.
    let audit = w.store.audit(500).await.unwrap();
    let given: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "admin.add-console-account")
        .collect();
    assert!(
        given
            .iter()
            .all(|e| e.user_id.as_deref() == Some(admin_id.as_str())),
        "{given:#?}"
    );
    assert_eq!(
        given.iter().filter(|e| e.outcome.starts_with("ok")).count(),
        1,
        "{given:#?}"
    );
    assert!(
        !given.iter().any(|e| e.outcome.contains('@')),
        "no email in the audit log: {given:#?}"
    );
}

async fn turning_console_access_off_leaves_the_laptop_syncing(backend: Backend) {
    let w = world(backend).await;
    let (mut admin_b, _) = w.signed_in("Ada Admin", Role::Admin, &w.north).await;
    let csrf = admin_b.csrf().await;
    // Sam has both: a console account (signed in) and an enrolled laptop.
    let (mut sam_b, sam) = w.signed_in("Sam Both", Role::Officer, &w.north).await;
    let code = admin::enrolment_code(&w.store, None, &sam, 3600, w.clock.now_ms())
        .await
        .unwrap()
        .1;
    let mut laptop = enrol(&w.hub, &code).await;
    let first = laptop.new_household("h-1", "1 High Street");
    laptop.push(&w.hub, &[first]).await.ok();
    let (entries, cursor) = laptop.pull_all(&w.hub, 0).await;
    assert_eq!(entries.len(), 1);
    sam_b.get("/console/home").await.expect(200);

    admin_b
        .post(
            &format!("/console/people/{sam}/access"),
            &[("csrf", &csrf), ("access", "off")],
        )
        .await
        .redirects_to(&format!("/console/people/{sam}"));

    // Their console session has ended, and they cannot sign in again.
    sam_b
        .get("/console/home")
        .await
        .redirects_to("/console/sign-in");
    sam_b
        .sign_in("sam.both@council.example", PASSWORD)
        .await
        .expect(403);
    // Their laptop still pushes and pulls.
    let second = laptop.new_household("h-2", "2 High Street");
    laptop.push(&w.hub, &[second]).await.ok();
    let (entries, _) = laptop.pull_all(&w.hub, cursor).await;
    assert_eq!(entries.len(), 1, "the new household comes back");
    let (entries, _) = laptop.pull_all(&w.hub, 0).await;
    assert_eq!(entries.len(), 2);
    assert!(
        w.store.console().unwrap().laptops().await.unwrap()[0]
            .revoked_at
            .is_none()
    );
}

async fn the_council_logo_is_in_the_header(backend: Backend) {
    let w = world(backend).await;
    for (path, page) in [
        ("/console/assets/logo.png", "/console/sign-in"),
        ("/portal/assets/logo.png", "/portal/sign-in"),
    ] {
        let mut b = Browser::new(&w.hub);
        let logo = b.get(path).await;
        logo.expect(200);
        assert_eq!(logo.header("content-type").as_deref(), Some("image/png"));
        assert!(
            logo.header("cache-control")
                .is_some_and(|c| c.contains("public") && c.contains("max-age=")),
            "{:?}",
            logo.header("cache-control")
        );
        assert!(logo.body.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
        let html = b.get(page).await.html();
        let council = "Eastwick Vale District Council (demo)";
        assert!(
            html.contains(&format!(
                "<img class=\"app-header__logo\" src=\"{path}\" alt=\"{council}\""
            )),
            "the logo, named by the council's name: {html}"
        );
    }
}

async fn a_supervisor_returns_a_plan_and_the_laptop_pulls_it_as_a_draft(backend: Backend) {
    use doorstep_sync::protocol::EntityKind;

    let w = world(backend).await;
    let code = user_with_code(&w.store, &w.north, "North Laptop", Role::Officer).await;
    let mut laptop = enrol(&w.hub, &code).await;
    // The browser test's agreed plan, as a laptop pushes it.
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/portal/fixtures/agreed-plan.json");
    let records: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let changes: Vec<_> = records
        .iter()
        .map(|r| {
            let entity: EntityKind = serde_json::from_value(r["entity"].clone()).unwrap();
            laptop.create(entity, r["id"].as_str().unwrap(), r["fields"].clone())
        })
        .collect();
    laptop.push(&w.hub, &changes).await.ok();
    let (_, cursor) = laptop.pull_all(&w.hub, 0).await;
    let plan_id = records
        .iter()
        .find(|r| r["entity"] == "plan")
        .and_then(|r| r["id"].as_str())
        .unwrap()
        .to_owned();

    let (mut supervisor, supervisor_id) =
        w.signed_in("Sue Super", Role::Supervisor, &w.north).await;
    let page = supervisor.get(&format!("/console/plans/{plan_id}")).await;
    page.expect(200).says("Return the plan");
    let (csrf, seen) = (page.hidden("csrf"), page.hidden("seen"));
    let target = format!("/console/plans/{plan_id}/return");
    // Without what to change, nothing is returned.
    supervisor
        .post(&target, &[("csrf", &csrf), ("seen", &seen), ("why", "  ")])
        .await
        .expect(400)
        .says("There is a problem")
        .says("href=\"#why\"")
        .says("Enter what the officer should change");
    let why = "Price the side gate again: the resident has a shared alley";
    supervisor
        .post(&target, &[("csrf", &csrf), ("seen", &seen), ("why", why)])
        .await
        .redirects_to(&format!("/console/plans/{plan_id}?returned=1"));
    let page = supervisor
        .get(&format!("/console/plans/{plan_id}?returned=1"))
        .await;
    page.expect(200)
        .says("Plan returned to the officer")
        .says(": draft");
    assert!(!page.html().contains("Return the plan"), "returned twice");

    // The laptop pulls a draft again, without the old signature, with the reason.
    let (entries, _) = laptop.pull_all(&w.hub, cursor).await;
    let change = entries
        .iter()
        .filter_map(|e| e.change.as_ref())
        .find(|c| c.entity_id == plan_id)
        .expect("the laptop pulls the returned plan");
    assert_eq!(change.fields["status"], "draft");
    assert_eq!(change.fields["agreement"], serde_json::Value::Null);
    let last = change.fields["history"].as_array().unwrap().last().unwrap();
    assert_eq!(last["step"]["step"], "return");
    assert_eq!(last["step"]["reason"], why);
    assert_eq!(last["by"]["officer_id"], supervisor_id.as_str());
    assert!(
        !entries
            .iter()
            .filter_map(|e| e.change.as_ref())
            .any(|c| c.entity == EntityKind::WorkOrder),
        "returning raises no work order"
    );
    let audit = w.store.audit(500).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "console.plan-return"
        && e.user_id.as_deref() == Some(supervisor_id.as_str())
        && e.outcome.starts_with("applied")));
    supervisor
        .get("/console/lists/awaiting-approval")
        .await
        .says("Nothing is on this list today");
}

async fn an_admin_moves_a_household_to_another_team(backend: Backend) {
    use doorstep_sync::protocol::EntityKind;

    let w = world(backend).await;
    let code = user_with_code(&w.store, &w.north, "North Laptop", Role::Officer).await;
    let mut laptop = enrol(&w.hub, &code).await;
    let household = "house-moving";
    let change = laptop.create(
        EntityKind::Household,
        household,
        serde_json::json!({"address_line_1": "9 Moving Lane", "town": "Northbridge", "postcode": "ZY5 2AB"}),
    );
    laptop.push(&w.hub, &[change]).await.ok();
    let (mut north, _) = w.signed_in("Nia North", Role::Supervisor, &w.north).await;
    north
        .get(&format!("/console/households/{household}"))
        .await
        .expect(200)
        .says(household);

    let (mut admin_b, admin_id) = w.signed_in("Ada Admin", Role::Admin, &w.north).await;
    let form = admin_b.get("/console/teams/move-household").await;
    form.expect(200).says("Move a household to another team");
    let csrf = form.hidden("csrf");
    let target = "/console/teams/move-household";
    admin_b
        .post(target, &[("csrf", &csrf), ("id", ""), ("team", "")])
        .await
        .expect(400)
        .says("Enter the household&#39;s reference")
        .says("Select the team to move it to");
    admin_b
        .post(
            target,
            &[("csrf", &csrf), ("id", "no-such-house"), ("team", &w.south)],
        )
        .await
        .expect(400)
        .says("There is no household with that reference");
    admin_b
        .post(
            target,
            &[("csrf", &csrf), ("id", household), ("team", &w.north)],
        )
        .await
        .expect(400)
        .says("already held by that team");
    admin_b
        .post(
            target,
            &[("csrf", &csrf), ("id", household), ("team", &w.south)],
        )
        .await
        .expect(200)
        .says("Household moved");

    // The north team reads it no more; the south team does.
    north
        .get(&format!("/console/households/{household}"))
        .await
        .expect(404);
    let (mut south, _) = w.signed_in("Sam South", Role::Supervisor, &w.south).await;
    south
        .get(&format!("/console/households/{household}"))
        .await
        .expect(200)
        .says("9 Moving Lane");
    let audit = w.store.audit(500).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "admin.transfer-household"
        && e.user_id.as_deref() == Some(admin_id.as_str())
        && e.entity_id.as_deref() == Some(household)
        && e.outcome.starts_with("ok")));
}

async fn a_dpo_works_requests_and_erases_a_household_everywhere(backend: Backend) {
    use doorstep_sync::protocol::EntityKind;

    let w = world(backend).await;
    let code = user_with_code(&w.store, &w.north, "North Laptop", Role::Officer).await;
    let mut laptop = enrol(&w.hub, &code).await;
    let changes = vec![
        laptop.create(
            EntityKind::Household,
            "house-erase",
            serde_json::json!({"address_line_1": "3 Erase Lane", "town": "Northbridge", "postcode": "ZY5 3EL"}),
        ),
        laptop.create(
            EntityKind::Person,
            "person-erase",
            serde_json::json!({"household_id": "house-erase", "full_name": "Erin Erasable"}),
        ),
        laptop.create(
            EntityKind::Household,
            "house-stays",
            serde_json::json!({"address_line_1": "5 Staying Lane", "town": "Northbridge", "postcode": "ZY5 5SL"}),
        ),
        laptop.create(
            EntityKind::Person,
            "person-asker",
            serde_json::json!({"household_id": "house-stays", "full_name": "Asha Asker", "phone": "07700 900111"}),
        ),
        laptop.create(
            EntityKind::Person,
            "person-other",
            serde_json::json!({"household_id": "house-stays", "full_name": "Otto Other", "phone": "07700 900222"}),
        ),
        laptop.create(
            EntityKind::Visit,
            "visit-shared",
            serde_json::json!({"household_id": "house-stays", "notes": "Otto Other answered; Asha Asker was out", "visit_date": "2026-12-01"}),
        ),
    ];
    laptop.push(&w.hub, &changes).await.ok();
    let (_, after) = laptop.pull_all(&w.hub, 0).await;

    let (mut dpo, dpo_id) = w.signed_in("Dee Dpo", Role::Dpo, &w.north).await;
    dpo.get("/console/households/house-erase")
        .await
        .expect(200)
        .says("Record a request about the whole household")
        .says("Record a request about Erin Erasable");
    let register = dpo.get("/console/privacy?household=house-erase").await;
    register.expect(200).says("No requests have been recorded");
    let csrf = register.hidden("csrf");
    let today = chrono::Utc::now().date_naive();
    let tomorrow = (today + chrono::Days::new(2)).to_string();
    let today = today.to_string();

    // Half-filled and wrong forms are refused, each with its reason, and record nothing.
    dpo.post("/console/privacy/requests", &[("csrf", &csrf)])
        .await
        .expect(400)
        .says("Choose what the person asked for")
        .says("Enter your reference for the request")
        .says("Enter the household&#39;s reference");
    let typed = |kind: &'static str, household: &'static str, received: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("kind", kind.to_owned()),
            ("reference", "ER-2026-014".to_owned()),
            ("household", household.to_owned()),
            ("received", received.to_owned()),
        ]
    };
    let form = typed("erasure", "house-erase", &tomorrow);
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    dpo.post("/console/privacy/requests", &fields)
        .await
        .expect(400)
        .says("cannot be in the future");
    let form = typed("erasure", "no-such-house", &today);
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    dpo.post("/console/privacy/requests", &fields)
        .await
        .expect(400)
        .says("No household on the hub has this reference");
    assert!(
        w.store
            .privacy()
            .unwrap()
            .requests()
            .await
            .unwrap()
            .is_empty()
    );

    let form = typed("erasure", "house-erase", &today);
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let made = dpo.post("/console/privacy/requests", &fields).await;
    made.redirects_to("/console/privacy/requests/");
    let page = made.location();
    dpo.get(&page)
        .await
        .expect(200)
        .says("Erin Erasable")
        .says("3 Erase Lane")
        .says("Answer due");

    // The clock stops while the DPO waits for proof of identity, and starts again.
    dpo.post(
        &format!("{page}/clock"),
        &[("csrf", &csrf), ("step", "pause")],
    )
    .await
    .redirects_to(&page);
    dpo.get(&page).await.says("waiting for the person since");
    dpo.post(
        &format!("{page}/clock"),
        &[("csrf", &csrf), ("step", "pause")],
    )
    .await
    .expect(400)
    .says("already waiting");
    dpo.post(
        &format!("{page}/clock"),
        &[("csrf", &csrf), ("step", "resume")],
    )
    .await
    .redirects_to(&page);
    dpo.post(
        &format!("{page}/clock"),
        &[
            ("csrf", &csrf),
            ("step", "extend"),
            ("months", "3"),
            ("why", "complex"),
        ],
    )
    .await
    .expect(400)
    .says("at most 2 months");

    // A legal hold stops the erasure, with its reason; so does a missing confirmation.
    dpo.post(
        "/console/privacy/holds",
        &[
            ("csrf", &csrf),
            ("hold_household", "house-erase"),
            ("reason", "claim 2026/7"),
        ],
    )
    .await
    .redirects_to("/console/privacy");
    dpo.post(&format!("{page}/erase"), &[("csrf", &csrf)])
        .await
        .expect(400)
        .says("Confirm that no exemption applies");
    dpo.post(
        &format!("{page}/erase"),
        &[("csrf", &csrf), ("confirm", "yes")],
    )
    .await
    .expect(409)
    .says("under a legal hold (claim 2026/7)");
    dpo.get("/console/households/house-erase").await.expect(200);
    dpo.post(
        "/console/privacy/holds/lift",
        &[("csrf", &csrf), ("household", "house-erase")],
    )
    .await
    .redirects_to("/console/privacy");

    dpo.post(
        &format!("{page}/erase"),
        &[("csrf", &csrf), ("confirm", "yes")],
    )
    .await
    .redirects_to(&page);
    dpo.get(&page)
        .await
        .expect(200)
        .says("2 records removed from the hub")
        .says("The erased records had not gone to any agency or firm");
    dpo.get("/console/households/house-erase").await.expect(404);
    dpo.get("/console/households/house-stays").await.expect(200);
    dpo.get("/console/privacy")
        .await
        .says("ER-2026-014")
        .says("Erased");

    // The laptop's next pull tells it to erase both records.
    let (entries, _) = laptop.pull_all(&w.hub, after).await;
    let erased: Vec<&str> = entries
        .iter()
        .filter_map(|e| e.remove.as_ref())
        .filter(|r| r.erased)
        .map(|r| r.entity_id.as_str())
        .collect();
    assert_eq!(erased.len(), 2, "{entries:?}");
    assert!(erased.contains(&"house-erase") && erased.contains(&"person-erase"));
    // A pull from the start finds nothing of them.
    let (all, _) = laptop.pull_all(&w.hub, 0).await;
    assert!(all.iter().all(|e| {
        e.change
            .as_ref()
            .is_none_or(|c| c.entity_id != "house-erase" && c.entity_id != "person-erase")
    }));

    // A subject access request from one of two residents: the answer leaves the other out.
    let mut form = typed("access", "house-stays", &today);
    form.push(("person", "person-asker".to_owned()));
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let access = dpo
        .post("/console/privacy/requests", &fields)
        .await
        .location();
    dpo.get(&access).await.says("Prepare the answer");
    let review = dpo.get(&format!("{access}/answer")).await;
    review
        .expect(200)
        .says("Leave out Asha Asker (the person asking)")
        .says("Leave out Otto Other");
    let answer = dpo
        .post(
            &format!("{access}/answer"),
            &[
                ("csrf", &csrf),
                ("leave_out", "person-other"),
                ("format", "json"),
            ],
        )
        .await;
    answer.expect(200);
    let body = answer.html();
    for gone in ["Otto Other", "07700 900222", "person-other"] {
        assert!(!body.contains(gone), "{gone} is in the answer: {body}");
    }
    for kept in [
        "Asha Asker",
        "07700 900111",
        "5 Staying Lane",
        "[redacted] answered",
        "Information Commissioner",
    ] {
        assert!(body.contains(kept), "{kept} is missing: {body}");
    }
    let csv = dpo
        .post(
            &format!("{access}/answer"),
            &[
                ("csrf", &csrf),
                ("leave_out", "person-other"),
                ("format", "csv"),
            ],
        )
        .await;
    csv.expect(200).says("kind,record,field,value");
    assert!(!csv.html().contains("Otto"), "{}", csv.html());
    dpo.post(&format!("{access}/refuse"), &[("csrf", &csrf)])
        .await
        .expect(400)
        .says("Enter the reason for the refusal");
    dpo.post(&format!("{access}/answered"), &[("csrf", &csrf)])
        .await
        .redirects_to(&access);
    dpo.get(&access).await.says("Answered");
    dpo.post(&format!("{access}/answered"), &[("csrf", &csrf)])
        .await
        .expect(409)
        .says("already been decided");

    let log = w.store.audit(1000).await.unwrap();
    assert!(log.iter().any(|e| e.action == "privacy.erasure"
        && e.user_id.as_deref() == Some(dpo_id.as_str())));
    assert!(log.iter().all(|e| !e.outcome.contains("Erin")));
    assert!(log.iter().any(|e| e.action == "console.privacy-answer"
        && e.outcome == "produced: json, 3 records, residents left out: 1"));
}

async fn a_dpo_restricts_a_household_and_no_laptop_or_console_can_change_it(backend: Backend) {
    use doorstep_core::privacy::restriction::RESTRICTED_SENTENCE;
    use doorstep_sync::protocol::{EntityKind, Operation};

    let w = world(backend).await;
    let code = user_with_code(&w.store, &w.north, "North Laptop", Role::Officer).await;
    let mut laptop = enrol(&w.hub, &code).await;
    let changes = vec![
        laptop.create(
            EntityKind::Household,
            "house-kept",
            serde_json::json!({"address_line_1": "4 Keep Lane", "town": "Northbridge", "postcode": "ZY5 4KL"}),
        ),
        laptop.create(
            EntityKind::Person,
            "person-kept",
            serde_json::json!({"household_id": "house-kept", "full_name": "Remy Restrained"}),
        ),
        laptop.create(
            EntityKind::Household,
            "house-free",
            serde_json::json!({"address_line_1": "6 Free Lane", "town": "Northbridge", "postcode": "ZY5 6FL"}),
        ),
    ];
    laptop.push(&w.hub, &changes).await.ok();
    let (_, after) = laptop.pull_all(&w.hub, 0).await;

    let (mut dpo, dpo_id) = w.signed_in("Dee Dpo", Role::Dpo, &w.north).await;
    let register = dpo.get("/console/privacy?household=house-kept").await;
    let csrf = register.hidden("csrf");
    let today = chrono::Utc::now().date_naive().to_string();
    let made = dpo
        .post(
            "/console/privacy/requests",
            &[
                ("csrf", &csrf),
                ("kind", "restriction"),
                ("reference", "RS-2026-003"),
                ("household", "house-kept"),
                ("received", &today),
            ],
        )
        .await;
    made.redirects_to("/console/privacy/requests/");
    let page = made.location();
    let restrict = [("csrf", csrf.as_str()), ("step", "restrict")];
    let lift = [("csrf", csrf.as_str()), ("step", "lift")];

    // Only once the request is granted does it restrict anything.
    let open = dpo.get(&page).await;
    assert!(
        !open.html().contains("Restrict the household"),
        "not yet granted"
    );
    dpo.post(&format!("{page}/restriction"), &restrict)
        .await
        .expect(409)
        .says("Only a restriction request that was granted");
    dpo.post(&format!("{page}/restriction"), &[("step", "restrict")])
        .await
        .expect(403);
    dpo.post(&format!("{page}/answered"), &[("csrf", &csrf)])
        .await
        .redirects_to(&page);
    dpo.get(&page).await.says("Restrict the household");
    dpo.post(&format!("{page}/restriction"), &restrict)
        .await
        .redirects_to(&page);
    dpo.get(&page)
        .await
        .says("Restricted")
        .says("Lift the restriction");
    dpo.post(&format!("{page}/restriction"), &restrict)
        .await
        .expect(409)
        .says("already restricted");
    dpo.get("/console/households/house-kept")
        .await
        .expect(200)
        .says("Restricted")
        .says("nothing can be added or changed");
    assert!(
        !dpo.get("/console/households/house-free")
            .await
            .html()
            .contains("nothing can be added or changed"),
        "only the restricted household has the banner"
    );

    // The laptop's next pull carries the field, written by the hub.
    let (entries, after_restriction) = laptop.pull_all(&w.hub, after).await;
    let marked = entries
        .iter()
        .filter_map(|e| e.change.as_ref())
        .find(|c| c.entity_id == "house-kept")
        .expect("the household's change is pulled");
    assert_eq!(
        marked.fields.get("restricted"),
        Some(&serde_json::Value::Bool(true)),
        "{marked:?}"
    );
    assert_eq!(marked.fields.len(), 1, "the change carries the field alone");

    // Every change to the household's records is refused, with core's sentence, and
    // nothing is taken from the batch; another household's change goes through.
    let edit = laptop.change(
        EntityKind::Person,
        "person-kept",
        Operation::Update,
        serde_json::json!({"phone": "07700 900333"}),
        &[("phone", None)],
    );
    let other = laptop.change(
        EntityKind::Household,
        "house-free",
        Operation::Update,
        serde_json::json!({"address_line_2": "Flat 2"}),
        &[("address_line_2", None)],
    );
    let refused = laptop.push(&w.hub, &[other.clone(), edit]).await;
    refused.expect(403, "out_of_scope");
    assert_eq!(
        refused.body["message"].as_str(),
        Some(RESTRICTED_SENTENCE),
        "the officer reads core's sentence"
    );
    let visit = laptop.create(
        EntityKind::Visit,
        "visit-new",
        serde_json::json!({"household_id": "house-kept", "notes": "Called", "visit_date": "2026-12-01"}),
    );
    laptop
        .push(&w.hub, &[visit])
        .await
        .expect(403, "out_of_scope");
    let (entries, _) = laptop.pull_all(&w.hub, after_restriction).await;
    assert!(entries.is_empty(), "nothing was taken in: {entries:?}");
    laptop.push(&w.hub, &[other]).await.ok();
    // Only the hub writes the field.
    let unrestrict = laptop.change(
        EntityKind::Household,
        "house-free",
        Operation::Update,
        serde_json::json!({"restricted": true}),
        &[("restricted", None)],
    );
    laptop
        .push(&w.hub, &[unrestrict])
        .await
        .expect(422, "invalid");

    let log = w.store.audit(1000).await.unwrap();
    assert!(log.iter().any(|e| e.action == "privacy.restriction"
        && e.user_id.as_deref() == Some(dpo_id.as_str())
        && e.entity_id.as_deref() == Some("house-kept")));
    assert!(
        log.iter()
            .all(|e| !e.outcome.contains("Remy") && !e.outcome.contains("Keep Lane")),
        "ids, never content"
    );

    // Lifted: the laptop pulls it and may change the records again.
    dpo.post(&format!("{page}/restriction"), &lift)
        .await
        .redirects_to(&page);
    dpo.get(&page).await.says("Restrict the household");
    let (entries, _) = laptop.pull_all(&w.hub, after_restriction).await;
    assert!(entries.iter().filter_map(|e| e.change.as_ref()).any(|c| {
        c.entity_id == "house-kept"
            && c.fields.get("restricted") == Some(&serde_json::Value::Bool(false))
    }));
    let edit = laptop.change(
        EntityKind::Person,
        "person-kept",
        Operation::Update,
        serde_json::json!({"phone": "07700 900444"}),
        &[("phone", None)],
    );
    laptop.push(&w.hub, &[edit]).await.ok();
    dpo.post(&format!("{page}/restriction"), &lift)
        .await
        .expect(409)
        .says("not restricted");
}

async fn a_supervisor_cannot_decide_the_plan_of_a_restricted_household(backend: Backend) {
    use doorstep_core::privacy::restriction::RESTRICTED_SENTENCE;
    use doorstep_sync::protocol::EntityKind;

    let w = world(backend).await;
    let code = user_with_code(&w.store, &w.north, "North Laptop", Role::Officer).await;
    let mut laptop = enrol(&w.hub, &code).await;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/portal/fixtures/agreed-plan.json");
    let records: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let changes: Vec<_> = records
        .iter()
        .map(|r| {
            let entity: EntityKind = serde_json::from_value(r["entity"].clone()).unwrap();
            laptop.create(entity, r["id"].as_str().unwrap(), r["fields"].clone())
        })
        .collect();
    laptop.push(&w.hub, &changes).await.ok();
    let id_of = |entity: &str| {
        records
            .iter()
            .find(|r| r["entity"] == entity)
            .and_then(|r| r["id"].as_str())
            .unwrap()
            .to_owned()
    };
    let (plan_id, household_id) = (id_of("plan"), id_of("household"));

    // The DPO restricts the plan's household.
    let (mut dpo, _) = w.signed_in("Dee Dpo", Role::Dpo, &w.north).await;
    let csrf = dpo.get("/console/privacy").await.hidden("csrf");
    let today = chrono::Utc::now().date_naive().to_string();
    let page = dpo
        .post(
            "/console/privacy/requests",
            &[
                ("csrf", &csrf),
                ("kind", "restriction"),
                ("reference", "RS-2026-004"),
                ("household", &household_id),
                ("received", &today),
            ],
        )
        .await
        .location();
    dpo.post(&format!("{page}/answered"), &[("csrf", &csrf)])
        .await
        .redirects_to(&page);
    dpo.post(
        &format!("{page}/restriction"),
        &[("csrf", &csrf), ("step", "restrict")],
    )
    .await
    .redirects_to(&page);
    let (_, cursor) = laptop.pull_all(&w.hub, 0).await;

    // The supervisor's approval and return are refused with core's sentence; nothing changes.
    let (mut supervisor, _) = w.signed_in("Sue Super", Role::Supervisor, &w.north).await;
    let plan_page = supervisor.get(&format!("/console/plans/{plan_id}")).await;
    let (csrf, seen) = (plan_page.hidden("csrf"), plan_page.hidden("seen"));
    supervisor
        .post(
            &format!("/console/plans/{plan_id}/return"),
            &[("csrf", &csrf), ("seen", &seen), ("why", "Price it again")],
        )
        .await
        .expect(409)
        .says(&RESTRICTED_SENTENCE.replace('\'', "&#39;"));
    supervisor
        .post(
            &format!("/console/plans/{plan_id}/approve"),
            &[("csrf", &csrf), ("seen", &seen)],
        )
        .await
        .expect(409);
    let (entries, _) = laptop.pull_all(&w.hub, cursor).await;
    assert!(entries.is_empty(), "nothing was decided: {entries:?}");
}

/// The text of a PDF, whitespace collapsed, as `pdftotext` (poppler-utils) reads it.
fn pdf_text(bytes: &[u8]) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8", "-", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("pdftotext (poppler-utils) runs");
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "pdftotext read the PDF");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

async fn a_dpo_finds_a_person_by_date_of_birth_or_phone_and_downloads_everything(backend: Backend) {
    use doorstep_sync::protocol::EntityKind;
    use support::photo::{png_with_text, sha256_hex};

    let w = world(backend).await;
    let north_code = user_with_code(&w.store, &w.north, "North Laptop", Role::Officer).await;
    let south_code = user_with_code(&w.store, &w.south, "South Laptop", Role::Officer).await;
    let mut north = enrol(&w.hub, &north_code).await;
    let mut south = enrol(&w.hub, &south_code).await;
    let photo = png_with_text(b"back door of 12 Lantern Walk");
    let digest = sha256_hex(&photo);
    w.hub
        .client(&north.access)
        .put_attachment(&digest, photo.clone())
        .await
        .unwrap();
    let changes = vec![
        north.create(
            EntityKind::Household,
            "house-a",
            serde_json::json!({"address_line_1": "12 Lantern Walk", "town": "Northbridge", "postcode": "ZY5 2AB"}),
        ),
        north.create(
            EntityKind::Person,
            "rowan-north",
            serde_json::json!({"household_id": "house-a", "full_name": "Rowan Testwell", "date_of_birth": "1951-03-14", "phone": "07700900101"}),
        ),
        north.create(
            EntityKind::Person,
            "sky-north",
            serde_json::json!({"household_id": "house-a", "full_name": "Sky Sharer", "date_of_birth": "1980-01-02", "phone": "07700900303"}),
        ),
        north.create(
            EntityKind::Visit,
            "visit-a",
            serde_json::json!({"household_id": "house-a", "notes": "Rowan Testwell and Sky Sharer (07700900303) were in", "visit_date": "2026-12-01"}),
        ),
        north.create(
            EntityKind::Survey,
            "survey-a",
            serde_json::json!({"household_id": "house-a", "created_at": "2026-12-01T10:00:00Z"}),
        ),
        north.create(
            EntityKind::SurveyPhoto,
            "photo-a",
            serde_json::json!({"survey_id": "survey-a", "sha256": digest}),
        ),
    ];
    north.push(&w.hub, &changes).await.ok();
    let changes = vec![
        south.create(
            EntityKind::Household,
            "house-b",
            serde_json::json!({"address_line_1": "4 Other Row", "town": "Southby", "postcode": "ZZ9 1AA"}),
        ),
        south.create(
            EntityKind::Person,
            "rowan-south",
            serde_json::json!({"household_id": "house-b", "full_name": "Rowan Testwell", "date_of_birth": "1962-07-01", "phone": "+447700900202"}),
        ),
    ];
    south.push(&w.hub, &changes).await.ok();

    let (mut dpo, _) = w.signed_in("Dee Dpo", Role::Dpo, &w.north).await;
    dpo.get("/console/privacy")
        .await
        .says("/console/privacy/people");
    dpo.get("/console/privacy/people")
        .await
        .expect(200)
        .says("Name, date of birth or phone number");

    // Two people of one name, in two teams: two lines, never one.
    let both = dpo.get("/console/privacy/people?q=rowan+testwell").await;
    both.expect(200)
        .says("2 residents found")
        .says("12 Lantern Walk")
        .says("4 Other Row")
        .says("14/03/1951")
        .says("01/07/1962")
        .says("household=house-a&amp;person=rowan-north")
        .says("household=house-b&amp;person=rowan-south");

    // A date of birth, as the UK writes it or as ISO, finds only its person.
    for dob in ["14/03/1951", "1951-03-14", "14.3.1951"] {
        let found = dpo.get(&format!("/console/privacy/people?q={dob}")).await;
        found
            .expect(200)
            .says("1 resident found")
            .says("12 Lantern Walk");
        assert!(
            !found.html().contains("4 Other Row"),
            "{dob}: {}",
            found.html()
        );
    }
    // A phone number, whatever its spacing and prefix, finds only its person.
    for phone in ["07700+900202", "%2B44+7700+900202", "0044-7700-900-202"] {
        let found = dpo.get(&format!("/console/privacy/people?q={phone}")).await;
        found
            .expect(200)
            .says("1 resident found")
            .says("4 Other Row");
        assert!(
            !found.html().contains("12 Lantern Walk"),
            "{phone}: {}",
            found.html()
        );
    }
    dpo.get("/console/privacy/people?q=01/01/1900")
        .await
        .expect(200)
        .says("No resident matches");
    // What cannot be read is refused with what to type, and searches nothing.
    dpo.get("/console/privacy/people?q=31/02/1951")
        .await
        .expect(400)
        .says("There is a problem")
        .says("Enter a real date of birth");
    dpo.get("/console/privacy/people?q=+")
        .await
        .expect(400)
        .says("Enter a name, a date of birth");
    // The households search never reaches the date and phone words.
    let households = dpo.get("/console/households?q=dob").await;
    assert!(!households.html().contains("12 Lantern Walk"));

    // The answer for Rowan of house-a leaves Sky out: as a PDF and as a ZIP.
    let register = dpo.get("/console/privacy").await;
    let csrf = register.hidden("csrf");
    let today = chrono::Utc::now().date_naive().to_string();
    let access = dpo
        .post(
            "/console/privacy/requests",
            &[
                ("csrf", &csrf),
                ("kind", "access"),
                ("reference", "SAR-2026-031"),
                ("household", "house-a"),
                ("person", "rowan-north"),
                ("received", &today),
            ],
        )
        .await
        .location();
    let request_id = access.rsplit('/').next().unwrap().to_owned();
    dpo.get(&format!("{access}/answer"))
        .await
        .expect(200)
        .says("Survey photo")
        .says("Everything in one ZIP");
    let form = |format: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("leave_out", "sky-north".to_owned()),
            ("format", format.to_owned()),
        ]
    };
    let answer = format!("{access}/answer");
    let fields = form("pdf");
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let pdf = dpo.post(&answer, &fields).await;
    pdf.expect(200);
    assert_eq!(
        pdf.header("content-type").as_deref(),
        Some("application/pdf")
    );
    assert_eq!(pdf.header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(
        pdf.header("content-disposition"),
        Some(format!(
            "attachment; filename=\"subject-access-{request_id}.pdf\""
        ))
    );
    let text = pdf_text(&pdf.body);
    for kept in [
        "SAR-2026-031",
        "Rowan Testwell",
        "07700900101",
        "12 Lantern Walk",
        "Survey photo",
        "[redacted]",
        "Information Commissioner",
    ] {
        assert!(
            text.contains(kept),
            "{kept} is missing from the PDF: {text}"
        );
    }
    for gone in ["Sky Sharer", "Sky", "07700900303", "1980"] {
        assert!(!text.contains(gone), "{gone} is in the PDF: {text}");
    }

    let fields = form("zip");
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let zipped = dpo.post(&answer, &fields).await;
    zipped.expect(200);
    assert_eq!(
        zipped.header("content-type").as_deref(),
        Some("application/zip")
    );
    assert_eq!(zipped.header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(
        zipped.header("content-disposition"),
        Some(format!(
            "attachment; filename=\"subject-access-{request_id}.zip\""
        ))
    );
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zipped.body.clone())).unwrap();
    let mut files: std::collections::BTreeMap<String, Vec<u8>> = Default::default();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut file, &mut bytes).unwrap();
        files.insert(file.name().unwrap().into_owned(), bytes);
    }
    let photo_name = format!("attachments/{digest}.png");
    assert_eq!(
        files.keys().cloned().collect::<Vec<_>>(),
        vec![
            "answer.csv".to_owned(),
            "answer.json".to_owned(),
            "answer.pdf".to_owned(),
            photo_name.clone()
        ]
    );
    assert_eq!(files[&photo_name], photo, "the photo's own bytes");
    for name in ["answer.json", "answer.csv"] {
        let text = String::from_utf8_lossy(&files[name]);
        assert!(text.contains("Rowan Testwell"), "{name}: {text}");
        for gone in ["Sky", "07700900303", "sky-north"] {
            assert!(!text.contains(gone), "{gone} is in {name}: {text}");
        }
    }
    let text = pdf_text(&files["answer.pdf"]);
    assert!(
        text.contains(&digest[..16]) && !text.contains("Sky"),
        "{text}"
    );

    // Reading is audited, never with what was typed or who was found.
    let log = w.store.audit(1000).await.unwrap();
    let searches: Vec<_> = log
        .iter()
        .filter(|e| e.action == "console.privacy-person-search")
        .collect();
    assert_eq!(searches.len(), 8, "every search that ran is audited");
    assert!(searches.iter().any(|e| e.outcome == "2 found"));
    for e in &log {
        for secret in ["Rowan", "1951", "900202", "Sky"] {
            assert!(!e.outcome.contains(secret), "{secret} in {e:?}");
        }
    }
    assert!(log.iter().any(|e| e.action == "console.privacy-answer"
        && e.outcome == "produced: zip, 5 records, 1 attachments"));
    assert!(log.iter().any(|e| e.action == "console.privacy-answer"
        && e.outcome.starts_with("produced: pdf, 5 records")));

    // An officer has no such page.
    let (mut officer, _) = w.signed_in("Olly Officer", Role::Officer, &w.north).await;
    officer
        .get("/console/privacy/people?q=rowan")
        .await
        .expect(404);
}

/// The reports: each reader's figures from the records laptops pushed, counts under the
/// threshold hidden on the page and in every download, a person-level export only with a
/// reason (audited), and bad choices refused with nothing shown.
async fn reports_count_each_readers_records_and_hide_small_numbers(backend: Backend) {
    use doorstep_sync::protocol::EntityKind as K;
    use serde_json::json;

    let w = world(backend).await;
    let code = user_with_code(&w.store, &w.north, "North Laptop", Role::Officer).await;
    let mut north = enrol(&w.hub, &code).await;
    let code = user_with_code(&w.store, &w.south, "South Laptop", Role::Officer).await;
    let mut south = enrol(&w.hub, &code).await;
    // North: six homes surveyed today, three gold plans and three silver; south: two homes.
    let mut changes = Vec::new();
    for n in 0..6 {
        let (h, v, s, p) = (
            format!("nh{n}"),
            format!("nv{n}"),
            format!("ns{n}"),
            format!("np{n}"),
        );
        changes.push(north.create(
            K::Household,
            &h,
            json!({"postcode": format!("ZY5 2A{n}"), "uprn": format!("10000000000{n}")}),
        ));
        changes.push(north.create(K::Visit, &v, json!({"household_id": h, "kind": "burglary_victim", "visit_date": day(0), "outcome": "completed"})));
        changes.push(north.create(K::Survey, &s, json!({"household_id": h, "visit_id": v})));
        let tier = if n < 3 { "gold" } else { "silver" };
        changes.push(north.create(K::Plan, &p, json!({"survey_id": s, "tier": tier, "status": "draft", "created_at": time(0), "history": [], "items": []})));
    }
    north.push(&w.hub, &changes).await.ok();
    let mut changes = Vec::new();
    for n in 0..2 {
        let (h, v, s) = (format!("sh{n}"), format!("sv{n}"), format!("ss{n}"));
        changes.push(south.create(K::Household, &h, json!({"postcode": format!("ZY9 1A{n}")})));
        changes.push(south.create(K::Visit, &v, json!({"household_id": h, "kind": "cocoon_neighbour", "visit_date": day(0), "outcome": "completed"})));
        changes.push(south.create(K::Survey, &s, json!({"household_id": h, "visit_id": v})));
    }
    south.push(&w.hub, &changes).await.ok();

    let row = |page: &Page, label: &str| -> String {
        let html = page.html();
        let at = html
            .find(&format!(">{label}</th>"))
            .unwrap_or_else(|| panic!("{label} shown"));
        let cell = &html[at..];
        let start = cell.find("numeric\">").unwrap() + "numeric\">".len();
        cell[start..start + cell[start..].find('<').unwrap()].to_owned()
    };

    // The analyst reads every team: eight surveys; three gold plans is a small number.
    let (mut analyst, analyst_id) = w.signed_in("Ann Analyst", Role::Analyst, &w.north).await;
    let page = analyst.get("/console/reports").await;
    page.expect(200).says("Figures for").says("every team");
    assert_eq!(row(&page, "Home security surveys done"), "8");
    assert_eq!(row(&page, "Plans drawn up: gold"), "[c]");
    assert_eq!(row(&page, "Plans drawn up"), "6");
    assert!(page.html().contains("role=\"img\""), "the charts are drawn");
    assert!(page.html().contains("Show as table"));

    // A supervisor reads their own team's figures only, whatever the address asks.
    let (mut sup, _) = w.signed_in("Sue Super", Role::Supervisor, &w.north).await;
    let page = sup.get(&format!("/console/reports?team={}", w.south)).await;
    page.expect(200);
    assert_eq!(row(&page, "Home security surveys done"), "6");
    // An area cuts the homes counted: ZY9 is south's.
    let page = analyst.get("/console/reports?area=ZY9").await;
    assert_eq!(row(&page, "Home security surveys done"), "[c]");

    // Bad choices are refused, with nothing shown.
    for (query, words) in [
        ("custom=2026-13", "is not a period"),
        ("area=nowhere+at+all", "is not an area"),
        ("scheme=no-such-round", "Choose a scheme"),
        ("team=no-such-team", "Choose a team"),
    ] {
        let page = analyst.get(&format!("/console/reports?{query}")).await;
        page.expect(400).says("There is a problem").says(words);
        assert!(!page.html().contains("Figures for"), "{query}");
    }

    // The downloads hide the same small numbers.
    let csv = analyst
        .get("/console/reports/returns/safer-streets-quarterly.csv")
        .await;
    csv.expect(200);
    assert!(csv.html().starts_with('\u{feff}'), "a BOM for spreadsheets");
    assert!(csv.html().contains("[c]"));
    let xlsx = analyst
        .get("/console/reports/returns/safer-streets-quarterly.xlsx")
        .await;
    xlsx.expect(200);
    assert!(xlsx.html().starts_with("PK"), "an XLSX is a zip");
    let name = xlsx.header("content-disposition").unwrap();
    assert!(name.contains("doorstep-safer-streets-quarterly-"), "{name}");
    let chart = analyst
        .get("/console/reports/charts/items-by-category.csv")
        .await;
    chart.expect(200);
    let pdf = sup.get("/console/reports/board.pdf").await;
    pdf.expect(200);
    assert!(pdf.html().starts_with("%PDF"));
    analyst
        .get("/console/reports/returns/no-such-return.xlsx")
        .await
        .expect(404);

    // A row per record needs a reason; with one, the CSV has north's and south's visits.
    let form = analyst.get("/console/reports/export").await;
    form.expect(200);
    let csrf = form.hidden("csrf");
    let period = form
        .html()
        .split("<option value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    analyst
        .post(
            "/console/reports/export",
            &[
                ("csrf", &csrf),
                ("table", "visits"),
                ("period", &period),
                ("reason", ""),
            ],
        )
        .await
        .expect(400)
        .says("Say why you need a row per record");
    let reason = "Matching visits to the force's list for the evaluation";
    let export = analyst
        .post(
            "/console/reports/export",
            &[
                ("csrf", &csrf),
                ("table", "visits"),
                ("period", &period),
                ("reason", reason),
            ],
        )
        .await;
    export.expect(200);
    let text = export.html();
    assert!(text.contains("nv0") && text.contains("sv1"), "{text}");
    assert!(
        text.contains(",ZY5") && !text.contains("ZY5 2A"),
        "the district only: {text}"
    );
    // A supervisor may not export a row per record.
    sup.get("/console/reports/export").await.expect(404);

    let audit = w.store.audit(1000).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "console.report-export"
        && e.user_id.as_deref() == Some(analyst_id.as_str())
        && e.outcome.contains(reason)));
    assert!(
        audit
            .iter()
            .any(|e| e.action == "console.report-view" && e.outcome.starts_with("ok"))
    );
    assert!(
        audit
            .iter()
            .any(|e| e.action == "console.report-download" && e.outcome.contains("board report"))
    );
}
