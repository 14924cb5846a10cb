//! The lists a scheme coordinator works from, each a query over the case index whose cut
//! is the core's rule: a plan waits for approval once agreed, a work order is overdue when
//! the firm still owes the work after its due date ([`WorkOrder::is_overdue`]), a sent
//! referral is overdue past its due time ([`Referral::hours_overdue`]), a cocoon is
//! overdue once its visiting week has passed with doors untried ([`cocoon::state`]), a
//! follow-up falls due months after fitting ([`follow_up::due_on`]).
//!
//! [`WorkOrder::is_overdue`]: doorstep_core::work_order::WorkOrder::is_overdue
//! [`Referral::hours_overdue`]: doorstep_core::fire::Referral::hours_overdue
//! [`cocoon::state`]: doorstep_core::cocoon::state
//! [`follow_up::due_on`]: doorstep_core::security::follow_up::due_on

use chrono::{DateTime, NaiveDate, Utc};
use doorstep_core::fire::ReferralStatus;
use doorstep_core::security::PlanStatus;
use doorstep_core::work_order::WorkOrderStatus;
use doorstep_sync::protocol::EntityKind;

/// How a list is ordered (oldest or earliest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// By the day the record reached its state.
    Since,
    /// By its due date.
    Due,
}

/// A list as a query over the case index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    /// The kind of record listed.
    pub entity: EntityKind,
    /// The statuses it may be in.
    pub statuses: Vec<String>,
    /// Only records due strictly before this (a day or a UTC time, as the index keeps).
    pub due_before: Option<String>,
    /// Only records due on or before this day.
    pub due_by: Option<String>,
    /// Only records still open on this day (their `until` on or after it).
    pub open_on: Option<String>,
    /// Only cocoons with doors still without an outcome.
    pub doors_left: bool,
    /// The order.
    pub order: Order,
}

/// The coordinators' lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseList {
    /// Plans the resident agreed, waiting for a supervisor's approval.
    AwaitingApproval,
    /// Approved plans whose measures are not fitted yet, oldest approval first.
    ApprovedNotFitted,
    /// Work orders past their due date with the firm.
    OrdersOverdue,
    /// Fitted plans whose follow-up visit is due.
    FollowUpsDue,
    /// Cocoons past their visiting week with doors not yet tried.
    CocoonsBehind,
    /// Referrals the agency has not acknowledged in time.
    ReferralsOverdue,
}

impl CaseList {
    /// Every list, in the order the console shows them.
    pub const ALL: [Self; 6] = [
        Self::AwaitingApproval,
        Self::ApprovedNotFitted,
        Self::OrdersOverdue,
        Self::FollowUpsDue,
        Self::CocoonsBehind,
        Self::ReferralsOverdue,
    ];

    /// Its part of the address, `/console/lists/{slug}`.
    pub fn slug(self) -> &'static str {
        match self {
            Self::AwaitingApproval => "awaiting-approval",
            Self::ApprovedNotFitted => "approved-not-fitted",
            Self::OrdersOverdue => "work-orders-overdue",
            Self::FollowUpsDue => "follow-ups-due",
            Self::CocoonsBehind => "cocoons-behind",
            Self::ReferralsOverdue => "referrals-overdue",
        }
    }

    /// The list with this slug.
    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.slug() == slug)
    }

    /// Its heading.
    pub fn title(self) -> &'static str {
        match self {
            Self::AwaitingApproval => "Plans waiting for approval",
            Self::ApprovedNotFitted => "Approved plans not yet fitted",
            Self::OrdersOverdue => "Work orders overdue at a firm",
            Self::FollowUpsDue => "Follow-up visits due",
            Self::CocoonsBehind => "Cocoons with doors left after their week",
            Self::ReferralsOverdue => "Referrals overdue",
        }
    }

    /// What is on it, in a sentence.
    pub fn description(self) -> &'static str {
        match self {
            Self::AwaitingApproval => {
                "Plans the resident has agreed and signed, oldest first. A supervisor who did not draft or agree a plan approves it."
            }
            Self::ApprovedNotFitted => {
                "Approved or ordered plans whose measures are not fitted yet, longest waiting first."
            }
            Self::OrdersOverdue => {
                "Work orders past their due date that the firm has not fitted or declined, most overdue first."
            }
            Self::FollowUpsDue => {
                "Plans fitted long enough ago that the follow-up visit is due, longest due first."
            }
            Self::CocoonsBehind => {
                "Cocoons whose visiting week has passed with neighbours' doors still untried, while the cocoon is open."
            }
            Self::ReferralsOverdue => {
                "Sent referrals the agency has not acknowledged by the time it should have, most overdue first."
            }
        }
    }

    /// The kind of record it lists.
    pub fn entity(self) -> EntityKind {
        match self {
            Self::AwaitingApproval | Self::ApprovedNotFitted | Self::FollowUpsDue => {
                EntityKind::Plan
            }
            Self::OrdersOverdue => EntityKind::WorkOrder,
            Self::CocoonsBehind => EntityKind::Cocoon,
            Self::ReferralsOverdue => EntityKind::Referral,
        }
    }

    /// The query for the list on `now`.
    pub fn query(self, now: DateTime<Utc>) -> ListQuery {
        let today: NaiveDate = now.date_naive();
        let day = today.to_string();
        let plans =
            |statuses: &[PlanStatus]| statuses.iter().map(|s| s.as_str().to_owned()).collect();
        let base = ListQuery {
            entity: self.entity(),
            statuses: Vec::new(),
            due_before: None,
            due_by: None,
            open_on: None,
            doors_left: false,
            order: Order::Since,
        };
        match self {
            Self::AwaitingApproval => ListQuery {
                statuses: plans(&[PlanStatus::Agreed]),
                ..base
            },
            Self::ApprovedNotFitted => ListQuery {
                statuses: plans(&[PlanStatus::Approved, PlanStatus::Ordered]),
                ..base
            },
            Self::FollowUpsDue => ListQuery {
                statuses: plans(&[PlanStatus::Fitted]),
                due_by: Some(day),
                order: Order::Due,
                ..base
            },
            Self::OrdersOverdue => ListQuery {
                statuses: WorkOrderStatus::ALL
                    .iter()
                    .filter(|s| s.is_open())
                    .map(|s| s.as_str().to_owned())
                    .collect(),
                due_before: Some(day),
                order: Order::Due,
                ..base
            },
            Self::CocoonsBehind => ListQuery {
                due_before: Some(day.clone()),
                open_on: Some(day),
                doors_left: true,
                order: Order::Due,
                ..base
            },
            Self::ReferralsOverdue => ListQuery {
                statuses: vec![ReferralStatus::Sent.as_str().to_owned()],
                due_before: Some(super::index::instant(&now.to_rfc3339()).unwrap_or_default()),
                order: Order::Due,
                ..base
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_list_has_its_own_address() {
        for list in CaseList::ALL {
            assert_eq!(CaseList::from_slug(list.slug()), Some(list));
        }
        assert_eq!(CaseList::from_slug("nothing"), None);
    }

    #[test]
    fn a_work_order_is_overdue_only_while_the_firm_owes_the_work() {
        let q = CaseList::OrdersOverdue.query(Utc::now());
        assert_eq!(q.statuses, ["new", "accepted", "scheduled"]);
    }
}
