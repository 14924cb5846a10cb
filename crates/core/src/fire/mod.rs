//! Fire safety: the CHARLIE fire risk check and its score, partner referrals with consent or a
//! lawful basis, and the pure rules of a fire crew's day of action.
//!
//! Everything here is pure: templates and the agency directory arrive as text, times arrive as
//! arguments, and nothing is read from disk or the clock. See ADR 007.

pub mod advice;
pub mod agency;
pub mod charlie;
pub mod day_of_action;
pub mod door_csv;
pub mod ids;
pub mod referral;
pub mod template;

pub use advice::{
    ResidentFireAdvice, fire_service_visit_requested, household_fire_advice, resident_fire_advice,
};
pub use agency::{
    Agency, AgencyDirectory, AgencyKind, ConsentPurpose, ReferralMethod, ResponseTime, SuggestWhen,
    Urgency, UrgencyPolicy,
};
pub use charlie::{
    AlarmCheck, CharlieAssessment, CharlieCheck, CharlieContribution, CharlieDraft,
    ContributionKind, EscapeRoute, FactorAnswer, FactorScore, assess,
};
pub use day_of_action::{
    DaySummary, DoorOutcomeCode, DoorRecord, RevisitItem, SUMMARY_CSV_HEADER, revisit_queue,
    summarise, summary_csv,
};
pub use door_csv::{DoorCsv, DoorCsvHeaderError, DoorCsvRow, parse_door_csv};
pub use ids::{CharlieCheckId, DoorRecordId, ReferralId};
pub use referral::{
    BasisRecord, Consent, ConsentGiver, ConsentMethod, LawfulBasis, OverdueReferral, Referral,
    ReferralDraft, ReferralError, ReferralEvent, ReferralStatus, ReferralStep, ReferralStepKind,
    SendRefused, SuggestedReferral, overdue_referrals, suggest_referrals,
};
pub use template::{
    AdviceTopic, CharlieTemplate, CirBand, Descriptor, Factor, FireServiceVisitWording, Flag,
    RiskLevel, RiskThresholds, ScalePoint,
};
