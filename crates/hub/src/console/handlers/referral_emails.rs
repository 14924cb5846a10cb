//! `GET /console/referral-emails`: the emails telling partner agencies that a referral is
//! waiting, for supervisors and administrators: those waiting or failing (attempts, last
//! error, next attempt), the latest sent, whether the form went, and whether mail is set up
//! at all. Reading it is audited.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::gate;
use crate::console::ConsoleState;
use crate::console::access::may_see_referral_emails;
use crate::console::pages::{EmailView, Errors, ReferralEmailsPage, when};
use crate::mail::Notification;
use crate::web::respond::page;
use crate::web::session::Allow;

/// How many sent emails the page lists.
const SENT_SHOWN: i64 = 50;

fn view(n: &Notification) -> EmailView {
    let agency = crate::mail::form::directory()
        .ok()
        .and_then(|d| d.agency(&n.agency_id))
        .map_or_else(|| n.agency_id.clone(), |a| a.name.clone());
    let form = match (n.sent_at.is_some(), n.attach_form, n.form_attached) {
        (true, _, true) => "Attached",
        (true, _, false) => "Not attached",
        (false, true, _) => "Will be attached (secure mailbox)",
        (false, false, _) => "Not attached",
    };
    EmailView {
        referral_id: n.referral_id.clone(),
        agency,
        address: n.address.clone(),
        attempts: n.attempts,
        last_error: n.last_error.clone().unwrap_or_default(),
        next_attempt: if n.sent_at.is_some() {
            String::new()
        } else {
            when(n.next_attempt_at)
        },
        created: when(n.created_at),
        sent: n.sent_at.map(when).unwrap_or_default(),
        form: form.to_owned(),
    }
}

/// `GET /console/referral-emails`.
pub(in crate::console) async fn referral_emails(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let signed = match gate(&state, peer, &headers, Allow::Full).await {
        Ok(signed) => signed,
        Err(response) => return *response,
    };
    let session = &signed.session;
    let (true, Some(mail)) = (
        may_see_referral_emails(session.user.role),
        state.inner.mail.clone(),
    ) else {
        return state.not_found_page(Some(session));
    };
    let outbox = match mail.outbox(SENT_SHOWN).await {
        Ok(outbox) => outbox,
        Err(error) => return state.unavailable(&error, Some(session)),
    };
    state
        .audit(state.entry(Some(&session.user.id), "referral-emails", None, "ok"))
        .await;
    let (sent, waiting): (Vec<_>, Vec<_>) = outbox.iter().partition(|n| n.sent_at.is_some());
    let waiting: Vec<EmailView> = waiting.into_iter().map(view).collect();
    page(
        StatusCode::OK,
        &ReferralEmailsPage {
            frame: state.frame("Emails to agencies", Errors::default(), Some(session)),
            mail_set_up: state.inner.mail_set_up,
            failing: waiting.iter().filter(|e| !e.last_error.is_empty()).count(),
            waiting,
            sent: sent.into_iter().map(view).collect(),
        },
    )
}
