//! Deleting a record with everything that belongs to it, and checking that a written record
//! refers only to records that are here, by the schema's own foreign keys.

use std::collections::BTreeSet;

use rusqlite::Connection;
use rusqlite::types::ValueRef;

use super::registry::{KINDS, before_delete};
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

/// Every row that refers to a row, directly or through another, depth first, as
/// [`delete_cascading`] would find them, added to `below` as (table, id); the row itself is
/// not added.
pub(super) fn rows_below(
    conn: &Connection,
    keys: &[ForeignKey],
    table: &str,
    id: &str,
    below: &mut Vec<(String, String)>,
) -> Result<()> {
    for key in keys.iter().filter(|k| k.parent == table) {
        let children: Vec<String> = conn
            .prepare_cached(&format!(
                "SELECT id FROM \"{}\" WHERE \"{}\" = (SELECT \"{}\" FROM \"{table}\" WHERE id = ?1)",
                key.child, key.column, key.parent_column
            ))?
            .query_map([id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for child in children {
            rows_below(conn, keys, &key.child, &child, below)?;
            below.push((key.child.clone(), child));
        }
    }
    Ok(())
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

/// The SHA-256 names (64 lowercase hex digits) in the text of a row and of every row that
/// refers to it, depth first, as [`delete_cascading`] would delete them: the photos and
/// signatures they name.
pub(super) fn hashes_below(
    conn: &Connection,
    keys: &[ForeignKey],
    table: &str,
    id: &str,
) -> Result<BTreeSet<String>> {
    let mut found = BTreeSet::new();
    for key in keys.iter().filter(|k| k.parent == table) {
        let children: Vec<String> = conn
            .prepare_cached(&format!(
                "SELECT id FROM \"{}\" WHERE \"{}\" = (SELECT \"{}\" FROM \"{table}\" WHERE id = ?1)",
                key.child, key.column, key.parent_column
            ))?
            .query_map([id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for child in children {
            found.extend(hashes_below(conn, keys, &key.child, &child)?);
        }
    }
    let mut stmt = conn.prepare_cached(&format!("SELECT * FROM \"{table}\" WHERE id = ?1"))?;
    let columns = stmt.column_count();
    let mut rows = stmt.query([id])?;
    while let Some(row) = rows.next()? {
        for i in 0..columns {
            if let ValueRef::Text(text) = row.get_ref(i)? {
                hashes_in(text, &mut found);
            }
        }
    }
    Ok(found)
}

/// Every run of exactly 64 lowercase hex digits in `text`.
fn hashes_in(text: &[u8], into: &mut BTreeSet<String>) {
    let hex = |b: &u8| b.is_ascii_digit() || (b'a'..=b'f').contains(b);
    let mut start = 0;
    while start < text.len() {
        let run = text[start..].iter().take_while(|b| hex(b)).count();
        if run == 64
            && let Ok(sha) = std::str::from_utf8(&text[start..start + 64])
        {
            into.insert(sha.to_owned());
        }
        start += run.max(1);
    }
}

/// Drops every change to record `id` from the outbox (sent or not) and from the changes
/// set aside: an erased record's fields must not live on in them.
pub(super) fn forget_changes_of(conn: &Connection, id: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM outbox WHERE entity_id = ?1")?
        .execute([id])?;
    conn.prepare_cached("DELETE FROM set_aside_changes WHERE entity_id = ?1")?
        .execute([id])?;
    Ok(())
}

/// Deletes the attachments among `candidates` that no record, outbox row or change set
/// aside still names (a photo two records share stays with the one that is left).
pub(super) fn forget_unnamed_attachments(
    conn: &Connection,
    candidates: &BTreeSet<String>,
) -> Result<()> {
    if candidates.is_empty() {
        return Ok(());
    }
    let mut tables: Vec<&str> = KINDS.iter().map(|k| k.table).collect();
    tables.extend(["outbox", "set_aside_changes"]);
    let mut probes = Vec::new();
    for table in tables {
        let columns: Vec<String> = conn
            .prepare_cached("SELECT name FROM pragma_table_info(?1) WHERE type = 'TEXT'")?
            .query_map([table], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if columns.is_empty() {
            continue;
        }
        let any: Vec<String> = columns
            .iter()
            .map(|c| format!("instr(\"{c}\", ?1) > 0"))
            .collect();
        probes.push(format!(
            "SELECT EXISTS (SELECT 1 FROM \"{table}\" WHERE {})",
            any.join(" OR ")
        ));
    }
    for sha in candidates {
        let mut named = false;
        for probe in &probes {
            if conn
                .prepare_cached(probe)?
                .query_row([sha], |r| r.get::<_, bool>(0))?
            {
                named = true;
                break;
            }
        }
        if !named {
            // Attachments are keyed by their reference, `sha256:<hex>`.
            let reference = format!("sha256:{sha}");
            conn.prepare_cached("DELETE FROM attachments WHERE sha256 IN (?1, ?2)")?
                .execute([sha, &reference])?;
            conn.prepare_cached("DELETE FROM attachments_on_hub WHERE sha256 IN (?1, ?2)")?
                .execute([sha, &reference])?;
        }
    }
    Ok(())
}
