//! The council console (`/console/…`): where the people who run the scheme work, served
//! by the hub beside the contractor portal. Server-rendered HTML pages with GOV.UK
//! Frontend (the portal's stylesheet and templating) that work without JavaScript.
//!
//! Council staff are hub users (`users`) with a console account (`console_accounts`): an
//! email, a password they choose through a one-time set-up link, and — required for
//! admin and dpo — a TOTP second factor. Signing in, sessions, CSRF, the throttle and the
//! cookies are [`crate::web`]'s, the same code the portal runs ([`crate::web::auth`]);
//! the console has its own cookie names and session table, so a portal session is no
//! console session and the other way round (ADR 018).
//!
//! What an administrator does here (teams, people, enrolment codes, laptops, contractor
//! firms) goes through [`crate::admin`] and [`crate::portal::admin`], the functions
//! `doorstep-hub admin …` calls, audited with the console user's id. The administrator and
//! the data protection officer read (and export) the audit log and the record of
//! processing (the data map). A route a role may not
//! use answers 404 ([`access`]).

pub mod access;
pub mod casework_pages;
mod handlers;
pub mod pages;
pub mod privacy_pages;
pub mod store;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::clock::Clock;
use crate::server::AppState;
use crate::store::SharedStore;
use crate::web::cookies::CookieNames;
use crate::web::respond::security_headers;
pub use store::{ConsoleStore, SharedConsoleStore};

/// The console's cookies: its own names, so a portal session is never a console one.
pub const COOKIES: CookieNames = CookieNames {
    session: "__Host-doorstep_console",
    plain_session: "doorstep_console",
    sign_in: "__Host-doorstep_console_sign_in",
    plain_sign_in: "doorstep_console_sign_in",
};

/// Every route the console serves, with its methods (the route × role test walks them).
pub const ROUTES: &[(&str, &[&str])] = &[
    ("/console", &["get"]),
    ("/console/assets/console.css", &["get"]),
    ("/console/assets/logo.png", &["get"]),
    ("/console/sign-in", &["get", "post"]),
    ("/console/sign-in/code", &["get", "post"]),
    ("/console/sign-out", &["post"]),
    ("/console/set-up/{token}", &["get", "post"]),
    ("/console/home", &["get"]),
    ("/console/teams", &["get", "post"]),
    ("/console/teams/move-household", &["get", "post"]),
    ("/console/people", &["get"]),
    ("/console/people/new", &["get", "post"]),
    ("/console/people/{id}", &["get"]),
    ("/console/people/{id}/role", &["post"]),
    ("/console/people/{id}/team", &["post"]),
    ("/console/people/{id}/access", &["post"]),
    ("/console/people/{id}/set-up-link", &["post"]),
    ("/console/people/{id}/console-account", &["post"]),
    ("/console/people/{id}/enrolment-code", &["post"]),
    ("/console/laptops", &["get"]),
    ("/console/laptops/{id}/revoke", &["get", "post"]),
    ("/console/reports", &["get"]),
    ("/console/reports/charts/{file}", &["get"]),
    ("/console/reports/returns/{file}", &["get"]),
    ("/console/reports/board.pdf", &["get"]),
    ("/console/reports/export", &["get", "post"]),
    ("/console/households", &["get"]),
    ("/console/households/{id}", &["get"]),
    ("/console/lists", &["get"]),
    ("/console/lists/{slug}", &["get"]),
    ("/console/plans/{id}", &["get"]),
    ("/console/plans/{id}/approve", &["post"]),
    ("/console/plans/{id}/return", &["post"]),
    ("/console/firms", &["get", "post"]),
    ("/console/agencies", &["post"]),
    ("/console/firms/{id}", &["get"]),
    ("/console/firms/{id}/users", &["post"]),
    ("/console/firms/{id}/users/{user}/access", &["post"]),
    ("/console/firms/{id}/users/{user}/second-factor", &["post"]),
    ("/console/referral-emails", &["get"]),
    ("/console/audit", &["get"]),
    ("/console/audit.csv", &["get"]),
    ("/console/privacy", &["get"]),
    ("/console/privacy/requests", &["post"]),
    ("/console/privacy/requests/{id}", &["get"]),
    ("/console/privacy/requests/{id}/clock", &["post"]),
    ("/console/privacy/requests/{id}/erase", &["post"]),
    ("/console/privacy/requests/{id}/restriction", &["post"]),
    ("/console/privacy/requests/{id}/refuse", &["post"]),
    ("/console/privacy/requests/{id}/answered", &["post"]),
    ("/console/privacy/requests/{id}/told", &["post"]),
    ("/console/privacy/requests/{id}/answer", &["get", "post"]),
    ("/console/privacy/people", &["get"]),
    ("/console/privacy/holds", &["post"]),
    ("/console/privacy/holds/lift", &["post"]),
    ("/console/privacy/data-map", &["get"]),
    ("/console/privacy/data-map.csv", &["get"]),
    ("/console/privacy/retention", &["get"]),
];

/// The largest form the console reads: no uploads, so small.
pub const MAX_REQUEST_BYTES: usize = 64 * 1024;

/// What the console's handlers share.
#[derive(Debug, Clone)]
pub struct ConsoleState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: SharedConsoleStore,
    hub: SharedStore,
    /// The casework reads, when the backend has them.
    casework: Option<crate::casework::SharedCaseworkStore>,
    clock: Clock,
    council: String,
    /// The council's logo for the header, when there is one.
    logo: Option<crate::portal::WebLogo>,
    /// How long set-up links and enrolment codes stay good (the hub's setting).
    link_secs: i64,
    /// The address people and laptops reach the hub at, when configured.
    public_url: Option<String>,
    /// The outbox of agency emails, when the backend has it.
    mail: Option<crate::mail::SharedMailStore>,
    /// Whether `[mail]` is set, so the emails are being sent.
    mail_set_up: bool,
}

impl ConsoleState {
    fn store(&self) -> &SharedConsoleStore {
        &self.inner.store
    }

    fn hub(&self) -> &SharedStore {
        &self.inner.hub
    }

    fn now(&self) -> i64 {
        self.inner.clock.now_ms()
    }

    fn now_utc(&self) -> chrono::DateTime<chrono::Utc> {
        crate::push::time_of(self.now())
    }

    fn casework(&self) -> Option<crate::casework::SharedCaseworkStore> {
        self.inner.casework.clone()
    }
}

/// The console's routes over `state`'s store, or none when the backend has no console
/// tables (a test double).
pub fn router<S>(state: &AppState) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let Some(store) = state.store().console() else {
        return Router::new();
    };
    let console = ConsoleState {
        inner: Arc::new(Inner {
            store,
            hub: state.store().clone(),
            casework: state.store().casework(),
            clock: state.clock().clone(),
            council: crate::portal::branding().council_name,
            logo: crate::portal::web_logo(),
            link_secs: state.config().enrolment_code_secs,
            public_url: state.config().public_url.clone(),
            mail: state.store().mail(),
            mail_set_up: state.config().mail.is_some(),
        }),
    };
    routes(console)
}

fn routes<S>(console: ConsoleState) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    use handlers::{
        audit, casework, data_map, firms, households, laptops, people, privacy, referral_emails,
        reports, retention, set_up, sign_in, subject_access,
    };
    Router::new()
        .route("/console", get(handlers::home_redirect))
        .route("/console/", get(handlers::home_redirect))
        .route("/console/assets/console.css", get(handlers::stylesheet))
        .route("/console/assets/logo.png", get(handlers::logo))
        .route(
            "/console/sign-in",
            get(sign_in::sign_in_page).post(sign_in::sign_in),
        )
        .route(
            "/console/sign-in/code",
            get(sign_in::code_page).post(sign_in::code),
        )
        .route("/console/sign-out", post(sign_in::sign_out))
        .route(
            "/console/set-up/{token}",
            get(set_up::set_up_page).post(set_up::set_up),
        )
        .route("/console/home", get(handlers::home))
        .route("/console/teams", get(people::teams).post(people::add_team))
        .route(
            "/console/teams/move-household",
            get(households::move_household_page).post(households::move_household),
        )
        .route("/console/people", get(people::people))
        .route(
            "/console/people/new",
            get(people::new_person_page).post(people::new_person),
        )
        .route("/console/people/{id}", get(people::person))
        .route("/console/people/{id}/role", post(people::change_role))
        .route("/console/people/{id}/team", post(people::move_team))
        .route("/console/people/{id}/access", post(people::access))
        .route(
            "/console/people/{id}/set-up-link",
            post(people::renew_set_up_link),
        )
        .route(
            "/console/people/{id}/console-account",
            post(people::add_console_account),
        )
        .route(
            "/console/people/{id}/enrolment-code",
            post(laptops::enrolment_code),
        )
        .route("/console/laptops", get(laptops::laptops))
        .route(
            "/console/laptops/{id}/revoke",
            get(laptops::revoke_page).post(laptops::revoke),
        )
        .route("/console/reports", get(reports::dashboard))
        .route("/console/reports/charts/{file}", get(reports::chart_csv))
        .route("/console/reports/returns/{file}", get(reports::return_file))
        .route("/console/reports/board.pdf", get(reports::board_report))
        .route(
            "/console/reports/export",
            get(reports::export_form).post(reports::export),
        )
        .route("/console/households", get(casework::households))
        .route("/console/households/{id}", get(casework::household))
        .route("/console/lists", get(casework::lists))
        .route("/console/lists/{slug}", get(casework::list))
        .route("/console/plans/{id}", get(casework::plan))
        .route("/console/plans/{id}/approve", post(casework::approve))
        .route("/console/plans/{id}/return", post(casework::return_plan))
        .route("/console/firms", get(firms::firms).post(firms::add_firm))
        .route("/console/agencies", post(firms::add_agency))
        .route("/console/firms/{id}", get(firms::firm))
        .route("/console/firms/{id}/users", post(firms::add_user))
        .route(
            "/console/firms/{id}/users/{user}/access",
            post(firms::access),
        )
        .route(
            "/console/firms/{id}/users/{user}/second-factor",
            post(firms::second_factor),
        )
        .route(
            "/console/referral-emails",
            get(referral_emails::referral_emails),
        )
        .route("/console/audit", get(audit::audit))
        .route("/console/audit.csv", get(audit::export))
        .route("/console/privacy", get(privacy::privacy))
        .route("/console/privacy/requests", post(privacy::add_request))
        .route("/console/privacy/requests/{id}", get(privacy::request))
        .route("/console/privacy/requests/{id}/clock", post(privacy::clock))
        .route("/console/privacy/requests/{id}/erase", post(privacy::erase))
        .route(
            "/console/privacy/requests/{id}/restriction",
            post(privacy::restriction),
        )
        .route(
            "/console/privacy/requests/{id}/refuse",
            post(privacy::refuse),
        )
        .route(
            "/console/privacy/requests/{id}/answered",
            post(privacy::answered),
        )
        .route("/console/privacy/requests/{id}/told", post(privacy::told))
        .route(
            "/console/privacy/requests/{id}/answer",
            get(privacy::answer_page).post(privacy::answer),
        )
        .route("/console/privacy/people", get(subject_access::people))
        .route("/console/privacy/holds", post(privacy::place_hold))
        .route("/console/privacy/holds/lift", post(privacy::lift_hold))
        .route("/console/privacy/data-map", get(data_map::data_map))
        .route("/console/privacy/retention", get(retention::retention))
        .route("/console/privacy/data-map.csv", get(data_map::export))
        .route(
            "/console/{*rest}",
            get(handlers::not_found).post(handlers::not_found),
        )
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(console)
}
