//! A made-up report, shaped as [`crate::engine::compute`] returns one, for tests, the
//! document crate's board report sample and screenshots. Nobody in it is real; a few
//! values are small on purpose, so that suppression shows.

use std::collections::BTreeMap;

use chrono::{Months, NaiveDate};
use doorstep_core::fire::referral::ReferralStatus;

use crate::engine::{
    AgencyReferrals, CAVEAT_DISPLACEMENT, CAVEAT_POLICING, CAVEAT_REGRESSION, CAVEAT_SMALL_NUMBERS,
    CrimeMonth, Progress, QuarterSpend, Report, Step,
};
use crate::figure::{Figure, Figures};
use crate::measure as m;
use crate::period::Period;

fn day(y: i32, mo: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, mo, d).unwrap_or(NaiveDate::MIN)
}

/// Q2 2026–27 of a scheme that started on 1 April 2026: 250 homes to harden, a £250,000
/// budget, burglary falling in the target areas, one month's count small enough to hide.
pub fn report() -> Report {
    let period = Period::Quarter {
        start_year: 2026,
        quarter: 2,
    };
    let target = [
        14, 12, 15, 11, 13, 16, 12, 14, 10, 13, 15, 12, 9, 8, 3, 7, 6, 5,
    ];
    let rest = [
        48, 52, 45, 50, 47, 55, 51, 49, 46, 50, 53, 48, 47, 49, 44, 46, 45, 43,
    ];
    let first = day(2025, 4, 1);
    let burglary_by_month = target
        .iter()
        .zip(rest)
        .enumerate()
        .map(|(i, (t, r))| CrimeMonth {
            month: first + Months::new(i as u32),
            target: *t,
            rest: r,
        })
        .collect();
    let mut f = Figures::default();
    let count = Figure::count;
    let money = |pence: i64| Figure::Pence { pence, homes: None };
    for (measure, figure) in [
        (m::SURVEYS, count(61)),
        (m::PLANS, count(48)),
        (m::HOMES_HARDENED, count(42)),
        (m::ITEMS_FITTED, count(233)),
        (m::ITEMS_DOOR_LOCK, count(96)),
        (m::ITEMS_WINDOW_LOCK, count(58)),
        (m::ITEMS_LIGHTING, count(31)),
        (m::ITEMS_ALARM, count(17)),
        (m::ITEMS_CCTV, count(12)),
        (m::ITEMS_GATE, count(9)),
        (m::ITEMS_MARKING, count(7)),
        (m::ITEMS_OTHER, count(3)),
        (
            m::SPEND_COMMITTED,
            Figure::Pence {
                pence: 3_951_200,
                homes: Some(45),
            },
        ),
        (m::BUDGET, money(25_000_000)),
        (
            m::BUDGET_USED,
            Figure::Share {
                part: 7_463_700,
                whole: 25_000_000,
            },
        ),
        (m::TARGET_HOMES, count(250)),
        (m::SUPPORTED_HOMES, count(118)),
        (
            m::REPEAT_28,
            Figure::Share {
                part: 2,
                whole: 118,
            },
        ),
        (
            m::REPEAT_60,
            Figure::Share {
                part: 5,
                whole: 118,
            },
        ),
        (
            m::REPEAT_12M,
            Figure::Share {
                part: 9,
                whole: 118,
            },
        ),
        (
            m::FEEL_SAFER,
            Figure::Share {
                part: 31,
                whole: 40,
            },
        ),
        (m::DOA_DAYS, count(6)),
        (m::DOA_KNOCKED, count(412)),
        (m::DOA_ANSWERED, count(236)),
        (m::REFERRALS, count(37)),
        (m::REFERRALS_ACCEPTED, count(21)),
        (m::REFERRALS_DECLINED, count(6)),
        (m::CRIME_TARGET, count(18)),
        (m::CRIME_TARGET_BASELINE, count(36)),
        (m::CRIME_REST, count(134)),
        (m::CRIME_REST_BASELINE, count(146)),
    ] {
        f.set(measure, figure);
    }
    let agency = |id: &str, list: &[(ReferralStatus, u64)]| AgencyReferrals {
        agency: id.to_owned(),
        by_status: list.iter().copied().collect::<BTreeMap<_, _>>(),
    };
    Report {
        period,
        figures: f,
        burglary_by_month,
        work_started: day(2026, 4, 1),
        hardened_by_month: vec![
            Progress {
                month: day(2026, 7, 1),
                total: 61,
            },
            Progress {
                month: day(2026, 8, 1),
                total: 80,
            },
            Progress {
                month: day(2026, 9, 1),
                total: 103,
            },
        ],
        spend_by_quarter: vec![QuarterSpend {
            quarter: period,
            committed_pence: 3_951_200,
            homes: 45,
        }],
        day_of_action_funnel: vec![
            Step {
                label: "Doors knocked",
                count: 412,
            },
            Step {
                label: "Doors answered",
                count: 236,
            },
            Step {
                label: "Homes surveyed",
                count: 41,
            },
            Step {
                label: "Plans drawn up",
                count: 29,
            },
            Step {
                label: "Homes fitted",
                count: 3,
            },
        ],
        referrals_by_agency: vec![
            agency(
                "age_uk",
                &[
                    (ReferralStatus::Accepted, 6),
                    (ReferralStatus::Completed, 5),
                    (ReferralStatus::Sent, 2),
                    (ReferralStatus::Declined, 1),
                ],
            ),
            agency(
                "fire_safe_and_well",
                &[
                    (ReferralStatus::Completed, 10),
                    (ReferralStatus::Acknowledged, 3),
                    (ReferralStatus::NoContact, 5),
                ],
            ),
            agency("victim_support", &[(ReferralStatus::Sent, 5)]),
        ],
        caveats: vec![
            CAVEAT_SMALL_NUMBERS,
            CAVEAT_REGRESSION,
            CAVEAT_DISPLACEMENT,
            CAVEAT_POLICING,
        ],
    }
}

/// The sample's agencies by name.
pub fn agency_name(id: &str) -> String {
    match id {
        "age_uk" => "Age UK Exampleby".to_owned(),
        "fire_safe_and_well" => "Fire and Rescue: Safe and Well".to_owned(),
        "victim_support" => "Victim Support".to_owned(),
        other => other.to_owned(),
    }
}
