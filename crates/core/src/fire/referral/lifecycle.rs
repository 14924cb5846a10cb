//! A referral's lifecycle: the statuses, the steps between them, who may take them, and the
//! history that records who did what and when.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::identity::Role;
use crate::ids::OfficerId;

use super::super::agency::AgencyDirectory;
use super::{Referral, ReferralError, TEXT_MAX};

/// Roles that may make and progress referrals; contractors, analysts and admins never see them.
pub const REFERRAL_ROLES: &[Role] = &[
    Role::Officer,
    Role::FireCrew,
    Role::Warden,
    Role::Supervisor,
];

stored_enum!(
    /// Where a referral is.
    ReferralStatus {
        /// Being written; the only editable state.
        Draft => "draft",
        /// Sent to the agency.
        Sent => "sent",
        /// The agency has acknowledged it.
        Acknowledged => "acknowledged",
        /// The agency has booked a visit.
        VisitBooked => "visit_booked",
        /// Done; final.
        Completed => "completed",
        /// Declined by the agency or the resident; final.
        Declined => "declined",
        /// The agency could not make contact; final.
        NoContact => "no_contact",
    }
);

stored_enum!(
    /// The kinds of step, for the transition matrix and the UI's buttons.
    ReferralStepKind {
        /// Send to the agency.
        Send => "send",
        /// Record the agency's acknowledgement.
        Acknowledge => "acknowledge",
        /// Record a booked visit.
        BookVisit => "book_visit",
        /// Record completion.
        Complete => "complete",
        /// Record a decline.
        Decline => "decline",
        /// Record that nobody could make contact.
        NoContact => "no_contact",
    }
);

impl ReferralStepKind {
    /// The statuses this step may be taken from.
    pub fn allowed_from(self, status: ReferralStatus) -> bool {
        use ReferralStatus as S;
        match self {
            Self::Send => status == S::Draft,
            Self::Acknowledge => status == S::Sent,
            // An agency may book straight away; booking implies acknowledgement.
            Self::BookVisit => matches!(status, S::Sent | S::Acknowledged),
            // Some agencies help by phone without a visit.
            Self::Complete => matches!(status, S::Acknowledged | S::VisitBooked),
            Self::Decline | Self::NoContact => {
                matches!(status, S::Sent | S::Acknowledged | S::VisitBooked)
            }
        }
    }

    /// The status after the step.
    pub fn target(self) -> ReferralStatus {
        match self {
            Self::Send => ReferralStatus::Sent,
            Self::Acknowledge => ReferralStatus::Acknowledged,
            Self::BookVisit => ReferralStatus::VisitBooked,
            Self::Complete => ReferralStatus::Completed,
            Self::Decline => ReferralStatus::Declined,
            Self::NoContact => ReferralStatus::NoContact,
        }
    }
}

/// A step with what it records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum ReferralStep {
    /// Send to the agency.
    Send,
    /// The agency acknowledged it.
    Acknowledge {
        /// The agency's reference, if given.
        agency_reference: Option<String>,
    },
    /// The agency booked a visit.
    BookVisit {
        /// When the visit is.
        visit_at: DateTime<Utc>,
    },
    /// Done.
    Complete {
        /// What happened.
        outcome: String,
    },
    /// Declined by the agency or the resident.
    Decline {
        /// Why.
        reason: String,
    },
    /// Nobody could make contact.
    NoContact {
        /// The attempts made.
        attempts: String,
    },
}

impl ReferralStep {
    /// Its kind.
    pub fn kind(&self) -> ReferralStepKind {
        match self {
            Self::Send => ReferralStepKind::Send,
            Self::Acknowledge { .. } => ReferralStepKind::Acknowledge,
            Self::BookVisit { .. } => ReferralStepKind::BookVisit,
            Self::Complete { .. } => ReferralStepKind::Complete,
            Self::Decline { .. } => ReferralStepKind::Decline,
            Self::NoContact { .. } => ReferralStepKind::NoContact,
        }
    }
}

/// One step in a referral's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ReferralEvent {
    /// Status before.
    pub from: ReferralStatus,
    /// Status after.
    pub to: ReferralStatus,
    /// The step and what it recorded.
    pub step: ReferralStep,
    /// Who.
    pub by: OfficerId,
    /// In which role.
    pub role: Role,
    /// When (given by the caller; core never reads the clock).
    pub at: DateTime<Utc>,
}

/// Refuses a role that may not work on referrals.
pub(super) fn check_role(role: Role) -> Result<(), ReferralError> {
    if REFERRAL_ROLES.contains(&role) {
        Ok(())
    } else {
        Err(ReferralError::RoleNotAllowed(role.as_str()))
    }
}

fn text(value: &str, field: &'static str, what: &'static str) -> Result<String, ReferralError> {
    let value = crate::validation::not_blank(value, field, what)?;
    // Refuse rather than cut: silently losing words typed at a door is never acceptable.
    if value.chars().count() > TEXT_MAX {
        Err(ReferralError::TooLong { field, what })
    } else {
        Ok(value)
    }
}

impl Referral {
    /// The steps this role could take now (the buttons to show).
    pub fn available_steps(&self, role: Role) -> Vec<ReferralStepKind> {
        if !REFERRAL_ROLES.contains(&role) {
            return Vec::new();
        }
        ReferralStepKind::ALL
            .iter()
            .copied()
            .filter(|k| k.allowed_from(self.status))
            .collect()
    }

    /// Takes a lifecycle step, or refuses it with a message and leaves the referral unchanged.
    pub fn apply(
        &mut self,
        directory: &AgencyDirectory,
        step: ReferralStep,
        by: OfficerId,
        role: Role,
        at: DateTime<Utc>,
    ) -> Result<(), ReferralError> {
        let kind = step.kind();
        if !kind.allowed_from(self.status) {
            return Err(ReferralError::NotFromStatus {
                step: kind.as_str(),
                status: self.status.as_str(),
            });
        }
        check_role(role)?;
        let step = match step {
            ReferralStep::Send => {
                let agency = directory
                    .agency(&self.agency_id)
                    .ok_or_else(|| ReferralError::UnknownAgency(self.agency_id.clone()))?;
                self.send_authority(agency)?;
                self.sent_at = Some(at);
                self.due_at = Some(directory.due_at(agency, self.urgency, at));
                ReferralStep::Send
            }
            ReferralStep::Acknowledge { agency_reference } => ReferralStep::Acknowledge {
                agency_reference: agency_reference
                    .map(|r| r.trim().to_owned())
                    .filter(|r| !r.is_empty()),
            },
            ReferralStep::BookVisit { visit_at } => ReferralStep::BookVisit { visit_at },
            ReferralStep::Complete { outcome } => ReferralStep::Complete {
                outcome: text(&outcome, "outcome", "what happened")?,
            },
            ReferralStep::Decline { reason } => ReferralStep::Decline {
                reason: text(&reason, "reason", "why it was declined")?,
            },
            ReferralStep::NoContact { attempts } => ReferralStep::NoContact {
                attempts: text(&attempts, "attempts", "the attempts made to make contact")?,
            },
        };
        let to = kind.target();
        self.history.push(ReferralEvent {
            from: self.status,
            to,
            step,
            by,
            role,
            at,
        });
        self.status = to;
        Ok(())
    }
}
