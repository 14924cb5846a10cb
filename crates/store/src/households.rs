//! Households: create, correct, read, and keep their search entry current.

use doorstep_core::household::{HouseholdDetails, one_line_address};
use doorstep_core::privacy::restriction::RESTRICTED_SENTENCE;
use doorstep_core::views::HouseholdPage;
use doorstep_core::{
    ChangeSource, Coordinates, Household, HouseholdDraft, HouseholdId, Uprn, ValidationErrors,
};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::{Map, Value};

use crate::error::{Result, StoreError};
use crate::store::Store;
use crate::synced::{self, Held, Stamp, Synced};
use crate::tracking::{Writer, stored_versions};

const COLUMNS: &str = "id, uprn, address_line_1, address_line_2, address_line_3, town, postcode, coordinates, created_at, updated_at";

fn from_row(row: &Row<'_>) -> rusqlite::Result<Household> {
    let id: String = row.get(0)?;
    let postcode: String = row.get(6)?;
    let coordinates: Option<String> = row.get(7)?;
    Ok(Household {
        id: id.parse().map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
        })?,
        uprn: row.get::<_, Option<i64>>(1)?.map(Uprn::from_value),
        address_line_1: row.get(2)?,
        address_line_2: row.get(3)?,
        address_line_3: row.get(4)?,
        town: row.get(5)?,
        postcode: doorstep_core::postcode::Postcode::parse(&postcode).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(6, rusqlite::types::Type::Text, e.into())
        })?,
        coordinates: coordinates.and_then(|c| serde_json::from_str::<Coordinates>(&c).ok()),
        created_at: row.get(8)?,
        updated_at: row.get(9)?,
    })
}

/// Reads one household.
pub(crate) fn get(conn: &Connection, id: HouseholdId) -> Result<Household> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM households WHERE id = ?1"),
        [id.to_string()],
        from_row,
    )
    .optional()?
    .ok_or(StoreError::NotFound {
        entity: "household",
    })
}

/// Whether saving `uprn` on this laptop would make a second household for the address: on a
/// new household (`except` None), any household with it; on a correction of `except`, any
/// other household with it, unless `except` already has it. Migration 0007 dropped the
/// unique index (two laptops may each make the household offline, and both must sync), so
/// this check is what refuses a duplicate typed here; a household that arrived as a synced
/// duplicate can still be corrected without first giving up its UPRN.
fn uprn_taken(conn: &Connection, uprn: &Uprn, except: Option<HouseholdId>) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM households WHERE uprn = ?1 AND id IS NOT ?2)
                AND NOT EXISTS (SELECT 1 FROM households WHERE id = ?2 AND uprn = ?1)",
        )?
        .query_row(params![uprn.value(), except.map(|e| e.to_string())], |r| {
            r.get(0)
        })?)
}

/// The household made first on this laptop's copy for a UPRN: after a sync there may be
/// more than one, and the oldest row (lowest seq) is the one every lookup agrees on.
fn household_with_uprn(conn: &Connection, uprn: &Uprn) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT id FROM households WHERE uprn = ?1 ORDER BY seq LIMIT 1")?
        .query_row([uprn.value()], |r| r.get(0))
        .optional()?)
}

fn uprn_error() -> StoreError {
    let mut errors = ValidationErrors::default();
    errors.add(
        "uprn",
        "A household with this UPRN already exists: find it by its address instead",
    );
    errors.into()
}

/// Writes a household row (insert, or update keeping `seq` and `created_at`) with its versions.
fn save_row(
    conn: &Connection,
    id: HouseholdId,
    details: &HouseholdDetails,
    s: &Stamp<'_>,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO households (id, uprn, address_line_1, address_line_2, address_line_3, town, postcode, coordinates,
             created_at, updated_at, updated_by, device_id, hlc, field_versions, restricted)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
         ON CONFLICT (id) DO UPDATE SET uprn = excluded.uprn, restricted = excluded.restricted, address_line_1 = excluded.address_line_1,
             address_line_2 = excluded.address_line_2, address_line_3 = excluded.address_line_3,
             town = excluded.town, postcode = excluded.postcode, coordinates = excluded.coordinates,
             updated_at = excluded.updated_at, updated_by = excluded.updated_by, device_id = excluded.device_id,
             hlc = excluded.hlc, field_versions = excluded.field_versions",
    )?
    .execute(params![
        id.to_string(),
        details.uprn.as_ref().map(Uprn::value),
        details.address_line_1,
        details.address_line_2,
        details.address_line_3,
        details.town,
        details.postcode.as_str(),
        details.coordinates.map(|c| serde_json::to_string(&c)).transpose()?,
        s.created_at,
        s.updated_at,
        s.updated_by,
        s.device_id,
        s.hlc,
        s.field_versions,
        details.restricted,
    ])?;
    Ok(())
}

/// A stored household's synced fields: exactly what `track` is given for it.
fn details_of(h: &Household, restricted: bool) -> HouseholdDetails {
    HouseholdDetails {
        uprn: h.uprn.clone(),
        address_line_1: h.address_line_1.clone(),
        address_line_2: h.address_line_2.clone(),
        address_line_3: h.address_line_3.clone(),
        town: h.town.clone(),
        postcode: h.postcode.clone(),
        coordinates: h.coordinates,
        restricted,
    }
}

/// Whether household `id` is restricted at the resident's request (false when not held).
pub(crate) fn is_restricted(conn: &Connection, id: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT restricted FROM households WHERE id = ?1")?
        .query_row([id], |r| r.get::<_, bool>(0))
        .optional()?
        .unwrap_or(false))
}

/// A household's synced fields from a row of `COLUMNS, restricted`.
fn synced_row(r: &Row<'_>) -> rusqlite::Result<HouseholdDetails> {
    Ok(details_of(&from_row(r)?, r.get(10)?))
}

/// Every household's synced fields, in one query.
// Only the test that the report's narrow read gives the same facts reads it all.
#[cfg(test)]
pub(crate) fn all_synced(conn: &Connection) -> Result<Vec<synced::Listed>> {
    synced::read_rows(
        conn,
        &format!("SELECT {COLUMNS}, restricted, id FROM households"),
        synced_row,
    )
}

impl Synced for HouseholdDetails {
    const ENTITY: &'static str = "household";
    const TABLE: &'static str = "households";

    fn read(conn: &Connection, id: &str) -> Result<Option<Held>> {
        synced::read_row(
            conn,
            &format!("SELECT {COLUMNS}, restricted, field_versions FROM households WHERE id = ?1"),
            id,
            synced_row,
        )
    }

    fn from_fields(id: &str, fields: &Map<String, Value>) -> Result<Self> {
        // The id first: a record with a bad id and bad fields is refused for its id.
        synced::parse_id::<HouseholdId>(Self::ENTITY, id)?;
        let details: Self = synced::decode(id, fields)?;
        // Stored text must read back: the same checks the form's values pass.
        if doorstep_core::postcode::Postcode::parse(details.postcode.as_str()).is_err() {
            return Err(synced::unusable(
                Self::ENTITY,
                id,
                "its postcode is not a UK postcode",
            ));
        }
        // A UPRN another household here already has is kept, not refused: two officers offline
        // can each make the household, both are real records, and refusing one would stall
        // every sync after it. The duplicate is for people to tidy.
        if let Some(uprn) = &details.uprn
            && Uprn::parse(uprn.as_str()).is_err()
        {
            return Err(synced::unusable(
                Self::ENTITY,
                id,
                "its UPRN is not up to 12 digits",
            ));
        }
        Ok(details)
    }

    /// Also marks the household's search entry out of date.
    fn save(&self, conn: &Connection, id: &str, s: &Stamp<'_>) -> Result<()> {
        let household: HouseholdId = synced::parse_id(Self::ENTITY, id)?;
        save_row(conn, household, self, s)?;
        reindex(conn, household)
    }

    fn before_delete(conn: &Connection, id: &str) -> Result<()> {
        forget_search_entry(conn, id)
    }
}

/// Takes a household out of the search index before its row is deleted. Its `seq` may be
/// given to the next household saved, so the indexed watermark is lowered below any `seq`
/// that can be given again: the next household is then indexed like any new one.
fn forget_search_entry(conn: &Connection, id: &str) -> Result<()> {
    let Some(seq) = conn
        .prepare_cached("SELECT seq FROM households WHERE id = ?1")?
        .query_row([id], |r| r.get::<_, i64>(0))
        .optional()?
    else {
        return Ok(());
    };
    let upto: i64 = conn
        .prepare_cached("SELECT coalesce((SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'search_indexed_upto'), 0)")?
        .query_row([], |r| r.get(0))?;
    if seq <= upto {
        conn.prepare_cached("DELETE FROM household_search WHERE rowid = ?1")?
            .execute([seq])?;
    }
    conn.prepare_cached("DELETE FROM household_search_pending WHERE seq = ?1")?
        .execute([seq])?;
    let remaining: i64 = conn
        .prepare_cached("SELECT coalesce(max(seq), 0) FROM households WHERE id <> ?1")?
        .query_row([id], |r| r.get(0))?;
    if remaining < upto {
        conn.prepare_cached("UPDATE settings SET value = ?1 WHERE key = 'search_indexed_upto'")?
            .execute([remaining.to_string()])?;
    }
    Ok(())
}

/// Inserts a household inside a tracked write. Builds the result from what it wrote
/// rather than reading it back: this is the hot path of every save and every import.
pub(crate) fn insert(w: &mut Writer<'_>, details: &HouseholdDetails) -> Result<Household> {
    let id = HouseholdId::new();
    let Some(t) = w.track(
        "household",
        &id.to_string(),
        None,
        &serde_json::to_value(details)?,
    )?
    else {
        return Err(StoreError::Invalid(ValidationErrors::default()));
    };
    save_row(w.tx, id, details, &Stamp::local(w, &t))?;
    let household = Household {
        id,
        uprn: details.uprn.clone(),
        address_line_1: details.address_line_1.clone(),
        address_line_2: details.address_line_2.clone(),
        address_line_3: details.address_line_3.clone(),
        town: details.town.clone(),
        postcode: details.postcode.clone(),
        coordinates: details.coordinates,
        created_at: t.at,
        updated_at: t.at,
    };
    Ok(household)
}

/// Marks a household's search entry as out of date (its address or residents changed).
/// A household not indexed yet needs no mark: it is above the indexed watermark.
pub(crate) fn reindex(conn: &Connection, id: HouseholdId) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO household_search_pending (seq)
         SELECT seq FROM households WHERE id = ?1
           AND seq <= coalesce((SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'search_indexed_upto'), 0)",
    )?
        .execute([id.to_string()])?;
    Ok(())
}

/// Rewrites the search entries of every household marked out of date. Call inside a
/// transaction.
pub(crate) fn flush_search_index(conn: &Connection) -> Result<()> {
    let upto: i64 = conn
        .prepare_cached("SELECT coalesce((SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'search_indexed_upto'), 0)")?
        .query_row([], |r| r.get(0))?;
    let mut pending = conn.prepare_cached(
        "SELECT h.seq, h.address_line_1, h.address_line_2, h.address_line_3, h.town, h.postcode,
                (SELECT coalesce(group_concat(p.full_name, ' '), '') FROM persons p WHERE p.household_id = h.id)
         FROM households h
         WHERE h.seq > ?1 OR h.seq IN (SELECT seq FROM household_search_pending)",
    )?;
    let mut unindex = conn.prepare_cached("DELETE FROM household_search WHERE rowid = ?1")?;
    let mut index =
        conn.prepare_cached("INSERT INTO household_search (rowid, address, postcode, residents) VALUES (?1, ?2, ?3, ?4)")?;
    let mut rows = pending.query([upto])?;
    let mut newest = upto;
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        let address = one_line_address(
            &row.get::<_, String>(1)?,
            row.get::<_, Option<String>>(2)?.as_deref(),
            row.get::<_, Option<String>>(3)?.as_deref(),
            &row.get::<_, String>(4)?,
        );
        let postcode: String = row.get(5)?;
        let residents: String = row.get(6)?;
        if seq <= upto {
            unindex.execute([seq])?;
        }
        index.execute(params![seq, address, postcode_terms(&postcode), residents])?;
        newest = newest.max(seq);
    }
    conn.prepare_cached("DELETE FROM household_search_pending")?
        .execute([])?;
    conn.prepare_cached(
        "INSERT INTO settings (key, value) VALUES ('search_indexed_upto', ?1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute([newest.to_string()])?;
    Ok(())
}

/// Both ways people type a postcode: "NG18 2AB" and "NG182AB".
pub(crate) fn postcode_terms(postcode: &str) -> String {
    format!("{postcode} {}", postcode.replace(' ', ""))
}

impl Store {
    /// Adds a household typed by the officer (or imported), refusing a UPRN already in use.
    pub fn create_household(
        &mut self,
        draft: &HouseholdDraft,
        source: ChangeSource,
    ) -> Result<Household> {
        let details = draft.validate()?;
        if let Some(uprn) = &details.uprn
            && uprn_taken(self.conn(), uprn, None)?
        {
            return Err(uprn_error());
        }
        self.write(source, |w| insert(w, &details))
    }

    /// Corrects a household's details; only the fields that changed get new versions.
    pub fn update_household(
        &mut self,
        id: HouseholdId,
        draft: &HouseholdDraft,
        source: ChangeSource,
    ) -> Result<Household> {
        let details = draft.validate()?;
        if let Some(uprn) = &details.uprn
            && uprn_taken(self.conn(), uprn, Some(id))?
        {
            return Err(uprn_error());
        }
        let before = get(self.conn(), id)?;
        // The form never carries the restriction: the stored value is kept either side, and
        // a restricted household is refused below, in `track`.
        let restricted = is_restricted(self.conn(), &id.to_string())?;
        let details = HouseholdDetails {
            restricted,
            ..details
        };
        let mut previous_details = before.to_draft().validate()?;
        previous_details.restricted = restricted;
        let versions = stored_versions(self.conn(), "households", &id.to_string())?;
        self.write(source, |w| {
            let previous = serde_json::to_value(&previous_details)?;
            let Some(t) = w.track(
                "household",
                &id.to_string(),
                Some((&previous, &versions)),
                &serde_json::to_value(&details)?,
            )?
            else {
                return Ok(before.clone());
            };
            save_row(w.tx, id, &details, &Stamp::local(w, &t))?;
            reindex(w.tx, id)?;
            get(w.tx, id)
        })
    }

    /// Reads one household.
    pub fn household(&self, id: HouseholdId) -> Result<Household> {
        get(self.conn(), id)
    }

    /// The household with its residents and visits, and whether it is restricted (with the
    /// sentence the screen shows).
    pub fn household_page(&self, id: HouseholdId) -> Result<HouseholdPage> {
        let household = self.household(id)?;
        let restricted = self.household_restricted(id)?;
        Ok(HouseholdPage {
            household,
            persons: self.persons_for_household(id)?,
            visits: self.visits_for_household(id)?,
            restricted,
            restriction_notice: restricted.then(|| RESTRICTED_SENTENCE.to_owned()),
        })
    }

    /// When the household is restricted, the sentence every screen about it shows (its
    /// surveys, plans, cocoon, referrals), so none words it itself.
    pub fn restriction_notice(&self, id: HouseholdId) -> Result<Option<String>> {
        Ok(self
            .household_restricted(id)?
            .then(|| RESTRICTED_SENTENCE.to_owned()))
    }

    /// Whether a household is restricted at the resident's request, so nothing of it may be
    /// added or changed on this laptop.
    pub fn household_restricted(&self, id: HouseholdId) -> Result<bool> {
        is_restricted(self.conn(), &id.to_string())
    }

    /// Makes a household of a gazetteer address, or returns the one already made of it (the
    /// oldest, when a sync brought more than one).
    pub fn create_household_from_gazetteer(
        &mut self,
        uprn: &Uprn,
        source: ChangeSource,
    ) -> Result<Household> {
        let existing = household_with_uprn(self.conn(), uprn)?;
        if let Some(id) = existing.and_then(|id| id.parse().ok()) {
            return self.household(id);
        }
        let draft = self
            .conn()
            .query_row(
                "SELECT address_line_1, address_line_2, address_line_3, town, postcode, coordinates FROM gazetteer WHERE uprn = ?1",
                [uprn.value()],
                |r| {
                    Ok(HouseholdDraft {
                        uprn: uprn.as_str().to_owned(),
                        address_line_1: r.get(0)?,
                        address_line_2: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                        address_line_3: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                        town: r.get(3)?,
                        postcode: r.get(4)?,
                        coordinates: r.get::<_, Option<String>>(5)?.and_then(|c| serde_json::from_str(&c).ok()),
                    })
                },
            )
            .optional()?
            .ok_or(StoreError::NotFound { entity: "gazetteer address" })?;
        self.create_household(&draft, source)
    }

    /// Number of households held.
    pub fn household_count(&self) -> Result<u64> {
        let n: i64 = self
            .conn()
            .query_row("SELECT count(*) FROM households", [], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}
