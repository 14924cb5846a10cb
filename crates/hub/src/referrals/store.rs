//! What the referral inbox and delivery keep and read: one trait, one implementation per
//! backend over the sync store's own connection or pool ([`crate::sqlite::referrals`],
//! [`crate::postgres::referrals`]), so a delivery or an agency's step shares the change-log
//! counter with pushes.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use doorstep_core::DeviceId;
use doorstep_core::fire::{Referral, ReferralStep};

use super::form::AgencyCase;
use super::inbox::AgencyRefusal;
use crate::hub_change::HubActor;
use crate::model::{AuditEntry, StoreError};

/// One row of an agency's inbox, from the index alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedReferral {
    /// The referral's id.
    pub id: String,
    /// Its status, as stored.
    pub status: String,
    /// Its urgency, as stored.
    pub urgency: String,
    /// When it was delivered (RFC 3339).
    pub sent_at: String,
    /// When a response is due (RFC 3339).
    pub due_at: String,
}

/// An agency's step to take on a referral, in one transaction with its audit entry.
#[derive(Debug, Clone)]
pub struct ReferralStepRequest {
    /// The agency: another agency's referral is not found.
    pub agency_id: String,
    /// The referral.
    pub referral_id: String,
    /// The change-log position the form was made from: another one means it changed.
    pub seen_seq: i64,
    /// The step.
    pub step: ReferralStep,
    /// Who takes it, under the hub's identity.
    pub actor: HubActor,
    /// The audit entry of the write; the store sets its outcome.
    pub audit: AuditEntry,
    /// Now (Unix ms).
    pub now: i64,
}

/// Delivery and the agencies' inbox. Every method is one transaction.
#[async_trait]
pub trait ReferralStore: fmt::Debug + Send + Sync {
    /// Delivers every referral still waiting on the hub (one that arrived while its
    /// agency was missing from the directory, say); returns how many were delivered.
    async fn deliver_waiting(&self, hub_device: DeviceId, now: i64) -> Result<usize, StoreError>;

    /// How many of the agency's referrals are in each delivered status.
    async fn inbox_counts(&self, agency_id: &str) -> Result<Vec<(String, i64)>, StoreError>;

    /// One page of the agency's referrals (all delivered, or of one status), soonest due
    /// first.
    async fn inbox(
        &self,
        agency_id: &str,
        status: Option<&str>,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<ListedReferral>, StoreError>;

    /// The referral with what its form is made from, if it is the agency's and delivered.
    async fn agency_case(
        &self,
        agency_id: &str,
        referral_id: &str,
    ) -> Result<Result<AgencyCase, AgencyRefusal>, StoreError>;

    /// Takes an agency's step: reads the referral, judges the step by the core's rules,
    /// and writes the change, its log entry and the audit entry in one transaction.
    async fn take_referral_step(
        &self,
        request: ReferralStepRequest,
    ) -> Result<Result<Referral, AgencyRefusal>, StoreError>;
}

/// A referral store shared by the handlers.
pub type SharedReferralStore = Arc<dyn ReferralStore>;

/// The audit entry of a delivery (or of a referral held back, with why).
pub fn delivery_audit(referral_id: &str, outcome: &str, now: i64) -> AuditEntry {
    AuditEntry {
        at: now,
        user_id: None,
        device_id: None,
        action: "referral.deliver".to_owned(),
        entity: Some("referral".to_owned()),
        entity_id: Some(referral_id.to_owned()),
        outcome: outcome.to_owned(),
    }
}
