//! The administrator moves a household, and every record about it, to another team: the
//! command line's `admin transfer-household`, through the same function
//! ([`crate::admin::transfer_household`]), audited with the administrator's id.

use std::net::SocketAddr;

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::{Signed, admin_form, admin_gate, text};
use crate::admin;
use crate::console::ConsoleState;
use crate::console::pages::{Errors, MoveHouseholdPage, team_choices};
use crate::model::{Refusal, StoreError};
use crate::web::respond::page;

/// The form, with what was typed and the problems found.
async fn move_page(
    state: &ConsoleState,
    signed: &Signed,
    status: StatusCode,
    (household, team): (&str, &str),
    errors: Errors,
) -> Response {
    let session = &signed.session;
    let teams = match state.store().teams().await {
        Ok(teams) => teams,
        Err(error) => return state.unavailable(&error, Some(session)),
    };
    page(
        status,
        &MoveHouseholdPage {
            frame: state.frame("Move a household to another team", errors, Some(session)),
            csrf: session.csrf.clone(),
            household: household.to_owned(),
            teams: team_choices(&teams, team),
        },
    )
}

/// `GET /console/teams/move-household`.
pub(in crate::console) async fn move_household_page(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    match admin_gate(&state, peer, &headers).await {
        Ok(signed) => move_page(&state, &signed, StatusCode::OK, ("", ""), Errors::default()).await,
        Err(response) => *response,
    }
}

/// `POST /console/teams/move-household`: moves it, or says why not and moves nothing.
pub(in crate::console) async fn move_household(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<super::FormFields>, FormRejection>,
) -> Response {
    let back = "/console/teams/move-household";
    let (signed, form) =
        match admin_form(&state, peer, &headers, form, "transfer-household", back).await {
            Ok(read) => read,
            Err(response) => return *response,
        };
    let (household, team) = (text(form.id.as_ref()), text(form.team.as_ref()));
    let known = match state.store().teams().await {
        Ok(teams) => teams.iter().any(|t| t.id == team),
        Err(error) => return state.unavailable(&error, Some(&signed.session)),
    };
    let mut errors = Errors::default();
    if household.is_empty() {
        errors.add(
            "id",
            "Enter the household's reference, from its page in the console",
        );
    }
    if !known {
        errors.add("team", "Select the team to move it to");
    }
    let typed = (household.as_str(), team.as_str());
    if errors.any() {
        return move_page(&state, &signed, StatusCode::BAD_REQUEST, typed, errors).await;
    }
    let actor = signed.session.user.id.as_str();
    let moved =
        admin::transfer_household(state.hub(), Some(actor), &household, &team, state.now()).await;
    let refused = |field: &str, message: String| Errors::one(field, message);
    match moved {
        Ok(moved) => state.message(
            StatusCode::OK,
            "Household moved",
            &[
                &format!(
                    "{} records moved to the new team. Its laptops receive them at their next sync.",
                    moved.moved.len()
                ),
                "The old team's laptops drop them at their next sync; a change one had not sent yet is set aside there for the officer to pass on.",
            ],
            ("/console/teams", "Go to teams"),
            Some(&signed.session),
        ),
        Err(StoreError::Refused(Refusal::NotFound(_))) => {
            let errors = refused(
                "id",
                "There is no household with that reference: copy it from the household's page".into(),
            );
            move_page(&state, &signed, StatusCode::BAD_REQUEST, typed, errors).await
        }
        Err(StoreError::Refused(Refusal::Invalid(why))) => {
            let errors = refused("team", why);
            move_page(&state, &signed, StatusCode::BAD_REQUEST, typed, errors).await
        }
        Err(error) => state.unavailable(&error, Some(&signed.session)),
    }
}
