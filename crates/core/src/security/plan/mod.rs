//! The improvement plan: the recommended tier, proposed measures within the cap, the officer's
//! changes, and the rules a plan must keep (escape windows, landlord consent, CCTV, budget).
//!
//! One idea per module: `tier` recommends, `propose` drafts, `edit` is the officer's
//! changes to a draft, `rules` says what a plan must keep, and `totals` adds up the money.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::answers::{AnswerValue, Answers};
use super::catalogue::{Catalogue, Trade};
use super::follow_up::FollowUp;
use super::ids::{PlanId, PlanItemId, SurveyId};
use super::library::SurveyError;
use super::lifecycle::{Agreement, Approval, PlanActor, PlanEvent, PlanStatus};
use super::policy::{Policy, Tier};
use super::score::{Assessment, assess};
use super::template::Template;
use super::weakness::WeaknessRef;

mod edit;
mod propose;
mod rules;
mod tier;
mod totals;

#[cfg(test)]
mod tests;

pub use propose::propose_plan;
pub use rules::PlanRuleViolation;
pub use tier::{TierRecommendation, recommend_tier};
pub use totals::{LineTotal, PlanTotals, format_pence};

/// Most units of one measure on one line, so a slip of the keyboard cannot order 1,000 locks.
pub const MAX_QUANTITY: u32 = 50;

/// Everything the plan rules read; core gets these from the caller, never from disk.
#[derive(Debug, Clone, Copy)]
pub struct PlanContext<'a> {
    /// The template version the answers were given on.
    pub template: &'a Template,
    /// The survey's answers.
    pub answers: &'a Answers,
    /// The scheme policy.
    pub policy: &'a Policy,
    /// The measure catalogue.
    pub catalogue: &'a Catalogue,
}

impl PlanContext<'_> {
    /// Scores the survey.
    pub fn assess(&self) -> Result<Assessment, SurveyError> {
        assess(self.template, self.answers, self.policy)
    }

    /// What the answers say about one window's escape status: true only when answered "no".
    fn is_confirmed_not_escape(&self, window: &str) -> bool {
        let key = &self.policy.survey_keys.escape_window;
        matches!(
            self.answers.get(&format!("{window}.{key}")),
            Some(AnswerValue::YesNo(super::answers::YesNo::No))
        )
    }

    /// Tenant, owner, or not yet answered.
    fn tenure(&self) -> Tenure {
        let keys = &self.policy.survey_keys;
        match self.answers.values.get(&keys.tenure) {
            Some(AnswerValue::Choice(t)) if keys.tenant_options.contains(t) => Tenure::Tenant,
            Some(AnswerValue::Choice(_)) => Tenure::NotTenant,
            _ => Tenure::Unknown,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tenure {
    Tenant,
    NotTenant,
    Unknown,
}

stored_enum!(
    /// Who put a line in the plan.
    ItemOrigin {
        /// Proposed by the engine for a weakness found.
        Proposed => "proposed",
        /// Added by the officer.
        Officer => "officer",
    }
);

/// One line of a plan: a measure, how many, where, and what it costs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct PlanItem {
    /// Line id.
    pub id: PlanItemId,
    /// Catalogue measure id.
    pub measure_id: String,
    /// Name, copied so the plan reads the same after the catalogue changes.
    pub name: String,
    /// The measure's tier.
    pub tier: Tier,
    /// Who fits it.
    pub trade: Trade,
    /// How many.
    pub quantity: u32,
    /// Price per unit when added, in pence; later price changes do not alter agreed plans.
    pub unit_cost_pence: u32,
    /// What it really cost, in pence, once known.
    pub actual_cost_pence: Option<u32>,
    /// The weaknesses it fixes; never one that was not found in this home.
    pub addresses: Vec<WeaknessRef>,
    /// The doors or windows it is fitted to, e.g. `windows[2]`; empty for the whole home.
    pub applies_to: Vec<String>,
    /// Engine or officer.
    pub origin: ItemOrigin,
}

impl PlanItem {
    /// Estimated cost of the line in pence.
    pub fn estimated_pence(&self) -> u32 {
        self.unit_cost_pence.saturating_mul(self.quantity)
    }
}

/// A weakness the proposal could not cover, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Uncovered {
    /// The weakness.
    pub weakness: WeaknessRef,
    /// Why no measure was proposed.
    pub reason: String,
}

/// The landlord's consent to fabric changes, as recorded by the officer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct LandlordConsent {
    /// Landlord or managing agent.
    pub landlord: String,
    /// Where the consent is: letter, email or call reference.
    pub reference: String,
    /// Who recorded it.
    pub recorded_by: PlanActor,
    /// When.
    pub recorded_at: DateTime<Utc>,
}

/// The resident's acknowledgement of their duties as a domestic CCTV owner (docs/domain.md#domestic-cctv).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct CctvAcknowledgement {
    /// The resident's typed name.
    pub resident_name: String,
    /// The guidance version they acknowledged.
    pub guidance_version: String,
    /// Who recorded it.
    pub recorded_by: PlanActor,
    /// When.
    pub recorded_at: DateTime<Utc>,
}

/// An improvement plan for one survey.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Plan {
    /// Its id.
    pub id: PlanId,
    /// The survey it answers.
    pub survey_id: SurveyId,
    /// Template id of the survey.
    pub template_id: String,
    /// Template version of the survey.
    pub template_version: u32,
    /// Policy version used.
    pub policy_version: String,
    /// Catalogue version prices came from.
    pub catalogue_version: String,
    /// The engine's recommendation when the plan was made.
    pub recommendation: TierRecommendation,
    /// The tier chosen.
    pub tier: Tier,
    /// Why the tier differs from the recommendation.
    pub tier_reason: Option<String>,
    /// The DA service's decision reference, the only way to gold on DA grounds.
    pub da_service_decision: Option<String>,
    /// The chosen tier's cap in pence.
    pub cap_pence: u32,
    /// Why the plan may exceed the cap.
    pub over_cap_reason: Option<String>,
    /// The lines.
    pub items: Vec<PlanItem>,
    /// Weaknesses the proposal left uncovered.
    pub uncovered: Vec<Uncovered>,
    /// Landlord consent, needed for fabric work in a rented home.
    pub landlord_consent: Option<LandlordConsent>,
    /// CCTV acknowledgement, needed for any camera or video doorbell.
    pub cctv_acknowledgement: Option<CctvAcknowledgement>,
    /// Where the plan is in its lifecycle.
    pub status: PlanStatus,
    /// The resident's agreement.
    pub agreement: Option<Agreement>,
    /// The supervisor's approval.
    pub approval: Option<Approval>,
    /// Who drafted it.
    pub created_by: PlanActor,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Every lifecycle step, oldest first.
    pub history: Vec<PlanEvent>,
    /// The follow-up visit's findings, once recorded.
    #[serde(default)]
    pub follow_up: Option<FollowUp>,
}

/// Why a plan could not be made or changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// The survey could not be read.
    #[error(transparent)]
    Survey(#[from] SurveyError),
    /// Only a draft can be changed.
    #[error("The plan is {0} and can no longer be changed: withdraw it and draft a new one")]
    NotEditable(&'static str),
    /// No line with that id.
    #[error("That line is not in this plan: refresh and try again")]
    UnknownItem,
    /// A text field that needs words was blank.
    #[error(transparent)]
    Blank(#[from] crate::validation::Blank),
    /// Several fields of one form were wrong, listed by field.
    #[error("{}", .0.errors().first().map(|e| e.message.as_str()).unwrap_or("Check the form"))]
    Invalid(crate::validation::ValidationErrors),
    /// A plan rule was broken.
    #[error(transparent)]
    Rule(#[from] PlanRuleViolation),
}
