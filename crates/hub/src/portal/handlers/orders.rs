//! Reading work orders: the firm's list by status, one order's page, and its PDF.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use doorstep_core::work_order::{ContractorStep, WorkOrder, WorkOrderStatus};
use serde::Deserialize;

use super::gate::{Signed, gate};
use crate::model::StoreError;
use crate::portal::PortalState;
use crate::portal::orders::{read_order, read_order_json};
use crate::portal::pages::{Errors, OrderPage, OrdersPage, order_detail, order_line, status_words};
use crate::portal::store::{OrganisationKind, Session};
use crate::portal::tabs::{PAGE_SIZE, TabbedList, asked_for, shown};
use crate::web::respond::{Stop, page, redirect, stop};
use crate::web::session::Allow;

/// Which tab and page of the list.
#[derive(Debug, Deserialize)]
pub(in crate::portal) struct ListQuery {
    status: Option<String>,
    page: Option<String>,
}

/// The statuses in the order a firm works through them, as tabs.
const TABS: &[WorkOrderStatus] = &[
    WorkOrderStatus::New,
    WorkOrderStatus::Accepted,
    WorkOrderStatus::Scheduled,
    WorkOrderStatus::Fitted,
    WorkOrderStatus::Declined,
];

/// `GET /portal/orders`: the firm's orders, by status, a page at a time.
pub(in crate::portal) async fn orders(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Response {
    let signed = match gate(&state, peer, &headers, Allow::Full).await {
        Ok(signed) => signed,
        Err(response) => return *response,
    };
    let session = &signed.session;
    // An agency's people land here after signing in: their home is the referrals inbox.
    if session.user.kind == OrganisationKind::Agency {
        return redirect("/portal/referrals");
    }
    let words: Vec<(&str, String)> = TABS
        .iter()
        .map(|s| (s.as_str(), status_words(*s)))
        .collect();
    let tabs: Vec<(&str, &str)> = words.iter().map(|(s, w)| (*s, w.as_str())).collect();
    let list = TabbedList {
        base: "/portal/orders",
        tabs: &tabs,
        rows: "work orders",
    };
    let (status, page_no) = match &query {
        Ok(Query(q)) => asked_for(&list, q.status.as_deref(), q.page.as_deref()),
        Err(_) => (None, 1),
    };
    let firm = session.user.firm_id.as_str();
    let counts: HashMap<String, i64> = match state.store().order_counts(firm).await {
        Ok(counts) => counts.into_iter().collect(),
        Err(error) => return state.unavailable(&error, Some(session)),
    };
    let shown = shown(&list, &counts, status, page_no);
    let listed = match state
        .store()
        .orders(firm, status, (page_no - 1) * PAGE_SIZE, PAGE_SIZE)
        .await
    {
        Ok(listed) => listed,
        Err(error) => return state.unavailable(&error, Some(session)),
    };
    let lines: Vec<_> = listed
        .iter()
        .filter_map(|row| match read_order_json(&row.id, &row.fields) {
            Ok(order) => Some(order_line(&order)),
            Err(_) => {
                tracing::warn!(order = %row.id, "portal: a work order record cannot be read");
                None
            }
        })
        .collect();
    state
        .audit(state.entry(
            Some(&session.user.id),
            "list",
            None,
            format!("ok: {} orders", lines.len()),
        ))
        .await;
    let empty = match status.and_then(WorkOrderStatus::parse) {
        None => "Your firm has no work orders yet.".to_owned(),
        Some(s) => format!("Your firm has no {} work orders.", s.label()),
    };
    page(
        StatusCode::OK,
        &OrdersPage {
            frame: state.frame("Work orders", Errors::default(), Some(session)),
            tabs: shown.tabs,
            lines,
            caption: shown.caption,
            empty,
            previous: shown.previous,
            next: shown.next,
        },
    )
}

/// Loads the firm's order for a page, or answers 404 (another firm's order, a deleted
/// one, or any other record: they do not exist for this contractor).
pub(super) async fn load_order(
    state: &PortalState,
    session: &Session,
    order_id: &str,
    action: &str,
) -> Result<(WorkOrder, i64), Stop> {
    let user = session.user.id.as_str();
    if session.user.kind == OrganisationKind::Agency {
        return Err(stop(state.not_found_page(Some(session))));
    }
    match state.store().order(&session.user.firm_id, order_id).await {
        Ok(Some(stored)) => match read_order(&stored.id, &stored.record.fields) {
            Ok(order) => Ok((order, stored.updated_seq)),
            Err(_) => Err(stop(state.message(
                StatusCode::UNPROCESSABLE_ENTITY,
                "This work order cannot be shown",
                &["Ask the council's home security team to send it again."],
                ("/portal/orders", "Go to your work orders"),
                Some(session),
            ))),
        },
        Ok(None) => {
            state
                .audit(state.entry(Some(user), action, Some(order_id), "refused: not_found"))
                .await;
            Err(stop(state.not_found_page(Some(session))))
        }
        Err(error) => Err(stop(state.unavailable(&error, Some(session)))),
    }
}

/// A signed-in contractor's page about one of their firm's orders: the session checked
/// (see [`gate`]), then the order loaded (see [`load_order`]).
pub(super) async fn signed_order(
    state: &PortalState,
    peer: SocketAddr,
    headers: &HeaderMap,
    order_id: &str,
    action: &str,
) -> Result<(Signed, WorkOrder, i64), Stop> {
    let signed = gate(state, peer, headers, Allow::Full).await?;
    let (order, seq) = load_order(state, &signed.session, order_id, action).await?;
    Ok((signed, order, seq))
}

/// What was just done, for the banner.
#[derive(Debug, Deserialize)]
pub(in crate::portal) struct OrderQuery {
    done: Option<String>,
}

/// `GET /portal/orders/{id}`.
pub(in crate::portal) async fn order(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(order_id): Path<String>,
    query: Result<Query<OrderQuery>, QueryRejection>,
) -> Response {
    let (signed, order, seq) = match signed_order(&state, peer, &headers, &order_id, "read").await {
        Ok(found) => found,
        Err(response) => return *response,
    };
    let session = &signed.session;
    state
        .audit(state.entry(Some(&session.user.id), "read", Some(&order_id), "ok"))
        .await;
    let done = query
        .ok()
        .and_then(|Query(q)| q.done)
        .and_then(|d| match d.as_str() {
            "accepted" => Some("You accepted this work order"),
            "declined" => Some("You declined this work order. The council will be told"),
            "booked" => Some("The appointment is booked"),
            "fitted" => Some("The item is recorded as fitted"),
            "not_fitted" => Some("The item is recorded as not fitted"),
            _ => None,
        })
        .map(str::to_owned);
    let decline = ContractorStep::Decline {
        reason: String::new(),
    };
    let can_decline = decline.allowed_from(order.status) && order.fitted_count() == 0;
    let can_schedule = ContractorStep::Schedule {
        date: NaiveDate::MIN,
    }
    .allowed_from(order.status);
    page(
        StatusCode::OK,
        &OrderPage {
            frame: state.frame(
                &format!("Work order {}", order.number),
                Errors::default(),
                Some(session),
            ),
            order: order_detail(&order),
            done,
            csrf: session.csrf.clone(),
            seq,
            can_accept: ContractorStep::Accept.allowed_from(order.status),
            can_schedule,
            can_decline,
        },
    )
}

/// `GET /portal/orders/{id}/work-order.pdf`: the same document the laptop prints.
pub(in crate::portal) async fn pdf(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(order_id): Path<String>,
) -> Response {
    let (signed, order, _) = match signed_order(&state, peer, &headers, &order_id, "pdf").await {
        Ok(found) => found,
        Err(response) => return *response,
    };
    let session = &signed.session;
    let branding = state.inner.branding.clone();
    let number = order.number.clone();
    let rendered = tokio::task::spawn_blocking(move || {
        doorstep_pdf::render_work_order(
            &doorstep_pdf::from_work_order::from_work_order(&order),
            &branding,
        )
    })
    .await;
    let bytes = match rendered {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(error)) => {
            tracing::error!(%error, order = %order_id, "portal: the work order PDF failed");
            return state.message(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The work order could not be made",
                &["Try again later, or ask the council for a copy."],
                (
                    &format!("/portal/orders/{order_id}"),
                    "Back to the work order",
                ),
                Some(session),
            );
        }
        Err(error) => {
            return state.unavailable(&StoreError::Backend(error.to_string()), Some(session));
        }
    };
    state
        .audit(state.entry(Some(&session.user.id), "pdf", Some(&order_id), "ok"))
        .await;
    let file: String = number
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}.pdf\""),
            ),
        ],
        bytes,
    )
        .into_response()
}
