//! The scheme's policy: evidence points, score factors, thresholds, the tier matrix and budget caps.
//!
//! Every number here is a local scheme decision (docs/domain.md#plans marks them "proposed"), so it lives in
//! `assets/policy.toml` where the council can change it without a release.

use super::follow_up::FollowUpPolicy;
use crate::cocoon::CocoonPolicy;
use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::condition::{Condition, OneOrMany, convert_all};
use super::template::{AnswerKind, Evidence, LoadError, Template, is_id, parse_toml};

/// Most points one rule may add, so totals stay far from overflow and readable.
pub const MAX_POINTS: u32 = 1_000;

stored_enum!(
    /// A plan tier.
    Tier {
        /// Advice and low-cost devices.
        Bronze => "bronze",
        /// Locks, cylinders, lights, doorbells.
        Silver => "silver",
        /// Doorsets, laminated glazing, gates, CCTV.
        Gold => "gold",
    }
);

impl Tier {
    /// Order for comparison: bronze < silver < gold.
    pub fn rank(self) -> u8 {
        match self {
            Self::Bronze => 0,
            Self::Silver => 1,
            Self::Gold => 2,
        }
    }

    /// The higher of two tiers.
    pub fn max(self, other: Self) -> Self {
        if other.rank() > self.rank() {
            other
        } else {
            self
        }
    }

    /// Capitalised name for messages.
    pub fn label(self) -> &'static str {
        match self {
            Self::Bronze => "Bronze",
            Self::Silver => "Silver",
            Self::Gold => "Gold",
        }
    }
}

stored_enum!(
    /// A banded score.
    Level {
        /// Below the medium threshold.
        Low => "low",
        /// From the medium threshold.
        Medium => "medium",
        /// From the high threshold.
        High => "high",
    }
);

/// Points added to the risk score per weakness, by strength of evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct EvidencePoints {
    /// A missing WIDE measure.
    pub wide: u32,
    /// Strong evidence.
    pub strong: u32,
    /// Some evidence.
    pub moderate: u32,
    /// Little evidence.
    pub low: u32,
}

impl EvidencePoints {
    /// Points for one weakness of this evidence strength.
    pub fn points(&self, evidence: Evidence) -> u32 {
        match evidence {
            Evidence::Wide => self.wide,
            Evidence::Strong => self.strong,
            Evidence::Moderate => self.moderate,
            Evidence::Low => self.low,
        }
    }
}

/// Where medium and high start for each score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// Risk at or above this is medium.
    pub risk_medium: u32,
    /// Risk at or above this is high.
    pub risk_high: u32,
    /// Vulnerability at or above this is medium.
    pub vulnerability_medium: u32,
    /// Vulnerability at or above this is high.
    pub vulnerability_high: u32,
}

/// Tiers for one risk level, by vulnerability level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct TierRow {
    /// Low vulnerability.
    pub low: Tier,
    /// Medium vulnerability.
    pub medium: Tier,
    /// High vulnerability.
    pub high: Tier,
}

/// The tier for each risk × vulnerability pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct TierMatrix {
    /// Low risk.
    pub low: TierRow,
    /// Medium risk.
    pub medium: TierRow,
    /// High risk.
    pub high: TierRow,
}

impl TierMatrix {
    /// The tier for this pair.
    pub fn tier(&self, risk: Level, vulnerability: Level) -> Tier {
        let row = match risk {
            Level::Low => &self.low,
            Level::Medium => &self.medium,
            Level::High => &self.high,
        };
        match vulnerability {
            Level::Low => row.low,
            Level::Medium => row.medium,
            Level::High => row.high,
        }
    }
}

/// Most a plan of each tier may cost without a recorded reason, in pence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct BudgetCaps {
    /// Bronze cap.
    pub bronze: u32,
    /// Silver cap.
    pub silver: u32,
    /// Gold cap.
    pub gold: u32,
}

impl BudgetCaps {
    /// The cap for a tier.
    pub fn for_tier(&self, tier: Tier) -> u32 {
        match tier {
            Tier::Bronze => self.bronze,
            Tier::Silver => self.silver,
            Tier::Gold => self.gold,
        }
    }
}

/// Points added to a score when answers match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Factor {
    /// Stable id.
    pub id: String,
    /// All must hold.
    pub when: Vec<Condition>,
    /// Points added once, however many group instances match.
    pub points: u32,
    /// Why, in words an officer can repeat to a resident.
    pub reason: String,
}

/// A floor on the recommended tier, e.g. repeat victim ⇒ at least silver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct MinimumTier {
    /// Stable id.
    pub id: String,
    /// All must hold.
    pub when: Vec<Condition>,
    /// The lowest tier allowed when it holds.
    pub tier: Tier,
    /// Why.
    pub reason: String,
}

/// How the domestic-abuse concern is recognised and what the officer is told to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct DomesticAbuseRoute {
    /// The answer that flags a concern.
    pub when: Vec<Condition>,
    /// What the officer must do.
    pub message: String,
}

/// Template items the plan rules read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct SurveyKeys {
    /// The yes/no item, inside the windows group, that marks an escape window.
    pub escape_window: String,
    /// The single-choice item for tenure.
    pub tenure: String,
    /// Tenure options that make the resident a tenant (landlord consent needed for fabric work).
    pub tenant_options: Vec<String>,
    /// The top-level number item "how safe do you feel", asked again at follow-up.
    pub feel_safe: String,
}

/// The scheme's whole policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Policy {
    /// Scheme name.
    pub scheme: String,
    /// Version of this policy, recorded on plans.
    pub version: String,
    /// The disclaimer the resident must accept to agree a plan.
    pub disclaimer_version: String,
    /// The domestic CCTV guidance the resident must acknowledge before CCTV is fitted.
    pub cctv_guidance_version: String,
    /// Points per weakness.
    pub evidence_points: EvidencePoints,
    /// Score bands.
    pub thresholds: Thresholds,
    /// Tier per risk × vulnerability.
    pub tier_matrix: TierMatrix,
    /// Caps in pence.
    pub budget_caps_pence: BudgetCaps,
    /// Items the plan rules read.
    pub survey_keys: SurveyKeys,
    /// Domestic-abuse routing.
    pub domestic_abuse: DomesticAbuseRoute,
    /// Risk factors beyond weaknesses (the incident).
    pub risk_factors: Vec<Factor>,
    /// Vulnerability factors (the resident's circumstances).
    pub vulnerability_factors: Vec<Factor>,
    /// Tier floors.
    pub minimum_tiers: Vec<MinimumTier>,
    /// Who is visited after a burglary, and how soon.
    pub cocoon: CocoonPolicy,
    /// When follow-up visits fall due.
    pub follow_up: FollowUpPolicy,
    /// Largest photo an officer may attach, in bytes.
    pub max_photo_bytes: u64,
    /// What the resident's plan promises about next steps.
    pub resident_plan: ResidentPlanPolicy,
}

/// What the printed plan tells the resident happens next, and what they can do today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct ResidentPlanPolicy {
    /// Days after agreement by which the fitter will have been in touch.
    pub contact_within_days: u32,
    /// Number to call if nobody has been in touch by then.
    pub phone: String,
    /// Things every resident can do today, in plain words.
    pub things_to_do_today: Vec<String>,
}

impl Policy {
    /// Parses and checks a policy file's text.
    pub fn from_toml(text: &str) -> Result<Self, LoadError> {
        let raw: RawPolicy = parse_toml(text)?;
        let mut problems = Vec::new();
        let factors = |raw: Vec<RawFactor>, problems: &mut Vec<String>| -> Vec<Factor> {
            raw.into_iter()
                .map(|f| Factor {
                    id: f.id,
                    when: convert_all(f.when.0, problems),
                    points: f.points,
                    reason: f.reason,
                })
                .collect()
        };
        let policy = Policy {
            scheme: raw.scheme,
            version: raw.version,
            disclaimer_version: raw.disclaimer_version,
            cctv_guidance_version: raw.cctv_guidance_version,
            evidence_points: raw.evidence_points,
            thresholds: raw.thresholds,
            tier_matrix: raw.tier_matrix,
            budget_caps_pence: raw.budget_caps_pence,
            survey_keys: raw.survey_keys,
            domestic_abuse: DomesticAbuseRoute {
                when: convert_all(raw.domestic_abuse.when.0, &mut problems),
                message: raw.domestic_abuse.message,
            },
            risk_factors: factors(raw.risk_factors, &mut problems),
            vulnerability_factors: factors(raw.vulnerability_factors, &mut problems),
            minimum_tiers: raw
                .minimum_tiers
                .into_iter()
                .map(|m| MinimumTier {
                    id: m.id,
                    when: convert_all(m.when.0, &mut problems),
                    tier: m.tier,
                    reason: m.reason,
                })
                .collect(),
            cocoon: raw.cocoon,
            follow_up: raw.follow_up,
            max_photo_bytes: raw.max_photo_bytes,
            resident_plan: raw.resident_plan,
        };
        policy.check(&mut problems);
        if problems.is_empty() {
            Ok(policy)
        } else {
            Err(LoadError::Invalid(problems))
        }
    }

    fn check(&self, problems: &mut Vec<String>) {
        let t = &self.thresholds;
        if t.risk_medium == 0 || t.risk_medium >= t.risk_high {
            problems.push("thresholds: need 0 < risk_medium < risk_high".into());
        }
        if t.vulnerability_medium == 0 || t.vulnerability_medium >= t.vulnerability_high {
            problems.push("thresholds: need 0 < vulnerability_medium < vulnerability_high".into());
        }
        if self.resident_plan.phone.trim().is_empty() || self.resident_plan.contact_within_days == 0
        {
            problems
                .push("resident_plan: needs a phone number and contact_within_days above 0".into());
        }
        if self.max_photo_bytes == 0 {
            problems.push("max_photo_bytes must be more than 0".into());
        }
        let c = &self.budget_caps_pence;
        if c.bronze == 0 || c.bronze > c.silver || c.silver > c.gold {
            problems.push("budget_caps_pence: need 0 < bronze <= silver <= gold".into());
        }
        for (name, v) in [
            ("disclaimer_version", &self.disclaimer_version),
            ("cctv_guidance_version", &self.cctv_guidance_version),
        ] {
            if v.trim().is_empty() {
                problems.push(format!("{name} must not be blank"));
            }
        }
        if self.domestic_abuse.when.is_empty() || self.domestic_abuse.message.trim().is_empty() {
            problems.push("domestic_abuse: needs when and message".into());
        }
        let mut ids = BTreeSet::new();
        let all = self
            .risk_factors
            .iter()
            .chain(&self.vulnerability_factors)
            .map(|f| (&f.id, &f.when, &f.reason))
            .chain(
                self.minimum_tiers
                    .iter()
                    .map(|m| (&m.id, &m.when, &m.reason)),
            );
        for (id, when, reason) in all {
            if !is_id(id) || !ids.insert(id) {
                problems.push(format!("rule \"{id}\": id must be a unique lower-case id"));
            }
            if when.is_empty() || reason.trim().is_empty() {
                problems.push(format!("rule \"{id}\": needs when and reason"));
            }
        }
        let e = &self.evidence_points;
        let points = self
            .risk_factors
            .iter()
            .chain(&self.vulnerability_factors)
            .map(|f| (f.id.as_str(), f.points))
            .chain([
                ("wide", e.wide),
                ("strong", e.strong),
                ("moderate", e.moderate),
                ("low", e.low),
            ]);
        for (id, p) in points {
            if p > MAX_POINTS {
                problems.push(format!("\"{id}\": points must be {MAX_POINTS} or fewer"));
            }
        }
    }

    /// Checks every item the policy names exists in `template` with the right type.
    ///
    /// Also refuses any score or tier rule that reads the domestic-abuse answer: a DA concern
    /// is routed to the DA service and must never raise the tier through the officer's plan.
    pub fn check_against(&self, template: &Template) -> Result<(), LoadError> {
        let mut problems = Vec::new();
        template.check_conditions("domestic_abuse", &self.domestic_abuse.when, &mut problems);
        let da_items: BTreeSet<&str> = self
            .domestic_abuse
            .when
            .iter()
            .map(|c| c.item.as_str())
            .collect();
        let rules = self
            .risk_factors
            .iter()
            .chain(&self.vulnerability_factors)
            .map(|f| (&f.id, &f.when))
            .chain(self.minimum_tiers.iter().map(|m| (&m.id, &m.when)));
        for (id, when) in rules {
            let context = format!("rule \"{id}\"");
            template.check_conditions(&context, when, &mut problems);
            if when.iter().any(|c| da_items.contains(c.item.as_str())) {
                problems.push(format!(
                    "{context}: reads the domestic-abuse answer; DA cases go to the DA service, so remove it"
                ));
            }
        }
        let index = template.index();
        let keys = &self.survey_keys;
        match index.get(keys.escape_window.as_str()) {
            Some(at) if at.group.is_some() && at.item.answer == AnswerKind::YesNo => {}
            _ => problems.push(format!(
                "survey_keys.escape_window: \"{}\" must be a yes_no item inside the windows group",
                keys.escape_window
            )),
        }
        match index.get(keys.tenure.as_str()).map(|at| &at.item.answer) {
            Some(AnswerKind::SingleChoice { options }) => {
                for t in &keys.tenant_options {
                    if !options.iter().any(|o| &o.id == t) {
                        problems.push(format!(
                            "survey_keys.tenant_options: \"{}\" has no option \"{t}\"",
                            keys.tenure
                        ));
                    }
                }
            }
            _ => problems.push(format!(
                "survey_keys.tenure: \"{}\" must be a single_choice item",
                keys.tenure
            )),
        }
        match index.get(keys.feel_safe.as_str()) {
            Some(at)
                if at.group.is_none() && matches!(at.item.answer, AnswerKind::Number { .. }) => {}
            _ => problems.push(format!(
                "survey_keys.feel_safe: \"{}\" must be a number item outside any group",
                keys.feel_safe
            )),
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(LoadError::Invalid(problems))
        }
    }

    /// The band a risk score falls in.
    pub fn risk_level(&self, score: u32) -> Level {
        band(
            score,
            self.thresholds.risk_medium,
            self.thresholds.risk_high,
        )
    }

    /// The band a vulnerability score falls in.
    pub fn vulnerability_level(&self, score: u32) -> Level {
        band(
            score,
            self.thresholds.vulnerability_medium,
            self.thresholds.vulnerability_high,
        )
    }
}

fn band(score: u32, medium: u32, high: u32) -> Level {
    if score >= high {
        Level::High
    } else if score >= medium {
        Level::Medium
    } else {
        Level::Low
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    scheme: String,
    version: String,
    disclaimer_version: String,
    cctv_guidance_version: String,
    evidence_points: EvidencePoints,
    thresholds: Thresholds,
    tier_matrix: TierMatrix,
    budget_caps_pence: BudgetCaps,
    survey_keys: SurveyKeys,
    domestic_abuse: RawDomesticAbuse,
    #[serde(default)]
    risk_factors: Vec<RawFactor>,
    #[serde(default)]
    vulnerability_factors: Vec<RawFactor>,
    #[serde(default)]
    minimum_tiers: Vec<RawMinimumTier>,
    #[serde(default)]
    cocoon: CocoonPolicy,
    #[serde(default)]
    follow_up: FollowUpPolicy,
    #[serde(default = "default_max_photo_bytes")]
    max_photo_bytes: u64,
    resident_plan: ResidentPlanPolicy,
}

fn default_max_photo_bytes() -> u64 {
    crate::attachment::DEFAULT_MAX_PHOTO_BYTES
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDomesticAbuse {
    when: OneOrMany,
    message: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFactor {
    id: String,
    when: OneOrMany,
    points: u32,
    reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMinimumTier {
    id: String,
    when: OneOrMany,
    tier: Tier,
    reason: String,
}
