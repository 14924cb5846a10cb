//! `POST /v1/audit/openings`: who opened which household on a laptop, written to the audit
//! log (issue 16, item 5). The handler is in [`crate::server`]; this module is the part
//! both backends share, the audit lines, so they only remember which ids they have seen.

use chrono::SecondsFormat;
use doorstep_sync::protocol::{Opening, OpeningsResponse};

use crate::model::{AuditEntry, Principal};

/// The audit action of a household opened on a laptop (the console's own is
/// `household-view`).
pub const OPEN: &str = "open";

/// The audit lines for a batch whose openings `is_new` says the hub had not recorded
/// before, and what to answer: one `open` line per new opening, at the time it was opened,
/// with the device's hub user and the device, naming the person signed in on the laptop;
/// then one `openings` line for the request with its counts.
pub fn audit_lines(
    who: &Principal,
    openings: &[Opening],
    mut is_new: impl FnMut(&Opening) -> bool,
    now: i64,
) -> (OpeningsResponse, Vec<AuditEntry>) {
    let mut response = OpeningsResponse::default();
    let mut lines = Vec::new();
    for opening in openings {
        if is_new(opening) {
            response.accepted += 1;
            lines.push(open_line(who, opening));
        } else {
            response.already_recorded += 1;
        }
    }
    lines.push(AuditEntry::request(
        now,
        Some(who),
        "openings",
        format!(
            "ok: {} accepted, {} already recorded",
            response.accepted, response.already_recorded
        ),
    ));
    (response, lines)
}

/// The `open` line of one opening.
fn open_line(who: &Principal, opening: &Opening) -> AuditEntry {
    AuditEntry {
        at: opening.opened_at.timestamp_millis(),
        user_id: Some(who.user_id.to_string()),
        device_id: Some(who.device_id.to_string()),
        action: OPEN.to_owned(),
        entity: Some("household".to_owned()),
        entity_id: Some(opening.household_id.clone()),
        outcome: format!(
            "opened by {} at {}",
            opening.opened_by.trim(),
            opening.opened_at.to_rfc3339_opts(SecondsFormat::Secs, true)
        ),
    }
}
