//! The data protection officer's pages (`/console/privacy…`): the register of people's
//! requests about their data, each request's clock and decision, erasure, and legal holds.
//! Only the DPO reaches them (anyone else: 404). The deadlines, exemptions and holds are
//! core's rules ([`doorstep_core::privacy::request`]); a refused form changes nothing and
//! says why; every step is audited, naming records by id only.

use std::net::SocketAddr;

use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::NaiveDate;
use doorstep_core::privacy::request::{
    Decision, Exemption, RequestDates, RequestKind, check_decision, required_text,
};
use doorstep_core::uk_time;

use super::{FormFields, Signed, gate, signed_form, text};
use crate::console::ConsoleState;
use crate::console::access::may_handle_privacy_requests;
use crate::console::pages::{Choice, Errors, when};
use crate::console::privacy_pages::{
    AnswerPage, HoldLine, PrivacyPage, RecipientLine, RequestLine, RequestPage, ResidentChoice,
};
use crate::model::{Refusal, StoreError};
use crate::privacy::{Hold, NewRequest, RequestRow, SharedPrivacyStore};
use crate::web::respond::{Stop, page, redirect, stop};
use crate::web::session::Allow;

/// The register's address.
const REGISTER: &str = "/console/privacy";

/// A DPO's request and the register; anyone else gets the not-found page.
pub(super) async fn dpo_gate(
    state: &ConsoleState,
    peer: SocketAddr,
    headers: &HeaderMap,
) -> Result<(Signed, SharedPrivacyStore), Stop> {
    let signed = gate(state, peer, headers, Allow::Full).await?;
    allowed(state, signed)
}

fn allowed(state: &ConsoleState, signed: Signed) -> Result<(Signed, SharedPrivacyStore), Stop> {
    match (
        may_handle_privacy_requests(signed.session.user.role),
        state.hub().privacy(),
    ) {
        (true, Some(store)) => Ok((signed, store)),
        _ => Err(stop(state.not_found_page(Some(&signed.session)))),
    }
}

/// A DPO's form, its CSRF token checked (a refusal audited as `action`).
async fn dpo_form(
    state: &ConsoleState,
    peer: SocketAddr,
    headers: &HeaderMap,
    form: Result<Form<FormFields>, FormRejection>,
    action: &str,
    back: &str,
) -> Result<(Signed, SharedPrivacyStore, FormFields), Stop> {
    let (signed, form) = signed_form(state, peer, headers, form, Allow::Full, action, back).await?;
    let (signed, store) = allowed(state, signed)?;
    Ok((signed, store, form))
}

impl ConsoleState {
    fn today(&self) -> NaiveDate {
        uk_time::today(self.now_utc())
    }
}

/// The request `id`, or the page to answer instead: not found, or the database failed.
async fn load_request(
    state: &ConsoleState,
    signed: &Signed,
    store: &SharedPrivacyStore,
    id: &str,
) -> Result<RequestRow, Response> {
    match store.request(id).await {
        Ok(Some(row)) => Ok(row),
        Ok(None) => Err(state.not_found_page(Some(&signed.session))),
        Err(error) => Err(state.unavailable(&error, Some(&signed.session))),
    }
}

/// Where a request stands, in words, and whether it is overdue.
fn status_of(row: &RequestRow, today: NaiveDate) -> (String, bool) {
    match &row.decision {
        Some(Decision::Granted) if row.erased.is_some() => ("Erased".into(), false),
        Some(Decision::Granted) => ("Answered".into(), false),
        Some(Decision::Refused { .. }) => ("Refused".into(), false),
        None if row.dates.paused_since.is_some() => ("Waiting for the person".into(), false),
        None => {
            let overdue = row.dates.due(today) < today;
            ("Open".into(), overdue)
        }
    }
}

fn kind_choices(current: &str) -> Vec<Choice> {
    RequestKind::ALL
        .iter()
        .map(|k| Choice {
            value: k.as_str().to_owned(),
            label: match k {
                RequestKind::Access => "A copy of their data (subject access)".to_owned(),
                RequestKind::Erasure => "Erase their data".to_owned(),
                RequestKind::Restriction => "Restrict the use of their data".to_owned(),
            },
            selected: k.as_str() == current,
        })
        .collect()
}

/// The register with what was typed in its two forms and the problems found.
async fn register(
    state: &ConsoleState,
    signed: &Signed,
    store: &SharedPrivacyStore,
    status: StatusCode,
    errors: Errors,
    (kind, typed): (&str, [String; 4]),
    hold_typed: [String; 2],
) -> Response {
    let session = &signed.session;
    let (requests, holds) = match (store.requests().await, store.holds().await) {
        (Ok(r), Ok(h)) => (r, h),
        (Err(error), _) | (_, Err(error)) => return state.unavailable(&error, Some(session)),
    };
    let today = state.today();
    page(
        status,
        &PrivacyPage {
            frame: state.frame("People's requests about their data", errors, Some(session)),
            csrf: session.csrf.clone(),
            requests: requests
                .iter()
                .map(|r| {
                    let (status, overdue) = status_of(r, today);
                    RequestLine {
                        id: r.id.clone(),
                        kind: r.kind.label().to_owned(),
                        reference: r.reference.clone(),
                        received: uk_time::day(r.dates.received),
                        due: if r.decision.is_some() {
                            String::new()
                        } else {
                            uk_time::day(r.dates.due(today))
                        },
                        status,
                        overdue,
                    }
                })
                .collect(),
            kinds: kind_choices(kind),
            typed,
            holds: holds
                .into_iter()
                .map(|h| HoldLine {
                    household_id: h.household_id,
                    reason: h.reason,
                    placed: when(h.placed_at),
                })
                .collect(),
            hold_typed,
        },
    )
}

/// What the household page's link fills in.
#[derive(Debug, Default, serde::Deserialize)]
pub(in crate::console) struct StartQuery {
    household: Option<String>,
    person: Option<String>,
}

/// `GET /console/privacy`: the register, the new request's form (its household filled in
/// from `?household=`), and the holds.
pub(in crate::console) async fn privacy(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    query: Result<Query<StartQuery>, QueryRejection>,
) -> Response {
    let (signed, store) = match dpo_gate(&state, peer, &headers).await {
        Ok(ok) => ok,
        Err(response) => return *response,
    };
    let start = query.map(|Query(q)| q).unwrap_or_default();
    let typed = [
        String::new(),
        text(start.household.as_ref()),
        text(start.person.as_ref()),
        state.today().to_string(),
    ];
    state
        .audit(state.entry(
            Some(&signed.session.user.id),
            "privacy-register",
            None,
            "ok",
        ))
        .await;
    register(
        &state,
        &signed,
        &store,
        StatusCode::OK,
        Errors::default(),
        ("", typed),
        Default::default(),
    )
    .await
}

/// `POST /console/privacy/requests`: records a request, or says what is wrong and records
/// nothing.
pub(in crate::console) async fn add_request(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<FormFields>, FormRejection>,
) -> Response {
    let (signed, store, form) =
        match dpo_form(&state, peer, &headers, form, "privacy-request", REGISTER).await {
            Ok(read) => read,
            Err(response) => return *response,
        };
    let kind_text = text(form.kind.as_ref());
    let typed = [
        text(form.reference.as_ref()),
        text(form.household.as_ref()),
        text(form.person.as_ref()),
        text(form.received.as_ref()),
    ];
    let mut errors = Errors::default();
    let kind = RequestKind::parse(&kind_text);
    if kind.is_none() {
        errors.add("kind", "Choose what the person asked for");
    }
    let reference = required_text(&typed[0], "your reference for the request")
        .map_err(|e| errors.add("reference", e.to_string()))
        .ok();
    if typed[1].is_empty() {
        errors.add(
            "household",
            "Enter the household's reference, from its page in the console",
        );
    }
    let today = state.today();
    let dates = match NaiveDate::parse_from_str(&typed[3], "%Y-%m-%d") {
        Ok(day) => RequestDates::new(day, today)
            .map_err(|e| errors.add("received", e.to_string()))
            .ok(),
        Err(_) => {
            errors.add(
                "received",
                "Enter the date the request was received as year-month-day, for example 2026-12-03",
            );
            None
        }
    };
    let (Some(kind), Some(reference), Some(dates), false) = (kind, reference, dates, errors.any())
    else {
        return register(
            &state,
            &signed,
            &store,
            StatusCode::BAD_REQUEST,
            errors,
            (&kind_text, typed),
            Default::default(),
        )
        .await;
    };
    let user = signed.session.user.id.clone();
    let new = NewRequest {
        kind,
        reference,
        household_id: typed[1].clone(),
        person_id: (!typed[2].is_empty()).then(|| typed[2].clone()),
        dates,
        created_by: user.clone(),
        created_at: state.now(),
    };
    let audit = state.entry(
        Some(&user),
        "privacy-request",
        Some(("privacy_request", "")),
        format!("recorded: {}", kind.as_str()),
    );
    match store.add_request(new, audit).await {
        Ok(id) => redirect(&format!("/console/privacy/requests/{id}")),
        Err(StoreError::Refused(Refusal::NotFound(what))) => {
            let field = if what.starts_with("resident") {
                "person"
            } else {
                "household"
            };
            let errors = Errors::one(
                field,
                if field == "person" {
                    "No resident of that household has this reference: copy it from the household's page, or leave it empty"
                } else {
                    "No household on the hub has this reference: copy it from the household's page"
                },
            );
            register(
                &state,
                &signed,
                &store,
                StatusCode::BAD_REQUEST,
                errors,
                (&kind_text, typed),
                Default::default(),
            )
            .await
        }
        Err(error) => state.unavailable(&error, Some(&signed.session)),
    }
}

/// A DPO's step on a request, for [`step_answer`]: which request, the audit action a
/// refusal is recorded under, the form field it is shown beside, and where success goes.
struct Step<'a> {
    id: &'a str,
    action: &'a str,
    field: &'a str,
    back: &'a str,
}

/// What a step answers once the store has acted: back to the request; its page with the
/// refusal beside the step's field (audited); not found; or unavailable.
async fn step_answer<T>(
    state: &ConsoleState,
    signed: &Signed,
    store: &SharedPrivacyStore,
    step: Step<'_>,
    result: Result<T, StoreError>,
) -> Response {
    match result {
        Ok(_) => redirect(step.back),
        Err(StoreError::Refused(Refusal::NotFound(_))) => {
            state.not_found_page(Some(&signed.session))
        }
        Err(StoreError::Refused(refusal)) => {
            state
                .audit(state.entry(
                    Some(&signed.session.user.id),
                    step.action,
                    Some(("privacy_request", step.id)),
                    format!("refused: {refusal}"),
                ))
                .await;
            let errors = Errors::one(step.field, refusal.to_string());
            request_page(
                state,
                signed,
                store,
                step.id,
                StatusCode::CONFLICT,
                errors,
                "",
            )
            .await
        }
        Err(error) => state.unavailable(&error, Some(&signed.session)),
    }
}

/// One request's page, with the problems a form on it found.
async fn request_page(
    state: &ConsoleState,
    signed: &Signed,
    store: &SharedPrivacyStore,
    id: &str,
    status: StatusCode,
    errors: Errors,
    exemption: &str,
) -> Response {
    let session = &signed.session;
    let row = match load_request(state, signed, store, id).await {
        Ok(row) => row,
        Err(response) => return response,
    };
    let (subject, recipients, holds) = match (
        store
            .subject(&row.household_id, row.person_id.as_deref())
            .await,
        store.recipients(id).await,
        store.holds().await,
    ) {
        (Ok(s), Ok(r), Ok(h)) => (s, r, h),
        (Err(error), _, _) | (_, Err(error), _) | (_, _, Err(error)) => {
            return state.unavailable(&error, Some(session));
        }
    };
    let today = state.today();
    let decision = row.decision.as_ref().map(|d| match d {
        Decision::Granted if row.erased.is_some() => "Erased".to_owned(),
        Decision::Granted => "Answered".to_owned(),
        Decision::Refused { exemption, reason } => match exemption {
            Some(e) => format!("Refused, relying on: {}. {reason}", e.label()),
            None => format!("Refused. {reason}"),
        },
    });
    let decided = match (row.decided_at, &row.decided_by) {
        (Some(at), Some(by)) => {
            let name = match state.store().person(by).await {
                Ok(Some(person)) => person.name,
                _ => format!("user {by}"),
            };
            format!("{} by {name}", when(at))
        }
        _ => String::new(),
    };
    let first_month_ends = row.dates.first_month_ends();
    let has_records = subject.address.is_some();
    page(
        status,
        &RequestPage {
            frame: state.frame(
                &format!("{} request", row.kind.label()),
                errors,
                Some(session),
            ),
            csrf: session.csrf.clone(),
            id: row.id.clone(),
            kind: row.kind.as_str().to_owned(),
            kind_label: row.kind.label().to_owned(),
            reference: row.reference.clone(),
            household_id: row.household_id.clone(),
            address: subject.address,
            residents: subject
                .residents
                .into_iter()
                .map(|(_, name)| name)
                .collect(),
            one_resident: row.person_id.is_some(),
            received: uk_time::day(row.dates.received),
            first_month_ends: uk_time::day(first_month_ends),
            due: uk_time::day(row.dates.due(today)),
            paused_since: row.dates.paused_since.map(uk_time::day),
            extended_months: row.dates.extended_months,
            may_extend: today <= first_month_ends
                && row.dates.extended_months
                    < doorstep_core::privacy::request::MAX_EXTENSION_MONTHS,
            decision,
            decided,
            erased: row.erased,
            recipients: recipients
                .into_iter()
                .map(|r| RecipientLine {
                    kind: r.kind.to_owned(),
                    name: r.name,
                    what: r.what,
                    told: r.told_at.map(when).unwrap_or_default(),
                })
                .collect(),
            exemptions: Exemption::ALL
                .iter()
                .map(|e| Choice {
                    value: e.as_str().to_owned(),
                    label: e.label().to_owned(),
                    selected: e.as_str() == exemption,
                })
                .collect(),
            hold: holds
                .into_iter()
                .find(|h| h.household_id == row.household_id)
                .map(|h| h.reason),
            restricted: subject.restricted,
            may_restrict: row.kind == RequestKind::Restriction
                && row.decision == Some(Decision::Granted)
                && has_records,
        },
    )
}

/// `GET /console/privacy/requests/{id}`: reading it is audited.
pub(in crate::console) async fn request(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let (signed, store) = match dpo_gate(&state, peer, &headers).await {
        Ok(ok) => ok,
        Err(response) => return *response,
    };
    state
        .audit(state.entry(
            Some(&signed.session.user.id),
            "privacy-request-view",
            Some(("privacy_request", &id)),
            "ok",
        ))
        .await;
    request_page(
        &state,
        &signed,
        &store,
        &id,
        StatusCode::OK,
        Errors::default(),
        "",
    )
    .await
}

/// `POST /console/privacy/requests/{id}/clock`: stops, restarts or extends the clock.
pub(in crate::console) async fn clock(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: Result<Form<FormFields>, FormRejection>,
) -> Response {
    let back = format!("/console/privacy/requests/{id}");
    let (signed, store, form) =
        match dpo_form(&state, peer, &headers, form, "privacy-clock", &back).await {
            Ok(read) => read,
            Err(response) => return *response,
        };
    let row = match load_request(&state, &signed, &store, &id).await {
        Ok(row) => row,
        Err(response) => return response,
    };
    let today = state.today();
    let mut dates = row.dates.clone();
    let step = text(form.step.as_ref());
    let done = match step.as_str() {
        "pause" => dates.pause(today).map_err(|e| ("step", e.to_string())),
        "resume" => dates.resume(today).map_err(|e| ("step", e.to_string())),
        "extend" => match text(form.months.as_ref()).parse::<u32>() {
            Ok(months) => dates
                .extend(months, &text(form.why.as_ref()), today)
                .map_err(|e| match e {
                    doorstep_core::privacy::request::RequestError::Missing(_)
                    | doorstep_core::privacy::request::RequestError::TooLong(_) => {
                        ("why", e.to_string())
                    }
                    _ => ("months", e.to_string()),
                }),
            Err(_) => Err((
                "months",
                "Enter the number of months to add: 1 or 2".to_owned(),
            )),
        },
        _ => Err(("step", "Choose what to do with the clock".to_owned())),
    };
    if let Err((field, message)) = done {
        let mut errors = Errors::default();
        errors.add(field, message);
        return request_page(
            &state,
            &signed,
            &store,
            &id,
            StatusCode::BAD_REQUEST,
            errors,
            "",
        )
        .await;
    }
    let outcome = match step.as_str() {
        "extend" => format!(
            "extended to {}: {}",
            dates.due(today),
            text(form.why.as_ref())
        ),
        other => other.to_owned(),
    };
    let audit = state.entry(
        Some(&signed.session.user.id),
        "privacy-clock",
        Some(("privacy_request", &id)),
        outcome,
    );
    match store.save_dates(&id, &dates, audit).await {
        Ok(()) => redirect(&back),
        Err(StoreError::Refused(refusal)) => {
            let errors = Errors::one("step", refusal.to_string());
            request_page(
                &state,
                &signed,
                &store,
                &id,
                StatusCode::CONFLICT,
                errors,
                "",
            )
            .await
        }
        Err(error) => state.unavailable(&error, Some(&signed.session)),
    }
}

/// `POST /console/privacy/requests/{id}/erase`: erases, once confirmed, unless the
/// household is under a legal hold.
pub(in crate::console) async fn erase(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: Result<Form<FormFields>, FormRejection>,
) -> Response {
    let back = format!("/console/privacy/requests/{id}");
    let (signed, store, form) =
        match dpo_form(&state, peer, &headers, form, "privacy-erase", &back).await {
            Ok(read) => read,
            Err(response) => return *response,
        };
    if text(form.confirm.as_ref()) != "yes" {
        let errors = Errors::one(
            "confirm",
            "Confirm that no exemption applies before erasing",
        );
        return request_page(
            &state,
            &signed,
            &store,
            &id,
            StatusCode::BAD_REQUEST,
            errors,
            "",
        )
        .await;
    }
    let erased = store.erase(&id, &signed.session.user.id, state.now()).await;
    if let Ok(erased) = &erased {
        tracing::info!(
            records = erased.records,
            "privacy: an erasure request was carried out"
        );
    }
    let step = Step {
        id: &id,
        action: "privacy-erase",
        field: "confirm",
        back: &back,
    };
    step_answer(&state, &signed, &store, step, erased).await
}

/// `POST /console/privacy/requests/{id}/restriction`: restricts the household of a granted
/// restriction request (`step=restrict`) or lifts it (`step=lift`); refused with the reason
/// otherwise. The store audits it.
pub(in crate::console) async fn restriction(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: Result<Form<FormFields>, FormRejection>,
) -> Response {
    let back = format!("/console/privacy/requests/{id}");
    let (signed, store, form) =
        match dpo_form(&state, peer, &headers, form, "privacy-restriction", &back).await {
            Ok(read) => read,
            Err(response) => return *response,
        };
    let restrict = match text(form.step.as_ref()).as_str() {
        "restrict" => true,
        "lift" => false,
        _ => {
            let errors = Errors::one("restriction", "Choose to restrict or to lift");
            return request_page(
                &state,
                &signed,
                &store,
                &id,
                StatusCode::BAD_REQUEST,
                errors,
                "",
            )
            .await;
        }
    };
    let done = store
        .restrict(&id, restrict, &signed.session.user.id, state.now())
        .await;
    if done.is_ok() {
        tracing::info!(restrict, "privacy: a household's restriction changed");
    }
    let step = Step {
        id: &id,
        action: "privacy-restriction",
        field: "restriction",
        back: &back,
    };
    step_answer(&state, &signed, &store, step, done).await
}

/// Records a decision that erases nothing.
async fn decide(
    state: &ConsoleState,
    signed: &Signed,
    store: &SharedPrivacyStore,
    row: &RequestRow,
    decision: Decision,
) -> Response {
    let id = row.id.as_str();
    let exemption = match &decision {
        Decision::Refused {
            exemption: Some(e), ..
        } => e.as_str(),
        _ => "",
    };
    let decision = match check_decision(row.kind, decision) {
        Ok(d) => d,
        Err(e) => {
            let field = match e {
                doorstep_core::privacy::request::RequestError::NoExemption => "exemption",
                _ => "reason",
            };
            let errors = Errors::one(field, e.to_string());
            return request_page(
                state,
                signed,
                store,
                id,
                StatusCode::BAD_REQUEST,
                errors,
                exemption,
            )
            .await;
        }
    };
    let outcome = match &decision {
        Decision::Granted => "answered".to_owned(),
        Decision::Refused { exemption, .. } => {
            format!(
                "refused: {}",
                exemption.map_or("no exemption", |e| e.as_str())
            )
        }
    };
    let user = signed.session.user.id.clone();
    let audit = state.entry(
        Some(&user),
        "privacy-decide",
        Some(("privacy_request", id)),
        outcome,
    );
    match store.decide(id, &decision, &user, state.now(), audit).await {
        Ok(()) => redirect(&format!("/console/privacy/requests/{id}")),
        Err(StoreError::Refused(refusal)) => {
            let errors = Errors::one("reason", refusal.to_string());
            request_page(
                state,
                signed,
                store,
                id,
                StatusCode::CONFLICT,
                errors,
                exemption,
            )
            .await
        }
        Err(error) => state.unavailable(&error, Some(&signed.session)),
    }
}

/// `POST /console/privacy/requests/{id}/refuse`.
pub(in crate::console) async fn refuse(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: Result<Form<FormFields>, FormRejection>,
) -> Response {
    let back = format!("/console/privacy/requests/{id}");
    let (signed, store, form) =
        match dpo_form(&state, peer, &headers, form, "privacy-decide", &back).await {
            Ok(read) => read,
            Err(response) => return *response,
        };
    let decision = Decision::Refused {
        exemption: Exemption::parse(&text(form.exemption.as_ref())),
        reason: text(form.reason.as_ref()),
    };
    match load_request(&state, &signed, &store, &id).await {
        Ok(row) => decide(&state, &signed, &store, &row, decision).await,
        Err(response) => response,
    }
}

/// `POST /console/privacy/requests/{id}/answered`: an access or restriction request
/// answered (an erasure is granted only by erasing).
pub(in crate::console) async fn answered(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: Result<Form<FormFields>, FormRejection>,
) -> Response {
    let back = format!("/console/privacy/requests/{id}");
    let (signed, store, _) =
        match dpo_form(&state, peer, &headers, form, "privacy-decide", &back).await {
            Ok(read) => read,
            Err(response) => return *response,
        };
    match load_request(&state, &signed, &store, &id).await {
        Ok(row) if row.kind == RequestKind::Erasure => {
            let errors = Errors::one(
                "confirm",
                "An erasure request is granted by erasing: confirm and choose Erase",
            );
            request_page(
                &state,
                &signed,
                &store,
                &id,
                StatusCode::BAD_REQUEST,
                errors,
                "",
            )
            .await
        }
        Ok(row) => decide(&state, &signed, &store, &row, Decision::Granted).await,
        Err(response) => response,
    }
}

/// `POST /console/privacy/requests/{id}/told`: an agency or firm was told of the erasure.
pub(in crate::console) async fn told(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: Result<Form<FormFields>, FormRejection>,
) -> Response {
    let back = format!("/console/privacy/requests/{id}");
    let (signed, store, form) =
        match dpo_form(&state, peer, &headers, form, "privacy-told", &back).await {
            Ok(read) => read,
            Err(response) => return *response,
        };
    let (kind, name) = (text(form.recipient_kind.as_ref()), text(form.name.as_ref()));
    let user = signed.session.user.id.clone();
    let audit = state.entry(
        Some(&user),
        "privacy-told",
        Some(("privacy_request", &id)),
        format!("told: {kind} {name}"),
    );
    match store
        .mark_told(&id, &kind, &name, &user, state.now(), audit)
        .await
    {
        Ok(()) => redirect(&back),
        Err(StoreError::Refused(_)) => state.not_found_page(Some(&signed.session)),
        Err(error) => state.unavailable(&error, Some(&signed.session)),
    }
}

/// `POST /console/privacy/holds`: places a hold on a household.
pub(in crate::console) async fn place_hold(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<FormFields>, FormRejection>,
) -> Response {
    let (signed, store, form) =
        match dpo_form(&state, peer, &headers, form, "privacy-hold", REGISTER).await {
            Ok(read) => read,
            Err(response) => return *response,
        };
    let typed = [
        text(form.hold_household.as_ref()),
        text(form.reason.as_ref()),
    ];
    let mut errors = Errors::default();
    if typed[0].is_empty() {
        errors.add(
            "hold_household",
            "Enter the household's reference, from its page in the console",
        );
    }
    let reason = required_text(&typed[1], "the reason for the hold")
        .map_err(|e| errors.add("reason", e.to_string()))
        .ok();
    let (Some(reason), false) = (reason, errors.any()) else {
        return register(
            &state,
            &signed,
            &store,
            StatusCode::BAD_REQUEST,
            errors,
            ("", Default::default()),
            typed,
        )
        .await;
    };
    let user = signed.session.user.id.clone();
    let audit = state.entry(
        Some(&user),
        "privacy-hold",
        Some(("household", &typed[0])),
        "placed",
    );
    let hold = Hold {
        household_id: typed[0].clone(),
        reason,
        placed_by: user,
        placed_at: state.now(),
    };
    match store.place_hold(hold, audit).await {
        Ok(()) => redirect(&format!("{REGISTER}#holds")),
        Err(StoreError::Refused(Refusal::NotFound(_))) => {
            let errors = Errors::one(
                "hold_household",
                "No household on the hub has this reference: copy it from the household's page",
            );
            register(
                &state,
                &signed,
                &store,
                StatusCode::BAD_REQUEST,
                errors,
                ("", Default::default()),
                typed,
            )
            .await
        }
        Err(error) => state.unavailable(&error, Some(&signed.session)),
    }
}

/// `POST /console/privacy/holds/lift`.
pub(in crate::console) async fn lift_hold(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<FormFields>, FormRejection>,
) -> Response {
    let (signed, store, form) =
        match dpo_form(&state, peer, &headers, form, "privacy-hold", REGISTER).await {
            Ok(read) => read,
            Err(response) => return *response,
        };
    let household = text(form.household.as_ref());
    let audit = state.entry(
        Some(&signed.session.user.id),
        "privacy-hold",
        Some(("household", &household)),
        "lifted",
    );
    match store.lift_hold(&household, audit).await {
        Ok(()) => redirect(&format!("{REGISTER}#holds")),
        Err(StoreError::Refused(_)) => {
            let errors = Errors::one(
                "hold_household",
                "That household has no legal hold: it may have been lifted already",
            );
            register(
                &state,
                &signed,
                &store,
                StatusCode::BAD_REQUEST,
                errors,
                ("", Default::default()),
                Default::default(),
            )
            .await
        }
        Err(error) => state.unavailable(&error, Some(&signed.session)),
    }
}

/// The records the hub holds about a request's household (every team's: the DPO's scope),
/// with its surveys' photos, as the bundle reads them; `None` when the household is gone.
async fn held_records(
    state: &ConsoleState,
    store: &SharedPrivacyStore,
    row: &RequestRow,
) -> Result<Option<Vec<crate::privacy::bundle::Held>>, StoreError> {
    let (Some(casework), Some(scope)) = (
        state.casework(),
        crate::casework::Scope::of(doorstep_core::Role::Dpo, ""),
    ) else {
        return Ok(None);
    };
    let Some(records) = casework.household(&scope, &row.household_id).await? else {
        return Ok(None);
    };
    let photos = super::subject_access::survey_photos(store, &records).await?;
    Ok(Some(
        records
            .into_iter()
            .map(|r| crate::privacy::bundle::Held {
                entity: r.entity,
                id: r.id,
                fields: r.fields,
            })
            .chain(photos)
            .collect(),
    ))
}

/// An access request and what the hub holds about it, or the page to answer instead.
async fn access_request(
    state: &ConsoleState,
    signed: &Signed,
    store: &SharedPrivacyStore,
    id: &str,
) -> Result<(RequestRow, Vec<crate::privacy::bundle::Held>), Response> {
    let session = &signed.session;
    let row = load_request(state, signed, store, id).await?;
    if row.kind != RequestKind::Access {
        return Err(state.not_found_page(Some(session)));
    }
    match held_records(state, store, &row).await {
        Ok(records) => Ok((row, records.unwrap_or_default())),
        Err(error) => Err(state.unavailable(&error, Some(session))),
    }
}

fn recipient_names(records: &[crate::privacy::bundle::Held]) -> Vec<String> {
    crate::privacy::erasure::recipients(
        records.iter().map(|r| (r.entity, &r.fields)),
        crate::referrals::agency_name,
    )
    .into_iter()
    .map(|r| format!("{} ({}: {})", r.name, r.kind, r.what))
    .collect()
}

/// `GET /console/privacy/requests/{id}/answer`: the review before downloading the answer
/// to a subject access request.
pub(in crate::console) async fn answer_page(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let (signed, store) = match dpo_gate(&state, peer, &headers).await {
        Ok(ok) => ok,
        Err(response) => return *response,
    };
    let (row, records) = match access_request(&state, &signed, &store, &id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let mut counts: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for r in &records {
        *counts
            .entry(crate::privacy::bundle::kind_words(r.entity).to_owned())
            .or_default() += 1;
    }
    state
        .audit(state.entry(
            Some(&signed.session.user.id),
            "privacy-answer-review",
            Some(("privacy_request", &id)),
            "ok",
        ))
        .await;
    page(
        StatusCode::OK,
        &AnswerPage {
            frame: state.frame(
                "Prepare the answer",
                Errors::default(),
                Some(&signed.session),
            ),
            csrf: signed.session.csrf.clone(),
            id: row.id.clone(),
            reference: row.reference.clone(),
            residents: crate::privacy::bundle::residents(&records, row.person_id.as_deref())
                .into_iter()
                .map(|r| ResidentChoice {
                    id: r.id,
                    name: r.name,
                    subject: r.subject,
                })
                .collect(),
            counts: counts.into_iter().collect(),
            recipients: recipient_names(&records),
        },
    )
}

/// `POST /console/privacy/requests/{id}/answer`: the answer, as JSON or CSV, with the
/// residents ticked left out. Audited with what was produced, never its content.
pub(in crate::console) async fn answer(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let back = format!("/console/privacy/requests/{id}/answer");
    let signed = match gate(&state, peer, &headers, Allow::Full).await {
        Ok(signed) => signed,
        Err(response) => return *response,
    };
    let fields = form.map(|Form(f)| f).unwrap_or_default();
    let value = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if let Err(response) = super::check_csrf(
        &state,
        &signed,
        &headers,
        value("csrf"),
        "privacy-answer",
        &back,
    )
    .await
    {
        return *response;
    }
    let (signed, store) = match allowed(&state, signed) {
        Ok(ok) => ok,
        Err(response) => return *response,
    };
    let (row, records) = match access_request(&state, &signed, &store, &id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let residents: std::collections::BTreeSet<&str> = records
        .iter()
        .filter(|r| r.entity == doorstep_sync::protocol::EntityKind::Person)
        .map(|r| r.id.as_str())
        .collect();
    // Only residents of this household can be left out; anything else was not offered.
    let left_out: std::collections::BTreeSet<String> = fields
        .iter()
        .filter(|(k, v)| k == "leave_out" && residents.contains(v.as_str()))
        .map(|(_, v)| v.clone())
        .collect();
    let csv = value("format") == Some("csv");
    let produced_at = state
        .now_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let bundle = crate::privacy::bundle::bundle(
        &row.reference,
        &produced_at,
        &records,
        &left_out,
        recipient_names(&records),
    );
    let file = match value("format") {
        Some("pdf") => Some("pdf"),
        Some("zip") => Some("zip"),
        _ => None,
    };
    if let Some(format) = file {
        return super::subject_access::answer_file(&state, &signed, &store, &row, &bundle, format)
            .await;
    }
    let body = if csv {
        crate::privacy::bundle::to_csv(&bundle).map_err(|e| e.to_string())
    } else {
        serde_json::to_string_pretty(&bundle).map_err(|e| e.to_string())
    };
    let body = match body {
        Ok(body) => body,
        Err(error) => {
            return state.unavailable(&StoreError::Backend(error), Some(&signed.session));
        }
    };
    let format = if csv { "csv" } else { "json" };
    state
        .audit(state.entry(
            Some(&signed.session.user.id),
            "privacy-answer",
            Some(("privacy_request", &id)),
            format!(
                "produced: {format}, {} records, residents left out: {}",
                bundle.records.len(),
                left_out.len()
            ),
        ))
        .await;
    let disposition = format!(
        "attachment; filename=\"subject-access-{}.{format}\"",
        row.id
    );
    let media = if csv {
        "text/csv; charset=utf-8"
    } else {
        "application/json"
    };
    axum::response::IntoResponse::into_response((
        [
            (axum::http::header::CONTENT_TYPE, media.to_owned()),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
            (axum::http::header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    ))
}
