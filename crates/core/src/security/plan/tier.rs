//! The recommended tier: the scheme's risk × vulnerability table, raised by the policy's
//! minimum tiers, and never raised by a domestic abuse concern (the DA service decides that).

use serde::{Deserialize, Serialize};

use super::super::answers::Answers;
use super::super::engine::Reader;
use super::super::policy::{Level, Policy, Tier};
use super::super::score::Assessment;
use super::super::template::Template;

/// The recommended tier and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct TierRecommendation {
    /// The tier recommended.
    pub tier: Tier,
    /// What the risk × vulnerability matrix alone gave.
    pub matrix_tier: Tier,
    /// Risk band.
    pub risk_level: Level,
    /// Vulnerability band.
    pub vulnerability_level: Level,
    /// Why, one line each, in order.
    pub reasons: Vec<String>,
    /// Set when a DA concern was flagged: refer to the DA service, which alone decides DA-led gold.
    pub refer_to_da_service: Option<String>,
}

/// Recommends a tier from the assessment; a DA concern never raises it.
pub fn recommend_tier(
    template: &Template,
    answers: &Answers,
    policy: &Policy,
    assessment: &Assessment,
) -> TierRecommendation {
    let risk_level = assessment.risk.level;
    let vulnerability_level = assessment.vulnerability.level;
    let matrix_tier = policy.tier_matrix.tier(risk_level, vulnerability_level);
    let mut reasons = vec![format!(
        "Risk {} ({}) and vulnerability {} ({}) give {} in the scheme's table",
        assessment.risk.total,
        risk_level.as_str(),
        assessment.vulnerability.total,
        vulnerability_level.as_str(),
        matrix_tier.label()
    )];
    let reader = Reader::new(template);
    let mut tier = matrix_tier;
    for floor in &policy.minimum_tiers {
        if !reader.matches(answers, &floor.when).is_empty() && floor.tier.rank() > tier.rank() {
            tier = floor.tier;
            reasons.push(format!("{}: at least {}", floor.reason, floor.tier.label()));
        }
    }
    if let Some(message) = &assessment.refer_to_da_service {
        reasons.push(format!("Domestic abuse concern: {message}"));
    }
    TierRecommendation {
        tier,
        matrix_tier,
        risk_level,
        vulnerability_level,
        reasons,
        refer_to_da_service: assessment.refer_to_da_service.clone(),
    }
}
