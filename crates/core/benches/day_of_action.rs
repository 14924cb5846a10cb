//! The end-of-day summary of a 2,000-door day of action (goal: 50 ms or less).
//! Run: `cargo bench -p doorstep-core --bench day_of_action`.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use chrono::{Duration, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use doorstep_core::fire::{
    DoorOutcomeCode as C, DoorRecord, DoorRecordId, revisit_queue, summarise, summary_csv,
};
use doorstep_core::{OfficerId, Uprn};

/// 2,000 doors with a realistic mix: a third unanswered (a fifth of those answered on a
/// revisit), alarms fitted, a few CHARLIE checks that find higher risk and referrals.
fn day() -> Vec<DoorRecord> {
    let start = Utc
        .with_ymd_and_hms(2026, 11, 27, 9, 0, 0)
        .single()
        .expect("time");
    let crew = vec![OfficerId::new(), OfficerId::new()];
    let mut records = Vec::new();
    for n in 0..2_000u32 {
        let (outcomes, alarms, referrals, higher) = match n % 12 {
            0..=3 => (vec![C::NoAnswer, C::LeafletLeft], 0, 0, 0),
            4 => (vec![C::Declined], 0, 0, 0),
            5..=7 => (vec![C::AdviceGiven, C::AlarmTestedOk], 0, 0, 0),
            8 | 9 => (vec![C::AdviceGiven, C::AlarmFitted], 1 + n % 2, 0, 0),
            10 => (vec![C::CharlieDone, C::AdviceGiven], 0, 0, 0),
            _ => (vec![C::CharlieDone, C::Referral, C::AlarmFitted], 2, 1, 1),
        };
        records.push(DoorRecord {
            id: DoorRecordId::new(),
            uprn: Uprn::from_value(990_000_000_000 + i64::from(n)),
            outcomes,
            alarms_fitted: alarms,
            referrals_made: referrals,
            higher_risk_people: higher,
            at: start + Duration::seconds(i64::from(n) * 14),
            crew: crew.clone(),
        });
        if n % 12 == 0 {
            records.push(DoorRecord {
                id: DoorRecordId::new(),
                uprn: Uprn::from_value(990_000_000_000 + i64::from(n)),
                outcomes: vec![C::AdviceGiven],
                alarms_fitted: 0,
                referrals_made: 0,
                higher_risk_people: 0,
                at: start + Duration::hours(7),
                crew: crew.clone(),
            });
        }
    }
    records
}

fn bench(c: &mut Criterion) {
    let records = day();
    let date = Utc
        .with_ymd_and_hms(2026, 11, 27, 0, 0, 0)
        .single()
        .expect("time")
        .date_naive();
    assert_eq!(
        summarise(&records).doors_knocked,
        2_000,
        "the fixture is a 2,000-door day"
    );
    c.bench_function(
        "summary of a 2,000-door day (summary + revisit queue + CSV)",
        |b| {
            b.iter(|| {
                let s = summarise(&records);
                let queue = revisit_queue(&records);
                (
                    summary_csv("Oak Tree Lane day of action", date, &s),
                    queue.len(),
                )
            })
        },
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
