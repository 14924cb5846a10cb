//! Scoring a valid check: each factor, hazard, missing alarm and blocked exit adds its
//! points, the total falls in a band, and the result says what drove it and whether to refer.

use serde::{Deserialize, Serialize};

use crate::validation::ValidationErrors;

use super::super::ids::CharlieCheckId;
use super::super::template::{CharlieTemplate, RiskLevel};
use super::{CharlieCheck, EscapeRoute};

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
