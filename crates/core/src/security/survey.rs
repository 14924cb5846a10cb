//! A survey as stored: whose home, which visit, and the answers so far.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::answers::Answers;
use super::ids::SurveyId;
use crate::ids::{HouseholdId, VisitId};

/// One home security survey, possibly unfinished (answers are saved as they are given).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Survey {
    /// Its id.
    pub id: SurveyId,
    /// The home surveyed.
    pub household_id: HouseholdId,
    /// The visit it was made on, when recorded.
    pub visit_id: Option<VisitId>,
    /// The answers, with the template id and version they answer.
    pub answers: Answers,
    /// The officer's notes per section, by section id.
    pub section_notes: BTreeMap<String, String>,
    /// When it was started.
    pub created_at: DateTime<Utc>,
    /// When an answer last changed.
    pub updated_at: DateTime<Utc>,
}

/// Longest note per survey section, in characters.
pub const MAX_SECTION_NOTE: usize = 4_000;
