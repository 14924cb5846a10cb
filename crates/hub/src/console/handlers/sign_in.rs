//! Signing in and out of the console: the email and password form, the TOTP code step,
//! and signing out. The steps are [`crate::web::auth`]'s, the portal's too; the
//! throttle counts console accounts under their own keys ([`THROTTLE_APP`]) and
//! addresses under the keys both apps share.

use std::net::SocketAddr;

use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;

use super::{FormFields, fields, gate, signed_form, text};
use crate::console::pages::{CodePage, Errors, SignInPage};
use crate::console::{COOKIES, ConsoleState};
use crate::web::auth::{
    CodeCheck, PasswordCheck, StartError, check_code, check_password, first_stage, start_session,
};
use crate::web::cookies::Cookies;
use crate::web::csrf::{new_token, sign_in_form_ok};
use crate::web::password::MAX_PASSWORD_CHARS;
use crate::web::respond::{Stop, anonymous_refusal, no_token, page, redirect, stop, with_cookies};
use crate::web::session::{Allow, Stage};
use crate::web::throttle::Keys;

/// The prefix of the console's account keys in the shared throttle table.
pub(super) const THROTTLE_APP: &str = "console:";

/// Why the sign-in page is shown again, if it is.
#[derive(Debug, Deserialize)]
pub(in crate::console) struct SignInQuery {
    ended: Option<String>,
    signed_out: Option<String>,
    set_up: Option<String>,
}

/// The sign-in form, with a fresh CSRF token bound to a cookie.
fn sign_in_form(
    state: &ConsoleState,
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

/// `GET /console/sign-in`.
pub(in crate::console) async fn sign_in_page(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    query: Result<Query<SignInQuery>, QueryRejection>,
) -> Response {
    let cookies = Cookies::for_request(&COOKIES, peer, &headers);
    let note = query.ok().and_then(|Query(q)| {
        if q.signed_out.is_some() {
            Some("You have signed out.".to_owned())
        } else if q.set_up.is_some() {
            Some("Your account is set up. Sign in with your email address and new password.".to_owned())
        } else if q.ended.is_some() {
            Some("You were signed out because you had not used the console for 30 minutes, or had been signed in for 12 hours. Sign in again.".to_owned())
        } else {
            None
        }
    });
    sign_in_form(&state, StatusCode::OK, cookies, "", Errors::default(), note)
}

/// `POST /console/sign-in`: the email and password.
pub(in crate::console) async fn sign_in(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<FormFields>, FormRejection>,
) -> Response {
    let form = fields(form);
    let cookies = Cookies::for_request(&COOKIES, peer, &headers);
    let email = text(form.email.as_ref());
    // Before a session, the form's token must match the cookie the form came with.
    if !sign_in_form_ok(&headers, cookies.sign_in(&headers), form.csrf.as_deref()) {
        return anonymous_refusal(
            state.forged(None, "/console/sign-in"),
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
    } else if password.chars().count() > MAX_PASSWORD_CHARS {
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
    let keys = Keys::in_app(THROTTLE_APP, &email, peer);
    let user = match check_password(state.store().as_ref(), &keys, &email, password, now).await {
        Ok(PasswordCheck::Passed(user)) => user,
        Ok(PasswordCheck::Locked { minutes }) => {
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
        Ok(PasswordCheck::Wrong) => {
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
        Ok(PasswordCheck::Disabled(user)) => {
            state
                .audit(state.entry(Some(&user.id), "sign-in", None, "refused: disabled"))
                .await;
            let errors = Errors::one(
                "email",
                "Your console account cannot be used. Ask the console administrator to turn it on, or for a new set-up link",
            );
            return sign_in_form(&state, StatusCode::FORBIDDEN, cookies, &email, errors, None);
        }
        Err(error) => return state.unavailable(&error, None),
    };
    let stage = first_stage(&user);
    let (next, outcome) = match stage {
        Stage::Code => ("/console/sign-in/code", "ok: code needed"),
        Stage::Full => ("/console/home", "ok"),
    };
    match start(&state, &user.id, stage, None, now).await {
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
async fn start(
    state: &ConsoleState,
    user_id: &str,
    stage: Stage,
    replaces: Option<&str>,
    now: i64,
) -> Result<String, Stop> {
    match start_session(state.store().as_ref(), user_id, stage, replaces, now).await {
        Ok(token) => Ok(token),
        Err(StartError::Token(error)) => Err(stop(no_token(&error))),
        Err(StartError::Store(error)) => Err(stop(state.unavailable(&error, None))),
    }
}

/// `GET /console/sign-in/code`.
pub(in crate::console) async fn code_page(
    State(state): State<ConsoleState>,
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

/// `POST /console/sign-in/code`: the TOTP code, each one good once.
pub(in crate::console) async fn code(
    State(state): State<ConsoleState>,
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
        "/console/sign-in/code",
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
    let keys = Keys::in_app(THROTTLE_APP, &user.email, peer);
    let code = text(form.code.as_ref());
    match check_code(state.store().as_ref(), user, &keys, &code, now).await {
        Ok(CodeCheck::Passed) => {}
        Ok(CodeCheck::Locked { minutes }) => {
            state
                .audit(state.entry(Some(&user.id), "code", None, "refused: throttled"))
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
        Ok(CodeCheck::NoSecret) => return redirect("/console/home"),
        Ok(CodeCheck::Wrong) => {
            state
                .audit(state.entry(Some(&user.id), "code", None, "refused: wrong code"))
                .await;
            return again(
                StatusCode::UNAUTHORIZED,
                "Enter the code your authenticator app shows now: that code was wrong or already used"
                    .into(),
            );
        }
        Err(error) => return state.unavailable(&error, None),
    }
    // A new session id once fully signed in, so the half-way one cannot be reused.
    match start(&state, &user.id, Stage::Full, Some(&session.id_hash), now).await {
        Ok(token) => {
            state
                .audit(state.entry(Some(&user.id), "code", None, "ok"))
                .await;
            with_cookies(
                redirect("/console/home"),
                &[signed.cookies.set_session(&token)],
            )
        }
        Err(response) => *response,
    }
}

/// `POST /console/sign-out`.
pub(in crate::console) async fn sign_out(
    State(state): State<ConsoleState>,
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
        "/console/home",
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
        redirect("/console/sign-in?signed_out=1"),
        &[signed.cookies.clear_session()],
    )
}
