//! The dashboard's seven charts, built from a [`Report`]. Every number drawn, tabled or put
//! into words passes through [`Figure::shown`] first, so a small count is "[c]" in the
//! drawing, the table, the CSV and the summary alike.

use chrono::{Datelike, NaiveDate};
use doorstep_core::fire::referral::ReferralStatus;
use doorstep_core::security::catalogue::MeasureCategory;

use super::{Chart, Kind, Marked, Reference, Series, SeriesStyle, Unit, Value};
use crate::engine::{
    CAVEAT_DISPLACEMENT, CAVEAT_NO_UPRNS, CAVEAT_POLICING, CAVEAT_REGRESSION, Report, items_measure,
};
use crate::figure::{Figure, SUPPRESSED_NOTE, Shown, Threshold, thousands};
use crate::measure::{self as m, Measure};
use crate::period::Period;

/// The sentence added to a summary when some values are hidden.
const SOME_HIDDEN: &str = "Some values are hidden ([c]) because they are small.";

/// The seven charts of the dashboard and the board report, in the order they are shown.
/// `agency_name` turns an agency's id into its name.
pub fn dashboard(
    report: &Report,
    threshold: Threshold,
    agency_name: &dyn Fn(&str) -> String,
) -> Vec<Chart> {
    let mut charts = vec![
        burglary(report, threshold),
        hardened(report, threshold),
        spend(report, threshold),
        items(report, threshold),
        funnel(report, threshold),
        repeat(report, threshold),
        referrals(report, threshold, agency_name),
    ];
    for chart in &mut charts {
        if chart.has_suppressed() {
            chart.summary = format!("{} {SOME_HIDDEN}", chart.summary);
            chart.caveats.push(SUPPRESSED_NOTE);
        }
    }
    charts
}

fn count(n: u64, t: Threshold) -> Value {
    Figure::count(n).shown(t).into()
}

fn figure(report: &Report, measure: &Measure, t: Threshold) -> Shown {
    report
        .figures
        .get(measure)
        .map_or(Shown::NoData, |f| f.shown(t))
}

/// "Apr 2026".
fn month(day: NaiveDate) -> String {
    day.format("%b %Y").to_string()
}

fn series(name: &str, i: usize, values: Vec<Value>) -> Series {
    Series {
        name: name.to_owned(),
        values,
        style: SeriesStyle::nth(i),
    }
}

/// A count's words, or "a hidden number" when it is suppressed.
fn words(v: &Value) -> String {
    if v.suppressed() {
        "a hidden number".to_owned()
    } else {
        v.text.clone()
    }
}

/// A mean a month of `counts`, shown only when their total may be shown: the mean and the
/// number of months give the total away.
fn mean(counts: &[u64], t: Threshold) -> Option<(f64, String)> {
    let total: u64 = counts.iter().sum();
    if counts.is_empty() || t.hides(total) {
        return None;
    }
    #[allow(clippy::cast_precision_loss, reason = "counts far below 2^52")]
    let mean = total as f64 / counts.len() as f64;
    Some((mean, format!("{mean:.1}")))
}

fn burglary(report: &Report, t: Threshold) -> Chart {
    let months = &report.burglary_by_month;
    let start = NaiveDate::from_ymd_opt(report.work_started.year(), report.work_started.month(), 1)
        .unwrap_or(report.work_started);
    let before: Vec<&_> = months.iter().filter(|c| c.month < start).collect();
    let after: Vec<&_> = months.iter().filter(|c| c.month >= start).collect();
    let target_before = mean(&before.iter().map(|c| c.target).collect::<Vec<_>>(), t);
    let target_after = mean(&after.iter().map(|c| c.target).collect::<Vec<_>>(), t);
    let rest_before = mean(&before.iter().map(|c| c.rest).collect::<Vec<_>>(), t);
    let rest_after = mean(&after.iter().map(|c| c.rest).collect::<Vec<_>>(), t);
    let said = |m: &Option<(f64, String)>| {
        m.as_ref()
            .map_or_else(|| "a hidden number".to_owned(), |(_, s)| s.clone())
    };
    let started = report.work_started.format("%-d %B %Y").to_string();
    // The engine adds the crime caveats only when it was given burglaries at all.
    let no_data = !report.caveats.contains(&CAVEAT_POLICING)
        && months.iter().all(|c| c.target == 0 && c.rest == 0);
    let summary = if months.is_empty() || no_data {
        "No police recorded burglary data for these months.".to_owned()
    } else if after.is_empty() {
        format!(
            "Burglaries in the target areas averaged {} a month; the work starts on {started}.",
            said(&target_before)
        )
    } else if before.is_empty() {
        format!(
            "Since the work started on {started}, burglaries in the target areas averaged {} a month and elsewhere {} a month.",
            said(&target_after),
            said(&rest_after)
        )
    } else {
        format!(
            "Burglaries in the target areas averaged {} a month in the {} months before the work started on {started}, and {} a month since. Elsewhere they averaged {} before and {} since.",
            said(&target_before),
            before.len(),
            said(&target_after),
            said(&rest_before),
            said(&rest_after)
        )
    };
    let references = target_before
        .map(|(value, text)| Reference {
            label: "Target areas before the work (mean a month)".to_owned(),
            value,
            text,
        })
        .into_iter()
        .collect();
    let caveats = [CAVEAT_REGRESSION, CAVEAT_DISPLACEMENT, CAVEAT_POLICING]
        .into_iter()
        .filter(|c| report.caveats.contains(c))
        .collect();
    Chart {
        id: "burglary-by-month",
        title: "Police recorded burglary a month: target areas and elsewhere".to_owned(),
        summary,
        kind: Kind::Line,
        label_title: "Month".to_owned(),
        labels: months.iter().map(|c| month(c.month)).collect(),
        value_title: "Residential burglaries a month".to_owned(),
        unit: Unit::Count,
        series: vec![
            series(
                "Target areas",
                0,
                months.iter().map(|c| count(c.target, t)).collect(),
            ),
            series(
                "Elsewhere",
                1,
                months.iter().map(|c| count(c.rest, t)).collect(),
            ),
        ],
        references,
        marked: months
            .iter()
            .position(|c| c.month == start)
            .map(|at| Marked {
                at,
                label: format!("Work started {}", report.work_started.format("%-d %b %Y")),
            }),
        caveats,
    }
}

fn hardened(report: &Report, t: Threshold) -> Chart {
    let progress = &report.hardened_by_month;
    let values: Vec<Value> = progress.iter().map(|p| count(p.total, t)).collect();
    let target = figure(report, &m::TARGET_HOMES, t);
    let last = values.last();
    let summary = match (last, progress.last(), &target) {
        (None, _, _) | (_, None, _) => "No months of work in this period.".to_owned(),
        (Some(v), Some(p), Shown::Number { value, text }) if *value > 0.0 && !v.suppressed() => {
            let share = v.value.unwrap_or(0.0) * 100.0 / value;
            format!(
                "{} homes hardened by the end of {}: {share:.0}% of the scheme's target of {text}.",
                v.text,
                p.month.format("%B %Y")
            )
        }
        (Some(v), Some(p), _) => format!(
            "{} homes hardened by the end of {}.",
            if v.suppressed() {
                "A hidden number of".to_owned()
            } else {
                v.text.clone()
            },
            p.month.format("%B %Y")
        ),
    };
    let references = match target {
        Shown::Number { value, text } => vec![Reference {
            label: "Target".to_owned(),
            value,
            text,
        }],
        _ => Vec::new(),
    };
    Chart {
        id: "homes-hardened",
        title: "Homes hardened so far against the target".to_owned(),
        summary,
        kind: Kind::Line,
        label_title: "Month".to_owned(),
        labels: progress.iter().map(|p| month(p.month)).collect(),
        value_title: "Homes hardened (running total)".to_owned(),
        unit: Unit::Count,
        series: vec![series("Homes hardened", 0, values)],
        references,
        marked: None,
        caveats: Vec::new(),
    }
}

/// "Q1 2026–27" for a quarter, the period in words otherwise.
fn quarter_label(p: &Period) -> String {
    match *p {
        Period::Quarter {
            start_year,
            quarter,
        } => format!("Q{quarter} {start_year}–{:02}", (start_year + 1) % 100),
        other => other.to_string(),
    }
}

/// Money as the charts write it: whole pounds, suppressed as every figure is.
fn pounds(pence: u64, homes: u64, t: Threshold) -> Value {
    let shown = Figure::Pence {
        pence: i64::try_from(pence).unwrap_or(i64::MAX),
        homes: Some(homes),
    }
    .shown(t);
    match shown {
        Shown::Number { value, .. } => Value {
            value: Some(value),
            text: format!("£{}", thousands(value.round().max(0.0) as u64)),
        },
        other => other.into(),
    }
}

fn spend(report: &Report, t: Threshold) -> Chart {
    let quarters = &report.spend_by_quarter;
    let mut so_far = (0u64, 0u64);
    let mut in_quarter = Vec::new();
    let mut running = Vec::new();
    for q in quarters {
        so_far = (so_far.0 + q.committed_pence, so_far.1 + q.homes);
        in_quarter.push(pounds(q.committed_pence, q.homes, t));
        running.push(pounds(so_far.0, so_far.1, t));
    }
    let budget = match figure(report, &m::BUDGET, t) {
        Shown::Number { value, .. } if value > 0.0 => Some(value),
        _ => None,
    };
    let summary = match (running.last(), quarters.last()) {
        (Some(v), Some(q)) if !v.suppressed() => {
            let by = quarter_label(&q.quarter);
            match (budget, v.value) {
                (Some(b), Some(spent)) => format!(
                    "{} committed by the end of {by}: {:.0}% of the budget of £{}.",
                    v.text,
                    spent * 100.0 / b,
                    thousands(b.round() as u64)
                ),
                _ => format!("{} committed by the end of {by}.", v.text),
            }
        }
        (Some(_), Some(_)) => {
            "The spend committed is hidden: it was committed to too few homes.".to_owned()
        }
        _ => "No spend in this period.".to_owned(),
    };
    Chart {
        id: "spend-by-quarter",
        title: "Spend committed against the budget".to_owned(),
        summary,
        kind: Kind::Bars,
        label_title: "Quarter".to_owned(),
        labels: quarters.iter().map(|q| quarter_label(&q.quarter)).collect(),
        value_title: "Spend committed (plans approved), pounds".to_owned(),
        unit: Unit::Pounds,
        series: vec![
            series("In the quarter", 0, in_quarter),
            series("So far", 1, running),
        ],
        references: budget
            .map(|value| Reference {
                label: "Budget".to_owned(),
                value,
                text: format!("£{}", thousands(value.round() as u64)),
            })
            .into_iter()
            .collect(),
        marked: None,
        caveats: Vec::new(),
    }
}

/// The category's words, from its measure's label ("Items fitted: alarms" → "Alarms").
fn category_label(measure: &Measure) -> String {
    let words = measure
        .label
        .split_once(": ")
        .map_or(measure.label, |(_, w)| w);
    let mut chars = words.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().chain(chars).collect::<String>()
    })
}

fn items(report: &Report, t: Threshold) -> Chart {
    let measures: Vec<Measure> = [
        MeasureCategory::DoorLock,
        MeasureCategory::WindowLock,
        MeasureCategory::Lighting,
        MeasureCategory::Alarm,
        MeasureCategory::Cctv,
        MeasureCategory::Gate,
        MeasureCategory::Marking,
        MeasureCategory::Other,
    ]
    .into_iter()
    .map(items_measure)
    .collect();
    let values: Vec<Value> = measures
        .iter()
        .map(|measure| figure(report, measure, t).into())
        .collect();
    let labels: Vec<String> = measures.iter().map(category_label).collect();
    let total: Value = figure(report, &m::ITEMS_FITTED, t).into();
    let most = values
        .iter()
        .zip(&labels)
        .filter_map(|(v, l)| v.value.map(|n| (n, l, v)))
        .filter(|(n, _, _)| *n > 0.0)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let summary = match most {
        Some((_, label, v)) => format!(
            "{} items fitted; the most were {} ({}).",
            words(&total),
            label.to_lowercase(),
            v.text
        ),
        None => format!("{} items fitted.", words(&total)),
    };
    Chart {
        id: "items-by-category",
        title: "Items fitted by category".to_owned(),
        summary,
        kind: Kind::Bars,
        label_title: "Category".to_owned(),
        labels,
        value_title: "Items fitted".to_owned(),
        unit: Unit::Count,
        series: vec![series("Items fitted", 0, values)],
        references: Vec::new(),
        marked: None,
        caveats: Vec::new(),
    }
}

fn funnel(report: &Report, t: Threshold) -> Chart {
    let steps = &report.day_of_action_funnel;
    let values: Vec<Value> = steps.iter().map(|s| count(s.count, t)).collect();
    let summary = match (values.first(), values.get(1), values.last()) {
        (Some(k), Some(a), Some(f)) if k.value != Some(0.0) => format!(
            "Of {} doors knocked on days of action, {} were answered and {} homes were fitted.",
            words(k),
            words(a),
            words(f)
        ),
        _ => "No doors were knocked on days of action in this period.".to_owned(),
    };
    Chart {
        id: "day-of-action-funnel",
        title: "Days of action: from doors knocked to homes fitted".to_owned(),
        summary,
        kind: Kind::Funnel,
        label_title: "Step".to_owned(),
        labels: steps.iter().map(|s| s.label.to_owned()).collect(),
        value_title: "Doors or homes".to_owned(),
        unit: Unit::Count,
        series: vec![series("Doors or homes", 0, values)],
        references: Vec::new(),
        marked: None,
        caveats: Vec::new(),
    }
}

fn repeat(report: &Report, t: Threshold) -> Chart {
    let spans = [
        (&m::REPEAT_28, "Within 28 days"),
        (&m::REPEAT_60, "Within 60 days"),
        (&m::REPEAT_12M, "Within 12 months"),
    ];
    let values: Vec<Value> = spans
        .iter()
        .map(|(measure, _)| figure(report, measure, t).into())
        .collect();
    let supported: Value = figure(report, &m::SUPPORTED_HOMES, t).into();
    let year = values.last();
    let summary = match year {
        Some(v) if v.value.is_some() => format!(
            "{} of the {} supported homes were burgled again within 12 months of their plan.",
            v.text,
            words(&supported)
        ),
        Some(v) if v.suppressed() => {
            "The share burgled again is hidden: too few homes to show it.".to_owned()
        }
        _ => "No homes had a plan drawn up in this period, so there is nothing to measure yet."
            .to_owned(),
    };
    Chart {
        id: "repeat-victimisation",
        title: "Supported homes burgled again after their plan".to_owned(),
        summary,
        kind: Kind::Bars,
        label_title: "Burgled again".to_owned(),
        labels: spans.iter().map(|(_, l)| (*l).to_owned()).collect(),
        value_title: "Share of supported homes".to_owned(),
        unit: Unit::Percent,
        series: vec![series("Share burgled again", 0, values)],
        references: Vec::new(),
        marked: None,
        caveats: report
            .caveats
            .iter()
            .copied()
            .filter(|c| *c == CAVEAT_NO_UPRNS)
            .collect(),
    }
}

/// The three groups referrals are drawn in: nine statuses are too many to tell apart.
const STATUS_GROUPS: [(&str, &[ReferralStatus]); 3] = [
    (
        "Accepted",
        &[
            ReferralStatus::Accepted,
            ReferralStatus::VisitBooked,
            ReferralStatus::Completed,
        ],
    ),
    (
        "Not yet answered",
        &[
            ReferralStatus::Draft,
            ReferralStatus::Queued,
            ReferralStatus::Sent,
            ReferralStatus::Acknowledged,
        ],
    ),
    (
        "Declined or no contact",
        &[ReferralStatus::Declined, ReferralStatus::NoContact],
    ),
];

fn referrals(report: &Report, t: Threshold, agency_name: &dyn Fn(&str) -> String) -> Chart {
    let agencies = &report.referrals_by_agency;
    let series_list: Vec<Series> = STATUS_GROUPS
        .iter()
        .enumerate()
        .map(|(i, (name, statuses))| {
            series(
                name,
                i,
                agencies
                    .iter()
                    .map(|a| {
                        count(
                            statuses
                                .iter()
                                .map(|s| a.by_status.get(s).copied().unwrap_or(0))
                                .sum(),
                            t,
                        )
                    })
                    .collect(),
            )
        })
        .collect();
    let made: Value = figure(report, &m::REFERRALS, t).into();
    let accepted: Value = figure(report, &m::REFERRALS_ACCEPTED, t).into();
    let declined: Value = figure(report, &m::REFERRALS_DECLINED, t).into();
    let summary = if agencies.is_empty() {
        "No referrals were made in this period.".to_owned()
    } else {
        format!(
            "{} referrals made to {} {}: {} accepted, {} declined or with no contact.",
            words(&made),
            agencies.len(),
            if agencies.len() == 1 {
                "agency"
            } else {
                "agencies"
            },
            words(&accepted),
            words(&declined)
        )
    };
    Chart {
        id: "referrals-by-agency",
        title: "Referrals by agency and where they are".to_owned(),
        summary,
        kind: Kind::Bars,
        label_title: "Agency".to_owned(),
        labels: agencies.iter().map(|a| agency_name(&a.agency)).collect(),
        value_title: "Referrals made in the period".to_owned(),
        unit: Unit::Count,
        series: series_list,
        references: Vec::new(),
        marked: None,
        caveats: Vec::new(),
    }
}
