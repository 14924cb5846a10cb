//! Delivering a queued referral: judged by the core's [`Referral::deliver`] (the same
//! consent and lawful-basis rule the laptop checked at Send, so a forged or corrupted
//! record is never delivered), written as the hub's own change to the referral.

use chrono::{DateTime, Utc};
use doorstep_core::fire::{AgencyDirectory, Referral, ReferralError, ReferralStatus, ReferralStep};
use doorstep_core::{DeviceId, Hlc};
use doorstep_sync::protocol::EntityKind;
use serde_json::Value;

use crate::casework::Fields;
use crate::hub_change::{Applied, HubActor, update};
use crate::store::StoredRecord;

/// The fields a delivery or an agency's step changes: the lifecycle, never what the
/// officer wrote.
pub const LIFECYCLE_FIELDS: &[&str] = &["status", "sent_at", "due_at", "history"];

/// An email to tell the agency's mailbox that the referral is waiting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The agency.
    pub agency_id: String,
    /// Its notify address.
    pub address: String,
    /// The directory says the address is secure: the form may go with the email.
    pub attach_form: bool,
}

/// A delivery ready to write.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// The record after it and the change as logged.
    pub applied: Applied,
    /// The referral after it.
    pub referral: Referral,
    /// The email to queue, when the agency has a notify address.
    pub notify: Option<Notification>,
}

/// Why a queued referral was not delivered; it stays queued, and the audit log says why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Held {
    /// The record could not be read as a referral.
    #[error("the referral record could not be read")]
    Unreadable,
    /// The core refused it (no consent or lawful basis, an agency not in the directory).
    #[error(transparent)]
    Refused(#[from] ReferralError),
    /// A field holds a version the hub's clock cannot pass.
    #[error("the referral holds a change dated in the future")]
    NotApplied,
}

impl Held {
    /// The audit log's word for it.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unreadable => "unreadable",
            Self::Refused(ReferralError::UnknownAgency(_)) => "unknown_agency",
            Self::Refused(ReferralError::NotAuthorised(_)) => "not_authorised",
            Self::Refused(_) => "refused",
            Self::NotApplied => "not_applied",
        }
    }
}

/// The hub's copy of a referral as the core's referral.
pub fn read_referral(id: &str, fields: &Fields) -> Option<Referral> {
    crate::casework::decide::read(fields, &[("id", Value::String(id.to_owned()))])
}

/// Delivers the referral `id` held as `stored`, at `now`; `Ok(None)` when there is nothing
/// to deliver (deleted, or not waiting to go).
pub fn plan_delivery(
    id: &str,
    stored: &StoredRecord,
    directory: &AgencyDirectory,
    hub_device: DeviceId,
    hub_last: Option<Hlc>,
    now: DateTime<Utc>,
) -> Result<Option<Delivery>, Held> {
    let fields = &stored.record.fields;
    if stored.record.is_deleted()
        || fields.get("status").and_then(Value::as_str) != Some(ReferralStatus::Queued.as_str())
    {
        return Ok(None);
    }
    let mut referral = read_referral(id, fields).ok_or(Held::Unreadable)?;
    referral.deliver(directory, now)?;
    let user = referral
        .history
        .last()
        .filter(|e| e.step == ReferralStep::Deliver)
        .map_or(referral.created_by, |e| e.by);
    let Ok(Value::Object(after)) = serde_json::to_value(&referral) else {
        return Err(Held::Unreadable);
    };
    let applied = update(
        EntityKind::Referral,
        id,
        &stored.record,
        &after,
        Some(LIFECYCLE_FIELDS),
        HubActor { user, hub_device },
        hub_last,
        now,
    )
    .map_err(|_| Held::NotApplied)?
    .ok_or(Held::NotApplied)?;
    let notify = directory.agency(&referral.agency_id).and_then(|agency| {
        agency.notify.as_ref().map(|address| Notification {
            agency_id: agency.id.clone(),
            address: address.clone(),
            attach_form: agency.secure_email,
        })
    });
    Ok(Some(Delivery {
        applied,
        referral,
        notify,
    }))
}
