//! The portal's gate: which session a request has and whether it may see the page (the
//! rules are [`crate::web::session::judge`]'s), and whether a form's CSRF token is its
//! session's (the check is [`crate::web::csrf`]'s).

use std::net::SocketAddr;

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::http::HeaderMap;

use super::{FormFields, fields};
use crate::portal::store::Session;
use crate::portal::{COOKIES, PortalState};
use crate::web::auth::{Turned, admit};
use crate::web::cookies::Cookies;
use crate::web::csrf::session_form_ok;
use crate::web::respond::{Stop, redirect, stop, with_cookies};
use crate::web::session::{Allow, Detour};

/// A request's session, checked.
pub(super) struct Signed {
    /// The session, at a stage that may see the page.
    pub(super) session: Session,
    /// The cookies of the request, to set or clear.
    pub(super) cookies: Cookies,
}

/// The request's session if it may see a page open to `allow`, or where to go instead
/// (the steps are [`crate::web::auth::admit`]'s).
pub(super) async fn gate(
    state: &PortalState,
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
        Ok(Err(Turned::SignIn)) => Err(stop(redirect("/portal/sign-in"))),
        Ok(Err(Turned::Ended)) => Err(stop(with_cookies(
            redirect("/portal/sign-in?ended=1"),
            &[cookies.clear_session()],
        ))),
        Ok(Err(Turned::Elsewhere(detour))) => Err(stop(redirect(match detour {
            Detour::Code => "/portal/sign-in/code",
            Detour::Home => "/portal/orders",
            Detour::Password => "/portal/password",
        }))),
        Err(error) => Err(stop(state.unavailable(&error, None))),
    }
}

/// Checks a form's CSRF token against the session's; a refusal is audited as `action`
/// and answered with a link back to `back`.
pub(super) async fn check_csrf(
    state: &PortalState,
    signed: &Signed,
    headers: &HeaderMap,
    sent: Option<&str>,
    action: &str,
    order: Option<&str>,
    back: &str,
) -> Result<(), Stop> {
    if session_form_ok(headers, sent, &signed.session.csrf) {
        return Ok(());
    }
    let user = signed.session.user.id.as_str();
    state
        .audit(state.entry(Some(user), action, order, "refused: csrf"))
        .await;
    Err(stop(state.forged(Some(&signed.session), back)))
}

/// A form from a signed-in person: the session at `allow`'s stage, the form read, and its
/// CSRF token checked (a refusal is audited as `action` and goes back to `back`).
#[allow(
    clippy::too_many_arguments,
    reason = "the request's parts and the three things a refusal needs"
)]
pub(super) async fn signed_form(
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
pub(super) async fn order_write(
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
