//! The agency's response clock: a sent referral is due an acknowledgement by the time fixed
//! when it was sent, and the Today screen lists those past it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::super::ids::ReferralId;
use super::{Referral, ReferralStatus};

/// A sent referral the agency has not acknowledged in time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct OverdueReferral {
    /// The referral.
    pub referral_id: ReferralId,
    /// The agency.
    pub agency_id: String,
    /// When a response was due.
    pub due_at: DateTime<Utc>,
    /// Whole hours past due (at least 0), for sorting and "2 days late".
    pub hours_overdue: u32,
}

impl Referral {
    /// Whole hours this referral is past its due time at `now`, or `None` when it is not
    /// overdue: only a sent referral can be, since an acknowledgement stops the clock.
    pub fn hours_overdue(&self, now: DateTime<Utc>) -> Option<u32> {
        let due_at = self
            .due_at
            .filter(|_| self.status == ReferralStatus::Sent)?;
        // Due means "by then": exactly at the due time is not yet late.
        (now > due_at).then(|| u32::try_from((now - due_at).num_hours()).unwrap_or(u32::MAX))
    }
}

/// Sent referrals past their due time at `now`, most overdue first (for the Today screen).
pub fn overdue_referrals(referrals: &[Referral], now: DateTime<Utc>) -> Vec<OverdueReferral> {
    let mut overdue: Vec<OverdueReferral> = referrals
        .iter()
        .filter_map(|r| {
            Some(OverdueReferral {
                hours_overdue: r.hours_overdue(now)?,
                referral_id: r.id,
                agency_id: r.agency_id.clone(),
                due_at: r.due_at?,
            })
        })
        .collect();
    overdue.sort_by_key(|o| o.due_at);
    overdue
}
