//! Fire safety: the CHARLIE fire risk check and its score, partner referrals with consent or a
//! lawful basis, and the pure rules of a fire crew's day of action.
//!
//! Everything here is pure: templates and the agency directory arrive as text, times arrive as
//! arguments, and nothing is read from disk or the clock. See ADR 007.

pub mod agency;
pub mod charlie;
pub mod day_of_action;
pub mod ids;
pub mod referral;
pub mod template;

pub use agency::{
    Agency, AgencyDirectory, AgencyKind, ConsentPurpose, ReferralMethod, ResponseTime, SuggestWhen,
    Urgency, UrgencyPolicy,
};
pub use charlie::{
    AlarmCheck, CharlieAssessment, CharlieCheck, CharlieContribution, CharlieDraft,
    ContributionKind, EscapeRoute, FactorAnswer, FactorScore, assess, resident_advice,
};
pub use day_of_action::{
    DaySummary, DoorOutcomeCode, DoorRecord, RevisitItem, SUMMARY_CSV_HEADER, revisit_queue,
    summarise, summary_csv,
};
pub use ids::{CharlieCheckId, DoorRecordId, ReferralId};
pub use referral::{
    BasisRecord, Consent, ConsentGiver, ConsentMethod, LawfulBasis, OverdueReferral, Referral,
    ReferralDraft, ReferralError, ReferralEvent, ReferralStatus, ReferralStep, ReferralStepKind,
    SendRefused, SuggestedReferral, overdue_referrals, suggest_referrals,
};
pub use template::{
    CharlieTemplate, CirBand, Descriptor, Factor, Flag, RiskLevel, RiskThresholds, ScalePoint,
};
