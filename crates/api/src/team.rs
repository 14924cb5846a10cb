//! The supervisor's "My team" view: the partnership's figures and charts computed from the
//! laptop's own records, offline, by the same engine the hub's console uses
//! (`doorstep-reports`), so the two agree for the same records. Every figure is shown
//! through the suppression threshold before it leaves Rust; the UI only lays it out.

use std::path::PathBuf;

use chrono::NaiveDate;
use doorstep_reports::chart::{self, Chart};
use doorstep_reports::engine::{Categories, Report, Scope, compute};
use doorstep_reports::fact::Fact;
use doorstep_reports::figure::{SUPPRESSED_NOTE, Threshold};
use doorstep_reports::period::{Period, PeriodError};
use serde::{Deserialize, Serialize};

use crate::Api;
use crate::error::{AppError, ErrorCode};
use crate::session::today;

type Result<T, E = AppError> = std::result::Result<T, E>;

/// The team a laptop's facts are filed under: the laptop holds one team's records, and the
/// report reads every fact it is given (`Scope::team` is `None`), so the name is never shown.
const THIS_LAPTOP: &str = "this-laptop";

/// Why the "My team" report was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TeamReportError {
    /// Only a supervisor may read it.
    #[error(
        "Only a supervisor can see My team. Ask your supervisor for the figures, or sign in as a supervisor."
    )]
    NotSupervisor,
    /// The period could not be read.
    #[error("{0}")]
    Period(#[from] PeriodError),
    /// The period has not started.
    #[error("The period has not started yet: choose one that has")]
    NotStarted,
    /// No chart has this id.
    #[error("There is no chart called {0}: choose one from My team")]
    NoSuchChart(String),
}

impl From<TeamReportError> for AppError {
    fn from(e: TeamReportError) -> Self {
        let message = e.to_string();
        match e {
            TeamReportError::NotSupervisor => Self::new(ErrorCode::NotAllowed, message),
            TeamReportError::Period(_) | TeamReportError::NotStarted => Self::from_fields(
                ErrorCode::BadPeriod,
                vec![doorstep_core::FieldError {
                    field: "period".to_owned(),
                    message,
                }],
                None,
            ),
            TeamReportError::NoSuchChart(_) => Self::new(ErrorCode::NotFound, message),
        }
    }
}

/// A period the supervisor may choose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct PeriodChoice {
    /// Its code, sent back to choose it ("2026-27 Q3").
    pub code: String,
    /// In words ("October to December 2026").
    pub label: String,
    /// Whether it is the one shown.
    pub selected: bool,
}

/// One row of a figure group: what is counted and the figure as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct FigureRow {
    /// What is counted.
    pub label: String,
    /// The figure, through the suppression threshold ("[c]" when small).
    pub shown: String,
}

/// The figures of one group of measures, shown as a table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct FigureGroup {
    /// The group's heading.
    pub heading: String,
    /// Its figures.
    pub rows: Vec<FigureRow>,
}

/// A chart, drawn and as a table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ChartView {
    /// Its stable id, to ask for its CSV.
    pub id: String,
    /// The title.
    pub title: String,
    /// The main finding in words.
    pub summary: String,
    /// The drawing: accessible SVG, built and escaped in Rust.
    pub svg: String,
    /// The table's caption.
    pub caption: String,
    /// The table's column headings.
    pub headers: Vec<String>,
    /// The table's rows.
    pub rows: Vec<Vec<String>>,
    /// What a reader needs to know beside it.
    pub caveats: Vec<String>,
    /// The file name its CSV is offered under: the period and the chart, nothing personal.
    pub file_name: String,
}

/// The "My team" view for one period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct TeamReport {
    /// The periods offered: this quarter and the four before, this financial year and last.
    pub periods: Vec<PeriodChoice>,
    /// The period shown, by code.
    pub period: String,
    /// The period shown, in words.
    pub covers: String,
    /// The figures by group.
    pub groups: Vec<FigureGroup>,
    /// The charts.
    pub charts: Vec<ChartView>,
    /// What a reader needs to know about the figures as a whole.
    pub caveats: Vec<String>,
    /// How small counts are hidden, in a sentence.
    pub suppression: String,
}

/// The periods offered: this quarter and the four before, this financial year and last,
/// as the console offers them.
pub fn periods_offered(today: NaiveDate) -> Vec<Period> {
    Period::offered(today)
}

/// The period a code asks for (`None`: the current quarter), refused when unreadable or not
/// yet started.
pub fn chosen_period(code: Option<&str>, today: NaiveDate) -> Result<Period, TeamReportError> {
    let period = match code.map(str::trim).filter(|c| !c.is_empty()) {
        None => Period::quarter_of(today),
        Some(code) => Period::parse(code)?,
    };
    if period.first_day() > today {
        return Err(TeamReportError::NotStarted);
    }
    Ok(period)
}

/// The report of `facts` for `period`: what the screen shows. Pure, so the benchmark and the
/// tests build exactly what the command sends.
pub fn build(
    facts: &[Fact],
    period: Period,
    today: NaiveDate,
    categories: &Categories,
    agency_name: &dyn Fn(&str) -> String,
) -> TeamReport {
    let threshold = Threshold::default();
    let scope = Scope {
        period,
        team: None,
        area: None,
        scheme: None,
        threshold,
    };
    // A laptop holds no police crime data: its crime figures and chart say "no data".
    let report = compute(facts, &[], &scope, categories);
    let code = period.code();
    TeamReport {
        periods: periods_offered(today)
            .iter()
            .map(|p| PeriodChoice {
                code: p.code(),
                label: p.to_string(),
                selected: p.code() == code,
            })
            .collect(),
        covers: period.to_string(),
        groups: groups(&report, threshold),
        charts: chart::dashboard(&report, threshold, agency_name)
            .iter()
            .map(|c| chart_view(c, &code))
            .collect(),
        caveats: report.caveats.iter().map(|c| (*c).to_owned()).collect(),
        suppression: format!(
            "Counts of fewer than {} are hidden. {SUPPRESSED_NOTE}",
            threshold.get()
        ),
        period: code,
    }
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
                .map(|(label, shown)| FigureRow {
                    label: label.to_owned(),
                    shown,
                })
                .collect(),
        })
        .collect()
}

/// The file name a chart's CSV is offered under: "my-team-2026-27-q3-burglary.csv".
fn file_name(period_code: &str, chart: &str) -> String {
    let period: String = period_code
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    format!("my-team-{period}-{chart}.csv")
}

fn chart_view(chart: &Chart, period_code: &str) -> ChartView {
    let table = chart.table();
    ChartView {
        id: chart.id.to_owned(),
        title: chart.title.clone(),
        summary: chart.summary.clone(),
        svg: chart.to_svg(),
        caption: table.caption,
        headers: table.headers,
        rows: table.rows,
        caveats: chart.caveats.iter().map(|c| (*c).to_owned()).collect(),
        file_name: file_name(period_code, chart.id),
    }
}

/// The charts of `facts` for `period`, as the report draws them.
fn charts(
    facts: &[Fact],
    period: Period,
    categories: &Categories,
    agency_name: &dyn Fn(&str) -> String,
) -> Vec<Chart> {
    let threshold = Threshold::default();
    let scope = Scope {
        period,
        team: None,
        area: None,
        scheme: None,
        threshold,
    };
    chart::dashboard(
        &compute(facts, &[], &scope, categories),
        threshold,
        agency_name,
    )
}

/// The signed-in supervisor's facts, the catalogue's categories and the agencies' names.
fn inputs(api: &Api) -> Result<(Vec<Fact>, Categories, impl Fn(&str) -> String)> {
    let facts = api.session.with_store(|s| {
        if !s.officer().role.may_read_team_report() {
            return Err(AppError::from(TeamReportError::NotSupervisor));
        }
        Ok(s.report_facts(THIS_LAPTOP)?)
    })?;
    let data = api.reference.get();
    let categories = Categories::of(&data.catalogue);
    let agency_name = move |id: &str| {
        data.agencies
            .agency(id)
            .map_or_else(|| id.to_owned(), |a| a.name.clone())
    };
    Ok((facts, categories, agency_name))
}

/// The "My team" view for a period code ("2026-27 Q3"; `None`: this quarter). Supervisors
/// only.
pub fn team_report(api: &Api, period: Option<String>) -> Result<TeamReport> {
    let today = today();
    let (facts, categories, agency_name) = inputs(api)?;
    let period = chosen_period(period.as_deref(), today)?;
    Ok(build(&facts, period, today, &categories, &agency_name))
}

/// Writes one chart's table as CSV where the supervisor chose, and answers with the path.
pub fn save_team_chart_csv(
    api: &Api,
    period: Option<String>,
    chart_id: String,
    path: PathBuf,
) -> Result<String> {
    let today = today();
    let (facts, categories, agency_name) = inputs(api)?;
    let period = chosen_period(period.as_deref(), today)?;
    let chart = charts(&facts, period, &categories, &agency_name)
        .into_iter()
        .find(|c| c.id == chart_id)
        .ok_or(TeamReportError::NoSuchChart(chart_id))?;
    doorstep_pdf::save_document(&chart.to_csv(), &path)?;
    Ok(path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid day")
    }

    #[test]
    fn offers_this_quarter_the_four_before_and_two_years() {
        let codes: Vec<String> = periods_offered(day(2026, 11, 27))
            .iter()
            .map(Period::code)
            .collect();
        assert_eq!(
            codes,
            [
                "2026-27 Q3",
                "2026-27 Q2",
                "2026-27 Q1",
                "2025-26 Q4",
                "2025-26 Q3",
                "2026-27",
                "2025-26"
            ],
            "the console's choices, so the two offer the same periods"
        );
    }

    #[test]
    fn a_bad_or_future_period_is_refused_with_a_sentence_on_the_period_field() {
        let e = AppError::from(chosen_period(Some("next week"), day(2026, 11, 27)).unwrap_err());
        assert_eq!(e.code, ErrorCode::BadPeriod, "the UI branches on the code");
        assert_eq!(e.field.as_deref(), Some("period"));
        assert!(e.message.contains("is not a period"), "{}", e.message);
        let e = chosen_period(Some("2027-28"), day(2026, 11, 27)).unwrap_err();
        assert_eq!(e, TeamReportError::NotStarted);
        assert_eq!(
            chosen_period(None, day(2026, 11, 27)),
            Ok(Period::quarter_of(day(2026, 11, 27))),
            "no choice is this quarter"
        );
    }

    #[test]
    fn an_empty_laptop_gives_every_chart_with_a_table_and_a_personless_file_name() {
        let report = build(
            &[],
            Period::quarter_of(day(2026, 11, 27)),
            day(2026, 11, 27),
            &Categories::default(),
            &|id| id.to_owned(),
        );
        assert_eq!(
            report.covers,
            Period::quarter_of(day(2026, 11, 27)).to_string()
        );
        assert!(!report.groups.is_empty(), "every figure group is listed");
        assert!(!report.charts.is_empty());
        for c in &report.charts {
            assert!(c.svg.starts_with("<svg"), "{}", c.id);
            assert!(!c.title.is_empty() && !c.summary.is_empty(), "{}", c.id);
            assert!(!c.headers.is_empty(), "{} has a table", c.id);
            assert_eq!(c.file_name, format!("my-team-2026-27-q3-{}.csv", c.id));
        }
        assert_eq!(
            report.periods.iter().filter(|p| p.selected).count(),
            1,
            "exactly the shown period is selected"
        );
    }
}
