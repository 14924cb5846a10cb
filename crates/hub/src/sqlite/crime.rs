//! Police crime data: the burglaries imported and the imports themselves (see
//! [`crate::crime`]). Hub-only tables: nothing here enters the change log.

use doorstep_reports::crime::CrimeSource;
use doorstep_reports::engine::Burglary;
use rusqlite::{Connection, Transaction, params};

use crate::crime::{
    CrimeImportSummary, StoredBurglary, stored_count, stored_day, stored_source, to_stored,
};
use crate::model::StoreError;

/// What an import writes, owned so it can move to the blocking thread.
#[derive(Debug)]
pub(super) struct Batch {
    pub source: CrimeSource,
    pub rows: Vec<StoredBurglary>,
    pub rejected: u64,
    pub skipped: u64,
}

/// Writes a batch (inside the caller's transaction): the import's row first, as each
/// burglary refers to it, then every burglary by key, then the counts.
pub(super) fn import(
    tx: &Transaction<'_>,
    batch: &Batch,
    by: &str,
    label: &str,
    now: i64,
) -> Result<CrimeImportSummary, StoreError> {
    let id = uuid::Uuid::now_v7().to_string();
    let source = batch.source.as_str();
    tx.execute(
        "INSERT INTO crime_imports (id, source, file_label, rows_added, rows_updated, rejected,
             skipped, imported_by, at)
         VALUES (?1, ?2, ?3, 0, 0, ?4, ?5, ?6, ?7)",
        params![
            id,
            source,
            label,
            to_stored(batch.rejected),
            to_stored(batch.skipped),
            by,
            now
        ],
    )?;
    // Counted before and after: the transaction holds the write lock, and the parser gives
    // each key once, so the difference is exactly the rows added.
    let count = || -> Result<i64, StoreError> {
        Ok(tx.query_row("SELECT count(*) FROM crime_burglaries", [], |r| r.get(0))?)
    };
    let before = count()?;
    {
        let mut upsert = tx.prepare_cached(
            "INSERT INTO crime_burglaries (key, source, day, uprn, postcode, lsoa, imported_at,
                 import_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (key) DO UPDATE SET source = excluded.source, day = excluded.day,
                 uprn = excluded.uprn, postcode = excluded.postcode, lsoa = excluded.lsoa,
                 imported_at = excluded.imported_at, import_id = excluded.import_id",
        )?;
        for r in &batch.rows {
            upsert.execute(params![
                r.key, source, r.day, r.uprn, r.postcode, r.lsoa, now, id
            ])?;
        }
    }
    let added = stored_count(count()? - before);
    let updated = (batch.rows.len() as u64).saturating_sub(added);
    tx.execute(
        "UPDATE crime_imports SET rows_added = ?2, rows_updated = ?3 WHERE id = ?1",
        params![id, to_stored(added), to_stored(updated)],
    )?;
    Ok(CrimeImportSummary {
        id,
        source: batch.source,
        file_label: label.to_owned(),
        rows_added: added,
        rows_updated: updated,
        rejected: batch.rejected,
        skipped: batch.skipped,
        imported_by: by.to_owned(),
        at: now,
    })
}

/// The burglaries dated `from` to `to`, both included, oldest first.
pub(super) fn between(
    conn: &Connection,
    from: &str,
    to: &str,
) -> Result<Vec<Burglary>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT day, uprn, postcode, lsoa FROM crime_burglaries
         WHERE day >= ?1 AND day <= ?2 ORDER BY day, key",
    )?;
    let rows = stmt
        .query_map([from, to], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(day, uprn, postcode, lsoa)| {
            Ok(Burglary {
                date: stored_day(&day)?,
                uprn,
                postcode,
                lsoa,
            })
        })
        .collect()
}

/// The latest `limit` imports, newest first.
pub(super) fn imports(
    conn: &Connection,
    limit: u32,
) -> Result<Vec<CrimeImportSummary>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, source, file_label, rows_added, rows_updated, rejected, skipped,
                imported_by, at
         FROM crime_imports ORDER BY at DESC, id DESC LIMIT ?1",
    )?;
    let rows = stmt
        .query_map([i64::from(limit)], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                [r.get::<_, i64>(3)?, r.get(4)?, r.get(5)?, r.get(6)?],
                r.get::<_, String>(7)?,
                r.get::<_, i64>(8)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(
            |(id, source, file_label, [added, updated, rejected, skipped], by, at)| {
                Ok(CrimeImportSummary {
                    id,
                    source: stored_source(&source)?,
                    file_label,
                    rows_added: stored_count(added),
                    rows_updated: stored_count(updated),
                    rejected: stored_count(rejected),
                    skipped: stored_count(skipped),
                    imported_by: by,
                    at,
                })
            },
        )
        .collect()
}
