//! A fire crew's day on an encrypted store: recording a knock (goal ≤ 5 ms p95) and opening a
//! 2,000-door day with its summary (goal ≤ 50 ms). Run:
//! `cargo bench -p doorstep-store --bench day_of_action`. Figures go in docs/performance.md.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stdout)]

use std::time::{Duration, Instant};

use doorstep_core::fire::DoorOutcomeCode;
use doorstep_core::views::{DayOfActionDraft, KnockDraft};
use doorstep_core::{ChangeSource, Role};
use doorstep_store::{DataFolder, KdfParams, Store};

const DOORS: u32 = 2_000;

/// Median and 95th percentile of the timings.
fn percentiles(mut times: Vec<Duration>) -> (Duration, Duration) {
    times.sort();
    let at = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
    (at(0.5), at(0.95))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = DataFolder::open(dir.path().join("data")).expect("folder");
    let mut store = Store::set_up(
        &folder,
        "Bench Crew",
        Role::FireCrew,
        "kettle harbour violet sprocket",
        KdfParams::INSECURE_FOR_TESTS,
    )
    .expect("set up");
    // 2,000 doors on 40 streets of 50, all in one postcode district.
    let mut csv = String::from(
        "uprn,address_line_1,address_line_2,address_line_3,town,postcode,easting,northing\n",
    );
    for i in 0..DOORS {
        csv.push_str(&format!(
            "{},{} Bench Street {},,,Eastwick Vale,ZY9 {}AB,{},{}\n",
            980_000_000_000u64 + u64::from(i),
            i % 50 + 1,
            i / 50,
            i / 500 + 1,
            450_000 + (i % 50) * 15,
            361_000 + (i / 50) * 40
        ));
    }
    store
        .import_gazetteer(csv.as_bytes(), csv.len() as u64, |_| {})
        .expect("gazetteer");
    let day = store
        .create_day_of_action(
            &DayOfActionDraft {
                name: "Benchmark day".into(),
                date: "2026-11-27".into(),
                area: "ZY9".into(),
                crew: vec!["Blue Watch".into()],
            },
            ChangeSource::Ui,
        )
        .expect("day");
    let added = store
        .add_day_doors_from_gazetteer(&day.id, "ZY9", ChangeSource::Ui)
        .expect("doors");
    assert_eq!(added.added, DOORS);
    let doors: Vec<String> = store
        .day_of_action_page(&day.id)
        .expect("page")
        .doors
        .into_iter()
        .map(|d| d.id)
        .collect();

    let codes = [
        vec![DoorOutcomeCode::NoAnswer],
        vec![DoorOutcomeCode::AdviceGiven],
        vec![DoorOutcomeCode::AlarmTestedOk],
        vec![DoorOutcomeCode::LeafletLeft],
    ];
    let mut knock_times = Vec::with_capacity(doors.len());
    for (i, door) in doors.iter().enumerate() {
        let knock = KnockDraft {
            outcomes: codes[i % codes.len()].clone(),
            alarms_fitted: 0,
            referrals_made: 0,
            higher_risk_people: 0,
        };
        let started = Instant::now();
        store
            .record_knock(&day.id, door, &knock, ChangeSource::Ui)
            .expect("knock");
        knock_times.push(started.elapsed());
    }
    let mut page_times = Vec::new();
    for _ in 0..30 {
        let started = Instant::now();
        let page = store.day_of_action_page(&day.id).expect("page");
        page_times.push(started.elapsed());
        assert_eq!(page.summary.doors_knocked, DOORS);
    }
    let (k50, k95) = percentiles(knock_times);
    let (p50, p95) = percentiles(page_times);
    println!("| measure | result | goal |");
    println!("|---|---|---|");
    println!(
        "| record a door knock with its outbox row, encrypted, {DOORS} knocks, p50 / p95 | {:.2} / {:.2} ms | <= 5 ms p95 |",
        ms(k50),
        ms(k95)
    );
    println!(
        "| open a {DOORS}-door day: doors, latest outcomes, summary and revisit queue, p50 / p95 | {:.1} / {:.1} ms | <= 50 ms |",
        ms(p50),
        ms(p95)
    );
}
