//! Signing in and out: the email and password form, the TOTP code step, and signing out.
//! The steps are [`crate::web::sign_in`]'s, the console's too: these handlers read the
//! request (the form, the gate) and say what is the portal's ([`SignInApp`]). Failed
//! attempts count towards the throttle ([`crate::web::throttle`]); a wrong email takes as
//! long as a wrong password.

use std::net::SocketAddr;

use async_trait::async_trait;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;

use super::gate::{gate, signed_form};
use super::{FormFields, fields, text};
use crate::model::{AuditEntry, StoreError};
use crate::portal::pages::{CodePage, Errors, SignInPage};
use crate::portal::store::{FirmUser, PortalStore};
use crate::portal::{COOKIES, PortalState};
use crate::web::cookies::{CookieNames, Cookies};
use crate::web::respond::page;
use crate::web::session::Allow;
use crate::web::sign_in::{self, SignInApp, sign_in_form};

/// What signing in to the portal has of its own.
#[async_trait]
impl SignInApp for PortalState {
    type User = FirmUser;
    type Store = dyn PortalStore;

    const COOKIES: &'static CookieNames = &COOKIES;
    // The portal's account keys have no prefix: they were there before the console.
    const THROTTLE_APP: &'static str = "";
    const SIGN_IN: &'static str = "/portal/sign-in";
    const CODE: &'static str = "/portal/sign-in/code";
    const HOME: &'static str = "/portal/orders";
    const DISABLED: &'static str = "Your account has been turned off. Ask the council's home security team to turn it on again";

    fn auth_store(&self) -> &Self::Store {
        self.store().as_ref()
    }

    fn now_ms(&self) -> i64 {
        self.now()
    }

    /// A password handed out by the council is replaced before anything else.
    fn landing(&self, user: &FirmUser) -> &'static str {
        if user.must_change_password {
            "/portal/password"
        } else {
            "/portal/orders"
        }
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
pub(in crate::portal) struct SignInQuery {
    ended: Option<String>,
    signed_out: Option<String>,
}

/// `GET /portal/sign-in`.
pub(in crate::portal) async fn sign_in_page(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    query: Result<Query<SignInQuery>, QueryRejection>,
) -> Response {
    let cookies = Cookies::for_request(&COOKIES, peer, &headers);
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

/// `POST /portal/sign-in`: the email and password.
pub(in crate::portal) async fn sign_in(
    State(state): State<PortalState>,
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

/// `GET /portal/sign-in/code`.
pub(in crate::portal) async fn code_page(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    match gate(&state, peer, &headers, Allow::Code).await {
        Ok(signed) => sign_in::code_page(&state, signed.session),
        Err(response) => *response,
    }
}

/// `POST /portal/sign-in/code`: the TOTP code, each one good once.
pub(in crate::portal) async fn code(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<FormFields>, FormRejection>,
) -> Response {
    let back = PortalState::CODE;
    let read = signed_form(
        &state,
        peer,
        &headers,
        form,
        Allow::Code,
        "code",
        None,
        back,
    );
    match read.await {
        Ok((signed, form)) => {
            let code = text(form.code.as_ref());
            sign_in::code(&state, peer, &signed.session, signed.cookies, &code).await
        }
        Err(response) => *response,
    }
}

/// `POST /portal/sign-out`.
pub(in crate::portal) async fn sign_out(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<FormFields>, FormRejection>,
) -> Response {
    let back = PortalState::HOME;
    let read = signed_form(
        &state,
        peer,
        &headers,
        form,
        Allow::Password,
        "sign-out",
        None,
        back,
    );
    match read.await {
        Ok((signed, _)) => sign_in::sign_out(&state, &signed.session, signed.cookies).await,
        Err(response) => *response,
    }
}
