//! The quarterly board report: the partnership board's headline figures, the dashboard's
//! charts each with its summary, its caveats and its table, and the caveats for reading
//! them all. Built from a [`Report`] by [`from_report`], so every figure has already been
//! through the suppression threshold; the charts are the same [`Chart`]s the console and
//! the app draw as SVG, drawn here with printpdf (docs/decisions/025-one-chart-model-drawn-three-ways.md).

use doorstep_reports::chart::{Chart, dashboard};
use doorstep_reports::engine::Report;
use doorstep_reports::figure::{SUPPRESSED_NOTE, Shown, Threshold};
use doorstep_reports::measure::{self as m, Measure};
use serde::Serialize;

use crate::layout::{Align, Column, Layout, Span, b, r};
use crate::{Branding, PdfError};

/// One headline figure as it may be shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Headline {
    /// What it is, in words.
    pub label: String,
    /// As shown: "1,204", "£3,450.00", "[c]".
    pub shown: String,
}

/// Everything printed in a board report. The council's name, colours and logo come from
/// the [`Branding`] it is rendered with, as for every document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BoardReport {
    /// The scheme (or "All schemes").
    pub scheme: String,
    /// The period in words: "Q2 2026–27 (July to September 2026)".
    pub period: String,
    /// What the suppression threshold hides, in words.
    pub suppression: String,
    /// The headline figures.
    pub headlines: Vec<Headline>,
    /// The charts, each printed with its summary, caveats and table.
    pub charts: Vec<Chart>,
    /// Every caveat the report's figures need.
    pub caveats: Vec<String>,
}

/// The board's headline measures, in the order printed.
const HEADLINES: [Measure; 15] = [
    m::HOMES_HARDENED,
    m::TARGET_HOMES,
    m::SURVEYS,
    m::PLANS,
    m::ITEMS_FITTED,
    m::SPEND_COMMITTED,
    m::BUDGET_USED,
    m::DOA_DAYS,
    m::DOA_KNOCKED,
    m::REFERRALS,
    m::SUPPORTED_HOMES,
    m::REPEAT_12M,
    m::FEEL_SAFER,
    m::CRIME_TARGET,
    m::CRIME_TARGET_BASELINE,
];

/// The board report for `report`, computed for `scheme` under `threshold`; `agency_name`
/// turns an agency's id into its name.
pub fn from_report(
    report: &Report,
    scheme: &str,
    threshold: Threshold,
    agency_name: &dyn Fn(&str) -> String,
) -> BoardReport {
    let headlines = HEADLINES
        .iter()
        .filter_map(|measure| {
            let figure = report.figures.get(measure)?;
            Some(Headline {
                label: measure.label.to_owned(),
                shown: figure.shown(threshold).text().to_owned(),
            })
        })
        .collect();
    let hidden_below = threshold.get();
    let suppression = if hidden_below <= 1 {
        "No figure is hidden in this report.".to_owned()
    } else {
        format!(
            "Counts from 1 to {} are hidden and shown as {}, so that nobody can be picked out.",
            hidden_below - 1,
            Shown::Suppressed.text()
        )
    };
    BoardReport {
        scheme: scheme.to_owned(),
        period: report.period.to_string(),
        suppression,
        headlines,
        charts: dashboard(report, threshold, agency_name),
        caveats: report.caveats.iter().map(|c| (*c).to_owned()).collect(),
    }
}

/// Renders a board report as PDF bytes.
pub fn render_board_report(doc: &BoardReport, branding: &Branding) -> Result<Vec<u8>, PdfError> {
    let title = format!("Board report: {}", doc.scheme);
    let mut page = Layout::new(
        &title,
        "Quarterly report to the partnership board",
        branding,
        None,
    )?;
    page.key_values(&[
        ("Scheme", vec![b(&doc.scheme)]),
        ("Period", vec![r(&doc.period)]),
        ("For", vec![r("The partnership board")]),
    ]);
    page.paragraph(&[r(
        "The scheme's figures for the period, then a chart for each part of the work with \
         what it shows in words, the caveats that belong beside it, and its figures as a \
         table.",
    )]);
    page.note(&[r(&doc.suppression)]);

    page.heading("Headline figures");
    let columns = [
        Column {
            header: "Measure",
            share: 0.72,
            align: Align::Left,
        },
        Column {
            header: "Figure",
            share: 0.28,
            align: Align::Right,
        },
    ];
    let rows: Vec<Vec<Vec<Span>>> = doc
        .headlines
        .iter()
        .map(|h| vec![vec![r(&h.label)], vec![b(&h.shown)]])
        .collect();
    page.table(&columns, &rows);
    if doc
        .headlines
        .iter()
        .any(|h| h.shown == Shown::Suppressed.text())
    {
        page.note(&[r(SUPPRESSED_NOTE)]);
    }

    for chart in &doc.charts {
        page.titled_chart(&chart.title, &chart.summary, &chart.scene());
        for caveat in &chart.caveats {
            page.note(&[r(*caveat)]);
        }
        chart_table(&mut page, chart);
    }

    if !doc.caveats.is_empty() {
        page.heading("Reading these figures");
        let items: Vec<Vec<Span>> = doc.caveats.iter().map(|c| vec![r(c)]).collect();
        page.bullets(&items);
    }
    page.note(&[r(
        "Figures only: this report holds no details about any household.",
    )]);
    page.finish()
}

/// A chart's "show as table" view, the same text values as drawn.
fn chart_table(page: &mut Layout<'_>, chart: &Chart) {
    let table = chart.table();
    if table.rows.is_empty() {
        return;
    }
    let values = table.headers.len().saturating_sub(1).max(1) as f32;
    let first = if values > 2.0 { 0.34 } else { 0.5 };
    let columns: Vec<Column<'_>> = table
        .headers
        .iter()
        .enumerate()
        .map(|(i, header)| Column {
            header,
            share: if i == 0 {
                first
            } else {
                (1.0 - first) / values
            },
            align: if i == 0 { Align::Left } else { Align::Right },
        })
        .collect();
    let rows: Vec<Vec<Vec<Span>>> = table
        .rows
        .iter()
        .map(|row| row.iter().map(|cell| vec![r(cell)]).collect())
        .collect();
    page.table(&columns, &rows);
}
