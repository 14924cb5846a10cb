//! Attachments: photos stored once by digest, and which teams may download them.

use doorstep_sync::protocol::AttachmentReceipt;
use rusqlite::{OptionalExtension, Transaction, params};

use super::audit::insert as insert_audit;
use crate::model::{Principal, StoreError};
use crate::store::StoredAttachment;

/// Stores an attachment's bytes once and lets `who`'s team download them.
pub(super) fn put(
    tx: &Transaction<'_>,
    who: &Principal,
    sha256: String,
    bytes: Vec<u8>,
    media_type: &str,
    now: i64,
) -> Result<AttachmentReceipt, StoreError> {
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    let already_stored: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM attachments WHERE sha256 = ?1)",
        [&sha256],
        |r| r.get(0),
    )?;
    if !already_stored {
        tx.execute(
            "INSERT INTO attachments (sha256, bytes, size, media_type, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![sha256, bytes, size, media_type, now],
        )?;
    }
    tx.execute(
        "INSERT INTO attachment_teams (sha256, team_id, device_id, user_id, at)
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (sha256, team_id) DO NOTHING",
        params![
            sha256,
            who.team_id,
            who.device_id.to_string(),
            who.user_id.to_string(),
            now
        ],
    )?;
    let receipt = AttachmentReceipt {
        sha256,
        bytes: u64::try_from(size).unwrap_or(0),
        already_stored,
    };
    insert_audit(tx, &[crate::attachments::upload_audit(who, &receipt, now)])?;
    Ok(receipt)
}

/// An attachment's bytes, when `who`'s team may download them.
pub(super) fn get(
    tx: &Transaction<'_>,
    who: &Principal,
    sha256: &str,
    now: i64,
) -> Result<Option<StoredAttachment>, StoreError> {
    let found = tx
        .query_row(
            "SELECT a.bytes, a.media_type FROM attachments a
             JOIN attachment_teams t ON t.sha256 = a.sha256
             WHERE a.sha256 = ?1 AND t.team_id = ?2",
            params![sha256, who.team_id],
            |r| {
                Ok(StoredAttachment {
                    bytes: r.get(0)?,
                    media_type: r.get(1)?,
                })
            },
        )
        .optional()?;
    if found.is_some() {
        insert_audit(tx, &[crate::attachments::download_audit(who, sha256, now)])?;
    }
    Ok(found)
}
