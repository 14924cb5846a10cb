//! The administrator's teams and people: the lists, adding a team or a person, and one
//! person's page where their role, team and console access change. Every change goes
//! through [`crate::admin`] (what `doorstep-hub admin …` runs), audited with the
//! administrator's id; a form with a problem shows a GOV.UK error summary and changes
//! nothing; an id that is not a person answers 404.

use std::net::SocketAddr;

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use doorstep_core::Role;

use super::{FormFields, Signed, admin_form, admin_gate, text};
use crate::admin::{self, NewPerson};
use crate::console::ConsoleState;
use crate::console::access::{ROLES_OFFERED, needs_totp};
use crate::console::pages::{
    Choice, Errors, NewPersonPage, PeoplePage, PersonPage, PersonView, ShownOncePage, TeamsPage,
    role_choices, team_choices,
};
use crate::console::store::TeamRow;
use crate::model::{Refusal, StoreError};
use crate::web::respond::{page, redirect};

/// The longest name or team name accepted.
const MAX_NAME_CHARS: usize = 80;
/// The problem with a typed name, if any.
pub(super) fn name_problem(name: &str, what: &str) -> Option<String> {
    if name.is_empty() {
        Some(format!("Enter the {what}"))
    } else if name.chars().count() > MAX_NAME_CHARS {
        Some(format!(
            "The {what} must be {MAX_NAME_CHARS} characters or fewer"
        ))
    } else if name.chars().any(char::is_control) {
        Some(format!(
            "The {what} must be letters, numbers and punctuation only"
        ))
    } else {
        None
    }
}

/// An offered role from a form, if it is one.
fn offered_role(value: &str) -> Option<Role> {
    Role::parse(value).filter(|r| ROLES_OFFERED.contains(r))
}

/// `GET /console/teams`.
pub(in crate::console) async fn teams(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let signed = match admin_gate(&state, peer, &headers).await {
        Ok(signed) => signed,
        Err(response) => return *response,
    };
    teams_page(&state, &signed, StatusCode::OK, "", "", Errors::default()).await
}

async fn teams_page(
    state: &ConsoleState,
    signed: &Signed,
    status: StatusCode,
    name: &str,
    org: &str,
    errors: Errors,
) -> Response {
    let session = &signed.session;
    let (teams, orgs) = match (
        state.store().teams().await,
        state.store().organisations().await,
    ) {
        (Ok(teams), Ok(orgs)) => (teams, orgs),
        (Err(error), _) | (_, Err(error)) => return state.unavailable(&error, Some(session)),
    };
    page(
        status,
        &TeamsPage {
            frame: state.frame("Teams", errors, Some(session)),
            csrf: session.csrf.clone(),
            teams,
            orgs: orgs
                .into_iter()
                .map(|(id, label)| Choice {
                    selected: id == org,
                    value: id,
                    label,
                })
                .collect(),
            name: name.to_owned(),
        },
    )
}

/// `POST /console/teams`: adds a team.
pub(in crate::console) async fn add_team(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<FormFields>, FormRejection>,
) -> Response {
    let (signed, form) =
        match admin_form(&state, peer, &headers, form, "add-team", "/console/teams").await {
            Ok(read) => read,
            Err(response) => return *response,
        };
    let name = text(form.name.as_ref());
    let org = text(form.org.as_ref());
    let mut errors = Errors::default();
    if let Some(problem) = name_problem(&name, "team's name") {
        errors.add("name", problem);
    }
    let orgs = match state.store().organisations().await {
        Ok(orgs) => orgs,
        Err(error) => return state.unavailable(&error, Some(&signed.session)),
    };
    if !orgs.iter().any(|(id, _)| *id == org) {
        errors.add("org", "Select the organisation the team belongs to");
    }
    if !errors.any() {
        let actor = signed.session.user.id.as_str();
        match admin::add_team(state.hub(), Some(actor), &org, &name, state.now()).await {
            Ok(_) => return redirect("/console/teams"),
            Err(StoreError::Refused(Refusal::Duplicate(_))) => {
                errors.add(
                    "name",
                    "There is already a team with this name: choose another",
                );
            }
            Err(error) => return state.unavailable(&error, Some(&signed.session)),
        }
    }
    teams_page(
        &state,
        &signed,
        StatusCode::BAD_REQUEST,
        &name,
        &org,
        errors,
    )
    .await
}

/// `GET /console/people`.
pub(in crate::console) async fn people(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let signed = match admin_gate(&state, peer, &headers).await {
        Ok(signed) => signed,
        Err(response) => return *response,
    };
    let session = &signed.session;
    match state.store().people().await {
        Ok(people) => page(
            StatusCode::OK,
            &PeoplePage {
                frame: state.frame("People", Errors::default(), Some(session)),
                people: people.into_iter().map(PersonView::from).collect(),
            },
        ),
        Err(error) => state.unavailable(&error, Some(session)),
    }
}

/// What the add-a-person form shows again.
struct Typed<'a> {
    name: &'a str,
    team: &'a str,
    role: &'a str,
    email: &'a str,
}

async fn new_person_form(
    state: &ConsoleState,
    signed: &Signed,
    status: StatusCode,
    typed: &Typed<'_>,
    errors: Errors,
) -> Response {
    let session = &signed.session;
    let teams = match state.store().teams().await {
        Ok(teams) => teams,
        Err(error) => return state.unavailable(&error, Some(session)),
    };
    page(
        status,
        &NewPersonPage {
            frame: state.frame("Add a person", errors, Some(session)),
            csrf: session.csrf.clone(),
            name: typed.name.to_owned(),
            email: typed.email.to_owned(),
            teams: team_choices(&teams, typed.team),
            roles: role_choices(typed.role),
        },
    )
}

/// `GET /console/people/new`.
pub(in crate::console) async fn new_person_page(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let signed = match admin_gate(&state, peer, &headers).await {
        Ok(signed) => signed,
        Err(response) => return *response,
    };
    let typed = Typed {
        name: "",
        team: "",
        role: Role::Officer.as_str(),
        email: "",
    };
    new_person_form(&state, &signed, StatusCode::OK, &typed, Errors::default()).await
}

/// `POST /console/people/new`: adds a person, and with an email their console account.
pub(in crate::console) async fn new_person(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<FormFields>, FormRejection>,
) -> Response {
    let (signed, form) = match admin_form(
        &state,
        peer,
        &headers,
        form,
        "add-user",
        "/console/people/new",
    )
    .await
    {
        Ok(read) => read,
        Err(response) => return *response,
    };
    let (name, team, role_text, email) = (
        text(form.name.as_ref()),
        text(form.team.as_ref()),
        text(form.role.as_ref()),
        text(form.email.as_ref()).to_lowercase(),
    );
    let typed = Typed {
        name: &name,
        team: &team,
        role: &role_text,
        email: &email,
    };
    let mut errors = Errors::default();
    if let Some(problem) = name_problem(&name, "person's name") {
        errors.add("name", problem);
    }
    let teams: Vec<TeamRow> = match state.store().teams().await {
        Ok(teams) => teams,
        Err(error) => return state.unavailable(&error, Some(&signed.session)),
    };
    if !teams.iter().any(|t| t.id == team) {
        errors.add("team", "Select the person's team");
    }
    let role = offered_role(&role_text);
    match role {
        None => errors.add("role", "Select the person's role"),
        Some(role) if email.is_empty() && needs_totp(role) => errors.add(
            "email",
            format!(
                "Enter an email address: a {} works in this console",
                role.label()
            ),
        ),
        Some(_) => {}
    }
    // The same rule as everywhere else an email is typed (the laptop's forms too).
    if !email.is_empty()
        && let Err(message) = doorstep_core::validation::email(&email)
    {
        errors.add("email", message);
    }
    let Some(role) = role.filter(|_| !errors.any()) else {
        return new_person_form(&state, &signed, StatusCode::BAD_REQUEST, &typed, errors).await;
    };
    let person = NewPerson {
        team: team.clone(),
        name: name.clone(),
        role,
        email: (!email.is_empty()).then(|| email.clone()),
    };
    let actor = signed.session.user.id.as_str();
    let added = admin::add_user(
        state.hub(),
        Some(actor),
        &person,
        state.inner.link_secs,
        state.now(),
    )
    .await;
    let added = match added {
        Ok(added) => added,
        Err(StoreError::Refused(Refusal::Duplicate(_))) => {
            let errors = Errors::one(
                "email",
                "Someone already signs in with this email address: enter another",
            );
            return new_person_form(&state, &signed, StatusCode::BAD_REQUEST, &typed, errors).await;
        }
        Err(error) => return state.unavailable(&error, Some(&signed.session)),
    };
    let Some(token) = added.setup_token else {
        return redirect(&format!("/console/people/{}", added.id));
    };
    let hub_url = state.hub_url(peer, &headers);
    set_up_link_page(&state, &signed, &hub_url, &added.id, name, &email, &token)
}

/// The new console account's one-time set-up link, shown once: after adding a person with
/// an email, or giving an existing person console access.
fn set_up_link_page(
    state: &ConsoleState,
    signed: &Signed,
    hub_url: &str,
    id: &str,
    name: String,
    email: &str,
    token: &str,
) -> Response {
    let hours = state.inner.link_secs / 3600;
    page(
        StatusCode::OK,
        &ShownOncePage {
            frame: state.frame(
                "Console set-up link",
                Errors::default(),
                Some(&signed.session),
            ),
            person: name,
            what: "Set-up link".into(),
            secret: format!("{hub_url}{}", admin::setup_path(token)),
            paragraphs: vec![
                format!(
                    "Send this link to {email} yourself, by a route you trust. It is shown only now."
                ),
                format!(
                    "It works once, for {hours} hours: they choose a password there and, if their role needs one, set up a security code."
                ),
            ],
            link_href: format!("/console/people/{id}"),
            qr: None,
        },
    )
}

/// The person `id`'s page, with `errors` from a form on it.
async fn person_page(
    state: &ConsoleState,
    signed: &Signed,
    id: &str,
    status: StatusCode,
    errors: Errors,
) -> Response {
    person_page_typed(state, signed, id, status, errors, "").await
}

/// The person `id`'s page, with `errors` and the email typed in its console access form.
async fn person_page_typed(
    state: &ConsoleState,
    signed: &Signed,
    id: &str,
    status: StatusCode,
    errors: Errors,
    email: &str,
) -> Response {
    let session = &signed.session;
    let (person, teams) = match (state.store().person(id).await, state.store().teams().await) {
        (Ok(Some(person)), Ok(teams)) => (person, teams),
        (Ok(None), _) => return state.not_found_page(Some(session)),
        (Err(error), _) | (_, Err(error)) => return state.unavailable(&error, Some(session)),
    };
    let person = PersonView::from(person);
    page(
        status,
        &PersonPage {
            frame: state.frame(&person.name, errors, Some(session)),
            csrf: session.csrf.clone(),
            teams: team_choices(&teams, &person.team_id),
            roles: role_choices(&person.role),
            person,
            email: email.to_owned(),
        },
    )
}

/// `GET /console/people/{id}`.
pub(in crate::console) async fn person(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let signed = match admin_gate(&state, peer, &headers).await {
        Ok(signed) => signed,
        Err(response) => return *response,
    };
    person_page(&state, &signed, &id, StatusCode::OK, Errors::default()).await
}

/// Reads an administrator's form about person `id`, who must exist (else 404).
async fn person_form(
    state: &ConsoleState,
    peer: SocketAddr,
    headers: &HeaderMap,
    form: Result<Form<FormFields>, FormRejection>,
    id: &str,
    action: &str,
) -> Result<(Signed, FormFields), Response> {
    let back = format!("/console/people/{id}");
    let (signed, form) = admin_form(state, peer, headers, form, action, &back)
        .await
        .map_err(|r| *r)?;
    match state.store().person(id).await {
        Ok(Some(_)) => Ok((signed, form)),
        Ok(None) => Err(state.not_found_page(Some(&signed.session))),
        Err(error) => Err(state.unavailable(&error, Some(&signed.session))),
    }
}

/// After a change to person `id`: their page, or a refusal shown on it.
async fn after_change(
    state: &ConsoleState,
    signed: &Signed,
    id: &str,
    done: Result<String, StoreError>,
    field: &str,
) -> Response {
    match done {
        Ok(_) => redirect(&format!("/console/people/{id}")),
        Err(StoreError::Refused(refusal)) => {
            let errors = Errors::one(field, format!("This could not be done: {refusal}"));
            person_page(state, signed, id, StatusCode::BAD_REQUEST, errors).await
        }
        Err(error) => state.unavailable(&error, Some(&signed.session)),
    }
}

/// `POST /console/people/{id}/role`.
pub(in crate::console) async fn change_role(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: Result<Form<FormFields>, FormRejection>,
) -> Response {
    let (signed, form) = match person_form(&state, peer, &headers, form, &id, "set-role").await {
        Ok(read) => read,
        Err(response) => return response,
    };
    let Some(role) = offered_role(&text(form.role.as_ref())) else {
        let errors = Errors::one("role", "Select a role");
        return person_page(&state, &signed, &id, StatusCode::BAD_REQUEST, errors).await;
    };
    let actor = signed.session.user.id.as_str();
    let done = admin::set_role(state.hub(), Some(actor), &id, role, state.now()).await;
    after_change(&state, &signed, &id, done, "role").await
}

/// `POST /console/people/{id}/team`.
pub(in crate::console) async fn move_team(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: Result<Form<FormFields>, FormRejection>,
) -> Response {
    let (signed, form) = match person_form(&state, peer, &headers, form, &id, "move-user").await {
        Ok(read) => read,
        Err(response) => return response,
    };
    let team = text(form.team.as_ref());
    let known = match state.store().teams().await {
        Ok(teams) => teams.iter().any(|t| t.id == team),
        Err(error) => return state.unavailable(&error, Some(&signed.session)),
    };
    if !known {
        let errors = Errors::one("team", "Select a team");
        return person_page(&state, &signed, &id, StatusCode::BAD_REQUEST, errors).await;
    }
    let actor = signed.session.user.id.as_str();
    let done = admin::move_user(state.hub(), Some(actor), &id, &team, state.now()).await;
    after_change(&state, &signed, &id, done, "team").await
}

/// `POST /console/people/{id}/access`: turns their console access off or on.
pub(in crate::console) async fn access(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: Result<Form<FormFields>, FormRejection>,
) -> Response {
    let (signed, form) = match person_form(&state, peer, &headers, form, &id, "access").await {
        Ok(read) => read,
        Err(response) => return response,
    };
    let disabled = match text(form.access.as_ref()).as_str() {
        "off" => true,
        "on" => false,
        _ => {
            let errors = Errors::one("", "Choose whether to turn console access on or off");
            return person_page(&state, &signed, &id, StatusCode::BAD_REQUEST, errors).await;
        }
    };
    let actor = signed.session.user.id.as_str();
    let done = admin::set_console_disabled(state.hub(), Some(actor), &id, disabled, state.now())
        .await
        .map(|()| id.clone());
    after_change(&state, &signed, &id, done, "").await
}

/// `POST /console/people/{id}/set-up-link`: a new one-time set-up link, shown once.
pub(in crate::console) async fn renew_set_up_link(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: Result<Form<FormFields>, FormRejection>,
) -> Response {
    let (signed, _) = match person_form(&state, peer, &headers, form, &id, "set-up-link").await {
        Ok(read) => read,
        Err(response) => return response,
    };
    let actor = signed.session.user.id.as_str();
    let secs = state.inner.link_secs;
    let renewed = admin::renew_set_up_link(state.hub(), Some(actor), &id, secs, state.now()).await;
    let token = match renewed {
        Ok(token) => token,
        Err(StoreError::Refused(Refusal::NotFound(_))) => {
            let errors = Errors::one(
                "",
                "This person has no console account: add one with an email",
            );
            return person_page(&state, &signed, &id, StatusCode::BAD_REQUEST, errors).await;
        }
        Err(error) => return state.unavailable(&error, Some(&signed.session)),
    };
    let person = match state.store().person(&id).await {
        Ok(Some(person)) => person,
        Ok(None) => return state.not_found_page(Some(&signed.session)),
        Err(error) => return state.unavailable(&error, Some(&signed.session)),
    };
    page(
        StatusCode::OK,
        &ShownOncePage {
            frame: state.frame("Console set-up link", Errors::default(), Some(&signed.session)),
            person: person.name,
            what: "Set-up link".into(),
            secret: format!("{}{}", state.hub_url(peer, &headers), admin::setup_path(&token)),
            paragraphs: vec![
                "Their password and security code no longer work, and they were signed out. Send them this link yourself, by a route you trust. It is shown only now.".to_owned(),
                format!("It works once, for {} hours.", secs / 3600),
            ],
            link_href: format!("/console/people/{id}"),
            qr: None,
        },
    )
}

/// `POST /console/people/{id}/console-account`: gives a person who has no console account
/// one, and shows its one-time set-up link (as adding a person with an email does).
pub(in crate::console) async fn add_console_account(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: Result<Form<FormFields>, FormRejection>,
) -> Response {
    let (signed, form) =
        match person_form(&state, peer, &headers, form, &id, "add-console-account").await {
            Ok(read) => read,
            Err(response) => return response,
        };
    let email = text(form.email.as_ref()).to_lowercase();
    let refuse = |field: &'static str, message: String| {
        let errors = Errors::one(field, message);
        person_page_typed(
            &state,
            &signed,
            &id,
            StatusCode::BAD_REQUEST,
            errors,
            &email,
        )
    };
    // The same rule as everywhere else an email is typed.
    if let Err(message) = doorstep_core::validation::email(&email) {
        return refuse("email", message.to_owned()).await;
    }
    let actor = signed.session.user.id.as_str();
    let secs = state.inner.link_secs;
    let added =
        admin::add_console_account(state.hub(), Some(actor), &id, &email, secs, state.now()).await;
    let token = match added {
        Ok(token) => token,
        Err(StoreError::Refused(Refusal::Duplicate(_))) => {
            let message = "Someone already signs in with this email address: enter another";
            return refuse("email", message.to_owned()).await;
        }
        Err(StoreError::Refused(refusal)) => {
            return refuse("", format!("This could not be done: {refusal}")).await;
        }
        Err(error) => return state.unavailable(&error, Some(&signed.session)),
    };
    let person = match state.store().person(&id).await {
        Ok(Some(person)) => person,
        Ok(None) => return state.not_found_page(Some(&signed.session)),
        Err(error) => return state.unavailable(&error, Some(&signed.session)),
    };
    let hub_url = state.hub_url(peer, &headers);
    set_up_link_page(&state, &signed, &hub_url, &id, person.name, &email, &token)
}
