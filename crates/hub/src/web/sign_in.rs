//! The sign-in handlers' bodies, written once for every web app of the hub: the email and
//! password form, the TOTP code step and signing out. The portal and the console each
//! answer their own routes with a thin handler that reads the request (its form, its
//! gate) and calls these; what differs between the apps (pages, paths, cookie names,
//! throttle keys, audit entries, messages) is the app's [`SignInApp`], so a fix to a
//! step is made once and both apps get it.

use std::net::SocketAddr;

use async_trait::async_trait;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

use super::auth::{
    AuthStore, CodeCheck, PasswordCheck, StartError, check_code, check_password, first_stage,
    start_session,
};
use super::cookies::{CookieNames, Cookies};
use super::csrf::{new_token, sign_in_form_ok};
use super::password::MAX_PASSWORD_CHARS;
use super::respond::{Stop, anonymous_refusal, no_token, redirect, stop, with_cookies};
use super::session::{Account, Session, Stage};
use super::throttle::Keys;
use crate::model::{AuditEntry, StoreError};
use crate::portal::pages::Errors;

/// What a web app brings to the shared sign-in steps: its store, its pages and paths,
/// its cookies, its throttle keys and its audit log.
#[async_trait]
pub trait SignInApp: Send + Sync {
    /// The app's account.
    type User: Account + Clone + Send + Sync + 'static;
    /// The app's accounts and sessions.
    type Store: AuthStore<User = Self::User> + ?Sized;

    /// The app's cookie names.
    const COOKIES: &'static CookieNames;
    /// The prefix of the app's account keys in the shared throttle table ("" for the
    /// portal, whose keys predate the console).
    const THROTTLE_APP: &'static str;
    /// The sign-in form's path.
    const SIGN_IN: &'static str;
    /// The TOTP code step's path.
    const CODE: &'static str;
    /// Where a fully signed-in user with no second factor is sent from the code step.
    const HOME: &'static str;
    /// What a turned-off account is told.
    const DISABLED: &'static str;

    /// The app's accounts and sessions.
    fn auth_store(&self) -> &Self::Store;
    /// Now (Unix ms), from the app's clock.
    fn now_ms(&self) -> i64;
    /// Where `user` goes once fully signed in.
    fn landing(&self, user: &Self::User) -> &'static str;
    /// The app's sign-in page.
    fn sign_in_page(
        &self,
        status: StatusCode,
        csrf: String,
        email: &str,
        errors: Errors,
        note: Option<String>,
    ) -> Response;
    /// The app's TOTP code page.
    fn code_page(&self, status: StatusCode, csrf: String, errors: Errors) -> Response;
    /// The app's answer to a form that did not come from it, before any session.
    fn forged_sign_in(&self) -> Response;
    /// The app's answer when its store fails.
    fn store_failed(&self, error: &StoreError) -> Response;
    /// An audit entry of the app's about signing in.
    fn sign_in_entry(&self, user: Option<&str>, action: &str, outcome: &str) -> AuditEntry;
    /// Writes an audit entry; a failure is logged, as the answer is already decided.
    async fn write_audit(&self, entry: AuditEntry);
}

/// The sign-in form, with a fresh CSRF token bound to a cookie.
pub fn sign_in_form<A: SignInApp>(
    app: &A,
    status: StatusCode,
    cookies: Cookies,
    email: &str,
    errors: Errors,
    note: Option<String>,
) -> Response {
    let token = match new_token() {
        Ok(token) => token,
        Err(error) => return no_token(&error),
    };
    let response = app.sign_in_page(status, token.clone(), email, errors, note);
    with_cookies(response, &[cookies.set_sign_in(&token)])
}

/// `POST …/sign-in`: the email and password (the form's fields as sent: `email` trimmed).
pub async fn sign_in<A: SignInApp>(
    app: &A,
    peer: SocketAddr,
    headers: &HeaderMap,
    csrf: Option<&str>,
    email: String,
    password: String,
) -> Response {
    let cookies = Cookies::for_request(A::COOKIES, peer, headers);
    // Before a session, the form's token must match the cookie the form came with.
    if !sign_in_form_ok(headers, cookies.sign_in(headers), csrf) {
        return anonymous_refusal(
            app.forged_sign_in(),
            app.sign_in_entry(None, "sign-in", "refused: csrf"),
        );
    }
    let mut errors = Errors::default();
    if email.is_empty() {
        errors.add("email", "Enter your email address");
    }
    if password.is_empty() {
        errors.add("password", "Enter your password");
    } else if password.chars().count() > MAX_PASSWORD_CHARS {
        errors.add("password", "Enter a correct email address and password");
    }
    if errors.any() {
        return sign_in_form(app, StatusCode::BAD_REQUEST, cookies, &email, errors, None);
    }
    let now = app.now_ms();
    let keys = Keys::in_app(A::THROTTLE_APP, &email, peer);
    let user = match check_password(app.auth_store(), &keys, &email, password, now).await {
        Ok(PasswordCheck::Passed(user)) => user,
        Ok(PasswordCheck::Locked { minutes }) => {
            let errors = Errors::one(
                "email",
                format!(
                    "There have been too many attempts to sign in. Wait {minutes} minutes, then try again"
                ),
            );
            let mut response = sign_in_form(
                app,
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
                app.sign_in_entry(None, "sign-in", "refused: throttled"),
            );
        }
        Ok(PasswordCheck::Wrong) => {
            let errors = Errors::one("email", "Enter a correct email address and password");
            return anonymous_refusal(
                sign_in_form(app, StatusCode::UNAUTHORIZED, cookies, &email, errors, None),
                app.sign_in_entry(None, "sign-in", "refused: wrong email or password"),
            );
        }
        Ok(PasswordCheck::Disabled(user)) => {
            app.write_audit(app.sign_in_entry(Some(user.id()), "sign-in", "refused: disabled"))
                .await;
            let errors = Errors::one("email", A::DISABLED);
            return sign_in_form(app, StatusCode::FORBIDDEN, cookies, &email, errors, None);
        }
        Err(error) => return app.store_failed(&error),
    };
    let stage = first_stage(&user);
    let (next, outcome) = match stage {
        Stage::Code => (A::CODE, "ok: code needed"),
        Stage::Full => (app.landing(&user), "ok"),
    };
    match start(app, user.id(), stage, None, now).await {
        Ok(token) => {
            app.write_audit(app.sign_in_entry(Some(user.id()), "sign-in", outcome))
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
async fn start<A: SignInApp>(
    app: &A,
    user_id: &str,
    stage: Stage,
    replaces: Option<&str>,
    now: i64,
) -> Result<String, Stop> {
    match start_session(app.auth_store(), user_id, stage, replaces, now).await {
        Ok(token) => Ok(token),
        Err(StartError::Token(error)) => Err(stop(no_token(&error))),
        Err(StartError::Store(error)) => Err(stop(app.store_failed(&error))),
    }
}

/// `GET …/sign-in/code`, for a session the app's gate let through.
pub fn code_page<A: SignInApp>(app: &A, session: Session<A::User>) -> Response {
    app.code_page(StatusCode::OK, session.csrf, Errors::default())
}

/// `POST …/sign-in/code`: the TOTP code (trimmed), each one good once, for a session whose
/// form the app's gate and CSRF check let through.
pub async fn code<A: SignInApp>(
    app: &A,
    peer: SocketAddr,
    session: &Session<A::User>,
    cookies: Cookies,
    code: &str,
) -> Response {
    let user = &session.user;
    let now = app.now_ms();
    let again = |status: StatusCode, message: String| {
        app.code_page(status, session.csrf.clone(), Errors::one("code", message))
    };
    let keys = Keys::in_app(A::THROTTLE_APP, user.email(), peer);
    match check_code(app.auth_store(), user, &keys, code, now).await {
        Ok(CodeCheck::Passed) => {}
        Ok(CodeCheck::Locked { minutes }) => {
            app.write_audit(app.sign_in_entry(Some(user.id()), "code", "refused: throttled"))
                .await;
            return again(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "There have been too many attempts. Wait {minutes} minutes, then sign in again"
                ),
            );
        }
        Ok(CodeCheck::Empty) => {
            return again(
                StatusCode::BAD_REQUEST,
                "Enter the 6-digit code from your authenticator app".into(),
            );
        }
        Ok(CodeCheck::NoSecret) => return redirect(A::HOME),
        Ok(CodeCheck::Wrong) => {
            app.write_audit(app.sign_in_entry(Some(user.id()), "code", "refused: wrong code"))
                .await;
            return again(
                StatusCode::UNAUTHORIZED,
                "Enter the code your authenticator app shows now: that code was wrong or already used"
                    .into(),
            );
        }
        Err(error) => return app.store_failed(&error),
    }
    // A new session id once fully signed in, so the half-way one cannot be reused.
    match start(app, user.id(), Stage::Full, Some(&session.id_hash), now).await {
        Ok(token) => {
            app.write_audit(app.sign_in_entry(Some(user.id()), "code", "ok"))
                .await;
            with_cookies(redirect(app.landing(user)), &[cookies.set_session(&token)])
        }
        Err(response) => *response,
    }
}

/// `POST …/sign-out`, for a session whose form the app's gate and CSRF check let through.
pub async fn sign_out<A: SignInApp>(
    app: &A,
    session: &Session<A::User>,
    cookies: Cookies,
) -> Response {
    if let Err(error) = app.auth_store().end_session(&session.id_hash).await {
        return app.store_failed(&error);
    }
    app.write_audit(app.sign_in_entry(Some(session.user.id()), "sign-out", "ok"))
        .await;
    with_cookies(
        redirect(&format!("{}?signed_out=1", A::SIGN_IN)),
        &[cookies.clear_session()],
    )
}
