//! Visits: record or plan one, list a day's, list a household's.

use chrono::NaiveDate;
use doorstep_core::household::one_line_address;
use doorstep_core::views::VisitWithAddress;
use doorstep_core::visit::VisitDetails;
use doorstep_core::{
    ChangeSource, HouseholdId, OfficerId, Visit, VisitDraft, VisitId, VisitKind, VisitOutcome,
};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Result, StoreError};
use crate::households;
use crate::store::Store;
use crate::synced::{self, Held, Stamp, Synced};
use crate::tracking::Writer;

const COLUMNS: &str =
    "v.id, v.household_id, v.kind, v.visit_date, v.officer_id, o.name, v.outcome, v.notes,
    v.created_at, v.updated_at";

fn conversion(i: usize, message: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        i,
        rusqlite::types::Type::Text,
        message.to_owned().into(),
    )
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<Visit> {
    let text = |i: usize| row.get::<_, String>(i);
    Ok(Visit {
        id: text(0)?
            .parse()
            .map_err(|_| conversion(0, "bad visit id"))?,
        household_id: text(1)?
            .parse()
            .map_err(|_| conversion(1, "bad household id"))?,
        kind: VisitKind::parse(&text(2)?).ok_or_else(|| conversion(2, "unknown visit kind"))?,
        visit_date: row.get(3)?,
        officer_id: text(4)?
            .parse()
            .map_err(|_| conversion(4, "bad officer id"))?,
        officer_name: row.get(5)?,
        outcome: match row.get::<_, Option<String>>(6)? {
            Some(o) => {
                Some(VisitOutcome::parse(&o).ok_or_else(|| conversion(6, "unknown outcome"))?)
            }
            None => None,
        },
        notes: row.get(7)?,
        created_at: row.get(8)?,
        updated_at: row.get(9)?,
    })
}

fn get(conn: &Connection, id: VisitId) -> Result<Visit> {
    conn.query_row(
        &format!(
            "SELECT {COLUMNS} FROM visits v JOIN officers o ON o.id = v.officer_id WHERE v.id = ?1"
        ),
        [id.to_string()],
        from_row,
    )
    .optional()?
    .ok_or(StoreError::NotFound { entity: "visit" })
}

/// A visit's synced fields: its details and the officer who made it, by id and by name, so
/// every laptop shows the same officer (a laptop may not know them yet).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct VisitFields {
    #[serde(flatten)]
    details: VisitDetails,
    officer_id: OfficerId,
    officer_name: Option<String>,
}

/// Writes a visit row (insert, or update keeping `seq` and `created_at`) with its versions.
fn save_row(conn: &Connection, id: &str, v: &VisitFields, s: &Stamp<'_>) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO visits (id, household_id, kind, visit_date, officer_id, outcome, notes, created_at, updated_at,
             updated_by, device_id, hlc, field_versions)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         ON CONFLICT (id) DO UPDATE SET household_id = excluded.household_id, kind = excluded.kind,
             visit_date = excluded.visit_date, officer_id = excluded.officer_id, outcome = excluded.outcome,
             notes = excluded.notes, updated_at = excluded.updated_at, updated_by = excluded.updated_by,
             device_id = excluded.device_id, hlc = excluded.hlc, field_versions = excluded.field_versions",
    )?
    .execute(params![
        id,
        v.details.household_id.to_string(),
        v.details.kind.as_str(),
        v.details.visit_date,
        v.officer_id.to_string(),
        v.details.outcome.map(VisitOutcome::as_str),
        v.details.notes,
        s.created_at,
        s.updated_at,
        s.updated_by,
        s.device_id,
        s.hlc,
        s.field_versions,
    ])?;
    Ok(())
}

/// Inserts a visit by the writing officer inside a tracked write.
pub(crate) fn insert(w: &mut Writer<'_>, details: &VisitDetails) -> Result<Visit> {
    let id = VisitId::new();
    let officer_name: String =
        w.tx.prepare_cached("SELECT name FROM officers WHERE id = ?1")?
            .query_row([w.actor.officer.to_string()], |r| r.get(0))?;
    let fields = VisitFields {
        details: details.clone(),
        officer_id: w.actor.officer,
        officer_name: Some(officer_name),
    };
    let tracked = w.track(
        "visit",
        &id.to_string(),
        None,
        &serde_json::to_value(&fields)?,
    )?;
    let Some(t) = tracked else {
        return Err(StoreError::NotFound { entity: "visit" });
    };
    save_row(w.tx, &id.to_string(), &fields, &Stamp::local(w, &t))?;
    get(w.tx, id)
}

/// A visit's synced fields from a row of `COLUMNS`.
fn synced_row(r: &Row<'_>) -> rusqlite::Result<VisitFields> {
    let v = from_row(r)?;
    Ok(VisitFields {
        details: VisitDetails {
            household_id: v.household_id,
            kind: v.kind,
            visit_date: v.visit_date,
            outcome: v.outcome,
            notes: v.notes,
        },
        officer_id: v.officer_id,
        officer_name: Some(v.officer_name),
    })
}

/// Every visit's synced fields, in one query.
// Only the test that the report's narrow read gives the same facts reads it all.
#[cfg(test)]
pub(crate) fn all_synced(conn: &Connection) -> Result<Vec<synced::Listed>> {
    synced::read_rows(
        conn,
        &format!("SELECT {COLUMNS}, v.id FROM visits v JOIN officers o ON o.id = v.officer_id"),
        synced_row,
    )
}

impl Synced for VisitFields {
    const ENTITY: &'static str = "visit";
    const TABLE: &'static str = "visits";

    fn read(conn: &Connection, id: &str) -> Result<Option<Held>> {
        synced::read_row(
            conn,
            &format!(
                "SELECT {COLUMNS}, v.field_versions FROM visits v JOIN officers o ON o.id = v.officer_id WHERE v.id = ?1"
            ),
            id,
            synced_row,
        )
    }

    fn from_fields(id: &str, fields: &Map<String, Value>) -> Result<Self> {
        // The id first: a record with a bad id and bad fields is refused for its id.
        synced::parse_id::<VisitId>(Self::ENTITY, id)?;
        synced::decode(id, fields)
    }

    /// An officer this laptop does not know is added to `officers` by name (without a key
    /// slot, so they cannot sign in here).
    fn save(&self, conn: &Connection, id: &str, s: &Stamp<'_>) -> Result<()> {
        let known: bool = conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM officers WHERE id = ?1)")?
            .query_row([self.officer_id.to_string()], |r| r.get(0))?;
        if !known {
            let name = self
                .officer_name
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .ok_or_else(|| StoreError::IncompleteRecord {
                    entity: Self::ENTITY.into(),
                    id: id.into(),
                    field: "officer_name".into(),
                })?;
            conn.prepare_cached("INSERT INTO officers (id, name) VALUES (?1, ?2)")?
                .execute(params![self.officer_id.to_string(), name])?;
        }
        save_row(conn, id, self, s)
    }
}

impl Store {
    /// Records (or plans, when it has no outcome) a visit by this officer.
    pub fn create_visit(
        &mut self,
        draft: &VisitDraft,
        today: NaiveDate,
        source: ChangeSource,
    ) -> Result<Visit> {
        let details = draft.validate(today)?;
        households::get(self.conn(), details.household_id)?;
        self.write(source, |w| insert(w, &details))
    }

    /// Every visit on a day, with its address, in the order they were recorded.
    pub fn visits_for_day(&self, day: NaiveDate) -> Result<Vec<VisitWithAddress>> {
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT {COLUMNS}, h.address_line_1, h.address_line_2, h.address_line_3, h.town, h.postcode
             FROM visits v JOIN officers o ON o.id = v.officer_id JOIN households h ON h.id = v.household_id
             WHERE v.visit_date = ?1 ORDER BY v.seq"
        ))?;
        let rows = stmt.query_map([day], |row| {
            Ok(VisitWithAddress {
                visit: from_row(row)?,
                address: one_line_address(
                    &row.get::<_, String>(10)?,
                    row.get::<_, Option<String>>(11)?.as_deref(),
                    row.get::<_, Option<String>>(12)?.as_deref(),
                    &row.get::<_, String>(13)?,
                ),
                postcode: row.get(14)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// A household's visits, newest first.
    pub fn visits_for_household(&self, household: HouseholdId) -> Result<Vec<Visit>> {
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT {COLUMNS} FROM visits v JOIN officers o ON o.id = v.officer_id
             WHERE v.household_id = ?1 ORDER BY v.visit_date DESC, v.seq DESC"
        ))?;
        let rows = stmt.query_map([household.to_string()], from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
