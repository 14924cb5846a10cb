//! `GET /console/privacy/data-map` and `GET /console/privacy/data-map.csv`: the data map as
//! the council's record of processing, for the data protection officer and the
//! administrator: per kind of record, each field, what it is, its classification, who sees
//! it, the lawful basis and its retention class. Reading and exporting it are audited.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use doorstep_core::Role;
use doorstep_core::privacy::data_map::{DataMap, Entry};
use doorstep_core::text::spreadsheet_safe;

use super::gate;
use crate::console::ConsoleState;
use crate::console::access::may_read_data_map;
use crate::console::pages::{DataMapKind, DataMapPage, DataMapRow, Errors};
use crate::web::respond::page;
use crate::web::session::Allow;

/// The CSV's columns, in order.
pub const CSV_HEADER: [&str; 9] = [
    "record_kind",
    "field",
    "what",
    "classification",
    "roles",
    "lawful_basis",
    "retention_class",
    "note",
    "source_line",
];

/// The roles, in words, joined.
fn roles(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| r.label())
        .collect::<Vec<_>>()
        .join(", ")
}

fn row(e: &Entry) -> DataMapRow {
    DataMapRow {
        field: e.field.clone(),
        what: e.what.clone(),
        classification: e.classification.label(),
        roles: roles(&e.roles),
        basis: e.basis.label(),
        retention: e.retention.label(),
        note: match (&e.note, e.figure) {
            (Some(note), true) => format!("{note} {FIGURE}"),
            (None, true) => FIGURE.to_owned(),
            (note, false) => note.clone().unwrap_or_default(),
        },
    }
}

/// What the record of processing says of a field kept as a figure.
const FIGURE: &str =
    "Kept as one of the figures when the retention schedule anonymises the record.";

/// Every kind of record, as the page shows them.
pub fn kinds(map: &DataMap) -> Vec<DataMapKind> {
    map.records()
        .iter()
        .map(|r| DataMapKind {
            entity: r.entity,
            label: r.label,
            rows: r.entries.iter().map(row).collect(),
        })
        .collect()
}

/// The map as CSV, every cell made safe to open in a spreadsheet. Codes, not words, for
/// the classification, roles, basis and class, so a council can filter and compare.
pub fn csv(map: &DataMap) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    out.write_record(CSV_HEADER)?;
    for record in map.records() {
        for e in &record.entries {
            let cells = [
                record.entity.to_owned(),
                e.field.clone(),
                e.what.clone(),
                e.classification.as_str().to_owned(),
                e.roles
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
                e.basis.as_str().to_owned(),
                e.retention.as_str().to_owned(),
                e.note.clone().unwrap_or_default(),
                e.line.to_string(),
            ];
            out.write_record(cells.iter().map(|c| spreadsheet_safe(c).into_owned()))?;
        }
    }
    out.into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}

/// The signed-in session when it may read the data map, else the answer to give.
async fn reader(
    state: &ConsoleState,
    peer: SocketAddr,
    headers: &HeaderMap,
) -> Result<(super::Signed, &'static DataMap), Response> {
    let signed = gate(state, peer, headers, Allow::Full)
        .await
        .map_err(|r| *r)?;
    if !may_read_data_map(signed.session.user.role) {
        return Err(state.not_found_page(Some(&signed.session)));
    }
    match crate::data_map::data_map() {
        Some(map) => Ok((signed, map)),
        None => Err(state.message(
            StatusCode::SERVICE_UNAVAILABLE,
            "The data map could not be read",
            &["The hub has no data map it can read. Ask the administrator to check the hub's log."],
            ("/console/home", "Go to the console's home page"),
            Some(&signed.session),
        )),
    }
}

/// `GET /console/privacy/data-map`.
pub(in crate::console) async fn data_map(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let (signed, map) = match reader(&state, peer, &headers).await {
        Ok(read) => read,
        Err(response) => return response,
    };
    let session = &signed.session;
    state
        .audit(state.entry(Some(&session.user.id), "data-map-view", None, "ok"))
        .await;
    page(
        StatusCode::OK,
        &DataMapPage {
            frame: state.frame("Record of processing", Errors::default(), Some(session)),
            councils_own: crate::data_map::councils_own(),
            kinds: kinds(map),
        },
    )
}

/// `GET /console/privacy/data-map.csv`.
pub(in crate::console) async fn export(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let (signed, map) = match reader(&state, peer, &headers).await {
        Ok(read) => read,
        Err(response) => return response,
    };
    let session = &signed.session;
    let body =
        match csv(map) {
            Ok(body) => body,
            Err(error) => {
                tracing::error!(%error, "console: the data map export failed");
                return state.message(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The data map could not be exported",
                &["Try again. If it fails again, ask the administrator to check the hub's log."],
                ("/console/privacy/data-map", "Go back to the record of processing"),
                Some(session),
            );
            }
        };
    state
        .audit(state.entry(Some(&session.user.id), "data-map-export", None, "ok"))
        .await;
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"record-of-processing.csv\"",
            ),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use doorstep_core::built_in;

    #[test]
    fn the_csv_has_a_row_per_field_and_no_formula_survives() {
        let text = built_in::DATA_MAP.1.replacen(
            "what = \"First line of the address\"",
            "what = \"=HYPERLINK(1)\"",
            1,
        );
        let map = DataMap::from_toml(&text).unwrap();
        let bytes = csv(&map).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let fields: usize = map.records().iter().map(|r| r.entries.len()).sum();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), fields, "one row per field");
        let address = rows
            .iter()
            .find(|r| &r[0] == "household" && &r[1] == "address_line_1")
            .unwrap();
        assert_eq!(&address[2], "'=HYPERLINK(1)", "a formula is neutralised");
        assert_eq!(&address[3], "personal");
        let crime = rows
            .iter()
            .find(|r| &r[0] == "survey" && &r[1] == "answers.crime_ref")
            .unwrap();
        assert_eq!(&crime[3], "criminal_offence");
        assert_eq!(&crime[4], "officer supervisor");
        assert_eq!(&crime[5], "criminal_offence_unlawful_acts");
    }
}
