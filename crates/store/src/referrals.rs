//! Partner referrals: stored whole, changed only through core's rules (consent, lawful basis,
//! lifecycle), with status and due time copied out for the overdue list.

use doorstep_core::fire::{Referral, ReferralId, ReferralStatus};
use doorstep_core::{ChangeSource, HouseholdId};
use rusqlite::{Connection, OptionalExtension, params};

use crate::error::{Result, StoreError};
use crate::rows::json;
use crate::store::Store;
use crate::synced::{self, Held, Stamp, Synced};
use crate::tracking::stored_versions;
use crate::{households, persons};

/// Writes a referral row (insert, or update keeping `seq` and `created_at`) with its versions.
fn save_row(conn: &Connection, r: &Referral, s: &Stamp<'_>) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO referrals (id, household_id, person_id, status, due_at, body, created_at, updated_at,
             updated_by, device_id, hlc, field_versions)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (id) DO UPDATE SET household_id = excluded.household_id,
             person_id = excluded.person_id, status = excluded.status, due_at = excluded.due_at,
             body = excluded.body, updated_at = excluded.updated_at, updated_by = excluded.updated_by,
             device_id = excluded.device_id, hlc = excluded.hlc, field_versions = excluded.field_versions",
    )?
    .execute(params![
        r.id.to_string(),
        r.household_id.to_string(),
        r.person_id.to_string(),
        r.status.as_str(),
        r.due_at,
        serde_json::to_string(r)?,
        r.created_at,
        s.updated_at,
        s.updated_by,
        s.device_id,
        s.hlc,
        s.field_versions,
    ])?;
    Ok(())
}

/// A referral's synced fields are its top-level fields.
impl Synced for Referral {
    const ENTITY: &'static str = "referral";
    const TABLE: &'static str = "referrals";
    const NAMES_ITS_ID: bool = true;

    fn read(conn: &Connection, id: &str) -> Result<Option<Held>> {
        synced::body_fields(conn, Self::TABLE, id)
    }

    fn save(&self, conn: &Connection, _id: &str, s: &Stamp<'_>) -> Result<()> {
        save_row(conn, self, s)
    }
}

impl Store {
    /// Saves a newly drafted referral.
    pub fn save_new_referral(&mut self, r: &Referral, source: ChangeSource) -> Result<Referral> {
        households::get(self.conn(), r.household_id)?;
        let person = persons::get(self.conn(), r.person_id)?;
        if person.household_id != r.household_id {
            let mut errors = doorstep_core::ValidationErrors::default();
            errors.add("person_id", "Choose a resident of this household");
            return Err(errors.into());
        }
        self.write(source, |w| {
            let t = w
                .track(
                    "referral",
                    &r.id.to_string(),
                    None,
                    &serde_json::to_value(r)?,
                )?
                .ok_or(StoreError::NotFound { entity: "referral" })?;
            save_row(w.tx, r, &Stamp::local(w, &t))?;
            Ok(r.clone())
        })
    }

    /// Changes a referral with `change` (one of core's rules); nothing is saved if it fails.
    pub fn change_referral<E>(
        &mut self,
        id: ReferralId,
        source: ChangeSource,
        change: impl FnOnce(&mut Referral) -> std::result::Result<(), E>,
    ) -> std::result::Result<Referral, E>
    where
        E: From<StoreError>,
    {
        let before = self.referral(id)?;
        let mut after = before.clone();
        change(&mut after)?;
        if after == before {
            return Ok(before);
        }
        let versions = stored_versions(self.conn(), "referrals", &id.to_string())?;
        Ok(self.write(source, |w| {
            let previous = serde_json::to_value(&before)?;
            if let Some(t) = w.track(
                "referral",
                &id.to_string(),
                Some((&previous, &versions)),
                &serde_json::to_value(&after)?,
            )? {
                save_row(w.tx, &after, &Stamp::local(w, &t))?;
            }
            Ok(after)
        })?)
    }

    /// One referral.
    pub fn referral(&self, id: ReferralId) -> Result<Referral> {
        self.conn()
            .prepare_cached("SELECT body FROM referrals WHERE id = ?1")?
            .query_row([id.to_string()], |r| json(r, 0, "damaged referral"))
            .optional()?
            .ok_or(StoreError::NotFound { entity: "referral" })
    }

    /// A household's referrals, newest first.
    pub fn referrals_for_household(&self, household: HouseholdId) -> Result<Vec<Referral>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT body FROM referrals WHERE household_id = ?1 ORDER BY seq DESC",
        )?;
        let rows = stmt.query_map([household.to_string()], |r| json(r, 0, "damaged referral"))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every referral in `status`, oldest due first (sent ones are checked for being overdue).
    pub fn referrals_with_status(&self, status: ReferralStatus) -> Result<Vec<Referral>> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT body FROM referrals WHERE status = ?1 ORDER BY due_at, seq")?;
        let rows = stmt.query_map([status.as_str()], |r| json(r, 0, "damaged referral"))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
