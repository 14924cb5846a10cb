//! The one-time set-up link an administrator hands out (`/console/set-up/<token>`): the
//! person chooses their password and, when their role needs it (admin, dpo), sets up
//! their authenticator app by typing a code from it. The link is stored hashed, expires,
//! and is spent by the form that completes set-up; a link that is unknown, spent or
//! expired answers 404 and tells nothing more.

use std::net::SocketAddr;

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::{FormFields, fields, text};
use crate::console::access::needs_totp;
use crate::console::pages::{Errors, SetUpPage, TotpSetUp};
use crate::console::store::StaffUser;
use crate::console::{COOKIES, ConsoleState};
use crate::web::cookies::Cookies;
use crate::web::csrf::{new_token, sign_in_form_ok};
use crate::web::password::{hash_password, password_problem};
use crate::web::respond::{anonymous_refusal, no_token, page, redirect, with_cookies};
use crate::web::session::token_hash;
use crate::web::totp::{check_totp, new_totp_secret, totp_uri};

/// The hash of a link's token, or None when the path cannot be one of ours.
fn link_hash(token: &str) -> Option<String> {
    (token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| token_hash(&token.to_ascii_lowercase()))
}

/// The answer for a link that is not (or no longer) good.
fn gone(state: &ConsoleState) -> Response {
    state.message(
        StatusCode::NOT_FOUND,
        "This set-up link cannot be used",
        &[
            "It may have been used already, or it has expired.",
            "Ask the console administrator for a new one.",
        ],
        ("/console/sign-in", "Go to sign in"),
        None,
    )
}

/// A secret in groups of four, easier to type into an app.
fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The set-up form for `user`, with a fresh CSRF token bound to a cookie.
fn form_page(
    state: &ConsoleState,
    status: StatusCode,
    cookies: Cookies,
    token: &str,
    user: &StaffUser,
    errors: Errors,
) -> Response {
    let csrf = match new_token() {
        Ok(csrf) => csrf,
        Err(error) => return no_token(&error),
    };
    let totp = match (&user.totp_secret, needs_totp(user.role)) {
        (Some(secret), true) => match totp_uri(secret, &user.email) {
            Ok(uri) => Some(TotpSetUp {
                secret: grouped(secret),
                uri,
            }),
            Err(error) => {
                tracing::error!(%error, "console: a damaged TOTP secret at set-up");
                None
            }
        },
        _ => None,
    };
    let response = page(
        status,
        &SetUpPage {
            frame: state.frame("Set up your account", errors, None),
            csrf: csrf.clone(),
            action: crate::admin::setup_path(token),
            name: user.name.clone(),
            email: user.email.clone(),
            totp,
        },
    );
    with_cookies(response, &[cookies.set_sign_in(&csrf)])
}

/// `GET /console/set-up/{token}`.
pub(in crate::console) async fn set_up_page(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(hash) = link_hash(&token) else {
        return gone(&state);
    };
    let now = state.now();
    let mut user = match state.store().account_to_set_up(&hash, now).await {
        Ok(Some(user)) => user,
        Ok(None) => return gone(&state),
        Err(error) => return state.unavailable(&error, None),
    };
    if needs_totp(user.role) && user.totp_secret.is_none() {
        // The secret is made when the page is first shown and kept, so reloading the
        // page does not change what the person's app was given.
        let fresh = match new_totp_secret() {
            Ok(secret) => secret,
            Err(error) => return no_token(&error),
        };
        match state.store().offer_totp_secret(&hash, &fresh, now).await {
            Ok(Some(secret)) => user.totp_secret = Some(secret),
            Ok(None) => return gone(&state),
            Err(error) => return state.unavailable(&error, None),
        }
    }
    let cookies = Cookies::for_request(&COOKIES, peer, &headers);
    form_page(
        &state,
        StatusCode::OK,
        cookies,
        &token,
        &user,
        Errors::default(),
    )
}

/// `POST /console/set-up/{token}`: the password (twice) and, for admin and dpo, a code.
pub(in crate::console) async fn set_up(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    headers: HeaderMap,
    form: Result<Form<FormFields>, FormRejection>,
) -> Response {
    let form = fields(form);
    let cookies = Cookies::for_request(&COOKIES, peer, &headers);
    if !sign_in_form_ok(&headers, cookies.sign_in(&headers), form.csrf.as_deref()) {
        return anonymous_refusal(
            state.forged(None, "/console/sign-in"),
            state.entry(None, "set-up", None, "refused: csrf"),
        );
    }
    let Some(hash) = link_hash(&token) else {
        return gone(&state);
    };
    let now = state.now();
    let user = match state.store().account_to_set_up(&hash, now).await {
        Ok(Some(user)) => user,
        Ok(None) => return gone(&state),
        Err(error) => return state.unavailable(&error, None),
    };
    let password = form.password.clone().unwrap_or_default();
    let confirm = form.confirm.clone().unwrap_or_default();
    let mut errors = Errors::default();
    if password.is_empty() {
        errors.add("password", "Enter a password");
    } else if let Some(problem) = password_problem(&password) {
        errors.add("password", problem);
    } else if confirm != password {
        errors.add("confirm", "Type the same password again");
    }
    // The step of the code typed, spent once set-up is done so it cannot sign in again.
    let mut spent_step = None;
    if needs_totp(user.role) {
        let code = text(form.code.as_ref());
        let step = user
            .totp_secret
            .as_deref()
            .map(|secret| check_totp(secret, &code, now))
            .transpose()
            .unwrap_or_else(|error| {
                tracing::error!(%error, "console: a damaged TOTP secret at set-up");
                None
            })
            .flatten();
        spent_step = step;
        let right = step.is_some();
        if code.is_empty() {
            errors.add("code", "Enter the 6-digit code from your authenticator app");
        } else if !right {
            errors.add(
                "code",
                "Enter the code your authenticator app shows now: check you typed the key exactly",
            );
        }
    }
    if errors.any() {
        state
            .audit(state.entry(
                Some(&user.id),
                "set-up",
                Some(("user", &user.id)),
                "refused: form",
            ))
            .await;
        return form_page(
            &state,
            StatusCode::BAD_REQUEST,
            cookies,
            &token,
            &user,
            errors,
        );
    }
    let hashed = match tokio::task::spawn_blocking(move || hash_password(&password)).await {
        Ok(Ok(hashed)) => hashed,
        Ok(Err(error)) => {
            tracing::error!(%error, "console: could not hash a password");
            return state.message(
                StatusCode::SERVICE_UNAVAILABLE,
                "Sorry, there is a problem with the service",
                &["Try again in a few minutes. Nothing you sent was saved."],
                ("/console/sign-in", "Go to sign in"),
                None,
            );
        }
        Err(error) => {
            tracing::error!(%error, "console: the hashing task failed");
            return state.message(
                StatusCode::SERVICE_UNAVAILABLE,
                "Sorry, there is a problem with the service",
                &["Try again in a few minutes. Nothing you sent was saved."],
                ("/console/sign-in", "Go to sign in"),
                None,
            );
        }
    };
    match state.store().finish_set_up(&hash, &hashed, now).await {
        Ok(true) => {}
        Ok(false) => return gone(&state),
        Err(error) => return state.unavailable(&error, None),
    }
    // A code is good once (RFC 6238 §5.2), the one typed at set-up too. The account is
    // set up already, so a failure here is only logged.
    if let Some(step) = spent_step
        && let Err(error) = state.store().spend_totp_step(&user.id, step).await
    {
        tracing::error!(%error, "console: could not spend the set-up code's step");
    }
    state
        .audit(state.entry(Some(&user.id), "set-up", Some(("user", &user.id)), "ok"))
        .await;
    with_cookies(
        redirect("/console/sign-in?set_up=1"),
        &[cookies.clear_sign_in()],
    )
}
