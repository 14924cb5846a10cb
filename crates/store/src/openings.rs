//! Who opened which household on this laptop: an append-only list the hub's audit log
//! receives at the next sync (issue 16, item 5; docs/sync-protocol.md, "POST /v1/audit/openings").
//!
//! Opening a household page and recording it are one store call
//! ([`Store::open_household_page`]): a page that opened without its record would be a
//! reading nobody can account for, and the record is a single local insert that fails only
//! when every other save would fail too.

use chrono::{DateTime, TimeDelta, Utc};
use doorstep_core::HouseholdId;
use doorstep_core::views::HouseholdPage;
use rusqlite::params;
use uuid::Uuid;

use crate::error::{Result, StoreError};
use crate::store::Store;

/// A second opening of a household by the same person within this time of the last one
/// recorded is not recorded again: the page is drawn again after every save, and that
/// must not flood the audit log.
pub const REOPEN_WINDOW: TimeDelta = TimeDelta::minutes(10);

/// Openings the hub has acknowledged are kept this long (by when they were opened), then
/// may be deleted; unsent ones are kept until the hub has them.
pub const KEEP_SENT: TimeDelta = TimeDelta::days(30);

/// One opening of a household, as the hub's audit log receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdOpening {
    /// Its own id (UUIDv7), so the hub records it once however often it is sent.
    pub id: Uuid,
    /// The household opened.
    pub household_id: String,
    /// The name of the person signed in when it was opened.
    pub opened_by: String,
    /// When.
    pub opened_at: DateTime<Utc>,
}

impl Store {
    /// The household page, recording that the signed-in person opened it at `at` (unless
    /// they opened it within [`REOPEN_WINDOW`] before). A household that does not exist is
    /// not found and nothing is recorded; a record that cannot be written fails the call.
    pub fn open_household_page(
        &mut self,
        id: HouseholdId,
        at: DateTime<Utc>,
    ) -> Result<HouseholdPage> {
        let page = self.household_page(id)?;
        self.record_household_opening(id, at)?;
        Ok(page)
    }

    /// Records that the signed-in person opened household `id` at `at`; false when an
    /// opening of theirs is recorded within [`REOPEN_WINDOW`] of `at` (either side: a clock
    /// set back a little), so nothing was recorded.
    pub fn record_household_opening(&mut self, id: HouseholdId, at: DateTime<Utc>) -> Result<bool> {
        let officer = self.officer().id.to_string();
        let at_ms = at.timestamp_millis();
        let window = REOPEN_WINDOW.num_milliseconds();
        // Bounded on both sides: a row from a clock once set far ahead must not silence
        // every later opening.
        let (since, until) = (at_ms.saturating_sub(window), at_ms.saturating_add(window));
        // One statement, so the check and the insert cannot be split by another write.
        let inserted = self
            .conn()
            .prepare_cached(
                "INSERT INTO household_openings (id, household_id, officer_id, opened_at)
                 SELECT ?1, ?2, ?3, ?4
                 WHERE NOT EXISTS (SELECT 1 FROM household_openings
                                   WHERE household_id = ?2 AND officer_id = ?3
                                     AND opened_at > ?5 AND opened_at < ?6)",
            )?
            .execute(params![
                Uuid::now_v7().to_string(),
                id.to_string(),
                officer,
                at_ms,
                since,
                until
            ])?;
        Ok(inserted == 1)
    }

    /// At most `limit` openings the hub has not acknowledged yet, oldest first.
    pub fn unsent_household_openings(&self, limit: usize) -> Result<Vec<HouseholdOpening>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut stmt = self.conn().prepare_cached(
            "SELECT o.id, o.household_id, coalesce(p.name, ''), o.opened_at
             FROM household_openings o LEFT JOIN officers p ON p.id = o.officer_id
             WHERE o.sent_at IS NULL ORDER BY o.opened_at, o.id LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })?;
        let mut openings = Vec::new();
        for row in rows {
            let (id, household_id, opened_by, opened_at) = row?;
            let damaged = || StoreError::Corrupt {
                path: self.database_path.clone(),
                reason: "a recorded household opening is damaged".to_owned(),
            };
            openings.push(HouseholdOpening {
                id: id.parse().map_err(|_| damaged())?,
                household_id,
                opened_by,
                opened_at: DateTime::from_timestamp_millis(opened_at).ok_or_else(damaged)?,
            });
        }
        Ok(openings)
    }

    /// Marks openings the hub acknowledged as sent at `at`, and deletes acknowledged ones
    /// opened more than [`KEEP_SENT`] before `at`; returns how many were marked now.
    pub fn mark_household_openings_sent(
        &mut self,
        ids: &[Uuid],
        at: DateTime<Utc>,
    ) -> Result<usize> {
        let at_ms = at.timestamp_millis();
        let tx = self.conn.transaction()?;
        let mut marked = 0;
        {
            let mut mark = tx.prepare_cached(
                "UPDATE household_openings SET sent_at = ?2 WHERE id = ?1 AND sent_at IS NULL",
            )?;
            for id in ids {
                marked += mark.execute(params![id.to_string(), at_ms])?;
            }
            tx.prepare_cached(
                "DELETE FROM household_openings WHERE sent_at IS NOT NULL AND opened_at < ?1",
            )?
            .execute([at_ms.saturating_sub(KEEP_SENT.num_milliseconds())])?;
        }
        tx.commit()?;
        Ok(marked)
    }

    /// How many openings wait for the hub.
    pub fn unsent_household_opening_count(&self) -> Result<u64> {
        let n: i64 = self.conn().query_row(
            "SELECT count(*) FROM household_openings WHERE sent_at IS NULL",
            [],
            |r| r.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}
