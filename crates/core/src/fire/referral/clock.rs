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

/// Sent referrals past their due time at `now`, most overdue first (for the Today screen).
pub fn overdue_referrals(referrals: &[Referral], now: DateTime<Utc>) -> Vec<OverdueReferral> {
    let mut overdue: Vec<OverdueReferral> = referrals
        .iter()
        .filter(|r| r.status == ReferralStatus::Sent)
        .filter_map(|r| {
            let due_at = r.due_at?;
            // Due means "by then": exactly at the due time is not yet late.
            (now > due_at).then(|| OverdueReferral {
                referral_id: r.id,
                agency_id: r.agency_id.clone(),
                due_at,
                hours_overdue: u32::try_from((now - due_at).num_hours()).unwrap_or(u32::MAX),
            })
        })
        .collect();
    overdue.sort_by_key(|o| o.due_at);
    overdue
}
