//! The administrator's contractor firms and their portal users: the list of firms and a
//! form to add one, and a firm's page with its users, a form to add one (their one-time
//! initial password shown once), turning a user off or on, and a new second factor (its
//! key shown once). Every change goes through [`crate::portal::admin`], the functions
//! `doorstep-hub admin portal …` runs, audited with the administrator's id; a form with a
//! problem shows a GOV.UK error summary and changes nothing; an unknown firm or a user of
//! another firm answers 404.

use std::net::SocketAddr;

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::people::name_problem;
use super::{FormFields, Signed, admin_form, admin_gate, text};
use crate::console::ConsoleState;
use crate::console::pages::{Errors, FirmPage, FirmsPage, Qr, ShownOncePage};
use crate::console::store::FirmRow;
use crate::model::{Refusal, StoreError};
use crate::portal::admin::{
    self as portal_admin, AdminError, add_agency_audited, add_firm_audited, add_firm_user_audited,
    is_firm_id,
};
use crate::web::respond::{page, redirect};

/// `GET /console/firms`.
pub(in crate::console) async fn firms(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let signed = match admin_gate(&state, peer, &headers).await {
        Ok(signed) => signed,
        Err(response) => return *response,
    };
    firms_page(&state, &signed, StatusCode::OK, "", "", Errors::default()).await
}

async fn firms_page(
    state: &ConsoleState,
    signed: &Signed,
    status: StatusCode,
    id: &str,
    name: &str,
    errors: Errors,
) -> Response {
    let session = &signed.session;
    match state.store().firms().await {
        Ok(firms) => {
            // The directory's agencies not yet given a portal inbox.
            let agencies = crate::referrals::directory()
                .map(|d| {
                    d.agencies
                        .iter()
                        .filter(|a| !firms.iter().any(|f| f.id == a.id))
                        .map(|a| (a.id.clone(), a.name.clone()))
                        .collect()
                })
                .unwrap_or_default();
            page(
                status,
                &FirmsPage {
                    frame: state.frame("Firms and agencies", errors, Some(session)),
                    csrf: session.csrf.clone(),
                    firms,
                    id: id.to_owned(),
                    name: name.to_owned(),
                    agencies,
                },
            )
        }
        Err(error) => state.unavailable(&error, Some(session)),
    }
}

/// `POST /console/agencies`: gives a partner agency from the directory its inbox.
pub(in crate::console) async fn add_agency(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<FormFields>, FormRejection>,
) -> Response {
    let (signed, form) =
        match admin_form(&state, peer, &headers, form, "add-agency", "/console/firms").await {
            Ok(read) => read,
            Err(response) => return *response,
        };
    let agency = text(form.agency.as_ref());
    let mut errors = Errors::default();
    if agency.is_empty() {
        errors.add("agency", "Choose the agency to add");
    } else {
        let actor = signed.session.user.id.as_str();
        match add_agency_audited(state.hub(), Some(actor), &agency, None, state.now()).await {
            Ok(id) => return redirect(&format!("/console/firms/{id}")),
            Err(AdminError::Store(StoreError::Refused(Refusal::Duplicate(_)))) => {
                errors.add("agency", "This agency already has its inbox");
            }
            Err(AdminError::Invalid(problem)) => errors.add("agency", problem),
            Err(AdminError::Store(error)) => {
                return state.unavailable(&error, Some(&signed.session));
            }
            Err(AdminError::Auth(error)) => {
                let error = StoreError::Backend(error.to_string());
                return state.unavailable(&error, Some(&signed.session));
            }
        }
    }
    firms_page(&state, &signed, StatusCode::BAD_REQUEST, "", "", errors).await
}

/// `POST /console/firms`: adds a firm.
pub(in crate::console) async fn add_firm(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<FormFields>, FormRejection>,
) -> Response {
    let (signed, form) =
        match admin_form(&state, peer, &headers, form, "add-firm", "/console/firms").await {
            Ok(read) => read,
            Err(response) => return *response,
        };
    let id = text(form.id.as_ref());
    let name = text(form.name.as_ref());
    let mut errors = Errors::default();
    if id.is_empty() {
        errors.add("id", "Enter the firm's id");
    } else if !is_firm_id(&id) {
        errors.add(
            "id",
            "Enter the firm's id as in contractors.toml: lower-case letters, digits and _, starting with a letter",
        );
    }
    if let Some(problem) = name_problem(&name, "firm's name") {
        errors.add("name", problem);
    }
    if !errors.any() {
        let actor = signed.session.user.id.as_str();
        match add_firm_audited(state.hub(), Some(actor), &id, &name, state.now()).await {
            Ok(id) => return redirect(&format!("/console/firms/{id}")),
            Err(AdminError::Store(StoreError::Refused(Refusal::Duplicate(_)))) => {
                errors.add("id", "There is already a firm with this id");
            }
            Err(AdminError::Invalid(problem)) => errors.add("", problem),
            Err(AdminError::Store(error)) => {
                return state.unavailable(&error, Some(&signed.session));
            }
            Err(AdminError::Auth(error)) => {
                let error = StoreError::Backend(error.to_string());
                return state.unavailable(&error, Some(&signed.session));
            }
        }
    }
    firms_page(&state, &signed, StatusCode::BAD_REQUEST, &id, &name, errors).await
}

/// The firm `id`, or the page to show instead (404 for an unknown one).
async fn known_firm(state: &ConsoleState, signed: &Signed, id: &str) -> Result<FirmRow, Response> {
    match state.store().firm(id).await {
        Ok(Some(firm)) => Ok(firm),
        Ok(None) => Err(state.not_found_page(Some(&signed.session))),
        Err(error) => Err(state.unavailable(&error, Some(&signed.session))),
    }
}

/// The firm's page, with what the add-a-user form shows again.
async fn firm_page(
    state: &ConsoleState,
    signed: &Signed,
    firm: FirmRow,
    status: StatusCode,
    typed: (&str, &str),
    errors: Errors,
) -> Response {
    let session = &signed.session;
    match state.store().firm_users(&firm.id).await {
        Ok(users) => page(
            status,
            &FirmPage {
                frame: state.frame(&firm.name, errors, Some(session)),
                csrf: session.csrf.clone(),
                firm,
                users,
                name: typed.0.to_owned(),
                email: typed.1.to_owned(),
            },
        ),
        Err(error) => state.unavailable(&error, Some(session)),
    }
}

/// `GET /console/firms/{id}`.
pub(in crate::console) async fn firm(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let signed = match admin_gate(&state, peer, &headers).await {
        Ok(signed) => signed,
        Err(response) => return *response,
    };
    match known_firm(&state, &signed, &id).await {
        Ok(firm) => {
            firm_page(
                &state,
                &signed,
                firm,
                StatusCode::OK,
                ("", ""),
                Errors::default(),
            )
            .await
        }
        Err(response) => response,
    }
}

/// `POST /console/firms/{id}/users`: adds a portal user; their initial password is shown
/// once.
pub(in crate::console) async fn add_user(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: Result<Form<FormFields>, FormRejection>,
) -> Response {
    let back = format!("/console/firms/{id}");
    let (signed, form) =
        match admin_form(&state, peer, &headers, form, "add-firm-user", &back).await {
            Ok(read) => read,
            Err(response) => return *response,
        };
    let firm = match known_firm(&state, &signed, &id).await {
        Ok(firm) => firm,
        Err(response) => return response,
    };
    let name = text(form.name.as_ref());
    let email = text(form.email.as_ref()).to_lowercase();
    let mut errors = Errors::default();
    if let Some(problem) = name_problem(&name, "person's name") {
        errors.add("name", problem);
    }
    if email.is_empty() {
        errors.add("email", "Enter the email address they will sign in with");
    } else if let Err(message) = doorstep_core::validation::email(&email) {
        errors.add("email", message);
    }
    if errors.any() {
        let typed = (name.as_str(), email.as_str());
        return firm_page(
            &state,
            &signed,
            firm,
            StatusCode::BAD_REQUEST,
            typed,
            errors,
        )
        .await;
    }
    let actor = signed.session.user.id.as_str();
    let now = state.now();
    let added =
        add_firm_user_audited(state.hub(), Some(actor), &firm.id, &email, &name, None, now).await;
    let added = match added {
        Ok(added) => added,
        Err(error) => {
            let errors = match error {
                AdminError::Store(StoreError::Refused(Refusal::Duplicate(_))) => Errors::one(
                    "email",
                    "Someone already signs in to the portal with this email address: enter another",
                ),
                AdminError::Invalid(problem) => Errors::one("email", problem),
                AdminError::Store(StoreError::Refused(refusal)) => {
                    Errors::one("", format!("This could not be done: {refusal}"))
                }
                AdminError::Store(error) => {
                    return state.unavailable(&error, Some(&signed.session));
                }
                AdminError::Auth(error) => {
                    let error = StoreError::Backend(error.to_string());
                    return state.unavailable(&error, Some(&signed.session));
                }
            };
            let typed = (name.as_str(), email.as_str());
            return firm_page(
                &state,
                &signed,
                firm,
                StatusCode::BAD_REQUEST,
                typed,
                errors,
            )
            .await;
        }
    };
    let Some(password) = added.initial_password else {
        return redirect(&back);
    };
    let sign_in = format!("{}/portal/sign-in", state.hub_url(peer, &headers));
    page(
        StatusCode::OK,
        &ShownOncePage {
            frame: state.frame(
                "Portal initial password",
                Errors::default(),
                Some(&signed.session),
            ),
            person: name,
            what: "Initial password".into(),
            secret: password,
            paragraphs: vec![
                format!(
                    "Give this password to them yourself, by a route you trust: it is shown only now. They sign in at {sign_in} with {email}."
                ),
                "It works once: at their first sign-in they choose a password of their own."
                    .to_owned(),
            ],
            link_href: back,
            qr: None,
        },
    )
}

/// Reads an administrator's form about user `user` of firm `id`, who must be one of its
/// users (else 404).
async fn firm_user_form(
    state: &ConsoleState,
    peer: SocketAddr,
    headers: &HeaderMap,
    form: Result<Form<FormFields>, FormRejection>,
    (id, user): (&str, &str),
    action: &str,
) -> Result<(Signed, FormFields, FirmRow, String), Response> {
    let back = format!("/console/firms/{id}");
    let (signed, form) = admin_form(state, peer, headers, form, action, &back)
        .await
        .map_err(|r| *r)?;
    let firm = known_firm(state, &signed, id).await?;
    match state.store().firm_users(&firm.id).await {
        Ok(users) => match users.into_iter().find(|u| u.id == user) {
            Some(found) => Ok((signed, form, firm, found.name)),
            None => Err(state.not_found_page(Some(&signed.session))),
        },
        Err(error) => Err(state.unavailable(&error, Some(&signed.session))),
    }
}

/// After a change to a firm user: the firm's page, or a refusal shown on it.
async fn after_change<T>(
    state: &ConsoleState,
    signed: &Signed,
    firm: FirmRow,
    done: Result<T, AdminError>,
) -> Response {
    let back = format!("/console/firms/{}", firm.id);
    let problem = match done {
        Ok(_) => return redirect(&back),
        Err(AdminError::Store(StoreError::Refused(refusal))) => {
            format!("This could not be done: {refusal}")
        }
        Err(AdminError::Invalid(problem)) => problem,
        Err(AdminError::Store(error)) => return state.unavailable(&error, Some(&signed.session)),
        Err(AdminError::Auth(error)) => {
            let error = StoreError::Backend(error.to_string());
            return state.unavailable(&error, Some(&signed.session));
        }
    };
    let errors = Errors::one("", problem);
    firm_page(
        state,
        signed,
        firm,
        StatusCode::BAD_REQUEST,
        ("", ""),
        errors,
    )
    .await
}

/// `POST /console/firms/{id}/users/{user}/access`: turns a portal user off (their sessions
/// end) or on again.
pub(in crate::console) async fn access(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path((id, user)): Path<(String, String)>,
    headers: HeaderMap,
    form: Result<Form<FormFields>, FormRejection>,
) -> Response {
    let read = firm_user_form(
        &state,
        peer,
        &headers,
        form,
        (&id, &user),
        "firm-user-access",
    );
    let (signed, form, firm, _) = match read.await {
        Ok(read) => read,
        Err(response) => return response,
    };
    let disabled = match text(form.access.as_ref()).as_str() {
        "off" => true,
        "on" => false,
        _ => {
            let errors = Errors::one("", "Choose whether to turn their portal access on or off");
            return firm_page(
                &state,
                &signed,
                firm,
                StatusCode::BAD_REQUEST,
                ("", ""),
                errors,
            )
            .await;
        }
    };
    let actor = signed.session.user.id.as_str();
    let done = portal_admin::set_firm_user_disabled(
        state.hub(),
        Some(actor),
        &user,
        disabled,
        state.now(),
    )
    .await;
    after_change(&state, &signed, firm, done).await
}

/// `POST /console/firms/{id}/users/{user}/second-factor`: a new second factor (its key
/// shown once, as text and as a QR code for an authenticator app) or none.
pub(in crate::console) async fn second_factor(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path((id, user)): Path<(String, String)>,
    headers: HeaderMap,
    form: Result<Form<FormFields>, FormRejection>,
) -> Response {
    let read = firm_user_form(&state, peer, &headers, form, (&id, &user), "firm-user-totp");
    let (signed, form, firm, name) = match read.await {
        Ok(read) => read,
        Err(response) => return response,
    };
    let remove = match text(form.second_factor.as_ref()).as_str() {
        "new" => false,
        "remove" => true,
        _ => {
            let errors = Errors::one("", "Choose a new second factor or none");
            return firm_page(
                &state,
                &signed,
                firm,
                StatusCode::BAD_REQUEST,
                ("", ""),
                errors,
            )
            .await;
        }
    };
    let actor = signed.session.user.id.as_str();
    let done =
        portal_admin::set_totp_audited(state.hub(), Some(actor), &user, remove, state.now()).await;
    let uri = match done {
        Ok(Some(uri)) => uri,
        other => return after_change(&state, &signed, firm, other).await,
    };
    let back = format!("/console/firms/{}", firm.id);
    let qr = Qr::new(
        &uri,
        "QR code of the new security code key, for an authenticator app",
        Vec::new(),
    );
    page(
        StatusCode::OK,
        &ShownOncePage {
            frame: state.frame(
                "Portal second factor",
                Errors::default(),
                Some(&signed.session),
            ),
            person: name,
            what: "Authenticator app key".into(),
            secret: uri,
            paragraphs: vec![
                "Their old security codes no longer work. Add this key to their authenticator app, by scanning the QR code or typing it in, yourself or by a route you trust. It is shown only now.".to_owned(),
            ],
            link_href: back,
            qr,
        },
    )
}
