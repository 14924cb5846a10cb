//! A pull, from the rows a backend read: each entry redacted for the user's role
//! ([`crate::access`]), the cursor, and when the device must start again from 0.

use doorstep_sync::protocol::{Change, LogEntry, PullResponse, Removal};

use crate::access;
use crate::model::{AuditEntry, Principal, StoreError};

/// One change-log row as stored.
#[derive(Debug, Clone)]
pub struct LogRow {
    /// Its sequence number.
    pub seq: i64,
    /// `change` or `remove`.
    pub kind: String,
    /// The change as applied, or the removal, as JSON.
    pub body: String,
}

/// Whether a device pulling after `after` must drop its synced records and pull from 0:
/// its cursor is past the log's head (another hub's log, a restored backup), below the
/// compaction horizon (away longer than tombstones are kept), or its user's team or role
/// changed since (`flagged`). A pull from 0 is always served.
pub fn needs_full_resync(after: u64, head: i64, horizon: i64, flagged: bool) -> bool {
    let after = i64::try_from(after).unwrap_or(i64::MAX);
    after > head || (after > 0 && (after < horizon || flagged))
}

/// The answer telling the device to start again, with its audit line.
pub fn start_again(who: &Principal, after: u64, now: i64) -> (PullResponse, Vec<AuditEntry>) {
    let audit = AuditEntry::request(
        now,
        Some(who),
        "pull",
        format!("full_resync_needed after {after}"),
    );
    (
        PullResponse {
            entries: Vec::new(),
            next: 0,
            more: false,
            full_resync_needed: true,
        },
        vec![audit],
    )
}

/// Builds a pull's answer from the rows read (at most `limit + 1`, in seq order, all at
/// or below `head`, the counter read first, already limited to the kinds of record the
/// role receives) and the audit entries for it: one `read` per record sent.
pub fn pull_page(
    who: &Principal,
    after: u64,
    head: i64,
    rows: Vec<LogRow>,
    limit: u32,
    now: i64,
) -> Result<(PullResponse, Vec<AuditEntry>), StoreError> {
    let head = u64::try_from(head).unwrap_or(0);
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let more = rows.len() > limit;
    let mut entries = Vec::with_capacity(rows.len().min(limit));
    let mut audit = Vec::with_capacity(rows.len().min(limit) + 1);
    let mut last_read = None;
    let read = |entity: &str, entity_id: &str, outcome: &str| AuditEntry {
        at: now,
        user_id: Some(who.user_id.to_string()),
        device_id: Some(who.device_id.to_string()),
        action: "read".into(),
        entity: Some(entity.to_owned()),
        entity_id: Some(entity_id.to_owned()),
        outcome: outcome.into(),
    };
    for row in rows.into_iter().take(limit) {
        let seq = u64::try_from(row.seq).unwrap_or(0);
        last_read = Some(seq);
        if row.kind == "remove" {
            let removal: Removal = serde_json::from_str(&row.body)?;
            if access::may_see(who.role, removal.entity) {
                audit.push(read(removal.entity.as_str(), &removal.entity_id, "remove"));
                entries.push(LogEntry::of_removal(seq, removal));
            }
            continue;
        }
        let change: Change = serde_json::from_str(&row.body)?;
        if let Some(change) = access::redact(who.role, change) {
            audit.push(read(change.entity.as_str(), &change.entity_id, "ok"));
            entries.push(LogEntry::of_change(seq, change));
        }
    }
    // With more to come, the next page starts after the last row read (an entry redacted
    // away included); otherwise everything up to the head this user may see has been
    // sent, so the cursor jumps to the head (past other teams' entries, which would only
    // be skipped again).
    let next = match (more, last_read) {
        (true, Some(last)) => last,
        _ => head,
    };
    audit.push(AuditEntry::request(
        now,
        Some(who),
        "pull",
        format!("ok: {} entries after {after}", entries.len()),
    ));
    Ok((
        PullResponse {
            entries,
            next,
            more,
            full_resync_needed: false,
        },
        audit,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::fresh(0, 10, 5, true, false)]
    #[case::up_to_date(10, 10, 5, false, false)]
    #[case::at_the_horizon(5, 10, 5, false, false)]
    #[case::below_the_horizon(4, 10, 5, false, true)]
    #[case::past_the_head(11, 10, 0, false, true)]
    #[case::role_changed(7, 10, 0, true, true)]
    fn when_a_device_starts_again(
        #[case] after: u64,
        #[case] head: i64,
        #[case] horizon: i64,
        #[case] flagged: bool,
        #[case] resync: bool,
    ) {
        assert_eq!(needs_full_resync(after, head, horizon, flagged), resync);
    }
}
