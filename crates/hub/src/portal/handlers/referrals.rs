//! The agencies' inbox: an agency's referrals by status, one referral's page (the referral
//! form, its history and the steps open now), the forms of the steps, and the referral
//! as a PDF, JSON or CSV. Only a partner agency's people get any of it; a fitting firm's
//! get 404, as an agency's get 404 on work orders.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, NaiveTime, Utc};
use doorstep_core::OfficerId;
use doorstep_core::fire::{Agency, ReferralError, ReferralStatus, ReferralStep};
use serde::Deserialize;

use super::gate::{Signed, gate, signed_form};
use super::{FormFields, seen_seq, text};
use crate::hub_change::HubActor;
use crate::model::{AuditEntry, StoreError};
use crate::portal::PortalState;
use crate::portal::pages::Errors;
use crate::portal::referral_pages::{
    HistoryLine, InboxLine, InboxPage, ReferralView, StepFormPage, open_steps, step_words,
    stored_status_words, tag_class, uk_time, uk_time_text,
};
use crate::portal::store::{OrganisationKind, Session};
use crate::portal::tabs::{PAGE_SIZE, TabbedList, asked_for, shown};
use crate::referrals::directory;
use crate::referrals::export::{export, to_csv};
use crate::referrals::form::{AgencyCase, referral_form};
use crate::referrals::inbox::{AgencyRefusal, TABS, status_words};
use crate::referrals::store::ReferralStepRequest;
use crate::web::respond::{Stop, page, redirect, stop};
use crate::web::session::Allow;

/// A signed-in agency person, or 404 for anyone else signed in (a firm's people).
async fn agency_gate(
    state: &PortalState,
    peer: SocketAddr,
    headers: &HeaderMap,
) -> Result<Signed, Stop> {
    let signed = gate(state, peer, headers, Allow::Full).await?;
    if signed.session.user.kind == OrganisationKind::Agency {
        Ok(signed)
    } else {
        Err(stop(state.not_found_page(Some(&signed.session))))
    }
}

/// An audit entry about a referral.
fn referral_entry(
    state: &PortalState,
    user: &str,
    action: &str,
    referral: Option<&str>,
    outcome: impl Into<String>,
) -> AuditEntry {
    AuditEntry {
        entity: referral.map(|_| "referral".to_owned()),
        ..state.entry(Some(user), action, referral, outcome)
    }
}

/// Which tab and page of the inbox.
#[derive(Debug, Deserialize)]
pub(in crate::portal) struct InboxQuery {
    status: Option<String>,
    page: Option<String>,
}

/// `GET /portal/referrals`: the agency's referrals, by status, a page at a time.
pub(in crate::portal) async fn inbox(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    query: Result<Query<InboxQuery>, QueryRejection>,
) -> Response {
    let signed = match agency_gate(&state, peer, &headers).await {
        Ok(signed) => signed,
        Err(response) => return *response,
    };
    let session = &signed.session;
    let tabs: Vec<(&str, &str)> = TABS.iter().map(|(s, w)| (s.as_str(), *w)).collect();
    let list = TabbedList {
        base: "/portal/referrals",
        tabs: &tabs,
        rows: "referrals",
    };
    let (status, page_no) = match &query {
        Ok(Query(q)) => asked_for(&list, q.status.as_deref(), q.page.as_deref()),
        Err(_) => (None, 1),
    };
    let agency = session.user.firm_id.as_str();
    let counts: HashMap<String, i64> = match state.store().inbox_counts(agency).await {
        Ok(counts) => counts.into_iter().collect(),
        Err(error) => return state.unavailable(&error, Some(session)),
    };
    let shown = shown(&list, &counts, status, page_no);
    let listed = match state
        .store()
        .inbox(agency, status, (page_no - 1) * PAGE_SIZE, PAGE_SIZE)
        .await
    {
        Ok(listed) => listed,
        Err(error) => return state.unavailable(&error, Some(session)),
    };
    let lines: Vec<InboxLine> = listed
        .into_iter()
        .map(|row| {
            let (status, tag_class) = stored_status_words(&row.status);
            InboxLine {
                reference: row.id.clone(),
                urgency: urgency_words(&row.urgency).to_owned(),
                received: uk_time_text(&row.sent_at),
                due: uk_time_text(&row.due_at),
                status,
                tag_class,
                id: row.id,
            }
        })
        .collect();
    state
        .audit(referral_entry(
            &state,
            &session.user.id,
            "inbox",
            None,
            format!("ok: {} referrals", lines.len()),
        ))
        .await;
    let empty = match status.and_then(ReferralStatus::parse) {
        None => "No referrals have been sent to you yet.".to_owned(),
        Some(s) => format!("No referrals are {}.", status_words(s).to_lowercase()),
    };
    page(
        StatusCode::OK,
        &InboxPage {
            frame: state.frame("Referrals", Errors::default(), Some(session)),
            tabs: shown.tabs,
            lines,
            caption: shown.caption,
            empty,
            previous: shown.previous,
            next: shown.next,
        },
    )
}

fn urgency_words(stored: &str) -> &'static str {
    match stored {
        "urgent" => "Urgent",
        "soon" => "Soon",
        _ => "Routine",
    }
}

/// The agency's referral with its form, or the page to answer instead (404 for anything
/// that is not this agency's delivered referral: it does not exist for them).
async fn load_case(
    state: &PortalState,
    session: &Session,
    referral_id: &str,
    action: &str,
) -> Result<(AgencyCase, &'static Agency, doorstep_pdf::ReferralDocument), Stop> {
    let user = session.user.id.as_str();
    let agency_id = session.user.firm_id.as_str();
    let found = match state.store().agency_case(agency_id, referral_id).await {
        Ok(found) => found,
        Err(error) => return Err(stop(state.unavailable(&error, Some(session)))),
    };
    let unreadable = || {
        stop(state.message(
            StatusCode::UNPROCESSABLE_ENTITY,
            "This referral cannot be shown",
            &["Ask the council's home safety team to send it again."],
            ("/portal/referrals", "Go to your referrals"),
            Some(session),
        ))
    };
    let case = match found {
        Ok(case) => case,
        Err(AgencyRefusal::NotFound) => {
            state
                .audit(referral_entry(
                    state,
                    user,
                    action,
                    Some(referral_id),
                    "refused: not_found",
                ))
                .await;
            return Err(stop(state.not_found_page(Some(session))));
        }
        Err(_) => return Err(unreadable()),
    };
    let Some(agency) = directory().and_then(|d| d.agency(agency_id)) else {
        return Err(unreadable());
    };
    let Some(form) = referral_form(&case, agency, &state.inner.branding.council_name) else {
        return Err(unreadable());
    };
    Ok((case, agency, form))
}

/// What was just done, for the banner.
#[derive(Debug, Deserialize)]
pub(in crate::portal) struct DoneQuery {
    done: Option<String>,
}

/// `GET /portal/referrals/{id}`.
pub(in crate::portal) async fn referral(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(referral_id): Path<String>,
    query: Result<Query<DoneQuery>, QueryRejection>,
) -> Response {
    let signed = match agency_gate(&state, peer, &headers).await {
        Ok(signed) => signed,
        Err(response) => return *response,
    };
    let session = &signed.session;
    let (case, _, form) = match load_case(&state, session, &referral_id, "read").await {
        Ok(found) => found,
        Err(response) => return *response,
    };
    state
        .audit(referral_entry(
            &state,
            &session.user.id,
            "read",
            Some(&referral_id),
            "ok",
        ))
        .await;
    let done = query
        .ok()
        .and_then(|Query(q)| q.done)
        .and_then(|d| {
            Some(match d.as_str() {
                "acknowledge" => {
                    "You acknowledged this referral. The referrer will see it when they next sync"
                }
                "accept" => {
                    "You accepted this referral. The referrer will see it when they next sync"
                }
                "visit" => "The visit is booked. The referrer will see it when they next sync",
                "outcome" => "The outcome is recorded. The referral is closed",
                "decline" => "You declined this referral. The referrer will see why",
                "no-contact" => "Recorded that you could not make contact. The referral is closed",
                _ => return None,
            })
        })
        .map(str::to_owned);
    let referral = &case.referral;
    let now = chrono::DateTime::<Utc>::from_timestamp_millis(state.now()).unwrap_or_default();
    let (accept, steps) = open_steps(&referral_id, referral);
    page(
        StatusCode::OK,
        &ReferralView {
            frame: state.frame(
                &format!("Referral {}", form.reference),
                Errors::default(),
                Some(session),
            ),
            id: referral_id.clone(),
            status: status_words(referral.status),
            tag_class: tag_class(referral.status),
            received: referral.sent_at.map(uk_time).unwrap_or_default(),
            due: referral.due_at.map(uk_time).unwrap_or_default(),
            overdue: referral.hours_overdue(now).is_some(),
            history: referral
                .history
                .iter()
                .map(|e| {
                    let (what, detail) = step_words(&e.step);
                    HistoryLine {
                        at: uk_time(e.at),
                        what,
                        detail,
                    }
                })
                .collect(),
            done,
            csrf: session.csrf.clone(),
            seq: case.updated_seq,
            accept,
            steps,
            form,
        },
    )
}

/// The forms of the steps that ask for something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::portal) enum StepKind {
    /// Acknowledge, with the agency's own reference if it has one.
    Acknowledge,
    /// Book a visit: a date and a time.
    Visit,
    /// Record the outcome.
    Outcome,
    /// Decline, with why.
    Decline,
    /// No contact, with the attempts made.
    NoContact,
}

impl StepKind {
    fn path(self) -> &'static str {
        match self {
            Self::Acknowledge => "acknowledge",
            Self::Visit => "visit",
            Self::Outcome => "outcome",
            Self::Decline => "decline",
            Self::NoContact => "no-contact",
        }
    }

    fn field(self) -> &'static str {
        match self {
            Self::Acknowledge => "agency_reference",
            Self::Visit => "visit",
            Self::Outcome => "outcome",
            Self::Decline => "reason",
            Self::NoContact => "attempts",
        }
    }

    fn words(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Self::Acknowledge => (
                "Acknowledge the referral",
                "Your own reference for it, if you have one, so the referrer can quote it. Leave it blank if not.",
                "Acknowledge",
            ),
            Self::Visit => (
                "When is the visit?",
                "For example, 27 3 2027 and 14:30. The date and time are UK time.",
                "Book the visit",
            ),
            Self::Outcome => (
                "What was the outcome?",
                "What you did or arranged, for the referrer's records, for example \"Visited; fitted two smoke alarms and made an escape plan\".",
                "Record the outcome",
            ),
            Self::Decline => (
                "Why are you declining the referral?",
                "The referrer will see this and may refer elsewhere.",
                "Decline the referral",
            ),
            Self::NoContact => (
                "What attempts did you make to make contact?",
                "For example, \"Phoned three times on different days; letter sent\".",
                "Record no contact",
            ),
        }
    }
}

#[allow(
    clippy::too_many_arguments,
    reason = "the page's parts: who, which referral, what was typed and why it was refused"
)]
fn step_form(
    state: &PortalState,
    session: &Session,
    kind: StepKind,
    referral_id: &str,
    reference: &str,
    seq: i64,
    typed: &FormFields,
    errors: Errors,
    status: StatusCode,
) -> Response {
    let (heading, hint, button) = kind.words();
    page(
        status,
        &StepFormPage {
            frame: state.frame(heading, errors, Some(session)),
            id: referral_id.to_owned(),
            reference: reference.to_owned(),
            action: format!("/portal/referrals/{referral_id}/{}", kind.path()),
            heading,
            hint,
            field: kind.field(),
            value: text(match kind {
                StepKind::Acknowledge => typed.agency_reference.as_ref(),
                StepKind::Outcome => typed.outcome.as_ref(),
                StepKind::Decline => typed.reason.as_ref(),
                StepKind::NoContact => typed.attempts.as_ref(),
                StepKind::Visit => None,
            }),
            when: [
                text(typed.day.as_ref()),
                text(typed.month.as_ref()),
                text(typed.year.as_ref()),
                text(typed.time.as_ref()),
            ],
            button,
            warning: kind == StepKind::Decline,
            csrf: session.csrf.clone(),
            seq,
        },
    )
}

/// `GET /portal/referrals/{id}/<step>`: the step's form.
pub(in crate::portal) async fn step_page(
    state: PortalState,
    peer: SocketAddr,
    headers: HeaderMap,
    referral_id: String,
    kind: StepKind,
) -> Response {
    let signed = match agency_gate(&state, peer, &headers).await {
        Ok(signed) => signed,
        Err(response) => return *response,
    };
    let session = &signed.session;
    let (case, _, form) = match load_case(&state, session, &referral_id, "read").await {
        Ok(found) => found,
        Err(response) => return *response,
    };
    step_form(
        &state,
        session,
        kind,
        &referral_id,
        &form.reference,
        case.updated_seq,
        &FormFields::default(),
        Errors::default(),
        StatusCode::OK,
    )
}

/// The visit time typed: a date and a 24-hour time in UK time, as UTC; or why not.
fn visit_at(form: &FormFields) -> Result<chrono::DateTime<Utc>, &'static str> {
    let number = |v: Option<&String>| text(v).parse::<u32>().ok();
    let (Some(day), Some(month), Some(year)) = (
        number(form.day.as_ref()),
        number(form.month.as_ref()),
        number(form.year.as_ref()),
    ) else {
        return Err("Enter the visit's date as a day, month and year, for example 27 3 2027");
    };
    let date = i32::try_from(year)
        .ok()
        .and_then(|y| NaiveDate::from_ymd_opt(y, month, day))
        .ok_or("Enter a real date for the visit")?;
    let time = NaiveTime::parse_from_str(&text(form.time.as_ref()), "%H:%M")
        .map_err(|_| "Enter the visit's time as hours and minutes, for example 14:30")?;
    // A time skipped when the clocks go forward is refused rather than guessed.
    doorstep_core::uk_time::from_uk(date, time).ok_or(
        "That time does not exist in the UK on that day (the clocks go forward): choose another",
    )
}

/// `POST /portal/referrals/{id}/accept`.
pub(in crate::portal) async fn accept(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(referral_id): Path<String>,
    form: Result<Form<FormFields>, FormRejection>,
) -> Response {
    take(state, peer, headers, referral_id, form, None).await
}

/// `POST /portal/referrals/{id}/<step>`: the step, as typed.
pub(in crate::portal) async fn step(
    state: PortalState,
    peer: SocketAddr,
    headers: HeaderMap,
    referral_id: String,
    form: Result<Form<FormFields>, FormRejection>,
    kind: StepKind,
) -> Response {
    take(state, peer, headers, referral_id, form, Some(kind)).await
}

/// Takes a step (`None`: accept) and answers: the referral's page with a banner, the form
/// again with what to fix, or why not. Nothing is written unless the core allows it.
async fn take(
    state: PortalState,
    peer: SocketAddr,
    headers: HeaderMap,
    referral_id: String,
    form: Result<Form<FormFields>, FormRejection>,
    kind: Option<StepKind>,
) -> Response {
    let back = format!("/portal/referrals/{referral_id}");
    let (signed, typed) = match signed_form(
        &state,
        peer,
        &headers,
        form,
        Allow::Full,
        "write",
        Some(&referral_id),
        &back,
    )
    .await
    {
        Ok(ready) => ready,
        Err(response) => return *response,
    };
    let session = &signed.session;
    let user = session.user.id.clone();
    if session.user.kind != OrganisationKind::Agency {
        return state.not_found_page(Some(session));
    }
    let seq = seen_seq(typed.seq.as_deref());
    let form_again = |errors: Errors, kind: StepKind| {
        step_form(
            &state,
            session,
            kind,
            &referral_id,
            &referral_id,
            seq,
            &typed,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    let step = match kind {
        None => ReferralStep::Accept,
        Some(StepKind::Acknowledge) => ReferralStep::Acknowledge {
            agency_reference: Some(text(typed.agency_reference.as_ref())),
        },
        Some(StepKind::Visit) => match visit_at(&typed) {
            Ok(visit_at) => ReferralStep::BookVisit { visit_at },
            Err(message) => return form_again(Errors::one("visit", message), StepKind::Visit),
        },
        Some(StepKind::Outcome) => ReferralStep::Complete {
            outcome: text(typed.outcome.as_ref()),
        },
        Some(StepKind::Decline) => ReferralStep::Decline {
            reason: text(typed.reason.as_ref()),
        },
        Some(StepKind::NoContact) => ReferralStep::NoContact {
            attempts: text(typed.attempts.as_ref()),
        },
    };
    let Ok(officer) = user.parse::<OfficerId>() else {
        return state.unavailable(
            &StoreError::Backend("stored agency user id is damaged".into()),
            Some(session),
        );
    };
    let label = step.kind().as_str();
    let request = ReferralStepRequest {
        agency_id: session.user.firm_id.clone(),
        referral_id: referral_id.clone(),
        seen_seq: seq,
        step,
        actor: HubActor {
            user: officer,
            hub_device: state.inner.hub_device,
        },
        audit: referral_entry(&state, &user, "write", Some(&referral_id), label),
        now: state.now(),
    };
    let refusal = match state.store().take_referral_step(request).await {
        Ok(Ok(_)) => {
            let done = kind.map_or("accept", StepKind::path);
            return redirect(&format!("{back}?done={done}"));
        }
        Ok(Err(refusal)) => refusal,
        Err(error) => return state.unavailable(&error, Some(session)),
    };
    state
        .audit(referral_entry(
            &state,
            &user,
            "write",
            Some(&referral_id),
            format!("refused: {}", refusal.code()),
        ))
        .await;
    match refusal {
        AgencyRefusal::NotFound => state.not_found_page(Some(session)),
        AgencyRefusal::Stale => state.message(
            StatusCode::CONFLICT,
            "This referral has changed",
            &[
                "It changed after you opened the page, perhaps because the form was sent twice. Nothing more was changed.",
                "Check the referral, then do what you meant to again if it is still needed.",
            ],
            (&back, "Back to the referral"),
            Some(session),
        ),
        AgencyRefusal::Unreadable | AgencyRefusal::NotApplied => state.message(
            StatusCode::CONFLICT,
            "This referral cannot be changed",
            &[
                "The hub could not record what you did, so nothing was changed.",
                "Ask the council's home safety team to look at the referral.",
            ],
            (&back, "Back to the referral"),
            Some(session),
        ),
        AgencyRefusal::Step(error) => match (error, kind) {
            (ReferralError::VisitInThePast, Some(k)) => form_again(
                Errors::one("visit", ReferralError::VisitInThePast.to_string()),
                k,
            ),
            (ReferralError::Blank(blank), Some(k)) => {
                form_again(Errors::one(k.field(), blank.to_string()), k)
            }
            (e @ ReferralError::TooLong { .. }, Some(k)) => {
                form_again(Errors::one(k.field(), e.to_string()), k)
            }
            (other, _) => state.message(
                StatusCode::CONFLICT,
                "This cannot be done now",
                &[&format!("{other}. Nothing was changed.")],
                (&back, "Back to the referral"),
                Some(session),
            ),
        },
    }
}

/// `GET /portal/referrals/{id}/referral.{pdf,json,csv}`: the referral form as a PDF, or
/// the referral as structured data for the agency's own case system.
pub(in crate::portal) async fn download(
    state: PortalState,
    peer: SocketAddr,
    headers: HeaderMap,
    referral_id: String,
    format: &'static str,
) -> Response {
    let signed = match agency_gate(&state, peer, &headers).await {
        Ok(signed) => signed,
        Err(response) => return *response,
    };
    let session = &signed.session;
    let action = format!("download-{format}");
    let (case, _, form) = match load_case(&state, session, &referral_id, &action).await {
        Ok(found) => found,
        Err(response) => return *response,
    };
    let made: Result<(Vec<u8>, &str), String> = match format {
        "json" => serde_json::to_vec_pretty(&export(&case.referral, &form))
            .map(|b| (b, "application/json"))
            .map_err(|e| e.to_string()),
        "csv" => to_csv(&export(&case.referral, &form))
            .map(|b| (b, "text/csv; charset=utf-8"))
            .map_err(|e| e.to_string()),
        _ => {
            let branding = state.inner.branding.clone();
            match tokio::task::spawn_blocking(move || {
                doorstep_pdf::render_referral(&form, &branding)
            })
            .await
            {
                Ok(Ok(bytes)) => Ok((bytes, "application/pdf")),
                Ok(Err(e)) => Err(e.to_string()),
                Err(e) => Err(e.to_string()),
            }
        }
    };
    let (bytes, media_type) = match made {
        Ok(made) => made,
        Err(error) => {
            tracing::error!(%error, "portal: a referral download could not be made");
            return state.message(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The file could not be made",
                &["Try again later, or ask the council's home safety team for a copy."],
                (
                    &format!("/portal/referrals/{referral_id}"),
                    "Back to the referral",
                ),
                Some(session),
            );
        }
    };
    state
        .audit(referral_entry(
            &state,
            &session.user.id,
            &action,
            Some(&referral_id),
            "ok",
        ))
        .await;
    // The file name is the referral's id alone: never a resident's name.
    let file: String = referral_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    (
        [
            (header::CONTENT_TYPE, media_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"referral-{file}.{format}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// The GET and POST handlers of each step's form, and of each download.
macro_rules! step_handlers {
    ($($page:ident, $post:ident => $kind:expr;)*) => {$(
        /// The step's form (GET).
        pub(in crate::portal) async fn $page(
            State(state): State<PortalState>,
            ConnectInfo(peer): ConnectInfo<SocketAddr>,
            headers: HeaderMap,
            Path(referral_id): Path<String>,
        ) -> Response {
            step_page(state, peer, headers, referral_id, $kind).await
        }

        /// The step, as typed (POST).
        pub(in crate::portal) async fn $post(
            State(state): State<PortalState>,
            ConnectInfo(peer): ConnectInfo<SocketAddr>,
            headers: HeaderMap,
            Path(referral_id): Path<String>,
            form: Result<Form<FormFields>, FormRejection>,
        ) -> Response {
            step(state, peer, headers, referral_id, form, $kind).await
        }
    )*};
}

step_handlers! {
    acknowledge_page, acknowledge => StepKind::Acknowledge;
    visit_page, visit => StepKind::Visit;
    outcome_page, outcome => StepKind::Outcome;
    decline_page, decline => StepKind::Decline;
    no_contact_page, no_contact => StepKind::NoContact;
}

macro_rules! download_handlers {
    ($($name:ident => $format:literal;)*) => {$(
        /// The referral as a download in this format.
        pub(in crate::portal) async fn $name(
            State(state): State<PortalState>,
            ConnectInfo(peer): ConnectInfo<SocketAddr>,
            headers: HeaderMap,
            Path(referral_id): Path<String>,
        ) -> Response {
            download(state, peer, headers, referral_id, $format).await
        }
    )*};
}

download_handlers! {
    pdf => "pdf";
    json => "json";
    csv => "csv";
}
