//! Visits: record or plan one, list a day's, list a household's.

use chrono::NaiveDate;
use doorstep_core::household::one_line_address;
use doorstep_core::views::VisitWithAddress;
use doorstep_core::visit::VisitDetails;
use doorstep_core::{
    ChangeSource, HouseholdId, Visit, VisitDraft, VisitId, VisitKind, VisitOutcome,
};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::error::{Result, StoreError};
use crate::households;
use crate::store::Store;
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

/// Inserts a visit by the writing officer inside a tracked write.
pub(crate) fn insert(w: &mut Writer<'_>, details: &VisitDetails) -> Result<Visit> {
    let id = VisitId::new();
    let tracked = w.track(
        "visit",
        &id.to_string(),
        None,
        &serde_json::to_value(details)?,
    )?;
    let Some(t) = tracked else {
        return Err(StoreError::NotFound { entity: "visit" });
    };
    w.tx.execute(
        "INSERT INTO visits (id, household_id, kind, visit_date, officer_id, outcome, notes, created_at, updated_at,
             updated_by, device_id, hlc, field_versions)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?5, ?9, ?10, ?11)",
        params![
            id.to_string(),
            details.household_id.to_string(),
            details.kind.as_str(),
            details.visit_date,
            w.actor.officer.to_string(),
            details.outcome.map(VisitOutcome::as_str),
            details.notes,
            t.at,
            w.actor.device.to_string(),
            t.hlc.to_string(),
            t.field_versions,
        ],
    )?;
    get(w.tx, id)
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
