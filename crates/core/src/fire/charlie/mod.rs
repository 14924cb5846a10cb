//! A CHARLIE check: per-factor scores with who and when, the Clutter Image Rating behind H,
//! smoke alarms, escape route and other hazards; validated field by field, and scored into a
//! risk level that explains itself.
//!
//! A check stands alone (a partner can do one without a survey or visit), so the links to a
//! person, household and visit are all optional.
//!
//! One idea per module: this one is the check as recorded, `validate` says whether a check
//! can be scored, and `score` turns a valid check into a level that explains itself.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{HouseholdId, OfficerId, PersonId, VisitId};

use super::ids::CharlieCheckId;
use super::template::CharlieTemplate;

mod score;
mod validate;

#[cfg(test)]
pub(crate) mod tests;

pub use score::{CharlieAssessment, CharlieContribution, ContributionKind, assess};
pub use validate::{FLOOR_MAX, NOTE_MAX};

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

impl CharlieCheck {
    fn score_of(&self, factor: &str) -> Option<u8> {
        self.factors
            .iter()
            .find(|f| f.factor == factor)
            .map(|f| f.score)
    }
}
