use super::*;
use crate::fire::ids::CharlieCheckId;
use crate::fire::template::tests::real;
use crate::fire::template::{CharlieTemplate, RiskLevel};
use crate::validation::ValidationErrors;
use chrono::TimeZone;
use proptest::prelude::*;
use rstest::rstest;

pub(crate) fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0)
        .single()
        .expect("valid date")
}

/// A valid check with every factor at `base`, alarms fine, nothing ticked.
pub(crate) fn check_with(t: &CharlieTemplate, scores: &[(&str, u8)]) -> CharlieCheck {
    let officer = OfficerId::new();
    CharlieCheck {
        id: CharlieCheckId::new(),
        template_id: t.id.clone(),
        template_version: t.version,
        person_id: Some(PersonId::new()),
        household_id: None,
        visit_id: None,
        factors: t
            .factors
            .iter()
            .map(|f| FactorScore {
                factor: f.id.clone(),
                score: scores
                    .iter()
                    .find(|(id, _)| *id == f.id)
                    .map_or(1, |(_, s)| *s),
                note: String::new(),
                by: officer,
                at: at(),
            })
            .collect(),
        clutter_image_rating: None,
        alarms: vec![AlarmCheck {
            floor: "Ground floor".into(),
            present: true,
            working: true,
            fitted_today: false,
            tested: true,
        }],
        escape_route: EscapeRoute::Clear,
        flags: Vec::new(),
    }
}

fn fields(e: &ValidationErrors) -> Vec<&str> {
    e.errors().iter().map(|f| f.field.as_str()).collect()
}

#[test]
fn a_check_with_nothing_present_is_low_and_not_referred() {
    let t = real();
    let a = assess(&t, &check_with(&t, &[])).expect("valid check");
    assert_eq!(a.total, 7, "seven factors at the lowest score 1");
    assert_eq!(a.level, RiskLevel::Low, "7 is below medium_from 14");
    assert!(!a.any_factor, "no factor reaches present_from 4");
    assert!(
        !a.meets_referral_threshold,
        "7 is below the referral threshold 22"
    );
    assert!(
        a.explanation.contains("No factor or hazard"),
        "the explanation says nothing drove it: {}",
        a.explanation
    );
}

#[rstest]
#[case("care_and_support")]
#[case("hoarding")]
#[case("alcohol_and_drugs")]
#[case("reduced_mobility")]
#[case("lives_alone")]
#[case("inappropriate_smoking")]
#[case("elderly")]
fn each_factor_adds_its_score_and_is_named(#[case] factor: &str) {
    let t = real();
    for (score, total, present) in [
        (1u8, 7u32, false),
        (2, 8, false),
        (4, 10, true),
        (8, 14, true),
        (10, 16, true),
    ] {
        let a = assess(&t, &check_with(&t, &[(factor, score)])).expect("valid check");
        assert_eq!(a.total, total, "{factor} at {score} adds {score} to six 1s");
        assert_eq!(
            a.any_factor, present,
            "{factor} at {score} counts as present from 4"
        );
        let c = a
            .contributions
            .iter()
            .find(|c| c.id == factor)
            .expect("every factor contributes");
        assert_eq!(
            c.points,
            u32::from(score),
            "{factor}'s contribution is its score"
        );
        assert_eq!(
            a.explanation.contains(&c.label),
            score > 1,
            "{factor} is named as a driver only above the lowest score: {}",
            a.explanation
        );
        assert_eq!(
            a.meets_referral_threshold,
            score == 10,
            "a single factor at 10 is enough for referral (referral_when_any_factor_at)"
        );
    }
}

#[rstest]
#[case(13, RiskLevel::Low)]
#[case(14, RiskLevel::Medium)]
#[case(21, RiskLevel::Medium)]
#[case(22, RiskLevel::High)]
#[case(31, RiskLevel::High)]
#[case(32, RiskLevel::VeryHigh)]
fn thresholds_band_the_total(#[case] total: u32, #[case] level: RiskLevel) {
    assert_eq!(
        real().risk.level(total),
        level,
        "{total} points is {level:?}"
    );
}

#[rstest]
// 8+8 and five 1s = 21: one short of the threshold.
#[case(&[("hoarding", 8), ("lives_alone", 8)], 21, false)]
// 8+8+2 and four 1s = 22: exactly at the threshold.
#[case(&[("hoarding", 8), ("lives_alone", 8), ("elderly", 2)], 22, true)]
fn the_referral_threshold_is_inclusive(
    #[case] scores: &[(&str, u8)],
    #[case] total: u32,
    #[case] refer: bool,
) {
    let t = real();
    let a = assess(&t, &check_with(&t, scores)).expect("valid check");
    assert_eq!(a.total, total, "sum of the scores");
    assert_eq!(
        a.meets_referral_threshold, refer,
        "refer from 22 inclusive, got {a:?}"
    );
}

#[test]
fn flags_alarms_and_escape_are_explained_with_their_points() {
    let t = real();
    let mut c = check_with(&t, &[("inappropriate_smoking", 10), ("elderly", 8)]);
    c.flags = vec!["medical_oxygen".into(), "candles".into()];
    c.alarms.push(AlarmCheck {
        floor: "First floor".into(),
        present: false,
        working: false,
        fitted_today: false,
        tested: false,
    });
    c.escape_route = EscapeRoute::Obstructed;
    let a = assess(&t, &c).expect("valid check");
    // 10 + 8 + five 1s = 23; oxygen 8, candles 2, no alarm 8, escape 8.
    assert_eq!(
        a.total,
        23 + 8 + 2 + 8 + 8,
        "factors plus every hazard's points"
    );
    assert_eq!(
        a.level,
        RiskLevel::VeryHigh,
        "49 is above very_high_from 32"
    );
    let top: Vec<&str> = a
        .contributions
        .iter()
        .take(2)
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(
        top,
        ["inappropriate_smoking", "elderly"],
        "largest first, template order on ties"
    );
    assert!(a.no_working_alarm, "the first floor has no alarm");
    let alarm = a
        .contributions
        .iter()
        .find(|c| c.kind == ContributionKind::Alarm)
        .expect("alarm part");
    assert!(
        alarm.reason.contains("First floor"),
        "name the floor: {}",
        alarm.reason
    );
    assert!(
        a.explanation
            .starts_with("Very high risk (49 points). Driven by: Inappropriate smoking 10"),
        "the explanation leads with the level and biggest driver: {}",
        a.explanation
    );
    assert!(
        a.explanation.contains("Medical oxygen in the home 8"),
        "flags are drivers too: {}",
        a.explanation
    );
    assert_eq!(
        a.flags,
        ["medical_oxygen", "candles"],
        "flags in template order"
    );
    assert_eq!(
        a.referral_because.len(),
        2,
        "both the total and the factor at 10 are reasons"
    );
}

#[test]
fn an_alarm_fitted_today_covers_the_floor() {
    let t = real();
    let mut c = check_with(&t, &[]);
    c.alarms[0] = AlarmCheck {
        floor: "Ground floor".into(),
        present: false,
        working: false,
        fitted_today: true,
        tested: false,
    };
    let a = assess(&t, &c).expect("valid check");
    assert!(
        !a.no_working_alarm,
        "a floor fitted today has a working alarm"
    );
    c.alarms.clear();
    let a = assess(&t, &c).expect("valid check");
    assert!(
        a.explanation.contains("not checked"),
        "say alarms were not checked: {}",
        a.explanation
    );
}

#[rstest]
#[case(1, 1, "")]
#[case(6, 8, "")]
#[case(6, 4, "Exits clear, clutter is in the loft only")]
#[case(9, 10, "")]
fn hoarding_that_agrees_with_the_cir_or_is_explained_is_valid(
    #[case] cir: u8,
    #[case] score: u8,
    #[case] note: &str,
) {
    let t = real();
    let mut c = check_with(&t, &[("hoarding", score)]);
    c.clutter_image_rating = Some(cir);
    if let Some(h) = c.factors.iter_mut().find(|f| f.factor == "hoarding") {
        h.note = note.into();
    }
    assert!(
        c.validate(&t).is_ok(),
        "CIR {cir} with H {score} and note {note:?} is acceptable"
    );
}

#[rstest]
#[case::h_disagrees_unexplained(|c: &mut CharlieCheck| { c.clutter_image_rating = Some(7); }, "factors.hoarding.note")]
#[case::cir_zero(|c: &mut CharlieCheck| { c.clutter_image_rating = Some(0); }, "clutter_image_rating")]
#[case::cir_ten(|c: &mut CharlieCheck| { c.clutter_image_rating = Some(10); }, "clutter_image_rating")]
#[case::off_scale(|c: &mut CharlieCheck| { c.factors[2].score = 3; }, "factors.alcohol_and_drugs.score")]
#[case::missing_factor(|c: &mut CharlieCheck| { c.factors.remove(6); }, "factors.elderly.score")]
#[case::duplicate_factor(|c: &mut CharlieCheck| { let f = c.factors[0].clone(); c.factors.push(f); }, "factors.care_and_support.score")]
#[case::unknown_factor(|c: &mut CharlieCheck| { c.factors[0].factor = "pets".into(); }, "factors[0].factor")]
#[case::unknown_flag(|c: &mut CharlieCheck| { c.flags.push("fireworks".into()); }, "flags[0]")]
#[case::working_not_present(|c: &mut CharlieCheck| { c.alarms[0].present = false; }, "alarms[0].present")]
#[case::working_untested(|c: &mut CharlieCheck| { c.alarms[0].tested = false; }, "alarms[0].tested")]
#[case::blank_floor(|c: &mut CharlieCheck| { c.alarms[0].floor = " ".into(); }, "alarms[0].floor")]
#[case::other_version(|c: &mut CharlieCheck| { c.template_version = 99; }, "template")]
fn invalid_checks_name_the_field(#[case] edit: fn(&mut CharlieCheck), #[case] field: &str) {
    let t = real();
    let mut c = check_with(&t, &[]);
    edit(&mut c);
    let err = assess(&t, &c).expect_err("an invalid check is never scored");
    assert!(
        fields(&err).contains(&field),
        "expected an error on {field}, got {err:?}"
    );
}

fn scale_value() -> impl Strategy<Value = u8> {
    prop::sample::select(vec![1u8, 2, 4, 8, 10])
}

proptest! {
    #[test]
    fn contributions_always_sum_to_the_total(
        scores in prop::collection::vec(scale_value(), 7),
        flags in prop::collection::vec(any::<bool>(), 6),
        alarm_ok in any::<bool>(),
        obstructed in any::<bool>(),
    ) {
        let t = real();
        let ids: Vec<&str> = t.factors.iter().map(|f| f.id.as_str()).collect();
        let pairs: Vec<(&str, u8)> = ids.iter().copied().zip(scores.iter().copied()).collect();
        let mut c = check_with(&t, &pairs);
        c.flags = t.flags.iter().zip(&flags).filter(|(_, on)| **on).map(|(f, _)| f.id.clone()).collect();
        c.alarms[0].fitted_today = false;
        c.alarms[0].working = alarm_ok;
        c.alarms[0].tested = alarm_ok;
        c.escape_route = if obstructed { EscapeRoute::Obstructed } else { EscapeRoute::Clear };
        let a = assess(&t, &c).expect("valid check");
        let sum: u32 = a.contributions.iter().map(|c| c.points).sum();
        prop_assert_eq!(sum, a.total, "the explanation must add up to the total");
        prop_assert_eq!(a.level, t.risk.level(a.total), "level follows the total");
    }

    #[test]
    fn the_level_never_falls_when_a_factor_score_rises(
        scores in prop::collection::vec(scale_value(), 7),
        which in 0usize..7,
        higher in scale_value(),
    ) {
        let t = real();
        let ids: Vec<&str> = t.factors.iter().map(|f| f.id.as_str()).collect();
        let before: Vec<(&str, u8)> = ids.iter().copied().zip(scores.iter().copied()).collect();
        let mut after = before.clone();
        after[which].1 = after[which].1.max(higher);
        let a = assess(&t, &check_with(&t, &before)).expect("valid");
        let b = assess(&t, &check_with(&t, &after)).expect("valid");
        prop_assert!(b.total >= a.total, "raising a score cannot lower the total");
        prop_assert!(b.level.rank() >= a.level.rank(), "raising a score cannot lower the level");
        prop_assert!(b.meets_referral_threshold || !a.meets_referral_threshold, "nor withdraw a referral");
    }
}

#[test]
fn assessments_round_trip_through_json_for_the_ui() {
    let t = real();
    let a = assess(&t, &check_with(&t, &[("hoarding", 8)])).expect("valid check");
    let json = serde_json::to_string(&a).expect("serialises");
    assert!(
        json.contains("\"kind\":\"factor\""),
        "enums are snake_case on the wire: {json}"
    );
    let back: CharlieAssessment = serde_json::from_str(&json).expect("parses");
    assert_eq!(back, a, "the UI gets exactly what core computed");
}
