//! A CHARLIE check: per-factor scores with who and when, the Clutter Image Rating behind H,
//! smoke alarms, escape route and other hazards; validated field by field, and scored into a
//! risk level that explains itself.
//!
//! A check stands alone (a partner can do one without a survey or visit), so the links to a
//! person, household and visit are all optional.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{HouseholdId, OfficerId, PersonId, VisitId};
use crate::validation::ValidationErrors;

use super::ids::CharlieCheckId;
use super::template::{CIR_MAX, CIR_MIN, CharlieTemplate, RiskLevel};

/// Longest note on a factor, so one field cannot swamp a record.
pub const NOTE_MAX: usize = 2_000;
/// Longest floor label.
const FLOOR_MAX: usize = 40;

stored_enum!(
    /// Whether everyone can get out.
    EscapeRoute {
        /// Exits clear, keys to hand.
        Clear => "clear",
        /// An exit is blocked or keys cannot be found.
        Obstructed => "obstructed",
        /// Not checked (e.g. a partner's check at the door).
        NotChecked => "not_checked",
    }
);

stored_enum!(
    /// What a contribution to the total came from.
    ContributionKind {
        /// A CHARLIE factor's score.
        Factor => "factor",
        /// Another hazard ticked.
        Flag => "flag",
        /// A floor without a working smoke alarm.
        Alarm => "alarm",
        /// An obstructed escape route.
        EscapeRoute => "escape_route",
    }
);

/// One factor's score, with who scored it and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct FactorScore {
    /// The factor id from the template.
    pub factor: String,
    /// A value on the template's scale.
    pub score: u8,
    /// What the officer saw; required when the hoarding score departs from the CIR mapping.
    pub note: String,
    /// Who scored it.
    pub by: OfficerId,
    /// When (given by the caller; core never reads the clock).
    pub at: DateTime<Utc>,
}

/// Smoke alarms on one floor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct AlarmCheck {
    /// Which floor, e.g. "Ground floor".
    pub floor: String,
    /// An alarm was there before the visit.
    pub present: bool,
    /// The existing alarm sounded when tested.
    pub working: bool,
    /// An alarm was fitted today.
    pub fitted_today: bool,
    /// The existing alarm was tested.
    pub tested: bool,
}

impl AlarmCheck {
    /// True when the floor is left with a working alarm.
    pub fn covered(&self) -> bool {
        self.fitted_today || (self.present && self.working)
    }
}

/// A CHARLIE check as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct CharlieCheck {
    /// Id.
    pub id: CharlieCheckId,
    /// The template id it was scored on.
    pub template_id: String,
    /// The template version it was scored on.
    pub template_version: u32,
    /// The resident, when known.
    pub person_id: Option<PersonId>,
    /// The household, when known.
    pub household_id: Option<HouseholdId>,
    /// The visit it was done on; `None` for a standalone check.
    pub visit_id: Option<VisitId>,
    /// One score per template factor.
    pub factors: Vec<FactorScore>,
    /// The Clutter Image Rating (1–9) behind the hoarding score, when rated.
    pub clutter_image_rating: Option<u8>,
    /// Smoke alarms per floor; empty means not checked.
    pub alarms: Vec<AlarmCheck>,
    /// The escape route.
    pub escape_route: EscapeRoute,
    /// Ids of the other hazards ticked.
    pub flags: Vec<String>,
}

/// One factor's score as the form sends it; who and when are added when it is saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct FactorAnswer {
    /// The factor id from the template.
    pub factor: String,
    /// A value on the template's scale.
    pub score: u8,
    /// What the officer saw.
    pub note: String,
}

/// A CHARLIE check as the form sends it (at a door, on a visit, or on its own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct CharlieDraft {
    /// The check being corrected, or `None` for a new one.
    pub id: Option<CharlieCheckId>,
    /// The resident, when known.
    pub person_id: Option<PersonId>,
    /// The household, when known.
    pub household_id: Option<HouseholdId>,
    /// The visit it was done on.
    pub visit_id: Option<VisitId>,
    /// One score per factor.
    pub factors: Vec<FactorAnswer>,
    /// The Clutter Image Rating (1–9), when rated.
    pub clutter_image_rating: Option<u8>,
    /// Smoke alarms per floor.
    pub alarms: Vec<AlarmCheck>,
    /// The escape route.
    pub escape_route: EscapeRoute,
    /// Ids of the other hazards ticked.
    pub flags: Vec<String>,
}

impl CharlieDraft {
    /// The check on `template`, scored by `by` at `at`.
    pub fn into_check(
        self,
        template: &CharlieTemplate,
        by: OfficerId,
        at: DateTime<Utc>,
    ) -> CharlieCheck {
        CharlieCheck {
            id: self.id.unwrap_or_default(),
            template_id: template.id.clone(),
            template_version: template.version,
            person_id: self.person_id,
            household_id: self.household_id,
            visit_id: self.visit_id,
            factors: self
                .factors
                .into_iter()
                .map(|f| FactorScore {
                    factor: f.factor,
                    score: f.score,
                    note: f.note,
                    by,
                    at,
                })
                .collect(),
            clutter_image_rating: self.clutter_image_rating,
            alarms: self.alarms,
            escape_route: self.escape_route,
            flags: self.flags,
        }
    }
}

/// Points from one source, so the UI can show what drove the level and by how much.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct CharlieContribution {
    /// Factor, flag, alarm or escape route.
    pub kind: ContributionKind,
    /// The factor or flag id ("no_working_alarm", "escape_route_obstructed" otherwise).
    pub id: String,
    /// Short name.
    pub label: String,
    /// Points added.
    pub points: u32,
    /// Why, in plain words.
    pub reason: String,
}

/// The scored check; `total` is always the sum of the contributions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct CharlieAssessment {
    /// The check scored.
    pub check_id: CharlieCheckId,
    /// Sum of the contributions.
    pub total: u32,
    /// Band from the template thresholds.
    pub level: RiskLevel,
    /// Every part of the total, largest first (template order on ties).
    pub contributions: Vec<CharlieContribution>,
    /// At least one factor scored at or above the template's `present_from`.
    pub any_factor: bool,
    /// The factors that count as present, in template order.
    pub present_factors: Vec<String>,
    /// Ids of the flags ticked, in template order.
    pub flags: Vec<String>,
    /// At least one floor is left without a working smoke alarm.
    pub no_working_alarm: bool,
    /// A referral to the fire service should be offered.
    pub meets_referral_threshold: bool,
    /// Why the referral threshold was or was not met, in plain words.
    pub referral_because: Vec<String>,
    /// One paragraph for the screen: level, total and what drove it.
    pub explanation: String,
}

impl CharlieCheck {
    /// Checks the check against its template; every problem is reported against its field.
    pub fn validate(&self, template: &CharlieTemplate) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if self.template_id != template.id || self.template_version != template.version {
            errors.add(
                "template",
                format!(
                    "This check was scored on {} version {}; open it with that version, not {} version {}",
                    self.template_id, self.template_version, template.id, template.version
                ),
            );
            // Scores mean different things on another version; checking them would mislead.
            return errors.into_result(());
        }
        let scale = template
            .scale
            .iter()
            .map(|p| format!("{} ({})", p.value, p.label))
            .collect::<Vec<_>>()
            .join(", ");
        let mut seen = BTreeSet::new();
        for (i, f) in self.factors.iter().enumerate() {
            if template.factor(&f.factor).is_none() {
                errors.add(
                    &format!("factors[{i}].factor"),
                    format!("There is no factor \"{}\" on this check", f.factor),
                );
                continue;
            }
            if !seen.insert(f.factor.as_str()) {
                errors.add(
                    &format!("factors.{}.score", f.factor),
                    "This factor is scored twice; keep one score",
                );
            }
            if template.scale_point(f.score).is_none() {
                errors.add(
                    &format!("factors.{}.score", f.factor),
                    format!("Choose a score on the scale: {scale}"),
                );
            }
            if f.note.chars().count() > NOTE_MAX {
                errors.add(
                    &format!("factors.{}.note", f.factor),
                    format!("Use {NOTE_MAX} characters or fewer"),
                );
            }
        }
        for factor in &template.factors {
            if !seen.contains(factor.id.as_str()) {
                errors.add(
                    &format!("factors.{}.score", factor.id),
                    format!(
                        "Score {}; choose {} if it does not apply",
                        factor.title,
                        template.lowest_score()
                    ),
                );
            }
        }
        self.check_cir(template, &mut errors);
        let mut floors = BTreeSet::new();
        for (i, a) in self.alarms.iter().enumerate() {
            let floor = a.floor.trim();
            if floor.is_empty() || floor.chars().count() > FLOOR_MAX {
                errors.add(
                    &format!("alarms[{i}].floor"),
                    format!(
                        "Name the floor in {FLOOR_MAX} characters or fewer, e.g. \"Ground floor\""
                    ),
                );
            } else if !floors.insert(floor.to_lowercase()) {
                errors.add(&format!("alarms[{i}].floor"), "This floor is listed twice");
            }
            if !a.present && (a.working || a.tested) {
                errors.add(
                    &format!("alarms[{i}].present"),
                    "An alarm that was tested or working must be marked present",
                );
            }
            if a.working && !a.tested {
                errors.add(
                    &format!("alarms[{i}].tested"),
                    "Only mark an alarm working after testing it",
                );
            }
        }
        let mut flags = BTreeSet::new();
        for (i, id) in self.flags.iter().enumerate() {
            if template.flag(id).is_none() {
                errors.add(
                    &format!("flags[{i}]"),
                    format!("There is no hazard \"{id}\" on this check"),
                );
            } else if !flags.insert(id.as_str()) {
                errors.add(&format!("flags[{i}]"), "This hazard is ticked twice");
            }
        }
        errors.into_result(())
    }

    fn check_cir(&self, template: &CharlieTemplate, errors: &mut ValidationErrors) {
        let Some(rating) = self.clutter_image_rating else {
            return;
        };
        if !(CIR_MIN..=CIR_MAX).contains(&rating) {
            errors.add(
                "clutter_image_rating",
                format!("Choose a Clutter Image Rating from {CIR_MIN} to {CIR_MAX}"),
            );
            return;
        }
        let factor_id = &template.clutter_image_rating.factor;
        let scored = self.factors.iter().find(|f| &f.factor == factor_id);
        if let (Some(expected), Some(scored)) = (template.cir_score(rating), scored)
            && scored.score != expected
            && scored.note.trim().is_empty()
        {
            // A different score can be right (e.g. exits blocked at CIR 5), but only if said why.
            errors.add(
                &format!("factors.{factor_id}.note"),
                format!(
                    "A Clutter Image Rating of {rating} normally scores {expected}; you scored {}. Say why in the note",
                    scored.score
                ),
            );
        }
    }

    fn score_of(&self, factor: &str) -> Option<u8> {
        self.factors
            .iter()
            .find(|f| f.factor == factor)
            .map(|f| f.score)
    }
}

/// Validates and scores a check; an invalid check is never scored, so no level rests on bad data.
pub fn assess(
    template: &CharlieTemplate,
    check: &CharlieCheck,
) -> Result<CharlieAssessment, ValidationErrors> {
    check.validate(template)?;
    let mut contributions = Vec::new();
    let mut present_factors = Vec::new();
    let mut top_factor: Option<(String, u8)> = None;
    for factor in &template.factors {
        let Some(score) = check.score_of(&factor.id) else {
            continue;
        };
        let label = template
            .scale_point(score)
            .map_or(String::new(), |p| p.label.clone());
        let descriptor = factor.descriptor(score).map_or("", |d| d.text.as_str());
        contributions.push(CharlieContribution {
            kind: ContributionKind::Factor,
            id: factor.id.clone(),
            label: factor.title.clone(),
            points: u32::from(score),
            reason: format!("Scored {score} ({label}): {descriptor}"),
        });
        if score >= template.risk.present_from {
            present_factors.push(factor.id.clone());
        }
        if let Some(at) = template.risk.referral_when_any_factor_at
            && score >= at
            && top_factor.is_none()
        {
            top_factor = Some((factor.title.clone(), score));
        }
    }
    let mut flags = Vec::new();
    for flag in &template.flags {
        if check.flags.contains(&flag.id) {
            flags.push(flag.id.clone());
            if flag.points > 0 {
                contributions.push(CharlieContribution {
                    kind: ContributionKind::Flag,
                    id: flag.id.clone(),
                    label: flag.label.clone(),
                    points: flag.points,
                    reason: flag.guidance.clone(),
                });
            }
        }
    }
    let uncovered: Vec<&str> = check
        .alarms
        .iter()
        .filter(|a| !a.covered())
        .map(|a| a.floor.trim())
        .collect();
    let no_working_alarm = !uncovered.is_empty();
    if no_working_alarm && template.alarms.no_working_alarm_points > 0 {
        contributions.push(CharlieContribution {
            kind: ContributionKind::Alarm,
            id: "no_working_alarm".into(),
            label: "No working smoke alarm".into(),
            points: template.alarms.no_working_alarm_points,
            reason: format!("No working smoke alarm on: {}", uncovered.join(", ")),
        });
    }
    if check.escape_route == EscapeRoute::Obstructed && template.escape_route.obstructed_points > 0
    {
        contributions.push(CharlieContribution {
            kind: ContributionKind::EscapeRoute,
            id: "escape_route_obstructed".into(),
            label: "Escape route obstructed".into(),
            points: template.escape_route.obstructed_points,
            reason: "An exit is blocked or keys are not to hand".into(),
        });
    }
    // Stable sort keeps template order among equal points, so the explanation never shuffles.
    contributions.sort_by_key(|c| std::cmp::Reverse(c.points));
    // Scores are u8 and points capped at load, so saturation is unreachable; it only guards.
    let total = contributions
        .iter()
        .fold(0u32, |t, c| t.saturating_add(c.points));
    let level = template.risk.level(total);
    let mut referral_because = Vec::new();
    if total >= template.risk.referral_from {
        referral_because.push(format!(
            "The total {total} is at or above the referral threshold {}",
            template.risk.referral_from
        ));
    }
    if let Some((title, score)) = top_factor {
        referral_because.push(format!("{title} scored {score}"));
    }
    let meets_referral_threshold = !referral_because.is_empty();
    if !meets_referral_threshold {
        referral_because.push(format!(
            "The total {total} is below the referral threshold {}",
            template.risk.referral_from
        ));
    }
    let explanation = explain(
        template,
        total,
        level,
        &contributions,
        check.alarms.is_empty(),
    );
    Ok(CharlieAssessment {
        check_id: check.id,
        total,
        level,
        contributions,
        any_factor: !present_factors.is_empty(),
        present_factors,
        flags,
        no_working_alarm,
        meets_referral_threshold,
        referral_because,
        explanation,
    })
}

fn explain(
    template: &CharlieTemplate,
    total: u32,
    level: RiskLevel,
    contributions: &[CharlieContribution],
    alarms_unchecked: bool,
) -> String {
    // Factors at the lowest score are "does not apply": listing them would hide the real drivers.
    let lowest = u32::from(template.lowest_score());
    let drivers: Vec<String> = contributions
        .iter()
        .filter(|c| c.kind != ContributionKind::Factor || c.points > lowest)
        .map(|c| format!("{} {}", c.label, c.points))
        .collect();
    let mut text = format!("{} risk ({total} points). ", level.label());
    if drivers.is_empty() {
        text.push_str("No factor or hazard above the lowest score.");
    } else {
        text.push_str(&format!("Driven by: {}.", drivers.join(", ")));
    }
    if alarms_unchecked {
        text.push_str(" Smoke alarms were not checked.");
    }
    text
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::template::tests::real;
    use super::*;
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
}
