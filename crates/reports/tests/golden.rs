//! Every measure on a synthetic area whose answers were worked out by hand (in the comments
//! beside each assertion). The records go in as the hub stores them (field maps), through
//! `fact::from_record`, so the test also pins how each field is read.
//!
//! The area: postcode sector ZY5 2 (team "north") and one home in ZY9 1 (team "south").
//! The period: Q1 2026-27, 1 April to 30 June 2026.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is a failed test

use doorstep_core::built_in;
use doorstep_core::security::catalogue::Catalogue;
use doorstep_reports::engine::{Burglary, Categories, Scope, compute};
use doorstep_reports::fact::{Fact, Fields, from_record};
use doorstep_reports::figure::{Figure, Threshold};
use doorstep_reports::measure::{self as m, Measure};
use doorstep_reports::period::Period;
use doorstep_reports::scheme::{Area, parse_schemes};
use serde_json::{Value, json};

fn record(entity: &str, id: &str, team: &str, fields: Value) -> Fact {
    let Value::Object(map) = fields else {
        panic!("fields are an object")
    };
    let fields: Fields = map.into_iter().collect();
    from_record(entity, id, team, &fields).expect("a counted kind")
}

fn at(day: &str) -> String {
    format!("{day}T10:00:00Z")
}

fn home(id: &str, team: &str, uprn: &str, postcode: &str) -> Fact {
    record(
        "household",
        id,
        team,
        json!({"uprn": uprn, "postcode": postcode}),
    )
}

fn visit(id: &str, team: &str, household: &str, day: &str, kind: &str, outcome: &str) -> Fact {
    record(
        "visit",
        id,
        team,
        json!({"household_id": household, "visit_date": day, "kind": kind, "outcome": outcome}),
    )
}

fn survey(
    id: &str,
    team: &str,
    household: &str,
    visit: &str,
    burgled: Option<&str>,
    feel: Option<u8>,
) -> Fact {
    let mut f = json!({"household_id": household, "visit_id": visit, "template_id": "home-security", "template_version": 1});
    if let Some(b) = burgled {
        f["answers.burglary_date"] = json!({"type": "date", "value": b});
    }
    if let Some(n) = feel {
        f["answers.feel_safe"] = json!({"type": "number", "value": f64::from(n)});
    }
    record("survey", id, team, f)
}

#[allow(
    clippy::too_many_arguments,
    reason = "a plan's fields, named at each call"
)]
/// A plan that went through `steps` (status, day) from draft; `items` are (measure, qty, pence).
fn plan(
    id: &str,
    team: &str,
    survey: &str,
    tier: &str,
    created: &str,
    steps: &[(&str, &str)],
    items: &[(&str, u32, u32)],
    cap: u32,
) -> Fact {
    let mut from = "draft";
    let history: Vec<Value> = steps
        .iter()
        .map(|(to, day)| {
            let e = json!({"from": from, "to": to, "step": "x", "by": {"id": "o1"}, "at": at(day)});
            from = to;
            e
        })
        .collect();
    let items: Vec<Value> = items
        .iter()
        .map(|(measure, q, p)| json!({"measure_id": measure, "quantity": q, "unit_cost_pence": p, "actual_cost_pence": null}))
        .collect();
    record(
        "plan",
        id,
        team,
        json!({"survey_id": survey, "tier": tier, "status": from, "created_at": at(created),
               "history": history, "items": items, "cap_pence": cap}),
    )
}

fn check(figures: &doorstep_reports::figure::Figures, measure: Measure, expected: Figure) {
    assert_eq!(figures.get(&measure), Some(expected), "{}", measure.key);
}

fn count(n: u64) -> Figure {
    Figure::count(n)
}

/// The synthetic area's records.
fn area() -> Vec<Fact> {
    let n = "north";
    let mut f = vec![
        home("h1", n, "100000000001", "ZY5 2AA"),
        home("h2", n, "100000000002", "ZY5 2AB"),
        home("h3", n, "100000000003", "ZY5 2AD"),
        home("h4", n, "100000000004", "ZY5 2AE"),
        home("h5", n, "100000000005", "ZY5 2AF"),
        home("h6", n, "100000000006", "ZY5 2AG"),
        home("h9", "south", "100000000009", "ZY9 1AA"),
        visit("v1", n, "h1", "2026-04-10", "burglary_victim", "completed"),
        visit("v2", n, "h2", "2026-04-20", "burglary_victim", "completed"),
        visit("v3", n, "h3", "2026-05-02", "cocoon_neighbour", "completed"),
        visit("v4", n, "h4", "2026-05-15", "day_of_action", "completed"),
        visit("v5", n, "h5", "2026-05-20", "cocoon_neighbour", "no_answer"),
        visit("v6", n, "h6", "2026-03-30", "burglary_victim", "completed"),
        visit(
            "v9",
            "south",
            "h9",
            "2026-04-12",
            "burglary_victim",
            "completed",
        ),
        survey("s1", n, "h1", "v1", Some("2026-04-03"), Some(2)),
        survey("s2", n, "h2", "v2", Some("2026-04-08"), Some(3)),
        survey("s3", n, "h3", "v3", None, Some(4)),
        survey("s4", n, "h4", "v4", None, None),
        survey("s6", n, "h6", "v6", Some("2026-03-25"), Some(1)),
        survey("s9", "south", "h9", "v9", Some("2026-04-01"), Some(2)),
    ];
    // p1: gold, £600 against a £500 cap, fitted 20 May, followed up 25 June (2 → 4).
    let mut p1 = plan(
        "p1",
        n,
        "s1",
        "gold",
        "2026-04-10",
        &[
            ("agreed", "2026-04-10"),
            ("approved", "2026-04-12"),
            ("ordered", "2026-04-13"),
            ("fitted", "2026-05-20"),
            ("followed_up", "2026-06-25"),
        ],
        &[("anti_snap_cylinder", 2, 20_000), ("pir_light", 1, 20_000)],
        50_000,
    );
    if let doorstep_reports::fact::What::Plan {
        feel_safe_after,
        feel_safe_before,
        ..
    } = &mut p1.what
    {
        *feel_safe_before = Some(2);
        *feel_safe_after = Some(4);
    }
    f.push(p1);
    f.extend([
        plan("p2", n, "s2", "silver", "2026-04-20",
             &[("agreed", "2026-04-21"), ("approved", "2026-04-22"), ("ordered", "2026-04-23"), ("fitted", "2026-06-10")],
             &[("video_doorbell", 1, 30_000)], 50_000),
        plan("p3", n, "s3", "bronze", "2026-05-02", &[("refused", "2026-05-03")], &[("window_alarm", 1, 2_000)], 15_000),
        plan("p4", n, "s4", "bronze", "2026-05-15", &[("agreed", "2026-05-15"), ("approved", "2026-05-16")], &[("window_alarm", 1, 5_000)], 15_000),
        plan("p6", n, "s6", "silver", "2026-03-30",
             &[("agreed", "2026-03-30"), ("approved", "2026-04-01"), ("ordered", "2026-04-02"), ("fitted", "2026-04-15")],
             &[("window_lock", 4, 5_000)], 30_000),
        plan("p9", "south", "s9", "gold", "2026-04-12", &[("agreed", "2026-04-12")], &[("pas24_doorset", 1, 90_000)], 100_000),
        record("work_order", "w1", n, json!({"household_id": "h1", "items": [
            {"measure_id": "anti_snap_cylinder", "quantity": 2, "status": "fitted", "fitted_at": at("2026-05-20")},
            {"measure_id": "pir_light", "quantity": 1, "status": "fitted", "fitted_at": at("2026-05-20")},
            {"measure_id": "window_alarm", "quantity": 1, "status": "pending", "fitted_at": null}]})),
        record("work_order", "w6", n, json!({"household_id": "h6", "items": [
            {"measure_id": "window_lock", "quantity": 3, "status": "fitted", "fitted_at": at("2026-04-15")},
            {"measure_id": "window_lock", "quantity": 1, "status": "not_fitted", "fitted_at": null}]})),
        record("work_order", "w2", n, json!({"household_id": "h2", "items": [
            {"measure_id": "video_doorbell", "quantity": 1, "status": "fitted", "fitted_at": at("2026-07-01")}]})),
        record("cocoon", "c1", n, json!({"household_id": "h1", "opened_on": "2026-04-11"})),
        record("cocoon", "c0", n, json!({"household_id": "h6", "opened_on": "2026-03-26"})),
    ]);
    for (id, uprn, outcome) in [
        ("d1", "100000000003", Some("survey_started")),
        ("d2", "100000000101", Some("visited")),
        ("d3", "100000000102", Some("no_answer")),
        ("d4", "100000000006", Some("advice_given")),
        ("d5", "100000000103", Some("leaflet_left")),
        ("d6", "100000000104", None),
    ] {
        f.push(record(
            "cocoon_target",
            id,
            n,
            json!({"cocoon_id": "c1", "uprn": uprn, "outcome": outcome}),
        ));
    }
    f.push(record(
        "cocoon_target",
        "d0",
        n,
        json!({"cocoon_id": "c0", "uprn": "100000000105", "outcome": "visited"}),
    ));
    f.push(record(
        "day_of_action",
        "doa1",
        n,
        json!({"date": "2026-05-15", "name": "Synthetic Street"}),
    ));
    f.push(record(
        "day_of_action",
        "doa0",
        n,
        json!({"date": "2026-03-01", "name": "Earlier"}),
    ));
    let knock = |id: &str,
                 day: &str,
                 uprn: &str,
                 outcomes: Value,
                 alarms: u32,
                 referrals: u32,
                 when: &str| {
        record(
            "door_knock",
            id,
            n,
            json!({"day_id": day, "door_id": "x", "uprn": uprn, "outcomes": outcomes,
            "alarms_fitted": alarms, "referrals_made": referrals, "higher_risk_people": 0, "at": when, "crew": ["o1"]}),
        )
    };
    f.extend([
        knock(
            "k1",
            "doa1",
            "200000000001",
            json!(["no_answer"]),
            0,
            0,
            "2026-05-15T09:00:00Z",
        ),
        knock(
            "k2",
            "doa1",
            "200000000002",
            json!(["advice_given", "alarm_fitted"]),
            2,
            0,
            "2026-05-15T09:10:00Z",
        ),
        knock(
            "k3",
            "doa1",
            "200000000003",
            json!(["alarm_tested_ok", "full_visit", "charlie_done", "referral"]),
            0,
            1,
            "2026-05-15T09:20:00Z",
        ),
        knock(
            "k4",
            "doa1",
            "200000000001",
            json!(["advice_given"]),
            0,
            0,
            "2026-05-15T15:00:00Z",
        ),
        knock(
            "k0",
            "doa0",
            "200000000009",
            json!(["advice_given"]),
            0,
            0,
            "2026-03-01T10:00:00Z",
        ),
    ]);
    let charlie = |id: &str, day: &str, factors: &[&str]| {
        // Every letter is answered; those listed score.
        let factors: Vec<Value> = [
            "care_and_support",
            "hoarding",
            "alcohol_and_drugs",
            "reduced_mobility",
            "lives_alone",
            "inappropriate_smoking",
            "elderly",
        ]
        .iter()
        .map(|fac| {
            let score = u8::from(factors.contains(fac));
            json!({"factor": fac, "score": score, "at": at(day), "note": "", "by": "o1"})
        })
        .collect();
        record(
            "charlie_check",
            id,
            n,
            json!({"household_id": "h4", "factors": factors}),
        )
    };
    f.extend([
        charlie("ch1", "2026-05-15", &["elderly", "lives_alone"]),
        charlie("ch2", "2026-05-16", &[]),
        charlie("ch3", "2026-04-01", &["reduced_mobility"]),
        charlie("ch0", "2026-03-01", &["elderly"]),
    ]);
    let referral = |id: &str,
                    agency: &str,
                    status: &str,
                    created: &str,
                    sent: Option<&str>,
                    answers: &[(&str, &str)]| {
        let history: Vec<Value> = answers
            .iter()
            .map(|(to, when)| json!({"from": "sent", "to": to, "at": when}))
            .collect();
        record(
            "referral",
            id,
            n,
            json!({"household_id": "h4", "agency_id": agency, "status": status,
            "created_at": at(created), "sent_at": sent, "history": history}),
        )
    };
    f.extend([
        // Sent 12 April 10:00, accepted 15 April 09:00: 2 whole days.
        referral(
            "r1",
            "adult_social_care",
            "accepted",
            "2026-04-12",
            Some("2026-04-12T10:00:00Z"),
            &[("accepted", "2026-04-15T09:00:00Z")],
        ),
        // Sent 2 May, acknowledged 4 May (the first answer), declined 9 May: 2 days.
        referral(
            "r2",
            "age_uk",
            "declined",
            "2026-05-02",
            Some("2026-05-02T10:00:00Z"),
            &[
                ("acknowledged", "2026-05-04T10:00:00Z"),
                ("declined", "2026-05-09T10:00:00Z"),
            ],
        ),
        referral("r3", "age_uk", "draft", "2026-06-01", None, &[]),
        referral(
            "r0",
            "age_uk",
            "completed",
            "2026-03-20",
            Some("2026-03-20T10:00:00Z"),
            &[],
        ),
    ]);
    f
}

fn q1() -> Period {
    Period::parse("2026-27 Q1").unwrap()
}

fn categories() -> Categories {
    let text = built_in::CATALOGUE.1;
    Categories::of(&Catalogue::from_toml(text).unwrap())
}

#[test]
fn every_measure_on_the_synthetic_area() {
    let facts = area();
    let scope = Scope {
        period: q1(),
        team: Some("north"),
        area: None,
        scheme: None,
        threshold: Threshold::default(),
    };
    let r = compute(&facts, &[], &scope, &categories());
    let f = &r.figures;
    // s1, s2, s3, s4 were made on visits in the quarter; s6 in March; s9 is south's.
    check(f, m::SURVEYS, count(4));
    // p1–p4 drawn up in the quarter: gold p1, silver p2, bronze p3 and p4.
    check(f, m::PLANS, count(4));
    check(f, m::PLANS_GOLD, count(1));
    check(f, m::PLANS_SILVER, count(1));
    check(f, m::PLANS_BRONZE, count(2));
    // Agreed in the quarter: p1, p2, p4 (p6 on 30 March).
    check(f, m::PLANS_SIGNED, count(3));
    check(f, m::PLANS_DECLINED, count(1));
    check(f, m::VISITS_NO_ACCESS, count(1));
    // Fitted in the quarter: p1 (h1), p2 (h2), p6 (h6).
    check(f, m::HOMES_HARDENED, count(3));
    // w1: 2 cylinders and a light on 20 May; w6: 3 window locks on 15 April; w2's doorbell
    // on 1 July is outside; pending and not-fitted items never count.
    check(f, m::ITEMS_FITTED, count(6));
    check(f, m::ITEMS_DOOR_LOCK, count(2));
    check(f, m::ITEMS_LIGHTING, count(1));
    check(f, m::ITEMS_WINDOW_LOCK, count(3));
    check(f, m::ITEMS_CCTV, count(0));
    // Approved in the quarter: p1 £600, p2 £300, p4 £50, p6 £200 (approved 1 April) = £1,150.
    check(
        f,
        m::SPEND_COMMITTED,
        Figure::Pence {
            pence: 115_000,
            homes: Some(4),
        },
    );
    // Fitted: p1 £600 + p2 £300 + p6 £200 = £1,100 over 3 homes; £366.66 each, rounded down.
    check(
        f,
        m::SPEND_FITTED,
        Figure::Pence {
            pence: 110_000,
            homes: Some(3),
        },
    );
    check(
        f,
        m::SPEND_AVERAGE,
        Figure::Pence {
            pence: 36_666,
            homes: Some(3),
        },
    );
    // Only p1 (£600 against £500) went over its cap.
    check(f, m::HOMES_OVER_CAP, count(1));
    // Burglary to visit: s1 3→10 April = 7, s2 8→20 April = 12; median of two = (7+12)/2 = 9.
    check(
        f,
        m::DAYS_BURGLARY_TO_VISIT,
        Figure::Days {
            median: Some(9),
            cases: 2,
        },
    );
    // Visit to fitting: p6 30 March→15 April = 16, p1 10 April→20 May = 40, p2 20 April→10 June = 51.
    check(
        f,
        m::DAYS_VISIT_TO_FITTED,
        Figure::Days {
            median: Some(40),
            cases: 3,
        },
    );
    // c1 opened 11 April: six doors (c0's door opened in March is not counted). Reached:
    // survey started, visited, advice given = 3; engaged: survey started, advice given = 2;
    // hardened: d4 is h6's UPRN, fitted (d1 is h3, whose plan was refused).
    check(f, m::COCOON_DOORS, count(6));
    check(f, m::COCOON_REACHED, count(3));
    check(f, m::COCOON_ENGAGED, count(2));
    check(f, m::COCOON_HARDENED, count(1));
    // Supported homes: h1–h4 (plans drawn up in the quarter).
    check(f, m::SUPPORTED_HOMES, count(4));
    // One pair of answers (p1 followed up 25 June): 2 before, 4 after, safer.
    check(f, m::FEEL_SAFE_BEFORE, Figure::Score { sum: 2, answers: 1 });
    check(f, m::FEEL_SAFE_AFTER, Figure::Score { sum: 4, answers: 1 });
    check(f, m::FEEL_SAFER, Figure::Share { part: 1, whole: 1 });
    // doa1 on 15 May; doa0 in March is outside. Doors: …001 (twice), …002, …003 = 3;
    // answered: …001 at the second knock, …002, …003 = 3; alarms fitted 2; tested 1 (…003);
    // full visits 1; CHARLIE done 1; referrals 1.
    check(f, m::DOA_DAYS, count(1));
    check(f, m::DOA_KNOCKED, count(3));
    check(f, m::DOA_ANSWERED, count(3));
    check(f, m::DOA_ALARMS_FITTED, count(2));
    check(f, m::DOA_ALARMS_TESTED, count(1));
    check(f, m::DOA_FULL_VISITS, count(1));
    check(f, m::DOA_CHARLIE, count(1));
    check(f, m::DOA_REFERRALS, count(1));
    // CHARLIE checks in the quarter: ch1 (elderly), ch2 (none), ch3 (reduced mobility): 2 of 3.
    check(
        f,
        m::DOA_OLDER_OR_DISABLED,
        Figure::Share { part: 2, whole: 3 },
    );
    // Referrals made in the quarter: r1, r2, r3; accepted r1; declined r2; days to the first
    // answer: r1 2, r2 2 → 2.
    check(f, m::REFERRALS, count(3));
    check(f, m::REFERRALS_ACCEPTED, count(1));
    check(f, m::REFERRALS_DECLINED, count(1));
    check(
        f,
        m::DAYS_TO_RESPOND,
        Figure::Days {
            median: Some(2),
            cases: 2,
        },
    );
    // The funnel: 3 knocked, 3 answered, s4 surveyed on a day-of-action visit, p4 drawn up, not fitted.
    let funnel: Vec<u64> = r.day_of_action_funnel.iter().map(|s| s.count).collect();
    assert_eq!(funnel, [3, 3, 1, 1, 0]);
    // Referrals by agency: adult social care 1 accepted; Age UK 1 declined, 1 draft.
    assert_eq!(r.referrals_by_agency.len(), 2);
    assert_eq!(r.referrals_by_agency[1].by_status.values().sum::<u64>(), 2);
    // Spend by quarter: only Q1, £1,150 over 4 homes.
    assert_eq!(r.spend_by_quarter.len(), 1);
    assert_eq!(r.spend_by_quarter[0].committed_pence, 115_000);
    // Homes hardened month by month: April 1 (h6), May 2 (h1), June 3 (h2).
    let months: Vec<u64> = r.hardened_by_month.iter().map(|p| p.total).collect();
    assert_eq!(months, [1, 2, 3]);
    // Several figures are 1 to 4: the small-numbers caveat is printed.
    assert!(
        r.caveats
            .contains(&doorstep_reports::engine::CAVEAT_SMALL_NUMBERS)
    );
}

#[test]
fn repeat_victimisation_is_matched_by_uprn_after_the_plan() {
    let facts = area();
    let scope = Scope {
        period: q1(),
        team: Some("north"),
        area: None,
        scheme: None,
        threshold: Threshold::default(),
    };
    let burgled = |uprn: &str, day: &str| Burglary {
        date: day.parse().unwrap(),
        uprn: Some(uprn.to_owned()),
        postcode: None,
        lsoa: None,
    };
    let crimes = [
        burgled("100000000001", "2026-04-25"), // h1: 15 days after p1 (10 April)
        burgled("100000000002", "2026-06-15"), // h2: 56 days after p2 (20 April)
        burgled("100000000003", "2026-12-01"), // h3: 213 days after p3 (2 May)
        burgled("100000000004", "2026-04-01"), // h4: before p4: not a repeat
        burgled("100000000004", "2027-06-01"), // h4: over 12 months after p4 (15 May 2026)
    ];
    let r = compute(&facts, &crimes, &scope, &categories());
    check(
        &r.figures,
        m::REPEAT_28,
        Figure::Share { part: 1, whole: 4 },
    );
    check(
        &r.figures,
        m::REPEAT_60,
        Figure::Share { part: 2, whole: 4 },
    );
    check(
        &r.figures,
        m::REPEAT_12M,
        Figure::Share { part: 3, whole: 4 },
    );
    // Four supported homes is below the threshold: the shares are hidden when shown.
    assert_eq!(
        r.figures
            .get(&m::REPEAT_12M)
            .unwrap()
            .shown(Threshold::default())
            .text(),
        "[c]"
    );
}

#[test]
fn a_scheme_counts_its_own_areas_and_sets_their_burglaries_against_the_rest() {
    let facts = area();
    let schemes = parse_schemes(
        r#"
[[scheme]]
id = "ss-synthetic"
name = "Safer Streets (synthetic)"
starts = 2026-04-01
ends = 2027-03-31
budget_pence = 1000000
grant_pence = 500000
match_pence = 500000
target_homes = 40
areas = ["ZY9 1", "E01099901"]
"#,
    )
    .unwrap();
    let scheme = &schemes[0];
    let scope = Scope {
        period: q1(),
        team: None,
        area: None,
        scheme: Some(scheme),
        threshold: Threshold::default(),
    };
    let street = |lsoa: &str, day: &str| Burglary {
        date: day.parse().unwrap(),
        uprn: None,
        postcode: None,
        lsoa: Some(lsoa.to_owned()),
    };
    let crimes = [
        street("E01099901", "2026-04-01"),
        street("E01099901", "2026-05-01"),
        street("E01099901", "2026-01-01"), // the quarter before
        street("E01099902", "2026-04-01"), // elsewhere
        street("E01099902", "2026-02-01"),
        street("E01099902", "2026-03-01"),
    ];
    let r = compute(&facts, &crimes, &scope, &categories());
    let f = &r.figures;
    // Only h9 (ZY9 1AA) is in the scheme's areas: one survey, one plan.
    check(f, m::SURVEYS, count(1));
    check(f, m::PLANS_GOLD, count(1));
    check(f, m::CRIME_TARGET, count(2));
    check(f, m::CRIME_TARGET_BASELINE, count(1));
    check(f, m::CRIME_REST, count(1));
    check(f, m::CRIME_REST_BASELINE, count(2));
    check(
        f,
        m::BUDGET,
        Figure::Pence {
            pence: 1_000_000,
            homes: None,
        },
    );
    check(f, m::TARGET_HOMES, count(40));
    // p9 was agreed, never approved: nothing committed yet.
    check(
        f,
        m::BUDGET_USED,
        Figure::Share {
            part: 0,
            whole: 1_000_000,
        },
    );
    // The chart runs from twelve months before the start (April 2025) to June 2026.
    assert_eq!(r.burglary_by_month.len(), 15);
    assert_eq!(r.burglary_by_month.iter().map(|c| c.target).sum::<u64>(), 3);
    assert!(
        r.caveats
            .contains(&doorstep_reports::engine::CAVEAT_REGRESSION)
    );
    assert!(
        r.caveats
            .contains(&doorstep_reports::engine::CAVEAT_NO_UPRNS)
    );
}

#[test]
fn an_area_and_a_team_cut_the_same_records() {
    let facts = area();
    let zy9 = Area::parse("ZY9").unwrap();
    let everyone = Scope {
        period: q1(),
        team: None,
        area: None,
        scheme: None,
        threshold: Threshold::default(),
    };
    let r = compute(&facts, &[], &everyone, &categories());
    // Every team: north's four surveys and south's s9.
    check(&r.figures, m::SURVEYS, count(5));
    let r = compute(
        &facts,
        &[],
        &Scope {
            area: Some(&zy9),
            ..everyone
        },
        &categories(),
    );
    check(&r.figures, m::SURVEYS, count(1));
    check(&r.figures, m::PLANS, count(1));
    let r = compute(
        &facts,
        &[],
        &Scope {
            team: Some("south"),
            ..everyone
        },
        &categories(),
    );
    check(&r.figures, m::SURVEYS, count(1));
    check(&r.figures, m::DOA_KNOCKED, count(0));
}

#[test]
fn an_anonymised_plan_still_counts_by_its_figure_fields() {
    // The retention schedule keeps only a plan's figure fields (tier, status, created_at,
    // cap_pence, items): no survey, so no household, but it still counts as a plan.
    let plan = record(
        "plan",
        "pa",
        "north",
        json!({"tier": "silver", "status": "fitted", "created_at": at("2026-05-01"), "cap_pence": 30_000, "items": []}),
    );
    let scope = Scope {
        period: q1(),
        team: None,
        area: None,
        scheme: None,
        threshold: Threshold::default(),
    };
    let r = compute(&[plan], &[], &scope, &categories());
    check(&r.figures, m::PLANS_SILVER, count(1));
}

#[test]
fn a_force_extract_replaces_the_street_level_rows_of_its_months() {
    use doorstep_reports::engine::one_source;
    let row = |day: &str, uprn: Option<&str>| Burglary {
        date: day.parse().unwrap(),
        uprn: uprn.map(str::to_owned),
        postcode: None,
        lsoa: Some("E01099901".to_owned()),
    };
    let rows = [
        row("2026-04-01", None), // street-level, April: the extract covers April
        row("2026-04-01", None),
        row("2026-04-12", Some("100000000001")), // the force's extract, April
        row("2026-05-01", None),                 // street-level, May: no extract for May
    ];
    let kept = one_source(&rows);
    assert_eq!(kept.len(), 2);
    assert!(kept.iter().any(|b| b.uprn.is_some()));
    assert!(kept.iter().any(|b| b.date.to_string() == "2026-05-01"));
}
