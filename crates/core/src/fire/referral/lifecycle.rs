//! A referral's lifecycle: the statuses, the steps between them, who may take them, and the
//! history that records who did what and when.
//!
//! Three parties take steps (docs/domain.md#referrals): the referrer on a laptop drafts and
//! sends, which only queues the referral; the hub delivers it to the agency when it
//! arrives, which starts the agency's response clock; the agency answers in its inbox.
//! Nobody takes another party's step: an officer cannot type in an acknowledgement the
//! agency never gave, and an agency cannot accept a referral that was never delivered.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::identity::Role;
use crate::ids::OfficerId;

use super::super::agency::AgencyDirectory;
use super::{Referral, ReferralError, TEXT_MAX};

/// Roles that may draft and send referrals; contractors, analysts and admins never see them.
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
        /// Sent by the officer, waiting on the laptop or the hub to reach the agency.
        Queued => "queued",
        /// Delivered to the agency's inbox; the response clock runs.
        Sent => "sent",
        /// The agency has acknowledged it.
        Acknowledged => "acknowledged",
        /// The agency has taken it on.
        Accepted => "accepted",
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
        /// The referrer sends it: it waits to go at the next sync.
        Send => "send",
        /// The hub delivers it to the agency's inbox.
        Deliver => "deliver",
        /// The agency acknowledges it.
        Acknowledge => "acknowledge",
        /// The agency takes it on.
        Accept => "accept",
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
            Self::Deliver => status == S::Queued,
            Self::Acknowledge => status == S::Sent,
            // An agency may accept without acknowledging first; accepting acknowledges.
            Self::Accept => matches!(status, S::Sent | S::Acknowledged),
            // A booked visit can be moved.
            Self::BookVisit => matches!(status, S::Accepted | S::VisitBooked),
            // Some agencies help by phone without a visit, but never without taking it on.
            Self::Complete | Self::NoContact => matches!(status, S::Accepted | S::VisitBooked),
            Self::Decline => {
                matches!(
                    status,
                    S::Sent | S::Acknowledged | S::Accepted | S::VisitBooked
                )
            }
        }
    }

    /// Who takes this step: the referrer's roles, the agency, or (for delivery) the hub
    /// alone, which is no role.
    pub fn roles(self) -> &'static [Role] {
        match self {
            Self::Send => REFERRAL_ROLES,
            Self::Deliver => &[],
            Self::Acknowledge
            | Self::Accept
            | Self::BookVisit
            | Self::Complete
            | Self::Decline
            | Self::NoContact => &[Role::Agency],
        }
    }

    /// The status after the step.
    pub fn target(self) -> ReferralStatus {
        match self {
            Self::Send => ReferralStatus::Queued,
            Self::Deliver => ReferralStatus::Sent,
            Self::Acknowledge => ReferralStatus::Acknowledged,
            Self::Accept => ReferralStatus::Accepted,
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
    /// The referrer sends it; it goes at the next sync.
    Send,
    /// The hub delivered it to the agency's inbox.
    Deliver,
    /// The agency acknowledged it.
    Acknowledge {
        /// The agency's reference, if given.
        agency_reference: Option<String>,
    },
    /// The agency took it on.
    Accept,
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
            Self::Deliver => ReferralStepKind::Deliver,
            Self::Acknowledge { .. } => ReferralStepKind::Acknowledge,
            Self::Accept => ReferralStepKind::Accept,
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

/// Refuses a role that may not draft or send referrals.
pub(super) fn check_role(role: Role) -> Result<(), ReferralError> {
    if REFERRAL_ROLES.contains(&role) {
        Ok(())
    } else {
        Err(ReferralError::RoleNotAllowed(role.as_str()))
    }
}

/// Refuses a role that may not take this step.
fn check_step_role(kind: ReferralStepKind, role: Role) -> Result<(), ReferralError> {
    if kind.roles().contains(&role) {
        Ok(())
    } else if kind == ReferralStepKind::Deliver {
        Err(ReferralError::OnlyTheHubDelivers)
    } else if kind.roles() == [Role::Agency] {
        Err(ReferralError::OnlyTheAgency(kind.as_str()))
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
        ReferralStepKind::ALL
            .iter()
            .copied()
            .filter(|k| k.allowed_from(self.status) && k.roles().contains(&role))
            .collect()
    }

    /// Whether the referral has left the officer but not yet reached the agency.
    pub fn is_waiting_to_go(&self) -> bool {
        self.status == ReferralStatus::Queued
    }

    /// Delivers a queued referral to its agency at `at`: the response clock starts now,
    /// with the due time fixed from the directory. Refused, changing nothing, when the
    /// referral is not queued, its agency is unknown, or neither consent nor a lawful basis
    /// authorises it (a laptop refuses such a send, so one arriving means a forged or
    /// corrupted record, and it must never reach an agency). The event is the referrer's,
    /// whose send it completes.
    pub fn deliver(
        &mut self,
        directory: &AgencyDirectory,
        at: DateTime<Utc>,
    ) -> Result<(), ReferralError> {
        if self.status != ReferralStatus::Queued {
            return Err(ReferralError::NotFromStatus {
                step: ReferralStepKind::Deliver.as_str(),
                status: self.status.as_str(),
            });
        }
        let agency = directory
            .agency(&self.agency_id)
            .ok_or_else(|| ReferralError::UnknownAgency(self.agency_id.clone()))?;
        self.send_authority(agency)?;
        let (by, role) = self
            .history
            .iter()
            .rev()
            .find(|e| e.step == ReferralStep::Send)
            .map_or((self.created_by, Role::Officer), |e| (e.by, e.role));
        self.sent_at = Some(at);
        self.due_at = Some(directory.due_at(agency, self.urgency, at));
        self.history.push(ReferralEvent {
            from: ReferralStatus::Queued,
            to: ReferralStatus::Sent,
            step: ReferralStep::Deliver,
            by,
            role,
            at,
        });
        self.status = ReferralStatus::Sent;
        Ok(())
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
        check_step_role(kind, role)?;
        let step = match step {
            ReferralStep::Send => {
                let agency = directory
                    .agency(&self.agency_id)
                    .ok_or_else(|| ReferralError::UnknownAgency(self.agency_id.clone()))?;
                // Checked now so the officer hears at the door, and again at delivery.
                self.send_authority(agency)?;
                ReferralStep::Send
            }
            ReferralStep::Deliver => return Err(ReferralError::OnlyTheHubDelivers),
            ReferralStep::Acknowledge { agency_reference } => ReferralStep::Acknowledge {
                agency_reference: agency_reference
                    .map(|r| r.trim().to_owned())
                    .filter(|r| !r.is_empty()),
            },
            ReferralStep::Accept => ReferralStep::Accept,
            ReferralStep::BookVisit { visit_at } => {
                if visit_at < at {
                    return Err(ReferralError::VisitInThePast);
                }
                ReferralStep::BookVisit { visit_at }
            }
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
