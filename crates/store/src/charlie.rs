//! CHARLIE checks: saved whole once core has validated and scored them.

use doorstep_core::fire::RiskLevel;
use doorstep_core::fire::{
    CharlieAssessment, CharlieCheck, CharlieCheckId, CharlieTemplate, assess,
};
use doorstep_core::{ChangeSource, HouseholdId};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::{Result, StoreError};
use crate::rows::json;
use crate::store::Store;
use crate::synced::{self, Held, Stamp, Synced};
use crate::{households, persons};

/// Writes a check row (insert, or update keeping `seq` and `created_at`) with its versions.
fn save_row(
    conn: &Connection,
    check: &CharlieCheck,
    level: RiskLevel,
    s: &Stamp<'_>,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO charlie_checks (id, household_id, person_id, level, body, created_at, updated_at,
             updated_by, device_id, hlc, field_versions)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (id) DO UPDATE SET household_id = excluded.household_id,
             person_id = excluded.person_id, level = excluded.level, body = excluded.body,
             updated_at = excluded.updated_at, updated_by = excluded.updated_by,
             device_id = excluded.device_id, hlc = excluded.hlc,
             field_versions = excluded.field_versions",
    )?
    .execute(params![
        check.id.to_string(),
        check.household_id.map(|h| h.to_string()),
        check.person_id.map(|p| p.to_string()),
        level.as_str(),
        serde_json::to_string(check)?,
        s.created_at,
        s.updated_at,
        s.updated_by,
        s.device_id,
        s.hlc,
        s.field_versions,
    ])?;
    Ok(())
}

/// A check's synced fields: the check as recorded, and the level it was scored at (so every
/// laptop shows the level the crew saw, whatever template version it holds).
fn fields_of(check: &CharlieCheck, level: RiskLevel) -> Result<Value> {
    let mut fields = synced::object(serde_json::to_value(check)?);
    fields.insert("level".into(), Value::String(level.as_str().into()));
    Ok(Value::Object(fields))
}

/// A check as it syncs: the check as recorded, and the level it was scored at. Read from a
/// field map by [`TryFrom`], so a missing or unknown level is refused like any other field.
#[derive(Debug, Deserialize)]
#[serde(try_from = "Map<String, Value>")]
pub(crate) struct ScoredCheck {
    check: CharlieCheck,
    level: RiskLevel,
}

impl TryFrom<Map<String, Value>> for ScoredCheck {
    type Error = serde_json::Error;

    fn try_from(fields: Map<String, Value>) -> std::result::Result<Self, Self::Error> {
        let level = fields.get("level").cloned();
        let check = CharlieCheck::deserialize(Value::Object(fields))?;
        let level = match level {
            None | Some(Value::Null) => return Err(serde::de::Error::missing_field("level")),
            Some(level) => level.as_str().and_then(RiskLevel::parse).ok_or_else(|| {
                serde::de::Error::custom("its level is not one this version knows")
            })?,
        };
        Ok(Self { check, level })
    }
}

/// Every check's synced fields (its body and level, as `read` gives them), in one query.
pub(crate) fn all_synced(conn: &Connection) -> Result<Vec<synced::Listed>> {
    let mut statement = conn.prepare("SELECT id, body, level FROM charlie_checks")?;
    let rows = statement.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, body, level) = row?;
        let mut fields: Map<String, Value> = serde_json::from_str(&body)?;
        fields.insert("level".into(), Value::String(level));
        out.push((id, fields));
    }
    Ok(out)
}

impl Synced for ScoredCheck {
    const ENTITY: &'static str = "charlie_check";
    const TABLE: &'static str = "charlie_checks";
    const NAMES_ITS_ID: bool = true;

    fn read(conn: &Connection, id: &str) -> Result<Option<Held>> {
        let row = conn
            .prepare_cached("SELECT body, level, field_versions FROM charlie_checks WHERE id = ?1")?
            .query_row([id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .optional()?;
        row.map(|(body, level, versions)| {
            let mut fields: Map<String, Value> = serde_json::from_str(&body)?;
            fields.insert("level".into(), Value::String(level));
            Ok((fields, versions))
        })
        .transpose()
    }

    fn save(&self, conn: &Connection, _id: &str, s: &Stamp<'_>) -> Result<()> {
        save_row(conn, &self.check, self.level, s)
    }
}

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
        let before = ScoredCheck::read(self.conn(), &id)?;
        self.write(source, |w| {
            let previous = before.as_ref().map(|(f, v)| (Value::Object(f.clone()), v));
            let base = previous.as_ref().map(|(f, v)| (f, v.as_str()));
            let current = fields_of(check, assessment.level)?;
            let Some(t) = w.track("charlie_check", &id, base, &current)? else {
                return Ok(());
            };
            save_row(w.tx, check, assessment.level, &Stamp::local(w, &t))
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
