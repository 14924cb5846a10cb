//! The app's "My team" view over a laptop holding 100,000 households, 150,000 residents and
//! 300,000 visits (issue 14: ≤ 300 ms). What the command does, step by step: read every
//! counted record as facts (`Store::report_facts`), compute the report for the quarter,
//! show every figure through the threshold, and draw every chart as SVG and as a table.
//! The api's `team::build` is this plus copying the strings into its view; it is measured
//! here because the api crate's dev-dependencies (the hub) would make an optimised build
//! of its benches take many minutes on the project's machines.
//!
//! Run: `cargo bench -p doorstep-store --features benchmarks --bench team_report`.
//! Figures go in docs/performance.md. Set DOORSTEP_BENCH_SCALE=0.1 for a quick run.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stdout)]

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use criterion::Criterion;
use doorstep_core::Role;
use doorstep_reports::chart;
use doorstep_reports::engine::{Categories, Scope, compute};
use doorstep_reports::figure::Threshold;
use doorstep_reports::measure;
use doorstep_reports::period::Period;
use doorstep_store::{DataFolder, KdfParams, Store};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 27).expect("date")
}

fn scale() -> f64 {
    std::env::var("DOORSTEP_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0)
}

/// Everything the screen is sent, built as the command builds it; returns a size so the
/// work cannot be optimised away.
fn team_view(store: &Store) -> usize {
    let facts = store.report_facts("this-laptop").expect("facts");
    let threshold = Threshold::default();
    let scope = Scope {
        period: Period::quarter_of(today()),
        team: None,
        area: None,
        scheme: None,
        threshold,
    };
    let report = compute(&facts, &[], &scope, &Categories::default());
    let mut size = 0;
    for m in measure::ALL {
        if let Some(figure) = report.figures.get(m) {
            size += figure.shown(threshold).text().len();
        }
    }
    for c in chart::dashboard(&report, threshold, &|id| id.to_owned()) {
        size += c.to_svg().len() + c.table().rows.len();
    }
    size
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = DataFolder::open(dir.path().join("data")).expect("folder");
    let mut store = Store::set_up(
        &folder,
        "Bench Supervisor",
        Role::Supervisor,
        "kettle harbour violet sprocket",
        KdfParams::INSECURE_FOR_TESTS,
    )
    .expect("set up");
    let s = scale();
    let started = Instant::now();
    store
        .seed_for_benchmarks(
            (100_000.0 * s) as usize,
            (150_000.0 * s) as usize,
            (300_000.0 * s) as usize,
            today(),
        )
        .expect("seed");
    println!("seeded in {:.1} s", started.elapsed().as_secs_f64());
    let facts = store.report_facts("this-laptop").expect("facts").len();
    println!("{facts} facts");

    let mut c = Criterion::default()
        .configure_from_args()
        .sample_size(20)
        .measurement_time(Duration::from_secs(10));
    c.bench_function(
        "My team view, whole (facts, report, figures, charts)",
        |b| b.iter(|| team_view(&store)),
    );
    c.bench_function("My team view: reading the facts alone", |b| {
        b.iter(|| store.report_facts("this-laptop").expect("facts").len())
    });
    c.final_summary();
}
