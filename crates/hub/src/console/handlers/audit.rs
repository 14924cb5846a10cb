//! The audit log, for the administrator and the data protection officer: filtered by a
//! GET form (person, laptop, record, action, dates), newest first, 50 to a page, and the
//! same filters exported as CSV. Reading it and exporting it are audited too
//! (`console.audit-view`, `console.audit-export`). A filter that cannot be used answers
//! 400 with an error summary and shows no entries.

use std::net::SocketAddr;

use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;

use super::{Signed, audit_gate};
use crate::console::ConsoleState;
use crate::console::pages::{AuditPage, AuditQuery, AuditView, Errors};
use crate::console::store::{AuditFilter, AuditRow, SharedConsoleStore};
use crate::web::respond::page;

/// Entries on one page.
pub const PAGE_SIZE: i64 = 50;
/// Entries read at a time for the CSV export.
const EXPORT_BATCH: i64 = 500;
/// The longest filter value accepted.
const MAX_FILTER_CHARS: usize = 200;
/// The last page anyone can ask for (keeps the offset far from overflowing).
const MAX_PAGE: i64 = 1_000_000;

/// The CSV's columns, in order.
pub const CSV_HEADER: [&str; 9] = [
    "time_utc",
    "user_id",
    "user_name",
    "device_id",
    "action",
    "entity",
    "entity_id",
    "outcome",
    "entry_id",
];

/// A day typed as `YYYY-MM-DD`.
fn day(text: &str) -> Option<NaiveDate> {
    let plain = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    plain
        .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten()
}

/// Midnight (UTC) at the start of `day`, in Unix ms.
fn start_of(day: NaiveDate) -> Option<i64> {
    Some(day.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis())
}

/// The filter the query asks for and its page, or the problems with it.
fn read_query(query: &AuditQuery) -> Result<(AuditFilter, i64), Errors> {
    let mut errors = Errors::default();
    let mut text = |name: &str, label: &str, value: Option<&String>| -> Option<String> {
        let value = AuditQuery::field(value);
        if value.is_empty() {
            None
        } else if value.chars().count() > MAX_FILTER_CHARS {
            errors.add(
                name,
                format!("{label} must be {MAX_FILTER_CHARS} characters or fewer"),
            );
            None
        } else if value.chars().any(char::is_control) {
            errors.add(
                name,
                format!("{label} must be letters, numbers and punctuation only"),
            );
            None
        } else {
            Some(value)
        }
    };
    let mut filter = AuditFilter {
        person: text("person", "Person", query.person.as_ref()),
        device: text("device", "Laptop", query.device.as_ref()),
        entity: text("entity", "Kind of record", query.entity.as_ref()),
        entity_id: text("entity_id", "Record id", query.entity_id.as_ref()),
        action: text("action", "Action", query.action.as_ref()),
        ..AuditFilter::default()
    };
    let from_text = AuditQuery::field(query.from.as_ref());
    let to_text = AuditQuery::field(query.to.as_ref());
    let from = (!from_text.is_empty()).then(|| day(&from_text));
    let to = (!to_text.is_empty()).then(|| day(&to_text));
    if from == Some(None) {
        errors.add(
            "from",
            "Enter the date from as year-month-day, for example 2026-12-06",
        );
    }
    if to == Some(None) {
        errors.add(
            "to",
            "Enter the date to as year-month-day, for example 2026-12-06",
        );
    }
    let (from, to) = (from.flatten(), to.flatten());
    if let (Some(from), Some(to)) = (from, to)
        && from > to
    {
        errors.add(
            "to",
            "The date to must be the same as or after the date from",
        );
    }
    filter.from = from.and_then(start_of);
    filter.before = to.and_then(|d| d.succ_opt()).and_then(start_of);
    let page_text = AuditQuery::field(query.page.as_ref());
    let page = if page_text.is_empty() {
        1
    } else {
        match page_text.parse::<i64>() {
            Ok(n) if (1..=MAX_PAGE).contains(&n) => n,
            _ => {
                errors.add("", "There is no such page of the audit log");
                1
            }
        }
    };
    if errors.any() {
        Err(errors)
    } else {
        Ok((filter, page))
    }
}

/// What the audit line of a read says about its filters (no more than 300 characters).
fn describe(query: &AuditQuery) -> String {
    let filters = query.filters_query();
    let mut text = if filters.is_empty() {
        "no filters".to_owned()
    } else {
        format!("filters {filters}")
    };
    if text.len() > 300 {
        let mut end = 300;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

/// The page's link with the same filters.
fn href(path: &str, query: &AuditQuery, page: Option<i64>) -> String {
    let mut q = query.filters_query();
    if let Some(page) = page {
        if !q.is_empty() {
            q.push('&');
        }
        q.push_str(&format!("page={page}"));
    }
    if q.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{q}")
    }
}

/// The filters of a query string axum could not read (a repeated field, say): none, and a
/// problem to show.
fn query_or_problem(query: Result<Query<AuditQuery>, QueryRejection>) -> (AuditQuery, Errors) {
    match query {
        Ok(Query(query)) => (query, Errors::default()),
        Err(_) => (
            AuditQuery::default(),
            Errors::one("", "The filters could not be read: set them again"),
        ),
    }
}

/// `GET /console/audit`.
pub(in crate::console) async fn audit(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Response {
    let signed = match audit_gate(&state, peer, &headers).await {
        Ok(signed) => signed,
        Err(response) => return *response,
    };
    let (query, unreadable) = query_or_problem(query);
    let read = if unreadable.any() {
        Err(unreadable)
    } else {
        read_query(&query)
    };
    let user = signed.session.user.id.clone();
    let (filter, page_no) = match read {
        Ok(read) => read,
        Err(errors) => {
            state
                .audit(state.entry(Some(&user), "audit-view", None, "refused: invalid filter"))
                .await;
            return audit_page(
                &state,
                &signed,
                StatusCode::BAD_REQUEST,
                query,
                errors,
                None,
            );
        }
    };
    let store = state.store();
    let (total, rows) = match store.count_audit(&filter).await {
        Ok(total) => {
            let offset = (page_no - 1) * PAGE_SIZE;
            match store.audit_entries(&filter, PAGE_SIZE, offset).await {
                Ok(rows) => (total, rows),
                Err(error) => return state.unavailable(&error, Some(&signed.session)),
            }
        }
        Err(error) => return state.unavailable(&error, Some(&signed.session)),
    };
    let pages = (total + PAGE_SIZE - 1) / PAGE_SIZE;
    state
        .audit(state.entry(
            Some(&user),
            "audit-view",
            None,
            format!(
                "ok: page {page_no} of {total} entries, {}",
                describe(&query)
            ),
        ))
        .await;
    audit_page(
        &state,
        &signed,
        StatusCode::OK,
        query,
        Errors::default(),
        Some((rows, total, page_no, pages)),
    )
}

/// The audit log page: the form, and the entries when the filters were good.
fn audit_page(
    state: &ConsoleState,
    signed: &Signed,
    status: StatusCode,
    query: AuditQuery,
    errors: Errors,
    shown: Option<(Vec<AuditRow>, i64, i64, i64)>,
) -> Response {
    let session = &signed.session;
    let csv_href = href("/console/audit.csv", &query, None);
    let (rows, caption, previous, next, shown) = match shown {
        Some((rows, total, page_no, pages)) => {
            let entries = if total == 1 { "entry" } else { "entries" };
            let caption = if pages > 1 {
                format!("{total} {entries}, newest first: page {page_no} of {pages}")
            } else {
                format!("{total} {entries}, newest first")
            };
            let previous = (page_no > 1 && page_no <= pages + 1)
                .then(|| href("/console/audit", &query, Some(page_no - 1)));
            let next = (page_no < pages).then(|| href("/console/audit", &query, Some(page_no + 1)));
            let rows = rows.into_iter().map(AuditView::from).collect();
            (rows, caption, previous, next, true)
        }
        None => (Vec::new(), String::new(), None, None, false),
    };
    page(
        status,
        &AuditPage {
            frame: state.frame("Audit log", errors, Some(session)),
            query,
            shown,
            rows,
            caption,
            previous,
            next,
            csv_href,
        },
    )
}

/// A cell a spreadsheet would not run as a formula: one starting with `=`, `+`, `-`, `@`,
/// a tab or a carriage return gets a `'` in front.
pub fn neutralise(cell: &str) -> String {
    doorstep_core::text::spreadsheet_safe(cell).into_owned()
}

/// Rows as CSV lines (and the header first, when asked).
fn csv_lines(rows: &[AuditRow], header: bool) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    if header {
        out.write_record(CSV_HEADER)?;
    }
    for r in rows {
        let time = chrono::DateTime::from_timestamp_millis(r.at)
            .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
            .unwrap_or_default();
        let cells = [
            time,
            r.user_id.clone().unwrap_or_default(),
            r.user_name.clone().unwrap_or_default(),
            r.device_id.clone().unwrap_or_default(),
            r.action.clone(),
            r.entity.clone().unwrap_or_default(),
            r.entity_id.clone().unwrap_or_default(),
            r.outcome.clone(),
            r.id.to_string(),
        ];
        out.write_record(cells.iter().map(|c| neutralise(c)))?;
    }
    out.into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}

/// Where the export has got to.
struct Export {
    store: SharedConsoleStore,
    filter: AuditFilter,
    header: bool,
    done: bool,
}

/// The next part of the CSV: the header and a batch of entries, older than the last.
async fn next_part(mut export: Export) -> Option<(Result<Bytes, std::io::Error>, Export)> {
    if export.done {
        return None;
    }
    let rows = match export
        .store
        .audit_entries(&export.filter, EXPORT_BATCH, 0)
        .await
    {
        Ok(rows) => rows,
        Err(error) => {
            tracing::error!(%error, "console: the audit export stopped");
            export.done = true;
            return Some((Err(std::io::Error::other(error.to_string())), export));
        }
    };
    if rows.is_empty() && !export.header {
        return None;
    }
    let lines = match csv_lines(&rows, export.header) {
        Ok(lines) => lines,
        Err(error) => {
            export.done = true;
            return Some((Err(std::io::Error::other(error.to_string())), export));
        }
    };
    export.header = false;
    match rows.last() {
        Some(last) if i64::try_from(rows.len()).is_ok_and(|n| n == EXPORT_BATCH) => {
            export.filter.older_than = Some((last.at, last.id));
        }
        _ => export.done = true,
    }
    Some((Ok(Bytes::from(lines)), export))
}

/// `GET /console/audit.csv`: every entry the filters match, newest first, as CSV.
pub(in crate::console) async fn export(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Response {
    let signed = match audit_gate(&state, peer, &headers).await {
        Ok(signed) => signed,
        Err(response) => return *response,
    };
    let (query, unreadable) = query_or_problem(query);
    let read = if unreadable.any() {
        Err(unreadable)
    } else {
        read_query(&query)
    };
    let user = signed.session.user.id.clone();
    let filter = match read {
        Ok((filter, _)) => filter,
        Err(errors) => {
            state
                .audit(state.entry(Some(&user), "audit-export", None, "refused: invalid filter"))
                .await;
            return audit_page(
                &state,
                &signed,
                StatusCode::BAD_REQUEST,
                query,
                errors,
                None,
            );
        }
    };
    let total = match state.store().count_audit(&filter).await {
        Ok(total) => total,
        Err(error) => return state.unavailable(&error, Some(&signed.session)),
    };
    // Written first, so the export is on record even if the download is cut short.
    state
        .audit(state.entry(
            Some(&user),
            "audit-export",
            None,
            format!("ok: {total} entries, {}", describe(&query)),
        ))
        .await;
    // Read newest first in batches, each older than the last entry read: entries written
    // while the file is sent (this export's own line, say) are newer, so none is sent twice.
    let start = Export {
        store: state.store().clone(),
        filter,
        header: true,
        done: false,
    };
    let body = Body::from_stream(futures_util::stream::unfold(start, next_part));
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit-log.csv\"",
            ),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        for cell in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralise(cell), format!("'{cell}"));
        }
        for cell in ["admin.add-user", "ok: 3", "", "1=1"] {
            assert_eq!(neutralise(cell), cell);
        }
    }

    #[test]
    fn dates_are_read_strictly() {
        assert!(day("2026-12-06").is_some());
        for bad in [
            "2026-13-01",
            "2026-02-30",
            "06/12/2026",
            "2026-1-1",
            "+2026-12-06",
            "",
        ] {
            assert!(day(bad).is_none(), "{bad}");
        }
        let q = AuditQuery {
            from: Some("2026-12-07".into()),
            to: Some("2026-12-06".into()),
            ..AuditQuery::default()
        };
        assert!(read_query(&q).is_err(), "from after to");
        let q = AuditQuery {
            from: Some("2026-12-06".into()),
            to: Some("2026-12-06".into()),
            ..AuditQuery::default()
        };
        let (filter, page) = read_query(&q).unwrap_or_default();
        assert_eq!(page, 1);
        assert_eq!(
            filter.before.zip(filter.from).map(|(b, f)| b - f),
            Some(86_400_000),
            "the day to is included"
        );
    }
}
