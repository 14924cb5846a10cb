//! The account's own page: choosing a new password (required after an initial one).

use std::net::SocketAddr;

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::FormFields;
use super::gate::{gate, signed_form};
use crate::model::StoreError;
use crate::portal::PortalState;
use crate::portal::pages::{Errors, PasswordPage};
use crate::web::password::{hash_password, matches, password_problem};
use crate::web::respond::{page, redirect};
use crate::web::session::Allow;

/// `GET /portal/password`.
pub(in crate::portal) async fn password_page(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let signed = match gate(&state, peer, &headers, Allow::Password).await {
        Ok(signed) => signed,
        Err(response) => return *response,
    };
    page(
        StatusCode::OK,
        &PasswordPage {
            frame: state.frame(
                "Choose a new password",
                Errors::default(),
                Some(&signed.session),
            ),
            csrf: signed.session.csrf.clone(),
        },
    )
}

/// `POST /portal/password`: a new password, typed twice, unlike the old one.
pub(in crate::portal) async fn password(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<FormFields>, FormRejection>,
) -> Response {
    let (signed, form) = match signed_form(
        &state,
        peer,
        &headers,
        form,
        Allow::Password,
        "password",
        None,
        "/portal/password",
    )
    .await
    {
        Ok(read) => read,
        Err(response) => return *response,
    };
    let password = form.password.clone().unwrap_or_default();
    let confirm = form.confirm.clone().unwrap_or_default();
    let mut errors = Errors::default();
    if password.is_empty() {
        errors.add("password", "Enter a new password");
    } else if let Some(problem) = password_problem(&password) {
        errors.add("password", problem);
    } else if confirm != password {
        errors.add(
            "confirm",
            "The passwords do not match: type the new password again",
        );
    }
    let user = &signed.session.user;
    if !errors.any() && matches(password.clone(), user.password_hash.clone()).await {
        errors.add(
            "password",
            "Choose a password different from the one you were given",
        );
    }
    if errors.any() {
        return page(
            StatusCode::BAD_REQUEST,
            &PasswordPage {
                frame: state.frame("Choose a new password", errors, Some(&signed.session)),
                csrf: signed.session.csrf.clone(),
            },
        );
    }
    let hash = match tokio::task::spawn_blocking(move || hash_password(&password)).await {
        Ok(Ok(hash)) => hash,
        _ => {
            return state.unavailable(
                &StoreError::Backend("password hashing failed".into()),
                Some(&signed.session),
            );
        }
    };
    if let Err(error) = state
        .store()
        .set_password(&user.id, &hash, &signed.session.id_hash)
        .await
    {
        return state.unavailable(&error, Some(&signed.session));
    }
    state
        .audit(state.entry(Some(&user.id), "password", None, "ok"))
        .await;
    redirect("/portal/orders")
}
