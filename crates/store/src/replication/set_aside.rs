//! Local changes the hub can no longer take (their record moved to another team), kept
//! apart from the outbox with the address they were about.

use chrono::{DateTime, Utc};
use doorstep_core::OfficerId;
use rusqlite::{Connection, params};
use serde_json::{Map, Value};

use super::outgoing::Payload;
use super::registry::{kind, read_record};
use crate::error::Result;
use crate::store::Store;

/// A local change the hub could no longer take, kept apart from the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct SetAsideChange {
    /// The change's own id.
    pub change_id: uuid::Uuid,
    /// The kind of record.
    pub entity: String,
    /// The record's id.
    pub entity_id: String,
    /// `create`, `update` or `delete`.
    pub operation: String,
    /// The fields it set, with their values.
    pub fields: Map<String, Value>,
    /// Who made it.
    pub officer_id: OfficerId,
    /// When it was made, by this laptop's clock.
    pub made_at: DateTime<Utc>,
    /// When the hub's word that the record had moved arrived.
    pub set_aside_at: DateTime<Utc>,
    /// The address of the household it belonged to, when this laptop held it.
    pub place: Option<String>,
}

/// Moves the unsent changes of the record `id` in `table` from the outbox to
/// `set_aside_changes`. Returns how many moved.
pub(super) fn set_aside_unsent(
    conn: &Connection,
    table: &str,
    id: &str,
    at: DateTime<Utc>,
    place: Option<&str>,
) -> Result<usize> {
    let rows: Vec<(i64, String)> = conn
        .prepare_cached(
            "SELECT seq, entity FROM outbox INDEXED BY outbox_unpushed_by_id
             WHERE entity_id = ?1 AND pushed_at IS NULL",
        )?
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut moved = 0;
    for (seq, entity) in rows {
        // Ids are unique per table, not across tables: match the row's kind too.
        if kind(&entity).is_ok_and(|k| k.table == table) {
            conn.prepare_cached(
                "INSERT INTO set_aside_changes (seq, change_id, entity, entity_id, operation,
                     payload, source, hlc, officer_id, device_id, created_at, set_aside_at, place)
                 SELECT seq, change_id, entity, entity_id, operation, payload, source, hlc,
                        officer_id, device_id, created_at, ?2, ?3
                 FROM outbox WHERE seq = ?1",
            )?
            .execute(params![seq, at, place])?;
            conn.prepare_cached("DELETE FROM outbox WHERE seq = ?1")?
                .execute([seq])?;
            moved += 1;
        }
    }
    Ok(moved)
}

/// "4 Example Row, TE1 1ST": the address of the household a record is or belongs to, when
/// this laptop holds it.
pub(super) fn place_of(conn: &Connection, entity: &str, id: &str) -> Result<Option<String>> {
    let household_id = if entity == "household" {
        Some(id.to_owned())
    } else {
        read_record(conn, kind(entity)?, id)?.and_then(|r| {
            r.fields
                .get("household_id")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
    };
    let Some(household_id) = household_id else {
        return Ok(None);
    };
    Ok(
        read_record(conn, kind("household")?, &household_id)?.and_then(|h| {
            let parts: Vec<&str> = ["address_line_1", "postcode"]
                .iter()
                .filter_map(|k| h.fields.get(*k).and_then(Value::as_str))
                .filter(|s| !s.is_empty())
                .collect();
            (!parts.is_empty()).then(|| parts.join(", "))
        }),
    )
}

impl Store {
    /// How many local changes were set aside because their record moved to another team.
    pub fn set_aside_count(&self) -> Result<u64> {
        let n: i64 = self
            .conn()
            .query_row("SELECT count(*) FROM set_aside_changes", [], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// How many of them `officer` made.
    pub fn set_aside_count_by(&self, officer: OfficerId) -> Result<u64> {
        let n: i64 = self.conn().query_row(
            "SELECT count(*) FROM set_aside_changes WHERE officer_id = ?1",
            [officer.to_string()],
            |r| r.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Removes one set-aside change for good (its maker passed it on); false if there is
    /// no such change.
    pub fn discard_set_aside(&mut self, change_id: uuid::Uuid) -> Result<bool> {
        Ok(self.conn().execute(
            "DELETE FROM set_aside_changes WHERE change_id = ?1",
            [change_id.to_string()],
        )? > 0)
    }

    /// The changes set aside, in the order they were made.
    pub fn set_aside_changes(&self) -> Result<Vec<SetAsideChange>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT change_id, entity, entity_id, operation, payload, officer_id, created_at,
                    set_aside_at, place
             FROM set_aside_changes ORDER BY seq",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                (
                    crate::rows::parsed::<uuid::Uuid>(r, 0, "bad change id")?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ),
                (
                    crate::rows::parsed::<OfficerId>(r, 5, "bad officer id")?,
                    r.get::<_, DateTime<Utc>>(6)?,
                    r.get::<_, DateTime<Utc>>(7)?,
                    r.get::<_, Option<String>>(8)?,
                ),
            ))
        })?;
        let mut changes = Vec::new();
        for row in rows {
            let (
                (change_id, entity, entity_id, operation, payload),
                (officer_id, made_at, set_aside_at, place),
            ) = row?;
            let payload: Payload = serde_json::from_str(&payload)?;
            changes.push(SetAsideChange {
                change_id,
                entity,
                entity_id,
                operation,
                fields: payload.fields,
                officer_id,
                made_at,
                set_aside_at,
                place,
            });
        }
        Ok(changes)
    }

    /// "4 Example Row, TE1 1ST": the address of the household a record is or belongs to,
    /// when this laptop holds it.
    pub fn household_place(&self, entity: &str, id: &str) -> Result<Option<String>> {
        place_of(self.conn(), entity, id)
    }
}
