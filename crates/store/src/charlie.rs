//! CHARLIE checks: saved whole once core has validated and scored them.

use doorstep_core::fire::{
    CharlieAssessment, CharlieCheck, CharlieCheckId, CharlieTemplate, assess,
};
use doorstep_core::{ChangeSource, HouseholdId};
use rusqlite::{OptionalExtension, params};

use crate::error::{Result, StoreError};
use crate::rows::json;
use crate::store::Store;
use crate::tracking::stored_versions;
use crate::{households, persons};

impl Store {
    /// Saves a new or corrected check; an invalid check is refused field by field and not saved.
    pub fn save_charlie_check(
        &mut self,
        check: &CharlieCheck,
        template: &CharlieTemplate,
        source: ChangeSource,
    ) -> Result<CharlieAssessment> {
        let assessment = assess(template, check)?;
        if let Some(h) = check.household_id {
            households::get(self.conn(), h)?;
        }
        if let Some(p) = check.person_id {
            persons::get(self.conn(), p)?;
        }
        let id = check.id.to_string();
        let before = self.charlie_check(check.id).ok();
        let versions = match &before {
            Some(_) => Some(stored_versions(self.conn(), "charlie_checks", &id)?),
            None => None,
        };
        self.write(source, |w| {
            let previous = before.as_ref().map(serde_json::to_value).transpose()?;
            let current = serde_json::to_value(check)?;
            let base = previous.as_ref().zip(versions.as_deref());
            let Some(t) = w.track("charlie_check", &id, base, &current)? else {
                return Ok(());
            };
            w.tx.prepare_cached(
                "INSERT INTO charlie_checks (id, household_id, person_id, level, body, created_at, updated_at,
                     updated_by, device_id, hlc, field_versions)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT (id) DO UPDATE SET household_id = excluded.household_id,
                     person_id = excluded.person_id, level = excluded.level, body = excluded.body,
                     updated_at = excluded.updated_at, updated_by = excluded.updated_by,
                     device_id = excluded.device_id, hlc = excluded.hlc,
                     field_versions = excluded.field_versions",
            )?
            .execute(params![
                id,
                check.household_id.map(|h| h.to_string()),
                check.person_id.map(|p| p.to_string()),
                assessment.level.as_str(),
                serde_json::to_string(check)?,
                t.at,
                w.actor.officer.to_string(),
                w.actor.device.to_string(),
                t.hlc.to_string(),
                t.field_versions,
            ])?;
            Ok(())
        })?;
        Ok(assessment)
    }

    /// One check.
    pub fn charlie_check(&self, id: CharlieCheckId) -> Result<CharlieCheck> {
        self.conn()
            .prepare_cached("SELECT body FROM charlie_checks WHERE id = ?1")?
            .query_row([id.to_string()], |r| json(r, 0, "damaged CHARLIE check"))
            .optional()?
            .ok_or(StoreError::NotFound {
                entity: "CHARLIE check",
            })
    }

    /// A household's checks, newest first.
    pub fn charlie_checks_for_household(
        &self,
        household: HouseholdId,
    ) -> Result<Vec<CharlieCheck>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT body FROM charlie_checks WHERE household_id = ?1 ORDER BY seq DESC",
        )?;
        let rows = stmt.query_map([household.to_string()], |r| {
            json(r, 0, "damaged CHARLIE check")
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
