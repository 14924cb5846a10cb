//! Subject access beyond the register: the DPO's search for a person across every team (by
//! name, date of birth or phone, read by `core::privacy::lookup`), and the answer as a
//! readable PDF and as one ZIP with the photos and signatures themselves. Only the DPO
//! reaches them (anyone else: 404); reading is audited, never with what was typed.

use std::net::SocketAddr;

use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use doorstep_core::privacy::lookup::read_person_query;
use serde::Deserialize;
use serde_json::Value;

use std::collections::BTreeMap;

use doorstep_sync::protocol::EntityKind;

use super::Signed;
use super::privacy::dpo_gate;
use crate::casework::{Fields, Scope};
use crate::console::ConsoleState;
use crate::console::pages::{Errors, when};
use crate::console::privacy_pages::{PeoplePage, PersonLine};
use crate::model::StoreError;
use crate::privacy::bundle::{Bundle, Held, attachment_hashes};
use crate::privacy::{RequestRow, SharedPrivacyStore, answer};
use crate::web::respond::page;

/// The most residents one search lists; more asks for another word.
const PEOPLE_LIMIT: u32 = 50;
/// The longest search read.
const QUERY_MAX: usize = 200;

/// The search form's field.
#[derive(Debug, Default, Deserialize)]
pub(in crate::console) struct PeopleQuery {
    q: Option<String>,
}

fn field<'a>(fields: &'a Fields, name: &str) -> &'a str {
    fields.get(name).and_then(Value::as_str).unwrap_or_default()
}

/// A stored date of birth as the UK writes it, or empty.
fn born(fields: &Fields) -> String {
    chrono::NaiveDate::parse_from_str(field(fields, "date_of_birth"), "%Y-%m-%d")
        .map(|d| d.format("%d/%m/%Y").to_string())
        .unwrap_or_default()
}

/// `GET /console/privacy/people`: the DPO's search for a person, each match listed on its
/// own line so two people of one name are never taken for one.
pub(in crate::console) async fn people(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    query: Result<Query<PeopleQuery>, QueryRejection>,
) -> Response {
    let (signed, _) = match dpo_gate(&state, peer, &headers).await {
        Ok(ok) => ok,
        Err(response) => return *response,
    };
    let session = &signed.session;
    let typed = query
        .ok()
        .and_then(|Query(q)| q.q)
        .map(|q| q.trim().to_owned());
    let mut view = PeoplePage {
        frame: state.frame("Find a person", Errors::default(), Some(session)),
        query: typed.clone().unwrap_or_default(),
        searched: typed.is_some(),
        found: Vec::new(),
        more: false,
    };
    let Some(typed) = typed else {
        return page(StatusCode::OK, &view);
    };
    let read = if typed.chars().count() > QUERY_MAX {
        Err(format!("Type at most {QUERY_MAX} characters"))
    } else {
        read_person_query(&typed).map_err(|e| e.to_string())
    };
    let query = match read {
        Ok(query) => query,
        Err(message) => {
            view.frame.errors = Errors::one("q", message);
            view.query = view.query.chars().take(QUERY_MAX).collect();
            return page(StatusCode::BAD_REQUEST, &view);
        }
    };
    let (Some(casework), Some(scope)) = (state.casework(), Scope::of(doorstep_core::Role::Dpo, ""))
    else {
        return state.not_found_page(Some(session));
    };
    let mut found = match casework.people(&scope, &query, PEOPLE_LIMIT + 1).await {
        Ok(found) => found,
        Err(error) => return state.unavailable(&error, Some(session)),
    };
    let teams: std::collections::HashMap<String, String> = match state.store().teams().await {
        Ok(teams) => teams.into_iter().map(|t| (t.id, t.name)).collect(),
        Err(error) => return state.unavailable(&error, Some(session)),
    };
    view.more = found.len() > PEOPLE_LIMIT as usize;
    found.truncate(PEOPLE_LIMIT as usize);
    let mut lines: Vec<PersonLine> = found
        .into_iter()
        .map(|p| PersonLine {
            name: field(&p.fields, "full_name").to_owned(),
            born: born(&p.fields),
            address: [
                field(&p.household, "address_line_1"),
                field(&p.household, "town"),
                field(&p.household, "postcode"),
            ]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", "),
            team: teams.get(&p.team_id).cloned().unwrap_or_default(),
            household_id: p.household_id,
            id: p.id,
        })
        .collect();
    lines.sort_by(|a, b| (&a.name, &a.address, &a.id).cmp(&(&b.name, &b.address, &b.id)));
    view.found = lines;
    // What was searched for is personal data: the line says only how many were found.
    state
        .audit(state.entry(
            Some(&session.user.id),
            "privacy-person-search",
            None,
            format!("{} found", view.found.len()),
        ))
        .await;
    page(StatusCode::OK, &view)
}

/// The photos of the surveys among a household's `records`, as the bundle reads records:
/// photos name their survey, not their household, so the case index does not hold them.
pub(super) async fn survey_photos(
    store: &SharedPrivacyStore,
    records: &[crate::casework::CaseRecord],
) -> Result<Vec<Held>, StoreError> {
    let mut by_team: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for r in records.iter().filter(|r| r.entity == EntityKind::Survey) {
        by_team.entry(&r.team_id).or_default().push(r.id.clone());
    }
    let mut out = Vec::new();
    for (team, surveys) in by_team {
        for (id, fields) in store.survey_photos(team, &surveys).await? {
            out.push(Held {
                entity: EntityKind::SurveyPhoto,
                id,
                fields: fields.into_iter().collect(),
            });
        }
    }
    Ok(out)
}

/// The reviewed answer as a PDF (`format` "pdf") or as a ZIP of the PDF, JSON, CSV and the
/// photos and signatures its records name ("zip"): named by the request's id, never the
/// person, not cached, and audited with what was produced, never its content.
pub(super) async fn answer_file(
    state: &ConsoleState,
    signed: &Signed,
    store: &SharedPrivacyStore,
    row: &RequestRow,
    bundle: &Bundle,
    format: &'static str,
) -> Response {
    let session = &signed.session;
    let wanted: Vec<String> = if format == "zip" {
        attachment_hashes(bundle).into_iter().collect()
    } else {
        Vec::new()
    };
    let attachments = match store.attachment_bytes(&wanted).await {
        Ok(found) => found,
        Err(error) => return state.unavailable(&error, Some(session)),
    };
    let names: Vec<String> = if format == "zip" {
        attachments
            .iter()
            .map(|(sha, bytes)| answer::attachment_name(sha, bytes))
            .collect()
    } else {
        // The PDF alone carries no files: it names those the records point to, which the
        // ZIP holds.
        attachment_hashes(bundle)
            .into_iter()
            .map(|sha| format!("attachments/{sha}"))
            .collect()
    };
    let included = attachments.len();
    let produced = when(state.now());
    let (bundle_copy, branding) = (bundle.clone(), crate::portal::branding());
    let made = tokio::task::spawn_blocking(move || {
        let pdf = doorstep_pdf::render_subject_access(
            &answer::document(&bundle_copy, &produced, names),
            &branding,
        )?;
        if format == "zip" {
            answer::zip(&bundle_copy, &pdf, &attachments)
        } else {
            Ok(pdf)
        }
    })
    .await;
    let body = match made {
        Ok(Ok(body)) => body,
        Ok(Err(error)) => {
            tracing::error!(%error, request = %row.id, "console: the subject access answer failed");
            return state.unavailable(&StoreError::Backend(error.to_string()), Some(session));
        }
        Err(error) => {
            return state.unavailable(&StoreError::Backend(error.to_string()), Some(session));
        }
    };
    state
        .audit(state.entry(
            Some(&session.user.id),
            "privacy-answer",
            Some(("privacy_request", &row.id)),
            format!(
                "produced: {format}, {} records, {included} attachments",
                bundle.records.len(),
            ),
        ))
        .await;
    let media = if format == "zip" {
        "application/zip"
    } else {
        "application/pdf"
    };
    axum::response::IntoResponse::into_response((
        [
            (axum::http::header::CONTENT_TYPE, media.to_owned()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"subject-access-{}.{format}\"",
                    row.id
                ),
            ),
            (axum::http::header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    ))
}
