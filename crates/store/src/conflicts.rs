//! Conflicts: when two laptops set a guarded field (a plan's status, a referral's consent …)
//! at once, the hub keeps its value and raises a `conflict` record, which reaches the team's
//! laptops like any other record. A supervisor decides it here; the decision is an ordinary
//! tracked edit of the conflict (and, when they take the other value, of the record), so it
//! syncs back to the hub and on to everyone.

use chrono::{DateTime, SecondsFormat, Utc};
use doorstep_core::{ChangeSource, Hlc, ValidationErrors};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Result, StoreError};
use crate::store::Store;
use crate::synced::{self, Held, Stamp, Synced};
use crate::tracking::{self, Writer};

/// A conflict still waiting for a supervisor.
const OPEN: &str = "open";
/// A conflict a supervisor has decided.
const DECIDED: &str = "decided";
/// The decision that keeps the hub's value.
const KEPT: &str = "kept";
/// The decision that takes the other laptop's value.
const OTHER: &str = "other";

/// A conflict's synced fields, exactly as the hub writes them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ConflictFields {
    entity: String,
    entity_id: String,
    field: String,
    kept_value: Value,
    kept_hlc: String,
    kept_by: String,
    other_value: Value,
    other_hlc: String,
    other_by: String,
    change_id: String,
    raised_at: String,
    status: String,
    chosen: Option<String>,
    decided_by: Option<String>,
    decided_at: Option<String>,
}

/// A conflict as the supervisors' screen shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredConflict {
    /// The conflict's id (the hub makes it from the change and the field).
    pub id: String,
    /// The kind of record it concerns.
    pub entity: String,
    /// That record's id.
    pub entity_id: String,
    /// The guarded field.
    pub field: String,
    /// The value the hub kept (and holds until someone decides).
    pub kept_value: Value,
    /// Who set the kept value.
    pub kept_by: String,
    /// When the kept value was set (its clock's wall time).
    pub kept_at: DateTime<Utc>,
    /// The value the other laptop sent.
    pub other_value: Value,
    /// Who sent it.
    pub other_by: String,
    /// When it was set (its clock's wall time).
    pub other_at: DateTime<Utc>,
    /// When the hub raised the conflict.
    pub raised_at: DateTime<Utc>,
    /// `open` or `decided`.
    pub status: String,
    /// `kept` or `other`, once decided.
    pub chosen: Option<String>,
    /// Who decided, once decided.
    pub decided_by: Option<String>,
    /// When it was decided.
    pub decided_at: Option<DateTime<Utc>>,
}

fn wall_time(hlc: &str) -> Option<DateTime<Utc>> {
    hlc.parse::<Hlc>().ok().and_then(tracking::wall_time)
}

fn rfc3339(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

impl ConflictFields {
    /// What is wrong with the fields, if anything: every stored conflict must read back.
    fn problem(&self) -> Option<&'static str> {
        if wall_time(&self.kept_hlc).is_none() || wall_time(&self.other_hlc).is_none() {
            return Some("one of its clock readings cannot be read");
        }
        if rfc3339(&self.raised_at).is_none() {
            return Some("the time it was raised cannot be read");
        }
        if self
            .decided_at
            .as_deref()
            .is_some_and(|t| rfc3339(t).is_none())
        {
            return Some("the time it was decided cannot be read");
        }
        if self.status != OPEN && self.status != DECIDED {
            return Some("its status is neither open nor decided");
        }
        if self
            .chosen
            .as_deref()
            .is_some_and(|c| c != KEPT && c != OTHER)
        {
            return Some("its decision is neither kept nor other");
        }
        None
    }

    fn stored(&self, id: &str) -> Result<StoredConflict> {
        let damaged = || StoreError::UnusableRecord {
            entity: "conflict".into(),
            id: id.into(),
            reason: self.problem().unwrap_or("it is damaged").into(),
        };
        Ok(StoredConflict {
            id: id.to_owned(),
            entity: self.entity.clone(),
            entity_id: self.entity_id.clone(),
            field: self.field.clone(),
            kept_value: self.kept_value.clone(),
            kept_by: self.kept_by.clone(),
            kept_at: wall_time(&self.kept_hlc).ok_or_else(damaged)?,
            other_value: self.other_value.clone(),
            other_by: self.other_by.clone(),
            other_at: wall_time(&self.other_hlc).ok_or_else(damaged)?,
            raised_at: rfc3339(&self.raised_at).ok_or_else(damaged)?,
            status: self.status.clone(),
            chosen: self.chosen.clone(),
            decided_by: self.decided_by.clone(),
            decided_at: match &self.decided_at {
                Some(t) => Some(rfc3339(t).ok_or_else(damaged)?),
                None => None,
            },
        })
    }
}

const COLUMNS: &str =
    "entity, entity_id, field, kept_value, kept_hlc, kept_by, other_value, other_hlc,
    other_by, change_id, raised_at, status, chosen, decided_by, decided_at";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ConflictFields> {
    Ok(ConflictFields {
        entity: r.get(0)?,
        entity_id: r.get(1)?,
        field: r.get(2)?,
        kept_value: crate::rows::json(r, 3, "damaged conflict value")?,
        kept_hlc: r.get(4)?,
        kept_by: r.get(5)?,
        other_value: crate::rows::json(r, 6, "damaged conflict value")?,
        other_hlc: r.get(7)?,
        other_by: r.get(8)?,
        change_id: r.get(9)?,
        raised_at: r.get(10)?,
        status: r.get(11)?,
        chosen: r.get(12)?,
        decided_by: r.get(13)?,
        decided_at: r.get(14)?,
    })
}

/// Writes a conflict row (insert, or update keeping `seq` and `created_at`) with its versions.
fn save_row(conn: &Connection, id: &str, c: &ConflictFields, s: &Stamp<'_>) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO conflicts (id, entity, entity_id, field, kept_value, kept_hlc, kept_by, other_value,
             other_hlc, other_by, change_id, raised_at, status, chosen, decided_by, decided_at,
             created_at, updated_at, updated_by, device_id, hlc, field_versions)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
             ?17, ?18, ?19, ?20, ?21, ?22)
         ON CONFLICT (id) DO UPDATE SET entity = excluded.entity, entity_id = excluded.entity_id,
             field = excluded.field, kept_value = excluded.kept_value, kept_hlc = excluded.kept_hlc,
             kept_by = excluded.kept_by, other_value = excluded.other_value,
             other_hlc = excluded.other_hlc, other_by = excluded.other_by,
             change_id = excluded.change_id, raised_at = excluded.raised_at,
             status = excluded.status, chosen = excluded.chosen, decided_by = excluded.decided_by,
             decided_at = excluded.decided_at, updated_at = excluded.updated_at,
             updated_by = excluded.updated_by, device_id = excluded.device_id, hlc = excluded.hlc,
             field_versions = excluded.field_versions",
    )?
    .execute(params![
        id,
        c.entity,
        c.entity_id,
        c.field,
        serde_json::to_string(&c.kept_value)?,
        c.kept_hlc,
        c.kept_by,
        serde_json::to_string(&c.other_value)?,
        c.other_hlc,
        c.other_by,
        c.change_id,
        c.raised_at,
        c.status,
        c.chosen,
        c.decided_by,
        c.decided_at,
        s.created_at,
        s.updated_at,
        s.updated_by,
        s.device_id,
        s.hlc,
        s.field_versions,
    ])?;
    Ok(())
}

fn read(conn: &Connection, id: &str) -> Result<Option<(ConflictFields, String)>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS}, field_versions FROM conflicts WHERE id = ?1"
        ))?
        .query_row([id], |r| Ok((from_row(r)?, r.get::<_, String>(15)?)))
        .optional()?)
}

impl Synced for ConflictFields {
    const ENTITY: &'static str = "conflict";
    const TABLE: &'static str = "conflicts";

    fn read(conn: &Connection, id: &str) -> Result<Option<Held>> {
        synced::synced_map(read(conn, id)?)
    }

    fn from_fields(id: &str, fields: &Map<String, Value>) -> Result<Self> {
        let conflict: Self = synced::decode(id, fields)?;
        if let Some(problem) = conflict.problem() {
            return Err(synced::unusable(Self::ENTITY, id, problem));
        }
        Ok(conflict)
    }

    fn save(&self, conn: &Connection, id: &str, s: &Stamp<'_>) -> Result<()> {
        save_row(conn, id, self, s)
    }
}

/// Sets one field of any kind of record in a tracked write: how a decision gives the record
/// a conflict is about the other laptop's value. Only the sync registry, above every
/// repository, reaches every kind, so it hands this in rather than this module reaching up.
pub(crate) type SetField = fn(&mut Writer<'_>, &str, &str, &str, Value) -> Result<()>;

impl Store {
    /// The conflicts held, open ones first, newest first within each; decided ones only when
    /// `include_decided`.
    pub fn conflicts(&self, include_decided: bool) -> Result<Vec<StoredConflict>> {
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT {COLUMNS}, id FROM conflicts WHERE ?1 OR status = 'open'"
        ))?;
        let rows = stmt
            .query_map([include_decided], |r| {
                Ok((from_row(r)?, r.get::<_, String>(15)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut list = rows
            .iter()
            .map(|(c, id)| c.stored(id))
            .collect::<Result<Vec<_>>>()?;
        list.sort_by(|a, b| {
            (a.status != OPEN, std::cmp::Reverse(a.raised_at), &a.id).cmp(&(
                b.status != OPEN,
                std::cmp::Reverse(b.raised_at),
                &b.id,
            ))
        });
        Ok(list)
    }

    /// How many conflicts wait for a supervisor.
    pub fn open_conflict_count(&self) -> Result<u32> {
        Ok(self
            .conn()
            .prepare_cached("SELECT count(*) FROM conflicts WHERE status = 'open'")?
            .query_row([], |r| r.get(0))?)
    }

    /// `Store::decide_conflict`, with the setter that reaches the conflict's record.
    pub(crate) fn decide_conflict_with(
        &mut self,
        id: &str,
        take_other: bool,
        decided_by: &str,
        source: ChangeSource,
        set_field: SetField,
    ) -> Result<StoredConflict> {
        let (before, versions) =
            read(self.conn(), id)?.ok_or(StoreError::NotFound { entity: "conflict" })?;
        if before.status != OPEN {
            return Err(StoreError::ConflictAlreadyDecided {
                decided_by: before
                    .decided_by
                    .clone()
                    .unwrap_or_else(|| "Someone".to_owned()),
            });
        }
        let decided_by = decided_by.trim();
        if decided_by.is_empty() {
            let mut errors = ValidationErrors::default();
            errors.add("decided_by", "Say who decided");
            return Err(errors.into());
        }
        let mut after = before.clone();
        after.status = DECIDED.to_owned();
        after.chosen = Some(if take_other { OTHER } else { KEPT }.to_owned());
        after.decided_by = Some(decided_by.to_owned());
        after.decided_at =
            Some(doorstep_core::clock::now().to_rfc3339_opts(SecondsFormat::Millis, true));
        self.write(source, |w| {
            let previous = serde_json::to_value(&before)?;
            let t = w
                .track(
                    "conflict",
                    id,
                    Some((&previous, &versions)),
                    &serde_json::to_value(&after)?,
                )?
                .ok_or(StoreError::NotFound { entity: "conflict" })?;
            save_row(w.tx, id, &after, &Stamp::local(w, &t))?;
            if take_other {
                set_field(
                    w,
                    &after.entity,
                    &after.entity_id,
                    &after.field,
                    after.other_value.clone(),
                )?;
            }
            Ok(())
        })?;
        after.stored(id)
    }
}
