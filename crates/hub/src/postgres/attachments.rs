//! Attachments: photos stored once by digest, and which teams may download them.

use deadpool_postgres::Pool;
use doorstep_sync::protocol::AttachmentReceipt;

use super::audit::insert as insert_audit;
use crate::model::{Principal, StoreError};
use crate::store::StoredAttachment;

/// Stores an attachment's bytes once and lets `who`'s team download them.
pub(super) async fn put(
    pool: &Pool,
    who: &Principal,
    sha256: &str,
    bytes: Vec<u8>,
    media_type: &str,
    now: i64,
) -> Result<AttachmentReceipt, StoreError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    // Two uploads of the same bytes at once: the second waits, then finds the row.
    let inserted = tx
        .execute(
            "INSERT INTO attachments (sha256, bytes, size, media_type, created_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) DO NOTHING",
            &[&sha256, &bytes, &size, &media_type, &now],
        )
        .await?;
    tx.execute(
        "INSERT INTO attachment_teams (sha256, team_id, device_id, user_id, at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256, team_id) DO NOTHING",
        &[
            &sha256,
            &who.team_id,
            &who.device_id.to_string(),
            &who.user_id.to_string(),
            &now,
        ],
    )
    .await?;
    let receipt = AttachmentReceipt {
        sha256: sha256.to_owned(),
        bytes: u64::try_from(size).unwrap_or(0),
        already_stored: inserted == 0,
    };
    insert_audit(&tx, &[crate::attachments::upload_audit(who, &receipt, now)]).await?;
    tx.commit().await?;
    Ok(receipt)
}

/// An attachment's bytes, when `who`'s team may download them.
pub(super) async fn get(
    pool: &Pool,
    who: &Principal,
    sha256: &str,
    now: i64,
) -> Result<Option<StoredAttachment>, StoreError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let found = tx
        .query_opt(
            "SELECT a.bytes, a.media_type FROM attachments a
             JOIN attachment_teams t ON t.sha256 = a.sha256
             WHERE a.sha256 = $1 AND t.team_id = $2",
            &[&sha256, &who.team_id],
        )
        .await?
        .map(|r| StoredAttachment {
            bytes: r.get(0),
            media_type: r.get(1),
        });
    if found.is_some() {
        insert_audit(&tx, &[crate::attachments::download_audit(who, sha256, now)]).await?;
    }
    tx.commit().await?;
    Ok(found)
}
