//! Writing and reading synced rows, below the repositories: the bookkeeping columns every
//! synced row carries ([`Stamp`]), and the field maps sync speaks in, turned into typed
//! records with a missing or damaged field named.
//!
//! The repositories use this for their own writes; replication, above the repositories,
//! uses the same helpers for records from the hub, so both paths write rows one way.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use doorstep_core::{Hlc, OfficerId};
use rusqlite::{Connection, OptionalExtension, Row};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::{Result, StoreError};
use crate::tracking::{Tracked, Writer, wall_time};

/// Who `updated_by` names on a row written from the hub when its fields do not say (only a
/// visit names its officer): the nil id, "someone on another laptop". Nothing reads
/// `updated_by` to show a person; it is kept for the record.
pub const SOMEONE_ELSE: OfficerId = OfficerId(uuid::Uuid::nil());

/// The bookkeeping columns of a synced row: from a local tracked write, or from the hub's
/// versions.
#[derive(Debug)]
pub(crate) struct Stamp<'a> {
    /// Written only when the row is new; an update keeps the stored one.
    pub created_at: DateTime<Utc>,
    /// When the newest field version was made.
    pub updated_at: DateTime<Utc>,
    /// Who made it (see [`SOMEONE_ELSE`]).
    pub updated_by: String,
    /// On which device: the newest version's.
    pub device_id: String,
    /// The newest version.
    pub hlc: String,
    /// Every field's version, as JSON text.
    pub field_versions: &'a str,
    /// The hub's per-field versions; None for a local write, whose changed fields all
    /// changed now.
    versions: Option<&'a BTreeMap<String, Hlc>>,
}

impl<'a> Stamp<'a> {
    /// The stamp of a local tracked write.
    pub fn local(w: &Writer<'_>, t: &'a Tracked) -> Self {
        Self {
            created_at: t.at,
            updated_at: t.at,
            updated_by: w.actor.officer.to_string(),
            device_id: w.actor.device.to_string(),
            hlc: t.hlc.to_string(),
            field_versions: &t.field_versions,
            versions: None,
        }
    }

    /// The stamp of a record from the hub: its oldest version dates the row's creation, its
    /// newest the last change.
    pub fn synced(
        entity: &str,
        id: &str,
        fields: &BTreeMap<String, Value>,
        versions: &'a BTreeMap<String, Hlc>,
        field_versions: &'a str,
    ) -> Result<Self> {
        let newest = versions.values().max().copied();
        let oldest = versions.values().min().copied();
        let (Some(newest), Some(oldest)) = (newest, oldest) else {
            return Err(unusable(entity, id, "it carries no field versions"));
        };
        let time = |h: Hlc| {
            wall_time(h)
                .ok_or_else(|| unusable(entity, id, "a field version's time is out of range"))
        };
        let officer = fields
            .get("officer_id")
            .and_then(Value::as_str)
            .and_then(|o| o.parse::<OfficerId>().ok())
            .unwrap_or(SOMEONE_ELSE);
        Ok(Self {
            created_at: time(oldest)?,
            updated_at: time(newest)?,
            updated_by: officer.to_string(),
            device_id: newest.device.to_string(),
            hlc: newest.to_string(),
            field_versions,
            versions: Some(versions),
        })
    }

    /// When `field` took its current value.
    pub fn set_at(&self, field: &str) -> DateTime<Utc> {
        self.versions
            .and_then(|v| v.get(field))
            .and_then(|h| wall_time(*h))
            .unwrap_or(self.updated_at)
    }
}

/// A held record's synced fields (exactly the map `track` is given for it) and its stored
/// versions, as JSON text.
pub(crate) type Held = (Map<String, Value>, String);

/// One kind of record that syncs, implemented by its repository for the record's synced
/// shape. Replication reaches every kind through it, and [`write()`] is the one way a full
/// field map (the hub's, or a local edit's) becomes a row.
pub(crate) trait Synced: DeserializeOwned {
    /// The kind's wire name: the outbox's `entity` and the hub's record kind.
    const ENTITY: &'static str;
    /// The table its rows are kept in.
    const TABLE: &'static str;
    /// Whether the record names its own id among its fields: a field map without one gains
    /// it, and one naming another record is refused.
    const NAMES_ITS_ID: bool = false;

    /// The record's synced fields and stored versions, if it is held.
    fn read(conn: &Connection, id: &str) -> Result<Option<Held>>;

    /// The record from a full field map, refused unless it would read back as stored. By
    /// default its serde form (see [`decode`]).
    fn from_fields(id: &str, fields: &Map<String, Value>) -> Result<Self> {
        decode(id, fields)
    }

    /// Writes its row (insert, or update keeping `seq` and `created_at`) and whatever must
    /// change with it.
    fn save(&self, conn: &Connection, id: &str, s: &Stamp<'_>) -> Result<()>;

    /// What else must change before its row is deleted.
    fn before_delete(_conn: &Connection, _id: &str) -> Result<()> {
        Ok(())
    }
}

/// Writes a record of kind `T` from its full field map.
pub(crate) fn write<T: Synced>(
    conn: &Connection,
    id: &str,
    fields: &Map<String, Value>,
    s: &Stamp<'_>,
) -> Result<()> {
    T::from_fields(id, fields)?.save(conn, id, s)
}

/// A record of kind `T` in its serde form from its field map, its id added or checked when
/// the kind names its own id.
pub(crate) fn decode<T: Synced>(id: &str, fields: &Map<String, Value>) -> Result<T> {
    if T::NAMES_ITS_ID {
        from_fields_with_id(T::ENTITY, id, fields)
    } else {
        from_fields(T::ENTITY, id, fields)
    }
}

/// The object inside a JSON value (an empty one for anything else).
pub(crate) fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// A row read for sync, as its field map and stored field versions (None when absent).
pub(crate) fn synced_map<T: serde::Serialize>(row: Option<(T, String)>) -> Result<Option<Held>> {
    row.map(|(fields, versions)| Ok((object(serde_json::to_value(&fields)?), versions)))
        .transpose()
}

/// The synced fields of the row `sql` selects by its id (`?1`), as `fields` reads them from
/// the row, and its stored versions: the row's last column.
pub(crate) fn read_row<T: serde::Serialize>(
    conn: &Connection,
    sql: &str,
    id: &str,
    fields: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Option<Held>> {
    let row = conn
        .prepare_cached(sql)?
        .query_row([id], |r| {
            let versions = r.as_ref().column_count().saturating_sub(1);
            Ok((fields(r)?, r.get::<_, String>(versions)?))
        })
        .optional()?;
    synced_map(row)
}

/// A record's id and synced fields, as [`Synced::read`] gives them, without its versions.
pub(crate) type Listed = (String, Map<String, Value>);

/// Every row's synced fields in one query, for reading a whole table at once (the "My team"
/// report): `sql` selects the columns `fields` reads, exactly as the kind's `read` does, then
/// the row's id as the last column (where `read` has the versions).
pub(crate) fn read_rows<T: serde::Serialize>(
    conn: &Connection,
    sql: &str,
    fields: impl Fn(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<Listed>> {
    let mut statement = conn.prepare(sql)?;
    let rows = statement.query_map([], |r| {
        let last = r.as_ref().column_count().saturating_sub(1);
        Ok((r.get::<_, String>(last)?, fields(r)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, fields) = row?;
        out.push((id, object(serde_json::to_value(&fields)?)));
    }
    Ok(out)
}

/// Every record of a table that keeps its record whole in `body`, in one query.
pub(crate) fn body_rows(conn: &Connection, table: &str) -> Result<Vec<Listed>> {
    let mut statement = conn.prepare(&format!("SELECT id, body FROM \"{table}\""))?;
    let rows = statement.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (id, body) = row?;
        out.push((id, serde_json::from_str(&body)?));
    }
    Ok(out)
}

/// A record from the hub that cannot be stored, and why.
pub(crate) fn unusable(entity: &str, id: &str, reason: &str) -> StoreError {
    StoreError::UnusableRecord {
        entity: entity.to_owned(),
        id: id.to_owned(),
        reason: reason.to_owned(),
    }
}

/// A record's id parsed as its typed id.
pub(crate) fn parse_id<T: FromStr>(entity: &str, id: &str) -> Result<T> {
    id.parse()
        .map_err(|_| unusable(entity, id, "its id is not a valid id"))
}

/// A record whose body names its own id, from its field map: the id is added when a partial
/// field map lacks it, and must agree with the record's id when present.
fn from_fields_with_id<T: DeserializeOwned>(
    entity: &str,
    id: &str,
    fields: &Map<String, Value>,
) -> Result<T> {
    let mut fields = fields.clone();
    match fields.get("id") {
        None => {
            fields.insert("id".into(), Value::String(id.to_owned()));
        }
        Some(Value::String(own)) if own == id => {}
        Some(_) => return Err(unusable(entity, id, "its id field names another record")),
    }
    typed(entity, id, Value::Object(fields))
}

/// A record's typed content from its field map. A missing field that must have a value is
/// reported by name ([`StoreError::IncompleteRecord`]); nothing is made up for it.
fn from_fields<T: DeserializeOwned>(
    entity: &str,
    id: &str,
    fields: &Map<String, Value>,
) -> Result<T> {
    typed(entity, id, Value::Object(fields.clone()))
}

fn typed<T: DeserializeOwned>(entity: &str, id: &str, record: Value) -> Result<T> {
    T::deserialize(&record).map_err(|e| {
        let message = e.to_string();
        match missing_field(&message) {
            Some(field) => StoreError::IncompleteRecord {
                entity: entity.to_owned(),
                id: id.to_owned(),
                field: field.to_owned(),
            },
            None => unusable(entity, id, &message),
        }
    })
}

/// The synced fields (the JSON `body`) and stored versions of a record of `table`, a table
/// that keeps its record whole in `body`, if it is held.
pub(crate) fn body_fields(conn: &Connection, table: &str, id: &str) -> Result<Option<Held>> {
    let row = conn
        .prepare_cached(&format!(
            "SELECT body, field_versions FROM \"{table}\" WHERE id = ?1"
        ))?
        .query_row([id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })
        .optional()?;
    row.map(|(body, versions)| Ok((serde_json::from_str(&body)?, versions)))
        .transpose()
}

/// The field named by serde's "missing field `name`" error.
fn missing_field(message: &str) -> Option<&str> {
    message
        .strip_prefix("missing field `")?
        .split('`')
        .next()
        .filter(|f| !f.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serdes_missing_field_message_names_the_field() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)] // read only by serde
        struct Needs {
            town: String,
            note: Option<String>,
        }
        let mut fields = Map::new();
        fields.insert("note".into(), Value::Null);
        match from_fields::<Needs>("household", "h1", &fields) {
            Err(StoreError::IncompleteRecord { entity, id, field }) => {
                assert_eq!(
                    (entity.as_str(), id.as_str(), field.as_str()),
                    ("household", "h1", "town")
                );
            }
            other => panic!("a missing required field must be named: {other:?}"),
        }
        fields.insert("town".into(), Value::from(3));
        assert!(
            matches!(
                from_fields::<Needs>("household", "h1", &fields),
                Err(StoreError::UnusableRecord { .. })
            ),
            "a field of the wrong type is unusable, not missing"
        );
        assert_eq!(missing_field("missing field `a.b`"), Some("a.b"));
        assert_eq!(missing_field("invalid type"), None);
    }
}
