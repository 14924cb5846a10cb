//! The day-of-action summary: counts for a fire crew and partner door-knocking day. It holds
//! totals only, never anything about a single household.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::layout::{Align, Column, Layout, Span, b, r};
use crate::{Branding, PdfError, long_date};

/// The day's totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayOfActionCounts {
    /// Doors knocked.
    pub doors_knocked: u32,
    /// Doors answered.
    pub answered: u32,
    /// Smoke, heat or CO alarms fitted.
    pub alarms_fitted: u32,
    /// People found at higher risk (any CHARLIE factor).
    pub higher_risk_found: u32,
    /// Referrals made to partners.
    pub referrals_made: u32,
}

/// Everything printed on a day-of-action summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayOfActionSummaryDocument {
    /// Name of the event.
    pub event_name: String,
    /// Date.
    pub date: NaiveDate,
    /// Area covered, e.g. "Oak Tree Lane estate".
    pub area: String,
    /// Crew and partners who took part, one per entry.
    pub crew: Vec<String>,
    /// The totals.
    pub counts: DayOfActionCounts,
    /// Notes about the day (no personal details).
    #[serde(default)]
    pub notes: Vec<String>,
}

/// Renders a day-of-action summary as PDF bytes.
pub fn render_day_of_action(
    summary: &DayOfActionSummaryDocument,
    branding: &Branding,
) -> Result<Vec<u8>, PdfError> {
    let title = format!("Day of action: {}", summary.event_name);
    let mut page = Layout::new(&title, "Day of action summary", branding, None)?;
    page.key_values(&[
        ("Event", vec![b(&summary.event_name)]),
        ("Date", vec![r(long_date(summary.date))]),
        ("Area", vec![r(&summary.area)]),
    ]);

    page.heading("What we did");
    let c = summary.counts;
    let share = |n: u32, of: u32| {
        if of == 0 {
            String::new()
        } else {
            format!("{:.0}% of {}", f64::from(n) * 100.0 / f64::from(of), of)
        }
    };
    let rows: Vec<Vec<Vec<Span>>> = [
        ("Doors knocked", c.doors_knocked, String::new()),
        (
            "Doors answered",
            c.answered,
            share(c.answered, c.doors_knocked),
        ),
        ("Alarms fitted", c.alarms_fitted, String::new()),
        (
            "People at higher risk found",
            c.higher_risk_found,
            share(c.higher_risk_found, c.answered),
        ),
        ("Referrals made", c.referrals_made, String::new()),
    ]
    .into_iter()
    .map(|(label, n, note)| vec![vec![r(label)], vec![b(n.to_string())], vec![r(note)]])
    .collect();
    let columns = [
        Column {
            header: "Measure",
            share: 0.5,
            align: Align::Left,
        },
        Column {
            header: "Number",
            share: 0.2,
            align: Align::Right,
        },
        Column {
            header: "Share",
            share: 0.3,
            align: Align::Right,
        },
    ];
    page.table(&columns, &rows);

    page.heading("Who took part");
    if summary.crew.is_empty() {
        page.paragraph(&[r("Not recorded.")]);
    } else {
        let items: Vec<Vec<Span>> = summary.crew.iter().map(|m| vec![r(m)]).collect();
        page.bullets(&items);
    }
    if !summary.notes.is_empty() {
        page.heading("Notes");
        let items: Vec<Vec<Span>> = summary.notes.iter().map(|n| vec![r(n)]).collect();
        page.bullets(&items);
    }
    page.note(&[r(
        "Totals only: this summary holds no details about any household.",
    )]);
    page.finish()
}
