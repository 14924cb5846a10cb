//! Attachments: photos and signatures stored once by SHA-256 inside the encrypted database,
//! and the photos linked to survey items.

use doorstep_core::attachment::{CheckedImage, check_image};
use doorstep_core::security::SurveyId;
use doorstep_core::views::SurveyPhoto;
use doorstep_core::{ChangeSource, ValidationErrors};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Result, StoreError};
use crate::rows::parsed;
use crate::store::Store;
use crate::synced::{self, Held, Stamp, Synced};
use crate::tracking::Writer;

/// Longest file name kept with a photo.
const MAX_FILE_NAME: usize = 200;

/// The attachment reference for some bytes: `sha256:` and the lower-case hex digest.
pub fn reference(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for b in digest {
        hex.push_str(&format!("{b:02x}"));
    }
    format!("sha256:{hex}")
}

/// Stores the bytes once (a second copy of the same bytes is a no-op) and returns the reference.
fn put(w: &Writer<'_>, bytes: &[u8], image: &CheckedImage) -> Result<String> {
    let sha = reference(bytes);
    insert_bytes(w.tx, &sha, bytes, image, &w.actor.officer.to_string())?;
    Ok(sha)
}

/// Stores bytes under their reference `sha` unless they are already held.
pub(crate) fn insert_bytes(
    conn: &Connection,
    sha: &str,
    bytes: &[u8],
    image: &CheckedImage,
    created_by: &str,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO attachments (sha256, media_type, size, bytes, created_at, created_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (sha256) DO NOTHING",
    )?
    .execute(params![
        sha,
        image.media_type,
        i64::try_from(image.size).unwrap_or(i64::MAX),
        bytes,
        doorstep_core::clock::now(),
        created_by,
    ])?;
    Ok(())
}

/// A survey photo's synced fields.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct PhotoFields {
    survey_id: SurveyId,
    item: String,
    sha256: String,
    file_name: String,
}

/// Writes a photo row (insert, or update keeping `seq` and `created_at`) with its versions.
fn save_photo_row(conn: &Connection, id: &str, p: &PhotoFields, s: &Stamp<'_>) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO survey_photos (id, survey_id, item, sha256, file_name, created_at, updated_at,
             updated_by, device_id, hlc, field_versions)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (id) DO UPDATE SET survey_id = excluded.survey_id, item = excluded.item,
             sha256 = excluded.sha256, file_name = excluded.file_name, updated_at = excluded.updated_at,
             updated_by = excluded.updated_by, device_id = excluded.device_id, hlc = excluded.hlc,
             field_versions = excluded.field_versions",
    )?
    .execute(params![
        id,
        p.survey_id.to_string(),
        p.item,
        p.sha256,
        p.file_name,
        s.created_at,
        s.updated_at,
        s.updated_by,
        s.device_id,
        s.hlc,
        s.field_versions,
    ])?;
    Ok(())
}

impl Synced for PhotoFields {
    const ENTITY: &'static str = "survey_photo";
    const TABLE: &'static str = "survey_photos";

    fn read(conn: &Connection, id: &str) -> Result<Option<Held>> {
        synced::read_row(
            conn,
            "SELECT survey_id, item, sha256, file_name, field_versions FROM survey_photos WHERE id = ?1",
            id,
            |r| {
                Ok(PhotoFields {
                    survey_id: parsed(r, 0, "bad survey id")?,
                    item: r.get(1)?,
                    sha256: r.get(2)?,
                    file_name: r.get(3)?,
                })
            },
        )
    }

    /// Its bytes may follow later (see `Store::missing_attachments`).
    fn save(&self, conn: &Connection, id: &str, s: &Stamp<'_>) -> Result<()> {
        save_photo_row(conn, id, self, s)
    }
}

impl Store {
    /// Stores an image (a drawn signature) checked against `max_bytes`; returns its reference.
    pub fn add_image(
        &mut self,
        bytes: &[u8],
        max_bytes: u64,
        field: &str,
        source: ChangeSource,
    ) -> Result<String> {
        let image = check_image(bytes, max_bytes, field)?;
        self.write(source, |w| put(w, bytes, &image))
    }

    /// Attaches a photo to a survey item (or `section:<id>`), refusing anything that is not an image.
    pub fn add_survey_photo(
        &mut self,
        survey: SurveyId,
        item: &str,
        file_name: &str,
        bytes: &[u8],
        max_bytes: u64,
        source: ChangeSource,
    ) -> Result<SurveyPhoto> {
        self.survey(survey)?;
        let image = check_image(bytes, max_bytes, "photo")?;
        let item = item.trim();
        if item.is_empty() || item.len() > 200 {
            let mut errors = ValidationErrors::default();
            errors.add("photo", "Choose the question the photo belongs to");
            return Err(errors.into());
        }
        let file_name: String = file_name.trim().chars().take(MAX_FILE_NAME).collect();
        let id = uuid::Uuid::now_v7().to_string();
        self.write(source, |w| {
            let sha = put(w, bytes, &image)?;
            let photo = PhotoFields {
                survey_id: survey,
                item: item.to_owned(),
                sha256: sha.clone(),
                file_name: file_name.clone(),
            };
            let t = w
                .track("survey_photo", &id, None, &serde_json::to_value(&photo)?)?
                .ok_or(StoreError::NotFound { entity: "photo" })?;
            save_photo_row(w.tx, &id, &photo, &Stamp::local(w, &t))?;
            Ok(SurveyPhoto {
                id: id.clone(),
                item: item.to_owned(),
                sha256: sha,
                file_name: file_name.clone(),
                media_type: image.media_type.clone(),
            })
        })
    }

    /// The photos of a survey, in the order they were taken.
    pub fn survey_photos(&self, survey: SurveyId) -> Result<Vec<SurveyPhoto>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT p.id, p.item, p.sha256, p.file_name, a.media_type
             FROM survey_photos p JOIN attachments a ON a.sha256 = p.sha256
             WHERE p.survey_id = ?1 ORDER BY p.seq",
        )?;
        let rows = stmt.query_map([survey.to_string()], |r| {
            Ok(SurveyPhoto {
                id: parsed(r, 0, "bad photo id")?,
                item: r.get(1)?,
                sha256: r.get(2)?,
                file_name: r.get(3)?,
                media_type: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// An attachment's media type and bytes.
    pub fn attachment(&self, sha256: &str) -> Result<(String, Vec<u8>)> {
        self.conn()
            .prepare_cached("SELECT media_type, bytes FROM attachments WHERE sha256 = ?1")?
            .query_row([sha256], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .ok_or(StoreError::NotFound {
                entity: "attachment",
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_is_the_sha256_of_the_bytes() {
        assert_eq!(
            reference(b"abc"),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
