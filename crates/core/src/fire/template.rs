//! The CHARLIE template: the scale, the seven factors, the Clutter Image Rating bands, other
//! hazards and the risk thresholds, parsed from TOML text.
//!
//! The scale and every threshold are data, not code: fire services score differently (the
//! Nottinghamshire CHARLIE-P 1/2/4/8/10 is only the default), and a change is a new `version`.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::security::template::{LoadError, check_template_identity, is_id, parse_toml};

/// The Clutter Image Rating is a published nine-picture instrument, so its range is fixed.
pub const CIR_MIN: u8 = 1;
/// Highest Clutter Image Rating.
pub const CIR_MAX: u8 = 9;

stored_enum!(
    /// A banded CHARLIE total.
    RiskLevel {
        /// Below the medium threshold.
        Low => "low",
        /// From the medium threshold.
        Medium => "medium",
        /// From the high threshold.
        High => "high",
        /// From the very high threshold.
        VeryHigh => "very_high",
    }
);

impl RiskLevel {
    /// Order for comparison: low < medium < high < very high.
    pub fn rank(self) -> u8 {
        match self {
            Self::Low => 0,
            Self::Medium => 1,
            Self::High => 2,
            Self::VeryHigh => 3,
        }
    }

    /// Capitalised words for explanations.
    pub fn label(self) -> &'static str {
        match self {
            Self::Low => "Low",
            Self::Medium => "Medium",
            Self::High => "High",
            Self::VeryHigh => "Very high",
        }
    }
}

/// One point of the scoring scale, e.g. 8 "Likely".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct ScalePoint {
    /// The score.
    pub value: u8,
    /// Its name.
    pub label: String,
}

/// What one point of the scale means for one factor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct Descriptor {
    /// The scale value described.
    pub score: u8,
    /// What the officer would see at this score.
    pub text: String,
}

/// One CHARLIE factor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct Factor {
    /// Stable id stored with each score.
    pub id: String,
    /// The CHARLIE letter shown beside it.
    pub letter: String,
    /// Heading.
    pub title: String,
    /// Help for the officer.
    pub guidance: String,
    /// Questions to ask, in order.
    pub prompts: Vec<String>,
    /// One descriptor per scale point, lowest first.
    pub descriptors: Vec<Descriptor>,
    /// The advice (ids in `advice`) the resident's plan gives when this factor is present.
    #[serde(default)]
    pub advice: Vec<String>,
}

impl Factor {
    /// The descriptor for a score, if the score is on the scale.
    pub fn descriptor(&self, score: u8) -> Option<&Descriptor> {
        self.descriptors.iter().find(|d| d.score == score)
    }
}

/// Clutter Image Ratings `from..=to` map to `score`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct CirBand {
    /// Lowest rating in the band.
    pub from: u8,
    /// Highest rating in the band.
    pub to: u8,
    /// The factor score for the band.
    pub score: u8,
}

/// How the Clutter Image Rating sets the hoarding factor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct ClutterImageRating {
    /// The factor the rating scores (normally "hoarding").
    pub factor: String,
    /// Help for the officer.
    pub guidance: String,
    /// Bands covering 1 to 9 exactly once.
    pub bands: Vec<CirBand>,
}

/// Smoke alarm guidance and points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct AlarmRules {
    /// Help for the officer.
    pub guidance: String,
    /// Added once when any floor is left without a working alarm.
    pub no_working_alarm_points: u32,
    /// The advice (ids in `advice`) the resident's plan gives when a floor has no working alarm.
    #[serde(default)]
    pub advice: Vec<String>,
}

/// Escape route guidance and points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct EscapeRules {
    /// Help for the officer.
    pub guidance: String,
    /// Added when the route is obstructed.
    pub obstructed_points: u32,
}

/// Another hazard the officer can tick (emollients, oxygen, candles…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct Flag {
    /// Stable id stored with the check.
    pub id: String,
    /// What the officer ticks.
    pub label: String,
    /// Why it matters.
    pub guidance: String,
    /// Points added when ticked.
    pub points: u32,
    /// The advice (ids in `advice`) the resident's plan gives when ticked.
    #[serde(default)]
    pub advice: Vec<String>,
}

/// One topic of fire-safety advice for the resident's plan, worded once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct AdviceTopic {
    /// Stable id that factors, flags and alarm rules name.
    pub id: String,
    /// The advice in plain words.
    pub text: String,
    /// Given whenever the plan has a fire-safety section, whatever was found.
    #[serde(default)]
    pub always: bool,
}

/// The closing words about a home fire safety visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct FireServiceVisitWording {
    /// When no visit has been asked for: how the resident can ask.
    pub offered: String,
    /// When a visit has been asked for on the resident's behalf.
    pub requested: String,
}

/// Level boundaries and when to suggest a referral.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct RiskThresholds {
    /// A factor counts as present from this score.
    pub present_from: u8,
    /// Total from which the level is medium.
    pub medium_from: u32,
    /// Total from which the level is high.
    pub high_from: u32,
    /// Total from which the level is very high.
    pub very_high_from: u32,
    /// Total from which a referral is suggested.
    pub referral_from: u32,
    /// A referral is also suggested when any factor scores this; absent means never.
    #[serde(default)]
    pub referral_when_any_factor_at: Option<u8>,
}

impl RiskThresholds {
    /// The level for a total; monotonic because the thresholds are checked to increase.
    pub fn level(&self, total: u32) -> RiskLevel {
        if total >= self.very_high_from {
            RiskLevel::VeryHigh
        } else if total >= self.high_from {
            RiskLevel::High
        } else if total >= self.medium_from {
            RiskLevel::Medium
        } else {
            RiskLevel::Low
        }
    }
}

/// One published version of the CHARLIE check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct CharlieTemplate {
    /// Stable id, e.g. "charlie".
    pub id: String,
    /// Version; a published version never changes.
    pub version: u32,
    /// Title.
    pub title: String,
    /// The scale every factor is scored on, lowest first.
    pub scale: Vec<ScalePoint>,
    /// The factors, in display order.
    pub factors: Vec<Factor>,
    /// How the Clutter Image Rating maps to the hoarding score.
    pub clutter_image_rating: ClutterImageRating,
    /// Smoke alarm rules.
    pub alarms: AlarmRules,
    /// Escape route rules.
    pub escape_route: EscapeRules,
    /// Other hazards.
    #[serde(default)]
    pub flags: Vec<Flag>,
    /// Levels and the referral threshold.
    pub risk: RiskThresholds,
    /// Fire-safety advice for the resident's plan, one entry per topic, in printed order.
    #[serde(default)]
    pub advice: Vec<AdviceTopic>,
    /// The closing words about a home fire safety visit.
    pub fire_service_visit: FireServiceVisitWording,
}

/// Most points one flag or rule may add, so totals stay small and readable.
const MAX_POINTS: u32 = 100;

impl CharlieTemplate {
    /// Parses and checks a template; an invalid one is refused with every problem found.
    pub fn from_toml(text: &str) -> Result<Self, LoadError> {
        let template: Self = parse_toml(text)?;
        let mut problems = Vec::new();
        template.check(&mut problems);
        if problems.is_empty() {
            Ok(template)
        } else {
            Err(LoadError::Invalid(problems))
        }
    }

    /// The factor with this id.
    pub fn factor(&self, id: &str) -> Option<&Factor> {
        self.factors.iter().find(|f| f.id == id)
    }

    /// The flag with this id.
    pub fn flag(&self, id: &str) -> Option<&Flag> {
        self.flags.iter().find(|f| f.id == id)
    }

    /// The scale point for a score, if the score is on the scale.
    pub fn scale_point(&self, score: u8) -> Option<&ScalePoint> {
        self.scale.iter().find(|p| p.value == score)
    }

    /// The lowest score on the scale ("does not apply").
    pub fn lowest_score(&self) -> u8 {
        self.scale.first().map_or(0, |p| p.value)
    }

    /// The hoarding score a Clutter Image Rating maps to; `None` outside 1–9.
    pub fn cir_score(&self, rating: u8) -> Option<u8> {
        self.clutter_image_rating
            .bands
            .iter()
            .find(|b| (b.from..=b.to).contains(&rating))
            .map(|b| b.score)
    }

    fn check(&self, problems: &mut Vec<String>) {
        check_template_identity(&self.id, self.version, problems);
        if self.title.trim().is_empty() {
            problems.push("title must not be blank".into());
        }
        self.check_scale(problems);
        let mut ids = BTreeSet::new();
        for f in &self.factors {
            let context = format!("factor \"{}\"", f.id);
            if !is_id(&f.id) {
                problems.push(format!("{context}: id must be snake_case"));
            }
            if !ids.insert(f.id.as_str()) {
                problems.push(format!("{context}: id is used twice"));
            }
            if f.title.trim().is_empty() || f.letter.trim().is_empty() {
                problems.push(format!("{context}: letter and title must not be blank"));
            }
            let described: Vec<u8> = f.descriptors.iter().map(|d| d.score).collect();
            let scale: Vec<u8> = self.scale.iter().map(|p| p.value).collect();
            if described != scale {
                problems.push(format!(
                    "{context}: descriptors must describe each scale value once, in order ({scale:?}), not {described:?}"
                ));
            }
            if f.descriptors.iter().any(|d| d.text.trim().is_empty()) {
                problems.push(format!("{context}: a descriptor is blank"));
            }
        }
        if self.factors.is_empty() {
            problems.push("there must be at least one factor".into());
        }
        self.check_cir(problems);
        for f in &self.flags {
            let context = format!("flag \"{}\"", f.id);
            if !is_id(&f.id) {
                problems.push(format!("{context}: id must be snake_case"));
            }
            // Flags share the namespace of factors because both appear as contribution ids.
            if !ids.insert(f.id.as_str()) {
                problems.push(format!("{context}: id is already used by a factor or flag"));
            }
            if f.points > MAX_POINTS {
                problems.push(format!("{context}: points must be {MAX_POINTS} or fewer"));
            }
            if f.label.trim().is_empty() {
                problems.push(format!("{context}: label must not be blank"));
            }
        }
        if self.alarms.no_working_alarm_points > MAX_POINTS
            || self.escape_route.obstructed_points > MAX_POINTS
        {
            problems.push(format!(
                "alarm and escape route points must be {MAX_POINTS} or fewer"
            ));
        }
        self.check_risk(problems);
        self.check_advice(problems);
    }

    /// The advice topic with this id.
    pub fn advice_topic(&self, id: &str) -> Option<&AdviceTopic> {
        self.advice.iter().find(|a| a.id == id)
    }

    fn check_advice(&self, problems: &mut Vec<String>) {
        let mut ids = BTreeSet::new();
        let mut texts = BTreeSet::new();
        for a in &self.advice {
            let context = format!("advice \"{}\"", a.id);
            if !is_id(&a.id) || !ids.insert(a.id.as_str()) {
                problems.push(format!("{context}: id must be a unique snake_case id"));
            }
            if a.text.trim().is_empty() {
                problems.push(format!("{context}: text must not be blank"));
            } else if !texts.insert(a.text.trim()) {
                problems.push(format!("{context}: the same text is already another entry"));
            }
        }
        let named = self
            .factors
            .iter()
            .map(|f| (format!("factor \"{}\"", f.id), &f.advice))
            .chain(
                self.flags
                    .iter()
                    .map(|f| (format!("flag \"{}\"", f.id), &f.advice)),
            )
            .chain(std::iter::once(("alarms".to_owned(), &self.alarms.advice)));
        for (context, advice) in named {
            for id in advice {
                if self.advice_topic(id).is_none() {
                    problems.push(format!("{context}: no advice \"{id}\""));
                }
            }
        }
        let visit = &self.fire_service_visit;
        if visit.offered.trim().is_empty() || visit.requested.trim().is_empty() {
            problems.push("fire_service_visit: offered and requested must not be blank".into());
        }
    }

    fn check_scale(&self, problems: &mut Vec<String>) {
        if self.scale.is_empty() {
            problems.push("the scale must have at least one point".into());
        }
        if self.scale.windows(2).any(|w| w[0].value >= w[1].value) {
            problems.push("scale values must increase, lowest first".into());
        }
        if self.scale.iter().any(|p| p.value == 0) {
            problems.push("scale values must be 1 or more".into());
        }
        if self.scale.iter().any(|p| p.label.trim().is_empty()) {
            problems.push("every scale point needs a label".into());
        }
    }

    fn check_cir(&self, problems: &mut Vec<String>) {
        let cir = &self.clutter_image_rating;
        if self.factor(&cir.factor).is_none() {
            problems.push(format!(
                "clutter_image_rating: no factor \"{}\"",
                cir.factor
            ));
        }
        let mut next = CIR_MIN;
        for b in &cir.bands {
            if b.from != next || b.to < b.from {
                problems.push(format!(
                    "clutter_image_rating: band {}–{} must start at {next} (bands cover {CIR_MIN} to {CIR_MAX} in order, no gaps or overlaps)",
                    b.from, b.to
                ));
            }
            if self.scale_point(b.score).is_none() {
                problems.push(format!(
                    "clutter_image_rating: band {}–{} scores {}, which is not on the scale",
                    b.from, b.to, b.score
                ));
            }
            next = b.to.saturating_add(1);
        }
        if next != CIR_MAX + 1 {
            problems.push(format!("clutter_image_rating: bands must end at {CIR_MAX}"));
        }
        if cir.bands.windows(2).any(|w| w[0].score > w[1].score) {
            problems.push("clutter_image_rating: more clutter must never score lower".into());
        }
    }

    fn check_risk(&self, problems: &mut Vec<String>) {
        let r = &self.risk;
        if self.scale_point(r.present_from).is_none() {
            problems.push(format!(
                "risk.present_from {} is not on the scale",
                r.present_from
            ));
        }
        if let Some(at) = r.referral_when_any_factor_at
            && self.scale_point(at).is_none()
        {
            problems.push(format!(
                "risk.referral_when_any_factor_at {at} is not on the scale"
            ));
        }
        if !(0 < r.medium_from && r.medium_from < r.high_from && r.high_from < r.very_high_from) {
            problems.push(
                "risk thresholds must increase: 0 < medium_from < high_from < very_high_from"
                    .into(),
            );
        }
        if r.referral_from == 0 {
            problems.push("risk.referral_from must be 1 or more".into());
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use rstest::rstest;

    const REAL: &str = include_str!("../../../../assets/templates/charlie.toml");

    /// The shipped template, parsed; tests across the module share it.
    pub(crate) fn real() -> CharlieTemplate {
        CharlieTemplate::from_toml(REAL).expect("the shipped CHARLIE template must load")
    }

    #[test]
    fn the_real_template_loads_with_the_default_scale() {
        let t = real();
        assert_eq!(t.id, "charlie", "checks are stored against this id");
        let scale: Vec<u8> = t.scale.iter().map(|p| p.value).collect();
        assert_eq!(
            scale,
            [1, 2, 4, 8, 10],
            "the default is the CHARLIE-P 1/2/4/8/10 scale"
        );
        let letters: String = t.factors.iter().map(|f| f.letter.as_str()).collect();
        assert_eq!(
            letters, "CHARLIE",
            "the seven factors spell CHARLIE, in order"
        );
        for id in [
            "emollient_creams",
            "airflow_mattress",
            "medical_oxygen",
            "sensory_impairment",
            "candles",
            "arson_threat",
        ] {
            assert!(t.flag(id).is_some(), "fire services ask about {id}");
        }
    }

    #[rstest]
    #[case(1, 1)]
    #[case(2, 1)]
    #[case(3, 2)]
    #[case(4, 4)]
    #[case(5, 4)]
    #[case(6, 8)]
    #[case(7, 8)]
    #[case(8, 10)]
    #[case(9, 10)]
    fn clutter_image_rating_maps_to_the_hoarding_score(#[case] cir: u8, #[case] score: u8) {
        assert_eq!(
            real().cir_score(cir),
            Some(score),
            "CIR {cir} maps to {score} (docs/domain.md#charlie-scores)"
        );
    }

    #[rstest]
    #[case(0)]
    #[case(10)]
    fn ratings_outside_one_to_nine_have_no_score(#[case] cir: u8) {
        assert_eq!(
            real().cir_score(cir),
            None,
            "CIR is a 1–9 scale, {cir} is not on it"
        );
    }

    #[test]
    fn a_different_scale_is_loaded_from_the_file_not_hard_coded() {
        let text = REAL
            .replace(
                "value = 10\nlabel = \"Almost certain\"",
                "value = 12\nlabel = \"Almost certain\"",
            )
            .replace("{ score = 10,", "{ score = 12,")
            .replace("to = 9, score = 10", "to = 9, score = 12")
            .replace(
                "referral_when_any_factor_at = 10",
                "referral_when_any_factor_at = 12",
            );
        let t = CharlieTemplate::from_toml(&text).expect("a consistent 1/2/4/8/12 scale loads");
        assert_eq!(
            t.scale.last().map(|p| p.value),
            Some(12),
            "the top of the scale comes from the file"
        );
        assert_eq!(
            t.cir_score(9),
            Some(12),
            "CIR bands follow the edited scale"
        );
    }

    #[rstest]
    #[case(
        "value = 8\nlabel = \"Likely\"",
        "value = 3\nlabel = \"Likely\"",
        "not on the scale"
    )]
    #[case(
        "{ from = 3, to = 3, score = 2 }",
        "{ from = 4, to = 4, score = 2 }",
        "must start at 3"
    )]
    #[case(
        "{ from = 8, to = 9, score = 10 }",
        "{ from = 8, to = 8, score = 10 }",
        "must end at 9"
    )]
    #[case(
        "{ from = 6, to = 7, score = 8 }",
        "{ from = 6, to = 7, score = 1 }",
        "never score lower"
    )]
    #[case("high_from = 22", "high_from = 40", "thresholds must increase")]
    #[case(
        "present_from = 4",
        "present_from = 5",
        "present_from 5 is not on the scale"
    )]
    #[case("id = \"candles\"", "id = \"elderly\"", "already used")]
    #[case(
        "advice = [\"cooking\"]",
        "advice = [\"cookng\"]",
        "no advice \"cookng\""
    )]
    #[case("id = \"in_a_fire\"", "id = \"smoke_alarms\"", "unique snake_case id")]
    #[case(
        "text = \"If there is a fire, get out, stay out and call 999.\"",
        "text = \"Tell a neighbour or relative how to get into your home in an emergency.\"",
        "already another entry"
    )]
    #[case(
        "requested = \"We have asked the fire and rescue service to visit you. They will contact you to arrange a free home fire safety visit.\"",
        "requested = \" \"",
        "fire_service_visit"
    )]
    #[case(
        "factor = \"hoarding\"",
        "factor = \"clutter\"",
        "no factor \"clutter\""
    )]
    fn broken_templates_are_refused_with_the_reason(
        #[case] from: &str,
        #[case] to: &str,
        #[case] reason: &str,
    ) {
        assert!(REAL.contains(from), "the test edit must apply: {from}");
        let err = CharlieTemplate::from_toml(&REAL.replacen(from, to, 1))
            .expect_err("a broken template must be refused");
        assert!(
            err.to_string().contains(reason),
            "expected {reason:?} in {err}"
        );
    }

    #[test]
    fn a_syntax_error_names_the_line() {
        let err =
            CharlieTemplate::from_toml("id = \"charlie\"\nversion = \n").expect_err("bad TOML");
        assert!(
            matches!(err, LoadError::Syntax { line: 2, .. }),
            "the officer editing the file needs the line: {err:?}"
        );
    }

    #[test]
    fn unknown_keys_are_refused_so_typos_are_not_ignored() {
        let err =
            CharlieTemplate::from_toml(&REAL.replacen("present_from = 4", "presnt_from = 4", 1))
                .expect_err("a typo must not silently drop a threshold");
        assert!(
            err.to_string().contains("presnt_from"),
            "name the bad key: {err}"
        );
    }
}
