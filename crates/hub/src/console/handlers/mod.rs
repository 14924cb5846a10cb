//! The console's request handlers: signing in and out, the one-time set-up link, the home
//! page, and the administrator's people, teams and laptops. Each page checks the session
//! first ([`gate`]: the steps are [`crate::web::auth`]'s, the same as the portal's),
//! each form its CSRF token; a page a role may not see answers 404 as if it were not
//! there, and a refused form changes nothing.

pub(super) mod audit;
pub(super) mod casework;
pub(super) mod data_map;
pub(super) mod firms;
pub(super) mod households;
pub(super) mod laptops;
pub(super) mod people;
pub(super) mod privacy;
pub(super) mod referral_emails;
pub(super) mod reports;
pub(super) mod retention;
pub(super) mod set_up;
pub(super) mod sign_in;
pub(super) mod subject_access;

use std::net::SocketAddr;

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::access::{
    may_administer, may_handle_privacy_requests, may_read_audit, may_read_data_map,
    may_see_referral_emails,
};
use super::pages::{Errors, Frame, HomePage, MessagePage, SignedIn};
use super::store::Session;
use super::{COOKIES, ConsoleState};
use crate::model::{AuditEntry, StoreError};
use crate::portal::PORTAL_CSS;
use crate::web::auth::{Turned, admit};
use crate::web::cookies::{Cookies, plain_loopback};
use crate::web::csrf::session_form_ok;
use crate::web::respond::{Stop, page, redirect, stop, with_cookies};
use crate::web::session::{Allow, Detour};

/// The console's pages and the audit entries its handlers write.
impl ConsoleState {
    /// The frame every page shows: title, council, errors, who is signed in.
    fn frame(&self, title: &str, errors: Errors, signed_in: Option<&Session>) -> Frame {
        Frame {
            title: title.to_owned(),
            council: self.inner.council.clone(),
            logo: self.inner.logo.is_some(),
            errors,
            signed_in: signed_in.map(|s| SignedIn {
                name: s.user.name.clone(),
                role: s.user.role.label().to_owned(),
                csrf: s.csrf.clone(),
                admin: may_administer(s.user.role),
                casework: crate::casework::Scope::of(s.user.role, &s.user.team_id).is_some(),
                audit: may_read_audit(s.user.role),
                privacy: may_handle_privacy_requests(s.user.role),
                reports: super::access::report_teams(s.user.role, &s.user.team_id).is_some(),
            }),
        }
    }

    /// The address people and laptops reach this hub at: the configured public URL, or
    /// else the one this browser asked for.
    fn hub_url(&self, peer: SocketAddr, headers: &HeaderMap) -> String {
        if let Some(url) = &self.inner.public_url {
            return url.clone();
        }
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost");
        let scheme = if plain_loopback(peer, headers) {
            "http"
        } else {
            "https"
        };
        format!("{scheme}://{host}")
    }

    /// A page of a few paragraphs and one link onwards.
    fn message(
        &self,
        status: StatusCode,
        title: &str,
        paragraphs: &[&str],
        link: (&str, &str),
        session: Option<&Session>,
    ) -> Response {
        page(
            status,
            &MessagePage {
                frame: self.frame(title, Errors::default(), session),
                paragraphs: paragraphs.iter().map(|p| (*p).to_owned()).collect(),
                link_href: link.0.to_owned(),
                link_text: link.1.to_owned(),
            },
        )
    }

    /// The page for a database that failed: nothing was saved.
    fn unavailable(&self, error: &StoreError, session: Option<&Session>) -> Response {
        tracing::error!(%error, "console: database error");
        self.message(
            StatusCode::SERVICE_UNAVAILABLE,
            "Sorry, there is a problem with the service",
            &["Try again in a few minutes. Nothing you sent was saved."],
            ("/console/home", "Go to the console's home page"),
            session,
        )
    }

    /// The page for anything this person may not see, as if it did not exist.
    fn not_found_page(&self, session: Option<&Session>) -> Response {
        self.message(
            StatusCode::NOT_FOUND,
            "Page not found",
            &["There is no such page. Check the address, or go to the console's home page."],
            ("/console/home", "Go to the console's home page"),
            session,
        )
    }

    /// The page for a form whose CSRF check failed.
    fn forged(&self, session: Option<&Session>, back: &str) -> Response {
        self.message(
            StatusCode::FORBIDDEN,
            "The form could not be accepted",
            &[
                "The form was out of date or did not come from this console, so nothing was changed.",
                "Go back, reload the page and try again.",
            ],
            (back, "Go back"),
            session,
        )
    }

    /// Writes an audit entry; a failure is logged, as the answer is already decided.
    async fn audit(&self, entry: AuditEntry) {
        if let Err(error) = self.hub().append_audit(&[entry]).await {
            tracing::error!(%error, "console: could not write the audit log");
        }
    }

    /// An audit entry of the console's, about a record when there is one.
    fn entry(
        &self,
        user: Option<&str>,
        action: &str,
        record: Option<(&str, &str)>,
        outcome: impl Into<String>,
    ) -> AuditEntry {
        AuditEntry {
            at: self.now(),
            user_id: user.map(str::to_owned),
            device_id: None,
            action: format!("console.{action}"),
            entity: record.map(|(entity, _)| entity.to_owned()),
            entity_id: record.map(|(_, id)| id.to_owned()),
            outcome: outcome.into(),
        }
    }
}

/// The fields any console form may send; each handler reads the ones it has.
#[derive(Debug, Default, Deserialize)]
pub(super) struct FormFields {
    csrf: Option<String>,
    email: Option<String>,
    password: Option<String>,
    confirm: Option<String>,
    code: Option<String>,
    name: Option<String>,
    org: Option<String>,
    team: Option<String>,
    role: Option<String>,
    access: Option<String>,
    id: Option<String>,
    second_factor: Option<String>,
    seen: Option<String>,
    reason: Option<String>,
    why: Option<String>,
    agency: Option<String>,
    kind: Option<String>,
    reference: Option<String>,
    household: Option<String>,
    person: Option<String>,
    received: Option<String>,
    step: Option<String>,
    months: Option<String>,
    exemption: Option<String>,
    recipient_kind: Option<String>,
    hold_household: Option<String>,
    table: Option<String>,
    period: Option<String>,
}

/// A form body the hub cannot read is treated as an empty form, so the CSRF check
/// refuses it like any other.
pub(super) fn fields(form: Result<Form<FormFields>, FormRejection>) -> FormFields {
    form.map(|Form(f)| f).unwrap_or_default()
}

/// A typed field, trimmed; an absent one is empty.
pub(super) fn text(value: Option<&String>) -> String {
    value.map(|v| v.trim().to_owned()).unwrap_or_default()
}

/// A request's session, checked.
pub(super) struct Signed {
    /// The session, at a stage that may see the page.
    pub(super) session: Session,
    /// The cookies of the request, to set or clear.
    pub(super) cookies: Cookies,
}

/// The request's session if it may see a page open to `allow`, or where to go instead
/// (the steps are [`crate::web::auth::admit`]'s, as the portal's).
pub(super) async fn gate(
    state: &ConsoleState,
    peer: SocketAddr,
    headers: &HeaderMap,
    allow: Allow,
) -> Result<Signed, Stop> {
    let cookies = Cookies::for_request(&COOKIES, peer, headers);
    let admitted = admit(
        state.store().as_ref(),
        cookies.session(headers),
        allow,
        state.now(),
    )
    .await;
    match admitted {
        Ok(Ok(session)) => Ok(Signed { session, cookies }),
        Ok(Err(Turned::SignIn)) => Err(stop(redirect("/console/sign-in"))),
        Ok(Err(Turned::Ended)) => Err(stop(with_cookies(
            redirect("/console/sign-in?ended=1"),
            &[cookies.clear_session()],
        ))),
        Ok(Err(Turned::Elsewhere(detour))) => Err(stop(redirect(match detour {
            Detour::Code => "/console/sign-in/code",
            // A console password is never handed out, so nothing detours to replace one.
            Detour::Home | Detour::Password => "/console/home",
        }))),
        Err(error) => Err(stop(state.unavailable(&error, None))),
    }
}

/// A signed-in administrator's request; anyone else gets the not-found page.
pub(super) async fn admin_gate(
    state: &ConsoleState,
    peer: SocketAddr,
    headers: &HeaderMap,
) -> Result<Signed, Stop> {
    let signed = gate(state, peer, headers, Allow::Full).await?;
    if may_administer(signed.session.user.role) {
        Ok(signed)
    } else {
        Err(stop(state.not_found_page(Some(&signed.session))))
    }
}

/// A signed-in administrator's or data protection officer's request (the audit log);
/// anyone else gets the not-found page.
pub(super) async fn audit_gate(
    state: &ConsoleState,
    peer: SocketAddr,
    headers: &HeaderMap,
) -> Result<Signed, Stop> {
    let signed = gate(state, peer, headers, Allow::Full).await?;
    if may_read_audit(signed.session.user.role) {
        Ok(signed)
    } else {
        Err(stop(state.not_found_page(Some(&signed.session))))
    }
}

/// Checks a form's CSRF token against the session's; a refusal is audited as `action`
/// and answered with a link back to `back`.
pub(super) async fn check_csrf(
    state: &ConsoleState,
    signed: &Signed,
    headers: &HeaderMap,
    sent: Option<&str>,
    action: &str,
    back: &str,
) -> Result<(), Stop> {
    if session_form_ok(headers, sent, &signed.session.csrf) {
        return Ok(());
    }
    let user = signed.session.user.id.as_str();
    state
        .audit(state.entry(Some(user), action, None, "refused: csrf"))
        .await;
    Err(stop(state.forged(Some(&signed.session), back)))
}

/// A form from a signed-in person at `allow`'s stage, read and its CSRF token checked (a
/// refusal is audited as `action` and goes back to `back`).
pub(super) async fn signed_form(
    state: &ConsoleState,
    peer: SocketAddr,
    headers: &HeaderMap,
    form: Result<Form<FormFields>, FormRejection>,
    allow: Allow,
    action: &str,
    back: &str,
) -> Result<(Signed, FormFields), Stop> {
    let signed = gate(state, peer, headers, allow).await?;
    let form = fields(form);
    check_csrf(state, &signed, headers, form.csrf.as_deref(), action, back).await?;
    Ok((signed, form))
}

/// An administrator's form: the session, its role, then the CSRF token.
pub(super) async fn admin_form(
    state: &ConsoleState,
    peer: SocketAddr,
    headers: &HeaderMap,
    form: Result<Form<FormFields>, FormRejection>,
    action: &str,
    back: &str,
) -> Result<(Signed, FormFields), Stop> {
    let signed = admin_gate(state, peer, headers).await?;
    let form = fields(form);
    check_csrf(state, &signed, headers, form.csrf.as_deref(), action, back).await?;
    Ok((signed, form))
}

/// `/console` itself: the home page (which sends a browser not signed in to sign in).
pub(super) async fn home_redirect() -> Response {
    redirect("/console/home")
}

/// `GET /console/home`: who is signed in, and where they can go.
pub(super) async fn home(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let signed = match gate(&state, peer, &headers, Allow::Full).await {
        Ok(signed) => signed,
        Err(response) => return *response,
    };
    let session = &signed.session;
    let emails = may_see_referral_emails(session.user.role) && state.inner.mail.is_some();
    let emails_failing = match (&state.inner.mail, emails) {
        (Some(mail), true) => match mail.counts().await {
            Ok(counts) => counts.failing,
            Err(error) => return state.unavailable(&error, Some(session)),
        },
        _ => 0,
    };
    page(
        StatusCode::OK,
        &HomePage {
            frame: state.frame(
                &format!("Signed in as {}", session.user.name),
                Errors::default(),
                Some(session),
            ),
            role: session.user.role.label().to_owned(),
            team: session.user.team_name.clone(),
            admin: may_administer(session.user.role),
            casework: crate::casework::Scope::of(session.user.role, &session.user.team_id)
                .is_some(),
            audit: may_read_audit(session.user.role),
            emails,
            emails_failing,
            privacy: may_handle_privacy_requests(session.user.role),
            data_map: may_read_data_map(session.user.role),
            unencrypted_database: may_read_data_map(session.user.role)
                && state.hub().at_rest() == crate::store::AtRest::Plain,
        },
    )
}

/// The stylesheet (the portal's GOV.UK Frontend build), cached for an hour.
pub(super) async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        PORTAL_CSS,
    )
        .into_response()
}

/// The council's logo, for the header (see [`crate::portal::web_logo`]), cached for a day.
pub(super) async fn logo(State(state): State<ConsoleState>) -> Response {
    crate::portal::logo_response(state.inner.logo.as_ref())
}

/// Any other path under `/console`.
pub(super) async fn not_found(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    // Show the header as signed in when the browser is, but never require it.
    let cookies = Cookies::for_request(&COOKIES, peer, &headers);
    let session = admit(
        state.store().as_ref(),
        cookies.session(&headers),
        Allow::Full,
        state.now(),
    )
    .await
    .ok()
    .and_then(Result::ok);
    state.not_found_page(session.as_ref())
}
