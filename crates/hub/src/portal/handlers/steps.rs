//! The steps a contractor takes on a whole order: accept it, decline it (with a reason),
//! book the appointment. Each is planned against the order as stored
//! ([`crate::portal::orders::plan_step`]) and written in one transaction.

use std::net::SocketAddr;

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use doorstep_core::OfficerId;
use doorstep_core::work_order::{ContractorStep, WorkOrder, WorkOrderError};

use super::gate::{Signed, order_write};
use super::orders::{load_order, signed_order};
use super::{FormFields, seen_seq, text};
use crate::model::StoreError;
use crate::portal::PortalState;
use crate::portal::orders::{Actor, StepRefusal, plan_step};
use crate::portal::pages::{AppointmentPage, DeclinePage, Errors, long_date};
use crate::portal::store::{Photo, Session, StepDone, StepRequest};
use crate::web::respond::{page, redirect};

/// What a step form needs besides the step.
pub(super) struct StepForm<'a> {
    /// The checked session.
    pub(super) signed: &'a Signed,
    /// The order.
    pub(super) order_id: &'a str,
    /// The order's `updated_seq` the form was made from.
    pub(super) seq: i64,
    /// A photo to keep with the order.
    pub(super) photo: Option<Photo>,
    /// The banner's word for the order's page once done.
    pub(super) done: &'static str,
}

/// Takes a step and answers: back to the order with a banner, or why not. Form mistakes
/// come back as `Err` for the handler to show on its own form.
pub(super) async fn take(
    state: &PortalState,
    form: StepForm<'_>,
    step: ContractorStep,
) -> Result<Response, WorkOrderError> {
    let session = &form.signed.session;
    let user = &session.user;
    let officer: OfficerId = match user.id.parse() {
        Ok(id) => id,
        Err(_) => {
            return Ok(state.unavailable(
                &StoreError::Backend("stored firm user id is damaged".into()),
                Some(session),
            ));
        }
    };
    let actor = Actor {
        user: officer,
        hub_device: state.inner.hub_device,
    };
    let now_ms = state.now();
    let now = DateTime::<Utc>::from_timestamp_millis(now_ms).unwrap_or_default();
    let firm = user.firm_id.clone();
    let label = step.label();
    let request = StepRequest {
        firm_id: firm.clone(),
        order_id: form.order_id.to_owned(),
        seen_seq: form.seq,
        plan: Box::new(move |stored, hub_last| {
            plan_step(stored, &firm, step, actor, hub_last, now)
        }),
        photo: form.photo,
        audit: state.entry(Some(&user.id), "write", Some(form.order_id), label),
        now: now_ms,
    };
    let back = format!("/portal/orders/{}", form.order_id);
    match state.store().take_step(request).await {
        Ok(Ok(StepDone::Written { .. } | StepDone::Unchanged)) => {
            Ok(redirect(&format!("{back}?done={}", form.done)))
        }
        Ok(Err(refusal)) => {
            let code = match &refusal {
                StepRefusal::NotFound => "not_found",
                StepRefusal::Stale => "stale",
                StepRefusal::Unreadable => "unreadable",
                StepRefusal::NotApplied => "not_applied",
                StepRefusal::Step(_) => "invalid",
            };
            state
                .audit(state.entry(
                    Some(&user.id),
                    "write",
                    Some(form.order_id),
                    format!("refused: {code}"),
                ))
                .await;
            match refusal {
                StepRefusal::NotFound => Ok(state.not_found_page(Some(session))),
                StepRefusal::Stale => Ok(state.message(
                    StatusCode::CONFLICT,
                    "This work order has changed",
                    &[
                        "It changed after you opened the page, perhaps because the form was sent twice. Nothing more was changed.",
                        "Check the work order, then do what you meant to again if it is still needed.",
                    ],
                    (&back, "Back to the work order"),
                    Some(session),
                )),
                StepRefusal::Unreadable => Ok(state.message(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "This work order cannot be changed",
                    &["Ask the council's home security team to send it again."],
                    (&back, "Back to the work order"),
                    Some(session),
                )),
                StepRefusal::NotApplied => Ok(state.message(
                    StatusCode::CONFLICT,
                    "This work order cannot be changed",
                    &[
                        "It holds a change dated in the future, so the hub could not record what you did. Nothing was changed.",
                        "Ask the council's home security team to look at the work order.",
                    ],
                    (&back, "Back to the work order"),
                    Some(session),
                )),
                StepRefusal::Step(error) => match error {
                    WorkOrderError::NotFromStatus { .. }
                    | WorkOrderError::ItemAlreadyFitted { .. } => Ok(state.message(
                        StatusCode::CONFLICT,
                        "This cannot be done now",
                        &[&format!("{error}. Nothing was changed.")],
                        (&back, "Back to the work order"),
                        Some(session),
                    )),
                    WorkOrderError::NoSuchItem { .. } => Ok(state.not_found_page(Some(session))),
                    other => Err(other),
                },
            }
        }
        Err(error) => Ok(state.unavailable(&error, Some(session))),
    }
}

/// `POST /portal/orders/{id}/accept`.
pub(in crate::portal) async fn accept(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(order_id): Path<String>,
    form: Result<Form<FormFields>, FormRejection>,
) -> Response {
    let back = format!("/portal/orders/{order_id}");
    let (signed, form) = match order_write(&state, peer, &headers, form, &order_id, &back).await {
        Ok(ready) => ready,
        Err(response) => return *response,
    };
    let step_form = StepForm {
        signed: &signed,
        order_id: &order_id,
        seq: seen_seq(form.seq.as_deref()),
        photo: None,
        done: "accepted",
    };
    match take(&state, step_form, ContractorStep::Accept).await {
        Ok(response) => response,
        Err(error) => state.message(
            StatusCode::CONFLICT,
            "This cannot be done now",
            &[&error.to_string()],
            (&back, "Back to the work order"),
            Some(&signed.session),
        ),
    }
}

/// `GET /portal/orders/{id}/decline`.
pub(in crate::portal) async fn decline_page(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(order_id): Path<String>,
) -> Response {
    let (signed, order, seq) = match signed_order(&state, peer, &headers, &order_id, "read").await {
        Ok(found) => found,
        Err(response) => return *response,
    };
    let session = &signed.session;
    decline_form(
        &state,
        session,
        &order,
        seq,
        "",
        Errors::default(),
        StatusCode::OK,
    )
}

/// The decline form, as typed.
fn decline_form(
    state: &PortalState,
    session: &Session,
    order: &WorkOrder,
    seq: i64,
    reason: &str,
    errors: Errors,
    status: StatusCode,
) -> Response {
    page(
        status,
        &DeclinePage {
            frame: state.frame(
                &format!("Decline work order {}", order.number),
                errors,
                Some(session),
            ),
            order_id: order.id.to_string(),
            number: order.number.clone(),
            csrf: session.csrf.clone(),
            seq,
            reason: reason.to_owned(),
        },
    )
}

/// `POST /portal/orders/{id}/decline`: declined, with a reason.
pub(in crate::portal) async fn decline(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(order_id): Path<String>,
    form: Result<Form<FormFields>, FormRejection>,
) -> Response {
    let back = format!("/portal/orders/{order_id}/decline");
    let (signed, form) = match order_write(&state, peer, &headers, form, &order_id, &back).await {
        Ok(ready) => ready,
        Err(response) => return *response,
    };
    let reason = form.reason.clone().unwrap_or_default();
    let step_form = StepForm {
        signed: &signed,
        order_id: &order_id,
        seq: seen_seq(form.seq.as_deref()),
        photo: None,
        done: "declined",
    };
    let step = ContractorStep::Decline {
        reason: reason.clone(),
    };
    match take(&state, step_form, step).await {
        Ok(response) => response,
        Err(error) => {
            let session = &signed.session;
            let (order, seq) = match load_order(&state, session, &order_id, "read").await {
                Ok(found) => found,
                Err(response) => return *response,
            };
            let message = match error {
                WorkOrderError::Blank(_) => "Enter why you are declining the work order".to_owned(),
                other => other.to_string(),
            };
            decline_form(
                &state,
                session,
                &order,
                seq,
                &reason,
                Errors::one("reason", message),
                StatusCode::BAD_REQUEST,
            )
        }
    }
}

/// The appointment form's fields as typed.
#[derive(Debug, Clone, Default)]
struct DateFields {
    day: String,
    month: String,
    year: String,
}

/// Reads a GOV.UK date input, or says what is wrong with it.
fn read_date(fields: &DateFields) -> Result<NaiveDate, String> {
    let parts = [
        ("day", fields.day.as_str()),
        ("month", fields.month.as_str()),
        ("year", fields.year.as_str()),
    ];
    let missing: Vec<&str> = parts
        .iter()
        .filter(|(_, v)| v.is_empty())
        .map(|(n, _)| *n)
        .collect();
    match missing.len() {
        3 => return Err("Enter the date of the appointment".into()),
        0 => {}
        _ => {
            return Err(format!(
                "The appointment date must include a {}",
                missing.join(" and a ")
            ));
        }
    }
    let number = |s: &str| s.parse::<u32>().ok();
    let (Some(day), Some(month), Some(year)) = (
        number(&fields.day),
        number(&fields.month),
        number(&fields.year),
    ) else {
        return Err("The appointment date must be a real date, in numbers".into());
    };
    if fields.year.len() != 4 {
        return Err("The year must have 4 numbers, for example 2026".into());
    }
    let year = i32::try_from(year).map_err(|_| "The appointment date must be a real date")?;
    NaiveDate::from_ymd_opt(year, month, day)
        .ok_or_else(|| "The appointment date must be a real date".to_owned())
}

/// The appointment form, as typed.
#[allow(clippy::too_many_arguments, reason = "one form's worth of state")]
fn appointment_form(
    state: &PortalState,
    session: &Session,
    order: &WorkOrder,
    seq: i64,
    typed: &DateFields,
    errors: Errors,
    status: StatusCode,
) -> Response {
    let today = DateTime::<Utc>::from_timestamp_millis(state.now())
        .unwrap_or_default()
        .date_naive();
    let example = today.succ_opt().unwrap_or(today);
    page(
        status,
        &AppointmentPage {
            frame: state.frame(
                &format!("Book the appointment for work order {}", order.number),
                errors,
                Some(session),
            ),
            order_id: order.id.to_string(),
            number: order.number.clone(),
            due: long_date(order.due_date),
            example: format!("{} {} {}", example.day(), example.month(), example.year()),
            csrf: session.csrf.clone(),
            seq,
            day: typed.day.clone(),
            month: typed.month.clone(),
            year: typed.year.clone(),
        },
    )
}

/// `GET /portal/orders/{id}/appointment`.
pub(in crate::portal) async fn appointment_page(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(order_id): Path<String>,
) -> Response {
    let (signed, order, seq) = match signed_order(&state, peer, &headers, &order_id, "read").await {
        Ok(found) => found,
        Err(response) => return *response,
    };
    let session = &signed.session;
    let typed = order
        .appointment_date
        .map(|d| DateFields {
            day: d.day().to_string(),
            month: d.month().to_string(),
            year: d.year().to_string(),
        })
        .unwrap_or_default();
    appointment_form(
        &state,
        session,
        &order,
        seq,
        &typed,
        Errors::default(),
        StatusCode::OK,
    )
}

/// `POST /portal/orders/{id}/appointment`: the date booked.
pub(in crate::portal) async fn appointment(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(order_id): Path<String>,
    form: Result<Form<FormFields>, FormRejection>,
) -> Response {
    let back = format!("/portal/orders/{order_id}/appointment");
    let (signed, form) = match order_write(&state, peer, &headers, form, &order_id, &back).await {
        Ok(ready) => ready,
        Err(response) => return *response,
    };
    let typed = DateFields {
        day: text(form.day.as_ref()),
        month: text(form.month.as_ref()),
        year: text(form.year.as_ref()),
    };
    let refused = match read_date(&typed) {
        Ok(date) => {
            let step_form = StepForm {
                signed: &signed,
                order_id: &order_id,
                seq: seen_seq(form.seq.as_deref()),
                photo: None,
                done: "booked",
            };
            match take(&state, step_form, ContractorStep::Schedule { date }).await {
                Ok(response) => return response,
                Err(WorkOrderError::DateInPast { .. }) => {
                    "The appointment date must be today or in the future".to_owned()
                }
                Err(other) => other.to_string(),
            }
        }
        Err(message) => message,
    };
    let session = &signed.session;
    let (order, seq) = match load_order(&state, session, &order_id, "read").await {
        Ok(found) => found,
        Err(response) => return *response,
    };
    appointment_form(
        &state,
        session,
        &order,
        seq,
        &typed,
        Errors::one("day", refused),
        StatusCode::BAD_REQUEST,
    )
}
