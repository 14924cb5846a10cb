//! The portal's request handlers. Each page checks the session first (a browser that is
//! not signed in is sent to sign in), each form its CSRF token; nothing a refused request
//! carried is stored, and every refusal is written to the audit log.

use std::collections::HashMap;
use std::net::SocketAddr;

use askama::Template;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{ConnectInfo, Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use doorstep_core::OfficerId;
use doorstep_core::attachment::{DEFAULT_MAX_PHOTO_BYTES, check_image};
use doorstep_core::work_order::{ContractorStep, WorkOrder, WorkOrderError, WorkOrderStatus};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::model::{AuditEntry, StoreError};
use crate::portal::auth::{self, Cookies};
use crate::portal::orders::{Actor, StepRefusal, plan_step, read_order, read_order_json};
use crate::portal::pages::{
    AppointmentPage, CodePage, DeclinePage, Errors, Frame, ItemPage, MessagePage, OrderPage,
    OrdersPage, PasswordPage, SignInPage, SignedIn, StatusTab, can_record, item_status_words,
    location_words, long_date, order_detail, order_line, status_words,
};
use crate::portal::store::{Failure, NewSession, Photo, Session, Stage, StepDone, StepRequest};
use crate::portal::{MAX_REQUEST_BYTES, PORTAL_CSS, PortalState};
use crate::refusals::Refused;
use crate::secret;

/// Orders on one page of the list.
const PAGE_SIZE: i64 = 25;

/// A handler's answer when it stops early (a redirect, a refusal page).
type Stop = Box<Response>;

fn stop(response: Response) -> Stop {
    Box::new(response)
}

// ---- Responses -------------------------------------------------------------------------

fn page<T: Template>(status: StatusCode, template: &T) -> Response {
    match template.render() {
        Ok(html) => (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            html,
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "a portal page did not render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The page could not be shown",
            )
                .into_response()
        }
    }
}

fn redirect(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_owned())]).into_response()
}

fn with_cookies(mut response: Response, cookies: &[String]) -> Response {
    for cookie in cookies {
        if let Ok(value) = HeaderValue::from_str(cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

impl PortalState {
    fn frame(&self, title: &str, errors: Errors, signed_in: Option<&Session>) -> Frame {
        Frame {
            title: title.to_owned(),
            council: self.inner.branding.council_name.clone(),
            errors,
            signed_in: signed_in.map(|s| SignedIn {
                name: s.user.name.clone(),
                firm: s.user.firm_name.clone(),
                csrf: s.csrf.clone(),
            }),
        }
    }

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

    fn unavailable(&self, error: &StoreError, session: Option<&Session>) -> Response {
        tracing::error!(%error, "portal: database error");
        self.message(
            StatusCode::SERVICE_UNAVAILABLE,
            "Sorry, there is a problem with the service",
            &["Try again in a few minutes. Nothing you sent was saved."],
            ("/portal/orders", "Go to your work orders"),
            session,
        )
    }

    fn not_found_page(&self, session: Option<&Session>) -> Response {
        self.message(
            StatusCode::NOT_FOUND,
            "Page not found",
            &["There is no such page or work order for your firm. Check the address, or go to your list of work orders."],
            ("/portal/orders", "Go to your work orders"),
            session,
        )
    }

    fn forged(&self, session: Option<&Session>, back: &str) -> Response {
        self.message(
            StatusCode::FORBIDDEN,
            "The form could not be accepted",
            &[
                "The form was out of date or did not come from this portal, so nothing was changed.",
                "Go back, reload the page and try again.",
            ],
            (back, "Go back"),
            session,
        )
    }

    async fn audit(&self, entry: AuditEntry) {
        if let Err(error) = self.store().append_audit(&[entry]).await {
            tracing::error!(%error, "portal: could not write the audit log");
        }
    }

    fn entry(
        &self,
        user: Option<&str>,
        action: &str,
        order: Option<&str>,
        outcome: impl Into<String>,
    ) -> AuditEntry {
        AuditEntry {
            at: self.now(),
            user_id: user.map(str::to_owned),
            device_id: None,
            action: format!("portal.{action}"),
            entity: order.map(|_| "work_order".to_owned()),
            entity_id: order.map(str::to_owned),
            outcome: outcome.into(),
        }
    }
}

// ---- Sessions ----------------------------------------------------------------------------

/// Which pages a session may see at its stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Allow {
    /// Signed in, password chosen.
    Full,
    /// Between the password and the TOTP code.
    Code,
    /// Signed in, perhaps still to replace an initial password.
    Password,
}

/// A request's session, checked.
struct Signed {
    session: Session,
    cookies: Cookies,
}

fn token_hash(token: &str) -> String {
    secret::digest(token)
}

async fn gate(
    state: &PortalState,
    peer: SocketAddr,
    headers: &HeaderMap,
    allow: Allow,
) -> Result<Signed, Stop> {
    let cookies = Cookies::for_request(peer, headers);
    let Some(token) = auth::cookie(headers, cookies.session_name()) else {
        return Err(stop(redirect("/portal/sign-in")));
    };
    let id_hash = token_hash(token);
    let session = match state.store().session(&id_hash).await {
        Ok(Some(session)) => session,
        Ok(None) => {
            return Err(stop(with_cookies(
                redirect("/portal/sign-in?ended=1"),
                &[cookies.clear_session()],
            )));
        }
        Err(error) => return Err(stop(state.unavailable(&error, None))),
    };
    let now = state.now();
    let ended = now >= session.expires_at
        || now.saturating_sub(session.last_seen_at) >= auth::IDLE_MS
        || session.user.disabled;
    if ended {
        if let Err(error) = state.store().end_session(&id_hash).await {
            return Err(stop(state.unavailable(&error, None)));
        }
        return Err(stop(with_cookies(
            redirect("/portal/sign-in?ended=1"),
            &[cookies.clear_session()],
        )));
    }
    match (session.stage, allow) {
        (Stage::Code, Allow::Code) => {}
        (Stage::Code, _) => return Err(stop(redirect("/portal/sign-in/code"))),
        (Stage::Full, Allow::Code) => return Err(stop(redirect("/portal/orders"))),
        (Stage::Full, Allow::Full) if session.user.must_change_password => {
            return Err(stop(redirect("/portal/password")));
        }
        (Stage::Full, _) => {}
    }
    if now.saturating_sub(session.last_seen_at) >= auth::TOUCH_EVERY_MS
        && let Err(error) = state.store().touch_session(&id_hash, now).await
    {
        return Err(stop(state.unavailable(&error, Some(&session))));
    }
    Ok(Signed { session, cookies })
}

/// A browser fetching a form from another site says so (`Sec-Fetch-Site`); the CSRF token
/// would stop it anyway, this stops it before the body is even looked at.
fn cross_site(headers: &HeaderMap) -> bool {
    headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("cross-site"))
}

/// Checks a form's CSRF token against the session's.
async fn check_csrf(
    state: &PortalState,
    signed: &Signed,
    headers: &HeaderMap,
    sent: Option<&str>,
    action: &str,
    order: Option<&str>,
    back: &str,
) -> Result<(), Stop> {
    let ok =
        !cross_site(headers) && sent.is_some_and(|sent| auth::same(sent, &signed.session.csrf));
    if ok {
        return Ok(());
    }
    let user = signed.session.user.id.as_str();
    state
        .audit(state.entry(Some(user), action, order, "refused: csrf"))
        .await;
    Err(stop(state.forged(Some(&signed.session), back)))
}

// ---- Forms ---------------------------------------------------------------------------------

/// The fields any portal form may send; each handler reads the ones it has.
#[derive(Debug, Default, Deserialize)]
pub(super) struct FormFields {
    csrf: Option<String>,
    seq: Option<String>,
    email: Option<String>,
    password: Option<String>,
    confirm: Option<String>,
    code: Option<String>,
    reason: Option<String>,
    day: Option<String>,
    month: Option<String>,
    year: Option<String>,
}

/// A form body the hub cannot read is treated as an empty form, so the CSRF check
/// refuses it like any other.
fn fields(form: Result<Form<FormFields>, FormRejection>) -> FormFields {
    form.map(|Form(f)| f).unwrap_or_default()
}

/// A form from a signed-in person: the session at `allow`'s stage, the form read, and its
/// CSRF token checked (a refusal is audited as `action` and goes back to `back`).
#[allow(
    clippy::too_many_arguments,
    reason = "the request's parts and the three things a refusal needs"
)]
async fn signed_form(
    state: &PortalState,
    peer: SocketAddr,
    headers: &HeaderMap,
    form: Result<Form<FormFields>, FormRejection>,
    allow: Allow,
    action: &str,
    order: Option<&str>,
    back: &str,
) -> Result<(Signed, FormFields), Stop> {
    let signed = gate(state, peer, headers, allow).await?;
    let form = fields(form);
    check_csrf(
        state,
        &signed,
        headers,
        form.csrf.as_deref(),
        action,
        order,
        back,
    )
    .await?;
    Ok((signed, form))
}

/// A contractor's write to an order (see [`signed_form`]).
async fn order_write(
    state: &PortalState,
    peer: SocketAddr,
    headers: &HeaderMap,
    form: Result<Form<FormFields>, FormRejection>,
    order_id: &str,
    back: &str,
) -> Result<(Signed, FormFields), Stop> {
    signed_form(
        state,
        peer,
        headers,
        form,
        Allow::Full,
        "write",
        Some(order_id),
        back,
    )
    .await
}

fn text(value: Option<&String>) -> String {
    value.map(|v| v.trim().to_owned()).unwrap_or_default()
}

fn seen_seq(fields: &FormFields) -> i64 {
    fields
        .seq
        .as_deref()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(-1)
}

// ---- Pages -------------------------------------------------------------------------------

pub(super) async fn home() -> Response {
    redirect("/portal/orders")
}

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

pub(super) async fn not_found(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    // Show the header as signed in when the browser is, but never require it.
    let cookies = Cookies::for_request(peer, &headers);
    let session = match auth::cookie(&headers, cookies.session_name()) {
        Some(token) => state
            .store()
            .session(&token_hash(token))
            .await
            .ok()
            .flatten()
            .filter(|s| s.stage == Stage::Full),
        None => None,
    };
    state.not_found_page(session.as_ref())
}

// ---- Signing in and out ------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub(super) struct SignInQuery {
    ended: Option<String>,
    signed_out: Option<String>,
}

fn sign_in_form(
    state: &PortalState,
    status: StatusCode,
    cookies: Cookies,
    email: &str,
    errors: Errors,
    note: Option<String>,
) -> Response {
    let token = match auth::new_token() {
        Ok(token) => token,
        Err(error) => {
            tracing::error!(%error, "portal: no random token");
            return (StatusCode::SERVICE_UNAVAILABLE, "Try again").into_response();
        }
    };
    let response = page(
        status,
        &SignInPage {
            frame: state.frame("Sign in", errors, None),
            csrf: token.clone(),
            email: email.to_owned(),
            note,
        },
    );
    with_cookies(response, &[cookies.set_sign_in(&token)])
}

pub(super) async fn sign_in_page(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    query: Result<Query<SignInQuery>, QueryRejection>,
) -> Response {
    let cookies = Cookies::for_request(peer, &headers);
    let note = query.ok().and_then(|Query(q)| {
        if q.signed_out.is_some() {
            Some("You have signed out.".to_owned())
        } else if q.ended.is_some() {
            Some("You were signed out because you had not used the portal for 30 minutes, or had been signed in for 12 hours. Sign in again.".to_owned())
        } else {
            None
        }
    });
    sign_in_form(&state, StatusCode::OK, cookies, "", Errors::default(), note)
}

fn minutes_until(now: i64, until: i64) -> i64 {
    (until.saturating_sub(now) + 59_999) / 60_000
}

/// A refusal of someone who proved no identity goes with its answer, so that the hub
/// tallies it and slows the address down (`crate::refusals`) rather than writing a line
/// for every one.
fn anonymous_refusal(mut response: Response, entry: AuditEntry) -> Response {
    response.extensions_mut().insert(Refused(entry));
    response
}

pub(super) async fn sign_in(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<FormFields>, FormRejection>,
) -> Response {
    let form = fields(form);
    let cookies = Cookies::for_request(peer, &headers);
    let email = text(form.email.as_ref());
    // Before a session, the form's token must match the cookie the form came with.
    let bound = auth::cookie(&headers, cookies.sign_in_name());
    let csrf_ok = !cross_site(&headers)
        && matches!((bound, form.csrf.as_deref()), (Some(c), Some(f)) if auth::same(c, f));
    if !csrf_ok {
        return anonymous_refusal(
            state.forged(None, "/portal/sign-in"),
            state.entry(None, "sign-in", None, "refused: csrf"),
        );
    }
    let password = form.password.clone().unwrap_or_default();
    let mut errors = Errors::default();
    if email.is_empty() {
        errors.add("email", "Enter your email address");
    }
    if password.is_empty() {
        errors.add("password", "Enter your password");
    } else if password.chars().count() > auth::MAX_PASSWORD_CHARS {
        errors.add("password", "Enter a correct email address and password");
    }
    if errors.any() {
        return sign_in_form(
            &state,
            StatusCode::BAD_REQUEST,
            cookies,
            &email,
            errors,
            None,
        );
    }

    let now = state.now();
    let (account, address) = auth::throttle_keys(&email, peer);
    match state
        .store()
        .locked_until(&[account.clone(), address.clone()], now)
        .await
    {
        Ok(Some(until)) => {
            let minutes = minutes_until(now, until);
            let errors = Errors::one(
                "email",
                format!(
                    "There have been too many attempts to sign in. Wait {minutes} minutes, then try again"
                ),
            );
            let mut response = sign_in_form(
                &state,
                StatusCode::TOO_MANY_REQUESTS,
                cookies,
                &email,
                errors,
                None,
            );
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(u64::try_from(minutes * 60).unwrap_or(60)),
            );
            return anonymous_refusal(
                response,
                state.entry(None, "sign-in", None, "refused: throttled"),
            );
        }
        Ok(None) => {}
        Err(error) => return state.unavailable(&error, None),
    }

    let user = match state.store().user_by_email(&email).await {
        Ok(user) => user,
        Err(error) => return state.unavailable(&error, None),
    };
    let hash = user.as_ref().map_or_else(
        || auth::decoy_hash().to_owned(),
        |u| u.password_hash.clone(),
    );
    let verified = tokio::task::spawn_blocking(move || auth::verify_password(&password, &hash))
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or(false);
    let user = match user {
        Some(user) if verified => user,
        _ => {
            let failures = [
                Failure {
                    key: account,
                    limit: auth::ACCOUNT_FAILURES,
                },
                Failure {
                    key: address,
                    limit: auth::ADDRESS_FAILURES,
                },
            ];
            if let Err(error) = state.store().note_failures(&failures, now).await {
                return state.unavailable(&error, None);
            }
            let errors = Errors::one("email", "Enter a correct email address and password");
            return anonymous_refusal(
                sign_in_form(
                    &state,
                    StatusCode::UNAUTHORIZED,
                    cookies,
                    &email,
                    errors,
                    None,
                ),
                state.entry(None, "sign-in", None, "refused: wrong email or password"),
            );
        }
    };
    if user.disabled {
        state
            .audit(state.entry(Some(&user.id), "sign-in", None, "refused: disabled"))
            .await;
        let errors = Errors::one(
            "email",
            "Your account has been turned off. Ask the council's home security team to turn it on again",
        );
        return sign_in_form(&state, StatusCode::FORBIDDEN, cookies, &email, errors, None);
    }
    if let Err(error) = state.store().clear_failures(&account).await {
        return state.unavailable(&error, None);
    }
    let stage = if user.totp_secret.is_some() {
        Stage::Code
    } else {
        Stage::Full
    };
    let next = match stage {
        Stage::Code => "/portal/sign-in/code",
        Stage::Full if user.must_change_password => "/portal/password",
        Stage::Full => "/portal/orders",
    };
    let outcome = match stage {
        Stage::Code => "ok: code needed",
        Stage::Full => "ok",
    };
    match start_session(&state, &user.id, stage, None, now).await {
        Ok(token) => {
            state
                .audit(state.entry(Some(&user.id), "sign-in", None, outcome))
                .await;
            with_cookies(
                redirect(next),
                &[cookies.set_session(&token), cookies.clear_sign_in()],
            )
        }
        Err(response) => *response,
    }
}

/// Stores a new session (ending `replaces`) and returns the cookie's token.
async fn start_session(
    state: &PortalState,
    user_id: &str,
    stage: Stage,
    replaces: Option<&str>,
    now: i64,
) -> Result<String, Stop> {
    let (token, csrf) = match (auth::new_token(), auth::new_token()) {
        (Ok(token), Ok(csrf)) => (token, csrf),
        (Err(error), _) | (_, Err(error)) => {
            tracing::error!(%error, "portal: no random token");
            return Err(stop(
                (StatusCode::SERVICE_UNAVAILABLE, "Try again").into_response(),
            ));
        }
    };
    let lifetime = match stage {
        Stage::Code => auth::CODE_STEP_MS,
        Stage::Full => auth::ABSOLUTE_MS,
    };
    let session = NewSession {
        id_hash: token_hash(&token),
        user_id: user_id.to_owned(),
        csrf,
        stage,
        now,
        expires_at: now.saturating_add(lifetime),
    };
    match state.store().create_session(&session, replaces).await {
        Ok(()) => Ok(token),
        Err(error) => Err(stop(state.unavailable(&error, None))),
    }
}

pub(super) async fn code_page(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let signed = match gate(&state, peer, &headers, Allow::Code).await {
        Ok(signed) => signed,
        Err(response) => return *response,
    };
    page(
        StatusCode::OK,
        &CodePage {
            frame: state.frame("Enter your security code", Errors::default(), None),
            csrf: signed.session.csrf,
        },
    )
}

pub(super) async fn code(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<FormFields>, FormRejection>,
) -> Response {
    let (signed, form) = match signed_form(
        &state,
        peer,
        &headers,
        form,
        Allow::Code,
        "code",
        None,
        "/portal/sign-in/code",
    )
    .await
    {
        Ok(read) => read,
        Err(response) => return *response,
    };
    let session = &signed.session;
    let user = &session.user;
    let now = state.now();
    let again = |status: StatusCode, message: String| {
        page(
            status,
            &CodePage {
                frame: state.frame(
                    "Enter your security code",
                    Errors::one("code", message),
                    None,
                ),
                csrf: session.csrf.clone(),
            },
        )
    };
    let (account, address) = auth::throttle_keys(&user.email, peer);
    match state
        .store()
        .locked_until(&[account.clone(), address.clone()], now)
        .await
    {
        Ok(Some(until)) => {
            state
                .audit(state.entry(Some(&user.id), "code", None, "refused: throttled"))
                .await;
            let minutes = minutes_until(now, until);
            return again(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "There have been too many attempts. Wait {minutes} minutes, then sign in again"
                ),
            );
        }
        Ok(None) => {}
        Err(error) => return state.unavailable(&error, None),
    }
    let code = text(form.code.as_ref());
    if code.is_empty() {
        return again(
            StatusCode::BAD_REQUEST,
            "Enter the 6-digit code from your authenticator app".into(),
        );
    }
    let Some(secret) = user.totp_secret.as_deref() else {
        return redirect("/portal/orders");
    };
    let step = match auth::check_totp(secret, &code, now) {
        Ok(step) => step,
        Err(error) => {
            tracing::error!(%error, user = %user.id, "portal: damaged TOTP secret");
            None
        }
    };
    let spent = match step {
        Some(step) => match state.store().spend_totp_step(&user.id, step).await {
            Ok(fresh) => fresh,
            Err(error) => return state.unavailable(&error, None),
        },
        None => false,
    };
    if !spent {
        let failures = [
            Failure {
                key: account,
                limit: auth::ACCOUNT_FAILURES,
            },
            Failure {
                key: address,
                limit: auth::ADDRESS_FAILURES,
            },
        ];
        if let Err(error) = state.store().note_failures(&failures, now).await {
            return state.unavailable(&error, None);
        }
        state
            .audit(state.entry(Some(&user.id), "code", None, "refused: wrong code"))
            .await;
        return again(
            StatusCode::UNAUTHORIZED,
            "Enter the code your authenticator app shows now: that code was wrong or already used"
                .into(),
        );
    }
    // A new session id once fully signed in, so the half-way one cannot be reused.
    match start_session(&state, &user.id, Stage::Full, Some(&session.id_hash), now).await {
        Ok(token) => {
            state
                .audit(state.entry(Some(&user.id), "code", None, "ok"))
                .await;
            let next = if user.must_change_password {
                "/portal/password"
            } else {
                "/portal/orders"
            };
            with_cookies(redirect(next), &[signed.cookies.set_session(&token)])
        }
        Err(response) => *response,
    }
}

pub(super) async fn sign_out(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<FormFields>, FormRejection>,
) -> Response {
    let (signed, _) = match signed_form(
        &state,
        peer,
        &headers,
        form,
        Allow::Password,
        "sign-out",
        None,
        "/portal/orders",
    )
    .await
    {
        Ok(read) => read,
        Err(response) => return *response,
    };
    if let Err(error) = state.store().end_session(&signed.session.id_hash).await {
        return state.unavailable(&error, None);
    }
    state
        .audit(state.entry(Some(&signed.session.user.id), "sign-out", None, "ok"))
        .await;
    with_cookies(
        redirect("/portal/sign-in?signed_out=1"),
        &[signed.cookies.clear_session()],
    )
}

pub(super) async fn password_page(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let signed = match gate(&state, peer, &headers, Allow::Password).await {
        Ok(signed) => signed,
        Err(response) => return *response,
    };
    page(
        StatusCode::OK,
        &PasswordPage {
            frame: state.frame(
                "Choose a new password",
                Errors::default(),
                Some(&signed.session),
            ),
            csrf: signed.session.csrf.clone(),
        },
    )
}

pub(super) async fn password(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<FormFields>, FormRejection>,
) -> Response {
    let (signed, form) = match signed_form(
        &state,
        peer,
        &headers,
        form,
        Allow::Password,
        "password",
        None,
        "/portal/password",
    )
    .await
    {
        Ok(read) => read,
        Err(response) => return *response,
    };
    let password = form.password.clone().unwrap_or_default();
    let confirm = form.confirm.clone().unwrap_or_default();
    let mut errors = Errors::default();
    if password.is_empty() {
        errors.add("password", "Enter a new password");
    } else if let Some(problem) = auth::password_problem(&password) {
        errors.add("password", problem);
    } else if confirm != password {
        errors.add(
            "confirm",
            "The passwords do not match: type the new password again",
        );
    }
    let user = &signed.session.user;
    if !errors.any() {
        let hash = user.password_hash.clone();
        let candidate = password.clone();
        let same_as_before =
            tokio::task::spawn_blocking(move || auth::verify_password(&candidate, &hash))
                .await
                .ok()
                .and_then(Result::ok)
                .unwrap_or(false);
        if same_as_before {
            errors.add(
                "password",
                "Choose a password different from the one you were given",
            );
        }
    }
    if errors.any() {
        return page(
            StatusCode::BAD_REQUEST,
            &PasswordPage {
                frame: state.frame("Choose a new password", errors, Some(&signed.session)),
                csrf: signed.session.csrf.clone(),
            },
        );
    }
    let hash = match tokio::task::spawn_blocking(move || auth::hash_password(&password)).await {
        Ok(Ok(hash)) => hash,
        _ => {
            return state.unavailable(
                &StoreError::Backend("password hashing failed".into()),
                Some(&signed.session),
            );
        }
    };
    if let Err(error) = state
        .store()
        .set_password(&user.id, &hash, &signed.session.id_hash)
        .await
    {
        return state.unavailable(&error, Some(&signed.session));
    }
    state
        .audit(state.entry(Some(&user.id), "password", None, "ok"))
        .await;
    redirect("/portal/orders")
}

// ---- Orders ------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub(super) struct ListQuery {
    status: Option<String>,
    page: Option<String>,
}

fn list_href(status: Option<WorkOrderStatus>, page: i64) -> String {
    match (status, page) {
        (None, 1) => "/portal/orders".to_owned(),
        (None, p) => format!("/portal/orders?page={p}"),
        (Some(s), 1) => format!("/portal/orders?status={}", s.as_str()),
        (Some(s), p) => format!("/portal/orders?status={}&page={p}", s.as_str()),
    }
}

/// The statuses in the order a firm works through them.
const TABS: &[WorkOrderStatus] = &[
    WorkOrderStatus::New,
    WorkOrderStatus::Accepted,
    WorkOrderStatus::Scheduled,
    WorkOrderStatus::Fitted,
    WorkOrderStatus::Declined,
];

pub(super) async fn orders(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Response {
    let signed = match gate(&state, peer, &headers, Allow::Full).await {
        Ok(signed) => signed,
        Err(response) => return *response,
    };
    let session = &signed.session;
    let (status, page_no) = match query {
        Ok(Query(q)) => (
            q.status.as_deref().and_then(WorkOrderStatus::parse),
            q.page
                .as_deref()
                .and_then(|p| p.parse::<i64>().ok())
                .filter(|p| (1..=100_000).contains(p))
                .unwrap_or(1),
        ),
        Err(_) => (None, 1),
    };
    let firm = session.user.firm_id.as_str();
    let counts: HashMap<String, i64> = match state.store().order_counts(firm).await {
        Ok(counts) => counts.into_iter().collect(),
        Err(error) => return state.unavailable(&error, Some(session)),
    };
    let count_of = |s: WorkOrderStatus| counts.get(s.as_str()).copied().unwrap_or(0);
    let total: i64 = counts.values().sum();
    let mut tabs = vec![StatusTab {
        label: "All".into(),
        href: list_href(None, 1),
        count: total,
        current: status.is_none(),
    }];
    tabs.extend(TABS.iter().map(|s| StatusTab {
        label: status_words(*s),
        href: list_href(Some(*s), 1),
        count: count_of(*s),
        current: status == Some(*s),
    }));
    let shown = status.map_or(total, count_of);
    let listed = match state
        .store()
        .orders(
            firm,
            status.map(WorkOrderStatus::as_str),
            (page_no - 1) * PAGE_SIZE,
            PAGE_SIZE,
        )
        .await
    {
        Ok(listed) => listed,
        Err(error) => return state.unavailable(&error, Some(session)),
    };
    let lines: Vec<_> = listed
        .iter()
        .filter_map(|row| match read_order_json(&row.id, &row.fields) {
            Ok(order) => Some(order_line(&order)),
            Err(_) => {
                tracing::warn!(order = %row.id, "portal: a work order record cannot be read");
                None
            }
        })
        .collect();
    state
        .audit(state.entry(
            Some(&session.user.id),
            "list",
            None,
            format!("ok: {} orders", lines.len()),
        ))
        .await;
    let which = status.map_or_else(|| "All".to_owned(), status_words);
    let pages = (shown + PAGE_SIZE - 1) / PAGE_SIZE;
    let caption = if pages > 1 {
        format!("{which} work orders, page {page_no} of {pages}")
    } else {
        format!("{which} work orders")
    };
    let empty = match status {
        None => "Your firm has no work orders yet.".to_owned(),
        Some(s) => format!("Your firm has no {} work orders.", s.label()),
    };
    page(
        StatusCode::OK,
        &OrdersPage {
            frame: state.frame("Work orders", Errors::default(), Some(session)),
            tabs,
            lines,
            caption,
            empty,
            previous: (page_no > 1).then(|| list_href(status, page_no - 1)),
            next: (page_no * PAGE_SIZE < shown).then(|| list_href(status, page_no + 1)),
        },
    )
}

/// Loads the firm's order for a page, or answers 404 (another firm's order, a deleted
/// one, or any other record: they do not exist for this contractor).
async fn load_order(
    state: &PortalState,
    session: &Session,
    order_id: &str,
    action: &str,
) -> Result<(WorkOrder, i64), Stop> {
    let user = session.user.id.as_str();
    match state.store().order(&session.user.firm_id, order_id).await {
        Ok(Some(stored)) => match read_order(&stored.id, &stored.record.fields) {
            Ok(order) => Ok((order, stored.updated_seq)),
            Err(_) => Err(stop(state.message(
                StatusCode::UNPROCESSABLE_ENTITY,
                "This work order cannot be shown",
                &["Ask the council's home security team to send it again."],
                ("/portal/orders", "Go to your work orders"),
                Some(session),
            ))),
        },
        Ok(None) => {
            state
                .audit(state.entry(Some(user), action, Some(order_id), "refused: not_found"))
                .await;
            Err(stop(state.not_found_page(Some(session))))
        }
        Err(error) => Err(stop(state.unavailable(&error, Some(session)))),
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct OrderQuery {
    done: Option<String>,
}

pub(super) async fn order(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(order_id): Path<String>,
    query: Result<Query<OrderQuery>, QueryRejection>,
) -> Response {
    let signed = match gate(&state, peer, &headers, Allow::Full).await {
        Ok(signed) => signed,
        Err(response) => return *response,
    };
    let session = &signed.session;
    let (order, seq) = match load_order(&state, session, &order_id, "read").await {
        Ok(found) => found,
        Err(response) => return *response,
    };
    state
        .audit(state.entry(Some(&session.user.id), "read", Some(&order_id), "ok"))
        .await;
    let done = query
        .ok()
        .and_then(|Query(q)| q.done)
        .and_then(|d| match d.as_str() {
            "accepted" => Some("You accepted this work order"),
            "declined" => Some("You declined this work order. The council will be told"),
            "booked" => Some("The appointment is booked"),
            "fitted" => Some("The item is recorded as fitted"),
            "not_fitted" => Some("The item is recorded as not fitted"),
            _ => None,
        })
        .map(str::to_owned);
    let decline = ContractorStep::Decline {
        reason: String::new(),
    };
    let can_decline = decline.allowed_from(order.status) && order.fitted_count() == 0;
    let can_schedule = ContractorStep::Schedule {
        date: NaiveDate::MIN,
    }
    .allowed_from(order.status);
    page(
        StatusCode::OK,
        &OrderPage {
            frame: state.frame(
                &format!("Work order {}", order.number),
                Errors::default(),
                Some(session),
            ),
            order: order_detail(&order),
            done,
            csrf: session.csrf.clone(),
            seq,
            can_accept: ContractorStep::Accept.allowed_from(order.status),
            can_schedule,
            can_decline,
        },
    )
}

pub(super) async fn pdf(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(order_id): Path<String>,
) -> Response {
    let signed = match gate(&state, peer, &headers, Allow::Full).await {
        Ok(signed) => signed,
        Err(response) => return *response,
    };
    let session = &signed.session;
    let (order, _) = match load_order(&state, session, &order_id, "pdf").await {
        Ok(found) => found,
        Err(response) => return *response,
    };
    let branding = state.inner.branding.clone();
    let number = order.number.clone();
    let rendered = tokio::task::spawn_blocking(move || {
        doorstep_pdf::render_work_order(
            &doorstep_pdf::from_work_order::from_work_order(&order),
            &branding,
        )
    })
    .await;
    let bytes = match rendered {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(error)) => {
            tracing::error!(%error, order = %order_id, "portal: the work order PDF failed");
            return state.message(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The work order could not be made",
                &["Try again later, or ask the council for a copy."],
                (
                    &format!("/portal/orders/{order_id}"),
                    "Back to the work order",
                ),
                Some(session),
            );
        }
        Err(error) => {
            return state.unavailable(&StoreError::Backend(error.to_string()), Some(session));
        }
    };
    state
        .audit(state.entry(Some(&session.user.id), "pdf", Some(&order_id), "ok"))
        .await;
    let file: String = number
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}.pdf\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

// ---- Steps ---------------------------------------------------------------------------------

/// What a step form needs besides the step.
struct StepForm<'a> {
    signed: &'a Signed,
    order_id: &'a str,
    seq: i64,
    photo: Option<Photo>,
    done: &'static str,
}

/// Takes a step and answers: back to the order with a banner, or why not. Form mistakes
/// come back as `Err` for the handler to show on its own form.
async fn take(
    state: &PortalState,
    form: StepForm<'_>,
    step: ContractorStep,
) -> Result<Response, WorkOrderError> {
    let session = &form.signed.session;
    let user = &session.user;
    let officer: OfficerId = match user.id.parse() {
        Ok(id) => id,
        Err(_) => {
            return Ok(state.unavailable(
                &StoreError::Backend("stored firm user id is damaged".into()),
                Some(session),
            ));
        }
    };
    let actor = Actor {
        user: officer,
        hub_device: state.inner.hub_device,
    };
    let now_ms = state.now();
    let now = DateTime::<Utc>::from_timestamp_millis(now_ms).unwrap_or_default();
    let firm = user.firm_id.clone();
    let label = step.label();
    let request = StepRequest {
        firm_id: firm.clone(),
        order_id: form.order_id.to_owned(),
        seen_seq: form.seq,
        plan: Box::new(move |stored, hub_last| {
            plan_step(stored, &firm, step, actor, hub_last, now)
        }),
        photo: form.photo,
        audit: state.entry(Some(&user.id), "write", Some(form.order_id), label),
        now: now_ms,
    };
    let back = format!("/portal/orders/{}", form.order_id);
    match state.store().take_step(request).await {
        Ok(Ok(StepDone::Written { .. } | StepDone::Unchanged)) => {
            Ok(redirect(&format!("{back}?done={}", form.done)))
        }
        Ok(Err(refusal)) => {
            let code = match &refusal {
                StepRefusal::NotFound => "not_found",
                StepRefusal::Stale => "stale",
                StepRefusal::Unreadable => "unreadable",
                StepRefusal::NotApplied => "not_applied",
                StepRefusal::Step(_) => "invalid",
            };
            state
                .audit(state.entry(
                    Some(&user.id),
                    "write",
                    Some(form.order_id),
                    format!("refused: {code}"),
                ))
                .await;
            match refusal {
                StepRefusal::NotFound => Ok(state.not_found_page(Some(session))),
                StepRefusal::Stale => Ok(state.message(
                    StatusCode::CONFLICT,
                    "This work order has changed",
                    &[
                        "It changed after you opened the page, perhaps because the form was sent twice. Nothing more was changed.",
                        "Check the work order, then do what you meant to again if it is still needed.",
                    ],
                    (&back, "Back to the work order"),
                    Some(session),
                )),
                StepRefusal::Unreadable => Ok(state.message(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "This work order cannot be changed",
                    &["Ask the council's home security team to send it again."],
                    (&back, "Back to the work order"),
                    Some(session),
                )),
                StepRefusal::NotApplied => Ok(state.message(
                    StatusCode::CONFLICT,
                    "This work order cannot be changed",
                    &[
                        "It holds a change dated in the future, so the hub could not record what you did. Nothing was changed.",
                        "Ask the council's home security team to look at the work order.",
                    ],
                    (&back, "Back to the work order"),
                    Some(session),
                )),
                StepRefusal::Step(error) => match error {
                    WorkOrderError::NotFromStatus { .. }
                    | WorkOrderError::ItemAlreadyFitted { .. } => Ok(state.message(
                        StatusCode::CONFLICT,
                        "This cannot be done now",
                        &[&format!("{error}. Nothing was changed.")],
                        (&back, "Back to the work order"),
                        Some(session),
                    )),
                    WorkOrderError::NoSuchItem { .. } => Ok(state.not_found_page(Some(session))),
                    other => Err(other),
                },
            }
        }
        Err(error) => Ok(state.unavailable(&error, Some(session))),
    }
}

pub(super) async fn accept(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(order_id): Path<String>,
    form: Result<Form<FormFields>, FormRejection>,
) -> Response {
    let back = format!("/portal/orders/{order_id}");
    let (signed, form) = match order_write(&state, peer, &headers, form, &order_id, &back).await {
        Ok(ready) => ready,
        Err(response) => return *response,
    };
    let step_form = StepForm {
        signed: &signed,
        order_id: &order_id,
        seq: seen_seq(&form),
        photo: None,
        done: "accepted",
    };
    match take(&state, step_form, ContractorStep::Accept).await {
        Ok(response) => response,
        Err(error) => state.message(
            StatusCode::CONFLICT,
            "This cannot be done now",
            &[&error.to_string()],
            (&back, "Back to the work order"),
            Some(&signed.session),
        ),
    }
}

pub(super) async fn decline_page(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(order_id): Path<String>,
) -> Response {
    let signed = match gate(&state, peer, &headers, Allow::Full).await {
        Ok(signed) => signed,
        Err(response) => return *response,
    };
    let session = &signed.session;
    let (order, seq) = match load_order(&state, session, &order_id, "read").await {
        Ok(found) => found,
        Err(response) => return *response,
    };
    decline_form(
        &state,
        session,
        &order,
        seq,
        "",
        Errors::default(),
        StatusCode::OK,
    )
}

fn decline_form(
    state: &PortalState,
    session: &Session,
    order: &WorkOrder,
    seq: i64,
    reason: &str,
    errors: Errors,
    status: StatusCode,
) -> Response {
    page(
        status,
        &DeclinePage {
            frame: state.frame(
                &format!("Decline work order {}", order.number),
                errors,
                Some(session),
            ),
            order_id: order.id.to_string(),
            number: order.number.clone(),
            csrf: session.csrf.clone(),
            seq,
            reason: reason.to_owned(),
        },
    )
}

pub(super) async fn decline(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(order_id): Path<String>,
    form: Result<Form<FormFields>, FormRejection>,
) -> Response {
    let back = format!("/portal/orders/{order_id}/decline");
    let (signed, form) = match order_write(&state, peer, &headers, form, &order_id, &back).await {
        Ok(ready) => ready,
        Err(response) => return *response,
    };
    let reason = form.reason.clone().unwrap_or_default();
    let step_form = StepForm {
        signed: &signed,
        order_id: &order_id,
        seq: seen_seq(&form),
        photo: None,
        done: "declined",
    };
    let step = ContractorStep::Decline {
        reason: reason.clone(),
    };
    match take(&state, step_form, step).await {
        Ok(response) => response,
        Err(error) => {
            let session = &signed.session;
            let (order, seq) = match load_order(&state, session, &order_id, "read").await {
                Ok(found) => found,
                Err(response) => return *response,
            };
            let message = match error {
                WorkOrderError::Blank(_) => "Enter why you are declining the work order".to_owned(),
                other => other.to_string(),
            };
            decline_form(
                &state,
                session,
                &order,
                seq,
                &reason,
                Errors::one("reason", message),
                StatusCode::BAD_REQUEST,
            )
        }
    }
}

/// The appointment form's fields as typed.
#[derive(Debug, Clone, Default)]
struct DateFields {
    day: String,
    month: String,
    year: String,
}

/// Reads a GOV.UK date input, or says what is wrong with it.
fn read_date(fields: &DateFields) -> Result<NaiveDate, String> {
    let parts = [
        ("day", fields.day.as_str()),
        ("month", fields.month.as_str()),
        ("year", fields.year.as_str()),
    ];
    let missing: Vec<&str> = parts
        .iter()
        .filter(|(_, v)| v.is_empty())
        .map(|(n, _)| *n)
        .collect();
    match missing.len() {
        3 => return Err("Enter the date of the appointment".into()),
        0 => {}
        _ => {
            return Err(format!(
                "The appointment date must include a {}",
                missing.join(" and a ")
            ));
        }
    }
    let number = |s: &str| s.parse::<u32>().ok();
    let (Some(day), Some(month), Some(year)) = (
        number(&fields.day),
        number(&fields.month),
        number(&fields.year),
    ) else {
        return Err("The appointment date must be a real date, in numbers".into());
    };
    if fields.year.len() != 4 {
        return Err("The year must have 4 numbers, for example 2026".into());
    }
    let year = i32::try_from(year).map_err(|_| "The appointment date must be a real date")?;
    NaiveDate::from_ymd_opt(year, month, day)
        .ok_or_else(|| "The appointment date must be a real date".to_owned())
}

#[allow(clippy::too_many_arguments, reason = "one form's worth of state")]
fn appointment_form(
    state: &PortalState,
    session: &Session,
    order: &WorkOrder,
    seq: i64,
    typed: &DateFields,
    errors: Errors,
    status: StatusCode,
) -> Response {
    let today = DateTime::<Utc>::from_timestamp_millis(state.now())
        .unwrap_or_default()
        .date_naive();
    let example = today.succ_opt().unwrap_or(today);
    page(
        status,
        &AppointmentPage {
            frame: state.frame(
                &format!("Book the appointment for work order {}", order.number),
                errors,
                Some(session),
            ),
            order_id: order.id.to_string(),
            number: order.number.clone(),
            due: long_date(order.due_date),
            example: format!("{} {} {}", example.day(), example.month(), example.year()),
            csrf: session.csrf.clone(),
            seq,
            day: typed.day.clone(),
            month: typed.month.clone(),
            year: typed.year.clone(),
        },
    )
}

pub(super) async fn appointment_page(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(order_id): Path<String>,
) -> Response {
    let signed = match gate(&state, peer, &headers, Allow::Full).await {
        Ok(signed) => signed,
        Err(response) => return *response,
    };
    let session = &signed.session;
    let (order, seq) = match load_order(&state, session, &order_id, "read").await {
        Ok(found) => found,
        Err(response) => return *response,
    };
    let typed = order
        .appointment_date
        .map(|d| DateFields {
            day: d.day().to_string(),
            month: d.month().to_string(),
            year: d.year().to_string(),
        })
        .unwrap_or_default();
    appointment_form(
        &state,
        session,
        &order,
        seq,
        &typed,
        Errors::default(),
        StatusCode::OK,
    )
}

pub(super) async fn appointment(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(order_id): Path<String>,
    form: Result<Form<FormFields>, FormRejection>,
) -> Response {
    let back = format!("/portal/orders/{order_id}/appointment");
    let (signed, form) = match order_write(&state, peer, &headers, form, &order_id, &back).await {
        Ok(ready) => ready,
        Err(response) => return *response,
    };
    let typed = DateFields {
        day: text(form.day.as_ref()),
        month: text(form.month.as_ref()),
        year: text(form.year.as_ref()),
    };
    let refused = match read_date(&typed) {
        Ok(date) => {
            let step_form = StepForm {
                signed: &signed,
                order_id: &order_id,
                seq: seen_seq(&form),
                photo: None,
                done: "booked",
            };
            match take(&state, step_form, ContractorStep::Schedule { date }).await {
                Ok(response) => return response,
                Err(WorkOrderError::DateInPast { .. }) => {
                    "The appointment date must be today or in the future".to_owned()
                }
                Err(other) => other.to_string(),
            }
        }
        Err(message) => message,
    };
    let session = &signed.session;
    let (order, seq) = match load_order(&state, session, &order_id, "read").await {
        Ok(found) => found,
        Err(response) => return *response,
    };
    appointment_form(
        &state,
        session,
        &order,
        seq,
        &typed,
        Errors::one("day", refused),
        StatusCode::BAD_REQUEST,
    )
}

fn max_photo_words() -> String {
    format!("{} MB", DEFAULT_MAX_PHOTO_BYTES / (1024 * 1024))
}

/// What the item form had typed, to show it again with its problems.
#[derive(Debug, Clone, Default)]
struct ItemTyped {
    standard: String,
    reason: String,
}

#[allow(clippy::too_many_arguments, reason = "one form's worth of state")]
async fn item_form(
    state: &PortalState,
    session: &Session,
    order_id: &str,
    measure_id: &str,
    typed: &ItemTyped,
    errors: Errors,
    status: StatusCode,
) -> Response {
    let (order, seq) = match load_order(state, session, order_id, "read").await {
        Ok(found) => found,
        Err(response) => return *response,
    };
    let Some(item) = order.items.iter().find(|i| i.measure_id == measure_id) else {
        return state.not_found_page(Some(session));
    };
    if !can_record(&order, item) {
        let why = if item.status == doorstep_core::work_order::ItemStatus::Fitted {
            format!("{} is already recorded as fitted.", item.name)
        } else {
            format!(
                "This work order is {}: accept it before recording work.",
                order.status.label()
            )
        };
        return state.message(
            StatusCode::CONFLICT,
            "This item cannot be recorded now",
            &[&why],
            (
                &format!("/portal/orders/{order_id}"),
                "Back to the work order",
            ),
            Some(session),
        );
    }
    page(
        status,
        &ItemPage {
            frame: state.frame(&item.name, errors, Some(session)),
            order_id: order.id.to_string(),
            number: order.number.clone(),
            measure_id: item.measure_id.clone(),
            item_name: item.name.clone(),
            specification: item.specification.clone(),
            location: location_words(item),
            quantity: item.quantity,
            status: item_status_words(item),
            csrf: session.csrf.clone(),
            seq,
            standard: typed.standard.clone(),
            reason: typed.reason.clone(),
            max_photo: max_photo_words(),
        },
    )
}

pub(super) async fn item_page(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path((order_id, measure_id)): Path<(String, String)>,
) -> Response {
    let signed = match gate(&state, peer, &headers, Allow::Full).await {
        Ok(signed) => signed,
        Err(response) => return *response,
    };
    item_form(
        &state,
        &signed.session,
        &order_id,
        &measure_id,
        &ItemTyped::default(),
        Errors::default(),
        StatusCode::OK,
    )
    .await
}

/// Answers at once, with the page a too large photo gets, a request that declares a body
/// over [`MAX_REQUEST_BYTES`]: reading it would only wait for bytes refused anyway.
pub(super) async fn refuse_declared_over(
    State(state): State<PortalState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if !crate::intake::declared_over(request.headers(), MAX_REQUEST_BYTES) {
        return next.run(request).await;
    }
    let message = format!(
        "The photo must be smaller than {}: take it again at a lower resolution. Nothing was changed.",
        max_photo_words()
    );
    anonymous_refusal(
        state.message(
            StatusCode::PAYLOAD_TOO_LARGE,
            "This is too large to send",
            &[&message],
            ("/portal/orders", "Go to your work orders"),
            None,
        ),
        state.entry(None, "request", None, "refused: too_large"),
    )
}

/// The fitted form's parts.
#[derive(Debug, Default)]
struct FittedForm {
    csrf: Option<String>,
    seq: Option<String>,
    standard: String,
    photo: Option<Vec<u8>>,
    /// The upload was over the hub's limit: the body was not read to its end.
    too_large: bool,
    /// A text part held a character no store can keep (`doorstep_core::text`).
    unstorable: bool,
}

async fn read_fitted(mut multipart: Multipart) -> FittedForm {
    let mut form = FittedForm::default();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(error) => {
                form.too_large = error.status() == StatusCode::PAYLOAD_TOO_LARGE;
                break;
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = match field.bytes().await {
            Ok(bytes) => bytes,
            Err(error) => {
                form.too_large = error.status() == StatusCode::PAYLOAD_TOO_LARGE;
                break;
            }
        };
        let value = || String::from_utf8_lossy(&bytes).trim().to_owned();
        if name != "photo" && doorstep_core::text::check_storable(&value()).is_err() {
            form.unstorable = true;
        }
        match name.as_str() {
            "csrf" => form.csrf = Some(value()),
            "seq" => form.seq = Some(value()),
            "standard" => form.standard = value(),
            // No file chosen sends an empty part.
            "photo" if !bytes.is_empty() => form.photo = Some(bytes.to_vec()),
            _ => {}
        }
    }
    form
}

pub(super) async fn fitted(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path((order_id, measure_id)): Path<(String, String)>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let signed = match gate(&state, peer, &headers, Allow::Full).await {
        Ok(signed) => signed,
        Err(response) => return *response,
    };
    let session = &signed.session;
    let form = match multipart {
        Ok(multipart) => read_fitted(multipart).await,
        Err(_) => FittedForm::default(),
    };
    let typed = ItemTyped {
        standard: form.standard.clone(),
        reason: String::new(),
    };
    if form.too_large {
        // The body was cut off, so its CSRF token may be unread: nothing is done either way.
        state
            .audit(state.entry(
                Some(&session.user.id),
                "write",
                Some(&order_id),
                "refused: too_large",
            ))
            .await;
        let message = format!(
            "The photo must be smaller than {}: take it again at a lower resolution",
            max_photo_words()
        );
        return item_form(
            &state,
            session,
            &order_id,
            &measure_id,
            &typed,
            Errors::one("photo", message),
            StatusCode::PAYLOAD_TOO_LARGE,
        )
        .await;
    }
    if form.unstorable {
        return item_form(
            &state,
            session,
            &order_id,
            &measure_id,
            &typed,
            Errors::one(
                "standard",
                doorstep_core::words::capitalised(&doorstep_core::text::UnstorableText.to_string()),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let back = format!("/portal/orders/{order_id}/items/{measure_id}");
    if let Err(response) = check_csrf(
        &state,
        &signed,
        &headers,
        form.csrf.as_deref(),
        "write",
        Some(&order_id),
        &back,
    )
    .await
    {
        return *response;
    }
    let mut errors = Errors::default();
    if form.standard.is_empty() {
        errors.add(
            "standard",
            "Enter the standard marked on the product, for example PAS 24",
        );
    }
    let photo = match &form.photo {
        None => None,
        Some(bytes) => match check_image(bytes, DEFAULT_MAX_PHOTO_BYTES, "photo") {
            Ok(checked) => Some(Photo {
                sha256: Sha256::digest(bytes)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect(),
                media_type: checked.media_type,
                bytes: bytes.clone(),
            }),
            Err(problems) => {
                let message = problems
                    .errors()
                    .first()
                    .map(|e| e.message.clone())
                    .unwrap_or_else(|| "Choose a photo".into());
                errors.add("photo", message);
                None
            }
        },
    };
    if errors.any() {
        let status = if errors
            .get("photo")
            .is_some_and(|m| m.contains("largest allowed"))
        {
            StatusCode::PAYLOAD_TOO_LARGE
        } else {
            StatusCode::BAD_REQUEST
        };
        state
            .audit(state.entry(
                Some(&session.user.id),
                "write",
                Some(&order_id),
                "refused: invalid",
            ))
            .await;
        return item_form(
            &state,
            session,
            &order_id,
            &measure_id,
            &typed,
            errors,
            status,
        )
        .await;
    }
    let step = ContractorStep::MarkFitted {
        measure_id: measure_id.clone(),
        product_standard: form.standard.clone(),
        photo_sha256: photo.as_ref().map(|p| format!("sha256:{}", p.sha256)),
    };
    let step_form = StepForm {
        signed: &signed,
        order_id: &order_id,
        seq: form
            .seq
            .as_deref()
            .and_then(|s| s.parse().ok())
            .unwrap_or(-1),
        photo,
        done: "fitted",
    };
    match take(&state, step_form, step).await {
        Ok(response) => response,
        Err(error) => {
            let field = match error {
                WorkOrderError::BadPhoto => "photo",
                _ => "standard",
            };
            let message = match error {
                WorkOrderError::Blank(_) => {
                    "Enter the standard marked on the product, for example PAS 24".to_owned()
                }
                other => other.to_string(),
            };
            item_form(
                &state,
                session,
                &order_id,
                &measure_id,
                &typed,
                Errors::one(field, message),
                StatusCode::BAD_REQUEST,
            )
            .await
        }
    }
}

pub(super) async fn not_fitted(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path((order_id, measure_id)): Path<(String, String)>,
    form: Result<Form<FormFields>, FormRejection>,
) -> Response {
    let back = format!("/portal/orders/{order_id}/items/{measure_id}");
    let (signed, form) = match order_write(&state, peer, &headers, form, &order_id, &back).await {
        Ok(ready) => ready,
        Err(response) => return *response,
    };
    let reason = form.reason.clone().unwrap_or_default();
    let step = ContractorStep::MarkNotFitted {
        measure_id: measure_id.clone(),
        reason: reason.clone(),
    };
    let step_form = StepForm {
        signed: &signed,
        order_id: &order_id,
        seq: seen_seq(&form),
        photo: None,
        done: "not_fitted",
    };
    match take(&state, step_form, step).await {
        Ok(response) => response,
        Err(error) => {
            let message = match error {
                WorkOrderError::Blank(_) => "Enter why the item could not be fitted".to_owned(),
                other => other.to_string(),
            };
            let typed = ItemTyped {
                standard: String::new(),
                reason,
            };
            item_form(
                &state,
                &signed.session,
                &order_id,
                &measure_id,
                &typed,
                Errors::one("reason", message),
                StatusCode::BAD_REQUEST,
            )
            .await
        }
    }
}
