//! Where a referral is, in one sentence for the officer: still on the laptop, delivered by
//! the hub with the agency's response clock running, or what the agency answered. Built
//! here so the referral page, Today and the household's list all say the same thing, and
//! the screens never retype a rule.

use super::{Referral, ReferralStatus, ReferralStep};

/// What the queued referral's page says while it is still on the laptop.
pub const WAITING_TO_GO: &str = "Waiting to go — it goes to the agency when Doorstep next syncs";

use crate::uk_time::{date as day, date_and_time as day_and_time};

/// "1 change is" or "3 changes are".
fn changes_waiting(waiting: u32) -> String {
    if waiting == 1 {
        "1 change is waiting to sync on this laptop".into()
    } else {
        format!("{waiting} changes are waiting to sync on this laptop")
    }
}

impl Referral {
    /// Where this referral is now, as a sentence naming `agency_name`. `waiting` is how
    /// many of this laptop's changes wait to sync (the queued referral's among them), said
    /// only while the referral is queued.
    pub fn progress(&self, agency_name: &str, waiting: u32) -> String {
        // The step that brought it to its status: the agency's answer, when it has one.
        let answer = self.history.iter().rev().find(|e| e.to == self.status);
        let on = answer.map_or_else(String::new, |e| format!(" on {}", day(e.at)));
        match (self.status, answer.map(|e| &e.step)) {
            (ReferralStatus::Draft, _) => {
                "A draft: it stays on this laptop until it is sent.".into()
            }
            (ReferralStatus::Queued, _) => {
                format!("{WAITING_TO_GO}. {}.", changes_waiting(waiting))
            }
            (ReferralStatus::Sent, _) => match (self.sent_at, self.due_at) {
                (Some(sent), Some(due)) => format!(
                    "Sent to the agency on {}; they should respond by {}.",
                    day(sent),
                    day(due)
                ),
                (Some(sent), None) => format!("Sent to the agency on {}.", day(sent)),
                _ => "Sent to the agency.".into(),
            },
            (
                ReferralStatus::Acknowledged,
                Some(ReferralStep::Acknowledge {
                    agency_reference: Some(r),
                }),
            ) => format!("{agency_name} acknowledged it{on} (their reference {r})."),
            (ReferralStatus::Acknowledged, _) => format!("{agency_name} acknowledged it{on}."),
            (ReferralStatus::Accepted, _) => format!("{agency_name} accepted it{on}."),
            (ReferralStatus::VisitBooked, Some(ReferralStep::BookVisit { visit_at })) => {
                format!(
                    "{agency_name} booked a visit for {}.",
                    day_and_time(*visit_at)
                )
            }
            (ReferralStatus::VisitBooked, _) => format!("{agency_name} booked a visit."),
            (ReferralStatus::Completed, Some(ReferralStep::Complete { outcome })) => {
                format!("{agency_name} completed it{on}: {outcome}")
            }
            (ReferralStatus::Completed, _) => format!("{agency_name} completed it{on}."),
            (ReferralStatus::Declined, Some(ReferralStep::Decline { reason })) => {
                format!("{agency_name} declined it{on}: {reason}")
            }
            (ReferralStatus::Declined, _) => format!("{agency_name} declined it{on}."),
            (ReferralStatus::NoContact, Some(ReferralStep::NoContact { attempts })) => {
                format!("{agency_name} could not reach the resident{on}: {attempts}")
            }
            (ReferralStatus::NoContact, _) => {
                format!("{agency_name} could not reach the resident{on}.")
            }
        }
    }
}
