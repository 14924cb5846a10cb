//! Per-field versions and the outbox: every change to a record gets an HLC per field
//! it touched, and one outbox row in the same transaction.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use doorstep_core::ids::ChangeId;
use doorstep_core::privacy::restriction;
use doorstep_core::{Actor, ChangeSource, Hlc, HlcClock};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::Result;

/// The per-field versions of one record, as stored in `field_versions`.
pub(crate) type FieldVersions = BTreeMap<String, Hlc>;

/// What a tracked write hands back to the repository, to store with the row.
#[derive(Debug)]
pub(crate) struct Tracked {
    /// The record's new version.
    pub hlc: Hlc,
    /// The field versions, as JSON text for the row.
    pub field_versions: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// The wall time an HLC reading carries (None when it is out of range).
pub(crate) fn wall_time(hlc: Hlc) -> Option<DateTime<Utc>> {
    i64::try_from(hlc.wall_ms)
        .ok()
        .and_then(DateTime::<Utc>::from_timestamp_millis)
}

#[derive(Serialize)]
struct OutboxPayload<'a> {
    /// The fields that changed, with their new values.
    fields: Map<String, Value>,
    /// The version each changed field had before, so the hub can tell a clean
    /// update from a concurrent one.
    base_versions: BTreeMap<&'a str, Option<Hlc>>,
}

/// The stored per-field versions of a record, which an update is based on.
pub(crate) fn stored_versions(
    conn: &rusqlite::Connection,
    table: &'static str,
    id: &str,
) -> Result<String> {
    Ok(conn
        .prepare_cached(&format!("SELECT field_versions FROM {table} WHERE id = ?1"))?
        .query_row([id], |r| r.get(0))?)
}

/// The records that name their household only through the record they belong to: the
/// field that names it and that record's table.
const PARENTS: [(&str, &str); 5] = [
    ("survey_id", "surveys"),
    ("cocoon_id", "cocoons"),
    ("plan_id", "plans"),
    ("visit_id", "visits"),
    ("person_id", "persons"),
];

/// The household a record of `entity` with `fields` belongs to, if any: itself, the one
/// its `household_id` names, or its parent's (a survey's photo, a cocoon's door). A day of
/// action's doors and knocks belong to no household.
fn household_of(
    conn: &Connection,
    entity: &str,
    id: &str,
    fields: &Value,
) -> Result<Option<String>> {
    if entity == "household" {
        return Ok(Some(id.to_owned()));
    }
    let named = |field: &str| fields.get(field).and_then(Value::as_str);
    if let Some(household) = named("household_id") {
        return Ok(Some(household.to_owned()));
    }
    for (field, table) in PARENTS {
        if let Some(parent) = named(field) {
            let household: Option<String> = conn
                .prepare_cached(&format!("SELECT household_id FROM {table} WHERE id = ?1"))?
                .query_row([parent], |r| r.get(0))
                .optional()?
                .flatten();
            if household.is_some() {
                return Ok(household);
            }
        }
    }
    Ok(None)
}

/// A write in progress: one transaction, one actor, one source.
pub(crate) struct Writer<'a> {
    pub tx: &'a Transaction<'a>,
    pub clock: &'a mut HlcClock,
    pub actor: Actor,
    pub source: ChangeSource,
}

impl Writer<'_> {
    /// Records a create (`previous` = None) or update of `entity` `id`, whose fields are
    /// now `current`: bumps the versions of the fields that changed and appends the outbox row.
    /// Returns None when nothing changed (no outbox row is written).
    pub fn track(
        &mut self,
        entity: &str,
        id: &str,
        previous: Option<(&Value, &str)>,
        current: &Value,
    ) -> Result<Option<Tracked>> {
        let empty = Map::new();
        // Every local write of a record passes here, so this is where a restricted
        // household's records are refused: the caller's transaction is dropped unwritten.
        for fields in [Some(current), previous.map(|(value, _)| value)]
            .into_iter()
            .flatten()
        {
            if let Some(household) = household_of(self.tx, entity, id, fields)? {
                restriction::check_writable(
                    &household,
                    crate::households::is_restricted(self.tx, &household)?,
                )?;
            }
        }
        let at = doorstep_core::clock::now();
        let current_fields = current.as_object().unwrap_or(&empty);
        let (previous_fields, mut versions): (&Map<String, Value>, FieldVersions) = match previous {
            Some((value, versions)) => (
                value.as_object().unwrap_or(&empty),
                serde_json::from_str(versions)?,
            ),
            None => (&empty, FieldVersions::new()),
        };
        let changed: Vec<&String> = current_fields
            .iter()
            .filter(|(k, v)| previous.is_none() || previous_fields.get(*k) != Some(*v))
            .map(|(k, _)| k)
            .collect();
        if changed.is_empty() {
            return Ok(None);
        }
        // An edit must sort after the versions it is based on, or the hub refuses it as
        // older than its base; those versions may come from a laptop whose clock runs ahead.
        if let Some(newest_base) = changed
            .iter()
            .filter_map(|f| versions.get(f.as_str()))
            .max()
            && *newest_base >= self.clock.last()
        {
            let _ = self.clock.observe(
                *newest_base,
                at.max(wall_time(*newest_base).unwrap_or_default()),
            );
        }
        let hlc = self.clock.tick(at);
        let mut payload = OutboxPayload {
            fields: Map::new(),
            base_versions: BTreeMap::new(),
        };
        for field in &changed {
            payload
                .base_versions
                .insert(field.as_str(), versions.get(field.as_str()).copied());
            payload
                .fields
                .insert((*field).clone(), current_fields[field.as_str()].clone());
            versions.insert((*field).clone(), hlc);
        }
        self.tx.prepare_cached(
            "INSERT INTO outbox (change_id, entity, entity_id, operation, payload, source, hlc, officer_id, device_id, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?
        .execute(params![
                ChangeId::new().to_string(),
                entity,
                id,
                if previous.is_none() { "create" } else { "update" },
                serde_json::to_string(&payload)?,
                self.source.as_str(),
                hlc.to_string(),
                self.actor.officer.to_string(),
                self.actor.device.to_string(),
                at,
        ])?;
        Ok(Some(Tracked {
            hlc,
            field_versions: serde_json::to_string(&versions)?,
            at,
        }))
    }
}
