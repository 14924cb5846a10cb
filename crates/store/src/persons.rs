//! Residents: add, correct, list per household.

use chrono::NaiveDate;
use doorstep_core::person::PersonDetails;
use doorstep_core::{AgeBand, ChangeSource, HouseholdId, Person, PersonDraft, PersonId};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::{Map, Value};

use crate::error::{Result, StoreError};
use crate::households;
use crate::store::Store;
use crate::synced::{self, Held, Stamp, Synced};
use crate::tracking::{Writer, stored_versions};

const COLUMNS: &str =
    "id, household_id, full_name, phone, email, date_of_birth, age_band, preferred_language,
    contact_preferences, created_at, updated_at";

fn conversion(i: usize, e: impl std::error::Error + Send + Sync + 'static) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<Person> {
    let id: String = row.get(0)?;
    let household: String = row.get(1)?;
    let preferences: String = row.get(8)?;
    Ok(Person {
        id: id.parse().map_err(|e| conversion(0, e))?,
        household_id: household.parse().map_err(|e| conversion(1, e))?,
        full_name: row.get(2)?,
        phone: row.get(3)?,
        email: row.get(4)?,
        date_of_birth: row.get::<_, Option<NaiveDate>>(5)?,
        age_band: row
            .get::<_, Option<String>>(6)?
            .and_then(|b| AgeBand::parse(&b)),
        preferred_language: row.get(7)?,
        contact_preferences: serde_json::from_str(&preferences).map_err(|e| conversion(8, e))?,
        created_at: row.get(9)?,
        updated_at: row.get(10)?,
    })
}

pub(crate) fn get(conn: &Connection, id: PersonId) -> Result<Person> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM persons WHERE id = ?1"),
        [id.to_string()],
        from_row,
    )
    .optional()?
    .ok_or(StoreError::NotFound { entity: "resident" })
}

/// Writes a resident row (insert, or update keeping `seq` and `created_at`) with its versions.
fn save_row(conn: &Connection, id: PersonId, details: &PersonDetails, s: &Stamp<'_>) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO persons (id, household_id, full_name, phone, email, date_of_birth, age_band, preferred_language,
             contact_preferences, created_at, updated_at, updated_by, device_id, hlc, field_versions)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
         ON CONFLICT (id) DO UPDATE SET household_id = excluded.household_id,
             full_name = excluded.full_name, phone = excluded.phone,
             email = excluded.email, date_of_birth = excluded.date_of_birth, age_band = excluded.age_band,
             preferred_language = excluded.preferred_language, contact_preferences = excluded.contact_preferences,
             updated_at = excluded.updated_at, updated_by = excluded.updated_by, device_id = excluded.device_id,
             hlc = excluded.hlc, field_versions = excluded.field_versions",
    )?
    .execute(params![
        id.to_string(),
        details.household_id.to_string(),
        details.full_name,
        details.phone,
        details.email,
        details.date_of_birth,
        details.age_band.map(AgeBand::as_str),
        details.preferred_language,
        serde_json::to_string(&details.contact_preferences)?,
        s.created_at,
        s.updated_at,
        s.updated_by,
        s.device_id,
        s.hlc,
        s.field_versions,
    ])?;
    Ok(())
}

/// A stored resident's synced fields: exactly what `track` is given for them.
fn details_of(p: &Person) -> PersonDetails {
    PersonDetails {
        household_id: p.household_id,
        full_name: p.full_name.clone(),
        phone: p.phone.clone(),
        email: p.email.clone(),
        date_of_birth: p.date_of_birth,
        age_band: p.age_band,
        preferred_language: p.preferred_language.clone(),
        contact_preferences: p.contact_preferences,
    }
}

impl Synced for PersonDetails {
    const ENTITY: &'static str = "person";
    const TABLE: &'static str = "persons";

    fn read(conn: &Connection, id: &str) -> Result<Option<Held>> {
        synced::read_row(
            conn,
            &format!("SELECT {COLUMNS}, field_versions FROM persons WHERE id = ?1"),
            id,
            |r| Ok(details_of(&from_row(r)?)),
        )
    }

    fn from_fields(id: &str, fields: &Map<String, Value>) -> Result<Self> {
        // The id first: a record with a bad id and bad fields is refused for its id.
        synced::parse_id::<PersonId>(Self::ENTITY, id)?;
        synced::decode(id, fields)
    }

    /// Also marks their household's search entry (and their old household's, if they moved)
    /// out of date.
    fn save(&self, conn: &Connection, id: &str, s: &Stamp<'_>) -> Result<()> {
        let person: PersonId = synced::parse_id(Self::ENTITY, id)?;
        let before: Option<String> = conn
            .prepare_cached("SELECT household_id FROM persons WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?;
        save_row(conn, person, self, s)?;
        households::reindex(conn, self.household_id)?;
        if let Some(old) = before.and_then(|h| h.parse().ok()) {
            households::reindex(conn, old)?;
        }
        Ok(())
    }

    /// Marks the resident's household's search entry out of date.
    fn before_delete(conn: &Connection, id: &str) -> Result<()> {
        let household: Option<String> = conn
            .prepare_cached("SELECT household_id FROM persons WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?;
        match household.and_then(|h| h.parse().ok()) {
            Some(h) => households::reindex(conn, h),
            None => Ok(()),
        }
    }
}

/// Inserts a resident inside a tracked write.
pub(crate) fn insert(w: &mut Writer<'_>, details: &PersonDetails) -> Result<Person> {
    let id = PersonId::new();
    let tracked = w.track(
        "person",
        &id.to_string(),
        None,
        &serde_json::to_value(details)?,
    )?;
    let Some(t) = tracked else {
        return Err(StoreError::NotFound { entity: "resident" });
    };
    save_row(w.tx, id, details, &Stamp::local(w, &t))?;
    households::reindex(w.tx, details.household_id)?;
    get(w.tx, id)
}

impl Store {
    /// Adds a resident to a household.
    pub fn add_person(
        &mut self,
        draft: &PersonDraft,
        today: NaiveDate,
        source: ChangeSource,
    ) -> Result<Person> {
        let details = draft.validate(today)?;
        households::get(self.conn(), details.household_id)?;
        self.write(source, |w| insert(w, &details))
    }

    /// Corrects a resident's details.
    pub fn update_person(
        &mut self,
        id: PersonId,
        draft: &PersonDraft,
        today: NaiveDate,
        source: ChangeSource,
    ) -> Result<Person> {
        let before = get(self.conn(), id)?;
        let details = PersonDraft {
            household_id: before.household_id,
            ..draft.clone()
        }
        .validate(today)?;
        // The previous state is compared as stored, so re-validating old data with a new
        // "today" cannot invent a change.
        let previous = PersonDetails {
            household_id: before.household_id,
            full_name: before.full_name.clone(),
            phone: before.phone.clone(),
            email: before.email.clone(),
            date_of_birth: before.date_of_birth,
            age_band: before.age_band,
            preferred_language: before.preferred_language.clone(),
            contact_preferences: before.contact_preferences,
        };
        let versions = stored_versions(self.conn(), "persons", &id.to_string())?;
        self.write(source, |w| {
            let previous = serde_json::to_value(&previous)?;
            let Some(t) = w.track(
                "person",
                &id.to_string(),
                Some((&previous, &versions)),
                &serde_json::to_value(&details)?,
            )?
            else {
                return Ok(before.clone());
            };
            save_row(w.tx, id, &details, &Stamp::local(w, &t))?;
            households::reindex(w.tx, details.household_id)?;
            get(w.tx, id)
        })
    }

    /// The residents of a household, in the order they were recorded.
    pub fn persons_for_household(&self, household: HouseholdId) -> Result<Vec<Person>> {
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT {COLUMNS} FROM persons WHERE household_id = ?1 ORDER BY seq"
        ))?;
        let rows = stmt.query_map([household.to_string()], from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
