//! Home security: the survey template engine, weaknesses, risk and vulnerability, measures and the gold/silver/bronze plan.
//!
//! Everything here is pure: templates, policy and catalogue arrive as text, times arrive as
//! arguments, and nothing is read from disk or the clock. See ADR 006.

pub mod answers;
pub mod catalogue;
pub mod condition;
pub mod engine;
pub mod follow_up;
pub mod ids;
pub mod library;
pub mod lifecycle;
pub mod places;
pub mod plan;
pub mod policy;
pub mod score;
pub mod survey;
pub mod template;
pub mod weakness;

#[cfg(test)]
mod fixtures;

pub use crate::identity::Role;
pub use answers::{AnswerMap, AnswerValue, Answers, YesNo};
pub use catalogue::{Catalogue, Measure, Quantity, Trade};
pub use condition::{Condition, Test};
pub use engine::{
    SectionProgress, orphan_answers, progress, validate_answer, validate_answers, visible_paths,
};
pub use follow_up::{FollowUp, FollowUpFindings, FollowUpPolicy};
pub use ids::{PlanId, PlanItemId, SurveyId};
pub use library::{SurveyError, TemplateLibrary};
pub use lifecycle::{
    Agreement, Approval, PlanActor, PlanEvent, PlanStatus, PlanStep, StepKind, TransitionError,
};
pub use places::{Finding, in_words, item_places, resident_findings, weakness_place};
pub use plan::{
    CctvAcknowledgement, ItemOrigin, LandlordConsent, LineTotal, Plan, PlanContext, PlanError,
    PlanItem, PlanRuleViolation, PlanTotals, TierRecommendation, Uncovered, format_pence,
    propose_plan, recommend_tier,
};
pub use policy::{Level, Policy, Tier};
pub use score::{Assessment, Contribution, Score, assess};
pub use survey::Survey;
pub use template::{
    AnswerKind, ChoiceOption, Evidence, Item, LoadError, MAX_DATA_FILE_BYTES, Section, Template,
    WeaknessRule,
};
pub use weakness::{Weakness, WeaknessRef, derive_weaknesses};
