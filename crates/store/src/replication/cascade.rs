//! Deleting a record with everything that belongs to it, and checking that a written record
//! refers only to records that are here, by the schema's own foreign keys.

use rusqlite::Connection;

use super::registry::before_delete;
use crate::error::Result;

/// One foreign key of the schema: `child.column` refers to `parent.parent_column`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct ForeignKey {
    child: String,
    column: String,
    parent: String,
    parent_column: String,
}

/// Every foreign key, read from the schema itself, so a table added later (work orders)
/// is cascaded and checked without being listed here.
pub(super) fn foreign_keys(conn: &Connection) -> Result<Vec<ForeignKey>> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.name, p.\"from\", p.\"table\", p.\"to\"
         FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) p
         WHERE m.type = 'table' AND p.\"to\" IS NOT NULL
         ORDER BY m.name, p.\"from\"",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(ForeignKey {
            child: r.get(0)?,
            column: r.get(1)?,
            parent: r.get(2)?,
            parent_column: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Deletes a row and, first, every row that refers to it (a record cannot be shown without
/// what it belongs to, and the hub removes a household's records with it). Returns whether
/// the row was there.
/// Deletes a row and every row that refers to it, depth first; each row deleted is added
/// to `deleted` as (table, id). Returns whether the row itself was there.
pub(super) fn delete_cascading(
    conn: &Connection,
    keys: &[ForeignKey],
    table: &str,
    id: &str,
    deleted: &mut Vec<(String, String)>,
) -> Result<bool> {
    for key in keys.iter().filter(|k| k.parent == table) {
        let children: Vec<String> = conn
            .prepare_cached(&format!(
                "SELECT id FROM \"{}\" WHERE \"{}\" = (SELECT \"{}\" FROM \"{table}\" WHERE id = ?1)",
                key.child, key.column, key.parent_column
            ))?
            .query_map([id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for child in children {
            delete_cascading(conn, keys, &key.child, &child, deleted)?;
        }
    }
    before_delete(conn, table, id)?;
    let found = conn
        .prepare_cached(&format!("DELETE FROM \"{table}\" WHERE id = ?1"))?
        .execute([id])?
        > 0;
    if found {
        deleted.push((table.to_owned(), id.to_owned()));
    }
    Ok(found)
}

/// The first reference from a written row to a row that is not there.
pub(super) fn missing_reference(
    conn: &Connection,
    keys: &[ForeignKey],
    table: &str,
    id: &str,
) -> Result<Option<String>> {
    for key in keys.iter().filter(|k| k.child == table) {
        let dangling: bool = conn
            .prepare_cached(&format!(
                "SELECT EXISTS (SELECT 1 FROM \"{table}\" c WHERE c.id = ?1 AND c.\"{col}\" IS NOT NULL
                     AND NOT EXISTS (SELECT 1 FROM \"{parent}\" p WHERE p.\"{to}\" = c.\"{col}\"))",
                col = key.column,
                parent = key.parent,
                to = key.parent_column,
            ))?
            .query_row([id], |r| r.get(0))?;
        if dangling {
            return Ok(Some(key.column.clone()));
        }
    }
    Ok(None)
}
