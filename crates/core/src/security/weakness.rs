//! Weaknesses: what the answers say is weak in this home, why it matters, and how much.

use serde::{Deserialize, Serialize};

use super::answers::Answers;
use super::engine::Reader;
use super::library::{SurveyError, ensure_same_template};
use super::policy::EvidencePoints;
use super::template::{Evidence, Template};

/// Names one weakness found in one place, e.g. `cylinder_snappable` at `doors[1]`.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, specta::Type,
)]
pub struct WeaknessRef {
    /// The weakness rule's id.
    pub id: String,
    /// The group instance, e.g. `doors[1]`; none for the whole home.
    pub instance: Option<String>,
}

/// One weakness found in this home.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Weakness {
    /// The weakness rule's id.
    pub id: String,
    /// Short name.
    pub title: String,
    /// The group instance it was found in, e.g. `windows[2]`.
    pub instance: Option<String>,
    /// The answer paths that caused it.
    pub causes: Vec<String>,
    /// Plain English for the resident.
    pub explanation: String,
    /// Strength of evidence.
    pub evidence: Evidence,
    /// Points it adds to the risk score, from the policy.
    pub weight: u32,
}

impl Weakness {
    /// Its reference.
    pub fn key(&self) -> WeaknessRef {
        WeaknessRef {
            id: self.id.clone(),
            instance: self.instance.clone(),
        }
    }
}

/// Every weakness the answers show, heaviest first, then in template order.
pub fn derive_weaknesses(
    template: &Template,
    answers: &Answers,
    points: &EvidencePoints,
) -> Result<Vec<Weakness>, SurveyError> {
    ensure_same_template(template, answers)?;
    let reader = Reader::new(template);
    let mut out: Vec<Weakness> = template
        .weaknesses
        .iter()
        .flat_map(|rule| {
            reader
                .matches(answers, &rule.when)
                .into_iter()
                .map(|m| Weakness {
                    id: rule.id.clone(),
                    title: rule.title.clone(),
                    instance: m.instance,
                    causes: m.causes,
                    explanation: rule.explanation.clone(),
                    evidence: rule.evidence,
                    weight: points.points(rule.evidence),
                })
        })
        .collect();
    // Stable sort keeps template order among equal weights, so lists never reshuffle.
    out.sort_by_key(|w| std::cmp::Reverse(w.weight));
    Ok(out)
}
