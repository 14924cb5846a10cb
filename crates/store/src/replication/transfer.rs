//! Attachments sent to and fetched from the hub, named by SHA-256.

use doorstep_core::attachment::check_image;
use rusqlite::{Connection, params};

use crate::attachments;
use crate::error::{Result, StoreError};
use crate::store::Store;
use crate::synced::SOMEONE_ELSE;

/// A SHA-256 as the hub names it: 64 lower-case hex digits, whether or not the caller wrote
/// the store's `sha256:` prefix.
pub(super) fn bare_sha(sha256: &str) -> String {
    sha256
        .strip_prefix("sha256:")
        .unwrap_or(sha256)
        .to_ascii_lowercase()
}

/// The store's reference for a SHA-256: `sha256:` and the hex digest.
pub(super) fn reference(sha256: &str) -> String {
    format!("sha256:{}", bare_sha(sha256))
}

/// The SHA-256s `sql` selects, its one parameter the most to return, as bare hex.
fn shas(conn: &Connection, sql: &str, limit: usize) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
        r.get::<_, String>(0)
    })?;
    Ok(rows
        .map(|r| r.map(|sha| bare_sha(&sha)))
        .collect::<rusqlite::Result<_>>()?)
}

/// Records that the hub holds the attachment with reference `sha`.
fn mark_on_hub(conn: &Connection, sha: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO attachments_on_hub (sha256, since) VALUES (?1, ?2) ON CONFLICT (sha256) DO NOTHING",
    )?
    .execute(params![sha, doorstep_core::clock::now()])?;
    Ok(())
}

impl Store {
    /// Attachments the hub does not hold yet, as bare SHA-256 hex, at most `limit`.
    pub fn attachments_to_upload(&self, limit: usize) -> Result<Vec<String>> {
        shas(
            self.conn(),
            "SELECT a.sha256 FROM attachments a
             WHERE NOT EXISTS (SELECT 1 FROM attachments_on_hub h WHERE h.sha256 = a.sha256)
             ORDER BY a.sha256 LIMIT ?1",
            limit,
        )
    }

    /// Records that the hub holds this attachment (bare hex or `sha256:` reference).
    pub fn mark_attachment_uploaded(&mut self, sha256: &str) -> Result<()> {
        mark_on_hub(self.conn(), &reference(sha256))
    }

    /// Attachments that synced records refer to but whose bytes are not here (survey photos,
    /// and the signatures on plans and referral consents), as bare SHA-256 hex, at most `limit`.
    pub fn missing_attachments(&self, limit: usize) -> Result<Vec<String>> {
        shas(
            self.conn(),
            "SELECT sha FROM (
                 SELECT sha256 AS sha FROM survey_photos
                 UNION SELECT json_extract(body, '$.agreement.signature_ref') FROM plans
                 UNION SELECT json_extract(body, '$.consent.signature_ref') FROM referrals
                 UNION SELECT json_extract(item.value, '$.photo_sha256')
                       FROM work_orders, json_each(work_orders.body, '$.items') AS item
             )
             WHERE sha LIKE 'sha256:%'
               AND NOT EXISTS (SELECT 1 FROM attachments a WHERE a.sha256 = sha)
             ORDER BY sha LIMIT ?1",
            limit,
        )
    }

    /// An attachment's bytes (bare hex or `sha256:` reference).
    pub fn attachment_bytes(&self, sha256: &str) -> Result<Vec<u8>> {
        Ok(self.attachment(&reference(sha256))?.1)
    }

    /// Stores bytes fetched from the hub, refusing them unless their SHA-256 is `sha256` and
    /// they are an image. The hub holds them, so they are not sent back.
    pub fn store_downloaded_attachment(&mut self, sha256: &str, bytes: &[u8]) -> Result<()> {
        let expected = bare_sha(sha256);
        let actual = bare_sha(&attachments::reference(bytes));
        if expected != actual {
            return Err(StoreError::AttachmentDigestMismatch { expected, actual });
        }
        let image = check_image(bytes, u64::MAX, "attachment")?;
        let sha = reference(&actual);
        let tx = self.conn.transaction()?;
        attachments::insert_bytes(&tx, &sha, bytes, &image, &SOMEONE_ELSE.to_string())?;
        mark_on_hub(&tx, &sha)?;
        tx.commit()?;
        Ok(())
    }
}
