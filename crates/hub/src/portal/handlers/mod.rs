//! The portal's request handlers, one module per part of the portal: signing in and out,
//! the account's password, the list and pages of work orders, the steps a contractor
//! takes on an order, and the items they record. Each page checks the session first (a
//! browser that is not signed in is sent to sign in, see [`gate`]), each form its CSRF
//! token; nothing a refused request carried is stored, and every refusal is written to
//! the audit log.

pub(super) mod account;
mod gate;
pub(super) mod items;
pub(super) mod orders;
pub(super) mod referrals;
pub(super) mod sign_in;
pub(super) mod steps;

use std::net::SocketAddr;

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::model::{AuditEntry, StoreError};
use crate::portal::pages::{Errors, Frame, MessagePage, SignedIn};
use crate::portal::store::{OrganisationKind, Session};
use crate::portal::{COOKIES, PORTAL_CSS, PortalState};
use crate::web::cookies::Cookies;
use crate::web::respond::{page, redirect};
use crate::web::session::{Stage, token_hash};

/// The portal's pages and the audit entries its handlers write.
impl PortalState {
    /// The frame every page shows: title, council, errors, who is signed in.
    fn frame(&self, title: &str, errors: Errors, signed_in: Option<&Session>) -> Frame {
        Frame {
            title: title.to_owned(),
            council: self.inner.branding.council_name.clone(),
            logo: self.inner.logo.is_some(),
            errors,
            signed_in: signed_in.map(|s| SignedIn {
                name: s.user.name.clone(),
                firm: s.user.firm_name.clone(),
                csrf: s.csrf.clone(),
                agency: s.user.kind == OrganisationKind::Agency,
            }),
        }
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
        tracing::error!(%error, "portal: database error");
        self.message(
            StatusCode::SERVICE_UNAVAILABLE,
            "Sorry, there is a problem with the service",
            &["Try again in a few minutes. Nothing you sent was saved."],
            ("/portal/orders", "Go to your work orders"),
            session,
        )
    }

    /// The page for anything this contractor may not see, as if it did not exist.
    fn not_found_page(&self, session: Option<&Session>) -> Response {
        self.message(
            StatusCode::NOT_FOUND,
            "Page not found",
            &["There is no such page or work order for your firm. Check the address, or go to your list of work orders."],
            ("/portal/orders", "Go to your work orders"),
            session,
        )
    }

    /// The page for a form whose CSRF check failed.
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

    /// Writes an audit entry; a failure is logged, as the answer is already decided.
    async fn audit(&self, entry: AuditEntry) {
        if let Err(error) = self.store().append_audit(&[entry]).await {
            tracing::error!(%error, "portal: could not write the audit log");
        }
    }

    /// An audit entry of the portal's, about an order when there is one.
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
    time: Option<String>,
    agency_reference: Option<String>,
    outcome: Option<String>,
    attempts: Option<String>,
}

/// A form body the hub cannot read is treated as an empty form, so the CSRF check
/// refuses it like any other.
fn fields(form: Result<Form<FormFields>, FormRejection>) -> FormFields {
    form.map(|Form(f)| f).unwrap_or_default()
}

/// A typed field, trimmed; an absent one is empty.
fn text(value: Option<&String>) -> String {
    value.map(|v| v.trim().to_owned()).unwrap_or_default()
}

/// The order's `updated_seq` a form was made from; an unreadable one matches no order.
fn seen_seq(seq: Option<&str>) -> i64 {
    seq.and_then(|s| s.trim().parse().ok()).unwrap_or(-1)
}

/// `/portal` itself: the list of work orders.
pub(super) async fn home() -> Response {
    redirect("/portal/orders")
}

/// The stylesheet, cached for an hour (the only answer that may be).
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
pub(super) async fn logo(State(state): State<PortalState>) -> Response {
    super::logo_response(state.inner.logo.as_ref())
}

/// Any other path under `/portal`.
pub(super) async fn not_found(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    // Show the header as signed in when the browser is, but never require it.
    let session = match Cookies::for_request(&COOKIES, peer, &headers).session(&headers) {
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
