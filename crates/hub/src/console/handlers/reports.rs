//! The partnership's reports in the console: the dashboard (figures by group, the seven
//! charts with a table and a CSV each), the funders' returns as XLSX and CSV, and the
//! board report as PDF, for a period, a team, an area and a scheme. Supervisors see their
//! own team's figures, analysts and administrators every team's (`report_teams`). Every
//! figure goes through the suppression threshold before it leaves the hub, and every view
//! and download is audited with what it covered.

use std::net::SocketAddr;

use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{Months, NaiveDate};
use doorstep_reports::chart::{self, Chart};
use doorstep_reports::engine::{Burglary, Categories, Report, Scope, compute};
use doorstep_reports::figure::{SUPPRESSED_NOTE, Threshold};
use doorstep_reports::period::Period;
use doorstep_reports::scheme::{Area, Scheme};
use doorstep_reports::tables::RowTable;

use super::{Signed, gate};
use crate::console::ConsoleState;
use crate::console::access::{may_export_rows, report_teams};
use crate::console::pages::{
    ChartView, Choice, Errors, FigureGroup, ReportQuery, ReportsPage, ReturnLink, team_choices,
};
use crate::reports::settings::settings;
use crate::web::respond::page;
use crate::web::session::Allow;

/// What a report covers, read from the page's choices.
#[derive(Debug, Clone)]
pub(super) struct Chosen {
    /// The period.
    pub(super) period: Period,
    /// The teams read (`None`: every team).
    pub(super) teams: Option<Vec<String>>,
    /// One area.
    pub(super) area: Option<Area>,
    /// A scheme.
    pub(super) scheme: Option<Scheme>,
}

impl Chosen {
    /// What it covers, in words, for the page and the audit log.
    fn describe(&self, team_name: &str) -> String {
        let mut words = format!("{}, {team_name}", self.period);
        if let Some(area) = &self.area {
            words.push_str(&format!(", {}", area.code()));
        }
        if let Some(scheme) = &self.scheme {
            words.push_str(&format!(", {}", scheme.name));
        }
        words
    }
}

/// The periods offered ([`Period::offered`]), the chosen one (or this quarter) selected.
pub(super) fn period_choices(today: NaiveDate, chosen: &str) -> Vec<Choice> {
    let chosen = if chosen.is_empty() {
        Period::quarter_of(today).code()
    } else {
        chosen.to_owned()
    };
    Period::offered(today)
        .iter()
        .map(|p| Choice {
            value: p.code(),
            label: p.to_string(),
            selected: p.code() == chosen,
        })
        .collect()
}

/// The choices a query makes, checked against what the reader may see.
pub(super) fn read_choices(
    query: &ReportQuery,
    allowed: Option<&[String]>,
    known_teams: &[String],
    today: NaiveDate,
) -> Result<Chosen, Errors> {
    let mut errors = Errors::default();
    let custom = ReportQuery::field(query.custom.as_ref());
    let listed = ReportQuery::field(query.period.as_ref());
    let period = if !custom.is_empty() {
        Period::parse(&custom)
            .map_err(|e| errors.add("custom", e.to_string()))
            .ok()
    } else if listed.is_empty() {
        Some(Period::quarter_of(today))
    } else {
        Period::parse(&listed)
            .map_err(|_| errors.add("period", "Choose a period from the list"))
            .ok()
    };
    if let Some(p) = period
        && p.first_day() > today
    {
        errors.add(
            if custom.is_empty() {
                "period"
            } else {
                "custom"
            },
            "The period has not started yet: choose one that has",
        );
    }
    let team = ReportQuery::field(query.team.as_ref());
    let teams = match allowed {
        // A supervisor's own team, whatever the address says.
        Some(own) => Some(own.to_vec()),
        None if team.is_empty() => None,
        None if known_teams.contains(&team) => Some(vec![team]),
        None => {
            errors.add("team", "Choose a team from the list");
            None
        }
    };
    let area_text = ReportQuery::field(query.area.as_ref());
    let area = if area_text.is_empty() {
        None
    } else {
        match Area::parse(&area_text) {
            Ok(Area::Lsoa(_)) => {
                errors.add(
                    "area",
                    "Homes are placed by postcode: enter a postcode district (ZY1) or sector (ZY1 2)",
                );
                None
            }
            Ok(area) => Some(area),
            Err(e) => {
                errors.add("area", e.to_string());
                None
            }
        }
    };
    let scheme_id = ReportQuery::field(query.scheme.as_ref());
    let scheme = if scheme_id.is_empty() {
        None
    } else {
        let found = settings()
            .schemes
            .iter()
            .find(|s| s.id == scheme_id)
            .cloned();
        if found.is_none() {
            errors.add("scheme", "Choose a scheme from the list");
        }
        found
    };
    match (period, errors.any()) {
        (Some(period), false) => Ok(Chosen {
            period,
            teams,
            area,
            scheme,
        }),
        _ => Err(errors),
    }
}

/// The signed-in reader and the teams they may see (`None`: every team), or the answer to
/// give someone who may not read reports (404, as if the page were not there).
pub(super) async fn reader(
    state: &ConsoleState,
    peer: SocketAddr,
    headers: &HeaderMap,
) -> Result<(Signed, Option<Vec<String>>), Response> {
    let signed = gate(state, peer, headers, Allow::Full)
        .await
        .map_err(|r| *r)?;
    let user = &signed.session.user;
    match report_teams(user.role, &user.team_id) {
        Some(teams) => Ok((signed, teams)),
        None => Err(state.not_found_page(Some(&signed.session))),
    }
}

/// The police's burglaries a report reads: from twelve months before the work (or the
/// period before) to twelve months after the period, for repeat victimisation.
async fn burglaries(state: &ConsoleState, scope: &Scope<'_>) -> Result<Vec<Burglary>, Response> {
    let from = (scope.reads_from() - Months::new(12)).min(scope.period.previous().first_day());
    let to = scope.period.last_day() + Months::new(12);
    state
        .hub()
        .burglaries_between(from, to)
        .await
        .map_err(|e| state.unavailable(&e, None))
}

/// Computes the report the choices ask for, and with `baseline` the period before's too,
/// from one read of the facts.
pub(super) async fn report_for(
    state: &ConsoleState,
    signed: &Signed,
    chosen: &Chosen,
    baseline: bool,
) -> Result<(Report, Option<Report>), Response> {
    let session = &signed.session;
    let Some((store, dialect)) = state.hub().reports() else {
        return Err(state.not_found_page(Some(session)));
    };
    let categories = crate::casework::decide::reference()
        .map(|r| Categories::of(r.catalogue()))
        .unwrap_or_default();
    let scope = Scope {
        period: chosen.period,
        team: None,
        area: chosen.area.as_ref(),
        scheme: chosen.scheme.as_ref(),
        threshold: settings().threshold,
    };
    let before = baseline.then(|| Scope {
        period: chosen.period.previous(),
        ..scope
    });
    let from = before.as_ref().map_or(scope.reads_from(), |b| {
        b.reads_from().min(scope.reads_from())
    });
    let facts =
        crate::reports::load::facts_for(store.as_ref(), dialect, from, chosen.teams.as_deref())
            .await
            .map_err(|e| state.unavailable(&e, Some(session)))?;
    let crimes = burglaries(state, before.as_ref().unwrap_or(&scope)).await?;
    let report = compute(&facts, &crimes, &scope, &categories);
    let baseline = before.map(|b| compute(&facts, &crimes, &b, &categories));
    Ok((report, baseline))
}

/// An agency's name for the charts, from the directory referrals are delivered by.
pub(super) fn agency_name(id: &str) -> String {
    crate::referrals::agency_name(id).unwrap_or_else(|| id.to_owned())
}

/// The report's figures by group, each shown through the threshold.
fn groups(report: &Report, threshold: Threshold) -> Vec<FigureGroup> {
    report
        .shown_groups(threshold)
        .into_iter()
        .map(|g| FigureGroup {
            heading: g.heading.to_owned(),
            rows: g
                .rows
                .into_iter()
                .map(|(label, shown)| (label.to_owned(), shown))
                .collect(),
        })
        .collect()
}

fn chart_view(chart: &Chart, query: &ReportQuery) -> ChartView {
    let table = chart.table();
    ChartView {
        id: chart.id.to_owned(),
        title: chart.title.clone(),
        summary: chart.summary.clone(),
        svg: chart.to_svg(),
        caption: table.caption,
        headers: table.headers,
        rows: table.rows,
        csv_href: query.href(&format!("/console/reports/charts/{}.csv", chart.id)),
        caveats: chart.caveats.iter().map(|c| (*c).to_owned()).collect(),
    }
}

/// The name of the team a report covers, in words.
async fn team_name(state: &ConsoleState, chosen: &Chosen) -> String {
    match &chosen.teams {
        None => "every team".to_owned(),
        Some(ids) => {
            let teams = state.store().teams().await.unwrap_or_default();
            ids.iter()
                .map(|id| {
                    teams
                        .iter()
                        .find(|t| &t.id == id)
                        .map_or_else(|| id.clone(), |t| t.name.clone())
                })
                .collect::<Vec<_>>()
                .join(", ")
        }
    }
}

/// The choices of a query axum could not read (a repeated field): none, and a problem.
fn query_or_problem(query: Result<Query<ReportQuery>, QueryRejection>) -> (ReportQuery, Errors) {
    match query {
        Ok(Query(q)) => (q, Errors::default()),
        Err(_) => (
            ReportQuery::default(),
            Errors::one("", "The choices could not be read: choose them again"),
        ),
    }
}

/// The choices of a download's query, or the page that says what is wrong with them.
pub(super) async fn chosen_or_page(
    state: &ConsoleState,
    signed: &Signed,
    allowed: Option<&[String]>,
    query: Result<Query<ReportQuery>, QueryRejection>,
) -> Result<(Chosen, ReportQuery), Response> {
    let (query, unreadable) = query_or_problem(query);
    let known: Vec<String> = match state.store().teams().await {
        Ok(teams) => teams.into_iter().map(|t| t.id).collect(),
        Err(error) => return Err(state.unavailable(&error, Some(&signed.session))),
    };
    let read = if unreadable.any() {
        Err(unreadable)
    } else {
        read_choices(&query, allowed, &known, state.now_utc().date_naive())
    };
    match read {
        Ok(chosen) => Ok((chosen, query)),
        Err(errors) => Err(dashboard_page(
            state,
            signed,
            allowed,
            StatusCode::BAD_REQUEST,
            query,
            errors,
            None,
        )
        .await),
    }
}

/// The dashboard page: the form, and the figures when the choices were good.
async fn dashboard_page(
    state: &ConsoleState,
    signed: &Signed,
    allowed: Option<&[String]>,
    status: StatusCode,
    query: ReportQuery,
    errors: Errors,
    shown: Option<(&Report, String)>,
) -> Response {
    let session = &signed.session;
    let today = state.now_utc().date_naive();
    let teams = if allowed.is_some() {
        Vec::new()
    } else {
        match state.store().teams().await {
            Ok(teams) => team_choices(&teams, &ReportQuery::field(query.team.as_ref())),
            Err(error) => return state.unavailable(&error, Some(session)),
        }
    };
    let scheme_id = ReportQuery::field(query.scheme.as_ref());
    let config = settings();
    let threshold = config.threshold;
    let analyst = may_export_rows(session.user.role);
    let (covers, groups, charts, caveats) = match shown {
        Some((report, covers)) => (
            Some(covers),
            groups(report, threshold),
            chart::dashboard(report, threshold, &agency_name)
                .iter()
                .map(|c| chart_view(c, &query))
                .collect(),
            report.caveats.iter().map(|c| (*c).to_owned()).collect(),
        ),
        None => (None, Vec::new(), Vec::new(), Vec::new()),
    };
    page(
        status,
        &ReportsPage {
            frame: state.frame("Reports", errors, Some(session)),
            periods: period_choices(today, &ReportQuery::field(query.period.as_ref())),
            teams,
            schemes: config
                .schemes
                .iter()
                .map(|s| Choice {
                    value: s.id.clone(),
                    label: s.name.clone(),
                    selected: s.id == scheme_id,
                })
                .collect(),
            covers,
            groups,
            charts,
            caveats,
            suppression: format!(
                "Counts of fewer than {} are hidden. {SUPPRESSED_NOTE}",
                threshold.get()
            ),
            returns: config
                .returns
                .iter()
                .map(|r| ReturnLink {
                    name: r.name.clone(),
                    xlsx_href: query.href(&format!("/console/reports/returns/{}.xlsx", r.id)),
                    csv_href: query.href(&format!("/console/reports/returns/{}.csv", r.id)),
                })
                .collect(),
            board_href: query.href("/console/reports/board.pdf"),
            refused_returns: if analyst {
                config
                    .refused_returns
                    .iter()
                    .map(ToString::to_string)
                    .collect()
            } else {
                Vec::new()
            },
            analyst,
            query,
        },
    )
}

/// `GET /console/reports`.
pub(in crate::console) async fn dashboard(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    query: Result<Query<ReportQuery>, QueryRejection>,
) -> Response {
    let (signed, allowed) = match reader(&state, peer, &headers).await {
        Ok(read) => read,
        Err(response) => return response,
    };
    let user = signed.session.user.id.clone();
    let (chosen, query) = match chosen_or_page(&state, &signed, allowed.as_deref(), query).await {
        Ok(read) => read,
        Err(response) => {
            state
                .audit(state.entry(Some(&user), "report-view", None, "refused: invalid choices"))
                .await;
            return response;
        }
    };
    let report = match report_for(&state, &signed, &chosen, false).await {
        Ok((report, _)) => report,
        Err(response) => return response,
    };
    let covers = chosen.describe(&team_name(&state, &chosen).await);
    state
        .audit(state.entry(Some(&user), "report-view", None, format!("ok: {covers}")))
        .await;
    dashboard_page(
        &state,
        &signed,
        allowed.as_deref(),
        StatusCode::OK,
        query,
        Errors::default(),
        Some((&report, format!("Figures for {covers}"))),
    )
    .await
}

/// A file's name: what it is and the period, never anything about a person.
fn file_name(what: &str, period: &Period, extension: &str) -> String {
    let period: String = period
        .code()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("doorstep-{what}-{period}.{extension}")
}

/// A download's response.
fn download(content_type: &'static str, name: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// Splits `name.ext` at its last dot.
fn split_file(file: &str) -> Option<(&str, &str)> {
    file.rsplit_once('.')
}

/// What every download shares: the reader, the report and the audit line.
async fn download_report(
    state: &ConsoleState,
    peer: SocketAddr,
    headers: &HeaderMap,
    query: Result<Query<ReportQuery>, QueryRejection>,
    what: &str,
    baseline: bool,
) -> Result<(Signed, (Report, Option<Report>), Chosen), Response> {
    let (signed, allowed) = reader(state, peer, headers).await?;
    let (chosen, _) = chosen_or_page(state, &signed, allowed.as_deref(), query).await?;
    let report = report_for(state, &signed, &chosen, baseline).await?;
    let covers = chosen.describe(&team_name(state, &chosen).await);
    let user = signed.session.user.id.clone();
    state
        .audit(state.entry(
            Some(&user),
            "report-download",
            None,
            format!("ok: {what}, {covers}"),
        ))
        .await;
    Ok((signed, report, chosen))
}

/// `GET /console/reports/charts/{id}.csv`: one chart's figures.
pub(in crate::console) async fn chart_csv(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(file): Path<String>,
    query: Result<Query<ReportQuery>, QueryRejection>,
) -> Response {
    let Some((id, "csv")) = split_file(&file) else {
        return state.not_found_page(None);
    };
    let (signed, (report, _), chosen) =
        match download_report(&state, peer, &headers, query, &format!("chart {id}"), false).await {
            Ok(read) => read,
            Err(response) => return response,
        };
    let charts = chart::dashboard(&report, settings().threshold, &agency_name);
    match charts.iter().find(|c| c.id == id) {
        Some(chart) => download(
            "text/csv; charset=utf-8",
            &file_name(chart.id, &chosen.period, "csv"),
            chart.to_csv(),
        ),
        None => state.not_found_page(Some(&signed.session)),
    }
}

/// `GET /console/reports/returns/{id}.xlsx` (or `.csv`): a funder's return.
pub(in crate::console) async fn return_file(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(file): Path<String>,
    query: Result<Query<ReportQuery>, QueryRejection>,
) -> Response {
    let Some((id, extension)) = split_file(&file) else {
        return state.not_found_page(None);
    };
    let Some(mapping) = settings().returns.iter().find(|r| r.id == id) else {
        return state.not_found_page(None);
    };
    if !matches!(extension, "xlsx" | "csv") {
        return state.not_found_page(None);
    }
    let (signed, (report, baseline), chosen) = match download_report(
        &state,
        peer,
        &headers,
        query,
        &format!("return {id}.{extension}"),
        mapping.uses_previous(),
    )
    .await
    {
        Ok(read) => read,
        Err(response) => return response,
    };
    let threshold = settings().threshold;
    let filled = mapping.fill_with_baseline(&report, baseline.as_ref(), threshold);
    let name = file_name(&mapping.id, &chosen.period, extension);
    if extension == "csv" {
        return download("text/csv; charset=utf-8", &name, filled.to_csv());
    }
    match filled.to_xlsx() {
        Ok(bytes) => download(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &name,
            bytes,
        ),
        Err(error) => {
            tracing::error!(%error, "console: a return could not be written");
            state.message(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The return could not be written",
                &["Try the CSV instead. If the spreadsheet fails again, ask the administrator to check the hub's log."],
                ("/console/reports", "Go back to reports"),
                Some(&signed.session),
            )
        }
    }
}

/// `GET /console/reports/board.pdf`: the board report.
pub(in crate::console) async fn board_report(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    query: Result<Query<ReportQuery>, QueryRejection>,
) -> Response {
    let (signed, (report, _), chosen) =
        match download_report(&state, peer, &headers, query, "board report", false).await {
            Ok(read) => read,
            Err(response) => return response,
        };
    let scheme = chosen
        .scheme
        .as_ref()
        .map_or_else(|| "Every area".to_owned(), |s| s.name.clone());
    let doc = doorstep_pdf::board_report::from_report(
        &report,
        &scheme,
        settings().threshold,
        &agency_name,
    );
    match doorstep_pdf::render_board_report(&doc, &crate::portal::branding()) {
        Ok(bytes) => download(
            "application/pdf",
            &file_name("board-report", &chosen.period, "pdf"),
            bytes,
        ),
        Err(error) => {
            tracing::error!(%error, "console: the board report could not be made");
            state.message(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The board report could not be made",
                &["Try again. If it fails again, ask the administrator to check the hub's log."],
                ("/console/reports", "Go back to reports"),
                Some(&signed.session),
            )
        }
    }
}

/// The shortest and longest reason accepted for a person-level export.
const REASON_CHARS: std::ops::RangeInclusive<usize> = 10..=500;

/// The export form, with what was typed and the problems found.
async fn export_page(
    state: &ConsoleState,
    signed: &Signed,
    status: StatusCode,
    typed: (&str, &str, &str),
    errors: Errors,
) -> Response {
    let (table, period, reason) = typed;
    let session = &signed.session;
    page(
        status,
        &crate::console::pages::ReportExportPage {
            frame: state.frame("Export a row per record", errors, Some(session)),
            csrf: session.csrf.clone(),
            tables: RowTable::ALL
                .iter()
                .map(|t| Choice {
                    value: t.code().to_owned(),
                    label: t.label().to_owned(),
                    selected: t.code() == table,
                })
                .collect(),
            periods: period_choices(state.now_utc().date_naive(), period),
            reason: reason.to_owned(),
        },
    )
}

/// The signed-in analyst or administrator, or 404 for anyone else.
async fn exporter(
    state: &ConsoleState,
    peer: SocketAddr,
    headers: &HeaderMap,
) -> Result<(Signed, Option<Vec<String>>), Response> {
    let (signed, teams) = reader(state, peer, headers).await?;
    if may_export_rows(signed.session.user.role) {
        Ok((signed, teams))
    } else {
        Err(state.not_found_page(Some(&signed.session)))
    }
}

/// `GET /console/reports/export`.
pub(in crate::console) async fn export_form(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    match exporter(&state, peer, &headers).await {
        Ok((signed, _)) => {
            export_page(
                &state,
                &signed,
                StatusCode::OK,
                ("", "", ""),
                Errors::default(),
            )
            .await
        }
        Err(response) => response,
    }
}

/// `POST /console/reports/export`: the table as CSV, with the reason in the audit log; or
/// the form again saying what is missing, and nothing exported.
pub(in crate::console) async fn export(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<axum::Form<super::FormFields>, axum::extract::rejection::FormRejection>,
) -> Response {
    let (signed, teams) = match exporter(&state, peer, &headers).await {
        Ok(read) => read,
        Err(response) => return response,
    };
    let form = super::fields(form);
    if let Err(response) = super::check_csrf(
        &state,
        &signed,
        &headers,
        form.csrf.as_deref(),
        "report-export",
        "/console/reports/export",
    )
    .await
    {
        return *response;
    }
    let (table_code, period_code, reason) = (
        super::text(form.table.as_ref()),
        super::text(form.period.as_ref()),
        super::text(form.reason.as_ref()),
    );
    let mut errors = Errors::default();
    let table = RowTable::from_code(&table_code);
    if table.is_none() {
        errors.add("table", "Choose the table to export");
    }
    let period = Period::parse(&period_code).ok();
    if period.is_none() {
        errors.add("period", "Choose a period from the list");
    }
    let length = reason.chars().count();
    if !REASON_CHARS.contains(&length) || doorstep_core::text::check_storable(&reason).is_err() {
        errors.add(
            "reason",
            format!(
                "Say why you need a row per record, in {} to {} characters",
                REASON_CHARS.start(),
                REASON_CHARS.end()
            ),
        );
    }
    let user = signed.session.user.id.clone();
    let (Some(table), Some(period), false) = (table, period, errors.any()) else {
        state
            .audit(state.entry(
                Some(&user),
                "report-export",
                None,
                "refused: incomplete form",
            ))
            .await;
        let typed = (table_code.as_str(), period_code.as_str(), reason.as_str());
        return export_page(&state, &signed, StatusCode::BAD_REQUEST, typed, errors).await;
    };
    let Some((store, dialect)) = state.hub().reports() else {
        return state.not_found_page(Some(&signed.session));
    };
    let facts = match crate::reports::load::facts_for(
        store.as_ref(),
        dialect,
        period.first_day(),
        teams.as_deref(),
    )
    .await
    {
        Ok(facts) => facts,
        Err(error) => return state.unavailable(&error, Some(&signed.session)),
    };
    let categories = crate::casework::decide::reference()
        .map(|r| Categories::of(r.catalogue()))
        .unwrap_or_default();
    let homes: std::collections::HashMap<&str, Option<&str>> = facts
        .iter()
        .filter_map(|f| match &f.what {
            doorstep_reports::fact::What::Home { postcode, .. } => {
                Some((f.id.as_str(), postcode.as_deref()))
            }
            _ => None,
        })
        .collect();
    let district = |household: Option<&str>| {
        household
            .and_then(|h| homes.get(h).copied().flatten())
            .and_then(|p| p.split_whitespace().next())
            .unwrap_or_default()
            .to_ascii_uppercase()
    };
    let rows = doorstep_reports::tables::rows(table, &facts, &period, &categories, &district);
    let reason_line: String = reason.chars().filter(|c| !c.is_control()).collect();
    state
        .audit(state.entry(
            Some(&user),
            "report-export",
            None,
            format!(
                "ok: {} for {}, {} rows; reason: {reason_line}",
                table.code(),
                period.code(),
                rows.len()
            ),
        ))
        .await;
    download(
        "text/csv; charset=utf-8",
        &file_name(table.code(), &period, "csv"),
        doorstep_reports::tables::to_csv(table.header(), &rows),
    )
}
