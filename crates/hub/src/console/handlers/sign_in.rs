//! Signing in and out of the console: the email and password form, the TOTP code step,
//! and signing out. The steps are [`crate::web::sign_in`]'s, the portal's too: these
//! handlers read the request (the form, the gate) and say what is the console's
//! ([`SignInApp`]). The throttle counts console accounts under their own keys
//! ([`SignInApp::THROTTLE_APP`]) and addresses under the keys both apps share.

use std::net::SocketAddr;

use async_trait::async_trait;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;

use super::{FormFields, fields, gate, signed_form, text};
use crate::console::pages::{CodePage, Errors, SignInPage};
use crate::console::store::{ConsoleStore, StaffUser};
use crate::console::{COOKIES, ConsoleState};
use crate::model::{AuditEntry, StoreError};
use crate::web::cookies::{CookieNames, Cookies};
use crate::web::respond::page;
use crate::web::session::Allow;
use crate::web::sign_in::{self, SignInApp, sign_in_form};

/// What signing in to the console has of its own.
#[async_trait]
impl SignInApp for ConsoleState {
    type User = StaffUser;
    type Store = dyn ConsoleStore;

    const COOKIES: &'static CookieNames = &COOKIES;
    // Console accounts are counted apart from portal accounts of the same email.
    const THROTTLE_APP: &'static str = "console:";
    const SIGN_IN: &'static str = "/console/sign-in";
    const CODE: &'static str = "/console/sign-in/code";
    const HOME: &'static str = "/console/home";
    const DISABLED: &'static str = "Your console account cannot be used. Ask the console administrator to turn it on, or for a new set-up link";

    fn auth_store(&self) -> &Self::Store {
        self.store().as_ref()
    }

    fn now_ms(&self) -> i64 {
        self.now()
    }

    /// A console password is never handed out, so there is none to replace first.
    fn landing(&self, _user: &StaffUser) -> &'static str {
        Self::HOME
    }

    fn sign_in_page(
        &self,
        status: StatusCode,
        csrf: String,
        email: &str,
        errors: Errors,
        note: Option<String>,
    ) -> Response {
        page(
            status,
            &SignInPage {
                frame: self.frame("Sign in", errors, None),
                csrf,
                email: email.to_owned(),
                note,
            },
        )
    }

    fn code_page(&self, status: StatusCode, csrf: String, errors: Errors) -> Response {
        page(
            status,
            &CodePage {
                frame: self.frame("Enter your security code", errors, None),
                csrf,
            },
        )
    }

    fn forged_sign_in(&self) -> Response {
        self.forged(None, Self::SIGN_IN)
    }

    fn store_failed(&self, error: &StoreError) -> Response {
        self.unavailable(error, None)
    }

    fn sign_in_entry(&self, user: Option<&str>, action: &str, outcome: &str) -> AuditEntry {
        self.entry(user, action, None, outcome)
    }

    async fn write_audit(&self, entry: AuditEntry) {
        self.audit(entry).await;
    }
}

/// Why the sign-in page is shown again, if it is.
#[derive(Debug, Deserialize)]
pub(in crate::console) struct SignInQuery {
    ended: Option<String>,
    signed_out: Option<String>,
    set_up: Option<String>,
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
    let email = text(form.email.as_ref());
    let password = form.password.unwrap_or_default();
    sign_in::sign_in(
        &state,
        peer,
        &headers,
        form.csrf.as_deref(),
        email,
        password,
    )
    .await
}

/// `GET /console/sign-in/code`.
pub(in crate::console) async fn code_page(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    match gate(&state, peer, &headers, Allow::Code).await {
        Ok(signed) => sign_in::code_page(&state, signed.session),
        Err(response) => *response,
    }
}

/// `POST /console/sign-in/code`: the TOTP code, each one good once.
pub(in crate::console) async fn code(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<FormFields>, FormRejection>,
) -> Response {
    let back = ConsoleState::CODE;
    let read = signed_form(&state, peer, &headers, form, Allow::Code, "code", back);
    match read.await {
        Ok((signed, form)) => {
            let code = text(form.code.as_ref());
            sign_in::code(&state, peer, &signed.session, signed.cookies, &code).await
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
    let back = ConsoleState::HOME;
    let read = signed_form(
        &state,
        peer,
        &headers,
        form,
        Allow::Password,
        "sign-out",
        back,
    );
    match read.await {
        Ok((signed, _)) => sign_in::sign_out(&state, &signed.session, signed.cookies).await,
        Err(response) => *response,
    }
}
