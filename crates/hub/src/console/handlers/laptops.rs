//! The administrator's laptops: enrolment codes (created here, shown once on a page that
//! prints), the list of enrolled laptops with who has each and when it last synced, and
//! revoking one after a page that says what revoking does: the laptop erases itself at
//! its next contact. Both changes go through [`crate::admin`], audited with the
//! administrator's id.

use std::net::SocketAddr;

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::{FormFields, Signed, admin_form, admin_gate};
use crate::admin;
use crate::console::ConsoleState;
use crate::console::pages::{Errors, LaptopView, LaptopsPage, Qr, RevokePage, ShownOncePage};
use crate::model::{Refusal, StoreError};
use crate::web::respond::{page, redirect};

/// `POST /console/people/{id}/enrolment-code`: a one-time code for their laptop.
pub(in crate::console) async fn enrolment_code(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: Result<Form<FormFields>, FormRejection>,
) -> Response {
    let back = format!("/console/people/{id}");
    let (signed, _) = match admin_form(&state, peer, &headers, form, "enrolment-code", &back).await
    {
        Ok(read) => read,
        Err(response) => return *response,
    };
    let session = &signed.session;
    let person = match state.store().person(&id).await {
        Ok(Some(person)) => person,
        Ok(None) => return state.not_found_page(Some(session)),
        Err(error) => return state.unavailable(&error, Some(session)),
    };
    let actor = session.user.id.as_str();
    let secs = state.inner.link_secs;
    let code = match admin::enrolment_code(state.hub(), Some(actor), &id, secs, state.now()).await {
        Ok((_, code)) => code,
        Err(StoreError::Refused(Refusal::RoleForbidden(role))) => {
            return state.message(
                StatusCode::BAD_REQUEST,
                "No enrolment code for this role",
                &[&format!(
                    "A {} works in this console, not on a laptop, so no code was created.",
                    role.label()
                )],
                (&back, "Go back"),
                Some(session),
            );
        }
        Err(error) => return state.unavailable(&error, Some(session)),
    };
    let hours = secs / 3600;
    let hub = state.hub_url(peer, &headers);
    let qr = Qr::new(
        &enrolment_text(&hub, &code),
        "QR code holding the hub's address and this enrolment code, for the laptop's camera",
        vec![
            ("Hub address".to_owned(), hub.clone()),
            ("Enrolment code".to_owned(), code.clone()),
        ],
    );
    page(
        StatusCode::OK,
        &ShownOncePage {
            frame: state.frame("Laptop enrolment code", Errors::default(), Some(session)),
            person: person.name.clone(),
            what: "Enrolment code".into(),
            secret: code,
            paragraphs: vec![
                format!(
                    "Give this code to {} with their laptop. It is shown only now: print this page or write the code down.",
                    person.name
                ),
                format!(
                    "On the laptop, open Settings, then Council hub, and type the code. It works once, for {hours} hours."
                ),
            ],
            link_href: back,
            qr,
        },
    )
}

/// What the enrolment QR code holds: `doorstep-enrol:?hub=<hub URL>&code=<code>`, both
/// percent-encoded (docs/console.md).
pub(in crate::console) fn enrolment_text(hub: &str, code: &str) -> String {
    doorstep_core::enrolment::Enrolment {
        hub_url: hub.to_owned(),
        code: code.to_owned(),
    }
    .to_qr_text()
}

/// Every laptop, as the administrator sees them.
async fn all_laptops(state: &ConsoleState, signed: &Signed) -> Result<Vec<LaptopView>, Response> {
    match state.store().laptops().await {
        Ok(laptops) => Ok(laptops.into_iter().map(LaptopView::from).collect()),
        Err(error) => Err(state.unavailable(&error, Some(&signed.session))),
    }
}

/// `GET /console/laptops`.
pub(in crate::console) async fn laptops(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let signed = match admin_gate(&state, peer, &headers).await {
        Ok(signed) => signed,
        Err(response) => return *response,
    };
    match all_laptops(&state, &signed).await {
        Ok(laptops) => page(
            StatusCode::OK,
            &LaptopsPage {
                frame: state.frame("Laptops", Errors::default(), Some(&signed.session)),
                laptops,
            },
        ),
        Err(response) => response,
    }
}

/// The laptop `id` if it is enrolled and not revoked yet, else the page to show.
async fn revocable(
    state: &ConsoleState,
    signed: &Signed,
    id: &str,
) -> Result<LaptopView, Response> {
    let laptop = all_laptops(state, signed)
        .await?
        .into_iter()
        .find(|l| l.id == id);
    match laptop {
        None => Err(state.not_found_page(Some(&signed.session))),
        Some(laptop) if laptop.revoked => Err(state.message(
            StatusCode::OK,
            "This laptop is already revoked",
            &["It erases itself the next time it contacts the hub."],
            ("/console/laptops", "Go to laptops"),
            Some(&signed.session),
        )),
        Some(laptop) => Ok(laptop),
    }
}

/// `GET /console/laptops/{id}/revoke`: what revoking does, and the button.
pub(in crate::console) async fn revoke_page(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let signed = match admin_gate(&state, peer, &headers).await {
        Ok(signed) => signed,
        Err(response) => return *response,
    };
    match revocable(&state, &signed, &id).await {
        Ok(laptop) => page(
            StatusCode::OK,
            &RevokePage {
                frame: state.frame(
                    &format!("Revoke {}", laptop.name),
                    Errors::default(),
                    Some(&signed.session),
                ),
                csrf: signed.session.csrf.clone(),
                laptop,
            },
        ),
        Err(response) => response,
    }
}

/// `POST /console/laptops/{id}/revoke`.
pub(in crate::console) async fn revoke(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: Result<Form<FormFields>, FormRejection>,
) -> Response {
    let back = format!("/console/laptops/{id}/revoke");
    let (signed, _) = match admin_form(&state, peer, &headers, form, "revoke-device", &back).await {
        Ok(read) => read,
        Err(response) => return *response,
    };
    if let Err(response) = revocable(&state, &signed, &id).await {
        return response;
    }
    let actor = signed.session.user.id.as_str();
    match admin::revoke_device(state.hub(), Some(actor), &id, state.now()).await {
        Ok(()) => redirect("/console/laptops"),
        Err(StoreError::Refused(_)) => state.not_found_page(Some(&signed.session)),
        Err(error) => state.unavailable(&error, Some(&signed.session)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_enrolment_qr_code_holds_the_hub_and_the_code() {
        let text = enrolment_text("https://hub.council.example/doorstep", "K7M2Q-9XRTA-4HWZC");
        assert_eq!(
            text,
            "doorstep-enrol:?hub=https%3A%2F%2Fhub%2Ecouncil%2Eexample%2Fdoorstep&code=K7M2Q%2D9XRTA%2D4HWZC"
        );
        let qr = Qr::new(&text, "A label", Vec::new());
        let svg = qr.map(|q| q.svg).unwrap_or_default();
        assert!(
            svg.starts_with("<svg role=\"img\" aria-label=\"A label\""),
            "{svg}"
        );
        assert!(
            svg.contains("<title>A label</title>") && svg.ends_with("</svg>"),
            "{svg}"
        );
        assert!(!svg.contains("style="), "nothing the CSP refuses: {svg}");
    }
}
