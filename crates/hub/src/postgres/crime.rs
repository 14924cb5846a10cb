//! Police crime data: the burglaries imported and the imports themselves (see
//! [`crate::crime`]). Hub-only tables: nothing here enters the change log.

use deadpool_postgres::Pool;
use doorstep_reports::crime::CrimeImport;
use doorstep_reports::engine::Burglary;

use crate::crime::{
    CrimeImportSummary, StoredBurglary, stored_count, stored_day, stored_source, to_stored,
};
use crate::model::StoreError;

/// Burglaries sent to PostgreSQL in one statement: big enough to be quick, small enough
/// that one statement's arrays stay a few megabytes.
const CHUNK: usize = 5_000;

/// Writes an import in one transaction: the import's row first, as each burglary refers to
/// it, then the burglaries by key a chunk at a time, then the counts.
pub(super) async fn import(
    pool: &Pool,
    import: &CrimeImport,
    by: &str,
    label: &str,
    now: i64,
) -> Result<CrimeImportSummary, StoreError> {
    let rows = StoredBurglary::all(import);
    let id = uuid::Uuid::now_v7().to_string();
    let source = import.source.as_str();
    let (rejected, skipped) = (import.rejected_total, import.skipped_other_types);
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    tx.execute(
        "INSERT INTO crime_imports (id, source, file_label, rows_added, rows_updated, rejected,
             skipped, imported_by, at)
         VALUES ($1, $2, $3, 0, 0, $4, $5, $6, $7)",
        &[
            &id,
            &source,
            &label,
            &to_stored(rejected),
            &to_stored(skipped),
            &by,
            &now,
        ],
    )
    .await?;
    // `xmax = 0` is true of a row this statement inserted, false of one it updated: an
    // exact count even while another import runs.
    let upsert = tx
        .prepare_cached(
            "WITH written AS (
                 INSERT INTO crime_burglaries (key, source, day, uprn, postcode, lsoa,
                     imported_at, import_id)
                 SELECT k, $1, d, u, p, l, $2, $3
                 FROM unnest($4::TEXT[], $5::TEXT[], $6::TEXT[], $7::TEXT[], $8::TEXT[])
                     AS t (k, d, u, p, l)
                 ON CONFLICT (key) DO UPDATE SET source = excluded.source, day = excluded.day,
                     uprn = excluded.uprn, postcode = excluded.postcode, lsoa = excluded.lsoa,
                     imported_at = excluded.imported_at, import_id = excluded.import_id
                 RETURNING (xmax = 0) AS added
             )
             SELECT count(*) FILTER (WHERE added) FROM written",
        )
        .await?;
    let mut added = 0u64;
    for chunk in rows.chunks(CHUNK) {
        let keys: Vec<&str> = chunk.iter().map(|r| r.key.as_str()).collect();
        let days: Vec<&str> = chunk.iter().map(|r| r.day.as_str()).collect();
        let uprns: Vec<Option<&str>> = chunk.iter().map(|r| r.uprn.as_deref()).collect();
        let postcodes: Vec<Option<&str>> = chunk.iter().map(|r| r.postcode.as_deref()).collect();
        let lsoas: Vec<Option<&str>> = chunk.iter().map(|r| r.lsoa.as_deref()).collect();
        let row = tx
            .query_one(
                &upsert,
                &[&source, &now, &id, &keys, &days, &uprns, &postcodes, &lsoas],
            )
            .await?;
        added += stored_count(row.get::<_, i64>(0));
    }
    let updated = (rows.len() as u64).saturating_sub(added);
    tx.execute(
        "UPDATE crime_imports SET rows_added = $2, rows_updated = $3 WHERE id = $1",
        &[&id, &to_stored(added), &to_stored(updated)],
    )
    .await?;
    tx.commit().await?;
    Ok(CrimeImportSummary {
        id,
        source: import.source,
        file_label: label.to_owned(),
        rows_added: added,
        rows_updated: updated,
        rejected,
        skipped,
        imported_by: by.to_owned(),
        at: now,
    })
}

/// The burglaries dated `from` to `to`, both included, oldest first.
pub(super) async fn between(
    pool: &Pool,
    from: &str,
    to: &str,
) -> Result<Vec<Burglary>, StoreError> {
    let client = pool.get().await?;
    let rows = client
        .query(
            "SELECT day, uprn, postcode, lsoa FROM crime_burglaries
             WHERE day >= $1 AND day <= $2 ORDER BY day, key",
            &[&from, &to],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Burglary {
                date: stored_day(r.get::<_, &str>(0))?,
                uprn: r.get(1),
                postcode: r.get(2),
                lsoa: r.get(3),
            })
        })
        .collect()
}

/// The latest `limit` imports, newest first.
pub(super) async fn imports(
    pool: &Pool,
    limit: u32,
) -> Result<Vec<CrimeImportSummary>, StoreError> {
    let client = pool.get().await?;
    let rows = client
        .query(
            "SELECT id, source, file_label, rows_added, rows_updated, rejected, skipped,
                    imported_by, at
             FROM crime_imports ORDER BY at DESC, id DESC LIMIT $1",
            &[&i64::from(limit)],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(CrimeImportSummary {
                id: r.get(0),
                source: stored_source(r.get::<_, &str>(1))?,
                file_label: r.get(2),
                rows_added: stored_count(r.get(3)),
                rows_updated: stored_count(r.get(4)),
                rejected: stored_count(r.get(5)),
                skipped: stored_count(r.get(6)),
                imported_by: r.get(7),
                at: r.get(8),
            })
        })
        .collect()
}
